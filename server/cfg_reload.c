/*
 * Reloading the configuration: which settings a running daemon can change
 * (CFG_DIR_RELOAD in the directive table) and which only a restart can
 * (the device, the pool, the listeners, the control-channel keys, the
 * process's identity).  A reload applies the first kind and reports the
 * second as "needs restart", keeping the running values.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"

static bool
str_differs(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a != b;
	return strcmp(a, b) != 0;
}

/* Replaces *dst with a copy of src (NULL stays NULL). */
static int
str_keep(char **dst, const char *src)
{
	char *c = NULL;

	if (src != NULL && (c = strdup(src)) == NULL)
		return -1;
	free(*dst);
	*dst = c;
	return 0;
}

static void
note(char *out, size_t cap, int *n, const char *name)
{
	size_t len = strlen(out);

	snprintf(out + len, cap - len, "%s%s", (*n)++ > 0 ? ", " : "", name);
}

static bool
listen_differs(const struct cfg_listen *a, const struct cfg_listen *b)
{
	return a->on != b->on || a->v6 != b->v6 ||
	    a->has_local6 != b->has_local6 || a->port != b->port ||
	    a->local.s_addr != b->local.s_addr ||
	    memcmp(&a->local6, &b->local6, sizeof(a->local6)) != 0;
}

/* The kernel routes and NAT rules are set at start: same networks? */
static bool
routes_differ(const struct cfg *a, const struct cfg *b)
{
	size_t i;

	if (a->nroutes != b->nroutes)
		return true;
	for (i = 0; i < a->nroutes; i++)
		if (a->routes[i].net.s_addr != b->routes[i].net.s_addr ||
		    a->routes[i].prefix != b->routes[i].prefix)
			return true;
	return false;
}

int
cfg_carry_restart(struct cfg *nw, const struct cfg *old, char *changed,
    size_t cap)
{
	int n = 0;

	changed[0] = '\0';
	if (strcmp(nw->dev, old->dev) != 0)
		note(changed, cap, &n, "dev");
	memcpy(nw->dev, old->dev, sizeof(nw->dev));

	if (listen_differs(&nw->udp, &old->udp) ||
	    listen_differs(&nw->tcp, &old->tcp))
		note(changed, cap, &n, "proto/local/port/listen");
	nw->udp = old->udp;
	nw->tcp = old->tcp;
	nw->proto = old->proto;
	nw->local = old->local;
	nw->has_local6 = old->has_local6;
	nw->local6 = old->local6;
	nw->port = old->port;
	nw->has_listen = old->has_listen;

	/* Sessions are wrapped with these keys: they cannot change under
	 * them. */
	if (nw->has_tls_auth != old->has_tls_auth ||
	    memcmp(nw->tls_auth_key, old->tls_auth_key,
	    sizeof(nw->tls_auth_key)) != 0 ||
	    nw->tls_auth_dir != old->tls_auth_dir ||
	    strcmp(nw->auth, old->auth) != 0 ||
	    nw->has_tls_crypt != old->has_tls_crypt ||
	    memcmp(nw->tls_crypt_key, old->tls_crypt_key,
	    sizeof(nw->tls_crypt_key)) != 0 ||
	    nw->has_tls_crypt_v2 != old->has_tls_crypt_v2 ||
	    memcmp(nw->tls_crypt_v2_key, old->tls_crypt_v2_key,
	    sizeof(nw->tls_crypt_v2_key)) != 0 ||
	    nw->tls_crypt_v2_force_cookie != old->tls_crypt_v2_force_cookie)
		note(changed, cap, &n, "tls-auth/tls-crypt/auth");
	nw->has_tls_auth = old->has_tls_auth;
	memcpy(nw->tls_auth_key, old->tls_auth_key, sizeof(nw->tls_auth_key));
	nw->tls_auth_dir = old->tls_auth_dir;
	memcpy(nw->auth, old->auth, sizeof(nw->auth));
	nw->has_tls_crypt = old->has_tls_crypt;
	memcpy(nw->tls_crypt_key, old->tls_crypt_key,
	    sizeof(nw->tls_crypt_key));
	nw->has_tls_crypt_v2 = old->has_tls_crypt_v2;
	memcpy(nw->tls_crypt_v2_key, old->tls_crypt_v2_key,
	    sizeof(nw->tls_crypt_v2_key));
	nw->tls_crypt_v2_force_cookie = old->tls_crypt_v2_force_cookie;

	if (nw->has_server != old->has_server ||
	    nw->server_net.s_addr != old->server_net.s_addr ||
	    nw->server_mask.s_addr != old->server_mask.s_addr ||
	    nw->topology_subnet != old->topology_subnet)
		note(changed, cap, &n, "server/topology");
	nw->has_server = old->has_server;
	nw->server_net = old->server_net;
	nw->server_mask = old->server_mask;
	nw->server_prefix = old->server_prefix;
	nw->topology_subnet = old->topology_subnet;

	if (nw->has_server6 != old->has_server6 ||
	    nw->server6_prefix != old->server6_prefix ||
	    memcmp(&nw->server6_net, &old->server6_net,
	    sizeof(nw->server6_net)) != 0)
		note(changed, cap, &n, "server-ipv6");
	nw->has_server6 = old->has_server6;
	nw->server6_net = old->server6_net;
	nw->server6_prefix = old->server6_prefix;

	if (routes_differ(nw, old))
		note(changed, cap, &n, "route");
	memcpy(nw->routes, old->routes, sizeof(nw->routes));
	nw->nroutes = old->nroutes;

	if (strcmp(nw->exit_if, old->exit_if) != 0)
		note(changed, cap, &n, "exit-interface");
	memcpy(nw->exit_if, old->exit_if, sizeof(nw->exit_if));
	if (nw->tun_mtu != old->tun_mtu)
		note(changed, cap, &n, "tun-mtu");
	nw->tun_mtu = old->tun_mtu;
	if (nw->workers != old->workers)
		note(changed, cap, &n, "workers");
	nw->workers = old->workers;

	if (str_differs(nw->user, old->user) ||
	    str_differs(nw->group, old->group))
		note(changed, cap, &n, "user/group");
	if (str_differs(nw->control_socket, old->control_socket))
		note(changed, cap, &n, "control-socket");
	if (str_differs(nw->metrics_listen, old->metrics_listen))
		note(changed, cap, &n, "metrics-listen");
	if (str_differs(nw->pool_persist, old->pool_persist) ||
	    nw->pool_persist_sec != old->pool_persist_sec)
		note(changed, cap, &n, "ifconfig-pool-persist");
	nw->pool_persist_sec = old->pool_persist_sec;
	if (str_keep(&nw->user, old->user) == -1 ||
	    str_keep(&nw->group, old->group) == -1 ||
	    str_keep(&nw->control_socket, old->control_socket) == -1 ||
	    str_keep(&nw->metrics_listen, old->metrics_listen) == -1 ||
	    str_keep(&nw->pool_persist, old->pool_persist) == -1)
		return -1;
	return n;
}
