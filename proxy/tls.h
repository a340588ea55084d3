/*
 * The TLS server context of a snapshot: the certificate chain and key of
 * tls_cert / tls_key, TLS 1.2 and 1.3 only, forward-secret AEAD ciphers.
 * Built by the loader with the rest of a snapshot, so SIGHUP reloads the
 * certificate; a connection keeps the context it was accepted with
 * (OpenSSL counts the references), so a reload never cuts one.
 */
#ifndef SW_PROXY_TLS_H
#define SW_PROXY_TLS_H

typedef struct ssl_ctx_st SSL_CTX;

/*
 * Load cert (PEM chain) and key (PEM) into a new server context.  On
 * failure errh gets "FILE: what went wrong" and an errno value is
 * returned.
 */
int tls_ctx_load(const char *cert, const char *key, SSL_CTX **ctxp,
    void (*errh)(const char *msg, void *arg), void *arg);

/*
 * The notAfter of ctx's certificate, seconds since the epoch; 0 when ctx
 * is NULL or has none (for the metrics, and an alert before it expires).
 */
unsigned long long tls_ctx_not_after(SSL_CTX *ctx);

/* The TLS 1.2 cipher list (TLS 1.3 keeps OpenSSL's three AEAD suites). */
#define TLS_CIPHERS12                                                          \
	"ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"           \
	"ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"           \
	"ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305"

#endif
