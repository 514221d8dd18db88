/*
 * libFuzzer target: data-channel packets (common/datachan.c), server side.
 *
 * The keys are those of the captured sessions (tests/vectors/
 * udp-tls-auth-sha256 for the AEAD ciphers, udp-aes-256-cbc-sha256-comp-
 * lzo-no for AES-256-CBC + HMAC-SHA256), so the captured client packets in
 * the seed corpus decrypt.
 *
 * Input: sel (1) || rest.  sel & 3 is the cipher (AES-256-GCM,
 * AES-128-GCM, CHACHA20-POLY1305, AES-256-CBC); (sel >> 2) & 3 the mode:
 *   0  RAW: rest is a datagram for dc_decrypt().
 *   1  ROUND: rest is key_id (1) | peer-id (3, 0xffffff: P_DATA_V1) |
 *      pid (4) | plaintext; the client encrypts, the server must decrypt
 *      to the same plaintext and pid.
 *   2  FLIP: as ROUND, then one bit of the packet is flipped (position
 *      from the two bytes after sel); the server must refuse it, except
 *      in the CBC header, which that mode leaves unauthenticated.
 *   3  FORGE (CBC; AEAD as RAW): rest is op (1) | IV (16) | ciphertext,
 *      given a valid HMAC here, so the fuzzer reaches the decryption and
 *      padding checks behind it.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include <openssl/evp.h>

#include "../unit/vec.h"
#include "datachan.h"
#include "fuzz.h"
#include "pkt.h"

#define M_RAW		0
#define M_ROUND		1
#define M_FLIP		2
#define M_FORGE		3
#define CBC_HMAC_LEN	32
#define BUF		(4096 + DC_MAX_OVERHEAD)

/* Key blocks as the captured sessions derived them (expected-*.txt):
 * c->s cipher key at 0, c->s HMAC key / implicit IV at 64, s->c at 128
 * and 192. */
static const char *const gcm_kb[4] = {
	"4c9b9727584dc55781384b7f2f9c728b1b1fc582495d33858079eae5a941427b",
	"53bc888313a60224",
	"363f375b5cca86b08e9b4449b6ddba63decacfc23f53b32cfdb168eed19e0e9f",
	"c9a46d44a1da095a",
};
static const char *const cbc_kb[4] = {
	"bb44a4fa0aede5d5654fd043126c6c926fa8e1aa8adedfbbd3c9e48843cf4949",
	"b73b1911d4beac8f0dcd8f4d710ff1fe3b2541b7420b2bf8a356f424d53f70a9",
	"ccf63ac4d2153d8c5f52ad0631d49727522fcab35018e1641946fd7e019a3a75",
	"43c3aa42d3134aa5f95091dbab3f7db44272e09ea7e7363b1b4283e236a3795c",
};

static const enum dc_cipher ciphers[4] = {
	DC_AES_256_GCM, DC_AES_128_GCM, DC_CHACHA20_POLY1305, DC_AES_256_CBC,
};
static struct dc_key	*srv[4], *cli[4];
static uint8_t		 cbc_block[256];

static void
key_block(const char *const hex[4], uint8_t kb[256])
{
	memset(kb, 0, 256);
	vec_hex(hex[0], kb, 64);
	vec_hex(hex[1], kb + 64, 64);
	vec_hex(hex[2], kb + 128, 64);
	vec_hex(hex[3], kb + 192, 64);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t gcm_block[256];
	char err[256];
	int i;

	key_block(gcm_kb, gcm_block);
	key_block(cbc_kb, cbc_block);
	for (i = 0; i < 4; i++) {
		const uint8_t *kb = ciphers[i] == DC_AES_256_CBC ? cbc_block :
		    gcm_block;

		srv[i] = dc_key_new(ciphers[i], kb, DC_ROLE_SERVER, "SHA256",
		    err, sizeof(err));
		cli[i] = dc_key_new(ciphers[i], kb, DC_ROLE_CLIENT, "SHA256",
		    err, sizeof(err));
		FUZZ_ASSERT(srv[i] != NULL && cli[i] != NULL);
	}
	return 0;
}

static int
decrypt(int c, const uint8_t *p, size_t len, uint32_t *pid, uint8_t *out)
{
	int n;

	n = dc_decrypt(srv[c], p, len, pid, out, BUF);
	if (n < 0) {
		FUZZ_ASSERT(n == -1);
		return -1;
	}
	FUZZ_ASSERT((size_t)n < len);
	(void)dc_is_ping(out, (size_t)n);
	(void)dc_occ_type(out, (size_t)n);
	return n;
}

static void
mode_round(int c, bool flip_one, struct fuzz_in *in)
{
	static uint8_t pkt[BUF], out[BUF];
	const uint8_t *plain;
	uint32_t peer_id, pid, got_pid = 0;
	uint16_t flip = 0;
	size_t len, hdr, pos;
	uint8_t key_id;
	bool cbc;
	int n, m;

	if (flip_one)
		flip = fuzz_u16(in);
	key_id = fuzz_u8(in) & PKT_KEY_ID_MASK;
	peer_id = fuzz_u8(in);
	peer_id = peer_id << 16 | fuzz_u16(in);
	pid = fuzz_u32(in);
	plain = fuzz_bytes(in, 4096, &len);

	n = dc_encrypt(cli[c], key_id, peer_id, pid, plain, len, pkt,
	    sizeof(pkt));
	if (pid == 0) {
		FUZZ_ASSERT(n == -1);
		return;
	}
	FUZZ_ASSERT(n > 0 && (size_t)n > len &&
	    (size_t)n <= len + DC_MAX_OVERHEAD);
	hdr = peer_id == PKT_PEER_ID_NONE ? 1 : 4;
	FUZZ_ASSERT(pkt_op(pkt[0]) == (hdr == 1 ? P_DATA_V1 : P_DATA_V2) &&
	    pkt_key_id(pkt[0]) == key_id);
	if (hdr == 4)
		FUZZ_ASSERT(((uint32_t)pkt[1] << 16 | (uint32_t)pkt[2] << 8 |
		    pkt[3]) == peer_id);
	if (!flip_one) {
		m = decrypt(c, pkt, (size_t)n, &got_pid, out);
		FUZZ_ASSERT(m == (int)len && got_pid == pid &&
		    (len == 0 || memcmp(out, plain, len) == 0));
		return;
	}
	pos = (flip >> 3) % (size_t)n;
	pkt[pos] ^= (uint8_t)(1u << (flip & 7));
	m = decrypt(c, pkt, (size_t)n, &got_pid, out);
	/*
	 * Unauthenticated, as in OpenVPN: the key-id bits of a P_DATA_V1
	 * packet (its AAD is the pid alone) and the whole CBC header.  The
	 * opcode bits pick the framing, so a flip there is refused anyway.
	 */
	cbc = ciphers[c] == DC_AES_256_CBC;
	if ((pos == 0 && (flip & 7) < 3 && (cbc || hdr == 1)) ||
	    (cbc && pos > 0 && pos < hdr))
		FUZZ_ASSERT(m == (int)len && got_pid == pid);
	else
		FUZZ_ASSERT(m == -1);
}

static void
mode_forge(struct fuzz_in *in)
{
	static uint8_t pkt[BUF], out[BUF];
	const uint8_t *ivct;
	size_t len, hdr, mlen;
	uint32_t pid;
	uint8_t op;

	op = fuzz_u8(in) & 1 ? P_DATA_V2 : P_DATA_V1;
	hdr = op == P_DATA_V2 ? 4 : 1;
	ivct = fuzz_bytes(in, 16 + 2048, &len);
	memset(pkt, 0, hdr);
	pkt[0] = pkt_op_byte(op, 0);
	memcpy(pkt + hdr + CBC_HMAC_LEN, ivct, len);
	/* HMAC-SHA256(c->s HMAC key, IV || ciphertext). */
	FUZZ_ASSERT(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL,
	    cbc_block + 64, CBC_HMAC_LEN, ivct, len, pkt + hdr,
	    CBC_HMAC_LEN, &mlen) != NULL && mlen == CBC_HMAC_LEN);
	(void)decrypt(3, pkt, hdr + CBC_HMAC_LEN + len, &pid, out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[BUF];
	struct fuzz_in in;
	uint32_t pid;
	uint8_t sel;
	int c, mode;

	if (size < 1)
		return 0;
	sel = data[0];
	c = sel & 3;
	mode = (sel >> 2) & 3;
	fuzz_in_init(&in, data + 1, size - 1);
	if (mode == M_ROUND || mode == M_FLIP)
		mode_round(c, mode == M_FLIP, &in);
	else if (mode == M_FORGE && ciphers[c] == DC_AES_256_CBC)
		mode_forge(&in);
	else if (size - 1 <= BUF)
		(void)decrypt(c, data + 1, size - 1, &pid, out);
	return 0;
}
