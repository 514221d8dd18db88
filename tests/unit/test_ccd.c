/*
 * client-config-dir files: each directive, the DIR/CN -> DIR/DEFAULT
 * lookup, and one test per error class asserting the exact
 * "FILE:LINE: reason".  Server subnet 10.8.0.0/24 throughout; files live
 * in a fresh temp dir per test.
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

#include "ccd.h"
#include "tmpdir.h"

static char		err[1024];
static struct in_addr	net, mask;

/* "TMPDIR/name:rest", to compare with err. */
static const char *
at(const char *name, const char *rest)
{
	static char p[1024];

	snprintf(p, sizeof(p), "%s/%s%s", tmpdir, name, rest);
	return p;
}

static const char *
ntoa(struct in_addr a)
{
	static char b[INET_ADDRSTRLEN];

	return inet_ntop(AF_INET, &a, b, sizeof(b));
}

static void
setup(void)
{
	tmpdir_make("mcn-ccd");
	inet_pton(AF_INET, "10.8.0.0", &net);
	inet_pton(AF_INET, "255.255.255.0", &mask);
	err[0] = '\0';
}

/* Loads CN alice from a file with text; expects success. */
static void
load_ok(const char *text, struct ccd *c)
{
	tmpdir_write("alice", text);
	ck_assert_msg(ccd_load(tmpdir, "alice", net, mask, c, err,
	    sizeof(err)) == 1, "ccd_load: %s", err);
}

/* Loads CN alice from a file with text; expects refusal with want. */
static void
load_err(const char *text, const char *want)
{
	struct ccd c;

	tmpdir_write("alice", text);
	ck_assert_int_eq(ccd_load(tmpdir, "alice", net, mask, &c, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, at("alice", want));
	/* Refused means empty: nothing half-parsed is handed out. */
	ck_assert_ptr_null(c.path);
	ck_assert_ptr_null(c.push);
	ck_assert_ptr_null(c.iroute);
	ck_assert(!c.has_ifconfig && !c.disable && !c.push_reset);
}

/* --- each directive ---------------------------------------------------- */

START_TEST(test_ifconfig_push)
{
	struct ccd c;

	load_ok("ifconfig-push 10.8.0.50 255.255.255.0\n", &c);
	ck_assert_str_eq(c.path, tmpdir_path("alice"));
	ck_assert(!c.is_default);
	ck_assert(c.has_ifconfig);
	ck_assert_str_eq(ntoa(c.ifconfig_addr), "10.8.0.50");
	ck_assert_str_eq(ntoa(c.ifconfig_mask), "255.255.255.0");
	ck_assert(!c.disable && !c.push_reset);
	ck_assert_uint_eq(c.npush, 0);
	ck_assert_uint_eq(c.niroute, 0);
	ccd_free(&c);
	/* The highest and lowest client addresses are fine. */
	load_ok("ifconfig-push 10.8.0.254 255.255.255.0\n", &c);
	ck_assert_str_eq(ntoa(c.ifconfig_addr), "10.8.0.254");
	ccd_free(&c);
	load_ok("ifconfig-push 10.8.0.2 255.255.255.0\n", &c);
	ck_assert_str_eq(ntoa(c.ifconfig_addr), "10.8.0.2");
	ccd_free(&c);
}
END_TEST

START_TEST(test_push)
{
	struct ccd c;

	load_ok("# per-client routes\n"
	    "push \"route 192.168.10.0 255.255.255.0\"\n"
	    "push 'dhcp-option DNS 10.8.0.1'\n"
	    "push \"redirect-gateway def1\"\n", &c);
	ck_assert_uint_eq(c.npush, 3);
	ck_assert_str_eq(c.push[0], "route 192.168.10.0 255.255.255.0");
	ck_assert_str_eq(c.push[1], "dhcp-option DNS 10.8.0.1");
	ck_assert_str_eq(c.push[2], "redirect-gateway def1");
	ck_assert(!c.push_reset);
	ccd_free(&c);
}
END_TEST

START_TEST(test_push_reset)
{
	struct ccd c;

	/* As in OpenVPN: push-reset also drops the pushes above it. */
	load_ok("push \"route 10.1.0.0 255.255.0.0\"\n"
	    "push-reset\n"
	    "push \"route 10.2.0.0 255.255.0.0\"\n", &c);
	ck_assert(c.push_reset);
	ck_assert_uint_eq(c.npush, 1);
	ck_assert_str_eq(c.push[0], "route 10.2.0.0 255.255.0.0");
	ccd_free(&c);
	load_ok("push-reset\n", &c);
	ck_assert(c.push_reset);
	ck_assert_uint_eq(c.npush, 0);
	ck_assert_ptr_null(c.push);
	ccd_free(&c);
}
END_TEST

START_TEST(test_iroute)
{
	struct ccd c;

	load_ok("iroute 192.168.10.0 255.255.255.0\n"
	    "iroute 172.16.5.7\n"
	    "iroute 10.9.0.0 255.255.0.0\n", &c);
	ck_assert_uint_eq(c.niroute, 3);
	ck_assert_str_eq(ntoa(c.iroute[0].net), "192.168.10.0");
	ck_assert_str_eq(ntoa(c.iroute[0].mask), "255.255.255.0");
	ck_assert_int_eq(c.iroute[0].prefix, 24);
	/* No mask: a host route, as OpenVPN's default 255.255.255.255. */
	ck_assert_str_eq(ntoa(c.iroute[1].net), "172.16.5.7");
	ck_assert_str_eq(ntoa(c.iroute[1].mask), "255.255.255.255");
	ck_assert_int_eq(c.iroute[1].prefix, 32);
	ck_assert_str_eq(ntoa(c.iroute[2].net), "10.9.0.0");
	ck_assert_int_eq(c.iroute[2].prefix, 16);
	ccd_free(&c);
}
END_TEST

START_TEST(test_disable)
{
	struct ccd c;

	load_ok("disable\n", &c);
	ck_assert(c.disable);
	ccd_free(&c);
	/* The rest of the file is still checked and kept. */
	load_ok("ifconfig-push 10.8.0.9 255.255.255.0\ndisable\n", &c);
	ck_assert(c.disable && c.has_ifconfig);
	ccd_free(&c);
	load_err("disable\nfrobnicate\n",
	    ":2: unknown directive 'frobnicate' (a client-config-dir file may "
	    "contain ifconfig-push, push, push-reset, iroute and disable)");
}
END_TEST

START_TEST(test_all_together)
{
	struct ccd c;

	load_ok("\xef\xbb\xbf; a BOM, comments, CRLF and blank lines\r\n"
	    "\r\n"
	    "  ifconfig-push   10.8.0.77 255.255.255.0   # fixed\r\n"
	    "iroute 192.168.77.0 255.255.255.0\r\n"
	    "push-reset\r\n"
	    "push \"route 192.168.0.0 255.255.0.0\"\r\n"
	    "push route-gateway\\ 10.8.0.1\r\n", &c);
	ck_assert(c.has_ifconfig && c.push_reset && !c.disable);
	ck_assert_str_eq(ntoa(c.ifconfig_addr), "10.8.0.77");
	ck_assert_uint_eq(c.niroute, 1);
	ck_assert_uint_eq(c.npush, 2);
	ck_assert_str_eq(c.push[1], "route-gateway 10.8.0.1");
	ccd_free(&c);
	ccd_free(&c);	/* harmless on an empty struct */
}
END_TEST

/* --- the lookup ---------------------------------------------------------- */

START_TEST(test_default_fallback)
{
	char slashed[300];
	struct ccd c;

	tmpdir_write("DEFAULT", "push \"route 10.50.0.0 255.255.0.0\"\n");
	ck_assert_int_eq(ccd_load(tmpdir, "bob", net, mask, &c, err,
	    sizeof(err)), 1);
	ck_assert(c.is_default);
	ck_assert_str_eq(c.path, tmpdir_path("DEFAULT"));
	ck_assert_uint_eq(c.npush, 1);
	ccd_free(&c);
	/* A client with its own file does not read DEFAULT. */
	tmpdir_write("bob", "iroute 192.168.3.0 255.255.255.0\n");
	ck_assert_int_eq(ccd_load(tmpdir, "bob", net, mask, &c, err,
	    sizeof(err)), 1);
	ck_assert(!c.is_default);
	ck_assert_str_eq(c.path, tmpdir_path("bob"));
	ck_assert_uint_eq(c.npush, 0);
	ck_assert_uint_eq(c.niroute, 1);
	ccd_free(&c);
	/* A trailing '/' on the directory changes nothing. */
	snprintf(slashed, sizeof(slashed), "%s/", tmpdir);
	ck_assert_int_eq(ccd_load(slashed, "bob", net, mask, &c, err,
	    sizeof(err)), 1);
	ck_assert_str_eq(c.path, tmpdir_path("bob"));
	ccd_free(&c);
	/* DEFAULT as the policy: whoever has no file is refused. */
	tmpdir_write("DEFAULT", "disable\n");
	ck_assert_int_eq(ccd_load(tmpdir, "mallory", net, mask, &c, err,
	    sizeof(err)), 1);
	ck_assert(c.is_default && c.disable);
	ccd_free(&c);
}
END_TEST

START_TEST(test_no_file)
{
	struct ccd c;

	memset(&c, 0xa5, sizeof(c));
	ck_assert_int_eq(ccd_load(tmpdir, "carol", net, mask, &c, err,
	    sizeof(err)), 0);
	ck_assert_ptr_null(c.path);
	ck_assert_uint_eq(c.npush, 0);
	ck_assert(!c.disable && !c.has_ifconfig);
	ccd_free(&c);
	/* CNs with spaces and other printable bytes are plain names. */
	tmpdir_write("Jane Doe (laptop)", "disable\n");
	ck_assert_int_eq(ccd_load(tmpdir, "Jane Doe (laptop)", net, mask, &c,
	    err, sizeof(err)), 1);
	ck_assert(c.disable);
	ccd_free(&c);
}
END_TEST

START_TEST(test_bad_cn)
{
	static const struct {
		const char	*cn;
		const char	*why;
	} t[] = {
		{ "../DEFAULT", "contains '/'" },
		{ "a/b", "contains '/'" },
		{ "..", "starts with '.'" },
		{ ".", "starts with '.'" },
		{ ".hidden", "starts with '.'" },
		{ "", "the client has no common name" },
	};
	char want[1024];
	struct ccd c;
	size_t i;

	/* Even with a DEFAULT to fall back to, such a name is refused. */
	tmpdir_write("DEFAULT", "push \"route 10.50.0.0 255.255.0.0\"\n");
	tmpdir_write(".hidden", "push \"route 10.60.0.0 255.255.0.0\"\n");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(ccd_load(tmpdir, t[i].cn, net, mask, &c, err,
		    sizeof(err)), -1);
		snprintf(want, sizeof(want), "%s: common name \"%s\" cannot "
		    "name a client-config-dir file: %s", tmpdir, t[i].cn,
		    t[i].why);
		ck_assert_str_eq(err, want);
		ck_assert_ptr_null(c.path);
	}
}
END_TEST

START_TEST(test_unreadable)
{
	char want[1024];
	struct ccd c;

	/* The client's "file" is a directory: refused, no fallback. */
	tmpdir_write("DEFAULT", "push \"route 10.50.0.0 255.255.0.0\"\n");
	ck_assert_int_eq(mkdir(tmpdir_path("dave"), 0700), 0);
	ck_assert_int_eq(ccd_load(tmpdir, "dave", net, mask, &c, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, at("dave", ": not a regular file"));
	/* The directory is gone: refused, since DEFAULT may be policy. */
	snprintf(want, sizeof(want), "%s/gone: No such file or directory",
	    tmpdir);
	ck_assert_int_eq(ccd_load(tmpdir_path("gone"), "erin", net, mask, &c,
	    err, sizeof(err)), -1);
	ck_assert_str_eq(err, want);
	/* The "directory" is a file. */
	ck_assert_int_eq(ccd_load(tmpdir_path("DEFAULT"), "erin", net, mask, &c,
	    err, sizeof(err)), -1);
	ck_assert_str_eq(err, at("DEFAULT/erin", ": Not a directory"));
	/* A NUL byte: not a config file. */
	tmpdir_write("frank", "disable\n");
	ck_assert_int_eq(truncate(tmpdir_path("frank"), 20), 0);
	ck_assert_int_eq(ccd_load(tmpdir, "frank", net, mask, &c, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, at("frank",
	    ": contains a NUL byte: not a text file"));
	/* Unreadable (skipped as root, who reads anything). */
	if (geteuid() != 0) {
		tmpdir_write("gina", "disable\n");
		ck_assert_int_eq(chmod(tmpdir_path("gina"), 0), 0);
		ck_assert_int_eq(ccd_load(tmpdir, "gina", net, mask, &c, err,
		    sizeof(err)), -1);
		ck_assert_str_eq(err, at("gina", ": Permission denied"));
	}
}
END_TEST

/* --- errors, with their lines -------------------------------------------- */

START_TEST(test_err_outside_subnet)
{
	load_err("# fixed address\nifconfig-push 10.9.0.5 255.255.255.0\n",
	    ":2: ifconfig-push: 10.9.0.5 is outside the server subnet "
	    "10.8.0.0/24");
	load_err("ifconfig-push 10.8.1.5 255.255.255.0\n",
	    ":1: ifconfig-push: 10.8.1.5 is outside the server subnet "
	    "10.8.0.0/24");
	load_err("ifconfig-push 10.8.0.0 255.255.255.0\n",
	    ":1: ifconfig-push: 10.8.0.0 is the network address of "
	    "10.8.0.0/24, not a client address");
	load_err("ifconfig-push 10.8.0.1 255.255.255.0\n",
	    ":1: ifconfig-push: 10.8.0.1 is the server's own address of "
	    "10.8.0.0/24, not a client address");
	load_err("ifconfig-push 10.8.0.255 255.255.255.0\n",
	    ":1: ifconfig-push: 10.8.0.255 is the broadcast address of "
	    "10.8.0.0/24, not a client address");
	load_err("ifconfig-push vpn.example.com 255.255.255.0\n",
	    ":1: ifconfig-push: 'vpn.example.com' is not an IPv4 address "
	    "(host names are not resolved)");
}
END_TEST

START_TEST(test_err_wrong_mask)
{
	load_err("ifconfig-push 10.8.0.5 255.255.0.0\n",
	    ":1: ifconfig-push: netmask 255.255.0.0 is not the server's "
	    "netmask 255.255.255.0 (topology subnet: clients share the "
	    "server's subnet)");
	/* net30-style "remote endpoint" as the second argument. */
	load_err("ifconfig-push 10.8.0.5 10.8.0.6\n",
	    ":1: ifconfig-push: netmask 10.8.0.6 is not contiguous");
	load_err("ifconfig-push 10.8.0.5 255.255.255.0 10.8.0.9\n",
	    ":1: ifconfig-push: the alias argument ('10.8.0.9') is not "
	    "supported");
	load_err("ifconfig-push 10.8.0.5\n",
	    ":1: wrong number of arguments to 'ifconfig-push' (usage: "
	    "ifconfig-push ADDRESS NETMASK)");
	load_err("ifconfig-push 10.8.0.5 255.255.255.0\n\n"
	    "ifconfig-push 10.8.0.6 255.255.255.0\n",
	    ":3: 'ifconfig-push' already given on line 1");
}
END_TEST

START_TEST(test_err_unknown)
{
	load_err("push \"route 10.1.0.0 255.255.0.0\"\n\nkeepalive 10 60\n",
	    ":3: unknown directive 'keepalive' (a client-config-dir file may "
	    "contain ifconfig-push, push, push-reset, iroute and disable)");
	load_err("push-remove route\n",
	    ":1: 'push-remove' is not supported in client-config-dir files "
	    "(yet)");
	load_err("iroute-ipv6 fd00:1::/64\n",
	    ":1: 'iroute-ipv6' is not supported in client-config-dir files "
	    "(yet)");
	load_err("--disable\n",
	    ":1: '--disable': a leading '--' is for the command line; write "
	    "'disable' in a file");
	load_err("<ca>\nMIIB\n</ca>\n",
	    ":1: '<ca>': inline blocks are not allowed in a client-config-dir "
	    "file");
	load_err("disable now\n",
	    ":1: wrong number of arguments to 'disable' (usage: disable)");
	load_err("push-reset all\n",
	    ":1: wrong number of arguments to 'push-reset' (usage: "
	    "push-reset)");
	load_err("\n\npush \"route 10.1.0.0\n",
	    ":3: push: no closing double (\") quote");
}
END_TEST

START_TEST(test_err_push)
{
	char text[400];

	load_err("push \"route 10.1.0.0 255.255.0.0,route 10.2.0.0\"\n",
	    ":1: push \"route 10.1.0.0 255.255.0.0,route 10.2.0.0\": an "
	    "option must not contain a comma (the push reply is "
	    "comma-separated); use one push line per option");
	load_err("push \"\"\n", ":1: push: empty option");
	snprintf(text, sizeof(text), "push \"setenv X %0250d\"\n", 0);
	load_err(text, ":1: push: option longer than 255 characters");
	load_err("push\n", ":1: wrong number of arguments to 'push' (usage: "
	    "push \"OPTION\")");
}
END_TEST

START_TEST(test_err_push_count)
{
	char *text = malloc((CCD_MAX_PUSH + 1) * 32), *p = text;
	char want[128];
	int i;

	ck_assert_ptr_nonnull(text);
	for (i = 0; i <= CCD_MAX_PUSH; i++)
		p += sprintf(p, "push \"setenv N%d 1\"\n", i);
	snprintf(want, sizeof(want), ":%d: push: more than %d options",
	    CCD_MAX_PUSH + 1, CCD_MAX_PUSH);
	load_err(text, want);
	free(text);
}
END_TEST

START_TEST(test_err_iroute)
{
	load_err("iroute 192.168.10.1 255.255.255.0\n",
	    ":1: iroute 192.168.10.1/24: the network has host bits set (did "
	    "you mean 192.168.10.0?)");
	load_err("iroute 192.168.10.0 255.0.255.0\n",
	    ":1: iroute: netmask 255.0.255.0 is not contiguous");
	load_err("iroute 10.8.0.128 255.255.255.128\n",
	    ":1: iroute 10.8.0.128/25 overlaps the tunnel subnet 10.8.0.0/24");
	load_err("iroute 10.0.0.0 255.0.0.0\n",
	    ":1: iroute 10.0.0.0/8 overlaps the tunnel subnet 10.8.0.0/24");
	load_err("iroute 10.8.0.5\n",
	    ":1: iroute 10.8.0.5/32 overlaps the tunnel subnet 10.8.0.0/24");
	load_err("iroute 192.168.10.0 255.255.255.0\n"
	    "iroute 192.168.10.0 255.255.255.0\n",
	    ":2: iroute 192.168.10.0/24 already given on line 1");
	load_err("iroute lan.example 255.255.255.0\n",
	    ":1: iroute: 'lan.example' is not an IPv4 address (host names "
	    "are not resolved)");
	load_err("iroute\n", ":1: wrong number of arguments to 'iroute' "
	    "(usage: iroute NETWORK [NETMASK])");
}
END_TEST

START_TEST(test_parse_string)
{
	struct ccd c;

	/* ccd_parse names what it is given, for tools and fuzzing. */
	ck_assert_int_eq(ccd_parse("inline", "iroute 192.168.1.0 "
	    "255.255.255.0\ndisable\n", net, mask, &c, err, sizeof(err)), 0);
	ck_assert_str_eq(c.path, "inline");
	ck_assert(c.disable);
	ck_assert_uint_eq(c.niroute, 1);
	ccd_free(&c);
	ck_assert_int_eq(ccd_parse("inline", "x\n", net, mask, &c, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "inline:1: unknown directive 'x' (a "
	    "client-config-dir file may contain ifconfig-push, push, "
	    "push-reset, iroute and disable)");
	/* Another subnet: the checks follow the server's. */
	inet_pton(AF_INET, "172.20.0.0", &net);
	inet_pton(AF_INET, "255.255.240.0", &mask);
	ck_assert_int_eq(ccd_parse("n", "ifconfig-push 172.20.15.254 "
	    "255.255.240.0\n", net, mask, &c, err, sizeof(err)), 0);
	ccd_free(&c);
	ck_assert_int_eq(ccd_parse("n", "ifconfig-push 172.20.15.255 "
	    "255.255.240.0\n", net, mask, &c, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "n:1: ifconfig-push: 172.20.15.255 is the "
	    "broadcast address of 172.20.0.0/20, not a client address");
}
END_TEST

static Suite *
ccd_suite(void)
{
	Suite *s = suite_create("ccd");
	TCase *td = tcase_create("directives");
	TCase *tl = tcase_create("lookup");
	TCase *te = tcase_create("errors");

	tcase_add_checked_fixture(td, setup, tmpdir_remove);
	tcase_add_test(td, test_ifconfig_push);
	tcase_add_test(td, test_push);
	tcase_add_test(td, test_push_reset);
	tcase_add_test(td, test_iroute);
	tcase_add_test(td, test_disable);
	tcase_add_test(td, test_all_together);
	tcase_add_test(td, test_parse_string);
	suite_add_tcase(s, td);
	tcase_add_checked_fixture(tl, setup, tmpdir_remove);
	tcase_add_test(tl, test_default_fallback);
	tcase_add_test(tl, test_no_file);
	tcase_add_test(tl, test_bad_cn);
	tcase_add_test(tl, test_unreadable);
	suite_add_tcase(s, tl);
	tcase_add_checked_fixture(te, setup, tmpdir_remove);
	tcase_add_test(te, test_err_outside_subnet);
	tcase_add_test(te, test_err_wrong_mask);
	tcase_add_test(te, test_err_unknown);
	tcase_add_test(te, test_err_push);
	tcase_add_test(te, test_err_push_count);
	tcase_add_test(te, test_err_iroute);
	suite_add_tcase(s, te);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(ccd_suite());
	int nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
