#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vec.h"

const char *
vec_path(const char *rel)
{
	static char path[4096];
	const char *dir = getenv("MCN_VECTORS_DIR");

	if (dir == NULL)
		dir = VECTORS_DIR;
	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return path;
}

char *
vec_read(const char *rel, size_t *lenp)
{
	const char *path = vec_path(rel);
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		fprintf(stderr, "cannot read vector %s\n", path);
		abort();
	}
	rewind(f);
	if ((buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n)
		abort();
	buf[n] = '\0';
	fclose(f);
	if (lenp)
		*lenp = (size_t)n;
	return buf;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

size_t
vec_hex(const char *hex, uint8_t *buf, size_t cap)
{
	size_t n = 0;
	int hi = -1, v;

	for (; *hex; hex++) {
		if (isspace((unsigned char)*hex))
			continue;
		if ((v = hexval((unsigned char)*hex)) < 0) {
			fprintf(stderr, "bad hex digit '%c'\n", *hex);
			abort();
		}
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n >= cap)
			abort();
		buf[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0)
		abort();
	return n;
}

size_t
vec_hex_file(const char *rel, uint8_t *buf, size_t cap)
{
	char *text = vec_read(rel, NULL);
	size_t n = vec_hex(text, buf, cap);

	free(text);
	return n;
}
