/*
 * client-config-dir: per-client files, read when a client has
 * authenticated, in OpenVPN's config syntax (cfg_lex.h).  A file is
 * DIR/CN, or DIR/DEFAULT when the client has none, as in OpenVPN.
 *
 * Directives (topology subnet):
 *   ifconfig-push ADDR MASK  the client's fixed address; MASK must be the
 *                            server's netmask, ADDR a client address of
 *                            the server subnet (not the network, gateway
 *                            or broadcast address)
 *   push "OPTION"            appended to this client's PUSH_REPLY (same
 *                            rules as the main config's push)
 *   push-reset               this client does not get the main config's
 *                            push list (nor the push lines above it in
 *                            this file, as in OpenVPN)
 *   iroute NET [MASK]        a network behind this client (MASK defaults
 *                            to 255.255.255.255); the server config must
 *                            route it (ccd_check_routes)
 *   disable                  refuse this client
 * Anything else refuses the client: a file never means less than its
 * author thinks.
 */
#ifndef MCN_CCD_H
#define MCN_CCD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#define CCD_DEFAULT_FILE	"DEFAULT"
#define CCD_MAX_PUSH		256
#define CCD_MAX_IROUTE		256	/* OpenVPN's max-routes-per-client */

struct ccd_iroute {
	struct in_addr	 net;
	struct in_addr	 mask;
	int		 prefix;
};

struct ccd {
	char		*path;		/* the file read: DIR/CN or DEFAULT */
	bool		 is_default;	/* path is DIR/DEFAULT */
	bool		 disable;
	bool		 has_ifconfig;	/* ifconfig-push given */
	struct in_addr	 ifconfig_addr;
	struct in_addr	 ifconfig_mask;	/* == the server's netmask */
	bool		 push_reset;	/* drop the main config's push list */
	char		**push;		/* this file's push options, in order */
	size_t		 npush;
	struct ccd_iroute *iroute;	/* in file order, no duplicates */
	size_t		 niroute;
};

/*
 * Reads the file for common name cn from dir: DIR/CN, else DIR/DEFAULT.
 * net/mask are the server subnet ("server NET MASK"), against which
 * ifconfig-push and iroute are checked.
 *
 * Returns 1 and fills *out when a file was read, 0 (and *out empty) when
 * neither file exists, -1 with "FILE:LINE: reason" (or "FILE: reason")
 * in err when the client must be refused: the file is malformed or
 * unreadable, or cn cannot name a file (empty, contains '/', or starts
 * with '.').  The caller owns *out and frees it with ccd_free.
 */
int	ccd_load(const char *dir, const char *cn, struct in_addr net,
	    struct in_addr mask, struct ccd *out, char *err, size_t errlen);

/*
 * Parses text (NUL-terminated) as a client-config-dir file; name is used
 * in messages and kept in out->path.  0 or -1 as above; on -1 *out is
 * left empty.
 */
int	ccd_parse(const char *name, const char *text, struct in_addr net,
	    struct in_addr mask, struct ccd *out, char *err, size_t errlen);

struct cfg_route;

/*
 * Each of c's iroutes must lie inside one of the n routes of the server
 * config (cfg_path, for the message): without one the kernel never sends
 * the network's packets into the tun.  0, or -1 with "FILE: reason" in
 * err.
 */
int	ccd_check_routes(const struct ccd *c, const struct cfg_route *routes,
	    size_t n, const char *cfg_path, char *err, size_t errlen);

/* Frees what *c holds and leaves it empty; safe on an empty struct. */
void	ccd_free(struct ccd *c);

#endif /* MCN_CCD_H */
