/*
 * The CA passphrase.  Its copies are wiped after use; the prompt talks to
 * /dev/tty, not stdin/stdout, so "mcnca export ... > file" still prompts
 * and a pipe cannot feed it by accident.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "afile.h"
#include "pass.h"

void
pass_wipe(char *buf, size_t cap)
{
	OPENSSL_cleanse(buf, cap);
}

/* Copies the first line of src (up to '\n', "\r\n" too) into out. */
static int
first_line(const char *src, size_t len, char *out, size_t cap,
    const char *what, char *err, size_t errlen)
{
	size_t n = 0;

	while (n < len && src[n] != '\n')
		n++;
	if (n > 0 && src[n - 1] == '\r')
		n--;
	if (n > PASS_MAX || n >= cap) {
		snprintf(err, errlen, "%s: passphrase longer than %d bytes",
		    what, PASS_MAX);
		return -1;
	}
	if (memchr(src, '\0', n) != NULL) {
		snprintf(err, errlen, "%s: passphrase contains a NUL byte",
		    what);
		return -1;
	}
	memcpy(out, src, n);
	out[n] = '\0';
	return (int)n;
}

static volatile sig_atomic_t	caught;

static void
on_signal(int sig)
{
	caught = sig;
}

/*
 * Reads one line from the terminal fd with echo off; the terminal is
 * restored on every path, also when a signal interrupts the read (the
 * signal is then re-raised).
 */
static int
tty_read(int fd, const char *prompt, char *out, size_t cap, char *err,
    size_t errlen)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGQUIT, SIGHUP,
	    SIGTSTP, SIGTTIN, SIGTTOU };
	struct sigaction sa, old[sizeof(sigs) / sizeof(sigs[0])];
	struct termios saved, noecho;
	char line[PASS_MAX + 2];
	size_t n = 0, i;
	ssize_t r;
	int rc = -1;

	if (tcgetattr(fd, &saved) == -1) {
		snprintf(err, errlen, "/dev/tty: %s", strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	caught = 0;
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, &old[i]);
	noecho = saved;
	noecho.c_lflag &= ~(tcflag_t)ECHO;
	noecho.c_lflag |= ECHONL;
	if (write(fd, prompt, strlen(prompt)) < 0 ||
	    tcsetattr(fd, TCSAFLUSH, &noecho) == -1) {
		snprintf(err, errlen, "/dev/tty: %s", strerror(errno));
		goto out;
	}
	while (n < sizeof(line) - 1 && caught == 0) {
		r = read(fd, line + n, 1);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "/dev/tty: %s", r == 0 ?
			    "end of input" : strerror(errno));
			goto out;
		}
		if (line[n] == '\n')
			break;
		n++;
	}
	if (caught == 0) {
		if (n == sizeof(line) - 1) {
			snprintf(err, errlen, "passphrase longer than %d bytes",
			    PASS_MAX);
			goto out;
		}
		rc = first_line(line, n, out, cap, "/dev/tty", err, errlen);
	}
out:
	tcsetattr(fd, TCSAFLUSH, &saved);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &old[i], NULL);
	pass_wipe(line, sizeof(line));
	if (caught != 0) {
		raise(caught);
		snprintf(err, errlen, "interrupted");
		rc = -1;
	}
	return rc;
}

static int
from_tty(int is_new, char *out, size_t cap, char *err, size_t errlen)
{
	char again[PASS_MAX + 1];
	int fd, n, rc = -1;

	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "no CA passphrase: use --pass-file FILE "
		    "or set %s (no terminal to ask on: %s)", PASS_ENV,
		    strerror(errno));
		return -1;
	}
	n = tty_read(fd, is_new ? "New CA key passphrase: " :
	    "CA key passphrase: ", out, cap, err, errlen);
	if (n < 0)
		goto out;
	if (is_new) {
		if (tty_read(fd, "Repeat it: ", again, sizeof(again), err,
		    errlen) < 0)
			goto out;
		if (strcmp(out, again) != 0) {
			snprintf(err, errlen, "the passphrases differ");
			goto out;
		}
	}
	rc = n;
out:
	pass_wipe(again, sizeof(again));
	if (rc < 0)
		pass_wipe(out, cap);
	close(fd);
	return rc;
}

int
pass_get(const char *pass_file, int is_new, char *out, size_t cap,
    char *err, size_t errlen)
{
	const char *env, *what;
	char *text = NULL;
	size_t len;
	int n;

	if (pass_file != NULL) {
		what = pass_file;
		if (afile_read(pass_file, &text, &len, err, errlen) == -1)
			return -1;
		n = first_line(text, len, out, cap, what, err, errlen);
		pass_wipe(text, len);
		free(text);
	} else if ((env = getenv(PASS_ENV)) != NULL) {
		what = PASS_ENV;
		n = first_line(env, strlen(env), out, cap, what, err, errlen);
	} else {
		what = "/dev/tty";
		n = from_tty(is_new, out, cap, err, errlen);
	}
	if (n < 0)
		return -1;
	if (n == 0) {
		snprintf(err, errlen, "%s: empty passphrase", what);
		return -1;
	}
	if (is_new && n < PASS_MIN) {
		pass_wipe(out, cap);
		snprintf(err, errlen, "%s: the CA key passphrase must have at "
		    "least %d characters", what, PASS_MIN);
		return -1;
	}
	return n;
}
