/*
 * flood: a bounded UDP load generator for tests/bench/flood.sh.
 *
 *   flood [-k KIND] [-n COUNT] [-r RATE] [-s SOURCES] [-a FIRST]
 *         [-p PORT] [-t SECONDS] [-u USER] TARGET
 *
 * Sends COUNT datagrams to TARGET (an IPv4 loopback address:port) at
 * RATE a second (0: as fast as it can), from SOURCES addresses counted
 * up from FIRST (all in 127.0.0.0/8), round robin, all from one socket
 * bound to PORT: sendmmsg() in batches, each datagram's source address
 * set with an IP_PKTINFO control message, so no socket per source is
 * needed.  Replies come back to the same socket (it is bound to the
 * wildcard address) and are counted.  KIND:
 *
 *   register  an unauthenticated REGISTER, a new Call-ID each
 *   garbage   bytes that are not SIP (a start line no parser takes)
 *   badauth   a REGISTER from every source, then, for each 401 that comes
 *             back, a REGISTER with that nonce and a wrong response (user
 *             USER): a failed authentication per source, COUNT ignored
 *
 * It stops after COUNT datagrams or SECONDS seconds (default 60),
 * whichever comes first, and prints one line:
 *
 *   kind=K sent=N seconds=S.SSS offered_rate=R replies=M status_401=X
 *
 * Loopback only: a TARGET or a source outside 127.0.0.0/8 is refused.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* sendmmsg, recvmmsg, struct in_pktinfo */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH   64
#define MSGMAX  1400
#define MAXNCNT 200

enum kind { K_REGISTER, K_GARBAGE, K_BADAUTH };

struct opts {
	enum kind kind;
	unsigned long count;
	unsigned long rate;
	uint32_t nsrc;
	uint32_t first; /* host order */
	uint16_t port;
	double seconds;
	const char *user;
	struct sockaddr_in dst;
};

struct tally {
	unsigned long sent;
	unsigned long replies;
	unsigned long s401;
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static bool
loopback(uint32_t a)
{
	return ((a >> 24) == 127);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: flood [-k register|garbage|badauth] [-n COUNT] [-r RATE]"
	    " [-s SOURCES] [-a FIRST] [-p PORT] [-t SECONDS] [-u USER]"
	    " TARGET\n");
	exit(2);
}

static unsigned long
num(const char *s, unsigned long max, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *s == '\0' || *end != '\0' || v > max) {
		fprintf(stderr, "flood: %s: not a number up to %lu: %s\n", what,
		    max, s);
		exit(2);
	}
	return (v);
}

static void
parse(int argc, char **argv, struct opts *o)
{
	struct in_addr a;
	char host[64], *colon;
	int c;

	memset(o, 0, sizeof(*o));
	o->count = 100000;
	o->nsrc = 1;
	o->first = 0x7f020000; /* 127.2.0.0 */
	o->seconds = 60;
	o->user = "alice";
	while ((c = getopt(argc, argv, "k:n:r:s:a:p:t:u:")) != -1) {
		switch (c) {
		case 'k':
			if (strcmp(optarg, "register") == 0)
				o->kind = K_REGISTER;
			else if (strcmp(optarg, "garbage") == 0)
				o->kind = K_GARBAGE;
			else if (strcmp(optarg, "badauth") == 0)
				o->kind = K_BADAUTH;
			else
				usage();
			break;
		case 'n':
			o->count = num(optarg, 100000000, "-n");
			break;
		case 'r':
			o->rate = num(optarg, 10000000, "-r");
			break;
		case 's':
			o->nsrc = (uint32_t)num(optarg, 1u << 22, "-s");
			if (o->nsrc == 0)
				usage();
			break;
		case 'a':
			if (inet_pton(AF_INET, optarg, &a) != 1)
				usage();
			o->first = ntohl(a.s_addr);
			break;
		case 'p':
			o->port = (uint16_t)num(optarg, 65535, "-p");
			break;
		case 't':
			o->seconds = (double)num(optarg, 3600, "-t");
			break;
		case 'u':
			o->user = optarg;
			break;
		default:
			usage();
		}
	}
	if (optind + 1 != argc || strlen(argv[optind]) >= sizeof(host))
		usage();
	strcpy(host, argv[optind]);
	colon = strrchr(host, ':');
	if (colon == NULL)
		usage();
	*colon = '\0';
	o->dst.sin_family = AF_INET;
	o->dst.sin_port = htons((uint16_t)num(colon + 1, 65535, "port"));
	if (inet_pton(AF_INET, host, &o->dst.sin_addr) != 1)
		usage();
	if (!loopback(ntohl(o->dst.sin_addr.s_addr)) || !loopback(o->first) ||
	    !loopback(o->first + o->nsrc - 1) ||
	    o->first + o->nsrc - 1 < o->first) {
		fprintf(stderr,
		    "flood: target and sources must be in "
		    "127.0.0.0/8\n");
		exit(2);
	}
}

static void
addr_str(uint32_t a, char *buf, size_t n)
{
	struct in_addr ia = { htonl(a) };

	inet_ntop(AF_INET, &ia, buf, (socklen_t)n);
}

/* Datagram seq of kind k from src into buf; returns its length. */
static size_t
build(const struct opts *o, enum kind k, unsigned long seq, uint32_t src,
    const char *auth, char *buf)
{
	char s[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	int n;

	addr_str(src, s, sizeof(s));
	addr_str(ntohl(o->dst.sin_addr.s_addr), d, sizeof(d));
	if (k == K_GARBAGE)
		n = snprintf(buf, MSGMAX,
		    "\x16\x03\x01 not sip %lu from %s %08lx%08lx\r\n\r\n", seq,
		    s, seq * 2654435761ul, seq ^ 0x5a5a5a5aul);
	else
		n = snprintf(buf, MSGMAX,
		    "REGISTER sip:%s SIP/2.0\r\n"
		    "Via: SIP/2.0/UDP %s:%u;branch=z9hG4bK-fl%lx;rport\r\n"
		    "Max-Forwards: 70\r\n"
		    "From: <sip:%s@bench.test>;tag=fl%lx\r\n"
		    "To: <sip:%s@bench.test>\r\n"
		    "Call-ID: fl%lx-%s@flood\r\n"
		    "CSeq: 1 REGISTER\r\n"
		    "Contact: <sip:%s@%s:%u>\r\n"
		    "%s"
		    "Expires: 60\r\n"
		    "Content-Length: 0\r\n\r\n",
		    d, s, (unsigned)o->port, seq, o->user, seq, o->user, seq, s,
		    o->user, s, (unsigned)o->port, auth != NULL ? auth : "");
	return (n < 0 ? 0 : (size_t)n);
}

/* Read what has come back, without waiting; nonce of each 401 kept. */
static void
drain(int fd, const struct opts *o, struct tally *t, char (*nonces)[MAXNCNT])
{
	static char buf[BATCH][2048];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in from[BATCH];
	int i, n;

	for (;;) {
		memset(mm, 0, sizeof(mm));
		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = sizeof(buf[i]) - 1;
			mm[i].msg_hdr.msg_iov = &iov[i];
			mm[i].msg_hdr.msg_iovlen = 1;
			mm[i].msg_hdr.msg_name = &from[i];
			mm[i].msg_hdr.msg_namelen = sizeof(from[i]);
		}
		n = recvmmsg(fd, mm, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (i = 0; i < n; i++) {
			char *m = buf[i], *p, *q;
			uint32_t a;

			m[mm[i].msg_len] = '\0';
			t->replies++;
			if (strncmp(m, "SIP/2.0 401 ", 12) != 0)
				continue;
			t->s401++;
			/* Whom it went to: the Contact's host is the source. */
			if (nonces == NULL ||
			    (p = strstr(m, "nonce=\"")) == NULL ||
			    (q = strchr(p + 7, '"')) == NULL ||
			    (size_t)(q - p - 7) >= MAXNCNT)
				continue;
			a = 0;
			{
				char *v = strstr(m, "\r\nVia: SIP/2.0/UDP ");
				struct in_addr ia;
				char h[INET_ADDRSTRLEN];
				size_t l;

				if (v == NULL)
					continue;
				v += 19;
				l = strcspn(v, ":;");
				if (l >= sizeof(h))
					continue;
				memcpy(h, v, l);
				h[l] = '\0';
				if (inet_pton(AF_INET, h, &ia) != 1)
					continue;
				a = ntohl(ia.s_addr);
			}
			if (a < o->first || a - o->first >= o->nsrc)
				continue;
			memcpy(nonces[a - o->first], p + 7,
			    (size_t)(q - p - 7));
			nonces[a - o->first][q - p - 7] = '\0';
		}
	}
}

/* Send up to n datagrams (one batch) built by build(); returns sent. */
static int
send_batch(int fd, const struct opts *o, enum kind k, unsigned long seq0, int n,
    const uint32_t *src, char *const *auth)
{
	static char buf[BATCH][MSGMAX];
	static char cbuf[BATCH][CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct mmsghdr mm[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in dst = o->dst;
	int i, r;

	memset(mm, 0, sizeof(mm));
	memset(cbuf, 0, sizeof(cbuf));
	for (i = 0; i < n; i++) {
		struct cmsghdr *c;
		struct in_pktinfo pi;

		iov[i].iov_base = buf[i];
		iov[i].iov_len = build(o, k, seq0 + (unsigned long)i, src[i],
		    auth != NULL ? auth[i] : NULL, buf[i]);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = &dst;
		mm[i].msg_hdr.msg_namelen = sizeof(o->dst);
		mm[i].msg_hdr.msg_control = cbuf[i];
		mm[i].msg_hdr.msg_controllen = sizeof(cbuf[i]);
		c = CMSG_FIRSTHDR(&mm[i].msg_hdr);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		memset(&pi, 0, sizeof(pi));
		pi.ipi_spec_dst.s_addr = htonl(src[i]);
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	for (i = 0; i < n; i += r) {
		r = sendmmsg(fd, mm + i, (unsigned)(n - i), 0);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == ENOBUFS) {
				r = 0;
				continue;
			}
			perror("flood: sendmmsg");
			exit(1);
		}
	}
	return (n);
}

/* COUNT datagrams of o->kind, paced at o->rate, bounded by o->seconds. */
static void
run_flood(int fd, const struct opts *o, struct tally *t, double t0)
{
	uint32_t src[BATCH];
	unsigned long seq = 0;
	int i, n;

	while (seq < o->count && now_s() - t0 < o->seconds) {
		n = o->count - seq < BATCH ? (int)(o->count - seq) : BATCH;
		if (o->rate > 0) {
			double due = t0 + (double)seq / (double)o->rate;
			double w = due - now_s();

			if (w > 0) {
				struct timespec ts = { (time_t)w,
					(long)((w - (double)(time_t)w) * 1e9) };

				nanosleep(&ts, NULL);
			}
		}
		for (i = 0; i < n; i++)
			src[i] = o->first +
			    (uint32_t)((seq + (unsigned long)i) % o->nsrc);
		t->sent += (unsigned long)send_batch(fd, o, o->kind, seq, n,
		    src, NULL);
		seq += (unsigned long)n;
		drain(fd, o, t, NULL);
	}
}

/* Every source: a REGISTER, then a wrong answer to the 401 it gets. */
static void
run_badauth(int fd, const struct opts *o, struct tally *t, double t0)
{
	char(*nonces)[MAXNCNT] = calloc(o->nsrc, MAXNCNT);
	static char authbuf[BATCH][MAXNCNT + 256];
	char *auth[BATCH];
	uint32_t src[BATCH];
	unsigned long seq = 0;
	uint32_t i, j;
	double end;
	int n;

	if (nonces == NULL) {
		perror("flood: calloc");
		exit(1);
	}
	for (i = 0; i < o->nsrc; i += BATCH) {
		n = o->nsrc - i < BATCH ? (int)(o->nsrc - i) : BATCH;
		for (j = 0; j < (uint32_t)n; j++)
			src[j] = o->first + i + j;
		t->sent += (unsigned long)send_batch(fd, o, K_REGISTER, seq, n,
		    src, NULL);
		seq += (unsigned long)n;
		drain(fd, o, t, nonces);
		usleep(1000);
	}
	end = now_s() + 1.0;
	while (now_s() < end && now_s() - t0 < o->seconds) {
		drain(fd, o, t, nonces);
		usleep(2000);
	}
	n = 0;
	for (i = 0; i < o->nsrc; i++) {
		if (nonces[i][0] == '\0')
			continue;
		snprintf(authbuf[n], sizeof(authbuf[n]),
		    "Authorization: Digest username=\"%s\", "
		    "realm=\"bench.test\", nonce=\"%s\", uri=\"sip:%s\", "
		    "response=\"00000000000000000000000000000000\", "
		    "algorithm=MD5\r\n",
		    o->user, nonces[i], inet_ntoa(o->dst.sin_addr));
		auth[n] = authbuf[n];
		src[n++] = o->first + i;
		if (n == BATCH || i + 1 == o->nsrc) {
			t->sent += (unsigned long)send_batch(fd, o, K_REGISTER,
			    seq, n, src, auth);
			seq += (unsigned long)n;
			n = 0;
			drain(fd, o, t, NULL);
			usleep(1000);
		}
	}
	if (n > 0)
		t->sent += (unsigned long)send_batch(fd, o, K_REGISTER, seq, n,
		    src, auth);
	free(nonces);
}

int
main(int argc, char **argv)
{
	static const char *names[] = { "register", "garbage", "badauth" };
	struct sockaddr_in me;
	struct opts o;
	struct tally t = { 0 };
	double t0, el;
	int fd, one = 1, big = 8 << 20;

	parse(argc, argv, &o);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("flood: socket");
		return (1);
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof(big));
	memset(&me, 0, sizeof(me));
	me.sin_family = AF_INET;
	me.sin_port = htons(o.port);
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) != 0) {
		perror("flood: bind");
		return (1);
	}
	if (o.port == 0) {
		socklen_t l = sizeof(me);

		(void)getsockname(fd, (struct sockaddr *)&me, &l);
		o.port = ntohs(me.sin_port);
	}
	t0 = now_s();
	if (o.kind == K_BADAUTH)
		run_badauth(fd, &o, &t, t0);
	else
		run_flood(fd, &o, &t, t0);
	el = now_s() - t0;
	usleep(200000);
	drain(fd, &o, &t, NULL);
	printf("kind=%s sent=%lu seconds=%.3f offered_rate=%.0f replies=%lu "
	       "status_401=%lu\n",
	    names[o.kind], t.sent, el, el > 0 ? (double)t.sent / el : 0.0,
	    t.replies, t.s401);
	close(fd);
	return (0);
}
