/*
 * The privileged loader (see loader.h): the child's set-up and request
 * loop, and the daemon's side of the socketpair.
 *
 * Invariants: the child holds no descriptor but its end of the socket
 * (and /dev/null on 0-2), never reads a path it was sent, and answers
 * every request with exactly one frame.  The daemon reads an answer
 * within LOADER_TIMEOUT_MS or gives the loader up: a late answer must
 * never be taken for the next one's.
 */
#include "config.h"

#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/capability.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "loader.h"
#include "privdrop.h"

#define LOADER_COMM	"mycrypnetd-load"	/* comm holds 15 bytes */
#define LOADER_FD	3		/* the child's end of the socket */
#define LOADER_REQ	'R'
#define ANSWER_OK	0
#define ANSWER_ERR	1
#define FRAME_MAX	(1 + CFG_FILES_MAX_WIRE)
#define REAP_WAIT_MS	1000

struct loader {
	pid_t	 pid;		/* -1 once reaped */
	int	 fd;		/* -1 once given up */
	char	*path;
	char	 gone[160];	/* why it was given up */
};

enum rd {
	RD_OK,
	RD_EOF,
	RD_TIMEOUT,
	RD_ERR,
};

/* --- the child ----------------------------------------------------------- */

static int
write_full(int fd, const void *buf, size_t n)
{
	const uint8_t *p = buf;
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
send_frame(int fd, uint8_t status, const void *payload, size_t len)
{
	uint8_t hdr[5];

	be32_put(hdr, (uint32_t)(len + 1));
	hdr[4] = status;
	if (write_full(fd, hdr, sizeof(hdr)) == -1)
		return -1;
	return write_full(fd, payload, len);
}

/*
 * Closes all the daemon had open but our end of the socket, which moves
 * to LOADER_FD; 0-2 become /dev/null, so no file the parser opens later
 * can be taken for standard output.
 */
static void
close_fds(int sock)
{
	int fd, nul;
	long max;

	if (sock != LOADER_FD && dup2(sock, LOADER_FD) == -1)
		_exit(1);
	if ((nul = open("/dev/null", O_RDWR)) != -1) {
		for (fd = 0; fd <= 2; fd++)
			if (nul != fd)
				dup2(nul, fd);
	} else
		for (fd = 0; fd <= 2; fd++)
			close(fd);
#ifdef SYS_close_range
	if (syscall(SYS_close_range, LOADER_FD + 1, ~0U, 0) == 0)
		return;
#endif
	max = sysconf(_SC_OPEN_MAX);
	for (fd = LOADER_FD + 1; fd < (max > 0 ? max : 65536); fd++)
		close(fd);
}

static int
child_setup(pid_t parent, char *err, size_t errlen)
{
	/* The daemon may have died between fork() and here. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) == -1 ||
	    getppid() != parent)
		_exit(1);
	prctl(PR_SET_NAME, LOADER_COMM, 0, 0, 0);
	/* No core dump: it holds the keys. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		snprintf(err, errlen, "PR_SET_DUMPABLE: %s", strerror(errno));
		return -1;
	}
	return privdrop_caps_only((uint64_t)1 << CAP_DAC_READ_SEARCH, err,
	    errlen);
}

/* One answer: the set the parser read, whether or not it parsed. */
static int
child_answer(const char *path)
{
	struct cfg_files fs;
	struct cfg *c;
	uint8_t *buf;
	size_t len;
	char err[1024];
	int rc;

	cfg_files_init(&fs);
	c = cfg_load_ex(path, CFG_READ_RECORD, &fs, err, sizeof(err));
	cfg_free(c);
	if (cfg_files_encode(&fs, &buf, &len) == -1) {
		cfg_files_free(&fs);
		snprintf(err, sizeof(err), "out of memory");
		return send_frame(LOADER_FD, ANSWER_ERR, err, strlen(err));
	}
	cfg_files_free(&fs);
	rc = send_frame(LOADER_FD, ANSWER_OK, buf, len);
	cfg_files_wipe(buf, len);
	return rc;
}

static void __attribute__((noreturn))
child_main(int sock, pid_t parent, const char *path)
{
	static const int ignored[] = { SIGHUP, SIGINT, SIGTERM, SIGUSR1,
	    SIGUSR2, SIGPIPE };
	char err[512];
	uint8_t req;
	ssize_t r;
	size_t i;

	/* Signals meant for the daemon (kill -HUP $(pidof mycrypnetd)). */
	for (i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++)
		signal(ignored[i], SIG_IGN);
	close_fds(sock);
	if (child_setup(parent, err, sizeof(err)) == -1) {
		send_frame(LOADER_FD, ANSWER_ERR, err, strlen(err));
		_exit(1);
	}
	if (send_frame(LOADER_FD, ANSWER_OK, NULL, 0) == -1)
		_exit(1);
	for (;;) {
		r = read(LOADER_FD, &req, 1);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == 0)
			_exit(0);
		if (r == -1 || req != LOADER_REQ ||
		    child_answer(path) == -1)
			_exit(1);
	}
}

/* --- the daemon's side --------------------------------------------------- */

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static enum rd
read_full(int fd, void *buf, size_t n, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint8_t *p = buf;
	int64_t left;
	ssize_t r;
	int pr;

	while (n > 0) {
		if ((left = deadline - now_ms()) <= 0)
			return RD_TIMEOUT;
		pr = poll(&pfd, 1, (int)left);
		if (pr == -1 && errno == EINTR)
			continue;
		if (pr == -1)
			return RD_ERR;
		if (pr == 0)
			return RD_TIMEOUT;
		r = read(fd, p, n);
		if (r == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r == 0 || (r == -1 && errno == ECONNRESET))
			return RD_EOF;
		if (r == -1)
			return RD_ERR;
		p += r;
		n -= (size_t)r;
	}
	return RD_OK;
}

/* Kills (while we still may) and reaps, waiting at most wait_ms. */
static void
reap(struct loader *ld, int wait_ms)
{
	int64_t deadline = now_ms() + wait_ms;
	pid_t r;

	if (ld->pid == -1)
		return;
	kill(ld->pid, SIGKILL);		/* EPERM after the drop: it is root */
	for (;;) {
		r = waitpid(ld->pid, NULL, WNOHANG);
		if (r == ld->pid || (r == -1 && errno != EINTR)) {
			ld->pid = -1;
			return;
		}
		if (now_ms() >= deadline)
			return;
		usleep(10000);
	}
}

/* For good: what is on the socket can no longer be trusted in order. */
static int
give_up(struct loader *ld, char *err, size_t errlen, const char *why)
{
	snprintf(ld->gone, sizeof(ld->gone), "%s", why);
	if (ld->fd != -1)
		close(ld->fd);
	ld->fd = -1;
	reap(ld, REAP_WAIT_MS);
	snprintf(err, errlen, "%s", ld->gone);
	return -1;
}

/* One frame: *payload is malloc'd (wipe it with cfg_files_wipe). */
static int
recv_frame(struct loader *ld, uint8_t *status, uint8_t **payload,
    size_t *len, char *err, size_t errlen)
{
	int64_t deadline = now_ms() + LOADER_TIMEOUT_MS;
	uint8_t hdr[5];
	uint32_t n;
	enum rd rd;

	*payload = NULL;
	if ((rd = read_full(ld->fd, hdr, sizeof(hdr), deadline)) == RD_OK) {
		n = be32_get(hdr);
		if (n == 0 || n > FRAME_MAX)
			return give_up(ld, err, errlen, "the privileged loader "
			    "sent a frame of a wrong size; restart mycrypnetd "
			    "to reload");
		*status = hdr[4];
		*len = n - 1;
		if ((*payload = malloc(*len > 0 ? *len : 1)) == NULL)
			return give_up(ld, err, errlen, "out of memory for the "
			    "privileged loader's answer; restart mycrypnetd "
			    "to reload");
		rd = read_full(ld->fd, *payload, *len, deadline);
	}
	if (rd == RD_OK)
		return 0;
	cfg_files_wipe(*payload, *len);
	*payload = NULL;
	if (rd == RD_TIMEOUT)
		return give_up(ld, err, errlen, "the privileged loader did not "
		    "answer in time; restart mycrypnetd to reload");
	return give_up(ld, err, errlen, LOADER_GONE);
}

struct loader *
loader_start(const char *config_path, char *err, size_t errlen)
{
	struct loader *ld;
	uint8_t status, *msg;
	size_t len;
	pid_t parent = getpid();
	int sv[2];

	if ((ld = calloc(1, sizeof(*ld))) == NULL ||
	    (ld->path = strdup(config_path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(ld);
		return NULL;
	}
	ld->pid = -1;
	ld->fd = -1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		snprintf(err, errlen, "socketpair: %s", strerror(errno));
		loader_stop(ld);
		return NULL;
	}
	if ((ld->pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		loader_stop(ld);
		return NULL;
	}
	if (ld->pid == 0)
		child_main(sv[1], parent, ld->path);
	close(sv[1]);
	ld->fd = sv[0];

	if (recv_frame(ld, &status, &msg, &len, err, errlen) == -1) {
		snprintf(err, errlen, "exited or did not answer while "
		    "starting");
		loader_stop(ld);
		return NULL;
	}
	if (status != ANSWER_OK || len != 0) {
		if (status == ANSWER_ERR)
			snprintf(err, errlen, "%.*s", (int)len,
			    (const char *)msg);
		else
			snprintf(err, errlen, "answered out of turn");
		cfg_files_wipe(msg, len);
		loader_stop(ld);
		return NULL;
	}
	cfg_files_wipe(msg, len);
	return ld;
}

int
loader_fetch(struct loader *ld, struct cfg_files *out, char *err,
    size_t errlen)
{
	uint8_t req = LOADER_REQ, status, *msg;
	char derr[256];
	size_t len;
	ssize_t w;
	int rc = -1;

	cfg_files_init(out);
	if (ld->fd == -1) {
		snprintf(err, errlen, "%s", ld->gone);
		return -1;
	}
	while ((w = send(ld->fd, &req, 1, MSG_NOSIGNAL)) == -1 &&
	    errno == EINTR)
		;
	if (w != 1)
		return give_up(ld, err, errlen, LOADER_GONE);
	if (recv_frame(ld, &status, &msg, &len, err, errlen) == -1)
		return -1;
	if (status == ANSWER_ERR)
		snprintf(err, errlen, "the privileged loader: %.*s", (int)len,
		    (const char *)msg);
	else if (status != ANSWER_OK)
		give_up(ld, err, errlen, "the privileged loader answered out "
		    "of turn; restart mycrypnetd to reload");
	else if (cfg_files_decode(out, msg, len, derr, sizeof(derr)) == -1) {
		give_up(ld, err, errlen, "the privileged loader's answer is "
		    "malformed; restart mycrypnetd to reload");
		snprintf(err, errlen, "%s (%s)", ld->gone, derr);
	} else
		rc = 0;
	cfg_files_wipe(msg, len);
	return rc;
}

struct cfg *
loader_load(struct loader *ld, const char *path, char *err, size_t errlen)
{
	struct cfg_files fs;
	struct cfg *c = NULL;

	if (ld == NULL)
		return cfg_load(path, err, errlen);
	if (loader_fetch(ld, &fs, err, errlen) == 0)
		c = cfg_load_ex(path, CFG_READ_REPLAY, &fs, err, errlen);
	cfg_files_free(&fs);
	return c;
}

pid_t
loader_pid(const struct loader *ld)
{
	return ld->pid;
}

void
loader_stop(struct loader *ld)
{
	if (ld == NULL)
		return;
	if (ld->fd != -1)
		close(ld->fd);
	reap(ld, REAP_WAIT_MS);
	free(ld->path);
	free(ld);
}
