/*
 * The rig for test_control: a control socket on a private event_base in
 * a temp dir, fake ops that record what they were asked, and a client
 * over a real UNIX socket that pumps the loop while it waits.
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
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "control_rig.h"
#include "log.h"

struct fake fk;

static json_t *
fake_status(void *arg)
{
	struct control_status_hdr h = { .now = 1700000000, .uptime_s = 7385,
	    .clients = 2, .workers = 1, .has_crl = false };
	struct control_client a = { .common_name = "alice",
	    .real_address = "198.51.100.7:51234", .virtual_ipv4 = "10.8.0.6",
	    .bytes_in = 10, .bytes_out = 20, .connected_since = 1699990000,
	    .data_cipher = "AES-256-GCM", .tls_version = "TLSv1.3",
	    .key_id = 1, .last_rekey = 1699999000, .next_rekey = 1700003000,
	    .worker = 0, .peer_id = 3, .platform = "linux",
	    .version = "2.6.14", .cert_serial = "0A" };
	struct control_client b = { .common_name = "caf\xe9\xff",
	    .real_address = "[2001:db8::5]:1194", .virtual_ipv6 = "fd00::7",
	    .peer_id = -1 };
	json_t *st = control_status_new(&h);
	unsigned i;

	ck_assert_ptr_nonnull(st);
	ck_assert_int_eq(control_status_add(st, &a), 0);
	ck_assert_int_eq(control_status_add(st, &b), 0);
	for (i = 0; i < fk.big; i++)
		ck_assert_int_eq(control_status_add(st, &a), 0);
	return st;
}

static int
fake_kick(void *arg, const char *target, bool halt, int *n, char *err,
    size_t errlen)
{
	fk.kicks++;
	snprintf(fk.target, sizeof(fk.target), "%s", target);
	fk.halt = halt;
	if (fk.kick_rc == -1)
		snprintf(err, errlen, "simulated: the worker is gone");
	*n = strcmp(target, "alice") == 0 ? fk.kick_n : 0;
	return fk.kick_rc;
}

static int
fake_reload(void *arg, char *err, size_t errlen)
{
	fk.reloads++;
	if (fk.reload_rc == -1)
		snprintf(err, errlen, "line 3: unknown directive");
	return fk.reload_rc;
}

static json_t *
fake_stats(void *arg)
{
	return json_pack("{s:{s:i, s:i}}", "counters", "rx_packets", 7,
	    "forged_dropped", 2);
}

json_t *
null_status(void *arg)
{
	return NULL;
}

const struct control_ops fake_ops = {
	.status = fake_status, .kick = fake_kick, .reload = fake_reload,
	.stats = fake_stats,
};

void
rig_up(struct rig *r, const struct control_ops *ops)
{
	char err[256];

	memset(r, 0, sizeof(*r));
	memset(&fk, 0, sizeof(fk));
	fk.kick_n = 2;
	signal(SIGPIPE, SIG_IGN);
	log_set_verb(0);
	snprintf(r->dir, sizeof(r->dir), "%s/mcn-ctl-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(r->dir));
	/* The run dir does not exist yet: control_new makes it. */
	snprintf(r->run, sizeof(r->run), "%s/run", r->dir);
	snprintf(r->path, sizeof(r->path), "%s/control.sock", r->run);
	ck_assert_ptr_nonnull(r->base = event_base_new());
	r->c = control_new(r->base, r->path, ops, NULL, err, sizeof(err));
	ck_assert_msg(r->c != NULL, "control_new: %s", err);
}

void
rig_down(struct rig *r)
{
	control_free(r->c);
	event_base_free(r->base);
	unlink(r->path);
	rmdir(r->run);
	rmdir(r->dir);
}

void
pump(struct rig *r)
{
	struct timespec ts = { 0, 1000000 };

	event_base_loop(r->base, EVLOOP_NONBLOCK);
	nanosleep(&ts, NULL);
}

void
pump_ms(struct rig *r, unsigned ms)
{
	unsigned i;

	for (i = 0; i < ms; i++)
		pump(r);
}

struct client *
cl_open(struct rig *r)
{
	struct sockaddr_un sun;
	struct client *cl;

	ck_assert_ptr_nonnull(cl = calloc(1, sizeof(*cl)));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, r->path);
	ck_assert_int_ge(cl->fd = socket(AF_UNIX, SOCK_STREAM, 0), 0);
	ck_assert_int_eq(connect(cl->fd, (struct sockaddr *)&sun,
	    sizeof(sun)), 0);
	ck_assert_int_eq(fcntl(cl->fd, F_SETFL, O_NONBLOCK), 0);
	pump(r);	/* accept */
	return cl;
}

void
cl_close(struct client *cl)
{
	close(cl->fd);
	free(cl);
}

/* Writes all of p, pumping the loop whenever the socket is full. */
void
cl_write(struct rig *r, struct client *cl, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(cl->fd, p, len, MSG_NOSIGNAL);
		if (n == -1) {
			ck_assert_msg(errno == EAGAIN, "send: %s",
			    strerror(errno));
			pump(r);
			continue;
		}
		p += n;
		len -= (size_t)n;
	}
}

void
cl_send(struct rig *r, struct client *cl, const char *s)
{
	cl_write(r, cl, s, strlen(s));
}

/* Reads what is there; false if nothing came. */
bool
cl_fill(struct client *cl)
{
	ssize_t n;

	if (cl->eof || cl->len == sizeof(cl->buf))
		return false;
	n = recv(cl->fd, cl->buf + cl->len, sizeof(cl->buf) - cl->len, 0);
	if (n == 0)
		cl->eof = true;
	if (n <= 0)
		return false;
	cl->len += (size_t)n;
	return true;
}

/* The next answer line, parsed; NULL at eof or after wait_ms. */
json_t *
cl_answer_wait(struct rig *r, struct client *cl, unsigned wait_ms)
{
	json_error_t jerr;
	json_t *j;
	char *nl;
	size_t n;
	unsigned i;

	for (i = 0; i <= wait_ms; i++) {
		if ((nl = memchr(cl->buf, '\n', cl->len)) != NULL) {
			n = (size_t)(nl - cl->buf);
			j = json_loadb(cl->buf, n, 0, &jerr);
			ck_assert_msg(j != NULL, "answer is not JSON: %s",
			    jerr.text);
			memmove(cl->buf, nl + 1, cl->len - n - 1);
			cl->len -= n + 1;
			return j;
		}
		if (cl_fill(cl))
			continue;
		if (cl->eof)
			return NULL;
		pump(r);
	}
	return NULL;
}

json_t *
cl_answer(struct rig *r, struct client *cl)
{
	json_t *j = cl_answer_wait(r, cl, WAIT_MS);

	ck_assert_msg(j != NULL, "no answer (eof=%d)", cl->eof);
	return j;
}

/* True once the server has closed the connection. */
bool
cl_closed(struct rig *r, struct client *cl)
{
	unsigned i;

	for (i = 0; i < WAIT_MS && !cl->eof; i++) {
		if (!cl_fill(cl))
			pump(r);
	}
	return cl->eof;
}

json_t *
roundtrip(struct rig *r, struct client *cl, const char *req)
{
	cl_send(r, cl, req);
	cl_send(r, cl, "\n");
	return cl_answer(r, cl);
}

void
assert_ok(json_t *a, const char *cmd)
{
	ck_assert_int_eq(json_integer_value(json_object_get(a, "schema")), 1);
	ck_assert_msg(json_is_true(json_object_get(a, "ok")), "not ok: %s",
	    json_string_value(json_object_get(json_object_get(a, "error"),
	    "message")));
	ck_assert_str_eq(json_string_value(json_object_get(a, "command")), cmd);
	ck_assert(json_is_object(json_object_get(a, "result")));
	ck_assert_ptr_null(json_object_get(a, "error"));
}

void
assert_error(json_t *a, const char *code)
{
	json_t *e = json_object_get(a, "error");

	ck_assert_int_eq(json_integer_value(json_object_get(a, "schema")), 1);
	ck_assert(json_is_false(json_object_get(a, "ok")));
	ck_assert_ptr_null(json_object_get(a, "result"));
	ck_assert(json_is_object(e));
	ck_assert_str_eq(json_string_value(json_object_get(e, "code")), code);
	ck_assert(json_string_length(json_object_get(e, "message")) > 0);
}

/* One request on a fresh connection; the answer must have that code. */
void
expect_error(struct rig *r, const char *req, const char *code)
{
	struct client *cl = cl_open(r);
	json_t *a = roundtrip(r, cl, req);

	assert_error(a, code);
	json_decref(a);
	cl_close(cl);
}

uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}
