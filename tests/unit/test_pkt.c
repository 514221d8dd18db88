/*
 * Packet codec tests on captured packets (tests/vectors/udp-tls-auth-sha256,
 * tls-auth SHA256: body starts after op(1) sid(8) hmac(32) pid(4) time(4)).
 */
#include "config.h"

#include <check.h>
#include <string.h>

#include "pkt.h"
#include "vec.h"

#define TA256_HDR	(1 + 8 + 32 + 8)

static size_t
load(const char *rel, uint8_t *buf)
{
	return vec_hex_file(rel, buf, 2048);
}

START_TEST(test_opcode_byte)
{
	ck_assert_uint_eq(pkt_op(0x38), P_CONTROL_HARD_RESET_CLIENT_V2);
	ck_assert_uint_eq(pkt_key_id(0x38), 0);
	ck_assert_uint_eq(pkt_op(0x19), P_CONTROL_SOFT_RESET_V1);
	ck_assert_uint_eq(pkt_key_id(0x19), 1);
	ck_assert_uint_eq(pkt_op_byte(P_DATA_V2, 7), 0x4f);
	ck_assert(pkt_is_control(P_ACK_V1));
	ck_assert(!pkt_is_control(P_DATA_V2));
	ck_assert(!pkt_is_control(P_CONTROL_HARD_RESET_CLIENT_V1));
	ck_assert(!pkt_is_control(0));
	ck_assert(!pkt_is_control(12));
	ck_assert(!pkt_has_msgid(P_ACK_V1));
	ck_assert(pkt_has_msgid(P_CONTROL_V1));
	ck_assert_str_eq(pkt_op_name(9), "P_DATA_V2");
}
END_TEST

START_TEST(test_client_reset)
{
	uint8_t b[2048];
	struct pkt_body body;
	size_t n = load("udp-tls-auth-sha256/01_hard_reset_client_v2.hex", b);

	ck_assert_uint_eq(n, 54);
	ck_assert_int_eq(pkt_body_parse(pkt_op(b[0]), b + TA256_HDR,
	    n - TA256_HDR, &body), 0);
	ck_assert_uint_eq(body.ack.n, 0);
	ck_assert(body.has_msgid);
	ck_assert_uint_eq(body.msgid, 0);
	ck_assert_uint_eq(body.payload_len, 0);
}
END_TEST

START_TEST(test_server_reset)
{
	uint8_t b[2048], csid[8];
	struct pkt_body body;
	size_t n = load("udp-tls-auth-sha256/02_hard_reset_server_v2.hex", b);

	vec_hex("686bd8332af8958e", csid, 8);
	ck_assert_uint_eq(n, 66);
	ck_assert_uint_eq(pkt_op(b[0]), P_CONTROL_HARD_RESET_SERVER_V2);
	ck_assert_int_eq(pkt_body_parse(pkt_op(b[0]), b + TA256_HDR,
	    n - TA256_HDR, &body), 0);
	ck_assert_uint_eq(body.ack.n, 1);
	ck_assert_uint_eq(body.ack.id[0], 0);
	ck_assert_mem_eq(body.ack.rsid, csid, 8);
	ck_assert_uint_eq(body.msgid, 0);
	ck_assert_uint_eq(body.payload_len, 0);
}
END_TEST

START_TEST(test_client_hello)
{
	uint8_t b[2048];
	struct pkt_body body;
	size_t n = load("udp-tls-auth-sha256/03_control_v1_client_hello.hex", b);

	ck_assert_uint_eq(n, 343);
	ck_assert_int_eq(pkt_body_parse(P_CONTROL_V1, b + TA256_HDR,
	    n - TA256_HDR, &body), 0);
	ck_assert_uint_eq(body.ack.n, 1);
	ck_assert_uint_eq(body.msgid, 1);
	ck_assert_uint_eq(body.payload_len, 277);
	ck_assert_uint_eq(body.payload[0], 0x16);	/* TLS handshake record */
}
END_TEST

START_TEST(test_ack_8)
{
	uint8_t b[2048], w[2048];
	struct pkt_body body;
	struct wbuf wb;
	size_t n = load("udp-tls-auth-sha256/16_ack_v1_client_8acks_max.hex", b);

	ck_assert_uint_eq(pkt_op(b[0]), P_ACK_V1);
	ck_assert_int_eq(pkt_body_parse(P_ACK_V1, b + TA256_HDR,
	    n - TA256_HDR, &body), 0);
	/* The capture's most-ACKs packet carries 6: [5,4,3,2,1,0]. */
	ck_assert_uint_eq(body.ack.n, 6);
	ck_assert_uint_eq(body.ack.id[0], 5);
	ck_assert_uint_eq(body.ack.id[5], 0);
	ck_assert(!body.has_msgid);
	/* Writing the parsed body back gives the same bytes. */
	wbuf_init(&wb, w, sizeof(w));
	ck_assert_int_eq(pkt_body_write(&wb, P_ACK_V1, &body.ack, 0, NULL, 0), 0);
	ck_assert_uint_eq(wb.len, n - TA256_HDR);
	ck_assert_mem_eq(w, b + TA256_HDR, wb.len);
	ck_assert_uint_eq(pkt_ack_size(6), wb.len);

	/* Eight ACKs, the maximum, survive a round trip. */
	body.ack.n = 8;
	body.ack.id[6] = 6;
	body.ack.id[7] = 7;
	wbuf_init(&wb, w, sizeof(w));
	ck_assert_int_eq(pkt_body_write(&wb, P_ACK_V1, &body.ack, 0, NULL, 0), 0);
	ck_assert_uint_eq(wb.len, pkt_ack_size(8));
	ck_assert_int_eq(pkt_body_parse(P_ACK_V1, w, wb.len, &body), 0);
	ck_assert_uint_eq(body.ack.n, 8);
	ck_assert_uint_eq(body.ack.id[7], 7);
}
END_TEST

START_TEST(test_ack_roundtrip_vectors)
{
	static const char *files[] = {
		"udp-tls-auth-sha256/02_hard_reset_server_v2.hex",
		"udp-tls-auth-sha256/03_control_v1_client_hello.hex",
		"udp-tls-auth-sha256/06_ack_v1_client.hex",
		"udp-tls-auth-sha256/10_ack_v1_server.hex",
	};
	uint8_t b[2048], w[2048];
	struct pkt_body body;
	struct wbuf wb;
	size_t i, n;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		n = load(files[i], b);
		ck_assert_int_eq(pkt_body_parse(pkt_op(b[0]), b + TA256_HDR,
		    n - TA256_HDR, &body), 0);
		wbuf_init(&wb, w, sizeof(w));
		ck_assert_int_eq(pkt_body_write(&wb, pkt_op(b[0]), &body.ack,
		    body.msgid, body.payload, body.payload_len), 0);
		ck_assert_uint_eq(wb.len, n - TA256_HDR);
		ck_assert_mem_eq(w, b + TA256_HDR, wb.len);
	}
}
END_TEST

START_TEST(test_malformed)
{
	uint8_t b[64];
	struct pkt_body body;

	memset(b, 0, sizeof(b));
	/* ACK count 9 is above the maximum. */
	b[0] = 9;
	ck_assert_int_eq(pkt_body_parse(P_ACK_V1, b, sizeof(b), &body), -1);
	/* Truncated ACK array. */
	b[0] = 2;
	ck_assert_int_eq(pkt_body_parse(P_CONTROL_V1, b, 1 + 4 + 4 + 4, &body), -1);
	/* Missing message id. */
	b[0] = 0;
	ck_assert_int_eq(pkt_body_parse(P_CONTROL_V1, b, 3, &body), -1);
	/* ACK_V1 without ACKs, and with trailing bytes. */
	ck_assert_int_eq(pkt_body_parse(P_ACK_V1, b, 1, &body), -1);
	b[0] = 1;
	ck_assert_int_eq(pkt_body_parse(P_ACK_V1, b, 1 + 4 + 8, &body), 0);
	ck_assert_int_eq(pkt_body_parse(P_ACK_V1, b, 1 + 4 + 8 + 1, &body), -1);
	/* Empty input, data opcodes. */
	ck_assert_int_eq(pkt_body_parse(P_CONTROL_V1, b, 0, &body), -1);
	ck_assert_int_eq(pkt_body_parse(P_DATA_V2, b, sizeof(b), &body), -1);
}
END_TEST

START_TEST(test_write_overflow)
{
	uint8_t w[8];
	struct wbuf wb;
	struct pkt_ack ack = { .n = 1, .id = { 7 } };

	wbuf_init(&wb, w, sizeof(w));
	ck_assert_int_eq(pkt_body_write(&wb, P_CONTROL_V1, &ack, 1,
	    (const uint8_t *)"x", 1), -1);
	ack.n = 9;
	wbuf_init(&wb, w, sizeof(w));
	ck_assert_int_eq(pkt_body_write(&wb, P_ACK_V1, &ack, 0, NULL, 0), -1);
}
END_TEST

START_TEST(test_sid_valid)
{
	uint8_t z[8] = { 0 }, s[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };

	ck_assert(!pkt_sid_valid(z));
	ck_assert(pkt_sid_valid(s));
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("pkt");
	TCase *tc = tcase_create("codec");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_opcode_byte);
	tcase_add_test(tc, test_client_reset);
	tcase_add_test(tc, test_server_reset);
	tcase_add_test(tc, test_client_hello);
	tcase_add_test(tc, test_ack_8);
	tcase_add_test(tc, test_ack_roundtrip_vectors);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_write_overflow);
	tcase_add_test(tc, test_sid_valid);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
