/*
 * The commands that sign: init, issue-server, issue-client, revoke,
 * gen-crl.  Each holds the exclusive database lock from before it reads
 * the index until after it wrote it.  Order of writes: the files first,
 * the index last (see afile.c), so the index never names a missing file.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include "afile.h"
#include "cmd.h"
#include "db.h"
#include "pass.h"
#include "pki.h"

#define ERRLEN	512

struct ca {
	X509		*cert;
	EVP_PKEY	*key;
	int64_t		 not_after;
};

static void
ca_free(struct ca *ca)
{
	X509_free(ca->cert);
	EVP_PKEY_free(ca->key);
	memset(ca, 0, sizeof(*ca));
}

static int
join(char *out, size_t cap, const char *dir, const char *rel)
{
	if (afile_join(out, cap, dir, rel) == -1)
		return cmd_fail("%s/%s: path too long", dir, rel);
	return 0;
}

/*
 * Loads DIR/ca.crt, refuses an expired CA, and (with_key) asks for the
 * passphrase and decrypts DIR/ca.key.  Returns 0 or an exit status.
 */
static int
ca_load(const struct mcnca *m, const struct db *db, int with_key,
    struct ca *ca)
{
	char path[PATH_MAX], err[ERRLEN], when[DB_TIME_LEN], *text = NULL;
	char pass[PASS_MAX + 1], serial[DB_SERIAL_MAX + 1], *hex;
	const ASN1_INTEGER *sn;
	BIGNUM *bn;
	size_t len;
	int n, rc = MCNCA_EXIT_FAIL;

	memset(ca, 0, sizeof(*ca));
	if (join(path, sizeof(path), m->dir, CA_CERT_FILE) != 0)
		return MCNCA_EXIT_FAIL;
	if (afile_read(path, &text, &len, err, sizeof(err)) == -1)
		return cmd_fail("%s", err);
	ca->cert = pki_cert_parse(text, len, path, err, sizeof(err));
	free(text);
	text = NULL;
	if (ca->cert == NULL)
		return cmd_fail("%s", err);
	sn = X509_get0_serialNumber(ca->cert);
	serial[0] = '\0';
	if ((bn = ASN1_INTEGER_to_BN(sn, NULL)) != NULL &&
	    (hex = BN_bn2hex(bn)) != NULL) {
		snprintf(serial, sizeof(serial), "%s", hex);
		OPENSSL_free(hex);
	}
	BN_free(bn);
	if (strcmp(serial, db->ca_serial) != 0) {
		cmd_fail("%s (serial %s) is not the CA of %s/%s (serial %s)",
		    path, serial, m->dir, DB_FILE, db->ca_serial);
		goto out;
	}
	if (pki_time_get(X509_get0_notAfter(ca->cert), &ca->not_after) == -1) {
		cmd_fail("%s: unreadable notAfter", path);
		goto out;
	}
	if (ca->not_after <= m->now) {
		db_time_fmt(ca->not_after, when);
		cmd_fail("the CA certificate %s expired on %s: it can sign "
		    "nothing more; make a new CA (mcnca -d NEWDIR init) and "
		    "issue new certificates", path, when);
		goto out;
	}
	if (!with_key)
		return 0;
	if (join(path, sizeof(path), m->dir, CA_KEY_FILE) != 0)
		goto out;
	if (afile_read(path, &text, &len, err, sizeof(err)) == -1) {
		cmd_fail("%s", err);
		goto out;
	}
	if ((n = pass_get(m->pass_file, 0, pass, sizeof(pass), err,
	    sizeof(err))) < 0) {
		cmd_fail("%s", err);
		goto out;
	}
	ca->key = pki_key_decrypt(text, len, pass, (size_t)n, path, err,
	    sizeof(err));
	pass_wipe(pass, sizeof(pass));
	if (ca->key == NULL) {
		cmd_fail("%s", err);
		goto out;
	}
	if (X509_check_private_key(ca->cert, ca->key) != 1) {
		cmd_fail("%s does not belong to %s/%s", path, m->dir,
		    CA_CERT_FILE);
		goto out;
	}
	rc = 0;
out:
	if (text != NULL) {
		OPENSSL_cleanse(text, len);
		free(text);
	}
	if (rc != 0)
		ca_free(ca);
	return rc;
}

/* --- init --------------------------------------------------------------- */

int
cmd_init(struct mcnca *m, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cn", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },
		{ "days", required_argument, NULL, 'D' },
		CMD_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	static const char *const files[] = { DB_FILE, CA_CERT_FILE,
	    CA_KEY_FILE };
	const char *cn = "MyCrypNet CA", *keyspec = KEY_DEFAULT;
	char path[PATH_MAX], err[ERRLEN], pass[PASS_MAX + 1], when[DB_TIME_LEN];
	char *keypem = NULL, *certpem = NULL;
	struct pki_keyspec ks;
	struct db db;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	BIGNUM *serial = NULL;
	size_t keylen = 0, certlen, i;
	int c, days = CA_DAYS_DEFAULT, lock = -1, n, rc = MCNCA_EXIT_FAIL;

	memset(&db, 0, sizeof(db));
	while ((c = getopt_long(argc, argv, "d:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			cn = optarg;
			break;
		case 'k':
			keyspec = optarg;
			break;
		case 'D':
			if (cmd_days(argv[0], optarg, &days) != 0)
				return MCNCA_EXIT_USAGE;
			break;
		default:
			if (cmd_common_opt(m, c, optarg) == -1)
				return cmd_usage(argv[0], NULL);
		}
	}
	if (optind != argc)
		return cmd_usage(argv[0], "unexpected \"%s\"", argv[optind]);
	if (cmd_need_dir(m, argv[0]) != 0)
		return MCNCA_EXIT_USAGE;
	if (pki_keyspec_parse(keyspec, &ks, err, sizeof(err)) == -1)
		return cmd_usage(argv[0], "%s", err);
	if (cn[0] == '\0' || strlen(cn) > DB_NAME_MAX)
		return cmd_usage(argv[0], "--cn must have 1 to %d characters",
		    DB_NAME_MAX);
	for (i = 0; cn[i] != '\0'; i++)
		if ((unsigned char)cn[i] < 0x20 || cn[i] == 0x7f)
			return cmd_usage(argv[0], "--cn must not contain "
			    "control characters");

	if (afile_mkdir(m->dir, 0700, err, sizeof(err)) == -1 ||
	    (lock = afile_lock(m->dir, 1, err, sizeof(err))) == -1)
		return cmd_fail("%s", err);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if (join(path, sizeof(path), m->dir, files[i]) != 0)
			goto out;
		if ((n = afile_exists(path, err, sizeof(err))) == -1) {
			cmd_fail("%s", err);
			goto out;
		}
		if (n == 1) {
			cmd_fail("%s already exists: %s holds a CA (or an "
			    "interrupted init); refusing to overwrite it",
			    path, m->dir);
			goto out;
		}
	}
	if ((n = pass_get(m->pass_file, 1, pass, sizeof(pass), err,
	    sizeof(err))) < 0) {
		cmd_fail("%s", err);
		goto out;
	}
	if ((key = pki_keygen(&ks, err, sizeof(err))) == NULL ||
	    (serial = pki_serial_new(db.ca_serial)) == NULL ||
	    (cert = pki_make_ca(key, cn, serial, m->now, days, err,
	    sizeof(err))) == NULL ||
	    (keypem = pki_key_pem_encrypted(key, pass, (size_t)n, &keylen,
	    err, sizeof(err))) == NULL) {
		pass_wipe(pass, sizeof(pass));
		cmd_fail("%s", serial == NULL && key != NULL ?
		    "cannot make a serial number" : err);
		goto out;
	}
	pass_wipe(pass, sizeof(pass));
	if ((certpem = pki_cert_pem(cert, &certlen)) == NULL ||
	    pki_time_get(X509_get0_notAfter(cert), &db.ca_not_after) == -1) {
		cmd_fail("cannot encode the CA certificate");
		goto out;
	}
	snprintf(db.ca_cn, sizeof(db.ca_cn), "%s", cn);

	/* Subdirectories, key, certificate; the index last commits. */
	if (join(path, sizeof(path), m->dir, ISSUED_DIR) != 0 ||
	    afile_mkdir(path, 0755, err, sizeof(err)) == -1 ||
	    join(path, sizeof(path), m->dir, PRIVATE_DIR) != 0 ||
	    afile_mkdir(path, 0700, err, sizeof(err)) == -1 ||
	    join(path, sizeof(path), m->dir, ARCHIVE_DIR) != 0 ||
	    afile_mkdir(path, 0700, err, sizeof(err)) == -1 ||
	    join(path, sizeof(path), m->dir, CA_KEY_FILE) != 0 ||
	    afile_write(path, keypem, keylen, 0600, err, sizeof(err)) == -1 ||
	    join(path, sizeof(path), m->dir, CA_CERT_FILE) != 0 ||
	    afile_write(path, certpem, certlen, 0644, err, sizeof(err)) ==
	    -1 ||
	    db_save(&db, m->dir, err, sizeof(err)) == -1) {
		cmd_fail("%s", err);
		goto out;
	}
	db_time_fmt(db.ca_not_after, when);
	printf("new CA \"%s\" (%s) in %s, valid until %s\n"
	    "  %s/%s  the CA certificate (clients and server trust it)\n"
	    "  %s/%s  its key, encrypted with the passphrase; it never "
	    "leaves this machine\n",
	    cn, keyspec, m->dir, when, m->dir, CA_CERT_FILE, m->dir,
	    CA_KEY_FILE);
	rc = 0;
out:
	free(keypem);
	free(certpem);
	BN_free(serial);
	X509_free(cert);
	EVP_PKEY_free(key);
	db_free(&db);
	if (lock != -1)
		close(lock);
	return rc;
}

/* --- issue-server, issue-client ----------------------------------------- */

/* A serial that no certificate of this CA has. */
static BIGNUM *
fresh_serial(const struct db *db, char hex[DB_SERIAL_MAX + 1])
{
	BIGNUM *bn;
	int tries;

	for (tries = 0; tries < 8; tries++) {
		if ((bn = pki_serial_new(hex)) == NULL)
			return NULL;
		if (!db_serial_used(db, hex))
			return bn;
		BN_free(bn);
	}
	return NULL;
}

int
cmd_issue(struct mcnca *m, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "days", required_argument, NULL, 'D' },
		CMD_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	enum db_kind kind = strcmp(argv[0], "issue-server") == 0 ?
	    DB_KIND_SERVER : DB_KIND_CLIENT;
	const char *keyspec = KEY_DEFAULT, *name;
	char path[PATH_MAX], err[ERRLEN], when[DB_TIME_LEN];
	char *keypem = NULL, *certpem = NULL;
	struct pki_keyspec ks;
	struct db_entry e, *old;
	struct ca ca;
	struct db db;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	BIGNUM *serial = NULL;
	size_t keylen = 0, certlen, i;
	int c, days = LEAF_DAYS_DEFAULT, lock = -1, rc = MCNCA_EXIT_FAIL;

	memset(&db, 0, sizeof(db));
	memset(&ca, 0, sizeof(ca));
	memset(&e, 0, sizeof(e));
	while ((c = getopt_long(argc, argv, "d:", opts, NULL)) != -1) {
		switch (c) {
		case 'k':
			keyspec = optarg;
			break;
		case 'D':
			if (cmd_days(argv[0], optarg, &days) != 0)
				return MCNCA_EXIT_USAGE;
			break;
		default:
			if (cmd_common_opt(m, c, optarg) == -1)
				return cmd_usage(argv[0], NULL);
		}
	}
	if (argc - optind != 1)
		return cmd_usage(argv[0], "one NAME is needed");
	name = argv[optind];
	if (cmd_need_dir(m, argv[0]) != 0)
		return MCNCA_EXIT_USAGE;
	if (pki_keyspec_parse(keyspec, &ks, err, sizeof(err)) == -1 ||
	    db_name_check(name, kind, err, sizeof(err)) == -1)
		return cmd_usage(argv[0], "%s", err);

	if ((lock = cmd_open_db(m, 1, &db)) == -1) {
		goto out;
	}
	if ((old = db_find_valid(&db, name)) != NULL) {
		db_time_fmt(old->not_after, when);
		cmd_fail("\"%s\" already has a valid %s certificate (serial "
		    "%s, %s %s); revoke it first: mcnca -d %s revoke %s",
		    name, db_kind_str(old->kind), old->serial,
		    old->not_after <= m->now ? "expired" : "until", when,
		    m->dir, name);
		goto out;
	}
	if (ca_load(m, &db, 1, &ca) != 0)
		goto out;

	e.kind = kind;
	e.status = DB_VALID;
	snprintf(e.name, sizeof(e.name), "%s", name);
	e.not_after = m->now + (int64_t)days * 86400;
	if (e.not_after > ca.not_after) {
		db_time_fmt(ca.not_after, when);
		fprintf(stderr, "mcnca: note: the certificate ends with the "
		    "CA on %s, before --days %d\n", when, days);
		e.not_after = ca.not_after;
	}
	if (snprintf(e.cert, sizeof(e.cert), "%s/%s.crt", ISSUED_DIR,
	    name) >= (int)sizeof(e.cert) ||
	    snprintf(e.key, sizeof(e.key), "%s/%s.key", PRIVATE_DIR,
	    name) >= (int)sizeof(e.key)) {
		cmd_fail("name too long");
		goto out;
	}
	/* revoke moves files to archive/, so a path in use is damage. */
	for (i = 0; i < db.n; i++) {
		if (strcmp(db.entries[i].cert, e.cert) == 0 ||
		    strcmp(db.entries[i].key, e.key) == 0) {
			cmd_fail("%s/%s: revoked certificate %s still uses "
			    "%s; move its files to %s/ and fix the index",
			    m->dir, DB_FILE, db.entries[i].serial, e.cert,
			    ARCHIVE_DIR);
			goto out;
		}
	}
	if ((key = pki_keygen(&ks, err, sizeof(err))) == NULL) {
		cmd_fail("%s", err);
		goto out;
	}
	if ((serial = fresh_serial(&db, e.serial)) == NULL) {
		cmd_fail("cannot make a serial number");
		goto out;
	}
	if ((cert = pki_make_leaf(ca.cert, ca.key, key, kind, name, serial,
	    m->now, e.not_after, err, sizeof(err))) == NULL) {
		cmd_fail("%s", err);
		goto out;
	}
	if (pki_time_get(X509_get0_notBefore(cert), &e.not_before) == -1 ||
	    (keypem = pki_key_pem(key, &keylen)) == NULL ||
	    (certpem = pki_cert_pem(cert, &certlen)) == NULL) {
		cmd_fail("cannot encode the new certificate");
		goto out;
	}
	if (join(path, sizeof(path), m->dir, e.key) != 0 ||
	    afile_write(path, keypem, keylen, 0600, err, sizeof(err)) == -1 ||
	    join(path, sizeof(path), m->dir, e.cert) != 0 ||
	    afile_write(path, certpem, certlen, 0644, err, sizeof(err)) ==
	    -1 ||
	    db_append(&db, &e, err, sizeof(err)) == -1 ||
	    db_save(&db, m->dir, err, sizeof(err)) == -1) {
		cmd_fail("%s", err);
		goto out;
	}
	db_time_fmt(e.not_after, when);
	printf("issued %s certificate \"%s\" (%s), serial %s, valid until "
	    "%s\n  %s/%s\n  %s/%s\n", db_kind_str(kind), name, keyspec,
	    e.serial, when, m->dir, e.cert, m->dir, e.key);
	rc = 0;
out:
	if (keypem != NULL) {
		OPENSSL_cleanse(keypem, keylen);
		free(keypem);
	}
	free(certpem);
	BN_free(serial);
	X509_free(cert);
	EVP_PKEY_free(key);
	ca_free(&ca);
	db_free(&db);
	if (lock != -1)
		close(lock);
	return rc;
}

/* --- revoke ------------------------------------------------------------- */

/*
 * Gives the file at DIR/from a second name DIR/to (a hard link: the file
 * exists under both until the old name is removed after the index was
 * saved).  A "to" left by an interrupted revoke is replaced.
 */
static int
archive_link(const char *dir, const char *from, const char *to)
{
	char src[PATH_MAX], dst[PATH_MAX];

	if (join(src, sizeof(src), dir, from) != 0 ||
	    join(dst, sizeof(dst), dir, to) != 0)
		return -1;
	if (unlink(dst) == -1 && errno != ENOENT) {
		cmd_fail("%s: %s", dst, strerror(errno));
		return -1;
	}
	if (link(src, dst) == -1) {
		cmd_fail("cannot archive %s as %s: %s", src, dst,
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
cmd_revoke(struct mcnca *m, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reason", required_argument, NULL, 'r' },
		CMD_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	const char *reason = "unspecified", *name;
	char err[ERRLEN], path[PATH_MAX], oldcert[DB_PATH_MAX];
	char oldkey[DB_PATH_MAX], cert[DB_PATH_MAX], key[DB_PATH_MAX];
	struct db_entry *e;
	struct db db;
	size_t i;
	int c, lock = -1, revoked = 0, rc = MCNCA_EXIT_FAIL;

	memset(&db, 0, sizeof(db));
	while ((c = getopt_long(argc, argv, "d:", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			reason = optarg;
			break;
		default:
			if (cmd_common_opt(m, c, optarg) == -1)
				return cmd_usage(argv[0], NULL);
		}
	}
	if (argc - optind != 1)
		return cmd_usage(argv[0], "one NAME is needed");
	name = argv[optind];
	if (cmd_need_dir(m, argv[0]) != 0)
		return MCNCA_EXIT_USAGE;
	if (db_reason_code(reason) < 0)
		return cmd_usage(argv[0], "unknown --reason \"%s\" (%s)",
		    reason, db_reason_list());

	if ((lock = cmd_open_db(m, 1, &db)) == -1) {
		goto out;
	}
	if ((e = db_find_valid(&db, name)) == NULL) {
		for (i = 0; i < db.n; i++)
			revoked += strcmp(db.entries[i].name, name) == 0;
		cmd_fail("no valid certificate named \"%s\"%s", name,
		    revoked > 0 ? " (it is revoked already)" : "");
		goto out;
	}
	snprintf(oldcert, sizeof(oldcert), "%s", e->cert);
	snprintf(oldkey, sizeof(oldkey), "%s", e->key);
	if (snprintf(cert, sizeof(cert), "%s/%s-%s.crt", ARCHIVE_DIR, name,
	    e->serial) >= (int)sizeof(cert) ||
	    snprintf(key, sizeof(key), "%s/%s-%s.key", ARCHIVE_DIR, name,
	    e->serial) >= (int)sizeof(key)) {
		cmd_fail("name too long");
		goto out;
	}
	if (join(path, sizeof(path), m->dir, ARCHIVE_DIR) != 0)
		goto out;
	if (afile_mkdir(path, 0700, err, sizeof(err)) == -1) {
		cmd_fail("%s", err);
		goto out;
	}
	if (archive_link(m->dir, oldcert, cert) == -1 ||
	    archive_link(m->dir, oldkey, key) == -1)
		goto out;
	e->status = DB_REVOKED;
	e->revoked_at = m->now;
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	snprintf(e->cert, sizeof(e->cert), "%s", cert);
	snprintf(e->key, sizeof(e->key), "%s", key);
	if (db_save(&db, m->dir, err, sizeof(err)) == -1) {
		cmd_fail("%s", err);
		goto out;
	}
	/* Committed; the old names are now leftovers. */
	if (join(path, sizeof(path), m->dir, oldcert) == 0 &&
	    unlink(path) == -1)
		fprintf(stderr, "mcnca: note: %s: %s\n", path, strerror(errno));
	if (join(path, sizeof(path), m->dir, oldkey) == 0 &&
	    unlink(path) == -1)
		fprintf(stderr, "mcnca: note: %s: %s\n", path, strerror(errno));
	printf("revoked \"%s\" (serial %s, reason %s); publish it with: "
	    "mcnca -d %s gen-crl\n", name, e->serial, reason, m->dir);
	rc = 0;
out:
	db_free(&db);
	if (lock != -1)
		close(lock);
	return rc;
}

/* --- gen-crl ------------------------------------------------------------ */

int
cmd_gencrl(struct mcnca *m, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "days", required_argument, NULL, 'D' },
		{ "out", required_argument, NULL, 'o' },
		CMD_COMMON_OPTS,
		{ NULL, 0, NULL, 0 }
	};
	char err[ERRLEN], path[PATH_MAX], when[DB_TIME_LEN], *pem = NULL;
	const char *out = NULL;
	X509_CRL *crl = NULL;
	struct ca ca;
	struct db db;
	size_t len, i, nrev = 0;
	int c, days = CRL_DAYS_DEFAULT, lock = -1, rc = MCNCA_EXIT_FAIL;

	memset(&db, 0, sizeof(db));
	memset(&ca, 0, sizeof(ca));
	while ((c = getopt_long(argc, argv, "d:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'D':
			if (cmd_days(argv[0], optarg, &days) != 0)
				return MCNCA_EXIT_USAGE;
			break;
		case 'o':
			out = optarg;
			break;
		default:
			if (cmd_common_opt(m, c, optarg) == -1)
				return cmd_usage(argv[0], NULL);
		}
	}
	if (optind != argc)
		return cmd_usage(argv[0], "unexpected \"%s\"", argv[optind]);
	if (cmd_need_dir(m, argv[0]) != 0)
		return MCNCA_EXIT_USAGE;
	if (out == NULL) {
		if (join(path, sizeof(path), m->dir, CRL_FILE) != 0)
			return MCNCA_EXIT_FAIL;
		out = path;
	}

	if ((lock = cmd_open_db(m, 1, &db)) == -1) {
		goto done;
	}
	if (ca_load(m, &db, 1, &ca) != 0)
		goto done;
	/* The number is spent before the CRL exists: never used twice. */
	db.crl_number++;
	if (db_save(&db, m->dir, err, sizeof(err)) == -1 ||
	    (crl = pki_make_crl(ca.cert, ca.key, &db, db.crl_number, m->now,
	    days, err, sizeof(err))) == NULL) {
		cmd_fail("%s", err);
		goto done;
	}
	if ((pem = pki_crl_pem(crl, &len)) == NULL) {
		cmd_fail("cannot encode the CRL");
		goto done;
	}
	if (afile_write(out, pem, len, 0644, err, sizeof(err)) == -1) {
		cmd_fail("%s", err);
		goto done;
	}
	for (i = 0; i < db.n; i++)
		nrev += db.entries[i].status == DB_REVOKED;
	db_time_fmt(m->now + (int64_t)days * 86400, when);
	printf("CRL number %llu, %zu revoked, next update %s: %s\n",
	    (unsigned long long)db.crl_number, nrev, when, out);
	rc = 0;
done:
	free(pem);
	X509_CRL_free(crl);
	ca_free(&ca);
	db_free(&db);
	if (lock != -1)
		close(lock);
	return rc;
}
