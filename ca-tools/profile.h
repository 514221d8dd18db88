/*
 * Client profiles: one self-contained .ovpn per subscriber and platform.
 * Pure: strings in, text out (doc/profiles.md explains each line).
 */
#ifndef MCN_PROFILE_H
#define MCN_PROFILE_H

#include <stddef.h>

#define PROFILE_HOST_MAX	253	/* a DNS name */
#define PROFILE_REMOTES_MAX	16
#define PROFILE_PORT_DEFAULT	1194
#define PROFILE_AUTH_DEFAULT	"SHA256"	/* etc/mycrypnetd.conf's auth */

/*
 * The control-channel protection a profile carries, as the server must be
 * configured: tls-auth (with key-direction 1 against the server's 0),
 * tls-crypt (one key for every client) or tls-crypt-v2 (each profile its
 * own client key, wrapped with the server key).
 */
enum profile_wrap {
	PROFILE_TLS_AUTH,
	PROFILE_TLS_CRYPT,
	PROFILE_TLS_CRYPT_V2
};

#define PROFILE_NWRAPS	3

enum profile_os {
	PROFILE_LINUX,
	PROFILE_WINDOWS,
	PROFILE_MACOS,
	PROFILE_ANDROID,
	PROFILE_IOS
};

struct profile_remote {
	char		host[PROFILE_HOST_MAX + 1];	/* IPv6 without [] */
	unsigned	port;
	char		proto[4];			/* "udp" or "tcp" */
};

struct profile {
	const char			*name;	/* the certificate's CN */
	enum profile_os			 os;
	const struct profile_remote	*remotes;
	size_t				 nremotes;
	const char			*auth;	/* from profile_auth_parse */
	const char			*ca_pem;
	const char			*cert_pem;
	const char			*key_pem;
	enum profile_wrap		 wrap;
	const char			*wrap_key;	/* static key or v2
							 * client key text */
	const char			*comment;	/* one line, or NULL */
};

int		 profile_os_parse(const char *s, enum profile_os *os,
		    char *err, size_t errlen);
const char	*profile_os_str(enum profile_os os);

/* "tls-auth", "tls-crypt" or "tls-crypt-v2": the directive, the inline
 * block's tag and the --wrap value alike. */
int		 profile_wrap_parse(const char *s, enum profile_wrap *w,
		    char *err, size_t errlen);
const char	*profile_wrap_str(enum profile_wrap w);

/*
 * HOST[:PORT][/udp|/tcp]; an IPv6 address in brackets ([2001:db8::1]:443)
 * or bare without a port.  PORT defaults to 1194, the protocol to udp.
 */
int	profile_remote_parse(const char *s, struct profile_remote *r,
	    char *err, size_t errlen);

/* The tls-auth HMAC digest, canonical spelling, into out[8]: SHA1,
 * SHA256 or SHA512, the digests mycrypnetd's "auth" takes. */
int	profile_auth_parse(const char *s, char out[8], char *err,
	    size_t errlen);

/* The .ovpn text (caller frees), or NULL with a reason. */
char	*profile_render(const struct profile *p, char *err, size_t errlen);

#endif /* MCN_PROFILE_H */
