/*
 * privdrop() against the real kernel, as root.  Every test runs in a
 * process of its own (the runner is forced to CK_FORK whatever $CK_FORK
 * says), so a drop never reaches the runner, and in a network namespace
 * of its own, so the lo/ip_forward changes below never touch the host.
 *
 * What the drop leaves is read back independently of privdrop.c's own
 * checks: /proc/self/status (CapEff/CapPrm/CapBnd/CapInh/CapAmb,
 * NoNewPrivs), getresuid/getresgid, and by trying things: a raw socket
 * and setuid(0) must fail, while bringing lo up (SIOCSIFFLAGS), writing
 * net.ipv4.ip_forward and, when kept, binding port 80 must still work.
 *
 * Skips (exit 77) when not root or when a network namespace cannot be
 * created.
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <arpa/inet.h>
#include <linux/capability.h>
#include <net/if.h>
#include <netinet/in.h>

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "privdrop.h"

#define BIT(c)		((uint64_t)1 << (c))
#define IP_FORWARD	"/proc/sys/net/ipv4/ip_forward"

static char err[512];
static uid_t nobody_uid;
static gid_t nobody_gid;	/* nobody's primary group */
static gid_t nogroup_gid;
static const char *nogroup;	/* "nogroup" (Debian) or "nobody" */

/* --- independent views of the process's credentials -------------------- */

/* The hex value of a "Cap...:" line, or the decimal of another line. */
static uint64_t
status_val(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	uint64_t v = 0;
	bool found = false;
	FILE *f;

	f = fopen("/proc/self/status", "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, klen) != 0 || line[klen] != ':')
			continue;
		v = strtoull(line + klen + 1, NULL,
		    strncmp(key, "Cap", 3) == 0 ? 16 : 10);
		found = true;
		break;
	}
	fclose(f);
	ck_assert_msg(found, "no %s line in /proc/self/status", key);
	return v;
}

static void
assert_uids(uid_t uid, gid_t gid)
{
	uid_t r, e, s;
	gid_t rg, eg, sg, groups[4];

	ck_assert_int_eq(getresuid(&r, &e, &s), 0);
	ck_assert_uint_eq(r, uid);
	ck_assert_uint_eq(e, uid);
	ck_assert_uint_eq(s, uid);
	ck_assert_int_eq(getresgid(&rg, &eg, &sg), 0);
	ck_assert_uint_eq(rg, gid);
	ck_assert_uint_eq(eg, gid);
	ck_assert_uint_eq(sg, gid);
	ck_assert_int_eq(getgroups(4, groups), 1);
	ck_assert_uint_eq(groups[0], gid);
}

static void
assert_caps(uint64_t want)
{
	ck_assert_uint_eq(status_val("CapEff"), want);
	ck_assert_uint_eq(status_val("CapPrm"), want);
	ck_assert_uint_eq(status_val("CapBnd"), want);
	ck_assert_uint_eq(status_val("CapInh"), 0);
	ck_assert_uint_eq(status_val("CapAmb"), 0);
	ck_assert_uint_eq(status_val("NoNewPrivs"), 1);
}

/* Root's capabilities as they were: nothing was changed. */
static void
assert_untouched(uint64_t eff_before)
{
	ck_assert_uint_eq(geteuid(), 0);
	ck_assert_uint_eq(getuid(), 0);
	ck_assert_uint_eq(status_val("CapEff"), eff_before);
	ck_assert_uint_eq(status_val("NoNewPrivs"), 0);
	ck_assert_int_eq(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
}

static void
caps_set(uint64_t eff, uint64_t prm)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];

	memset(d, 0, sizeof(d));
	d[0].effective = (uint32_t)eff;
	d[1].effective = (uint32_t)(eff >> 32);
	d[0].permitted = (uint32_t)prm;
	d[1].permitted = (uint32_t)(prm >> 32);
	ck_assert_int_eq(syscall(SYS_capset, &hdr, d), 0);
}

/* --- what a dropped process can and cannot do ------------------------- */

static void
private_netns(void)
{
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s",
	    strerror(errno));
}

static void
assert_no_raw_socket(void)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);

	if (fd >= 0)
		close(fd);
	ck_assert_int_eq(fd, -1);
	ck_assert_int_eq(errno, EPERM);
}

static void
assert_no_root_again(void)
{
	ck_assert_int_eq(setuid(0), -1);
	ck_assert_int_eq(errno, EPERM);
	ck_assert_int_eq(setgid(0), -1);
	ck_assert_int_eq(seteuid(0), -1);
	ck_assert_int_eq(setgroups(0, NULL), -1);
	/* Files root owns stay closed to us. */
	ck_assert_int_eq(open("/etc/shadow", O_RDONLY), -1);
}

/* CAP_NET_ADMIN at work: lo up through SIOCSIFFLAGS, read back. */
static void
assert_lo_up(void)
{
	struct ifreq ifr;
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	ck_assert_int_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ck_assert_int_eq(ifr.ifr_flags & IFF_UP, 0);	/* new netns */
	ifr.ifr_flags |= IFF_UP;
	ck_assert_msg(ioctl(fd, SIOCSIFFLAGS, &ifr) == 0,
	    "SIOCSIFFLAGS lo up after the drop: %s", strerror(errno));
	ck_assert_int_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ck_assert_int_ne(ifr.ifr_flags & IFF_UP, 0);
	close(fd);
}

/*
 * The daemon restores ip_forward at exit, after the drop: net sysctls
 * grant root's (owner's) access to a CAP_NET_ADMIN holder.
 */
static void
assert_ip_forward_writable(void)
{
	char c = 0;
	int fd;

	fd = open(IP_FORWARD, O_WRONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s for writing after the drop: %s",
	    IP_FORWARD, strerror(errno));
	ck_assert_int_eq(write(fd, "1\n", 2), 2);
	close(fd);
	fd = open(IP_FORWARD, O_RDONLY | O_CLOEXEC);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(read(fd, &c, 1), 1);
	ck_assert_int_eq(c, '1');
	close(fd);
}

/* Binding UDP port 80: 0 or errno. */
static int
bind_port_80(void)
{
	struct sockaddr_in sin;
	int fd, rc;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(80);
	rc = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 ? 0 : errno;
	close(fd);
	return rc;
}

/* --- the drop itself ---------------------------------------------------- */

START_TEST(drop_to_nobody)
{
	private_netns();
	ck_assert_msg(privdrop("nobody", nogroup, false, err, sizeof(err)) == 0,
	    "%s", err);
	assert_uids(nobody_uid, nogroup_gid);
	assert_caps(BIT(CAP_NET_ADMIN));
	ck_assert_int_eq(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0), 0);
	assert_no_raw_socket();
	assert_no_root_again();
	ck_assert_int_eq(bind_port_80(), EACCES);
	assert_lo_up();
	assert_ip_forward_writable();
}
END_TEST

START_TEST(drop_keep_bind_service)
{
	private_netns();
	ck_assert_msg(privdrop("nobody", nogroup, true, err, sizeof(err)) == 0,
	    "%s", err);
	assert_uids(nobody_uid, nogroup_gid);
	assert_caps(BIT(CAP_NET_ADMIN) | BIT(CAP_NET_BIND_SERVICE));
	ck_assert_int_eq(bind_port_80(), 0);
	assert_no_raw_socket();
	assert_no_root_again();
	assert_lo_up();
}
END_TEST

START_TEST(drop_numeric_ids)
{
	char u[32], g[32];

	snprintf(u, sizeof(u), "%lu", (unsigned long)nobody_uid);
	snprintf(g, sizeof(g), "%lu", (unsigned long)nogroup_gid);
	ck_assert_msg(privdrop(u, g, false, err, sizeof(err)) == 0, "%s", err);
	assert_uids(nobody_uid, nogroup_gid);
	assert_caps(BIT(CAP_NET_ADMIN));
}
END_TEST

/* An id without a passwd entry is fine when the group is named. */
START_TEST(drop_numeric_unnamed_user)
{
	ck_assert_ptr_null(getpwuid(54321));
	ck_assert_msg(privdrop("54321", "54321", false, err, sizeof(err)) == 0,
	    "%s", err);
	assert_uids(54321, 54321);
	assert_caps(BIT(CAP_NET_ADMIN));
}
END_TEST

START_TEST(drop_primary_group)
{
	ck_assert_msg(privdrop("nobody", NULL, false, err, sizeof(err)) == 0,
	    "%s", err);
	assert_uids(nobody_uid, nobody_gid);
}
END_TEST

/* systemd's NoNewPrivileges=yes sets no_new_privs before exec; a root
 * process may still change uid under it. */
START_TEST(drop_under_no_new_privs)
{
	ck_assert_int_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	ck_assert_msg(privdrop("nobody", nogroup, false, err, sizeof(err)) == 0,
	    "%s", err);
	assert_uids(nobody_uid, nogroup_gid);
	assert_caps(BIT(CAP_NET_ADMIN));
}
END_TEST

/*
 * Root started with exactly the unit's CapabilityBoundingSet= (what
 * systemd gives an ExecStart= run as root): enough to give a file (the
 * control socket) to the group, and for the drop.  Keep this list equal
 * to contrib/systemd/mycrypnetd.service.in (unit_verify.sh checks that
 * side).
 */
START_TEST(drop_from_unit_bounding_set)
{
	const uint64_t unit = BIT(CAP_NET_ADMIN) | BIT(CAP_NET_BIND_SERVICE) |
	    BIT(CAP_SETUID) | BIT(CAP_SETGID) | BIT(CAP_SETPCAP) |
	    BIT(CAP_CHOWN);
	char path[300];
	struct stat st;
	int c, fd;

	snprintf(path, sizeof(path), "%s/test_privdrop.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	ck_assert_int_ge(fd = mkstemp(path), 0);
	close(fd);
	for (c = 0; prctl(PR_CAPBSET_READ, c, 0, 0, 0) >= 0; c++)
		if ((unit & BIT(c)) == 0)
			ck_assert_int_eq(prctl(PR_CAPBSET_DROP, c, 0, 0, 0), 0);
	caps_set(unit, unit);
	ck_assert_int_eq(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
	ck_assert_msg(chown(path, (uid_t)-1, nogroup_gid) == 0, "chown: %s",
	    strerror(errno));
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_gid, nogroup_gid);
	ck_assert_int_eq(unlink(path), 0);
	ck_assert_msg(privdrop("nobody", nogroup, true, err, sizeof(err)) == 0,
	    "%s", err);
	assert_caps(BIT(CAP_NET_ADMIN) | BIT(CAP_NET_BIND_SERVICE));
}
END_TEST

/* --- refusals: each leaves the process as it was ---------------------- */

START_TEST(refuse_unknown_user)
{
	uint64_t eff = status_val("CapEff");

	ck_assert_int_eq(privdrop("mcn-no-such-user", nogroup, false, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "user 'mcn-no-such-user': no such user");
	assert_untouched(eff);
}
END_TEST

START_TEST(refuse_unknown_group)
{
	uint64_t eff = status_val("CapEff");

	ck_assert_int_eq(privdrop("nobody", "mcn-no-such-group", false, err,
	    sizeof(err)), -1);
	ck_assert_str_eq(err, "group 'mcn-no-such-group': no such group");
	assert_untouched(eff);
}
END_TEST

START_TEST(refuse_bad_ids)
{
	uint64_t eff = status_val("CapEff");

	/* Signs, blanks, (uid_t)-1 and beyond are not ids. */
	ck_assert_int_eq(privdrop("-1", nogroup, false, err, sizeof(err)), -1);
	ck_assert_int_eq(privdrop(" 65534", nogroup, false, err, sizeof(err)),
	    -1);
	ck_assert_int_eq(privdrop("4294967295", nogroup, false, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(privdrop("54321", NULL, false, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "user 54321 has no passwd entry, so no primary "
	    "group: name a group");
	ck_assert_int_eq(privdrop("", nogroup, false, err, sizeof(err)), -1);
	ck_assert_int_eq(privdrop(NULL, nogroup, false, err, sizeof(err)), -1);
	ck_assert_int_eq(privdrop("nobody", "", false, err, sizeof(err)), -1);
	assert_untouched(eff);
}
END_TEST

START_TEST(refuse_root_target)
{
	uint64_t eff = status_val("CapEff");

	ck_assert_int_eq(privdrop("root", nogroup, false, err, sizeof(err)),
	    -1);
	ck_assert_ptr_nonnull(strstr(err, "uid 0"));
	ck_assert_int_eq(privdrop("0", nogroup, false, err, sizeof(err)), -1);
	ck_assert_int_eq(privdrop("nobody", "0", false, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "gid 0"));
	assert_untouched(eff);
}
END_TEST

/* Not root: an error, and nothing changes (this is what a daemon started
 * by an ordinary user gets). */
START_TEST(refuse_not_root)
{
	ck_assert_int_eq(setresuid(nobody_uid, nobody_uid, nobody_uid), 0);
	ck_assert_uint_eq(status_val("CapEff"), 0);
	ck_assert_int_eq(privdrop("nobody", nogroup, false, err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, "not running as root") != NULL, "%s", err);
	ck_assert_uint_eq(getgid(), 0);	/* untouched */
	ck_assert_uint_eq(status_val("NoNewPrivs"), 0);
}
END_TEST

/* Root without CAP_SETPCAP (a unit whose CapabilityBoundingSet= lacks
 * it) is told which capability is missing, before anything changes. */
START_TEST(refuse_missing_capability)
{
	uint64_t eff;

	eff = status_val("CapEff") & ~BIT(CAP_SETPCAP);
	caps_set(eff, eff);
	ck_assert_int_eq(privdrop("nobody", nogroup, false, err, sizeof(err)),
	    -1);
	ck_assert_msg(strstr(err, "without {CAP_SETPCAP}") != NULL, "%s", err);
	assert_untouched(eff);
	ck_assert_uint_ne(status_val("CapBnd"), BIT(CAP_NET_ADMIN));
}
END_TEST

static int thread_pipe[2];

static void *
thread_wait(void *arg)
{
	char c;

	(void)read(thread_pipe[0], &c, 1);
	return arg;
}

START_TEST(refuse_multithreaded)
{
	uint64_t eff = status_val("CapEff");
	pthread_t t;

	ck_assert_int_eq(pipe(thread_pipe), 0);
	ck_assert_int_eq(pthread_create(&t, NULL, thread_wait, NULL), 0);
	ck_assert_int_eq(privdrop("nobody", nogroup, false, err, sizeof(err)),
	    -1);
	ck_assert_str_eq(err, "the process has 2 threads; privileges must be "
	    "dropped while it has one (capabilities are per thread)");
	ck_assert_int_eq(write(thread_pipe[1], "x", 1), 1);
	ck_assert_int_eq(pthread_join(t, NULL), 0);
	assert_untouched(eff);
}
END_TEST

/* The ids privdrop would use, without changing anything. */
START_TEST(resolve_only)
{
	uint64_t eff = status_val("CapEff");
	uid_t uid = 1;
	gid_t gid = 1;

	ck_assert_msg(privdrop_resolve("nobody", nogroup, &uid, &gid, err,
	    sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(uid, nobody_uid);
	ck_assert_uint_eq(gid, nogroup_gid);
	ck_assert_int_eq(privdrop_resolve("nobody", NULL, &uid, &gid, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(gid, nobody_gid);
	ck_assert_int_eq(privdrop_resolve("54321", "7", &uid, &gid, err,
	    sizeof(err)), 0);
	ck_assert_uint_eq(uid, 54321);
	ck_assert_uint_eq(gid, 7);
	uid = gid = 1;
	ck_assert_int_eq(privdrop_resolve("root", nogroup, &uid, &gid, err,
	    sizeof(err)), -1);
	ck_assert_int_eq(privdrop_resolve("nobody", "root", &uid, &gid, err,
	    sizeof(err)), -1);
	ck_assert_uint_eq(uid, 1);	/* untouched on failure */
	ck_assert_uint_eq(gid, 1);
	assert_untouched(eff);
}
END_TEST

START_TEST(kept_caps_mask)
{
	ck_assert_uint_eq(privdrop_kept_caps(false), 0x1000);
	ck_assert_uint_eq(privdrop_kept_caps(true), 0x1400);
}
END_TEST

/* A network namespace can be made here (not in every container). */
static bool
can_unshare_net(void)
{
	pid_t pid;
	int status;

	if ((pid = fork()) == -1)
		return false;
	if (pid == 0)
		_exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0;
}

int
main(void)
{
	struct passwd *pw;
	struct group *gr;
	Suite *s;
	TCase *tc;
	SRunner *sr;
	int failed;

	if (geteuid() != 0) {
		printf("SKIP: test_privdrop needs root\n");
		return 77;
	}
	if (!can_unshare_net()) {
		printf("SKIP: cannot create a network namespace\n");
		return 77;
	}
	if ((pw = getpwnam("nobody")) == NULL) {
		printf("SKIP: no user 'nobody'\n");
		return 77;
	}
	nobody_uid = pw->pw_uid;
	nobody_gid = pw->pw_gid;
	if ((gr = getgrnam("nogroup")) == NULL &&
	    (gr = getgrnam("nobody")) == NULL) {
		printf("SKIP: neither group 'nogroup' nor 'nobody'\n");
		return 77;
	}
	nogroup = gr->gr_name[0] == 'n' && strcmp(gr->gr_name, "nogroup") == 0 ?
	    "nogroup" : "nobody";
	nogroup_gid = gr->gr_gid;

	s = suite_create("privdrop");
	tc = tcase_create("drop");
	tcase_add_test(tc, drop_to_nobody);
	tcase_add_test(tc, drop_keep_bind_service);
	tcase_add_test(tc, drop_numeric_ids);
	tcase_add_test(tc, drop_numeric_unnamed_user);
	tcase_add_test(tc, drop_primary_group);
	tcase_add_test(tc, drop_under_no_new_privs);
	tcase_add_test(tc, drop_from_unit_bounding_set);
	suite_add_tcase(s, tc);
	tc = tcase_create("refuse");
	tcase_add_test(tc, refuse_unknown_user);
	tcase_add_test(tc, refuse_unknown_group);
	tcase_add_test(tc, refuse_bad_ids);
	tcase_add_test(tc, refuse_root_target);
	tcase_add_test(tc, refuse_not_root);
	tcase_add_test(tc, refuse_missing_capability);
	tcase_add_test(tc, refuse_multithreaded);
	tcase_add_test(tc, resolve_only);
	tcase_add_test(tc, kept_caps_mask);
	suite_add_tcase(s, tc);

	sr = srunner_create(s);
	/* Each test drops privileges for good: it must be its own process. */
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
