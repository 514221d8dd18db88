/*
 * The pure parts of the abuse controls (issue 7): the token bucket that
 * limits client-initiated renegotiations (server/ratelimit.c) and the
 * check of decrypted tunnel packets (server/inner.c).
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "inner.h"
#include "ratelimit.h"

/* --- ratelimit --------------------------------------------------------- */

START_TEST(test_zeroed_is_full)
{
	struct ratelimit rl;
	int i;

	memset(&rl, 0, sizeof(rl));
	/* A burst of 20 at one instant, far from the clock's origin. */
	for (i = 0; i < 20; i++)
		ck_assert(ratelimit_take(&rl, 5000000, 20.0 / 60, 20));
	ck_assert(!ratelimit_take(&rl, 5000000, 20.0 / 60, 20));
	/* Refused takes take nothing: still empty, not in debt. */
	ck_assert(!ratelimit_take(&rl, 5000000, 20.0 / 60, 20));
	ck_assert(rl.used <= 20.0);
}
END_TEST

START_TEST(test_refill_rate)
{
	struct ratelimit rl;
	uint64_t t = 1000;
	int i, ok = 0;

	memset(&rl, 0, sizeof(rl));
	for (i = 0; i < 20; i++)
		ck_assert(ratelimit_take(&rl, t, 20.0 / 60, 20));
	/* One token per 3 s: not after 2.9 s, yes after 3 s. */
	ck_assert(!ratelimit_take(&rl, t + 2900, 20.0 / 60, 20));
	ck_assert(ratelimit_take(&rl, t + 3000, 20.0 / 60, 20));
	ck_assert(!ratelimit_take(&rl, t + 3000, 20.0 / 60, 20));
	/* Trying every 100 ms for a minute gets exactly 20 more. */
	t += 3000;
	for (i = 1; i <= 600; i++)
		ok += ratelimit_take(&rl, t + (uint64_t)i * 100, 20.0 / 60, 20);
	ck_assert_int_eq(ok, 20);
}
END_TEST

START_TEST(test_steady_below_rate)
{
	struct ratelimit rl;
	uint64_t t;

	/* Once every 3 s (reneg-sec 3) never runs dry. */
	memset(&rl, 0, sizeof(rl));
	for (t = 0; t < 3600 * 1000; t += 3000)
		ck_assert(ratelimit_take(&rl, t, 20.0 / 60, 20));
	/* Every 2 s runs dry after 20 / (1/2 - 1/3) = 120 s, and not
	 * before 20 takes. */
	memset(&rl, 0, sizeof(rl));
	for (t = 0; ratelimit_take(&rl, t, 20.0 / 60, 20); t += 2000)
		ck_assert(t <= 130 * 1000);
	ck_assert(t >= 100 * 1000);
}
END_TEST

START_TEST(test_clock_back)
{
	struct ratelimit rl;

	memset(&rl, 0, sizeof(rl));
	ck_assert(ratelimit_take(&rl, 10000, 1, 1));
	ck_assert(!ratelimit_take(&rl, 10000, 1, 1));
	/* Going back refills nothing, and the next step forward refills
	 * only the time since 10000. */
	ck_assert(!ratelimit_take(&rl, 5000, 1, 1));
	ck_assert(!ratelimit_take(&rl, 10500, 1, 1));
	ck_assert(ratelimit_take(&rl, 11000, 1, 1));
}
END_TEST

/* --- inner ------------------------------------------------------------- */

/* An IPv4/UDP header of total length len (no options), in p. */
static void
ip4(uint8_t *p, size_t len)
{
	memset(p, 0, len);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[8] = 64;
	p[9] = 17;
}

static void
ip6(uint8_t *p, size_t len)
{
	memset(p, 0, len);
	p[0] = 0x60;
	p[4] = (uint8_t)((len - 40) >> 8);
	p[5] = (uint8_t)(len - 40);
	p[6] = 17;
	p[7] = 64;
}

START_TEST(test_inner_ok)
{
	uint8_t p[1500];
	int v = 0;

	ip4(p, 20);
	ck_assert_int_eq(inner_check(p, 20, 1500, &v), INNER_OK);
	ck_assert_int_eq(v, 4);
	ip4(p, 1500);
	ck_assert_int_eq(inner_check(p, 1500, 1500, &v), INNER_OK);
	p[0] = 0x4f;		/* 60-byte header with options */
	ck_assert_int_eq(inner_check(p, 1500, 1500, &v), INNER_OK);
	ip6(p, 40);
	ck_assert_int_eq(inner_check(p, 40, 1500, &v), INNER_OK);
	ck_assert_int_eq(v, 6);
	ip6(p, 1500);
	ck_assert_int_eq(inner_check(p, 1500, 1500, &v), INNER_OK);
}
END_TEST

START_TEST(test_inner_oversized)
{
	static uint8_t p[9000];
	int v = 0;

	ip4(p, 1501);
	ck_assert_int_eq(inner_check(p, 1501, 1500, &v), INNER_OVERSIZED);
	ip6(p, 9000);
	ck_assert_int_eq(inner_check(p, 9000, 1500, &v), INNER_OVERSIZED);
	ck_assert_int_eq(inner_check(p, 9000, 9000, &v), INNER_OK);
	/* Oversized wins over malformed: junk that long is both. */
	memset(p, 0xff, 2000);
	ck_assert_int_eq(inner_check(p, 2000, 1500, &v), INNER_OVERSIZED);
}
END_TEST

START_TEST(test_inner_malformed)
{
	uint8_t p[200] = { 0 };
	int v = 0;

	ck_assert_int_eq(inner_check(p, 0, 1500, &v), INNER_MALFORMED);
	ip4(p, 100);
	/* Total length longer or shorter than what was decrypted. */
	ck_assert_int_eq(inner_check(p, 99, 1500, &v), INNER_MALFORMED);
	ck_assert_int_eq(inner_check(p, 101, 1500, &v), INNER_MALFORMED);
	/* Shorter than a header. */
	ck_assert_int_eq(inner_check(p, 19, 1500, &v), INNER_MALFORMED);
	/* IHL below 5, or past the end. */
	ip4(p, 100);
	p[0] = 0x44;
	ck_assert_int_eq(inner_check(p, 100, 1500, &v), INNER_MALFORMED);
	ip4(p, 24);
	p[0] = 0x47;
	ck_assert_int_eq(inner_check(p, 24, 1500, &v), INNER_MALFORMED);
	/* Neither version 4 nor 6. */
	ip4(p, 100);
	p[0] = 0x55;
	ck_assert_int_eq(inner_check(p, 100, 1500, &v), INNER_MALFORMED);
	p[0] = 0x00;
	ck_assert_int_eq(inner_check(p, 100, 1500, &v), INNER_MALFORMED);
	/* IPv6: short, payload length off by one, jumbogram. */
	ip6(p, 100);
	ck_assert_int_eq(inner_check(p, 39, 1500, &v), INNER_MALFORMED);
	ck_assert_int_eq(inner_check(p, 99, 1500, &v), INNER_MALFORMED);
	p[4] = p[5] = 0;
	ck_assert_int_eq(inner_check(p, 100, 1500, &v), INNER_MALFORMED);
	ck_assert_int_eq(v, 0);		/* untouched on refusal */
}
END_TEST

static Suite *
abuse_suite(void)
{
	Suite *s = suite_create("abuse");
	TCase *tc = tcase_create("ratelimit");

	tcase_add_test(tc, test_zeroed_is_full);
	tcase_add_test(tc, test_refill_rate);
	tcase_add_test(tc, test_steady_below_rate);
	tcase_add_test(tc, test_clock_back);
	suite_add_tcase(s, tc);
	tc = tcase_create("inner");
	tcase_add_test(tc, test_inner_ok);
	tcase_add_test(tc, test_inner_oversized);
	tcase_add_test(tc, test_inner_malformed);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(abuse_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
