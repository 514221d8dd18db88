/*
 * mcnca -- MyCrypNet's certificate authority and client profile exporter.
 *
 *	mcnca [-d DIR] [--pass-file FILE] COMMAND [ARGS]
 *
 * DIR (or $MCNCA_DIR) is the CA database: see ca-tools/README.md.  The
 * CA key is encrypted at rest and never printed or exported; the
 * passphrase comes from --pass-file, $MCNCA_PASS or the terminal.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "afile.h"
#include "cmd.h"
#include "db.h"

static const struct command {
	const char	*name;
	int		(*fn)(struct mcnca *, int, char **);
	const char	*args;
	const char	*help;
} commands[] = {
	{ "init", cmd_init, "[--cn NAME] [--key TYPE] [--days N]",
	    "create the CA; its key is encrypted with a passphrase" },
	{ "issue-server", cmd_issue, "NAME [--key TYPE] [--days N]",
	    "key + certificate for a gateway (EKU serverAuth)" },
	{ "issue-client", cmd_issue, "NAME [--key TYPE] [--days N]",
	    "key + certificate for a subscriber (EKU clientAuth)" },
	{ "revoke", cmd_revoke, "NAME [--reason REASON]",
	    "revoke NAME's valid certificate (then run gen-crl)" },
	{ "gen-crl", cmd_gencrl, "[--days N] [--out FILE]",
	    "write the CRL DIR/crl.pem for crl-verify" },
	{ "list", cmd_list, "[--json]",
	    "certificates: name, type, status, expiry, serial" },
	{ "gen-tls-auth", cmd_genkey, "[--force]",
	    "make the tls-auth key DIR/ta.key" },
	{ "gen-tls-crypt", cmd_genkey, "[--force]",
	    "make the tls-crypt key DIR/tc.key" },
	{ "gen-tls-crypt-v2", cmd_genkey, "[--force]",
	    "make the server key DIR/tls-crypt-v2-server.key" },
	{ "gen-tls-crypt-v2-client", cmd_v2client, "NAME [--out FILE]",
	    "NAME's own tls-crypt-v2 client key" },
	{ "export", cmd_export, "NAME --os linux|windows|macos|android|ios "
	    "--remote HOST[:PORT][/udp|tcp]... [--auth DIGEST] "
	    "[--wrap tls-auth|tls-crypt|tls-crypt-v2] [--out FILE]",
	    "write NAME's self-contained .ovpn profile" },
};

#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

int
cmd_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("mcnca: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return MCNCA_EXIT_FAIL;
}

static const struct command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

int
cmd_usage(const char *cmd, const char *fmt, ...)
{
	const struct command *c = find_command(cmd);
	va_list ap;

	if (fmt != NULL) {
		fprintf(stderr, "mcnca %s: ", cmd);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
	}
	if (c != NULL)
		fprintf(stderr, "usage: mcnca [-d DIR] %s %s\n", c->name,
		    c->args);
	return MCNCA_EXIT_USAGE;
}

int
cmd_common_opt(struct mcnca *m, int c, const char *arg)
{
	switch (c) {
	case 'd':
		m->dir = arg;
		return 0;
	case 'P':
		m->pass_file = arg;
		return 0;
	default:
		return -1;
	}
}

int
cmd_args_flag(struct mcnca *m, int argc, char **argv, const char *flag,
    char letter, int *set)
{
	const struct option opts[] = {
		{ flag, no_argument, NULL, 'F' },
		CMD_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	char shorts[] = { 'd', ':', letter, '\0' };
	int c;

	*set = 0;
	while ((c = getopt_long(argc, argv, shorts, opts, NULL)) != -1) {
		if (c == 'F' || (letter != '\0' && c == letter))
			*set = 1;
		else if (cmd_common_opt(m, c, optarg) == -1)
			return cmd_usage(argv[0], NULL);
	}
	if (optind != argc)
		return cmd_usage(argv[0], "unexpected \"%s\"", argv[optind]);
	return cmd_need_dir(m, argv[0]);
}

int
cmd_need_dir(const struct mcnca *m, const char *cmd)
{
	if (m->dir != NULL && m->dir[0] != '\0')
		return 0;
	cmd_usage(cmd, "no CA database: give -d DIR or set %s",
	    MCNCA_DIR_ENV);
	return MCNCA_EXIT_USAGE;
}

int
cmd_days(const char *cmd, const char *s, int *days)
{
	char *end;
	long v;

	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || v < 1 || v > DAYS_MAX) {
		cmd_usage(cmd, "--days must be a number from 1 to %d, not "
		    "\"%s\"", DAYS_MAX, s);
		return MCNCA_EXIT_USAGE;
	}
	*days = (int)v;
	return 0;
}

int
cmd_open_db(const struct mcnca *m, int exclusive, struct db *db)
{
	char path[PATH_MAX], err[512];
	int lock, n;

	if (afile_join(path, sizeof(path), m->dir, DB_FILE) == -1) {
		cmd_fail("%s: path too long", m->dir);
		return -1;
	}
	/* Checked before the lock, which would create DIR/.lock. */
	if ((n = afile_exists(path, err, sizeof(err))) != 1) {
		if (n == -1)
			cmd_fail("%s", err);
		else
			cmd_fail("%s is not a mcnca CA database (no %s); make "
			    "one with: mcnca -d %s init", m->dir, path,
			    m->dir);
		return -1;
	}
	if ((lock = afile_lock(m->dir, exclusive, err, sizeof(err))) == -1) {
		cmd_fail("%s", err);
		return -1;
	}
	if (db != NULL && db_load(db, m->dir, err, sizeof(err)) == -1) {
		cmd_fail("%s", err);
		close(lock);
		return -1;
	}
	return lock;
}

struct db_entry *
cmd_find_client(const struct mcnca *m, struct db *db, const char *name)
{
	char when[DB_TIME_LEN];
	struct db_entry *e;

	if ((e = db_find_valid(db, name)) == NULL) {
		cmd_fail("no valid certificate named \"%s\" (see mcnca -d %s "
		    "list)", name, m->dir);
		return NULL;
	}
	if (e->kind != DB_KIND_CLIENT) {
		cmd_fail("\"%s\" is a server certificate; profiles and client "
		    "keys are made for clients (issue-client)", name);
		return NULL;
	}
	if (e->not_after <= m->now) {
		db_time_fmt(e->not_after, when);
		cmd_fail("the certificate of \"%s\" expired on %s; revoke it "
		    "and issue a new one", name, when);
		return NULL;
	}
	if (db->ca_not_after <= m->now) {
		cmd_fail("the CA certificate expired; no client can connect");
		return NULL;
	}
	return e;
}

int
cmd_output(const char *out, const char *text, const char *what)
{
	char err[512];

	if (out == NULL) {
		if (fputs(text, stdout) == EOF || fflush(stdout) == EOF)
			return cmd_fail("stdout: %s", strerror(errno));
		return 0;
	}
	if (afile_write(out, text, strlen(text), 0600, err,
	    sizeof(err)) == -1)
		return cmd_fail("%s", err);
	fprintf(stderr, "mcnca: wrote %s (%s)\n", out, what);
	return 0;
}

#define USAGE_NAME_W	23	/* the longest command name */
#define USAGE_ARGS_COL	(2 + USAGE_NAME_W + 3)
#define USAGE_COLS	79

/* A command's arguments under its help text, wrapped between words. */
static void
usage_args(FILE *f, const char *args)
{
	const char *p = args;
	int col = 0, n;

	while (*p != '\0') {
		n = (int)strcspn(p, " ");
		if (col == 0 || col + 1 + n > USAGE_COLS) {
			fprintf(f, "%s%*s", col == 0 ? "" : "\n",
			    USAGE_ARGS_COL, "");
			col = USAGE_ARGS_COL;
		} else {
			fputc(' ', f);
			col++;
		}
		fprintf(f, "%.*s", n, p);
		col += n;
		p += n;
		p += strspn(p, " ");
	}
	fputc('\n', f);
}

static int
usage(FILE *f, int status)
{
	size_t i;

	fprintf(f, "usage: mcnca [-d DIR] [--pass-file FILE] COMMAND "
	    "[ARGS]\n\n"
	    "DIR is the CA database (default $%s).  The CA key passphrase "
	    "comes from\n--pass-file, $MCNCA_PASS, or a prompt on the "
	    "terminal.\nKey TYPE: rsa:2048, rsa:3072, rsa:4096, ec:P-256 "
	    "(default), ec:P-384.\nControl-channel key: the gateway uses "
	    "one of tls-auth, tls-crypt,\ntls-crypt-v2; gen-KIND makes it "
	    "and export puts it in the profile\n(tls-crypt-v2: a fresh client "
	    "key per export).  With several in DIR,\nexport --wrap KIND says "
	    "which.\n\n", MCNCA_DIR_ENV);
	for (i = 0; i < NCOMMANDS; i++) {
		fprintf(f, "  %-*s %s\n", USAGE_NAME_W, commands[i].name,
		    commands[i].help);
		if (commands[i].args[0] != '\0')
			usage_args(f, commands[i].args);
	}
	fprintf(f, "\nExit status: 0 done, 1 failed, 2 usage error.\n");
	return status;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		CMD_COMMON_OPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const struct command *cmd;
	struct mcnca m;
	int c;

	memset(&m, 0, sizeof(m));
	m.dir = getenv(MCNCA_DIR_ENV);
	m.now = (int64_t)time(NULL);
	/* "+": stop at the command; its own options follow it. */
	while ((c = getopt_long(argc, argv, "+d:h", opts, NULL)) != -1) {
		if (c == 'h')
			return usage(stdout, 0);
		if (cmd_common_opt(&m, c, optarg) == -1)
			return usage(stderr, MCNCA_EXIT_USAGE);
	}
	if (optind == argc)
		return usage(stderr, MCNCA_EXIT_USAGE);
	if (strcmp(argv[optind], "help") == 0)
		return usage(stdout, 0);
	if ((cmd = find_command(argv[optind])) == NULL) {
		fprintf(stderr, "mcnca: unknown command \"%s\"\n",
		    argv[optind]);
		return usage(stderr, MCNCA_EXIT_USAGE);
	}
	argc -= optind;
	argv += optind;
	optind = 0;	/* glibc: start over, for the command's options */
	return cmd->fn(&m, argc, argv);
}
