/*
 * Inside the control socket: shared by control.c (socket, connections,
 * framing) and control_cmd.c (requests, commands, answers).
 */
#ifndef MCN_CONTROL_INT_H
#define MCN_CONTROL_INT_H

#include <sys/queue.h>
#include <sys/types.h>
#include <sys/un.h>

#include "control.h"

struct evconnlistener;
struct event;
struct conn;

struct control {
	struct event_base	*base;
	struct evconnlistener	*lis;
	struct event		*ev_relisten;	/* after accept() failed */
	const struct control_ops *ops;
	void			*arg;
	char			 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t			 dev;		/* of the socket we bound */
	ino_t			 ino;
	bool			 made_dir;
	unsigned		 idle_ms;
	unsigned		 nconns;
	TAILQ_HEAD(, conn)	 conns;
};

/* Who sent a request (SO_PEERCRED), for the audit log. */
struct control_peer {
	uid_t	uid;
	pid_t	pid;
};

/*
 * Answers one request line (len bytes, no newline): 1 with the answer
 * (ok or error) in *ans, NULL only if memory ran out; or 0 for a blank
 * line, which is not answered.
 */
int	control_dispatch(struct control *, const char *line, size_t len,
	    const struct control_peer *, json_t **ans);

/* An error answer with no command or id (framing errors, busy). */
json_t	*control_error_answer(const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

#endif /* MCN_CONTROL_INT_H */
