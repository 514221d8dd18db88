/*
 * Directives added after the first parser (workers, renegotiation,
 * ciphers, session policy, control-channel protection): values, defaults
 * and errors.  Self-contained: PKI and key as inline blocks.
 */
#include "config.h"

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

int
main(void)
{
	Suite *s = suite_create("cfg_ext");
	TCase *tc = tcase_create("directives");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_workers);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
