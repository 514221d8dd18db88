/*
 * client-config-dir files (ccd.h): the file lookup OpenVPN does (DIR/CN,
 * else DIR/DEFAULT) and a small directive table over cfg_lex.
 *
 * Invariants: a struct ccd is only handed out whole; any error empties it
 * and leaves one "FILE:LINE: reason" line in err.  Every address in it
 * has been checked against the server subnet.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "ccd.h"
#include "cfg.h"
#include "cfg_lex.h"

#define PUSH_MAX_LEN	255	/* as the main config's push */

struct ccd_pstate {
	struct ccd	*c;
	const char	*name;
	int		 line;
	uint32_t	 net;		/* server subnet, host order */
	uint32_t	 mask;
	int		 prefix;
	int		 ifconfig_line;	/* line of ifconfig-push, or 0 */
	int		*iroute_line;	/* parallel to c->iroute */
	char		*err;
	size_t		 errlen;
};

static int perr(struct ccd_pstate *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

static int
perr(struct ccd_pstate *ps, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->line > 0)
		n = snprintf(ps->err, ps->errlen, "%s:%d: ", ps->name,
		    ps->line);
	else
		n = snprintf(ps->err, ps->errlen, "%s: ", ps->name);
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static const char *
ntoa(uint32_t host, char buf[INET_ADDRSTRLEN])
{
	struct in_addr a;

	a.s_addr = htonl(host);
	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

/* A dotted-quad address in host order; host names are not resolved. */
static int
addr_arg(struct ccd_pstate *ps, const char *what, const char *s,
    uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return perr(ps, "%s: '%s' is not an IPv4 address (host names "
		    "are not resolved)", what, s);
	*out = ntohl(a.s_addr);
	return 0;
}

static int
mask_arg(struct ccd_pstate *ps, const char *what, const char *s,
    uint32_t *out)
{
	if (addr_arg(ps, what, s, out) == -1)
		return -1;
	if (((~*out) & (~*out + 1)) != 0)
		return perr(ps, "%s: netmask %s is not contiguous", what, s);
	return 0;
}

/* --- the directives ------------------------------------------------- */

static int
set_ifconfig_push(struct ccd_pstate *ps, int argc, char **argv)
{
	struct ccd *c = ps->c;
	char nbuf[INET_ADDRSTRLEN], mbuf[INET_ADDRSTRLEN];
	uint32_t a = 0, m = 0, host;

	if (argc == 4)
		return perr(ps, "ifconfig-push: the alias argument ('%s') is "
		    "not supported", argv[3]);
	if (ps->ifconfig_line != 0)
		return perr(ps, "'ifconfig-push' already given on line %d",
		    ps->ifconfig_line);
	if (addr_arg(ps, "ifconfig-push", argv[1], &a) == -1 ||
	    mask_arg(ps, "ifconfig-push", argv[2], &m) == -1)
		return -1;
	if (m != ps->mask)
		return perr(ps, "ifconfig-push: netmask %s is not the server's "
		    "netmask %s (topology subnet: clients share the server's "
		    "subnet)", argv[2], ntoa(ps->mask, mbuf));
	if ((a & ps->mask) != ps->net)
		return perr(ps, "ifconfig-push: %s is outside the server "
		    "subnet %s/%d", argv[1], ntoa(ps->net, nbuf), ps->prefix);
	host = a & ~ps->mask;
	if (host == 0 || host == 1 || host == ~ps->mask)
		return perr(ps, "ifconfig-push: %s is the %s address of %s/%d, "
		    "not a client address", argv[1], host == 0 ? "network" :
		    host == 1 ? "server's own" : "broadcast",
		    ntoa(ps->net, nbuf), ps->prefix);
	c->has_ifconfig = true;
	c->ifconfig_addr.s_addr = htonl(a);
	c->ifconfig_mask.s_addr = htonl(m);
	ps->ifconfig_line = ps->line;
	return 0;
}

static int
set_push(struct ccd_pstate *ps, int argc, char **argv)
{
	struct ccd *c = ps->c;
	const char *o = argv[1];
	char **n;

	if (*o == '\0')
		return perr(ps, "push: empty option");
	if (strchr(o, ',') != NULL)
		return perr(ps, "push \"%s\": an option must not contain a "
		    "comma (the push reply is comma-separated); use one push "
		    "line per option", o);
	if (strlen(o) > PUSH_MAX_LEN)
		return perr(ps, "push: option longer than %d characters",
		    PUSH_MAX_LEN);
	if (c->npush == CCD_MAX_PUSH)
		return perr(ps, "push: more than %d options", CCD_MAX_PUSH);
	if ((n = realloc(c->push, (c->npush + 1) * sizeof(*n))) == NULL)
		return perr(ps, "push: out of memory");
	c->push = n;
	if ((c->push[c->npush] = strdup(o)) == NULL)
		return perr(ps, "push: out of memory");
	c->npush++;
	return 0;
}

/*
 * OpenVPN's push-reset empties the push list inherited so far: the main
 * config's, and this file's push lines above it.
 */
static int
set_push_reset(struct ccd_pstate *ps, int argc, char **argv)
{
	struct ccd *c = ps->c;
	size_t i;

	for (i = 0; i < c->npush; i++)
		free(c->push[i]);
	free(c->push);
	c->push = NULL;
	c->npush = 0;
	c->push_reset = true;
	return 0;
}

static int
set_iroute(struct ccd_pstate *ps, int argc, char **argv)
{
	struct ccd *c = ps->c;
	struct ccd_iroute *r;
	char nbuf[INET_ADDRSTRLEN];
	uint32_t net = 0, mask = 0xffffffffu, common;
	int prefix, *lines;
	size_t i;

	if (addr_arg(ps, "iroute", argv[1], &net) == -1 ||
	    (argc == 3 && mask_arg(ps, "iroute", argv[2], &mask) == -1))
		return -1;
	prefix = __builtin_popcount(mask);
	if ((net & ~mask) != 0)
		return perr(ps, "iroute %s/%d: the network has host bits set "
		    "(did you mean %s?)", argv[1], prefix,
		    ntoa(net & mask, nbuf));
	/*
	 * A subnet overlapping the tunnel's would let this client claim
	 * other clients' addresses past the origin check.
	 */
	common = mask & ps->mask;
	if ((net & common) == (ps->net & common))
		return perr(ps, "iroute %s/%d overlaps the tunnel subnet "
		    "%s/%d", argv[1], prefix, ntoa(ps->net, nbuf), ps->prefix);
	for (i = 0; i < c->niroute; i++)
		if (ntohl(c->iroute[i].net.s_addr) == net &&
		    c->iroute[i].prefix == prefix)
			return perr(ps, "iroute %s/%d already given on line %d",
			    argv[1], prefix, ps->iroute_line[i]);
	if (c->niroute == CCD_MAX_IROUTE)
		return perr(ps, "iroute: more than %d routes", CCD_MAX_IROUTE);
	if ((r = realloc(c->iroute, (c->niroute + 1) * sizeof(*r))) == NULL)
		return perr(ps, "iroute: out of memory");
	c->iroute = r;
	if ((lines = realloc(ps->iroute_line,
	    (c->niroute + 1) * sizeof(*lines))) == NULL)
		return perr(ps, "iroute: out of memory");
	ps->iroute_line = lines;
	r[c->niroute].net.s_addr = htonl(net);
	r[c->niroute].mask.s_addr = htonl(mask);
	r[c->niroute].prefix = prefix;
	lines[c->niroute] = ps->line;
	c->niroute++;
	return 0;
}

static int
set_disable(struct ccd_pstate *ps, int argc, char **argv)
{
	ps->c->disable = true;
	return 0;
}

struct ccd_directive {
	const char	*name;
	const char	*args;
	int		 min_args;
	int		 max_args;
	int		(*set)(struct ccd_pstate *, int, char **);
};

static const struct ccd_directive ccd_directives[] = {
	{ "ifconfig-push", "ADDRESS NETMASK", 2, 3, set_ifconfig_push },
	{ "push", "\"OPTION\"", 1, 1, set_push },
	{ "push-reset", "", 0, 0, set_push_reset },
	{ "iroute", "NETWORK [NETMASK]", 1, 2, set_iroute },
	{ "disable", "", 0, 0, set_disable },
	{ NULL, NULL, 0, 0, NULL }
};

/* Legal in OpenVPN's client-config-dir files, not implemented here. */
static const char *const ccd_unsupported[] = {
	"config", "echo", "ifconfig-ipv6-push", "iroute-ipv6",
	"max-routes-per-client", "push-remove", "setenv", "vlan-pvid", NULL
};

static int
directive(struct ccd_pstate *ps, int argc, char **argv)
{
	const struct ccd_directive *d;
	const char *name = argv[0];
	size_t i;

	if (strncmp(name, "--", 2) == 0)
		return perr(ps, "'%s': a leading '--' is for the command line; "
		    "write '%s' in a file", name, name + 2);
	if (name[0] == '<')
		return perr(ps, "'%s': inline blocks are not allowed in a "
		    "client-config-dir file", name);
	for (d = ccd_directives; d->name != NULL; d++)
		if (strcmp(d->name, name) == 0)
			break;
	if (d->name == NULL) {
		for (i = 0; ccd_unsupported[i] != NULL; i++)
			if (strcmp(ccd_unsupported[i], name) == 0)
				return perr(ps, "'%s' is not supported in "
				    "client-config-dir files (yet)", name);
		return perr(ps, "unknown directive '%s' (a client-config-dir "
		    "file may contain ifconfig-push, push, push-reset, iroute "
		    "and disable)", name);
	}
	if (argc - 1 < d->min_args || argc - 1 > d->max_args)
		return perr(ps, "wrong number of arguments to '%s' (usage: "
		    "%s%s%s)", d->name, d->name, *d->args ? " " : "", d->args);
	return d->set(ps, argc, argv);
}

/* The directive a line starts with, to name it in a syntax error. */
static void
lead_word(const char *line, size_t len, const char **w, int *wlen)
{
	const char *end = line + len, *e;

	while (line < end && (*line == ' ' || *line == '\t'))
		line++;
	for (e = line; e < end && strchr(" \t\"'\\", *e) == NULL; e++)
		;
	*w = line;
	*wlen = (int)(e - line);
	if (*wlen > 64 || (*wlen > 0 && strchr("#;", *line) != NULL))
		*wlen = 0;
}

void
ccd_free(struct ccd *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->path);
	for (i = 0; i < c->npush; i++)
		free(c->push[i]);
	free(c->push);
	free(c->iroute);
	memset(c, 0, sizeof(*c));
}

int
ccd_parse(const char *name, const char *text, struct in_addr net,
    struct in_addr mask, struct ccd *out, char *err, size_t errlen)
{
	struct ccd_pstate ps;
	struct cfg_lex lx;
	char *words[CFG_LEX_MAX_WORDS], *buf = NULL, lerr[256];
	const char *line, *w;
	size_t len, cap = 0;
	int n, wlen, rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&ps, 0, sizeof(ps));
	ps.c = out;
	ps.name = name;
	ps.mask = ntohl(mask.s_addr);
	ps.net = ntohl(net.s_addr) & ps.mask;
	ps.prefix = __builtin_popcount(ps.mask);
	ps.err = err;
	ps.errlen = errlen;
	if ((out->path = strdup(name)) == NULL) {
		perr(&ps, "out of memory");
		goto out;
	}
	cfg_lex_init(&lx, text, strlen(text));
	while (cfg_lex_line(&lx, &line, &len)) {
		ps.line = lx.lineno;
		if (len + 1 > cap) {
			free(buf);
			cap = len + 1;
			if ((buf = malloc(cap)) == NULL) {
				perr(&ps, "out of memory");
				goto out;
			}
		}
		n = cfg_lex_split(line, len, buf, words, lerr, sizeof(lerr));
		if (n == -1) {
			lead_word(line, len, &w, &wlen);
			if (wlen > 0)
				perr(&ps, "%.*s: %s", wlen, w, lerr);
			else
				perr(&ps, "%s", lerr);
			goto out;
		}
		if (n > 0 && directive(&ps, n, words) == -1)
			goto out;
	}
	rc = 0;
 out:
	free(buf);
	free(ps.iroute_line);
	if (rc == -1)
		ccd_free(out);
	return rc;
}

/*
 * Reads path into *text: 1 read, 0 no such file, -1 with a reason.  Any
 * error other than "no such file" refuses the client: falling back to
 * DEFAULT past an unreadable file of its own would apply the wrong policy.
 */
static int
read_ccd_file(const char *path, char **text, char *err, size_t errlen)
{
	struct stat st;
	char lerr[256];
	size_t len;

	if (stat(path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (cfg_lex_read_file(path, text, &len, lerr, sizeof(lerr)) == -1) {
		snprintf(err, errlen, "%s: %s", path, lerr);
		return -1;
	}
	return 1;
}

/*
 * OpenVPN turns the common name into a file name by replacing '/' (and
 * non-printable bytes, which tlscert already replaced) and refuses "."
 * and "..".  We refuse '/' outright and any leading '.': such a name is
 * never a client's file, and a hidden file is never meant as one.
 */
static int
cn_check(const char *dir, const char *cn, char *err, size_t errlen)
{
	const char *why = NULL;

	if (*cn == '\0')
		why = "the client has no common name";
	else if (strchr(cn, '/') != NULL)
		why = "contains '/'";
	else if (cn[0] == '.')
		why = "starts with '.'";
	if (why == NULL)
		return 0;
	snprintf(err, errlen, "%s: common name \"%s\" cannot name a "
	    "client-config-dir file: %s", dir, cn, why);
	return -1;
}

int
ccd_load(const char *dir, const char *cn, struct in_addr net,
    struct in_addr mask, struct ccd *out, char *err, size_t errlen)
{
	struct stat st;
	char *path = NULL, *text = NULL;
	const char *sep;
	bool is_default = false;
	int rc = -1, r;

	memset(out, 0, sizeof(*out));
	if (cn_check(dir, cn, err, errlen) == -1)
		return -1;
	sep = *dir != '\0' && dir[strlen(dir) - 1] == '/' ? "" : "/";
	if (asprintf(&path, "%s%s%s", dir, sep, cn) == -1) {
		path = NULL;
		goto nomem;
	}
	if ((r = read_ccd_file(path, &text, err, errlen)) == -1)
		goto out;
	if (r == 0) {
		free(path);
		if (asprintf(&path, "%s%s%s", dir, sep, CCD_DEFAULT_FILE) ==
		    -1) {
			path = NULL;
			goto nomem;
		}
		if ((r = read_ccd_file(path, &text, err, errlen)) == -1)
			goto out;
		is_default = true;
	}
	if (r == 0) {
		/*
		 * Neither file: fine, unless the directory itself is gone.
		 * DEFAULT may carry the policy for clients without a file
		 * ("disable"), so a vanished directory refuses everyone.
		 */
		if (stat(dir, &st) == -1) {
			snprintf(err, errlen, "%s: %s", dir, strerror(errno));
			goto out;
		}
		if (!S_ISDIR(st.st_mode)) {
			snprintf(err, errlen, "%s: not a directory", dir);
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (ccd_parse(path, text, net, mask, out, err, errlen) == -1)
		goto out;
	out->is_default = is_default;
	rc = 1;
	goto out;
 nomem:
	snprintf(err, errlen, "%s: out of memory", dir);
 out:
	free(path);
	free(text);
	return rc;
}

int
ccd_check_routes(const struct ccd *c, const struct cfg_route *routes,
    size_t n, const char *cfg_path, char *err, size_t errlen)
{
	const struct ccd_iroute *ir;
	char nbuf[INET_ADDRSTRLEN];
	uint32_t net;
	size_t i, j;

	for (i = 0; i < c->niroute; i++) {
		ir = &c->iroute[i];
		net = ntohl(ir->net.s_addr);
		for (j = 0; j < n; j++)
			if (routes[j].prefix <= ir->prefix &&
			    (net & ntohl(routes[j].mask.s_addr)) ==
			    ntohl(routes[j].net.s_addr))
				break;
		if (j == n) {
			inet_ntop(AF_INET, &ir->net, nbuf, sizeof(nbuf));
			snprintf(err, errlen, "%s: iroute %s/%d is inside no "
			    "route of the server config: the kernel would not "
			    "send its packets to the tunnel (add 'route %s "
			    "MASK' to %s)", c->path, nbuf, ir->prefix, nbuf,
			    cfg_path);
			return -1;
		}
	}
	return 0;
}
