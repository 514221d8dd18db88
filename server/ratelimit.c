/*
 * The token bucket of ratelimit.h, kept as the tokens used so far so
 * that all-zero is full.
 */
#include "config.h"

#include "ratelimit.h"

bool
ratelimit_take(struct ratelimit *rl, uint64_t now_ms, double per_s,
    double burst)
{
	/* A clock that went back refills nothing. */
	if (now_ms > rl->last_ms) {
		rl->used -= (double)(now_ms - rl->last_ms) * per_s / 1000.0;
		if (rl->used < 0)
			rl->used = 0;
		rl->last_ms = now_ms;
	}
	/* The margin absorbs rounding: a token refilled in parts counts. */
	if (rl->used + 1.0 > burst + 1e-9)
		return false;
	rl->used += 1.0;
	return true;
}
