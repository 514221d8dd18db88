/*
 * The directives we implement, with OpenVPN 2.6's meaning for a server:
 * one handler each, and the table that drives the parser (cfg.c).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "cfg_files.h"
#include "cfg_int.h"
#include "control_proto.h"
#include "statickey.h"

#define PUSH_MAX_LEN		255	/* OpenVPN's longest word */
#define PING_MAX		86400	/* OpenVPN's PING_TIMEOUT_MAX */

/* A decimal number in [min, max]: no sign, no blanks, no suffix. */
int
cfg_num_arg(struct cfg_pstate *ps, const char *what, const char *s, long min,
    long max, int *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		goto bad;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		goto bad;
	*out = (int)v;
	return 0;
 bad:
	return cfg_perr(ps, "%s: '%s' is not a number in %ld..%ld", what, s,
	    min, max);
}

static bool
all_digits(const char *s)
{
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/*
 * The text of a file argument: the inline block's body, or the file's
 * contents, relative paths taken from the config file's directory, read
 * as ps->how says (from disk, or the loader's record on a reload).  When
 * pathp is not NULL it receives the resolved path (NULL for a block).
 */
int
cfg_load_text(struct cfg_pstate *ps, const char *what, const char *arg,
    char **text, size_t *len, char **pathp)
{
	char lerr[256], *path = NULL;

	*text = NULL;
	if (pathp != NULL)
		*pathp = NULL;
	if (ps->is_inline) {
		*len = strlen(arg);
		if ((*text = strdup(arg)) == NULL)
			return cfg_perr(ps, "%s: out of memory", what);
		return 0;
	}
	if (*arg == '\0')
		return cfg_perr(ps, "%s: empty file name", what);
	if (arg[0] == '/' || ps->basedir == NULL)
		path = strdup(arg);
	else if (asprintf(&path, "%s%s%s", ps->basedir,
	    ps->basedir[strlen(ps->basedir) - 1] == '/' ? "" : "/", arg) == -1)
		path = NULL;
	if (path == NULL)
		return cfg_perr(ps, "%s: out of memory", what);
	if (cfg_files_read(ps->files, ps->how, path, text, len, lerr,
	    sizeof(lerr)) == -1) {
		cfg_perr(ps, "%s: %s: %s", what, path, lerr);
		free(path);
		return -1;
	}
	if (pathp != NULL)
		*pathp = path;
	else
		free(path);
	return 0;
}

void
cfg_free_secret(char *s)
{
	if (s != NULL) {
		explicit_bzero(s, strlen(s));
		free(s);
	}
}

/*
 * PEM text for ca/cert/key/crl-verify.  Certificates are verified by the
 * TLS layer at start-up; the marker check here only catches a wrong or
 * swapped file early, with the line that named it.
 */
static int
load_pem(struct cfg_pstate *ps, const char *what, const char *arg,
    const char *marker, char **out, char **pathp)
{
	char *text, *path;
	const char *b, *e;
	size_t len;
	bool ok;

	if (cfg_load_text(ps, what, arg, &text, &len, &path) == -1)
		return -1;
	if (marker != NULL)
		ok = strstr(text, marker) != NULL;
	else {
		/* Any "-----BEGIN [RSA |EC |ENCRYPTED ]PRIVATE KEY-----". */
		ok = false;
		for (b = text; !ok && (b = strstr(b, "-----BEGIN ")) != NULL;
		    b = e) {
			if ((e = strchr(b, '\n')) == NULL)
				e = b + strlen(b);
			ok = memmem(b, (size_t)(e - b), "PRIVATE KEY-----",
			    16) != NULL;
		}
	}
	if (!ok) {
		cfg_perr(ps, "%s: %s has no \"%s\" line", what,
		    path != NULL ? path : "the inline block",
		    marker != NULL ? marker :
		    "-----BEGIN ... PRIVATE KEY-----");
		cfg_free_secret(text);
		free(path);
		return -1;
	}
	*out = text;
	if (pathp != NULL)
		*pathp = path;
	else
		free(path);
	return 0;
}

/* --- the directives ------------------------------------------------- */

static int
set_dev(struct cfg_pstate *ps, int argc, char **argv)
{
	const char *d = argv[1];

	if (strncmp(d, "tap", 3) == 0 && all_digits(d + 3))
		return cfg_perr(ps, "dev %s: only tun is supported (mycrypnetd "
		    "routes IP, it does not bridge Ethernet)", d);
	if (strncmp(d, "tun", 3) != 0 || !all_digits(d + 3) ||
	    strlen(d) >= sizeof(ps->cfg->dev))
		return cfg_perr(ps, "dev '%s': expected 'tun' or 'tunN'", d);
	strcpy(ps->cfg->dev, d);
	return 0;
}

static int
set_proto(struct cfg_pstate *ps, int argc, char **argv)
{
	static const char *const later[] = { "tcp-client", "tcp4-client",
	    "tcp6-client", NULL };
	const char *p = argv[1];
	size_t i;

	if (strcmp(p, "udp") == 0 || strcmp(p, "udp4") == 0) {
		ps->cfg->proto = CFG_PROTO_UDP;
		return 0;
	}
	if (strcmp(p, "udp6") == 0) {
		ps->cfg->proto = CFG_PROTO_UDP6;
		return 0;
	}
	if (strcmp(p, "tcp") == 0 || strcmp(p, "tcp4") == 0 ||
	    strcmp(p, "tcp-server") == 0 || strcmp(p, "tcp4-server") == 0) {
		ps->cfg->proto = CFG_PROTO_TCP;
		return 0;
	}
	if (strcmp(p, "tcp6") == 0 || strcmp(p, "tcp6-server") == 0) {
		ps->cfg->proto = CFG_PROTO_TCP6;
		return 0;
	}
	for (i = 0; later[i] != NULL; i++)
		if (strcmp(p, later[i]) == 0)
			return cfg_perr(ps, "proto %s: a server listens; use "
			    "tcp-server", p);
	return cfg_perr(ps, "proto '%s': unknown protocol (expected udp, "
	    "udp6, tcp-server or tcp6-server)", p);
}

static int
set_local(struct cfg_pstate *ps, int argc, char **argv)
{
	if (inet_pton(AF_INET, argv[1], &ps->cfg->local) == 1)
		return 0;
	if (inet_pton(AF_INET6, argv[1], &ps->cfg->local6) == 1) {
		ps->cfg->has_local6 = true;
		return 0;
	}
	return cfg_perr(ps, "local '%s': not an IPv4 or IPv6 address (host "
	    "names are not resolved)", argv[1]);
}

static int
set_port(struct cfg_pstate *ps, int argc, char **argv)
{
	int port = 0;

	if (cfg_num_arg(ps, "port", argv[1], 1, 65535, &port) == -1)
		return -1;
	ps->cfg->port = (uint16_t)port;
	return 0;
}

static int
set_ca(struct cfg_pstate *ps, int argc, char **argv)
{
	return load_pem(ps, "ca", argv[1], "-----BEGIN CERTIFICATE-----",
	    &ps->cfg->ca_pem, NULL);
}

static int
set_cert(struct cfg_pstate *ps, int argc, char **argv)
{
	return load_pem(ps, "cert", argv[1], "-----BEGIN CERTIFICATE-----",
	    &ps->cfg->cert_pem, NULL);
}

static int
set_key(struct cfg_pstate *ps, int argc, char **argv)
{
	return load_pem(ps, "key", argv[1], NULL, &ps->cfg->key_pem, NULL);
}

static int
set_dh(struct cfg_pstate *ps, int argc, char **argv)
{
	if (!ps->is_inline && strcmp(argv[1], "none") == 0)
		return 0;
	return cfg_perr(ps, "dh %s: only 'dh none' is supported: ECDHE is "
	    "always used", ps->is_inline ? "<inline block>" : argv[1]);
}

static int
set_keydir(struct cfg_pstate *ps, const char *what, const char *arg)
{
	int dir;

	if (strcmp(arg, "0") == 0)
		dir = 0;
	else if (strcmp(arg, "1") == 0)
		dir = 1;
	else
		return cfg_perr(ps, "%s: direction '%s' must be 0 or 1", what,
		    arg);
	if (ps->keydir_line != 0 && ps->cfg->tls_auth_dir != dir)
		return cfg_perr(ps, "%s: direction %d conflicts with %d set on "
		    "line %d", what, dir, ps->cfg->tls_auth_dir,
		    ps->keydir_line);
	ps->cfg->tls_auth_dir = dir;
	ps->keydir_line = ps->line;
	return 0;
}

static int
set_tls_auth(struct cfg_pstate *ps, int argc, char **argv)
{
	char *text, *path, kerr[256];
	size_t len;
	int rc, kline, off = 0;

	if (argc == 3 && set_keydir(ps, "tls-auth", argv[2]) == -1)
		return -1;
	if (cfg_load_text(ps, "tls-auth", argv[1], &text, &len, &path) == -1)
		return -1;
	rc = statickey_parse(text, len, ps->cfg->tls_auth_key, kerr,
	    sizeof(kerr));
	cfg_free_secret(text);
	if (rc == 0) {
		ps->cfg->has_tls_auth = true;
		free(path);
		return 0;
	}
	/* Point at the bad key line itself: in the block, or in the file. */
	if (sscanf(kerr, "line %d: %n", &kline, &off) != 1 || off == 0)
		kline = 0;
	if (path == NULL) {
		if (kline > 0)
			ps->line += kline;
		cfg_perr(ps, "tls-auth: bad key in the inline block: %s",
		    kerr + off);
	} else if (kline > 0)
		cfg_perr(ps, "tls-auth: bad key at %s:%d: %s", path, kline,
		    kerr + off);
	else
		cfg_perr(ps, "tls-auth: bad key in %s: %s", path, kerr);
	free(path);
	return -1;
}

static int
set_key_direction(struct cfg_pstate *ps, int argc, char **argv)
{
	return set_keydir(ps, "key-direction", argv[1]);
}

static int
set_auth(struct cfg_pstate *ps, int argc, char **argv)
{
	static const char *const ok[] = { "SHA1", "SHA256", "SHA512" };
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (strcasecmp(argv[1], ok[i]) == 0) {
			strcpy(ps->cfg->auth, ok[i]);
			return 0;
		}
	return cfg_perr(ps, "auth %s: only SHA1, SHA256 and SHA512 are "
	    "supported", argv[1]);
}

static int
set_crl_verify(struct cfg_pstate *ps, int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[2], "dir") == 0)
		return cfg_perr(ps, "crl-verify DIR dir is not implemented yet "
		    "(give one CRL file)");
	if (argc == 3)
		return cfg_perr(ps, "crl-verify: unknown flag '%s' (usage: "
		    "crl-verify FILE)", argv[2]);
	return load_pem(ps, "crl-verify", argv[1], "-----BEGIN X509 CRL-----",
	    &ps->cfg->crl_pem, &ps->cfg->crl_path);
}

static int
set_topology(struct cfg_pstate *ps, int argc, char **argv)
{
	if (strcmp(argv[1], "subnet") == 0) {
		ps->cfg->topology_subnet = true;
		return 0;
	}
	if (strcmp(argv[1], "net30") == 0 || strcmp(argv[1], "p2p") == 0)
		return cfg_perr(ps, "topology %s: only 'topology subnet' is "
		    "supported", argv[1]);
	return cfg_perr(ps, "topology '%s': unknown (expected subnet)",
	    argv[1]);
}

/*
 * What server and route share: a contiguous netmask (its length in
 * *prefix), the network address of it, a unicast network.  The strings
 * are the arguments as given, for the messages.
 */
static int
net_check(struct cfg_pstate *ps, const char *what, struct in_addr net,
    struct in_addr mask, const char *net_s, const char *mask_s, int *prefix)
{
	uint32_t n = ntohl(net.s_addr), m = ntohl(mask.s_addr);
	struct in_addr want;
	char buf[INET_ADDRSTRLEN];

	if (((~m) & (~m + 1)) != 0)
		return cfg_perr(ps, "%s: netmask %s is not contiguous", what,
		    mask_s);
	*prefix = __builtin_popcount(m);
	if ((n & ~m) != 0) {
		want.s_addr = htonl(n & m);
		inet_ntop(AF_INET, &want, buf, sizeof(buf));
		return cfg_perr(ps, "%s: %s is not the network address of a "
		    "/%d (did you mean %s?)", what, net_s, *prefix, buf);
	}
	if ((n >> 24) == 0 || (n >> 24) == 127 || (n >> 24) >= 224)
		return cfg_perr(ps, "%s: %s is not a unicast network", what,
		    net_s);
	return 0;
}

static int
set_server(struct cfg_pstate *ps, int argc, char **argv)
{
	struct cfg *c = ps->cfg;
	struct in_addr net, mask;
	int prefix;

	if (argc == 4 && strcmp(argv[3], "nopool") == 0)
		return cfg_perr(ps, "server ... nopool is not supported (yet)");
	if (argc == 4)
		return cfg_perr(ps, "server: unknown flag '%s' (usage: server "
		    "NETWORK NETMASK)", argv[3]);
	if (inet_pton(AF_INET, argv[1], &net) != 1)
		return cfg_perr(ps, "server: '%s' is not an IPv4 address",
		    argv[1]);
	if (inet_pton(AF_INET, argv[2], &mask) != 1)
		return cfg_perr(ps, "server: '%s' is not an IPv4 netmask",
		    argv[2]);
	if (net_check(ps, "server", net, mask, argv[1], argv[2], &prefix) == -1)
		return -1;
	if (prefix < 8 || prefix > 29)
		return cfg_perr(ps, "server: netmask %s is /%d; it must be "
		    "/8 to /29", argv[2], prefix);
	c->has_server = true;
	c->server_net = net;
	c->server_mask = mask;
	c->server_prefix = prefix;
	return 0;
}

static int
set_push(struct cfg_pstate *ps, int argc, char **argv)
{
	struct cfg *c = ps->cfg;
	const char *o = argv[1];

	if (*o == '\0')
		return cfg_perr(ps, "push: empty option");
	if (strchr(o, ',') != NULL)
		return cfg_perr(ps, "push \"%s\": an option must not contain a "
		    "comma (the push reply is comma-separated); use one "
		    "push line per option", o);
	if (strlen(o) > PUSH_MAX_LEN)
		return cfg_perr(ps, "push: option longer than %d characters",
		    PUSH_MAX_LEN);
	if (c->npush == CFG_MAX_PUSH)
		return cfg_perr(ps, "push: more than %d options", CFG_MAX_PUSH);
	if ((c->push[c->npush] = strdup(o)) == NULL)
		return cfg_perr(ps, "push: out of memory");
	c->npush++;
	return 0;
}

/*
 * route NETWORK [NETMASK [vpn_gateway]], as in an OpenVPN server config:
 * the kernel sends NETWORK into the tun, and the client whose
 * client-config-dir file has a matching iroute gets it.  The gateway
 * argument may only be OpenVPN's "vpn_gateway" (the tun is the only way
 * out); hostnames are not resolved.
 */
static int
set_route(struct cfg_pstate *ps, int argc, char **argv)
{
	struct cfg *c = ps->cfg;
	struct cfg_route *r;
	struct in_addr net, mask;
	uint32_t n, m;
	size_t i;
	int prefix;

	if (argc == 5)
		return cfg_perr(ps, "route: a metric is not supported (the "
		    "route goes into the tun device)");
	if (argc == 4 && strcmp(argv[3], "vpn_gateway") != 0)
		return cfg_perr(ps, "route: gateway '%s' is not supported: the "
		    "route goes into the tun device (give no gateway, or "
		    "vpn_gateway)", argv[3]);
	if (inet_pton(AF_INET, argv[1], &net) != 1)
		return cfg_perr(ps, "route: '%s' is not an IPv4 address (names "
		    "are not resolved)", argv[1]);
	mask.s_addr = htonl(0xffffffffU);
	if (argc >= 3 && strcmp(argv[2], "default") != 0 &&
	    inet_pton(AF_INET, argv[2], &mask) != 1)
		return cfg_perr(ps, "route: '%s' is not an IPv4 netmask",
		    argv[2]);
	if (ntohl(mask.s_addr) < 0xff000000U)
		return cfg_perr(ps, "route %s %s: wider than a /8; a default "
		    "route through one client is not supported", argv[1],
		    argv[2]);
	if (net_check(ps, "route", net, mask, argv[1],
	    argc >= 3 ? argv[2] : "255.255.255.255", &prefix) == -1)
		return -1;
	n = ntohl(net.s_addr);
	m = ntohl(mask.s_addr);
	for (i = 0; i < c->nroutes; i++) {
		uint32_t on = ntohl(c->routes[i].net.s_addr);
		uint32_t om = ntohl(c->routes[i].mask.s_addr);

		if (((n ^ on) & m & om) == 0)
			return cfg_perr(ps, "route %s/%d overlaps the route "
			    "on line %d", argv[1], prefix,
			    c->routes[i].line);
	}
	if (c->nroutes == CFG_MAX_ROUTES)
		return cfg_perr(ps, "route: more than %d routes",
		    CFG_MAX_ROUTES);
	r = &c->routes[c->nroutes++];
	r->net = net;
	r->mask = mask;
	r->prefix = prefix;
	r->line = ps->line;
	return 0;
}

/*
 * keepalive A B, as OpenVPN expands it for a server: ping every A seconds,
 * restart a silent client after 2*B (so the server outlives the client's
 * own timeout), and push "ping A" and "ping-restart B" to clients.
 */
static int
set_keepalive(struct cfg_pstate *ps, int argc, char **argv)
{
	struct cfg *c = ps->cfg;
	int a = 0, b = 0;

	if (cfg_num_arg(ps, "keepalive interval", argv[1], 1, PING_MAX, &a) ==
	    -1 || cfg_num_arg(ps, "keepalive timeout", argv[2], 1, PING_MAX / 2,
	    &b) == -1)
		return -1;
	if (b < 2 * a)
		return cfg_perr(ps, "keepalive %d %d: the timeout must be at "
		    "least twice the interval ('keepalive 10 60' is usual)",
		    a, b);
	c->ping = a;
	c->ping_restart = 2 * b;
	c->push_ping_restart = b;
	return 0;
}

static int
set_data_ciphers(struct cfg_pstate *ps, int argc, char **argv)
{
	static const char *const ok[] = { "AES-256-GCM", "AES-128-GCM",
	    "CHACHA20-POLY1305", "AES-256-CBC" };
	enum { NOK = sizeof(ok) / sizeof(ok[0]) };
	char list[sizeof(ps->cfg->data_ciphers)], out[sizeof(list)];
	bool used[NOK] = { false };
	char *name, *save;
	size_t i, n = 0;

	if (strlen(argv[1]) >= sizeof(list))
		return cfg_perr(ps, "data-ciphers: list too long");
	strcpy(list, argv[1]);
	out[0] = '\0';
	for (name = strtok_r(list, ":", &save); name != NULL;
	    name = strtok_r(NULL, ":", &save)) {
		for (i = 0; i < NOK; i++)
			if (strcasecmp(name, ok[i]) == 0)
				break;
		if (i == NOK)
			return cfg_perr(ps, "data-ciphers: unknown or "
			    "unsupported cipher '%s' (supported: "
			    "AES-256-GCM, AES-128-GCM, CHACHA20-POLY1305, "
			    "AES-256-CBC)", name);
		if (used[i])
			return cfg_perr(ps, "data-ciphers: %s is listed twice",
			    ok[i]);
		used[i] = true;
		/* Fits: the upper-case names are as long as the input. */
		n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s",
		    n > 0 ? ":" : "", ok[i]);
	}
	if (n == 0)
		return cfg_perr(ps, "data-ciphers: empty list");
	strcpy(ps->cfg->data_ciphers, out);
	return 0;
}

static int
set_verb(struct cfg_pstate *ps, int argc, char **argv)
{
	return cfg_num_arg(ps, "verb", argv[1], 0, 11, &ps->cfg->verb);
}

static int
set_tun_mtu(struct cfg_pstate *ps, int argc, char **argv)
{
	return cfg_num_arg(ps, "tun-mtu", argv[1], 576, 9000, &ps->cfg->tun_mtu);
}

static int
set_hand_window(struct cfg_pstate *ps, int argc, char **argv)
{
	return cfg_num_arg(ps, "hand-window", argv[1], 1, 3600,
	    &ps->cfg->hand_window);
}

static int
set_reneg_sec(struct cfg_pstate *ps, int argc, char **argv)
{
	return cfg_num_arg(ps, "reneg-sec", argv[1], 0, 7 * 86400,
	    &ps->cfg->reneg_sec);
}

static int
set_workers(struct cfg_pstate *ps, int argc, char **argv)
{
	if (strcmp(argv[1], "auto") == 0) {
		ps->cfg->workers = 0;
		return 0;
	}
	return cfg_num_arg(ps, "workers", argv[1], 1, 64, &ps->cfg->workers);
}

/* persist-key, persist-tun: what mycrypnetd always does. */
static int
set_nothing(struct cfg_pstate *ps, int argc, char **argv)
{
	return 0;
}

/* Linux's rules for an interface name (dev_valid_name()). */
static int
set_exit_interface(struct cfg_pstate *ps, int argc, char **argv)
{
	const char *s = argv[1], *p;

	if (*s == '\0' || strlen(s) >= sizeof(ps->cfg->exit_if) ||
	    strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		goto bad;
	for (p = s; *p; p++)
		if (*p == '/' || *p == ':' || (unsigned char)*p <= ' ' ||
		    *p == 0x7f)
			goto bad;
	strcpy(ps->cfg->exit_if, s);
	return 0;
 bad:
	return cfg_perr(ps, "exit-interface '%s': not a valid interface name "
	    "(1 to %zu characters, no '/', ':' or blanks)", s,
	    sizeof(ps->cfg->exit_if) - 1);
}

#define I	CFG_DIR_INLINE
#define R	CFG_DIR_REPEAT
#define Q	CFG_DIR_REQUIRED
#define O	CFG_DIR_OURS
#define L	CFG_DIR_RELOAD

const struct cfg_directive cfg_directives[] = {
	{ "dev", "tun|tunN", "The tun device: 'tun' lets the kernel pick "
	    "tunN.  Default tun.", 1, 1, 0, set_dev },
	{ "proto", "udp|udp6|tcp-server|tcp6-server", "Transport.  The "
	    "6 variants listen on IPv6 and IPv4 alike.  Default udp.  For UDP "
	    "and TCP at once, see listen.", 1, 1, 0, set_proto },
	{ "local", "ADDRESS", "Address to listen on (IPv4, or IPv6 with "
	    "proto udp6).  Default: all.",
	    1, 1, 0, set_local },
	{ "port", "PORT", "UDP port to listen on.  Default 1194.",
	    1, 1, 0, set_port },
	{ "ca", "FILE", "CA certificate(s) (PEM) that client certificates "
	    "must chain to.", 1, 1, I | Q | L, set_ca },
	{ "cert", "FILE", "The server's certificate (PEM).",
	    1, 1, I | Q | L, set_cert },
	{ "key", "FILE", "The server's private key (PEM).",
	    1, 1, I | Q | L, set_key },
	{ "dh", "none", "Must be 'none': ECDHE is always used.",
	    1, 1, I | Q, set_dh },
	{ "tls-auth", "FILE [0|1]", "Static key that HMAC-signs every control "
	    "packet; unsigned packets are dropped before TLS.  A server "
	    "normally uses direction 0.", 1, 2, I | Q, set_tls_auth },
	{ "key-direction", "0|1", "Direction for tls-auth (for an inline "
	    "<tls-auth> block).", 1, 1, 0, set_key_direction },
	{ "auth", "SHA1|SHA256|SHA512", "HMAC digest for tls-auth.  "
	    "Default SHA1; clients must match.", 1, 1, 0, set_auth },
	{ "crl-verify", "FILE", "CRL (PEM) to reject revoked client "
	    "certificates, read at start-up.", 1, 2, I | L, set_crl_verify },
	{ "topology", "subnet", "Only subnet is implemented (and is the "
	    "default here).", 1, 1, 0, set_topology },
	{ "server", "NETWORK NETMASK", "Tunnel subnet (/8 to /29): the "
	    "server takes .1, clients get the other addresses.",
	    2, 3, Q, set_server },
	{ "route", "NETWORK [NETMASK]", "A network behind a client: the "
	    "kernel routes it into the tun, the exit NAT covers it, and the "
	    "client whose client-config-dir file has the matching iroute gets "
	    "its packets.  NETMASK defaults to 255.255.255.255.",
	    1, 4, R, set_route },
	{ "push", "\"OPTION\"", "Option sent to every client, in order; "
	    "one option per line, no commas.", 1, 1, R | L, set_push },
	{ "keepalive", "INTERVAL TIMEOUT", "Ping every INTERVAL s; restart a "
	    "client after 2*TIMEOUT s of silence; clients get ping INTERVAL, "
	    "ping-restart TIMEOUT.", 2, 2, L, set_keepalive },
	{ "data-ciphers", "CIPHER[:CIPHER...]", "Data-channel ciphers offered "
	    "to clients, in preference order.  Default "
	    CFG_DEFAULT_CIPHERS ".",
	    1, 1, L, set_data_ciphers },
	{ "verb", "0..11", "Log verbosity.  Default 1.", 1, 1, L, set_verb },
	{ "tun-mtu", "576..9000", "MTU of the tun device (pushed).  "
	    "Default 1500.", 1, 1, 0, set_tun_mtu },
	{ "hand-window", "SECONDS", "Time a TLS handshake may take.  "
	    "Default 60.", 1, 1, L, set_hand_window },
	{ "reneg-sec", "SECONDS", "Renegotiate data keys this often; 0 "
	    "never.  Default 3600.", 1, 1, L, set_reneg_sec },
	{ "persist-key", "", "Accepted: mycrypnetd never rereads keys on a "
	    "soft restart.", 0, 0, R | L, set_nothing },
	{ "persist-tun", "", "Accepted: mycrypnetd never closes the tun "
	    "device on a soft restart.", 0, 0, R | L, set_nothing },
	{ "exit-interface", "IFNAME", "Interface the tunnel subnet is "
	    "NATed out of.", 1, 1, Q | O, set_exit_interface },
	{ "workers", "N|auto", "Worker threads, each with its own event loop, "
	    "socket and tun queue.  Default auto: one per core.",
	    1, 1, O, set_workers },
	{ "tran-window", "SECONDS", "After a renegotiation the old key keeps "
	    "decrypting this long.  Default 60.", 1, 1, L, cfg_set_tran_window },
	{ "reneg-bytes", "BYTES", "Renegotiate after this many bytes (both "
	    "directions) on one key; 0 off (default).", 1, 1, L,
	    cfg_set_reneg_bytes },
	{ "reneg-pkts", "PACKETS", "Renegotiate after this many packets on "
	    "one key; 0 off (default).", 1, 1, L, cfg_set_reneg_pkts },
	{ "data-ciphers-fallback", "CIPHER", "Cipher for clients that "
	    "announce none (pre-2.4 clients).", 1, 1, L,
	    cfg_set_data_ciphers_fallback },
	{ "tls-version-min", "1.2|1.3 [or-highest]", "Lowest TLS version "
	    "accepted on the control channel.  Default 1.2.", 1, 2, L,
	    cfg_set_tls_version_min },
	{ "tls-cipher", "LIST", "OpenSSL cipher list for TLS 1.2.", 1, 1, L,
	    cfg_set_tls_cipher },
	{ "tls-ciphersuites", "LIST", "OpenSSL TLS 1.3 ciphersuites.", 1, 1, L,
	    cfg_set_tls_ciphersuites },
	{ "crl-expired", "warn|reject", "Ours: what an expired CRL means.  "
	    "warn (default): log it loudly and keep accepting clients; "
	    "reject: refuse every client, as OpenVPN does.", 1, 1, O | L,
	    cfg_set_crl_expired },
	{ "tls-crypt", "FILE", "Static key that encrypts and authenticates "
	    "every control packet (instead of tls-auth).", 1, 1, I,
	    cfg_set_tls_crypt },
	{ "tls-crypt-v2", "FILE [force-cookie|allow-noncookie]", "Server key "
	    "for per-client tls-crypt keys (instead of tls-auth).", 1, 2, I,
	    cfg_set_tls_crypt_v2 },
	{ "max-clients", "N", "Most clients at once.  Default 1024.", 1, 1, L,
	    cfg_set_max_clients },
	{ "duplicate-cn", "", "Let several clients use one certificate.  "
	    "Default: a new login replaces the old session.", 0, 0, L,
	    cfg_set_duplicate_cn },
	{ "client-to-client", "", "Let clients reach each other's tunnel "
	    "addresses.  Default: they cannot.", 0, 0, L,
	    cfg_set_client_to_client },
	{ "explicit-exit-notify", "[N]", "Accepted: mycrypnetd always tells "
	    "clients to reconnect (RESTART) when it shuts down.", 0, 1, L,
	    cfg_set_explicit_exit_notify },
	{ "listen", "udp|udp6|tcp|tcp6 [ADDRESS] PORT", "Ours: a listener; "
	    "repeat for one UDP and one TCP listener in one process.  Replaces "
	    "proto, local and port.", 2, 3, R | O, cfg_set_listen },
	{ "server-ipv6", "NET/PREFIX", "IPv6 inside the tunnel (/64 to /112): "
	    "the server takes NET::1, clients NET::1000 and up; NATed out of "
	    "the exit interface.", 1, 1, 0, cfg_set_server_ipv6 },
	{ "user", "USER", "After start-up, run as USER, keeping only "
	    "CAP_NET_ADMIN; a privileged loader process reads the files for "
	    "reloads.  Default: stay root.", 1, 1, 0, cfg_set_user },
	{ "group", "GROUP", "With user: run as GROUP (default: USER's "
	    "group); members may use mcnctl.", 1, 1, 0, cfg_set_group },
	{ "control-socket", "PATH", "Ours: the UNIX socket mcnctl talks to.  "
	    "Default " CONTROL_SOCKET_DEFAULT ".", 1, 1, O,
	    cfg_set_control_socket },
	{ "metrics-listen", "ADDRESS:PORT", "Ours: serve Prometheus metrics "
	    "on http://ADDRESS:PORT/metrics.  Default: off.", 1, 1, O,
	    cfg_set_metrics_listen },
	{ "client-config-dir", "DIR", "Per-client files, DIR/CN or else "
	    "DIR/DEFAULT: ifconfig-push, push, push-reset, iroute, disable.  "
	    "Read at each connect; a malformed file refuses that client.",
	    1, 1, L, cfg_set_client_config_dir },
	{ "ifconfig-pool-persist", "FILE [SECONDS]", "CN,address file, so "
	    "a client gets its previous address after a restart.  Written "
	    "atomically every SECONDS (default 600) and at exit; 0: read "
	    "only, its entries fixed.", 1, 2, 0,
	    cfg_set_ifconfig_pool_persist },
	{ NULL, NULL, NULL, 0, 0, 0, NULL }
};

#undef I
#undef R
#undef Q
#undef O
#undef L

_Static_assert(sizeof(cfg_directives) / sizeof(cfg_directives[0]) <=
    CFG_MAX_DIRECTIVES, "raise CFG_MAX_DIRECTIVES");
