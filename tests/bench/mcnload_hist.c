/*
 * Latency histogram: log-linear buckets, HIST_SUB per power of two, so a
 * quantile is exact to within 1/HIST_SUB of its value; constant memory
 * however many samples (round-trip times of millions of packets).
 *
 * Bucket of v: values below 2*HIST_SUB are their own bucket; above, with
 * e = floor(log2 v), the bucket is (e - 3) * HIST_SUB + the next four
 * bits of v below its top bit.
 */
#include "config.h"

#include <string.h>

#include "mcnload_pure.h"

#define HIST_SHIFT	4	/* log2(HIST_SUB) */

void
hist_init(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

static unsigned
bucket_of(uint64_t v)
{
	unsigned e, i;

	if (v < 2 * HIST_SUB)
		return (unsigned)v;
	e = 63 - (unsigned)__builtin_clzll(v);
	i = (e - 3) * HIST_SUB + (unsigned)((v >> (e - HIST_SHIFT)) &
	    (HIST_SUB - 1));
	return i < HIST_BUCKETS ? i : HIST_BUCKETS - 1;
}

/* The smallest value of bucket i, and its width. */
static void
bucket_range(unsigned i, uint64_t *lo, uint64_t *width)
{
	unsigned e;

	if (i < 2 * HIST_SUB) {
		*lo = i;
		*width = 1;
		return;
	}
	e = i / HIST_SUB + 3;
	*width = 1ull << (e - HIST_SHIFT);
	*lo = (1ull << e) + (uint64_t)(i % HIST_SUB) * *width;
}

void
hist_add(struct hist *h, uint64_t ns)
{
	h->b[bucket_of(ns)]++;
	if (h->n == 0 || ns < h->min)
		h->min = ns;
	if (ns > h->max)
		h->max = ns;
	h->n++;
	h->sum += (double)ns;
}

uint64_t
hist_quantile(const struct hist *h, double q)
{
	uint64_t rank, seen = 0, lo, width;
	unsigned i;

	if (h->n == 0)
		return 0;
	if (q <= 0)
		return h->min;
	if (q >= 1)
		return h->max;
	/* Nearest rank: the smallest sample with at least q*n at or below. */
	rank = (uint64_t)(q * (double)h->n);
	if ((double)rank < q * (double)h->n)
		rank++;
	if (rank == 0)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			bucket_range(i, &lo, &width);
			/* The middle of the bucket, kept within the extremes. */
			lo += width / 2;
			if (lo < h->min)
				lo = h->min;
			if (lo > h->max)
				lo = h->max;
			return lo;
		}
	}
	return h->max;
}

uint64_t
sorted_quantile(const uint64_t *v, size_t n, double q)
{
	size_t rank;

	if (n == 0)
		return 0;
	if (q <= 0)
		return v[0];
	if (q >= 1)
		return v[n - 1];
	rank = (size_t)(q * (double)n);
	if ((double)rank < q * (double)n)
		rank++;
	return v[rank == 0 ? 0 : rank - 1];
}
