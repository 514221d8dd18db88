/*
 * Additions to the address pool (pool.h), kept apart for review: taking a
 * specific address, and a lease table that gives a common name the same
 * address again, across reconnects and (with poolfile.h) restarts.
 *
 * A lease binds a CN to an address.  It is online while a session holds
 * the address (the address is then allocated in the pool; the session is
 * the lease's holder, an opaque non-zero number such as the session's
 * address) and offline after: the address is free in the pool but kept
 * for its CN.  New addresses come, in this order of preference (as
 * strongSwan's mem_pool and OpenVPN's ifconfig-pool do):
 *   0. with takeover (no duplicate-cn: the CN's old session is being
 *      replaced), the CN's online lease, which changes holder;
 *   1. the CN's own offline lease;
 *   2. the lowest address that was never leased;
 *   3. the offline lease released longest ago, taken from its CN
 *      (only when every address is online or leased).
 * Fixed leases (an ifconfig-pool-persist file with SECONDS 0, which
 * OpenVPN treats as configuration) are never taken from their CN.
 *
 * Once a lease table is in use, every allocation and release of a client
 * address must go through it, so the pool and the table agree.  Neither
 * locks: the caller serializes all calls on a pool and its table (the
 * daemon holds gw->pool_mu).
 */
#ifndef MCN_POOL_RESERVE_H
#define MCN_POOL_RESERVE_H

#include <sys/queue.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pool.h"

struct poolmap;

/* Whether a is a client address of the pool: NET+2 .. broadcast-1. */
bool	pool_is_client_addr(const struct pool *, struct in_addr a);
/* Whether a is allocated. */
bool	pool_in_use(const struct pool *, struct in_addr a);
/*
 * Allocates exactly want: 0, or -1 if want is not a client address of the
 * pool or is already in use.
 */
int	pool_alloc_addr(struct pool *, struct in_addr want);

#define POOL_LEASE_CN_MAX	64	/* = session cn, poolfile */

struct pool_lease {
	char			 cn[POOL_LEASE_CN_MAX + 1];
	uint32_t		 off;		/* offset in the pool */
	uint64_t		 holder;	/* its session; 0: offline */
	bool			 fixed;
	struct pool_lease	*cn_next;	/* by_cn chain */
	TAILQ_ENTRY(pool_lease)	 lru;		/* offline and not fixed */
};

TAILQ_HEAD(pool_lease_lru, pool_lease);

struct pool_leases {
	struct pool		 *pool;
	struct pool_lease	**by_off;	/* pool->size slots */
	uint64_t		 *leased;	/* bit per offset: leased */
	struct pool_lease	**by_cn;	/* hash buckets */
	uint32_t		  cn_mask;
	size_t			  count;	/* leases */
	struct pool_lease_lru	  offline;	/* oldest release first */
	uint64_t		  gen;		/* bumped on every change */
};

/* How an address was found (pool_lease_acquire*). */
enum pool_lease_how {
	POOL_LEASE_FULL = -1,	/* nothing free: refuse the client */
	POOL_LEASE_PREVIOUS = 0,	/* the CN's own lease */
	POOL_LEASE_NEW = 1,	/* an address never leased */
	POOL_LEASE_TAKEN = 2,	/* another CN's offline lease */
	POOL_LEASE_TAKEOVER = 3,	/* the CN's online lease, from the
					 * session being replaced */
};

/* The table for pool, which must outlive it.  0 or -1 (out of memory). */
int	pool_leases_init(struct pool_leases *, struct pool *);
void	pool_leases_free(struct pool_leases *);

/*
 * A client address for cn, held by holder (non-zero), preferring its
 * previous one (see above); takeover as there.  Returns how, or
 * POOL_LEASE_FULL (also when cn is empty or longer than POOL_LEASE_CN_MAX,
 * holder is 0, or out of memory).  On POOL_LEASE_TAKEN, taken_from (if
 * not NULL) receives the CN that lost the address, for the log.
 */
enum pool_lease_how pool_lease_acquire(struct pool_leases *, const char *cn,
	    uint64_t holder, bool takeover, struct in_addr *out,
	    char taken_from[POOL_LEASE_CN_MAX + 1]);

/*
 * Exactly want for cn (ifconfig-push), held by holder.  POOL_LEASE_FULL if
 * want is not a client address or is online for another session (for the
 * same CN too, unless takeover).  An offline lease of another CN on want
 * is taken, fixed or not: the admin's ifconfig-push wins over a
 * suggestion.  cn's other offline leases are dropped, so its persisted
 * address is the pushed one.
 */
enum pool_lease_how pool_lease_acquire_addr(struct pool_leases *,
	    const char *cn, uint64_t holder, bool takeover, struct in_addr want,
	    char taken_from[POOL_LEASE_CN_MAX + 1]);

/*
 * The session holder has ended: if it still holds a's lease, the lease
 * goes offline (to the end of the reuse queue) and a is freed in the
 * pool; an address without a lease is just freed.  Returns true if a was
 * freed; false if it was not held (an offline lease) or was taken over
 * by another session, which keeps it.
 */
bool	pool_lease_release(struct pool_leases *, struct in_addr a,
	    uint64_t holder);

/* The lease on a, or NULL. */
const struct pool_lease *pool_lease_lookup(const struct pool_leases *,
	    struct in_addr a);

/*
 * Adds map's entries as offline leases (fixed if asked), in map order, so
 * the first entry is the first reused.  Entries that are not client
 * addresses of the pool (say, after "server" changed), on an address
 * already leased or in use, or with an unusable CN are passed to warn as
 * "NAME:LINE: \"CN\" ADDR: reason" and skipped (name: the file, for
 * messages).  Returns the number added, or -1 if out of memory.
 */
int	pool_leases_restore(struct pool_leases *, const struct poolmap *,
	    bool fixed, const char *name, void (*warn)(void *, const char *),
	    void *arg);

/*
 * All leases into *map (initialised here) for poolfile_save: offline ones
 * oldest release first, then fixed, then online ones by address, so a
 * restore keeps the reuse order.  0, or -1 if out of memory.
 */
int	pool_leases_export(const struct pool_leases *, struct poolmap *map);

#endif /* MCN_POOL_RESERVE_H */
