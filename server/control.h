/*
 * The control socket: a UNIX stream socket on the daemon's event loop
 * that answers mcnctl (and any other client) in newline-delimited JSON
 * (server/control_proto.h, doc/control-protocol.md).
 *
 * control.c owns the socket, the framing, the limits and the validation
 * of requests; the daemon answers through struct control_ops, called
 * synchronously in the event loop thread, one request at a time.  A bad
 * request costs its sender an error answer and nothing else: no request
 * can stop the server or disturb another connection.
 */
#ifndef MCN_CONTROL_H
#define MCN_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "control_proto.h"

struct event_base;
struct control;

/*
 * The daemon's side.  Any callback may be NULL: the command then answers
 * "not-supported".  A json_t * returned is owned by control.c from then
 * on (a new reference, as json_object() gives); NULL means "internal".
 */
struct control_ops {
	/* The status object: see control_status_new()/control_status_add(). */
	json_t	*(*status)(void *arg);
	/*
	 * Ends the sessions matching target (a common name, a virtual IPv4
	 * or IPv6 address, or ADDR:PORT / [ADDR]:PORT), with HALT if halt,
	 * else RESTART.  Stores how many in *n and returns 0 (*n == 0 is
	 * answered "unknown-target"), or -1 with a reason in err.
	 */
	int	 (*kick)(void *arg, const char *target, bool halt, int *n,
		    char *err, size_t errlen);
	/* What SIGHUP does.  0, or -1 with a reason in err. */
	int	 (*reload)(void *arg, char *err, size_t errlen);
	/* The counters: metrics_stats_json() of a struct metrics_snapshot. */
	json_t	*(*stats)(void *arg);
};

/*
 * Listens on path: creates its parent directory (0750) if missing,
 * replaces a stale socket (one nobody answers on), refuses a live one or
 * a file that is not a socket, binds with mode 0660.  ops and arg must
 * outlive the control.  NULL with a reason in err.
 */
struct control	*control_new(struct event_base *, const char *path,
		    const struct control_ops *ops, void *arg, char *err,
		    size_t errlen);
/* Closes every connection and removes the socket (if still ours). */
void		 control_free(struct control *);

/*
 * Gives the socket (and its directory, if control_new created it) to
 * uid:gid, so that members of the daemon's group may connect.  Call
 * before dropping privileges.  0, or -1 with a reason in err.
 */
int		 control_set_owner(struct control *, uid_t, gid_t, char *err,
		    size_t errlen);

/* Idle timeout per connection (default CONTROL_IDLE_MS); for tests. */
void		 control_set_timeout(struct control *, unsigned ms);

/* Connections open now. */
unsigned	 control_nconns(const struct control *);

#define CONTROL_IDLE_MS		30000	/* no complete request: closed */
#define CONTROL_MAX_CONNS	32	/* more are answered "busy" */

/*
 * Status builders (control_json.c): the daemon fills plain structs and
 * these produce the documented schema, so field names and null
 * conventions live in one place.  Strings that are not valid UTF-8 (a
 * CN is whatever the certificate says) are sent with '?' for each byte
 * outside ASCII.
 */
struct control_status_hdr {
	int64_t		 now;		/* unix time of the snapshot */
	uint64_t	 uptime_s;
	unsigned	 clients;	/* authenticated sessions */
	unsigned	 workers;
	bool		 has_crl;
	int64_t		 crl_next_update; /* unix time; if has_crl */
};

struct control_client {
	const char	*common_name;
	const char	*real_address;	/* "1.2.3.4:1194", "[2001:db8::1]:1194" */
	const char	*virtual_ipv4;	/* NULL: none */
	const char	*virtual_ipv6;	/* NULL: none */
	uint64_t	 bytes_in, bytes_out;	/* tunnel payload */
	int64_t		 connected_since;	/* unix time */
	const char	*data_cipher;	/* "AES-256-GCM" */
	const char	*tls_version;	/* "TLSv1.3" */
	unsigned	 key_id;	/* of the newest active key */
	int64_t		 last_rekey;	/* unix time; 0: null */
	int64_t		 next_rekey;	/* unix time; 0: null (no reneg-sec) */
	unsigned	 worker;
	int64_t		 peer_id;	/* -1: null (none assigned) */
	const char	*platform;	/* IV_PLAT; NULL: null */
	const char	*version;	/* IV_VER; NULL: null */
	const char	*cert_serial;	/* hex; NULL: null */
};

/* A status object with the header fields and an empty "sessions". */
json_t	*control_status_new(const struct control_status_hdr *);
/* Appends one client row to status.  0, or -1 (out of memory). */
int	 control_status_add(json_t *status, const struct control_client *);
/* A JSON string of s (NULL gives null), '?' for bytes that are not UTF-8. */
json_t	*control_json_string(const char *s);

#endif /* MCN_CONTROL_H */
