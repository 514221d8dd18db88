/*
 * Static key files and tls-auth wrap/unwrap on captured packets.
 *
 * The captures used "tls-auth ta.key 0" on the server and "... 1" on the
 * client, so a direction-0 instance (ours) must verify every C->S packet
 * and reproduce every S->C packet byte for byte; a direction-1 instance
 * stands in for the client.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statickey.h"
#include "tlsauth.h"
#include "vec.h"

#define MAXPKT	4096

static const char *const key_files[] = {
	"udp-tls-auth-sha256/ta.key",
	"udp-tls-auth-sha1-default/ta.key",
	"tcp-tls-auth-sha256/ta.key",
	"udp-aes-256-cbc-sha256-comp-lzo-no/ta.key",
	"udp-tls-crypt/tc.key",
};

static void
load_key(const char *rel, uint8_t key[STATICKEY_LEN])
{
	char err[256] = "";
	size_t len;
	char *text = vec_read(rel, &len);

	ck_assert_msg(statickey_parse(text, len, key, err, sizeof(err)) == 0,
	    "%s: %s", rel, err);
	free(text);
}

static struct tlsauth *
ta_new(const char *keyrel, int dir, const char *digest)
{
	uint8_t key[STATICKEY_LEN];
	char err[256] = "";
	struct tlsauth *ta;

	load_key(keyrel, key);
	ta = tlsauth_new(key, dir, digest, err, sizeof(err));
	ck_assert_msg(ta != NULL, "tlsauth_new: %s", err);
	return ta;
}

/*
 * Finds frame `frame` in a packets.txt file; returns its length and
 * writes its direction ("C->S"/"S->C").  0 if absent.
 */
static size_t
frame_bytes(const char *rel, int frame, char dir[8], uint8_t *buf, size_t cap)
{
	char *text = vec_read(rel, NULL), *line, *save = NULL;
	size_t n = 0;

	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		char d[8], hex[MAXPKT * 2 + 1];
		int f;
		unsigned len;
		double t;

		if (line[0] == '#')
			continue;
		if (sscanf(line, "%d %lf %7s %u %8192s", &f, &t, d, &len,
		    hex) != 5 || f != frame)
			continue;
		n = vec_hex(hex, buf, cap);
		ck_assert_uint_eq(n, len);
		memcpy(dir, d, sizeof(d));
		break;
	}
	free(text);
	return n;
}

/* ---- static key files ---------------------------------------------- */

START_TEST(test_statickey_vectors)
{
	static const uint8_t c2s[] = {	/* K[192..223], expected-tls-auth */
		0x8a, 0x9d, 0x94, 0x5a, 0x17, 0x5e, 0xbb, 0xea,
		0x48, 0x7d, 0x6d, 0x6c, 0x5d, 0x2c, 0x86, 0x2a,
		0xdf, 0x17, 0x1d, 0x22, 0xc2, 0x91, 0xa9, 0x69,
		0x9b, 0x50, 0x6c, 0x69, 0x23, 0x1d, 0x9b, 0xe7,
	};
	static const uint8_t s2c[] = {	/* K[64..95] */
		0x32, 0xa1, 0x51, 0x46, 0xa2, 0x8e, 0x9a, 0xe7,
		0x20, 0x27, 0x83, 0xa8, 0x0b, 0x03, 0xfb, 0xa8,
		0xfa, 0x3a, 0xba, 0x21, 0x54, 0xa1, 0xda, 0x62,
		0x96, 0x0b, 0xbc, 0xa9, 0xd8, 0x34, 0x37, 0x73,
	};
	uint8_t key[STATICKEY_LEN], again[STATICKEY_LEN];
	char out[2048], err[256];
	size_t i, flen;
	int n;

	for (i = 0; i < sizeof(key_files) / sizeof(key_files[0]); i++) {
		char *file = vec_read(key_files[i], &flen);
		const char *hf, *ho;

		load_key(key_files[i], key);
		if (i < 4) {
			ck_assert_mem_eq(key + 192, c2s, sizeof(c2s));
			ck_assert_mem_eq(key + 64, s2c, sizeof(s2c));
		}
		/* format -> parse round trip, and the key block as openvpn
		 * writes it, from the header line on. */
		n = statickey_format(key, out, sizeof(out));
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(statickey_parse(out, (size_t)n, again, err,
		    sizeof(err)), 0);
		ck_assert_mem_eq(key, again, STATICKEY_LEN);
		hf = strstr(file, "-----BEGIN");
		ho = strstr(out, "-----BEGIN");
		ck_assert_ptr_nonnull(hf);
		ck_assert_ptr_nonnull(ho);
		ck_assert_str_eq(hf, ho);
		ck_assert_int_eq(statickey_format(key, out, 100), -1);
		free(file);
	}
}
END_TEST

/*
 * The 21 lines of the sample key file: 3 comment lines, the header
 * (line 4), 16 hex lines (5..20), the footer (21).
 */
#define KEY_LINES	21

static int
key_lines(char *lines[KEY_LINES + 1])
{
	char *text = vec_read("udp-tls-auth-sha256/ta.key", NULL);
	char *save = NULL, *l;
	int n = 0;

	for (l = strtok_r(text, "\n", &save); l != NULL && n < KEY_LINES + 1;
	    l = strtok_r(NULL, "\n", &save))
		lines[n++] = strdup(l);
	free(text);
	ck_assert_int_eq(n, KEY_LINES);
	return n;
}

/* Joins lines[0..n-1] with "\n", skipping NULL entries. */
static char *
key_join(char *const lines[], int n)
{
	size_t need = 1;
	char *out;
	int i;

	for (i = 0; i < n; i++)
		if (lines[i] != NULL)
			need += strlen(lines[i]) + 1;
	out = calloc(1, need);
	ck_assert_ptr_nonnull(out);
	for (i = 0; i < n; i++)
		if (lines[i] != NULL) {
			strcat(out, lines[i]);
			strcat(out, "\n");
		}
	return out;
}

static void
expect_parse_error(const char *text, const char *want)
{
	uint8_t key[STATICKEY_LEN];
	char err[256] = "";

	ck_assert_int_eq(statickey_parse(text, strlen(text), key, err,
	    sizeof(err)), -1);
	ck_assert_msg(strstr(err, want) != NULL, "error \"%s\" lacks \"%s\"",
	    err, want);
}

START_TEST(test_statickey_malformed)
{
	char *lines[KEY_LINES + 1], *t, *saved, buf[128];
	uint8_t a[STATICKEY_LEN], b[STATICKEY_LEN];
	char err[256];
	int n = key_lines(lines), i;

	/* The unmodified lines parse. */
	t = key_join(lines, n);
	ck_assert_int_eq(statickey_parse(t, strlen(t), a, err, sizeof(err)),
	    0);
	free(t);

	/* A bad digit on line 7 is reported with its line number. */
	saved = lines[6];
	snprintf(buf, sizeof(buf), "%s", saved);
	buf[5] = 'g';
	lines[6] = buf;
	t = key_join(lines, n);
	expect_parse_error(t, "line 7");
	expect_parse_error(t, "'g'");
	free(t);

	/* Odd number of digits. */
	buf[5] = saved[5];
	buf[strlen(buf) - 1] = '\0';
	t = key_join(lines, n);
	expect_parse_error(t, "odd");
	free(t);

	/* Short key: one hex line missing. */
	lines[6] = NULL;
	t = key_join(lines, n);
	expect_parse_error(t, "240 bytes");
	free(t);

	/* Too long: a hex line twice. */
	snprintf(buf, sizeof(buf), "%s\n%s", saved, saved);
	lines[6] = buf;
	t = key_join(lines, n);
	expect_parse_error(t, "more than");
	free(t);
	lines[6] = saved;

	/* Missing footer, and a wrong one. */
	saved = lines[20];
	lines[20] = NULL;
	t = key_join(lines, n);
	expect_parse_error(t, "line 21");
	expect_parse_error(t, "expected");
	free(t);
	lines[20] = (char *)"-----END OpenVPN Static key V2-----";
	t = key_join(lines, n);
	expect_parse_error(t, "expected");
	free(t);
	lines[20] = saved;

	/* Missing header: nothing is a key. */
	saved = lines[3];
	lines[3] = NULL;
	t = key_join(lines, n);
	expect_parse_error(t, "BEGIN");
	free(t);
	lines[3] = saved;

	/* A non-hex character other than the footer's '-'. */
	saved = lines[19];
	snprintf(buf, sizeof(buf), "%.10s %s", saved, saved + 10);
	lines[19] = buf;
	t = key_join(lines, n);
	ck_assert_int_eq(statickey_parse(t, strlen(t), b, err, sizeof(err)),
	    0);				/* blanks are allowed */
	ck_assert_mem_eq(a, b, STATICKEY_LEN);
	free(t);
	snprintf(buf, sizeof(buf), "%.10s;%s", saved, saved + 10);
	t = key_join(lines, n);
	expect_parse_error(t, "line 20");
	free(t);
	lines[19] = saved;

	/* CRLF line ends and upper-case digits give the same key. */
	{
		size_t len, j, k = 0, end;
		char *crlf;

		t = key_join(lines, n);
		len = strlen(t);
		end = (size_t)(strstr(t, "-----END") - t);
		crlf = malloc(2 * len + 1);
		for (j = 0; j < len; j++) {
			char c = t[j];

			if (c == '\n')
				crlf[k++] = '\r';
			if (c >= 'a' && c <= 'f' && j > 100 && j < end)
				c = (char)(c - 'a' + 'A');
			crlf[k++] = c;
		}
		ck_assert_int_eq(statickey_parse(crlf, k, b, err, sizeof(err)),
		    0);
		ck_assert_mem_eq(a, b, STATICKEY_LEN);
		free(crlf);
		free(t);
	}
	for (i = 0; i < n; i++)
		free(lines[i]);
}
END_TEST

/* ---- tls-auth -------------------------------------------------------- */

START_TEST(test_new_args)
{
	uint8_t key[STATICKEY_LEN];
	char err[256];
	struct tlsauth *ta;

	load_key("udp-tls-auth-sha256/ta.key", key);
	ck_assert_ptr_null(tlsauth_new(key, 0, "MD4X", err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "MD4X"));
	ck_assert_ptr_null(tlsauth_new(key, 2, "SHA256", err, sizeof(err)));
	ck_assert_ptr_null(tlsauth_new(key, 0, NULL, err, sizeof(err)));
	ta = tlsauth_new(key, 0, "sha1", err, sizeof(err));
	ck_assert_ptr_nonnull(ta);
	ck_assert_uint_eq(tlsauth_hmac_len(ta), 20);
	ck_assert_uint_eq(tlsauth_overhead(ta), 28);
	tlsauth_free(ta);
	ta = tlsauth_new(key, TLSAUTH_DIR_NONE, "SHA512", err, sizeof(err));
	ck_assert_ptr_nonnull(ta);
	ck_assert_uint_eq(tlsauth_hmac_len(ta), 64);
	ck_assert_uint_eq(tlsauth_overhead(ta), 72);
	tlsauth_free(ta);
	tlsauth_free(NULL);
}
END_TEST

/*
 * The server side of one captured packet: C->S must verify with srv
 * (direction 0); S->C must verify with cli (direction 1) and srv's wrap
 * of the same header and body must give the same bytes.  Returns the
 * unwrapped header for further checks.
 */
static void
check_packet(struct tlsauth *srv, struct tlsauth *cli, const uint8_t *pkt,
    size_t len, bool c2s, const char *what)
{
	struct ctl_hdr h;
	const uint8_t *body;
	size_t blen, L = tlsauth_hmac_len(srv);

	if (c2s) {
		ck_assert_msg(tlsauth_unwrap(srv, pkt, len, &h, &body,
		    &blen) == 0, "%s: server rejects client packet", what);
		ck_assert_msg(tlsauth_unwrap(cli, pkt, len, &h, &body,
		    &blen) == -1, "%s: wrong direction accepted", what);
	} else {
		uint8_t out[MAXPKT];
		struct wbuf w;

		ck_assert_msg(tlsauth_unwrap(cli, pkt, len, &h, &body,
		    &blen) == 0, "%s: client rejects server packet", what);
		ck_assert_msg(tlsauth_unwrap(srv, pkt, len, &h, &body,
		    &blen) == -1, "%s: wrong direction accepted", what);
		ck_assert_int_eq(tlsauth_unwrap(cli, pkt, len, &h, &body,
		    &blen), 0);
		wbuf_init(&w, out, sizeof(out));
		ck_assert_int_eq(tlsauth_wrap(srv, &w, &h, body, blen), 0);
		ck_assert_uint_eq(w.len, len);
		ck_assert_msg(memcmp(out, pkt, len) == 0,
		    "%s: server wrap differs from capture", what);
	}
	/* Header fields and body position as on the wire. */
	ck_assert_uint_eq(h.op, pkt[0] >> 3);
	ck_assert_uint_eq(h.key_id, pkt[0] & 7);
	ck_assert_mem_eq(h.sid, pkt + 1, 8);
	ck_assert_uint_eq(h.pid, be32_get(pkt + 9 + L));
	ck_assert_uint_eq(h.ptime, be32_get(pkt + 13 + L));
	ck_assert_ptr_eq(body, pkt + 17 + L);
	ck_assert_uint_eq(blen, len - 17 - L);
}

START_TEST(test_hex_files_sha256)
{
	static const struct {
		const char	*file;
		bool		 c2s;
		size_t		 len;
	} f[] = {
		{ "01_hard_reset_client_v2.hex", true, 54 },
		{ "02_hard_reset_server_v2.hex", false, 66 },
		{ "03_control_v1_client_hello.hex", true, 343 },
		{ "06_ack_v1_client.hex", true, 66 },
		{ "10_ack_v1_server.hex", false, 66 },
		{ "16_ack_v1_client_8acks_max.hex", true, 0 },
	};
	struct tlsauth *srv, *cli;
	uint8_t pkt[MAXPKT];
	char rel[128];
	size_t i, n;

	srv = ta_new("udp-tls-auth-sha256/ta.key", 0, "SHA256");
	cli = ta_new("udp-tls-auth-sha256/ta.key", 1, "SHA256");
	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		snprintf(rel, sizeof(rel), "udp-tls-auth-sha256/%s", f[i].file);
		n = vec_hex_file(rel, pkt, sizeof(pkt));
		if (f[i].len)
			ck_assert_uint_eq(n, f[i].len);
		check_packet(srv, cli, pkt, n, f[i].c2s, f[i].file);
	}
	/* The worked example of spec §2.3. */
	{
		struct ctl_hdr h;
		const uint8_t *body;
		size_t blen;

		n = vec_hex_file("udp-tls-auth-sha256/01_hard_reset_client_v2.hex",
		    pkt, sizeof(pkt));
		ck_assert_int_eq(tlsauth_unwrap(srv, pkt, n, &h, &body, &blen),
		    0);
		ck_assert_uint_eq(h.op, 7);
		ck_assert_uint_eq(h.key_id, 0);
		ck_assert_uint_eq(h.pid, 1);
		ck_assert_uint_eq(h.ptime, 1795655948);
		ck_assert_uint_eq(blen, 5);
	}
	tlsauth_free(srv);
	tlsauth_free(cli);
}
END_TEST

/*
 * Every frame listed in expected-tls-auth.txt: its length and on-wire HMAC
 * must match packets.txt, and it must verify (or be reproduced).
 */
START_TEST(test_packets_sha256)
{
	struct tlsauth *srv, *cli;
	char *text = vec_read("udp-tls-auth-sha256/expected-tls-auth.txt",
	    NULL);
	char *p = text;
	uint8_t pkt[MAXPKT], mac[64];
	int frames = 0, c2s = 0;

	srv = ta_new("udp-tls-auth-sha256/ta.key", 0, "SHA256");
	cli = ta_new("udp-tls-auth-sha256/ta.key", 1, "SHA256");
	while ((p = strstr(p, "=== frame ")) != NULL) {
		int frame;
		unsigned len;
		char dir[8], fdir[8], hex[129], what[32];
		const char *m;
		size_t n;

		ck_assert_int_eq(sscanf(p, "=== frame %d %7s (%u bytes)",
		    &frame, dir, &len), 3);
		m = strstr(p, "HMAC (on wire)     : ");
		ck_assert_ptr_nonnull(m);
		ck_assert_int_eq(sscanf(m + 21, "%128s", hex), 1);
		ck_assert_uint_eq(vec_hex(hex, mac, sizeof(mac)), 32);
		n = frame_bytes("udp-tls-auth-sha256/packets.txt", frame, fdir,
		    pkt, sizeof(pkt));
		ck_assert_uint_eq(n, len);
		ck_assert_str_eq(dir, fdir);
		ck_assert_mem_eq(pkt + 9, mac, 32);
		snprintf(what, sizeof(what), "frame %d", frame);
		check_packet(srv, cli, pkt, n, strcmp(dir, "C->S") == 0, what);
		frames++;
		c2s += strcmp(dir, "C->S") == 0;
		p++;
	}
	ck_assert_int_eq(frames, 16);
	ck_assert_int_eq(c2s, 9);
	free(text);
	tlsauth_free(srv);
	tlsauth_free(cli);
}
END_TEST

START_TEST(test_sha1_default)
{
	struct tlsauth *srv, *cli, *s256;
	uint8_t pkt[MAXPKT];
	struct ctl_hdr h;
	const uint8_t *body;
	size_t n, blen;

	srv = ta_new("udp-tls-auth-sha1-default/ta.key", 0, "SHA1");
	cli = ta_new("udp-tls-auth-sha1-default/ta.key", 1, "SHA1");
	s256 = ta_new("udp-tls-auth-sha1-default/ta.key", 0, "SHA256");
	n = vec_hex_file("udp-tls-auth-sha1-default/01_hard_reset_client_v2.hex",
	    pkt, sizeof(pkt));
	ck_assert_uint_eq(n, 42);
	check_packet(srv, cli, pkt, n, true, "sha1 client reset");
	ck_assert_int_eq(tlsauth_unwrap(s256, pkt, n, &h, &body, &blen), -1);
	n = vec_hex_file("udp-tls-auth-sha1-default/02_hard_reset_server_v2.hex",
	    pkt, sizeof(pkt));
	ck_assert_uint_eq(n, 54);
	check_packet(srv, cli, pkt, n, false, "sha1 server reset");
	tlsauth_free(srv);
	tlsauth_free(cli);
	tlsauth_free(s256);
}
END_TEST

/* Walks the complete length-prefixed records of a TCP stream capture. */
static int
tcp_records(struct tlsauth *srv, struct tlsauth *cli, const char *rel,
    bool c2s)
{
	static uint8_t stream[MAXPKT];
	size_t n = vec_hex_file(rel, stream, sizeof(stream)), off = 0;
	int recs = 0;

	while (off + 2 <= n) {
		size_t rlen = (size_t)stream[off] << 8 | stream[off + 1];
		char what[64];

		if (off + 2 + rlen > n)
			break;		/* the capture is cut mid-record */
		snprintf(what, sizeof(what), "%s record %d", rel, recs);
		check_packet(srv, cli, stream + off + 2, rlen, c2s, what);
		off += 2 + rlen;
		recs++;
	}
	return recs;
}

START_TEST(test_tcp)
{
	struct tlsauth *srv, *cli;

	srv = ta_new("tcp-tls-auth-sha256/ta.key", 0, "SHA256");
	cli = ta_new("tcp-tls-auth-sha256/ta.key", 1, "SHA256");
	/* 600 bytes each: 54+343+66 complete client records, and the
	 * server's 66-byte reset before a cut 1222-byte record. */
	ck_assert_int_eq(tcp_records(srv, cli,
	    "tcp-tls-auth-sha256/stream-client-first-bytes.hex", true), 3);
	ck_assert_int_eq(tcp_records(srv, cli,
	    "tcp-tls-auth-sha256/stream-server-first-bytes.hex", false), 1);
	tlsauth_free(srv);
	tlsauth_free(cli);
}
END_TEST

START_TEST(test_bitflips_and_truncation)
{
	struct tlsauth *srv, *cli, *none;
	uint8_t pkt[MAXPKT];
	struct ctl_hdr h;
	const uint8_t *body;
	size_t n, i, blen;
	int bit;

	srv = ta_new("udp-tls-auth-sha256/ta.key", 0, "SHA256");
	cli = ta_new("udp-tls-auth-sha256/ta.key", 1, "SHA256");
	none = ta_new("udp-tls-auth-sha256/ta.key", TLSAUTH_DIR_NONE,
	    "SHA256");
	n = vec_hex_file("udp-tls-auth-sha256/03_control_v1_client_hello.hex",
	    pkt, sizeof(pkt));
	ck_assert_int_eq(tlsauth_unwrap(srv, pkt, n, &h, &body, &blen), 0);
	for (i = 0; i < n; i++)
		for (bit = 0; bit < 8; bit++) {
			pkt[i] ^= (uint8_t)(1 << bit);
			ck_assert_msg(tlsauth_unwrap(srv, pkt, n, &h, &body,
			    &blen) == -1, "flip byte %zu bit %d accepted", i,
			    bit);
			pkt[i] ^= (uint8_t)(1 << bit);
		}
	for (i = 0; i < n; i++)
		ck_assert_msg(tlsauth_unwrap(srv, pkt, i, &h, &body,
		    &blen) == -1, "truncated to %zu accepted", i);
	pkt[n] = 0;
	ck_assert_int_eq(tlsauth_unwrap(srv, pkt, n + 1, &h, &body, &blen),
	    -1);
	/* Wrong directions. */
	ck_assert_int_eq(tlsauth_unwrap(cli, pkt, n, &h, &body, &blen), -1);
	ck_assert_int_eq(tlsauth_unwrap(none, pkt, n, &h, &body, &blen), -1);
	ck_assert_int_eq(tlsauth_unwrap(srv, pkt, n, &h, &body, &blen), 0);
	/* The shortest possible packet is accepted when it verifies. */
	{
		uint8_t out[64];
		struct wbuf w;
		struct ctl_hdr hh = { .op = 5, .key_id = 3, .pid = 7,
		    .ptime = 9, .sid = { 1, 2, 3, 4, 5, 6, 7, 8 } };

		wbuf_init(&w, out, sizeof(out));
		ck_assert_int_eq(tlsauth_wrap(cli, &w, &hh, NULL, 0), 0);
		ck_assert_uint_eq(w.len, 1 + 8 + 32 + 8);
		ck_assert_int_eq(tlsauth_unwrap(srv, out, w.len, &h, &body,
		    &blen), 0);
		ck_assert_uint_eq(blen, 0);
		ck_assert_uint_eq(h.op, 5);
		ck_assert_uint_eq(h.key_id, 3);
		ck_assert_int_eq(tlsauth_unwrap(srv, out, w.len - 1, &h,
		    &body, &blen), -1);
	}
	tlsauth_free(srv);
	tlsauth_free(cli);
	tlsauth_free(none);
}
END_TEST

START_TEST(test_wrap_roundtrip)
{
	static const char *const dg[] = { "SHA1", "SHA256", "SHA512" };
	uint8_t key[STATICKEY_LEN], out[MAXPKT], body[300];
	char err[128];
	size_t i, j, blen;
	const uint8_t *b;
	struct ctl_hdr h = { .op = 4, .key_id = 1, .pid = 0x01020304,
	    .ptime = 0x6b07890c, .sid = { 9, 8, 7, 6, 5, 4, 3, 2 } }, g;

	load_key("udp-tls-auth-sha256/ta.key", key);
	for (j = 0; j < sizeof(body); j++)
		body[j] = (uint8_t)(j * 7);
	for (i = 0; i < 3; i++) {
		struct tlsauth *a = tlsauth_new(key, 0, dg[i], err, sizeof(err));
		struct tlsauth *c = tlsauth_new(key, 1, dg[i], err, sizeof(err));
		struct tlsauth *n = tlsauth_new(key, TLSAUTH_DIR_NONE, dg[i],
		    err, sizeof(err));
		size_t L = tlsauth_hmac_len(a);
		struct wbuf w;

		ck_assert_ptr_nonnull(a);
		ck_assert_ptr_nonnull(c);
		ck_assert_ptr_nonnull(n);
		wbuf_init(&w, out, sizeof(out));
		ck_assert_int_eq(tlsauth_wrap(a, &w, &h, body, sizeof(body)),
		    0);
		ck_assert_uint_eq(w.len, 17 + L + sizeof(body));
		ck_assert_int_eq(tlsauth_unwrap(c, out, w.len, &g, &b, &blen),
		    0);
		ck_assert_int_eq(tlsauth_unwrap(a, out, w.len, &g, &b, &blen),
		    -1);
		ck_assert_mem_eq(b, body, sizeof(body));
		ck_assert_uint_eq(g.pid, h.pid);
		ck_assert_uint_eq(g.ptime, h.ptime);
		/* No direction: both ways keys[0], i.e. what a direction-1
		 * peer receives with. */
		wbuf_init(&w, out, sizeof(out));
		ck_assert_int_eq(tlsauth_wrap(n, &w, &h, body, sizeof(body)),
		    0);
		ck_assert_int_eq(tlsauth_unwrap(n, out, w.len, &g, &b, &blen),
		    0);
		ck_assert_int_eq(tlsauth_unwrap(c, out, w.len, &g, &b, &blen),
		    0);
		ck_assert_int_eq(tlsauth_unwrap(a, out, w.len, &g, &b, &blen),
		    -1);
		/* Body already in place: same bytes. */
		{
			uint8_t inplace[MAXPKT];

			memcpy(inplace + 17 + L, body, sizeof(body));
			wbuf_init(&w, inplace, sizeof(inplace));
			ck_assert_int_eq(tlsauth_wrap(n, &w, &h, inplace + 17 +
			    L, sizeof(body)), 0);
			ck_assert_mem_eq(inplace, out, w.len);
		}
		/* Too small an output buffer. */
		wbuf_init(&w, out, 17 + L + sizeof(body) - 1);
		ck_assert_int_eq(tlsauth_wrap(a, &w, &h, body, sizeof(body)),
		    -1);
		tlsauth_free(a);
		tlsauth_free(c);
		tlsauth_free(n);
	}
}
END_TEST

static Suite *
tlsauth_suite(void)
{
	Suite *s = suite_create("tlsauth");
	TCase *tk = tcase_create("statickey");
	TCase *tc = tcase_create("tlsauth");

	tcase_add_test(tk, test_statickey_vectors);
	tcase_add_test(tk, test_statickey_malformed);
	suite_add_tcase(s, tk);
	tcase_add_test(tc, test_new_args);
	tcase_add_test(tc, test_hex_files_sha256);
	tcase_add_test(tc, test_packets_sha256);
	tcase_add_test(tc, test_sha1_default);
	tcase_add_test(tc, test_tcp);
	tcase_add_test(tc, test_bitflips_and_truncation);
	tcase_add_test(tc, test_wrap_roundtrip);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tlsauth_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
