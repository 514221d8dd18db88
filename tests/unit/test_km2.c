/*
 * Key-method-2 tests on the captured messages of
 * tests/vectors/udp-tls-auth-sha256 (key_id 0 and 1).  Expected field
 * values are read from expected-tls-and-keys.txt, not retyped here.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "km2.h"
#include "vec.h"

#define DIR		"udp-tls-auth-sha256/"
#define CLIENT_LEN	419
#define SERVER_LEN	198

static char *expected;		/* expected-tls-and-keys.txt */

/* The block of expected.txt for one TLS session and one direction. */
static const char *
block(int key_id, bool client)
{
	char hdr[64];
	const char *p;

	snprintf(hdr, sizeof(hdr), "=== TLS session for key_id %d", key_id);
	p = strstr(expected, hdr);
	ck_assert_ptr_nonnull(p);
	p = strstr(p, client ? "client->server APPLICATION DATA (" :
	    "server->client APPLICATION DATA (");
	ck_assert_ptr_nonnull(p);
	return p;
}

/* Hex field "name = '<hex>'" after from; decoded into buf. */
static size_t
hex_field(const char *from, const char *name, uint8_t *buf, size_t cap)
{
	char pat[64], hex[1024];
	const char *p, *q;

	snprintf(pat, sizeof(pat), "%s = '", name);
	ck_assert_ptr_nonnull(p = strstr(from, pat));
	p += strlen(pat);
	ck_assert_ptr_nonnull(q = strchr(p, '\''));
	ck_assert_uint_lt((size_t)(q - p), sizeof(hex));
	memcpy(hex, p, (size_t)(q - p));
	hex[q - p] = '\0';
	return vec_hex(hex, buf, cap);
}

/*
 * Python bytes literal "name(len=N) = b'...'" after from, unescaped
 * (\n, \\, \', \xHH) into buf; returns the byte count, checks N.
 */
static size_t
bytes_field(const char *from, const char *name, char *buf, size_t cap)
{
	char pat[64];
	const char *p;
	size_t n = 0;
	unsigned v, declared;

	snprintf(pat, sizeof(pat), "%s(len=", name);
	ck_assert_ptr_nonnull(p = strstr(from, pat));
	p += strlen(pat);
	declared = (unsigned)strtoul(p, NULL, 10);
	ck_assert_ptr_nonnull(p = strstr(p, "b'"));
	for (p += 2; *p != '\''; p++) {
		ck_assert_uint_lt(n, cap);
		if (*p != '\\') {
			buf[n++] = *p;
			continue;
		}
		p++;
		if (*p == 'n')
			buf[n++] = '\n';
		else if (*p == 'x') {
			ck_assert_int_eq(sscanf(p + 1, "%2x", &v), 1);
			buf[n++] = (char)v;
			p += 2;
		} else
			buf[n++] = *p;
	}
	ck_assert_uint_eq(n, declared);
	return n;
}

static size_t
load_client(int key_id, uint8_t *buf)
{
	char rel[128];

	snprintf(rel, sizeof(rel), DIR "key-method-2-client-keyid%d.hex",
	    key_id);
	return vec_hex_file(rel, buf, 4096);
}

/* Every field of the captured client message against expected.txt. */
static void
check_client(int key_id)
{
	uint8_t b[4096], want[64];
	char s[2048], err[128] = "";
	struct km2_client kc;
	const char *blk = block(key_id, true);
	size_t n = load_client(key_id, b), sl;

	ck_assert_uint_eq(n, CLIENT_LEN);
	ck_assert_int_eq(km2_parse_client(b, n, &kc, err, sizeof(err)),
	    CLIENT_LEN);
	ck_assert_uint_eq(hex_field(blk, "pre_master(48)", want, 64), 48);
	ck_assert_mem_eq(kc.pre_master, want, 48);
	ck_assert_uint_eq(hex_field(blk, "random1(32)", want, 64), 32);
	ck_assert_mem_eq(kc.random1, want, 32);
	ck_assert_uint_eq(hex_field(blk, "random2(32)", want, 64), 32);
	ck_assert_mem_eq(kc.random2, want, 32);

	sl = bytes_field(blk, "options", s, sizeof(s));
	ck_assert_uint_eq(sl, 121);
	ck_assert_uint_eq(strlen(kc.options) + 1, sl);
	ck_assert_mem_eq(kc.options, s, sl);
	ck_assert_str_eq(kc.options, "V4,dev-type tun,link-mtu 1553,"
	    "tun-mtu 1500,proto UDPv4,keydir 1,auth SHA256,keysize 128,"
	    "tls-auth,key-method 2,tls-client");

	ck_assert_uint_eq(bytes_field(blk, "username", s, sizeof(s)), 0);
	ck_assert(!kc.has_username);
	ck_assert_str_eq(kc.username, "");
	ck_assert_uint_eq(bytes_field(blk, "password", s, sizeof(s)), 0);
	ck_assert(!kc.has_password);

	sl = bytes_field(blk, "peer_info", s, sizeof(s));
	ck_assert_uint_eq(sl, 173);
	ck_assert_uint_eq(strlen(kc.peer_info) + 1, sl);
	ck_assert_mem_eq(kc.peer_info, s, sl);
	/* Lengths add up: 4+1+48+32+32 + (2+121) + 2 + 2 + (2+173). */
	ck_assert_uint_eq(4 + 1 + 48 + 32 + 32 + 2 + 121 + 2 + 2 + 2 + 173,
	    CLIENT_LEN);
}

START_TEST(test_parse_client_keyid0)
{
	check_client(0);
}
END_TEST

START_TEST(test_parse_client_keyid1)
{
	check_client(1);
}
END_TEST

/* The hex in expected.txt is the same message as the .hex file. */
START_TEST(test_vector_files_agree)
{
	uint8_t b[4096], c[4096];
	const char *p = block(0, true);
	char hex[2048];
	size_t n = load_client(0, b), i;

	p = strchr(p, ':') + 2;
	for (i = 0; p[i] != '\n' && i + 1 < sizeof(hex); i++)
		hex[i] = p[i];
	hex[i] = '\0';
	ck_assert_uint_eq(vec_hex(hex, c, sizeof(c)), n);
	ck_assert_mem_eq(b, c, n);
}
END_TEST

START_TEST(test_prefixes_need_more)
{
	uint8_t b[4096];
	char err[128];
	struct km2_client kc;
	size_t n = load_client(_i, b), k;

	for (k = 0; k < n; k++) {
		err[0] = '\0';
		ck_assert_msg(km2_parse_client(b, k, &kc, err,
		    sizeof(err)) == 0, "prefix %zu: %s", k, err);
	}
	/* Trailing bytes are left for the caller. */
	memcpy(b + n, "EXIT", 5);
	ck_assert_int_eq(km2_parse_client(b, n + 5, &kc, err, sizeof(err)),
	    (int)n);
}
END_TEST

/* Offsets in the captured client message. */
#define OFF_METHOD	4
#define OFF_OPTLEN	(5 + 48 + 64)
#define OFF_USERLEN	(OFF_OPTLEN + 2 + 121)
#define OFF_PASSLEN	(OFF_USERLEN + 2)
#define OFF_PILEN	(OFF_PASSLEN + 2)

static int
parse_patched(size_t off, const uint8_t *patch, size_t plen, char *err,
    size_t errlen)
{
	uint8_t b[4096];
	struct km2_client kc;
	size_t n = load_client(0, b);

	memcpy(b + off, patch, plen);
	err[0] = '\0';
	return km2_parse_client(b, n, &kc, err, errlen);
}

START_TEST(test_malformed)
{
	char err[128];

	ck_assert_int_eq(parse_patched(OFF_METHOD, (const uint8_t *)"\x01", 1,
	    err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "key method 1"));
	ck_assert_int_eq(parse_patched(OFF_METHOD, (const uint8_t *)"\x03", 1,
	    err, sizeof(err)), -1);
	/* High bits are flags (2.6 masks them); method stays 2. */
	ck_assert_int_eq(parse_patched(OFF_METHOD, (const uint8_t *)"\x12", 1,
	    err, sizeof(err)), CLIENT_LEN);

	/* Options: over-long, without its NUL, absent. */
	ck_assert_int_eq(parse_patched(OFF_OPTLEN, (const uint8_t *)"\x02\x01",
	    2, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "options string"));
	ck_assert_int_eq(parse_patched(OFF_OPTLEN, (const uint8_t *)"\x00\x78",
	    2, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "NUL"));
	ck_assert_int_eq(parse_patched(OFF_OPTLEN, (const uint8_t *)"\x00\x00",
	    2, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "missing"));

	/* Username longer than allowed. */
	ck_assert_int_eq(parse_patched(OFF_USERLEN, (const uint8_t *)"\xff\xff",
	    2, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "username"));

	/* Peer-info: over-long, not NUL-terminated, or longer than given. */
	ck_assert_int_eq(parse_patched(OFF_PILEN, (const uint8_t *)"\x08\x01",
	    2, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "peer-info"));
	ck_assert_int_eq(parse_patched(OFF_PILEN, (const uint8_t *)"\x00\xac",
	    2, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "NUL"));
	ck_assert_int_eq(parse_patched(OFF_PILEN, (const uint8_t *)"\x00\xae",
	    2, err, sizeof(err)), 0);

	/* A password length reaching into the peer-info: no NUL at its end. */
	ck_assert_int_eq(parse_patched(OFF_PASSLEN, (const uint8_t *)"\x00\x05",
	    2, err, sizeof(err)), -1);
}
END_TEST

/* Never waits past KM2_CLIENT_MAX: maximal fields parse, bigger fail. */
START_TEST(test_bounded)
{
	static uint8_t b[KM2_CLIENT_MAX + 16];
	struct km2_client kc;
	char err[128];
	size_t n = 0;
	int sizes[4] = { KM2_OPTIONS_MAX, KM2_USER_MAX, KM2_USER_MAX,
	    KM2_PEER_INFO_MAX };
	int i;

	memset(b, 'a', sizeof(b));
	memset(b, 0, 4);
	b[4] = 2;
	n = 5 + 48 + 64;
	for (i = 0; i < 4; i++) {
		b[n] = (uint8_t)(sizes[i] >> 8);
		b[n + 1] = (uint8_t)sizes[i];
		n += 2 + (size_t)sizes[i];
		b[n - 1] = 0;
	}
	ck_assert_uint_eq(n, KM2_CLIENT_MAX);
	ck_assert_int_eq(km2_parse_client(b, sizeof(b), &kc, err, sizeof(err)),
	    KM2_CLIENT_MAX);
	ck_assert(kc.has_username && kc.has_password);
	ck_assert_uint_eq(strlen(kc.username), sizeof(kc.username) - 1);
	ck_assert_uint_eq(strlen(kc.options), KM2_OPTIONS_MAX - 1);
	ck_assert_uint_eq(strlen(kc.peer_info), KM2_PEER_INFO_MAX - 1);
}
END_TEST

static void
check_write_server(int key_id)
{
	uint8_t want[1024], got[1024], r1[32], r2[32];
	char rel[128], opts[KM2_OPTIONS_MAX], err[128];
	const char *blk = block(key_id, false);
	struct wbuf w;
	size_t n;

	snprintf(rel, sizeof(rel), DIR "key-method-2-server-keyid%d.hex",
	    key_id);
	n = vec_hex_file(rel, want, sizeof(want));
	ck_assert_uint_eq(n, SERVER_LEN);
	ck_assert_uint_eq(hex_field(blk, "random1(32)", r1, 32), 32);
	ck_assert_uint_eq(hex_field(blk, "random2(32)", r2, 32), 32);
	ck_assert_uint_eq(bytes_field(blk, "options", opts, sizeof(opts)),
	    121);

	wbuf_init(&w, got, sizeof(got));
	ck_assert_int_eq(km2_write_server(&w, r1, r2, opts), 0);
	ck_assert_uint_eq(w.len, SERVER_LEN);
	ck_assert_mem_eq(got, want, SERVER_LEN);

	/* And back. */
	memset(r1, 0, 32);
	ck_assert_int_eq(km2_parse_server(got, w.len, r1, r2, opts,
	    sizeof(opts), err, sizeof(err)), SERVER_LEN);
	ck_assert_mem_eq(r1, want + 5, 32);
	ck_assert_str_eq(opts, "V4,dev-type tun,link-mtu 1553,tun-mtu 1500,"
	    "proto UDPv4,keydir 0,auth SHA256,keysize 128,tls-auth,"
	    "key-method 2,tls-server");
	for (n = 0; n < SERVER_LEN; n++)
		ck_assert_int_eq(km2_parse_server(got, n, r1, r2, opts,
		    sizeof(opts), err, sizeof(err)), 0);

	/* Too small a buffer fails cleanly. */
	wbuf_init(&w, got, SERVER_LEN - 1);
	ck_assert_int_eq(km2_write_server(&w, r1, r2, opts), -1);
}

START_TEST(test_write_server)
{
	check_write_server(_i);
}
END_TEST

/* Our client writer reproduces the captured client message. */
START_TEST(test_write_client)
{
	uint8_t b[4096], got[4096];
	char err[128];
	struct km2_client kc;
	struct wbuf w;
	size_t n = load_client(0, b);

	ck_assert_int_eq(km2_parse_client(b, n, &kc, err, sizeof(err)),
	    (int)n);
	wbuf_init(&w, got, sizeof(got));
	ck_assert_int_eq(km2_write_client(&w, kc.pre_master, kc.random1,
	    kc.random2, kc.options, kc.peer_info), 0);
	ck_assert_uint_eq(w.len, n);
	ck_assert_mem_eq(got, b, n);
}
END_TEST

START_TEST(test_peer_info_capture)
{
	uint8_t b[4096];
	char err[128];
	struct km2_client kc;
	struct peer_info pi;

	ck_assert_int_eq(km2_parse_client(b, load_client(0, b), &kc, err,
	    sizeof(err)), CLIENT_LEN);
	ck_assert_int_eq(peer_info_parse(kc.peer_info, &pi), 0);
	ck_assert_str_eq(pi.ver, "2.6.14");
	ck_assert_str_eq(pi.plat, "linux");
	ck_assert_uint_eq(pi.proto, 990);
	ck_assert_uint_eq(pi.proto, IV_PROTO_DATA_V2 | IV_PROTO_REQUEST_PUSH |
	    IV_PROTO_TLS_KEY_EXPORT | IV_PROTO_AUTH_PENDING_KW |
	    IV_PROTO_DNS_OPTION | IV_PROTO_CC_EXIT_NOTIFY |
	    IV_PROTO_AUTH_FAIL_TEMP | IV_PROTO_DYN_TLS_CRYPT);
	ck_assert(!(pi.proto & IV_PROTO_NCP_P2P));
	ck_assert_str_eq(pi.ciphers, "AES-256-GCM:AES-128-GCM:"
	    "CHACHA20-POLY1305");
	ck_assert_int_eq(pi.ncp, 2);
	ck_assert_int_eq(pi.mtu, 1600);
	ck_assert(pi.tcpnl);
	ck_assert(pi.lzo_stub && pi.comp_stub && pi.comp_stubv2);
	ck_assert_str_eq(pi.gui_ver, "");
}
END_TEST

START_TEST(test_peer_info_edge)
{
	struct peer_info pi;
	char longv[600];

	ck_assert_int_eq(peer_info_parse(NULL, &pi), -1);
	ck_assert_int_eq(peer_info_parse("", &pi), 0);
	ck_assert_uint_eq(pi.proto, 0);
	ck_assert_str_eq(pi.ciphers, "");

	/* Unknown and malformed lines skipped, CRLF tolerated, prefixes
	 * of names do not match, last line without newline counts. */
	ck_assert_int_eq(peer_info_parse("garbage\n=x\nIV_SSO=webauth\r\n"
	    "IV_COMP_STUBv2=1\r\nIV_PROTO_X=7\nIV_GUI_VER=OpenVPN_GUI_11\n"
	    "IV_MTU=99999999999999999999\nIV_PROTO=6", &pi), 0);
	ck_assert(pi.comp_stubv2);
	ck_assert(!pi.comp_stub);
	ck_assert_str_eq(pi.gui_ver, "OpenVPN_GUI_11");
	ck_assert_uint_eq(pi.proto, 6);
	ck_assert_int_eq(pi.mtu, 0x7fffffff);

	/* Values are truncated to the field. */
	memset(longv, 'A', sizeof(longv));
	memcpy(longv, "IV_CIPHERS=", 11);
	longv[sizeof(longv) - 1] = '\0';
	ck_assert_int_eq(peer_info_parse(longv, &pi), 0);
	ck_assert_uint_eq(strlen(pi.ciphers), sizeof(pi.ciphers) - 1);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("km2");
	TCase *tc = tcase_create("km2");
	SRunner *sr;
	int failed;

	expected = vec_read(DIR "expected-tls-and-keys.txt", NULL);
	tcase_add_test(tc, test_parse_client_keyid0);
	tcase_add_test(tc, test_parse_client_keyid1);
	tcase_add_test(tc, test_vector_files_agree);
	tcase_add_loop_test(tc, test_prefixes_need_more, 0, 2);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_bounded);
	tcase_add_loop_test(tc, test_write_server, 0, 2);
	tcase_add_test(tc, test_write_client);
	tcase_add_test(tc, test_peer_info_capture);
	tcase_add_test(tc, test_peer_info_edge);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	free(expected);
	return failed ? 1 : 0;
}
