/*
 * libFuzzer target: control-channel text messages (common/ctlmsg.c).
 *
 * The input is used twice:
 *   - as one TLS read for ctlmsg_next(), which splits it into commands;
 *   - as an option list for push_reply_build(), one option per line
 *     (the config's push directives), whose messages are then split and
 *     checked the way a client reads them.
 *
 * Invariants (ctlmsg.h): commands are non-empty, printable, without a
 * trailing CR/LF, and the cursor only moves forward; PUSH_REPLY messages
 * are at most CTLMSG_PUSH_BUNDLE bytes with their NUL, carry every option
 * once and in order, continuation marks on all but a single message; an
 * option list is refused exactly when an option is empty, longer than 255,
 * has a comma or a non-printable byte.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "ctlmsg.h"
#include "fuzz.h"

#define MAX_OPTS	512
#define HEAD		"PUSH_REPLY"
#define CONT_MORE	",push-continuation 2"
#define CONT_LAST	",push-continuation 1"

static bool
printable(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return false;
	return true;
}

static void
commands(const uint8_t *data, size_t size, size_t cap)
{
	static char cmd[CTLMSG_MAX];
	size_t pos = 0, last = 0, n, s, i;

	while (ctlmsg_next((const char *)data, size, &pos, cmd, cap)) {
		FUZZ_ASSERT(pos > last && pos <= size);
		FUZZ_ASSERT(data[pos - 1] == '\0');
		n = strlen(cmd);
		FUZZ_ASSERT(n > 0 && n < cap && printable(cmd, n));
		FUZZ_ASSERT(cmd[n - 1] != '\r' && cmd[n - 1] != '\n');
		/* The command is the NUL-terminated piece that ends at pos,
		 * less only its trailing CR/LF. */
		for (s = pos - 1; s > last && data[s - 1] != '\0'; s--)
			;
		FUZZ_ASSERT(s + n < pos && memcmp(data + s, cmd, n) == 0);
		for (i = s + n; i < pos - 1; i++)
			FUZZ_ASSERT(data[i] == '\r' || data[i] == '\n');
		last = pos;
	}
	FUZZ_ASSERT(pos == size);
}

/* An option as push_reply_build() must accept it. */
static bool
option_valid(const char *o)
{
	size_t n = strlen(o);

	return n > 0 && n <= 255 && strchr(o, ',') == NULL &&
	    printable(o, n);
}

static void
push_reply(const uint8_t *data, size_t size, size_t outcap)
{
	static char text[65536], out[131072];
	const char *opts[MAX_OPTS], *msg, *end, *o;
	size_t nopts = 0, outlen, i, k, len, mlen;
	char *p, *nl;
	bool valid = true;
	int nmsg, m;

	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	for (p = text; nopts < MAX_OPTS; p = nl + 1) {
		opts[nopts++] = p;
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
	}
	for (i = 0; i < nopts; i++)
		valid = valid && option_valid(opts[i]);

	nmsg = push_reply_build(opts, nopts, out, outcap, &outlen);
	if (!valid) {
		FUZZ_ASSERT(nmsg == -1);
		return;
	}
	if (outcap == sizeof(out))	/* always enough for 64 KB of text */
		FUZZ_ASSERT(nmsg >= 1);
	if (nmsg == -1)
		return;
	FUZZ_ASSERT(outlen <= outcap);

	/* Read the messages back as a client would. */
	msg = out;
	end = out + outlen;
	k = 0;
	for (m = 0; m < nmsg; m++) {
		FUZZ_ASSERT(msg < end);
		mlen = strnlen(msg, (size_t)(end - msg));
		FUZZ_ASSERT(msg + mlen < end);	/* NUL-terminated */
		FUZZ_ASSERT(mlen + 1 <= CTLMSG_PUSH_BUNDLE);
		FUZZ_ASSERT(strncmp(msg, HEAD, strlen(HEAD)) == 0);
		len = mlen;
		if (nmsg > 1) {
			const char *suf = m == nmsg - 1 ? CONT_LAST : CONT_MORE;

			FUZZ_ASSERT(len >= strlen(suf) && strcmp(msg + len -
			    strlen(suf), suf) == 0);
			len -= strlen(suf);
		}
		/* ",opt" for each option carried, in order. */
		for (o = msg + strlen(HEAD); o < msg + len; ) {
			FUZZ_ASSERT(*o == ',' && k < nopts);
			o++;
			FUZZ_ASSERT(strncmp(o, opts[k], strlen(opts[k])) == 0);
			o += strlen(opts[k++]);
		}
		FUZZ_ASSERT(o == msg + len);
		msg += mlen + 1;
	}
	FUZZ_ASSERT(k == nopts && msg == end);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap = CTLMSG_MAX;

	/* A small command buffer now and then: the cap must hold too. */
	if (size > 0 && data[0] == 0x7f)
		cap = 1 + (size > 1 ? data[1] % 64 : 0);
	commands(data, size, cap);
	push_reply(data, size, 131072);
	if (size > 0)
		push_reply(data, size, data[size - 1] * 8);
	return 0;
}
