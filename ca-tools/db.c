/*
 * The CA database index, DIR/index.json (see db.h for the invariants).
 *
 *	{ "version": 1,
 *	  "ca": { "cn": "...", "serial": "HEX", "not_after": "TIME" },
 *	  "crl_number": 0,
 *	  "certs": [ { "name": "alice", "type": "client", "serial": "HEX",
 *	      "status": "valid", "not_before": "TIME", "not_after": "TIME",
 *	      "revoked_at": null, "reason": null,
 *	      "cert": "issued/alice.crt", "key": "private/alice.key" } ] }
 *
 * Unknown members are ignored so an older mcnca can read a newer index
 * of the same version.  A wrong or missing member is an error that names
 * the file, the entry and the member.
 */
#include "config.h"

#include <ctype.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "afile.h"
#include "db.h"

static const struct {
	const char	*name;
	int		 code;
} reasons[] = {
	/* certificateHold and removeFromCRL are left out: mcnca cannot
	 * take a revocation back. */
	{ "unspecified", 0 },
	{ "keyCompromise", 1 },
	{ "CACompromise", 2 },
	{ "affiliationChanged", 3 },
	{ "superseded", 4 },
	{ "cessationOfOperation", 5 },
	{ "privilegeWithdrawn", 9 },
};

#define NREASONS	(sizeof(reasons) / sizeof(reasons[0]))

int
db_reason_code(const char *reason)
{
	size_t i;

	for (i = 0; i < NREASONS; i++)
		if (strcmp(reason, reasons[i].name) == 0)
			return reasons[i].code;
	return -1;
}

const char *
db_reason_list(void)
{
	return "unspecified, keyCompromise, CACompromise, affiliationChanged, "
	    "superseded, cessationOfOperation, privilegeWithdrawn";
}

const char *
db_kind_str(enum db_kind kind)
{
	return kind == DB_KIND_SERVER ? "server" : "client";
}

const char *
db_status_str(enum db_status status)
{
	return status == DB_REVOKED ? "revoked" : "valid";
}

int
db_name_check(const char *name, enum db_kind kind, char *err, size_t errlen)
{
	size_t i, n = strlen(name);

	if (n == 0 || n > DB_NAME_MAX) {
		snprintf(err, errlen, "name \"%.80s\" must have 1 to %d "
		    "characters", name, DB_NAME_MAX);
		return -1;
	}
	if (!isalnum((unsigned char)name[0])) {
		snprintf(err, errlen, "name \"%s\" must start with a letter "
		    "or a digit", name);
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (isalnum(c) || c == '.' || c == '_' || c == '-' ||
		    (c == '@' && kind == DB_KIND_CLIENT))
			continue;
		snprintf(err, errlen, "name \"%s\": character '%c' is not "
		    "allowed (use letters, digits, '.', '_', '-'%s)", name,
		    isprint(c) ? c : '?',
		    kind == DB_KIND_CLIENT ? ", '@'" : "");
		return -1;
	}
	return 0;
}

void
db_time_fmt(int64_t t, char out[DB_TIME_LEN])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, DB_TIME_LEN, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, DB_TIME_LEN, "invalid");
}

int
db_time_parse(const char *s, int64_t *t)
{
	struct tm tm;
	const char *end;

	if (strlen(s) != DB_TIME_LEN - 1)
		return -1;
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	*t = (int64_t)timegm(&tm);
	return 0;
}

static int
serial_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > DB_SERIAL_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) ||
		    islower((unsigned char)s[i]))
			return 0;
	return 1;
}

/* A path relative to DIR that cannot leave it: no leading '/', no ".."
 * component. */
static int
path_ok(const char *p)
{
	const char *c = p, *slash;
	size_t n = strlen(p), seg;

	if (n == 0 || n >= DB_PATH_MAX || p[0] == '/')
		return 0;
	for (;;) {
		slash = strchr(c, '/');
		seg = slash != NULL ? (size_t)(slash - c) : strlen(c);
		if (seg == 2 && c[0] == '.' && c[1] == '.')
			return 0;
		if (slash == NULL)
			return 1;
		c = slash + 1;
	}
}

/* --- parsing ------------------------------------------------------------ */

struct pctx {
	const char	*fname;
	char		 where[96];	/* "certs[3] (\"alice\")" */
	char		*err;
	size_t		 errlen;
};

static int
perr(struct pctx *pc, const char *member, const char *what)
{
	snprintf(pc->err, pc->errlen, "%s: %s%s%s: %s", pc->fname, pc->where,
	    pc->where[0] != '\0' ? "." : "", member, what);
	return -1;
}

/* A required string member; max is the destination size. */
static int
get_str(struct pctx *pc, json_t *obj, const char *member, char *out,
    size_t max)
{
	json_t *v = json_object_get(obj, member);

	if (v == NULL)
		return perr(pc, member, "missing");
	if (!json_is_string(v))
		return perr(pc, member, "not a string");
	if (json_string_length(v) >= max)
		return perr(pc, member, "too long");
	if (strlen(json_string_value(v)) != json_string_length(v))
		return perr(pc, member, "contains a NUL byte");
	memcpy(out, json_string_value(v), json_string_length(v) + 1);
	return 0;
}

static int
get_time(struct pctx *pc, json_t *obj, const char *member, int64_t *t)
{
	char s[64];

	if (get_str(pc, obj, member, s, sizeof(s)) == -1)
		return -1;
	if (db_time_parse(s, t) == -1)
		return perr(pc, member, "not a time like "
		    "\"2025-01-31T23:59:59Z\"");
	return 0;
}

static int
get_serial(struct pctx *pc, json_t *obj, const char *member, char *out)
{
	if (get_str(pc, obj, member, out, DB_SERIAL_MAX + 1) == -1)
		return -1;
	if (!serial_ok(out))
		return perr(pc, member, "not an uppercase hex serial of "
		    "at most 40 digits");
	return 0;
}

static int
parse_entry(struct pctx *pc, json_t *o, struct db_entry *e)
{
	char buf[32], nerr[160];
	json_t *v;

	memset(e, 0, sizeof(*e));
	if (!json_is_object(o))
		return perr(pc, "", "not an object");
	if (get_str(pc, o, "type", buf, sizeof(buf)) == -1)
		return -1;
	if (strcmp(buf, "server") == 0)
		e->kind = DB_KIND_SERVER;
	else if (strcmp(buf, "client") == 0)
		e->kind = DB_KIND_CLIENT;
	else
		return perr(pc, "type", "must be \"server\" or \"client\"");
	if (get_str(pc, o, "name", e->name, sizeof(e->name)) == -1)
		return -1;
	if (db_name_check(e->name, e->kind, nerr, sizeof(nerr)) == -1)
		return perr(pc, "name", nerr);
	snprintf(pc->where + strlen(pc->where),
	    sizeof(pc->where) - strlen(pc->where), " (\"%s\")", e->name);
	if (get_serial(pc, o, "serial", e->serial) == -1)
		return -1;
	if (get_str(pc, o, "status", buf, sizeof(buf)) == -1)
		return -1;
	if (strcmp(buf, "valid") == 0)
		e->status = DB_VALID;
	else if (strcmp(buf, "revoked") == 0)
		e->status = DB_REVOKED;
	else
		return perr(pc, "status", "must be \"valid\" or \"revoked\"");
	if (get_time(pc, o, "not_before", &e->not_before) == -1 ||
	    get_time(pc, o, "not_after", &e->not_after) == -1)
		return -1;
	if (e->not_after < e->not_before)
		return perr(pc, "not_after", "is before not_before");
	if (e->status == DB_REVOKED) {
		if (get_time(pc, o, "revoked_at", &e->revoked_at) == -1 ||
		    get_str(pc, o, "reason", e->reason,
		    sizeof(e->reason)) == -1)
			return -1;
		if (db_reason_code(e->reason) < 0)
			return perr(pc, "reason", "not a known reason");
	} else {
		v = json_object_get(o, "revoked_at");
		if (v != NULL && !json_is_null(v))
			return perr(pc, "revoked_at", "set on a valid "
			    "certificate");
	}
	if (get_str(pc, o, "cert", e->cert, sizeof(e->cert)) == -1 ||
	    get_str(pc, o, "key", e->key, sizeof(e->key)) == -1)
		return -1;
	if (!path_ok(e->cert))
		return perr(pc, "cert", "must be a path inside the database");
	if (!path_ok(e->key))
		return perr(pc, "key", "must be a path inside the database");
	return 0;
}

int
db_parse(struct db *db, const char *text, size_t len, const char *fname,
    char *err, size_t errlen)
{
	struct pctx pc = { .fname = fname, .err = err, .errlen = errlen };
	json_error_t jerr;
	json_t *root, *v, *ca, *certs;
	struct db_entry e;
	char aerr[128];
	size_t i;
	int rc = -1;

	memset(db, 0, sizeof(*db));
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL) {
		snprintf(err, errlen, "%s: not valid JSON: line %d column %d: "
		    "%s", fname, jerr.line, jerr.column, jerr.text);
		return -1;
	}
	if (!json_is_object(root)) {
		perr(&pc, "(top level)", "not a JSON object");
		goto out;
	}
	v = json_object_get(root, "version");
	if (v == NULL || !json_is_integer(v)) {
		perr(&pc, "version", "missing or not an integer");
		goto out;
	}
	if (json_integer_value(v) != DB_VERSION) {
		snprintf(err, errlen, "%s: version %lld is not supported (this "
		    "mcnca reads version %d)", fname,
		    (long long)json_integer_value(v), DB_VERSION);
		goto out;
	}
	v = json_object_get(root, "crl_number");
	if (v == NULL || !json_is_integer(v) || json_integer_value(v) < 0) {
		perr(&pc, "crl_number", "missing or not a non-negative "
		    "integer");
		goto out;
	}
	db->crl_number = (uint64_t)json_integer_value(v);
	ca = json_object_get(root, "ca");
	if (ca == NULL || !json_is_object(ca)) {
		perr(&pc, "ca", "missing or not an object");
		goto out;
	}
	snprintf(pc.where, sizeof(pc.where), "ca");
	if (get_str(&pc, ca, "cn", db->ca_cn, sizeof(db->ca_cn)) == -1 ||
	    get_serial(&pc, ca, "serial", db->ca_serial) == -1 ||
	    get_time(&pc, ca, "not_after", &db->ca_not_after) == -1)
		goto out;
	pc.where[0] = '\0';
	certs = json_object_get(root, "certs");
	if (certs == NULL || !json_is_array(certs)) {
		perr(&pc, "certs", "missing or not an array");
		goto out;
	}
	for (i = 0; i < json_array_size(certs); i++) {
		snprintf(pc.where, sizeof(pc.where), "certs[%zu]", i);
		if (parse_entry(&pc, json_array_get(certs, i), &e) == -1)
			goto out;
		if (db_append(db, &e, aerr, sizeof(aerr)) == -1) {
			snprintf(err, errlen, "%s: certs[%zu]: %s", fname, i,
			    aerr);
			goto out;
		}
	}
	rc = 0;
out:
	json_decref(root);
	if (rc == -1)
		db_free(db);
	return rc;
}

/* --- rendering ---------------------------------------------------------- */

static json_t *
jtime(int64_t t)
{
	char s[DB_TIME_LEN];

	db_time_fmt(t, s);
	return json_string(s);
}

static json_t *
render_entry(const struct db_entry *e)
{
	int revoked = e->status == DB_REVOKED;

	return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:s, s:s}",
	    "name", e->name,
	    "type", db_kind_str(e->kind),
	    "serial", e->serial,
	    "status", db_status_str(e->status),
	    "not_before", jtime(e->not_before),
	    "not_after", jtime(e->not_after),
	    "revoked_at", revoked ? jtime(e->revoked_at) : json_null(),
	    "reason", revoked ? json_string(e->reason) : json_null(),
	    "cert", e->cert,
	    "key", e->key);
}

char *
db_render(const struct db *db)
{
	json_t *root, *certs, *je;
	char *text = NULL, *out = NULL;
	size_t i, n;

	certs = json_array();
	root = json_pack("{s:i, s:{s:s, s:s, s:o}, s:I, s:o}",
	    "version", DB_VERSION,
	    "ca", "cn", db->ca_cn, "serial", db->ca_serial,
	    "not_after", jtime(db->ca_not_after),
	    "crl_number", (json_int_t)db->crl_number,
	    "certs", certs);
	if (root == NULL)
		return NULL;
	for (i = 0; i < db->n; i++) {
		if ((je = render_entry(&db->entries[i])) == NULL ||
		    json_array_append_new(certs, je) == -1)
			goto out;
	}
	if ((text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) ==
	    NULL)
		goto out;
	n = strlen(text);
	if ((out = malloc(n + 2)) == NULL)
		goto out;
	memcpy(out, text, n);
	out[n] = '\n';
	out[n + 1] = '\0';
out:
	free(text);
	json_decref(root);
	return out;
}

/* --- the database ------------------------------------------------------- */

int
db_load(struct db *db, const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX], *text;
	size_t len;
	int rc;

	memset(db, 0, sizeof(*db));
	if (afile_join(path, sizeof(path), dir, DB_FILE) == -1) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	if (afile_read(path, &text, &len, err, errlen) == -1)
		return -1;
	rc = db_parse(db, text, len, path, err, errlen);
	free(text);
	return rc;
}

int
db_save(const struct db *db, const char *dir, char *err, size_t errlen)
{
	char path[PATH_MAX], *text;
	int rc;

	if (afile_join(path, sizeof(path), dir, DB_FILE) == -1) {
		snprintf(err, errlen, "%s: path too long", dir);
		return -1;
	}
	if ((text = db_render(db)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		return -1;
	}
	rc = afile_write(path, text, strlen(text), 0644, err, errlen);
	free(text);
	return rc;
}

void
db_free(struct db *db)
{
	free(db->entries);
	db->entries = NULL;
	db->n = 0;
}

int
db_serial_used(const struct db *db, const char *serial)
{
	size_t i;

	if (strcmp(db->ca_serial, serial) == 0)
		return 1;
	for (i = 0; i < db->n; i++)
		if (strcmp(db->entries[i].serial, serial) == 0)
			return 1;
	return 0;
}

struct db_entry *
db_find_valid(struct db *db, const char *name)
{
	size_t i;

	for (i = 0; i < db->n; i++)
		if (db->entries[i].status == DB_VALID &&
		    strcmp(db->entries[i].name, name) == 0)
			return &db->entries[i];
	return NULL;
}

int
db_append(struct db *db, const struct db_entry *e, char *err, size_t errlen)
{
	struct db_entry *ne;

	if (db_serial_used(db, e->serial)) {
		snprintf(err, errlen, "serial %s is used twice", e->serial);
		return -1;
	}
	if (e->status == DB_VALID && db_find_valid(db, e->name) != NULL) {
		snprintf(err, errlen, "\"%s\" has two valid certificates",
		    e->name);
		return -1;
	}
	if (db->n >= INT_MAX / 2) {
		snprintf(err, errlen, "too many certificates");
		return -1;
	}
	ne = realloc(db->entries, (db->n + 1) * sizeof(*ne));
	if (ne == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	db->entries = ne;
	db->entries[db->n++] = *e;
	return 0;
}
