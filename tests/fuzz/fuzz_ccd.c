/*
 * libFuzzer target for client-config-dir files (ccd_parse over cfg_lex),
 * against the server subnet 10.8.0.0/24.  Beyond "no crash", it checks
 * what ccd.h promises of an accepted file.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Icommon -Iserver \
 *     tests/fuzz/fuzz_ccd.c server/ccd.c server/cfg_lex.c -o fuzz_ccd
 *   ./fuzz_ccd tests/fuzz/corpus/fuzz_ccd
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ccd.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in_addr net = { htonl(0x0a080000) };
	struct in_addr mask = { htonl(0xffffff00) };
	char err[512], *text;
	struct ccd c;
	uint32_t a, n, m;
	size_t i, j;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	err[0] = '\0';
	if (ccd_parse("fuzz", text, net, mask, &c, err, sizeof(err)) == -1) {
		/* One non-empty line, and nothing half-parsed kept. */
		FUZZ_ASSERT(err[0] != '\0' && strchr(err, '\n') == NULL);
		FUZZ_ASSERT(c.path == NULL && c.push == NULL &&
		    c.iroute == NULL && c.npush == 0 && c.niroute == 0);
		free(text);
		return 0;
	}
	FUZZ_ASSERT(c.path != NULL && strcmp(c.path, "fuzz") == 0);
	if (c.has_ifconfig) {
		a = ntohl(c.ifconfig_addr.s_addr);
		FUZZ_ASSERT(c.ifconfig_mask.s_addr == mask.s_addr);
		FUZZ_ASSERT((a & 0xffffff00) == 0x0a080000);
		FUZZ_ASSERT((a & 0xff) >= 2 && (a & 0xff) <= 254);
	}
	FUZZ_ASSERT(c.npush <= CCD_MAX_PUSH && c.niroute <= CCD_MAX_IROUTE);
	for (i = 0; i < c.npush; i++)
		FUZZ_ASSERT(c.push[i][0] != '\0' &&
		    strchr(c.push[i], ',') == NULL && strlen(c.push[i]) <= 255);
	for (i = 0; i < c.niroute; i++) {
		n = ntohl(c.iroute[i].net.s_addr);
		m = ntohl(c.iroute[i].mask.s_addr);
		FUZZ_ASSERT((n & ~m) == 0);
		FUZZ_ASSERT(c.iroute[i].prefix == __builtin_popcount(m));
		/* No overlap with the tunnel subnet, no duplicates. */
		FUZZ_ASSERT((n & m & 0xffffff00) != (0x0a080000 & m));
		for (j = 0; j < i; j++)
			FUZZ_ASSERT(c.iroute[j].net.s_addr !=
			    c.iroute[i].net.s_addr ||
			    c.iroute[j].prefix != c.iroute[i].prefix);
	}
	ccd_free(&c);
	free(text);
	return 0;
}
