/*
 * The rig for test_control (control_rig.c): fake ops, a control socket
 * on a private event_base, raw-socket clients that pump the loop.
 */
#ifndef MCN_CONTROL_RIG_H
#define MCN_CONTROL_RIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "control.h"

#define WAIT_MS		3000	/* for any one answer */

/* What the fake ops were asked, and what they answer. */
struct fake {
	char	 target[512];
	bool	 halt;
	int	 kicks, reloads;
	int	 kick_rc, kick_n, reload_rc;
	unsigned big;		/* status rows to add */
};
extern struct fake fk;
extern const struct control_ops fake_ops;
json_t	*null_status(void *arg);

struct rig {
	char			 dir[64];
	char			 run[96];
	char			 path[128];
	struct event_base	*base;
	struct control		*c;
};

struct client {
	int	fd;
	char	buf[256 * 1024];
	size_t	len;
	bool	eof;
};

/* A control on DIR/run/control.sock (run/ not yet there); fk reset. */
void		 rig_up(struct rig *, const struct control_ops *);
void		 rig_down(struct rig *);
/* One non-blocking loop pass and a 1 ms sleep; ms of them. */
void		 pump(struct rig *);
void		 pump_ms(struct rig *, unsigned ms);
uint64_t	 mono_ms(void);

struct client	*cl_open(struct rig *);
void		 cl_close(struct client *);
void		 cl_write(struct rig *, struct client *, const char *p,
		    size_t len);
void		 cl_send(struct rig *, struct client *, const char *s);
/* Reads what is there; false if nothing came. */
bool		 cl_fill(struct client *);
/* The next answer line, parsed; NULL at eof or after wait_ms. */
json_t		*cl_answer_wait(struct rig *, struct client *,
		    unsigned wait_ms);
/* The next answer, which must come within WAIT_MS. */
json_t		*cl_answer(struct rig *, struct client *);
/* True once the server has closed the connection. */
bool		 cl_closed(struct rig *, struct client *);
/* req and a newline; the answer. */
json_t		*roundtrip(struct rig *, struct client *, const char *req);

void		 assert_ok(json_t *, const char *cmd);
void		 assert_error(json_t *, const char *code);
/* req on a fresh connection must be answered with code. */
void		 expect_error(struct rig *, const char *req, const char *code);

#endif /* MCN_CONTROL_RIG_H */
