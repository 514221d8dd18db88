/*
 * Virtual-address pool.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"

int
pool_init(struct pool *p, struct in_addr net, int prefix)
{
	if (prefix < 8 || prefix > 30)
		return -1;
	p->net = ntohl(net.s_addr);
	p->size = 1u << (32 - prefix);
	p->used = 0;
	p->hint = 2;
	p->bits = calloc((p->size + 63) / 64, sizeof(uint64_t));
	if (p->bits == NULL)
		return -1;
	/* Network, server and broadcast addresses are never handed out. */
	p->bits[0] |= 1 | 2;
	p->bits[(p->size - 1) / 64] |= 1ull << ((p->size - 1) % 64);
	return 0;
}

void
pool_free(struct pool *p)
{
	free(p->bits);
	p->bits = NULL;
}

static bool
bit_test(const struct pool *p, uint32_t i)
{
	return p->bits[i / 64] & (1ull << (i % 64));
}

int
pool_alloc(struct pool *p, struct in_addr *out)
{
	uint32_t i, n;

	for (n = 0; n < p->size; n++) {
		i = p->hint + n;
		if (i >= p->size)
			i -= p->size;
		if (bit_test(p, i))
			continue;
		p->bits[i / 64] |= 1ull << (i % 64);
		p->used++;
		p->hint = i + 1 < p->size ? i + 1 : 2;
		out->s_addr = htonl(p->net + i);
		return 0;
	}
	return -1;
}

void
pool_release(struct pool *p, struct in_addr a)
{
	int64_t i = pool_offset(p, a);

	if (i < 2 || i >= (int64_t)p->size - 1 || !bit_test(p, (uint32_t)i))
		return;
	p->bits[i / 64] &= ~(1ull << (i % 64));
	p->used--;
	/* Prefer the lowest free address next, as OpenVPN does. */
	if ((uint32_t)i < p->hint)
		p->hint = (uint32_t)i;
}

int64_t
pool_offset(const struct pool *p, struct in_addr a)
{
	uint32_t h = ntohl(a.s_addr);

	if (h - p->net >= p->size)
		return -1;
	return h - p->net;
}

static uint64_t
low64(const struct in6_addr *a)
{
	uint64_t v = 0;
	int i;

	for (i = 8; i < 16; i++)
		v = v << 8 | a->s6_addr[i];
	return v;
}

static void
set_low64(struct in6_addr *a, uint64_t v)
{
	int i;

	for (i = 15; i >= 8; i--, v >>= 8)
		a->s6_addr[i] = (uint8_t)v;
}

void
pool6_addr(const struct in6_addr *net6, uint32_t off, struct in6_addr *out)
{
	*out = *net6;
	set_low64(out, low64(net6) + POOL6_BASE + off);
}

int64_t
pool6_offset(const struct pool *p, const struct in6_addr *net6,
    const struct in6_addr *a)
{
	uint64_t d;

	if (memcmp(a->s6_addr, net6->s6_addr, 8) != 0)
		return -1;
	d = low64(a) - low64(net6);
	if (d < POOL6_BASE || d - POOL6_BASE >= p->size)
		return -1;
	return (int64_t)(d - POOL6_BASE);
}

void
pool6_gateway(const struct in6_addr *net6, struct in6_addr *out)
{
	*out = *net6;
	set_low64(out, low64(net6) + 1);
}

struct in_addr
pool_gateway(const struct pool *p)
{
	struct in_addr a;

	a.s_addr = htonl(p->net + 1);
	return a;
}
