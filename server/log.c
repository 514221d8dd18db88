/*
 * Logging to stderr: "YYYY-MM-DD HH:MM:SS LEVEL message", one line per call.
 *
 * Each line is formatted whole in a stack buffer and handed to one write(2)
 * of at most LOG_LINE_MAX (< PIPE_BUF) bytes, so lines from different
 * threads never interleave, without a lock.  Control characters in a
 * message (a client's CN, say) are escaped as \xHH: one call is one line,
 * and a peer cannot forge log lines.
 *
 * Levels (the verb scale of log.h):
 *   FATAL	fatal(), fatalx(): always, then exit(1)
 *   WARN	log_warn(), log_warnx(): always; in the OpenBSD idiom these
 *		report failures, so verb 0 ("errors only") must show them
 *   ERROR	log_at(0, ...)
 *   NOTICE	verb 1-2 (connects, disconnects: log_event(1, ...))
 *   INFO	verb 3-4 (log_info() is 3; handshake detail is 4)
 *   DEBUG	verb 5 and up (log_debug() is 5)
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX	4000	/* one atomic write to a pipe */
#define LOG_MSG_MAX	2048	/* before escaping */

/*
 * Written at start-up (and on reload), read by every thread: plain ints.
 * progname is not part of a stderr line (journald adds its own); it is
 * kept for a syslog backend.
 */
static int		 log_verb = 1;
static bool		 log_stamps = true;
static const char	*log_progname = "mycrypnetd";

void
log_init(int verb, const char *progname)
{
	log_set_verb(verb);
	if (progname != NULL)
		log_progname = progname;
	tzset();	/* localtime_r() does not */
}

void
log_set_verb(int verb)
{
	log_verb = verb < 0 ? 0 : verb;
}

int
log_get_verb(void)
{
	return log_verb;
}

void
log_set_timestamps(int on)
{
	log_stamps = on != 0;
}

static const char *
level_name(int v)
{
	if (v <= 0)
		return "ERROR";
	if (v <= 2)
		return "NOTICE";
	if (v <= 4)
		return "INFO";
	return "DEBUG";
}

static void
write_line(const char *buf, size_t len)
{
	ssize_t r;

	while (len > 0) {
		r = write(STDERR_FILENO, buf, len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			return;		/* nowhere left to report it */
		buf += r;
		len -= (size_t)r;
	}
}

/*
 * Formats and writes one line: [stamp] level head? fmt [": " tail?].
 * head is an already formatted prefix ("event=NAME"), tail an error string.
 */
static void
vemit(const char *level, const char *head, const char *tail,
    const char *fmt, va_list ap)
{
	static const char hex[] = "0123456789abcdef";
	char msg[LOG_MSG_MAX], line[LOG_LINE_MAX];
	size_t n = 0, m = 0, i;
	struct tm tm;
	time_t now;
	int r;

	if (head != NULL)
		m = (size_t)snprintf(msg, sizeof(msg), "%s ", head);
	if (m < sizeof(msg)) {
		r = vsnprintf(msg + m, sizeof(msg) - m, fmt, ap);
		if (r > 0)
			m += (size_t)r;
		else if (head != NULL)
			m--;	/* no fields: no blank after the head */
	}
	if (tail != NULL && m < sizeof(msg))
		m += (size_t)snprintf(msg + m, sizeof(msg) - m, ": %s", tail);
	if (m >= sizeof(msg)) {
		m = sizeof(msg) - 1;
		memcpy(msg + m - 3, "...", 3);
	}

	if (log_stamps) {
		now = time(NULL);
		if (localtime_r(&now, &tm) != NULL)
			n = strftime(line, sizeof(line), "%Y-%m-%d %H:%M:%S ",
			    &tm);
	}
	n += (size_t)snprintf(line + n, sizeof(line) - n, "%s ", level);
	/* Room for the worst escape (\xHH) and the newline, always. */
	for (i = 0; i < m && n + 5 < sizeof(line); i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c < 0x20 || c == 0x7f) {
			line[n++] = '\\';
			line[n++] = 'x';
			line[n++] = hex[c >> 4];
			line[n++] = hex[c & 15];
		} else
			line[n++] = (char)c;
	}
	line[n++] = '\n';
	write_line(line, n);
}

/* Every entry point keeps errno as it found it, for its caller. */

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vemit("WARN", NULL, strerror(saved), fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vemit("WARN", NULL, NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_info(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (log_verb < 3)
		return;
	va_start(ap, fmt);
	vemit(level_name(3), NULL, NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_debug(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (log_verb < 5)
		return;
	va_start(ap, fmt);
	vemit(level_name(5), NULL, NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_at(int v, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (log_verb < v)
		return;
	va_start(ap, fmt);
	vemit(level_name(v), NULL, NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_event(int v, const char *name, const char *fmt, ...)
{
	int saved = errno;
	char head[128];
	va_list ap;

	if (log_verb < v)
		return;
	snprintf(head, sizeof(head), "event=%s", name);
	va_start(ap, fmt);
	vemit(level_name(v), head, NULL, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vemit("FATAL", NULL, strerror(saved), fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vemit("FATAL", NULL, NULL, fmt, ap);
	va_end(ap);
	exit(1);
}
