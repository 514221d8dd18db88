/*
 * Logger: the exact line format, verbosity filtering, escaping, errno.
 * stderr is redirected to a temp file inside each (forked) test.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

static char	capfile[256];
static int	saved_fd = -1;

static void
capture_start(void)
{
	int fd;

	snprintf(capfile, sizeof(capfile), "%s/mcn-log-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	fd = mkstemp(capfile);
	ck_assert_int_ge(fd, 0);
	saved_fd = dup(STDERR_FILENO);
	ck_assert_int_ge(saved_fd, 0);
	ck_assert_int_eq(dup2(fd, STDERR_FILENO), STDERR_FILENO);
	close(fd);
}

/* Returns what was written to stderr since capture_start(); caller frees. */
static char *
capture_end(void)
{
	FILE *f;
	char *buf;
	long n;

	ck_assert_int_eq(dup2(saved_fd, STDERR_FILENO), STDERR_FILENO);
	close(saved_fd);
	f = fopen(capfile, "rb");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), n);
	buf[n] = '\0';
	fclose(f);
	unlink(capfile);
	return buf;
}

static void
assert_match(const char *s, const char *re)
{
	regex_t rx;

	ck_assert_int_eq(regcomp(&rx, re, REG_EXTENDED | REG_NEWLINE), 0);
	ck_assert_msg(regexec(&rx, s, 0, NULL, 0) == 0,
	    "\"%s\" does not match /%s/", s, re);
	regfree(&rx);
}

#define STAMP	"^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2} "

START_TEST(test_format)
{
	char *out;

	log_init(1, "test_log");
	capture_start();
	log_warnx("hello %d", 5);
	log_event(1, "connect", "cn=%s addr=%s vip=%s", "alice",
	    "192.0.2.7:1194", "10.99.8.2");
	log_event(1, "shutdown", "%s", "");
	out = capture_end();
	assert_match(out, STAMP "WARN hello 5$");
	assert_match(out, STAMP "NOTICE event=connect cn=alice "
	    "addr=192\\.0\\.2\\.7:1194 vip=10\\.99\\.8\\.2$");
	assert_match(out, STAMP "NOTICE event=shutdown$");
	free(out);
}
END_TEST

START_TEST(test_no_timestamps)
{
	char *out;

	log_init(1, "test_log");
	log_set_timestamps(0);
	capture_start();
	log_warnx("plain");
	log_event(1, "disconnect", "cn=%s reason=%s", "bob", "ping-restart");
	out = capture_end();
	ck_assert_str_eq(out, "WARN plain\n"
	    "NOTICE event=disconnect cn=bob reason=ping-restart\n");
	free(out);
}
END_TEST

START_TEST(test_verbosity)
{
	char *out;

	log_init(1, "test_log");
	log_set_timestamps(0);
	capture_start();
	log_info("info at 1");
	log_debug("debug at 1");
	log_at(4, "detail at 1");
	log_event(3, "tls", "x=1");
	log_at(0, "error at 1");
	log_set_verb(5);
	ck_assert_int_eq(log_get_verb(), 5);
	log_info("info at 5");
	log_at(4, "detail at 5");
	log_debug("debug at 5");
	log_set_verb(0);
	log_event(1, "connect", "cn=x");
	log_warnx("warn at 0");
	log_set_verb(-3);
	ck_assert_int_eq(log_get_verb(), 0);
	out = capture_end();
	ck_assert_str_eq(out,
	    "ERROR error at 1\n"
	    "INFO info at 5\n"
	    "INFO detail at 5\n"
	    "DEBUG debug at 5\n"
	    "WARN warn at 0\n");
	free(out);
}
END_TEST

START_TEST(test_warn_errno)
{
	char *out, want[256];

	log_init(1, "test_log");
	log_set_timestamps(0);
	capture_start();
	errno = ENOENT;
	log_warn("open %s", "/x");
	ck_assert_int_eq(errno, ENOENT);	/* kept for the caller */
	errno = EACCES;
	log_warnx("no errno here");
	ck_assert_int_eq(errno, EACCES);
	out = capture_end();
	snprintf(want, sizeof(want), "WARN open /x: %s\nWARN no errno here\n",
	    strerror(ENOENT));
	ck_assert_str_eq(out, want);
	free(out);
}
END_TEST

/* A peer-supplied string cannot break a line or forge another one. */
START_TEST(test_escaping)
{
	char *out;

	log_init(1, "test_log");
	log_set_timestamps(0);
	capture_start();
	log_event(1, "connect", "cn=%s",
	    "evil\n2024-01-01 00:00:00 WARN x\t\x7f");
	out = capture_end();
	ck_assert_str_eq(out, "NOTICE event=connect cn=evil\\x0a2024-01-01 "
	    "00:00:00 WARN x\\x09\\x7f\n");
	free(out);
}
END_TEST

START_TEST(test_long_line)
{
	char *big = malloc(10000), *out;
	size_t n;

	ck_assert_ptr_nonnull(big);
	memset(big, 'a', 9999);
	big[9999] = '\0';
	log_init(1, "test_log");
	capture_start();
	log_warnx("%s", big);
	log_warnx("%s", "\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01");
	out = capture_end();
	/* Two lines, the first cut short with "..." */
	n = strcspn(out, "\n");
	ck_assert_uint_lt(n, 4000);
	ck_assert_mem_eq(out + n - 3, "...", 3);
	assert_match(out + n + 1, STAMP "WARN (\\\\x01){10}\n$");
	free(out);
	free(big);
}
END_TEST

/* fatal() and fatalx() print one FATAL line and exit(1). */
static void
run_fatal(int with_errno, const char *want)
{
	char buf[512];
	ssize_t n, got = 0;
	int fds[2], status;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		log_init(0, "test_log");
		log_set_timestamps(0);
		errno = EPERM;
		if (with_errno)
			fatal("cannot start: %s", "no config");
		fatalx("cannot start: %s", "no config");
	}
	close(fds[1]);
	while ((n = read(fds[0], buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	buf[got] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 1);
	ck_assert_str_eq(buf, want);
}

START_TEST(test_fatal)
{
	char want[256];

	run_fatal(0, "FATAL cannot start: no config\n");
	snprintf(want, sizeof(want), "FATAL cannot start: no config: %s\n",
	    strerror(EPERM));
	run_fatal(1, want);
}
END_TEST

static Suite *
log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_no_timestamps);
	tcase_add_test(tc, test_verbosity);
	tcase_add_test(tc, test_warn_errno);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_long_line);
	tcase_add_test(tc, test_fatal);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(log_suite());
	int nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
