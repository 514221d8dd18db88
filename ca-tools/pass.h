/*
 * The CA passphrase: from --pass-file, MCNCA_PASS, or a prompt on the
 * terminal with echo off, in that order.
 */
#ifndef MCN_PASS_H
#define MCN_PASS_H

#include <stddef.h>

#define PASS_MAX	1024	/* bytes, excluding the NUL */
#define PASS_MIN	8	/* for a new CA key */
#define PASS_ENV	"MCNCA_PASS"

/*
 * Fills out (cap > PASS_MAX) with the passphrase.  pass_file: its first
 * line (without the newline).  is_new: the passphrase will protect a new
 * key, so a prompt asks twice and every source must give at least
 * PASS_MIN bytes.  Returns its length or -1.
 */
int	pass_get(const char *pass_file, int is_new, char *out, size_t cap,
	    char *err, size_t errlen);

/* Wipes a passphrase buffer (not optimised away). */
void	pass_wipe(char *buf, size_t cap);

#endif /* MCN_PASS_H */
