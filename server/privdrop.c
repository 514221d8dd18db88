/*
 * privdrop: root -> user:group, keeping CAP_NET_ADMIN (and optionally
 * CAP_NET_BIND_SERVICE) and nothing else, in a fixed order:
 *
 *   1. check every precondition (nothing has changed if one fails)
 *   2. clear the ambient set, shrink the bounding set   (needs CAP_SETPCAP)
 *   3. setgroups({gid}), setresgid(gid, gid, gid)       (needs CAP_SETGID)
 *   4. PR_SET_KEEPCAPS, setresuid(uid, uid, uid)        (needs CAP_SETUID)
 *      keep-caps preserves the permitted set across the uid change; the
 *      kernel still clears the effective set
 *   5. capset: effective = permitted = kept, inheritable = 0
 *   6. keep-caps off, no_new_privs on
 *   7. verify all of it from the kernel's side
 *
 * The bounding set goes first because dropping from it needs CAP_SETPCAP,
 * which step 5 gives up.  Shrinking the bounding set does not touch the
 * permitted or effective sets, so steps 3 and 4 still have their
 * capabilities.
 *
 * privdrop_caps_only() is steps 2, 5 and no_new_privs without a change of
 * uid, for the privileged loader (loader.c), which stays root.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include <linux/capability.h>

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "privdrop.h"

/* Capability numbers fit in the two 32-bit words of the v3 ABI. */
#define CAP_WORDS	_LINUX_CAPABILITY_U32S_3
#define CAP_BITS	(32 * CAP_WORDS)
#define CAP_BIT(c)	((uint64_t)1 << (c))

/* What the caller must hold for the drop itself. */
#define NEEDED_CAPS	(CAP_BIT(CAP_SETUID) | CAP_BIT(CAP_SETGID) | \
			    CAP_BIT(CAP_SETPCAP))

#define ID_MAX		0xfffffffeUL	/* (uid_t)-1 means "unchanged" */

struct capsets {
	uint64_t	eff;
	uint64_t	prm;
	uint64_t	inh;
};

/* Names for messages; numbers past the table print as "capability N". */
static const char *const cap_names[] = {
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER",
	"CAP_FSETID", "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
	"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
	"CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
	"CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
	"CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD",
	"CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
	"CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* "CAP_A CAP_B" for the bits of mask, into buf. */
static const char *
cap_list(uint64_t mask, char *buf, size_t len)
{
	size_t n = 0;
	int c;

	buf[0] = '\0';
	for (c = 0; c < CAP_BITS && n < len; c++) {
		if ((mask & CAP_BIT(c)) == 0)
			continue;
		if (c < (int)(sizeof(cap_names) / sizeof(cap_names[0])))
			n += (size_t)snprintf(buf + n, len - n, "%s%s",
			    n > 0 ? " " : "", cap_names[c]);
		else
			n += (size_t)snprintf(buf + n, len - n,
			    "%scapability %d", n > 0 ? " " : "", c);
	}
	return buf;
}

uint64_t
privdrop_kept_caps(bool keep_bind_service)
{
	return CAP_BIT(CAP_NET_ADMIN) |
	    (keep_bind_service ? CAP_BIT(CAP_NET_BIND_SERVICE) : 0);
}

static int
caps_get(struct capsets *cs)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[CAP_WORDS];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) == -1)
		return -1;
	cs->eff = data[0].effective | (uint64_t)data[1].effective << 32;
	cs->prm = data[0].permitted | (uint64_t)data[1].permitted << 32;
	cs->inh = data[0].inheritable | (uint64_t)data[1].inheritable << 32;
	return 0;
}

static int
caps_set(const struct capsets *cs)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct data[CAP_WORDS];

	data[0].effective = (uint32_t)cs->eff;
	data[1].effective = (uint32_t)(cs->eff >> 32);
	data[0].permitted = (uint32_t)cs->prm;
	data[1].permitted = (uint32_t)(cs->prm >> 32);
	data[0].inheritable = (uint32_t)cs->inh;
	data[1].inheritable = (uint32_t)(cs->inh >> 32);
	return (int)syscall(SYS_capset, &hdr, data);
}

/*
 * Number of capabilities this kernel knows: PR_CAPBSET_READ fails with
 * EINVAL past the last one.  Asking the kernel rather than reading
 * /proc/sys/kernel/cap_last_cap or trusting CAP_LAST_CAP from the headers
 * we were built with covers newer kernels too.
 */
static int
cap_count(void)
{
	int c;

	for (c = 0; c < CAP_BITS; c++)
		if (prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) == -1)
			break;
	return c;
}

/* A decimal id, no sign or blanks, below (id_t)-1. */
static bool
parse_id(const char *s, unsigned long *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno == 0 && *end == '\0' && *out <= ID_MAX;
}

/* uid and, when the user has a passwd entry, its primary gid. */
static int
resolve_user(const char *user, uid_t *uid, gid_t *gid, bool *has_gid,
    char *err, size_t errlen)
{
	struct passwd *pw;
	unsigned long id;

	*has_gid = false;
	errno = 0;
	if ((pw = getpwnam(user)) == NULL) {
		if (!parse_id(user, &id))
			return fail(err, errlen, "user '%s': no such user%s%s",
			    user, errno != 0 ? ": " : "",
			    errno != 0 ? strerror(errno) : "");
		*uid = (uid_t)id;
		pw = getpwuid(*uid);
	} else
		*uid = pw->pw_uid;
	if (pw != NULL) {
		*gid = pw->pw_gid;
		*has_gid = true;
	}
	return 0;
}

static int
resolve_group(const char *group, gid_t *gid, char *err, size_t errlen)
{
	struct group *gr;
	unsigned long id;

	errno = 0;
	if ((gr = getgrnam(group)) != NULL) {
		*gid = gr->gr_gid;
		return 0;
	}
	if (parse_id(group, &id)) {
		*gid = (gid_t)id;
		return 0;
	}
	return fail(err, errlen, "group '%s': no such group%s%s", group,
	    errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
}

/*
 * Capability sets and no_new_privs are per thread, and a second thread
 * would keep root's: refuse unless this is the only one.
 */
static int
single_threaded(char *err, size_t errlen)
{
	char line[256];
	FILE *f;
	int n = -1;

	if ((f = fopen("/proc/self/status", "re")) == NULL)
		return fail(err, errlen, "cannot tell whether the process is "
		    "single-threaded: /proc/self/status: %s", strerror(errno));
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	if (n == 1)
		return 0;
	if (n == -1)
		return fail(err, errlen, "cannot tell whether the process is "
		    "single-threaded: no Threads line in /proc/self/status");
	return fail(err, errlen, "the process has %d threads; privileges "
	    "must be dropped while it has one (capabilities are per thread)",
	    n);
}

/* Step 7: everything the header promises, as the kernel reports it. */
static int
verify(uid_t uid, gid_t gid, uint64_t kept, int ncaps, char *err,
    size_t errlen)
{
	struct capsets cs;
	uid_t ru, eu, su;
	gid_t rg, eg, sg, groups[2];
	char b1[512], b2[512], b3[512];
	uint64_t bset = 0;
	int c, n;

	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1)
		return fail(err, errlen, "verify: getresuid/getresgid: %s",
		    strerror(errno));
	if (ru != uid || eu != uid || su != uid)
		return fail(err, errlen, "verify: uids are %lu/%lu/%lu (real/"
		    "effective/saved), expected %lu", (unsigned long)ru,
		    (unsigned long)eu, (unsigned long)su, (unsigned long)uid);
	if (rg != gid || eg != gid || sg != gid)
		return fail(err, errlen, "verify: gids are %lu/%lu/%lu (real/"
		    "effective/saved), expected %lu", (unsigned long)rg,
		    (unsigned long)eg, (unsigned long)sg, (unsigned long)gid);
	if ((n = getgroups(2, groups)) != 1 || groups[0] != gid)
		return fail(err, errlen, "verify: supplementary groups are not "
		    "just %lu (%d groups)", (unsigned long)gid, n);

	/* Root must be out of reach.  If setuid(0) works we are root again:
	 * the caller exits on -1. */
	if (setuid(0) == 0)
		return fail(err, errlen, "verify: setuid(0) succeeded after "
		    "the drop");
	if (setgid(0) == 0)
		return fail(err, errlen, "verify: setgid(0) succeeded after "
		    "the drop");

	if (caps_get(&cs) == -1)
		return fail(err, errlen, "verify: capget: %s", strerror(errno));
	if (cs.eff != kept || cs.prm != kept)
		return fail(err, errlen, "verify: capabilities are effective "
		    "{%s} permitted {%s}, expected {%s}",
		    cap_list(cs.eff, b1, sizeof(b1)),
		    cap_list(cs.prm, b2, sizeof(b2)),
		    cap_list(kept, b3, sizeof(b3)));
	/* Ambient is always a subset of permitted & inheritable, so an
	 * empty inheritable set means an empty ambient set too. */
	if (cs.inh != 0)
		return fail(err, errlen, "verify: inheritable capabilities "
		    "{%s} remain", cap_list(cs.inh, b1, sizeof(b1)));
	for (c = 0; c < ncaps; c++)
		if (prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) == 1)
			bset |= CAP_BIT(c);
	if (bset != kept)
		return fail(err, errlen, "verify: bounding set is {%s}, "
		    "expected {%s}", cap_list(bset, b1, sizeof(b1)),
		    cap_list(kept, b2, sizeof(b2)));
	if (prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) != 0)
		return fail(err, errlen, "verify: keep-caps is still set");
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return fail(err, errlen, "verify: no_new_privs is not set");
	return 0;
}

/*
 * Step 2: the ambient set emptied (kernels before 4.3 have none: EINVAL)
 * and the bounding set shrunk to kept.  Needs CAP_SETPCAP.
 */
static int
shrink_bounding(uint64_t kept, int ncaps, char *err, size_t errlen)
{
	char buf[512];
	int c;

	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == -1 &&
	    errno != EINVAL)
		return fail(err, errlen, "clearing ambient capabilities: %s",
		    strerror(errno));
	for (c = 0; c < ncaps; c++) {
		if ((kept & CAP_BIT(c)) != 0)
			continue;
		if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) == -1)
			return fail(err, errlen, "dropping %s from the bounding "
			    "set: %s", cap_list(CAP_BIT(c), buf, sizeof(buf)),
			    strerror(errno));
	}
	return 0;
}

/* Step 5: exactly kept, effective and permitted; nothing inheritable. */
static int
caps_set_exactly(uint64_t kept, char *err, size_t errlen)
{
	struct capsets cs = { .eff = kept, .prm = kept, .inh = 0 };
	char buf[512];

	if (caps_set(&cs) == -1)
		return fail(err, errlen, "capset {%s}: %s",
		    cap_list(kept, buf, sizeof(buf)), strerror(errno));
	return 0;
}

int
privdrop_resolve(const char *user, const char *group, uid_t *uidp,
    gid_t *gidp, char *err, size_t errlen)
{
	uid_t uid = 0;
	gid_t gid = 0, pgid = 0;
	bool has_pgid;

	if (user == NULL || *user == '\0')
		return fail(err, errlen, "no user to drop privileges to");
	if (resolve_user(user, &uid, &pgid, &has_pgid, err, errlen) == -1)
		return -1;
	if (group != NULL) {
		if (*group == '\0')
			return fail(err, errlen, "empty group name");
		if (resolve_group(group, &gid, err, errlen) == -1)
			return -1;
	} else if (has_pgid)
		gid = pgid;
	else
		return fail(err, errlen, "user %s has no passwd entry, so no "
		    "primary group: name a group", user);
	if (uid == 0)
		return fail(err, errlen, "user %s is root (uid 0): refusing to "
		    "'drop' privileges to root", user);
	if (gid == 0)
		return fail(err, errlen, "group %s is gid 0 (root's group): "
		    "refusing it", group != NULL ? group : "(primary)");
	*uidp = uid;
	*gidp = gid;
	return 0;
}

int
privdrop(const char *user, const char *group, bool keep_bind_service,
    char *err, size_t errlen)
{
	const uint64_t kept = privdrop_kept_caps(keep_bind_service);
	struct capsets cs;
	char buf[512];
	uid_t uid;
	gid_t gid;
	int ncaps;

	/* 1. Preconditions: nothing changes if one of these fails. */
	if (privdrop_resolve(user, group, &uid, &gid, err, errlen) == -1)
		return -1;
	if (geteuid() != 0)
		return fail(err, errlen, "cannot switch to user %s: not running "
		    "as root (euid %lu)", user, (unsigned long)geteuid());
	if (single_threaded(err, errlen) == -1)
		return -1;
	if (caps_get(&cs) == -1)
		return fail(err, errlen, "capget: %s", strerror(errno));
	if ((cs.eff & (NEEDED_CAPS | kept)) != (NEEDED_CAPS | kept))
		return fail(err, errlen, "running as root but without {%s}; "
		    "the privilege drop needs them (under systemd, "
		    "CapabilityBoundingSet= must list them)",
		    cap_list((NEEDED_CAPS | kept) & ~cs.eff, buf, sizeof(buf)));
	if ((ncaps = cap_count()) == 0)
		return fail(err, errlen, "PR_CAPBSET_READ does not work: %s",
		    strerror(errno));

	/* 2. */
	if (shrink_bounding(kept, ncaps, err, errlen) == -1)
		return -1;

	/* 3. Groups first: after setresuid we could no longer. */
	if (setgroups(1, &gid) == -1)
		return fail(err, errlen, "setgroups(%lu): %s",
		    (unsigned long)gid, strerror(errno));
	if (setresgid(gid, gid, gid) == -1)
		return fail(err, errlen, "setresgid(%lu): %s",
		    (unsigned long)gid, strerror(errno));

	/* 4. The uid, keeping the permitted set across it. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1)
		return fail(err, errlen, "PR_SET_KEEPCAPS: %s",
		    strerror(errno));
	if (setresuid(uid, uid, uid) == -1)
		return fail(err, errlen, "setresuid(%lu): %s",
		    (unsigned long)uid, strerror(errno));

	/* 5. */
	if (caps_set_exactly(kept, err, errlen) == -1)
		return -1;

	/* 6. */
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1)
		return fail(err, errlen, "clearing PR_SET_KEEPCAPS: %s",
		    strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return fail(err, errlen, "PR_SET_NO_NEW_PRIVS: %s",
		    strerror(errno));

	/* 7. */
	return verify(uid, gid, kept, ncaps, err, errlen);
}

int
privdrop_caps_only(uint64_t keep, char *err, size_t errlen)
{
	struct capsets cs;
	char b1[512], b2[512], b3[512];
	int c, ncaps;

	if (caps_get(&cs) == -1)
		return fail(err, errlen, "capget: %s", strerror(errno));
	if ((ncaps = cap_count()) == 0)
		return fail(err, errlen, "PR_CAPBSET_READ does not work: %s",
		    strerror(errno));
	keep &= cs.prm;
	/* Without CAP_SETPCAP the bounding set stays; no_new_privs below
	 * keeps an execve from using it. */
	if ((cs.eff & CAP_BIT(CAP_SETPCAP)) == 0)
		ncaps = 0;
	if (shrink_bounding(keep, ncaps, err, errlen) == -1 ||
	    caps_set_exactly(keep, err, errlen) == -1)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return fail(err, errlen, "PR_SET_NO_NEW_PRIVS: %s",
		    strerror(errno));

	/* Read back, as privdrop() does. */
	if (caps_get(&cs) == -1)
		return fail(err, errlen, "verify: capget: %s", strerror(errno));
	if (cs.eff != keep || cs.prm != keep || cs.inh != 0)
		return fail(err, errlen, "verify: capabilities are effective "
		    "{%s} permitted {%s}, expected {%s}",
		    cap_list(cs.eff, b1, sizeof(b1)),
		    cap_list(cs.prm, b2, sizeof(b2)),
		    cap_list(keep, b3, sizeof(b3)));
	for (c = 0; c < ncaps; c++)
		if ((keep & CAP_BIT(c)) == 0 &&
		    prctl(PR_CAPBSET_READ, (unsigned long)c, 0, 0, 0) != 0)
			return fail(err, errlen, "verify: %s is still in the "
			    "bounding set", cap_list(CAP_BIT(c), b1,
			    sizeof(b1)));
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return fail(err, errlen, "verify: no_new_privs is not set");
	return 0;
}
