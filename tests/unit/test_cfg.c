/*
 * Config parser: OpenVPN syntax, our directive subset, and one test per
 * error class, asserting the exact "FILE:LINE:" and that the reason names
 * the directive.  Files live in a fresh temp dir per test; the tls-auth key
 * is the captured vector's.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg.h"
#include "statickey.h"
#include "tmpdir.h"
#include "vec.h"

#define TA_VEC		"udp-tls-auth-sha256/ta.key"
#define SK_HEADER	"-----BEGIN OpenVPN Static key V1-----"

/* Dummy PEM: the parser stores PEM text, it does not verify it. */
static const char CA_PEM[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBdummyTestCAdummyTestCAdummyTestCA\n"
    "-----END CERTIFICATE-----\n";
static const char CERT_PEM[] =
    "Certificate:\n    Subject: CN=server\n"
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBdummyServerCertdummyServerCert\n"
    "-----END CERTIFICATE-----\n";
static const char KEY_PEM[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEdummyServerKeydummyServerKey\n"
    "-----END PRIVATE KEY-----\n";
static const char CRL_PEM[] =
    "-----BEGIN X509 CRL-----\n"
    "MIIBdummyCRLdummyCRL\n"
    "-----END X509 CRL-----\n";

/* The pieces of a minimal valid config, and their line counts. */
#define PKI	"ca ca.crt\ncert server.crt\nkey server.key\ndh none\n"
#define TA	"tls-auth ta.key\n"
#define NET	"server 10.8.0.0 255.255.255.0\nexit-interface eth0\n"
#define BASE	PKI TA NET		/* 7 lines: an extra line is 8 */

static char	err[1024];
static char	text[65536];

static char *
read_path(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* The 256 key bytes of the vector, decoded here (not by statickey.c). */
static void
vector_key(uint8_t key[STATICKEY_LEN])
{
	char *t = vec_read(TA_VEC, NULL), *b, *e;

	b = strstr(t, SK_HEADER);
	ck_assert_ptr_nonnull(b);
	b += strlen(SK_HEADER);
	e = strstr(b, "-----END");
	ck_assert_ptr_nonnull(e);
	*e = '\0';
	ck_assert_uint_eq(vec_hex(b, key, STATICKEY_LEN), STATICKEY_LEN);
	free(t);
}

static void
setup(void)
{
	char *ta;

	tmpdir_make("mcn-cfg");
	tmpdir_write("ca.crt", CA_PEM);
	tmpdir_write("server.crt", CERT_PEM);
	tmpdir_write("server.key", KEY_PEM);
	tmpdir_write("crl.pem", CRL_PEM);
	ck_assert_int_eq(mkdir(tmpdir_path("ccd"), 0700), 0);
	ta = vec_read(TA_VEC, NULL);
	tmpdir_write("ta.key", ta);
	free(ta);
}

/* Concatenates its arguments (NULL-terminated) into the static text. */
static const char *
cat(const char *s, ...)
{
	va_list ap;
	size_t n = 0;

	va_start(ap, s);
	for (; s != NULL; s = va_arg(ap, const char *))
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", s);
	va_end(ap);
	ck_assert_uint_lt(n, sizeof(text));
	return text;
}

static struct cfg *
parse(const char *s)
{
	err[0] = '\0';
	return cfg_parse("test.conf", s, tmpdir, err, sizeof(err));
}

static struct cfg *
parse_ok(const char *s)
{
	struct cfg *c = parse(s);

	ck_assert_msg(c != NULL, "parse failed: %s", err);
	return c;
}

/* The error must start with prefix ("test.conf:8: ") and contain needle. */
static void
expect_err(const char *s, const char *prefix, const char *needle)
{
	struct cfg *c = parse(s);

	ck_assert_msg(c == NULL, "parsed; expected \"%s...%s\"", prefix,
	    needle);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
	    "error \"%s\" does not start with \"%s\"", err, prefix);
	ck_assert_msg(strstr(err, needle) != NULL,
	    "error \"%s\" lacks \"%s\"", err, needle);
	ck_assert_msg(strchr(err, '\n') == NULL, "error has a newline: %s",
	    err);
}

static void
expect_err_exact(const char *s, const char *want)
{
	struct cfg *c = parse(s);

	ck_assert_msg(c == NULL, "parsed; expected \"%s\"", want);
	ck_assert_str_eq(err, want);
}

static const char *
ip(struct in_addr a)
{
	static char buf[INET_ADDRSTRLEN];

	return inet_ntop(AF_INET, &a, buf, sizeof(buf));
}

/* --- valid configs ------------------------------------------------------ */

START_TEST(test_full_file)
{
	static const char conf[] =
	    "# a full server config\n"
	    "dev tun0\n"
	    "proto udp4\n"
	    "local 127.0.0.1\n"
	    "port 1195\n"
	    "ca ca.crt\n"
	    "cert server.crt\n"
	    "key server.key\n"
	    "dh none\n"
	    "crl-verify crl.pem\n"
	    "tls-auth ta.key 0\n"
	    "key-direction 0\n"
	    "auth sha256\n"
	    "topology subnet\n"
	    "server 10.8.0.0 255.255.255.0\n"
	    "push \"redirect-gateway def1\"\n"
	    "push \"dhcp-option DNS 10.8.0.1\"\n"
	    "keepalive 10 60\n"
	    "data-ciphers AES-256-GCM:aes-128-gcm:CHACHA20-POLY1305:"
	    "AES-256-CBC\n"
	    "verb 4\n"
	    "tun-mtu 1400\n"
	    "hand-window 30\n"
	    "reneg-sec 600\n"
	    "persist-key\n"
	    "persist-tun\n"
	    "exit-interface eth0\n";
	uint8_t key[STATICKEY_LEN];
	char path[512];
	struct cfg *c;

	tmpdir_write("server.conf", conf);
	snprintf(path, sizeof(path), "%s", tmpdir_path("server.conf"));
	/* Relative names are from the file's directory, not the cwd. */
	c = cfg_load(path, err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);

	ck_assert_str_eq(c->path, path);
	ck_assert_str_eq(c->dev, "tun0");
	ck_assert_int_eq(c->proto, CFG_PROTO_UDP);
	ck_assert_str_eq(ip(c->local), "127.0.0.1");
	ck_assert_uint_eq(c->port, 1195);
	ck_assert_str_eq(c->ca_pem, CA_PEM);
	ck_assert_str_eq(c->cert_pem, CERT_PEM);
	ck_assert_str_eq(c->key_pem, KEY_PEM);
	ck_assert_str_eq(c->crl_path, tmpdir_path("crl.pem"));
	ck_assert_str_eq(c->crl_pem, CRL_PEM);

	ck_assert(c->has_tls_auth);
	vector_key(key);
	ck_assert_mem_eq(c->tls_auth_key, key, STATICKEY_LEN);
	ck_assert_uint_eq(c->tls_auth_key[0], 0x7d);
	ck_assert_uint_eq(c->tls_auth_key[255], 0x5e);
	ck_assert_int_eq(c->tls_auth_dir, 0);
	ck_assert_str_eq(c->auth, "SHA256");

	ck_assert(c->has_server);
	ck_assert_str_eq(ip(c->server_net), "10.8.0.0");
	ck_assert_str_eq(ip(c->server_mask), "255.255.255.0");
	ck_assert_int_eq(c->server_prefix, 24);
	ck_assert(c->topology_subnet);

	ck_assert_uint_eq(c->npush, 2);
	ck_assert_str_eq(c->push[0], "redirect-gateway def1");
	ck_assert_str_eq(c->push[1], "dhcp-option DNS 10.8.0.1");

	ck_assert_int_eq(c->ping, 10);
	ck_assert_int_eq(c->ping_restart, 120);
	ck_assert_int_eq(c->push_ping_restart, 60);

	ck_assert_str_eq(c->data_ciphers,
	    "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305:AES-256-CBC");
	ck_assert_int_eq(c->verb, 4);
	ck_assert_int_eq(c->tun_mtu, 1400);
	ck_assert_int_eq(c->hand_window, 30);
	ck_assert_int_eq(c->reneg_sec, 600);
	ck_assert_str_eq(c->exit_if, "eth0");
	cfg_free(c);

	/* Loaded by a relative name, kept paths are still absolute. */
	ck_assert_int_eq(chdir(tmpdir), 0);
	c = cfg_load("server.conf", err, sizeof(err));
	ck_assert_msg(c != NULL, "%s", err);
	ck_assert_str_eq(c->path, "server.conf");
	ck_assert_str_eq(c->crl_path, tmpdir_path("crl.pem"));
	cfg_free(c);
}
END_TEST

START_TEST(test_defaults)
{
	struct cfg *c = parse_ok(BASE);

	ck_assert_str_eq(c->path, "test.conf");
	ck_assert_str_eq(c->dev, "tun");
	ck_assert_int_eq(c->proto, CFG_PROTO_UDP);
	ck_assert_uint_eq(c->local.s_addr, htonl(INADDR_ANY));
	ck_assert_uint_eq(c->port, 1194);
	ck_assert_ptr_null(c->crl_path);
	ck_assert_ptr_null(c->crl_pem);
	ck_assert(c->has_tls_auth);
	ck_assert_int_eq(c->tls_auth_dir, -1);
	ck_assert_str_eq(c->auth, "SHA1");
	ck_assert(c->topology_subnet);
	ck_assert_uint_eq(c->npush, 0);
	ck_assert_int_eq(c->ping, 0);
	ck_assert_int_eq(c->ping_restart, 0);
	ck_assert_int_eq(c->push_ping_restart, 0);
	ck_assert_str_eq(c->data_ciphers,
	    "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305");
	ck_assert_int_eq(c->verb, 1);
	ck_assert_int_eq(c->tun_mtu, 1500);
	ck_assert_int_eq(c->hand_window, 60);
	ck_assert_int_eq(c->reneg_sec, 3600);
	cfg_free(c);
}
END_TEST

START_TEST(test_inline_blocks)
{
	uint8_t key[STATICKEY_LEN];
	char *ta = vec_read(TA_VEC, NULL);
	struct cfg *c;

	/* The close tag may be indented; the body is kept verbatim. */
	c = parse_ok(cat("<ca>\n", CA_PEM, "</ca>\n",
	    "<cert>\n", CERT_PEM, "  </cert>\n",
	    "<key>\n", KEY_PEM, "</key>\n",
	    "dh none\n",
	    "key-direction 1\n",
	    "<tls-auth>\n", ta, "</tls-auth>\n",
	    "<crl-verify>\n", CRL_PEM, "</crl-verify>\n",
	    NET, NULL));
	ck_assert_str_eq(c->ca_pem, CA_PEM);
	ck_assert_str_eq(c->cert_pem, CERT_PEM);
	ck_assert_str_eq(c->key_pem, KEY_PEM);
	ck_assert_ptr_null(c->crl_path);
	ck_assert_str_eq(c->crl_pem, CRL_PEM);
	ck_assert(c->has_tls_auth);
	ck_assert_int_eq(c->tls_auth_dir, 1);
	vector_key(key);
	ck_assert_mem_eq(c->tls_auth_key, key, STATICKEY_LEN);
	cfg_free(c);
	free(ta);
}
END_TEST

START_TEST(test_quoting)
{
	static const char *const ca_forms[] = {
		"ca \"sub dir/ca.crt\"\n",
		"ca 'sub dir/ca.crt'\n",
		"ca sub\\ dir/ca.crt\n",
		"ca \"sub\\ dir/ca.crt\"\n",
	};
	struct cfg *c;
	size_t i;

	ck_assert_int_eq(mkdir(tmpdir_path("sub dir"), 0700), 0);
	tmpdir_write("sub dir/ca.crt", CA_PEM);
	for (i = 0; i < sizeof(ca_forms) / sizeof(ca_forms[0]); i++) {
		c = parse_ok(cat(ca_forms[i], "cert server.crt\n"
		    "key server.key\ndh none\n", TA, NET, NULL));
		ck_assert_str_eq(c->ca_pem, CA_PEM);
		cfg_free(c);
	}

	c = parse_ok(cat(BASE,
	    "push \"route 192.168.1.0 255.255.255.0\"\n",
	    "push 'dhcp-option DOMAIN example.com'\n",
	    "push \"setenv-safe X \\\"q\\\" \\\\ y\"\n",	/* \" and \\ */
	    "push 'a\\b \"c\"'\n",		/* no escapes in '' */
	    "push a\"b\n",			/* a quote inside a word */
	    "push x\\ y\n",			/* escaped blank */
	    NULL));
	ck_assert_uint_eq(c->npush, 6);
	ck_assert_str_eq(c->push[0], "route 192.168.1.0 255.255.255.0");
	ck_assert_str_eq(c->push[1], "dhcp-option DOMAIN example.com");
	ck_assert_str_eq(c->push[2], "setenv-safe X \"q\" \\ y");
	ck_assert_str_eq(c->push[3], "a\\b \"c\"");
	ck_assert_str_eq(c->push[4], "a\"b");
	ck_assert_str_eq(c->push[5], "x y");
	cfg_free(c);

	/* A closing quote ends the word, as in OpenVPN: "a"b is two. */
	expect_err(cat(BASE, "push \"a\"b\n", NULL), "test.conf:8: ",
	    "wrong number of arguments to 'push' (usage: push \"OPTION\")");
	expect_err(cat(BASE, "push \"a\\qb\"\n", NULL), "test.conf:8: ",
	    "push: bad backslash escape '\\q'");
	expect_err(cat(BASE, "push x\\\n", NULL), "test.conf:8: ",
	    "push: backslash at the end of the line");
	expect_err(cat(BASE, "push \"\"\n", NULL), "test.conf:8: ",
	    "push: empty option");
}
END_TEST

START_TEST(test_comments_and_blanks)
{
	struct cfg *c;

	c = parse_ok(cat("# comment\n",
	    "; comment\n",
	    "   # indented comment\n",
	    "\t; indented\n",
	    "\n",
	    "  \t \n",
	    "port 1195 # trailing comment\n",
	    "verb 3 ;trailing\n",
	    "push \"x # not a comment\"\n",
	    "push y#z\n",			/* '#' inside a word */
	    "push \"w\"# comment after a quote\n",
	    BASE, NULL));
	ck_assert_uint_eq(c->port, 1195);
	ck_assert_int_eq(c->verb, 3);
	ck_assert_uint_eq(c->npush, 3);
	ck_assert_str_eq(c->push[0], "x # not a comment");
	ck_assert_str_eq(c->push[1], "y#z");
	ck_assert_str_eq(c->push[2], "w");
	cfg_free(c);

	/* A comment only starts a word. */
	expect_err(cat("port 11#94\n", BASE, NULL), "test.conf:1: ",
	    "port: '11#94' is not a number in 1..65535");
}
END_TEST

START_TEST(test_crlf_and_bom)
{
	struct cfg *c;

	c = parse_ok("\xef\xbb\xbfport 1195\r\n"
	    "ca ca.crt\r\ncert server.crt\r\nkey server.key\r\n"
	    "dh none\r\ntls-auth ta.key 0\r\n"
	    "server 10.8.0.0 255.255.255.0\r\nexit-interface eth0");
	ck_assert_uint_eq(c->port, 1195);
	ck_assert_str_eq(c->exit_if, "eth0");
	cfg_free(c);

	/* CRLF inside a block becomes LF. */
	c = parse_ok(cat("<ca>\r\n-----BEGIN CERTIFICATE-----\r\nAA\r\n"
	    "-----END CERTIFICATE-----\r\n</ca>\r\n",
	    "cert server.crt\nkey server.key\ndh none\n", TA, NET, NULL));
	ck_assert_str_eq(c->ca_pem, "-----BEGIN CERTIFICATE-----\nAA\n"
	    "-----END CERTIFICATE-----\n");
	cfg_free(c);
}
END_TEST

START_TEST(test_keepalive_and_server)
{
	static const struct {
		const char *line;
		const char *net, *mask;
		int prefix;
	} srv[] = {
		{ "server 10.8.0.0 255.255.255.0\n", "10.8.0.0",
		    "255.255.255.0", 24 },
		{ "server 10.0.0.0 255.0.0.0\n", "10.0.0.0", "255.0.0.0", 8 },
		{ "server 172.16.0.0 255.240.0.0\n", "172.16.0.0",
		    "255.240.0.0", 12 },
		{ "server 192.168.7.8 255.255.255.248\n", "192.168.7.8",
		    "255.255.255.248", 29 },
	};
	struct cfg *c;
	size_t i;

	c = parse_ok(cat(BASE, "keepalive 10 60\n", NULL));
	ck_assert_int_eq(c->ping, 10);
	ck_assert_int_eq(c->ping_restart, 120);
	ck_assert_int_eq(c->push_ping_restart, 60);
	cfg_free(c);

	/* OpenVPN's rule: the timeout is at least twice the interval. */
	c = parse_ok(cat(BASE, "keepalive 5 10\n", NULL));
	ck_assert_int_eq(c->ping, 5);
	ck_assert_int_eq(c->ping_restart, 20);
	ck_assert_int_eq(c->push_ping_restart, 10);
	cfg_free(c);

	for (i = 0; i < sizeof(srv) / sizeof(srv[0]); i++) {
		c = parse_ok(cat(PKI, TA, srv[i].line, "exit-interface eth0\n",
		    NULL));
		ck_assert_str_eq(ip(c->server_net), srv[i].net);
		ck_assert_str_eq(ip(c->server_mask), srv[i].mask);
		ck_assert_int_eq(c->server_prefix, srv[i].prefix);
		cfg_free(c);
	}
}
END_TEST

START_TEST(test_case_insensitive)
{
	struct cfg *c;

	c = parse_ok(cat(BASE, "data-ciphers chacha20-poly1305:Aes-128-Gcm\n",
	    "auth sha512\n", NULL));
	ck_assert_str_eq(c->data_ciphers, "CHACHA20-POLY1305:AES-128-GCM");
	ck_assert_str_eq(c->auth, "SHA512");
	cfg_free(c);
}
END_TEST

/* --- one test per error class ------------------------------------------ */

START_TEST(test_err_unknown)
{
	expect_err_exact(cat(BASE, "frobnicate yes\n", NULL),
	    "test.conf:8: unknown directive 'frobnicate'");
	expect_err_exact(cat("Port 1194\n", BASE, NULL),
	    "test.conf:1: unknown directive 'Port'");
	expect_err_exact(cat("<frob>\nx\n</frob>\n", BASE, NULL),
	    "test.conf:1: unknown directive 'frob'");
	expect_err_exact(cat(BASE, "--dev tun\n", NULL),
	    "test.conf:8: '--dev': a leading '--' is for the command line; "
	    "write 'dev' in a file");
	expect_err_exact(cat(BASE, "</ca>\n", NULL),
	    "test.conf:8: '</ca>' without an opening <ca>");
}
END_TEST

START_TEST(test_ccd_and_pool_persist)
{
	struct cfg *c;

	/* Neither by default. */
	c = parse_ok(BASE);
	ck_assert_ptr_null(c->ccd_dir);
	ck_assert_ptr_null(c->pool_persist);
	cfg_free(c);
	/* Relative names are taken from the config's directory; the pool
	 * file need not exist yet. */
	c = parse_ok(cat(BASE, "client-config-dir ccd\n"
	    "ifconfig-pool-persist ipp.txt\n", NULL));
	ck_assert_str_eq(c->ccd_dir, tmpdir_path("ccd"));
	ck_assert_str_eq(c->pool_persist, tmpdir_path("ipp.txt"));
	ck_assert_int_eq(c->pool_persist_sec, 600);
	cfg_free(c);
	tmpdir_write("ipp.txt", "alice,10.8.0.2,\n");
	c = parse_ok(cat(BASE, "client-config-dir ", tmpdir_path("ccd"), "\n"
	    "ifconfig-pool-persist ipp.txt 0\n", NULL));
	ck_assert_str_eq(c->ccd_dir, tmpdir_path("ccd"));
	ck_assert_int_eq(c->pool_persist_sec, 0);
	cfg_free(c);
	ck_assert_ptr_null(parse(cat(BASE, "client-config-dir nope\n",
	    NULL)));
	ck_assert_str_eq(err, cat("test.conf:8: client-config-dir: ",
	    tmpdir_path("nope"), ": No such file or directory", NULL));
	ck_assert_ptr_null(parse(cat(BASE, "client-config-dir ca.crt\n",
	    NULL)));
	ck_assert_str_eq(err, cat("test.conf:8: client-config-dir: ",
	    tmpdir_path("ca.crt"), ": not a directory", NULL));
	expect_err_exact(cat(BASE, "client-config-dir ccd\n"
	    "client-config-dir ccd\n", NULL),
	    "test.conf:9: 'client-config-dir' already given on line 8");
	ck_assert_ptr_null(parse(cat(BASE, "ifconfig-pool-persist "
	    "nope/ipp.txt\n", NULL)));
	ck_assert_str_eq(err, cat("test.conf:8: ifconfig-pool-persist: "
	    "directory ", tmpdir_path("nope"), ": No such file or directory",
	    NULL));
	ck_assert_ptr_null(parse(cat(BASE, "ifconfig-pool-persist ccd\n",
	    NULL)));
	ck_assert_str_eq(err, cat("test.conf:8: ifconfig-pool-persist: ",
	    tmpdir_path("ccd"), ": not a regular file", NULL));
	expect_err_exact(cat(BASE, "ifconfig-pool-persist ipp.txt -1\n",
	    NULL), "test.conf:8: ifconfig-pool-persist seconds: '-1' is not "
	    "a number in 0..86400");
	expect_err_exact(cat(BASE, "ifconfig-pool-persist\n", NULL),
	    "test.conf:8: wrong number of arguments to "
	    "'ifconfig-pool-persist' (usage: ifconfig-pool-persist FILE "
	    "[SECONDS])");
}
END_TEST

START_TEST(test_err_unsupported)
{
	static const char *const lines[] = {
		"chroot /var/empty", "mlock", "status /run/status.log",
		"ccd-exclusive", "client-connect /bin/true",
		"learn-address /bin/true", "tls-crypt-v2-verify /bin/true",
		"server-bridge", "comp-lzo", "cipher AES-256-CBC",
		"mode server", "tls-server", "ncp-ciphers AES-256-GCM",
		"setenv opt block-outside-dns", "ignore-unknown-option foo",
	};
	char want[1024], line[128], name[64];
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		sscanf(lines[i], "%63s", name);
		snprintf(line, sizeof(line), "%s\n", lines[i]);
		snprintf(want, sizeof(want), "test.conf:8: directive '%s' is "
		    "not supported (yet)", name);
		expect_err_exact(cat(BASE, line, NULL), want);
	}
	/* As an inline block: named at the opening line. */
	expect_err_exact(cat(BASE, "<extra-certs>\nxx\n</extra-certs>\n",
	    NULL), "test.conf:8: directive 'extra-certs' is not supported "
	    "(yet)");
	/* Every name on the list, whatever its arguments. */
	for (i = 0; cfg_unsupported[i] != NULL; i++) {
		snprintf(line, sizeof(line), "%s\n", cfg_unsupported[i]);
		snprintf(want, sizeof(want), "test.conf:1: directive '%s' is "
		    "not supported (yet)", cfg_unsupported[i]);
		expect_err_exact(line, want);
	}
}
END_TEST

START_TEST(test_err_arg_count)
{
	expect_err_exact(cat(BASE, "keepalive 10\n", NULL),
	    "test.conf:8: wrong number of arguments to 'keepalive' "
	    "(usage: keepalive INTERVAL TIMEOUT)");
	expect_err_exact(cat(BASE, "persist-key yes\n", NULL),
	    "test.conf:8: wrong number of arguments to 'persist-key' "
	    "(usage: persist-key)");
	expect_err_exact(cat("dev\n", BASE, NULL),
	    "test.conf:1: wrong number of arguments to 'dev' "
	    "(usage: dev tun|tunN)");
	expect_err_exact(cat("server 10.8.0.0\n", BASE, NULL),
	    "test.conf:1: wrong number of arguments to 'server' "
	    "(usage: server NETWORK NETMASK)");
	expect_err_exact(cat(BASE, "tls-auth ta.key 0 extra\n", NULL),
	    "test.conf:8: wrong number of arguments to 'tls-auth' "
	    "(usage: tls-auth FILE [0|1])");
	expect_err_exact(cat(BASE, "reneg-sec 3600 600\n", NULL),
	    "test.conf:8: wrong number of arguments to 'reneg-sec' "
	    "(usage: reneg-sec SECONDS)");
	expect_err(cat(BASE, "push a b c d e f g h i j k l m n o p q\n",
	    NULL), "test.conf:8: ", "push: more than 16 words");
	/* A directive without a file cannot be a block. */
	expect_err_exact(cat(BASE, "<port>\n1194\n</port>\n", NULL),
	    "test.conf:8: 'port' cannot be an inline <port> block");
	/* Extra flags that OpenVPN knows but we do not implement. */
	expect_err_exact(cat("server 10.8.0.0 255.255.255.0 nopool\n", BASE,
	    NULL), "test.conf:1: server ... nopool is not supported (yet)");
}
END_TEST

START_TEST(test_err_bad_mask)
{
	expect_err_exact(cat("server 10.8.0.0 255.0.255.0\n", BASE, NULL),
	    "test.conf:1: server: netmask 255.0.255.0 is not contiguous");
	expect_err_exact(cat("server 10.8.0.0 255.255.255.252\n", BASE,
	    NULL), "test.conf:1: server: netmask 255.255.255.252 is /30; it "
	    "must be /8 to /29");
	expect_err_exact(cat("server 10.0.0.0 254.0.0.0\n", BASE, NULL),
	    "test.conf:1: server: netmask 254.0.0.0 is /7; it must be /8 "
	    "to /29");
	expect_err_exact(cat("server 10.8.0.1 255.255.255.0\n", BASE, NULL),
	    "test.conf:1: server: 10.8.0.1 is not the network address of a "
	    "/24 (did you mean 10.8.0.0?)");
	expect_err_exact(cat("server 10.8.0.0 255.255.255.0x\n", BASE, NULL),
	    "test.conf:1: server: '255.255.255.0x' is not an IPv4 netmask");
	expect_err_exact(cat("server 127.0.0.0 255.255.255.0\n", BASE, NULL),
	    "test.conf:1: server: 127.0.0.0 is not a unicast network");
}
END_TEST

START_TEST(test_err_proto)
{
	expect_err_exact(cat(BASE, "proto tcp-client\n", NULL),
	    "test.conf:8: proto tcp-client: a server listens; use tcp-server");
	expect_err_exact(cat(BASE, "proto sctp\n", NULL),
	    "test.conf:8: proto 'sctp': unknown protocol (expected udp, udp6, "
	    "tcp-server or tcp6-server)");
}
END_TEST

START_TEST(test_err_dev)
{
	expect_err(cat("dev tap\n", BASE, NULL), "test.conf:1: ",
	    "dev tap: only tun is supported");
	expect_err(cat("dev tap0\n", BASE, NULL), "test.conf:1: ",
	    "dev tap0: only tun is supported");
	expect_err_exact(cat("dev vpn0\n", BASE, NULL),
	    "test.conf:1: dev 'vpn0': expected 'tun' or 'tunN'");
	expect_err_exact(cat("dev tun12345678901234\n", BASE, NULL),
	    "test.conf:1: dev 'tun12345678901234': expected 'tun' or "
	    "'tunN'");
}
END_TEST

START_TEST(test_err_dh)
{
	expect_err_exact(cat("ca ca.crt\ncert server.crt\nkey server.key\n",
	    "dh dh2048.pem\n", TA, NET, NULL), "test.conf:4: dh dh2048.pem: "
	    "only 'dh none' is supported: ECDHE is always used");
	expect_err_exact(cat("<dh>\n-----BEGIN DH PARAMETERS-----\n</dh>\n",
	    BASE, NULL), "test.conf:1: dh <inline block>: only 'dh none' is "
	    "supported: ECDHE is always used");
}
END_TEST

START_TEST(test_err_missing)
{
	expect_err_exact(cat(PKI, TA, NULL),
	    "test.conf: missing required directives: server, exit-interface");
	expect_err_exact(cat(PKI, NET, NULL),
	    "test.conf: tls-auth (or tls-crypt, or tls-crypt-v2) is required: "
	    "it is the HMAC firewall in front of TLS");
	expect_err_exact("# nothing\n",
	    "test.conf: missing required directives: ca, cert, key, dh, "
	    "tls-auth, server, exit-interface (tls-auth (or tls-crypt, or "
	    "tls-crypt-v2) is required: it is the HMAC firewall in front of "
	    "TLS)");
	expect_err_exact(cat("cert server.crt\nkey server.key\n", TA, NET,
	    NULL), "test.conf: missing required directives: ca, dh");
	expect_err_exact(cat(BASE, "ca ca.crt\n", NULL),
	    "test.conf:8: 'ca' already given on line 1");
}
END_TEST

START_TEST(test_err_tls_auth_key)
{
	char *ta = vec_read(TA_VEC, NULL), *bad, *p, want[1024];

	/* Inline: the error names the config line of the bad key line. */
	bad = strdup(ta);
	ck_assert_ptr_nonnull(bad);
	p = strstr(bad, SK_HEADER);
	ck_assert_ptr_nonnull(p);
	p = strchr(p, '\n') + 1;		/* first hex line */
	p = strchr(p, '\n') + 1;		/* second hex line */
	p[5] = 'Z';
	/* Lines 1-4 PKI, 5-6 NET, 7 <tls-auth>, 8-10 "#" comments,
	 * 11 header, 12 first hex line, 13 the bad one. */
	expect_err_exact(cat(PKI, NET, "<tls-auth>\n", bad, "</tls-auth>\n",
	    NULL), "test.conf:13: tls-auth: bad key in the inline block: "
	    "'Z' is not a hex digit");

	/* A key file: the directive's line, and the file's line. */
	tmpdir_write("bad.key", bad);
	snprintf(want, sizeof(want), "test.conf:5: tls-auth: bad key at "
	    "%s:6: 'Z' is not a hex digit", tmpdir_path("bad.key"));
	expect_err_exact(cat(PKI, "tls-auth bad.key 0\n", NET, NULL), want);

	/* Too short a key is a whole-key error, at the directive. */
	tmpdir_write("short.key", SK_HEADER "\n00112233\n"
	    "-----END OpenVPN Static key V1-----\n");
	snprintf(want, sizeof(want), "test.conf:5: tls-auth: bad key in "
	    "%s: key has 4 bytes", tmpdir_path("short.key"));
	expect_err(cat(PKI, "tls-auth short.key\n", NET, NULL), want, "");

	/* Not a key file at all; a missing file; a bad direction. */
	expect_err(cat(PKI, "tls-auth ca.crt\n", NET, NULL), "test.conf:5: ",
	    "tls-auth: bad key in");
	snprintf(want, sizeof(want), "test.conf:5: tls-auth: %s: No such "
	    "file or directory", tmpdir_path("nope.key"));
	expect_err_exact(cat(PKI, "tls-auth nope.key\n", NET, NULL), want);
	expect_err_exact(cat(PKI, "tls-auth ta.key 2\n", NET, NULL),
	    "test.conf:5: tls-auth: direction '2' must be 0 or 1");
	expect_err_exact(cat(PKI, "tls-auth ta.key 0\nkey-direction 1\n",
	    NET, NULL), "test.conf:6: key-direction: direction 1 conflicts "
	    "with 0 set on line 5");
	free(bad);
	free(ta);
}
END_TEST

START_TEST(test_err_unterminated_block)
{
	expect_err_exact(cat(BASE, "<crl-verify>\n", CRL_PEM, NULL),
	    "test.conf:8: inline <crl-verify> block has no closing "
	    "</crl-verify>");
	/* A wrong close tag does not close it. */
	expect_err_exact(cat("<ca>\n", CA_PEM, "</cert>\n", BASE, NULL),
	    "test.conf:1: inline <ca> block has no closing </ca>");
}
END_TEST

START_TEST(test_err_unterminated_quote)
{
	expect_err_exact(cat(BASE, "push \"redirect-gateway def1\n", NULL),
	    "test.conf:8: push: no closing double (\") quote");
	expect_err_exact(cat(BASE, "push 'redirect-gateway def1\n", NULL),
	    "test.conf:8: push: no closing single (') quote");
	expect_err_exact(cat("ca \"ca.crt\n", BASE, NULL),
	    "test.conf:1: ca: no closing double (\") quote");
}
END_TEST

START_TEST(test_err_push_comma)
{
	expect_err_exact(cat(BASE,
	    "push \"route 10.1.0.0 255.255.0.0,dhcp-option DNS 10.1.0.1\"\n",
	    NULL), "test.conf:8: push \"route 10.1.0.0 255.255.0.0,"
	    "dhcp-option DNS 10.1.0.1\": an option must not contain a comma "
	    "(the push reply is comma-separated); use one push line per "
	    "option");
}
END_TEST

START_TEST(test_err_data_ciphers)
{
	expect_err_exact(cat(BASE, "data-ciphers AES-256-GCM:BF-CBC\n", NULL),
	    "test.conf:8: data-ciphers: unknown or unsupported cipher "
	    "'BF-CBC' (supported: AES-256-GCM, AES-128-GCM, "
	    "CHACHA20-POLY1305, AES-256-CBC)");
	expect_err_exact(cat(BASE, "data-ciphers AES-256-GCM:aes-256-gcm\n",
	    NULL), "test.conf:8: data-ciphers: AES-256-GCM is listed twice");
	expect_err_exact(cat(BASE, "data-ciphers :\n", NULL),
	    "test.conf:8: data-ciphers: empty list");
}
END_TEST

START_TEST(test_err_values)
{
	char want[1024];

	expect_err_exact(cat(BASE, "keepalive 10 15\n", NULL),
	    "test.conf:8: keepalive 10 15: the timeout must be at least "
	    "twice the interval ('keepalive 10 60' is usual)");
	expect_err_exact(cat(BASE, "keepalive 0 60\n", NULL),
	    "test.conf:8: keepalive interval: '0' is not a number in "
	    "1..86400");
	expect_err_exact(cat(BASE, "keepalive -1 60\n", NULL),
	    "test.conf:8: keepalive interval: '-1' is not a number in "
	    "1..86400");
	expect_err_exact(cat(BASE, "port 0\n", NULL),
	    "test.conf:8: port: '0' is not a number in 1..65535");
	expect_err_exact(cat(BASE, "port 99999999999999999999\n", NULL),
	    "test.conf:8: port: '99999999999999999999' is not a number in "
	    "1..65535");
	expect_err_exact(cat(BASE, "verb 12\n", NULL),
	    "test.conf:8: verb: '12' is not a number in 0..11");
	expect_err_exact(cat(BASE, "tun-mtu 100\n", NULL),
	    "test.conf:8: tun-mtu: '100' is not a number in 576..9000");
	expect_err_exact(cat(BASE, "auth MD5\n", NULL),
	    "test.conf:8: auth MD5: only SHA1, SHA256 and SHA512 are "
	    "supported");
	expect_err_exact(cat(BASE, "topology net30\n", NULL),
	    "test.conf:8: topology net30: only 'topology subnet' is "
	    "supported");
	expect_err_exact(cat(BASE, "crl-verify /etc/crl dir\n", NULL),
	    "test.conf:8: crl-verify DIR dir is not implemented yet (give "
	    "one CRL file)");
	expect_err_exact(cat(BASE, "local 2001:db8::1\n", NULL),
	    "test.conf: local is an IPv6 address: that needs proto udp6 or "
	    "tcp6-server");
	expect_err_exact(cat(BASE, "local vpn.example.com\n", NULL),
	    "test.conf:8: local 'vpn.example.com': not an IPv4 or IPv6 "
	    "address (host names are not resolved)");
	expect_err_exact(cat(PKI, TA, "server 10.8.0.0 255.255.255.0\n",
	    "exit-interface eth/0\n", NULL), "test.conf:7: exit-interface "
	    "'eth/0': not a valid interface name (1 to 15 characters, no "
	    "'/', ':' or blanks)");
	expect_err(cat(PKI, TA, "server 10.8.0.0 255.255.255.0\n",
	    "exit-interface averyveryverylongname\n", NULL), "test.conf:7: ",
	    "exit-interface 'averyveryverylongname': not a valid interface");
	/* Files: missing, and the wrong kind of PEM. */
	snprintf(want, sizeof(want), "test.conf:1: ca: %s: No such file or "
	    "directory", tmpdir_path("nope.crt"));
	expect_err_exact(cat("ca nope.crt\n", BASE, NULL), want);
	snprintf(want, sizeof(want), "test.conf:1: key: %s has no "
	    "\"-----BEGIN ... PRIVATE KEY-----\" line", tmpdir_path("ca.crt"));
	expect_err_exact(cat("key ca.crt\n", BASE, NULL), want);
	snprintf(want, sizeof(want), "test.conf:1: ca: %s has no "
	    "\"-----BEGIN CERTIFICATE-----\" line", tmpdir_path("server.key"));
	expect_err_exact(cat("ca server.key\n", BASE, NULL), want);
	snprintf(want, sizeof(want), "test.conf:1: crl-verify: %s: not a "
	    "regular file", tmpdir_path("."));
	expect_err_exact(cat("crl-verify .\n", BASE, NULL), want);
}
END_TEST

/* --- the table, and the example config that documents it --------------- */

START_TEST(test_table)
{
	const struct cfg_directive *d;
	size_t i, n = 0;

	for (d = cfg_directives; d->name != NULL; d++, n++) {
		ck_assert_msg(*d->name != '\0' && d->args != NULL &&
		    d->desc != NULL && *d->desc != '\0' && d->set != NULL,
		    "incomplete entry %s", d->name);
		ck_assert_int_le(d->min_args, d->max_args);
		ck_assert_ptr_eq(cfg_directive_lookup(d->name), d);
		ck_assert_msg(!cfg_unsupported_lookup(d->name),
		    "%s is both implemented and unsupported", d->name);
		/* An inline block is the first argument. */
		if (d->flags & CFG_DIR_INLINE)
			ck_assert_int_ge(d->max_args, 1);
	}
	ck_assert_uint_ge(n, 24);
	ck_assert_ptr_null(cfg_directive_lookup("chroot"));
	for (i = 0; cfg_unsupported[i] != NULL; i++) {
		if (i > 0)
			ck_assert_msg(strcmp(cfg_unsupported[i - 1],
			    cfg_unsupported[i]) < 0, "not sorted at %s",
			    cfg_unsupported[i]);
		ck_assert(cfg_unsupported_lookup(cfg_unsupported[i]));
	}
	ck_assert_uint_gt(i, 250);
	ck_assert(!cfg_unsupported_lookup("frobnicate"));
}
END_TEST

/* etc/mycrypnetd.conf, with /etc/mycrypnetd/ pointed at the temp dir. */
static char *
example_text(bool uncomment)
{
	const char *top = getenv("MCN_TOP_SRCDIR");
	char path[1024], *raw, *out, *p, *q;
	const char *from = "/etc/mycrypnetd/", *state = "/var/lib/mycrypnetd/";

	if (top != NULL)
		snprintf(path, sizeof(path), "%s/etc/mycrypnetd.conf", top);
	else
		snprintf(path, sizeof(path), "%s/../../etc/mycrypnetd.conf",
		    VECTORS_DIR);	/* tests/vectors/../../ is the top */
	raw = read_path(path);
	out = malloc(strlen(raw) * 4 + 1);
	ck_assert_ptr_nonnull(out);
	for (p = raw, q = out; *p; ) {
		/* ";x" is an optional directive; ";;x" an alternative to an
		 * active one, which stays commented. */
		if (uncomment && *p == ';' && p[1] != ';' &&
		    (p == raw || p[-1] == '\n')) {
			p++;
			continue;
		}
		if (strncmp(p, from, strlen(from)) == 0) {
			q += sprintf(q, "%s/", tmpdir);
			p += strlen(from);
		} else if (strncmp(p, state, strlen(state)) == 0) {
			q += sprintf(q, "%s/", tmpdir);
			p += strlen(state);
		} else
			*q++ = *p++;
	}
	*q = '\0';
	free(raw);
	return out;
}

START_TEST(test_example_config)
{
	char *ex = example_text(false);
	uint8_t key[STATICKEY_LEN];
	struct cfg *c;

	c = cfg_parse("mycrypnetd.conf", ex, "/nonexistent", err,
	    sizeof(err));
	ck_assert_msg(c != NULL, "etc/mycrypnetd.conf: %s", err);
	ck_assert_str_eq(c->dev, "tun");
	ck_assert_int_eq(c->proto, CFG_PROTO_UDP);
	ck_assert_uint_eq(c->local.s_addr, htonl(INADDR_ANY));
	ck_assert_uint_eq(c->port, 1194);
	ck_assert_str_eq(c->ca_pem, CA_PEM);
	ck_assert_str_eq(c->cert_pem, CERT_PEM);
	ck_assert_str_eq(c->key_pem, KEY_PEM);
	ck_assert_str_eq(c->crl_pem, CRL_PEM);
	vector_key(key);
	ck_assert_mem_eq(c->tls_auth_key, key, STATICKEY_LEN);
	ck_assert_int_eq(c->tls_auth_dir, 0);
	ck_assert_str_eq(c->auth, "SHA256");
	ck_assert(c->topology_subnet);
	ck_assert_str_eq(ip(c->server_net), "10.99.8.0");
	ck_assert_int_eq(c->server_prefix, 24);
	ck_assert_uint_eq(c->npush, 1);
	ck_assert_str_eq(c->push[0], "redirect-gateway def1");
	ck_assert_int_eq(c->ping, 10);
	ck_assert_int_eq(c->ping_restart, 120);
	ck_assert_int_eq(c->push_ping_restart, 60);
	ck_assert_str_eq(c->data_ciphers,
	    "AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305");
	ck_assert_int_eq(c->verb, 1);
	ck_assert_str_eq(c->exit_if, "eth0");
	cfg_free(c);
	free(ex);

	/* Its commented-out ";directive" examples are valid too. */
	ex = example_text(true);
	c = cfg_parse("mycrypnetd.conf", ex, "/nonexistent", err,
	    sizeof(err));
	ck_assert_msg(c != NULL, "etc/mycrypnetd.conf uncommented: %s", err);
	ck_assert_str_eq(ip(c->local), "192.0.2.1");
	ck_assert_str_eq(c->crl_pem, CRL_PEM);
	ck_assert_uint_eq(c->npush, 2);
	ck_assert_str_eq(c->ccd_dir, tmpdir_path("ccd"));
	ck_assert_str_eq(c->pool_persist, tmpdir_path("ipp.txt"));
	ck_assert_int_eq(c->pool_persist_sec, 600);
	cfg_free(c);
	free(ex);
}
END_TEST

/* Every directive is documented in the example, active or ";"-commented. */
START_TEST(test_example_documents_all)
{
	char *ex = example_text(false), *line, *save;
	const struct cfg_directive *d;
	bool found[64] = { false };
	size_t i, n;

	for (line = strtok_r(ex, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		while (*line == ';')
			line++;
		for (d = cfg_directives, i = 0; d->name != NULL; d++, i++) {
			n = strlen(d->name);
			if (strncmp(line, d->name, n) == 0 &&
			    (line[n] == ' ' || line[n] == '\0'))
				found[i] = true;
		}
	}
	for (d = cfg_directives, i = 0; d->name != NULL; d++, i++)
		ck_assert_msg(found[i], "etc/mycrypnetd.conf does not show "
		    "'%s'", d->name);
	free(ex);
}
END_TEST

START_TEST(test_load_errors)
{
	struct cfg *c;

	c = cfg_load(tmpdir_path("missing.conf"), err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, cat(tmpdir_path("missing.conf"),
	    ": No such file or directory", NULL));
	tmpdir_write("nul.conf", "");
	ck_assert_int_eq(truncate(tmpdir_path("nul.conf"), 10), 0);
	c = cfg_load(tmpdir_path("nul.conf"), err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, cat(tmpdir_path("nul.conf"),
	    ": contains a NUL byte: not a text file", NULL));
	/* A config error through cfg_load names the path it was given. */
	tmpdir_write("bad.conf", "ca ca.crt\nchroot /var/empty\n");
	c = cfg_load(tmpdir_path("bad.conf"), err, sizeof(err));
	ck_assert_ptr_null(c);
	ck_assert_str_eq(err, cat(tmpdir_path("bad.conf"),
	    ":2: directive 'chroot' is not supported (yet)", NULL));
}
END_TEST

static Suite *
cfg_suite(void)
{
	Suite *s = suite_create("cfg");
	TCase *tc = tcase_create("valid");
	TCase *te = tcase_create("errors");
	TCase *tt = tcase_create("table");

	tcase_add_checked_fixture(tc, setup, tmpdir_remove);
	tcase_add_test(tc, test_full_file);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_inline_blocks);
	tcase_add_test(tc, test_quoting);
	tcase_add_test(tc, test_comments_and_blanks);
	tcase_add_test(tc, test_crlf_and_bom);
	tcase_add_test(tc, test_keepalive_and_server);
	tcase_add_test(tc, test_ccd_and_pool_persist);
	tcase_add_test(tc, test_case_insensitive);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(te, setup, tmpdir_remove);
	tcase_add_test(te, test_err_unknown);
	tcase_add_test(te, test_err_unsupported);
	tcase_add_test(te, test_err_arg_count);
	tcase_add_test(te, test_err_bad_mask);
	tcase_add_test(te, test_err_proto);
	tcase_add_test(te, test_err_dev);
	tcase_add_test(te, test_err_dh);
	tcase_add_test(te, test_err_missing);
	tcase_add_test(te, test_err_tls_auth_key);
	tcase_add_test(te, test_err_unterminated_block);
	tcase_add_test(te, test_err_unterminated_quote);
	tcase_add_test(te, test_err_push_comma);
	tcase_add_test(te, test_err_data_ciphers);
	tcase_add_test(te, test_err_values);
	tcase_add_test(te, test_load_errors);
	suite_add_tcase(s, te);

	tcase_add_checked_fixture(tt, setup, tmpdir_remove);
	tcase_add_test(tt, test_table);
	tcase_add_test(tt, test_example_config);
	tcase_add_test(tt, test_example_documents_all);
	suite_add_tcase(s, tt);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cfg_suite());
	int nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
