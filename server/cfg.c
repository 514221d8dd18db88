/*
 * Configuration: reads OpenVPN-syntax files (cfg_lex.c) and drives the
 * directive table (cfg_set.c) over them.  Every file, the config file's
 * own included, is read through cfg_files_read(), so that a parse can be
 * recorded by the privileged loader and replayed by the daemon.
 *
 * Invariants: a struct cfg is only handed out whole and validated; any
 * error frees it and leaves one "FILE:LINE: reason" line in err.  Nothing
 * is silently ignored: an OpenVPN directive we do not implement is an
 * error naming it (cfg_unsupported.c), so a config never means less than
 * its author thinks.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "cfg_files.h"
#include "cfg_int.h"
#include "cfg_lex.h"

#define TLS_AUTH_WHY \
	"tls-auth (or tls-crypt, or tls-crypt-v2) is required: it is the " \
	"HMAC firewall in front of TLS"

int
cfg_perr(struct cfg_pstate *ps, const char *fmt, ...)
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

const struct cfg_directive *
cfg_directive_lookup(const char *name)
{
	const struct cfg_directive *d;

	for (d = cfg_directives; d->name != NULL; d++)
		if (strcmp(d->name, name) == 0)
			return d;
	return NULL;
}

/* --- the driver ------------------------------------------------------ */

static int
find_directive(struct cfg_pstate *ps, const char *name,
    const struct cfg_directive **dp)
{
	if (strncmp(name, "--", 2) == 0)
		return cfg_perr(ps, "'%s': a leading '--' is for the command "
		    "line; write '%s' in a file", name, name + 2);
	if ((*dp = cfg_directive_lookup(name)) != NULL)
		return 0;
	if (cfg_unsupported_lookup(name))
		return cfg_perr(ps, "directive '%s' is not supported (yet)",
		    name);
	return cfg_perr(ps, "unknown directive '%s'", name);
}

static int
apply(struct cfg_pstate *ps, const struct cfg_directive *d, int argc,
    char **argv)
{
	size_t i = (size_t)(d - cfg_directives);

	if (argc - 1 < d->min_args || argc - 1 > d->max_args)
		return cfg_perr(ps, "wrong number of arguments to '%s' (usage: "
		    "%s%s%s)", d->name, d->name, *d->args ? " " : "", d->args);
	if (ps->seen[i] != 0 && !(d->flags & CFG_DIR_REPEAT))
		return cfg_perr(ps, "'%s' already given on line %d", d->name,
		    ps->seen[i]);
	if (ps->seen[i] == 0)
		ps->seen[i] = ps->line;
	return d->set(ps, argc, argv);
}

/* A line that is just "<tag>" opens an inline block, as in OpenVPN. */
static int
inline_block(struct cfg_pstate *ps, struct cfg_lex *lx, char *word)
{
	const struct cfg_directive *d;
	char *tag = word + 1, *body, *argv[2];
	size_t len;
	int r;

	tag[strlen(tag) - 1] = '\0';
	if (tag[0] == '/')
		return cfg_perr(ps, "'<%s>' without an opening <%s>", tag,
		    tag + 1);
	if (find_directive(ps, tag, &d) == -1)
		return -1;
	if (!(d->flags & CFG_DIR_INLINE))
		return cfg_perr(ps, "'%s' cannot be an inline <%s> block", tag,
		    tag);
	if ((r = cfg_lex_block(lx, tag, &body, &len)) == -2)
		return cfg_perr(ps, "<%s>: out of memory", tag);
	if (r == -1)
		return cfg_perr(ps, "inline <%s> block has no closing </%s>",
		    tag, tag);
	ps->is_inline = true;
	argv[0] = tag;
	argv[1] = body;
	r = apply(ps, d, 2, argv);
	explicit_bzero(body, len);
	free(body);
	return r;
}

/* Whether the directive appeared. */
static bool
seen(const struct cfg_pstate *ps, const char *name)
{
	const struct cfg_directive *d = cfg_directive_lookup(name);

	return d != NULL && ps->seen[d - cfg_directives] != 0;
}

static int
validate(struct cfg_pstate *ps)
{
	const struct cfg_directive *d;
	char missing[256];
	bool no_tls_auth = false;
	int nmissing = 0;
	size_t n = 0, i;

	ps->line = 0;
	if (ps->cfg->has_listen && (seen(ps, "proto") || seen(ps, "port") ||
	    seen(ps, "local")))
		return cfg_perr(ps, "listen replaces proto, local and port: "
		    "give either");
	if (ps->cfg->has_local6 && ps->cfg->proto != CFG_PROTO_UDP6 &&
	    ps->cfg->proto != CFG_PROTO_TCP6)
		return cfg_perr(ps, "local is an IPv6 address: that needs proto "
		    "udp6 or tcp6-server");
	if (cfg_listeners(ps) == -1)
		return -1;
	if (ps->cfg->has_server6 && ps->cfg->has_server &&
	    ps->cfg->server6_prefix > 96 &&
	    (1ull << (32 - ps->cfg->server_prefix)) + 0x1000 >
	    (1ull << (128 - ps->cfg->server6_prefix)))
		return cfg_perr(ps, "server-ipv6 /%d is too small for the "
		    "IPv4 pool of server /%d (clients get NET::1000 + their "
		    "IPv4 offset)", ps->cfg->server6_prefix,
		    ps->cfg->server_prefix);
	for (i = 0; i < ps->cfg->nroutes && ps->cfg->has_server; i++) {
		const struct cfg_route *r = &ps->cfg->routes[i];
		uint32_t m = ntohl(r->mask.s_addr) &
		    ntohl(ps->cfg->server_mask.s_addr);

		if (((ntohl(r->net.s_addr) ^ ntohl(ps->cfg->server_net.s_addr))
		    & m) == 0) {
			ps->line = r->line;
			return cfg_perr(ps, "route overlaps the tunnel subnet "
			    "of server (its clients are routed already)");
		}
	}
	if ((ps->cfg->has_tls_auth ? 1 : 0) + (ps->cfg->has_tls_crypt ? 1 : 0) +
	    (ps->cfg->has_tls_crypt_v2 ? 1 : 0) > 1)
		return cfg_perr(ps, "give one of tls-auth, tls-crypt and "
		    "tls-crypt-v2: each client uses exactly one");
	for (d = cfg_directives; d->name != NULL; d++) {
		if (!(d->flags & CFG_DIR_REQUIRED) ||
		    ps->seen[d - cfg_directives] != 0)
			continue;
		/* tls-crypt(-v2) stand in for tls-auth. */
		if (strcmp(d->name, "tls-auth") == 0 &&
		    (ps->cfg->has_tls_crypt || ps->cfg->has_tls_crypt_v2))
			continue;
		if (strcmp(d->name, "tls-auth") == 0)
			no_tls_auth = true;
		/* The table's names fit: it is short. */
		n += (size_t)snprintf(missing + n, sizeof(missing) - n,
		    "%s%s", nmissing++ > 0 ? ", " : "", d->name);
	}
	if (nmissing == 1 && no_tls_auth)
		return cfg_perr(ps, "%s", TLS_AUTH_WHY);
	if (nmissing > 0)
		return cfg_perr(ps, "missing required directive%s: %s%s%s%s",
		    nmissing > 1 ? "s" : "", missing, no_tls_auth ? " (" : "",
		    no_tls_auth ? TLS_AUTH_WHY : "", no_tls_auth ? ")" : "");
	return 0;
}

/*
 * The directive a line starts with, if it is a plain word, to name it in a
 * syntax error (the line could not be split into words).
 */
static void
lead_word(const char *line, size_t len, const char **w, int *wlen)
{
	const char *end = line + len, *e;

	while (line < end && (*line == ' ' || *line == '\t'))
		line++;
	for (e = line; e < end && *e != ' ' && *e != '\t' && *e != '"' &&
	    *e != '\'' && *e != '\\'; e++)
		;
	*w = line;
	*wlen = (int)(e - line);
	if (*wlen > 64 || (*wlen > 0 && strchr("#;<", *line) != NULL))
		*wlen = 0;
}

static struct cfg *
cfg_new(const char *name)
{
	struct cfg *c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if ((c->path = strdup(name)) == NULL) {
		free(c);
		return NULL;
	}
	strcpy(c->dev, "tun");
	c->proto = CFG_PROTO_UDP;
	c->local.s_addr = htonl(INADDR_ANY);
	c->port = 1194;
	c->tls_auth_dir = CFG_KEYDIR_NONE;
	strcpy(c->auth, "SHA1");
	c->topology_subnet = true;
	strcpy(c->data_ciphers, CFG_DEFAULT_CIPHERS);
	c->verb = 1;
	c->tun_mtu = 1500;
	c->hand_window = 60;
	c->reneg_sec = 3600;
	c->tran_window = 60;
	c->max_clients = 1024;
	return c;
}

static struct cfg *
parse(const char *name, const char *text, const char *basedir,
    enum cfg_read how, struct cfg_files *files, char *err, size_t errlen)
{
	struct cfg_pstate ps;
	struct cfg_lex lx;
	const struct cfg_directive *d;
	char *words[CFG_LEX_MAX_WORDS], *buf = NULL, lerr[256];
	const char *line, *w;
	size_t len, cap = 0;
	int n, wlen, rc = -1;

	memset(&ps, 0, sizeof(ps));
	ps.name = name;
	ps.basedir = basedir;
	ps.how = how;
	ps.files = files;
	ps.err = err;
	ps.errlen = errlen;
	if ((ps.cfg = cfg_new(name)) == NULL) {
		cfg_perr(&ps, "out of memory");
		return NULL;
	}
	cfg_lex_init(&lx, text, strlen(text));
	while (cfg_lex_line(&lx, &line, &len)) {
		ps.line = lx.lineno;
		ps.is_inline = false;
		if (len + 1 > cap) {
			free(buf);
			cap = len + 1;
			if ((buf = malloc(cap)) == NULL) {
				cfg_perr(&ps, "out of memory");
				goto out;
			}
		}
		n = cfg_lex_split(line, len, buf, words, lerr, sizeof(lerr));
		if (n == -1) {
			lead_word(line, len, &w, &wlen);
			if (wlen > 0)
				cfg_perr(&ps, "%.*s: %s", wlen, w, lerr);
			else
				cfg_perr(&ps, "%s", lerr);
			goto out;
		}
		if (n == 0)
			continue;
		if (n == 1 && words[0][0] == '<' && strlen(words[0]) > 2 &&
		    words[0][strlen(words[0]) - 1] == '>') {
			if (inline_block(&ps, &lx, words[0]) == -1)
				goto out;
			continue;
		}
		if (find_directive(&ps, words[0], &d) == -1 ||
		    apply(&ps, d, n, words) == -1)
			goto out;
	}
	if (validate(&ps) == -1)
		goto out;
	rc = 0;
 out:
	free(buf);
	if (rc == -1) {
		cfg_free(ps.cfg);
		return NULL;
	}
	return ps.cfg;
}

struct cfg *
cfg_parse(const char *name, const char *text, const char *basedir,
    char *err, size_t errlen)
{
	return parse(name, text, basedir, CFG_READ_DISK, NULL, err, errlen);
}

/*
 * The config file's directory, resolved now: file paths kept in the cfg
 * (crl_path) must stay valid after the daemon changes directory.  A
 * replay takes the loader's answer, which the daemon may not be allowed
 * to find out itself (a directory of root's on the way).
 */
static char *
resolve_basedir(const char *path, enum cfg_read how, struct cfg_files *files,
    char *err, size_t errlen)
{
	const struct cfg_file *bd;
	const char *why;
	char *dir, *slash, *basedir = NULL;

	if (how == CFG_READ_REPLAY) {
		bd = &files->basedir;
		if (bd->path == NULL)
			snprintf(err, errlen, "%s: its directory was not "
			    "resolved by the loader", path);
		else if (bd->text == NULL)
			snprintf(err, errlen, "%s: %s", path, bd->reason);
		else if ((basedir = strdup(bd->text)) == NULL)
			snprintf(err, errlen, "%s: out of memory", path);
		return basedir;
	}
	if ((dir = strdup(path)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	if ((slash = strrchr(dir, '/')) == dir)
		slash[1] = '\0';
	else if (slash != NULL)
		*slash = '\0';
	basedir = realpath(slash != NULL ? dir : ".", NULL);
	why = basedir == NULL ? strerror(errno) : NULL;
	if (how == CFG_READ_RECORD && cfg_files_set_basedir(files,
	    slash != NULL ? dir : ".", basedir, why) == -1)
		why = "out of memory";
	if (why != NULL) {
		snprintf(err, errlen, "%s: %s", path, why);
		free(basedir);
		basedir = NULL;
	}
	free(dir);
	return basedir;
}

struct cfg *
cfg_load_ex(const char *path, enum cfg_read how, struct cfg_files *files,
    char *err, size_t errlen)
{
	struct cfg *c = NULL;
	char *text = NULL, *basedir = NULL, lerr[256];
	size_t len;

	if (cfg_files_read(files, how, path, &text, &len, lerr,
	    sizeof(lerr)) == -1) {
		snprintf(err, errlen, "%s: %s", path, lerr);
		goto out;
	}
	if ((basedir = resolve_basedir(path, how, files, err, errlen)) == NULL)
		goto out;
	c = parse(path, text, basedir, how, files, err, errlen);
 out:
	cfg_free_secret(text);
	free(basedir);
	return c;
}

struct cfg *
cfg_load(const char *path, char *err, size_t errlen)
{
	return cfg_load_ex(path, CFG_READ_DISK, NULL, err, errlen);
}

void
cfg_free(struct cfg *c)
{
	size_t i;

	if (c == NULL)
		return;
	free(c->path);
	free(c->ca_pem);
	free(c->cert_pem);
	cfg_free_secret(c->key_pem);
	free(c->crl_path);
	free(c->crl_pem);
	free(c->ccd_dir);
	free(c->pool_persist);
	for (i = 0; i < c->npush; i++)
		free(c->push[i]);
	free(c->tls_cipher);
	free(c->tls_ciphersuites);
	free(c->control_socket);
	free(c->user);
	free(c->group);
	free(c->metrics_listen);
	explicit_bzero(c, sizeof(*c));
	free(c);
}
