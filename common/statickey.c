/*
 * OpenVPN static key files (spec §2.1).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "statickey.h"

#define SK_HEADER	"-----BEGIN OpenVPN Static key V1-----"
#define SK_FOOTER	"-----END OpenVPN Static key V1-----"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Finds needle at the start of a line in [p, end); returns it or NULL. */
static const char *
find_line(const char *p, const char *end, const char *needle, int *line)
{
	size_t n = strlen(needle);
	const char *bol = p;

	for (; bol < end; ) {
		const char *eol = memchr(bol, '\n', (size_t)(end - bol));

		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - bol) >= n && memcmp(bol, needle, n) == 0)
			return bol;
		bol = eol + 1;
		(*line)++;
	}
	return NULL;
}

int
statickey_parse(const char *text, size_t len, uint8_t out[STATICKEY_LEN],
    char *err, size_t errlen)
{
	const char *end = text + len, *p, *hdr;
	int line = 1, hi = -1, v;
	size_t n = 0;

	if ((hdr = find_line(text, end, SK_HEADER, &line)) == NULL) {
		snprintf(err, errlen, "no \"%s\" line", SK_HEADER);
		return -1;
	}
	p = hdr + strlen(SK_HEADER);
	for (; p < end; p++) {
		if (*p == '\n') {
			line++;
			continue;
		}
		if (*p == ' ' || *p == '\t' || *p == '\r')
			continue;
		if (*p == '-')
			break;
		if ((v = hexval(*p)) < 0) {
			snprintf(err, errlen, "line %d: '%c' is not a hex digit",
			    line, *p);
			return -1;
		}
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == STATICKEY_LEN) {
			snprintf(err, errlen, "line %d: more than %d key bytes",
			    line, STATICKEY_LEN);
			return -1;
		}
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0) {
		snprintf(err, errlen, "line %d: odd number of hex digits", line);
		return -1;
	}
	if (n != STATICKEY_LEN) {
		snprintf(err, errlen, "key has %zu bytes, a 2048-bit key "
		    "(%d bytes) is required", n, STATICKEY_LEN);
		return -1;
	}
	if ((size_t)(end - p) < strlen(SK_FOOTER) ||
	    memcmp(p, SK_FOOTER, strlen(SK_FOOTER)) != 0) {
		snprintf(err, errlen, "line %d: expected \"%s\"", line,
		    SK_FOOTER);
		return -1;
	}
	return 0;
}

int
statickey_format(const uint8_t key[STATICKEY_LEN], char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t need = 0, i;
	char *q = out;

	need = sizeof("#\n# 2048 bit OpenVPN Static key\n#\n") - 1 +
	    strlen(SK_HEADER) + 1 + STATICKEY_LEN * 2 + STATICKEY_LEN / 16 +
	    strlen(SK_FOOTER) + 1 + 1;
	if (cap < need)
		return -1;
	q += sprintf(q, "#\n# 2048 bit OpenVPN Static key\n#\n%s\n", SK_HEADER);
	for (i = 0; i < STATICKEY_LEN; i++) {
		*q++ = hex[key[i] >> 4];
		*q++ = hex[key[i] & 15];
		if (i % 16 == 15)
			*q++ = '\n';
	}
	q += sprintf(q, "%s\n", SK_FOOTER);
	return (int)(q - out);
}
