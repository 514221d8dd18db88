/*
 * ifconfig-pool-persist files (poolfile.h): OpenVPN's "CN,IPv4[,IPv6]"
 * lines, read leniently (a bad line is reported and skipped, never
 * fatal) and written atomically.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "poolfile.h"

void
poolmap_init(struct poolmap *m)
{
	memset(m, 0, sizeof(*m));
}

void
poolmap_free(struct poolmap *m)
{
	free(m->v);
	memset(m, 0, sizeof(*m));
}

static struct poolmap_entry *
poolmap_push(struct poolmap *m)
{
	struct poolmap_entry *v;
	size_t ncap;

	if (m->n == m->cap) {
		ncap = m->cap ? m->cap * 2 : 64;
		if ((v = reallocarray(m->v, ncap, sizeof(*v))) == NULL)
			return NULL;
		m->v = v;
		m->cap = ncap;
	}
	memset(&m->v[m->n], 0, sizeof(m->v[m->n]));
	return &m->v[m->n++];
}

int
poolmap_add(struct poolmap *m, const char *cn, struct in_addr addr)
{
	struct poolmap_entry *e;
	size_t len = strlen(cn);

	if (len == 0 || len > POOLFILE_CN_MAX || (e = poolmap_push(m)) == NULL)
		return -1;
	memcpy(e->cn, cn, len + 1);
	e->addr = addr;
	return 0;
}

const struct poolmap_entry *
poolmap_find(const struct poolmap *m, const char *cn)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->v[i].cn, cn) == 0)
			return &m->v[i];
	return NULL;
}

bool
poolfile_cn_ok(const char *cn)
{
	const unsigned char *p = (const unsigned char *)cn;

	if (*p == '\0' || *p == '#' || *p == ';' ||
	    strlen(cn) > POOLFILE_CN_MAX)
		return false;
	for (; *p; p++)
		if (*p == ',' || *p < 0x20 || *p == 0x7f)
			return false;
	return true;
}

/* --- reading ---------------------------------------------------------- */

/*
 * Addresses seen so far, to refuse a second line for one address: open
 * addressing over the address, holding entry index + 1 (0 = empty).
 */
struct addrset {
	uint32_t	*slot;
	size_t		 mask;		/* capacity - 1, a power of two - 1 */
	size_t		 n;
};

static size_t
addr_hash(uint32_t a)
{
	a ^= a >> 16;
	a *= 0x7feb352dU;
	a ^= a >> 15;
	return a;
}

/* The index of addr's entry in map, or -1; inserts idx if absent. */
static int64_t
addrset_check(struct addrset *s, const struct poolmap *map, uint32_t addr,
    size_t idx)
{
	uint32_t *ns;
	size_t i, j, ncap;

	if ((s->n + 1) * 2 > s->mask + 1) {
		ncap = s->slot ? (s->mask + 1) * 2 : 256;
		if ((ns = calloc(ncap, sizeof(*ns))) == NULL)
			return -2;
		for (i = 0; s->slot && i <= s->mask; i++) {
			if (s->slot[i] == 0)
				continue;
			j = addr_hash(map->v[s->slot[i] - 1].addr.s_addr);
			while (ns[j & (ncap - 1)] != 0)
				j++;
			ns[j & (ncap - 1)] = s->slot[i];
		}
		free(s->slot);
		s->slot = ns;
		s->mask = ncap - 1;
	}
	for (j = addr_hash(addr); s->slot[j & s->mask] != 0; j++)
		if (map->v[s->slot[j & s->mask] - 1].addr.s_addr == addr)
			return s->slot[j & s->mask] - 1;
	s->slot[j & s->mask] = (uint32_t)idx + 1;
	s->n++;
	return -1;
}

struct loadctx {
	const char		*path;
	poolfile_warn_fn	*warn;
	void			*arg;
	int			 line;
};

static void warn_line(struct loadctx *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static void
warn_line(struct loadctx *lc, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	int n;

	if (lc->warn == NULL)
		return;
	n = snprintf(msg, sizeof(msg), "%s:%d: ", lc->path, lc->line);
	if (n >= 0 && (size_t)n < sizeof(msg)) {
		va_start(ap, fmt);
		vsnprintf(msg + n, sizeof(msg) - (size_t)n, fmt, ap);
		va_end(ap);
	}
	lc->warn(lc->arg, msg);
}

/*
 * One line, without its newline: 1 parsed into *e, 0 blank or comment,
 * -1 malformed (reported).
 */
static int
parse_line(struct loadctx *lc, char *s, size_t len, struct poolmap_entry *e)
{
	char *f[3], *p;
	int nf = 0;

	if (strlen(s) != len) {
		warn_line(lc, "contains a NUL byte");
		return -1;
	}
	if (len > 0 && s[len - 1] == '\r')
		s[--len] = '\0';
	if (s[strspn(s, " \t")] == '\0' || s[0] == '#' || s[0] == ';')
		return 0;
	if (len > POOLFILE_LINE_MAX) {
		warn_line(lc, "longer than %d characters", POOLFILE_LINE_MAX);
		return -1;
	}
	for (p = s; nf < 3; nf++) {
		f[nf] = p;
		if ((p = strchr(p, ',')) == NULL) {
			nf++;
			break;
		}
		*p++ = '\0';
	}
	if (p != NULL) {
		warn_line(lc, "more than three comma-separated fields "
		    "(expected CN,IPv4[,IPv6])");
		return -1;
	}
	if (nf < 2) {
		warn_line(lc, "no ',' (expected CN,IPv4[,IPv6])");
		return -1;
	}
	if (*f[0] == '\0') {
		warn_line(lc, "empty common name");
		return -1;
	}
	if (strlen(f[0]) > POOLFILE_CN_MAX) {
		warn_line(lc, "common name longer than %d characters",
		    POOLFILE_CN_MAX);
		return -1;
	}
	if (!poolfile_cn_ok(f[0])) {
		warn_line(lc, "common name contains a control character");
		return -1;
	}
	if (*f[1] == '\0') {
		warn_line(lc, "no IPv4 address for \"%s\" (entries for IPv6 "
		    "only are not used)", f[0]);
		return -1;
	}
	if (inet_pton(AF_INET, f[1], &e->addr) != 1) {
		warn_line(lc, "'%s' is not an IPv4 address", f[1]);
		return -1;
	}
	if (nf == 3 && *f[2] != '\0') {
		if (inet_pton(AF_INET6, f[2], &e->addr6) != 1) {
			warn_line(lc, "'%s' is not an IPv6 address", f[2]);
			return -1;
		}
		e->has_addr6 = true;
	}
	strcpy(e->cn, f[0]);
	e->line = lc->line;
	return 1;
}

int
poolfile_load(const char *path, struct poolmap *map, poolfile_warn_fn *warn,
    void *arg, char *err, size_t errlen)
{
	struct loadctx lc = { path, warn, arg, 0 };
	struct addrset seen = { NULL, 0, 0 };
	struct poolmap_entry *e;
	struct stat st;
	FILE *f = NULL;
	char *line = NULL, abuf[INET_ADDRSTRLEN];
	size_t cap = 0;
	ssize_t len;
	int64_t prev;
	int fd, r, rc = -1;

	poolmap_init(map);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		close(fd);
		return -1;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	for (;;) {
		errno = 0;
		if ((len = getline(&line, &cap, f)) == -1)
			break;
		lc.line++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if ((e = poolmap_push(map)) == NULL)
			goto nomem;
		if ((r = parse_line(&lc, line, (size_t)len, e)) == 1) {
			prev = addrset_check(&seen, map, e->addr.s_addr,
			    map->n - 1);
			if (prev == -2)
				goto nomem;
			if (prev < 0)
				continue;
			warn_line(&lc, "%s already given to \"%s\" on line %d",
			    inet_ntop(AF_INET, &e->addr, abuf, sizeof(abuf)),
			    map->v[prev].cn, map->v[prev].line);
		}
		map->n--;	/* blank, comment or malformed */
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno ? errno :
		    EIO));
		goto out;
	}
	rc = 1;
	goto out;
 nomem:
	snprintf(err, errlen, "%s: out of memory", path);
 out:
	if (rc == -1)
		poolmap_free(map);
	free(seen.slot);
	free(line);
	fclose(f);
	return rc;
}

/* --- writing ---------------------------------------------------------- */

static char *
tmp_path(const char *path)
{
	char *t;

	if (asprintf(&t, "%s%s", path, POOLFILE_TMP_SUFFIX) == -1)
		return NULL;
	return t;
}

int
poolfile_save_prepare(const char *path, const struct poolmap *map,
    char *err, size_t errlen)
{
	char *tmp, a4[INET_ADDRSTRLEN], a6[INET6_ADDRSTRLEN];
	struct stat st;
	FILE *f = NULL;
	size_t i;
	int fd = -1, n = 0, rc = -1;

	if ((tmp = tmp_path(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	/*
	 * A FILE.tmp left by a crash is removed, then created anew with
	 * O_EXCL: never written through a link someone else planted.
	 */
	if (unlink(tmp) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
	    O_CLOEXEC, 0600)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	/* Keep the permissions the admin gave the file. */
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    fchmod(fd, st.st_mode & 0777) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	if ((f = fdopen(fd, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	for (i = 0; i < map->n; i++) {
		const struct poolmap_entry *e = &map->v[i];

		if (!poolfile_cn_ok(e->cn))
			continue;
		inet_ntop(AF_INET, &e->addr, a4, sizeof(a4));
		if (e->has_addr6)
			inet_ntop(AF_INET6, &e->addr6, a6, sizeof(a6));
		else
			a6[0] = '\0';
		/* OpenVPN's own layout: "CN,IPv4," without IPv6. */
		fprintf(f, "%s,%s,%s\n", e->cn, a4, a6);
		n++;
	}
	if (fflush(f) == EOF || ferror(f) || fsync(fileno(f)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno ? errno :
		    EIO));
		goto fail;
	}
	if (fclose(f) == EOF) {
		f = NULL;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto fail;
	}
	f = NULL;
	rc = n;
	goto out;
 fail:
	unlink(tmp);
 out:
	if (f != NULL)
		fclose(f);
	if (fd != -1)
		close(fd);
	free(tmp);
	return rc;
}

int
poolfile_save_commit(const char *path, char *err, size_t errlen)
{
	char *tmp, *dir = NULL, *slash;
	int dfd, rc = -1;

	if ((tmp = tmp_path(path)) == NULL || (dir = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out;
	}
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: rename from %s: %s", path, tmp,
		    strerror(errno));
		unlink(tmp);
		goto out;
	}
	/* The rename is only durable once the directory is on disk. */
	if ((slash = strrchr(dir, '/')) == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if (fsync(dfd) == -1) {
		snprintf(err, errlen, "%s: fsync: %s", dir, strerror(errno));
		close(dfd);
		goto out;
	}
	close(dfd);
	rc = 0;
 out:
	free(tmp);
	free(dir);
	return rc;
}

int
poolfile_save(const char *path, const struct poolmap *map, char *err,
    size_t errlen)
{
	int n;

	if ((n = poolfile_save_prepare(path, map, err, errlen)) == -1 ||
	    poolfile_save_commit(path, err, errlen) == -1)
		return -1;
	return n;
}
