/*
 * Shared pieces of the libFuzzer targets: key loading from the vectors.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "../unit/vec.h"
#include "fuzz.h"
#include "statickey.h"

void
fuzz_statickey(const char *rel, uint8_t key[256])
{
	char err[256], *text;
	size_t len;

	text = vec_read(rel, &len);
	if (statickey_parse(text, len, key, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s: %s\n", rel, err);
		abort();
	}
	free(text);
}
