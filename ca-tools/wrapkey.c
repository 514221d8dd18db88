/*
 * The CA's control-channel keys (see wrapkey.h): which file holds each
 * kind, new keys, checks, and tls-crypt-v2 client keys with mcnca's
 * metadata.  Key material in local buffers is wiped before return.
 */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "db.h"
#include "statickey.h"
#include "tlscryptv2.h"
#include "wrapkey.h"

#define SK_HEADER	"-----BEGIN OpenVPN Static key V1-----"

static const struct {
	const char	*file;
	const char	*command;
} kinds[PROFILE_NWRAPS] = {
	[PROFILE_TLS_AUTH] = { "ta.key", "gen-tls-auth" },
	[PROFILE_TLS_CRYPT] = { "tc.key", "gen-tls-crypt" },
	[PROFILE_TLS_CRYPT_V2] = { "tls-crypt-v2-server.key",
	    "gen-tls-crypt-v2" },
};

const char *
wrapkey_file(enum profile_wrap w)
{
	return (size_t)w < PROFILE_NWRAPS ? kinds[w].file : "?";
}

const char *
wrapkey_command(enum profile_wrap w)
{
	return (size_t)w < PROFILE_NWRAPS ? kinds[w].command : "?";
}

int
wrapkey_gen(enum profile_wrap w, char *out, size_t cap, char *err,
    size_t errlen)
{
	uint8_t key[STATICKEY_LEN];
	int n = -1;

	if (w == PROFILE_TLS_CRYPT_V2)
		return tlscryptv2_server_key_gen(out, cap, err, errlen);
	if (RAND_priv_bytes(key, sizeof(key)) != 1)
		snprintf(err, errlen, "%s: no random bytes",
		    profile_wrap_str(w));
	else if ((n = statickey_format(key, out, cap)) < 0)
		snprintf(err, errlen, "%s: cannot encode the key",
		    profile_wrap_str(w));
	OPENSSL_cleanse(key, sizeof(key));
	return n;
}

int
wrapkey_check(enum profile_wrap w, const char *text, size_t len,
    const char **block, char *err, size_t errlen)
{
	uint8_t key[STATICKEY_LEN];
	int rc;

	*block = NULL;
	if (w == PROFILE_TLS_CRYPT_V2) {
		rc = tlscryptv2_server_key_parse(text, len, key, err, errlen);
	} else {
		rc = statickey_parse(text, len, key, err, errlen);
		/* The parser found the header at the start of a line. */
		if (rc == 0)
			*block = strstr(text, SK_HEADER);
	}
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

int
wrapkey_v2_meta(const char *cn, const char *serial, int64_t created,
    char *out, size_t cap)
{
	char when[DB_TIME_LEN];
	json_t *o;
	size_t n;

	db_time_fmt(created, when);
	o = json_pack("{s:i, s:s, s:s, s:s}", "mcnca", WRAPKEY_META_VERSION,
	    "cn", cn, "serial", serial, "created", when);
	if (o == NULL)
		return -1;
	n = json_dumpb(o, out, cap, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	/* The type byte takes one of TLSCRYPTV2_META_MAX. */
	if (n == 0 || n >= cap || n > TLSCRYPTV2_META_MAX - 1)
		return -1;
	out[n] = '\0';
	return (int)n;
}

int
wrapkey_v2_client(const char *srv, size_t srvlen, const char *cn,
    const char *serial, int64_t created, char *out, size_t cap, char *err,
    size_t errlen)
{
	uint8_t key[TLSCRYPTV2_SRVKEY_LEN];
	char meta[TLSCRYPTV2_META_MAX];
	struct tlscryptv2_server *s = NULL;
	int n = -1, mlen;

	if ((mlen = wrapkey_v2_meta(cn, serial, created, meta,
	    sizeof(meta))) < 0) {
		snprintf(err, errlen, "tls-crypt-v2: the metadata for \"%s\" "
		    "does not fit a client key", cn);
		return -1;
	}
	if (tlscryptv2_server_key_parse(srv, srvlen, key, err, errlen) == -1)
		goto out;
	if ((s = tlscryptv2_server_new(key, err, errlen)) == NULL)
		goto out;
	n = tlscryptv2_client_key_gen(s, (const uint8_t *)meta, (size_t)mlen,
	    (uint64_t)created, out, cap, err, errlen);
out:
	tlscryptv2_server_free(s);
	OPENSSL_cleanse(key, sizeof(key));
	return n;
}

void
wrapkey_server_line(enum profile_wrap w, const char *path, char *out,
    size_t cap)
{
	snprintf(out, cap, "%s %s%s", profile_wrap_str(w), path,
	    w == PROFILE_TLS_AUTH ? " 0" : "");
}
