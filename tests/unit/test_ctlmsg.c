/*
 * Control-message tests: PUSH_REPLY against the captured reply
 * (tests/vectors/udp-tls-auth-sha256/push-reply.txt), push-continuation,
 * command splitting, and cipher negotiation with the captured peer-info.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlmsg.h"
#include "km2.h"
#include "vec.h"

#define DIR		"udp-tls-auth-sha256/"
#define CONT_MORE	",push-continuation 2"
#define CONT_LAST	",push-continuation 1"
#define DEFAULT_CIPHERS	"AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305"

/* What a daemon pushes for the captured session, in 2.6 order. */
static const char *const captured_opts[] = {
	"route-gateway 10.99.8.1",
	"topology subnet",
	"ping 10",
	"ping-restart 60",
	"ifconfig 10.99.8.2 255.255.255.0",
	"peer-id 0",
	"cipher AES-256-GCM",
	"protocol-flags cc-exit tls-ekm dyn-tls-crypt",
	"tun-mtu 1500",
};
#define NCAPTURED (sizeof(captured_opts) / sizeof(captured_opts[0]))

/* push-reply.txt: the PUSH_REPLY line, its trailing "\0" made a NUL. */
static size_t
captured_reply(char *buf, size_t cap)
{
	char *text = vec_read(DIR "push-reply.txt", NULL), *p, *eol;
	size_t n;

	ck_assert_ptr_nonnull(p = strstr(text, "\nPUSH_REPLY,"));
	p++;
	ck_assert_ptr_nonnull(eol = strchr(p, '\n'));
	ck_assert(eol - p > 2 && memcmp(eol - 2, "\\0", 2) == 0);
	n = (size_t)(eol - 2 - p);
	ck_assert_uint_lt(n, cap);
	memcpy(buf, p, n);
	buf[n] = '\0';
	free(text);
	return n + 1;
}

START_TEST(test_push_reply_captured)
{
	char want[1024], got[4096];
	uint8_t rec[1024];
	char *keys, *p;
	size_t wlen = captured_reply(want, sizeof(want)), glen;

	ck_assert_uint_eq(wlen, 195);
	ck_assert_int_eq(push_reply_build(captured_opts, NCAPTURED, got,
	    sizeof(got), &glen), 1);
	ck_assert_uint_eq(glen, wlen);
	ck_assert_mem_eq(got, want, wlen);

	/* The same bytes as the decrypted TLS record in expected.txt. */
	keys = vec_read(DIR "expected-tls-and-keys.txt", NULL);
	ck_assert_ptr_nonnull(p = strstr(keys,
	    "server->client APPLICATION DATA (195 bytes): "));
	p = strchr(p, ':') + 2;
	*strchr(p, '\n') = '\0';
	ck_assert_uint_eq(vec_hex(p, rec, sizeof(rec)), 195);
	ck_assert_mem_eq(got, rec, 195);
	free(keys);
}
END_TEST

/* Splits the messages in out and checks shape, sizes and option order. */
static void
check_continuation(const char *const *opts, size_t nopts, const char *out,
    size_t outlen, int nmsg)
{
	char msg[CTLMSG_PUSH_BUNDLE], *tok, *save;
	size_t off = 0, next = 0, mlen, body;
	int i;

	for (i = 0; i < nmsg; i++) {
		ck_assert_uint_lt(off, outlen);
		mlen = strlen(out + off) + 1;
		ck_assert_msg(mlen <= CTLMSG_PUSH_BUNDLE, "message %d: %zu "
		    "bytes", i, mlen);
		ck_assert_uint_eq(strncmp(out + off, "PUSH_REPLY,", 11), 0);
		body = mlen - 1 - 11;
		if (nmsg > 1) {
			const char *suf = i == nmsg - 1 ? CONT_LAST : CONT_MORE;

			ck_assert_uint_gt(body, strlen(suf));
			ck_assert_str_eq(out + off + mlen - 1 - strlen(suf), suf);
			body -= strlen(suf);
		}
		memcpy(msg, out + off + 11, body);
		msg[body] = '\0';
		for (tok = strtok_r(msg, ",", &save); tok != NULL;
		    tok = strtok_r(NULL, ",", &save)) {
			ck_assert_uint_lt(next, nopts);
			ck_assert_str_eq(tok, opts[next]);
			next++;
		}
		off += mlen;
	}
	ck_assert_uint_eq(off, outlen);
	ck_assert_uint_eq(next, nopts);
}

START_TEST(test_push_continuation_routes)
{
	static char routes[60][64];
	const char *opts[NCAPTURED + 60];
	char out[8192];
	size_t n = 0, outlen, i;
	int nmsg;

	for (i = 0; i < 5; i++)
		opts[n++] = captured_opts[i];
	for (i = 0; i < 60; i++) {
		snprintf(routes[i], sizeof(routes[i]),
		    "route 10.%zu.%zu.0 255.255.255.0", 100 + i, i * 3);
		opts[n++] = routes[i];
	}
	for (i = 5; i < NCAPTURED; i++)
		opts[n++] = captured_opts[i];

	nmsg = push_reply_build(opts, n, out, sizeof(out), &outlen);
	ck_assert_int_ge(nmsg, 3);
	check_continuation(opts, n, out, outlen, nmsg);

	/* Exactly the size needed is enough; one byte less is not. */
	ck_assert_int_eq(push_reply_build(opts, n, out, outlen, &i), nmsg);
	ck_assert_uint_eq(i, outlen);
	ck_assert_int_eq(push_reply_build(opts, n, out, outlen - 1, &i), -1);
}
END_TEST

/* A list of exactly 1024 bytes incl. NUL is one message; 1025 are two. */
START_TEST(test_push_bundle_boundary)
{
	char a[4][251], last[16], out[4096];
	const char *opts[5];
	size_t outlen;
	int i;

	for (i = 0; i < 4; i++) {
		memset(a[i], 'a' + i, 250);
		a[i][250] = '\0';
		opts[i] = a[i];
	}
	/* 10 + 4 * 251 + 1 + 8 + 1 = 1024 */
	snprintf(last, sizeof(last), "ping 100");
	opts[4] = last;
	ck_assert_int_eq(push_reply_build(opts, 5, out, sizeof(out), &outlen),
	    1);
	ck_assert_uint_eq(outlen, CTLMSG_PUSH_BUNDLE);
	check_continuation(opts, 5, out, outlen, 1);

	snprintf(last, sizeof(last), "ping 1000");
	ck_assert_int_eq(push_reply_build(opts, 5, out, sizeof(out), &outlen),
	    2);
	check_continuation(opts, 5, out, outlen, 2);
}
END_TEST

START_TEST(test_push_reject)
{
	char big[300], out[4096];
	const char *opts[2] = { "topology subnet", NULL };
	size_t outlen = 99;

	opts[1] = "dhcp-option DNS 10.0.0.1,route 1.2.3.0 255.255.255.0";
	ck_assert_int_eq(push_reply_build(opts, 2, out, sizeof(out), &outlen),
	    -1);
	ck_assert_uint_eq(outlen, 0);
	memset(big, 'x', sizeof(big));
	big[255] = '\0';
	opts[1] = big;
	ck_assert_int_eq(push_reply_build(opts, 2, out, sizeof(out), &outlen),
	    1);
	big[255] = 'x';
	big[256] = '\0';
	ck_assert_int_eq(push_reply_build(opts, 2, out, sizeof(out), &outlen),
	    -1);
	opts[1] = "";
	ck_assert_int_eq(push_reply_build(opts, 2, out, sizeof(out), &outlen),
	    -1);
	opts[1] = "setenv X a\nb";
	ck_assert_int_eq(push_reply_build(opts, 2, out, sizeof(out), &outlen),
	    -1);
	ck_assert_int_eq(push_reply_build(captured_opts, NCAPTURED, out, 194,
	    &outlen), -1);
}
END_TEST

/* Collects all commands of one read, joined with '|'. */
static void
split(const char *buf, size_t len, size_t cmdcap, char *joined, size_t cap)
{
	char cmd[CTLMSG_MAX];
	size_t pos = 0;

	joined[0] = '\0';
	while (ctlmsg_next(buf, len, &pos, cmd, cmdcap)) {
		if (joined[0] != '\0')
			strncat(joined, "|", cap - strlen(joined) - 1);
		strncat(joined, cmd, cap - strlen(joined) - 1);
	}
	ck_assert_uint_eq(pos, len);
}

#define SPLIT(lit, want) do {						\
	char j_[4096];							\
	split(lit, sizeof(lit) - 1, CTLMSG_MAX, j_, sizeof(j_));	\
	ck_assert_str_eq(j_, want);					\
} while (0)

START_TEST(test_ctlmsg_next)
{
	char cmd[CTLMSG_MAX];
	size_t pos = 0;

	/* The captured PUSH_REQUEST is exactly 13 bytes. */
	ck_assert(ctlmsg_next("PUSH_REQUEST", 13, &pos, cmd, sizeof(cmd)));
	ck_assert_str_eq(cmd, "PUSH_REQUEST");
	ck_assert_uint_eq(pos, 13);
	ck_assert(!ctlmsg_next("PUSH_REQUEST", 13, &pos, cmd, sizeof(cmd)));

	SPLIT("EXIT\0PUSH_REQUEST\0INFO,hello\0", "EXIT|PUSH_REQUEST|INFO,hello");
	SPLIT("PUSH_REQUEST\r\n\0EXIT\n\0", "PUSH_REQUEST|EXIT");
	SPLIT("AUTH\x01X\0PUSH_REQUEST\0", "PUSH_REQUEST");
	SPLIT("INFO,caf\xc3\xa9\0EXIT\0", "EXIT");
	SPLIT("CR\rLF\0EXIT\0", "EXIT");
	SPLIT("\0\0\r\n\0EXIT\0", "EXIT");
	SPLIT("PUSH_REQUEST\0PUSH_REQ", "PUSH_REQUEST");
	SPLIT("NO_NUL_AT_ALL", "");
	SPLIT("", "");

	/* A command that does not fit cmd is skipped, not truncated. */
	{
		char j[64];

		split("PUSH_REQUEST\0EXIT\0", 18, 5, j, sizeof(j));
		ck_assert_str_eq(j, "EXIT");
	}
}
END_TEST

/* The peer-info of the captured client. */
static void
captured_peer_info(struct peer_info *pi, char *options, size_t cap)
{
	uint8_t b[4096];
	struct km2_client kc;
	char err[128];
	size_t n = vec_hex_file(DIR "key-method-2-client-keyid0.hex", b,
	    sizeof(b));

	ck_assert_int_eq(km2_parse_client(b, n, &kc, err, sizeof(err)),
	    (int)n);
	ck_assert_int_eq(peer_info_parse(kc.peer_info, pi), 0);
	snprintf(options, cap, "%s", kc.options);
}

START_TEST(test_ncp_default_client)
{
	struct peer_info pi;
	char opts[KM2_OPTIONS_MAX], out[64];

	captured_peer_info(&pi, opts, sizeof(opts));
	ck_assert_int_eq(ncp_select(DEFAULT_CIPHERS, &pi, opts, NULL, out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "AES-256-GCM");
	/* Server preference wins. */
	ck_assert_int_eq(ncp_select("AES-128-GCM:AES-256-GCM", &pi, opts,
	    NULL, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "AES-128-GCM");
	ck_assert_int_eq(ncp_select("AES-256-CBC:CHACHA20-POLY1305", &pi,
	    opts, NULL, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "CHACHA20-POLY1305");
	/* No shared cipher: refused even with a fallback. */
	ck_assert_int_eq(ncp_select("AES-256-CBC", &pi, opts, "AES-256-CBC",
	    out, sizeof(out)), -1);
	/* out too small. */
	ck_assert_int_eq(ncp_select(DEFAULT_CIPHERS, &pi, opts, NULL, out,
	    11), -1);
}
END_TEST

START_TEST(test_ncp_legacy)
{
	struct peer_info pi;
	char out[64];
	const char *occ_cbc = "V4,dev-type tun,link-mtu 1570,tun-mtu 1500,"
	    "proto UDPv4,cipher AES-256-CBC,auth SHA256,keysize 256,"
	    "key-method 2,tls-client";
	const char *occ_none = "V4,dev-type tun,link-mtu 1553,tun-mtu 1500,"
	    "proto UDPv4,auth SHA256,keysize 128,key-method 2,tls-client";

	/* IV_NCP=2 without IV_CIPHERS: AES-256-GCM and AES-128-GCM. */
	memset(&pi, 0, sizeof(pi));
	pi.ncp = 2;
	ck_assert_int_eq(ncp_select("CHACHA20-POLY1305:AES-128-GCM:"
	    "AES-256-GCM", &pi, occ_none, NULL, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "AES-128-GCM");
	ck_assert_int_eq(ncp_select("CHACHA20-POLY1305", &pi, occ_none,
	    "CHACHA20-POLY1305", out, sizeof(out)), -1);

	/* The OCC hint counts when IV_CIPHERS is absent... */
	memset(&pi, 0, sizeof(pi));
	ck_assert_int_eq(ncp_select("AES-256-GCM:AES-256-CBC", &pi, occ_cbc,
	    NULL, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "AES-256-CBC");
	pi.ncp = 2;
	ck_assert_int_eq(ncp_select("AES-256-CBC:AES-256-GCM", &pi, occ_cbc,
	    NULL, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "AES-256-CBC");
	/* ...and not otherwise. */
	snprintf(pi.ciphers, sizeof(pi.ciphers), "AES-256-GCM");
	ck_assert_int_eq(ncp_select("AES-256-CBC:AES-256-GCM", &pi, occ_cbc,
	    NULL, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "AES-256-GCM");
	ck_assert_int_eq(ncp_select("AES-256-CBC", &pi, occ_cbc, NULL, out,
	    sizeof(out)), -1);

	/* A hint that matches nothing is still information: no fallback. */
	memset(&pi, 0, sizeof(pi));
	ck_assert_int_eq(ncp_select("AES-256-GCM", &pi, occ_cbc,
	    "AES-256-CBC", out, sizeof(out)), -1);
}
END_TEST

START_TEST(test_ncp_fallback)
{
	struct peer_info pi;
	char out[64];
	const char *occ_none = "V4,dev-type tun,auth SHA1,key-method 2,"
	    "tls-client";

	/* A client that says nothing gets the fallback, if there is one. */
	memset(&pi, 0, sizeof(pi));
	ck_assert_int_eq(ncp_select(DEFAULT_CIPHERS, &pi, occ_none,
	    "AES-256-CBC", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "AES-256-CBC");
	ck_assert_int_eq(ncp_select(DEFAULT_CIPHERS, NULL, NULL,
	    "AES-128-CBC", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "AES-128-CBC");
	ck_assert_int_eq(ncp_select(DEFAULT_CIPHERS, &pi, occ_none, NULL,
	    out, sizeof(out)), -1);
	ck_assert_int_eq(ncp_select(DEFAULT_CIPHERS, &pi, occ_none, "",
	    out, sizeof(out)), -1);

	/* Names compare case-insensitively; the server's spelling is used. */
	snprintf(pi.ciphers, sizeof(pi.ciphers), "aes-128-gcm");
	ck_assert_int_eq(ncp_select(DEFAULT_CIPHERS, &pi, NULL, NULL, out,
	    sizeof(out)), 0);
	ck_assert_str_eq(out, "AES-128-GCM");
	/* Partial names do not match. */
	snprintf(pi.ciphers, sizeof(pi.ciphers), "AES-256-GCMX:AES-256");
	ck_assert_int_eq(ncp_select(DEFAULT_CIPHERS, &pi, NULL, NULL, out,
	    sizeof(out)), -1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("ctlmsg");
	TCase *tc = tcase_create("ctlmsg");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_push_reply_captured);
	tcase_add_test(tc, test_push_continuation_routes);
	tcase_add_test(tc, test_push_bundle_boundary);
	tcase_add_test(tc, test_push_reject);
	tcase_add_test(tc, test_ctlmsg_next);
	tcase_add_test(tc, test_ncp_default_client);
	tcase_add_test(tc, test_ncp_legacy);
	tcase_add_test(tc, test_ncp_fallback);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
