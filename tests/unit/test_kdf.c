/*
 * Legacy TLS-PRF key block: known answer from a real 2.6.14 session
 * (tests/vectors/prf-key-derivation/expected.txt).
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kdf.h"
#include "vec.h"

#define REL	"prf-key-derivation/expected.txt"

/* Decodes the hex after "label" (up to the end of its line). */
static size_t
field(const char *text, const char *label, uint8_t *buf, size_t cap)
{
	const char *p = strstr(text, label), *colon, *eol;
	char hex[1024];

	ck_assert_msg(p != NULL, "no \"%s\" in %s", label, REL);
	colon = strchr(p, ':');
	eol = strchr(p, '\n');
	ck_assert(colon != NULL && eol != NULL && colon < eol);
	ck_assert((size_t)(eol - colon) < sizeof(hex));
	snprintf(hex, sizeof(hex), "%.*s", (int)(eol - colon - 1), colon + 1);
	return vec_hex(hex, buf, cap);
}

struct prf_in {
	uint8_t	pre[48], cr1[32], sr1[32], cr2[32], sr2[32], csid[8], ssid[8];
	uint8_t	kb[256];
};

static void
load(struct prf_in *in)
{
	char *text = vec_read(REL, NULL);
	static const char *const rows[] = {
		"bytes   0.. 63:", "bytes  64..127:", "bytes 128..191:",
		"bytes 192..255:",
	};
	size_t i;

	ck_assert_uint_eq(field(text, "c_pre_master", in->pre, 48), 48);
	ck_assert_uint_eq(field(text, "c_random1", in->cr1, 32), 32);
	ck_assert_uint_eq(field(text, "s_random1", in->sr1, 32), 32);
	ck_assert_uint_eq(field(text, "c_random2", in->cr2, 32), 32);
	ck_assert_uint_eq(field(text, "s_random2", in->sr2, 32), 32);
	ck_assert_uint_eq(field(text, "client_sid", in->csid, 8), 8);
	ck_assert_uint_eq(field(text, "server_sid", in->ssid, 8), 8);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(field(text, rows[i], in->kb + 64 * i, 64),
		    64);
	free(text);
}

START_TEST(test_prf_known_answer)
{
	struct prf_in in;
	uint8_t out[KDF_KEY_BLOCK_LEN];
	/* What the peers logged (header of expected.txt). */
	static const char c2s_key[] =
	    "6abca86857acbdcf37f35713c59df52b5c250c746e68c133ed3eb35d9fe5b850";
	static const char s2c_iv[] = "ea480fae6e203cba";
	uint8_t k[32], iv[8];

	load(&in);
	memset(out, 0xa5, sizeof(out));
	ck_assert_int_eq(kdf_prf_key_block(in.pre, in.cr1, in.sr1, in.cr2,
	    in.sr2, in.csid, in.ssid, out), 0);
	ck_assert_mem_eq(out, in.kb, 256);
	vec_hex(c2s_key, k, sizeof(k));
	vec_hex(s2c_iv, iv, sizeof(iv));
	ck_assert_mem_eq(out, k, 32);
	ck_assert_mem_eq(out + 192, iv, 8);
}
END_TEST

/* Every input takes part: changing any one changes the block. */
START_TEST(test_prf_inputs)
{
	struct prf_in in;
	uint8_t ref[KDF_KEY_BLOCK_LEN], out[KDF_KEY_BLOCK_LEN];
	uint8_t *fields[7];
	int i;

	load(&in);
	ck_assert_int_eq(kdf_prf_key_block(in.pre, in.cr1, in.sr1, in.cr2,
	    in.sr2, in.csid, in.ssid, ref), 0);
	fields[0] = in.pre;
	fields[1] = in.cr1;
	fields[2] = in.sr1;
	fields[3] = in.cr2;
	fields[4] = in.sr2;
	fields[5] = in.csid;
	fields[6] = in.ssid;
	for (i = 0; i < 7; i++) {
		fields[i][0] ^= 1;
		ck_assert_int_eq(kdf_prf_key_block(in.pre, in.cr1, in.sr1,
		    in.cr2, in.sr2, in.csid, in.ssid, out), 0);
		ck_assert_msg(memcmp(out, ref, sizeof(out)) != 0, "input %d "
		    "ignored", i);
		fields[i][0] ^= 1;
	}
	/* Swapping the session-ids matters too (order of the seed). */
	ck_assert_int_eq(kdf_prf_key_block(in.pre, in.cr1, in.sr1, in.cr2,
	    in.sr2, in.ssid, in.csid, out), 0);
	ck_assert(memcmp(out, ref, sizeof(out)) != 0);
}
END_TEST

static Suite *
kdf_suite(void)
{
	Suite *s = suite_create("kdf");
	TCase *tc = tcase_create("prf");

	tcase_add_test(tc, test_prf_known_answer);
	tcase_add_test(tc, test_prf_inputs);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(kdf_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
