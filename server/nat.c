/*
 * Exit NAT through libnftables, confined to the table NAT_TABLE.
 *
 * Every change is one nft_run_cmd_from_buffer() call, which libnftables
 * sends as a single netlink batch: the kernel applies all of it or none
 * of it, so the ruleset is never seen half-built.  The idiom
 * "add table T; delete table T" (add is a no-op when T exists) removes a
 * possibly stale T without failing when it is absent; it works on
 * nftables 1.0.6 (Debian 12), which predates "destroy table".
 *
 * The exit interface name is validated against a conservative character
 * set before it is placed, quoted, into the command text, so no name can
 * close the string and inject statements.
 */
#include "config.h"

#include <arpa/inet.h>
#include <net/if.h>

#include <nftables/libnftables.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat.h"

#define NAT_FAMILY	"ip"

/* Copies the first non-empty line of an nft message into err. */
static void
nat_errmsg(const char *what, const char *msg, char *err, size_t errlen)
{
	size_t	 n;

	if (msg != NULL)
		while (*msg == '\n' || *msg == ' ')
			msg++;
	if (msg == NULL || *msg == '\0') {
		snprintf(err, errlen, "nft %s: failed (no message)", what);
		return;
	}
	n = strcspn(msg, "\n");
	snprintf(err, errlen, "nft %s: %.*s", what, (int)n, msg);
}

/* Runs cmd as one transaction; 0 or -1 with nft's message in err. */
static int
nat_run(const char *what, const char *cmd, char *err, size_t errlen)
{
	struct nft_ctx	*ctx;
	int		 ret = -1;

	if ((ctx = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL) {
		snprintf(err, errlen, "nft %s: cannot create context", what);
		return -1;
	}
	/* Buffer both streams: libnftables must not print to our stdio. */
	if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
		snprintf(err, errlen, "nft %s: cannot buffer output", what);
		goto done;
	}
	if (nft_run_cmd_from_buffer(ctx, cmd) != 0) {
		nat_errmsg(what, nft_ctx_get_error_buffer(ctx), err, errlen);
		goto done;
	}
	ret = 0;

 done:
	nft_ctx_free(ctx);
	return ret;
}

/*
 * Interface names as the kernel allows them are almost arbitrary bytes;
 * accept only what real exit interfaces use (eth0, enp3s0, eth0.100,
 * wg-exit, br_lan).  '*' is excluded too: nft reads a trailing '*' in
 * oifname as a wildcard.
 */
static int
nat_ifname_ok(const char *s)
{
	size_t	 i, len;

	if (s == NULL || (len = strlen(s)) == 0 || len >= IFNAMSIZ)
		return 0;
	if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.'))
			return 0;
	}
	return 1;
}

/* net/prefix as nft text, host bits cleared (nft would too) so the rule
 * shows what matches. */
static void
net_text(struct in_addr net, int prefix, char buf[INET_ADDRSTRLEN])
{
	struct in_addr masked;

	masked.s_addr = net.s_addr &
	    htonl(prefix == 32 ? 0xffffffffU : ~(0xffffffffU >> prefix));
	inet_ntop(AF_INET, &masked, buf, INET_ADDRSTRLEN);
}

int
nat_setup_nets(const char *exit_if, const struct nat_net *nets, size_t n,
    char *err, size_t errlen)
{
	char		 nstr[INET_ADDRSTRLEN];
	char		*cmd = NULL;
	size_t		 len, i;
	FILE		*f;
	int		 ret = -1;

	if (!nat_ifname_ok(exit_if)) {
		snprintf(err, errlen, "invalid exit interface name \"%s\" "
		    "(1-%d of A-Z a-z 0-9 _ - .)", exit_if == NULL ? "" :
		    exit_if, IFNAMSIZ - 1);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (nets[i].prefix < 1 || nets[i].prefix > 32) {
			snprintf(err, errlen, "invalid NAT prefix length /%d",
			    nets[i].prefix);
			return -1;
		}
	if ((f = open_memstream(&cmd, &len)) == NULL) {
		snprintf(err, errlen, "nft setup: out of memory");
		return -1;
	}
	fputs("add table " NAT_FAMILY " " NAT_TABLE "\n"
	    "delete table " NAT_FAMILY " " NAT_TABLE "\n"
	    "add table " NAT_FAMILY " " NAT_TABLE "\n"
	    "add chain " NAT_FAMILY " " NAT_TABLE " postrouting "
	    "{ type nat hook postrouting priority srcnat; policy accept; }\n",
	    f);
	for (i = 0; i < n; i++) {
		net_text(nets[i].net, nets[i].prefix, nstr);
		fprintf(f, "add rule " NAT_FAMILY " " NAT_TABLE " postrouting "
		    "ip saddr %s/%d oifname \"%s\" masquerade\n", nstr,
		    nets[i].prefix, exit_if);
	}
	if (fclose(f) != 0 || cmd == NULL) {
		snprintf(err, errlen, "nft setup: out of memory");
		goto done;
	}
	ret = nat_run("setup", cmd, err, errlen);

 done:
	free(cmd);
	return ret;
}

int
nat_setup(const char *exit_if, struct in_addr net, int prefix, char *err,
    size_t errlen)
{
	struct nat_net one = { net, prefix };

	return nat_setup_nets(exit_if, &one, 1, err, errlen);
}

int
nat_setup6(const char *exit_if, const struct in6_addr *net, int prefix,
    char *err, size_t errlen)
{
	char nstr[INET6_ADDRSTRLEN], *cmd = NULL;
	int ret;

	if (!nat_ifname_ok(exit_if) || prefix < 1 || prefix > 128) {
		snprintf(err, errlen, "invalid exit interface or prefix");
		return -1;
	}
	inet_ntop(AF_INET6, net, nstr, sizeof(nstr));
	if (asprintf(&cmd,
	    "add table ip6 " NAT_TABLE "\n"
	    "delete table ip6 " NAT_TABLE "\n"
	    "add table ip6 " NAT_TABLE "\n"
	    "add chain ip6 " NAT_TABLE " postrouting "
	    "{ type nat hook postrouting priority srcnat; policy accept; }\n"
	    "add rule ip6 " NAT_TABLE " postrouting "
	    "ip6 saddr %s/%d oifname \"%s\" masquerade\n",
	    nstr, prefix, exit_if) == -1) {
		snprintf(err, errlen, "nft setup: out of memory");
		return -1;
	}
	ret = nat_run("setup6", cmd, err, errlen);
	free(cmd);
	return ret;
}

int
nat_teardown(char *err, size_t errlen)
{
	/* Absent tables are not an error: teardown runs on failure paths
	 * too, and the ip6 one exists only with server-ipv6. */
	return nat_run("teardown",
	    "add table " NAT_FAMILY " " NAT_TABLE "\n"
	    "delete table " NAT_FAMILY " " NAT_TABLE "\n"
	    "add table ip6 " NAT_TABLE "\n"
	    "delete table ip6 " NAT_TABLE "\n", err, errlen);
}
