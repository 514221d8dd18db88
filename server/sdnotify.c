/*
 * sd_notify(3)'s wire protocol, which systemd documents as stable: a
 * single SOCK_DGRAM message, no reply.  systemd checks the sender's pid
 * (NotifyAccess=main) from the credentials the kernel attaches, so it
 * works the same before and after the privilege drop: /run/systemd/notify
 * is writable by everyone.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sdnotify.h"

/* STATUS= text beyond this is cut; systemctl shows one short line. */
#define SDNOTIFY_STATUS_MAX	512

int
sdnotify(const char *state)
{
	struct sockaddr_un sun;
	const char *path;
	socklen_t alen;
	size_t plen, slen;
	ssize_t n;
	int fd, saved;

	if ((path = getenv("NOTIFY_SOCKET")) == NULL || *path == '\0')
		return 0;
	plen = strlen(path);
	/* A path, or "@name": the abstract namespace (leading NUL). */
	if ((path[0] != '/' && path[0] != '@') || plen < 2 ||
	    plen > sizeof(sun.sun_path) - (path[0] == '/')) {
		errno = EINVAL;
		return -1;
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, plen);
	if (path[0] == '@')
		sun.sun_path[0] = '\0';
	/* The abstract name is exactly plen bytes, no trailing NUL. */
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen +
	    (path[0] == '/'));

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	slen = strlen(state);
	n = sendto(fd, state, slen, MSG_NOSIGNAL, (struct sockaddr *)&sun,
	    alen);
	saved = errno;
	close(fd);
	if (n == -1) {
		errno = saved;
		return -1;
	}
	if ((size_t)n != slen) {
		errno = EMSGSIZE;
		return -1;
	}
	return 1;
}

/* "STATUS=" + text with newlines blanked, into buf. */
static void
status_line(char *buf, size_t len, const char *text)
{
	char *p;

	snprintf(buf, len, "STATUS=%s", text);
	for (p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
}

int
sdnotify_ready(const char *status)
{
	char buf[sizeof("READY=1\n") + sizeof("STATUS=") + SDNOTIFY_STATUS_MAX];

	if (status == NULL)
		return sdnotify("READY=1");
	memcpy(buf, "READY=1\n", 8);
	status_line(buf + 8, sizeof(buf) - 8, status);
	return sdnotify(buf);
}

int
sdnotify_reloading(void)
{
	struct timespec ts;
	char buf[64];

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		return -1;
	snprintf(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=%llu",
	    (unsigned long long)ts.tv_sec * 1000000ULL +
	    (unsigned long long)ts.tv_nsec / 1000ULL);
	return sdnotify(buf);
}

int
sdnotify_stopping(void)
{
	return sdnotify("STOPPING=1");
}

int
sdnotify_status(const char *fmt, ...)
{
	char text[SDNOTIFY_STATUS_MAX], buf[sizeof("STATUS=") + sizeof(text)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	status_line(buf, sizeof(buf), text);
	return sdnotify(buf);
}
