/*
 * libFuzzer target for ifconfig-pool-persist files: poolfile_load (through
 * a memfd, as it reads a path), then the restore into a /24 lease table and
 * a few acquisitions.  Checks what poolfile.h and pool_reserve.h promise:
 * one entry per address, every kept CN writable, the pool and the table
 * in agreement.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Icommon -Iserver \
 *     tests/fuzz/fuzz_poolfile.c server/poolfile.c server/pool_reserve.c \
 *     server/pool.c -o fuzz_poolfile
 *   ./fuzz_poolfile tests/fuzz/corpus/fuzz_poolfile
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "pool.h"
#include "pool_reserve.h"
#include "poolfile.h"

static void
ignore(void *arg, const char *msg)
{
	FUZZ_ASSERT(msg[0] != '\0' && strchr(msg, '\n') == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in_addr net = { htonl(0x0a080000) }, a;
	struct pool p;
	struct pool_leases lt;
	struct poolmap m;
	char path[64], err[512];
	size_t i, j;
	uint32_t off, leased = 0;
	int fd, r, n;

	if ((fd = memfd_create("ipp", 0)) == -1)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r = poolfile_load(path, &m, ignore, NULL, err, sizeof(err));
	close(fd);
	if (r != 1)
		return 0;
	for (i = 0; i < m.n; i++) {
		FUZZ_ASSERT(poolfile_cn_ok(m.v[i].cn));
		FUZZ_ASSERT(m.v[i].line > 0);
		for (j = 0; j < i; j++)
			FUZZ_ASSERT(m.v[j].addr.s_addr != m.v[i].addr.s_addr);
	}
	if (pool_init(&p, net, 24) == -1 || pool_leases_init(&lt, &p) == -1)
		abort();
	n = pool_leases_restore(&lt, &m, size % 2 == 1, "fuzz", ignore,
	    NULL);
	FUZZ_ASSERT(n >= 0 && (size_t)n <= m.n && lt.count == (size_t)n);
	for (i = 0; i < m.n && i < 8; i++)
		if (pool_lease_acquire(&lt, m.v[i].cn, i + 1, i % 2 == 0, &a,
		    NULL) != POOL_LEASE_FULL)
			FUZZ_ASSERT(pool_in_use(&p, a) &&
			    pool_lease_lookup(&lt, a) != NULL);
	for (off = 0; off < p.size; off++)
		if (lt.by_off[off] != NULL) {
			leased++;
			FUZZ_ASSERT(lt.by_off[off]->off == off);
			FUZZ_ASSERT(off >= 2 && off < p.size - 1);
		}
	FUZZ_ASSERT(leased == lt.count);
	pool_leases_free(&lt);
	pool_free(&p);
	poolmap_free(&m);
	return 0;
}
