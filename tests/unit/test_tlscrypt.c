/*
 * tls-crypt wrap/unwrap on the captured udp-tls-crypt session (spec §3.1),
 * plus the main() of the test_tlscrypt program (tls-crypt-v2 and ctlwrap
 * cases live in test_tlscryptv2.c and test_ctlwrap.c).
 *
 * The captures ran "tls-crypt tc.key" on both peers: a server-role
 * instance (ours) must verify every C->S packet and reproduce every S->C
 * packet byte for byte; a client-role instance stands in for the client.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "statickey.h"
#include "tlscrypt.h"
#include "vec.h"
#include "tlscrypt_test.h"

#define TC_DIR		"udp-tls-crypt/"
#define TC_EXPECTED	TC_DIR "expected.txt"

static const struct {
	const char	*file;
	const char	*section;	/* in expected.txt */
	bool		 c2s;
} frames[] = {
	{ TC_DIR "01_p_control_hard_reset_client_v2.hex", "=== frame 1 ",
	    true },
	{ TC_DIR "02_p_control_hard_reset_server_v2.hex", "=== frame 2 ",
	    false },
	{ TC_DIR "03_p_control_v1.hex", "=== frame 3 ", true },
};
#define NFRAMES	(sizeof(frames) / sizeof(frames[0]))

void
tt_statickey(const char *rel, uint8_t key[256])
{
	char err[256] = "";
	size_t len;
	char *text = vec_read(rel, &len);

	ck_assert_msg(statickey_parse(text, len, key, err, sizeof(err)) == 0,
	    "%s: %s", rel, err);
	free(text);
}

size_t
tt_exp_hex(const char *rel, const char *section, const char *key,
    uint8_t *buf, size_t cap, bool *trunc)
{
	char *text = vec_read(rel, NULL), *line, *save = NULL, *p, *q;
	bool in = section == NULL;
	size_t n = 0;
	int found = 0;

	for (line = strtok_r(text, "\n", &save); line != NULL && !found;
	    line = strtok_r(NULL, "\n", &save)) {
		if (!in) {
			in = strncmp(line, section, strlen(section)) == 0;
			continue;
		}
		if (section != NULL && strncmp(line, "===", 3) == 0)
			break;
		if ((p = strstr(line, key)) == NULL)
			continue;
		p += strlen(key);
		p += strspn(p, " :\t");
		q = p + strspn(p, "0123456789abcdefABCDEF");
		if (trunc != NULL)
			*trunc = strncmp(q, "...", 3) == 0;
		*q = '\0';
		n = vec_hex(p, buf, cap);
		found = 1;
	}
	free(text);
	ck_assert_msg(found, "%s: no \"%s\" in section \"%s\"", rel, key,
	    section ? section : "(top)");
	return n;
}

static struct tlscrypt *
tc_new(const uint8_t key[256], enum tlscrypt_role role)
{
	char err[256] = "";
	struct tlscrypt *tc = tlscrypt_new(key, role, err, sizeof(err));

	ck_assert_msg(tc != NULL, "tlscrypt_new: %s", err);
	return tc;
}

/* Server and client instances for tc.key. */
static void
tc_pair(struct tlscrypt **srv, struct tlscrypt **cli)
{
	uint8_t key[256];

	tt_statickey(TC_DIR "tc.key", key);
	*srv = tc_new(key, TLSCRYPT_SERVER);
	*cli = tc_new(key, TLSCRYPT_CLIENT);
}

START_TEST(test_key_slices)
{
	uint8_t key[256], exp[64];

	/* expected.txt names the slices each direction uses. */
	tt_statickey(TC_DIR "tc.key", key);
	ck_assert_uint_eq(tt_exp_hex(TC_EXPECTED, NULL, "Ke = K[128..159] =",
	    exp, sizeof(exp), NULL), 32);
	ck_assert_mem_eq(exp, key + 128, 32);
	ck_assert_uint_eq(tt_exp_hex(TC_EXPECTED, NULL, "Ka = K[192..223] =",
	    exp, sizeof(exp), NULL), 32);
	ck_assert_mem_eq(exp, key + 192, 32);
	ck_assert_uint_eq(tt_exp_hex(TC_EXPECTED, NULL, "Ke = K[0..31]    =",
	    exp, sizeof(exp), NULL), 32);
	ck_assert_mem_eq(exp, key + 0, 32);
	ck_assert_uint_eq(tt_exp_hex(TC_EXPECTED, NULL, "Ka = K[64..95]   =",
	    exp, sizeof(exp), NULL), 32);
	ck_assert_mem_eq(exp, key + 64, 32);
	ck_assert_uint_eq(tlscrypt_overhead(), 40);
	ck_assert_uint_eq(TLSCRYPT_MIN_PKT, 49);
}
END_TEST

START_TEST(test_unwrap_vectors)
{
	struct tlscrypt *srv, *cli;
	uint8_t pkt[TT_MAXPKT], out[TT_MAXPKT], exp[TT_MAXPKT], hdr[32];
	const uint8_t *body;
	size_t len, blen, n, i;
	struct ctl_hdr h;
	bool trunc;

	tc_pair(&srv, &cli);
	for (i = 0; i < NFRAMES; i++) {
		len = vec_hex_file(frames[i].file, pkt, sizeof(pkt));
		memset(&h, 0xee, sizeof(h));
		ck_assert_int_eq(tlscrypt_unwrap(frames[i].c2s ? srv : cli,
		    pkt, len, &h, out, sizeof(out), &body, &blen), 0);
		ck_assert_ptr_eq(body, out);
		ck_assert_uint_eq(blen, len - 49);
		n = tt_exp_hex(TC_EXPECTED, frames[i].section,
		    "decrypted plaintext (acks.., msg packet-id, TLS) :", exp,
		    sizeof(exp), &trunc);
		ck_assert_msg(trunc ? n < blen : n == blen, "frame %zu: "
		    "plaintext %zu bytes, expected %zu%s", i + 1, blen, n,
		    trunc ? "+" : "");
		ck_assert_mem_eq(body, exp, n);
		/* The header fields as expected.txt lists them. */
		ck_assert_uint_eq(tt_exp_hex(TC_EXPECTED, frames[i].section,
		    "header (opcode, session id, packet-id, time) :", hdr,
		    sizeof(hdr), NULL), 17);
		ck_assert_uint_eq(h.op, hdr[0] >> 3);
		ck_assert_uint_eq(h.key_id, hdr[0] & 7);
		ck_assert_mem_eq(h.sid, hdr + 1, 8);
		ck_assert_uint_eq(h.pid, be32_get(hdr + 9));
		ck_assert_uint_eq(h.ptime, be32_get(hdr + 13));
		ck_assert_uint_eq(tt_exp_hex(TC_EXPECTED, frames[i].section,
		    "tag (HMAC-SHA256)", hdr, sizeof(hdr), NULL), 32);
		ck_assert_mem_eq(pkt + 17, hdr, 32);
	}
	/* Spot values, independent of the parser above. */
	len = vec_hex_file(frames[1].file, pkt, sizeof(pkt));
	ck_assert_int_eq(tlscrypt_unwrap(cli, pkt, len, &h, out, sizeof(out),
	    &body, &blen), 0);
	ck_assert_uint_eq(h.op, 8);
	ck_assert_uint_eq(h.pid, 1);
	ck_assert_uint_eq(h.ptime, 0x6b078980);
	ck_assert_uint_eq(blen, 17);
	ck_assert_mem_eq(body, "\x01\x00\x00\x00\x00\xa3\x50\xaf\x0c\x25\x52"
	    "\x01\x9c\x00\x00\x00\x00", 17);
	tlscrypt_free(srv);
	tlscrypt_free(cli);
}
END_TEST

START_TEST(test_wrap_reproduces)
{
	struct tlscrypt *srv, *cli, *rx, *tx;
	uint8_t pkt[TT_MAXPKT], body[TT_MAXPKT], wire[TT_MAXPKT];
	const uint8_t *b;
	size_t len, blen, i;
	struct ctl_hdr h;
	struct wbuf w;

	tc_pair(&srv, &cli);
	for (i = 0; i < NFRAMES; i++) {
		rx = frames[i].c2s ? srv : cli;
		tx = frames[i].c2s ? cli : srv;
		len = vec_hex_file(frames[i].file, pkt, sizeof(pkt));
		ck_assert_int_eq(tlscrypt_unwrap(rx, pkt, len, &h, body,
		    sizeof(body), &b, &blen), 0);
		wbuf_init(&w, wire, sizeof(wire));
		ck_assert_int_eq(tlscrypt_wrap(tx, &w, &h, b, blen), 0);
		ck_assert_uint_eq(w.len, len);
		ck_assert_mem_eq(wire, pkt, len);
		/* In place: the body already at its final offset. */
		memset(wire, 0, sizeof(wire));
		memcpy(wire + TLSCRYPT_MIN_PKT, b, blen);
		wbuf_init(&w, wire, sizeof(wire));
		ck_assert_int_eq(tlscrypt_wrap(tx, &w, &h,
		    wire + TLSCRYPT_MIN_PKT, blen), 0);
		ck_assert_mem_eq(wire, pkt, len);
		/* Overlapping the header: the body at offset 0. */
		memcpy(wire, b, blen);
		wbuf_init(&w, wire, sizeof(wire));
		ck_assert_int_eq(tlscrypt_wrap(tx, &w, &h, wire, blen), 0);
		ck_assert_mem_eq(wire, pkt, len);
		/* One byte short of room: fails, flags the buffer. */
		wbuf_init(&w, wire, len - 1);
		ck_assert_int_eq(tlscrypt_wrap(tx, &w, &h, b, blen), -1);
		ck_assert(w.err);
	}
	tlscrypt_free(srv);
	tlscrypt_free(cli);
}
END_TEST

START_TEST(test_bitflips_truncation)
{
	struct tlscrypt *srv, *cli, *rx;
	uint8_t pkt[TT_MAXPKT], out[TT_MAXPKT];
	const uint8_t *body;
	size_t len, blen, i, j;
	struct ctl_hdr h;

	tc_pair(&srv, &cli);
	for (i = 0; i < NFRAMES; i++) {
		rx = frames[i].c2s ? srv : cli;
		len = vec_hex_file(frames[i].file, pkt, sizeof(pkt));
		for (j = 0; j < len * 8; j++) {
			pkt[j / 8] ^= (uint8_t)(1u << (j % 8));
			ck_assert_msg(tlscrypt_unwrap(rx, pkt, len, &h, out,
			    sizeof(out), &body, &blen) == -1,
			    "frame %zu: bit %zu flipped but accepted", i + 1,
			    j);
			pkt[j / 8] ^= (uint8_t)(1u << (j % 8));
		}
		for (j = 0; j < len; j++)
			ck_assert_msg(tlscrypt_unwrap(rx, pkt, j, &h, out,
			    sizeof(out), &body, &blen) == -1,
			    "frame %zu: truncated to %zu accepted", i + 1, j);
		pkt[len] = 0;
		ck_assert_int_eq(tlscrypt_unwrap(rx, pkt, len + 1, &h, out,
		    sizeof(out), &body, &blen), -1);
		/* Body one byte larger than out: refused before any crypto. */
		ck_assert_int_eq(tlscrypt_unwrap(rx, pkt, len, &h, out,
		    len - 49 - 1, &body, &blen), -1);
		ck_assert_int_eq(tlscrypt_unwrap(rx, pkt, len, &h, out,
		    len - 49, &body, &blen), 0);
	}
	tlscrypt_free(srv);
	tlscrypt_free(cli);
}
END_TEST

START_TEST(test_wrong_key)
{
	static const size_t used[] = { 128, 159, 192, 223 };
	struct tlscrypt *srv, *cli, *t;
	uint8_t key[256], bad[256], ta[256], pkt[TT_MAXPKT], out[TT_MAXPKT];
	const uint8_t *body;
	size_t len, blen, i;
	struct ctl_hdr h;

	tt_statickey(TC_DIR "tc.key", key);
	tc_pair(&srv, &cli);
	len = vec_hex_file(frames[0].file, pkt, sizeof(pkt));
	/* The wrong role: a client cannot read a client's packet. */
	ck_assert_int_eq(tlscrypt_unwrap(cli, pkt, len, &h, out, sizeof(out),
	    &body, &blen), -1);
	/* A byte changed in the receive Ke or Ka: rejected. */
	for (i = 0; i < sizeof(used) / sizeof(used[0]); i++) {
		memcpy(bad, key, sizeof(bad));
		bad[used[i]] ^= 0x01;
		t = tc_new(bad, TLSCRYPT_SERVER);
		ck_assert_msg(tlscrypt_unwrap(t, pkt, len, &h, out,
		    sizeof(out), &body, &blen) == -1, "K[%zu] changed but "
		    "accepted", used[i]);
		tlscrypt_free(t);
	}
	/* A byte outside the receive slices changed: still accepted, so
	 * the slices are exactly K[128..159] and K[192..223]. */
	memcpy(bad, key, sizeof(bad));
	bad[0] ^= 1;
	bad[64] ^= 1;
	bad[160] ^= 1;
	bad[224] ^= 1;
	t = tc_new(bad, TLSCRYPT_SERVER);
	ck_assert_int_eq(tlscrypt_unwrap(t, pkt, len, &h, out, sizeof(out),
	    &body, &blen), 0);
	tlscrypt_free(t);
	/* Another key file entirely. */
	tt_statickey("udp-tls-auth-sha256/ta.key", ta);
	t = tc_new(ta, TLSCRYPT_SERVER);
	ck_assert_int_eq(tlscrypt_unwrap(t, pkt, len, &h, out, sizeof(out),
	    &body, &blen), -1);
	/* Rekeying in place switches keys both ways. */
	ck_assert_int_eq(tlscrypt_rekey(t, key), 0);
	ck_assert_int_eq(tlscrypt_unwrap(t, pkt, len, &h, out, sizeof(out),
	    &body, &blen), 0);
	ck_assert_int_eq(tlscrypt_rekey(t, ta), 0);
	ck_assert_int_eq(tlscrypt_unwrap(t, pkt, len, &h, out, sizeof(out),
	    &body, &blen), -1);
	tlscrypt_free(t);
	tlscrypt_free(srv);
	tlscrypt_free(cli);
}
END_TEST

START_TEST(test_roundtrip)
{
	struct tlscrypt *srv, *cli;
	uint8_t body[1200], wire[TT_MAXPKT], out[TT_MAXPKT];
	const uint8_t *b;
	struct ctl_hdr h = { .op = 4, .key_id = 3, .pid = 7,
	    .ptime = 0x6b078980 }, g;
	size_t blen, n;
	struct wbuf w;

	tc_pair(&srv, &cli);
	memcpy(h.sid, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	for (n = 0; n < sizeof(body); n++)
		body[n] = (uint8_t)(n * 7 + 1);
	for (n = 0; n <= sizeof(body); n += 199) {
		wbuf_init(&w, wire, sizeof(wire));
		ck_assert_int_eq(tlscrypt_wrap(srv, &w, &h, body, n), 0);
		ck_assert_uint_eq(w.len, n + 49);
		/* Encrypted: the body does not appear in clear. */
		if (n >= 16)
			ck_assert(memcmp(wire + 49, body, n) != 0);
		ck_assert_int_eq(tlscrypt_unwrap(cli, wire, w.len, &g, out,
		    sizeof(out), &b, &blen), 0);
		ck_assert_uint_eq(blen, n);
		ck_assert_mem_eq(b, body, n);
		ck_assert_uint_eq(g.op, 4);
		ck_assert_uint_eq(g.key_id, 3);
		ck_assert_uint_eq(g.pid, 7);
		ck_assert_mem_eq(g.sid, h.sid, 8);
		/* Our own direction is not accepted back (no reflection). */
		ck_assert_int_eq(tlscrypt_unwrap(srv, wire, w.len, &g, out,
		    sizeof(out), &b, &blen), -1);
	}
	tlscrypt_free(srv);
	tlscrypt_free(cli);
}
END_TEST

static Suite *
tlscrypt_suite(void)
{
	Suite *s = suite_create("tlscrypt");
	TCase *tc = tcase_create("tlscrypt");

	tcase_add_test(tc, test_key_slices);
	tcase_add_test(tc, test_unwrap_vectors);
	tcase_add_test(tc, test_wrap_reproduces);
	tcase_add_test(tc, test_bitflips_truncation);
	tcase_add_test(tc, test_wrong_key);
	tcase_add_test(tc, test_roundtrip);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tt_tcase_tlscryptv2());
	suite_add_tcase(s, tt_tcase_ctlwrap());
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tlscrypt_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
