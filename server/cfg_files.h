/*
 * The files one parse of the configuration read: the config file and
 * every file a directive names (ca, cert, key, crl-verify, tls-auth...),
 * each with its contents or the reason it could not be read.
 *
 * It is what the privileged loader (loader.h) hands the daemon on a
 * reload: the loader parses with CFG_READ_RECORD, which reads from disk
 * and records; the daemon, no longer able to read root's keys, parses the
 * same path with CFG_READ_REPLAY, which reads nothing and serves the
 * records.  Both parses see the same bytes and the same failures, so they
 * give the same struct cfg or the same error, word for word.
 *
 * Invariants: paths are unique in a set; an entry has text (NUL-terminated,
 * no other NUL) or a reason, never both; the texts together never pass
 * limit bytes.
 */
#ifndef MCN_CFG_FILES_H
#define MCN_CFG_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "cfg.h"

#define CFG_FILES_MAX_TOTAL	(64 * 1024 * 1024)	/* all texts */
/* The parser reads the config file and at most one file per directive,
 * and no directive that names a file may repeat. */
#define CFG_FILES_MAX_ENTRIES	128
#define CFG_FILES_MAX_PATH	4096
#define CFG_FILES_MAX_REASON	256
/* The largest encoded set: a count, the base directory and the entries,
 * each a kind byte and two lengths around its path and text or reason. */
#define CFG_FILES_ENTRY_WIRE	(1 + 4 + CFG_FILES_MAX_PATH + 4 + \
				    CFG_FILES_MAX_REASON)
#define CFG_FILES_MAX_WIRE	((size_t)4 + (CFG_FILES_MAX_ENTRIES + 1) * \
				    (size_t)CFG_FILES_ENTRY_WIRE + \
				    CFG_FILES_MAX_TOTAL)

struct cfg_file {
	char	*path;
	char	*text;		/* contents; NULL when it could not be read */
	size_t	 len;
	char	*reason;	/* why not, in cfg_lex_read_file()'s words */
};

struct cfg_files {
	struct cfg_file	*v;
	size_t		 n;
	size_t		 total;		/* bytes of text held */
	size_t		 limit;		/* CFG_FILES_MAX_TOTAL (tests lower) */
	/*
	 * The config file's directory: path as written (".", "/etc/x"),
	 * text the realpath() the loader resolved, or reason.  Replayed
	 * rather than resolved again: the daemon may not be allowed to.
	 */
	struct cfg_file	 basedir;
};

void	cfg_files_init(struct cfg_files *);
/* Wipes the texts (keys among them) and empties the set. */
void	cfg_files_free(struct cfg_files *);

/*
 * Reads path the way how says: CFG_READ_DISK reads it (files may be
 * NULL); CFG_READ_RECORD serves a path already in files, else reads it
 * and records the contents or the failure; CFG_READ_REPLAY serves only
 * what files holds, and a path it lacks is "not read by the loader".
 * Returns 0 with a malloc'd NUL-terminated *text, or -1 with the reason
 * (not naming the file) in err, as cfg_lex_read_file().
 */
int	cfg_files_read(struct cfg_files *, enum cfg_read how, const char *path,
	    char **text, size_t *len, char *err, size_t errlen);

/*
 * Records the base directory: resolved (text) or the reason it could not
 * be (text NULL).  -1 when out of memory.
 */
int	cfg_files_set_basedir(struct cfg_files *, const char *dir,
	    const char *resolved, const char *reason);

/*
 * The wire form, for the loader's socket: big-endian lengths, see
 * cfg_files.c.  encode returns a malloc'd buffer of at most
 * CFG_FILES_MAX_WIRE bytes (free it with cfg_files_wipe, it holds keys);
 * decode fills an initialised, empty set and checks every invariant
 * above, returning -1 with the reason in err on any violation (and
 * leaving the set empty).
 */
int	cfg_files_encode(const struct cfg_files *, uint8_t **buf,
	    size_t *len);
int	cfg_files_decode(struct cfg_files *, const uint8_t *buf, size_t len,
	    char *err, size_t errlen);
void	cfg_files_wipe(uint8_t *buf, size_t len);

#endif /* MCN_CFG_FILES_H */
