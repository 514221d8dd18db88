/*
 * The control socket: listening, connections, framing and limits.
 * What a request means is control_cmd.c's business.
 *
 * Invariants, per connection:
 *  - input held is at most CONTROL_REQ_MAX bytes (the read high-water
 *    mark); a line that does not fit is answered "too-large" and the
 *    connection closed, since there is no telling where the next request
 *    would start;
 *  - answers are queued whole, in request order; while more than
 *    CONN_OUT_HIGH bytes wait to be read, no further request is read, so
 *    a client that pipelines and never reads holds at most one answer
 *    beyond that mark;
 *  - a connection that completes no request, or leaves an answer unread,
 *    for idle_ms is closed; once closing, it gets idle_ms to drain.
 * At most CONTROL_MAX_CONNS connections; more are answered "busy".
 * Requires SIGPIPE ignored (the daemon does): a client that hangs up
 * early must cost an EPIPE, not the process.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "control_int.h"
#include "log.h"

#define CONN_OUT_HIGH		(1024 * 1024)	/* pause reading above */
#define LISTEN_BACKLOG		64
#define RELISTEN_MS		1000	/* after EMFILE and the like */

struct conn {
	struct control		*c;
	struct bufferevent	*bev;
	struct event		*idle;
	struct control_peer	 peer;
	bool			 closing;	/* drain the output, then free */
	bool			 paused;	/* reading off: output too big */
	TAILQ_ENTRY(conn)	 entry;
};

static void	conn_read_cb(struct bufferevent *, void *);
static void	conn_write_cb(struct bufferevent *, void *);
static void	conn_event_cb(struct bufferevent *, short, void *);
static void	conn_idle_cb(evutil_socket_t, short, void *);

static void
conn_free(struct conn *cn)
{
	TAILQ_REMOVE(&cn->c->conns, cn, entry);
	cn->c->nconns--;
	event_free(cn->idle);
	bufferevent_free(cn->bev);
	free(cn);
}

static void
conn_arm_idle(struct conn *cn)
{
	struct timeval tv;

	tv.tv_sec = cn->c->idle_ms / 1000;
	tv.tv_usec = (cn->c->idle_ms % 1000) * 1000;
	evtimer_add(cn->idle, &tv);
}

/* Queues an answer line; consumes ans. */
static void
conn_send(struct conn *cn, json_t *ans)
{
	static const char oom[] = "{\"schema\":1,\"ok\":false,\"error\":"
	    "{\"code\":\"internal\",\"message\":\"out of memory\"}}\n";
	char *s;

	s = ans != NULL ? json_dumps(ans, JSON_COMPACT) : NULL;
	json_decref(ans);
	if (s == NULL) {
		bufferevent_write(cn->bev, oom, sizeof(oom) - 1);
		return;
	}
	/* JSON_COMPACT never emits a newline: one answer, one line. */
	bufferevent_write(cn->bev, s, strlen(s));
	bufferevent_write(cn->bev, "\n", 1);
	free(s);
}

/* Stops reading; frees the connection once its output has drained. */
static void
conn_close(struct conn *cn)
{
	cn->closing = true;
	bufferevent_disable(cn->bev, EV_READ);
	conn_arm_idle(cn);	/* the deadline for draining */
	if (evbuffer_get_length(bufferevent_get_output(cn->bev)) == 0)
		conn_free(cn);
}

static void
conn_answer_line(struct conn *cn, const char *line, size_t len)
{
	json_t *ans;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (control_dispatch(cn->c, line, len, &cn->peer, &ans) == 1)
		conn_send(cn, ans);	/* NULL: "out of memory" */
}

/*
 * Answers every complete line in the input.  At eof, a last line
 * without its newline counts too (printf '...' | nc -U).  Returns -1 if
 * the connection was freed.
 */
static int
conn_process(struct conn *cn, bool eof)
{
	struct evbuffer *in = bufferevent_get_input(cn->bev);
	struct evbuffer_ptr p;
	size_t len, eol;
	char *line;

	if (cn->closing)
		return 0;
	for (;;) {
		if (evbuffer_get_length(bufferevent_get_output(cn->bev)) >
		    CONN_OUT_HIGH) {
			cn->paused = true;
			bufferevent_disable(cn->bev, EV_READ);
			return 0;
		}
		p = evbuffer_search_eol(in, NULL, &eol, EVBUFFER_EOL_LF);
		if (p.pos < 0) {
			len = evbuffer_get_length(in);
			if (len >= CONTROL_REQ_MAX)
				break;
			if (len == 0 || !eof)
				return 0;
			eol = 0;
		} else
			len = (size_t)p.pos;
		if (len + eol > CONTROL_REQ_MAX)
			break;
		/* Out of memory here ends the connection like a long line. */
		if ((line = (char *)evbuffer_pullup(in, (ssize_t)len)) == NULL &&
		    len > 0)
			break;
		conn_answer_line(cn, line, len);
		evbuffer_drain(in, len + eol);
		conn_arm_idle(cn);
	}
	conn_send(cn, control_error_answer(CONTROL_E_TOO_LARGE,
	    "request longer than %u bytes; closing the connection",
	    (unsigned)CONTROL_REQ_MAX));
	log_event(3, "control-refused", "uid=%d pid=%d reason=too-large",
	    (int)cn->peer.uid, (int)cn->peer.pid);
	conn_close(cn);
	return -1;
}

static void
conn_read_cb(struct bufferevent *bev, void *arg)
{
	conn_process(arg, false);
}

static void
conn_write_cb(struct bufferevent *bev, void *arg)
{
	struct conn *cn = arg;

	/* Called with the output empty (write low-water mark 0). */
	if (cn->closing) {
		conn_free(cn);
		return;
	}
	conn_arm_idle(cn);
	if (cn->paused) {
		cn->paused = false;
		bufferevent_enable(bev, EV_READ);
		conn_process(cn, false);	/* requests already read */
	}
}

static void
conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct conn *cn = arg;

	if ((what & BEV_EVENT_EOF) && !(what & BEV_EVENT_ERROR) &&
	    !cn->closing) {
		/* Half-closed: answer what came, then go. */
		if (conn_process(cn, true) == 0)
			conn_close(cn);
		return;
	}
	conn_free(cn);
}

static void
conn_idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct conn *cn = arg;

	if (cn->closing ||
	    evbuffer_get_length(bufferevent_get_output(cn->bev)) > 0) {
		conn_free(cn);		/* not reading what we send */
		return;
	}
	conn_send(cn, control_error_answer(CONTROL_E_TIMEOUT,
	    "no request for %u ms; closing the connection", cn->c->idle_ms));
	conn_close(cn);
}

/* More connections than we serve: a best-effort "busy", then close. */
static void
refuse_busy(int fd)
{
	json_t *ans;
	char *s;

	ans = control_error_answer(CONTROL_E_BUSY, "too many control "
	    "connections (%u); try again", (unsigned)CONTROL_MAX_CONNS);
	if (ans != NULL && (s = json_dumps(ans, JSON_COMPACT)) != NULL) {
		size_t n = strlen(s);

		s[n] = '\n';	/* replaces the NUL; written without it */
		(void)send(fd, s, n + 1, MSG_DONTWAIT | MSG_NOSIGNAL);
		free(s);
	}
	json_decref(ans);
	close(fd);
}

static void
accept_cb(struct evconnlistener *lis, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct control *c = arg;
	struct conn *cn;
	struct ucred cred;
	socklen_t credlen = sizeof(cred);

	if (c->nconns >= CONTROL_MAX_CONNS) {
		log_event(3, "control-refused", "reason=busy conns=%u",
		    c->nconns);
		refuse_busy(fd);
		return;
	}
	if ((cn = calloc(1, sizeof(*cn))) == NULL)
		goto fail;
	cn->c = c;
	cn->peer.uid = (uid_t)-1;
	cn->peer.pid = -1;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &credlen) == 0) {
		cn->peer.uid = cred.uid;
		cn->peer.pid = cred.pid;
	}
	if ((cn->bev = bufferevent_socket_new(c->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		goto fail;
	fd = -1;	/* the bufferevent owns it */
	if ((cn->idle = evtimer_new(c->base, conn_idle_cb, cn)) == NULL)
		goto fail;
	bufferevent_setcb(cn->bev, conn_read_cb, conn_write_cb, conn_event_cb,
	    cn);
	bufferevent_setwatermark(cn->bev, EV_READ, 0, CONTROL_REQ_MAX);
	if (bufferevent_enable(cn->bev, EV_READ | EV_WRITE) == -1)
		goto fail;
	TAILQ_INSERT_TAIL(&c->conns, cn, entry);
	c->nconns++;
	conn_arm_idle(cn);
	return;
fail:
	log_warnx("control: cannot set up a connection (out of memory)");
	if (cn != NULL) {
		if (cn->idle != NULL)
			event_free(cn->idle);
		if (cn->bev != NULL)
			bufferevent_free(cn->bev);
		free(cn);
	}
	if (fd != -1)
		close(fd);
}

static void
relisten_cb(evutil_socket_t fd, short what, void *arg)
{
	struct control *c = arg;

	evconnlistener_enable(c->lis);
}

/*
 * accept() failed (EMFILE, ENFILE, ENOBUFS): the socket stays readable,
 * so pause the listener a moment instead of spinning on it.
 */
static void
accept_error_cb(struct evconnlistener *lis, void *arg)
{
	struct control *c = arg;
	struct timeval tv = { RELISTEN_MS / 1000, (RELISTEN_MS % 1000) * 1000 };

	log_warn("control: accept on %s", c->path);
	evconnlistener_disable(lis);
	evtimer_add(c->ev_relisten, &tv);
}

/* Creates path's parent directory if it is missing (one level). */
static int
make_parent(struct control *c, char *err, size_t errlen)
{
	char dir[sizeof(c->path)];
	char *slash;
	struct stat st;

	memcpy(dir, c->path, sizeof(dir));
	if ((slash = strrchr(dir, '/')) == NULL || slash == dir)
		return 0;	/* "." or "/" */
	*slash = '\0';
	if (mkdir(dir, 0750) == 0) {
		c->made_dir = true;
		if (chmod(dir, 0750) == -1) {	/* whatever the umask */
			snprintf(err, errlen, "chmod %s: %s", dir,
			    strerror(errno));
			return -1;
		}
		return 0;
	}
	if (errno != EEXIST) {
		snprintf(err, errlen, "cannot create %s: %s", dir,
		    strerror(errno));
		return -1;
	}
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s is not a directory", dir);
		return -1;
	}
	return 0;
}

/*
 * A socket left by a daemon that died is removed; one somebody answers
 * on, or anything that is not a socket, is left alone and refused.
 */
static int
remove_stale(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	struct stat st;
	int fd, rc, e;

	if (lstat(sun->sun_path, &st) == -1) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", sun->sun_path,
		    strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket; not "
		    "removing it", sun->sun_path);
		return -1;
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	e = errno;
	close(fd);
	if (rc == 0) {
		snprintf(err, errlen, "%s is in use (is another mycrypnetd "
		    "running?)", sun->sun_path);
		return -1;
	}
	if (e != ECONNREFUSED && e != ENOENT) {
		snprintf(err, errlen, "%s: %s", sun->sun_path, strerror(e));
		return -1;
	}
	if (unlink(sun->sun_path) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove the stale %s: %s",
		    sun->sun_path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Binds a listening socket at c->path with mode 0660. */
static int
bind_socket(struct control *c, char *err, size_t errlen)
{
	struct sockaddr_un sun;
	struct stat st;
	mode_t omask;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, c->path, sizeof(sun.sun_path));
	if (remove_stale(&sun, err, errlen) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/*
	 * No moment with wider permissions than 0660: the umask applies at
	 * bind.  The daemon is single-threaded at start-up, so changing the
	 * process-wide umask for one call is safe.
	 */
	omask = umask(0117);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(omask);
		snprintf(err, errlen, "bind %s: %s", c->path, strerror(errno));
		goto fail;
	}
	umask(omask);
	if (chmod(c->path, 0660) == -1 || lstat(c->path, &st) == -1) {
		snprintf(err, errlen, "%s: %s", c->path, strerror(errno));
		unlink(c->path);
		goto fail;
	}
	c->dev = st.st_dev;
	c->ino = st.st_ino;
	if (listen(fd, LISTEN_BACKLOG) == -1) {
		snprintf(err, errlen, "listen %s: %s", c->path,
		    strerror(errno));
		unlink(c->path);
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return -1;
}

struct control *
control_new(struct event_base *base, const char *path,
    const struct control_ops *ops, void *arg, char *err, size_t errlen)
{
	struct control *c;
	int fd = -1;

	if (path == NULL || *path == '\0') {
		snprintf(err, errlen, "control socket: empty path");
		return NULL;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (strlen(path) >= sizeof(c->path)) {
		snprintf(err, errlen, "control socket path is longer than %zu "
		    "bytes: %s", sizeof(c->path) - 1, path);
		goto fail;
	}
	strcpy(c->path, path);
	c->base = base;
	c->ops = ops;
	c->arg = arg;
	c->idle_ms = CONTROL_IDLE_MS;
	TAILQ_INIT(&c->conns);
	if (make_parent(c, err, errlen) == -1 ||
	    (fd = bind_socket(c, err, errlen)) == -1)
		goto fail;
	if ((c->ev_relisten = evtimer_new(base, relisten_cb, c)) == NULL ||
	    (c->lis = evconnlistener_new(base, accept_cb, c,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, -1, fd)) == NULL) {
		snprintf(err, errlen, "control socket: cannot set up the "
		    "listener");
		unlink(c->path);
		close(fd);
		goto fail;
	}
	evconnlistener_set_error_cb(c->lis, accept_error_cb);
	return c;
fail:
	if (c->ev_relisten != NULL)
		event_free(c->ev_relisten);
	free(c);
	return NULL;
}

void
control_free(struct control *c)
{
	struct stat st;

	if (c == NULL)
		return;
	while (!TAILQ_EMPTY(&c->conns))
		conn_free(TAILQ_FIRST(&c->conns));
	evconnlistener_free(c->lis);
	event_free(c->ev_relisten);
	/* Only our own: a newer daemon may have replaced it. */
	if (lstat(c->path, &st) == 0 && st.st_dev == c->dev &&
	    st.st_ino == c->ino)
		unlink(c->path);
	free(c);
}

int
control_set_owner(struct control *c, uid_t uid, gid_t gid, char *err,
    size_t errlen)
{
	char dir[sizeof(c->path)], *slash;

	if (lchown(c->path, uid, gid) == -1) {
		snprintf(err, errlen, "chown %s: %s", c->path, strerror(errno));
		return -1;
	}
	memcpy(dir, c->path, sizeof(dir));
	if (c->made_dir && (slash = strrchr(dir, '/')) != NULL &&
	    slash != dir) {
		*slash = '\0';
		if (chown(dir, uid, gid) == -1) {
			snprintf(err, errlen, "chown %s: %s", dir,
			    strerror(errno));
			return -1;
		}
	}
	return 0;
}

void
control_set_timeout(struct control *c, unsigned ms)
{
	c->idle_ms = ms > 0 ? ms : 1;
}

unsigned
control_nconns(const struct control *c)
{
	return c->nconns;
}
