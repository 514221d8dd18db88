/*
 * mcnctl: talks to mycrypnetd's control socket (doc/control-protocol.md).
 *
 *   mcnctl [-s PATH] [-j|--json] [-t SECONDS] COMMAND [ARGS]
 *
 * One request, one answer, per run.  The command table below is the
 * whole CLI: name, arguments, help, handler.  Exit status: 0 done, 1 the
 * daemon refused (its message on stderr), 2 usage, 3 no daemon or no
 * sensible answer.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control_proto.h"
#include "mcnctl.h"

#define DEFAULT_TIMEOUT_S	10

struct ctx {
	const char	*path;
	bool		 json;
	int		 timeout_ms;
	const char	*cmd;
};

struct command {
	const char	*name;
	const char	*args;		/* for usage lines */
	const char	*help;
	int		(*handler)(struct ctx *, int argc, char **argv);
	int		 min_args, max_args;
	bool		 halt;		/* takes --halt */
};

static int	cmd_status(struct ctx *, int, char **);
static int	cmd_kick(struct ctx *, int, char **);
static int	cmd_reload(struct ctx *, int, char **);
static int	cmd_stats(struct ctx *, int, char **);
static int	cmd_version(struct ctx *, int, char **);
static int	cmd_help(struct ctx *, int, char **);

static const struct command commands[] = {
	{ "status", "", "connected clients and the daemon's state",
	    cmd_status, 0, 0, false },
	{ "kick", "CN|VIRTUAL-IP|ADDR:PORT [--halt]", "disconnect the "
	    "matching clients: they reconnect (RESTART), or with --halt "
	    "they stop (HALT)", cmd_kick, 1, 1, true },
	{ "reload", "", "re-read the configuration and the CRL (as SIGHUP)",
	    cmd_reload, 0, 0, false },
	{ "stats", "", "packet, drop and handshake counters", cmd_stats,
	    0, 0, false },
	{ "version", "", "the versions of mcnctl and of the daemon",
	    cmd_version, 0, 0, false },
	{ "help", "[COMMAND]", "this text", cmd_help, 0, 1, false },
};
#define NCOMMANDS	(sizeof(commands) / sizeof(commands[0]))

static bool	opt_halt;

static void
usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: mcnctl [-s PATH] [-j|--json] [-t SECONDS] COMMAND "
	    "[ARGS]\n\n"
	    "  -s, --socket PATH   control socket (default %s)\n"
	    "  -j, --json          print the daemon's JSON answer\n"
	    "  -t, --timeout SECS  wait this long for an answer (default %d)"
	    "\n\ncommands:\n", CONTROL_SOCKET_DEFAULT, DEFAULT_TIMEOUT_S);
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %s%s%s\n      %s\n", commands[i].name,
		    *commands[i].args ? " " : "", commands[i].args,
		    commands[i].help);
	fprintf(f, "\nexit status: 0 done, 1 the daemon refused, 2 usage, "
	    "3 daemon not reachable\n");
}

static int
ctl_connect(const struct ctx *c)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(c->path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "mcnctl: socket path too long: %s\n", c->path);
		return -1;
	}
	strcpy(sun.sun_path, c->path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		fprintf(stderr, "mcnctl: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		int e = errno;

		fprintf(stderr, "mcnctl: cannot connect to %s: %s%s\n",
		    c->path, strerror(e), e == EACCES ? " (is this user in "
		    "the daemon's group?)" : " (is mycrypnetd running?)");
		close(fd);
		return -1;
	}
	return fd;
}

static int
send_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = send(fd, p, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads one answer line; a malloc'd string, or NULL (said on stderr). */
static char *
read_line(const struct ctx *c, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = 0, cap = 0;
	char *buf = NULL, *nl, *nb;
	ssize_t n;
	int rc;

	for (;;) {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 65536;
			if ((nb = realloc(buf, cap)) == NULL) {
				fprintf(stderr, "mcnctl: out of memory\n");
				break;
			}
			buf = nb;
		}
		rc = poll(&pfd, 1, c->timeout_ms);
		if (rc == -1 && errno == EINTR)
			continue;
		if (rc <= 0) {
			fprintf(stderr, "mcnctl: %s: %s\n", c->path, rc == 0 ?
			    "no answer in time (see -t)" : strerror(errno));
			break;
		}
		if ((n = read(fd, buf + len, cap - len - 1)) == -1) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "mcnctl: %s: %s\n", c->path,
			    strerror(errno));
			break;
		}
		if (n == 0) {
			fprintf(stderr, "mcnctl: %s: the daemon closed the "
			    "connection without answering\n", c->path);
			break;
		}
		len += (size_t)n;
		buf[len] = '\0';
		if ((nl = memchr(buf, '\n', len)) != NULL) {
			*nl = '\0';
			return buf;
		}
		if (len > CONTROL_ANSWER_MAX) {
			fprintf(stderr, "mcnctl: answer longer than %d bytes\n",
			    CONTROL_ANSWER_MAX);
			break;
		}
	}
	free(buf);
	return NULL;
}

/*
 * Sends req (consumed) and returns the "result" of an ok answer in
 * *result (a new reference) and EXIT_OK; or an exit status, the reason
 * said on stderr.  With --json, prints the answer whatever it says.
 */
static int
request(struct ctx *c, json_t *req, json_t **result)
{
	json_t *ans = NULL, *err;
	json_error_t jerr;
	char *line = NULL, *s;
	int fd, rc = EXIT_UNREACHED;

	*result = NULL;
	s = req != NULL ? json_dumps(req, JSON_COMPACT) : NULL;
	json_decref(req);
	if (s == NULL) {
		fprintf(stderr, "mcnctl: out of memory\n");
		return EXIT_UNREACHED;
	}
	if ((fd = ctl_connect(c)) == -1) {
		free(s);
		return EXIT_UNREACHED;
	}
	if (send_all(fd, s, strlen(s)) == -1 || send_all(fd, "\n", 1) == -1) {
		fprintf(stderr, "mcnctl: %s: %s\n", c->path, strerror(errno));
		goto out;
	}
	if ((line = read_line(c, fd)) == NULL)
		goto out;
	if ((ans = json_loads(line, 0, &jerr)) == NULL ||
	    !json_is_object(ans) ||
	    !json_is_boolean(json_object_get(ans, "ok"))) {
		fprintf(stderr, "mcnctl: %s: not a control answer%s%s\n",
		    c->path, ans == NULL ? ": " : "", ans == NULL ? jerr.text :
		    "");
		goto out;
	}
	if (json_integer_value(json_object_get(ans, "schema")) !=
	    CONTROL_SCHEMA)
		fprintf(stderr, "mcnctl: warning: the daemon answers in schema "
		    "%lld, this mcnctl knows %d\n", (long long)
		    json_integer_value(json_object_get(ans, "schema")),
		    CONTROL_SCHEMA);
	if (c->json) {
		json_dumpf(ans, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
	}
	if (json_is_true(json_object_get(ans, "ok"))) {
		*result = json_incref(json_object_get(ans, "result"));
		rc = EXIT_OK;
		goto out;
	}
	err = json_object_get(ans, "error");
	fprintf(stderr, "mcnctl: %s: %s (%s)\n", c->cmd,
	    json_string_value(json_object_get(err, "message")) ?
	    json_string_value(json_object_get(err, "message")) : "failed",
	    json_string_value(json_object_get(err, "code")) ?
	    json_string_value(json_object_get(err, "code")) : "?");
	rc = EXIT_REFUSED;
out:
	json_decref(ans);
	free(line);
	free(s);
	close(fd);
	return rc;
}

static json_t *
new_request(const char *cmd)
{
	return json_pack("{s:i, s:s}", "schema", CONTROL_SCHEMA, "command",
	    cmd);
}

/* status, reload, stats: no arguments, a renderer. */
static int
simple(struct ctx *c, void (*render)(struct ctx *, json_t *))
{
	json_t *result;
	int rc;

	if ((rc = request(c, new_request(c->cmd), &result)) == EXIT_OK &&
	    !c->json)
		render(c, result);
	json_decref(result);
	return rc;
}

static void
show_status(struct ctx *c, json_t *r)
{
	render_status(stdout, r, (int64_t)time(NULL));
}

static void
show_stats(struct ctx *c, json_t *r)
{
	render_stats(stdout, r);
}

static void
show_reload(struct ctx *c, json_t *r)
{
	printf("reloaded\n");
}

static int
cmd_status(struct ctx *c, int argc, char **argv)
{
	return simple(c, show_status);
}

static int
cmd_stats(struct ctx *c, int argc, char **argv)
{
	return simple(c, show_stats);
}

static int
cmd_reload(struct ctx *c, int argc, char **argv)
{
	return simple(c, show_reload);
}

static int
cmd_kick(struct ctx *c, int argc, char **argv)
{
	json_t *req, *result;
	long long n;
	int rc;

	if ((req = new_request("kick")) == NULL ||
	    json_object_set_new(req, "target", json_string(argv[0])) == -1 ||
	    json_object_set_new(req, "halt", json_boolean(opt_halt)) == -1) {
		json_decref(req);
		fprintf(stderr, "mcnctl: kick: the target is not valid "
		    "UTF-8\n");
		return EXIT_USAGE;
	}
	if ((rc = request(c, req, &result)) == EXIT_OK && !c->json) {
		n = (long long)json_integer_value(json_object_get(result,
		    "kicked"));
		printf("kicked %lld session%s matching %s (%s)\n", n,
		    n == 1 ? "" : "s", argv[0], opt_halt ? "HALT: they stop" :
		    "RESTART: they reconnect");
	}
	json_decref(result);
	return rc;
}

static int
cmd_version(struct ctx *c, int argc, char **argv)
{
	json_t *result;
	int rc;

	if (!c->json)
		printf("mcnctl %s (control schema %d)\n", PACKAGE_VERSION,
		    CONTROL_SCHEMA);
	if ((rc = request(c, new_request("version"), &result)) == EXIT_OK &&
	    !c->json)
		printf("%s %s (control schema %lld)\n",
		    json_string_value(json_object_get(result, "name")) ?
		    json_string_value(json_object_get(result, "name")) :
		    "mycrypnetd",
		    json_string_value(json_object_get(result, "version")) ?
		    json_string_value(json_object_get(result, "version")) : "?",
		    (long long)json_integer_value(json_object_get(result,
		    "schema")));
	json_decref(result);
	return rc;
}

static const struct command *
find_command(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int
cmd_help(struct ctx *c, int argc, char **argv)
{
	const struct command *cmd;

	if (argc == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	if ((cmd = find_command(argv[0])) == NULL) {
		fprintf(stderr, "mcnctl: no command \"%s\"; try mcnctl help\n",
		    argv[0]);
		return EXIT_USAGE;
	}
	printf("usage: mcnctl [-s PATH] [--json] %s%s%s\n    %s\n", cmd->name,
	    *cmd->args ? " " : "", cmd->args, cmd->help);
	return EXIT_OK;
}

/*
 * A command's own arguments: positionals, and --json/-j or (if it takes
 * it) --halt anywhere among them; "--" ends the options.  Compacts the
 * positionals to the front of argv; their count, or -1.
 */
static int
command_args(struct ctx *c, const struct command *cmd, int argc, char **argv)
{
	bool opts = true;
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		if (opts && strcmp(argv[i], "--") == 0) {
			opts = false;
		} else if (opts && (strcmp(argv[i], "--json") == 0 ||
		    strcmp(argv[i], "-j") == 0)) {
			c->json = true;
		} else if (opts && cmd->halt && strcmp(argv[i], "--halt") == 0) {
			opt_halt = true;
		} else if (opts && argv[i][0] == '-' && argv[i][1] != '\0') {
			fprintf(stderr, "mcnctl: %s: unknown option %s\n",
			    cmd->name, argv[i]);
			return -1;
		} else
			argv[n++] = argv[i];
	}
	if (n < cmd->min_args || n > cmd->max_args) {
		fprintf(stderr, "mcnctl: %s: want %s%s\n", cmd->name,
		    *cmd->args ? "" : "no arguments", cmd->args);
		return -1;
	}
	return n;
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctx c;
	const struct command *cmd;
	char *end;
	long t;
	int ch, n;

	memset(&c, 0, sizeof(c));
	c.path = CONTROL_SOCKET_DEFAULT;
	c.timeout_ms = DEFAULT_TIMEOUT_S * 1000;
	/* "+": options end at the command; its own are parsed below. */
	while ((ch = getopt_long(argc, argv, "+s:jt:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			c.path = optarg;
			break;
		case 'j':
			c.json = true;
			break;
		case 't':
			t = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || t < 1 ||
			    t > 3600) {
				fprintf(stderr, "mcnctl: -t wants 1 to 3600 "
				    "seconds\n");
				return EXIT_USAGE;
			}
			c.timeout_ms = (int)t * 1000;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((cmd = find_command(argv[optind])) == NULL) {
		fprintf(stderr, "mcnctl: no command \"%s\"; try mcnctl help\n",
		    argv[optind]);
		return EXIT_USAGE;
	}
	c.cmd = cmd->name;
	argc -= optind + 1;
	argv += optind + 1;
	if ((n = command_args(&c, cmd, argc, argv)) == -1)
		return EXIT_USAGE;
	return cmd->handler(&c, n, argv);
}
