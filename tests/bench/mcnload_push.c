/*
 * What a 2.6 client says and what it understands of the server's answer:
 * the peer-info block and OCC options string it sends in key-method-2
 * (spec §6.3, §6.4) and the PUSH_REPLY options it applies (spec §9.3).
 * Pure: strings in, structs out.
 */
#include "config.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mcnload_pure.h"

#define PUSH_HEAD	"PUSH_REPLY"
#define PUSH_OPT_MAX	256	/* one option line, OPTION_LINE_SIZE */
#define PUSH_ARGS_MAX	8

void
push_opts_init(struct push_opts *po)
{
	memset(po, 0, sizeof(*po));
}

static void
seterr(char *err, size_t errlen, const char *fmt, const char *arg)
{
	if (errlen > 0)
		snprintf(err, errlen, fmt, arg);
}

/* Decimal in [lo, hi]; -1 if not a number or out of range. */
static long
num(const char *s, long lo, long hi)
{
	char *end;
	long v;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	if (*end != '\0' || v < lo || v > hi)
		return -1;
	return v;
}

static int
addr(const char *s, struct in_addr *out)
{
	return s != NULL && inet_pton(AF_INET, s, out) == 1 ? 0 : -1;
}

/* Applies one option (already split into words); 0, or -1 if malformed. */
static int
apply(struct push_opts *po, char **av, int ac, int *cont)
{
	const char *k = av[0];
	long v;
	int i;

	if (strcmp(k, "ifconfig") == 0) {
		if (ac != 3 || addr(av[1], &po->vip) == -1 ||
		    addr(av[2], &po->mask) == -1)
			return -1;
		po->have_ifconfig = true;
	} else if (strcmp(k, "peer-id") == 0) {
		/* 0xFFFFFF means "no peer-id" and is never pushed. */
		if (ac != 2 || (v = num(av[1], 0, 0xFFFFFE)) < 0)
			return -1;
		po->peer_id = (uint32_t)v;
		po->have_peer_id = true;
	} else if (strcmp(k, "cipher") == 0) {
		if (ac != 2 || strlen(av[1]) >= sizeof(po->cipher))
			return -1;
		snprintf(po->cipher, sizeof(po->cipher), "%s", av[1]);
	} else if (strcmp(k, "protocol-flags") == 0) {
		for (i = 1; i < ac; i++) {
			if (strcmp(av[i], "cc-exit") == 0)
				po->cc_exit = true;
			else if (strcmp(av[i], "tls-ekm") == 0)
				po->tls_ekm = true;
			else if (strcmp(av[i], "dyn-tls-crypt") == 0)
				po->dyn_tls_crypt = true;
			else
				po->unknown_flags++;
		}
	} else if (strcmp(k, "key-derivation") == 0) {
		if (ac != 2 || strcmp(av[1], "tls-ekm") != 0)
			return -1;
		po->tls_ekm = true;
	} else if (strcmp(k, "ping") == 0) {
		if (ac != 2 || (v = num(av[1], 0, 86400)) < 0)
			return -1;
		po->ping = (int)v;
	} else if (strcmp(k, "ping-restart") == 0) {
		if (ac != 2 || (v = num(av[1], 0, 86400)) < 0)
			return -1;
		po->ping_restart = (int)v;
	} else if (strcmp(k, "tun-mtu") == 0) {
		if (ac != 2 || (v = num(av[1], 68, 65535)) < 0)
			return -1;
		po->tun_mtu = (int)v;
	} else if (strcmp(k, "topology") == 0) {
		if (ac != 2)
			return -1;
		po->topology_subnet = strcmp(av[1], "subnet") == 0;
	} else if (strcmp(k, "route-gateway") == 0) {
		if (ac != 2 || addr(av[1], &po->route_gw) == -1)
			return -1;
		po->have_route_gw = true;
	} else if (strcmp(k, "push-continuation") == 0) {
		if (ac != 2 || (v = num(av[1], 1, 2)) < 0)
			return -1;
		*cont = (int)v;
		return 0;	/* framing, not an option */
	} else
		po->nother++;
	po->nopts++;
	return 0;
}

int
push_reply_parse(const char *msg, struct push_opts *po, char *err,
    size_t errlen)
{
	char line[PUSH_OPT_MAX], *av[PUSH_ARGS_MAX], *w, *save;
	const char *p, *comma;
	size_t n;
	int ac, cont = 0;

	if (strncmp(msg, PUSH_HEAD, strlen(PUSH_HEAD)) != 0 ||
	    (msg[strlen(PUSH_HEAD)] != ',' && msg[strlen(PUSH_HEAD)] != '\0')) {
		seterr(err, errlen, "not a PUSH_REPLY: \"%.40s\"", msg);
		return -1;
	}
	po->nmsgs++;
	p = msg + strlen(PUSH_HEAD);
	while (*p == ',') {
		p++;
		comma = strchr(p, ',');
		n = comma ? (size_t)(comma - p) : strlen(p);
		if (n >= sizeof(line)) {
			seterr(err, errlen, "pushed option longer than 255: "
			    "\"%.40s...\"", p);
			return -1;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		p += n;
		ac = 0;
		for (w = strtok_r(line, " \t", &save); w != NULL &&
		    ac < PUSH_ARGS_MAX; w = strtok_r(NULL, " \t", &save))
			av[ac++] = w;
		if (ac == 0)
			continue;	/* an empty option: 2.6 skips it too */
		if (apply(po, av, ac, &cont) == -1) {
			seterr(err, errlen, "bad pushed option \"%s\"", av[0]);
			return -1;
		}
	}
	return cont == 2 ? 2 : 1;
}

int
mcn_peer_info(char *out, size_t cap, const struct peer_info_conf *pc)
{
	bool ncp2;
	int n;

	/* 2.6 announces IV_NCP=2 only if both GCM ciphers are allowed. */
	ncp2 = strstr(pc->ciphers, "AES-128-GCM") != NULL &&
	    strstr(pc->ciphers, "AES-256-GCM") != NULL;
	n = snprintf(out, cap,
	    "IV_VER=%s\n"
	    "IV_PLAT=%s\n"
	    "IV_TCPNL=1\n"
	    "IV_MTU=%d\n"
	    "%s"
	    "IV_CIPHERS=%s\n"
	    "IV_PROTO=%u\n"
	    "IV_LZO_STUB=1\n"
	    "IV_COMP_STUB=1\n"
	    "IV_COMP_STUBv2=1\n",
	    pc->ver, pc->plat, pc->mtu, ncp2 ? "IV_NCP=2\n" : "",
	    pc->ciphers, pc->proto);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return n;
}

int
mcn_occ_options(char *out, size_t cap, int tun_mtu, int keydir,
    const char *auth, size_t hmac_len)
{
	char kd[24] = "";
	int n;

	if (keydir >= 0)
		snprintf(kd, sizeof(kd), "keydir %d,", keydir);
	/*
	 * link-mtu: 2.6 still computes it for the legacy default cipher,
	 * BF-CBC: opcode 1 + HMAC + IV 8 + packet-id 4 + padding 8.
	 */
	n = snprintf(out, cap, "V4,dev-type tun,link-mtu %zu,tun-mtu %d,"
	    "proto UDPv4,%sauth %s,keysize 128,tls-auth,key-method 2,"
	    "tls-client", (size_t)tun_mtu + 21 + hmac_len, tun_mtu, kd, auth);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	return n;
}

int
mcn_occ_cipher(const char *options, char *out, size_t cap)
{
	const char *p = options, *end;
	size_t n;

	while ((p = strstr(p, "cipher ")) != NULL) {
		if (p == options || p[-1] == ',') {
			p += strlen("cipher ");
			end = strchr(p, ',');
			n = end ? (size_t)(end - p) : strlen(p);
			if (n == 0 || n >= cap)
				return -1;
			memcpy(out, p, n);
			out[n] = '\0';
			return 0;
		}
		p++;
	}
	return -1;
}
