/*
 * sdnotify against a local AF_UNIX datagram socket standing in for
 * systemd's: a path socket in a private temporary directory and an
 * abstract "@name" one.  Each test reads back the exact datagram.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <check.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sdnotify.h"

static char dir[256], sockpath[300], abstract[64];
static int rfd = -1;

/* A bound datagram socket; name is a path or "@name". */
static int
listen_on(const char *name)
{
	struct sockaddr_un sun;
	socklen_t alen;
	size_t n = strlen(name);
	int fd;

	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	ck_assert_uint_lt(n, sizeof(sun.sun_path));
	memcpy(sun.sun_path, name, n);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
	    (name[0] != '@'));
	ck_assert_msg(bind(fd, (struct sockaddr *)&sun, alen) == 0,
	    "bind %s: %s", name, strerror(errno));
	return fd;
}

/* The next datagram, NUL-terminated; "" if none is waiting. */
static const char *
received(void)
{
	static char buf[2048];
	ssize_t n;

	n = recv(rfd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	if (n < 0) {
		ck_assert_int_eq(errno, EAGAIN);
		n = 0;
	}
	buf[n] = '\0';
	return buf;
}

static void
setup_path(void)
{
	snprintf(dir, sizeof(dir), "%s/test_sdnotify.XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(sockpath, sizeof(sockpath), "%s/notify", dir);
	rfd = listen_on(sockpath);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", sockpath, 1), 0);
}

static void
teardown_path(void)
{
	close(rfd);
	unlink(sockpath);
	rmdir(dir);
	unsetenv("NOTIFY_SOCKET");
}

static void
setup_abstract(void)
{
	snprintf(abstract, sizeof(abstract), "@mcn-test-sdnotify-%ld",
	    (long)getpid());
	rfd = listen_on(abstract);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", abstract, 1), 0);
}

static void
teardown_abstract(void)
{
	close(rfd);
	unsetenv("NOTIFY_SOCKET");
}

START_TEST(path_messages)
{
	ck_assert_int_eq(sdnotify("READY=1"), 1);
	ck_assert_str_eq(received(), "READY=1");
	ck_assert_int_eq(sdnotify_ready(NULL), 1);
	ck_assert_str_eq(received(), "READY=1");
	ck_assert_int_eq(sdnotify_ready("tun0 up, 0 clients"), 1);
	ck_assert_str_eq(received(), "READY=1\nSTATUS=tun0 up, 0 clients");
	ck_assert_int_eq(sdnotify_stopping(), 1);
	ck_assert_str_eq(received(), "STOPPING=1");
	ck_assert_int_eq(sdnotify_status("%u clients", 42u), 1);
	ck_assert_str_eq(received(), "STATUS=42 clients");
	ck_assert_str_eq(received(), "");	/* one datagram per call */
}
END_TEST

/* A newline in the text must not become a second assignment. */
START_TEST(status_newlines_blanked)
{
	ck_assert_int_eq(sdnotify_status("a\nREADY=1\n"), 1);
	ck_assert_str_eq(received(), "STATUS=a READY=1 ");
	ck_assert_int_eq(sdnotify_ready("x\ny"), 1);
	ck_assert_str_eq(received(), "READY=1\nSTATUS=x y");
}
END_TEST

START_TEST(status_cut_to_limit)
{
	char big[2000];
	const char *got;

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(sdnotify_status("%s", big), 1);
	got = received();
	ck_assert_uint_eq(strlen(got), strlen("STATUS=") + 511);
	ck_assert_int_eq(strncmp(got, "STATUS=xxx", 10), 0);
}
END_TEST

START_TEST(reloading_has_monotonic_usec)
{
	struct timespec a, b;
	unsigned long long usec, lo, hi;
	const char *got;
	char *end;

	ck_assert_int_eq(clock_gettime(CLOCK_MONOTONIC, &a), 0);
	ck_assert_int_eq(sdnotify_reloading(), 1);
	ck_assert_int_eq(clock_gettime(CLOCK_MONOTONIC, &b), 0);
	got = received();
	ck_assert_msg(strncmp(got, "RELOADING=1\nMONOTONIC_USEC=", 27) == 0,
	    "got \"%s\"", got);
	usec = strtoull(got + 27, &end, 10);
	ck_assert_int_eq(*end, '\0');
	lo = (unsigned long long)a.tv_sec * 1000000ULL +
	    (unsigned long long)a.tv_nsec / 1000ULL;
	hi = (unsigned long long)b.tv_sec * 1000000ULL +
	    (unsigned long long)b.tv_nsec / 1000ULL;
	ck_assert_uint_ge(usec, lo);
	ck_assert_uint_le(usec, hi);
}
END_TEST

START_TEST(abstract_socket)
{
	ck_assert_int_eq(sdnotify_ready("abstract"), 1);
	ck_assert_str_eq(received(), "READY=1\nSTATUS=abstract");
	ck_assert_int_eq(sdnotify_stopping(), 1);
	ck_assert_str_eq(received(), "STOPPING=1");
}
END_TEST

START_TEST(no_socket_is_noop)
{
	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(sdnotify("READY=1"), 0);
	ck_assert_int_eq(sdnotify_ready("x"), 0);
	ck_assert_int_eq(sdnotify_reloading(), 0);
	ck_assert_int_eq(sdnotify_stopping(), 0);
	ck_assert_int_eq(sdnotify_status("x"), 0);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "", 1), 0);
	ck_assert_int_eq(sdnotify("READY=1"), 0);
	unsetenv("NOTIFY_SOCKET");
}
END_TEST

START_TEST(bad_socket_is_error)
{
	char longpath[200];

	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "relative/path", 1), 0);
	errno = 0;
	ck_assert_int_eq(sdnotify("READY=1"), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "@", 1), 0);
	ck_assert_int_eq(sdnotify("READY=1"), -1);
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", longpath, 1), 0);
	ck_assert_int_eq(sdnotify("READY=1"), -1);
	ck_assert_int_eq(errno, EINVAL);
	/* Well-formed but nobody listening. */
	ck_assert_int_eq(setenv("NOTIFY_SOCKET", "/nonexistent/notify", 1), 0);
	ck_assert_int_eq(sdnotify("READY=1"), -1);
	ck_assert_int_eq(errno, ENOENT);
	unsetenv("NOTIFY_SOCKET");
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("sdnotify");
	TCase *tc;
	SRunner *sr;
	int failed;

	tc = tcase_create("path");
	tcase_add_checked_fixture(tc, setup_path, teardown_path);
	tcase_add_test(tc, path_messages);
	tcase_add_test(tc, status_newlines_blanked);
	tcase_add_test(tc, status_cut_to_limit);
	tcase_add_test(tc, reloading_has_monotonic_usec);
	suite_add_tcase(s, tc);
	tc = tcase_create("abstract");
	tcase_add_checked_fixture(tc, setup_abstract, teardown_abstract);
	tcase_add_test(tc, abstract_socket);
	suite_add_tcase(s, tc);
	tc = tcase_create("env");
	tcase_add_test(tc, no_socket_is_noop);
	tcase_add_test(tc, bad_socket_is_error);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
