/*
 * The networks behind clients: see iroute.h.
 */
#include "config.h"

#include <arpa/inet.h>

#include "iroute.h"

#define E_NET(e)	((uint32_t)((e) >> 32))
#define E_PREFIX(e)	((int)(((e) >> 26) & 0x3f))
#define E_OFF1(e)	((int64_t)((e) & 0x3ffffff))

static uint32_t
mask_of(int prefix)
{
	return prefix == 0 ? 0 : 0xffffffffU << (32 - prefix);
}

static uint64_t
pack(uint32_t net, int prefix, int64_t off)
{
	return (uint64_t)net << 32 | (uint64_t)prefix << 26 |
	    (uint64_t)(off + 1);
}

int64_t
iroute_claim(struct iroute_table *t, struct in_addr net, int prefix,
    int64_t off)
{
	uint32_t n, i, hi, slot;
	uint64_t e;

	if (prefix < 0 || prefix > 32 || off < 0 || off + 1 > 0x3ffffff)
		return -1;
	n = ntohl(net.s_addr) & mask_of(prefix);
	hi = __atomic_load_n(&t->hi, __ATOMIC_RELAXED);
	slot = IROUTE_MAX;
	for (i = 0; i < hi; i++) {
		e = t->e[i];
		if (e == 0) {
			if (slot == IROUTE_MAX)
				slot = i;
			continue;
		}
		if (E_NET(e) == n && E_PREFIX(e) == prefix) {
			__atomic_store_n(&t->e[i], pack(n, prefix, off),
			    __ATOMIC_RELEASE);
			return E_OFF1(e) == off + 1 ? 0 : E_OFF1(e);
		}
	}
	if (slot == IROUTE_MAX) {
		if (hi == IROUTE_MAX)
			return -1;
		slot = hi;
		/* The entry is written before readers may look at it. */
		__atomic_store_n(&t->e[slot], pack(n, prefix, off),
		    __ATOMIC_RELEASE);
		__atomic_store_n(&t->hi, hi + 1, __ATOMIC_RELEASE);
		return 0;
	}
	__atomic_store_n(&t->e[slot], pack(n, prefix, off), __ATOMIC_RELEASE);
	return 0;
}

void
iroute_release(struct iroute_table *t, int64_t off)
{
	uint32_t i, hi = __atomic_load_n(&t->hi, __ATOMIC_RELAXED);

	for (i = 0; i < hi; i++)
		if (t->e[i] != 0 && E_OFF1(t->e[i]) == off + 1)
			__atomic_store_n(&t->e[i], 0, __ATOMIC_RELEASE);
	/* Shrink while the top is free: lookups scan less. */
	while (hi > 0 && t->e[hi - 1] == 0)
		hi--;
	__atomic_store_n(&t->hi, hi, __ATOMIC_RELEASE);
}

int64_t
iroute_lookup(const struct iroute_table *t, struct in_addr dst)
{
	uint32_t d = ntohl(dst.s_addr), i;
	uint32_t hi = __atomic_load_n(&t->hi, __ATOMIC_ACQUIRE);
	int64_t best = -1;
	int bestp = -1;
	uint64_t e;

	for (i = 0; i < hi; i++) {
		e = __atomic_load_n(&t->e[i], __ATOMIC_ACQUIRE);
		if (e == 0 || E_PREFIX(e) <= bestp ||
		    (d & mask_of(E_PREFIX(e))) != E_NET(e))
			continue;
		bestp = E_PREFIX(e);
		best = E_OFF1(e) - 1;
	}
	return best;
}
