/*
 * Unit tests for the pure parts of mcnload (tests/bench/mcnload_pure.h):
 *
 *   - the PUSH_REPLY a real 2.6.14 server sent (vector push-reply.txt)
 *     parses into the values a client applies; continuation and errors;
 *   - our peer-info and OCC options strings are byte for byte what the
 *     captured Debian 2.6.14 client sent in key-method-2
 *     (key-method-2-client-keyid0.hex), so servers see a stock client;
 *   - IPv4 header checksum on a packet captured through the tunnel, and
 *     an IPv4/UDP packet against bytes computed independently (RFC 1071
 *     by hand, in Python); the parser rejects corrupted packets;
 *   - the probe layout and the latency histogram's quantiles.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcnload_pure.h"
#include "vec.h"

#define DIR	"udp-tls-auth-sha256/"

/* ---- PUSH_REPLY -------------------------------------------------------- */

/* The captured PUSH_REPLY: line 2 of push-reply.txt, "\0" spelled out. */
static char *
captured_push_reply(void)
{
	char *txt = vec_read(DIR "push-reply.txt", NULL), *line, *nul;

	line = strchr(txt, '\n');
	ck_assert_ptr_nonnull(line);
	line++;
	nul = strstr(line, "\\0");
	ck_assert_ptr_nonnull(nul);
	*nul = '\0';
	memmove(txt, line, strlen(line) + 1);
	return txt;
}

START_TEST(push_captured)
{
	char *msg = captured_push_reply(), err[128];
	struct push_opts po;
	char a[INET_ADDRSTRLEN];

	push_opts_init(&po);
	ck_assert_int_eq(push_reply_parse(msg, &po, err, sizeof(err)), 1);
	ck_assert(po.have_ifconfig);
	ck_assert_str_eq(inet_ntop(AF_INET, &po.vip, a, sizeof(a)), "10.99.8.2");
	ck_assert_str_eq(inet_ntop(AF_INET, &po.mask, a, sizeof(a)),
	    "255.255.255.0");
	ck_assert(po.have_route_gw);
	ck_assert_str_eq(inet_ntop(AF_INET, &po.route_gw, a, sizeof(a)),
	    "10.99.8.1");
	ck_assert(po.have_peer_id);
	ck_assert_uint_eq(po.peer_id, 0);
	ck_assert_str_eq(po.cipher, "AES-256-GCM");
	ck_assert(po.cc_exit && po.tls_ekm && po.dyn_tls_crypt);
	ck_assert_uint_eq(po.unknown_flags, 0);
	ck_assert_int_eq(po.ping, 10);
	ck_assert_int_eq(po.ping_restart, 60);
	ck_assert_int_eq(po.tun_mtu, 1500);
	ck_assert(po.topology_subnet);
	ck_assert_uint_eq(po.nopts, 9);
	ck_assert_uint_eq(po.nother, 0);
	free(msg);
}
END_TEST

START_TEST(push_continuation)
{
	struct push_opts po;
	char err[128];

	push_opts_init(&po);
	ck_assert_int_eq(push_reply_parse("PUSH_REPLY,route 10.1.0.0 "
	    "255.255.0.0,ping 5,push-continuation 2", &po, err,
	    sizeof(err)), 2);
	ck_assert(!po.have_ifconfig);
	ck_assert_int_eq(push_reply_parse("PUSH_REPLY,ifconfig 10.8.0.7 "
	    "255.255.255.0,peer-id 7,key-derivation tls-ekm,"
	    "protocol-flags cc-exit aead-epoch,push-continuation 1", &po, err,
	    sizeof(err)), 1);
	ck_assert(po.have_ifconfig && po.have_peer_id && po.tls_ekm &&
	    po.cc_exit && !po.dyn_tls_crypt);
	ck_assert_uint_eq(po.peer_id, 7);
	ck_assert_uint_eq(po.unknown_flags, 1);	/* aead-epoch */
	ck_assert_int_eq(po.ping, 5);
	ck_assert_uint_eq(po.nmsgs, 2);
	ck_assert_uint_eq(po.nother, 1);		/* route */
	ck_assert_str_eq(po.cipher, "");
}
END_TEST

START_TEST(push_errors)
{
	static const char *const bad[] = {
		"PUSH_REQUEST",
		"AUTH_FAILED,no",
		"PUSH_REPLY,ifconfig 10.8.0.300 255.255.255.0",
		"PUSH_REPLY,ifconfig 10.8.0.2",
		"PUSH_REPLY,peer-id 16777215",
		"PUSH_REPLY,peer-id -1",
		"PUSH_REPLY,peer-id 12x",
		"PUSH_REPLY,ping ten",
		"PUSH_REPLY,key-derivation prf",
		"PUSH_REPLY,push-continuation 3",
		"PUSH_REPLY,tun-mtu 20",
	};
	char err[128], longopt[400];
	struct push_opts po;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		push_opts_init(&po);
		err[0] = '\0';
		ck_assert_msg(push_reply_parse(bad[i], &po, err, sizeof(err)) ==
		    -1, "accepted \"%s\"", bad[i]);
		ck_assert_msg(err[0] != '\0', "no reason for \"%s\"", bad[i]);
	}
	snprintf(longopt, sizeof(longopt), "PUSH_REPLY,route %0300d", 1);
	push_opts_init(&po);
	ck_assert_int_eq(push_reply_parse(longopt, &po, err, sizeof(err)), -1);
	/* Empty options are skipped, as 2.6 does. */
	push_opts_init(&po);
	ck_assert_int_eq(push_reply_parse("PUSH_REPLY,,ping 3,", &po, err,
	    sizeof(err)), 1);
	ck_assert_int_eq(po.ping, 3);
	push_opts_init(&po);
	ck_assert_int_eq(push_reply_parse("PUSH_REPLY", &po, err,
	    sizeof(err)), 1);
}
END_TEST

/* ---- what we say in key-method-2 -------------------------------------- */

/* A u16-length string at *off of the km2 message (length incl. NUL). */
static const char *
km2_string(const uint8_t *p, size_t len, size_t *off)
{
	size_t n;

	ck_assert_uint_le(*off + 2, len);
	n = (size_t)p[*off] << 8 | p[*off + 1];
	*off += 2;
	if (n == 0)
		return "";
	ck_assert_uint_le(*off + n, len);
	ck_assert_uint_eq(p[*off + n - 1], 0);
	*off += n;
	return (const char *)p + *off - n;
}

START_TEST(km2_strings_match_capture)
{
	uint8_t msg[1024];
	char ours[1024];
	size_t len, off = 4 + 1 + 48 + 32 + 32;
	const char *options, *peer_info;
	struct peer_info_conf pic = {
		.ver = "2.6.14", .plat = "linux", .mtu = 1600,
		.ciphers = "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305",
		.proto = 990,
	};

	len = vec_hex_file(DIR "key-method-2-client-keyid0.hex", msg,
	    sizeof(msg));
	ck_assert_uint_eq(len, 419);
	options = km2_string(msg, len, &off);
	ck_assert_str_eq(km2_string(msg, len, &off), "");	/* username */
	ck_assert_str_eq(km2_string(msg, len, &off), "");	/* password */
	peer_info = km2_string(msg, len, &off);
	ck_assert_uint_eq(off, len);

	/* The capture used auth SHA256 (32-byte HMAC), key-direction 1. */
	ck_assert_int_eq(mcn_occ_options(ours, sizeof(ours), 1500, 1,
	    "SHA256", 32), (int)strlen(options));
	ck_assert_str_eq(ours, options);
	ck_assert_int_eq(mcn_peer_info(ours, sizeof(ours), &pic),
	    (int)strlen(peer_info));
	ck_assert_str_eq(ours, peer_info);

	/* Without both GCM ciphers 2.6 leaves IV_NCP out. */
	pic.ciphers = "CHACHA20-POLY1305";
	ck_assert_int_gt(mcn_peer_info(ours, sizeof(ours), &pic), 0);
	ck_assert_ptr_null(strstr(ours, "IV_NCP"));
	ck_assert_int_eq(mcn_peer_info(ours, 40, &pic), -1);
	/* No key direction: no keydir item. */
	ck_assert_int_gt(mcn_occ_options(ours, sizeof(ours), 1500, -1, "SHA1",
	    20), 0);
	ck_assert_ptr_null(strstr(ours, "keydir"));
	ck_assert_ptr_nonnull(strstr(ours, "link-mtu 1541,"));
}
END_TEST

START_TEST(occ_cipher)
{
	char out[32];

	ck_assert_int_eq(mcn_occ_cipher("V4,dev-type tun,cipher AES-256-CBC,"
	    "auth SHA1", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "AES-256-CBC");
	ck_assert_int_eq(mcn_occ_cipher("V4,data-cipher X,tls-server", out,
	    sizeof(out)), -1);
	ck_assert_int_eq(mcn_occ_cipher("V4,tls-server", out, sizeof(out)), -1);
}
END_TEST

/* ---- inner packets ----------------------------------------------------- */

/* Frame 20 of the capture: ICMP echo 10.99.8.2 -> 10.99.8.1, csum 530c. */
#define CAPTURED_IPV4_HDR \
	"45000054c2d440004001530c0a6308020a630801"
/* 10.99.8.2:10000 -> 10.99.2.2:9, id 0x1234, DF, "hello mcnload!!"
 * (15 bytes, so the UDP checksum pads an odd byte); computed in Python. */
#define EXPECTED_UDP \
	"4500002b12344000401109c50a6308020a630202271000090017a598" \
	"68656c6c6f206d636e6c6f61642121"

START_TEST(ipv4_header_checksum_captured)
{
	uint8_t h[20];
	uint16_t c;

	ck_assert_uint_eq(vec_hex(CAPTURED_IPV4_HDR, h, sizeof(h)), 20);
	ck_assert_uint_eq(csum_fold(csum_add(0, h, 20)), 0);	/* valid */
	h[10] = h[11] = 0;
	c = csum_fold(csum_add(0, h, 20));
	memcpy(h + 10, &c, 2);
	ck_assert_uint_eq(h[10], 0x53);
	ck_assert_uint_eq(h[11], 0x0c);
}
END_TEST

START_TEST(udp_build_parse)
{
	static const char pl[] = "hello mcnload!!";
	uint8_t want[64], buf[64];
	struct inner_flow f, g;
	const uint8_t *p;
	const char *why;
	size_t n, plen;

	n = vec_hex(EXPECTED_UDP, want, sizeof(want));
	ck_assert_uint_eq(n, 43);
	inet_pton(AF_INET, "10.99.8.2", &f.src);
	inet_pton(AF_INET, "10.99.2.2", &f.dst);
	f.sport = 10000;
	f.dport = 9;
	ck_assert_uint_eq(inner_udp_build(buf, sizeof(buf), &f, 0x1234,
	    (const uint8_t *)pl, strlen(pl)), n);
	ck_assert_mem_eq(buf, want, n);
	/* In place: the payload already where it goes. */
	memset(buf, 0xee, sizeof(buf));
	memcpy(buf + INNER_HDRS, pl, strlen(pl));
	ck_assert_uint_eq(inner_udp_build(buf, sizeof(buf), &f, 0x1234,
	    buf + INNER_HDRS, strlen(pl)), n);
	ck_assert_mem_eq(buf, want, n);
	ck_assert_uint_eq(inner_udp_build(buf, n - 1, &f, 0x1234,
	    (const uint8_t *)pl, strlen(pl)), 0);

	ck_assert_int_eq(inner_udp_parse(want, n, &g, &p, &plen, &why), 0);
	ck_assert_uint_eq(g.src, f.src);
	ck_assert_uint_eq(g.dst, f.dst);
	ck_assert_uint_eq(g.sport, 10000);
	ck_assert_uint_eq(g.dport, 9);
	ck_assert_uint_eq(plen, strlen(pl));
	ck_assert_mem_eq(p, pl, plen);
	/* Trailing bytes beyond the IPv4 total length are ignored. */
	ck_assert_int_eq(inner_udp_parse(want, sizeof(want), &g, &p, &plen,
	    &why), 0);
}
END_TEST

START_TEST(udp_parse_rejects)
{
	uint8_t pkt[64], bad[64];
	struct inner_flow g;
	const uint8_t *p;
	const char *why;
	size_t n, plen;

	n = vec_hex(EXPECTED_UDP, pkt, sizeof(pkt));
	memcpy(bad, pkt, n);
	bad[n - 1] ^= 1;			/* payload: UDP checksum */
	ck_assert_int_eq(inner_udp_parse(bad, n, &g, &p, &plen, &why), -1);
	ck_assert_str_eq(why, "bad UDP checksum");
	memcpy(bad, pkt, n);
	bad[8] = 63;				/* TTL: header checksum */
	ck_assert_int_eq(inner_udp_parse(bad, n, &g, &p, &plen, &why), -1);
	ck_assert_str_eq(why, "bad IPv4 header checksum");
	ck_assert_int_eq(inner_udp_parse(pkt, n - 1, &g, &p, &plen, &why), -1);
	ck_assert_str_eq(why, "bad IPv4 lengths");
	memcpy(bad, pkt, n);
	bad[0] = 0x60;
	ck_assert_int_eq(inner_udp_parse(bad, n, &g, &p, &plen, &why), -1);
	ck_assert_str_eq(why, "not IPv4");
	/* A zero UDP checksum means "none" and is accepted. */
	memcpy(bad, pkt, n);
	bad[26] = bad[27] = 0;
	ck_assert_int_eq(inner_udp_parse(bad, n, &g, &p, &plen, &why), 0);
}
END_TEST

START_TEST(udp_malform)
{
	uint8_t pkt[64], bad[64];
	struct inner_flow g;
	const uint8_t *p;
	const char *why;
	size_t n, m, plen;
	unsigned k;

	n = vec_hex(EXPECTED_UDP, pkt, sizeof(pkt));
	/* Every kind breaks exactly what it says, and nothing parses. */
	for (k = 0; k < 2 * INNER_MALFORM_KINDS; k++) {
		memcpy(bad, pkt, n);
		m = inner_malform(bad, n, k);
		ck_assert_uint_eq(m, k % INNER_MALFORM_KINDS == 3 ? 12 : n);
		ck_assert_int_eq(inner_udp_parse(bad, m, &g, &p, &plen, &why),
		    -1);
	}
	memcpy(bad, pkt, n);
	inner_malform(bad, n, 0);
	ck_assert_uint_eq((size_t)(bad[2] << 8 | bad[3]), n + 100);
	ck_assert_uint_eq(csum_fold(csum_add(0, bad, INNER_IP_HDR)), 0);
	ck_assert_mem_eq(bad + 4, pkt + 4, 6);
	memcpy(bad, pkt, n);
	inner_malform(bad, n, 1);
	ck_assert_uint_eq(bad[0], 0x44);
	ck_assert_uint_eq(csum_fold(csum_add(0, bad, INNER_IP_HDR)), 0);
	memcpy(bad, pkt, n);
	inner_malform(bad, n, 2);
	ck_assert_uint_eq(bad[0], 0x55);
	ck_assert_mem_eq(bad + 12, pkt + 12, n - 12);
}
END_TEST

START_TEST(probe_layout)
{
	struct probe a = {
		.flags = PROBE_COUNT | PROBE_FLUSH, .run = 0x01020304,
		.flow = 7, .seq = 0x1122334455667788ull, .ts_ns = 99,
		.srv_pkts = 5, .srv_bytes = 1400,
	}, b;
	uint8_t p[PROBE_LEN];

	probe_put(p, &a);
	ck_assert_mem_eq(p, "MCNL\x0a\0\0\0\x01\x02\x03\x04\0\0\0\x07"
	    "\x11\x22\x33\x44\x55\x66\x77\x88", 24);
	ck_assert_int_eq(probe_get(p, sizeof(p), &b), 0);
	ck_assert_uint_eq(b.flags, a.flags);
	ck_assert_uint_eq(b.run, a.run);
	ck_assert_uint_eq(b.flow, a.flow);
	ck_assert(b.seq == a.seq && b.ts_ns == a.ts_ns);
	probe_set_srv(p, 1000, 1400000);
	ck_assert_int_eq(probe_get(p, sizeof(p), &b), 0);
	ck_assert(b.srv_pkts == 1000 && b.srv_bytes == 1400000 &&
	    b.seq == a.seq);
	ck_assert_int_eq(probe_get(p, PROBE_LEN - 1, &b), -1);
	p[0] = 'X';
	ck_assert_int_eq(probe_get(p, sizeof(p), &b), -1);
}
END_TEST

/* ---- histogram --------------------------------------------------------- */

START_TEST(hist_quantiles)
{
	struct hist h;
	uint64_t v[1000], q;
	size_t i;

	hist_init(&h);
	ck_assert_uint_eq(hist_quantile(&h, 0.5), 0);
	for (i = 0; i < 1000; i++)
		v[i] = (i + 1) * 1000;		/* 1 us .. 1 ms */
	for (i = 0; i < 1000; i++)
		hist_add(&h, v[999 - i]);	/* order must not matter */
	ck_assert_uint_eq(h.n, 1000);
	ck_assert_uint_eq(h.min, 1000);
	ck_assert_uint_eq(h.max, 1000000);
	ck_assert_uint_eq(sorted_quantile(v, 1000, 0.5), 500000);
	ck_assert_uint_eq(sorted_quantile(v, 1000, 0.99), 990000);
	ck_assert_uint_eq(sorted_quantile(v, 1000, 1.0), 1000000);
	ck_assert_uint_eq(sorted_quantile(v, 1, 0.99), 1000);
	/* Within one bucket (1/16) of the exact value. */
	q = hist_quantile(&h, 0.5);
	ck_assert_msg(q > 500000 - 500000 / 16 && q < 500000 + 500000 / 16,
	    "p50 %llu", (unsigned long long)q);
	q = hist_quantile(&h, 0.99);
	ck_assert_msg(q > 990000 - 990000 / 16 && q < 990000 + 990000 / 16,
	    "p99 %llu", (unsigned long long)q);
	ck_assert_uint_eq(hist_quantile(&h, 1.0), 1000000);
	/* Small values are exact; huge ones land in the last bucket. */
	hist_init(&h);
	hist_add(&h, 3);
	hist_add(&h, 5);
	ck_assert_uint_eq(hist_quantile(&h, 0.5), 3);
	hist_add(&h, UINT64_MAX / 2);
	ck_assert_uint_eq(hist_quantile(&h, 1.0), UINT64_MAX / 2);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("mcnload");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, push_captured);
	tcase_add_test(tc, push_continuation);
	tcase_add_test(tc, push_errors);
	tcase_add_test(tc, km2_strings_match_capture);
	tcase_add_test(tc, occ_cipher);
	tcase_add_test(tc, ipv4_header_checksum_captured);
	tcase_add_test(tc, udp_build_parse);
	tcase_add_test(tc, udp_parse_rejects);
	tcase_add_test(tc, udp_malform);
	tcase_add_test(tc, probe_layout);
	tcase_add_test(tc, hist_quantiles);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
