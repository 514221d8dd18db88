/*
 * The control channel of one session (spec §4, §6, §7, §9, §11).
 *
 * Flow for each key state: reliable messages in -> TLS -> key-method-2
 * -> data keys -> text commands; and back out: TLS output cut into
 * reliable messages, each wrapped with tls-auth.  Nothing here frees the
 * session: failures schedule a close that the session timer carries out,
 * so callers may keep using the session until they return.
 */
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ccd.h"
#include "cfg.h"
#include "ctl.h"
#include "ctlmsg.h"
#include "data.h"
#include "gw.h"
#include "kdf.h"
#include "log.h"
#include "ratelimit.h"
#include "session.h"
#include "tcp.h"
#include "ctlwrap.h"
#include "tlsauth.h"
#include "worker.h"

/*
 * A refused session lingers this long: AUTH_FAILED gets retransmitted,
 * and the client's own retransmissions are absorbed instead of being
 * taken for a new connection.
 */
#define AUTH_FAIL_LINGER_MS	5000
/*
 * After RESTART/HALT to a kicked client: the session closes once the
 * client has acknowledged the message on every key state (and a
 * renegotiation under way has finished and carried it too), at the
 * latest after this long.
 */
#define KICK_LINGER_MS		5000
/*
 * Renegotiations a client starts: each costs us a whole TLS handshake,
 * so RENEG_CLIENT_BURST may come at once and RENEG_CLIENT_PER_MIN a
 * minute after that; the next one brings the client a HALT.  A client
 * renegotiating every 3 s or less often never meets the limit (2.6's
 * default reneg-sec is 3600).  Ours (reneg-sec, -bytes, -pkts) do not
 * count.
 */
#define RENEG_CLIENT_BURST	20
#define RENEG_CLIENT_PER_MIN	20

static void	ks_pump(struct session *, struct keystate *);

struct keystate *
ks_new(struct session *s, uint8_t key_id, uint32_t send_first,
    uint32_t recv_first)
{
	struct worker *w = s->w;
	struct keystate *ks;

	if ((ks = calloc(1, sizeof(*ks))) == NULL)
		return NULL;
	if ((ks->tls = tlsmem_new(w->tls)) == NULL) {
		free(ks);
		return NULL;
	}
	ks->key_id = key_id;
	ks->state = KS_TLS;
	rel_init(&ks->rel, send_first, recv_first);
	replay_init(&ks->rx_replay);
	ks->started_ms = w->now_ms;
	ks->must_finish_ms = w->now_ms +
	    (uint64_t)w->cfg->hand_window * 1000;
	return ks;
}

void
ks_free(struct keystate *ks)
{
	rel_free(&ks->rel);
	tlsmem_free(ks->tls);
	if (ks->km2) {
		OPENSSL_cleanse(ks->km2, sizeof(*ks->km2));
		free(ks->km2);
	}
	free(ks->plain);
	if (ks->dc)
		dc_key_free(ks->dc);
	free(ks);
}

void
ctl_send_raw(struct session *s, uint8_t op, uint8_t key_id,
    const uint8_t *body, size_t len)
{
	struct worker *w = s->w;
	struct ctl_hdr h;
	struct wbuf wb;

	h.op = op;
	h.key_id = key_id;
	memcpy(h.sid, s->sid_local, PKT_SID_LEN);
	h.pid = s->ctl_tx_pid++;
	h.ptime = s->ctl_tx_time;
	wbuf_init(&wb, sess_tx_begin(s), PKT_BUF);
	if (ctlwrap_wrap(w->cw, s->kc, &wb, &h, body, len) == -1)
		return;
	sess_tx_commit(s, wb.len);
	s->last_tx_ms = w->now_ms;
}

/*
 * TLS bytes per P_CONTROL_V1 so that the packet, with its IP and UDP
 * headers, fits PKT_CTL_MTU (an IPv6 header is 20 bytes longer).
 */
static size_t
ctl_chunk(const struct session *s)
{
	const struct sockaddr_in6 *a6 = &s->addr.u.sin6;
	size_t v6 = a6->sin6_family == AF_INET6 &&
	    !IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr) ? 20 : 0;

	return PKT_CTL_MAX_UDP - v6 - 1 - PKT_SID_LEN -
	    ctlwrap_overhead(s->w->cw, s->kc) -
	    pkt_ack_size(PKT_ACK_MAX_ON_CONTROL) -
	    4;
}

static void
ks_send_msg(struct session *s, struct keystate *ks, const struct rel_out *o)
{
	uint8_t body[PKT_MAX_WIRE];
	struct pkt_ack ack;
	struct wbuf wb;

	rel_ack_take(&ks->rel, &ack, PKT_ACK_MAX_ON_CONTROL, s->sid_remote);
	wbuf_init(&wb, body, sizeof(body));
	if (pkt_body_write(&wb, o->op, &ack, o->id, o->data, o->len) == -1)
		return;
	ctl_send_raw(s, o->op, ks->key_id, body, wb.len);
}

static void
ks_flush(struct session *s, struct keystate *ks)
{
	uint8_t chunk[PKT_MAX_WIRE];
	const struct rel_out *o;
	size_t n, max = ctl_chunk(s);

	while (rel_tx_room(&ks->rel) && tlsmem_out_pending(ks->tls) > 0) {
		n = tlsmem_out_take(ks->tls, chunk, max);
		if (rel_tx_queue(&ks->rel, P_CONTROL_V1, chunk, n) < 0)
			break;
	}
	while ((o = rel_tx_due(&ks->rel, s->w->now_ms)) != NULL)
		ks_send_msg(s, ks, o);
	while (rel_ack_pending(&ks->rel)) {
		uint8_t body[64];
		struct pkt_ack ack;
		struct wbuf wb;

		rel_ack_take(&ks->rel, &ack, PKT_ACK_MAX, s->sid_remote);
		wbuf_init(&wb, body, sizeof(body));
		if (pkt_body_write(&wb, P_ACK_V1, &ack, 0, NULL, 0) == -1)
			break;
		ctl_send_raw(s, P_ACK_V1, ks->key_id, body, wb.len);
	}
}

void
ctl_flush(struct session *s)
{
	int i;

	for (i = 0; i < SESSION_KS_MAX; i++)
		if (s->ks[i])
			ks_flush(s, s->ks[i]);
}

static void
session_fail(struct session *s, uint64_t linger_ms, const char *reason)
{
	s->dead = true;
	session_close_later(s, linger_ms, reason);
}

/* Writes one NUL-terminated text command as its own TLS record. */
static int
ks_write_cmd(struct keystate *ks, const char *cmd)
{
	return tlsmem_write(ks->tls, (const uint8_t *)cmd, strlen(cmd) + 1);
}

/*
 * A kick.  An OpenVPN client reads control messages only from its newest
 * key state: in a renegotiation (ours or its own) that is the one whose
 * handshake is still running, and a message on the old key is lost.  So
 * the command goes out on every active key state now and on a new one
 * when it becomes active (ks_activated), and a soft reset that crosses
 * the kick is still served.
 */
void
ctl_kick(struct session *s, const char *cmd, const char *reason)
{
	char abuf[ADDR_STRLEN];
	int i;

	log_event(1, "kick", "cn=%s addr=%s reason=\"%s\"", s->cn,
	    addr_str(&s->addr, abuf), reason);
	snprintf(s->kick_cmd, sizeof(s->kick_cmd), "%s", cmd);
	for (i = 0; i < SESSION_KS_MAX; i++)
		if (s->ks[i] && s->ks[i]->state == KS_ACTIVE)
			ks_write_cmd(s->ks[i], cmd);
	ctl_flush(s);
	session_close_later(s, KICK_LINGER_MS, reason);
	session_schedule(s);
}

/* A kicked session's command has reached the client on every key. */
static bool
kick_delivered(const struct session *s)
{
	int i;

	for (i = 0; i < SESSION_KS_MAX; i++) {
		if (s->ks[i] == NULL || s->ks[i]->state == KS_FAILED)
			continue;
		if (s->ks[i]->state != KS_ACTIVE ||
		    rel_tx_outstanding(&s->ks[i]->rel))
			return false;
	}
	return true;
}

int
ctl_command(struct session *s, const char *cmd)
{
	struct keystate *ks = session_ks_ctl(s);

	if (ks == NULL)
		return -1;
	if (ks_write_cmd(ks, cmd) == -1)
		return -1;
	ctl_flush(s);
	return 0;
}

/* Counts a failed handshake under its reason (metrics, stats). */
static void
hs_failed(struct session *s, enum metrics_hs_reason why)
{
	s->w->ctr.handshakes_failed++;
	s->w->ctr.hs_failed[why]++;
}

static void
auth_failed(struct session *s, struct keystate *ks,
    enum metrics_hs_reason why, const char *reason)
{
	char msg[256];
	char abuf[ADDR_STRLEN];

	log_event(1, "auth-failed", "cn=%s addr=%s reason=\"%s\"",
	    s->cn[0] ? s->cn : "-", addr_str(&s->addr, abuf), reason);
	hs_failed(s, why);
	snprintf(msg, sizeof(msg), "AUTH_FAILED,%s", reason);
	ks_write_cmd(ks, msg);
	ks->state = KS_FAILED;
	session_fail(s, AUTH_FAIL_LINGER_MS, reason);
}

/* The OCC options string we send in key-method-2 (spec §6.3). */
static void
occ_options(const struct session *s, char *out, size_t cap)
{
	const struct cfg *cfg = s->w->cfg;
	char keydir[32] = "";

	if (cfg->tls_auth_dir >= 0)
		snprintf(keydir, sizeof(keydir), "keydir %d,",
		    cfg->tls_auth_dir);
	snprintf(out, cap, "V4,dev-type tun,link-mtu %d,tun-mtu %d,"
	    "proto UDPv4,%sauth %s,keysize 128,tls-auth,key-method 2,"
	    "tls-server", cfg->tun_mtu + 53, cfg->tun_mtu, keydir, cfg->auth);
}

/* Sends PUSH_REPLY (spec §9.3), possibly as several messages. */
static void
push_reply(struct session *s, struct keystate *ks)
{
	const struct cfg *cfg = s->w->cfg;
	const char *opts[CFG_MAX_PUSH + CCD_MAX_PUSH + 16];
	char bufs[12][128], vbuf[INET_ADDRSTRLEN], mbuf[INET_ADDRSTRLEN];
	char *out;
	size_t n = 0, b = 0, i, len, off, outcap = 65536;
	int nmsg;

	snprintf(bufs[b], sizeof(bufs[b]), "route-gateway %s",
	    inaddr_str(s->w->gw->gw_addr, vbuf));
	opts[n++] = bufs[b++];
	opts[n++] = "topology subnet";
	if (cfg->ping > 0) {
		snprintf(bufs[b], sizeof(bufs[b]), "ping %d", cfg->ping);
		opts[n++] = bufs[b++];
		snprintf(bufs[b], sizeof(bufs[b]), "ping-restart %d",
		    cfg->push_ping_restart);
		opts[n++] = bufs[b++];
	}
	/*
	 * push-reset drops the config's push lines only: the options above
	 * and below are what the tunnel needs, so they are always sent
	 * (OpenVPN's push-reset also drops route-gateway and topology).
	 */
	if (!s->ccd.push_reset)
		for (i = 0; i < cfg->npush; i++)
			opts[n++] = cfg->push[i];
	for (i = 0; i < s->ccd.npush; i++)
		opts[n++] = s->ccd.push[i];
	if (s->has_vip6) {
		char v6[INET6_ADDRSTRLEN], g6[INET6_ADDRSTRLEN];
		struct in6_addr gw6;

		pool6_gateway(&cfg->server6_net, &gw6);
		snprintf(bufs[b], sizeof(bufs[b]), "ifconfig-ipv6 %s/%d %s",
		    inet_ntop(AF_INET6, &s->vip6, v6, sizeof(v6)),
		    cfg->server6_prefix,
		    inet_ntop(AF_INET6, &gw6, g6, sizeof(g6)));
		opts[n++] = bufs[b++];
	}
	snprintf(bufs[b], sizeof(bufs[b]), "ifconfig %s %s",
	    inaddr_str(s->vip, vbuf), inaddr_str(cfg->server_mask, mbuf));
	opts[n++] = bufs[b++];
	if (s->use_data_v2) {
		snprintf(bufs[b], sizeof(bufs[b]), "peer-id %u", s->peer_id);
		opts[n++] = bufs[b++];
	}
	if (s->pi.ncp >= 2 || s->pi.ciphers[0]) {
		snprintf(bufs[b], sizeof(bufs[b]), "cipher %s",
		    dc_cipher_name(s->cipher));
		opts[n++] = bufs[b++];
	}
	if (s->pi.proto & IV_PROTO_CC_EXIT_NOTIFY) {
		opts[n++] = s->use_ekm ? "protocol-flags cc-exit tls-ekm" :
		    "protocol-flags cc-exit";
	} else if (s->use_ekm)
		opts[n++] = "key-derivation tls-ekm";
	if (s->pi.mtu >= cfg->tun_mtu) {
		snprintf(bufs[b], sizeof(bufs[b]), "tun-mtu %d", cfg->tun_mtu);
		opts[n++] = bufs[b++];
	}

	if ((out = malloc(outcap)) == NULL)
		return;
	if ((nmsg = push_reply_build(opts, n, out, outcap, &len)) < 0) {
		log_warnx("push: cannot build PUSH_REPLY for %s (an option "
		    "is too long or contains a comma)", s->cn);
		free(out);
		return;
	}
	for (off = 0; off < len; off += strlen(out + off) + 1)
		ks_write_cmd(ks, out + off);
	free(out);
	s->pushed = true;
	s->last_push_ms = s->w->now_ms;
}

/*
 * When this key state renegotiates by time: reneg-sec, drawn from 90-100%
 * of it as a 2.6 server does, so clients that connected together do not
 * all renegotiate together.  0 = never.
 */
static uint64_t
reneg_deadline(const struct session *s, uint64_t now)
{
	const struct cfg *cfg = s->w->cfg;
	uint64_t full = (uint64_t)cfg->reneg_sec * 1000;
	uint16_t r = 0;

	if (cfg->reneg_sec <= 0)
		return 0;
	RAND_bytes((uint8_t *)&r, sizeof(r));
	return now + full - full * (r % 1001) / 10000;
}

/*
 * Without duplicate-cn a new login replaces the sessions of the same
 * certificate name, on whichever worker they are.
 */
static void
replace_same_cn(struct session *s)
{
	struct gw *gw = s->w->gw;
	int i;

	for (i = 0; i < gw->nworkers; i++) {
		struct wcmd *c = calloc(1, sizeof(*c));

		if (c == NULL)
			continue;
		c->type = WCMD_REPLACE_CN;
		snprintf(c->u.replace.cn, sizeof(c->u.replace.cn), "%s", s->cn);
		c->u.replace.keep_worker = s->w->idx;
		c->u.replace.keep_peer_id = s->peer_id;
		worker_post_owned(&gw->workers[i], c);
	}
}

/*
 * The client's client-config-dir file, read now, so an edit applies at
 * the client's next connection.  A malformed or unreadable file, or
 * "disable", refuses the client: the log has the file and line, the
 * client only a short reason.
 */
static int
ccd_apply(struct session *s, struct keystate *ks)
{
	const struct cfg *cfg = s->w->cfg;
	char err[512];
	int r;

	if ((r = ccd_load(cfg->ccd_dir, s->cn, cfg->server_net,
	    cfg->server_mask, &s->ccd, err, sizeof(err))) == 1) {
		if (s->ccd.disable) {
			auth_failed(s, ks, METRICS_HS_OTHER,
			    "disabled by client-config-dir");
			return -1;
		}
		log_at(3, "%s: client-config-dir file %s", s->cn,
		    s->ccd.path);
		r = ccd_check_routes(&s->ccd, cfg->routes, cfg->nroutes,
		    cfg->path, err, sizeof(err));
	}
	if (r == -1) {
		log_event(0, "ccd-error", "cn=%s reason=\"%s\"", s->cn, err);
		auth_failed(s, ks, METRICS_HS_OTHER,
		    "client configuration error");
		return -1;
	}
	return 0;
}

/* Key method 2 received: identity, negotiation, our reply, data keys. */
static void
ks_got_km2(struct session *s, struct keystate *ks)
{
	struct worker *w = s->w;
	const struct cfg *cfg = w->cfg;
	struct tlsmem_peer peer;
	uint8_t kb[KDF_KEY_BLOCK_LEN], msg[1024];
	char err[256], options[512], cipher[64], abuf[ADDR_STRLEN];
	char vbuf[INET_ADDRSTRLEN];
	struct wbuf wb;
	bool first = (s->ks[0] == ks && !s->authenticated);
	int rc;

	/*
	 * Our key-method-2 reply goes first, whatever follows: a client
	 * reads an AUTH_FAILED only after it (before, it takes the text for
	 * a malformed key-method-2 message and gives a useless error).
	 */
	if (RAND_bytes(ks->s_random1, 32) != 1 ||
	    RAND_bytes(ks->s_random2, 32) != 1) {
		hs_failed(s, METRICS_HS_INTERNAL);
		session_fail(s, 0, "internal error: no randomness");
		ks->state = KS_FAILED;
		return;
	}
	occ_options(s, options, sizeof(options));
	wbuf_init(&wb, msg, sizeof(msg));
	if (km2_write_server(&wb, ks->s_random1, ks->s_random2, options) == -1 ||
	    tlsmem_write(ks->tls, msg, wb.len) == -1) {
		hs_failed(s, METRICS_HS_INTERNAL);
		session_fail(s, 0, "internal error: key-method-2 reply");
		ks->state = KS_FAILED;
		return;
	}

	if (tlsmem_peer_info(ks->tls, &peer) == -1) {
		auth_failed(s, ks, METRICS_HS_CERT,
		    "no verified client certificate");
		return;
	}
	if (first) {
		memcpy(s->cn, peer.cn, sizeof(s->cn));
		memcpy(s->serial, peer.serial, sizeof(s->serial));
		s->cert = tlsmem_peer_cert(ks->tls);
		peer_info_parse(ks->km2->peer_info, &s->pi);
		if (ncp_select(cfg->data_ciphers, &s->pi, ks->km2->options,
		    cfg->data_ciphers_fallback[0] ?
		    cfg->data_ciphers_fallback : NULL, cipher,
		    sizeof(cipher)) == -1) {
			auth_failed(s, ks, METRICS_HS_CIPHER,
			    "Data channel cipher negotiation "
			    "failed (no shared cipher)");
			return;
		}
		s->cipher = dc_cipher_from_name(cipher);
		s->use_ekm = (s->pi.proto & IV_PROTO_TLS_KEY_EXPORT) != 0;
		s->use_data_v2 = (s->pi.proto & IV_PROTO_DATA_V2) != 0;
	} else if (strcmp(s->cn, peer.cn) != 0) {
		/* 2.6 locks the identity of a connection across rekeys. */
		auth_failed(s, ks, METRICS_HS_CERT,
		    "certificate changed during renegotiation");
		return;
	}

	if (s->use_ekm)
		rc = tlsmem_export_keys(ks->tls, kb);
	else
		rc = kdf_prf_key_block(ks->km2->pre_master, ks->km2->random1,
		    ks->s_random1, ks->km2->random2, ks->s_random2,
		    s->sid_remote, s->sid_local, kb);
	if (rc == -1 || (ks->dc = dc_key_new(s->cipher, kb, DC_ROLE_SERVER,
	    cfg->auth, err, sizeof(err))) == NULL) {
		OPENSSL_cleanse(kb, sizeof(kb));
		auth_failed(s, ks, METRICS_HS_INTERNAL,
		    "internal error: data channel keys");
		return;
	}
	OPENSSL_cleanse(kb, sizeof(kb));
	OPENSSL_cleanse(ks->km2, sizeof(*ks->km2));
	free(ks->km2);
	ks->km2 = NULL;
	ks->state = KS_ACTIVE;
	ks->active_ms = w->now_ms;
	ks->reneg_at_ms = reneg_deadline(s, w->now_ms);

	if (first) {
		/* After our key-method-2 reply: AUTH_FAILED must follow it. */
		if (cfg->ccd_dir != NULL && ccd_apply(s, ks) == -1)
			return;
		if (session_assign(s) == -1) {
			auth_failed(s, ks, METRICS_HS_POOL,
			    s->ccd.has_ifconfig ?
			    "ifconfig-push address in use" :
			    "address pool exhausted");
			return;
		}
		s->authenticated = true;
		w->ctr.handshakes_ok++;
		metrics_hist_observe(&w->ctr.hs_duration,
		    (double)(w->now_ms - s->created_ms) / 1000.0);
		log_event(1, "connect", "cn=%s addr=%s vip=%s peer_id=%u "
		    "cipher=%s tls=%s platform=%s version=%s",
		    s->cn, addr_str(&s->addr, abuf), inaddr_str(s->vip, vbuf),
		    s->peer_id, dc_cipher_name(s->cipher), peer.version,
		    s->pi.plat[0] ? s->pi.plat : "-",
		    s->pi.ver[0] ? s->pi.ver : "-");
		if (!cfg->duplicate_cn)
			replace_same_cn(s);
		if (s->pi.proto & IV_PROTO_REQUEST_PUSH)
			push_reply(s, ks);
	} else {
		int i;

		for (i = 1; i < SESSION_KS_MAX; i++)
			if (s->ks[i])
				s->ks[i]->expire_ms = w->now_ms +
				    (uint64_t)cfg->tran_window * 1000;
		log_event(1, "rekey", "cn=%s addr=%s key_id=%u", s->cn,
		    addr_str(&s->addr, abuf), ks->key_id);
		if (s->kick_cmd[0] != '\0')
			ks_write_cmd(ks, s->kick_cmd);
	}
}

static void
ks_command(struct session *s, struct keystate *ks, const char *cmd)
{
	char abuf[ADDR_STRLEN];

	if (strcmp(cmd, "PUSH_REQUEST") == 0) {
		/* Answer every request; before keys exist there is nothing
		 * to send yet, the reply follows when they do. */
		if (s->authenticated && ks->state == KS_ACTIVE)
			push_reply(s, ks);
	} else if (strcmp(cmd, "EXIT") == 0) {
		log_at(3, "%s (%s) sent EXIT", s->cn, addr_str(&s->addr, abuf));
		session_close_later(s, 0, "client exited (EXIT)");
	} else
		log_at(4, "%s: ignoring control message \"%.64s\"", s->cn, cmd);
}

/* Takes what TLS decrypted and acts on it. */
static void
ks_plaintext(struct session *s, struct keystate *ks)
{
	uint8_t tmp[2048];
	char err[256], cmd[CTLMSG_MAX];
	int n;

	if (ks->plain == NULL && (ks->plain = malloc(KS_PLAIN_MAX)) == NULL)
		return;
	while ((n = tlsmem_read(ks->tls, tmp, sizeof(tmp))) > 0) {
		if ((size_t)n > KS_PLAIN_MAX - ks->plain_len) {
			auth_failed(s, ks, METRICS_HS_PROTOCOL,
			    "control message too long");
			return;
		}
		memcpy(ks->plain + ks->plain_len, tmp, (size_t)n);
		ks->plain_len += (size_t)n;
	}
	if (ks->state == KS_KM2 && ks->plain_len > 0) {
		if (ks->km2 == NULL &&
		    (ks->km2 = calloc(1, sizeof(*ks->km2))) == NULL)
			return;
		n = km2_parse_client(ks->plain, ks->plain_len, ks->km2, err,
		    sizeof(err));
		if (n == 0)
			return;
		if (n < 0) {
			auth_failed(s, ks, METRICS_HS_PROTOCOL, err);
			return;
		}
		memmove(ks->plain, ks->plain + n, ks->plain_len - (size_t)n);
		ks->plain_len -= (size_t)n;
		ks_got_km2(s, ks);
	}
	if (ks->state == KS_ACTIVE && ks->plain_len > 0) {
		uint8_t *nul = memrchr(ks->plain, '\0', ks->plain_len);
		size_t whole, pos = 0;

		if (nul == NULL)
			return;		/* wait for the rest */
		whole = (size_t)(nul - ks->plain) + 1;
		while (ctlmsg_next((const char *)ks->plain, whole, &pos, cmd,
		    sizeof(cmd)))
			ks_command(s, ks, cmd);
		memmove(ks->plain, ks->plain + whole, ks->plain_len - whole);
		ks->plain_len -= whole;
	}
}

static void
ks_pump(struct session *s, struct keystate *ks)
{
	char abuf[ADDR_STRLEN];
	int rc;

	if (ks->state == KS_TLS) {
		rc = tlsmem_handshake(ks->tls);
		if (rc < 0) {
			log_event(1, "auth-failed", "addr=%s key_id=%u "
			    "reason=\"TLS: %s\"", addr_str(&s->addr, abuf),
			    ks->key_id, tlsmem_error(ks->tls));
			hs_failed(s, strstr(tlsmem_error(ks->tls), "revoked") ?
			    METRICS_HS_REVOKED : METRICS_HS_TLS);
			ks->state = KS_FAILED;
			/* The alert TLS queued goes out with the flush. */
			session_fail(s, AUTH_FAIL_LINGER_MS,
			    "TLS handshake refused");
			return;
		}
		if (rc == 0)
			return;
		ks->state = KS_KM2;
	}
	if (ks->state == KS_KM2 || ks->state == KS_ACTIVE)
		ks_plaintext(s, ks);
}

static uint8_t
next_key_id(uint8_t k)
{
	return k >= 7 ? 1 : k + 1;
}

/*
 * A SOFT_RESET for a key_id we do not have: the client starts a
 * renegotiation (spec §11).  Returns the new key state or NULL.
 */
static struct keystate *
ks_soft_reset(struct session *s, uint8_t key_id)
{
	struct keystate *ks, *cur = s->ks[0];
	char abuf[ADDR_STRLEN];

	/* Going away: no new keys, unless a kick's command must ride on
	 * the client's new key (ctl_kick). */
	if (s->close_at_ms != 0 && s->kick_cmd[0] == '\0')
		return NULL;
	if (cur == NULL || cur->state != KS_ACTIVE ||
	    key_id != next_key_id(cur->key_id)) {
		log_at(3, "%s: soft reset with key_id %u refused (current %u)",
		    addr_str(&s->addr, abuf), key_id, cur ? cur->key_id : 0);
		return NULL;
	}
	if (!ratelimit_take(&s->reneg_limit, s->w->now_ms,
	    RENEG_CLIENT_PER_MIN / 60.0, RENEG_CLIENT_BURST)) {
		char why[96];

		/* Kicked already, so its newest key carries the command:
		 * a client that goes on gets no more handshakes. */
		if (s->kick_cmd[0] != '\0')
			return NULL;
		s->w->ctr.reneg_kicked++;
		snprintf(why, sizeof(why), "too many renegotiations (%d at "
		    "once, then %d a minute)", RENEG_CLIENT_BURST,
		    RENEG_CLIENT_PER_MIN);
		/* Served all the same: the client reads the HALT only on
		 * the new key (ctl_kick). */
		ctl_kick(s, "HALT,too many renegotiations", why);
	}
	if ((ks = ks_new(s, key_id, 0, 0)) == NULL)
		return NULL;
	s->want_rekey = false;
	/* Our own SOFT_RESET is message 0 of the new key state. */
	rel_tx_queue(&ks->rel, P_CONTROL_SOFT_RESET_V1, NULL, 0);
	if (s->ks[SESSION_KS_MAX - 1])
		ks_free(s->ks[SESSION_KS_MAX - 1]);
	memmove(s->ks + 1, s->ks, (SESSION_KS_MAX - 1) * sizeof(s->ks[0]));
	s->ks[0] = ks;
	return ks;
}

void
ctl_input(struct session *s, const struct ctl_hdr *h, const uint8_t *body,
    size_t len)
{
	struct worker *w = s->w;
	struct keystate *ks;
	struct pkt_body pb;
	uint8_t buf[REL_MSG_MAX], op;
	int n;

	if (pkt_body_parse(h->op, body, len, &pb) == -1) {
		w->ctr.malformed++;
		return;
	}
	if (pb.ack.n > 0 &&
	    CRYPTO_memcmp(pb.ack.rsid, s->sid_local, PKT_SID_LEN) != 0) {
		w->ctr.malformed++;
		return;
	}
	if (s->dead) {
		/* Refused: take ACKs of what we still send (AUTH_FAILED),
		 * absorb the rest until the session closes. */
		if ((ks = session_ks(s, h->key_id)) != NULL)
			rel_ack_input(&ks->rel, &pb.ack);
		return;
	}
	s->last_rx_ms = w->now_ms;
	if ((ks = session_ks(s, h->key_id)) == NULL) {
		if (h->op != P_CONTROL_SOFT_RESET_V1 ||
		    (ks = ks_soft_reset(s, h->key_id)) == NULL) {
			w->ctr.unknown_peer++;
			return;
		}
	}
	rel_ack_input(&ks->rel, &pb.ack);
	if (pb.has_msgid)
		rel_rx(&ks->rel, pb.msgid, h->op, pb.payload, pb.payload_len);
	while ((n = rel_rx_pop(&ks->rel, &op, buf, sizeof(buf))) >= 0) {
		/* Reset messages carry early-negotiation TLVs, never TLS. */
		if ((op == P_CONTROL_V1 || op == P_CONTROL_WKC_V1) && n > 0 &&
		    ks->state != KS_FAILED)
			tlsmem_feed(ks->tls, buf, (size_t)n);
	}
	if (ks->state != KS_FAILED)
		ks_pump(s, ks);
	ctl_flush(s);
	if (s->kick_cmd[0] != '\0' && kick_delivered(s)) {
		char why[sizeof(s->close_reason)];

		memcpy(why, s->close_reason, sizeof(why));
		session_close_later(s, 0, why);
		session_schedule(s);
	}
}

/* Starts a renegotiation from our side (reneg-sec). */
static void
ks_initiate(struct session *s)
{
	struct keystate *ks, *cur = s->ks[0];

	if ((ks = ks_new(s, next_key_id(cur->key_id), 0, 0)) == NULL)
		return;
	s->want_rekey = false;
	rel_tx_queue(&ks->rel, P_CONTROL_SOFT_RESET_V1, NULL, 0);
	if (s->ks[SESSION_KS_MAX - 1])
		ks_free(s->ks[SESSION_KS_MAX - 1]);
	memmove(s->ks + 1, s->ks, (SESSION_KS_MAX - 1) * sizeof(s->ks[0]));
	s->ks[0] = ks;
}

uint64_t
ctl_deadline(struct session *s)
{
	uint64_t t = s->want_rekey ? s->w->now_ms : UINT64_MAX, d;
	int i;

	for (i = 0; i < SESSION_KS_MAX; i++) {
		struct keystate *ks = s->ks[i];

		if (ks == NULL)
			continue;
		if ((d = rel_next_deadline(&ks->rel)) < t)
			t = d;
		if (ks->state != KS_ACTIVE && ks->must_finish_ms < t)
			t = ks->must_finish_ms;
		if (ks->expire_ms && ks->expire_ms < t)
			t = ks->expire_ms;
		/* As ctl_timer: not before the client has the key, or the
		 * timer would fire at once, again and again, until then. */
		if (i == 0 && ks->state == KS_ACTIVE && ks->reneg_at_ms &&
		    ks->reneg_at_ms < t && session_ks_tx_ready(ks))
			t = ks->reneg_at_ms;
	}
	return t;
}

/*
 * The current key has done enough: reneg-bytes or reneg-pkts reached, or
 * its packet-id near the end (spec §8.3: 0xFF000000).  Called from the
 * data path, which then runs the session timer to start the soft reset.
 */
bool
ctl_key_used_up(const struct session *s, const struct keystate *ks)
{
	const struct cfg *cfg = s->w->cfg;

	return ks->tx_pid >= KEY_PID_WRAP ||
	    (cfg->reneg_bytes > 0 && ks->bytes >= (uint64_t)cfg->reneg_bytes) ||
	    (cfg->reneg_pkts > 0 && ks->pkts >= (uint64_t)cfg->reneg_pkts);
}

void
ctl_timer(struct session *s)
{
	struct worker *w = s->w;
	const struct cfg *cfg = w->cfg;
	char abuf[ADDR_STRLEN];
	int i;

	for (i = SESSION_KS_MAX - 1; i >= 0; i--) {
		struct keystate *ks = s->ks[i];

		if (ks == NULL)
			continue;
		if (ks->state != KS_ACTIVE && w->now_ms >= ks->must_finish_ms) {
			if (i == 0 && !s->authenticated) {
				log_at(3, "%s: TLS handshake did not finish "
				    "within hand-window (%d s)",
				    addr_str(&s->addr, abuf), cfg->hand_window);
				hs_failed(s, METRICS_HS_TIMEOUT);
				session_fail(s, 0, "TLS handshake timed out");
				return;
			}
			/* A failed renegotiation: the old key carries on. */
			log_event(1, "rekey-failed", "cn=%s key_id=%u",
			    s->cn, ks->key_id);
			ks_free(ks);
			memmove(s->ks + i, s->ks + i + 1,
			    (SESSION_KS_MAX - 1 - i) * sizeof(s->ks[0]));
			s->ks[SESSION_KS_MAX - 1] = NULL;
			continue;
		}
		if (ks->expire_ms && w->now_ms >= ks->expire_ms && i > 0) {
			ks_free(ks);
			s->ks[i] = NULL;
		}
	}
	/* Only from a key the client already uses: a new soft reset pushes
	 * the previous key out. */
	if (s->ks[0] && s->ks[0]->state == KS_ACTIVE &&
	    session_ks_tx_ready(s->ks[0]) &&
	    (s->want_rekey || (s->ks[0]->reneg_at_ms &&
	    w->now_ms >= s->ks[0]->reneg_at_ms)))
		ks_initiate(s);
	ctl_flush(s);
}
