/*
 * Reloads after the privilege drop: the parser's record and replay
 * (cfg_files.c) and the privileged loader process (loader.c).
 *
 * A replay must give what a parse from disk gives, struct and error
 * alike, down to the errno text of a file that could not be read; a path
 * the record lacks is refused; the texts are bounded.  The loader is run
 * for real, as whoever runs the test: fetched twice, after a file
 * changed, after signals meant for the daemon, and after being killed.
 * As root, a forked child also drops to nobody (server/privdrop.c) and
 * reloads a 0600 key of root's through the loader; that part skips
 * without root.  Files live in a fresh temp dir per test.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cfg.h"
#include "cfg_files.h"
#include "loader.h"
#include "privdrop.h"
#include "tmpdir.h"
#include "vec.h"

#define TA_VEC		"udp-tls-auth-sha256/ta.key"

static const char CA_PEM[] =
    "-----BEGIN CERTIFICATE-----\nMIIBdummyCA\n-----END CERTIFICATE-----\n";
static const char CERT_PEM[] =
    "-----BEGIN CERTIFICATE-----\nMIIBdummyCert\n-----END CERTIFICATE-----\n";
static const char KEY_PEM[] =
    "-----BEGIN PRIVATE KEY-----\nMIIEdummyKey\n-----END PRIVATE KEY-----\n";
static const char CRL_PEM[] =
    "-----BEGIN X509 CRL-----\nMIIBdummyCRL\n-----END X509 CRL-----\n";
static const char CRL2_PEM[] =
    "-----BEGIN X509 CRL-----\nMIIBnewerCRL\n-----END X509 CRL-----\n";

/* Line 3 names the certificate, line 4 the key: the errors say so. */
static const char CONF[] =
    "dh none\n"
    "ca ca.crt\n"
    "cert server.crt\n"
    "key server.key\n"
    "crl-verify crl.pem\n"
    "tls-auth ta.key 0\n"
    "server 10.8.0.0 255.255.255.0\n"
    "exit-interface eth0\n";

static char	conf[512];
static char	err[1024], err2[1024];

static void
setup(void)
{
	char *ta;

	tmpdir_make("mcn-loader");
	tmpdir_write("ca.crt", CA_PEM);
	tmpdir_write("server.crt", CERT_PEM);
	tmpdir_write("server.key", KEY_PEM);
	tmpdir_write("crl.pem", CRL_PEM);
	ta = vec_read(TA_VEC, NULL);
	tmpdir_write("ta.key", ta);
	free(ta);
	tmpdir_write("test.conf", CONF);
	snprintf(conf, sizeof(conf), "%s", tmpdir_path("test.conf"));
}

/* Every field a file fills, and the path. */
static void
assert_same_cfg(const struct cfg *a, const struct cfg *b)
{
	ck_assert_str_eq(a->path, b->path);
	ck_assert_str_eq(a->ca_pem, b->ca_pem);
	ck_assert_str_eq(a->cert_pem, b->cert_pem);
	ck_assert_str_eq(a->key_pem, b->key_pem);
	ck_assert_str_eq(a->crl_path, b->crl_path);
	ck_assert_str_eq(a->crl_pem, b->crl_pem);
	ck_assert_int_eq(a->has_tls_auth, b->has_tls_auth);
	ck_assert_mem_eq(a->tls_auth_key, b->tls_auth_key,
	    sizeof(a->tls_auth_key));
	ck_assert_int_eq(a->tls_auth_dir, b->tls_auth_dir);
	ck_assert_int_eq(a->server_prefix, b->server_prefix);
}

/* files, through the wire form and back. */
static void
roundtrip(struct cfg_files *files)
{
	struct cfg_files back;
	uint8_t *buf;
	size_t len;

	ck_assert_int_eq(cfg_files_encode(files, &buf, &len), 0);
	cfg_files_init(&back);
	ck_assert_msg(cfg_files_decode(&back, buf, len, err, sizeof(err)) == 0,
	    "%s", err);
	cfg_files_wipe(buf, len);
	cfg_files_free(files);
	*files = back;
}

/* Records a parse of conf, checking it fails with the disk's error. */
static void
expect_same_error(struct cfg_files *fs)
{
	struct cfg *c;

	c = cfg_load(conf, err, sizeof(err));
	ck_assert_ptr_null(c);
	cfg_files_init(fs);
	c = cfg_load_ex(conf, CFG_READ_RECORD, fs, err2, sizeof(err2));
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err2, err);
	roundtrip(fs);
	c = cfg_load_ex(conf, CFG_READ_REPLAY, fs, err2, sizeof(err2));
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err2, err);
}

/* --- record and replay ---------------------------------------------------- */

START_TEST(replay_same_as_disk)
{
	struct cfg_files fs;
	struct cfg *disk, *rec, *rep;

	disk = cfg_load(conf, err, sizeof(err));
	ck_assert_msg(disk != NULL, "%s", err);
	cfg_files_init(&fs);
	rec = cfg_load_ex(conf, CFG_READ_RECORD, &fs, err, sizeof(err));
	ck_assert_msg(rec != NULL, "%s", err);
	assert_same_cfg(disk, rec);
	/* The config file and the five it names, each once. */
	ck_assert_uint_eq(fs.n, 6);
	ck_assert_str_eq(fs.v[0].path, conf);
	ck_assert_str_eq(fs.basedir.text, tmpdir);

	/* Nothing is read from disk any more. */
	tmpdir_remove();
	roundtrip(&fs);
	rep = cfg_load_ex(conf, CFG_READ_REPLAY, &fs, err, sizeof(err));
	ck_assert_msg(rep != NULL, "%s", err);
	assert_same_cfg(disk, rep);
	cfg_free(disk);
	cfg_free(rec);
	cfg_free(rep);
	cfg_files_free(&fs);
}
END_TEST

START_TEST(missing_file_same_error)
{
	struct cfg_files fs;
	char want[2048];

	ck_assert_int_eq(unlink(tmpdir_path("server.key")), 0);
	expect_same_error(&fs);
	snprintf(want, sizeof(want), "%s:4: key: %s: No such file or "
	    "directory", conf, tmpdir_path("server.key"));
	ck_assert_str_eq(err, want);
	/* Recorded as a failure, after the three files read before it. */
	ck_assert_uint_eq(fs.n, 4);
	ck_assert_ptr_null(fs.v[3].text);
	cfg_files_free(&fs);

	/* Not a regular file: not an errno, the same all the same. */
	ck_assert_int_eq(mkdir(tmpdir_path("server.key"), 0700), 0);
	expect_same_error(&fs);
	ck_assert_ptr_nonnull(strstr(err, "not a regular file"));
	cfg_files_free(&fs);
	ck_assert_int_eq(rmdir(tmpdir_path("server.key")), 0);

	/* The config file itself. */
	ck_assert_int_eq(unlink(conf), 0);
	expect_same_error(&fs);
	snprintf(want, sizeof(want), "%s: No such file or directory", conf);
	ck_assert_str_eq(err, want);
	cfg_files_free(&fs);
}
END_TEST

/* A syntax error after the files: the replay stops at the same line. */
START_TEST(config_error_same_error)
{
	struct cfg_files fs;

	tmpdir_write("test.conf", "ca ca.crt\nbogus-directive\n");
	expect_same_error(&fs);
	ck_assert_ptr_nonnull(strstr(err, ":2: unknown directive"));
	cfg_files_free(&fs);
}
END_TEST

/*
 * A file the reader may not open: EACCES, whose text must cross intact.
 * Root opens anything, so as root this runs in a child dropped to nobody.
 * Returns 0, or the number of the check that failed.
 */
static int
unreadable_checks(void)
{
	struct cfg_files fs;
	struct cfg *c;
	int rc = 0;

	cfg_files_init(&fs);
	if ((c = cfg_load(conf, err, sizeof(err))) != NULL)
		rc = 1;
	else if (strstr(err, "key: ") == NULL ||
	    strstr(err, strerror(EACCES)) == NULL)
		rc = 2;
	else if (cfg_load_ex(conf, CFG_READ_RECORD, &fs, err2,
	    sizeof(err2)) != NULL || strcmp(err, err2) != 0)
		rc = 3;
	else if (cfg_load_ex(conf, CFG_READ_REPLAY, &fs, err2,
	    sizeof(err2)) != NULL || strcmp(err, err2) != 0)
		rc = 4;
	if (rc != 0)
		fprintf(stderr, "check %d: disk \"%s\", record/replay \"%s\"\n",
		    rc, err, err2);
	cfg_free(c);
	cfg_files_free(&fs);
	return rc;
}

/* Runs fn as nobody in a child (as root), or here (as anyone else). */
static void
as_unprivileged(int (*fn)(void))
{
	const char *group = getgrnam("nogroup") != NULL ? "nogroup" : "nobody";
	pid_t pid;
	int status;

	if (geteuid() != 0) {
		ck_assert_int_eq(fn(), 0);
		return;
	}
	ck_assert_int_eq(chmod(tmpdir, 0755), 0);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		if (privdrop("nobody", group, false, err, sizeof(err)) == -1) {
			fprintf(stderr, "privdrop: %s\n", err);
			_exit(100);
		}
		_exit(fn());
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "as nobody: status %d", status);
}

START_TEST(unreadable_same_error)
{
	if (geteuid() == 0 && getpwnam("nobody") == NULL)
		return;		/* nobody to drop to */
	ck_assert_int_eq(chmod(tmpdir_path("server.key"), 0), 0);
	as_unprivileged(unreadable_checks);
}
END_TEST

START_TEST(path_not_in_set)
{
	struct cfg_files fs;
	struct cfg *c;
	char want[2048];

	cfg_files_init(&fs);
	c = cfg_load_ex(conf, CFG_READ_RECORD, &fs, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	cfg_free(c);
	/* Take the key out of the record. */
	ck_assert_str_eq(fs.v[3].path, tmpdir_path("server.key"));
	free(fs.v[3].path);
	ck_assert_ptr_nonnull(fs.v[3].path = strdup("/elsewhere"));
	c = cfg_load_ex(conf, CFG_READ_REPLAY, &fs, err, sizeof(err));
	ck_assert_ptr_null(c);
	snprintf(want, sizeof(want), "%s:4: key: %s: not read by the loader",
	    conf, tmpdir_path("server.key"));
	ck_assert_str_eq(err, want);

	/* Another config path than the loader's. */
	c = cfg_load_ex(tmpdir_path("other.conf"), CFG_READ_REPLAY, &fs, err,
	    sizeof(err));
	ck_assert_ptr_null(c);
	snprintf(want, sizeof(want), "%s: not read by the loader",
	    tmpdir_path("other.conf"));
	ck_assert_str_eq(err, want);
	cfg_files_free(&fs);

	/* An empty set has no directory either. */
	cfg_files_init(&fs);
	c = cfg_load_ex(conf, CFG_READ_REPLAY, &fs, err, sizeof(err));
	ck_assert_ptr_null(c);
	snprintf(want, sizeof(want), "%s: not read by the loader", conf);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(total_bounded)
{
	struct cfg_files fs, small;
	struct cfg *c;
	uint8_t *buf;
	size_t len;
	char want[2048];

	/* Room for the config, the CA and not the certificate. */
	cfg_files_init(&fs);
	fs.limit = sizeof(CONF) - 1 + sizeof(CA_PEM) - 1 + 4;
	ck_assert_ptr_null(cfg_load_ex(conf, CFG_READ_RECORD, &fs, err,
	    sizeof(err)));
	snprintf(want, sizeof(want), "%s:3: cert: %s: with the files before "
	    "it, more than the loader passes (%zu bytes in all)", conf,
	    tmpdir_path("server.crt"), fs.limit);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(cfg_load_ex(conf, CFG_READ_REPLAY, &fs, err2,
	    sizeof(err2)));
	ck_assert_str_eq(err2, want);
	cfg_files_free(&fs);

	/* The decoder holds a set to its own limit. */
	cfg_files_init(&fs);
	c = cfg_load_ex(conf, CFG_READ_RECORD, &fs, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	cfg_free(c);
	ck_assert_int_eq(cfg_files_encode(&fs, &buf, &len), 0);
	cfg_files_init(&small);
	small.limit = fs.total - 1;
	ck_assert_int_eq(cfg_files_decode(&small, buf, len, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "more than"));
	ck_assert_uint_eq(small.n, 0);
	small.limit = fs.total;
	ck_assert_int_eq(cfg_files_decode(&small, buf, len, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(small.n, fs.n);
	cfg_files_free(&small);
	cfg_files_wipe(buf, len);
	cfg_files_free(&fs);
	ck_assert_uint_ge(CFG_FILES_MAX_TOTAL, 64u * 1024 * 1024);
}
END_TEST

/* Every cut, a byte more, a NUL in a path, a path twice: refused. */
START_TEST(decode_malformed)
{
	struct cfg_files fs;
	struct cfg *c;
	uint8_t *buf, *b2;
	size_t len, i;

	cfg_files_init(&fs);
	c = cfg_load_ex(conf, CFG_READ_RECORD, &fs, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	cfg_free(c);
	ck_assert_int_eq(cfg_files_encode(&fs, &buf, &len), 0);
	cfg_files_free(&fs);
	for (i = 0; i < len; i++) {
		ck_assert_int_eq(cfg_files_decode(&fs, buf, i, err,
		    sizeof(err)), -1);
		ck_assert_uint_eq(fs.n, 0);
	}
	ck_assert_ptr_nonnull(b2 = malloc(len + 1));
	memcpy(b2, buf, len);
	b2[len] = 0;
	ck_assert_int_eq(cfg_files_decode(&fs, b2, len + 1, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "after the last file"));

	/* The first file's path comes after the count, the base
	 * directory's entry (kind, length, tmpdir, length, tmpdir resolved)
	 * and its own kind and length. */
	i = 4 + (1 + 4 + strlen(tmpdir) + 4 + strlen(tmpdir)) + 1 + 4;
	ck_assert_mem_eq(buf + i, conf, strlen(conf));
	b2[i + 1] = '\0';
	ck_assert_int_eq(cfg_files_decode(&fs, b2, len, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "bad path"));

	memcpy(b2, buf, len);
	b2[3] = 0xff;		/* a count past CFG_FILES_MAX_ENTRIES */
	ck_assert_int_eq(cfg_files_decode(&fs, b2, len, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "more than"));
	free(b2);
	cfg_files_wipe(buf, len);

	/* A path twice. */
	cfg_files_init(&fs);
	ck_assert_ptr_nonnull(fs.v = calloc(2, sizeof(*fs.v)));
	fs.n = 2;
	fs.v[0].path = strdup("/a");
	fs.v[0].reason = strdup("x");
	fs.v[1].path = strdup("/a");
	fs.v[1].reason = strdup("y");
	ck_assert_int_eq(cfg_files_encode(&fs, &buf, &len), 0);
	cfg_files_free(&fs);
	ck_assert_int_eq(cfg_files_decode(&fs, buf, len, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "twice"));
	cfg_files_wipe(buf, len);
}
END_TEST

/* --- the loader process ----------------------------------------------- */

/* A line of /proc/PID/status, after its key. */
static void
proc_status(pid_t pid, const char *key, char *out, size_t outlen)
{
	char path[64], line[256];
	size_t klen = strlen(key);
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)pid);
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			snprintf(out, outlen, "%s", line + klen + 1 +
			    strspn(line + klen + 1, " \t"));
			out[strcspn(out, "\n")] = '\0';
			break;
		}
	fclose(f);
}

/* Only its socket (3) and /dev/null on 0-2 (seen by root alone). */
static void
assert_loader_fds(pid_t pid)
{
	char dir[64], link[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(dir, sizeof(dir), "/proc/%ld/fd", (long)pid);
	for (fd = 0; fd < 64; fd++) {
		snprintf(link, sizeof(link), "%s/%d", dir, fd);
		n = readlink(link, target, sizeof(target) - 1);
		/* Not dumpable: only root may look. */
		if (n == -1 && errno == EACCES && geteuid() != 0)
			return;
		if (fd > 3) {
			ck_assert_msg(n == -1, "the loader has fd %d open", fd);
			continue;
		}
		ck_assert_int_gt(n, 0);
		target[n] = '\0';
		if (fd < 3)
			ck_assert_str_eq(target, "/dev/null");
		else
			ck_assert_ptr_nonnull(strstr(target, "socket:"));
	}
}

static struct loader *
start(void)
{
	struct loader *ld = loader_start(conf, err, sizeof(err));

	ck_assert_msg(ld != NULL, "%s", err);
	return ld;
}

START_TEST(loader_fetches)
{
	struct loader *ld = start();
	struct cfg *disk, *c;
	char v[256], mine[256];
	pid_t pid = loader_pid(ld);

	ck_assert_int_gt(pid, 0);
	disk = cfg_load(conf, err, sizeof(err));
	ck_assert_msg(disk != NULL, "%s", err);
	c = loader_load(ld, conf, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	assert_same_cfg(disk, c);
	cfg_free(c);
	c = loader_load(ld, conf, err, sizeof(err));
	ck_assert_msg(c != NULL, "second fetch: %s", err);
	assert_same_cfg(disk, c);
	cfg_free(c);

	/* What it reads is read now, not at start. */
	tmpdir_write("crl.pem", CRL2_PEM);
	c = loader_load(ld, conf, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->crl_pem, CRL2_PEM);
	cfg_free(c);

	/* How it runs. */
	snprintf(v, sizeof(v), "/proc/%ld/comm", (long)pid);
	{
		FILE *f = fopen(v, "r");

		ck_assert_ptr_nonnull(f);
		ck_assert_ptr_nonnull(fgets(v, sizeof(v), f));
		fclose(f);
	}
	ck_assert_str_eq(v, "mycrypnetd-load\n");
	proc_status(pid, "NoNewPrivs", v, sizeof(v));
	ck_assert_str_eq(v, "1");
	proc_status(pid, "CapInh", v, sizeof(v));
	ck_assert_uint_eq(strtoull(v, NULL, 16), 0);
	proc_status(pid, "CapAmb", v, sizeof(v));
	ck_assert_uint_eq(strtoull(v, NULL, 16), 0);
	/* CAP_DAC_READ_SEARCH (2) if we had it, and nothing else. */
	proc_status(getpid(), "CapPrm", mine, sizeof(mine));
	proc_status(pid, "CapEff", v, sizeof(v));
	ck_assert_uint_eq(strtoull(v, NULL, 16),
	    strtoull(mine, NULL, 16) & 0x4);
	proc_status(pid, "CapPrm", v, sizeof(v));
	ck_assert_uint_eq(strtoull(v, NULL, 16),
	    strtoull(mine, NULL, 16) & 0x4);
	proc_status(getpid(), "CapEff", mine, sizeof(mine));
	if (strtoull(mine, NULL, 16) & (1u << 8)) {	/* CAP_SETPCAP */
		proc_status(pid, "CapBnd", v, sizeof(v));
		ck_assert_uint_eq(strtoull(v, NULL, 16) & ~0x4ull, 0);
	}
	proc_status(pid, "Uid", v, sizeof(v));
	ck_assert_uint_eq(strtoul(v, NULL, 10), getuid());
	assert_loader_fds(pid);

	/* Signals meant for the daemon leave it be. */
	ck_assert_int_eq(kill(pid, SIGHUP), 0);
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(kill(pid, SIGUSR2), 0);
	ck_assert_int_eq(kill(pid, SIGINT), 0);
	c = loader_load(ld, conf, err, sizeof(err));
	ck_assert_msg(c != NULL, "after signals: %s", err);
	cfg_free(c);

	cfg_free(disk);
	loader_stop(ld);
	/* Reaped: the pid is no longer ours. */
	ck_assert_int_eq(kill(pid, 0), -1);
	ck_assert_int_eq(errno, ESRCH);
}
END_TEST

START_TEST(loader_same_error)
{
	struct loader *ld = start();
	struct cfg *c;

	ck_assert_int_eq(unlink(tmpdir_path("crl.pem")), 0);
	ck_assert_ptr_null(cfg_load(conf, err2, sizeof(err2)));
	c = loader_load(ld, conf, err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, err2);
	ck_assert_ptr_nonnull(strstr(err, "crl-verify"));
	/* A refused config does not stop the loader. */
	tmpdir_write("crl.pem", CRL_PEM);
	c = loader_load(ld, conf, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	cfg_free(c);
	/* It reads the path it was started with, whatever one asks. */
	tmpdir_write("other.conf", CONF);
	c = loader_load(ld, tmpdir_path("other.conf"), err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err, ": not read by the loader"));
	loader_stop(ld);
}
END_TEST

START_TEST(loader_killed)
{
	struct loader *ld = start();
	struct cfg_files fs;

	ck_assert_int_eq(kill(loader_pid(ld), SIGKILL), 0);
	ck_assert_int_eq(loader_fetch(ld, &fs, err, sizeof(err)), -1);
	ck_assert_str_eq(err, LOADER_GONE);
	ck_assert_uint_eq(fs.n, 0);
	cfg_files_free(&fs);
	/* For good, and reaped. */
	ck_assert_int_eq(loader_pid(ld), -1);
	ck_assert_ptr_null(loader_load(ld, conf, err, sizeof(err)));
	ck_assert_str_eq(err, "the privileged loader has exited; restart "
	    "mycrypnetd to reload");
	loader_stop(ld);
	loader_stop(NULL);
}
END_TEST

/* Without a loader, loader_load is cfg_load. */
START_TEST(no_loader_reads_disk)
{
	struct cfg *c = loader_load(NULL, conf, err, sizeof(err));

	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->key_pem, KEY_PEM);
	cfg_free(c);
}
END_TEST

/*
 * The child of root_reload_after_drop: starts the loader as root, drops
 * to nobody, and reloads a key it can no longer read.  0, or the check
 * that failed.
 */
static int
drop_and_reload(const char *group)
{
	struct loader *ld;
	struct cfg *c;
	pid_t pid;

	if ((ld = loader_start(conf, err, sizeof(err))) == NULL)
		return 1;
	pid = loader_pid(ld);
	if (privdrop("nobody", group, false, err, sizeof(err)) == -1)
		return 2;
	/* From disk it no longer works... */
	if ((c = cfg_load(conf, err, sizeof(err))) != NULL ||
	    strstr(err, strerror(EACCES)) == NULL)
		return 3;
	/* ...through the loader it does, twice. */
	if ((c = loader_load(ld, conf, err, sizeof(err))) == NULL)
		return 4;
	if (strcmp(c->key_pem, KEY_PEM) != 0)
		return 5;
	cfg_free(c);
	if ((c = loader_load(ld, conf, err, sizeof(err))) == NULL)
		return 6;
	cfg_free(c);
	/* It is root's: nobody cannot kill it, yet stopping reaps it. */
	if (kill(pid, SIGKILL) != -1 || errno != EPERM)
		return 7;
	loader_stop(ld);
	if (kill(pid, 0) != -1 || errno != ESRCH)
		return 8;
	return 0;
}

START_TEST(root_reload_after_drop)
{
	const char *group;
	pid_t pid;
	int status;

	if (geteuid() != 0 || getpwnam("nobody") == NULL) {
		fprintf(stderr, "SKIP: root_reload_after_drop needs root and "
		    "a user nobody\n");
		return;
	}
	group = getgrnam("nogroup") != NULL ? "nogroup" : "nobody";
	/* Root's alone: the directory and every file. */
	ck_assert_int_eq(chmod(tmpdir, 0700), 0);
	ck_assert_int_eq(chmod(tmpdir_path("server.key"), 0600), 0);
	ck_assert_int_eq(chmod(conf, 0600), 0);
	ck_assert_int_ne(pid = fork(), -1);
	if (pid == 0) {
		int rc = drop_and_reload(group);

		if (rc != 0)
			fprintf(stderr, "check %d: %s\n", rc, err);
		_exit(rc);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "check %d failed (see stderr)", WEXITSTATUS(status));
}
END_TEST

int
main(void)
{
	Suite *s;
	TCase *tc;
	SRunner *sr;
	int failed;

	s = suite_create("loader");
	tc = tcase_create("record");
	tcase_add_checked_fixture(tc, setup, tmpdir_remove);
	tcase_add_test(tc, replay_same_as_disk);
	tcase_add_test(tc, missing_file_same_error);
	tcase_add_test(tc, config_error_same_error);
	tcase_add_test(tc, unreadable_same_error);
	tcase_add_test(tc, path_not_in_set);
	tcase_add_test(tc, total_bounded);
	tcase_add_test(tc, decode_malformed);
	suite_add_tcase(s, tc);
	tc = tcase_create("process");
	tcase_add_checked_fixture(tc, setup, tmpdir_remove);
	tcase_add_test(tc, loader_fetches);
	tcase_add_test(tc, loader_same_error);
	tcase_add_test(tc, loader_killed);
	tcase_add_test(tc, no_loader_reads_disk);
	tcase_add_test(tc, root_reload_after_drop);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	/* Loaders are children of the test: each test its own process. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
