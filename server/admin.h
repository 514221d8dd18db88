/*
 * The daemon's side of the control socket and the metrics endpoint
 * (control.h, metrics.h): answers built from the workers' sessions and
 * counters, in the main thread.
 */
#ifndef MCN_ADMIN_H
#define MCN_ADMIN_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

struct gw;
struct metrics_snapshot;

struct admin {
	struct gw	*gw;
	const bool	*stopping;	/* answers "failed" while shutting down */
	/* What SIGHUP does (the CRL reload); 0 or -1 with err. */
	int		(*reload)(void *arg, char *err, size_t errlen);
	void		*reload_arg;
};

json_t	*admin_status(struct admin *);
int	 admin_kick(struct admin *, const char *target, bool halt, int *n,
	    char *err, size_t errlen);
int	 admin_snapshot(struct admin *, struct metrics_snapshot *);
json_t	*admin_stats(struct admin *);

/* Callback tables over a struct admin * argument. */
extern const struct control_ops admin_control_ops;
extern const struct metrics_ops admin_metrics_ops;

#endif /* MCN_ADMIN_H */
