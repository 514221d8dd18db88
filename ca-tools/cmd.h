/*
 * mcnca's commands.  Each gets its own argv (argv[0] is the command
 * name), parses its options with getopt_long, and returns the exit
 * status: 0 done, 1 failed (a one-line reason on stderr), 2 usage error.
 */
#ifndef MCN_CMD_H
#define MCN_CMD_H

#include <getopt.h>
#include <stdint.h>

#include "profile.h"

#define MCNCA_DIR_ENV	"MCNCA_DIR"
#define MCNCA_EXIT_FAIL	1
#define MCNCA_EXIT_USAGE	2

#define CA_CERT_FILE	"ca.crt"
#define CA_KEY_FILE	"ca.key"
#define CRL_FILE	"crl.pem"
#define ISSUED_DIR	"issued"	/* NAME.crt of valid certificates */
#define PRIVATE_DIR	"private"	/* NAME.key, mode 0600, dir 0700 */
#define ARCHIVE_DIR	"archive"	/* NAME-SERIAL.crt/.key once revoked */
/* The control-channel keys' names in DIR are in wrapkey.c. */

#define CA_DAYS_DEFAULT		3650
#define LEAF_DAYS_DEFAULT	825
#define CRL_DAYS_DEFAULT	30
#define DAYS_MAX		36500
#define KEY_DEFAULT		"ec:P-256"

struct mcnca {
	const char	*dir;		/* -d DIR or $MCNCA_DIR */
	const char	*pass_file;	/* --pass-file */
	int64_t		 now;		/* one clock reading per run */
};

/* Long options every command also accepts, and their handler: returns
 * 0 if it took c, -1 if c is not one of them. */
#define CMD_COMMON_OPTS \
	{ "dir", required_argument, NULL, 'd' }, \
	{ "pass-file", required_argument, NULL, 'P' }
int	cmd_common_opt(struct mcnca *m, int c, const char *arg);

int	cmd_init(struct mcnca *, int, char **);
int	cmd_issue(struct mcnca *, int, char **);
int	cmd_revoke(struct mcnca *, int, char **);
int	cmd_gencrl(struct mcnca *, int, char **);
int	cmd_list(struct mcnca *, int, char **);
int	cmd_genkey(struct mcnca *, int, char **);	/* gen-tls-* */
int	cmd_v2client(struct mcnca *, int, char **);
int	cmd_export(struct mcnca *, int, char **);

/* Shared by the command files. */
int	cmd_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	cmd_usage(const char *cmd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	cmd_need_dir(const struct mcnca *m, const char *cmd);
/*
 * The whole command line of a command that takes the common options and
 * one flag of its own (--FLAG, or -LETTER unless LETTER is 0: *set), no
 * operands, and needs DIR.  0 or the exit status.
 */
int	cmd_args_flag(struct mcnca *m, int argc, char **argv,
	    const char *flag, char letter, int *set);
int	cmd_days(const char *cmd, const char *s, int *days);
struct db;
/*
 * Checks that DIR holds a database, takes its lock (exclusive for
 * writers) and loads the index into db (unless db is NULL).  Returns the
 * lock's descriptor, or -1 after saying why on stderr.
 */
int	cmd_open_db(const struct mcnca *m, int exclusive, struct db *db);
struct db_entry;
/*
 * NAME's valid client certificate, not expired, under a CA that is not
 * expired: what a profile or a client key is made for.  NULL after
 * saying why.
 */
struct db_entry	*cmd_find_client(const struct mcnca *m, struct db *db,
		    const char *name);
/* text to the file out (mode 0600; "wrote out (what)" on stderr), or to
 * stdout if out is NULL.  0 or an exit status. */
int	cmd_output(const char *out, const char *text, const char *what);

/*
 * The control-channel block of a profile for e (cmd_wrap.c).  The kind
 * is *w if given, else the only key DIR holds; with none, or several
 * and no --wrap, it says so and fails (several: a usage error).  *block
 * (caller wipes and frees) is the static key block, or for tls-crypt-v2
 * a fresh client key wrapped with the server key, its metadata naming
 * e.  0 or an exit status.
 */
int	cmd_wrap_block(const struct mcnca *m, const char *cmd, int given,
	    enum profile_wrap *w, const struct db_entry *e, char **block);
/* Tells on stderr the gateway line for kind w (and its auth, if not
 * NULL). */
void	cmd_wrap_note(const struct mcnca *m, enum profile_wrap w,
	    const char *auth);
/* { "tls-auth": PATH or null, "tls-crypt": ..., "tls-crypt-v2": ... } */
struct json_t	*cmd_wrap_json(const struct mcnca *m);

#endif /* MCN_CMD_H */
