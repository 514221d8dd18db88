/*
 * libFuzzer target for the config parser (syntax, inline blocks, every
 * directive handler).  File arguments resolve under a directory that does
 * not exist, so only the inline forms reach the key and PEM checks.
 *
 * Built by ./configure CC=clang --enable-fuzzing, run by `make fuzz-smoke`
 * with cfg.dict (tests/fuzz/README); cfg.dict wants a line for each new
 * directive.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[512], *text;
	struct cfg *c;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';	/* cfg_parse takes a string: stops at a NUL */
	c = cfg_parse("fuzz.conf", text, "/nonexistent", err, sizeof(err));
	if (c == NULL && (err[0] == '\0' || strchr(err, '\n') != NULL))
		abort();	/* an error is always one non-empty line */
	cfg_free(c);
	free(text);
	return 0;
}
