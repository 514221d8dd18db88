/*
 * Replay windows: data-channel window and the tls-auth long form.
 */
#include "config.h"

#include <check.h>
#include <stdlib.h>

#include "replay.h"

START_TEST(test_in_order)
{
	struct replay_win w;
	uint32_t id;

	replay_init(&w);
	for (id = 1; id <= 5000; id++) {
		ck_assert(replay_check(&w, id));
		ck_assert(replay_accept(&w, id));
		ck_assert_uint_eq(w.top, id);
	}
	/* Every one of them is now a duplicate or too old. */
	for (id = 1; id <= 5000; id++)
		ck_assert(!replay_accept(&w, id));
}
END_TEST

START_TEST(test_zero)
{
	struct replay_win w;

	replay_init(&w);
	ck_assert(!replay_check(&w, 0));
	ck_assert(!replay_accept(&w, 0));
	ck_assert(replay_accept(&w, 1));
	ck_assert(!replay_accept(&w, 0));
	ck_assert_uint_eq(w.top, 1);
}
END_TEST

START_TEST(test_duplicates)
{
	struct replay_win w;

	replay_init(&w);
	ck_assert(replay_accept(&w, 1));
	ck_assert(!replay_accept(&w, 1));
	ck_assert(replay_accept(&w, 2));
	ck_assert(!replay_accept(&w, 2));
	ck_assert(!replay_accept(&w, 1));
	ck_assert(replay_accept(&w, 10));
	ck_assert(!replay_check(&w, 10));
	ck_assert(replay_check(&w, 9));
	/* check does not record */
	ck_assert(replay_check(&w, 9));
	ck_assert(replay_accept(&w, 9));
	ck_assert(!replay_check(&w, 9));
	ck_assert(!replay_accept(&w, 9));
}
END_TEST

START_TEST(test_reorder)
{
	struct replay_win w;
	uint32_t id;

	replay_init(&w);
	/* Even ids first, then the odd ones late but inside the window. */
	for (id = 2; id <= 400; id += 2)
		ck_assert(replay_accept(&w, id));
	for (id = 1; id < 400; id += 2)
		ck_assert(replay_accept(&w, id));
	for (id = 1; id <= 400; id++)
		ck_assert(!replay_accept(&w, id));
	ck_assert_uint_eq(w.top, 400);

	/* Reverse order inside one window from a fresh start. */
	replay_init(&w);
	for (id = REPLAY_WINDOW; id >= 1; id--)
		ck_assert(replay_accept(&w, id));
	for (id = 1; id <= REPLAY_WINDOW; id++)
		ck_assert(!replay_accept(&w, id));
}
END_TEST

START_TEST(test_window_edge)
{
	struct replay_win w;
	uint32_t top = 100000;

	replay_init(&w);
	ck_assert(replay_accept(&w, top));
	/* REPLAY_WINDOW ids incl. top are tracked: diff < REPLAY_WINDOW. */
	ck_assert(replay_check(&w, top - (REPLAY_WINDOW - 1)));
	ck_assert(!replay_check(&w, top - REPLAY_WINDOW));
	ck_assert(!replay_accept(&w, top - REPLAY_WINDOW));
	ck_assert(!replay_accept(&w, 1));
	ck_assert(replay_accept(&w, top - (REPLAY_WINDOW - 1)));
	ck_assert(!replay_accept(&w, top - (REPLAY_WINDOW - 1)));
	/* Moving by one pushes the oldest slot out. */
	ck_assert(replay_accept(&w, top + 1));
	ck_assert(!replay_check(&w, top - (REPLAY_WINDOW - 1)));
	ck_assert(replay_check(&w, top - (REPLAY_WINDOW - 2)));
}
END_TEST

START_TEST(test_big_jumps)
{
	struct replay_win w;
	uint32_t id, base;

	replay_init(&w);
	for (id = 1; id <= 300; id++)
		ck_assert(replay_accept(&w, id));
	/* Jump by less than a window: the ids in between are fresh. */
	ck_assert(replay_accept(&w, 300 + 200));
	for (id = 301; id < 500; id++)
		ck_assert(replay_check(&w, id));
	for (id = 500 - REPLAY_WINDOW + 1; id <= 300; id++)
		ck_assert(!replay_check(&w, id));

	/* Jump by exactly a window and by far more. */
	base = 500 + REPLAY_WINDOW;
	ck_assert(replay_accept(&w, base));
	for (id = base - REPLAY_WINDOW + 1; id < base; id++)
		ck_assert_msg(replay_check(&w, id), "id %u", id);
	ck_assert(!replay_check(&w, base - REPLAY_WINDOW));
	ck_assert(replay_accept(&w, 0x7fffffff));
	for (id = 0x7fffffff - REPLAY_WINDOW + 1; id < 0x7fffffff; id++)
		ck_assert(replay_check(&w, id));
	ck_assert(!replay_check(&w, base));
	ck_assert(replay_accept(&w, 0xffffffff));
	ck_assert(!replay_accept(&w, 0xffffffff));
	ck_assert(replay_accept(&w, 0xfffffffe));
	ck_assert(!replay_accept(&w, 0x7fffffff));
}
END_TEST

/* Cross-checks the ring against a plain set over a pseudo-random stream. */
START_TEST(test_model)
{
	static uint8_t seen[1 << 20];
	struct replay_win w;
	uint32_t top = 0, x = 12345, i;

	replay_init(&w);
	for (i = 0; i < 200000; i++) {
		uint32_t id;
		bool want, got;

		x = x * 1103515245 + 12345;
		/* Mostly near the top, sometimes a jump forward or far back. */
		switch ((x >> 16) % 8) {
		case 0:
			id = top + 1 + (x >> 20) % 700;
			break;
		case 1:
			id = (x >> 8) % (top + 1);
			break;
		default:
			id = top > 600 ? top - 600 + (x >> 20) % 620 :
			    (x >> 20) % 620;
			break;
		}
		want = id != 0 && !seen[id] &&
		    (id > top || top - id < REPLAY_WINDOW);
		got = replay_accept(&w, id);
		ck_assert_msg(got == want, "step %u id %u top %u", i, id, top);
		if (got) {
			seen[id] = 1;
			if (id > top)
				top = id;
		}
		if (top > sizeof(seen) - 1000)
			break;
	}
}
END_TEST

START_TEST(test_long_form)
{
	struct replay_long l;

	replay_long_init(&l);
	ck_assert(!replay_long_accept(&l, 0, 1000));
	ck_assert(replay_long_accept(&l, 1, 1000));
	ck_assert(replay_long_accept(&l, 2, 1000));
	ck_assert(!replay_long_accept(&l, 2, 1000));
	ck_assert(replay_long_accept(&l, 5, 1000));
	ck_assert(replay_long_accept(&l, 4, 1000));
	/* Older time: rejected even for fresh ids. */
	ck_assert(!replay_long_accept(&l, 6, 999));
	ck_assert(!replay_long_accept(&l, 1, 0));
	/* Newer time resets: id 1 is fresh again, the old window gone. */
	ck_assert(replay_long_accept(&l, 1, 1001));
	ck_assert_uint_eq(l.time, 1001);
	ck_assert_uint_eq(l.win.top, 1);
	ck_assert(!replay_long_accept(&l, 1, 1001));
	ck_assert(replay_long_accept(&l, 3, 1001));
	ck_assert(replay_long_accept(&l, 2, 1001));
	ck_assert(!replay_long_accept(&l, 5, 1000));
	/* id 0 never, and it does not move the time either. */
	ck_assert(!replay_long_accept(&l, 0, 2000));
	ck_assert_uint_eq(l.time, 1001);
	/* Captured sequence: client ids 1..9 at time 0x6b07890c. */
	replay_long_init(&l);
	for (uint32_t id = 1; id <= 9; id++)
		ck_assert(replay_long_accept(&l, id, 0x6b07890c));
	ck_assert(!replay_long_accept(&l, 1, 0x6b07890c));
}
END_TEST

static Suite *
replay_suite(void)
{
	Suite *s = suite_create("replay");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_in_order);
	tcase_add_test(tc, test_zero);
	tcase_add_test(tc, test_duplicates);
	tcase_add_test(tc, test_reorder);
	tcase_add_test(tc, test_window_edge);
	tcase_add_test(tc, test_big_jumps);
	tcase_add_test(tc, test_model);
	tcase_add_test(tc, test_long_form);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(replay_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
