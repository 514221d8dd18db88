/*
 * Shared helpers of the test_tlscrypt program (test_tlscrypt.c,
 * test_tlscryptv2.c, test_ctlwrap.c).
 */
#ifndef MCN_TLSCRYPT_TEST_H
#define MCN_TLSCRYPT_TEST_H

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TT_MAXPKT	4096

/* Decodes a static key file under tests/vectors; fails the test if bad. */
void	tt_statickey(const char *rel, uint8_t key[256]);

/*
 * In an expected.txt file: finds the first line containing key after the
 * line starting with section (NULL: from the top), stopping at the next
 * "===" line, and decodes the first hex token after key (":" and blanks
 * skipped).  A trailing "..." sets *trunc (may be NULL).  Returns the byte
 * count; fails the test if not found.
 */
size_t	tt_exp_hex(const char *rel, const char *section, const char *key,
	    uint8_t *buf, size_t cap, bool *trunc);

TCase	*tt_tcase_tlscryptv2(void);
TCase	*tt_tcase_ctlwrap(void);

#endif
