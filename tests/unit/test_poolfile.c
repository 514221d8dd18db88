/*
 * ifconfig-pool-persist: the file format (OpenVPN's "CN,IPv4[,IPv6]"),
 * lenient reading with exact line-numbered reports, the atomic write
 * (with a crash between writing the temp file and the rename), and the
 * lease table over the pool: same address after a restart, and the order
 * in which addresses are reused.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pool.h"
#include "pool_reserve.h"
#include "poolfile.h"
#include "tmpdir.h"

static char	err[1024];

/* Reports from the loader and the restore, in order. */
static char	warns[32][512];
static int	nwarn;

static void
warn_cb(void *arg, const char *msg)
{
	ck_assert_ptr_eq(arg, warns);
	ck_assert_int_lt(nwarn, 32);
	snprintf(warns[nwarn++], sizeof(warns[0]), "%s", msg);
}

static char *
read_file(const char *name)
{
	static char buf[8192];
	FILE *f = fopen(tmpdir_path(name), "r");
	size_t n;

	ck_assert_msg(f != NULL, "cannot open %s", name);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static bool
exists(const char *name)
{
	struct stat st;

	return lstat(tmpdir_path(name), &st) == 0;
}

static struct in_addr
A(const char *s)
{
	struct in_addr a;

	ck_assert_int_eq(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static const char *
ntoa(struct in_addr a)
{
	static char b[2][INET_ADDRSTRLEN];
	static int i;

	i ^= 1;
	return inet_ntop(AF_INET, &a, b[i], sizeof(b[i]));
}

/* "TMPDIR/name:line: rest" */
static const char *
at(const char *name, int line, const char *rest)
{
	static char p[1024];

	snprintf(p, sizeof(p), "%s/%s:%d: %s", tmpdir, name, line, rest);
	return p;
}

static void
setup(void)
{
	tmpdir_make("mcn-pool");
	nwarn = 0;
	err[0] = '\0';
}

static int
load(const char *name, struct poolmap *m)
{
	return poolfile_load(tmpdir_path(name), m, warn_cb, warns, err,
	    sizeof(err));
}

/* --- the file ------------------------------------------------------------- */

START_TEST(test_round_trip)
{
	struct poolmap m, r;

	poolmap_init(&m);
	ck_assert_int_eq(poolmap_add(&m, "alice", A("10.8.0.2")), 0);
	ck_assert_int_eq(poolmap_add(&m, "Bob Smith", A("10.8.0.3")), 0);
	ck_assert_int_eq(poolmap_add(&m, "carol", A("10.8.0.200")), 0);
	ck_assert_int_eq(inet_pton(AF_INET6, "fd00:8::c8",
	    &m.v[2].addr6), 1);
	m.v[2].has_addr6 = true;
	ck_assert_int_eq(poolfile_save(tmpdir_path("ipp.txt"), &m, err,
	    sizeof(err)), 3);
	/* Byte for byte what OpenVPN 2.6 writes ("CN,IPv4,IPv6"). */
	ck_assert_str_eq(read_file("ipp.txt"),
	    "alice,10.8.0.2,\n"
	    "Bob Smith,10.8.0.3,\n"
	    "carol,10.8.0.200,fd00:8::c8\n");
	ck_assert(!exists("ipp.txt.tmp"));
	ck_assert_int_eq(load("ipp.txt", &r), 1);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_uint_eq(r.n, 3);
	ck_assert_str_eq(r.v[0].cn, "alice");
	ck_assert_str_eq(ntoa(r.v[0].addr), "10.8.0.2");
	ck_assert_int_eq(r.v[0].line, 1);
	ck_assert(!r.v[0].has_addr6);
	ck_assert_str_eq(r.v[1].cn, "Bob Smith");
	ck_assert_str_eq(ntoa(r.v[2].addr), "10.8.0.200");
	ck_assert(r.v[2].has_addr6);
	ck_assert_int_eq(memcmp(&r.v[2].addr6, &m.v[2].addr6, 16), 0);
	ck_assert_ptr_eq(poolmap_find(&r, "Bob Smith"), &r.v[1]);
	ck_assert_ptr_null(poolmap_find(&r, "bob smith"));
	/* And again: saving what was read gives the same bytes. */
	ck_assert_int_eq(poolfile_save(tmpdir_path("ipp2.txt"), &r, err,
	    sizeof(err)), 3);
	ck_assert_str_eq(read_file("ipp2.txt"), read_file("ipp.txt"));
	poolmap_free(&r);
	poolmap_free(&m);
	/* An empty map writes an empty file. */
	ck_assert_int_eq(poolfile_save(tmpdir_path("ipp.txt"), &m, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(read_file("ipp.txt"), "");
	ck_assert_int_eq(load("ipp.txt", &r), 1);
	ck_assert_uint_eq(r.n, 0);
	poolmap_free(&r);
}
END_TEST

START_TEST(test_openvpn_forms)
{
	struct poolmap m;

	/* Every form OpenVPN accepts, comments and CRLF. */
	tmpdir_write("ipp.txt",
	    "# written by OpenVPN 2.4\r\n"
	    "old,10.8.0.10\r\n"
	    "\n"
	    "; 2.5 and later\n"
	    "new,10.8.0.11,\n"
	    "dual,10.8.0.12,2001:db8::12\n"
	    "   \n");
	ck_assert_int_eq(load("ipp.txt", &m), 1);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_uint_eq(m.n, 3);
	ck_assert_str_eq(m.v[0].cn, "old");
	ck_assert_int_eq(m.v[0].line, 2);
	ck_assert_str_eq(ntoa(m.v[0].addr), "10.8.0.10");
	ck_assert_str_eq(m.v[1].cn, "new");
	ck_assert_int_eq(m.v[1].line, 5);
	ck_assert(!m.v[1].has_addr6);
	ck_assert_str_eq(m.v[2].cn, "dual");
	ck_assert(m.v[2].has_addr6);
	poolmap_free(&m);
}
END_TEST

START_TEST(test_malformed_lines)
{
	struct poolmap m;
	char text[2048], longcn[80];

	memset(longcn, 'x', 65);
	longcn[65] = '\0';
	snprintf(text, sizeof(text),
	    "alice,10.8.0.2,\n"		/* 1 ok */
	    "no-comma\n"		/* 2 */
	    ",10.8.0.3,\n"		/* 3 */
	    "bob,10.8.0.300,\n"		/* 4 */
	    "carol,,fd00::4\n"		/* 5 */
	    "dave,10.8.0.5,fd00::zz\n"	/* 6 */
	    "erin,10.8.0.6,fd00::6,x\n"	/* 7 */
	    "%s,10.8.0.7,\n"		/* 8 */
	    "frank,10.8.0.2,\n"		/* 9: alice's */
	    "gina,10.8.0.9,\n"		/* 10 ok */
	    "tab\tcn,10.8.0.10,\n"	/* 11 */
	    "alice,10.8.0.11,\n",	/* 12 ok: a second session's */
	    longcn);
	tmpdir_write("ipp.txt", text);
	ck_assert_int_eq(load("ipp.txt", &m), 1);
	ck_assert_int_eq(nwarn, 9);
	ck_assert_str_eq(warns[0], at("ipp.txt", 2,
	    "no ',' (expected CN,IPv4[,IPv6])"));
	ck_assert_str_eq(warns[1], at("ipp.txt", 3, "empty common name"));
	ck_assert_str_eq(warns[2], at("ipp.txt", 4,
	    "'10.8.0.300' is not an IPv4 address"));
	ck_assert_str_eq(warns[3], at("ipp.txt", 5,
	    "no IPv4 address for \"carol\" (entries for IPv6 only are not "
	    "used)"));
	ck_assert_str_eq(warns[4], at("ipp.txt", 6,
	    "'fd00::zz' is not an IPv6 address"));
	ck_assert_str_eq(warns[5], at("ipp.txt", 7,
	    "more than three comma-separated fields (expected "
	    "CN,IPv4[,IPv6])"));
	ck_assert_str_eq(warns[6], at("ipp.txt", 8,
	    "common name longer than 64 characters"));
	ck_assert_str_eq(warns[7], at("ipp.txt", 9,
	    "10.8.0.2 already given to \"alice\" on line 1"));
	ck_assert_str_eq(warns[8], at("ipp.txt", 11,
	    "common name contains a control character"));
	/* The good lines are all kept, in order. */
	ck_assert_uint_eq(m.n, 3);
	ck_assert_str_eq(m.v[0].cn, "alice");
	ck_assert_int_eq(m.v[0].line, 1);
	ck_assert_str_eq(m.v[1].cn, "gina");
	ck_assert_int_eq(m.v[1].line, 10);
	ck_assert_str_eq(m.v[2].cn, "alice");
	ck_assert_str_eq(ntoa(m.v[2].addr), "10.8.0.11");
	poolmap_free(&m);
}
END_TEST

START_TEST(test_binary_and_long_lines)
{
	static const char nul[] = "ok,10.8.0.2,\nbad\0line,10.8.0.3,\n";
	struct poolmap m;
	char *text = malloc(4096);
	FILE *f;

	ck_assert_ptr_nonnull(text);
	f = fopen(tmpdir_path("ipp.txt"), "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(nul, 1, sizeof(nul) - 1, f),
	    sizeof(nul) - 1);
	memset(text, 'a', 3000);
	strcpy(text + 3000, ",10.8.0.4,\nlast,10.8.0.5,");
	fputs(text, f);		/* and no final newline */
	fclose(f);
	ck_assert_int_eq(load("ipp.txt", &m), 1);
	ck_assert_int_eq(nwarn, 2);
	ck_assert_str_eq(warns[0], at("ipp.txt", 2, "contains a NUL byte"));
	ck_assert_str_eq(warns[1], at("ipp.txt", 3,
	    "longer than 512 characters"));
	ck_assert_uint_eq(m.n, 2);
	ck_assert_str_eq(m.v[1].cn, "last");
	ck_assert_int_eq(m.v[1].line, 4);
	poolmap_free(&m);
	free(text);
}
END_TEST

START_TEST(test_load_missing_and_unreadable)
{
	struct poolmap m;

	/* No file yet: not an error, an empty map. */
	ck_assert_int_eq(load("ipp.txt", &m), 0);
	ck_assert_uint_eq(m.n, 0);
	poolmap_free(&m);
	/* Nor is a missing directory: the save will say why. */
	ck_assert_int_eq(load("nodir/ipp.txt", &m), 0);
	ck_assert_int_eq(nwarn, 0);
	poolmap_free(&m);
}
END_TEST

/* The only fatal case: the file exists and cannot be read. */
START_TEST(test_load_unreadable)
{
	struct poolmap m;
	char want[600];

	ck_assert_int_eq(mkdir(tmpdir_path("ipp.d"), 0700), 0);
	ck_assert_int_eq(load("ipp.d", &m), -1);
	snprintf(want, sizeof(want), "%s: not a regular file",
	    tmpdir_path("ipp.d"));
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(m.v);
	if (geteuid() == 0)
		return;		/* root reads anything */
	tmpdir_write("ipp.txt", "alice,10.8.0.2,\n");
	ck_assert_int_eq(chmod(tmpdir_path("ipp.txt"), 0), 0);
	ck_assert_int_eq(load("ipp.txt", &m), -1);
	snprintf(want, sizeof(want), "%s: Permission denied",
	    tmpdir_path("ipp.txt"));
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_atomic_crash)
{
	struct poolmap old, new, r;

	poolmap_init(&old);
	poolmap_init(&new);
	ck_assert_int_eq(poolmap_add(&old, "alice", A("10.8.0.2")), 0);
	ck_assert_int_eq(poolmap_add(&new, "alice", A("10.8.0.2")), 0);
	ck_assert_int_eq(poolmap_add(&new, "bob", A("10.8.0.3")), 0);
	ck_assert_int_eq(poolfile_save(tmpdir_path("ipp.txt"), &old, err,
	    sizeof(err)), 1);

	/* The daemon dies after writing the temp file, before the rename. */
	ck_assert_int_eq(poolfile_save_prepare(tmpdir_path("ipp.txt"), &new,
	    err, sizeof(err)), 2);
	ck_assert(exists("ipp.txt.tmp"));
	ck_assert_str_eq(read_file("ipp.txt.tmp"),
	    "alice,10.8.0.2,\nbob,10.8.0.3,\n");
	/* The real file is whole and old; the restart reads only it. */
	ck_assert_str_eq(read_file("ipp.txt"), "alice,10.8.0.2,\n");
	ck_assert_int_eq(load("ipp.txt", &r), 1);
	ck_assert_uint_eq(r.n, 1);
	poolmap_free(&r);

	/* Or it died mid-write: a torn temp file changes nothing either. */
	tmpdir_write("ipp.txt.tmp", "alice,10.8.0.2,\nbob,10.8");
	ck_assert_int_eq(load("ipp.txt", &r), 1);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_int_eq(nwarn, 0);
	poolmap_free(&r);

	/* The next save replaces the leftover and the file, and tidies up. */
	ck_assert_int_eq(poolfile_save(tmpdir_path("ipp.txt"), &new, err,
	    sizeof(err)), 2);
	ck_assert_str_eq(read_file("ipp.txt"),
	    "alice,10.8.0.2,\nbob,10.8.0.3,\n");
	ck_assert(!exists("ipp.txt.tmp"));

	/* The two halves in a row are the whole save. */
	ck_assert_int_eq(poolfile_save_prepare(tmpdir_path("ipp.txt"), &old,
	    err, sizeof(err)), 1);
	ck_assert_int_eq(poolfile_save_commit(tmpdir_path("ipp.txt"), err,
	    sizeof(err)), 0);
	ck_assert_str_eq(read_file("ipp.txt"), "alice,10.8.0.2,\n");
	ck_assert(!exists("ipp.txt.tmp"));
	/* Commit without a prepared file fails and leaves the file be. */
	ck_assert_int_eq(poolfile_save_commit(tmpdir_path("ipp.txt"), err,
	    sizeof(err)), -1);
	ck_assert_str_eq(read_file("ipp.txt"), "alice,10.8.0.2,\n");
	poolmap_free(&old);
	poolmap_free(&new);
}
END_TEST

START_TEST(test_save_safety)
{
	struct poolmap m;
	struct stat st;
	char want[600];

	poolmap_init(&m);
	ck_assert_int_eq(poolmap_add(&m, "alice", A("10.8.0.2")), 0);
	/* A planted link at the temp name is replaced, not followed. */
	tmpdir_write("victim", "precious\n");
	ck_assert_int_eq(symlink(tmpdir_path("victim"),
	    tmpdir_path("ipp.txt.tmp")), 0);
	ck_assert_int_eq(poolfile_save(tmpdir_path("ipp.txt"), &m, err,
	    sizeof(err)), 1);
	ck_assert_str_eq(read_file("victim"), "precious\n");
	ck_assert_str_eq(read_file("ipp.txt"), "alice,10.8.0.2,\n");
	/* A new file is private; an existing one keeps its mode. */
	ck_assert_int_eq(stat(tmpdir_path("ipp.txt"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(chmod(tmpdir_path("ipp.txt"), 0640), 0);
	ck_assert_int_eq(poolfile_save(tmpdir_path("ipp.txt"), &m, err,
	    sizeof(err)), 1);
	ck_assert_int_eq(stat(tmpdir_path("ipp.txt"), &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0640);
	/* No directory: -1, with the temp file's name and the reason. */
	ck_assert_int_eq(poolfile_save(tmpdir_path("nodir/ipp.txt"), &m, err,
	    sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s.tmp: No such file or directory",
	    tmpdir_path("nodir/ipp.txt"));
	ck_assert_str_eq(err, want);
	/* CNs that could not be read back are left out, and counted. */
	ck_assert_int_eq(poolmap_add(&m, "a,b", A("10.8.0.3")), 0);
	ck_assert_int_eq(poolmap_add(&m, "#c", A("10.8.0.4")), 0);
	ck_assert_int_eq(poolmap_add(&m, "d\ne", A("10.8.0.5")), 0);
	ck_assert_int_eq(poolmap_add(&m, "f", A("10.8.0.6")), 0);
	ck_assert_int_eq(poolfile_save(tmpdir_path("ipp.txt"), &m, err,
	    sizeof(err)), 2);
	ck_assert_str_eq(read_file("ipp.txt"),
	    "alice,10.8.0.2,\nf,10.8.0.6,\n");
	ck_assert_int_eq(poolmap_add(&m, "", A("10.8.0.7")), -1);
	poolmap_free(&m);
	if (geteuid() == 0)
		return;
	/* A directory we cannot write to: the old file stays. */
	ck_assert_int_eq(chmod(tmpdir, 0500), 0);
	ck_assert_int_eq(poolfile_save(tmpdir_path("ipp.txt"), &m, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(read_file("ipp.txt"),
	    "alice,10.8.0.2,\nf,10.8.0.6,\n");
}
END_TEST

/* --- the pool and its leases --------------------------------------------- */

START_TEST(test_pool_alloc_addr)
{
	struct pool p;
	struct in_addr a;

	ck_assert_int_eq(pool_init(&p, A("10.8.0.0"), 24), 0);
	ck_assert(!pool_is_client_addr(&p, A("10.8.0.0")));
	ck_assert(!pool_is_client_addr(&p, A("10.8.0.1")));
	ck_assert(!pool_is_client_addr(&p, A("10.8.0.255")));
	ck_assert(!pool_is_client_addr(&p, A("10.8.1.2")));
	ck_assert(pool_is_client_addr(&p, A("10.8.0.2")));
	ck_assert(pool_is_client_addr(&p, A("10.8.0.254")));
	ck_assert_int_eq(pool_alloc_addr(&p, A("10.8.0.0")), -1);
	ck_assert_int_eq(pool_alloc_addr(&p, A("10.8.0.1")), -1);
	ck_assert_int_eq(pool_alloc_addr(&p, A("10.8.0.255")), -1);
	ck_assert_int_eq(pool_alloc_addr(&p, A("192.168.0.9")), -1);
	ck_assert_uint_eq(p.used, 0);
	ck_assert(!pool_in_use(&p, A("10.8.0.77")));
	ck_assert_int_eq(pool_alloc_addr(&p, A("10.8.0.77")), 0);
	ck_assert(pool_in_use(&p, A("10.8.0.77")));
	ck_assert_int_eq(pool_alloc_addr(&p, A("10.8.0.77")), -1);
	ck_assert_uint_eq(p.used, 1);
	/* The plain allocator and pool_alloc_addr share one bitmap. */
	ck_assert_int_eq(pool_alloc_addr(&p, A("10.8.0.2")), 0);
	ck_assert_int_eq(pool_alloc(&p, &a), 0);
	ck_assert_str_eq(ntoa(a), "10.8.0.3");
	ck_assert_int_eq(pool_alloc_addr(&p, A("10.8.0.3")), -1);
	pool_release(&p, A("10.8.0.77"));
	ck_assert(!pool_in_use(&p, A("10.8.0.77")));
	ck_assert_uint_eq(p.used, 2);
	pool_free(&p);
}
END_TEST

/* A fresh holder (session) number for each acquisition. */
static uint64_t
H(void)
{
	static uint64_t next;

	return ++next;
}

/* Ends the session holding a (whoever it is); whether a was freed. */
static bool
rel(struct pool_leases *lt, struct in_addr a)
{
	const struct pool_lease *l = pool_lease_lookup(lt, a);

	return pool_lease_release(lt, a, l != NULL && l->holder != 0 ?
	    l->holder : 1);
}

/* A pool 10.8.0.0/PREFIX and its lease table. */
static void
lt_new(struct pool *p, struct pool_leases *lt, int prefix)
{
	ck_assert_int_eq(pool_init(p, A("10.8.0.0"), prefix), 0);
	ck_assert_int_eq(pool_leases_init(lt, p), 0);
}

static void
lt_free(struct pool *p, struct pool_leases *lt)
{
	pool_leases_free(lt);
	pool_free(p);
}

/* Acquires for cn; checks how and returns the address as text. */
static const char *
acq(struct pool_leases *lt, const char *cn, enum pool_lease_how how)
{
	struct in_addr a;

	a.s_addr = 0;
	ck_assert_int_eq(pool_lease_acquire(lt, cn, H(), false, &a, NULL), how);
	return ntoa(a);
}

START_TEST(test_same_address_after_restart)
{
	struct pool p;
	struct pool_leases lt;
	struct poolmap m;

	lt_new(&p, &lt, 24);
	ck_assert_str_eq(acq(&lt, "alice", POOL_LEASE_NEW), "10.8.0.2");
	ck_assert_str_eq(acq(&lt, "bob", POOL_LEASE_NEW), "10.8.0.3");
	ck_assert_str_eq(acq(&lt, "carol", POOL_LEASE_NEW), "10.8.0.4");
	rel(&lt, A("10.8.0.3"));	/* bob leaves */
	/* Periodic save, then exit. */
	ck_assert_int_eq(pool_leases_export(&lt, &m), 0);
	ck_assert_int_eq(poolfile_save(tmpdir_path("ipp.txt"), &m, err,
	    sizeof(err)), 3);
	poolmap_free(&m);
	lt_free(&p, &lt);
	/* Offline (bob) first, then online by address. */
	ck_assert_str_eq(read_file("ipp.txt"),
	    "bob,10.8.0.3,\nalice,10.8.0.2,\ncarol,10.8.0.4,\n");

	/* Restart: load, restore, and clients come back in any order. */
	lt_new(&p, &lt, 24);
	ck_assert_int_eq(load("ipp.txt", &m), 1);
	ck_assert_int_eq(pool_leases_restore(&lt, &m, false, "ipp.txt",
	    warn_cb, warns), 3);
	poolmap_free(&m);
	ck_assert_int_eq(nwarn, 0);
	ck_assert_uint_eq(lt.count, 3);
	ck_assert_uint_eq(p.used, 0);
	ck_assert_str_eq(acq(&lt, "dave", POOL_LEASE_NEW), "10.8.0.5");
	ck_assert_str_eq(acq(&lt, "carol", POOL_LEASE_PREVIOUS), "10.8.0.4");
	ck_assert_str_eq(acq(&lt, "alice", POOL_LEASE_PREVIOUS), "10.8.0.2");
	ck_assert_str_eq(acq(&lt, "bob", POOL_LEASE_PREVIOUS), "10.8.0.3");
	ck_assert_uint_eq(p.used, 4);
	/* Within a run too: a reconnect gets the same address back. */
	rel(&lt, A("10.8.0.2"));
	ck_assert_str_eq(acq(&lt, "erin", POOL_LEASE_NEW), "10.8.0.6");
	ck_assert_str_eq(acq(&lt, "alice", POOL_LEASE_PREVIOUS), "10.8.0.2");
	lt_free(&p, &lt);
}
END_TEST

START_TEST(test_reuse_order)
{
	struct pool p;
	struct pool_leases lt;
	struct in_addr a;
	char from[POOL_LEASE_CN_MAX + 1];

	/* A /29: five client addresses, .2 to .6. */
	lt_new(&p, &lt, 29);
	ck_assert_str_eq(acq(&lt, "a", POOL_LEASE_NEW), "10.8.0.2");
	ck_assert_str_eq(acq(&lt, "b", POOL_LEASE_NEW), "10.8.0.3");
	/* A released lease is kept while never-leased addresses remain. */
	rel(&lt, A("10.8.0.2"));
	ck_assert_str_eq(acq(&lt, "c", POOL_LEASE_NEW), "10.8.0.4");
	ck_assert_str_eq(acq(&lt, "d", POOL_LEASE_NEW), "10.8.0.5");
	ck_assert_str_eq(acq(&lt, "e", POOL_LEASE_NEW), "10.8.0.6");
	ck_assert_str_eq(acq(&lt, "a", POOL_LEASE_PREVIOUS), "10.8.0.2");
	ck_assert_str_eq(acq(&lt, "f", POOL_LEASE_FULL), "0.0.0.0");
	/* Full of leases: offline ones go, longest released first. */
	rel(&lt, A("10.8.0.4"));	/* c */
	rel(&lt, A("10.8.0.2"));	/* a */
	rel(&lt, A("10.8.0.6"));	/* e */
	ck_assert_int_eq(pool_lease_acquire(&lt, "f", H(), false, &a, from),
	    POOL_LEASE_TAKEN);
	ck_assert_str_eq(ntoa(a), "10.8.0.4");
	ck_assert_str_eq(from, "c");
	ck_assert_int_eq(pool_lease_acquire(&lt, "g", H(), false, &a, from),
	    POOL_LEASE_TAKEN);
	ck_assert_str_eq(ntoa(a), "10.8.0.2");
	ck_assert_str_eq(from, "a");
	/* e still has its own; a lost its and takes the last offline one. */
	ck_assert_int_eq(pool_lease_acquire(&lt, "a", H(), false, &a, from),
	    POOL_LEASE_TAKEN);
	ck_assert_str_eq(ntoa(a), "10.8.0.6");
	ck_assert_str_eq(from, "e");
	ck_assert_str_eq(acq(&lt, "e", POOL_LEASE_FULL), "0.0.0.0");
	ck_assert_uint_eq(p.used, 5);
	ck_assert_str_eq(pool_lease_lookup(&lt, A("10.8.0.4"))->cn, "f");
	ck_assert_uint_ne(pool_lease_lookup(&lt, A("10.8.0.4"))->holder, 0);
	ck_assert_ptr_null(pool_lease_lookup(&lt, A("10.8.0.1")));
	lt_free(&p, &lt);
}
END_TEST

START_TEST(test_restore_order_and_checks)
{
	struct pool p;
	struct pool_leases lt;
	struct poolmap m;

	/* File order is reuse order: the first line is reused first. */
	tmpdir_write("ipp.txt",
	    "old,10.8.0.5,\n"
	    "gw,10.8.0.1,\n"
	    "elsewhere,10.9.0.3,\n"
	    "mid,10.8.0.3,\n"
	    "dup,10.8.0.5,\n"
	    "bcast,10.8.0.7,\n"
	    "new,10.8.0.2,\n");
	ck_assert_int_eq(load("ipp.txt", &m), 1);
	ck_assert_int_eq(nwarn, 1);	/* the loader's: dup */
	lt_new(&p, &lt, 29);
	ck_assert_int_eq(pool_leases_restore(&lt, &m, false, "ipp.txt",
	    warn_cb, warns), 3);
	poolmap_free(&m);
	ck_assert_int_eq(nwarn, 4);
	ck_assert_str_eq(warns[0], at("ipp.txt", 5, "10.8.0.5 already given "
	    "to \"old\" on line 1"));
	ck_assert_str_eq(warns[1], "ipp.txt:2: \"gw\" 10.8.0.1: not a client "
	    "address of 10.8.0.0/29 (10.8.0.2..10.8.0.6); skipped");
	ck_assert_str_eq(warns[2], "ipp.txt:3: \"elsewhere\" 10.9.0.3: not a "
	    "client address of 10.8.0.0/29 (10.8.0.2..10.8.0.6); skipped");
	ck_assert_str_eq(warns[3], "ipp.txt:6: \"bcast\" 10.8.0.7: not a "
	    "client address of 10.8.0.0/29 (10.8.0.2..10.8.0.6); skipped");
	/* Two never-leased addresses first, then old, mid, new. */
	ck_assert_str_eq(acq(&lt, "x1", POOL_LEASE_NEW), "10.8.0.4");
	ck_assert_str_eq(acq(&lt, "x2", POOL_LEASE_NEW), "10.8.0.6");
	ck_assert_str_eq(acq(&lt, "x3", POOL_LEASE_TAKEN), "10.8.0.5");
	ck_assert_str_eq(acq(&lt, "x4", POOL_LEASE_TAKEN), "10.8.0.3");
	ck_assert_str_eq(acq(&lt, "new", POOL_LEASE_PREVIOUS), "10.8.0.2");
	ck_assert_str_eq(acq(&lt, "old", POOL_LEASE_FULL), "0.0.0.0");
	lt_free(&p, &lt);
}
END_TEST

START_TEST(test_restore_dup_lease)
{
	struct pool p;
	struct pool_leases lt;
	struct poolmap m;

	/* Entries given by hand (not through the loader) are checked too. */
	lt_new(&p, &lt, 24);
	poolmap_init(&m);
	ck_assert_int_eq(poolmap_add(&m, "a", A("10.8.0.9")), 0);
	ck_assert_int_eq(poolmap_add(&m, "b", A("10.8.0.9")), 0);
	ck_assert_int_eq(pool_leases_restore(&lt, &m, false, "mem",
	    warn_cb, warns), 1);
	ck_assert_int_eq(nwarn, 1);
	ck_assert_str_eq(warns[0], "mem: \"b\" 10.8.0.9: already leased to "
	    "\"a\"; skipped");
	poolmap_free(&m);
	lt_free(&p, &lt);
}
END_TEST

START_TEST(test_fixed_leases)
{
	struct pool p;
	struct pool_leases lt;
	struct poolmap m;

	/* SECONDS 0: the file is configuration; never given to others. */
	lt_new(&p, &lt, 29);
	poolmap_init(&m);
	ck_assert_int_eq(poolmap_add(&m, "boss", A("10.8.0.6")), 0);
	ck_assert_int_eq(pool_leases_restore(&lt, &m, true, "ipp", NULL,
	    NULL), 1);
	poolmap_free(&m);
	ck_assert_str_eq(acq(&lt, "a", POOL_LEASE_NEW), "10.8.0.2");
	ck_assert_str_eq(acq(&lt, "b", POOL_LEASE_NEW), "10.8.0.3");
	ck_assert_str_eq(acq(&lt, "c", POOL_LEASE_NEW), "10.8.0.4");
	ck_assert_str_eq(acq(&lt, "d", POOL_LEASE_NEW), "10.8.0.5");
	ck_assert_str_eq(acq(&lt, "e", POOL_LEASE_FULL), "0.0.0.0");
	ck_assert_str_eq(acq(&lt, "boss", POOL_LEASE_PREVIOUS), "10.8.0.6");
	rel(&lt, A("10.8.0.6"));
	rel(&lt, A("10.8.0.2"));
	/* a's dynamic lease goes, boss's fixed one stays. */
	ck_assert_str_eq(acq(&lt, "e", POOL_LEASE_TAKEN), "10.8.0.2");
	ck_assert_str_eq(acq(&lt, "f", POOL_LEASE_FULL), "0.0.0.0");
	ck_assert_str_eq(acq(&lt, "boss", POOL_LEASE_PREVIOUS), "10.8.0.6");
	lt_free(&p, &lt);
}
END_TEST

START_TEST(test_acquire_addr)
{
	struct pool p;
	struct pool_leases lt;
	struct in_addr a;
	char from[POOL_LEASE_CN_MAX + 1];

	lt_new(&p, &lt, 24);
	ck_assert_str_eq(acq(&lt, "alice", POOL_LEASE_NEW), "10.8.0.2");
	ck_assert_str_eq(acq(&lt, "bob", POOL_LEASE_NEW), "10.8.0.3");
	/* A free address. */
	ck_assert_int_eq(pool_lease_acquire_addr(&lt, "carol", H(), false,
	    A("10.8.0.50"), NULL), POOL_LEASE_NEW);
	ck_assert(pool_in_use(&p, A("10.8.0.50")));
	/* Online for someone else, or not a client address: refused. */
	ck_assert_int_eq(pool_lease_acquire_addr(&lt, "dave", H(), true,
	    A("10.8.0.2"), NULL), POOL_LEASE_FULL);
	ck_assert_int_eq(pool_lease_acquire_addr(&lt, "dave", H(), false,
	    A("10.8.0.1"), NULL), POOL_LEASE_FULL);
	ck_assert_int_eq(pool_lease_acquire_addr(&lt, "dave", H(), false,
	    A("10.9.0.5"), NULL), POOL_LEASE_FULL);
	/* An offline lease of another CN: ifconfig-push wins. */
	rel(&lt, A("10.8.0.3"));
	ck_assert_int_eq(pool_lease_acquire_addr(&lt, "dave", H(), false,
	    A("10.8.0.3"), from), POOL_LEASE_TAKEN);
	ck_assert_str_eq(from, "bob");
	/* bob comes back to a fresh address. */
	ck_assert_str_eq(acq(&lt, "bob", POOL_LEASE_NEW), "10.8.0.4");
	/* carol's ifconfig-push changes: the old lease is dropped. */
	rel(&lt, A("10.8.0.50"));
	ck_assert_int_eq(pool_lease_acquire_addr(&lt, "carol", H(), false,
	    A("10.8.0.60"), NULL), POOL_LEASE_NEW);
	ck_assert_ptr_null(pool_lease_lookup(&lt, A("10.8.0.50")));
	rel(&lt, A("10.8.0.60"));
	ck_assert_int_eq(pool_lease_acquire_addr(&lt, "carol", H(), false,
	    A("10.8.0.60"), NULL), POOL_LEASE_PREVIOUS);
	/* Static and dynamic agree: a dynamic CN never gets .60. */
	ck_assert_str_eq(acq(&lt, "erin", POOL_LEASE_NEW), "10.8.0.5");
	ck_assert_int_eq(pool_lease_acquire(&lt, "", H(), false, &a, NULL),
	    POOL_LEASE_FULL);
	lt_free(&p, &lt);
}
END_TEST

START_TEST(test_export_order_and_gen)
{
	struct pool p;
	struct pool_leases lt;
	struct poolmap m;
	uint64_t g;

	lt_new(&p, &lt, 24);
	poolmap_init(&m);
	ck_assert_int_eq(poolmap_add(&m, "fixed", A("10.8.0.100")), 0);
	ck_assert_int_eq(pool_leases_restore(&lt, &m, true, "x", NULL, NULL),
	    1);
	poolmap_free(&m);
	ck_assert_str_eq(acq(&lt, "a", POOL_LEASE_NEW), "10.8.0.2");
	ck_assert_str_eq(acq(&lt, "b", POOL_LEASE_NEW), "10.8.0.3");
	ck_assert_str_eq(acq(&lt, "c", POOL_LEASE_NEW), "10.8.0.4");
	g = lt.gen;
	rel(&lt, A("10.8.0.4"));
	ck_assert_uint_gt(lt.gen, g);
	rel(&lt, A("10.8.0.2"));
	g = lt.gen;
	/* Releasing an address twice, or one never leased, changes nothing. */
	rel(&lt, A("10.8.0.2"));
	rel(&lt, A("10.8.0.77"));
	ck_assert_uint_eq(lt.gen, g);
	ck_assert_uint_eq(p.used, 1);
	ck_assert_int_eq(pool_leases_export(&lt, &m), 0);
	ck_assert_uint_eq(m.n, 4);
	ck_assert_str_eq(m.v[0].cn, "c");	/* released first */
	ck_assert_str_eq(m.v[1].cn, "a");
	ck_assert_str_eq(m.v[2].cn, "fixed");
	ck_assert_str_eq(m.v[3].cn, "b");	/* online */
	ck_assert_str_eq(ntoa(m.v[3].addr), "10.8.0.3");
	poolmap_free(&m);
	lt_free(&p, &lt);
}
END_TEST

START_TEST(test_same_cn_twice)
{
	struct pool p;
	struct pool_leases lt;

	/* Two sessions of one CN (no duplicate-cn check yet): two leases. */
	lt_new(&p, &lt, 24);
	ck_assert_str_eq(acq(&lt, "alice", POOL_LEASE_NEW), "10.8.0.2");
	ck_assert_str_eq(acq(&lt, "alice", POOL_LEASE_NEW), "10.8.0.3");
	ck_assert_uint_eq(lt.count, 2);
	rel(&lt, A("10.8.0.3"));
	rel(&lt, A("10.8.0.2"));
	ck_assert_str_eq(acq(&lt, "bob", POOL_LEASE_NEW), "10.8.0.4");
	/* Each reconnect takes one of hers back. */
	acq(&lt, "alice", POOL_LEASE_PREVIOUS);
	acq(&lt, "alice", POOL_LEASE_PREVIOUS);
	ck_assert(pool_in_use(&p, A("10.8.0.2")));
	ck_assert(pool_in_use(&p, A("10.8.0.3")));
	ck_assert_str_eq(acq(&lt, "alice", POOL_LEASE_NEW), "10.8.0.5");
	lt_free(&p, &lt);
}
END_TEST

/* A /20: 4093 client addresses, across many bitmap words. */
START_TEST(test_large_pool_restart)
{
	struct pool p;
	struct pool_leases lt;
	struct poolmap m;
	struct in_addr a;
	char cn[32];
	uint32_t i;

	lt_new(&p, &lt, 20);
	for (i = 0; i < 4093; i++) {
		snprintf(cn, sizeof(cn), "client-%u", i);
		ck_assert_int_eq(pool_lease_acquire(&lt, cn, H(), false, &a,
		    NULL), POOL_LEASE_NEW);
		ck_assert_uint_eq(ntohl(a.s_addr), 0x0a080000u + 2 + i);
	}
	ck_assert_int_eq(pool_lease_acquire(&lt, "one-more", H(), false, &a,
	    NULL), POOL_LEASE_FULL);
	/* Every other client leaves; then the daemon restarts. */
	for (i = 0; i < 4093; i += 2)
		ck_assert(rel(&lt, (struct in_addr){
		    htonl(0x0a080000u + 2 + i) }));
	ck_assert_int_eq(pool_leases_export(&lt, &m), 0);
	ck_assert_int_eq(poolfile_save(tmpdir_path("ipp.txt"), &m, err,
	    sizeof(err)), 4093);
	poolmap_free(&m);
	lt_free(&p, &lt);
	lt_new(&p, &lt, 20);
	ck_assert_int_eq(load("ipp.txt", &m), 1);
	ck_assert_uint_eq(m.n, 4093);
	ck_assert_int_eq(pool_leases_restore(&lt, &m, false, "ipp.txt",
	    warn_cb, warns), 4093);
	poolmap_free(&m);
	ck_assert_int_eq(nwarn, 0);
	for (i = 4093; i-- > 0; ) {
		snprintf(cn, sizeof(cn), "client-%u", i);
		ck_assert_int_eq(pool_lease_acquire(&lt, cn, H(), false, &a,
		    NULL), POOL_LEASE_PREVIOUS);
		ck_assert_uint_eq(ntohl(a.s_addr), 0x0a080000u + 2 + i);
	}
	ck_assert_uint_eq(p.used, 4093);
	lt_free(&p, &lt);
}
END_TEST

/* No duplicate-cn: a CN's new session replaces its old one. */
START_TEST(test_takeover)
{
	struct pool p;
	struct pool_leases lt;
	struct in_addr a;

	lt_new(&p, &lt, 24);
	/* alice's first session, 100, holds .2; she reconnects as 101. */
	ck_assert_int_eq(pool_lease_acquire(&lt, "alice", 100, true, &a,
	    NULL), POOL_LEASE_NEW);
	ck_assert_str_eq(ntoa(a), "10.8.0.2");
	ck_assert_int_eq(pool_lease_acquire(&lt, "alice", 101, true, &a,
	    NULL), POOL_LEASE_TAKEOVER);
	ck_assert_str_eq(ntoa(a), "10.8.0.2");
	ck_assert_uint_eq(p.used, 1);
	/* The old session ends later: the address stays with the new. */
	ck_assert(!pool_lease_release(&lt, A("10.8.0.2"), 100));
	ck_assert(pool_in_use(&p, A("10.8.0.2")));
	ck_assert_uint_eq(pool_lease_lookup(&lt, A("10.8.0.2"))->holder, 101);
	ck_assert(pool_lease_release(&lt, A("10.8.0.2"), 101));
	ck_assert(!pool_in_use(&p, A("10.8.0.2")));
	ck_assert(!pool_lease_release(&lt, A("10.8.0.2"), 101));
	ck_assert_uint_eq(p.used, 0);
	/* duplicate-cn: a second session gets an address of its own. */
	ck_assert_int_eq(pool_lease_acquire(&lt, "alice", 102, false, &a,
	    NULL), POOL_LEASE_PREVIOUS);
	ck_assert_int_eq(pool_lease_acquire(&lt, "alice", 103, false, &a,
	    NULL), POOL_LEASE_NEW);
	ck_assert_str_eq(ntoa(a), "10.8.0.3");
	/* Holder 0 is "offline", never a session. */
	ck_assert_int_eq(pool_lease_acquire(&lt, "bob", 0, false, &a, NULL),
	    POOL_LEASE_FULL);

	/* A fixed address (ifconfig-push) is handed over the same way... */
	ck_assert_int_eq(pool_lease_acquire_addr(&lt, "carol", 200, true,
	    A("10.8.0.50"), NULL), POOL_LEASE_NEW);
	ck_assert_int_eq(pool_lease_acquire_addr(&lt, "carol", 201, true,
	    A("10.8.0.50"), NULL), POOL_LEASE_TAKEOVER);
	ck_assert(!pool_lease_release(&lt, A("10.8.0.50"), 200));
	ck_assert(pool_in_use(&p, A("10.8.0.50")));
	/* ...but with duplicate-cn two sessions cannot share it... */
	ck_assert_int_eq(pool_lease_acquire_addr(&lt, "carol", 202, false,
	    A("10.8.0.50"), NULL), POOL_LEASE_FULL);
	/* ...and no other CN takes it over. */
	ck_assert_int_eq(pool_lease_acquire_addr(&lt, "dave", 300, true,
	    A("10.8.0.50"), NULL), POOL_LEASE_FULL);
	ck_assert_int_eq(pool_lease_acquire(&lt, "dave", 300, true, &a,
	    NULL), POOL_LEASE_NEW);
	ck_assert_str_eq(ntoa(a), "10.8.0.4");
	/* An address allocated around the table is freed by anyone. */
	ck_assert_int_eq(pool_alloc_addr(&p, A("10.8.0.99")), 0);
	ck_assert(pool_lease_release(&lt, A("10.8.0.99"), 1));
	ck_assert(!pool_lease_release(&lt, A("10.8.0.99"), 1));
	ck_assert(!pool_lease_release(&lt, A("10.8.0.1"), 1));
	lt_free(&p, &lt);
}
END_TEST

static Suite *
poolfile_suite(void)
{
	Suite *s = suite_create("poolfile");
	TCase *tf = tcase_create("file");
	TCase *tl = tcase_create("leases");

	tcase_add_checked_fixture(tf, setup, tmpdir_remove);
	tcase_add_test(tf, test_round_trip);
	tcase_add_test(tf, test_openvpn_forms);
	tcase_add_test(tf, test_malformed_lines);
	tcase_add_test(tf, test_binary_and_long_lines);
	tcase_add_test(tf, test_load_missing_and_unreadable);
	tcase_add_test(tf, test_load_unreadable);
	tcase_add_test(tf, test_atomic_crash);
	tcase_add_test(tf, test_save_safety);
	suite_add_tcase(s, tf);
	tcase_add_checked_fixture(tl, setup, tmpdir_remove);
	tcase_add_test(tl, test_pool_alloc_addr);
	tcase_add_test(tl, test_same_address_after_restart);
	tcase_add_test(tl, test_reuse_order);
	tcase_add_test(tl, test_restore_order_and_checks);
	tcase_add_test(tl, test_restore_dup_lease);
	tcase_add_test(tl, test_fixed_leases);
	tcase_add_test(tl, test_acquire_addr);
	tcase_add_test(tl, test_export_order_and_gen);
	tcase_add_test(tl, test_same_cn_twice);
	tcase_add_test(tl, test_takeover);
	tcase_add_test(tl, test_large_pool_restart);
	suite_add_tcase(s, tl);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(poolfile_suite());
	int nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
