/*
 * libFuzzer target: the control socket's request handling
 * (server/control_cmd.c: JSON parse, envelope and argument checks, the
 * command table) and the status builders (server/control_json.c), with a
 * stub daemon behind struct control_ops.
 *
 * The input is one request line as conn_process() hands it over (without
 * its newline); as a C string it also goes to control_json_string(),
 * which must turn any bytes (a certificate's CN) into a JSON string, and
 * into the client fields of the status answer.
 *
 * Invariants (control.h, doc/control-protocol.md): only a blank line goes
 * unanswered; every answer is one JSON object on one line with "schema"
 * and "ok", and either a result or an error with a known code; the daemon
 * is called only with arguments that passed the checks.
 */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "control_int.h"
#include "fuzz.h"
#include "log.h"

static const char	*status_cn;	/* this input, NUL-terminated */

static json_t *
stub_status(void *arg)
{
	struct control_status_hdr h = { .now = 1795655948, .uptime_s = 7,
	    .clients = 1, .workers = 2, .has_crl = true,
	    .crl_next_update = 1795659548 };
	struct control_client cl = { .common_name = status_cn,
	    .real_address = "10.99.1.2:51234", .virtual_ipv4 = "10.99.8.2",
	    .bytes_in = 1, .bytes_out = 2, .connected_since = 1795655000,
	    .data_cipher = "AES-256-GCM", .tls_version = "TLSv1.3",
	    .peer_id = -1, .platform = status_cn };
	json_t *st;

	if ((st = control_status_new(&h)) == NULL)
		return NULL;
	FUZZ_ASSERT(control_status_add(st, &cl) == 0);
	return st;
}

/* Called only with a target that passed target_ok(). */
static int
stub_kick(void *arg, const char *target, bool halt, int *n, char *err,
    size_t errlen)
{
	size_t i, len = strlen(target);

	FUZZ_ASSERT(len >= 1 && len <= CONTROL_TARGET_MAX);
	for (i = 0; i < len; i++)
		FUZZ_ASSERT((unsigned char)target[i] >= 0x20 &&
		    target[i] != 0x7f && target[i] != '"' && target[i] != '\\');
	if (target[0] == 'x') {
		snprintf(err, errlen, "no such thing");
		return -1;
	}
	*n = target[0] == '1' ? 1 : 0;
	return 0;
}

static int
stub_reload(void *arg, char *err, size_t errlen)
{
	return 0;
}

static json_t *
stub_stats(void *arg)
{
	return json_pack("{s:i}", "rx_pkts", 1);
}

static const struct control_ops ops = {
	stub_status, stub_kick, stub_reload, stub_stats,
};

static bool
known_code(const char *c)
{
	static const char *const codes[] = { CONTROL_E_BAD_JSON,
	    CONTROL_E_TOO_LARGE, CONTROL_E_BAD_REQUEST, CONTROL_E_UNKNOWN_CMD,
	    CONTROL_E_BAD_ARG, CONTROL_E_SCHEMA, CONTROL_E_UNKNOWN_TARGET,
	    CONTROL_E_FAILED, CONTROL_E_UNSUPPORTED, CONTROL_E_INTERNAL,
	    CONTROL_E_BUSY, CONTROL_E_TIMEOUT };
	size_t i;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (strcmp(c, codes[i]) == 0)
			return true;
	return false;
}

static void
check_answer(json_t *ans)
{
	json_t *schema, *ok, *err, *code, *msg, *back;
	json_error_t jerr;
	char *line;

	FUZZ_ASSERT(json_is_object(ans));
	schema = json_object_get(ans, "schema");
	ok = json_object_get(ans, "ok");
	FUZZ_ASSERT(json_is_integer(schema) && json_is_boolean(ok) &&
	    json_integer_value(schema) == CONTROL_SCHEMA);
	err = json_object_get(ans, "error");
	if (json_is_true(ok))
		FUZZ_ASSERT(err == NULL &&
		    json_object_get(ans, "result") != NULL);
	else {
		code = json_object_get(err, "code");
		msg = json_object_get(err, "message");
		FUZZ_ASSERT(json_is_string(code) &&
		    known_code(json_string_value(code)) && json_is_string(msg));
		FUZZ_ASSERT(json_object_get(ans, "result") == NULL);
	}
	/* Newline-delimited: the answer must be one line, and valid JSON. */
	line = json_dumps(ans, JSON_COMPACT);
	FUZZ_ASSERT(line != NULL && strchr(line, '\n') == NULL);
	back = json_loads(line, 0, &jerr);
	FUZZ_ASSERT(back != NULL && json_equal(back, ans));
	json_decref(back);
	free(line);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	log_init(0, "fuzz_control");	/* errors only: a quiet run */
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct control c;
	struct control_peer peer = { .uid = 0, .pid = 1 };
	json_t *ans = NULL;
	char *cn;
	size_t i;
	int rc;

	if (size > CONTROL_REQ_MAX)
		return 0;
	if ((cn = malloc(size + 1)) == NULL)
		return 0;
	memcpy(cn, data, size);
	cn[size] = '\0';
	status_cn = cn;
	memset(&c, 0, sizeof(c));
	c.ops = &ops;
	TAILQ_INIT(&c.conns);

	/* Any bytes become a JSON string: as is if UTF-8, else with '?'. */
	ans = control_json_string(cn);
	FUZZ_ASSERT(json_is_string(ans));
	for (i = 0; cn[i] != '\0'; i++)
		FUZZ_ASSERT(json_string_value(ans)[i] == cn[i] ||
		    ((unsigned char)cn[i] >= 0x80 &&
		    json_string_value(ans)[i] == '?'));
	FUZZ_ASSERT(json_string_value(ans)[i] == '\0');
	json_decref(ans);
	ans = NULL;

	rc = control_dispatch(&c, (const char *)data, size, &peer, &ans);
	for (i = 0; i < size && (data[i] == ' ' || data[i] == '\t'); i++)
		;
	if (i == size)
		FUZZ_ASSERT(rc == 0 && ans == NULL);
	else {
		FUZZ_ASSERT(rc == 1 && ans != NULL);
		check_answer(ans);
	}
	json_decref(ans);
	free(cn);
	return 0;
}
