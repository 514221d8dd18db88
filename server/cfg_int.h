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
#define CFG_MAX_DIRECTIVES	64	/* > entries in cfg_directives */
#define CFG_DEFAULT_CIPHERS	"AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305"

struct cfg_pstate {
	struct cfg	*cfg;
	const char	*name;		/* file name used in messages */
	const char	*basedir;	/* relative paths are taken from here */
	enum cfg_read	 how;		/* how files are read (cfg_files.h) */
	struct cfg_files *files;
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

/* Shared by the directive handlers (cfg_set.c, cfg_policy.c). */
int	cfg_num_arg(struct cfg_pstate *, const char *what, const char *s,
	    long min, long max, int *out);
int	cfg_load_text(struct cfg_pstate *, const char *what, const char *arg,
	    char **text, size_t *len, char **pathp);
void	cfg_free_secret(char *);

/* cfg_policy.c: renegotiation, TLS, control-channel protection, session
 * policy. */
int	cfg_set_tran_window(struct cfg_pstate *, int, char **);
int	cfg_set_reneg_bytes(struct cfg_pstate *, int, char **);
int	cfg_set_reneg_pkts(struct cfg_pstate *, int, char **);
int	cfg_set_data_ciphers_fallback(struct cfg_pstate *, int, char **);
int	cfg_set_tls_version_min(struct cfg_pstate *, int, char **);
int	cfg_set_tls_cipher(struct cfg_pstate *, int, char **);
int	cfg_set_tls_ciphersuites(struct cfg_pstate *, int, char **);
int	cfg_set_crl_expired(struct cfg_pstate *, int, char **);
int	cfg_set_tls_crypt(struct cfg_pstate *, int, char **);
int	cfg_set_tls_crypt_v2(struct cfg_pstate *, int, char **);
int	cfg_set_max_clients(struct cfg_pstate *, int, char **);
int	cfg_set_duplicate_cn(struct cfg_pstate *, int, char **);
int	cfg_set_client_to_client(struct cfg_pstate *, int, char **);
int	cfg_set_explicit_exit_notify(struct cfg_pstate *, int, char **);
int	cfg_set_control_socket(struct cfg_pstate *, int, char **);
int	cfg_set_user(struct cfg_pstate *, int, char **);
int	cfg_set_group(struct cfg_pstate *, int, char **);
int	cfg_set_server_ipv6(struct cfg_pstate *, int, char **);
int	cfg_set_listen(struct cfg_pstate *, int, char **);
/* Fills cfg->udp / cfg->tcp from proto/local/port (no "listen"). */
int	cfg_listeners(struct cfg_pstate *);
int	cfg_set_metrics_listen(struct cfg_pstate *, int, char **);

/* server/cfg_ccd.c */
int	cfg_set_client_config_dir(struct cfg_pstate *, int, char **);
int	cfg_set_ifconfig_pool_persist(struct cfg_pstate *, int, char **);

#endif /* MCN_CFG_INT_H */
