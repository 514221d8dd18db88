/*
 * Replay windows (spec §2.4, §8.3).
 *
 * The window is a ring of REPLAY_WINDOW bits: id x is recorded at bit
 * x % REPLAY_WINDOW.  Invariant: the bits stand for exactly the ids
 * top - REPLAY_WINDOW + 1 .. top (ids below 1 never set), so an id is
 * accepted iff it is above top, or top - id < REPLAY_WINDOW and its bit is
 * clear.  This is OpenVPN's rule (diff < backtrack) with a wider window.
 * Advancing top clears the bits of the ids that enter the window, one word
 * at a time (at most REPLAY_WINDOW / 64 + 1 steps).
 */
#include "config.h"

#include <string.h>

#include "replay.h"

#define WORD_BITS	64
#define NWORDS		(REPLAY_WINDOW / WORD_BITS)

_Static_assert(REPLAY_WINDOW % WORD_BITS == 0,
    "REPLAY_WINDOW must be a multiple of 64");

void
replay_init(struct replay_win *w)
{
	memset(w, 0, sizeof(*w));
}

/* Clears the bits of the n ids starting at id from (n < REPLAY_WINDOW). */
static void
clear_ids(struct replay_win *w, uint32_t from, uint32_t n)
{
	while (n > 0) {
		uint32_t pos = from % REPLAY_WINDOW;
		uint32_t bit = pos % WORD_BITS;
		uint32_t k = WORD_BITS - bit;
		uint64_t mask;

		if (k > n)
			k = n;
		mask = k == WORD_BITS ? ~(uint64_t)0 :
		    (((uint64_t)1 << k) - 1) << bit;
		w->bits[pos / WORD_BITS] &= ~mask;
		from += k;
		n -= k;
	}
}

static bool
is_set(const struct replay_win *w, uint32_t id)
{
	uint32_t pos = id % REPLAY_WINDOW;

	return (w->bits[pos / WORD_BITS] >> (pos % WORD_BITS)) & 1;
}

bool
replay_check(const struct replay_win *w, uint32_t id)
{
	if (id == 0)
		return false;
	if (id > w->top)
		return true;
	if (w->top - id >= REPLAY_WINDOW)
		return false;
	return !is_set(w, id);
}

bool
replay_accept(struct replay_win *w, uint32_t id)
{
	uint32_t pos;

	if (!replay_check(w, id))
		return false;
	if (id > w->top) {
		uint32_t d = id - w->top;

		if (d >= REPLAY_WINDOW)
			memset(w->bits, 0, sizeof(w->bits));
		else
			clear_ids(w, w->top + 1, d);
		w->top = id;
	}
	pos = id % REPLAY_WINDOW;
	w->bits[pos / WORD_BITS] |= (uint64_t)1 << (pos % WORD_BITS);
	return true;
}

void
replay_long_init(struct replay_long *l)
{
	l->time = 0;
	replay_init(&l->win);
}

bool
replay_long_accept(struct replay_long *l, uint32_t id, uint32_t time)
{
	if (id == 0 || time < l->time)
		return false;
	if (time > l->time) {
		/* A restarted sender: its new ids start over. */
		l->time = time;
		replay_init(&l->win);
	}
	return replay_accept(&l->win, id);
}
