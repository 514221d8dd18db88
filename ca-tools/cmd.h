/*
 * mcnca's commands.  Each gets its own argv (argv[0] is the command
 * name), parses its options with getopt_long, and returns the exit
 * status: 0 done, 1 failed (a one-line reason on stderr), 2 usage error.
 */
#ifndef MCN_CMD_H
#define MCN_CMD_H

#include <getopt.h>
#include <stdint.h>

#define MCNCA_DIR_ENV	"MCNCA_DIR"
#define MCNCA_EXIT_FAIL	1
#define MCNCA_EXIT_USAGE	2

#define CA_CERT_FILE	"ca.crt"
#define CA_KEY_FILE	"ca.key"
#define CRL_FILE	"crl.pem"
#define TLS_AUTH_FILE	"ta.key"
#define ISSUED_DIR	"issued"	/* NAME.crt of valid certificates */
#define PRIVATE_DIR	"private"	/* NAME.key, mode 0600, dir 0700 */
#define ARCHIVE_DIR	"archive"	/* NAME-SERIAL.crt/.key once revoked */

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
int	cmd_tlsauth(struct mcnca *, int, char **);
int	cmd_export(struct mcnca *, int, char **);
int	cmd_unsupported(struct mcnca *, int, char **);

/* Shared by the command files. */
int	cmd_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int	cmd_usage(const char *cmd, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	cmd_need_dir(const struct mcnca *m, const char *cmd);
int	cmd_days(const char *cmd, const char *s, int *days);
struct db;
/*
 * Checks that DIR holds a database, takes its lock (exclusive for
 * writers) and loads the index into db (unless db is NULL).  Returns the
 * lock's descriptor, or -1 after saying why on stderr.
 */
int	cmd_open_db(const struct mcnca *m, int exclusive, struct db *db);

#endif /* MCN_CMD_H */
