/*
 * Data channel on captured packets: AES-256-GCM P_DATA_V2 (both
 * directions, key_id 0 and 1, the real 256-byte EKM key blocks), a
 * P_DATA_V1 packet, OCC_EXIT, AES-256-CBC + HMAC-SHA256; plus round trips
 * for every cipher and framing and an independent AEAD reference.
 */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "buf.h"
#include "datachan.h"
#include "pkt.h"
#include "vec.h"

#define MAXPKT	4096
#define KEYS	"udp-tls-auth-sha256/expected-tls-and-keys.txt"
#define DATA	"udp-tls-auth-sha256/expected-data-channel.txt"
#define MISC	"data-channel-misc/expected.txt"
#define CBC	"udp-aes-256-cbc-sha256-comp-lzo-no/expected.txt"

static struct dc_key *
key_new(enum dc_cipher c, const uint8_t kb[256], enum dc_role role,
    const char *digest)
{
	char err[256] = "";
	struct dc_key *k = dc_key_new(c, kb, role, digest, err, sizeof(err));

	ck_assert_msg(k != NULL, "dc_key_new(%s): %s", dc_cipher_name(c), err);
	ck_assert_int_eq(dc_key_cipher(k), c);
	return k;
}

/* Decodes the hex that follows label on its line, up to a blank or '['. */
static size_t
hex_after(const char *p, const char *label, uint8_t *buf, size_t cap)
{
	char hex[MAXPKT * 2 + 1];
	const char *q = strstr(p, label);

	ck_assert_msg(q != NULL, "no \"%s\"", label);
	q += strlen(label);
	while (*q == ' ')
		q++;
	ck_assert_int_eq(sscanf(q, "%8192[0-9a-f]", hex), 1);
	return vec_hex(hex, buf, cap);
}

/* The datakeys EKM of the TLS session of key_id: 4 rows of 64 bytes. */
static void
load_kb(int key_id, uint8_t kb[256])
{
	static const char *const rows[] = {
		"bytes   0.. 63:", "bytes  64..127:", "bytes 128..191:",
		"bytes 192..255:",
	};
	char *text = vec_read(KEYS, NULL), hdr[64];
	const char *p;
	int i;

	snprintf(hdr, sizeof(hdr), "=== TLS session for key_id %d", key_id);
	p = strstr(text, hdr);
	ck_assert_ptr_nonnull(p);
	p = strstr(p, "EXPORTER-OpenVPN-datakeys");
	ck_assert_ptr_nonnull(p);
	for (i = 0; i < 4; i++)
		ck_assert_uint_eq(hex_after(p, rows[i], kb + 64 * i, 64), 64);
	free(text);
}

/* ---- AES-256-GCM P_DATA_V2 capture ---------------------------------- */

START_TEST(test_gcm_capture)
{
	char *text = vec_read(DATA, NULL);
	const char *p = text;
	uint8_t kb[2][256];
	int frames = 0, pings = 0;

	load_kb(0, kb[0]);
	load_kb(1, kb[1]);
	while ((p = strstr(p, "\nframe ")) != NULL) {
		int frame, kid;
		unsigned pidv;
		char dir[8];
		uint8_t key[32], iv[8], pkt[MAXPKT], want[MAXPKT];
		uint8_t out[MAXPKT], enc[MAXPKT];
		size_t plen, wlen;
		uint32_t pid = 0;
		struct dc_key *rx, *tx, *wrong;
		bool c2s;
		int n;

		ck_assert_int_eq(sscanf(p, "\nframe %d %7s key_id=%d "
		    "packet-id=%u:", &frame, dir, &kid, &pidv), 4);
		ck_assert(kid == 0 || kid == 1);
		c2s = strcmp(dir, "C->S") == 0;
		ck_assert_uint_eq(hex_after(p, "key=", key, 32), 32);
		ck_assert_uint_eq(hex_after(p, "implicit_iv=", iv, 8), 8);
		plen = hex_after(p, "packet    :", pkt, sizeof(pkt));
		wlen = hex_after(p, "plaintext :", want, sizeof(want));
		/* The quoted keys are the key block slices of spec §7.1. */
		ck_assert_mem_eq(kb[kid] + (c2s ? 0 : 128), key, 32);
		ck_assert_mem_eq(kb[kid] + (c2s ? 64 : 192), iv, 8);

		/* The receiver: server for C->S, client for S->C. */
		rx = key_new(DC_AES_256_GCM, kb[kid], c2s ? DC_ROLE_SERVER :
		    DC_ROLE_CLIENT, NULL);
		tx = key_new(DC_AES_256_GCM, kb[kid], c2s ? DC_ROLE_CLIENT :
		    DC_ROLE_SERVER, NULL);
		n = dc_decrypt(rx, pkt, plen, &pid, out, sizeof(out));
		ck_assert_msg(n >= 0, "frame %d does not decrypt", frame);
		ck_assert_uint_eq((size_t)n, wlen);
		ck_assert_mem_eq(out, want, wlen);
		ck_assert_uint_eq(pid, pidv);
		ck_assert_uint_eq(plen, wlen + 24);
		/* The sender's role decrypts with the other key. */
		ck_assert_int_eq(dc_decrypt(tx, pkt, plen, &pid, out,
		    sizeof(out)), -1);
		/* Encryption is deterministic: the sender's packet again. */
		n = dc_encrypt(tx, (uint8_t)kid, 0, pidv, want, wlen, enc,
		    sizeof(enc));
		ck_assert_int_eq(n, (int)plen);
		ck_assert_msg(memcmp(enc, pkt, plen) == 0,
		    "frame %d: encrypt differs from capture", frame);
		/* A key block of the other key_id does not fit. */
		wrong = key_new(DC_AES_256_GCM, kb[!kid], c2s ? DC_ROLE_SERVER :
		    DC_ROLE_CLIENT, NULL);
		ck_assert_int_eq(dc_decrypt(wrong, pkt, plen, &pid, out,
		    sizeof(out)), -1);
		/* Ping detection on real plaintexts, as the file labels them. */
		{
			const char *next = strstr(p + 1, "\nframe ");
			int elen = next ? (int)(next - p) : (int)strlen(p);
			char entry[MAXPKT * 3];

			snprintf(entry, sizeof(entry), "%.*s", elen, p);
			if (strstr(entry, "[keepalive ping") != NULL) {
				ck_assert(dc_is_ping(want, wlen));
				pings++;
			} else
				ck_assert(!dc_is_ping(want, wlen));
		}
		ck_assert_int_eq(dc_occ_type(want, wlen), -1);
		dc_key_free(rx);
		dc_key_free(tx);
		dc_key_free(wrong);
		frames++;
		p++;
	}
	ck_assert_int_eq(frames, 17);
	ck_assert_int_eq(pings, 2);
	free(text);
}
END_TEST

/* Frame 20 (C->S, 108 bytes): every bit and every length matters. */
START_TEST(test_gcm_tamper)
{
	char *text = vec_read(DATA, NULL);
	const char *p = strstr(text, "frame 20 ");
	uint8_t kb[256], pkt[MAXPKT], out[MAXPKT];
	struct dc_key *rx;
	uint32_t pid;
	size_t n, i;
	int bit, op;

	ck_assert_ptr_nonnull(p);
	load_kb(0, kb);
	n = hex_after(p, "packet    :", pkt, sizeof(pkt));
	ck_assert_uint_eq(n, 108);
	rx = key_new(DC_AES_256_GCM, kb, DC_ROLE_SERVER, NULL);
	ck_assert_int_eq(dc_decrypt(rx, pkt, n, &pid, out, sizeof(out)), 84);
	for (i = 0; i < n; i++)
		for (bit = 0; bit < 8; bit++) {
			pkt[i] ^= (uint8_t)(1 << bit);
			ck_assert_msg(dc_decrypt(rx, pkt, n, &pid, out,
			    sizeof(out)) == -1, "byte %zu bit %d", i, bit);
			pkt[i] ^= (uint8_t)(1 << bit);
		}
	for (i = 0; i < n; i++)
		ck_assert_msg(dc_decrypt(rx, pkt, i, &pid, out, sizeof(out))
		    == -1, "truncated to %zu", i);
	/* Other opcodes, same bytes otherwise. */
	for (op = 0; op < 32; op++) {
		uint8_t save = pkt[0];

		if (op == P_DATA_V2)
			continue;
		pkt[0] = (uint8_t)(op << 3);
		ck_assert_int_eq(dc_decrypt(rx, pkt, n, &pid, out,
		    sizeof(out)), -1);
		pkt[0] = save;
	}
	/* Output too small by one: refused before writing. */
	ck_assert_int_eq(dc_decrypt(rx, pkt, n, &pid, out, 83), -1);
	ck_assert_int_eq(dc_decrypt(rx, pkt, n, &pid, out, 84), 84);
	/* In place: plaintext over the ciphertext. */
	ck_assert_int_eq(dc_decrypt(rx, pkt, n, &pid, pkt + 24, n - 24), 84);
	ck_assert_uint_eq(pkt[24], 0x45);
	dc_key_free(rx);
	free(text);
}
END_TEST

/* ---- data-channel-misc -------------------------------------------- */

/* A key block with one direction's key and implicit IV (C->S slot). */
static void
kb_c2s(uint8_t kb[256], const uint8_t *key, const uint8_t *iv)
{
	memset(kb, 0x5c, 256);
	memcpy(kb, key, 32);
	memcpy(kb + 64, iv, 8);
}

/* Decrypts the misc packet whose description starts with title. */
static size_t
misc_packet(const char *title, uint8_t *pkt, size_t *plen, uint8_t *want,
    struct dc_key **rx, struct dc_key **tx)
{
	char *text = vec_read(MISC, NULL);
	const char *p = strstr(text, title);
	uint8_t key[32], iv[8], kb[256];
	size_t wlen;

	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(hex_after(p, ", key ", key, 32), 32);
	ck_assert_uint_eq(hex_after(p, "implicit IV ", iv, 8), 8);
	*plen = hex_after(p, "packet    :", pkt, MAXPKT);
	wlen = hex_after(p, "plaintext :", want, MAXPKT);
	kb_c2s(kb, key, iv);
	*rx = key_new(DC_AES_256_GCM, kb, DC_ROLE_SERVER, NULL);
	*tx = key_new(DC_AES_256_GCM, kb, DC_ROLE_CLIENT, NULL);
	free(text);
	return wlen;
}

START_TEST(test_v1_capture)
{
	uint8_t pkt[MAXPKT], want[MAXPKT], out[MAXPKT], enc[MAXPKT];
	struct dc_key *rx, *tx;
	size_t plen, wlen;
	uint32_t pid;
	int n;

	wlen = misc_packet("P_DATA_V1", pkt, &plen, want, &rx, &tx);
	ck_assert_uint_eq(pkt[0], 0x30);	/* op 6, key_id 0 */
	ck_assert_uint_eq(plen, wlen + 21);
	n = dc_decrypt(rx, pkt, plen, &pid, out, sizeof(out));
	ck_assert_int_eq(n, (int)wlen);
	ck_assert_mem_eq(out, want, wlen);
	ck_assert_uint_eq(pid, 1);
	n = dc_encrypt(tx, 0, PKT_PEER_ID_NONE, 1, want, wlen, enc,
	    sizeof(enc));
	ck_assert_int_eq(n, (int)plen);
	ck_assert_mem_eq(enc, pkt, plen);
	/* V1 authenticates the packet-id, not the opcode byte (spec §8.1):
	 * another key_id in the opcode still decrypts... */
	pkt[0] = 0x33;
	ck_assert_int_eq(dc_decrypt(rx, pkt, plen, &pid, out, sizeof(out)),
	    (int)wlen);
	pkt[0] = 0x30;
	/* ...while pid, tag and ciphertext are covered. */
	for (size_t i = 1; i < plen; i++) {
		pkt[i] ^= 0x01;
		ck_assert_msg(dc_decrypt(rx, pkt, plen, &pid, out,
		    sizeof(out)) == -1, "byte %zu", i);
		pkt[i] ^= 0x01;
	}
	/* The same bytes read as V2 do not authenticate. */
	pkt[0] = 0x48;
	ck_assert_int_eq(dc_decrypt(rx, pkt, plen, &pid, out, sizeof(out)),
	    -1);
	dc_key_free(rx);
	dc_key_free(tx);
}
END_TEST

START_TEST(test_occ_exit_capture)
{
	uint8_t pkt[MAXPKT], want[MAXPKT], out[MAXPKT];
	struct dc_key *rx, *tx;
	size_t plen, wlen;
	uint32_t pid;
	int n;

	wlen = misc_packet("OCC_EXIT", pkt, &plen, want, &rx, &tx);
	n = dc_decrypt(rx, pkt, plen, &pid, out, sizeof(out));
	ck_assert_int_eq(n, 17);
	ck_assert_mem_eq(out, want, wlen);
	ck_assert_uint_eq(pid, 4);
	ck_assert_int_eq(dc_occ_type(out, (size_t)n), DC_OCC_EXIT);
	ck_assert(!dc_is_ping(out, (size_t)n));
	ck_assert_mem_eq(out, dc_occ_magic, DC_OCC_MAGIC_LEN);
	dc_key_free(rx);
	dc_key_free(tx);

	/* The compression-stub captures decrypt to the listed plaintexts. */
	wlen = misc_packet("\"compress stub-v2\"", pkt, &plen, want, &rx, &tx);
	ck_assert_int_eq(dc_decrypt(rx, pkt, plen, &pid, out, sizeof(out)),
	    (int)wlen);
	ck_assert_mem_eq(out, want, wlen);
	ck_assert_int_eq(dc_occ_type(out, wlen), -1);
	dc_key_free(rx);
	dc_key_free(tx);
	wlen = misc_packet("\"compress\" (stub", pkt, &plen, want, &rx, &tx);
	ck_assert_int_eq(dc_decrypt(rx, pkt, plen, &pid, out, sizeof(out)),
	    (int)wlen);
	ck_assert_mem_eq(out, want, wlen);
	ck_assert_uint_eq(out[0], 0xfb);
	dc_key_free(rx);
	dc_key_free(tx);
}
END_TEST

START_TEST(test_magic_helpers)
{
	uint8_t b[32];

	memcpy(b, dc_ping_magic, DC_PING_LEN);
	ck_assert(dc_is_ping(b, 16));
	ck_assert(!dc_is_ping(b, 15));
	ck_assert(!dc_is_ping(b, 17));
	b[15] ^= 1;
	ck_assert(!dc_is_ping(b, 16));
	memcpy(b, dc_occ_magic, DC_OCC_MAGIC_LEN);
	ck_assert_int_eq(dc_occ_type(b, 16), -1);
	b[16] = DC_OCC_REQUEST;
	ck_assert_int_eq(dc_occ_type(b, 17), DC_OCC_REQUEST);
	b[16] = DC_OCC_REPLY;
	ck_assert_int_eq(dc_occ_type(b, 30), DC_OCC_REPLY);
	b[0] ^= 0x80;
	ck_assert_int_eq(dc_occ_type(b, 30), -1);
}
END_TEST

/* ---- AES-256-CBC + HMAC-SHA256 -------------------------------------- */

START_TEST(test_cbc_capture)
{
	char *text = vec_read(CBC, NULL);
	const char *p = text;
	uint8_t kb[256], pkt[MAXPKT], dec[MAXPKT], out[MAXPKT];
	struct dc_key *srv, *cli, *sha1;
	int frames = 0;

	memset(kb, 0x33, sizeof(kb));
	ck_assert_uint_eq(hex_after(text, "EKM[0..31]    :", kb, 32), 32);
	ck_assert_uint_eq(hex_after(text, "EKM[64..95]   :", kb + 64, 32), 32);
	ck_assert_uint_eq(hex_after(text, "EKM[128..159] :", kb + 128, 32),
	    32);
	ck_assert_uint_eq(hex_after(text, "EKM[192..223] :", kb + 192, 32),
	    32);
	srv = key_new(DC_AES_256_CBC, kb, DC_ROLE_SERVER, "SHA256");
	cli = key_new(DC_AES_256_CBC, kb, DC_ROLE_CLIENT, "sha256");
	sha1 = key_new(DC_AES_256_CBC, kb, DC_ROLE_SERVER, "SHA1");
	while ((p = strstr(p, "\nframe ")) != NULL) {
		int frame, n;
		char dir[8];
		size_t plen, dlen, pad, i;
		uint32_t pid;
		struct dc_key *rx, *tx;

		ck_assert_int_eq(sscanf(p, "\nframe %d %7[^:]:", &frame, dir),
		    2);
		rx = strcmp(dir, "C->S") == 0 ? srv : cli;
		tx = rx == srv ? cli : srv;
		plen = hex_after(p, ": packet", pkt, sizeof(pkt));
		dlen = hex_after(p, "decrypted (incl. padding):", dec,
		    sizeof(dec));
		ck_assert(strstr(p, "HMAC ok: True") != NULL);
		pad = dec[dlen - 1];
		ck_assert(pad >= 1 && pad <= 16);
		n = dc_decrypt(rx, pkt, plen, &pid, out, sizeof(out));
		ck_assert_msg(n >= 0, "frame %d does not decrypt", frame);
		ck_assert_uint_eq((size_t)n, dlen - 4 - pad);
		ck_assert_uint_eq(pid, be32_get(dec));
		ck_assert_mem_eq(out, dec + 4, (size_t)n);
		ck_assert_uint_eq(out[0], 0xfa);	/* comp-lzo no */
		ck_assert_int_eq(dc_decrypt(tx, pkt, plen, &pid, out,
		    sizeof(out)), -1);
		if (rx == srv)
			ck_assert_int_eq(dc_decrypt(sha1, pkt, plen, &pid, out,
			    sizeof(out)), -1);
		/* HMAC, IV and ciphertext are covered... */
		for (i = 4; i < plen; i++) {
			pkt[i] ^= 0x10;
			ck_assert_msg(dc_decrypt(rx, pkt, plen, &pid, out,
			    sizeof(out)) == -1, "frame %d byte %zu", frame, i);
			pkt[i] ^= 0x10;
		}
		/* ...the peer-id is not (spec §8.2): still decrypts. */
		pkt[3] ^= 0x01;
		ck_assert_int_eq(dc_decrypt(rx, pkt, plen, &pid, out,
		    sizeof(out)), n);
		pkt[3] ^= 0x01;
		for (i = 0; i < plen; i++)
			ck_assert_int_eq(dc_decrypt(rx, pkt, i, &pid, out,
			    sizeof(out)), -1);
		/* Our encryption of the same plaintext goes back through. */
		{
			uint8_t enc[MAXPKT], back[MAXPKT];
			int e = dc_encrypt(tx, 0, 0, pid, out, (size_t)n, enc,
			    sizeof(enc));

			ck_assert_int_eq(e, (int)plen);	/* same padding */
			ck_assert_mem_eq(enc, pkt, 4);
			ck_assert_int_eq(dc_decrypt(rx, enc, (size_t)e, &pid,
			    back, sizeof(back)), n);
			ck_assert_mem_eq(back, out, (size_t)n);
		}
		frames++;
		p++;
	}
	ck_assert_int_eq(frames, 7);
	dc_key_free(srv);
	dc_key_free(cli);
	dc_key_free(sha1);
	free(text);
}
END_TEST

/*
 * Builds a CBC packet by hand (spec §8.2) from a raw plaintext block
 * sequence, so that the padding can be wrong under a valid HMAC.
 */
static size_t
cbc_forge(const uint8_t kb[256], const uint8_t *raw, size_t rawlen,
    uint8_t *pkt)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	EVP_CIPHER *ci = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
	size_t mdlen;
	int n, f;

	/* client -> server: cipher KB[0..31], HMAC-SHA256 key KB[64..95] */
	pkt[0] = 0x48;
	pkt[1] = pkt[2] = pkt[3] = 0;
	memset(pkt + 36, 0x77, 16);			/* IV */
	ck_assert(EVP_EncryptInit_ex(ctx, ci, NULL, kb, pkt + 36));
	ck_assert(EVP_CIPHER_CTX_set_padding(ctx, 0));
	ck_assert(EVP_EncryptUpdate(ctx, pkt + 52, &n, raw, (int)rawlen));
	ck_assert(EVP_EncryptFinal_ex(ctx, pkt + 52 + n, &f));
	ck_assert_uint_eq((size_t)(n + f), rawlen);
	ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL,
	    kb + 64, 32, pkt + 36, 16 + rawlen, pkt + 4, 32, &mdlen));
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(ci);
	return 52 + rawlen;
}

START_TEST(test_cbc_padding)
{
	uint8_t kb[256], raw[48], pkt[256], out[256];
	struct dc_key *srv;
	uint32_t pid;
	size_t n, i;

	for (i = 0; i < sizeof(kb); i++)
		kb[i] = (uint8_t)(i * 5 + 1);
	srv = key_new(DC_AES_256_CBC, kb, DC_ROLE_SERVER, "SHA256");
	/* pid 9, 0xfa, 26 bytes, 1 byte of padding: good. */
	memset(raw, 0xee, sizeof(raw));
	be32_put(raw, 9);
	raw[4] = 0xfa;
	raw[31] = 1;
	n = cbc_forge(kb, raw, 32, pkt);
	ck_assert_int_eq(dc_decrypt(srv, pkt, n, &pid, out, sizeof(out)), 27);
	ck_assert_uint_eq(pid, 9);
	ck_assert_uint_eq(out[0], 0xfa);
	/* A full block of padding: good, 28 bytes. */
	memset(raw + 32, 16, 16);
	n = cbc_forge(kb, raw, 48, pkt);
	ck_assert_int_eq(dc_decrypt(srv, pkt, n, &pid, out, sizeof(out)), 28);
	/* Padding byte 0, 17, or inconsistent: refused though HMAC holds. */
	raw[47] = 0;
	n = cbc_forge(kb, raw, 48, pkt);
	ck_assert_int_eq(dc_decrypt(srv, pkt, n, &pid, out, sizeof(out)), -1);
	raw[47] = 17;
	n = cbc_forge(kb, raw, 48, pkt);
	ck_assert_int_eq(dc_decrypt(srv, pkt, n, &pid, out, sizeof(out)), -1);
	raw[47] = 16;
	raw[40] = 15;
	n = cbc_forge(kb, raw, 48, pkt);
	ck_assert_int_eq(dc_decrypt(srv, pkt, n, &pid, out, sizeof(out)), -1);
	/* One block: pid and 12 bytes of padding (empty payload)... */
	memset(raw, 12, 16);
	be32_put(raw, 3);
	n = cbc_forge(kb, raw, 16, pkt);
	ck_assert_int_eq(dc_decrypt(srv, pkt, n, &pid, out, sizeof(out)), 0);
	ck_assert_uint_eq(pid, 3);
	/* ...but padding may not reach into the packet-id. */
	memset(raw, 14, 16);
	be32_put(raw, 0x0e0e0e0e);
	n = cbc_forge(kb, raw, 16, pkt);
	ck_assert_int_eq(dc_decrypt(srv, pkt, n, &pid, out, sizeof(out)), -1);
	/* Ciphertext not a whole number of blocks. */
	ck_assert_int_eq(dc_decrypt(srv, pkt, n - 1, &pid, out, sizeof(out)),
	    -1);
	dc_key_free(srv);
}
END_TEST

/* ---- round trips ---------------------------------------------------- */

static const struct rt_case {
	enum dc_cipher	 c;
	const char	*digest;
	size_t		 over;		/* bytes after the V1/V2 header */
} rt_cases[] = {
	{ DC_AES_128_GCM, NULL, 20 },
	{ DC_AES_256_GCM, NULL, 20 },
	{ DC_CHACHA20_POLY1305, NULL, 20 },
	{ DC_AES_256_CBC, "SHA1", 20 + 16 },
	{ DC_AES_256_CBC, "SHA256", 32 + 16 },
	{ DC_AES_256_CBC, "SHA512", 64 + 16 },
};

static size_t
rt_len(const struct rt_case *rc, bool v2, size_t len)
{
	size_t body = rc->digest == NULL ? len : (4 + len) / 16 * 16 + 16;

	return (v2 ? 4 : 1) + rc->over + body;
}

START_TEST(test_roundtrip)
{
	static const size_t lens[] = {
		0, 1, 11, 12, 13, 15, 16, 17, 27, 28, 31, 32, 100, 1400, 1500,
	};
	const struct rt_case *rc = &rt_cases[_i];
	uint8_t kb[256], plain[2048], pkt[2048], out[2048];
	struct dc_key *srv, *cli;
	size_t li, j;
	int v2;

	for (j = 0; j < sizeof(kb); j++)
		kb[j] = (uint8_t)(j * 31 + 7);
	for (j = 0; j < sizeof(plain); j++)
		plain[j] = (uint8_t)(j ^ (j >> 8));
	srv = key_new(rc->c, kb, DC_ROLE_SERVER, rc->digest);
	cli = key_new(rc->c, kb, DC_ROLE_CLIENT, rc->digest);
	for (v2 = 0; v2 <= 1; v2++)
		for (li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
			size_t len = lens[li], want = rt_len(rc, v2, len);
			uint32_t peer = v2 ? 0xabcdef : PKT_PEER_ID_NONE;
			uint32_t pid = (uint32_t)(li + 1) * 1000003u, got;
			int n;

			n = dc_encrypt(srv, 5, peer, pid, plain, len, pkt,
			    sizeof(pkt));
			ck_assert_int_eq(n, (int)want);
			ck_assert_uint_eq(pkt[0], (v2 ? P_DATA_V2 : P_DATA_V1)
			    << 3 | 5);
			if (v2) {
				ck_assert_uint_eq(pkt[1], 0xab);
				ck_assert_uint_eq(pkt[3], 0xef);
			}
			got = 0;
			ck_assert_int_eq(dc_decrypt(cli, pkt, want, &got, out,
			    sizeof(out)), (int)len);
			ck_assert_uint_eq(got, pid);
			ck_assert(len == 0 || memcmp(out, plain, len) == 0);
			/* Own packets do not decrypt: other direction key. */
			ck_assert_int_eq(dc_decrypt(srv, pkt, want, &got, out,
			    sizeof(out)), -1);
			/* The client's packets decrypt at the server. */
			n = dc_encrypt(cli, 2, peer, pid + 1, plain, len, pkt,
			    sizeof(pkt));
			ck_assert_int_eq(n, (int)want);
			ck_assert_int_eq(dc_decrypt(srv, pkt, want, &got, out,
			    sizeof(out)), (int)len);
			ck_assert_uint_eq(got, pid + 1);
			ck_assert(len == 0 || memcmp(out, plain, len) == 0);
			/* A flipped last byte is caught. */
			pkt[want - 1] ^= 0x40;
			ck_assert_int_eq(dc_decrypt(srv, pkt, want, &got, out,
			    sizeof(out)), -1);
			/* Output space: exact need is enough, one less not. */
			ck_assert_int_eq(dc_encrypt(cli, 2, peer, pid, plain,
			    len, pkt, want - 1), -1);
			ck_assert_int_eq(dc_encrypt(cli, 2, peer, pid, plain,
			    len, pkt, want), (int)want);
			ck_assert(want <= len + DC_MAX_OVERHEAD);
			/* pid 0 is never sent. */
			ck_assert_int_eq(dc_encrypt(cli, 2, peer, 0, plain,
			    len, pkt, sizeof(pkt)), -1);
		}
	dc_key_free(srv);
	dc_key_free(cli);
}
END_TEST

/*
 * AEAD layout against a fresh one-shot EVP computation per packet (spec
 * §8.1), several packets in a row through the same dc_key.
 */
START_TEST(test_aead_reference)
{
	static const enum dc_cipher cs[] = {
		DC_AES_128_GCM, DC_AES_256_GCM, DC_CHACHA20_POLY1305,
	};
	enum dc_cipher c = cs[_i];
	uint8_t kb[256], plain[300], pkt[512], ref[512], nonce[12];
	struct dc_key *srv;
	EVP_CIPHER *ci;
	uint32_t pid;
	size_t j;

	for (j = 0; j < sizeof(kb); j++)
		kb[j] = (uint8_t)(255 - j);
	for (j = 0; j < sizeof(plain); j++)
		plain[j] = (uint8_t)(j * 13);
	srv = key_new(c, kb, DC_ROLE_SERVER, NULL);
	ci = EVP_CIPHER_fetch(NULL, dc_cipher_name(c), NULL);
	ck_assert_ptr_nonnull(ci);
	for (pid = 1; pid <= 5; pid++) {
		size_t len = 37 * pid;
		int n, ol, v2 = pid % 2;
		size_t hl = v2 ? 4 : 1;
		EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();

		n = dc_encrypt(srv, 1, v2 ? 7 : PKT_PEER_ID_NONE, pid, plain,
		    len, pkt, sizeof(pkt));
		ck_assert_int_eq(n, (int)(hl + 20 + len));
		/* Server sends with keys[1]: KB[128..], IV KB[192..199]. */
		be32_put(nonce, pid);
		memcpy(nonce + 4, kb + 192, 8);
		memcpy(ref, pkt, hl);
		be32_put(ref + hl, pid);
		ck_assert(EVP_EncryptInit_ex(ctx, ci, NULL, kb + 128, nonce));
		ck_assert(EVP_EncryptUpdate(ctx, NULL, &ol, v2 ? ref : ref + 1,
		    v2 ? 8 : 4));
		ck_assert(EVP_EncryptUpdate(ctx, ref + hl + 20, &ol, plain,
		    (int)len));
		ck_assert(EVP_EncryptFinal_ex(ctx, ref + hl + 20 + ol, &ol));
		ck_assert(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16,
		    ref + hl + 4));
		EVP_CIPHER_CTX_free(ctx);
		ck_assert_msg(memcmp(pkt, ref, (size_t)n) == 0,
		    "%s pid %u differs from reference", dc_cipher_name(c), pid);
	}
	/* In place: plaintext already at its place in the packet. */
	memcpy(pkt + 24, plain, 100);
	ck_assert_int_eq(dc_encrypt(srv, 1, 7, 9, pkt + 24, 100, pkt,
	    sizeof(pkt)), 124);
	ck_assert_int_eq(dc_encrypt(srv, 1, 7, 9, plain, 100, ref,
	    sizeof(ref)), 124);
	ck_assert_mem_eq(pkt, ref, 124);
	EVP_CIPHER_free(ci);
	dc_key_free(srv);
}
END_TEST

START_TEST(test_names_and_args)
{
	uint8_t kb[256] = { 0 };
	char err[256];

	ck_assert_str_eq(dc_cipher_name(DC_AES_128_GCM), "AES-128-GCM");
	ck_assert_str_eq(dc_cipher_name(DC_AES_256_GCM), "AES-256-GCM");
	ck_assert_str_eq(dc_cipher_name(DC_CHACHA20_POLY1305),
	    "CHACHA20-POLY1305");
	ck_assert_str_eq(dc_cipher_name(DC_AES_256_CBC), "AES-256-CBC");
	ck_assert_int_eq(dc_cipher_from_name("aes-256-gcm"), DC_AES_256_GCM);
	ck_assert_int_eq(dc_cipher_from_name("ChaCha20-Poly1305"),
	    DC_CHACHA20_POLY1305);
	ck_assert_int_eq(dc_cipher_from_name("AES-128-GCM"), DC_AES_128_GCM);
	ck_assert_int_eq(dc_cipher_from_name("aes-256-cbc"), DC_AES_256_CBC);
	ck_assert_int_eq(dc_cipher_from_name("BF-CBC"), DC_CIPHER_NONE);
	ck_assert_int_eq(dc_cipher_from_name("AES-256-GCM "), DC_CIPHER_NONE);
	ck_assert_int_eq(dc_cipher_from_name(NULL), DC_CIPHER_NONE);
	ck_assert(dc_cipher_available(DC_AES_128_GCM));
	ck_assert(dc_cipher_available(DC_AES_256_GCM));
	ck_assert(dc_cipher_available(DC_CHACHA20_POLY1305));
	ck_assert(dc_cipher_available(DC_AES_256_CBC));
	ck_assert(!dc_cipher_available(DC_CIPHER_NONE));
	ck_assert_ptr_null(dc_key_new(DC_CIPHER_NONE, kb, DC_ROLE_SERVER,
	    NULL, err, sizeof(err)));
	ck_assert_ptr_null(dc_key_new(DC_AES_256_CBC, kb, DC_ROLE_SERVER,
	    NULL, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "AES-256-CBC"));
	ck_assert_ptr_null(dc_key_new(DC_AES_256_CBC, kb, DC_ROLE_SERVER,
	    "NOPE", err, sizeof(err)));
	dc_key_free(NULL);
}
END_TEST

static Suite *
datachan_suite(void)
{
	Suite *s = suite_create("datachan");
	TCase *tv = tcase_create("vectors");
	TCase *tr = tcase_create("roundtrip");

	tcase_add_test(tv, test_gcm_capture);
	tcase_add_test(tv, test_gcm_tamper);
	tcase_add_test(tv, test_v1_capture);
	tcase_add_test(tv, test_occ_exit_capture);
	tcase_add_test(tv, test_magic_helpers);
	tcase_add_test(tv, test_cbc_capture);
	tcase_add_test(tv, test_cbc_padding);
	suite_add_tcase(s, tv);
	tcase_add_loop_test(tr, test_roundtrip, 0,
	    sizeof(rt_cases) / sizeof(rt_cases[0]));
	tcase_add_loop_test(tr, test_aead_reference, 0, 3);
	tcase_add_test(tr, test_names_and_args);
	suite_add_tcase(s, tr);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(datachan_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
