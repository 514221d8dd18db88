/*
 * Directives added after the first parser (workers, renegotiation,
 * ciphers, session policy, control-channel protection): values, defaults
 * and errors.  Self-contained: PKI and key as inline blocks.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "vec.h"

static char err[1024];
static char text[64 * 1024];

/* A minimal valid server config; the parser only stores PEM text. */
static const char *
base(void)
{
	static char b[8192];
	char *key;

	if (b[0] != '\0')
		return b;
	key = vec_read("udp-tls-auth-sha256/ta.key", NULL);
	snprintf(b, sizeof(b),
	    "<ca>\n-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n</ca>\n"
	    "<cert>\n-----BEGIN CERTIFICATE-----\nMA==\n-----END CERTIFICATE-----\n</cert>\n"
	    "<key>\n-----BEGIN PRIVATE KEY-----\nMA==\n-----END PRIVATE KEY-----\n</key>\n"
	    "dh none\n<tls-auth>\n%s</tls-auth>\nkey-direction 0\n"
	    "server 10.8.0.0 255.255.255.0\nexit-interface eth0\n", key);
	free(key);
	return b;
}

static struct cfg *
parse(const char *extra)
{
	snprintf(text, sizeof(text), "%s%s", base(), extra);
	err[0] = '\0';
	return cfg_parse("t.conf", text, "/nonexistent", err, sizeof(err));
}

static struct cfg *
parse_ok(const char *extra)
{
	struct cfg *c = parse(extra);

	ck_assert_msg(c != NULL, "parse failed: %s", err);
	return c;
}

static void
parse_err(const char *extra, const char *needle)
{
	struct cfg *c = parse(extra);

	ck_assert_msg(c == NULL, "\"%s\" parsed; expected an error with \"%s\"",
	    extra, needle);
	ck_assert_msg(strstr(err, needle) != NULL, "error \"%s\" lacks \"%s\"",
	    err, needle);
	ck_assert_msg(strncmp(err, "t.conf:", 7) == 0, "no file:line in \"%s\"",
	    err);
}

START_TEST(test_workers)
{
	struct cfg *c;

	c = parse_ok("");
	ck_assert_int_eq(c->workers, 0);	/* auto */
	cfg_free(c);
	c = parse_ok("workers 3\n");
	ck_assert_int_eq(c->workers, 3);
	cfg_free(c);
	c = parse_ok("workers auto\n");
	ck_assert_int_eq(c->workers, 0);
	cfg_free(c);
	parse_err("workers 0\n", "workers");
	parse_err("workers 65\n", "workers");
	parse_err("workers many\n", "workers");
}
END_TEST

START_TEST(test_renegotiation)
{
	struct cfg *c;

	c = parse_ok("");
	ck_assert_int_eq(c->tran_window, 60);
	ck_assert_int_eq(c->reneg_bytes, 0);
	ck_assert_int_eq(c->reneg_pkts, 0);
	cfg_free(c);
	c = parse_ok("tran-window 5\nreneg-bytes 1000000\nreneg-pkts 5000\n");
	ck_assert_int_eq(c->tran_window, 5);
	ck_assert_int_eq(c->reneg_bytes, 1000000);
	ck_assert_int_eq(c->reneg_pkts, 5000);
	cfg_free(c);
	parse_err("tran-window 0\n", "tran-window");
	parse_err("reneg-bytes -5\n", "reneg-bytes");
	parse_err("reneg-pkts lots\n", "reneg-pkts");
}
END_TEST

START_TEST(test_tls_and_ciphers)
{
	struct cfg *c;

	c = parse_ok("");
	ck_assert_str_eq(c->data_ciphers_fallback, "");
	ck_assert_int_eq(c->tls_version_min, 0);
	ck_assert_ptr_null(c->tls_cipher);
	ck_assert(!c->crl_expired_reject);
	cfg_free(c);
	c = parse_ok("data-ciphers-fallback aes-256-cbc\n"
	    "tls-version-min 1.3 or-highest\n"
	    "tls-cipher ECDHE-RSA-AES256-GCM-SHA384\n"
	    "tls-ciphersuites TLS_AES_256_GCM_SHA384\ncrl-expired reject\n");
	ck_assert_str_eq(c->data_ciphers_fallback, "AES-256-CBC");
	ck_assert_int_eq(c->tls_version_min, 0x0304);
	ck_assert_str_eq(c->tls_cipher, "ECDHE-RSA-AES256-GCM-SHA384");
	ck_assert_str_eq(c->tls_ciphersuites, "TLS_AES_256_GCM_SHA384");
	ck_assert(c->crl_expired_reject);
	cfg_free(c);
	parse_err("data-ciphers-fallback BF-CBC\n", "not a cipher we implement");
	parse_err("tls-version-min 1.1\n", "below 1.2");
	parse_err("tls-version-min 1.3 sometimes\n", "unknown flag");
	parse_err("crl-expired ignore\n", "expected warn or reject");
}
END_TEST

START_TEST(test_session_policy)
{
	struct cfg *c;

	c = parse_ok("");
	ck_assert_int_eq(c->max_clients, 1024);
	ck_assert(!c->duplicate_cn);
	ck_assert(!c->client_to_client);
	cfg_free(c);
	c = parse_ok("max-clients 2\nduplicate-cn\nclient-to-client\n"
	    "explicit-exit-notify 2\n");
	ck_assert_int_eq(c->max_clients, 2);
	ck_assert(c->duplicate_cn);
	ck_assert(c->client_to_client);
	ck_assert_int_eq(c->explicit_exit_notify, 2);
	cfg_free(c);
	parse_err("max-clients 0\n", "max-clients");
	parse_err("duplicate-cn yes\n", "duplicate-cn");
}
END_TEST

/* route: networks behind clients (their iroutes). */
START_TEST(test_routes)
{
	struct cfg *c, *d;
	char changed[256];

	c = parse_ok("");
	ck_assert_uint_eq(c->nroutes, 0);
	cfg_free(c);
	c = parse_ok("route 192.168.60.0 255.255.255.0\nroute 172.16.9.9\n"
	    "route 10.20.0.0 255.255.0.0 vpn_gateway\n");
	ck_assert_uint_eq(c->nroutes, 3);
	ck_assert_int_eq(c->routes[0].prefix, 24);
	ck_assert_uint_eq(ntohl(c->routes[0].net.s_addr), 0xc0a83c00);
	ck_assert_int_eq(c->routes[1].prefix, 32);
	ck_assert_int_eq(c->routes[2].prefix, 16);

	/* A reload keeps the running routes and says so. */
	d = parse_ok("route 192.168.61.0 255.255.255.0\n");
	ck_assert_int_eq(cfg_carry_restart(d, c, changed, sizeof(changed)), 1);
	ck_assert_str_eq(changed, "route");
	ck_assert_uint_eq(d->nroutes, 3);
	cfg_free(d);
	/* The same networks on other lines: no change. */
	d = parse_ok("\n\nroute 192.168.60.0 255.255.255.0\n"
	    "route 172.16.9.9 255.255.255.255\n"
	    "route 10.20.0.0 255.255.0.0\n");
	ck_assert_int_eq(cfg_carry_restart(d, c, changed, sizeof(changed)), 0);
	cfg_free(d);
	cfg_free(c);

	parse_err("route 192.168.60.1 255.255.255.0\n",
	    "not the network address of a /24 (did you mean 192.168.60.0?)");
	parse_err("route 192.168.60.0 255.0.255.0\n", "not contiguous");
	parse_err("route gw.example 255.255.255.0\n", "names are not resolved");
	parse_err("route 192.168.60.0 255.255.255.0 10.8.0.5\n",
	    "gateway '10.8.0.5' is not supported");
	parse_err("route 192.168.60.0 255.255.255.0 vpn_gateway 5\n",
	    "metric is not supported");
	parse_err("route 0.0.0.0 0.0.0.0\n", "wider than a /8");
	parse_err("route 224.0.0.0 255.0.0.0\n", "not a unicast network");
	parse_err("route 192.168.0.0 255.255.0.0\nroute 192.168.60.0 "
	    "255.255.255.0\n", "overlaps the route on line");
	parse_err("route 10.8.0.0 255.255.0.0\n",
	    "route overlaps the tunnel subnet");
	parse_err("route 10.8.0.128 255.255.255.128\n",
	    "route overlaps the tunnel subnet");
}
END_TEST

/* tls-crypt and tls-crypt-v2 replace tls-auth; only one of the three. */
START_TEST(test_control_protection)
{
	char *tc = vec_read("udp-tls-crypt/tc.key", NULL);
	char *v2 = vec_read("udp-tls-crypt-v2/tcv2-server.key", NULL);
	char *b = strdup(base()), *p, *q, extra[8192];
	struct cfg *c;

	/* The same config without its tls-auth block. */
	p = strstr(b, "<tls-auth>");
	q = strstr(b, "key-direction 0\n") + strlen("key-direction 0\n");
	memmove(p, q, strlen(q) + 1);
	snprintf(text, sizeof(text), "%s<tls-crypt>\n%s</tls-crypt>\n", b, tc);
	c = cfg_parse("t.conf", text, "/nonexistent", err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert(c->has_tls_crypt);
	ck_assert(!c->has_tls_auth);
	cfg_free(c);
	snprintf(text, sizeof(text), "%s<tls-crypt-v2>\n%s</tls-crypt-v2>\n", b,
	    v2);
	c = cfg_parse("t.conf", text, "/nonexistent", err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert(c->has_tls_crypt_v2);
	ck_assert(!c->tls_crypt_v2_force_cookie);
	cfg_free(c);
	/* Nothing at all: the firewall is required. */
	c = cfg_parse("t.conf", b, "/nonexistent", err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_ptr_nonnull(strstr(err, "is required"));
	/* Two at once. */
	snprintf(extra, sizeof(extra), "<tls-crypt>\n%s</tls-crypt>\n", tc);
	parse_err(extra, "give one of tls-auth, tls-crypt and tls-crypt-v2");
	/* A v2 client key is not a server key. */
	parse_err("<tls-crypt-v2>\n-----BEGIN OpenVPN tls-crypt-v2 client "
	    "key-----\nAAAA\n-----END OpenVPN tls-crypt-v2 client key-----\n"
	    "</tls-crypt-v2>\n", "tls-crypt-v2");
	free(tc);
	free(v2);
	free(b);
}
END_TEST

START_TEST(test_ipv6)
{
	struct cfg *c;
	char buf[INET6_ADDRSTRLEN];

	c = parse_ok("server-ipv6 fd00:99:8::/64\nproto udp6\n"
	    "local fd00:99:1::1\n");
	ck_assert(c->has_server6);
	ck_assert_int_eq(c->server6_prefix, 64);
	ck_assert_str_eq(inet_ntop(AF_INET6, &c->server6_net, buf,
	    sizeof(buf)), "fd00:99:8::");
	ck_assert_int_eq(c->proto, CFG_PROTO_UDP6);
	ck_assert(c->has_local6);
	cfg_free(c);
	parse_err("server-ipv6 fd00:99:8::1/64\n", "host bits");
	parse_err("server-ipv6 fd00:99:8::/48\n", "prefix");
	parse_err("server-ipv6 fd00:99:8::\n", "NET/PREFIX");
	parse_err("local fd00::1\n", "needs proto udp6");
	/* /112 holds 65536 addresses: a /24 pool fits, a /16 does not. */
	c = parse_ok("server-ipv6 fd00::/112\n");
	cfg_free(c);
	snprintf(text, sizeof(text), "%s", base());
}
END_TEST

START_TEST(test_listen)
{
	struct cfg *c;

	c = parse_ok("");
	ck_assert(c->udp.on);
	ck_assert(!c->tcp.on);
	ck_assert_uint_eq(c->udp.port, 1194);
	cfg_free(c);
	c = parse_ok("proto tcp-server\nport 443\n");
	ck_assert(!c->udp.on);
	ck_assert(c->tcp.on);
	ck_assert(!c->tcp.v6);
	ck_assert_uint_eq(c->tcp.port, 443);
	cfg_free(c);
	c = parse_ok("listen udp6 1194\nlisten tcp 10.0.0.1 443\n");
	ck_assert(c->udp.on && c->udp.v6);
	ck_assert(c->tcp.on && !c->tcp.v6);
	ck_assert_uint_eq(c->tcp.port, 443);
	ck_assert_uint_eq(ntohl(c->tcp.local.s_addr), 0x0a000001);
	cfg_free(c);
	parse_err("listen udp 1194\nlisten udp 1195\n", "one UDP listener");
	parse_err("listen udp 1194\nport 1195\n", "give either");
	parse_err("listen sctp 1\n", "expected udp");
	parse_err("listen tcp fd00::1 443\n", "not an IPv4 address");
}
END_TEST

/*
 * etc/mycrypnetd.conf marks each directive with its reload scope, and the
 * mark agrees with the parser's table (CFG_DIR_RELOAD).
 */
START_TEST(test_example_scopes)
{
	const char *top = getenv("MCN_TOP_SRCDIR");
	const struct cfg_directive *d;
	char path[1024], *buf, *line, *save, *prev = NULL, name[64];
	FILE *f;
	long n;
	int checked = 0;

	snprintf(path, sizeof(path), "%s/etc/mycrypnetd.conf",
	    top ? top : VECTORS_DIR "/../..");
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)n + 1);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	    prev = line, line = strtok_r(NULL, "\n", &save)) {
		const char *p = line;

		while (*p == ';')
			p++;
		if (sscanf(p, "%63[a-z0-9-]", name) != 1 ||
		    (d = cfg_directive_lookup(name)) == NULL ||
		    prev == NULL || strncmp(prev, "# [scope: ", 10) != 0)
			continue;
		ck_assert_msg(strcmp(prev, (d->flags & CFG_DIR_RELOAD) ?
		    "# [scope: reload]" : "# [scope: restart]") == 0,
		    "etc/mycrypnetd.conf: %s is marked \"%s\", the parser "
		    "says %s", name, prev, (d->flags & CFG_DIR_RELOAD) ?
		    "reload" : "restart");
		checked++;
	}
	/* Every directive of the table was checked once. */
	for (d = cfg_directives, n = 0; d->name != NULL; d++)
		n++;
	ck_assert_int_eq(checked, n);
	free(buf);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cfg_ext");
	TCase *tc = tcase_create("directives");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_workers);
	tcase_add_test(tc, test_renegotiation);
	tcase_add_test(tc, test_tls_and_ciphers);
	tcase_add_test(tc, test_session_policy);
	tcase_add_test(tc, test_routes);
	tcase_add_test(tc, test_control_protection);
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_listen);
	tcase_add_test(tc, test_example_scopes);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
