/*
 * The control-channel keys: gen-tls-auth, gen-tls-crypt, gen-tls-crypt-v2
 * (one key in DIR each, see wrapkey.h), gen-tls-crypt-v2-client, and the
 * block an exported profile carries.  Like ca.key and the issued keys,
 * these keys are files in DIR (mode 0600), not index entries: the file
 * is the record, and `list` shows which exist.
 */
#include "config.h"

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
#include "profile.h"
#include "wrapkey.h"

#define ERRLEN	512

static int
key_path(const struct mcnca *m, enum profile_wrap w, char *path, size_t cap)
{
	if (afile_join(path, cap, m->dir, wrapkey_file(w)) == -1) {
		cmd_fail("%s: path too long", m->dir);
		return -1;
	}
	return 0;
}

/* Which kinds DIR holds: a bit per kind, or -1 after saying why. */
static int
kinds_present(const struct mcnca *m)
{
	char path[PATH_MAX], err[ERRLEN];
	int have = 0, n, w;

	for (w = 0; w < PROFILE_NWRAPS; w++) {
		if (key_path(m, (enum profile_wrap)w, path, sizeof(path)) == -1)
			return -1;
		if ((n = afile_exists(path, err, sizeof(err))) == -1) {
			cmd_fail("%s", err);
			return -1;
		}
		if (n == 1)
			have |= 1 << w;
	}
	return have;
}

json_t *
cmd_wrap_json(const struct mcnca *m)
{
	char path[PATH_MAX], err[ERRLEN];
	json_t *o = json_object();
	int w;

	for (w = 0; o != NULL && w < PROFILE_NWRAPS; w++) {
		if (afile_join(path, sizeof(path), m->dir,
		    wrapkey_file((enum profile_wrap)w)) == -1 ||
		    afile_exists(path, err, sizeof(err)) != 1)
			json_object_set_new(o,
			    profile_wrap_str((enum profile_wrap)w), json_null());
		else
			json_object_set_new(o,
			    profile_wrap_str((enum profile_wrap)w),
			    json_string(path));
	}
	return o;
}

void
cmd_wrap_note(const struct mcnca *m, enum profile_wrap w, const char *auth)
{
	char path[PATH_MAX], line[PATH_MAX + 32];

	if (afile_join(path, sizeof(path), m->dir, wrapkey_file(w)) == -1)
		return;
	wrapkey_server_line(w, path, line, sizeof(line));
	fprintf(stderr, "mcnca: the gateway needs \"%s\"%s%s%s\n", line,
	    auth != NULL ? " and \"auth " : "", auth != NULL ? auth : "",
	    auth != NULL ? "\"" : "");
}

/* --- gen-tls-auth, gen-tls-crypt, gen-tls-crypt-v2 ----------------------- */

/* What gen-KIND says of the new key. */
static const struct {
	const char	*what;
	const char	*clients;
} says[PROFILE_NWRAPS] = {
	[PROFILE_TLS_AUTH] = { "tls-auth key", "inline in every exported "
	    "profile, with key-direction 1" },
	[PROFILE_TLS_CRYPT] = { "tls-crypt key", "inline in every exported "
	    "profile" },
	[PROFILE_TLS_CRYPT_V2] = { "tls-crypt-v2 server key", "each a key of "
	    "its own, wrapped with this one,\n    made by every export, or by "
	    "gen-tls-crypt-v2-client NAME" },
};

int
cmd_genkey(struct mcnca *m, int argc, char **argv)
{
	char text[WRAPKEY_TEXT_MAX], path[PATH_MAX], line[PATH_MAX + 32];
	char err[ERRLEN];
	enum profile_wrap w;
	int force, lock = -1, n, rc;

	/* The command's name says the kind: gen-KIND. */
	if (profile_wrap_parse(argv[0] + strlen("gen-"), &w, err,
	    sizeof(err)) == -1)
		return cmd_fail("%s: %s", argv[0], err);
	if ((rc = cmd_args_flag(m, argc, argv, "force", 'f', &force)) != 0)
		return rc;
	rc = MCNCA_EXIT_FAIL;
	if (key_path(m, w, path, sizeof(path)) == -1)
		return MCNCA_EXIT_FAIL;
	if ((lock = cmd_open_db(m, 1, NULL)) == -1)
		return MCNCA_EXIT_FAIL;
	if ((n = afile_exists(path, err, sizeof(err))) != 0) {
		if (n == -1)
			cmd_fail("%s", err);
		else if (!force)
			cmd_fail("%s exists; replacing it locks out every "
			    "client until it gets a new profile (use --force "
			    "to do so)", path);
		if (n == -1 || !force)
			goto out;
	}
	if ((n = wrapkey_gen(w, text, sizeof(text), err, sizeof(err))) < 0) {
		cmd_fail("cannot make a key: %s", err);
		goto out;
	}
	if (afile_write(path, text, (size_t)n, 0600, err, sizeof(err)) == -1) {
		cmd_fail("%s", err);
		goto out;
	}
	wrapkey_server_line(w, path, line, sizeof(line));
	printf("%s %s\n  server: %s%s\n  clients: %s\n", says[w].what, path,
	    line, w == PROFILE_TLS_AUTH ? " (and the same \"auth\" as the "
	    "profiles)" : "", says[w].clients);
	rc = 0;
out:
	OPENSSL_cleanse(text, sizeof(text));
	close(lock);
	return rc;
}

/* --- the block of a profile -------------------------------------------- */

/* Picks the kind (see cmd.h); 0 or an exit status. */
static int
pick(const struct mcnca *m, const char *cmd, int given, enum profile_wrap *w)
{
	char list[128] = "";
	int have, i;

	if (given)
		return 0;
	if ((have = kinds_present(m)) == -1)
		return MCNCA_EXIT_FAIL;
	if (have == 0)
		return cmd_fail("%s has no control-channel key: make the one "
		    "the gateway uses with gen-tls-auth, gen-tls-crypt or "
		    "gen-tls-crypt-v2", m->dir);
	for (i = 0; i < PROFILE_NWRAPS; i++) {
		if (!(have & 1 << i))
			continue;
		if (have == 1 << i) {
			*w = (enum profile_wrap)i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
		    "%s%s", list[0] != '\0' ? ", " : "",
		    wrapkey_file((enum profile_wrap)i));
	}
	return cmd_usage(cmd, "%s has several control-channel keys (%s): say "
	    "which one the gateway uses with --wrap tls-auth|tls-crypt|"
	    "tls-crypt-v2", m->dir, list);
}

int
cmd_wrap_block(const struct mcnca *m, const char *cmd, int given,
    enum profile_wrap *w, const struct db_entry *e, char **block)
{
	char path[PATH_MAX], err[ERRLEN], ckey[WRAPKEY_TEXT_MAX];
	const char *inline_text;
	char *text = NULL;
	size_t len = 0;
	int n, rc = MCNCA_EXIT_FAIL;

	*block = NULL;
	if ((rc = pick(m, cmd, given, w)) != 0)
		return rc;
	rc = MCNCA_EXIT_FAIL;
	if (key_path(m, *w, path, sizeof(path)) == -1)
		return rc;
	if (afile_read(path, &text, &len, err, sizeof(err)) == -1) {
		cmd_fail("%s (make it with: mcnca -d %s %s)", err, m->dir,
		    wrapkey_command(*w));
		return rc;
	}
	if (wrapkey_check(*w, text, len, &inline_text, err,
	    sizeof(err)) == -1) {
		cmd_fail("%s: %s", path, err);
		goto out;
	}
	if (*w == PROFILE_TLS_CRYPT_V2) {
		if ((n = wrapkey_v2_client(text, len, e->name, e->serial,
		    m->now, ckey, sizeof(ckey), err, sizeof(err))) < 0) {
			cmd_fail("%s: %s", path, err);
			goto out;
		}
		inline_text = ckey;
	}
	if ((*block = strdup(inline_text)) == NULL) {
		cmd_fail("out of memory");
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(ckey, sizeof(ckey));
	OPENSSL_cleanse(text, len);
	free(text);
	return rc;
}

/* --- gen-tls-crypt-v2-client ------------------------------------------- */

int
cmd_v2client(struct mcnca *m, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		CMD_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	enum profile_wrap w = PROFILE_TLS_CRYPT_V2;
	const char *out = NULL;
	const struct db_entry *e;
	char *key = NULL, what[DB_NAME_MAX + 64];
	struct db db;
	int c, lock = -1, rc = MCNCA_EXIT_FAIL;

	memset(&db, 0, sizeof(db));
	while ((c = getopt_long(argc, argv, "d:o:", opts, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (cmd_common_opt(m, c, optarg) == -1)
			return cmd_usage(argv[0], NULL);
	}
	if (argc - optind != 1)
		return cmd_usage(argv[0], "one NAME is needed");
	if (cmd_need_dir(m, argv[0]) != 0)
		return MCNCA_EXIT_USAGE;
	if ((lock = cmd_open_db(m, 0, &db)) == -1)
		goto out;
	if ((e = cmd_find_client(m, &db, argv[optind])) == NULL)
		goto out;
	if ((rc = cmd_wrap_block(m, argv[0], 1, &w, e, &key)) != 0)
		goto out;
	snprintf(what, sizeof(what), "tls-crypt-v2 client key for \"%s\"",
	    e->name);
	if ((rc = cmd_output(out, key, what)) == 0)
		cmd_wrap_note(m, w, NULL);
out:
	if (key != NULL) {
		OPENSSL_cleanse(key, strlen(key));
		free(key);
	}
	db_free(&db);
	if (lock != -1)
		close(lock);
	return rc;
}
