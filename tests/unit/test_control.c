/*
 * The control socket (server/control*.c) on a private event_base with
 * fake ops, driven over real UNIX sockets in a temp dir: every command,
 * every refusal, and the framing and limits (oversized, byte by byte,
 * pipelined, idle, too many clients, a client that never reads).
 *
 * Single-threaded: a client writes, then pumps the loop until its
 * answer line arrives.
 */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "control_rig.h"

START_TEST(test_socket_mode)
{
	struct rig r;
	struct stat st;

	rig_up(&r, &fake_ops);
	ck_assert_int_eq(lstat(r.path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0660);
	ck_assert_int_eq(stat(r.run, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0750);
	ck_assert_int_eq(control_set_owner(r.c, getuid(), getgid(), NULL, 0),
	    0);
	control_free(r.c);
	r.c = NULL;
	ck_assert_int_eq(lstat(r.path, &st), -1);	/* removed */
	rig_down(&r);
}
END_TEST

START_TEST(test_stale_and_live)
{
	struct rig r;
	struct sockaddr_un sun;
	struct control *c2;
	char err[256];
	int fd;

	rig_up(&r, &fake_ops);
	/* Live: a second server on the same path is refused. */
	c2 = control_new(r.base, r.path, &fake_ops, NULL, err, sizeof(err));
	ck_assert_ptr_null(c2);
	ck_assert_msg(strstr(err, "in use") != NULL, "%s", err);
	control_free(r.c);

	/* Stale: a socket nobody listens on is replaced. */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, r.path);
	ck_assert_int_ge(fd = socket(AF_UNIX, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	r.c = control_new(r.base, r.path, &fake_ops, NULL, err, sizeof(err));
	ck_assert_msg(r.c != NULL, "%s", err);
	control_free(r.c);

	/* Not a socket: left alone. */
	ck_assert_int_ge(fd = open(r.path, O_CREAT | O_WRONLY, 0600), 0);
	close(fd);
	r.c = control_new(r.base, r.path, &fake_ops, NULL, err, sizeof(err));
	ck_assert_ptr_null(r.c);
	ck_assert_msg(strstr(err, "not a socket") != NULL, "%s", err);
	ck_assert_int_eq(access(r.path, F_OK), 0);
	rig_down(&r);
}
END_TEST

START_TEST(test_status)
{
	struct rig r;
	struct client *cl;
	json_t *a, *res, *s0, *s1;

	rig_up(&r, &fake_ops);
	cl = cl_open(&r);
	a = roundtrip(&r, cl, "{\"command\":\"status\",\"schema\":1}");
	assert_ok(a, "status");
	res = json_object_get(a, "result");
	ck_assert_int_eq(json_integer_value(json_object_get(res, "uptime_s")),
	    7385);
	ck_assert_int_eq(json_integer_value(json_object_get(res, "clients")),
	    2);
	ck_assert(json_is_null(json_object_get(res, "crl_next_update")));
	ck_assert_int_eq(json_array_size(json_object_get(res, "sessions")), 2);
	s0 = json_array_get(json_object_get(res, "sessions"), 0);
	s1 = json_array_get(json_object_get(res, "sessions"), 1);
	ck_assert_str_eq(json_string_value(json_object_get(s0, "common_name")),
	    "alice");
	ck_assert_str_eq(json_string_value(json_object_get(s0,
	    "real_address")), "198.51.100.7:51234");
	ck_assert(json_is_null(json_object_get(s0, "virtual_ipv6")));
	ck_assert_int_eq(json_integer_value(json_object_get(s0, "peer_id")),
	    3);
	ck_assert_int_eq(json_integer_value(json_object_get(s0,
	    "next_rekey")), 1700003000);
	ck_assert_str_eq(json_string_value(json_object_get(s0,
	    "cert_serial")), "0A");
	/* Not UTF-8 in, valid JSON out; unknown values are null. */
	ck_assert_str_eq(json_string_value(json_object_get(s1, "common_name")),
	    "caf??");
	ck_assert(json_is_null(json_object_get(s1, "virtual_ipv4")));
	ck_assert(json_is_null(json_object_get(s1, "peer_id")));
	ck_assert(json_is_null(json_object_get(s1, "last_rekey")));
	ck_assert(json_is_null(json_object_get(s1, "platform")));
	ck_assert_int_eq(json_object_size(s0), 17);
	json_decref(a);
	cl_close(cl);
	rig_down(&r);
}
END_TEST

START_TEST(test_kick)
{
	struct rig r;
	struct client *cl;
	json_t *a, *res;
	char req[400];

	rig_up(&r, &fake_ops);
	cl = cl_open(&r);
	a = roundtrip(&r, cl, "{\"command\":\"kick\",\"target\":\"alice\","
	    "\"halt\":true}");
	assert_ok(a, "kick");
	res = json_object_get(a, "result");
	ck_assert_int_eq(json_integer_value(json_object_get(res, "kicked")),
	    2);
	ck_assert(json_is_true(json_object_get(res, "halt")));
	ck_assert_str_eq(fk.target, "alice");
	ck_assert(fk.halt);
	json_decref(a);
	a = roundtrip(&r, cl, "{\"command\":\"kick\",\"target\":\"alice\"}");
	assert_ok(a, "kick");
	ck_assert(!fk.halt);		/* halt defaults to false */
	json_decref(a);

	a = roundtrip(&r, cl, "{\"command\":\"kick\",\"target\":\"10.9.9.9\"}");
	assert_error(a, CONTROL_E_UNKNOWN_TARGET);
	ck_assert(strstr(json_string_value(json_object_get(json_object_get(a,
	    "error"), "message")), "10.9.9.9") != NULL);
	json_decref(a);
	fk.kick_rc = -1;
	a = roundtrip(&r, cl, "{\"command\":\"kick\",\"target\":\"alice\"}");
	assert_error(a, CONTROL_E_FAILED);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(a,
	    "error"), "message")), "simulated: the worker is gone");
	json_decref(a);
	ck_assert_int_eq(fk.kicks, 4);

	/* Refused before the daemon hears of it. */
	expect_error(&r, "{\"command\":\"kick\"}", CONTROL_E_BAD_ARG);
	expect_error(&r, "{\"command\":\"kick\",\"target\":7}",
	    CONTROL_E_BAD_ARG);
	expect_error(&r, "{\"command\":\"kick\",\"target\":\"\"}",
	    CONTROL_E_BAD_ARG);
	expect_error(&r, "{\"command\":\"kick\",\"target\":\"a\\nb\"}",
	    CONTROL_E_BAD_ARG);
	expect_error(&r, "{\"command\":\"kick\",\"target\":\"alice\","
	    "\"halt\":\"yes\"}", CONTROL_E_BAD_ARG);
	expect_error(&r, "{\"command\":\"kick\",\"target\":\"alice\","
	    "\"hlat\":true}", CONTROL_E_BAD_ARG);
	memset(req, 0, sizeof(req));
	strcpy(req, "{\"command\":\"kick\",\"target\":\"");
	memset(req + strlen(req), 'x', CONTROL_TARGET_MAX + 1);
	strcat(req, "\"}");
	expect_error(&r, req, CONTROL_E_BAD_ARG);
	ck_assert_int_eq(fk.kicks, 4);
	cl_close(cl);
	rig_down(&r);
}
END_TEST

START_TEST(test_reload_stats_version)
{
	struct rig r;
	struct client *cl;
	json_t *a, *res;

	rig_up(&r, &fake_ops);
	cl = cl_open(&r);
	a = roundtrip(&r, cl, "{\"command\":\"reload\"}");
	assert_ok(a, "reload");
	json_decref(a);
	fk.reload_rc = -1;
	a = roundtrip(&r, cl, "{\"command\":\"reload\"}");
	assert_error(a, CONTROL_E_FAILED);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(a,
	    "error"), "message")), "line 3: unknown directive");
	ck_assert_str_eq(json_string_value(json_object_get(a, "command")),
	    "reload");
	json_decref(a);
	ck_assert_int_eq(fk.reloads, 2);

	a = roundtrip(&r, cl, "{\"command\":\"stats\"}");
	assert_ok(a, "stats");
	res = json_object_get(json_object_get(a, "result"), "counters");
	ck_assert_int_eq(json_integer_value(json_object_get(res,
	    "forged_dropped")), 2);
	json_decref(a);

	a = roundtrip(&r, cl, "{\"command\":\"version\"}");
	assert_ok(a, "version");
	res = json_object_get(a, "result");
	ck_assert_str_eq(json_string_value(json_object_get(res, "name")),
	    "mycrypnetd");
	ck_assert_str_eq(json_string_value(json_object_get(res, "version")),
	    PACKAGE_VERSION);
	ck_assert_int_eq(json_integer_value(json_object_get(res, "schema")),
	    CONTROL_SCHEMA);
	json_decref(a);
	expect_error(&r, "{\"command\":\"reload\",\"now\":true}",
	    CONTROL_E_BAD_ARG);
	cl_close(cl);
	rig_down(&r);
}
END_TEST

START_TEST(test_bad_requests)
{
	static const struct { const char *req, *code; } cases[] = {
		{ "{nope", CONTROL_E_BAD_JSON },
		{ "{\"command\":\"status\"} trailing", CONTROL_E_BAD_JSON },
		{ "{\"command\":\"status\",\"command\":\"kick\"}",
		    CONTROL_E_BAD_JSON },
		{ "\"status\"", CONTROL_E_BAD_REQUEST },
		{ "[1,2]", CONTROL_E_BAD_REQUEST },
		{ "{}", CONTROL_E_BAD_REQUEST },
		{ "{\"command\":5}", CONTROL_E_BAD_REQUEST },
		{ "{\"command\":null}", CONTROL_E_BAD_REQUEST },
		{ "{\"command\":\"frobnicate\"}", CONTROL_E_UNKNOWN_CMD },
		{ "{\"command\":\"STATUS\"}", CONTROL_E_UNKNOWN_CMD },
		{ "{\"command\":\"status\",\"schema\":2}", CONTROL_E_SCHEMA },
		{ "{\"command\":\"status\",\"schema\":\"1\"}",
		    CONTROL_E_BAD_ARG },
		{ "{\"command\":\"status\",\"schema\":0}", CONTROL_E_BAD_ARG },
		{ "{\"command\":\"status\",\"id\":[1]}", CONTROL_E_BAD_ARG },
		{ "{\"command\":\"status\",\"verbose\":true}",
		    CONTROL_E_BAD_ARG },
	};
	struct rig r;
	struct client *cl;
	json_t *a;
	size_t i;

	rig_up(&r, &fake_ops);
	/* All on one connection: a bad request costs only its answer. */
	cl = cl_open(&r);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		a = roundtrip(&r, cl, cases[i].req);
		assert_error(a, cases[i].code);
		json_decref(a);
	}
	a = roundtrip(&r, cl, "{\"command\":\"frobnicate\"}");
	ck_assert_ptr_null(json_object_get(a, "command"));
	json_decref(a);
	/* Bytes that are not UTF-8, and a NUL inside the line. */
	cl_write(&r, cl, "{\"command\":\"st\xff\"}\n", 18);
	a = cl_answer(&r, cl);
	assert_error(a, CONTROL_E_BAD_JSON);
	json_decref(a);
	cl_write(&r, cl, "{\"command\":\0\"status\"}\n", 22);
	a = cl_answer(&r, cl);
	assert_error(a, CONTROL_E_BAD_JSON);
	json_decref(a);
	/* An unknown name whose quote in the message is cut inside a UTF-8
	 * character (found by fuzz_control): the error still comes. */
	a = roundtrip(&r, cl, "{\"command\":\"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\xc3\xa9\"}");
	assert_error(a, CONTROL_E_UNKNOWN_CMD);
	json_decref(a);
	a = roundtrip(&r, cl, "{\"command\":\"status\"}");
	assert_ok(a, "status");
	json_decref(a);
	cl_close(cl);
	rig_down(&r);
}
END_TEST

START_TEST(test_id_echo)
{
	struct rig r;
	struct client *cl;
	json_t *a;

	rig_up(&r, &fake_ops);
	cl = cl_open(&r);
	a = roundtrip(&r, cl, "{\"command\":\"version\",\"id\":\"abc\"}");
	ck_assert_str_eq(json_string_value(json_object_get(a, "id")), "abc");
	json_decref(a);
	a = roundtrip(&r, cl, "{\"command\":\"nope\",\"id\":42}");
	assert_error(a, CONTROL_E_UNKNOWN_CMD);
	ck_assert_int_eq(json_integer_value(json_object_get(a, "id")), 42);
	json_decref(a);
	cl_close(cl);
	rig_down(&r);
}
END_TEST

START_TEST(test_oversized)
{
	struct rig r;
	struct client *a, *b, *c;
	json_t *j;
	char *big;
	size_t n = CONTROL_REQ_MAX + 4096;

	rig_up(&r, &fake_ops);
	ck_assert_ptr_nonnull(big = malloc(n));
	a = cl_open(&r);
	b = cl_open(&r);
	/* No newline at all. */
	memset(big, 'x', n);
	cl_write(&r, a, big, n);
	j = cl_answer(&r, a);
	assert_error(j, CONTROL_E_TOO_LARGE);
	json_decref(j);
	ck_assert(cl_closed(&r, a));
	/* The other client, already connected, and a new one: served. */
	j = roundtrip(&r, b, "{\"command\":\"version\"}");
	assert_ok(j, "version");
	json_decref(j);
	cl_close(a);

	/* A newline, but too late: valid JSON, one byte over the cap. */
	a = cl_open(&r);
	memset(big, ' ', n);
	memcpy(big, "{\"command\":\"status\"}", 20);
	big[CONTROL_REQ_MAX] = '\n';
	cl_write(&r, a, big, CONTROL_REQ_MAX + 1);
	j = cl_answer(&r, a);
	assert_error(j, CONTROL_E_TOO_LARGE);
	json_decref(j);
	ck_assert(cl_closed(&r, a));
	/* Exactly at the cap (newline included) is fine. */
	c = cl_open(&r);
	big[CONTROL_REQ_MAX - 1] = '\n';
	cl_write(&r, c, big, CONTROL_REQ_MAX);
	j = cl_answer(&r, c);
	assert_ok(j, "status");
	json_decref(j);
	j = roundtrip(&r, b, "{\"command\":\"version\"}");
	assert_ok(j, "version");
	json_decref(j);
	cl_close(a);
	cl_close(b);
	cl_close(c);
	free(big);
	rig_down(&r);
}
END_TEST

START_TEST(test_byte_by_byte)
{
	static const char req[] = "{\"command\":\"kick\",\"target\":\"alice\"}\n";
	struct rig r;
	struct client *cl;
	json_t *a;
	size_t i;

	rig_up(&r, &fake_ops);
	cl = cl_open(&r);
	for (i = 0; i + 1 < sizeof(req) - 1; i++) {
		cl_write(&r, cl, req + i, 1);
		pump_ms(&r, 2);
		ck_assert(!cl_fill(cl));	/* nothing before the newline */
		ck_assert_int_eq(fk.kicks, 0);
	}
	cl_write(&r, cl, "\n", 1);
	a = cl_answer(&r, cl);
	assert_ok(a, "kick");
	ck_assert_int_eq(fk.kicks, 1);
	json_decref(a);
	cl_close(cl);
	rig_down(&r);
}
END_TEST

START_TEST(test_pipelined)
{
	struct rig r;
	struct client *cl;
	json_t *a;
	int i;

	rig_up(&r, &fake_ops);
	cl = cl_open(&r);
	/* Answers in request order; blank lines ignored; CRLF accepted. */
	cl_send(&r, cl, "{\"command\":\"version\",\"id\":1}\n\n   \n"
	    "{\"command\":\"nope\",\"id\":2}\r\n"
	    "{\"command\":\"status\",\"id\":3}\n"
	    "{\"command\":\"kick\",\"target\":\"alice\",\"id\":4}\n");
	for (i = 1; i <= 4; i++) {
		a = cl_answer(&r, cl);
		ck_assert_int_eq(json_integer_value(json_object_get(a, "id")),
		    i);
		if (i == 2)
			assert_error(a, CONTROL_E_UNKNOWN_CMD);
		else
			ck_assert(json_is_true(json_object_get(a, "ok")));
		json_decref(a);
	}
	ck_assert_ptr_null(cl_answer_wait(&r, cl, 50));	/* no fifth */
	cl_close(cl);
	rig_down(&r);
}
END_TEST

START_TEST(test_half_close)
{
	struct rig r;
	struct client *cl;
	json_t *a;

	rig_up(&r, &fake_ops);
	cl = cl_open(&r);
	/* printf '{"command":"version"}' | nc -U: no newline, then EOF. */
	cl_send(&r, cl, "{\"command\":\"status\"}\n{\"command\":\"version\"}");
	shutdown(cl->fd, SHUT_WR);
	a = cl_answer(&r, cl);
	assert_ok(a, "status");
	json_decref(a);
	a = cl_answer(&r, cl);
	assert_ok(a, "version");
	json_decref(a);
	ck_assert(cl_closed(&r, cl));
	pump_ms(&r, 5);
	ck_assert_uint_eq(control_nconns(r.c), 0);
	cl_close(cl);
	rig_down(&r);
}
END_TEST

START_TEST(test_idle_timeout)
{
	struct rig r;
	struct client *a, *b;
	uint64_t t0;
	json_t *j;

	rig_up(&r, &fake_ops);
	control_set_timeout(r.c, 300);
	t0 = mono_ms();
	a = cl_open(&r);
	cl_send(&r, a, "{\"comm");	/* a slow client never finishes */
	b = cl_open(&r);
	j = roundtrip(&r, b, "{\"command\":\"version\"}");	/* b is served */
	assert_ok(j, "version");
	json_decref(j);
	j = cl_answer(&r, a);
	ck_assert_uint_ge(mono_ms() - t0, 290);	/* not before its time */
	assert_error(j, CONTROL_E_TIMEOUT);
	json_decref(j);
	ck_assert(cl_closed(&r, a));
	ck_assert(cl_closed(&r, b));	/* then idle too */
	ck_assert_uint_eq(control_nconns(r.c), 0);
	cl_close(a);
	cl_close(b);
	rig_down(&r);
}
END_TEST

START_TEST(test_many_and_busy)
{
	struct rig r;
	struct client *cl[CONTROL_MAX_CONNS + 1];
	json_t *a;
	unsigned i;

	rig_up(&r, &fake_ops);
	for (i = 0; i < CONTROL_MAX_CONNS; i++)
		cl[i] = cl_open(&r);
	pump_ms(&r, 5);
	ck_assert_uint_eq(control_nconns(r.c), CONTROL_MAX_CONNS);
	/* One too many: "busy", closed; the others unaffected. */
	cl[CONTROL_MAX_CONNS] = cl_open(&r);
	a = cl_answer(&r, cl[CONTROL_MAX_CONNS]);
	assert_error(a, CONTROL_E_BUSY);
	json_decref(a);
	ck_assert(cl_closed(&r, cl[CONTROL_MAX_CONNS]));
	for (i = 0; i < CONTROL_MAX_CONNS; i++)
		cl_send(&r, cl[i], "{\"command\":\"status\"}\n");
	for (i = 0; i < CONTROL_MAX_CONNS; i++) {
		a = cl_answer(&r, cl[i]);
		assert_ok(a, "status");
		json_decref(a);
	}
	/* A slot freed is a slot again. */
	cl_close(cl[0]);
	pump_ms(&r, 5);
	cl[0] = cl_open(&r);
	a = roundtrip(&r, cl[0], "{\"command\":\"version\"}");
	assert_ok(a, "version");
	json_decref(a);
	for (i = 0; i <= CONTROL_MAX_CONNS; i++)
		cl_close(cl[i]);
	rig_down(&r);
}
END_TEST

START_TEST(test_slow_reader)
{
	struct rig r;
	struct client *cl, *other;
	json_t *a;
	int i;

	rig_up(&r, &fake_ops);
	fk.big = 4000;		/* ~1.5 MB per status answer */
	cl = cl_open(&r);
	other = cl_open(&r);
	/* Ten big answers asked for, none read yet: reading pauses. */
	for (i = 0; i < 10; i++)
		cl_send(&r, cl, "{\"command\":\"status\"}\n");
	pump_ms(&r, 20);
	a = roundtrip(&r, other, "{\"command\":\"version\"}");
	assert_ok(a, "version");
	json_decref(a);
	for (i = 0; i < 10; i++) {
		char *nl;

		/* Lines bigger than the client buffer: skip, count. */
		for (;;) {
			if ((nl = memchr(cl->buf, '\n', cl->len)) != NULL) {
				size_t n = (size_t)(nl - cl->buf) + 1;

				memmove(cl->buf, nl + 1, cl->len - n);
				cl->len -= n;
				break;
			}
			if (cl->len == sizeof(cl->buf))
				cl->len = 0;
			if (!cl_fill(cl)) {
				ck_assert(!cl->eof);
				pump(&r);
			}
		}
	}
	/* And a client that asks and hangs up costs nothing. */
	cl_send(&r, other, "{\"command\":\"status\"}\n");
	cl_close(other);
	pump_ms(&r, 20);
	ck_assert_uint_eq(control_nconns(r.c), 1);
	cl_close(cl);
	rig_down(&r);
}
END_TEST

START_TEST(test_unsupported_and_internal)
{
	static const struct control_ops none = { 0 };
	static const struct control_ops broken = { .status = null_status };
	struct rig r;

	rig_up(&r, &none);
	expect_error(&r, "{\"command\":\"status\"}", CONTROL_E_UNSUPPORTED);
	expect_error(&r, "{\"command\":\"kick\",\"target\":\"x\"}",
	    CONTROL_E_UNSUPPORTED);
	expect_error(&r, "{\"command\":\"reload\"}", CONTROL_E_UNSUPPORTED);
	expect_error(&r, "{\"command\":\"stats\"}", CONTROL_E_UNSUPPORTED);
	rig_down(&r);
	rig_up(&r, &broken);
	expect_error(&r, "{\"command\":\"status\"}", CONTROL_E_INTERNAL);
	rig_down(&r);
}
END_TEST

START_TEST(test_bad_paths)
{
	struct event_base *base = event_base_new();
	char err[256], path[200];

	ck_assert_ptr_null(control_new(base, "", &fake_ops, NULL, err,
	    sizeof(err)));
	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	ck_assert_ptr_null(control_new(base, path, &fake_ops, NULL, err,
	    sizeof(err)));
	ck_assert_msg(strstr(err, "longer") != NULL, "%s", err);
	/* Two levels missing: only one is created. */
	ck_assert_ptr_null(control_new(base, "/nonexistent-mcn/a/b.sock",
	    &fake_ops, NULL, err, sizeof(err)));
	event_base_free(base);
}
END_TEST

static Suite *
control_suite(void)
{
	Suite *s = suite_create("control");
	TCase *tc = tcase_create("socket");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_socket_mode);
	tcase_add_test(tc, test_stale_and_live);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_kick);
	tcase_add_test(tc, test_reload_stats_version);
	tcase_add_test(tc, test_bad_requests);
	tcase_add_test(tc, test_id_echo);
	tcase_add_test(tc, test_oversized);
	tcase_add_test(tc, test_byte_by_byte);
	tcase_add_test(tc, test_pipelined);
	tcase_add_test(tc, test_half_close);
	tcase_add_test(tc, test_idle_timeout);
	tcase_add_test(tc, test_many_and_busy);
	tcase_add_test(tc, test_slow_reader);
	tcase_add_test(tc, test_unsupported_and_internal);
	tcase_add_test(tc, test_bad_paths);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(control_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
