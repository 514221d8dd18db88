/*
 * Internal to the config module: the parse state shared by the driver
 * (cfg.c) and the directive handlers (cfg_set.c).
 */
#ifndef MCN_CFG_INT_H
#define MCN_CFG_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "cfg.h"

#define CFG_KEYDIR_NONE		(-1)	/* == TLSAUTH_DIR_NONE (tlsauth.h) */
#define CFG_MAX_DIRECTIVES	40	/* > entries in cfg_directives */
#define CFG_DEFAULT_CIPHERS	"AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305"

struct cfg_pstate {
	struct cfg	*cfg;
	const char	*name;		/* file name used in messages */
	const char	*basedir;	/* relative paths are taken from here */
	int		 line;		/* line of the directive being set */
	bool		 is_inline;	/* argv[1] is an inline block's body */
	int		 seen[CFG_MAX_DIRECTIVES];	/* first line, or 0 */
	int		 keydir_line;	/* line that set tls_auth_dir, or 0 */
	char		*err;
	size_t		 errlen;
};

/*
 * Writes "FILE:LINE: reason" into the caller's err ("FILE: reason" when
 * line is 0) and returns -1.
 */
int	cfg_perr(struct cfg_pstate *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif /* MCN_CFG_INT_H */
