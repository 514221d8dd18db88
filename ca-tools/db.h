/*
 * The CA database index (DIR/index.json): every certificate the CA has
 * issued, its status and the files that hold it.  The index is the
 * database's commit point: it is written last and atomically, and it
 * only ever names files that are complete.
 *
 * Invariants checked on every load: serials are unique (the CA's too);
 * a NAME has at most one entry with status "valid"; a revoked entry has
 * a revocation time and a reason; paths are relative to DIR and stay
 * inside it.
 */
#ifndef MCN_DB_H
#define MCN_DB_H

#include <stddef.h>
#include <stdint.h>

#define DB_VERSION	1
#define DB_FILE		"index.json"
#define DB_NAME_MAX	64	/* a certificate CN: X.520 ub-common-name */
#define DB_SERIAL_MAX	40	/* hex digits: RFC 5280 allows 20 octets */
#define DB_PATH_MAX	256
#define DB_REASON_MAX	32
#define DB_TIME_LEN	21	/* "YYYY-MM-DDTHH:MM:SSZ" + NUL */

enum db_kind {
	DB_KIND_SERVER,
	DB_KIND_CLIENT
};

enum db_status {
	DB_VALID,
	DB_REVOKED
};

struct db_entry {
	char		name[DB_NAME_MAX + 1];
	enum db_kind	kind;
	char		serial[DB_SERIAL_MAX + 1];	/* uppercase hex */
	enum db_status	status;
	int64_t		not_before;
	int64_t		not_after;
	int64_t		revoked_at;			/* 0 unless revoked */
	char		reason[DB_REASON_MAX + 1];	/* "" unless revoked */
	char		cert[DB_PATH_MAX];		/* relative to DIR */
	char		key[DB_PATH_MAX];
};

struct db {
	char		 ca_cn[DB_NAME_MAX + 1];
	char		 ca_serial[DB_SERIAL_MAX + 1];
	int64_t		 ca_not_after;
	uint64_t	 crl_number;	/* of the last CRL made; 0: none yet */
	struct db_entry	*entries;
	size_t		 n;
};

/* Parses index text; fname only names the file in error messages. */
int	db_parse(struct db *db, const char *text, size_t len,
	    const char *fname, char *err, size_t errlen);
/* The index as JSON text (ends with a newline); caller frees; NULL if
 * out of memory. */
char	*db_render(const struct db *db);
/* DIR/index.json to and from disk (db_save is atomic). */
int	db_load(struct db *db, const char *dir, char *err, size_t errlen);
int	db_save(const struct db *db, const char *dir, char *err,
	    size_t errlen);
void	db_free(struct db *db);

/* Appends a copy of e after checking the invariants above. */
int	db_append(struct db *db, const struct db_entry *e, char *err,
	    size_t errlen);
/* The valid (not revoked) entry for name, or NULL. */
struct db_entry	*db_find_valid(struct db *db, const char *name);
/* Any entry with this serial (or the CA's serial: returns 1). */
int	db_serial_used(const struct db *db, const char *serial);

/*
 * A NAME becomes a certificate CN and a file name: 1 to 64 of
 * [A-Za-z0-9._-], plus '@' for clients; it starts with a letter or a
 * digit.
 */
int	db_name_check(const char *name, enum db_kind kind, char *err,
	    size_t errlen);
/* RFC 5280 reason names as OpenSSL spells them; -1 if unknown. */
int	db_reason_code(const char *reason);
const char	*db_reason_list(void);

const char	*db_kind_str(enum db_kind kind);
const char	*db_status_str(enum db_status status);

/* "YYYY-MM-DDTHH:MM:SSZ" (UTC) both ways. */
void	db_time_fmt(int64_t t, char out[DB_TIME_LEN]);
int	db_time_parse(const char *s, int64_t *t);

#endif /* MCN_DB_H */
