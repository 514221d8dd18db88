/*
 * libFuzzer target: key-method-2 messages and peer-info (common/km2.c).
 *
 * The input is one TLS read as the control channel hands it over; it goes
 * to km2_parse_client() (what a client sends us), km2_parse_server() (the
 * load generator's side) and, as text, to peer_info_parse() and the cipher
 * negotiation that consumes it.
 *
 * Invariants (km2.h): the result is the bytes consumed (never more than
 * given), 0 "need more" or -1 with a one-line reason; 0 is impossible once
 * KM2_CLIENT_MAX bytes are there; every prefix of a complete message is
 * "need more", never malformed; a parsed message written back parses to
 * the same fields.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "ctlmsg.h"
#include "fuzz.h"
#include "km2.h"

/* Longest server message: head, randoms, options, three strings. */
#define KM2_SERVER_MAX	(4 + 1 + 32 + 32 + 2 + KM2_OPTIONS_MAX + \
			 2 * (2 + KM2_USER_MAX) + 2 + KM2_PEER_INFO_MAX)
#define SERVER_CIPHERS	"AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305"

static void
check_err(int rc, const char *err)
{
	if (rc == -1)
		FUZZ_ASSERT(err[0] != '\0' && strchr(err, '\n') == NULL);
}

static void
client_side(const uint8_t *p, size_t len, uint16_t cut)
{
	static struct km2_client c, c2;
	static uint8_t buf[KM2_CLIENT_MAX];
	struct peer_info pi;
	char err[256] = "", ncp[64];
	struct wbuf w;
	int n;

	n = km2_parse_client(p, len, &c, err, sizeof(err));
	check_err(n, err);
	FUZZ_ASSERT(n >= -1 && (n <= 0 || (size_t)n <= len));
	if (len >= KM2_CLIENT_MAX)
		FUZZ_ASSERT(n != 0);
	if (n <= 0)
		return;
	FUZZ_ASSERT(memchr(c.options, '\0', sizeof(c.options)) != NULL &&
	    memchr(c.username, '\0', sizeof(c.username)) != NULL &&
	    memchr(c.peer_info, '\0', sizeof(c.peer_info)) != NULL);
	/* Prefixes: the last byte missing, and one cut from the input. */
	FUZZ_ASSERT(km2_parse_client(p, (size_t)n - 1, &c2, err,
	    sizeof(err)) == 0);
	FUZZ_ASSERT(km2_parse_client(p, cut % (size_t)n, &c2, err,
	    sizeof(err)) == 0);

	/* Written back (without auth-user-pass) it parses the same. */
	if (c.options[0] != '\0') {
		wbuf_init(&w, buf, sizeof(buf));
		FUZZ_ASSERT(km2_write_client(&w, c.pre_master, c.random1,
		    c.random2, c.options, c.peer_info) == 0);
		FUZZ_ASSERT(km2_parse_client(buf, w.len, &c2, err,
		    sizeof(err)) == (int)w.len);
		FUZZ_ASSERT(memcmp(c2.pre_master, c.pre_master, 48) == 0 &&
		    memcmp(c2.random1, c.random1, 32) == 0 &&
		    memcmp(c2.random2, c.random2, 32) == 0 &&
		    strcmp(c2.options, c.options) == 0 &&
		    strcmp(c2.peer_info, c.peer_info) == 0);
	}

	/* What the server does next with it. */
	FUZZ_ASSERT(peer_info_parse(c.peer_info, &pi) == 0);
	if (ncp_select(SERVER_CIPHERS, &pi, c.options, "AES-256-CBC", ncp,
	    sizeof(ncp)) == 0)
		FUZZ_ASSERT(strstr(SERVER_CIPHERS, ncp) != NULL ||
		    strcmp(ncp, "AES-256-CBC") == 0);
}

static void
server_side(const uint8_t *p, size_t len, uint16_t cut)
{
	uint8_t r1[32], r2[32];
	char opt[KM2_OPTIONS_MAX], opt2[KM2_OPTIONS_MAX], err[256] = "";
	int n;

	n = km2_parse_server(p, len, r1, r2, opt, sizeof(opt), err,
	    sizeof(err));
	check_err(n, err);
	FUZZ_ASSERT(n >= -1 && (n <= 0 || (size_t)n <= len));
	if (len >= KM2_SERVER_MAX)
		FUZZ_ASSERT(n != 0);
	if (n <= 0)
		return;
	FUZZ_ASSERT(memchr(opt, '\0', sizeof(opt)) != NULL);
	FUZZ_ASSERT(km2_parse_server(p, cut % (size_t)n, r1, r2, opt2,
	    sizeof(opt2), err, sizeof(err)) == 0);
}

static void
peer_info_text(const uint8_t *p, size_t len)
{
	static char text[KM2_CLIENT_MAX + 1];
	struct peer_info pi;
	char ncp[64];

	if (len > KM2_CLIENT_MAX)
		len = KM2_CLIENT_MAX;
	memcpy(text, p, len);
	text[len] = '\0';
	FUZZ_ASSERT(peer_info_parse(text, &pi) == 0);
	FUZZ_ASSERT(memchr(pi.ver, '\0', sizeof(pi.ver)) != NULL &&
	    memchr(pi.plat, '\0', sizeof(pi.plat)) != NULL &&
	    memchr(pi.ciphers, '\0', sizeof(pi.ciphers)) != NULL &&
	    memchr(pi.gui_ver, '\0', sizeof(pi.gui_ver)) != NULL);
	FUZZ_ASSERT(pi.ncp >= 0 && pi.mtu >= 0);
	if (ncp_select(SERVER_CIPHERS, &pi, text, NULL, ncp,
	    sizeof(ncp)) == 0)
		FUZZ_ASSERT(strstr(SERVER_CIPHERS, ncp) != NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint16_t cut = 0;

	/* The first two bytes also choose where to cut a prefix. */
	if (size >= 2)
		cut = (uint16_t)(data[0] << 8 | data[1]);
	client_side(data, size, cut);
	server_side(data, size, cut);
	peer_info_text(data, size);
	return 0;
}
