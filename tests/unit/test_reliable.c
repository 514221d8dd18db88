/*
 * Reliability layer: ordering, ACKs, retransmission, loss, duplicates and
 * reordering, and a lossy two-sided transfer simulation.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "reliable.h"

static const uint8_t RSID[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

static struct pkt_ack
ack_of(unsigned n, const uint32_t *ids)
{
	struct pkt_ack a;
	unsigned i;

	memset(&a, 0, sizeof(a));
	a.n = (uint8_t)n;
	for (i = 0; i < n; i++)
		a.id[i] = ids[i];
	memcpy(a.rsid, RSID, 8);
	return a;
}

START_TEST(test_in_order_delivery)
{
	struct reliable r;
	uint8_t buf[REL_MSG_MAX], op;

	rel_init(&r, 0, 0);
	ck_assert_int_eq(rel_rx(&r, 0, P_CONTROL_V1, (const uint8_t *)"a", 1), REL_RX_NEW);
	ck_assert_int_eq(rel_rx_pop(&r, &op, buf, sizeof(buf)), 1);
	ck_assert_uint_eq(buf[0], 'a');
	ck_assert_uint_eq(op, P_CONTROL_V1);
	ck_assert_int_eq(rel_rx_pop(&r, &op, buf, sizeof(buf)), -1);
	rel_free(&r);
}
END_TEST

START_TEST(test_reorder_and_dup)
{
	struct reliable r;
	uint8_t buf[REL_MSG_MAX], op;
	struct pkt_ack a;

	rel_init(&r, 0, 1);	/* after a cookie handshake: expect msg 1 */
	ck_assert_int_eq(rel_rx(&r, 3, P_CONTROL_V1, (const uint8_t *)"c", 1), REL_RX_NEW);
	ck_assert_int_eq(rel_rx(&r, 2, P_CONTROL_V1, (const uint8_t *)"b", 1), REL_RX_NEW);
	/* Nothing deliverable until 1 arrives. */
	ck_assert_int_eq(rel_rx_pop(&r, &op, buf, sizeof(buf)), -1);
	ck_assert_int_eq(rel_rx(&r, 2, P_CONTROL_V1, (const uint8_t *)"b", 1), REL_RX_DUP);
	ck_assert_int_eq(rel_rx(&r, 1, P_CONTROL_V1, (const uint8_t *)"a", 1), REL_RX_NEW);
	ck_assert_int_eq(rel_rx_pop(&r, &op, buf, sizeof(buf)), 1);
	ck_assert_uint_eq(buf[0], 'a');
	ck_assert_int_eq(rel_rx_pop(&r, &op, buf, sizeof(buf)), 1);
	ck_assert_uint_eq(buf[0], 'b');
	ck_assert_int_eq(rel_rx_pop(&r, &op, buf, sizeof(buf)), 1);
	ck_assert_uint_eq(buf[0], 'c');
	/* A retransmission of a delivered message is ACKed again. */
	ck_assert_int_eq(rel_rx(&r, 1, P_CONTROL_V1, (const uint8_t *)"a", 1), REL_RX_DUP);
	/* Every id was ACKed once, 2 and 1 again; no id twice in one packet. */
	ck_assert(rel_ack_pending(&r));
	rel_ack_take(&r, &a, PKT_ACK_MAX, RSID);
	ck_assert_uint_eq(a.n, 3);
	ck_assert_mem_eq(a.rsid, RSID, 8);
	ck_assert(!rel_ack_pending(&r));
	/* Message 0 (before the window) is ACKed, 1 + 12 is out of window. */
	ck_assert_int_eq(rel_rx(&r, 0, P_CONTROL_V1, NULL, 0), REL_RX_DUP);
	ck_assert_int_eq(rel_rx(&r, 4 + REL_RECV_WINDOW, P_CONTROL_V1, NULL, 0),
	    REL_RX_OUT_OF_WINDOW);
	ck_assert_int_eq(rel_rx(&r, 4 + REL_RECV_WINDOW - 1, P_CONTROL_V1, NULL, 0),
	    REL_RX_NEW);
	ck_assert_int_eq(rel_rx(&r, 0xfffffff0u, P_CONTROL_V1, NULL, 0),
	    REL_RX_OUT_OF_WINDOW);
	rel_free(&r);
}
END_TEST

START_TEST(test_ack_mru_fill)
{
	struct reliable r;
	struct pkt_ack a;
	unsigned i;

	rel_init(&r, 0, 0);
	for (i = 0; i < 3; i++)
		rel_rx(&r, i, P_CONTROL_V1, NULL, 0);
	rel_ack_take(&r, &a, 4, RSID);
	ck_assert_uint_eq(a.n, 3);
	rel_rx(&r, 3, P_CONTROL_V1, NULL, 0);
	/* One new ACK, then the recently sent ones fill the slots. */
	rel_ack_take(&r, &a, 4, RSID);
	ck_assert_uint_eq(a.n, 4);
	ck_assert_uint_eq(a.id[0], 3);
	/* Nothing queued: recent ACKs still fill the slots, newest first,
	 * and the queue stays empty (no bare ACK packet is due). */
	rel_ack_take(&r, &a, 4, RSID);
	ck_assert_uint_eq(a.n, 4);
	ck_assert_uint_eq(a.id[0], 3);
	ck_assert(!rel_ack_pending(&r));
	rel_free(&r);
}
END_TEST

START_TEST(test_send_window_and_acks)
{
	struct reliable r;
	const struct rel_out *o;
	struct pkt_ack a;
	uint32_t ids[2];
	int i;

	rel_init(&r, 1, 0);
	for (i = 0; i < REL_SEND_WINDOW; i++) {
		ck_assert(rel_tx_room(&r));
		ck_assert_int_eq(rel_tx_queue(&r, P_CONTROL_V1,
		    (const uint8_t *)"x", 1), i + 1);
	}
	/* Window full. */
	ck_assert(!rel_tx_room(&r));
	ck_assert_int_eq(rel_tx_queue(&r, P_CONTROL_V1, NULL, 0), -1);
	/* All due now, lowest id first. */
	for (i = 0; i < REL_SEND_WINDOW; i++) {
		o = rel_tx_due(&r, 1000);
		ck_assert_ptr_nonnull(o);
		ck_assert_uint_eq(o->id, (uint32_t)i + 1);
	}
	ck_assert_ptr_null(rel_tx_due(&r, 1000));
	ck_assert_uint_eq(rel_next_deadline(&r), 1000 + REL_RTO_INITIAL_MS);
	/* ACK of message 2 does not open the window (slot of 7 is 1's). */
	ids[0] = 2;
	a = ack_of(1, ids);
	ck_assert_int_eq(rel_ack_input(&r, &a), 1);
	ck_assert(!rel_tx_room(&r));
	ids[0] = 1;
	a = ack_of(1, ids);
	ck_assert_int_eq(rel_ack_input(&r, &a), 1);
	ck_assert(rel_tx_room(&r));
	/* Duplicate and unknown ACKs change nothing. */
	ck_assert_int_eq(rel_ack_input(&r, &a), 0);
	ids[0] = 99;
	a = ack_of(1, ids);
	ck_assert_int_eq(rel_ack_input(&r, &a), 0);
	ck_assert(rel_tx_outstanding(&r));
	rel_free(&r);
}
END_TEST

START_TEST(test_retransmit_backoff)
{
	struct reliable r;
	const struct rel_out *o;
	uint64_t t = 5000;

	rel_init(&r, 0, 0);
	rel_tx_queue(&r, P_CONTROL_HARD_RESET_SERVER_V2, NULL, 0);
	o = rel_tx_due(&r, t);
	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_null(rel_tx_due(&r, t + REL_RTO_INITIAL_MS - 1));
	o = rel_tx_due(&r, t + REL_RTO_INITIAL_MS);
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(o->op, P_CONTROL_HARD_RESET_SERVER_V2);
	t += REL_RTO_INITIAL_MS;
	/* Backed off: the next one comes after twice the interval. */
	ck_assert_ptr_null(rel_tx_due(&r, t + 2 * REL_RTO_INITIAL_MS - 1));
	ck_assert_ptr_nonnull(rel_tx_due(&r, t + 2 * REL_RTO_INITIAL_MS));
	rel_free(&r);
}
END_TEST

START_TEST(test_fast_retransmit)
{
	struct reliable r;
	struct pkt_ack a;
	uint32_t ids[3] = { 2, 3, 4 };
	const struct rel_out *o;
	int i;

	rel_init(&r, 1, 0);
	for (i = 0; i < 4; i++)
		rel_tx_queue(&r, P_CONTROL_V1, NULL, 0);
	for (i = 0; i < 4; i++)
		rel_tx_due(&r, 0);
	a = ack_of(3, ids);
	ck_assert_int_eq(rel_ack_input(&r, &a), 3);
	/* Message 1 got three later ACKs: due at once, long before its timer. */
	o = rel_tx_due(&r, 1);
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(o->id, 1);
	ck_assert_ptr_null(rel_tx_due(&r, 2));
	rel_free(&r);
}
END_TEST

/*
 * Two reliable instances exchange 200 messages over a link that drops,
 * duplicates and reorders packets; everything arrives once, in order.
 */
struct link_pkt {
	uint32_t	id;
	bool		has_msg;
	struct pkt_ack	ack;
	uint8_t		data[4];
};

START_TEST(test_lossy_transfer)
{
	struct reliable tx, rx;
	struct link_pkt q[4096];
	size_t nq = 0, i;
	uint32_t next_msg = 0, got = 0;
	uint64_t now = 0;
	unsigned seed = 12345;
	uint8_t buf[REL_MSG_MAX], op;
	int len, rounds;

	rel_init(&tx, 0, 0);
	rel_init(&rx, 0, 0);
	for (rounds = 0; rounds < 100000 && got < 200; rounds++) {
		const struct rel_out *o;

		now += 50;
		while (next_msg < 200 && rel_tx_room(&tx)) {
			uint8_t m[4];

			m[0] = (uint8_t)next_msg;
			m[1] = (uint8_t)(next_msg >> 8);
			m[2] = m[3] = 0xaa;
			rel_tx_queue(&tx, P_CONTROL_V1, m, sizeof(m));
			next_msg++;
		}
		while ((o = rel_tx_due(&tx, now)) != NULL && nq < 4000) {
			seed = seed * 1103515245 + 12345;
			if ((seed >> 16) % 100 < 25)
				continue;	/* lost */
			q[nq].has_msg = true;
			q[nq].id = o->id;
			memcpy(q[nq].data, o->data, 4);
			nq++;
			if ((seed >> 8) % 100 < 10) {	/* duplicated */
				q[nq] = q[nq - 1];
				nq++;
			}
		}
		/* Deliver in a shuffled order. */
		for (i = nq; i > 1; i--) {
			struct link_pkt t;
			size_t j;

			seed = seed * 1103515245 + 12345;
			j = (seed >> 16) % i;
			t = q[i - 1];
			q[i - 1] = q[j];
			q[j] = t;
		}
		for (i = 0; i < nq; i++) {
			if (q[i].has_msg)
				rel_rx(&rx, q[i].id, P_CONTROL_V1, q[i].data, 4);
			else
				rel_ack_input(&tx, &q[i].ack);
		}
		nq = 0;
		while ((len = rel_rx_pop(&rx, &op, buf, sizeof(buf))) >= 0) {
			ck_assert_int_eq(len, 4);
			ck_assert_uint_eq(buf[0] | buf[1] << 8, got);
			got++;
		}
		/* ACKs back, also lossy. */
		while (rel_ack_pending(&rx)) {
			struct pkt_ack a;

			rel_ack_take(&rx, &a, PKT_ACK_MAX, RSID);
			seed = seed * 1103515245 + 12345;
			if ((seed >> 16) % 100 < 25)
				continue;
			rel_ack_input(&tx, &a);
		}
	}
	ck_assert_uint_eq(got, 200);
	rel_free(&tx);
	rel_free(&rx);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("reliable");
	TCase *tc = tcase_create("reliable");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_in_order_delivery);
	tcase_add_test(tc, test_reorder_and_dup);
	tcase_add_test(tc, test_ack_mru_fill);
	tcase_add_test(tc, test_send_window_and_acks);
	tcase_add_test(tc, test_retransmit_backoff);
	tcase_add_test(tc, test_fast_retransmit);
	tcase_add_test(tc, test_lossy_transfer);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
