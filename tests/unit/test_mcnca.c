/*
 * mcnca's pure parts: --remote parsing, the index (round trip, and every
 * kind of damage rejected with a message naming the file and the
 * member), the profile each platform and each control-channel wrap gets;
 * the control-channel keys are in test_mcnca_wrapkey.c.
 */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "db.h"
#include "profile.h"

/* test_mcnca_wrapkey.c */
TCase	*mcnca_tcase_wrapkey(void);

/* --- --remote ----------------------------------------------------------- */

static void
remote_ok(const char *s, const char *host, unsigned port, const char *proto)
{
	struct profile_remote r;
	char err[256] = "";

	ck_assert_msg(profile_remote_parse(s, &r, err, sizeof(err)) == 0,
	    "\"%s\" rejected: %s", s, err);
	ck_assert_str_eq(r.host, host);
	ck_assert_uint_eq(r.port, port);
	ck_assert_str_eq(r.proto, proto);
}

static void
remote_bad(const char *s)
{
	struct profile_remote r;
	char err[256] = "";

	ck_assert_msg(profile_remote_parse(s, &r, err, sizeof(err)) == -1,
	    "\"%s\" accepted", s);
	ck_assert_msg(strstr(err, "--remote") != NULL, "message: %s", err);
}

START_TEST(remote_forms)
{
	remote_ok("10.99.1.1:1194/udp", "10.99.1.1", 1194, "udp");
	remote_ok("10.99.1.1", "10.99.1.1", 1194, "udp");
	remote_ok("vpn.example.com:443/tcp", "vpn.example.com", 443, "tcp");
	remote_ok("vpn.example.com/TCP", "vpn.example.com", 1194, "tcp");
	remote_ok("gw-2.example.net:1", "gw-2.example.net", 1, "udp");
	remote_ok("gw:65535", "gw", 65535, "udp");
	remote_ok("[2001:db8::1]:443/udp", "2001:db8::1", 443, "udp");
	remote_ok("[2001:db8::1]/tcp", "2001:db8::1", 1194, "tcp");
	remote_ok("2001:db8::1", "2001:db8::1", 1194, "udp");
	remote_ok("2001:db8::1/tcp", "2001:db8::1", 1194, "tcp");
}
END_TEST

START_TEST(remote_rejects)
{
	static const char *const bad[] = {
		"", ":1194", "host:", "host:0", "host:65536", "host:12a",
		"host:-1", "host:+80", "host/sctp", "host/udp/tcp", "host/",
		"[2001:db8::1", "[2001:db8::1]x", "[2001:db8::1]:",
		"[vpn.example.com]:1194", "-host", ".host", "a..b",
		"host name", "host;rm", "2001:db8::zz", "h\"x",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		remote_bad(bad[i]);
}
END_TEST

START_TEST(auth_and_os)
{
	enum profile_os os;
	char out[8], err[256];

	ck_assert_int_eq(profile_auth_parse("sha256", out, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(out, "SHA256");
	ck_assert_int_eq(profile_auth_parse("SHA1", out, err, sizeof(err)), 0);
	ck_assert_str_eq(out, "SHA1");
	ck_assert_int_eq(profile_auth_parse("sha512", out, err,
	    sizeof(err)), 0);
	ck_assert_str_eq(out, "SHA512");
	/* OpenVPN has it, mycrypnetd does not */
	ck_assert_int_eq(profile_auth_parse("SHA384", out, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(profile_auth_parse("MD5", out, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "server's auth"));
	ck_assert_int_eq(profile_auth_parse("SHA256x", out, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(profile_os_parse("Windows", &os, err, sizeof(err)),
	    0);
	ck_assert_int_eq(os, PROFILE_WINDOWS);
	ck_assert_int_eq(profile_os_parse("ios", &os, err, sizeof(err)), 0);
	ck_assert_int_eq(os, PROFILE_IOS);
	ck_assert_int_eq(profile_os_parse("bsd", &os, err, sizeof(err)), -1);
}
END_TEST

/* --- the index ---------------------------------------------------------- */

static void
sample_db(struct db *db)
{
	struct db_entry e;
	char err[256];

	memset(db, 0, sizeof(*db));
	snprintf(db->ca_cn, sizeof(db->ca_cn), "MyCrypNet CA");
	snprintf(db->ca_serial, sizeof(db->ca_serial), "0A1B");
	db->ca_not_after = 2000000000;
	db->crl_number = 7;

	memset(&e, 0, sizeof(e));
	snprintf(e.name, sizeof(e.name), "server");
	e.kind = DB_KIND_SERVER;
	snprintf(e.serial, sizeof(e.serial),
	    "7F00112233445566778899AABBCCDDEE");
	e.status = DB_VALID;
	e.not_before = 1700000000;
	e.not_after = 1771000000;
	snprintf(e.cert, sizeof(e.cert), "issued/server.crt");
	snprintf(e.key, sizeof(e.key), "private/server.key");
	ck_assert_int_eq(db_append(db, &e, err, sizeof(err)), 0);

	snprintf(e.name, sizeof(e.name), "alice@example.com");
	e.kind = DB_KIND_CLIENT;
	snprintf(e.serial, sizeof(e.serial), "01");
	e.status = DB_REVOKED;
	e.revoked_at = 1700000500;
	snprintf(e.reason, sizeof(e.reason), "keyCompromise");
	snprintf(e.cert, sizeof(e.cert), "archive/alice@example.com-01.crt");
	snprintf(e.key, sizeof(e.key), "archive/alice@example.com-01.key");
	ck_assert_int_eq(db_append(db, &e, err, sizeof(err)), 0);

	/* alice again: a new valid certificate beside the revoked one */
	snprintf(e.serial, sizeof(e.serial), "02");
	e.status = DB_VALID;
	e.revoked_at = 0;
	e.reason[0] = '\0';
	snprintf(e.cert, sizeof(e.cert), "issued/alice@example.com.crt");
	snprintf(e.key, sizeof(e.key), "private/alice@example.com.key");
	ck_assert_int_eq(db_append(db, &e, err, sizeof(err)), 0);
}

static void
entries_eq(const struct db_entry *a, const struct db_entry *b)
{
	ck_assert_str_eq(a->name, b->name);
	ck_assert_int_eq(a->kind, b->kind);
	ck_assert_str_eq(a->serial, b->serial);
	ck_assert_int_eq(a->status, b->status);
	ck_assert_int_eq(a->not_before, b->not_before);
	ck_assert_int_eq(a->not_after, b->not_after);
	ck_assert_int_eq(a->revoked_at, b->revoked_at);
	ck_assert_str_eq(a->reason, b->reason);
	ck_assert_str_eq(a->cert, b->cert);
	ck_assert_str_eq(a->key, b->key);
}

START_TEST(db_round_trip)
{
	struct db a, b;
	char *t1, *t2, err[256] = "";
	size_t i;

	sample_db(&a);
	t1 = db_render(&a);
	ck_assert_ptr_nonnull(t1);
	ck_assert_ptr_nonnull(strstr(t1, "\"revoked_at\": \"2023-11-14T22:"
	    "21:40Z\""));
	ck_assert_msg(db_parse(&b, t1, strlen(t1), "index.json", err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(b.ca_cn, a.ca_cn);
	ck_assert_str_eq(b.ca_serial, a.ca_serial);
	ck_assert_int_eq(b.ca_not_after, a.ca_not_after);
	ck_assert_uint_eq(b.crl_number, 7);
	ck_assert_uint_eq(b.n, 3);
	for (i = 0; i < a.n; i++)
		entries_eq(&a.entries[i], &b.entries[i]);
	t2 = db_render(&b);
	ck_assert_str_eq(t1, t2);
	ck_assert_ptr_nonnull(db_find_valid(&b, "alice@example.com"));
	ck_assert_str_eq(db_find_valid(&b, "alice@example.com")->serial,
	    "02");
	ck_assert_ptr_null(db_find_valid(&b, "bob"));
	ck_assert_int_eq(db_serial_used(&b, "0A1B"), 1);
	ck_assert_int_eq(db_serial_used(&b, "01"), 1);
	ck_assert_int_eq(db_serial_used(&b, "03"), 0);
	free(t1);
	free(t2);
	db_free(&a);
	db_free(&b);
}
END_TEST

START_TEST(db_save_load)
{
	char dir[] = "/tmp/mcnca-test-XXXXXX", path[512], err[256] = "";
	struct db a, b;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int n = 0;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	sample_db(&a);
	ck_assert_msg(db_save(&a, dir, err, sizeof(err)) == 0, "%s", err);
	a.crl_number = 8;	/* a second save replaces the file */
	ck_assert_msg(db_save(&a, dir, err, sizeof(err)) == 0, "%s", err);
	ck_assert_msg(db_load(&b, dir, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(b.crl_number, 8);
	ck_assert_uint_eq(b.n, 3);
	entries_eq(&a.entries[2], &b.entries[2]);
	snprintf(path, sizeof(path), "%s/%s", dir, DB_FILE);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0644);
	/* no temporary file is left behind */
	ck_assert_ptr_nonnull(d = opendir(dir));
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	ck_assert_int_eq(n, 1);
	unlink(path);
	/* a database without an index (db_load overwrites b: free it) */
	db_free(&b);
	ck_assert_int_eq(db_load(&b, dir, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "index.json"));
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
	rmdir(dir);
	db_free(&a);
	db_free(&b);
}
END_TEST

/* Replaces the first "from" in the sample's text with "to", parses it,
 * and expects a failure whose message holds every word of want. */
static void
corrupt(const char *from, const char *to, const char *want1,
    const char *want2)
{
	struct db a, b;
	char *t, *p, *bad, err[512] = "";

	sample_db(&a);
	t = db_render(&a);
	ck_assert_ptr_nonnull(t);
	p = strstr(t, from);
	ck_assert_msg(p != NULL, "\"%s\" not in the sample", from);
	bad = malloc(strlen(t) + strlen(to) + 1);
	ck_assert_ptr_nonnull(bad);
	memcpy(bad, t, (size_t)(p - t));
	strcpy(bad + (p - t), to);
	strcat(bad, p + strlen(from));
	ck_assert_msg(db_parse(&b, bad, strlen(bad), "/x/index.json", err,
	    sizeof(err)) == -1, "accepted: %s -> %s", from, to);
	ck_assert_msg(strstr(err, "/x/index.json") != NULL, "%s", err);
	ck_assert_msg(strstr(err, want1) != NULL, "want \"%s\": %s", want1,
	    err);
	if (want2 != NULL)
		ck_assert_msg(strstr(err, want2) != NULL, "want \"%s\": %s",
		    want2, err);
	ck_assert_ptr_null(b.entries);
	free(bad);
	free(t);
	db_free(&a);
}

START_TEST(db_corrupt)
{
	struct db b;
	char err[512], *t;
	struct db a;

	corrupt("\"version\": 1", "\"version\": 2", "version 2", NULL);
	corrupt("\"version\": 1", "\"version\": \"1\"", "version", NULL);
	corrupt("\"crl_number\": 7", "\"crl_number\": -1", "crl_number",
	    NULL);
	corrupt("\"certs\"", "\"certz\"", "certs", "missing");
	corrupt("\"7F00112233445566778899AABBCCDDEE\"", "\"xyz\"",
	    "certs[0]", "serial");
	corrupt("\"7F00112233445566778899AABBCCDDEE\"", "\"7f00\"",
	    "certs[0]", "serial");
	corrupt("\"7F00112233445566778899AABBCCDDEE\"", "\"01\"",
	    "certs[1]", "used twice");
	corrupt("\"7F00112233445566778899AABBCCDDEE\"", "\"0A1B\"",
	    "certs[0]", "used twice");
	corrupt("\"status\": \"revoked\"", "\"status\": \"valid\"",
	    "certs[1]", "revoked_at");
	corrupt("\"status\": \"revoked\"", "\"status\": \"gone\"",
	    "certs[1]", "status");
	corrupt("\"reason\": \"keyCompromise\"", "\"reason\": null",
	    "certs[1]", "reason");
	corrupt("\"reason\": \"keyCompromise\"", "\"reason\": \"bored\"",
	    "certs[1]", "reason");
	corrupt("\"issued/server.crt\"", "\"../server.crt\"", "certs[0]",
	    "cert");
	corrupt("\"issued/server.crt\"", "\"/etc/passwd\"", "certs[0]",
	    "cert");
	corrupt("\"private/server.key\"", "\"private/../../k\"", "certs[0]",
	    "key");
	corrupt("\"name\": \"server\"", "\"name\": \"a/b\"", "certs[0]",
	    "name");
	corrupt("\"name\": \"server\"", "\"name\": 5", "certs[0]", "name");
	corrupt("\"type\": \"server\"", "\"type\": \"router\"", "certs[0]",
	    "type");
	corrupt("\"not_after\": \"2026", "\"not_after\": \"20x6", "certs[0]",
	    "not_after");
	corrupt("\"not_before\": \"2023", "\"not_before\": \"2030",
	    "certs[0]", "before not_before");
	corrupt("\"name\": \"server\"", "\"name\": \"server\", \"name\": \"x\"",
	    "not valid JSON", "duplicate");
	/* the valid alice (certs[2]) becomes a second valid "server" */
	corrupt("\"name\": \"alice@example.com\",\n      \"type\": \"client\","
	    "\n      \"serial\": \"02\"", "\"name\": \"server\",\n      "
	    "\"type\": \"client\",\n      \"serial\": \"02\"", "certs[2]",
	    "two valid");
	corrupt("\"cn\": \"MyCrypNet CA\"", "\"cn\": [1]", "ca.cn", NULL);

	/* not an object, not JSON at all, cut short, empty */
	ck_assert_int_eq(db_parse(&b, "[]", 2, "f.json", err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "not a JSON object"));
	ck_assert_int_eq(db_parse(&b, "\x01\x02garbage", 9, "f.json", err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "f.json: not valid JSON"));
	ck_assert_int_eq(db_parse(&b, "", 0, "f.json", err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "not valid JSON"));
	sample_db(&a);
	t = db_render(&a);
	ck_assert_int_eq(db_parse(&b, t, strlen(t) / 2, "f.json", err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "line"));
	free(t);
	db_free(&a);
}
END_TEST

START_TEST(names_and_times)
{
	char err[256], s[DB_TIME_LEN];
	int64_t t;

	ck_assert_int_eq(db_name_check("client1", DB_KIND_CLIENT, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(db_name_check("vpn.example.com", DB_KIND_SERVER,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(db_name_check("bob@example.com", DB_KIND_CLIENT,
	    err, sizeof(err)), 0);
	ck_assert_int_eq(db_name_check("bob@example.com", DB_KIND_SERVER,
	    err, sizeof(err)), -1);
	ck_assert_int_eq(db_name_check("", DB_KIND_CLIENT, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(db_name_check("../etc", DB_KIND_CLIENT, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(db_name_check("a/b", DB_KIND_CLIENT, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(db_name_check("-rf", DB_KIND_CLIENT, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(db_name_check("a b", DB_KIND_CLIENT, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(db_name_check("0123456789012345678901234567890123"
	    "4567890123456789012345678901234", DB_KIND_CLIENT, err,
	    sizeof(err)), -1);	/* 65 characters */
	db_time_fmt(0, s);
	ck_assert_str_eq(s, "1970-01-01T00:00:00Z");
	ck_assert_int_eq(db_time_parse("2038-01-19T03:14:08Z", &t), 0);
	ck_assert_int_eq(t, 2147483648LL);
	ck_assert_int_eq(db_time_parse("2038-01-19 03:14:08Z", &t), -1);
	ck_assert_int_eq(db_time_parse("2038-01-19T03:14:08", &t), -1);
	ck_assert_int_eq(db_reason_code("keyCompromise"), 1);
	ck_assert_int_eq(db_reason_code("superseded"), 4);
	ck_assert_int_eq(db_reason_code("removeFromCRL"), -1);
}
END_TEST

/* --- profiles ----------------------------------------------------------- */

#define CA_PEM	"-----BEGIN CERTIFICATE-----\nQ0E=\n-----END CERTIFICATE-----\n"
#define CRT_PEM	"-----BEGIN CERTIFICATE-----\nQ1JU\n-----END CERTIFICATE-----\n"
#define KEY_PEM	"-----BEGIN PRIVATE KEY-----\nS0VZ\n-----END PRIVATE KEY-----\n"
#define TA_TXT	"-----BEGIN OpenVPN Static key V1-----\n00ff\n" \
		"-----END OpenVPN Static key V1-----\n"

/* Is line a whole line of text (not commented out)? */
static int
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p += n;
	}
	return 0;
}

/* Does any non-comment line start with word (a directive)? */
static int
has_directive(const char *text, const char *word)
{
	size_t n = strlen(word);
	const char *p = text;

	for (; *p != '\0'; p = strchr(p, '\n') + 1) {
		if (strncmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\n'))
			return 1;
		if (strchr(p, '\n') == NULL)
			break;
	}
	return 0;
}

static char *
render_wrap(enum profile_os os, const struct profile_remote *r, size_t n,
    const char *auth, enum profile_wrap w, const char *key, char *err,
    size_t errlen)
{
	struct profile p = {
		.name = "client1", .os = os, .remotes = r, .nremotes = n,
		.auth = auth, .ca_pem = CA_PEM, .cert_pem = CRT_PEM,
		.key_pem = KEY_PEM, .wrap = w, .wrap_key = key,
		.comment = "serial 01",
	};

	return profile_render(&p, err, errlen);
}

static char *
render(enum profile_os os, const struct profile_remote *r, size_t n,
    const char *auth)
{
	char err[256] = "", *t;

	t = render_wrap(os, r, n, auth, PROFILE_TLS_AUTH, TA_TXT, err,
	    sizeof(err));
	ck_assert_msg(t != NULL, "%s", err);
	return t;
}

START_TEST(profile_common)
{
	static const char *const common[] = {
		"client", "dev tun", "remote 10.99.1.1 1194 udp",
		"resolv-retry infinite", "nobind", "persist-key",
		"persist-tun", "remote-cert-tls server", "auth SHA256",
		"key-direction 1", "verb 3",
	};
	struct profile_remote r;
	char err[256], *t;
	size_t i;
	int os;

	ck_assert_int_eq(profile_remote_parse("10.99.1.1:1194/udp", &r, err,
	    sizeof(err)), 0);
	for (os = PROFILE_LINUX; os <= PROFILE_IOS; os++) {
		t = render((enum profile_os)os, &r, 1, "SHA256");
		for (i = 0; i < sizeof(common) / sizeof(common[0]); i++)
			ck_assert_msg(has_line(t, common[i]), "%s: no \"%s\"",
			    profile_os_str((enum profile_os)os), common[i]);
		ck_assert_ptr_nonnull(strstr(t, "<ca>\n" CA_PEM "</ca>\n"));
		ck_assert_ptr_nonnull(strstr(t, "<cert>\n" CRT_PEM
		    "</cert>\n"));
		ck_assert_ptr_nonnull(strstr(t, "<key>\n" KEY_PEM "</key>\n"));
		ck_assert_ptr_nonnull(strstr(t, "<tls-auth>\n" TA_TXT
		    "</tls-auth>\n"));
		ck_assert(!has_directive(t, "remote-random"));
		ck_assert(!has_directive(t, "ns-cert-type"));
		ck_assert(!has_directive(t, "tls-crypt"));
		ck_assert(!has_directive(t, "proto"));
		ck_assert(!has_directive(t, "ca"));	/* inline only */
		ck_assert(!has_directive(t, "cert"));
		ck_assert(!has_directive(t, "key"));
		ck_assert(!has_directive(t, "tls-auth"));
		free(t);
	}
}
END_TEST

START_TEST(profile_platforms)
{
	struct profile_remote r;
	char err[256], *t;
	int os;

	ck_assert_int_eq(profile_remote_parse("vpn.example.com", &r, err,
	    sizeof(err)), 0);

	t = render(PROFILE_LINUX, &r, 1, "SHA256");
	ck_assert(has_line(t, "script-security 2"));
	ck_assert(has_line(t, "up /etc/openvpn/update-resolv-conf"));
	ck_assert(has_line(t, "down /etc/openvpn/update-resolv-conf"));
	ck_assert(has_line(t, "#up /etc/openvpn/update-systemd-resolved"));
	ck_assert(!has_directive(t, "block-outside-dns"));
	ck_assert(!has_directive(t, "down-pre"));
	free(t);

	t = render(PROFILE_WINDOWS, &r, 1, "SHA256");
	ck_assert(has_line(t, "block-outside-dns"));
	ck_assert(!has_directive(t, "script-security"));
	ck_assert(!has_directive(t, "up"));
	ck_assert(!has_directive(t, "down"));
	free(t);

	for (os = PROFILE_MACOS; os <= PROFILE_IOS; os++) {
		t = render((enum profile_os)os, &r, 1, "SHA256");
		ck_assert(!has_directive(t, "script-security"));
		ck_assert(!has_directive(t, "up"));
		ck_assert(!has_directive(t, "down"));
		ck_assert(!has_directive(t, "block-outside-dns"));
		ck_assert(strstr(t, "update-resolv-conf") == NULL);
		free(t);
	}
}
END_TEST

START_TEST(profile_remotes_and_auth)
{
	struct profile_remote r[3];
	struct profile p;
	char err[256], *t;

	ck_assert_int_eq(profile_remote_parse("gw1.example.com:1194/udp",
	    &r[0], err, sizeof(err)), 0);
	ck_assert_int_eq(profile_remote_parse("gw2.example.com:443/tcp",
	    &r[1], err, sizeof(err)), 0);
	ck_assert_int_eq(profile_remote_parse("[2001:db8::7]", &r[2], err,
	    sizeof(err)), 0);
	t = render(PROFILE_ANDROID, r, 3, "SHA1");
	ck_assert_ptr_nonnull(strstr(t, "remote gw1.example.com 1194 udp\n"
	    "remote gw2.example.com 443 tcp\nremote 2001:db8::7 1194 udp\n"
	    "remote-random\n"));
	ck_assert(has_line(t, "auth SHA1"));
	ck_assert(!has_line(t, "auth SHA256"));
	free(t);

	/* no remote; a block that would close early; an empty block */
	memset(&p, 0, sizeof(p));
	p.name = "x";
	p.auth = "SHA256";
	p.ca_pem = CA_PEM;
	p.cert_pem = CRT_PEM;
	p.key_pem = KEY_PEM;
	p.wrap_key = TA_TXT;
	ck_assert_ptr_null(profile_render(&p, err, sizeof(err)));
	p.remotes = r;
	p.nremotes = 1;
	p.cert_pem = "x\n</cert>\nup /tmp/evil\n";
	ck_assert_ptr_null(profile_render(&p, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "<cert>"));
	p.cert_pem = "";
	ck_assert_ptr_null(profile_render(&p, err, sizeof(err)));
	/* a block without its final newline still closes on its own line */
	p.cert_pem = "-----BEGIN CERTIFICATE-----";
	t = profile_render(&p, err, sizeof(err));
	ck_assert_ptr_nonnull(t);
	ck_assert_ptr_nonnull(strstr(t, "-----BEGIN CERTIFICATE-----\n"
	    "</cert>\n"));
	free(t);
}
END_TEST

#define V2C_PEM	"-----BEGIN OpenVPN tls-crypt-v2 client key-----\nVjI=\n" \
		"-----END OpenVPN tls-crypt-v2 client key-----\n"

START_TEST(profile_wraps)
{
	static const struct {
		enum profile_wrap	 w;
		const char		*name, *key, *block;
	} wraps[] = {
		{ PROFILE_TLS_AUTH, "tls-auth", TA_TXT,
		    "<tls-auth>\n" TA_TXT "</tls-auth>\n" },
		{ PROFILE_TLS_CRYPT, "tls-crypt", TA_TXT,
		    "<tls-crypt>\n" TA_TXT "</tls-crypt>\n" },
		{ PROFILE_TLS_CRYPT_V2, "tls-crypt-v2", V2C_PEM,
		    "<tls-crypt-v2>\n" V2C_PEM "</tls-crypt-v2>\n" },
	};
	struct profile_remote r;
	enum profile_wrap w;
	char err[256], *t;
	size_t i;

	ck_assert_int_eq(profile_remote_parse("10.99.1.1", &r, err,
	    sizeof(err)), 0);
	for (i = 0; i < sizeof(wraps) / sizeof(wraps[0]); i++) {
		ck_assert_int_eq(profile_wrap_parse(wraps[i].name, &w, err,
		    sizeof(err)), 0);
		ck_assert_int_eq(w, wraps[i].w);
		ck_assert_str_eq(profile_wrap_str(w), wraps[i].name);
		t = render_wrap(PROFILE_IOS, &r, 1, "SHA256", w, wraps[i].key,
		    err, sizeof(err));
		ck_assert_msg(t != NULL, "%s", err);
		ck_assert_ptr_nonnull(strstr(t, wraps[i].block));
		/* key-direction belongs to tls-auth only */
		ck_assert_int_eq(has_line(t, "key-direction 1"),
		    w == PROFILE_TLS_AUTH);
		ck_assert_int_eq(strstr(t, "<tls-auth>") != NULL,
		    w == PROFILE_TLS_AUTH);
		ck_assert_int_eq(strstr(t, "<tls-crypt>") != NULL,
		    w == PROFILE_TLS_CRYPT);
		ck_assert_int_eq(strstr(t, "<tls-crypt-v2>") != NULL,
		    w == PROFILE_TLS_CRYPT_V2);
		ck_assert(has_line(t, "auth SHA256"));
		free(t);
	}
	ck_assert_int_eq(profile_wrap_parse("TLS-Crypt", &w, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(w, PROFILE_TLS_CRYPT);
	ck_assert_int_eq(profile_wrap_parse("tls-crypt-v3", &w, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "--wrap"));
	ck_assert_int_eq(profile_wrap_parse("secret", &w, err,
	    sizeof(err)), -1);
	/* a key that would close its block early */
	ck_assert_ptr_null(render_wrap(PROFILE_LINUX, &r, 1, "SHA256",
	    PROFILE_TLS_CRYPT_V2, "x\n</tls-crypt-v2>\nup /tmp/evil\n", err,
	    sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "<tls-crypt-v2>"));
}
END_TEST

static Suite *
mcnca_suite(void)
{
	Suite *s = suite_create("mcnca");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, remote_forms);
	tcase_add_test(tc, remote_rejects);
	tcase_add_test(tc, auth_and_os);
	tcase_add_test(tc, db_round_trip);
	tcase_add_test(tc, db_save_load);
	tcase_add_test(tc, db_corrupt);
	tcase_add_test(tc, names_and_times);
	tcase_add_test(tc, profile_common);
	tcase_add_test(tc, profile_platforms);
	tcase_add_test(tc, profile_remotes_and_auth);
	tcase_add_test(tc, profile_wraps);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, mcnca_tcase_wrapkey());
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(mcnca_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
