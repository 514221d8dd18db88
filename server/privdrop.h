/*
 * Dropping root after start-up: the daemon opens what needs root (tun,
 * UDP socket, rtnetlink, nftables), then becomes an ordinary user that
 * keeps CAP_NET_ADMIN only, which is what running the gateway needs
 * (nftables teardown, link changes, net sysctls at exit).  No libcap:
 * the raw capget/capset system calls.
 */
#ifndef MCN_PRIVDROP_H
#define MCN_PRIVDROP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Becomes user:group for good.  user and group are names or decimal ids;
 * group NULL means the user's primary group.  Root (uid 0, gid 0) is
 * refused as a target.  Afterwards:
 *   - real, effective and saved uid are the user's, likewise the gids,
 *     and the supplementary groups are just that group;
 *   - effective = permitted = CAP_NET_ADMIN (+ CAP_NET_BIND_SERVICE with
 *     keep_bind_service), inheritable and ambient empty, and the bounding
 *     set holds the same capabilities and nothing else;
 *   - keep-caps is off and no_new_privs is on, so neither setuid(0) nor
 *     executing a setuid or file-capability binary gives anything back.
 * Each of these is checked after the change; a failure is an error.
 *
 * Must be called as root (euid 0) holding CAP_SETUID, CAP_SETGID and
 * CAP_SETPCAP, and while the process has a single thread: capability
 * sets and no_new_privs are per thread.  Returns 0, or -1 with a
 * one-line reason in err.  Preconditions (not root, unknown user, more
 * than one thread, a missing capability) are checked before anything
 * changes, so such a -1 leaves the process as it was; any other -1
 * leaves it half-changed and the caller must exit.
 */
int	privdrop(const char *user, const char *group, bool keep_bind_service,
	    char *err, size_t errlen);

/*
 * The uid and gid privdrop() would switch to, by the same rules (names or
 * decimal ids, group NULL = the user's primary group, root refused),
 * changing nothing: for giving files to the group before the drop, e.g.
 * the control socket.  0 or -1 with the reason in err.
 */
int	privdrop_resolve(const char *user, const char *group, uid_t *uid,
	    gid_t *gid, char *err, size_t errlen);

/*
 * For a process that stays what it is (the privileged loader, loader.h,
 * keeps uid 0): every capability but those of keep (bit n = capability n)
 * that it holds is given up for good.  Ambient and inheritable sets are
 * emptied, the bounding set shrinks to keep when the process holds
 * CAP_SETPCAP (without it the set cannot shrink, and no_new_privs alone
 * keeps an execve from giving anything back), and no_new_privs is set.  Checked afterwards
 * from the kernel's side.  Unprivileged, it just ends with no
 * capabilities.  0, or -1 with the reason in err (the caller must exit).
 */
int	privdrop_caps_only(uint64_t keep, char *err, size_t errlen);

/* The capability mask privdrop() keeps (bit n = capability n). */
uint64_t privdrop_kept_caps(bool keep_bind_service);

#endif /* MCN_PRIVDROP_H */
