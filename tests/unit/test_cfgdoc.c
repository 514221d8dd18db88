/*
 * The directive table (cfg_directives[], the parser's source of truth)
 * against its two documents, both ways:
 *
 *   doc/man/mycrypnetd.conf.5   one ".It Ic NAME" entry per directive, and
 *                               no entry for anything else; each entry
 *                               states its reload scope on a line starting
 *                               "Scope: restart" or "Scope: SIGHUP", and
 *                               says "Required." exactly when the table
 *                               marks the directive CFG_DIR_REQUIRED
 *   etc/mycrypnetd.conf         every directive appears as a line of its
 *                               own, active or commented out ("NAME ...",
 *                               ";NAME ..." or ";;NAME ..."); every such
 *                               line names a directive
 *
 * Files are read from $MCN_TOP_SRCDIR (set by make check), else from the
 * source tree this was configured in.
 */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

#define MAX_NAMES	128
#define MAX_ENTRY	8192

struct entry {
	char	name[64];
	char	text[MAX_ENTRY];	/* the entry's lines, up to the next .It */
};

static struct entry man[MAX_NAMES];
static size_t nman;
static char conf[MAX_NAMES][64];
static size_t nconf;

static const char *
top_srcdir(void)
{
	const char *top = getenv("MCN_TOP_SRCDIR");

	return top != NULL && *top != '\0' ? top : TOP_SRCDIR;
}

static FILE *
open_src(const char *rel)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top_srcdir(), rel);
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	return f;
}

static void
copy_word(char *dst, size_t len, const char *s)
{
	size_t n = 0;

	while (s[n] != '\0' && !isspace((unsigned char)s[n]) && n + 1 < len)
		n++;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* ".It Ic NAME ..." entries; an entry runs until the next .It or .El. */
static void
load_man(void)
{
	char line[1024];
	struct entry *cur = NULL;
	FILE *f = open_src("doc/man/mycrypnetd.conf.5");

	nman = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, ".It Ic ", 7) == 0) {
			ck_assert_uint_lt(nman, MAX_NAMES);
			cur = &man[nman++];
			copy_word(cur->name, sizeof(cur->name), line + 7);
			cur->text[0] = '\0';
			continue;
		}
		if (strncmp(line, ".It", 3) == 0 || strncmp(line, ".El", 3) == 0)
			cur = NULL;
		if (cur != NULL) {
			ck_assert_uint_lt(strlen(cur->text) + strlen(line),
			    sizeof(cur->text));
			strcat(cur->text, line);
		}
	}
	fclose(f);
}

/*
 * Lines "NAME ...", ";NAME ..." and ";;NAME ...": directives, live,
 * optional (commented out with its default or an example) or an
 * alternative to an active one.
 */
static void
load_conf(void)
{
	char line[1024];
	const char *p;
	FILE *f = open_src("etc/mycrypnetd.conf");

	nconf = 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		p = line;
		if (p[0] == ';')
			p += p[1] == ';' ? 2 : 1;
		if (!islower((unsigned char)*p))
			continue;
		ck_assert_uint_lt(nconf, MAX_NAMES);
		copy_word(conf[nconf++], sizeof(conf[0]), p);
	}
	fclose(f);
}

static const struct entry *
man_entry(const char *name)
{
	size_t i;

	for (i = 0; i < nman; i++)
		if (strcmp(man[i].name, name) == 0)
			return &man[i];
	return NULL;
}

static bool
in_conf(const char *name)
{
	size_t i;

	for (i = 0; i < nconf; i++)
		if (strcmp(conf[i], name) == 0)
			return true;
	return false;
}

/* A line of text starting with prefix. */
static bool
has_line(const char *text, const char *prefix)
{
	const char *p = text;
	size_t n = strlen(prefix);

	for (;;) {
		if (strncmp(p, prefix, n) == 0)
			return true;
		if ((p = strchr(p, '\n')) == NULL)
			return false;
		p++;
	}
}

START_TEST(every_directive_in_man_page)
{
	const struct cfg_directive *d;
	const struct entry *e;
	bool req, live;

	load_man();
	for (d = cfg_directives; d->name != NULL; d++) {
		e = man_entry(d->name);
		ck_assert_msg(e != NULL, "mycrypnetd.conf.5 has no \".It Ic %s\" "
		    "entry", d->name);
		ck_assert_msg(has_line(e->text, "Scope: restart") ||
		    has_line(e->text, "Scope: SIGHUP"), "mycrypnetd.conf.5: "
		    "%s does not state its reload scope (a line \"Scope: "
		    "restart...\" or \"Scope: SIGHUP...\")", d->name);
		/* The page says what the parser's table says. */
		live = (d->flags & CFG_DIR_RELOAD) != 0;
		ck_assert_msg(live == has_line(e->text, "Scope: SIGHUP"),
		    "mycrypnetd.conf.5: %s is %s on reload but its entry "
		    "says \"Scope: %s\"", d->name, live ? "applied" :
		    "not applied", live ? "restart" : "SIGHUP");
		req = (d->flags & CFG_DIR_REQUIRED) != 0;
		ck_assert_msg(req == (strstr(e->text, "Required.") != NULL),
		    "mycrypnetd.conf.5: %s is %srequired but its entry %s "
		    "\"Required.\"", d->name, req ? "" : "not ",
		    req ? "does not say" : "says");
	}
}
END_TEST

START_TEST(man_page_only_real_directives)
{
	size_t i, j;

	load_man();
	ck_assert_uint_gt(nman, 0);
	for (i = 0; i < nman; i++) {
		ck_assert_msg(cfg_directive_lookup(man[i].name) != NULL,
		    "mycrypnetd.conf.5 documents \"%s\", which the parser does "
		    "not know", man[i].name);
		for (j = 0; j < i; j++)
			ck_assert_msg(strcmp(man[i].name, man[j].name) != 0,
			    "mycrypnetd.conf.5 documents \"%s\" twice",
			    man[i].name);
	}
}
END_TEST

START_TEST(every_directive_in_example_conf)
{
	const struct cfg_directive *d;

	load_conf();
	for (d = cfg_directives; d->name != NULL; d++)
		ck_assert_msg(in_conf(d->name), "etc/mycrypnetd.conf has no "
		    "\"%s\" line (give it, or \";%s ...\" commented out)",
		    d->name, d->name);
}
END_TEST

START_TEST(example_conf_only_real_directives)
{
	size_t i;

	load_conf();
	ck_assert_uint_gt(nconf, 0);
	for (i = 0; i < nconf; i++)
		ck_assert_msg(cfg_directive_lookup(conf[i]) != NULL,
		    "etc/mycrypnetd.conf has a line for \"%s\", which the "
		    "parser does not know", conf[i]);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("cfgdoc");
	TCase *tc = tcase_create("sync");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, every_directive_in_man_page);
	tcase_add_test(tc, man_page_only_real_directives);
	tcase_add_test(tc, every_directive_in_example_conf);
	tcase_add_test(tc, example_conf_only_real_directives);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
