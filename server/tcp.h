/*
 * The TCP transport: framing, connections, and the per-session send path
 * that covers UDP and TCP alike.
 */
#ifndef MCN_TCP_H
#define MCN_TCP_H

#include <stddef.h>
#include <stdint.h>

struct session;
struct worker;

/* Listens on w->tcp_fd (if any); per-worker buffers. */
int	tcp_worker_init(struct worker *, char *err, size_t errlen);
/* Closes every connection and the listener. */
void	tcp_worker_fini(struct worker *);

/*
 * A buffer for one packet to s (PKT_BUF bytes), then commit it: a UDP
 * datagram in the worker's send batch, or a framed write on the TCP
 * connection.
 */
uint8_t	*sess_tx_begin(struct session *);
void	 sess_tx_commit(struct session *, size_t len);

/* The session is going away: flush and close its connection. */
void	 tcp_session_closed(struct session *);

#endif /* MCN_TCP_H */
