/*
 * The table of networks behind clients (server/iroute.c): claims, the
 * later claimant winning, release by pool offset, longest-prefix lookup,
 * a full table, and a model check against a plain list.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "iroute.h"

static struct in_addr
A(const char *s)
{
	struct in_addr a;

	ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static struct iroute_table *
table(void)
{
	struct iroute_table *t = calloc(1, sizeof(*t));

	ck_assert_ptr_nonnull(t);
	return t;
}

START_TEST(test_empty)
{
	struct iroute_table *t = table();

	ck_assert_int_eq(iroute_lookup(t, A("10.1.2.3")), -1);
	free(t);
}
END_TEST

START_TEST(test_claim_lookup)
{
	struct iroute_table *t = table();

	ck_assert_int_eq(iroute_claim(t, A("192.168.60.0"), 24, 5), 0);
	ck_assert_int_eq(iroute_lookup(t, A("192.168.60.0")), 5);
	ck_assert_int_eq(iroute_lookup(t, A("192.168.60.255")), 5);
	ck_assert_int_eq(iroute_lookup(t, A("192.168.61.1")), -1);
	ck_assert_int_eq(iroute_lookup(t, A("192.168.59.255")), -1);
	/* Host bits in the claim are cleared. */
	ck_assert_int_eq(iroute_claim(t, A("10.7.7.7"), 16, 6), 0);
	ck_assert_int_eq(iroute_lookup(t, A("10.7.200.1")), 6);
	/* A host route. */
	ck_assert_int_eq(iroute_claim(t, A("172.16.0.9"), 32, 7), 0);
	ck_assert_int_eq(iroute_lookup(t, A("172.16.0.9")), 7);
	ck_assert_int_eq(iroute_lookup(t, A("172.16.0.8")), -1);
	/* Claiming again what one holds changes nothing. */
	ck_assert_int_eq(iroute_claim(t, A("192.168.60.0"), 24, 5), 0);
	ck_assert_uint_eq(t->hi, 3);
	free(t);
}
END_TEST

START_TEST(test_longest_match)
{
	static const struct { const char *net; int prefix; } n[3] = {
		{ "10.0.0.0", 8 }, { "10.5.0.0", 16 }, { "10.5.5.0", 24 },
	};
	struct iroute_table *t;
	int order, i, k;

	/* Claimed widest first, then narrowest first: the same answers. */
	for (order = 0; order < 2; order++) {
		t = table();
		for (i = 0; i < 3; i++) {
			k = order == 0 ? i : 2 - i;
			ck_assert_int_eq(iroute_claim(t, A(n[k].net),
			    n[k].prefix, 2 + k), 0);
		}
		ck_assert_int_eq(iroute_lookup(t, A("10.5.5.1")), 4);
		ck_assert_int_eq(iroute_lookup(t, A("10.5.6.1")), 3);
		ck_assert_int_eq(iroute_lookup(t, A("10.6.5.1")), 2);
		free(t);
	}
}
END_TEST

START_TEST(test_later_wins_and_release)
{
	struct iroute_table *t = table();

	ck_assert_int_eq(iroute_claim(t, A("192.168.60.0"), 24, 5), 0);
	ck_assert_int_eq(iroute_claim(t, A("192.168.70.0"), 24, 5), 0);
	/* Another client announces the same network: it gets it, and the
	 * claim says who had it (offset + 1). */
	ck_assert_int_eq(iroute_claim(t, A("192.168.60.0"), 24, 9), 6);
	ck_assert_int_eq(iroute_lookup(t, A("192.168.60.1")), 9);
	/* The loser leaving frees only what it still holds. */
	iroute_release(t, 5);
	ck_assert_int_eq(iroute_lookup(t, A("192.168.60.1")), 9);
	ck_assert_int_eq(iroute_lookup(t, A("192.168.70.1")), -1);
	iroute_release(t, 9);
	ck_assert_int_eq(iroute_lookup(t, A("192.168.60.1")), -1);
	ck_assert_uint_eq(t->hi, 0);
	free(t);
}
END_TEST

START_TEST(test_full_and_reuse)
{
	struct iroute_table *t = table();
	struct in_addr a;
	int i;

	for (i = 0; i < IROUTE_MAX; i++) {
		a.s_addr = htonl(0x0a000000U + ((uint32_t)i << 8));
		ck_assert_int_eq(iroute_claim(t, a, 24, i), 0);
	}
	ck_assert_int_eq(iroute_claim(t, A("11.0.0.0"), 24, 1), -1);
	/* A freed entry in the middle is used again; hi stays. */
	iroute_release(t, 100);
	ck_assert_int_eq(iroute_claim(t, A("11.0.0.0"), 24, 1), 0);
	ck_assert_int_eq(iroute_lookup(t, A("11.0.0.1")), 1);
	ck_assert_uint_eq(t->hi, IROUTE_MAX);
	/* Bad arguments. */
	ck_assert_int_eq(iroute_claim(t, A("12.0.0.0"), 33, 1), -1);
	ck_assert_int_eq(iroute_claim(t, A("12.0.0.0"), 24, -1), -1);
	ck_assert_int_eq(iroute_claim(t, A("12.0.0.0"), 24, 1 << 26), -1);
	free(t);
}
END_TEST

/* Random claims and releases against a plain list, looked up widely. */
START_TEST(test_model)
{
	struct m { uint32_t net; int prefix; int64_t off; } m[64];
	struct iroute_table *t = table();
	size_t nm = 0, i, j;
	uint32_t seed = 12345;
	int step;

#define RND()	(seed = seed * 1103515245U + 12345U, seed >> 8)
	for (step = 0; step < 20000; step++) {
		uint32_t r = RND();

		if (r % 3 != 0 || nm == 0) {
			int prefix = 16 + (int)(RND() % 17);
			uint32_t net = (0x0a000000U | (RND() & 0xffffff)) &
			    (prefix == 0 ? 0 : 0xffffffffU << (32 - prefix));
			int64_t off = (int64_t)(RND() % 8);
			struct in_addr a = { htonl(net) };

			for (i = 0; i < nm; i++)
				if (m[i].net == net && m[i].prefix == prefix)
					break;
			if (i == nm) {
				if (nm == 64)
					continue;
				nm++;
			}
			m[i].net = net;
			m[i].prefix = prefix;
			m[i].off = off;
			ck_assert_int_ge(iroute_claim(t, a, prefix, off), 0);
		} else {
			int64_t off = (int64_t)(RND() % 8);

			iroute_release(t, off);
			for (i = j = 0; i < nm; i++)
				if (m[i].off != off)
					m[j++] = m[i];
			nm = j;
		}
		for (j = 0; j < 8; j++) {
			uint32_t d = 0x0a000000U | (RND() & 0xffffff);
			struct in_addr a = { htonl(d) };
			int64_t want = -1;
			int bestp = -1;

			if (j < nm)	/* also hit a network we hold */
				d = m[j].net | (RND() & ~(0xffffffffU <<
				    (32 - m[j].prefix)) & (m[j].prefix ==
				    32 ? 0 : 0xffffffffU));
			a.s_addr = htonl(d);
			for (i = 0; i < nm; i++) {
				uint32_t mk = 0xffffffffU << (32 - m[i].prefix);

				if ((d & mk) == m[i].net && m[i].prefix > bestp) {
					bestp = m[i].prefix;
					want = m[i].off;
				}
			}
			ck_assert_int_eq(iroute_lookup(t, a), want);
		}
	}
#undef RND
	free(t);
}
END_TEST

static Suite *
iroute_suite(void)
{
	Suite *s = suite_create("iroute");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_claim_lookup);
	tcase_add_test(tc, test_longest_match);
	tcase_add_test(tc, test_later_wins_and_release);
	tcase_add_test(tc, test_full_and_reuse);
	tcase_add_test(tc, test_model);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(iroute_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
