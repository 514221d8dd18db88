/*
 * Per-packet cost of the protocol-core crypto, single thread.
 *
 *   tests/bench/bench_crypto [seconds-per-case]
 *
 * Not part of make check: numbers depend on the machine.  Each case runs
 * for about the given time (default 0.5 s) after a short warm-up.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <openssl/rand.h>

#include "cookie.h"
#include "datachan.h"
#include "tlsauth.h"

#define PKT_LEN		1400

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef int (*bench_fn)(void *);

/* Runs fn in batches until secs have passed; returns ns per call. */
static double
run(bench_fn fn, void *arg, double secs, long *sink)
{
	long n = 0, batch = 1000, i;
	double t0, t;

	for (i = 0; i < batch; i++)	/* warm-up */
		*sink += fn(arg);
	t0 = now_s();
	do {
		for (i = 0; i < batch; i++)
			*sink += fn(arg);
		n += batch;
		t = now_s();
	} while (t - t0 < secs);
	return (t - t0) * 1e9 / (double)n;
}

struct ta_case {
	struct tlsauth	*ta;
	size_t		 len;
	uint8_t		 pkt[128];
};

static int
b_unwrap(void *arg)
{
	struct ta_case *c = arg;
	struct ctl_hdr h;
	const uint8_t *body;
	size_t blen;

	return tlsauth_unwrap(c->ta, c->pkt, c->len, &h, &body, &blen);
}

struct ck_case {
	struct cookie	*ck;
	uint8_t		 addr[16], csid[8], ssid[8];
};

static int
b_cookie(void *arg)
{
	struct ck_case *c = arg;

	return cookie_check(c->ck, 1795655948, 60, c->addr, sizeof(c->addr),
	    c->csid, c->ssid);
}

struct dc_case {
	struct dc_key	*tx, *rx;
	uint32_t	 pid;
	uint8_t		 plain[PKT_LEN];
	uint8_t		 pkt[PKT_LEN + DC_MAX_OVERHEAD];
	size_t		 pkt_len;
	uint8_t		 out[PKT_LEN + DC_MAX_OVERHEAD];
};

static int
b_encrypt(void *arg)
{
	struct dc_case *c = arg;

	return dc_encrypt(c->tx, 0, 0, ++c->pid, c->plain, PKT_LEN, c->out,
	    sizeof(c->out));
}

static int
b_decrypt(void *arg)
{
	struct dc_case *c = arg;
	uint32_t pid;

	return dc_decrypt(c->rx, c->pkt, c->pkt_len, &pid, c->out,
	    sizeof(c->out));
}

static void
report(const char *what, double ns, size_t bytes)
{
	if (bytes)
		printf("%-40s %8.1f ns/op  %6.2f Mpps  %6.2f Gbit/s\n", what,
		    ns, 1e3 / ns, (double)bytes * 8 / ns);
	else
		printf("%-40s %8.1f ns/op  %6.2f Mpps\n", what, ns, 1e3 / ns);
}

int
main(int argc, char *argv[])
{
	static const char *const digests[] = { "SHA1", "SHA256", "SHA512" };
	static const struct {
		enum dc_cipher	 c;
		const char	*digest;
	} dcs[] = {
		{ DC_AES_128_GCM, NULL },
		{ DC_AES_256_GCM, NULL },
		{ DC_CHACHA20_POLY1305, NULL },
		{ DC_AES_256_CBC, "SHA256" },
	};
	double secs = argc > 1 ? atof(argv[1]) : 0.5;
	uint8_t key[256], ckey[COOKIE_KEY_LEN];
	char err[256], name[64];
	long sink = 0;
	size_t i;

	if (secs <= 0)
		secs = 0.5;
	printf("%s, 1 thread\n", OpenSSL_version(OPENSSL_VERSION));
	if (RAND_bytes(key, sizeof(key)) != 1 ||
	    RAND_bytes(ckey, sizeof(ckey)) != 1)
		return 1;

	for (i = 0; i < sizeof(digests) / sizeof(digests[0]); i++) {
		struct ta_case c;

		if ((c.ta = tlsauth_new(key, 0, digests[i], err,
		    sizeof(err))) == NULL) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		/*
		 * A HARD_RESET_CLIENT_V2 whose HMAC is garbage: 54 bytes
		 * with SHA256, as long as the digest needs otherwise.
		 */
		RAND_bytes(c.pkt, sizeof(c.pkt));
		c.pkt[0] = 0x38;
		c.len = 1 + 8 + tlsauth_overhead(c.ta) + 5;
		snprintf(name, sizeof(name), "tlsauth_unwrap bad HMAC-%s %zuB",
		    digests[i], c.len);
		report(name, run(b_unwrap, &c, secs, &sink), 0);
		if (i == 0) {
			c.len = 20;
			report("tlsauth_unwrap runt 20B (no crypto)",
			    run(b_unwrap, &c, secs, &sink), 0);
		}
		tlsauth_free(c.ta);
	}

	{
		struct ck_case c;

		c.ck = cookie_new(ckey);
		RAND_bytes(c.addr, sizeof(c.addr));
		RAND_bytes(c.csid, sizeof(c.csid));
		cookie_make(c.ck, 1795655948, 60, c.addr, sizeof(c.addr),
		    c.csid, c.ssid);
		report("cookie_check valid (1 HMAC)",
		    run(b_cookie, &c, secs, &sink), 0);
		c.ssid[0] ^= 1;
		report("cookie_check forged (4 HMACs)",
		    run(b_cookie, &c, secs, &sink), 0);
		cookie_free(c.ck);
	}

	for (i = 0; i < sizeof(dcs) / sizeof(dcs[0]); i++) {
		struct dc_case *c = calloc(1, sizeof(*c));
		int n;

		c->tx = dc_key_new(dcs[i].c, key, DC_ROLE_SERVER,
		    dcs[i].digest, err, sizeof(err));
		c->rx = dc_key_new(dcs[i].c, key, DC_ROLE_CLIENT,
		    dcs[i].digest, err, sizeof(err));
		if (c->tx == NULL || c->rx == NULL) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
		RAND_bytes(c->plain, sizeof(c->plain));
		n = dc_encrypt(c->tx, 0, 0, 1, c->plain, PKT_LEN, c->pkt,
		    sizeof(c->pkt));
		if (n < 0)
			return 1;
		c->pkt_len = (size_t)n;
		snprintf(name, sizeof(name), "dc_encrypt %s%s%s %dB",
		    dc_cipher_name(dcs[i].c), dcs[i].digest ? "/" : "",
		    dcs[i].digest ? dcs[i].digest : "", PKT_LEN);
		report(name, run(b_encrypt, c, secs, &sink), PKT_LEN);
		snprintf(name, sizeof(name), "dc_decrypt %s%s%s %dB",
		    dc_cipher_name(dcs[i].c), dcs[i].digest ? "/" : "",
		    dcs[i].digest ? dcs[i].digest : "", PKT_LEN);
		report(name, run(b_decrypt, c, secs, &sink), PKT_LEN);
		dc_key_free(c->tx);
		dc_key_free(c->rx);
		free(c);
	}
	/* sink keeps the calls from being optimised away. */
	fflush(stdout);
	fprintf(stderr, "(checksum %ld)\n", sink);
	return 0;
}
