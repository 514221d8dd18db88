/*
 * Control-channel text messages (spec §9) and cipher negotiation (§10).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ctlmsg.h"

#define PUSH_REPLY_HEAD		"PUSH_REPLY"
#define PUSH_CONT_MORE		",push-continuation 2"
#define PUSH_CONT_LAST		",push-continuation 1"
#define PUSH_OPTION_MAX		255	/* one config line, OPTION_LINE_SIZE - 1 */

/* 2.6 treats IV_NCP >= 2 without IV_CIPHERS as this list (§10 step 1). */
#define NCP_LEGACY_LIST		"AES-256-GCM:AES-128-GCM"

/* Printable ASCII as the C locale's isprint(), without locale lookups. */
static bool
is_print(unsigned char c)
{
	return c >= 0x20 && c <= 0x7e;
}

bool
ctlmsg_next(const char *buf, size_t len, size_t *pos, char *cmd,
    size_t cmdcap)
{
	const char *start, *nul;
	size_t n, i;
	bool ok;

	while (*pos < len) {
		start = buf + *pos;
		if ((nul = memchr(start, '\0', len - *pos)) == NULL) {
			/* A tail without NUL cannot be a whole command. */
			*pos = len;
			return false;
		}
		*pos += (size_t)(nul - start) + 1;
		n = (size_t)(nul - start);
		while (n > 0 && (start[n - 1] == '\r' || start[n - 1] == '\n'))
			n--;
		if (n == 0 || n >= cmdcap)
			continue;
		for (ok = true, i = 0; i < n && ok; i++)
			ok = is_print((unsigned char)start[i]);
		if (!ok)
			continue;
		memcpy(cmd, start, n);
		cmd[n] = '\0';
		return true;
	}
	return false;
}

/* Is name an element of the colon-separated list?  Names compare as
 * OpenSSL compares cipher names: without regard to case. */
static bool
in_list(const char *list, const char *name, size_t nlen)
{
	const char *p = list, *colon;
	size_t n;

	while (*p != '\0') {
		colon = strchr(p, ':');
		n = colon ? (size_t)(colon - p) : strlen(p);
		if (n == nlen && n > 0 && strncasecmp(p, name, n) == 0)
			return true;
		if (colon == NULL)
			break;
		p = colon + 1;
	}
	return false;
}

/*
 * Finds the "cipher X" item of an OCC options string and copies X into
 * hint.  Returns false if there is none.
 */
static bool
occ_cipher(const char *options, char *hint, size_t cap)
{
	const char *p = options, *comma;
	size_t n;

	if (options == NULL)
		return false;
	while (*p != '\0') {
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		if (n > 7 && strncmp(p, "cipher ", 7) == 0 && n - 7 < cap) {
			memcpy(hint, p + 7, n - 7);
			hint[n - 7] = '\0';
			return true;
		}
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	return false;
}

static int
put_name(char *out, size_t outcap, const char *name, size_t n)
{
	if (n == 0 || n >= outcap)
		return -1;
	memcpy(out, name, n);
	out[n] = '\0';
	return 0;
}

int
ncp_select(const char *server_ciphers, const struct peer_info *pi,
    const char *client_options, const char *fallback, char *out,
    size_t outcap)
{
	const char *list = "", *p, *colon;
	char hint[64] = "";
	bool have_hint = false;
	size_t n;

	if (server_ciphers == NULL || out == NULL || outcap == 0)
		return -1;
	if (pi != NULL && pi->ciphers[0] != '\0')
		list = pi->ciphers;
	else {
		if (pi != NULL && pi->ncp >= 2)
			list = NCP_LEGACY_LIST;
		/* The OCC hint counts only without IV_CIPHERS. */
		have_hint = occ_cipher(client_options, hint, sizeof(hint));
	}

	for (p = server_ciphers; *p != '\0'; p = colon + 1) {
		colon = strchr(p, ':');
		n = colon ? (size_t)(colon - p) : strlen(p);
		if (n > 0 && (in_list(list, p, n) || (have_hint &&
		    strlen(hint) == n && strncasecmp(hint, p, n) == 0)))
			return put_name(out, outcap, p, n);
		if (colon == NULL)
			break;
	}
	/* A client that said something and shares nothing is refused. */
	if (list[0] != '\0' || have_hint)
		return -1;
	if (fallback == NULL)
		return -1;
	return put_name(out, outcap, fallback, strlen(fallback));
}

/* Options go out verbatim; reject what the client would drop or split. */
static int
option_ok(const char *o)
{
	size_t i, n;

	if (o == NULL || (n = strlen(o)) == 0 || n > PUSH_OPTION_MAX)
		return -1;
	for (i = 0; i < n; i++)
		if (o[i] == ',' || !is_print((unsigned char)o[i]))
			return -1;
	return 0;
}

/*
 * Emits one message with options [from, to) and the given suffix (may be
 * "") into w, NUL-terminated.
 */
static void
emit(struct wbuf *w, const char *const *opts, size_t from, size_t to,
    const char *suffix)
{
	size_t i;

	wbuf_bytes(w, PUSH_REPLY_HEAD, strlen(PUSH_REPLY_HEAD));
	for (i = from; i < to; i++) {
		wbuf_u8(w, ',');
		wbuf_bytes(w, opts[i], strlen(opts[i]));
	}
	wbuf_bytes(w, suffix, strlen(suffix) + 1);
}

int
push_reply_build(const char *const *opts, size_t nopts, char *out,
    size_t outcap, size_t *outlen)
{
	struct wbuf w;
	size_t i, from, mlen, total;
	int nmsg = 0;

	if (outlen != NULL)
		*outlen = 0;
	if (opts == NULL && nopts > 0)
		return -1;
	total = strlen(PUSH_REPLY_HEAD) + 1;	/* incl. NUL */
	for (i = 0; i < nopts; i++) {
		if (option_ok(opts[i]) == -1)
			return -1;
		total += 1 + strlen(opts[i]);
	}
	wbuf_init(&w, out, outcap);

	if (total <= CTLMSG_PUSH_BUNDLE) {
		emit(&w, opts, 0, nopts, "");
		nmsg = 1;
		goto done;
	}
	/*
	 * Greedy split.  Every message reserves room for the suffix; one
	 * option always fits (10 + 1 + 255 + 20 + 1 < 1024), so each
	 * message carries at least one and the loop ends.
	 */
	for (from = 0; from < nopts; nmsg++) {
		mlen = strlen(PUSH_REPLY_HEAD) + strlen(PUSH_CONT_MORE) + 1;
		for (i = from; i < nopts; i++) {
			if (mlen + 1 + strlen(opts[i]) > CTLMSG_PUSH_BUNDLE)
				break;
			mlen += 1 + strlen(opts[i]);
		}
		emit(&w, opts, from, i, i == nopts ? PUSH_CONT_LAST :
		    PUSH_CONT_MORE);
		from = i;
	}
done:
	if (w.err)
		return -1;
	if (outlen != NULL)
		*outlen = w.len;
	return nmsg;
}
