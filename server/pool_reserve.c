/*
 * Specific addresses and CN leases over the pool (pool_reserve.h).
 *
 * Invariants, for every offset i of the pool:
 *   by_off[i] != NULL  <=>  bit i of leased is set;
 *   a lease is online (holder != 0)  =>  its address is allocated in the
 *                           pool (and offline => free, unless someone
 *                           allocated it around the table);
 *   a lease is on the offline queue <=> it is offline and not fixed.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pool_reserve.h"
#include "poolfile.h"

#define CN_BUCKETS_MIN	16
#define CN_BUCKETS_MAX	65536

static bool
bit_get(const uint64_t *bits, uint32_t i)
{
	return (bits[i / 64] >> (i % 64)) & 1;
}

static void
bit_set(uint64_t *bits, uint32_t i)
{
	bits[i / 64] |= 1ull << (i % 64);
}

static void
bit_clear(uint64_t *bits, uint32_t i)
{
	bits[i / 64] &= ~(1ull << (i % 64));
}

/* The client offset of a (2 .. size-2), or -1. */
static int64_t
client_off(const struct pool *p, struct in_addr a)
{
	int64_t i = pool_offset(p, a);

	return i >= 2 && i < (int64_t)p->size - 1 ? i : -1;
}

static struct in_addr
off_addr(const struct pool *p, uint32_t off)
{
	struct in_addr a;

	a.s_addr = htonl(p->net + off);
	return a;
}

bool
pool_is_client_addr(const struct pool *p, struct in_addr a)
{
	return client_off(p, a) >= 0;
}

bool
pool_in_use(const struct pool *p, struct in_addr a)
{
	int64_t i = client_off(p, a);

	return i >= 0 && bit_get(p->bits, (uint32_t)i);
}

int
pool_alloc_addr(struct pool *p, struct in_addr want)
{
	int64_t i = client_off(p, want);

	if (i < 0 || bit_get(p->bits, (uint32_t)i))
		return -1;
	bit_set(p->bits, (uint32_t)i);
	p->used++;
	return 0;
}

/* --- the lease table -------------------------------------------------- */

static uint32_t
cn_hash(const char *cn)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *cn; cn++)
		h = (h ^ (unsigned char)*cn) * 16777619u;
	return h;
}

static bool
cn_valid(const char *cn)
{
	size_t n = strlen(cn);

	return n > 0 && n <= POOL_LEASE_CN_MAX;
}

int
pool_leases_init(struct pool_leases *lt, struct pool *p)
{
	uint32_t nb = CN_BUCKETS_MIN;

	memset(lt, 0, sizeof(*lt));
	lt->pool = p;
	TAILQ_INIT(&lt->offline);
	while (nb < CN_BUCKETS_MAX && nb < p->size / 4)
		nb *= 2;
	lt->cn_mask = nb - 1;
	lt->by_off = calloc(p->size, sizeof(*lt->by_off));
	lt->leased = calloc((p->size + 63) / 64, sizeof(*lt->leased));
	lt->by_cn = calloc(nb, sizeof(*lt->by_cn));
	if (lt->by_off == NULL || lt->leased == NULL || lt->by_cn == NULL) {
		pool_leases_free(lt);
		return -1;
	}
	return 0;
}

void
pool_leases_free(struct pool_leases *lt)
{
	uint32_t i;

	for (i = 0; lt->by_off != NULL && i < lt->pool->size; i++)
		free(lt->by_off[i]);
	free(lt->by_off);
	free(lt->leased);
	free(lt->by_cn);
	memset(lt, 0, sizeof(*lt));
}

static void
cn_link(struct pool_leases *lt, struct pool_lease *l)
{
	struct pool_lease **b = &lt->by_cn[cn_hash(l->cn) & lt->cn_mask];

	l->cn_next = *b;
	*b = l;
}

static void
cn_unlink(struct pool_leases *lt, struct pool_lease *l)
{
	struct pool_lease **pp = &lt->by_cn[cn_hash(l->cn) & lt->cn_mask];

	while (*pp != l)
		pp = &(*pp)->cn_next;
	*pp = l->cn_next;
}

/*
 * A new lease on off: online for holder (its address allocated in the
 * pool), or offline (holder 0), when the caller queues it or makes it
 * fixed.
 */
static struct pool_lease *
lease_new(struct pool_leases *lt, const char *cn, uint32_t off,
    uint64_t holder)
{
	struct pool_lease *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	strcpy(l->cn, cn);
	l->off = off;
	if (holder != 0) {
		l->holder = holder;
		bit_set(lt->pool->bits, off);
		lt->pool->used++;
	}
	cn_link(lt, l);
	lt->by_off[off] = l;
	bit_set(lt->leased, off);
	lt->count++;
	lt->gen++;
	return l;
}

static void
lease_drop(struct pool_leases *lt, struct pool_lease *l)
{
	cn_unlink(lt, l);
	if (l->holder == 0 && !l->fixed)
		TAILQ_REMOVE(&lt->offline, l, lru);
	lt->by_off[l->off] = NULL;
	bit_clear(lt->leased, l->off);
	lt->count--;
	lt->gen++;
	free(l);
}

/* l (offline) becomes cn's: reported in taken_from if it was another's. */
static void
lease_give(struct pool_leases *lt, struct pool_lease *l, const char *cn,
    char *taken_from)
{
	if (taken_from != NULL)
		strcpy(taken_from, l->cn);
	cn_unlink(lt, l);
	strcpy(l->cn, cn);
	cn_link(lt, l);
	lt->gen++;
}

/* An offline lease goes online: its address is allocated again. */
static void
lease_online(struct pool_leases *lt, struct pool_lease *l, uint64_t holder)
{
	if (!l->fixed)
		TAILQ_REMOVE(&lt->offline, l, lru);
	l->holder = holder;
	bit_set(lt->pool->bits, l->off);
	lt->pool->used++;
	lt->gen++;
}

/*
 * The lowest offset free in the pool and never leased, or -1.  The pool
 * keeps the network, gateway and broadcast bits set; bits past the
 * subnet's end in the last word are masked off.
 */
static int64_t
find_unleased(const struct pool_leases *lt)
{
	const struct pool *p = lt->pool;
	uint32_t w, nw = (p->size + 63) / 64;
	uint64_t free_bits;

	for (w = 0; w < nw; w++) {
		free_bits = ~(p->bits[w] | lt->leased[w]);
		if (w == nw - 1 && p->size % 64 != 0)
			free_bits &= (1ull << (p->size % 64)) - 1;
		if (free_bits != 0)
			return (int64_t)w * 64 + __builtin_ctzll(free_bits);
	}
	return -1;
}

/* cn's online lease, for a takeover; NULL if none. */
static struct pool_lease *
online_of(struct pool_leases *lt, const char *cn)
{
	struct pool_lease *l;

	for (l = lt->by_cn[cn_hash(cn) & lt->cn_mask]; l != NULL;
	    l = l->cn_next)
		if (l->holder != 0 && strcmp(l->cn, cn) == 0)
			return l;
	return NULL;
}

enum pool_lease_how
pool_lease_acquire(struct pool_leases *lt, const char *cn, uint64_t holder,
    bool takeover, struct in_addr *out, char taken_from[POOL_LEASE_CN_MAX + 1])
{
	struct pool_lease *l;
	int64_t off;

	if (!cn_valid(cn) || holder == 0)
		return POOL_LEASE_FULL;
	if (takeover && (l = online_of(lt, cn)) != NULL) {
		l->holder = holder;
		lt->gen++;
		*out = off_addr(lt->pool, l->off);
		return POOL_LEASE_TAKEOVER;
	}
	for (l = lt->by_cn[cn_hash(cn) & lt->cn_mask]; l != NULL;
	    l = l->cn_next)
		if (l->holder == 0 && strcmp(l->cn, cn) == 0 &&
		    !bit_get(lt->pool->bits, l->off)) {
			lease_online(lt, l, holder);
			*out = off_addr(lt->pool, l->off);
			return POOL_LEASE_PREVIOUS;
		}
	if ((off = find_unleased(lt)) >= 0) {
		if ((l = lease_new(lt, cn, (uint32_t)off, holder)) == NULL)
			return POOL_LEASE_FULL;
		*out = off_addr(lt->pool, l->off);
		return POOL_LEASE_NEW;
	}
	TAILQ_FOREACH(l, &lt->offline, lru)
		if (!bit_get(lt->pool->bits, l->off))
			break;
	if (l == NULL)
		return POOL_LEASE_FULL;
	lease_give(lt, l, cn, taken_from);
	lease_online(lt, l, holder);
	*out = off_addr(lt->pool, l->off);
	return POOL_LEASE_TAKEN;
}

enum pool_lease_how
pool_lease_acquire_addr(struct pool_leases *lt, const char *cn,
    uint64_t holder, bool takeover, struct in_addr want,
    char taken_from[POOL_LEASE_CN_MAX + 1])
{
	struct pool_lease *l, *o, *next;
	enum pool_lease_how how;
	int64_t off = client_off(lt->pool, want);

	if (!cn_valid(cn) || holder == 0 || off < 0)
		return POOL_LEASE_FULL;
	l = lt->by_off[off];
	if (bit_get(lt->pool->bits, (uint32_t)off)) {
		/* Online: only the CN's own session being replaced yields. */
		if (!takeover || l == NULL || l->holder == 0 ||
		    strcmp(l->cn, cn) != 0)
			return POOL_LEASE_FULL;
		l->holder = holder;
		lt->gen++;
		how = POOL_LEASE_TAKEOVER;
	} else if (l == NULL) {
		if ((l = lease_new(lt, cn, (uint32_t)off, holder)) == NULL)
			return POOL_LEASE_FULL;
		how = POOL_LEASE_NEW;
	} else {
		if (strcmp(l->cn, cn) == 0)
			how = POOL_LEASE_PREVIOUS;
		else {
			lease_give(lt, l, cn, taken_from);
			how = POOL_LEASE_TAKEN;
		}
		/* Now governed by the client's ifconfig-push, not the file. */
		if (l->fixed) {
			l->fixed = false;
			TAILQ_INSERT_TAIL(&lt->offline, l, lru);
		}
		lease_online(lt, l, holder);
	}
	for (o = lt->by_cn[cn_hash(cn) & lt->cn_mask]; o != NULL; o = next) {
		next = o->cn_next;
		if (o != l && o->holder == 0 && strcmp(o->cn, cn) == 0)
			lease_drop(lt, o);
	}
	return how;
}

bool
pool_lease_release(struct pool_leases *lt, struct in_addr a, uint64_t holder)
{
	struct pool_lease *l;
	int64_t off = client_off(lt->pool, a);

	if (off < 0)
		return false;
	if ((l = lt->by_off[off]) != NULL) {
		if (l->holder == 0 || l->holder != holder)
			return false;
		l->holder = 0;
		if (!l->fixed)
			TAILQ_INSERT_TAIL(&lt->offline, l, lru);
		lt->gen++;
	} else if (!bit_get(lt->pool->bits, (uint32_t)off))
		return false;
	pool_release(lt->pool, a);
	return true;
}

const struct pool_lease *
pool_lease_lookup(const struct pool_leases *lt, struct in_addr a)
{
	int64_t off = client_off(lt->pool, a);

	return off < 0 ? NULL : lt->by_off[off];
}

static void restore_warn(void (*)(void *, const char *), void *, const char *,
    const struct poolmap_entry *, const char *, ...)
    __attribute__((format(printf, 5, 6)));

static void
restore_warn(void (*warn)(void *, const char *), void *arg, const char *name,
    const struct poolmap_entry *e, const char *fmt, ...)
{
	char msg[512], abuf[INET_ADDRSTRLEN];
	va_list ap;
	int n;

	if (warn == NULL)
		return;
	inet_ntop(AF_INET, &e->addr, abuf, sizeof(abuf));
	if (e->line > 0)
		n = snprintf(msg, sizeof(msg), "%s:%d: \"%s\" %s: ", name,
		    e->line, e->cn, abuf);
	else
		n = snprintf(msg, sizeof(msg), "%s: \"%s\" %s: ", name, e->cn,
		    abuf);
	if (n >= 0 && (size_t)n < sizeof(msg)) {
		va_start(ap, fmt);
		vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	warn(arg, msg);
}

int
pool_leases_restore(struct pool_leases *lt, const struct poolmap *map,
    bool fixed, const char *name, void (*warn)(void *, const char *),
    void *arg)
{
	const struct pool *p = lt->pool;
	const struct poolmap_entry *e;
	struct pool_lease *l;
	char nbuf[INET_ADDRSTRLEN], fbuf[INET_ADDRSTRLEN];
	char lbuf[INET_ADDRSTRLEN];
	int64_t off;
	size_t i;
	int n = 0;

	inet_ntop(AF_INET, &(struct in_addr){ htonl(p->net) }, nbuf,
	    sizeof(nbuf));
	inet_ntop(AF_INET, &(struct in_addr){ htonl(p->net + 2) }, fbuf,
	    sizeof(fbuf));
	inet_ntop(AF_INET, &(struct in_addr){ htonl(p->net + p->size - 2) },
	    lbuf, sizeof(lbuf));
	for (i = 0; i < map->n; i++) {
		e = &map->v[i];
		if (!cn_valid(e->cn)) {
			restore_warn(warn, arg, name, e, "unusable common "
			    "name; skipped");
			continue;
		}
		if ((off = client_off(p, e->addr)) < 0) {
			restore_warn(warn, arg, name, e, "not a client address "
			    "of %s/%d (%s..%s); skipped", nbuf,
			    32 - __builtin_ctz(p->size), fbuf, lbuf);
			continue;
		}
		if ((l = lt->by_off[off]) != NULL) {
			restore_warn(warn, arg, name, e, "already leased to "
			    "\"%s\"; skipped", l->cn);
			continue;
		}
		if (bit_get(p->bits, (uint32_t)off)) {
			restore_warn(warn, arg, name, e, "in use; skipped");
			continue;
		}
		if ((l = lease_new(lt, e->cn, (uint32_t)off, 0)) == NULL)
			return -1;
		l->fixed = fixed;
		if (!fixed)
			TAILQ_INSERT_TAIL(&lt->offline, l, lru);
		n++;
	}
	return n;
}

int
pool_leases_export(const struct pool_leases *lt, struct poolmap *map)
{
	const struct pool_lease *l;
	uint32_t i;
	int pass;

	poolmap_init(map);
	TAILQ_FOREACH(l, &lt->offline, lru)
		if (poolmap_add(map, l->cn, off_addr(lt->pool, l->off)) == -1)
			goto nomem;
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < lt->pool->size; i++) {
			if ((l = lt->by_off[i]) == NULL ||
			    (pass == 0 ? !(l->fixed && l->holder == 0) :
			    l->holder == 0))
				continue;
			if (poolmap_add(map, l->cn, off_addr(lt->pool, i)) ==
			    -1)
				goto nomem;
		}
	return 0;
 nomem:
	poolmap_free(map);
	return -1;
}
