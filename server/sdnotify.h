/*
 * The sd_notify protocol without libsystemd: one datagram of
 * newline-separated VAR=value assignments to the AF_UNIX socket named by
 * $NOTIFY_SOCKET (a path, or "@name" for an abstract socket).  Without
 * $NOTIFY_SOCKET (not started by systemd, or Type= is not notify) every
 * call is a no-op.
 *
 * All return 1 when the message was sent, 0 when there is no
 * NOTIFY_SOCKET, -1 on error with errno set (log_warn() it; a failed
 * notification is never fatal to the daemon).
 */
#ifndef MCN_SDNOTIFY_H
#define MCN_SDNOTIFY_H

/* state as is, e.g. "READY=1\nSTATUS=serving". */
int	sdnotify(const char *state);

/* READY=1, with STATUS=status when status is not NULL. */
int	sdnotify_ready(const char *status);
/*
 * RELOADING=1 with MONOTONIC_USEC=<CLOCK_MONOTONIC now> (systemd 253's
 * Type=notify-reload wants it; older versions ignore it).  Send
 * sdnotify_ready() when the reload is done, successful or not.
 */
int	sdnotify_reloading(void);
/* STOPPING=1. */
int	sdnotify_stopping(void);
/*
 * STATUS=<formatted text>, one line (systemctl status shows it).  A
 * newline in the text would start a new assignment, so newlines become
 * blanks.
 */
int	sdnotify_status(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));

#endif /* MCN_SDNOTIFY_H */
