/*
 * Exit NAT through libnftables, in a table the daemon owns ("ip
 * mycrypnetd"): created at start, removed at exit, nothing else in the
 * ruleset touched.
 */
#ifndef MCN_NAT_H
#define MCN_NAT_H

#include <netinet/in.h>
#include <stddef.h>

#define NAT_TABLE	"mycrypnetd"

/*
 * Masquerades sources in net/prefix leaving through exit_if.  If a table
 * of that name exists (a previous run killed hard), it is replaced.
 * 0 or -1 (the libnftables message in err).
 */
int	nat_setup(const char *exit_if, struct in_addr net, int prefix,
	    char *err, size_t errlen);
struct nat_net {
	struct in_addr	 net;
	int		 prefix;
};

/* The same for several networks (the tunnel subnet and the routes behind
 * clients), in one transaction. */
int	nat_setup_nets(const char *exit_if, const struct nat_net *nets,
	    size_t n, char *err, size_t errlen);
/* NAT66: the same for IPv6, in table "ip6 mycrypnetd". */
int	nat_setup6(const char *exit_if, const struct in6_addr *net, int prefix,
	    char *err, size_t errlen);
/* Deletes the tables; 0 or -1. */
int	nat_teardown(char *err, size_t errlen);

#endif /* MCN_NAT_H */
