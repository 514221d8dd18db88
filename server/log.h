/*
 * Logging to stderr with levels (OpenVPN's verb scale, roughly):
 *   0 fatal/errors only, 1 warnings + connects (default), 3 info,
 *   4 handshake detail, 5+ debug.
 * log_warn() appends strerror(errno), log_warnx() does not.  fatal()
 * only at start-up.  Events use stable names with key=value fields:
 *   log_event(1, "connect", "cn=%s addr=%s vip=%s", ...)
 */
#ifndef MCN_LOG_H
#define MCN_LOG_H

#include <stdarg.h>

void	log_init(int verb, const char *progname);
void	log_set_verb(int verb);
int	log_get_verb(void);
/* Lines start with "YYYY-MM-DD HH:MM:SS " unless turned off (journald
 * stamps lines itself).  On by default. */
void	log_set_timestamps(int on);

void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* At verbosity level v or above. */
void	log_at(int v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "event=NAME key=value ..." at level v. */
void	log_event(int v, const char *name, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif /* MCN_LOG_H */
