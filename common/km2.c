/*
 * Key method 2 messages and peer-info (spec §6.2-§6.4).
 *
 * The client's message may arrive over several TLS reads, so
 * km2_parse_client() distinguishes "not complete yet" (0) from "cannot
 * ever become valid" (-1).  A length that points past the bytes we hold is
 * "need more" as long as it is within the field's maximum; a length above
 * the maximum is malformed at once.  Hence the parser never asks for more
 * than KM2_CLIENT_MAX bytes.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "km2.h"

#define KM2_METHOD		2
#define KM2_METHOD_MASK		0x0f	/* high bits of the method byte are flags */
#define KM2_ZERO_LEN		4
#define KM2_PRE_MASTER_LEN	48
#define KM2_RANDOM_LEN		32

/* Result of reading one length-prefixed string. */
enum km2_rs {
	KM2_RS_OK,
	KM2_RS_MORE,		/* the string is not complete yet */
	KM2_RS_BAD,		/* reason already written */
};

/*
 * Reads a u16 length (incl. NUL) and that many bytes.  A zero length is
 * the empty string.  Copies at most cap-1 bytes plus NUL into dst if dst is
 * not NULL; *present is set to whether the length was non-zero.
 */
static enum km2_rs
read_string(struct rbuf *r, const char *what, size_t max, char *dst,
    size_t cap, bool *present, char *err, size_t errlen)
{
	const uint8_t *q;
	uint16_t n;
	size_t copy;

	if (rbuf_left(r) < 2)
		return KM2_RS_MORE;
	n = rbuf_u16(r);
	if (present != NULL)
		*present = n > 0;
	if (dst != NULL && cap > 0)
		dst[0] = '\0';
	if (n == 0)
		return KM2_RS_OK;
	if (n > max) {
		snprintf(err, errlen, "%s is %u bytes long, at most %zu allowed",
		    what, n, max);
		return KM2_RS_BAD;
	}
	if (rbuf_left(r) < n)
		return KM2_RS_MORE;
	q = rbuf_bytes(r, n);
	if (q[n - 1] != '\0') {
		snprintf(err, errlen, "%s is not NUL-terminated", what);
		return KM2_RS_BAD;
	}
	if (dst != NULL && cap > 0) {
		copy = (size_t)n - 1 < cap - 1 ? (size_t)n - 1 : cap - 1;
		memcpy(dst, q, copy);
		dst[copy] = '\0';
	}
	return KM2_RS_OK;
}

/* Reads the 4 zero bytes (not checked, as 2.6 does) and the method byte. */
static enum km2_rs
read_head(struct rbuf *r, char *err, size_t errlen)
{
	uint8_t m;

	if (rbuf_left(r) < KM2_ZERO_LEN + 1)
		return KM2_RS_MORE;
	rbuf_skip(r, KM2_ZERO_LEN);
	m = rbuf_u8(r);
	if ((m & KM2_METHOD_MASK) != KM2_METHOD) {
		snprintf(err, errlen, "key method %u, only key method 2 is "
		    "supported", m & KM2_METHOD_MASK);
		return KM2_RS_BAD;
	}
	return KM2_RS_OK;
}

/* Maps a read result to the parser's return value for early exits. */
static int
rs_ret(enum km2_rs rs)
{
	return rs == KM2_RS_MORE ? 0 : -1;
}

int
km2_parse_client(const uint8_t *p, size_t len, struct km2_client *out,
    char *err, size_t errlen)
{
	struct rbuf r;
	enum km2_rs rs;
	bool present;

	memset(out, 0, sizeof(*out));
	rbuf_init(&r, p, len);
	if ((rs = read_head(&r, err, errlen)) != KM2_RS_OK)
		return rs_ret(rs);
	if (rbuf_left(&r) < KM2_PRE_MASTER_LEN + 2 * KM2_RANDOM_LEN)
		return 0;
	rbuf_copy(&r, out->pre_master, sizeof(out->pre_master));
	rbuf_copy(&r, out->random1, sizeof(out->random1));
	rbuf_copy(&r, out->random2, sizeof(out->random2));

	rs = read_string(&r, "options string", KM2_OPTIONS_MAX, out->options,
	    sizeof(out->options), &present, err, errlen);
	if (rs != KM2_RS_OK)
		return rs_ret(rs);
	if (!present) {
		snprintf(err, errlen, "options string is missing");
		return -1;
	}
	rs = read_string(&r, "username", KM2_USER_MAX, out->username,
	    sizeof(out->username), &out->has_username, err, errlen);
	if (rs != KM2_RS_OK)
		return rs_ret(rs);
	/* The password is checked for shape only; it is never copied. */
	rs = read_string(&r, "password", KM2_USER_MAX, NULL, 0,
	    &out->has_password, err, errlen);
	if (rs != KM2_RS_OK)
		return rs_ret(rs);
	rs = read_string(&r, "peer-info", KM2_PEER_INFO_MAX, out->peer_info,
	    sizeof(out->peer_info), NULL, err, errlen);
	if (rs != KM2_RS_OK)
		return rs_ret(rs);
	if (r.err) {
		snprintf(err, errlen, "internal read error");
		return -1;
	}
	return (int)r.pos;
}

int
km2_parse_server(const uint8_t *p, size_t len, uint8_t random1[32],
    uint8_t random2[32], char *options, size_t optcap, char *err,
    size_t errlen)
{
	struct rbuf r;
	enum km2_rs rs;
	bool present;

	rbuf_init(&r, p, len);
	if ((rs = read_head(&r, err, errlen)) != KM2_RS_OK)
		return rs_ret(rs);
	if (rbuf_left(&r) < 2 * KM2_RANDOM_LEN)
		return 0;
	rbuf_copy(&r, random1, KM2_RANDOM_LEN);
	rbuf_copy(&r, random2, KM2_RANDOM_LEN);
	rs = read_string(&r, "options string", KM2_OPTIONS_MAX, options,
	    optcap, &present, err, errlen);
	if (rs != KM2_RS_OK)
		return rs_ret(rs);
	if (!present) {
		snprintf(err, errlen, "options string is missing");
		return -1;
	}
	rs = read_string(&r, "username", KM2_USER_MAX, NULL, 0, NULL, err,
	    errlen);
	if (rs == KM2_RS_OK)
		rs = read_string(&r, "password", KM2_USER_MAX, NULL, 0, NULL,
		    err, errlen);
	if (rs == KM2_RS_OK)
		rs = read_string(&r, "peer-info", KM2_PEER_INFO_MAX, NULL, 0,
		    NULL, err, errlen);
	if (rs != KM2_RS_OK)
		return rs_ret(rs);
	if (r.err) {
		snprintf(err, errlen, "internal read error");
		return -1;
	}
	return (int)r.pos;
}

/* Writes a string as u16 length incl. NUL, bytes, NUL; "" or NULL as 00 00. */
static bool
write_string(struct wbuf *w, const char *s, size_t max)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0)
		return wbuf_u16(w, 0);
	if (n + 1 > max) {
		w->err = true;
		return false;
	}
	return wbuf_u16(w, (uint16_t)(n + 1)) && wbuf_bytes(w, s, n + 1);
}

static bool
write_head(struct wbuf *w)
{
	static const uint8_t zero[KM2_ZERO_LEN];

	return wbuf_bytes(w, zero, sizeof(zero)) && wbuf_u8(w, KM2_METHOD);
}

int
km2_write_server(struct wbuf *w, const uint8_t random1[32],
    const uint8_t random2[32], const char *options)
{
	if (options == NULL || options[0] == '\0')
		return -1;
	write_head(w);
	wbuf_bytes(w, random1, KM2_RANDOM_LEN);
	wbuf_bytes(w, random2, KM2_RANDOM_LEN);
	write_string(w, options, KM2_OPTIONS_MAX);
	wbuf_u16(w, 0);		/* username */
	wbuf_u16(w, 0);		/* password */
	wbuf_u16(w, 0);		/* peer-info: a 2.6 server sends none */
	return w->err ? -1 : 0;
}

int
km2_write_client(struct wbuf *w, const uint8_t pre_master[48],
    const uint8_t random1[32], const uint8_t random2[32],
    const char *options, const char *peer_info)
{
	if (options == NULL || options[0] == '\0')
		return -1;
	write_head(w);
	wbuf_bytes(w, pre_master, KM2_PRE_MASTER_LEN);
	wbuf_bytes(w, random1, KM2_RANDOM_LEN);
	wbuf_bytes(w, random2, KM2_RANDOM_LEN);
	write_string(w, options, KM2_OPTIONS_MAX);
	wbuf_u16(w, 0);		/* no auth-user-pass */
	wbuf_u16(w, 0);
	write_string(w, peer_info, KM2_PEER_INFO_MAX);
	return w->err ? -1 : 0;
}

/* Copies [v, v+n) into dst (size cap), truncating. */
static void
copy_value(char *dst, size_t cap, const char *v, size_t n)
{
	if (n > cap - 1)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* Decimal value; stops at the first non-digit, saturates instead of wrapping. */
static unsigned long
dec_value(const char *v, size_t n)
{
	unsigned long x = 0;
	size_t i;

	for (i = 0; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
		if (x > (0x7fffffffUL - 9) / 10)
			return 0x7fffffffUL;
		x = x * 10 + (unsigned long)(v[i] - '0');
	}
	return x;
}

static bool
name_is(const char *name, size_t n, const char *want)
{
	return strlen(want) == n && memcmp(name, want, n) == 0;
}

static void
peer_info_var(struct peer_info *pi, const char *name, size_t nlen,
    const char *v, size_t vlen)
{
	if (name_is(name, nlen, "IV_VER"))
		copy_value(pi->ver, sizeof(pi->ver), v, vlen);
	else if (name_is(name, nlen, "IV_PLAT"))
		copy_value(pi->plat, sizeof(pi->plat), v, vlen);
	else if (name_is(name, nlen, "IV_PROTO"))
		pi->proto = (unsigned)dec_value(v, vlen);
	else if (name_is(name, nlen, "IV_CIPHERS"))
		copy_value(pi->ciphers, sizeof(pi->ciphers), v, vlen);
	else if (name_is(name, nlen, "IV_NCP"))
		pi->ncp = (int)dec_value(v, vlen);
	else if (name_is(name, nlen, "IV_MTU"))
		pi->mtu = (int)dec_value(v, vlen);
	else if (name_is(name, nlen, "IV_TCPNL"))
		pi->tcpnl = dec_value(v, vlen) == 1;
	else if (name_is(name, nlen, "IV_LZO_STUB"))
		pi->lzo_stub = dec_value(v, vlen) == 1;
	else if (name_is(name, nlen, "IV_COMP_STUB"))
		pi->comp_stub = dec_value(v, vlen) == 1;
	else if (name_is(name, nlen, "IV_COMP_STUBv2"))
		pi->comp_stubv2 = dec_value(v, vlen) == 1;
	else if (name_is(name, nlen, "IV_GUI_VER"))
		copy_value(pi->gui_ver, sizeof(pi->gui_ver), v, vlen);
}

int
peer_info_parse(const char *text, struct peer_info *out)
{
	const char *line, *eol, *eq, *end;
	size_t vlen;

	if (text == NULL || out == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	end = text + strlen(text);
	for (line = text; line < end; line = eol + 1) {
		if ((eol = memchr(line, '\n', (size_t)(end - line))) == NULL)
			eol = end;
		eq = memchr(line, '=', (size_t)(eol - line));
		if (eq == NULL || eq == line)
			continue;
		vlen = (size_t)(eol - eq - 1);
		if (vlen > 0 && eq[vlen] == '\r')	/* tolerate CRLF lines */
			vlen--;
		peer_info_var(out, line, (size_t)(eq - line), eq + 1, vlen);
	}
	return 0;
}
