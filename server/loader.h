/*
 * The privileged loader: with `user` set, the daemon gives up root after
 * start-up and can no longer read what a reload re-reads (root's 0600
 * keys, a CRL in a closed directory).  Before the drop it forks this
 * small process, which keeps uid 0 but no capability other than
 * CAP_DAC_READ_SEARCH (read any file), and on each reload reads the
 * configuration for the daemon: the config file and the files it names,
 * recorded by the parser (cfg_files.h) and sent over a socketpair.  The
 * daemon parses that record, so the result and every error are those of
 * a parse from disk.
 *
 * What the loader reads is fixed when it starts: the config path given
 * then, and the files that file names.  A request carries no path, so a
 * compromised daemon can get nothing else out of it.  The loader runs no
 * TLS, no event loop and no worker: only the parser.  It exits when the
 * daemon closes the socket or dies (PR_SET_PDEATHSIG), and ignores the
 * signals meant for the daemon.
 *
 * Protocol: the daemon writes one byte; the loader answers one frame,
 *	u32 length (big-endian, of what follows), u8 status, payload
 * status OK carries the encoded set (empty for the "ready" frame the
 * loader sends once set up), status ERR a reason.
 */
#ifndef MCN_LOADER_H
#define MCN_LOADER_H

#include <stddef.h>
#include <sys/types.h>

#include "cfg.h"
#include "cfg_files.h"

#define LOADER_TIMEOUT_MS	10000	/* for one answer */
#define LOADER_GONE		"the privileged loader has exited; restart " \
				    "mycrypnetd to reload"

struct loader;

/*
 * Forks the loader for config_path and waits until it has set itself up.
 * Call while the process has one thread (fork copies only the caller)
 * and, for it to be of use, while still root.  NULL with the reason in
 * err on failure (not naming the loader: the caller does).
 */
struct loader	*loader_start(const char *config_path, char *err,
		    size_t errlen);

/*
 * Asks for the files of the configuration, now, and waits up to
 * LOADER_TIMEOUT_MS.  out is initialised here and must be freed with
 * cfg_files_free() whatever the result.  -1 with the reason in err; a
 * loader that exited, stopped answering or spoke out of turn is given up
 * for good, and every later call says so (LOADER_GONE for one that
 * exited).
 */
int		 loader_fetch(struct loader *, struct cfg_files *out,
		    char *err, size_t errlen);

/*
 * A reload's new configuration: through the loader (which must have been
 * started for path), or from disk when loader is NULL.  As cfg_load().
 */
struct cfg	*loader_load(struct loader *, const char *path, char *err,
		    size_t errlen);

pid_t		 loader_pid(const struct loader *);

/*
 * Closes the socket (the loader exits on it), kills it if we still may,
 * reaps it if it is gone within a second, and frees.  NULL is fine.  A
 * loader that cannot be killed or reaped dies with the daemon anyway.
 */
void		 loader_stop(struct loader *);

#endif /* MCN_LOADER_H */
