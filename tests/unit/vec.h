/*
 * Helpers for unit tests: load captured vectors from tests/vectors/.
 */
#ifndef MCN_TEST_VEC_H
#define MCN_TEST_VEC_H

#include <stddef.h>
#include <stdint.h>

/* Absolute path of a file under tests/vectors (static buffer). */
const char	*vec_path(const char *rel);
/* Reads a whole file; NUL-terminated; caller frees.  Aborts on error. */
char		*vec_read(const char *rel, size_t *len);
/* Decodes a .hex file (whitespace ignored) into buf; returns the length. */
size_t		 vec_hex_file(const char *rel, uint8_t *buf, size_t cap);
/* Decodes a hex string (whitespace ignored); returns the length. */
size_t		 vec_hex(const char *hex, uint8_t *buf, size_t cap);

#endif
