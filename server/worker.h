/*
 * Worker threads: start/stop, the command queue from the main thread,
 * and the packet hand-off between workers.
 */
#ifndef MCN_WORKER_H
#define MCN_WORKER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "gw.h"

struct tlsmem_ctx;

/* Waits for the commands it was attached to. */
struct wdone {
	pthread_mutex_t	mu;
	pthread_cond_t	cv;
	int		pending;
};

enum wcmd_type {
	WCMD_CFG,		/* a reload: new snapshot and ctx, re-verify */
	WCMD_STATS,		/* copy the counters into ctr */
	WCMD_KICK,		/* kick sessions matching target */
	WCMD_REPLACE_CN,	/* close sessions with cn, except (idx, peer) */
	WCMD_SHUTDOWN,		/* RESTART clients, stop the loop */
	WCMD_FOREACH,		/* run fn(w, arg) in the worker (status) */
};

struct wcmd {
	struct wcmd		*next;
	enum wcmd_type		 type;
	struct wdone		*done;		/* NULL: fire and forget */
	union {
		struct {
			const struct cfg	*cfg;	/* main frees the old */
			struct tlsmem_ctx	*ctx;	/* a reference */
		} reload;
		struct {
			char	 target[128];
			bool	 halt;
		} kick;
		struct {
			char	 cn[65];
			int	 keep_worker;
			uint32_t keep_peer_id;
		} replace;
		struct {
			void	(*fn)(struct worker *, void *);
			void	*arg;
		} foreach;
	} u;
	/* results */
	int			 n;		/* kicked / re-verify kicked */
	struct counters		 ctr;
	unsigned		 sessions;	/* all, incl. handshaking */
	unsigned		 authenticated;
};

/* How long the main thread waits for workers to answer a command. */
#define WORKER_CMD_TIMEOUT_MS	5000

/*
 * Runs cmds[i] on worker i, for every worker, and waits for all: 0, or -1
 * if one did not answer in time (then cmds must be leaked: that worker
 * may still write to it).
 */
int	workers_run_all(struct gw *, struct wcmd *cmds);

/* Sets up worker idx of gw (sockets and tun queue already open). */
int	worker_init(struct worker *, struct gw *, int idx, char *err,
	    size_t errlen);
/* Starts its thread (signals blocked in it). */
int	worker_spawn(struct worker *, char *err, size_t errlen);
void	worker_join(struct worker *);
void	worker_fini(struct worker *);

/*
 * worker_post: c->done must be set; the caller waits with wdone_wait and
 * owns the memory.  worker_post_owned: fire and forget; c was malloc'ed
 * and the worker frees it.
 */
void	worker_post(struct worker *, struct wcmd *);
void	worker_post_owned(struct worker *, struct wcmd *);	/* free()d */
void	wdone_init(struct wdone *, int pending);
/* 0 when all finished, -1 after timeout_ms. */
int	wdone_wait(struct wdone *, int timeout_ms);
void	wdone_fini(struct wdone *);

/*
 * Hands a packet to worker dst: kind HO_TUN (a packet read from the tun,
 * for one of dst's clients) or HO_UDP (a datagram from "from" for one of
 * dst's sessions).  Signals dst at the end of the current callback
 * (handoff_signal).  Drops and counts when dst's queue is full.
 */
enum ho_kind { HO_TUN = 1, HO_UDP = 2 };

void	handoff_push(struct worker *src, int dst, enum ho_kind,
	    const struct peer_addr *from, const uint8_t *p, size_t len);
void	handoff_signal(struct worker *src);

#endif /* MCN_WORKER_H */
