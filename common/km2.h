/*
 * Key method 2 (spec §6.2-§6.4): the first application-data message each
 * way inside TLS, and the peer-info (IV_*) it carries.
 */
#ifndef MCN_KM2_H
#define MCN_KM2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define KM2_OPTIONS_MAX		512	/* TLS_OPTIONS_LEN, incl. NUL */
#define KM2_PEER_INFO_MAX	2048
#define KM2_USER_MAX		4096
/* Longest client message the parser may wait for: head, pre_master,
 * randoms, then four strings at their maximum (each u16 + bytes). */
#define KM2_CLIENT_MAX		(4 + 1 + 48 + 32 + 32 + 2 + KM2_OPTIONS_MAX + \
				 2 * (2 + KM2_USER_MAX) + 2 + KM2_PEER_INFO_MAX)

struct km2_client {
	uint8_t	pre_master[48];
	uint8_t	random1[32];
	uint8_t	random2[32];
	char	options[KM2_OPTIONS_MAX];
	bool	has_username;		/* sent by auth-user-pass clients */
	char	username[256];		/* truncated copy, for logs */
	bool	has_password;
	char	peer_info[KM2_PEER_INFO_MAX];
};

/*
 * Parses the client's message.  Returns the bytes consumed (> 0), 0 if
 * more bytes are needed (the message is not complete yet), or -1 if it is
 * malformed (reason in err): wrong key method, a length above the field's
 * maximum, a string without its NUL, a missing options string.  A length
 * that points past the bytes given is "need more", so the parser never
 * waits for more than KM2_CLIENT_MAX bytes.  All four strings must be
 * present (a 2.6 client always sends them); bytes after the message are
 * not consumed.
 */
int	km2_parse_client(const uint8_t *p, size_t len, struct km2_client *out,
	    char *err, size_t errlen);

/*
 * Writes the server's message: 4 zero bytes, method 2, random1, random2,
 * the options string, empty username, password and peer-info.
 */
int	km2_write_server(struct wbuf *w, const uint8_t random1[32],
	    const uint8_t random2[32], const char *options);

/*
 * The client's side of the same exchange (load generator and tests).
 * km2_write_client sends empty username/password; peer_info may be NULL.
 * km2_parse_server returns like km2_parse_client (consumed, 0, -1) and
 * needs all fields a server writes; options is truncated to optcap.
 */
int	km2_write_client(struct wbuf *w, const uint8_t pre_master[48],
	    const uint8_t random1[32], const uint8_t random2[32],
	    const char *options, const char *peer_info);
int	km2_parse_server(const uint8_t *p, size_t len, uint8_t random1[32],
	    uint8_t random2[32], char *options, size_t optcap, char *err,
	    size_t errlen);

/* IV_PROTO bits (spec §6.4). */
#define IV_PROTO_DATA_V2	(1u << 1)
#define IV_PROTO_REQUEST_PUSH	(1u << 2)
#define IV_PROTO_TLS_KEY_EXPORT	(1u << 3)
#define IV_PROTO_AUTH_PENDING_KW (1u << 4)
#define IV_PROTO_NCP_P2P	(1u << 5)
#define IV_PROTO_DNS_OPTION	(1u << 6)
#define IV_PROTO_CC_EXIT_NOTIFY	(1u << 7)
#define IV_PROTO_AUTH_FAIL_TEMP	(1u << 8)
#define IV_PROTO_DYN_TLS_CRYPT	(1u << 9)

struct peer_info {
	char		ver[32];	/* IV_VER */
	char		plat[32];	/* IV_PLAT */
	unsigned	proto;		/* IV_PROTO */
	char		ciphers[256];	/* IV_CIPHERS, "" if absent */
	int		ncp;		/* IV_NCP, 0 if absent */
	int		mtu;		/* IV_MTU, 0 if absent */
	bool		tcpnl;		/* IV_TCPNL=1 */
	bool		lzo_stub, comp_stub, comp_stubv2;
	char		gui_ver[64];	/* IV_GUI_VER */
};

/*
 * Parses "NAME=value\n..." text.  Unknown variables are skipped, values
 * are truncated to the field sizes; never fails on content, only -1 for
 * a NULL argument.
 */
int	peer_info_parse(const char *text, struct peer_info *out);

#endif /* MCN_KM2_H */
