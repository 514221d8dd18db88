/*
 * The data path (spec §8): decrypt what clients send, check its origin
 * and write it to the TUN device; encrypt what the TUN device gives us to
 * the client that owns the destination address.
 */
#include "config.h"

#include <errno.h>
#include <netinet/ip.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "cfg.h"
#include "data.h"
#include "ctl.h"
#include "datachan.h"
#include "dir.h"
#include "gw.h"
#include "inner.h"
#include "log.h"
#include "session.h"
#include "tcp.h"
#include "tungro.h"
#include "worker.h"

void
tun_flush(struct worker *w)
{
	struct iovec iov;
	const uint8_t *p;
	unsigned nseg;
	bool udp;

	if ((p = tungro_take(w->gro, &iov.iov_len, &nseg)) == NULL)
		return;
	iov.iov_base = (void *)p;
	if (writev(w->tun_fd, &iov, 1) == (ssize_t)iov.iov_len) {
		w->ctr.tun_tx_pkts += nseg;
		return;
	}
	w->ctr.tun_dropped += nseg;
	if (errno != EINVAL || nseg == 1)
		return;
	/* The kernel refuses the offload it was asked: merge no more of
	 * that kind (a kernel without tun UDP segmentation, say). */
	udp = p[TUNGRO_HDR_LEN + 9] == IPPROTO_UDP;
	log_warnx("worker %d: the tun device refused a merged %s packet "
	    "(%u packets lost): merging %s off", w->idx, udp ? "UDP" : "TCP",
	    nseg, udp ? "UDP" : "everything");
	if (udp)
		w->gro->no_udp = true;
	else
		w->gro->off = true;
}

/*
 * A decrypted packet for the tun: merged with what is pending when it
 * continues it (tungro.h), else after what is pending.  tx_flush, at the
 * end of every callback, writes the rest.
 */
static void
tun_write(struct worker *w, const uint8_t *p, size_t len)
{
	static const uint8_t none[TUNGRO_HDR_LEN];	/* no offload */
	struct iovec iov[2];

	if (tungro_add(w->gro, p, len))
		return;
	tun_flush(w);
	if (tungro_add(w->gro, p, len))
		return;
	iov[0].iov_base = (void *)none;
	iov[0].iov_len = sizeof(none);
	iov[1].iov_base = (void *)p;
	iov[1].iov_len = len;
	if (writev(w->tun_fd, iov, 2) != (ssize_t)(sizeof(none) + len)) {
		w->ctr.tun_dropped++;
		return;
	}
	w->ctr.tun_tx_pkts++;
}

/*
 * Where an inner packet goes in the tunnel address space: its pool offset
 * (clients), POOL_GW for the gateway's own address, or -1 outside the
 * tunnel (the Internet, via NAT).  version is 4 or 6; p has a full header.
 */
#define POOL_GW		(-2)

static int64_t
tunnel_dst(const struct worker *w, const uint8_t *p, int version)
{
	const struct gw *gw = w->gw;
	const struct cfg *cfg = w->cfg;
	struct in6_addr d6;
	struct in_addr d4;
	int64_t off;

	if (version == 4) {
		memcpy(&d4, p + 16, 4);
		off = pool_offset(&gw->pool, d4);
		if (off < 0 && cfg->nroutes > 0)
			return iroute_lookup(&gw->iroutes, d4);
		return off == 1 ? POOL_GW : off;
	}
	if (!cfg->has_server6)
		return -1;
	memcpy(&d6, p + 24, 16);
	if ((off = pool6_offset(&gw->pool, &cfg->server6_net, &d6)) >= 0)
		return off;
	/* Anything else in the tunnel's /prefix is the gateway's side. */
	if (memcmp(&d6, &cfg->server6_net, 8) == 0)
		return POOL_GW;
	return -1;
}

/*
 * An IPv4 packet from a network behind s (its iroutes), which s holds
 * now: the later of two clients that announce a network gets it.
 */
static bool
from_iroute(const struct session *s, const uint8_t *p)
{
	const struct gw *gw = s->w->gw;
	struct in_addr src;

	if (s->ccd.niroute == 0)
		return false;
	memcpy(&src, p + 12, 4);
	return iroute_lookup(&gw->iroutes, src) ==
	    pool_offset(&gw->pool, s->vip);
}

/*
 * A decrypted tunnel packet from s: a well-formed IPv4 or IPv6 packet
 * within tun-mtu (inner.h), only from its own address (IPv4, or IPv6
 * with server-ipv6) or a network behind it, and only to another
 * client's address or networks if client-to-client is on.
 */
static void
inner_input(struct session *s, const uint8_t *p, size_t len)
{
	struct worker *w = s->w;
	int v = 0;
	int64_t off;

	/* Oversized or malformed: the client's doing, counted as such. */
	if (inner_check(p, len, (size_t)w->cfg->tun_mtu, &v) != INNER_OK) {
		w->ctr.malformed++;
		return;
	}
	if (v == 4) {
		if (memcmp(p + 12, &s->vip, 4) != 0 && !from_iroute(s, p)) {
			w->ctr.spoofed_src++;
			return;
		}
	} else if (s->has_vip6) {
		if (memcmp(p + 8, &s->vip6, 16) != 0) {
			/* Link-local router solicitations and the like from a
			 * client's tun are not spoofing, just not routed. */
			if (p[8] == 0xfe && (p[9] & 0xc0) == 0x80)
				w->ctr.no_route++;
			else
				w->ctr.spoofed_src++;
			return;
		}
	} else {
		w->ctr.no_route++;	/* IPv6 without server-ipv6 */
		return;
	}
	/* The tunnel's addresses other than the gateway's are the other
	 * clients, reached only with client-to-client; the kernel would
	 * otherwise route them straight back into the tun. */
	off = tunnel_dst(w, p, v);
	if (!w->cfg->client_to_client && off != -1 && off != POOL_GW) {
		w->ctr.c2c_dropped++;
		return;
	}
	s->bytes_in += len;
	s->pkts_in++;
	tun_write(w, p, len);
}

/* Runs the session timer now to start a renegotiation (once). */
static void
rekey_soon(struct session *s)
{
	if (s->want_rekey || s->ks[0] == NULL || !s->ks[0]->tx_ready)
		return;		/* already asked, or one is under way */
	s->want_rekey = true;
	session_schedule(s);
}

void
data_net_input(struct worker *w, const struct peer_addr *from,
    const uint8_t *pkt, size_t len)
{
	struct session *s;
	uint8_t op = pkt_op(pkt[0]);

	if (op == P_DATA_V2) {
		uint32_t peer_id;

		if (len < 4) {
			w->ctr.malformed++;
			return;
		}
		peer_id = (uint32_t)pkt[1] << 16 | (uint32_t)pkt[2] << 8 | pkt[3];
		if (peer_id % (uint32_t)w->gw->nworkers != (uint32_t)w->idx) {
			/* Not steered (no BPF): the owner is in the id. */
			handoff_push(w, (int)(peer_id % (uint32_t)w->gw->nworkers),
			    HO_UDP, from, pkt, len);
			return;
		}
		s = session_by_peer_id(w, peer_id);
	} else if ((s = session_by_addr(w, from)) == NULL &&
	    w->gw->nworkers > 1 && !w->in_handoff) {
		int owner = dir_get(w->gw->dir, from);

		if (owner >= 0 && owner != w->idx) {
			handoff_push(w, owner, HO_UDP, from, pkt, len);
			return;
		}
	}
	if (s == NULL) {
		w->ctr.unknown_peer++;
		return;
	}
	data_session_input(s, from, pkt, len);
}

void
data_session_input(struct session *s, const struct peer_addr *from,
    const uint8_t *pkt, size_t len)
{
	struct worker *w = s->w;
	uint8_t plain[PKT_BUF];
	struct keystate *ks;
	uint32_t pid;
	char abuf[ADDR_STRLEN];
	int n;

	if (!s->authenticated) {
		w->ctr.unknown_peer++;
		return;
	}
	/* Kicked: only its RESTART/HALT is still on the way. */
	if (s->kick_cmd[0] != '\0')
		return;
	/* P_DATA_V1 cannot float: its session was found by address. */
	if ((ks = session_ks(s, pkt_key_id(pkt[0]))) == NULL || ks->dc == NULL) {
		w->ctr.unknown_peer++;
		return;
	}
	if ((n = dc_decrypt(ks->dc, pkt, len, &pid, plain, sizeof(plain))) < 0) {
		w->ctr.decrypt_failed++;
		return;
	}
	if (!replay_accept(&ks->rx_replay, pid)) {
		w->ctr.replay++;
		return;
	}
	ks->bytes += (size_t)n;
	ks->pkts++;
	if (ctl_key_used_up(s, ks))
		rekey_soon(s);
	if (!addr_eq(from, &s->addr)) {
		/* Authenticated and fresh: the client moved (NAT rebinding). */
		char obuf[ADDR_STRLEN];

		log_event(1, "float", "cn=%s from=%s to=%s", s->cn,
		    addr_str(&s->addr, obuf), addr_str(from, abuf));
		session_move(s, from);
	}
	s->last_rx_ms = w->now_ms;
	if (dc_is_ping(plain, (size_t)n))
		return;
	switch (dc_occ_type(plain, (size_t)n)) {
	case -1:
		break;
	case DC_OCC_EXIT:
		log_at(3, "%s sent OCC_EXIT", s->cn);
		session_close_later(s, 0, "client exited (OCC_EXIT)");
		session_schedule(s);
		return;
	default:
		return;		/* OCC is never tunnel traffic */
	}
	inner_input(s, plain, (size_t)n);
}

int
data_send(struct session *s, const uint8_t *plain, size_t len)
{
	struct worker *w = s->w;
	struct keystate *ks = session_ks_tx(s);
	uint8_t *out;
	int n;

	if (ks == NULL || ks->tx_pid == UINT32_MAX)
		return -1;
	out = sess_tx_begin(s);
	n = dc_encrypt(ks->dc, ks->key_id,
	    s->use_data_v2 ? s->peer_id : PKT_PEER_ID_NONE, ++ks->tx_pid,
	    plain, len, out, PKT_BUF);
	if (n < 0)
		return -1;
	sess_tx_commit(s, (size_t)n);
	s->last_tx_ms = w->now_ms;
	ks->bytes += len;
	ks->pkts++;
	if (ctl_key_used_up(s, ks))
		rekey_soon(s);
	return 0;
}

void
data_tun_input(struct worker *w, const uint8_t *pkt, size_t len)
{
	struct session *s;
	int v = len > 0 ? pkt[0] >> 4 : 0;
	int64_t off;
	int owner;

	if ((v != 4 || len < 20) && (v != 6 || len < 40)) {
		w->ctr.no_route++;
		return;
	}
	if ((off = tunnel_dst(w, pkt, v)) < 0) {
		w->ctr.no_route++;
		return;
	}
	if ((s = session_by_vip_off(w, off)) == NULL) {
		/* Another worker's client (the kernel picks the tun queue
		 * by flow): hand the packet to its owner. */
		owner = __atomic_load_n(&w->gw->vip_owner[off],
		    __ATOMIC_ACQUIRE);
		if (owner > 0 && owner - 1 != w->idx && !w->in_handoff)
			handoff_push(w, owner - 1, HO_TUN, NULL, pkt, len);
		else
			w->ctr.no_route++;
		return;
	}
	if (!s->pushed || (v == 6 && !s->has_vip6) || s->kick_cmd[0] != '\0') {
		w->ctr.no_route++;
		return;
	}
	if (data_send(s, pkt, len) == 0) {
		s->bytes_out += len;
		s->pkts_out++;
	}
}

void
data_keepalive(struct session *s)
{
	const struct cfg *cfg = s->w->cfg;

	if (!s->pushed || cfg->ping <= 0)
		return;
	if (s->w->now_ms >= s->last_tx_ms + (uint64_t)cfg->ping * 1000)
		data_send(s, dc_ping_magic, DC_PING_LEN);
}
