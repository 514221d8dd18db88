/*
 * A fresh temporary directory per unit test, for the tests of code that
 * reads files (config, client-config-dir, pool file, loader).
 */
#ifndef MCN_TEST_TMPDIR_H
#define MCN_TEST_TMPDIR_H

/* The directory, as realpath() gives it: what the parsers print. */
extern char	tmpdir[256];

/* Makes $TMPDIR/PREFIX-XXXXXX (or under /tmp); a Check fixture's setup. */
void		 tmpdir_make(const char *prefix);
/* Removes it and everything in it, made writable first. */
void		 tmpdir_remove(void);
/* "tmpdir/name", in one of two static buffers used in turn. */
const char	*tmpdir_path(const char *name);
/* Writes s into tmpdir/name. */
void		 tmpdir_write(const char *name, const char *s);

#endif
