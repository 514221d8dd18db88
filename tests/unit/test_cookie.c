/*
 * Stateless session-id cookie.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cookie.h"

static const uint8_t key1[COOKIE_KEY_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};
/* sockaddr_in-like bytes of 10.99.0.2:1194 and of the same host :1195 */
static const uint8_t addr1[] = { 0, 2, 0x04, 0xaa, 10, 99, 0, 2 };
static const uint8_t addr2[] = { 0, 2, 0x04, 0xab, 10, 99, 0, 2 };
/* client session-id of udp-tls-auth-sha256 frame 1 */
static const uint8_t csid[8] = {
	0x68, 0x6b, 0xd8, 0x33, 0x2a, 0xf8, 0x95, 0x8e,
};

#define HW	60		/* hand-window; slots of 30 s */
#define PERIOD	30
#define NOW	((uint64_t)1795655948)

START_TEST(test_roundtrip)
{
	struct cookie *c = cookie_new(key1);
	uint8_t ss[8], ss2[8];

	ck_assert_ptr_nonnull(c);
	cookie_make(c, NOW, HW, addr1, sizeof(addr1), csid, ss);
	ck_assert(cookie_check(c, NOW, HW, addr1, sizeof(addr1), csid, ss));
	cookie_make(c, NOW, HW, addr1, sizeof(addr1), csid, ss2);
	ck_assert_mem_eq(ss, ss2, 8);
	/* Another address, port, client sid or hand-window: rejected. */
	ck_assert(!cookie_check(c, NOW, HW, addr2, sizeof(addr2), csid, ss));
	ck_assert(!cookie_check(c, NOW, HW, addr1, sizeof(addr1) - 1, csid,
	    ss));
	{
		uint8_t other[8];

		memcpy(other, csid, 8);
		other[7] ^= 1;
		ck_assert(!cookie_check(c, NOW, HW, addr1, sizeof(addr1),
		    other, ss));
	}
	ck_assert(!cookie_check(c, NOW, 600, addr1, sizeof(addr1), csid, ss));
	cookie_free(c);
	cookie_free(NULL);
}
END_TEST

START_TEST(test_known_answer)
{
	struct cookie *c = cookie_new(key1);
	uint8_t ss[8], in[4 + sizeof(addr1) + 8], md[32];
	uint32_t slot = (uint32_t)(NOW / PERIOD);
	size_t mdlen = 0;

	/* The construction in cookie.h, computed independently. */
	in[0] = slot >> 24;
	in[1] = slot >> 16;
	in[2] = slot >> 8;
	in[3] = slot;
	memcpy(in + 4, addr1, sizeof(addr1));
	memcpy(in + 4 + sizeof(addr1), csid, 8);
	ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL,
	    key1, sizeof(key1), in, sizeof(in), md, sizeof(md), &mdlen));
	ck_assert_uint_eq(mdlen, 32);
	cookie_make(c, NOW, HW, addr1, sizeof(addr1), csid, ss);
	ck_assert_mem_eq(ss, md, 8);
	cookie_free(c);
}
END_TEST

START_TEST(test_other_key)
{
	uint8_t key2[COOKIE_KEY_LEN], ss[8];
	struct cookie *a, *b;

	memcpy(key2, key1, sizeof(key2));
	key2[31] ^= 0x80;
	a = cookie_new(key1);
	b = cookie_new(key2);
	cookie_make(a, NOW, HW, addr1, sizeof(addr1), csid, ss);
	ck_assert(cookie_check(a, NOW, HW, addr1, sizeof(addr1), csid, ss));
	ck_assert(!cookie_check(b, NOW, HW, addr1, sizeof(addr1), csid, ss));
	cookie_free(a);
	cookie_free(b);
}
END_TEST

START_TEST(test_bitflips)
{
	struct cookie *c = cookie_new(key1);
	uint8_t ss[8];
	int i;

	cookie_make(c, NOW, HW, addr1, sizeof(addr1), csid, ss);
	for (i = 0; i < 64; i++) {
		ss[i / 8] ^= (uint8_t)(1 << (i % 8));
		ck_assert_msg(!cookie_check(c, NOW, HW, addr1, sizeof(addr1),
		    csid, ss), "bit %d", i);
		ss[i / 8] ^= (uint8_t)(1 << (i % 8));
	}
	ck_assert(cookie_check(c, NOW, HW, addr1, sizeof(addr1), csid, ss));
	cookie_free(c);
}
END_TEST

/* Made in slot now+k: accepted for k = -2..0 only (never the future). */
START_TEST(test_slot_window)
{
	struct cookie *c = cookie_new(key1);
	uint64_t base = (NOW / PERIOD) * PERIOD;	/* start of a slot */
	uint8_t ss[8];
	int k;

	for (k = -4; k <= 3; k++) {
		bool want = k >= -2 && k <= 0;

		cookie_make(c, base + (uint64_t)(k * PERIOD), HW, addr1,
		    sizeof(addr1), csid, ss);
		/* Any second of the current slot gives the same verdict. */
		ck_assert_msg(cookie_check(c, base, HW, addr1, sizeof(addr1),
		    csid, ss) == want, "slot %+d, first second", k);
		ck_assert_msg(cookie_check(c, base + PERIOD - 1, HW, addr1,
		    sizeof(addr1), csid, ss) == want, "slot %+d, last second",
		    k);
	}
	/* Edges in seconds: made at the start of a slot, still good at the
	 * last second two slots on, gone one second later. */
	cookie_make(c, base, HW, addr1, sizeof(addr1), csid, ss);
	ck_assert(cookie_check(c, base + 3 * PERIOD - 1, HW, addr1,
	    sizeof(addr1), csid, ss));
	ck_assert(!cookie_check(c, base + 3 * PERIOD, HW, addr1,
	    sizeof(addr1), csid, ss));
	/* Made at the last second of a slot: never good before its slot,
	 * however close. */
	cookie_make(c, base + PERIOD - 1, HW, addr1, sizeof(addr1), csid, ss);
	ck_assert(cookie_check(c, base, HW, addr1, sizeof(addr1), csid, ss));
	ck_assert(!cookie_check(c, base - 1, HW, addr1, sizeof(addr1),
	    csid, ss));
	cookie_free(c);
}
END_TEST

START_TEST(test_small_windows)
{
	struct cookie *c = cookie_new(key1);
	uint8_t ss[8];

	/* hand-window 0 and 1: 1-second slots; 3: 2-second slots. */
	cookie_make(c, 100, 0, addr1, sizeof(addr1), csid, ss);
	ck_assert(cookie_check(c, 102, 0, addr1, sizeof(addr1), csid, ss));
	ck_assert(!cookie_check(c, 103, 0, addr1, sizeof(addr1), csid, ss));
	ck_assert(cookie_check(c, 102, 1, addr1, sizeof(addr1), csid, ss));
	cookie_make(c, 100, 3, addr1, sizeof(addr1), csid, ss);
	ck_assert(cookie_check(c, 105, 3, addr1, sizeof(addr1), csid, ss));
	ck_assert(!cookie_check(c, 106, 3, addr1, sizeof(addr1), csid, ss));
	/* Near time 0 the slot arithmetic must not accept wrapped slots. */
	cookie_make(c, 0, HW, addr1, sizeof(addr1), csid, ss);
	ck_assert(cookie_check(c, 0, HW, addr1, sizeof(addr1), csid, ss));
	ck_assert(cookie_check(c, 2 * PERIOD, HW, addr1, sizeof(addr1),
	    csid, ss));
	/* Empty address is allowed (caller's encoding). */
	cookie_make(c, NOW, HW, NULL, 0, csid, ss);
	ck_assert(cookie_check(c, NOW, HW, NULL, 0, csid, ss));
	ck_assert(!cookie_check(c, NOW, HW, addr1, sizeof(addr1), csid, ss));
	cookie_free(c);
}
END_TEST

/* Which packets may carry the cookie echo that opens a session. */
START_TEST(test_echo_shape)
{
	struct pkt_body pb;

	memset(&pb, 0, sizeof(pb));
	/* The ClientHello (message 1) ACKing our reset (message 0). */
	pb.ack.n = 1;
	pb.ack.id[0] = 0;
	pb.has_msgid = true;
	pb.msgid = 1;
	ck_assert(cookie_echo_shape(P_CONTROL_V1, &pb));
	ck_assert(cookie_echo_shape(P_CONTROL_WKC_V1, &pb));
	/* ...but not a later message of that connection. */
	pb.msgid = 2;
	ck_assert(!cookie_echo_shape(P_CONTROL_V1, &pb));
	/* A bare ACK of 0 (and 1, sent just after) does. */
	pb.has_msgid = false;
	pb.msgid = 0;
	pb.ack.n = 2;
	pb.ack.id[1] = 1;
	ck_assert(cookie_echo_shape(P_ACK_V1, &pb));
	/* A 2.6 client's repeated old ACKs [3,2,1,0] do not. */
	pb.ack.n = 4;
	pb.ack.id[0] = 3;
	pb.ack.id[1] = 2;
	pb.ack.id[2] = 1;
	pb.ack.id[3] = 0;
	ck_assert(!cookie_echo_shape(P_ACK_V1, &pb));
	/* Nothing ACKed, or another opcode: no. */
	pb.ack.n = 0;
	ck_assert(!cookie_echo_shape(P_ACK_V1, &pb));
	pb.ack.n = 1;
	pb.ack.id[0] = 0;
	ck_assert(!cookie_echo_shape(P_CONTROL_HARD_RESET_CLIENT_V2, &pb));
	ck_assert(!cookie_echo_shape(P_DATA_V2, &pb));
}
END_TEST

static Suite *
cookie_suite(void)
{
	Suite *s = suite_create("cookie");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_roundtrip);
	tcase_add_test(tc, test_known_answer);
	tcase_add_test(tc, test_other_key);
	tcase_add_test(tc, test_bitflips);
	tcase_add_test(tc, test_slot_window);
	tcase_add_test(tc, test_small_windows);
	tcase_add_test(tc, test_echo_shape);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cookie_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
