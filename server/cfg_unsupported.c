/*
 * OpenVPN 2.6 directives that mycrypnetd does not implement (yet).  Each
 * is an error naming it rather than "unknown directive": the user wrote a
 * valid OpenVPN config, and should learn which part we lack.
 *
 * Sorted by strcmp (bsearch, and a unit test checks it); none of these is
 * in cfg_directives.  The names are OpenVPN's public option names.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "cfg.h"

const char *const cfg_unsupported[] = {
	"allow-compression", "allow-nonadmin", "allow-pull-fqdn",
	"allow-recursive-routing", "askpass", "auth-gen-token",
	"auth-gen-token-secret", "auth-nocache", "auth-retry", "auth-token",
	"auth-token-user", "auth-user-pass", "auth-user-pass-optional",
	"auth-user-pass-verify", "bcast-buffers", "bind", "bind-dev",
	"block-ipv6", "block-outside-dns", "capath", "ccd-exclusive", "cd",
	"chroot", "cipher", "client", "client-cert-not-required",
	"client-connect", "client-crresponse",
	"client-disconnect", "client-nat", "comp-lzo",
	"comp-noadapt", "compat-mode", "compat-names", "compress", "config",
	"connect-freq", "connect-freq-initial", "connect-retry",
	"connect-retry-max", "connect-timeout", "connection",
	"cryptoapicert", "daemon", "dev-node",
	"dev-type", "dhcp-internal", "dhcp-option", "dhcp-pre-release",
	"dhcp-release", "dhcp-renew", "disable", "disable-dco",
	"disable-occ", "dns", "down", "down-pre", 
	"ecdh-curve", "echo", "engine", "errors-to-stderr",
	"extra-certs", "fast-io", "float",
	"force-tls-key-material-export", "fragment", "genkey", "gremlin",
	"hash-size", "help", "http-proxy", "http-proxy-option",
	"http-proxy-override", "http-proxy-retry", "http-proxy-timeout",
	"http-proxy-user-pass", "ifconfig", "ifconfig-ipv6",
	"ifconfig-ipv6-pool", "ifconfig-ipv6-push", "ifconfig-noexec",
	"ifconfig-nowarn", "ifconfig-pool",
	"ifconfig-push", "ifconfig-push-constraint", "ignore-unknown-option",
	"inactive", "ip-remote-hint", "ip-win32", "ipchange", "iproute",
	"iroute", "iroute-ipv6", "key-derivation",
	"keying-material-exporter", "learn-address", "link-mtu", "lladdr",
	"log", "log-append", "lport", "machine-readable-output",
	"management", "management-client", "management-client-auth",
	"management-client-group", "management-client-user",
	"management-external-cert", "management-external-key",
	"management-forget-disconnect", "management-hold",
	"management-log-cache", "management-query-passwords",
	"management-query-proxy", "management-query-remote",
	"management-signal", "management-up-down", "mark", 
	"max-packet-size", "max-routes", "max-routes-per-client", "memstats",
	"mktun", "mlock", "mode", "msg-channel", "mssfix", "mtu-disc",
	"mtu-dynamic", "mtu-test", "multihome", "mute",
	"mute-replay-warnings", "ncp-ciphers", "nice", "no-name-remapping",
	"no-replay", "nobind", "ns-cert-type", "opt-verify", "parameter",
	"passtos", "pause-exit", "peer-fingerprint", "peer-id",
	"persist-local-ip", "persist-remote-ip", "ping", "ping-exit",
	"ping-restart", "ping-timer-rem", "pkcs11-cert-private", "pkcs11-id",
	"pkcs11-id-management", "pkcs11-pin-cache", "pkcs11-private-mode",
	"pkcs11-protected-authentication", "pkcs11-providers", "pkcs12",
	"plugin", "port-share", "preresolve", "prng", "proto-force",
	"protocol-flags", "providers", "pull", "pull-filter",
	"push-continuation", "push-peer-info", "push-remove", "push-reset",
	"rcvbuf", "rdns-internal", "redirect-gateway", "redirect-private",
	"register-dns", "remap-usr1", "remote", "remote-cert-eku",
	"remote-cert-ku", "remote-cert-tls", "remote-random",
	"remote-random-hostname", 
	"replay-persist", "replay-window", "resolv-retry", "rmtun",
	"route-delay", "route-gateway", "route-ipv6", "route-ipv6-gateway",
	"route-method", "route-metric", "route-noexec", "route-nopull",
	"route-pre-down", "route-up", "rport", "script-security", "secret",
	"server-bridge", "server-poll-timeout", "service",
	"session-timeout", "setcon", "setenv", "setenv-safe", "shaper",
	"show-adapters", "show-ciphers", "show-curves", "show-digests",
	"show-engines", "show-gateway", "show-groups", "show-net",
	"show-net-up", "show-pkcs11-ids", "show-tls", "show-valid-subnets",
	"single-session", "sndbuf", "socket-flags", "socks-proxy",
	"socks-proxy-retry", "stale-routes-check", "static-challenge",
	"status", "status-version", "suppress-timestamps", "syslog",
	"tap-sleep", "tcp-nodelay", "tcp-queue-limit", "test-crypto",
	"tls-cert-profile", "tls-client",
	"tls-crypt-v2-verify", "tls-exit",
	"tls-export-cert", "tls-groups", "tls-server", "tls-timeout",
	"tls-verify", "tls-version-max", "tmp-dir",
	"tun-ipv6", "tun-mtu-extra", "tun-mtu-max",
	"txqueuelen", "udp-mtu", "up", "up-delay", "up-restart",
	"use-prediction-resistance", "username-as-common-name",
	"verify-client-cert", "verify-hash", "verify-x509-name", "version",
	"vlan-accept", "vlan-pvid", "vlan-tagging", "win-sys",
	"windows-driver", "writepid", "x509-track", "x509-username-field",
	NULL
};

static int
cmp(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

bool
cfg_unsupported_lookup(const char *name)
{
	size_t n = sizeof(cfg_unsupported) / sizeof(cfg_unsupported[0]) - 1;

	return bsearch(name, cfg_unsupported, n, sizeof(cfg_unsupported[0]),
	    cmp) != NULL;
}
