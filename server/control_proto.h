/*
 * The control socket protocol, shared by mycrypnetd (server/control.c)
 * and mcnctl: where the socket lives, the schema version, the framing
 * limits and the error codes.  doc/control-protocol.md is the reference;
 * keep the two in step.
 *
 * Framing: newline-delimited JSON.  Each request is one JSON object on
 * one line; each answer is one JSON object on one line, in request order.
 */
#ifndef MCN_CONTROL_PROTO_H
#define MCN_CONTROL_PROTO_H

/*
 * Where the daemon listens unless "control-socket PATH" says otherwise,
 * and where mcnctl connects unless -s says otherwise.  Under /run, not
 * $(runstatedir), so that both agree whatever --prefix was; override at
 * build time with -DCONTROL_SOCKET_DEFAULT=... if a system wants another.
 */
#ifndef CONTROL_SOCKET_DEFAULT
#define CONTROL_SOCKET_DEFAULT	"/run/mycrypnetd/control.sock"
#endif

/*
 * Schema version.  Answers always carry "schema": CONTROL_SCHEMA.  Within
 * one version, answers only gain fields (clients ignore what they do not
 * know); a removed or retyped field, or a changed meaning, bumps it.
 */
#define CONTROL_SCHEMA		1

/* Largest request line, newline included; longer ones are refused. */
#define CONTROL_REQ_MAX		(64 * 1024)
/* Largest answer mcnctl accepts (a status of many thousand clients). */
#define CONTROL_ANSWER_MAX	(64 * 1024 * 1024)
/* Longest kick target: a CN (64), an address, or [IPv6]:port; fits
 * the daemon's worker command (char target[128]). */
#define CONTROL_TARGET_MAX	127

/* Error codes ("error": {"code": ..., "message": ...}). */
#define CONTROL_E_BAD_JSON	"bad-json"	/* not JSON, or not UTF-8 */
#define CONTROL_E_TOO_LARGE	"too-large"	/* request > CONTROL_REQ_MAX */
#define CONTROL_E_BAD_REQUEST	"bad-request"	/* not an object, no command */
#define CONTROL_E_UNKNOWN_CMD	"unknown-command"
#define CONTROL_E_BAD_ARG	"bad-argument"	/* missing, mistyped, unknown */
#define CONTROL_E_SCHEMA	"unsupported-schema"
#define CONTROL_E_UNKNOWN_TARGET "unknown-target" /* kick matched nothing */
#define CONTROL_E_FAILED	"failed"	/* the daemon could not do it */
#define CONTROL_E_UNSUPPORTED	"not-supported"	/* not in this daemon */
#define CONTROL_E_INTERNAL	"internal"
#define CONTROL_E_BUSY		"busy"		/* too many connections */
#define CONTROL_E_TIMEOUT	"timeout"	/* idle connection closed */

#endif /* MCN_CONTROL_PROTO_H */
