/*
 * Directives for renegotiation, the TLS layer, control-channel protection
 * other than tls-auth, and session policy (issue 3), with OpenVPN 2.6's
 * meaning for a server unless marked "ours".
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg.h"
#include "cfg_int.h"
#include "statickey.h"
#include "tlscryptv2.h"

/* A decimal 64-bit count in [0, max]. */
static int
count_arg(struct cfg_pstate *ps, const char *what, const char *s,
    int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (*s < '0' || *s > '9')
		goto bad;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < 0 || v > max)
		goto bad;
	*out = v;
	return 0;
 bad:
	return cfg_perr(ps, "%s: '%s' is not a number in 0..%lld", what, s,
	    (long long)max);
}

int
cfg_set_tran_window(struct cfg_pstate *ps, int argc, char **argv)
{
	return cfg_num_arg(ps, "tran-window", argv[1], 1, 7 * 86400,
	    &ps->cfg->tran_window);
}

int
cfg_set_reneg_bytes(struct cfg_pstate *ps, int argc, char **argv)
{
	return count_arg(ps, "reneg-bytes", argv[1], INT64_MAX / 2,
	    &ps->cfg->reneg_bytes);
}

int
cfg_set_reneg_pkts(struct cfg_pstate *ps, int argc, char **argv)
{
	return count_arg(ps, "reneg-pkts", argv[1], INT64_MAX / 2,
	    &ps->cfg->reneg_pkts);
}

int
cfg_set_data_ciphers_fallback(struct cfg_pstate *ps, int argc, char **argv)
{
	static const char *const ok[] = { "AES-256-GCM", "AES-128-GCM",
	    "CHACHA20-POLY1305", "AES-256-CBC", NULL };
	size_t i;

	for (i = 0; ok[i] != NULL; i++)
		if (strcasecmp(argv[1], ok[i]) == 0) {
			strcpy(ps->cfg->data_ciphers_fallback, ok[i]);
			return 0;
		}
	return cfg_perr(ps, "data-ciphers-fallback '%s': not a cipher we "
	    "implement (AES-256-GCM, AES-128-GCM, CHACHA20-POLY1305, "
	    "AES-256-CBC)", argv[1]);
}

int
cfg_set_tls_version_min(struct cfg_pstate *ps, int argc, char **argv)
{
	/* "or-highest": use the highest we support if it is lower than the
	 * minimum; we support 1.3, so the minimum itself always applies. */
	if (argc == 3 && strcmp(argv[2], "or-highest") != 0)
		return cfg_perr(ps, "tls-version-min: unknown flag '%s' "
		    "(expected or-highest)", argv[2]);
	if (strcmp(argv[1], "1.2") == 0)
		ps->cfg->tls_version_min = 0x0303;
	else if (strcmp(argv[1], "1.3") == 0)
		ps->cfg->tls_version_min = 0x0304;
	else if (strcmp(argv[1], "1.0") == 0 || strcmp(argv[1], "1.1") == 0)
		return cfg_perr(ps, "tls-version-min %s: TLS below 1.2 is not "
		    "supported (OpenVPN 2.6 clients default to 1.2 and 1.3)",
		    argv[1]);
	else
		return cfg_perr(ps, "tls-version-min '%s': expected 1.2 or "
		    "1.3", argv[1]);
	return 0;
}

/* OpenSSL checks the list itself at start-up (tlsmem), naming it. */
static int
cipher_list(struct cfg_pstate *ps, const char *what, const char *arg,
    char **out)
{
	const char *p;

	for (p = arg; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return cfg_perr(ps, "%s: blank or control character "
			    "in the list", what);
	if (*arg == '\0')
		return cfg_perr(ps, "%s: empty list", what);
	if ((*out = strdup(arg)) == NULL)
		return cfg_perr(ps, "%s: out of memory", what);
	return 0;
}

int
cfg_set_tls_cipher(struct cfg_pstate *ps, int argc, char **argv)
{
	return cipher_list(ps, "tls-cipher", argv[1], &ps->cfg->tls_cipher);
}

int
cfg_set_tls_ciphersuites(struct cfg_pstate *ps, int argc, char **argv)
{
	return cipher_list(ps, "tls-ciphersuites", argv[1],
	    &ps->cfg->tls_ciphersuites);
}

int
cfg_set_crl_expired(struct cfg_pstate *ps, int argc, char **argv)
{
	if (strcmp(argv[1], "warn") == 0)
		ps->cfg->crl_expired_reject = false;
	else if (strcmp(argv[1], "reject") == 0)
		ps->cfg->crl_expired_reject = true;
	else
		return cfg_perr(ps, "crl-expired '%s': expected warn or reject",
		    argv[1]);
	return 0;
}

int
cfg_set_tls_crypt(struct cfg_pstate *ps, int argc, char **argv)
{
	char *text, *path, kerr[256];
	size_t len;
	int rc;

	if (cfg_load_text(ps, "tls-crypt", argv[1], &text, &len, &path) == -1)
		return -1;
	rc = statickey_parse(text, len, ps->cfg->tls_crypt_key, kerr,
	    sizeof(kerr));
	cfg_free_secret(text);
	if (rc == -1) {
		cfg_perr(ps, "tls-crypt: bad key in %s: %s",
		    path != NULL ? path : "the inline block", kerr);
		free(path);
		return -1;
	}
	free(path);
	ps->cfg->has_tls_crypt = true;
	return 0;
}

int
cfg_set_tls_crypt_v2(struct cfg_pstate *ps, int argc, char **argv)
{
	char *text, *path, kerr[256];
	size_t len;
	int rc;

	if (argc == 3) {
		if (strcmp(argv[2], "force-cookie") == 0)
			ps->cfg->tls_crypt_v2_force_cookie = true;
		else if (strcmp(argv[2], "allow-noncookie") != 0)
			return cfg_perr(ps, "tls-crypt-v2: unknown flag '%s' "
			    "(expected force-cookie or allow-noncookie)",
			    argv[2]);
	}
	if (cfg_load_text(ps, "tls-crypt-v2", argv[1], &text, &len,
	    &path) == -1)
		return -1;
	rc = tlscryptv2_server_key_parse(text, len, ps->cfg->tls_crypt_v2_key,
	    kerr, sizeof(kerr));
	cfg_free_secret(text);
	if (rc == -1) {
		cfg_perr(ps, "tls-crypt-v2: %s: %s",
		    path != NULL ? path : "the inline block", kerr);
		free(path);
		return -1;
	}
	free(path);
	ps->cfg->has_tls_crypt_v2 = true;
	return 0;
}

int
cfg_set_max_clients(struct cfg_pstate *ps, int argc, char **argv)
{
	return cfg_num_arg(ps, "max-clients", argv[1], 1, 1000000,
	    &ps->cfg->max_clients);
}

int
cfg_set_duplicate_cn(struct cfg_pstate *ps, int argc, char **argv)
{
	ps->cfg->duplicate_cn = true;
	return 0;
}

int
cfg_set_client_to_client(struct cfg_pstate *ps, int argc, char **argv)
{
	ps->cfg->client_to_client = true;
	return 0;
}

/*
 * server-ipv6 NET/PREFIX, as OpenVPN: the server takes NET::1, the pool
 * starts at NET::1000 (the client with IPv4 pool offset i gets
 * NET::1000 + i).  /64 to /112 so that the pool fits.
 */
int
cfg_set_server_ipv6(struct cfg_pstate *ps, int argc, char **argv)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash;
	struct in6_addr net;
	int prefix, i;

	if (strlen(argv[1]) >= sizeof(buf))
		return cfg_perr(ps, "server-ipv6 '%s': expected NET/PREFIX",
		    argv[1]);
	strcpy(buf, argv[1]);
	if ((slash = strchr(buf, '/')) == NULL)
		return cfg_perr(ps, "server-ipv6 '%s': expected NET/PREFIX "
		    "(e.g. fd00:99:8::/64)", argv[1]);
	*slash = '\0';
	if (inet_pton(AF_INET6, buf, &net) != 1)
		return cfg_perr(ps, "server-ipv6: '%s' is not an IPv6 address",
		    buf);
	if (cfg_num_arg(ps, "server-ipv6 prefix", slash + 1, 64, 112,
	    &prefix) == -1)
		return -1;
	for (i = prefix; i < 128; i++)
		if (net.s6_addr[i / 8] & (0x80 >> (i % 8)))
			return cfg_perr(ps, "server-ipv6 %s: host bits are set "
			    "after /%d", argv[1], prefix);
	ps->cfg->has_server6 = true;
	ps->cfg->server6_net = net;
	ps->cfg->server6_prefix = prefix;
	return 0;
}

/* listen udp|udp6|tcp|tcp6 [ADDRESS] PORT */
int
cfg_set_listen(struct cfg_pstate *ps, int argc, char **argv)
{
	struct cfg_listen l, *slot;
	const char *p = argv[1];
	int port;

	memset(&l, 0, sizeof(l));
	l.on = true;
	if (strcmp(p, "udp") == 0 || strcmp(p, "udp4") == 0 ||
	    strcmp(p, "tcp") == 0 || strcmp(p, "tcp4") == 0)
		l.v6 = false;
	else if (strcmp(p, "udp6") == 0 || strcmp(p, "tcp6") == 0)
		l.v6 = true;
	else
		return cfg_perr(ps, "listen '%s': expected udp, udp6, tcp or "
		    "tcp6", p);
	slot = p[0] == 'u' ? &ps->cfg->udp : &ps->cfg->tcp;
	if (slot->on)
		return cfg_perr(ps, "listen: one %s listener per process",
		    p[0] == 'u' ? "UDP" : "TCP");
	if (argc == 4) {
		if (inet_pton(AF_INET, argv[2], &l.local) == 1)
			;
		else if (l.v6 && inet_pton(AF_INET6, argv[2], &l.local6) == 1)
			l.has_local6 = true;
		else
			return cfg_perr(ps, "listen: '%s' is not an %s address",
			    argv[2], l.v6 ? "IPv4 or IPv6" : "IPv4");
	}
	if (cfg_num_arg(ps, "listen port", argv[argc - 1], 1, 65535,
	    &port) == -1)
		return -1;
	l.port = (uint16_t)port;
	*slot = l;
	ps->cfg->has_listen = true;
	return 0;
}

int
cfg_listeners(struct cfg_pstate *ps)
{
	struct cfg *c = ps->cfg;
	struct cfg_listen *l;

	if (c->has_listen)
		return 0;
	l = c->proto == CFG_PROTO_UDP || c->proto == CFG_PROTO_UDP6 ?
	    &c->udp : &c->tcp;
	memset(l, 0, sizeof(*l));
	l->on = true;
	l->v6 = c->proto == CFG_PROTO_UDP6 || c->proto == CFG_PROTO_TCP6;
	l->local = c->local;
	l->has_local6 = c->has_local6;
	l->local6 = c->local6;
	l->port = c->port;
	return 0;
}

/* A user or group name (or number), as getpwnam/getgrnam take it. */
static int
id_name(struct cfg_pstate *ps, const char *what, const char *s, char **out)
{
	const char *p;

	if (*s == '\0' || strlen(s) > 64)
		return cfg_perr(ps, "%s '%s': not a valid name", what, s);
	for (p = s; *p; p++)
		if (!(*p == '_' || *p == '-' || *p == '.' || *p == '$' ||
		    (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z')))
			return cfg_perr(ps, "%s '%s': not a valid name", what,
			    s);
	if ((*out = strdup(s)) == NULL)
		return cfg_perr(ps, "%s: out of memory", what);
	return 0;
}

int
cfg_set_user(struct cfg_pstate *ps, int argc, char **argv)
{
	return id_name(ps, "user", argv[1], &ps->cfg->user);
}

int
cfg_set_group(struct cfg_pstate *ps, int argc, char **argv)
{
	return id_name(ps, "group", argv[1], &ps->cfg->group);
}

int
cfg_set_control_socket(struct cfg_pstate *ps, int argc, char **argv)
{
	const char *p = argv[1];

	if (p[0] != '/')
		return cfg_perr(ps, "control-socket '%s': an absolute path is "
		    "needed", p);
	if (strlen(p) >= 108)	/* sizeof(sun_path) */
		return cfg_perr(ps, "control-socket: path longer than 107 "
		    "characters");
	if ((ps->cfg->control_socket = strdup(p)) == NULL)
		return cfg_perr(ps, "control-socket: out of memory");
	return 0;
}

/* Numeric ADDRESS:PORT, [IPV6]:PORT or :PORT; metrics.c parses it again
 * when it binds, so only the shape is checked here. */
int
cfg_set_metrics_listen(struct cfg_pstate *ps, int argc, char **argv)
{
	const char *p = argv[1], *colon = strrchr(p, ':');
	int port;

	if (colon == NULL || colon[1] == '\0')
		return cfg_perr(ps, "metrics-listen '%s': expected ADDRESS:PORT "
		    "(e.g. 127.0.0.1:9100)", p);
	if (cfg_num_arg(ps, "metrics-listen port", colon + 1, 1, 65535,
	    &port) == -1)
		return -1;
	if ((ps->cfg->metrics_listen = strdup(p)) == NULL)
		return cfg_perr(ps, "metrics-listen: out of memory");
	return 0;
}

int
cfg_set_explicit_exit_notify(struct cfg_pstate *ps, int argc, char **argv)
{
	ps->cfg->explicit_exit_notify = 1;
	if (argc == 2)
		return cfg_num_arg(ps, "explicit-exit-notify", argv[1], 0, 100,
		    &ps->cfg->explicit_exit_notify);
	return 0;
}
