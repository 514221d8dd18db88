/*
 * mcnca's control-channel keys (wrapkey.c), part of the test_mcnca
 * program: new keys read back with common/'s parsers, each kind refusing
 * the other's file, the tls-crypt-v2 metadata, and client keys unwrapped
 * by their server key (metadata as written) and not by another.
 */
#include "config.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "db.h"
#include "statickey.h"
#include "tlscryptv2.h"
#include "wrapkey.h"

TCase	*mcnca_tcase_wrapkey(void);

START_TEST(wrapkey_names)
{
	ck_assert_str_eq(wrapkey_file(PROFILE_TLS_AUTH), "ta.key");
	ck_assert_str_eq(wrapkey_file(PROFILE_TLS_CRYPT), "tc.key");
	ck_assert_str_eq(wrapkey_file(PROFILE_TLS_CRYPT_V2),
	    "tls-crypt-v2-server.key");
	ck_assert_str_eq(wrapkey_command(PROFILE_TLS_AUTH), "gen-tls-auth");
	ck_assert_str_eq(wrapkey_command(PROFILE_TLS_CRYPT),
	    "gen-tls-crypt");
	ck_assert_str_eq(wrapkey_command(PROFILE_TLS_CRYPT_V2),
	    "gen-tls-crypt-v2");
}
END_TEST

START_TEST(wrapkey_new_keys)
{
	char a[WRAPKEY_TEXT_MAX], b[WRAPKEY_TEXT_MAX], line[128], err[256];
	uint8_t k1[STATICKEY_LEN], k2[STATICKEY_LEN];
	uint8_t s1[TLSCRYPTV2_SRVKEY_LEN], s2[TLSCRYPTV2_SRVKEY_LEN];
	const char *block;
	int n, m;

	/* tls-auth and tls-crypt: static keys V1, 2048 bits, each new */
	n = wrapkey_gen(PROFILE_TLS_CRYPT, a, sizeof(a), err, sizeof(err));
	ck_assert_msg(n > 0, "%s", err);
	ck_assert_uint_eq(strlen(a), (size_t)n);
	m = wrapkey_gen(PROFILE_TLS_AUTH, b, sizeof(b), err, sizeof(err));
	ck_assert_msg(m > 0, "%s", err);
	ck_assert_int_eq(statickey_parse(a, (size_t)n, k1, err, sizeof(err)),
	    0);
	ck_assert_int_eq(statickey_parse(b, (size_t)m, k2, err, sizeof(err)),
	    0);
	ck_assert(memcmp(k1, k2, sizeof(k1)) != 0);
	ck_assert_int_eq(wrapkey_check(PROFILE_TLS_CRYPT, a, (size_t)n,
	    &block, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(block);
	ck_assert(strncmp(block, "-----BEGIN OpenVPN Static key V1-----\n",
	    38) == 0);
	ck_assert_ptr_nonnull(strstr(a, "#\n# 2048 bit"));
	ck_assert_ptr_null(strstr(block, "#"));	/* no comment header */

	/* the tls-crypt-v2 server key: 128 bytes, PEM */
	n = wrapkey_gen(PROFILE_TLS_CRYPT_V2, a, sizeof(a), err, sizeof(err));
	ck_assert_msg(n > 0, "%s", err);
	m = wrapkey_gen(PROFILE_TLS_CRYPT_V2, b, sizeof(b), err, sizeof(err));
	ck_assert_msg(m > 0, "%s", err);
	ck_assert_int_eq(tlscryptv2_server_key_parse(a, (size_t)n, s1, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(tlscryptv2_server_key_parse(b, (size_t)m, s2, err,
	    sizeof(err)), 0);
	ck_assert(memcmp(s1, s2, sizeof(s1)) != 0);
	ck_assert_int_eq(wrapkey_check(PROFILE_TLS_CRYPT_V2, a, (size_t)n,
	    &block, err, sizeof(err)), 0);
	ck_assert_ptr_null(block);	/* never inlined */

	/* each kind refuses the other's file */
	ck_assert_int_eq(wrapkey_check(PROFILE_TLS_CRYPT, a, (size_t)n,
	    &block, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "Static key"));
	m = wrapkey_gen(PROFILE_TLS_AUTH, b, sizeof(b), err, sizeof(err));
	ck_assert_int_eq(wrapkey_check(PROFILE_TLS_CRYPT_V2, b, (size_t)m,
	    &block, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "tls-crypt-v2 server key"));
	/* too small a buffer */
	ck_assert_int_eq(wrapkey_gen(PROFILE_TLS_CRYPT, a, 100, err,
	    sizeof(err)), -1);

	wrapkey_server_line(PROFILE_TLS_AUTH, "/etc/m/ta.key", line,
	    sizeof(line));
	ck_assert_str_eq(line, "tls-auth /etc/m/ta.key 0");
	wrapkey_server_line(PROFILE_TLS_CRYPT, "tc.key", line, sizeof(line));
	ck_assert_str_eq(line, "tls-crypt tc.key");
	wrapkey_server_line(PROFILE_TLS_CRYPT_V2, "s.key", line, sizeof(line));
	ck_assert_str_eq(line, "tls-crypt-v2 s.key");
}
END_TEST

START_TEST(wrapkey_metadata)
{
	char meta[TLSCRYPTV2_META_MAX], cn[DB_NAME_MAX + 1];

	ck_assert_int_eq(wrapkey_v2_meta("alice@example.com", "46AC01",
	    1700000000, meta, sizeof(meta)), 87);
	ck_assert_str_eq(meta, "{\"mcnca\":1,\"cn\":\"alice@example.com\","
	    "\"serial\":\"46AC01\",\"created\":\"2023-11-14T22:13:20Z\"}");
	/* the longest name and serial fit well within a WKc */
	memset(cn, 'a', DB_NAME_MAX);
	cn[DB_NAME_MAX] = '\0';
	ck_assert_int_gt(wrapkey_v2_meta(cn, "0123456789ABCDEF0123456789ABCDEF"
	    "01234567", 0, meta, sizeof(meta)), 0);
	ck_assert_int_eq(wrapkey_v2_meta(cn, "01", 0, meta, 40), -1);
}
END_TEST

/* Unwraps a client key file with a server key file: Kc, metadata. */
static void
unwrap_client(const char *srv, const char *cli, struct tlscryptv2_ckey *ck,
    uint8_t kc[TLSCRYPT_KEY_LEN], int want)
{
	uint8_t key[TLSCRYPTV2_SRVKEY_LEN];
	struct tlscryptv2_client_key ckey;
	struct tlscryptv2_server *s;
	char err[256] = "";

	ck_assert_msg(tlscryptv2_server_key_parse(srv, strlen(srv), key, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_msg(tlscryptv2_client_key_parse(cli, strlen(cli), &ckey,
	    err, sizeof(err)) == 0, "%s", err);
	ck_assert_ptr_nonnull(s = tlscryptv2_server_new(key, err,
	    sizeof(err)));
	ck_assert_int_eq(tlscryptv2_unwrap_wkc(s, ckey.wkc, ckey.wkc_len, ck),
	    want);
	if (want == 0)
		ck_assert(memcmp(ck->kc, ckey.kc, TLSCRYPT_KEY_LEN) == 0);
	memcpy(kc, ckey.kc, TLSCRYPT_KEY_LEN);
	tlscryptv2_server_free(s);
}

START_TEST(wrapkey_client_keys)
{
	char srv[WRAPKEY_TEXT_MAX], other[WRAPKEY_TEXT_MAX];
	char c1[WRAPKEY_TEXT_MAX], c2[WRAPKEY_TEXT_MAX], err[256] = "";
	char meta[TLSCRYPTV2_META_MAX];
	uint8_t kc1[TLSCRYPT_KEY_LEN], kc2[TLSCRYPT_KEY_LEN];
	struct tlscryptv2_ckey ck;
	int n;

	ck_assert_int_gt(wrapkey_gen(PROFILE_TLS_CRYPT_V2, srv, sizeof(srv),
	    err, sizeof(err)), 0);
	ck_assert_int_gt(wrapkey_gen(PROFILE_TLS_CRYPT_V2, other,
	    sizeof(other), err, sizeof(err)), 0);
	n = wrapkey_v2_client(srv, strlen(srv), "alice", "46AC01",
	    1700000000, c1, sizeof(c1), err, sizeof(err));
	ck_assert_msg(n > 0, "%s", err);
	ck_assert_uint_eq(strlen(c1), (size_t)n);
	ck_assert(strncmp(c1, "-----BEGIN OpenVPN tls-crypt-v2 client key"
	    "-----\n", 48) == 0);
	/* the server key unwraps it; the metadata names the certificate */
	unwrap_client(srv, c1, &ck, kc1, 0);
	ck_assert_int_eq(ck.meta_type, TLSCRYPTV2_META_USER);
	ck_assert_int_eq(wrapkey_v2_meta("alice", "46AC01", 1700000000, meta,
	    sizeof(meta)), (int)ck.meta_len);
	ck_assert(memcmp(ck.meta, meta, ck.meta_len) == 0);
	ck_assert(!ck.has_time);
	/* another server key does not */
	unwrap_client(other, c1, &ck, kc1, -1);
	/* the same name again: a fresh Kc */
	ck_assert_int_gt(wrapkey_v2_client(srv, strlen(srv), "alice",
	    "46AC01", 1700000000, c2, sizeof(c2), err, sizeof(err)), 0);
	unwrap_client(srv, c2, &ck, kc2, 0);
	ck_assert(memcmp(kc1, kc2, sizeof(kc1)) != 0);
	/* not a server key */
	ck_assert_int_eq(wrapkey_v2_client(c1, strlen(c1), "alice", "01", 0,
	    c2, sizeof(c2), err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "expected"));
	ck_assert_int_eq(wrapkey_v2_client(srv, strlen(srv), "alice", "01", 0,
	    c2, 200, err, sizeof(err)), -1);
}
END_TEST

TCase *
mcnca_tcase_wrapkey(void)
{
	TCase *tc = tcase_create("wrapkey");

	tcase_add_test(tc, wrapkey_names);
	tcase_add_test(tc, wrapkey_new_keys);
	tcase_add_test(tc, wrapkey_metadata);
	tcase_add_test(tc, wrapkey_client_keys);
	return tc;
}
