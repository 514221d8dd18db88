/*
 * Files of the CA database: whole-file reads, atomic replacement, the
 * database lock.
 */
#ifndef MCN_AFILE_H
#define MCN_AFILE_H

#include <stddef.h>
#include <sys/types.h>

#define AFILE_MAX	(4u << 20)	/* no database file is larger */

/*
 * Reads a whole regular file of at most AFILE_MAX bytes; the result is
 * NUL-terminated (not counted in *len) and the caller frees it.
 */
int	afile_read(const char *path, char **data, size_t *len,
	    char *err, size_t errlen);

/*
 * Replaces path with data, so a reader (or a crash) sees either the old
 * or the new file, never a mixture: a temporary file in the same
 * directory is written, fsync'ed and renamed over path, then the
 * directory is fsync'ed so the rename itself is durable.  The file gets
 * mode (not masked by the umask).
 */
int	afile_write(const char *path, const void *data, size_t len,
	    mode_t mode, char *err, size_t errlen);

/* Creates a directory with mode if it does not exist; an existing one
 * must be a directory. */
int	afile_mkdir(const char *path, mode_t mode, char *err, size_t errlen);

/* 1 if path exists (any type), 0 if not, -1 on another error. */
int	afile_exists(const char *path, char *err, size_t errlen);

/*
 * Takes the database lock (DIR/.lock, flock): exclusive for commands
 * that write, shared for readers.  Waits, saying so once on stderr, if
 * another mcnca holds it.  Returns the descriptor that holds the lock
 * (released by close or exit) or -1.
 */
int	afile_lock(const char *dir, int exclusive, char *err, size_t errlen);

/* Joins dir and a relative name into out; -1 if it does not fit. */
int	afile_join(char *out, size_t cap, const char *dir, const char *rel);

#endif /* MCN_AFILE_H */
