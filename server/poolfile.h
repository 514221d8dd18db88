/*
 * ifconfig-pool-persist FILE: OpenVPN's file of past address assignments,
 * one "CN,IPv4[,IPv6]" per line (OpenVPN 2.5+ writes "CN,IPv4," when it
 * has no IPv6 pool, and accepts "CN,IPv4" and "CN,,IPv6"); blank lines
 * and lines starting with '#' or ';' are skipped.  Entries are
 * suggestions: the pool (pool_reserve.h) decides.
 *
 * The file is written atomically: FILE.tmp in the same directory, fsync,
 * rename over FILE, fsync of the directory.  A crash leaves either the old
 * FILE or the new one, never a mix; a FILE.tmp left behind is never read
 * and is replaced by the next write.
 */
#ifndef MCN_POOLFILE_H
#define MCN_POOLFILE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#define POOLFILE_CN_MAX		64	/* X.509 ub-common-name, = session cn */
#define POOLFILE_LINE_MAX	512	/* longer lines are malformed */
#define POOLFILE_TMP_SUFFIX	".tmp"

struct poolmap_entry {
	char		 cn[POOLFILE_CN_MAX + 1];
	struct in_addr	 addr;
	bool		 has_addr6;	/* kept and written back as read */
	struct in6_addr	 addr6;
	int		 line;		/* in the file read; 0 if not read */
};

/* CN -> address, in file order.  A CN may appear more than once (one
 * line per concurrent session); an address appears at most once. */
struct poolmap {
	struct poolmap_entry	*v;
	size_t			 n, cap;
};

void	poolmap_init(struct poolmap *);
void	poolmap_free(struct poolmap *);
/* Appends (cn, addr); -1 if cn is empty or too long, or out of memory. */
int	poolmap_add(struct poolmap *, const char *cn, struct in_addr addr);
/* The first entry for cn, or NULL.  Linear: for tests and tools. */
const struct poolmap_entry *poolmap_find(const struct poolmap *,
	    const char *cn);

/* Receives each malformed line as "FILE:LINE: reason"; may be NULL. */
typedef void	poolfile_warn_fn(void *arg, const char *msg);

/*
 * Reads path into *map (initialised here).  Malformed lines (bad or
 * missing IPv4 address, bad IPv6 address, empty or over-long CN, extra
 * fields, an address already given on an earlier line) are passed to
 * warn and skipped; the rest are kept.
 *
 * Returns 1 when the file was read, 0 when it does not exist (*map is
 * empty), -1 with "FILE: reason" in err when it exists but cannot be read
 * (the only fatal case).
 */
int	poolfile_load(const char *path, struct poolmap *map,
	    poolfile_warn_fn *warn, void *arg, char *err, size_t errlen);

/*
 * Writes map to path atomically, in map order.  Entries whose CN could
 * not be read back (it contains ',', a control character, or starts with
 * '#' or ';') are left out.  Returns the number of entries written, or -1
 * with "FILE: reason" in err; on -1 path holds the old file or, if only
 * the final fsync of the directory failed, the whole new one.
 */
int	poolfile_save(const char *path, const struct poolmap *map, char *err,
	    size_t errlen);

/*
 * The two halves of poolfile_save, exposed so a test can stop between
 * them as a crash would: prepare writes and fsyncs path.tmp (the count
 * as above, or -1); commit renames it over path and fsyncs the directory
 * (0 or -1).
 */
int	poolfile_save_prepare(const char *path, const struct poolmap *map,
	    char *err, size_t errlen);
int	poolfile_save_commit(const char *path, char *err, size_t errlen);

/* Whether cn survives a write and a read back (see poolfile_save). */
bool	poolfile_cn_ok(const char *cn);

#endif /* MCN_POOLFILE_H */
