/*
 * ctlwrap: one server-side interface over tls-auth, tls-crypt and
 * tls-crypt-v2 (spec §2, §3.1, §3.2).
 *
 * Invariant: scratch_ok is true only between a successful peer-less
 * TLS_CRYPT_V2 unwrap and the next unwrap call, i.e. exactly while the
 * scratch context holds the Kc of the packet the caller is answering.
 */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctlwrap.h"
#include "pkt.h"

struct ctlwrap {
	enum ctlwrap_mode	 mode;
	struct tlsauth		*ta;	/* TLS_AUTH */
	/* TLS_CRYPT: the configured key.  TLS_CRYPT_V2: scratch, rekeyed
	 * with the Kc of each WKc unwrapped for a peer without state. */
	struct tlscrypt		*tc;
	struct tlscryptv2_server *srv;	/* TLS_CRYPT_V2 */
	bool			 scratch_ok;
};

static struct ctlwrap *
cw_alloc(enum ctlwrap_mode mode, char *err, size_t errlen)
{
	struct ctlwrap *w;

	if ((w = calloc(1, sizeof(*w))) == NULL) {
		snprintf(err, errlen, "control channel: out of memory");
		return NULL;
	}
	w->mode = mode;
	return w;
}

struct ctlwrap *
ctlwrap_new_tls_auth(const uint8_t key[256], int direction,
    const char *digest, char *err, size_t errlen)
{
	struct ctlwrap *w;

	if ((w = cw_alloc(CTLWRAP_TLS_AUTH, err, errlen)) == NULL)
		return NULL;
	if ((w->ta = tlsauth_new(key, direction, digest, err,
	    errlen)) == NULL) {
		ctlwrap_free(w);
		return NULL;
	}
	return w;
}

struct ctlwrap *
ctlwrap_new_tls_crypt(const uint8_t key[TLSCRYPT_KEY_LEN], char *err,
    size_t errlen)
{
	struct ctlwrap *w;

	if ((w = cw_alloc(CTLWRAP_TLS_CRYPT, err, errlen)) == NULL)
		return NULL;
	if ((w->tc = tlscrypt_new(key, TLSCRYPT_SERVER, err,
	    errlen)) == NULL) {
		ctlwrap_free(w);
		return NULL;
	}
	return w;
}

struct ctlwrap *
ctlwrap_new_tls_crypt_v2(const uint8_t srvkey[TLSCRYPTV2_SRVKEY_LEN],
    char *err, size_t errlen)
{
	static const uint8_t zero[TLSCRYPT_KEY_LEN];
	struct ctlwrap *w;

	if ((w = cw_alloc(CTLWRAP_TLS_CRYPT_V2, err, errlen)) == NULL)
		return NULL;
	/* The scratch context starts with a dummy key; scratch_ok guards
	 * every use of it. */
	if ((w->srv = tlscryptv2_server_new(srvkey, err, errlen)) == NULL ||
	    (w->tc = tlscrypt_new(zero, TLSCRYPT_SERVER, err,
	    errlen)) == NULL) {
		ctlwrap_free(w);
		return NULL;
	}
	return w;
}

void
ctlwrap_free(struct ctlwrap *w)
{
	if (w == NULL)
		return;
	tlsauth_free(w->ta);
	tlscrypt_free(w->tc);
	tlscryptv2_server_free(w->srv);
	free(w);
}

enum ctlwrap_mode
ctlwrap_mode(const struct ctlwrap *w)
{
	return w->mode;
}

size_t
ctlwrap_overhead(const struct ctlwrap *w, const struct tlscrypt *peer)
{
	if (w->mode == CTLWRAP_TLS_AUTH && peer == NULL)
		return tlsauth_overhead(w->ta);
	return tlscrypt_overhead();
}

/* Opcodes that carry an appended WKc. */
static bool
cw_has_wkc(uint8_t op)
{
	return op == P_CONTROL_HARD_RESET_CLIENT_V3 || op == P_CONTROL_WKC_V1;
}

int
ctlwrap_unwrap(struct ctlwrap *w, struct tlscrypt *peer, const uint8_t *pkt,
    size_t len, struct ctl_hdr *h, uint8_t *scratch, size_t cap,
    const uint8_t **body, size_t *body_len, struct tlscryptv2_ckey *ck)
{
	const uint8_t *wkc;
	size_t nwkc;
	bool v2 = w->mode == CTLWRAP_TLS_CRYPT_V2, wkcop;

	w->scratch_ok = false;
	if (len < 1)
		return -1;
	wkcop = cw_has_wkc(pkt_op(pkt[0]));
	if (wkcop && !v2)
		return -1;
	if (peer != NULL) {
		if (wkcop && tlscryptv2_split(pkt, len, &len, &wkc,
		    &nwkc) == -1)
			return -1;
		return tlscrypt_unwrap(peer, pkt, len, h, scratch, cap, body,
		    body_len);
	}
	switch (w->mode) {
	case CTLWRAP_TLS_AUTH:
		return tlsauth_unwrap(w->ta, pkt, len, h, body, body_len);
	case CTLWRAP_TLS_CRYPT:
		return tlscrypt_unwrap(w->tc, pkt, len, h, scratch, cap, body,
		    body_len);
	case CTLWRAP_TLS_CRYPT_V2:
		/* Without state the only key source is the WKc:
		 * tlscryptv2_unwrap() refuses opcodes other than 10/11. */
		if (ck == NULL)
			return -1;
		if (tlscryptv2_unwrap(w->srv, w->tc, pkt, len, ck, h, scratch,
		    cap, body, body_len) == -1)
			return -1;
		w->scratch_ok = true;
		return 0;
	}
	return -1;
}

int
ctlwrap_wrap(struct ctlwrap *w, struct tlscrypt *peer, struct wbuf *out,
    const struct ctl_hdr *h, const uint8_t *body, size_t body_len)
{
	if (peer != NULL)
		return tlscrypt_wrap(peer, out, h, body, body_len);
	switch (w->mode) {
	case CTLWRAP_TLS_AUTH:
		return tlsauth_wrap(w->ta, out, h, body, body_len);
	case CTLWRAP_TLS_CRYPT:
		return tlscrypt_wrap(w->tc, out, h, body, body_len);
	case CTLWRAP_TLS_CRYPT_V2:
		if (!w->scratch_ok)
			return -1;
		return tlscrypt_wrap(w->tc, out, h, body, body_len);
	}
	return -1;
}

struct tlscrypt *
ctlwrap_peer_new(const struct ctlwrap *w, const struct tlscryptv2_ckey *ck,
    char *err, size_t errlen)
{
	if (w->mode != CTLWRAP_TLS_CRYPT_V2) {
		snprintf(err, errlen, "control channel: per-client keys need "
		    "tls-crypt-v2");
		return NULL;
	}
	return tlscrypt_new(ck->kc, TLSCRYPT_SERVER, err, errlen);
}
