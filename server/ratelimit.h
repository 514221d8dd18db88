/*
 * A token bucket for one kind of event of one peer (WireGuard's
 * ratelimiter, without its table): up to burst events at once, then
 * per_s a second.  Pure: time is passed in, nothing is allocated.
 *
 * A zeroed struct ratelimit is a full bucket, so one embedded in a
 * calloc'ed object needs no initialisation.  Invariant: 0 <= used <=
 * burst after every call.
 */
#ifndef MCN_RATELIMIT_H
#define MCN_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

struct ratelimit {
	double		used;		/* tokens taken and not refilled yet */
	uint64_t	last_ms;	/* when used was last refilled */
};

/*
 * Takes one token at now_ms (monotonic milliseconds): true if there was
 * one, false (and nothing taken) if the bucket is empty.
 */
bool	ratelimit_take(struct ratelimit *, uint64_t now_ms, double per_s,
	    double burst);

#endif /* MCN_RATELIMIT_H */
