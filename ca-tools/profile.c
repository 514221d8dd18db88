/*
 * Client profiles.  Every profile holds what the OpenVPN 2.6 client and
 * OpenVPN Connect (openvpn3) need to reach mycrypnetd: the same "auth"
 * digest as the server (it is neither negotiated nor pushable, spec
 * §2.2), the control-channel key the server expects (tls-auth with
 * key-direction 1 against the server's 0, tls-crypt, or a tls-crypt-v2
 * client key), and "remote-cert-tls server" (which the server
 * certificate satisfies with keyUsage + EKU serverAuth, spec §13).  The per-platform lines differ
 * only where a client would otherwise fail or leak; doc/profiles.md has
 * the reasons.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "profile.h"

static const char *const os_names[] = {
	[PROFILE_LINUX] = "linux",
	[PROFILE_WINDOWS] = "windows",
	[PROFILE_MACOS] = "macos",
	[PROFILE_ANDROID] = "android",
	[PROFILE_IOS] = "ios",
};

#define NOS	(sizeof(os_names) / sizeof(os_names[0]))

static const char *const wrap_names[PROFILE_NWRAPS] = {
	[PROFILE_TLS_AUTH] = "tls-auth",
	[PROFILE_TLS_CRYPT] = "tls-crypt",
	[PROFILE_TLS_CRYPT_V2] = "tls-crypt-v2",
};

/* The index of s in names (case-insensitive), or -1. */
static int
name_index(const char *const *names, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(s, names[i]) == 0)
			return (int)i;
	return -1;
}

int
profile_os_parse(const char *s, enum profile_os *os, char *err,
    size_t errlen)
{
	int i;

	if ((i = name_index(os_names, NOS, s)) >= 0) {
		*os = (enum profile_os)i;
		return 0;
	}
	snprintf(err, errlen, "unknown --os \"%s\" (linux, windows, macos, "
	    "android, ios)", s);
	return -1;
}

const char *
profile_os_str(enum profile_os os)
{
	return (size_t)os < NOS ? os_names[os] : "?";
}

int
profile_wrap_parse(const char *s, enum profile_wrap *w, char *err,
    size_t errlen)
{
	int i;

	if ((i = name_index(wrap_names, PROFILE_NWRAPS, s)) >= 0) {
		*w = (enum profile_wrap)i;
		return 0;
	}
	snprintf(err, errlen, "unknown --wrap \"%s\" (tls-auth, tls-crypt, "
	    "tls-crypt-v2)", s);
	return -1;
}

const char *
profile_wrap_str(enum profile_wrap w)
{
	return (size_t)w < PROFILE_NWRAPS ? wrap_names[w] : "?";
}

/* A DNS name or an IPv4 address as OpenVPN's "remote" takes it. */
static int
hostname_ok(const char *h, size_t n)
{
	size_t i;

	if (n == 0 || n > PROFILE_HOST_MAX || h[0] == '-' || h[0] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)h[i];

		if (!isalnum(c) && c != '.' && c != '-' && c != '_')
			return 0;
		if (c == '.' && i + 1 < n && h[i + 1] == '.')
			return 0;
	}
	return 1;
}

static int
ipv6_ok(const char *h, size_t n)
{
	char buf[INET6_ADDRSTRLEN + 1];
	unsigned char a[16];

	if (n == 0 || n >= sizeof(buf))
		return 0;
	memcpy(buf, h, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, a) == 1;
}

static int
port_parse(const char *p, size_t n, unsigned *port)
{
	unsigned v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return -1;
		v = v * 10 + (unsigned)(p[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = v;
	return 0;
}

int
profile_remote_parse(const char *s, struct profile_remote *r, char *err,
    size_t errlen)
{
	const char *slash, *host, *colon, *end, *rb;
	size_t hostlen, len;
	int v6 = 0;

	memset(r, 0, sizeof(*r));
	r->port = PROFILE_PORT_DEFAULT;
	snprintf(r->proto, sizeof(r->proto), "udp");
	len = strlen(s);
	if ((slash = strchr(s, '/')) != NULL) {
		if (strcasecmp(slash + 1, "udp") == 0)
			snprintf(r->proto, sizeof(r->proto), "udp");
		else if (strcasecmp(slash + 1, "tcp") == 0)
			snprintf(r->proto, sizeof(r->proto), "tcp");
		else
			goto bad_proto;
		len = (size_t)(slash - s);
	}
	end = s + len;
	if (len > 0 && s[0] == '[') {
		if ((rb = memchr(s, ']', len)) == NULL)
			goto bad_host;
		host = s + 1;
		hostlen = (size_t)(rb - host);
		v6 = 1;
		colon = rb + 1 < end ? rb + 1 : NULL;
		if (colon != NULL && *colon != ':')
			goto bad_host;
	} else {
		host = s;
		colon = memchr(s, ':', len);
		/* Two colons or more: a bare IPv6 address, no port. */
		if (colon != NULL && memchr(colon + 1, ':',
		    (size_t)(end - colon - 1)) != NULL) {
			colon = NULL;
			v6 = 1;
		}
		hostlen = colon != NULL ? (size_t)(colon - s) : len;
	}
	if (v6 ? !ipv6_ok(host, hostlen) : !hostname_ok(host, hostlen))
		goto bad_host;
	memcpy(r->host, host, hostlen);
	r->host[hostlen] = '\0';
	if (colon != NULL && port_parse(colon + 1,
	    (size_t)(end - colon - 1), &r->port) == -1) {
		snprintf(err, errlen, "--remote \"%s\": the port must be a "
		    "number from 1 to 65535", s);
		return -1;
	}
	return 0;
bad_proto:
	snprintf(err, errlen, "--remote \"%s\": the protocol after '/' must "
	    "be udp or tcp", s);
	return -1;
bad_host:
	snprintf(err, errlen, "--remote \"%s\": not HOST[:PORT][/udp|tcp] "
	    "(HOST: a DNS name, an IPv4 address, or an IPv6 address in [])",
	    s);
	return -1;
}

int
profile_auth_parse(const char *s, char out[8], char *err, size_t errlen)
{
	/* What mycrypnetd's "auth" accepts (server/cfg_set.c). */
	static const char *const ok[] = { "SHA1", "SHA256", "SHA512" };
	int i;

	if ((i = name_index(ok, sizeof(ok) / sizeof(ok[0]), s)) >= 0) {
		snprintf(out, 8, "%s", ok[i]);
		return 0;
	}
	snprintf(err, errlen, "--auth \"%s\" is not one of SHA1, SHA256, "
	    "SHA512 (it must equal the server's auth)", s);
	return -1;
}

/* An inline block: the text must end its lines and must not close the
 * block early. */
static int
put_block(FILE *f, const char *tag, const char *text, char *err,
    size_t errlen)
{
	size_t n = text != NULL ? strlen(text) : 0;

	if (n == 0 || strstr(text, "</") != NULL) {
		snprintf(err, errlen, "the <%s> contents are empty or contain "
		    "\"</\"", tag);
		return -1;
	}
	fprintf(f, "<%s>\n%s%s</%s>\n", tag, text,
	    text[n - 1] == '\n' ? "" : "\n", tag);
	return 0;
}

static void
put_platform(FILE *f, enum profile_os os)
{
	switch (os) {
	case PROFILE_LINUX:
		fputs("# DNS: Debian's openvpn package runs this script, "
		    "which hands the DNS servers\n"
		    "# the server pushes to resolvconf (it does nothing "
		    "when resolvconf is absent).\n"
		    "script-security 2\n"
		    "up /etc/openvpn/update-resolv-conf\n"
		    "down /etc/openvpn/update-resolv-conf\n"
		    "# With systemd-resolved instead (Debian package "
		    "openvpn-systemd-resolved),\n"
		    "# replace the two lines above by:\n"
		    "#up /etc/openvpn/update-systemd-resolved\n"
		    "#down /etc/openvpn/update-systemd-resolved\n"
		    "#down-pre\n"
		    "#dhcp-option DOMAIN-ROUTE .\n", f);
		break;
	case PROFILE_WINDOWS:
		fputs("# Windows asks every interface's DNS server; keep "
		    "queries in the tunnel.\n"
		    "block-outside-dns\n", f);
		break;
	case PROFILE_MACOS:
		fputs("# Tunnelblick or OpenVPN Connect set DNS themselves: "
		    "no scripts here.\n", f);
		break;
	case PROFILE_ANDROID:
	case PROFILE_IOS:
		fputs("# OpenVPN Connect: everything inline, no scripts "
		    "(the app cannot run them).\n", f);
		break;
	}
}

char *
profile_render(const struct profile *p, char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *f;
	int ok = -1;

	if ((size_t)p->wrap >= PROFILE_NWRAPS) {
		snprintf(err, errlen, "unknown control-channel wrap");
		return NULL;
	}
	if (p->nremotes == 0 || p->nremotes > PROFILE_REMOTES_MAX) {
		snprintf(err, errlen, "a profile needs 1 to %d --remote",
		    PROFILE_REMOTES_MAX);
		return NULL;
	}
	if ((f = open_memstream(&text, &len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	fprintf(f, "# MyCrypNet client profile for \"%s\" (%s).\n", p->name,
	    profile_os_str(p->os));
	if (p->comment != NULL)
		fprintf(f, "# %s\n", p->comment);
	fputs("# It holds this client's private key: keep it secret.\n"
	    "client\n"
	    "dev tun\n", f);
	for (i = 0; i < p->nremotes; i++)
		fprintf(f, "remote %s %u %s\n", p->remotes[i].host,
		    p->remotes[i].port, p->remotes[i].proto);
	if (p->nremotes > 1)
		fputs("remote-random\n", f);
	fprintf(f, "resolv-retry infinite\n"
	    "nobind\n"
	    "persist-key\n"
	    "persist-tun\n"
	    "remote-cert-tls server\n"
	    "# Must equal the server's \"auth\": it is not negotiated.\n"
	    "auth %s\n", p->auth);
	/* tls-crypt(-v2) keys have fixed directions: no key-direction. */
	if (p->wrap == PROFILE_TLS_AUTH)
		fputs("key-direction 1\n", f);
	fputs("verb 3\n", f);
	put_platform(f, p->os);
	if (put_block(f, "ca", p->ca_pem, err, errlen) == -1 ||
	    put_block(f, "cert", p->cert_pem, err, errlen) == -1 ||
	    put_block(f, "key", p->key_pem, err, errlen) == -1 ||
	    put_block(f, profile_wrap_str(p->wrap), p->wrap_key, err,
	    errlen) == -1)
		goto out;
	ok = 0;
out:
	if (fclose(f) != 0 && ok == 0) {
		snprintf(err, errlen, "out of memory");
		ok = -1;
	}
	if (ok == -1) {
		free(text);
		return NULL;
	}
	return text;
}
