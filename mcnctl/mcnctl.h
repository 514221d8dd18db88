/*
 * mcnctl: the admin CLI of mycrypnetd.  mcnctl.c has the command table
 * and talks to the control socket; render.c turns answers into text.
 * The JSON is the interface; the text is a rendering of it.
 */
#ifndef MCN_MCNCTL_H
#define MCN_MCNCTL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* Exit status. */
#define EXIT_OK		0
#define EXIT_REFUSED	1	/* the daemon answered with an error */
#define EXIT_USAGE	2
#define EXIT_UNREACHED	3	/* no daemon, timeout, or a garbled answer */

/* "1.2 MiB", "512 B". */
void	fmt_bytes(uint64_t, char *, size_t);
/* "42s", "5m07s", "2h03m", "3d04h"; negative counts as 0. */
void	fmt_duration(int64_t secs, char *, size_t);

/* The "result" of each command, as text on f.  now: unix time. */
void	render_status(FILE *f, const json_t *result, int64_t now);
void	render_stats(FILE *f, const json_t *result);

#endif /* MCN_MCNCTL_H */
