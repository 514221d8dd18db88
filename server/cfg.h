/*
 * Configuration: OpenVPN's directive syntax (one directive per line, '#'
 * and ';' comments, quoted arguments, inline <ca>...</ca> blocks), the
 * subset of server directives we implement, plus our own.  A file is
 * parsed into an immutable struct cfg, validated whole; any directive
 * we do not implement is an error naming it and its line.
 */
#ifndef MCN_CFG_H
#define MCN_CFG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#define CFG_MAX_PUSH		256

enum cfg_proto {
	CFG_PROTO_UDP,	/* "udp", "udp4" */
	CFG_PROTO_UDP6,	/* "udp6": IPv6 socket, IPv4 clients too */
	CFG_PROTO_TCP,	/* "tcp-server", "tcp", "tcp4(-server)" */
	CFG_PROTO_TCP6,	/* "tcp6(-server)": IPv6 socket, IPv4 too */
};

/* Where clients connect: at most one UDP and one TCP listener. */
struct cfg_listen {
	bool		 on;
	bool		 v6;		/* IPv6 socket, dual-stack */
	bool		 has_local6;
	struct in_addr	 local;		/* INADDR_ANY: all */
	struct in6_addr	 local6;
	uint16_t	 port;
};

#define CFG_MAX_ROUTES	64

/* route NETWORK [NETMASK]: a network behind clients (their
 * client-config-dir iroute), routed into the tun and NATed out of the
 * exit interface like the tunnel subnet. */
struct cfg_route {
	struct in_addr	 net;
	struct in_addr	 mask;
	int		 prefix;
	int		 line;		/* where it was given */
};

struct cfg {
	char		*path;

	/* dev: "tun" (kernel picks tunN) or an explicit name like "tun0" */
	char		 dev[IFNAMSIZ];
	enum cfg_proto proto;
	struct in_addr	 local;		/* INADDR_ANY unless "local" */
	bool		 has_local6;	/* "local" gave an IPv6 address */
	struct in6_addr	 local6;
	uint16_t	 port;		/* default 1194 */
	/* The listeners, from "listen" lines or else from proto/local/port
	 * (filled in by validation). */
	struct cfg_listen udp;
	struct cfg_listen tcp;
	bool		 has_listen;	/* "listen" was used */

	/* PKI, as PEM text (inline block or file contents) */
	char		*ca_pem;
	char		*cert_pem;
	char		*key_pem;
	char		*crl_path;	/* crl-verify FILE; NULL if none or
					 * given as an inline block */
	char		*crl_pem;	/* its contents at load time; non-NULL
					 * iff a CRL is configured */

	/* tls-auth */
	bool		 has_tls_auth;
	uint8_t		 tls_auth_key[256];
	int		 tls_auth_dir;	/* 0, 1 or -1 (TLSAUTH_DIR_NONE) */
	char		 auth[32];	/* --auth digest, default "SHA1" */

	/* server NET MASK + topology subnet */
	bool		 has_server;
	struct in_addr	 server_net;
	struct in_addr	 server_mask;
	int		 server_prefix;
	bool		 topology_subnet; /* the only topology we implement */

	/* server-ipv6 NET/PREFIX: the gateway is NET::1, clients get
	 * NET::1000 + their IPv4 pool offset */
	bool		 has_server6;
	struct in6_addr	 server6_net;
	int		 server6_prefix;

	struct cfg_route routes[CFG_MAX_ROUTES];	/* in file order */
	size_t		 nroutes;

	char		*push[CFG_MAX_PUSH];	/* push "..." in order */
	size_t		 npush;

	int		 ping;		/* keepalive A B: ping A; all three
					 * are 0 without keepalive */
	int		 ping_restart;	/* ...: server side 2*B, pushed B */
	int		 push_ping_restart;

	char		 data_ciphers[256];	/* colon list; default
					 * AES-256-GCM:AES-128-GCM:CHACHA20-POLY1305 */
	int		 verb;		/* default 1 */

	char		 exit_if[IFNAMSIZ];	/* ours: exit-interface IFNAME */
	int		 tun_mtu;	/* default 1500 */
	int		 hand_window;	/* default 60 */
	int		 reneg_sec;	/* default 3600; 0: never renegotiate */
	int		 workers;	/* ours: worker threads; 0 = one per core */

	/* renegotiation */
	int		 tran_window;	/* old key kept this long; default 60 */
	int64_t		 reneg_bytes;	/* 0: off */
	int64_t		 reneg_pkts;	/* 0: off */

	/* data channel and TLS */
	char		 data_ciphers_fallback[32];	/* "" = none */
	int		 tls_version_min;	/* 0 (1.2), 0x0303, 0x0304 */
	char		*tls_cipher;		/* TLS <= 1.2 list, or NULL */
	char		*tls_ciphersuites;	/* TLS 1.3 list, or NULL */
	bool		 crl_expired_reject;	/* ours; default warn */

	/* control-channel protection besides tls-auth */
	bool		 has_tls_crypt;
	uint8_t		 tls_crypt_key[256];
	bool		 has_tls_crypt_v2;
	uint8_t		 tls_crypt_v2_key[128];	/* the server key */
	bool		 tls_crypt_v2_force_cookie;

	/* session policy */
	int		 max_clients;	/* default 1024 */
	bool		 duplicate_cn;
	bool		 client_to_client;
	int		 explicit_exit_notify;	/* accepted; RESTART is always
						 * sent on shutdown */

	/* privileges: drop to this user/group after start-up */
	char		*user;
	char		*group;

	/* administration (ours) */
	char		*control_socket;	/* NULL: the default path */
	char		*metrics_listen;	/* NULL: no metrics endpoint */

	/* client-config-dir DIR (ccd.h), absolute; NULL if none */
	char		*ccd_dir;
	/* ifconfig-pool-persist FILE [SECONDS] (poolfile.h): FILE absolute,
	 * NULL if none; SECONDS default 600, 0: read only, entries fixed */
	char		*pool_persist;
	int		 pool_persist_sec;
};

/*
 * Parses and validates path.  On error returns NULL and writes
 * "FILE:LINE: reason" (or "FILE: reason" for whole-file problems such as a
 * missing required directive) into err.
 */
struct cfg	*cfg_load(const char *path, char *err, size_t errlen);

/*
 * How the parser gets the config file and the files it names (see
 * cfg_files.h): from disk, from disk while recording each one, or only
 * from a recorded set.  The last lets a process that may no longer read
 * them (the daemon after the privilege drop) parse what one that may
 * (the loader) read, with the same result and the same errors.
 */
enum cfg_read {
	CFG_READ_DISK,
	CFG_READ_RECORD,
	CFG_READ_REPLAY,
};

struct cfg_files;

/* cfg_load() reading through how; files is unused with CFG_READ_DISK. */
struct cfg	*cfg_load_ex(const char *path, enum cfg_read how,
		    struct cfg_files *files, char *err, size_t errlen);
/* Same over a string; name is used in messages; relative file paths in
 * directives are taken relative to basedir. */
struct cfg	*cfg_parse(const char *name, const char *text,
		    const char *basedir, char *err, size_t errlen);
void		 cfg_free(struct cfg *);

/*
 * For a reload: names in changed (a comma list) the settings a running
 * daemon cannot change that differ between old and new, and puts old's
 * values back into new, so that new carries only what a reload applies.
 * Returns how many differ, or -1 (out of memory).
 */
int		 cfg_carry_restart(struct cfg *new, const struct cfg *old,
		    char *changed, size_t cap);

/*
 * The directive table the parser is driven by, exported so docs, the
 * example config and the admin tool can be checked against it.  The array
 * ends with an entry whose name is NULL.  args is the usage after the name
 * ("INTERVAL TIMEOUT"); an inline block counts as the first argument.
 */
#define CFG_DIR_INLINE		0x01	/* may be an inline <name> block */
#define CFG_DIR_REPEAT		0x02	/* may appear more than once */
#define CFG_DIR_REQUIRED	0x04	/* the file is rejected without it */
#define CFG_DIR_OURS		0x08	/* ours, not an OpenVPN directive */
#define CFG_DIR_RELOAD		0x10	/* a reload (SIGHUP) applies changes */

struct cfg_pstate;

struct cfg_directive {
	const char	*name;
	const char	*args;
	const char	*desc;
	int		 min_args;
	int		 max_args;
	unsigned int	 flags;
	int		(*set)(struct cfg_pstate *, int argc, char **argv);
};

extern const struct cfg_directive cfg_directives[];

/* The table entry for name, or NULL. */
const struct cfg_directive *cfg_directive_lookup(const char *name);

/*
 * OpenVPN 2.6 directives we do not implement (yet): an error naming them
 * rather than "unknown directive".  Sorted, NULL-terminated.
 */
extern const char *const cfg_unsupported[];
bool		 cfg_unsupported_lookup(const char *name);

#endif /* MCN_CFG_H */
