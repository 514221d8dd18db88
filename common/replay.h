/*
 * Replay protection (spec §2.4, §8.3).
 *
 * struct replay_win is a sliding window over 32-bit packet-ids for the data
 * channel: ids above the highest seen are accepted, older ids at most
 * REPLAY_WINDOW behind and only once, id 0 never.
 *
 * struct replay_long adds the 32-bit time of the long-form packet-id used by
 * tls-auth/tls-crypt: a newer time resets the window, an older time is
 * rejected, an equal time falls through to the id window.
 *
 * Callers authenticate a packet first and call the accept function after:
 * it tests and records in one step.
 */
#ifndef MCN_REPLAY_H
#define MCN_REPLAY_H

#include <stdbool.h>
#include <stdint.h>

#define REPLAY_WINDOW	512	/* ids; a multiple of 64 */

struct replay_win {
	uint32_t	top;	/* highest id accepted, 0 = none yet */
	uint64_t	bits[REPLAY_WINDOW / 64];
};

struct replay_long {
	uint32_t		time;	/* time field of the current window */
	struct replay_win	win;
};

void	replay_init(struct replay_win *);
/* True (and recorded) if id is fresh; false for 0, too old or seen. */
bool	replay_accept(struct replay_win *, uint32_t id);
/* Test without recording. */
bool	replay_check(const struct replay_win *, uint32_t id);

void	replay_long_init(struct replay_long *);
bool	replay_long_accept(struct replay_long *, uint32_t id, uint32_t time);

#endif /* MCN_REPLAY_H */
