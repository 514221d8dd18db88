/*
 * The commands that read: list and export (the control-channel keys are
 * in cmd_wrap.c).  Readers hold the shared database lock, so they never
 * see a half-finished update.
 */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "afile.h"
#include "cmd.h"
#include "db.h"
#include "pki.h"
#include "profile.h"

#define ERRLEN	512

static json_t *
jtime(int64_t t)
{
	char s[DB_TIME_LEN];

	db_time_fmt(t, s);
	return json_string(s);
}

static json_t *
jpath(const char *dir, const char *rel)
{
	char p[PATH_MAX];

	if (afile_join(p, sizeof(p), dir, rel) == -1)
		return json_null();
	return json_string(p);
}

/*
 * DIR/crl.pem's nextUpdate: past it, OpenVPN's crl-verify refuses every
 * client ("CRL has expired"), so the listing shows it.  null: no CRL.
 */
static json_t *
crl_json(const struct mcnca *m)
{
	char path[PATH_MAX], err[ERRLEN], *text;
	int64_t next;
	size_t len;
	int ok;

	if (afile_join(path, sizeof(path), m->dir, CRL_FILE) == -1 ||
	    afile_read(path, &text, &len, err, sizeof(err)) == -1)
		return json_null();
	ok = pki_crl_next_update(text, len, &next);
	free(text);
	if (ok == -1)
		return json_pack("{s:s, s:n, s:b}", "file", path,
		    "next_update", "expired", 1);
	return json_pack("{s:s, s:o, s:b}", "file", path, "next_update",
	    jtime(next), "expired", next <= m->now);
}

/* The listing as JSON: the wire format; the table renders it. */
static json_t *
list_json(const struct mcnca *m, const struct db *db)
{
	const struct db_entry *e;
	json_t *root, *certs, *je;
	size_t i;
	int revoked;

	certs = json_array();
	root = json_pack("{s:s, s:{s:s, s:s, s:o, s:b, s:o}, s:I, s:o, s:o, "
	    "s:o}",
	    "dir", m->dir,
	    "ca", "cn", db->ca_cn, "serial", db->ca_serial,
	    "not_after", jtime(db->ca_not_after),
	    "expired", db->ca_not_after <= m->now,
	    "cert", jpath(m->dir, CA_CERT_FILE),
	    "crl_number", (json_int_t)db->crl_number,
	    "crl", crl_json(m),
	    "wrap_keys", cmd_wrap_json(m),
	    "certs", certs);
	if (root == NULL)
		return NULL;
	for (i = 0; i < db->n; i++) {
		e = &db->entries[i];
		revoked = e->status == DB_REVOKED;
		je = json_pack("{s:s, s:s, s:s, s:s, s:b, s:o, s:o, s:o, s:o, "
		    "s:o, s:o}",
		    "name", e->name,
		    "type", db_kind_str(e->kind),
		    "serial", e->serial,
		    "status", db_status_str(e->status),
		    "expired", e->not_after <= m->now,
		    "not_before", jtime(e->not_before),
		    "not_after", jtime(e->not_after),
		    "revoked_at", revoked ? jtime(e->revoked_at) : json_null(),
		    "reason", revoked ? json_string(e->reason) : json_null(),
		    "cert", jpath(m->dir, e->cert),
		    "key", jpath(m->dir, e->key));
		if (je == NULL || json_array_append_new(certs, je) == -1) {
			json_decref(root);
			return NULL;
		}
	}
	return root;
}

static void
list_table(json_t *root)
{
	json_t *e, *ca = json_object_get(root, "ca");
	json_t *crl = json_object_get(root, "crl");
	const char *status, *kind;
	size_t i, n;

	printf("CA \"%s\" serial %s, until %s%s\n",
	    json_string_value(json_object_get(ca, "cn")),
	    json_string_value(json_object_get(ca, "serial")),
	    json_string_value(json_object_get(ca, "not_after")),
	    json_is_true(json_object_get(ca, "expired")) ? " (EXPIRED)" : "");
	if (json_is_object(crl))
		printf("CRL number %lld, next update %s%s\n",
		    (long long)json_integer_value(json_object_get(root,
		    "crl_number")), json_is_string(json_object_get(crl,
		    "next_update")) ? json_string_value(json_object_get(crl,
		    "next_update")) : "unreadable",
		    json_is_true(json_object_get(crl, "expired")) ?
		    " (EXPIRED: the server refuses every client; run "
		    "gen-crl)" : "");
	else
		printf("no CRL yet (make one with gen-crl before the server "
		    "uses crl-verify)\n");
	n = 0;
	json_object_foreach(json_object_get(root, "wrap_keys"), kind, e) {
		if (!json_is_string(e))
			continue;
		printf("%s %s %s", n++ == 0 ? "control-channel keys:" : ",",
		    kind, json_string_value(e));
	}
	if (n == 0)
		printf("no control-channel key yet (make the gateway's with "
		    "gen-tls-auth, gen-tls-crypt or gen-tls-crypt-v2)");
	putchar('\n');
	printf("%-24s %-6s %-8s %-20s %-32s %s\n", "NAME", "TYPE", "STATUS",
	    "NOT_AFTER", "SERIAL", "REVOKED");
	json_array_foreach(json_object_get(root, "certs"), i, e) {
		status = json_string_value(json_object_get(e, "status"));
		if (strcmp(status, "valid") == 0 &&
		    json_is_true(json_object_get(e, "expired")))
			status = "expired";
		printf("%-24s %-6s %-8s %-20s %-32s", json_string_value(
		    json_object_get(e, "name")), json_string_value(
		    json_object_get(e, "type")), status, json_string_value(
		    json_object_get(e, "not_after")), json_string_value(
		    json_object_get(e, "serial")));
		if (json_is_string(json_object_get(e, "revoked_at")))
			printf(" %s %s", json_string_value(json_object_get(e,
			    "revoked_at")), json_string_value(json_object_get(
			    e, "reason")));
		putchar('\n');
	}
}

int
cmd_list(struct mcnca *m, int argc, char **argv)
{
	json_t *root = NULL;
	struct db db;
	int json, lock = -1, rc;

	memset(&db, 0, sizeof(db));
	if ((rc = cmd_args_flag(m, argc, argv, "json", 0, &json)) != 0)
		return rc;
	rc = MCNCA_EXIT_FAIL;
	if ((lock = cmd_open_db(m, 0, &db)) == -1) {
		goto out;
	}
	if ((root = list_json(m, &db)) == NULL) {
		cmd_fail("out of memory");
		goto out;
	}
	if (json) {
		if (json_dumpf(root, stdout, JSON_INDENT(2) |
		    JSON_PRESERVE_ORDER) == -1) {
			cmd_fail("cannot write the listing");
			goto out;
		}
		putchar('\n');
	} else {
		list_table(root);
	}
	rc = fflush(stdout) == 0 ? 0 : cmd_fail("stdout: %s",
	    strerror(errno));
out:
	json_decref(root);
	db_free(&db);
	if (lock != -1)
		close(lock);
	return rc;
}

/* --- export ------------------------------------------------------------- */

struct files {
	char	*ca, *cert, *key;
	size_t	 keylen;
};

static int
read_rel(const char *dir, const char *rel, char **out, size_t *len)
{
	char path[PATH_MAX], err[ERRLEN];
	size_t n;

	if (afile_join(path, sizeof(path), dir, rel) == -1) {
		cmd_fail("%s/%s: path too long", dir, rel);
		return -1;
	}
	if (afile_read(path, out, len != NULL ? len : &n, err,
	    sizeof(err)) == -1) {
		cmd_fail("%s", err);
		return -1;
	}
	return 0;
}

int
cmd_export(struct mcnca *m, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "os", required_argument, NULL, 'O' },
		{ "remote", required_argument, NULL, 'r' },
		{ "auth", required_argument, NULL, 'a' },
		{ "wrap", required_argument, NULL, 'w' },
		{ "out", required_argument, NULL, 'o' },
		CMD_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct profile_remote remotes[PROFILE_REMOTES_MAX];
	char err[ERRLEN], auth[8], when[DB_TIME_LEN], comment[160];
	char what[DB_NAME_MAX + 96];
	const char *out = NULL;
	struct files f = { 0 };
	struct profile p;
	struct db_entry *e;
	struct db db;
	char *text = NULL, *wrap_key = NULL;
	int c, have_os = 0, have_wrap = 0, lock = -1, rc = MCNCA_EXIT_FAIL;

	memset(&p, 0, sizeof(p));
	memset(&db, 0, sizeof(db));
	snprintf(auth, sizeof(auth), "%s", PROFILE_AUTH_DEFAULT);
	while ((c = getopt_long(argc, argv, "d:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'O':
			if (profile_os_parse(optarg, &p.os, err,
			    sizeof(err)) == -1)
				return cmd_usage(argv[0], "%s", err);
			have_os = 1;
			break;
		case 'r':
			if (p.nremotes == PROFILE_REMOTES_MAX)
				return cmd_usage(argv[0], "at most %d --remote",
				    PROFILE_REMOTES_MAX);
			if (profile_remote_parse(optarg,
			    &remotes[p.nremotes], err, sizeof(err)) == -1)
				return cmd_usage(argv[0], "%s", err);
			p.nremotes++;
			break;
		case 'a':
			if (profile_auth_parse(optarg, auth, err,
			    sizeof(err)) == -1)
				return cmd_usage(argv[0], "%s", err);
			break;
		case 'w':
			if (profile_wrap_parse(optarg, &p.wrap, err,
			    sizeof(err)) == -1)
				return cmd_usage(argv[0], "%s", err);
			have_wrap = 1;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			if (cmd_common_opt(m, c, optarg) == -1)
				return cmd_usage(argv[0], NULL);
		}
	}
	if (argc - optind != 1)
		return cmd_usage(argv[0], "one NAME is needed");
	if (!have_os)
		return cmd_usage(argv[0], "--os is needed");
	if (p.nremotes == 0)
		return cmd_usage(argv[0], "at least one --remote is needed");
	if (cmd_need_dir(m, argv[0]) != 0)
		return MCNCA_EXIT_USAGE;
	p.name = argv[optind];
	p.remotes = remotes;
	p.auth = auth;

	if ((lock = cmd_open_db(m, 0, &db)) == -1)
		goto done;
	if ((e = cmd_find_client(m, &db, p.name)) == NULL)
		goto done;
	if (read_rel(m->dir, CA_CERT_FILE, &f.ca, NULL) == -1 ||
	    read_rel(m->dir, e->cert, &f.cert, NULL) == -1 ||
	    read_rel(m->dir, e->key, &f.key, &f.keylen) == -1)
		goto done;
	if ((rc = cmd_wrap_block(m, argv[0], have_wrap, &p.wrap, e,
	    &wrap_key)) != 0)
		goto done;
	rc = MCNCA_EXIT_FAIL;
	db_time_fmt(e->not_after, when);
	snprintf(comment, sizeof(comment), "Certificate serial %s, valid "
	    "until %s.  Made by mcnca.", e->serial, when);
	p.ca_pem = f.ca;
	p.cert_pem = f.cert;
	p.key_pem = f.key;
	p.wrap_key = wrap_key;
	p.comment = comment;
	if ((text = profile_render(&p, err, sizeof(err))) == NULL) {
		cmd_fail("%s", err);
		goto done;
	}
	snprintf(what, sizeof(what), "%s profile for \"%s\", %s; it holds "
	    "the private key", profile_os_str(p.os), p.name,
	    profile_wrap_str(p.wrap));
	if ((rc = cmd_output(out, text, what)) == 0)
		cmd_wrap_note(m, p.wrap, p.wrap == PROFILE_TLS_AUTH ? auth :
		    NULL);
done:
	if (text != NULL) {
		OPENSSL_cleanse(text, strlen(text));
		free(text);
	}
	if (wrap_key != NULL) {
		OPENSSL_cleanse(wrap_key, strlen(wrap_key));
		free(wrap_key);
	}
	if (f.key != NULL) {
		OPENSSL_cleanse(f.key, f.keylen);
		free(f.key);
	}
	free(f.ca);
	free(f.cert);
	db_free(&db);
	if (lock != -1)
		close(lock);
	return rc;
}
