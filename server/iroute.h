/*
 * The networks behind clients (client-config-dir iroute), one table for
 * all workers: a worker that reads a packet from the tun for such a
 * network finds which client's address it belongs to, and from that the
 * session or its owning worker, as for the client's own address.
 *
 * Each entry is one 64-bit word -- network, prefix length and the
 * client's pool offset + 1 -- so readers (every worker, per packet whose
 * destination is outside the tunnel subnet) take no lock: they load words
 * atomically.  Writers (a session getting or leaving its address) hold
 * the gateway's pool lock.  0 is a free entry.
 *
 * When two clients announce the same network, the later one gets it, as
 * in OpenVPN (the log says who lost it).  Lookups take the longest match.
 */
#ifndef MCN_IROUTE_H
#define MCN_IROUTE_H

#include <netinet/in.h>
#include <stdint.h>

#define IROUTE_MAX	1024	/* networks behind all clients together */

struct iroute_table {
	uint64_t	 e[IROUTE_MAX];
	uint32_t	 hi;		/* atomic: entries at or above are 0 */
};

/*
 * Gives net/prefix to the client at pool offset off (off < 2^25).
 * Returns 0, or the pool offset + 1 of the client that had it before (> 0),
 * or -1 if the table is full.  Caller holds the writers' lock.
 */
int64_t	iroute_claim(struct iroute_table *, struct in_addr net, int prefix,
	    int64_t off);

/* Frees every network held by pool offset off.  Caller holds the lock. */
void	iroute_release(struct iroute_table *, int64_t off);

/* The pool offset whose client has the longest network holding dst, or
 * -1.  Lock-free. */
int64_t	iroute_lookup(const struct iroute_table *, struct in_addr dst);

#endif /* MCN_IROUTE_H */
