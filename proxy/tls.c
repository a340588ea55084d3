/*
 * TLS server contexts; see tls.h.
 */
#include <errno.h>
#include <stdio.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "proxy/tls.h"

static void
tls_err(void (*errh)(const char *, void *), void *arg, const char *file,
    const char *what)
{
	char msg[1024], ossl[256];
	unsigned long e = ERR_get_error();

	if (e != 0)
		ERR_error_string_n(e, ossl, sizeof(ossl));
	(void)snprintf(msg, sizeof(msg), "%s: %s%s%s", file, what,
	    e != 0 ? ": " : "", e != 0 ? ossl : "");
	ERR_clear_error();
	errh(msg, arg);
}

static int
tls_no_passphrase(char *buf, int size, int rwflag, void *arg)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)arg;
	return (-1);
}

int
tls_ctx_load(const char *cert, const char *key, SSL_CTX **ctxp,
    void (*errh)(const char *msg, void *arg), void *arg)
{
	EVP_PKEY *pkey = NULL;
	SSL_CTX *ctx;
	FILE *f;

	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL) {
		tls_err(errh, arg, cert, "cannot make a TLS context");
		return (ENOMEM);
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, TLS_CIPHERS12) != 1) {
		tls_err(errh, arg, cert, "cannot set the TLS versions");
		goto bad;
	}
	/*
	 * Server order; no renegotiation, no compression, no tickets; a
	 * peer that closes without close_notify has just gone away (SIP
	 * frames its own messages, truncation cannot go unnoticed).
	 */
	(void)SSL_CTX_set_options(ctx,
	    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION |
		SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET |
		SSL_OP_IGNORE_UNEXPECTED_EOF);
	(void)SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	/* Resumption for phones that reconnect, in bounded memory. */
	(void)SSL_CTX_sess_set_cache_size(ctx, 4096);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tls_err(errh, arg, cert, "cannot load the certificate");
		goto bad;
	}
	/* Read, then compare, then install: each failure says which. */
	if ((f = fopen(key, "re")) == NULL) {
		tls_err(errh, arg, key, "cannot open the private key");
		goto bad;
	}
	/* An encrypted key is refused, never a passphrase prompt. */
	pkey = PEM_read_PrivateKey(f, NULL, tls_no_passphrase, NULL);
	(void)fclose(f);
	if (pkey == NULL) {
		tls_err(errh, arg, key, "cannot load the private key");
		goto bad;
	}
	if (X509_check_private_key(SSL_CTX_get0_certificate(ctx), pkey) != 1) {
		ERR_clear_error();
		tls_err(errh, arg, key, "the key does not match tls_cert");
		goto bad;
	}
	if (SSL_CTX_use_PrivateKey(ctx, pkey) != 1) {
		tls_err(errh, arg, key, "cannot use the private key");
		goto bad;
	}
	EVP_PKEY_free(pkey);
	*ctxp = ctx;
	return (0);
bad:
	EVP_PKEY_free(pkey);
	SSL_CTX_free(ctx);
	return (EINVAL);
}

unsigned long long
tls_ctx_not_after(SSL_CTX *ctx)
{
	const ASN1_TIME *t;
	struct tm tm;
	X509 *x;
	time_t s;

	if (ctx == NULL || (x = SSL_CTX_get0_certificate(ctx)) == NULL ||
	    (t = X509_get0_notAfter(x)) == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return (0);
	s = timegm(&tm);
	return (s > 0 ? (unsigned long long)s : 0);
}
