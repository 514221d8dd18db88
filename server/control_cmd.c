/*
 * Control requests: validation, the command table, and the answers
 * (doc/control-protocol.md).  Every request gets exactly one answer
 * object; nothing here can fail the connection.
 *
 * Requests are checked whole before the daemon is called: a command runs
 * only with arguments of the right type, and an argument it does not know
 * is refused rather than ignored (a mistyped "halt" must not become a
 * RESTART).
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control_int.h"
#include "log.h"

/* Fields every request may carry, besides its command's arguments. */
static const char *const common_fields[] = { "command", "schema", "id", NULL };

struct request {
	struct control		*c;
	json_t			*req;
	const struct control_peer *peer;
	const char		*code;		/* error code, or NULL */
	char			 msg[512];	/* error message */
};

struct cmd {
	const char		*name;
	const char *const	*args;		/* allowed, NULL-terminated */
	json_t			*(*run)(struct request *);
};

static json_t	*cmd_status(struct request *);
static json_t	*cmd_kick(struct request *);
static json_t	*cmd_reload(struct request *);
static json_t	*cmd_stats(struct request *);
static json_t	*cmd_version(struct request *);

static const char *const no_args[] = { NULL };
static const char *const kick_args[] = { "target", "halt", NULL };

static const struct cmd cmds[] = {
	{ "status",	no_args,	cmd_status },
	{ "kick",	kick_args,	cmd_kick },
	{ "reload",	no_args,	cmd_reload },
	{ "stats",	no_args,	cmd_stats },
	{ "version",	no_args,	cmd_version },
};

static json_t *
fail(struct request *r, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static json_t *
fail(struct request *r, const char *code, const char *fmt, ...)
{
	va_list ap;

	r->code = code;
	va_start(ap, fmt);
	vsnprintf(r->msg, sizeof(r->msg), fmt, ap);
	va_end(ap);
	return NULL;
}

/* fail() for check_request(), whose result is a command. */
#define reject(r, ...)	(fail((r), __VA_ARGS__), (const struct cmd *)NULL)

static bool
listed(const char *const *list, const char *key)
{
	for (; *list != NULL; list++)
		if (strcmp(*list, key) == 0)
			return true;
	return false;
}

/* A callback's object, or "internal" if it gave none. */
static json_t *
object_from(struct request *r, json_t *v, const char *what)
{
	if (v == NULL || !json_is_object(v)) {
		json_decref(v);
		return fail(r, CONTROL_E_INTERNAL, "the daemon could not "
		    "build the %s", what);
	}
	return v;
}

static json_t *
cmd_status(struct request *r)
{
	const struct control_ops *ops = r->c->ops;

	if (ops == NULL || ops->status == NULL)
		return fail(r, CONTROL_E_UNSUPPORTED, "status is not "
		    "supported by this daemon");
	return object_from(r, ops->status(r->c->arg), "status");
}

static json_t *
cmd_stats(struct request *r)
{
	const struct control_ops *ops = r->c->ops;

	if (ops == NULL || ops->stats == NULL)
		return fail(r, CONTROL_E_UNSUPPORTED, "stats is not "
		    "supported by this daemon");
	return object_from(r, ops->stats(r->c->arg), "counters");
}

static json_t *
cmd_version(struct request *r)
{
	return json_pack("{s:s, s:s, s:i}", "name", "mycrypnetd",
	    "version", PACKAGE_VERSION, "schema", CONTROL_SCHEMA);
}

/* Printable ASCII or UTF-8, no control characters: it is logged. */
static bool
target_ok(const char *t, size_t len)
{
	size_t i;

	if (len == 0 || len > CONTROL_TARGET_MAX)
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)t[i] < 0x20 || t[i] == 0x7f || t[i] == '"' ||
		    t[i] == '\\')
			return false;
	return true;
}

static json_t *
cmd_kick(struct request *r)
{
	const struct control_ops *ops = r->c->ops;
	json_t *jt, *jh;
	const char *target;
	char err[256];
	bool halt = false;
	int n = 0, rc;

	jt = json_object_get(r->req, "target");
	if (jt == NULL)
		return fail(r, CONTROL_E_BAD_ARG, "kick needs \"target\": a "
		    "common name, a virtual address or ADDR:PORT");
	if (!json_is_string(jt))
		return fail(r, CONTROL_E_BAD_ARG, "\"target\" must be a string");
	target = json_string_value(jt);
	if (!target_ok(target, json_string_length(jt)))
		return fail(r, CONTROL_E_BAD_ARG, "\"target\" must be 1 to %d "
		    "characters, without control characters, quotes or "
		    "backslashes", CONTROL_TARGET_MAX);
	if ((jh = json_object_get(r->req, "halt")) != NULL) {
		if (!json_is_boolean(jh))
			return fail(r, CONTROL_E_BAD_ARG, "\"halt\" must be "
			    "true or false");
		halt = json_is_true(jh);
	}
	if (ops == NULL || ops->kick == NULL)
		return fail(r, CONTROL_E_UNSUPPORTED, "kick is not supported "
		    "by this daemon");
	err[0] = '\0';
	rc = ops->kick(r->c->arg, target, halt, &n, err, sizeof(err));
	log_event(1, "control", "cmd=kick target=\"%s\" halt=%s uid=%d pid=%d "
	    "result=%s kicked=%d", target, halt ? "yes" : "no",
	    (int)r->peer->uid, (int)r->peer->pid, rc == -1 ? "failed" :
	    n == 0 ? "unknown-target" : "ok", rc == -1 ? 0 : n);
	if (rc == -1)
		return fail(r, CONTROL_E_FAILED, "%s", err[0] ? err :
		    "kick failed");
	if (n <= 0)
		return fail(r, CONTROL_E_UNKNOWN_TARGET, "no client matches "
		    "\"%s\"", target);
	return json_pack("{s:i, s:s, s:b}", "kicked", n, "target", target,
	    "halt", halt);
}

static json_t *
cmd_reload(struct request *r)
{
	const struct control_ops *ops = r->c->ops;
	char err[512];
	int rc;

	if (ops == NULL || ops->reload == NULL)
		return fail(r, CONTROL_E_UNSUPPORTED, "reload is not "
		    "supported by this daemon");
	err[0] = '\0';
	rc = ops->reload(r->c->arg, err, sizeof(err));
	log_event(1, "control", "cmd=reload uid=%d pid=%d result=%s",
	    (int)r->peer->uid, (int)r->peer->pid, rc == -1 ? "failed" : "ok");
	if (rc == -1)
		return fail(r, CONTROL_E_FAILED, "%s", err[0] ? err :
		    "reload failed");
	return json_object();
}

static json_t *
error_object(const char *code, const char *msg)
{
	/* msg may quote the request's bytes, cut anywhere: made valid
	 * UTF-8 here, or jansson would refuse it and drop the error. */
	return json_pack("{s:s, s:o}", "code", code, "message",
	    control_json_string(msg));
}

json_t *
control_error_answer(const char *code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return json_pack("{s:i, s:b, s:o*}", "schema", CONTROL_SCHEMA, "ok", 0,
	    "error", error_object(code, msg));
}

/* Checks the envelope and finds the command; NULL with r->code set. */
static const struct cmd *
check_request(struct request *r)
{
	const struct cmd *cmd = NULL;
	const char *key, *name;
	json_t *v;
	size_t i;

	if (!json_is_object(r->req))
		return reject(r, CONTROL_E_BAD_REQUEST, "a request is a JSON "
		    "object");
	if ((v = json_object_get(r->req, "schema")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 1)
			return reject(r, CONTROL_E_BAD_ARG, "\"schema\" must be "
			    "a positive integer");
		if (json_integer_value(v) > CONTROL_SCHEMA)
			return reject(r, CONTROL_E_SCHEMA, "schema %lld is newer "
			    "than this daemon's (%d)",
			    (long long)json_integer_value(v), CONTROL_SCHEMA);
	}
	if ((v = json_object_get(r->req, "id")) != NULL &&
	    !json_is_string(v) && !json_is_integer(v) && !json_is_null(v))
		return reject(r, CONTROL_E_BAD_ARG, "\"id\" must be a string, "
		    "an integer or null");
	if ((v = json_object_get(r->req, "command")) == NULL)
		return reject(r, CONTROL_E_BAD_REQUEST, "no \"command\"");
	if (!json_is_string(v))
		return reject(r, CONTROL_E_BAD_REQUEST, "\"command\" must be "
		    "a string");
	name = json_string_value(v);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmds[i].name, name) == 0)
			cmd = &cmds[i];
	if (cmd == NULL)
		return reject(r, CONTROL_E_UNKNOWN_CMD, "unknown command \"%.64s\""
		    " (status, kick, reload, stats, version)", name);
	json_object_foreach(r->req, key, v) {
		if (!listed(common_fields, key) && !listed(cmd->args, key))
			return reject(r, CONTROL_E_BAD_ARG, "%s takes no "
			    "argument \"%.64s\"", cmd->name, key);
	}
	return cmd;
}

int
control_dispatch(struct control *c, const char *line, size_t len,
    const struct control_peer *peer, json_t **ansp)
{
	struct request r;
	const struct cmd *cmd = NULL;
	json_error_t jerr;
	json_t *ans, *result = NULL, *v;
	size_t i;

	for (i = 0; i < len; i++)
		if (line[i] != ' ' && line[i] != '\t')
			break;
	*ansp = NULL;
	if (i == len)
		return 0;	/* blank line */
	memset(&r, 0, sizeof(r));
	r.c = c;
	r.peer = peer;
	r.req = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
	    &jerr);
	if (r.req == NULL) {
		log_event(3, "control-refused", "uid=%d reason=bad-json",
		    (int)peer->uid);
		*ansp = control_error_answer(CONTROL_E_BAD_JSON, "invalid JSON "
		    "at column %d: %s", jerr.column, jerr.text);
		return 1;
	}
	if ((cmd = check_request(&r)) != NULL)
		result = cmd->run(&r);
	if (result == NULL && r.code == NULL)
		fail(&r, CONTROL_E_INTERNAL, "out of memory");
	ans = json_pack("{s:i, s:b}", "schema", CONTROL_SCHEMA, "ok",
	    result != NULL);
	if (ans == NULL) {
		json_decref(result);
		json_decref(r.req);
		return 1;	/* the caller answers "out of memory" */
	}
	if (cmd != NULL)
		json_object_set_new(ans, "command", json_string(cmd->name));
	if ((v = json_object_get(r.req, "id")) != NULL &&
	    (json_is_string(v) || json_is_integer(v) || json_is_null(v)))
		json_object_set(ans, "id", v);
	if (result != NULL)
		json_object_set_new(ans, "result", result);
	else {
		log_event(3, "control-refused", "uid=%d reason=%s",
		    (int)peer->uid, r.code);
		json_object_set_new(ans, "error", error_object(r.code, r.msg));
	}
	json_decref(r.req);
	*ansp = ans;
	return 1;
}
