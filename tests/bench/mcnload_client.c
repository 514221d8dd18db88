/*
 * One client's control channel, as an OpenVPN 2.6 client runs it over
 * UDP with tls-auth (spec §2, §4-§7, §9, §14):
 *
 *   HARD_RESET_CLIENT_V2 msg 0          ->
 *                                        <- HARD_RESET_SERVER_V2 msg 0, ACK[0]
 *   P_CONTROL_V1 msg 1 ClientHello, ACK[0] + server session id (the
 *   cookie echo of a stateless 2.6 server)  ->
 *   ... TLS 1.3 with our client certificate ...
 *   key-method-2 with peer-info          ->
 *                                        <- key-method-2
 *   (PUSH_REQUEST every push_request_s until)  <- PUSH_REPLY
 *   keys: TLS-EKM if tls-ekm was pushed, else the PRF; data channel up.
 *
 * Every control packet we send carries the ACKs of the messages we
 * received most recently, fresh ones first (2.6 fills its ACK slots from
 * a recently-ACKed list on every packet, retransmissions included), so a
 * lost packet never leaves the server without the cookie echo.
 *
 * Renegotiation is not implemented: runs are far shorter than reneg-sec
 * (3600 s by default).  Control packets for another key_id (a server's
 * SOFT_RESET) are counted and dropped; one wrapped with dynamic tls-crypt
 * fails the tls-auth check and counts as bad.
 */
#include "config.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctlmsg.h"
#include "datachan.h"
#include "kdf.h"
#include "km2.h"
#include "mcnload.h"
#include "pkt.h"
#include "tlsauth.h"
#include "tlsmem.h"

#define HS_PLAIN_MAX	4096	/* key-method-2 and the first commands */

/* Handshake scratch: lives from the first packet to the data channel. */
struct hs {
	uint8_t		 pre_master[48], c_random1[32], c_random2[32];
	uint8_t		 s_random1[32], s_random2[32];
	char		 s_options[KM2_OPTIONS_MAX];
	bool		 km2_done;
	struct push_opts push;
	uint64_t	 next_push_req_ms;
	size_t		 plain_len;
	uint8_t		 plain[HS_PLAIN_MAX];
};

static const char *const fail_names[FR__MAX] = {
	[FR_NONE] = "none",
	[FR_TIMEOUT_RESET] = "timeout-reset",
	[FR_TIMEOUT_TLS] = "timeout-tls",
	[FR_TIMEOUT_KM2] = "timeout-km2",
	[FR_TIMEOUT_PUSH] = "timeout-push",
	[FR_TLS] = "tls",
	[FR_AUTH_FAILED] = "auth-failed",
	[FR_BAD_KM2] = "bad-km2",
	[FR_BAD_PUSH] = "bad-push",
	[FR_KEYS] = "keys",
	[FR_RESTART] = "restart",
	[FR_HALT] = "halt",
	[FR_EXIT_RECEIVED] = "exit-received",
	[FR_PING_RESTART] = "ping-restart",
	[FR_SOCKET] = "socket",
	[FR_RESOURCE] = "resource",
	[FR_ABORTED] = "aborted",
};

const char *
fail_name(enum fail_reason r)
{
	return r < FR__MAX && fail_names[r] ? fail_names[r] : "?";
}

/* ---- sending ---------------------------------------------------------- */

static void
ctl_send(struct mcn *m, struct client *c, uint8_t op, const uint8_t *body,
    size_t len)
{
	struct ctl_hdr h;
	struct wbuf wb;

	h.op = op;
	h.key_id = c->key_id;
	memcpy(h.sid, c->sid, PKT_SID_LEN);
	h.pid = c->ctl_pid++;
	h.ptime = c->ctl_time;
	wbuf_init(&wb, tx_slot(m), PKT_MAX_WIRE);
	if (tlsauth_wrap(m->ta, &wb, &h, body, len) == -1)
		return;
	tx_commit(m, c, wb.len);
	m->st.ctl_tx++;
	c->last_tx_ms = m->now_ms;
}

/*
 * Fresh ACKs first (rel_ack_take), then the recently sent ones in the
 * free slots, also when nothing fresh is queued: what 2.6 does.
 */
static void
ack_collect(struct client *c, struct pkt_ack *ack, unsigned max)
{
	const struct reliable *r = &c->rel;
	unsigned i, j;

	memset(ack, 0, sizeof(*ack));
	if (!c->have_rsid)
		return;		/* nothing received yet */
	rel_ack_take(&c->rel, ack, max, c->rsid);
	for (i = 0; i < r->n_ack_mru && ack->n < max; i++) {
		for (j = 0; j < ack->n; j++)
			if (ack->id[j] == r->ack_mru[i])
				break;
		if (j == ack->n)
			ack->id[ack->n++] = r->ack_mru[i];
	}
	if (ack->n > 0)
		memcpy(ack->rsid, c->rsid, PKT_SID_LEN);
}

static void
send_msg(struct mcn *m, struct client *c, const struct rel_out *o)
{
	uint8_t body[PKT_MAX_WIRE];
	struct pkt_ack ack;
	struct wbuf wb;

	ack_collect(c, &ack, PKT_ACK_MAX_ON_CONTROL);
	wbuf_init(&wb, body, sizeof(body));
	if (pkt_body_write(&wb, o->op, &ack, o->id, o->data, o->len) == 0)
		ctl_send(m, c, o->op, body, wb.len);
}

void
client_flush(struct mcn *m, struct client *c)
{
	uint8_t chunk[PKT_MAX_WIRE], body[64];
	const struct rel_out *o;
	struct pkt_ack ack;
	struct wbuf wb;
	size_t n;

	if (c->fd < 0)
		return;
	while (c->tls != NULL && rel_tx_room(&c->rel) &&
	    tlsmem_out_pending(c->tls) > 0) {
		n = tlsmem_out_take(c->tls, chunk, m->chunk);
		if (rel_tx_queue(&c->rel, P_CONTROL_V1, chunk, n) < 0)
			break;
	}
	while ((o = rel_tx_due(&c->rel, m->now_ms)) != NULL)
		send_msg(m, c, o);
	while (rel_ack_pending(&c->rel)) {
		ack_collect(c, &ack, PKT_ACK_MAX);
		wbuf_init(&wb, body, sizeof(body));
		if (ack.n == 0 ||
		    pkt_body_write(&wb, P_ACK_V1, &ack, 0, NULL, 0) == -1)
			break;
		ctl_send(m, c, P_ACK_V1, body, wb.len);
	}
}

/* Writes one NUL-terminated command as its own TLS record and sends it. */
int
client_command(struct mcn *m, struct client *c, const char *cmd)
{
	if (c->tls == NULL ||
	    tlsmem_write(c->tls, (const uint8_t *)cmd, strlen(cmd) + 1) == -1)
		return -1;
	client_flush(m, c);
	return 0;
}

/* ---- life cycle ------------------------------------------------------- */

void
client_free(struct mcn *m, struct client *c)
{
	sock_close(m, c);
	rel_free(&c->rel);
	tlsmem_free(c->tls);
	c->tls = NULL;
	if (c->dc != NULL) {
		dc_key_free(c->dc);
		c->dc = NULL;
	}
	if (c->hs != NULL) {
		OPENSSL_cleanse(c->hs, sizeof(*c->hs));
		free(c->hs);
		c->hs = NULL;
	}
	c->next_ms = UINT64_MAX;
	timer_update(m, c);
}

static void
client_end(struct mcn *m, struct client *c, enum cstate final)
{
	enum cstate old = c->state;

	if (old >= CS_DONE)
		return;
	c->state = final;
	client_free(m, c);
	mcn_client_ended(m, c, old);
}

void
client_fail(struct mcn *m, struct client *c, enum fail_reason why,
    const char *detail)
{
	struct mcn_stats *st = &m->st;

	if (c->state >= CS_DONE)
		return;
	c->fail = why;
	st->fail[why]++;
	if (st->fail_sample[why][0] == '\0')
		snprintf(st->fail_sample[why], sizeof(st->fail_sample[why]),
		    "client %u: %s", c->idx + 1, detail ? detail : fail_name(why));
	if (m->conf->verbose)
		fprintf(stderr, "mcnload: client %u failed: %s%s%s\n",
		    c->idx + 1, fail_name(why), detail ? ": " : "",
		    detail ? detail : "");
	client_end(m, c, CS_FAILED);
}

int
client_start(struct mcn *m, struct client *c)
{
	if ((c->hs = calloc(1, sizeof(*c->hs))) == NULL) {
		client_fail(m, c, FR_RESOURCE, "out of memory");
		return -1;
	}
	if (RAND_bytes(c->sid, PKT_SID_LEN) != 1 ||
	    RAND_bytes(c->hs->pre_master, 48) != 1 ||
	    RAND_bytes(c->hs->c_random1, 32) != 1 ||
	    RAND_bytes(c->hs->c_random2, 32) != 1) {
		client_fail(m, c, FR_RESOURCE, "no randomness");
		return -1;
	}
	c->sid[0] |= 1;		/* an all-zero session id means "none" */
	c->state = CS_RESET;
	c->t_start_ns = m->now_ns;
	c->deadline_ms = m->now_ms + (uint64_t)(m->conf->hand_window_s * 1000);
	c->last_rx_ms = c->last_tx_ms = m->now_ms;
	c->ctl_pid = 1;		/* replay ids start at 1 (spec §2.4) */
	c->ctl_time = m->now_wall;
	c->key_id = 0;
	replay_long_init(&c->ctl_replay);
	rel_init(&c->rel, 0, 0);
	if (sock_open(m, c) == -1) {
		client_fail(m, c, FR_SOCKET, "cannot open the UDP socket");
		return -1;
	}
	rel_tx_queue(&c->rel, P_CONTROL_HARD_RESET_CLIENT_V2, NULL, 0);
	client_flush(m, c);
	timer_update(m, c);
	return 0;
}

void
client_exit(struct mcn *m, struct client *c)
{
	if (c->state != CS_UP)
		return;
	if (m->conf->no_exit) {
		client_end(m, c, CS_DONE);
		return;
	}
	if (c->cc_exit) {
		/* EXIT on the control channel; done once it is ACKed. */
		c->state = CS_EXIT;
		m->st.exit_cc++;
		mcn_client_exiting(m);
		c->deadline_ms = m->now_ms +
		    (uint64_t)(m->conf->exit_wait_s * 1000);
		if (client_command(m, c, "EXIT") == -1)
			client_end(m, c, CS_DONE);
		else
			timer_update(m, c);
		return;
	}
	data_send_occ_exit(m, c);
	m->st.exit_occ++;
	client_end(m, c, CS_DONE);
}

/* ---- receiving -------------------------------------------------------- */

/* PUSH_REPLY complete: derive the keys and bring the data channel up. */
static void
got_push(struct mcn *m, struct client *c)
{
	struct hs *hs = c->hs;
	struct push_opts *po = &hs->push;
	uint8_t kb[KDF_KEY_BLOCK_LEN];
	char cipher[64], err[200];
	int rc;

	if (po->cipher[0] != '\0')
		snprintf(cipher, sizeof(cipher), "%s", po->cipher);
	else if (mcn_occ_cipher(hs->s_options, cipher, sizeof(cipher)) == -1) {
		client_fail(m, c, FR_KEYS, "no cipher pushed and none in the "
		    "server's OCC options");
		return;
	}
	if (po->tls_ekm)
		rc = tlsmem_export_keys(c->tls, kb);
	else
		rc = kdf_prf_key_block(hs->pre_master, hs->c_random1,
		    hs->s_random1, hs->c_random2, hs->s_random2, c->sid,
		    c->rsid, kb);
	if (rc == -1) {
		client_fail(m, c, FR_KEYS, po->tls_ekm ? "TLS-EKM failed" :
		    "PRF failed");
		return;
	}
	rc = data_up(m, c, po, kb, cipher, err, sizeof(err));
	OPENSSL_cleanse(kb, sizeof(kb));
	if (rc == -1) {
		client_fail(m, c, FR_KEYS, err);
		return;
	}
	OPENSSL_cleanse(hs, sizeof(*hs));
	free(hs);
	c->hs = NULL;
	c->state = CS_UP;
	mcn_client_up(m, c);
}

static void
command(struct mcn *m, struct client *c, const char *cmd)
{
	char err[200];
	int rc;

	if (strncmp(cmd, "PUSH_REPLY", 10) == 0) {
		if (c->state != CS_PUSH)
			return;		/* an answer to a repeated request */
		rc = push_reply_parse(cmd, &c->hs->push, err, sizeof(err));
		if (rc == -1)
			client_fail(m, c, FR_BAD_PUSH, err);
		else if (rc == 1)
			got_push(m, c);
	} else if (strncmp(cmd, "AUTH_FAILED", 11) == 0)
		client_fail(m, c, FR_AUTH_FAILED, cmd);
	else if (strncmp(cmd, "RESTART", 7) == 0)
		client_fail(m, c, FR_RESTART, cmd);
	else if (strncmp(cmd, "HALT", 4) == 0)
		client_fail(m, c, FR_HALT, cmd);
	else if (strcmp(cmd, "EXIT") == 0)
		client_fail(m, c, FR_EXIT_RECEIVED, cmd);
	/* INFO, INFO_PRE, AUTH_PENDING ...: nothing to do for a bot. */
}

/* Runs every complete NUL-terminated command in p; returns bytes used. */
static size_t
commands(struct mcn *m, struct client *c, const uint8_t *p, size_t len)
{
	const uint8_t *nul = memrchr(p, '\0', len);
	char cmd[CTLMSG_MAX];
	size_t whole, pos = 0;

	if (nul == NULL)
		return 0;
	whole = (size_t)(nul - p) + 1;
	while (c->state < CS_DONE &&
	    ctlmsg_next((const char *)p, whole, &pos, cmd, sizeof(cmd)))
		command(m, c, cmd);
	return whole;
}

/* The server's key-method-2, out of the buffered TLS plaintext. */
static void
got_km2(struct mcn *m, struct client *c)
{
	struct hs *hs = c->hs;
	char err[200];
	int n;

	n = km2_parse_server(hs->plain, hs->plain_len, hs->s_random1,
	    hs->s_random2, hs->s_options, sizeof(hs->s_options), err,
	    sizeof(err));
	if (n == 0)
		return;
	if (n < 0) {
		client_fail(m, c, FR_BAD_KM2, err);
		return;
	}
	hs->km2_done = true;
	c->state = CS_PUSH;
	/* 2.6 asks about a second after the key state is active. */
	hs->next_push_req_ms = m->now_ms +
	    (uint64_t)(m->conf->push_request_s * 1000);
	memmove(hs->plain, hs->plain + n, hs->plain_len - (size_t)n);
	hs->plain_len -= (size_t)n;
	commands(m, c, hs->plain, hs->plain_len);
	/* A partial command is dropped, as 2.6 does; got_push may have
	 * freed hs already. */
	if (c->hs != NULL)
		c->hs->plain_len = 0;
}

static void
plaintext(struct mcn *m, struct client *c)
{
	uint8_t tmp[CTLMSG_MAX * 2];
	struct hs *hs;
	int n;

	while (c->state < CS_DONE &&
	    (n = tlsmem_read(c->tls, tmp, sizeof(tmp))) > 0) {
		hs = c->hs;
		if (hs != NULL && !hs->km2_done) {
			if ((size_t)n > sizeof(hs->plain) - hs->plain_len) {
				client_fail(m, c, FR_BAD_KM2,
				    "key-method-2 too long");
				return;
			}
			memcpy(hs->plain + hs->plain_len, tmp, (size_t)n);
			hs->plain_len += (size_t)n;
			got_km2(m, c);
		} else
			commands(m, c, tmp, (size_t)n);
	}
	if (c->state < CS_DONE && n < 0)
		client_fail(m, c, FR_TLS, tlsmem_error(c->tls));
}

/* Our key-method-2 message, right after the TLS handshake (spec §6.2). */
static int
send_km2(struct mcn *m, struct client *c)
{
	uint8_t msg[KM2_CLIENT_MAX];
	struct wbuf wb;

	wbuf_init(&wb, msg, sizeof(msg));
	if (km2_write_client(&wb, c->hs->pre_master, c->hs->c_random1,
	    c->hs->c_random2, m->options, m->peer_info) == -1)
		return -1;
	return tlsmem_write(c->tls, msg, wb.len);
}

static void
pump(struct mcn *m, struct client *c)
{
	int rc;

	if (c->state == CS_TLS) {
		if ((rc = tlsmem_handshake(c->tls)) < 0) {
			client_fail(m, c, FR_TLS, tlsmem_error(c->tls));
			return;
		}
		if (rc == 0)
			return;
		if (send_km2(m, c) == -1) {
			client_fail(m, c, FR_TLS, "cannot write key-method-2");
			return;
		}
		c->state = CS_KM2;
	}
	if (c->state >= CS_KM2 && c->state <= CS_EXIT)
		plaintext(m, c);
}

/* The server's reset: our message 0 is ACKed, TLS may start (§4.5). */
static void
got_server_reset(struct mcn *m, struct client *c)
{
	struct tlsmem_ctx *ctx = c->tls_ctx ? c->tls_ctx : m->tls;

	if (c->state != CS_RESET)
		return;
	if ((c->tls = tlsmem_new(ctx)) == NULL) {
		client_fail(m, c, FR_RESOURCE, "cannot create a TLS session");
		return;
	}
	c->state = CS_TLS;
}

void
client_input(struct mcn *m, struct client *c, const uint8_t *p, size_t len)
{
	uint8_t buf[REL_MSG_MAX], op;
	const uint8_t *body;
	struct pkt_body pb;
	struct ctl_hdr h;
	size_t blen;
	int n;

	if (len < 1)
		return;
	op = pkt_op(p[0]);
	if (op == P_DATA_V2 || op == P_DATA_V1) {
		data_input(m, c, p, len);
		return;
	}
	if (!pkt_is_control(op) ||
	    tlsauth_unwrap(m->ta, p, len, &h, &body, &blen) == -1 ||
	    (c->have_rsid ? memcmp(h.sid, c->rsid, PKT_SID_LEN) != 0 :
	    h.op != P_CONTROL_HARD_RESET_SERVER_V2)) {
		m->st.ctl_bad++;
		return;
	}
	if (h.key_id != c->key_id) {
		/* A renegotiation (SOFT_RESET, key_id 1..7): not ours to do. */
		m->st.ctl_other_kid++;
		return;
	}
	if (pkt_body_parse(h.op, body, blen, &pb) == -1 ||
	    (pb.ack.n > 0 && memcmp(pb.ack.rsid, c->sid, PKT_SID_LEN) != 0)) {
		m->st.ctl_bad++;
		return;
	}
	if (!replay_long_accept(&c->ctl_replay, h.pid, h.ptime)) {
		m->st.ctl_replay++;
		if (m->conf->verbose > 1)
			fprintf(stderr, "mcnload: client %u: replayed %s pid %u "
			    "time %u (window time %u top %u)\n", c->idx + 1,
			    pkt_op_name(h.op), h.pid, h.ptime,
			    c->ctl_replay.time, c->ctl_replay.win.top);
		return;
	}
	m->st.ctl_rx++;
	if (!c->have_rsid) {
		memcpy(c->rsid, h.sid, PKT_SID_LEN);
		c->have_rsid = true;
	}
	c->last_rx_ms = m->now_ms;
	rel_ack_input(&c->rel, &pb.ack);
	if (pb.has_msgid)
		rel_rx(&c->rel, pb.msgid, h.op, pb.payload, pb.payload_len);
	while (c->state < CS_DONE &&
	    (n = rel_rx_pop(&c->rel, &op, buf, sizeof(buf))) >= 0) {
		/* A reset's payload holds early-negotiation TLVs, never TLS. */
		if (op == P_CONTROL_HARD_RESET_SERVER_V2)
			got_server_reset(m, c);
		else if (op == P_CONTROL_V1 && n > 0 && c->tls != NULL)
			tlsmem_feed(c->tls, buf, (size_t)n);
	}
	if (c->state < CS_DONE && c->tls != NULL)
		pump(m, c);
	if (c->state == CS_EXIT && !rel_tx_outstanding(&c->rel)) {
		m->st.exit_acked++;
		client_flush(m, c);	/* the last ACKs */
		client_end(m, c, CS_DONE);
		return;
	}
	if (c->state < CS_DONE) {
		client_flush(m, c);
		timer_update(m, c);
	}
}

/* ---- timers ----------------------------------------------------------- */

uint64_t
client_ctl_deadline(const struct mcn *m, const struct client *c)
{
	uint64_t t = UINT64_MAX, d;

	(void)m;
	if (c->state >= CS_DONE || c->state == CS_NEW)
		return UINT64_MAX;
	if ((d = rel_next_deadline(&c->rel)) < t)
		t = d;
	if (c->state != CS_UP && c->deadline_ms < t)
		t = c->deadline_ms;
	if (c->state == CS_PUSH && c->hs->next_push_req_ms < t)
		t = c->hs->next_push_req_ms;
	return t;
}

static enum fail_reason
timeout_reason(enum cstate s)
{
	switch (s) {
	case CS_RESET:
		return FR_TIMEOUT_RESET;
	case CS_TLS:
		return FR_TIMEOUT_TLS;
	case CS_KM2:
		return FR_TIMEOUT_KM2;
	default:
		return FR_TIMEOUT_PUSH;
	}
}

void
client_timer(struct mcn *m, struct client *c)
{
	if (c->state >= CS_DONE || c->state == CS_NEW)
		return;
	if (c->state != CS_UP && m->now_ms >= c->deadline_ms) {
		if (c->state == CS_EXIT)
			client_end(m, c, CS_DONE);	/* no ACK: gone anyway */
		else
			client_fail(m, c, timeout_reason(c->state),
			    "no progress within hand-window");
		return;
	}
	if (c->state == CS_PUSH && m->now_ms >= c->hs->next_push_req_ms) {
		c->hs->next_push_req_ms = m->now_ms +
		    (uint64_t)(m->conf->push_request_s * 1000);
		client_command(m, c, "PUSH_REQUEST");
	}
	if (c->state == CS_UP)
		data_timer(m, c);
	if (c->state < CS_DONE) {
		client_flush(m, c);
		timer_update(m, c);
	}
}
