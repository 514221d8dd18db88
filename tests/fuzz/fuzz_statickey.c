/*
 * libFuzzer target: the key-file parsers -- OpenVPN static keys
 * (tls-auth / tls-crypt, common/statickey.c) and the tls-crypt-v2 PEM
 * server and client keys (common/tlscryptv2_key.c).  Every input goes to
 * all three, as the config parser may hand any file to any of them.
 *
 * Invariants: an error is one non-empty line; what parses, written back
 * with the matching writer, parses again to the same bytes.
 */
#include "config.h"

#include <string.h>

#include "fuzz.h"
#include "statickey.h"
#include "tlscryptv2.h"

static void
check_err(int rc, const char *err)
{
	if (rc == -1)
		FUZZ_ASSERT(err[0] != '\0' && strchr(err, '\n') == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tlscryptv2_client_key ck, ck2;
	static char text[8192];
	uint8_t key[STATICKEY_LEN], key2[STATICKEY_LEN];
	uint8_t skey[TLSCRYPTV2_SRVKEY_LEN], skey2[TLSCRYPTV2_SRVKEY_LEN];
	char err[512] = "";
	const char *in = (const char *)data;
	int rc, n;

	rc = statickey_parse(in, size, key, err, sizeof(err));
	check_err(rc, err);
	if (rc == 0) {
		n = statickey_format(key, text, sizeof(text));
		FUZZ_ASSERT(n > 0 && (size_t)n < sizeof(text));
		FUZZ_ASSERT(statickey_parse(text, (size_t)n, key2, err,
		    sizeof(err)) == 0 && memcmp(key, key2, sizeof(key)) == 0);
	}

	err[0] = '\0';
	rc = tlscryptv2_server_key_parse(in, size, skey, err, sizeof(err));
	check_err(rc, err);
	if (rc == 0) {
		n = tlscryptv2_server_key_format(skey, text, sizeof(text));
		FUZZ_ASSERT(n > 0 && (size_t)n < sizeof(text));
		FUZZ_ASSERT(tlscryptv2_server_key_parse(text, (size_t)n, skey2,
		    err, sizeof(err)) == 0 &&
		    memcmp(skey, skey2, sizeof(skey)) == 0);
	}

	err[0] = '\0';
	rc = tlscryptv2_client_key_parse(in, size, &ck, err, sizeof(err));
	check_err(rc, err);
	if (rc == 0) {
		FUZZ_ASSERT(ck.wkc_len >= TLSCRYPTV2_WKC_MIN &&
		    ck.wkc_len <= TLSCRYPTV2_WKC_MAX);
		n = tlscryptv2_client_key_format(&ck, text, sizeof(text));
		FUZZ_ASSERT(n > 0 && (size_t)n < sizeof(text));
		FUZZ_ASSERT(tlscryptv2_client_key_parse(text, (size_t)n, &ck2,
		    err, sizeof(err)) == 0);
		FUZZ_ASSERT(ck2.wkc_len == ck.wkc_len &&
		    memcmp(ck2.kc, ck.kc, sizeof(ck.kc)) == 0 &&
		    memcmp(ck2.wkc, ck.wkc, ck.wkc_len) == 0);
	}
	return 0;
}
