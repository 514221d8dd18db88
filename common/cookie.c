/*
 * Stateless session-id cookie (spec §5.2; construction in cookie.h).
 *
 * One HMAC-SHA256 context is keyed once in cookie_new() and re-initialised
 * per cookie, so checking a forged echo costs at most COOKIE_SLOTS HMACs
 * over ~40 bytes and allocates nothing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "buf.h"
#include "cookie.h"

#define COOKIE_MD_LEN	32

/* Slot offsets accepted by cookie_check, most likely first. */
/*
 * Slots accepted, newest first: the current one and the two before it.
 * Never a future slot: a cookie can only have been made by this server,
 * in the past (OpenVPN dropped its +1 the same way, CVE-2025-13086).
 */
static const int cookie_slots[] = { 0, -1, -2 };

struct cookie {
	EVP_MAC_CTX	*ctx;
};

struct cookie *
cookie_new(const uint8_t key[COOKIE_KEY_LEN])
{
	struct cookie *c;
	EVP_MAC *mac;
	OSSL_PARAM params[2];

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		goto fail;
	c->ctx = EVP_MAC_CTX_new(mac);
	EVP_MAC_free(mac);		/* the context holds its own ref */
	if (c->ctx == NULL)
		goto fail;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_end();
	if (!EVP_MAC_init(c->ctx, key, COOKIE_KEY_LEN, params))
		goto fail;
	return c;
fail:
	cookie_free(c);
	return NULL;
}

void
cookie_free(struct cookie *c)
{
	if (c == NULL)
		return;
	EVP_MAC_CTX_free(c->ctx);
	free(c);
}

/* The slot of now; hand_window 0 or 1 gives 1-second slots. */
static uint32_t
cookie_slot(uint64_t now_s, unsigned hand_window)
{
	uint64_t period = ((uint64_t)hand_window + 1) / 2;

	if (period == 0)
		period = 1;
	return (uint32_t)(now_s / period);
}

/* The 8-byte cookie for slot into out.  0 or -1 (OpenSSL failure). */
static int
cookie_calc(struct cookie *c, uint32_t slot, const void *addr,
    size_t addrlen, const uint8_t csid[PKT_SID_LEN],
    uint8_t out[PKT_SID_LEN])
{
	uint8_t sb[4], md[COOKIE_MD_LEN];
	size_t n;

	be32_put(sb, slot);
	if (!EVP_MAC_init(c->ctx, NULL, 0, NULL) ||
	    !EVP_MAC_update(c->ctx, sb, sizeof(sb)) ||
	    (addrlen > 0 && !EVP_MAC_update(c->ctx, addr, addrlen)) ||
	    !EVP_MAC_update(c->ctx, csid, PKT_SID_LEN) ||
	    !EVP_MAC_final(c->ctx, md, &n, sizeof(md)))
		return -1;
	memcpy(out, md, PKT_SID_LEN);
	return 0;
}

void
cookie_make(struct cookie *c, uint64_t now_s, unsigned hand_window,
    const void *addr, size_t addrlen, const uint8_t csid[PKT_SID_LEN],
    uint8_t ssid[PKT_SID_LEN])
{
	/*
	 * HMAC only fails on a broken library; an all-zero id is then sent,
	 * which no check accepts (pkt_sid_valid rejects it, and a real
	 * cookie is zero with probability 2^-64).
	 */
	if (cookie_calc(c, cookie_slot(now_s, hand_window), addr, addrlen,
	    csid, ssid) == -1)
		memset(ssid, 0, PKT_SID_LEN);
}

bool
cookie_check(struct cookie *c, uint64_t now_s, unsigned hand_window,
    const void *addr, size_t addrlen, const uint8_t csid[PKT_SID_LEN],
    const uint8_t ssid[PKT_SID_LEN])
{
	uint8_t want[PKT_SID_LEN];
	uint32_t slot = cookie_slot(now_s, hand_window);
	size_t i;

	for (i = 0; i < sizeof(cookie_slots) / sizeof(cookie_slots[0]); i++) {
		/* uint32 wrap near slot 0 only yields slots no one made. */
		if (cookie_calc(c, slot + (uint32_t)cookie_slots[i], addr,
		    addrlen, csid, want) == -1)
			return false;
		if (CRYPTO_memcmp(want, ssid, PKT_SID_LEN) == 0)
			return true;
	}
	return false;
}

bool
cookie_echo_shape(uint8_t op, const struct pkt_body *pb)
{
	unsigned i;

	if (pb->ack.n == 0)
		return false;
	for (i = 0; i < pb->ack.n; i++)
		if (pb->ack.id[i] > 1)
			return false;
	if (op == P_CONTROL_V1 || op == P_CONTROL_WKC_V1)
		return pb->msgid == 1;
	return op == P_ACK_V1;
}
