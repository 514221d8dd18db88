/*
 * Configuration syntax: lines, words and inline blocks (see cfg_lex.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cfg_lex.h"

#define UTF8_BOM	"\xef\xbb\xbf"

void
cfg_lex_init(struct cfg_lex *lx, const char *text, size_t len)
{
	lx->p = text;
	lx->end = text + len;
	lx->lineno = 0;
	if (len >= 3 && memcmp(text, UTF8_BOM, 3) == 0)
		lx->p += 3;
}

int
cfg_lex_line(struct cfg_lex *lx, const char **line, size_t *len)
{
	const char *eol;
	size_t n;

	if (lx->p >= lx->end)
		return 0;
	eol = memchr(lx->p, '\n', (size_t)(lx->end - lx->p));
	if (eol == NULL)
		eol = lx->end;
	n = (size_t)(eol - lx->p);
	if (n > 0 && lx->p[n - 1] == '\r')
		n--;
	*line = lx->p;
	*len = n;
	lx->p = eol < lx->end ? eol + 1 : eol;
	lx->lineno++;
	return 1;
}

static bool
is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

enum lex_state {
	LS_BETWEEN,	/* between words */
	LS_BARE,	/* in an unquoted word */
	LS_DQUOTE,	/* in a "double-quoted" word */
	LS_SQUOTE,	/* in a 'single-quoted' word: no escapes */
};

/*
 * The words never need more than len + 1 bytes of buf: every word but the
 * last is followed by a delimiter (a blank or its closing quote) whose byte
 * its NUL replaces, and escapes and quotes only shrink a word.
 */
int
cfg_lex_split(const char *line, size_t len, char *buf,
    char *words[CFG_LEX_MAX_WORDS], char *err, size_t errlen)
{
	enum lex_state st = LS_BETWEEN;
	bool esc = false;
	char *q = buf;
	int n = 0;
	size_t i;

	for (i = 0; i <= len; i++) {
		int c = i < len ? (unsigned char)line[i] : '\0';

		if (!esc && c == '\\' && st != LS_SQUOTE) {
			esc = true;
			continue;
		}
		if (esc) {
			esc = false;
			if (c == '\0') {
				snprintf(err, errlen, "backslash at the end of "
				    "the line");
				return -1;
			}
			if (c != '\\' && c != '"' && !is_blank(c)) {
				snprintf(err, errlen, "bad backslash escape "
				    "'\\%c': only \\\\, \\\" and \\<space> "
				    "are allowed (write a backslash as \\\\)",
				    c);
				return -1;
			}
			/* An escaped character is literal, even first. */
			if (st == LS_BETWEEN) {
				if (n == CFG_LEX_MAX_WORDS)
					goto toomany;
				words[n++] = q;
				st = LS_BARE;
			}
			*q++ = (char)c;
			continue;
		}
		switch (st) {
		case LS_BETWEEN:
			if (c == '\0')
				goto done;
			if (is_blank(c))
				break;
			if (c == '#' || c == ';')
				goto done;
			if (n == CFG_LEX_MAX_WORDS)
				goto toomany;
			words[n++] = q;
			if (c == '"')
				st = LS_DQUOTE;
			else if (c == '\'')
				st = LS_SQUOTE;
			else {
				*q++ = (char)c;
				st = LS_BARE;
			}
			break;
		case LS_BARE:
			if (c == '\0' || is_blank(c)) {
				*q++ = '\0';
				st = LS_BETWEEN;
			} else
				*q++ = (char)c;
			break;
		case LS_DQUOTE:
		case LS_SQUOTE:
			if (c == '\0') {
				snprintf(err, errlen, "no closing %s quote",
				    st == LS_DQUOTE ? "double (\")" :
				    "single (')");
				return -1;
			}
			if (c == (st == LS_DQUOTE ? '"' : '\'')) {
				*q++ = '\0';
				st = LS_BETWEEN;
			} else
				*q++ = (char)c;
			break;
		}
	}
 done:
	if (st == LS_BARE)
		*q = '\0';
	return n;
 toomany:
	snprintf(err, errlen, "more than %d words on one line",
	    CFG_LEX_MAX_WORDS);
	return -1;
}

int
cfg_lex_block(struct cfg_lex *lx, const char *tag, char **text, size_t *lenp)
{
	char close[64];
	size_t cap = 4096, len = 0, clen, n;
	const char *line, *s;
	char *buf, *nb;

	*text = NULL;
	clen = (size_t)snprintf(close, sizeof(close), "</%s>", tag);
	if (clen >= sizeof(close))
		return -1;	/* no directive name is that long */
	if ((buf = malloc(cap)) == NULL)
		return -2;
	while (cfg_lex_line(lx, &line, &n)) {
		for (s = line; s < line + n && is_blank((unsigned char)*s); s++)
			;
		if ((size_t)(line + n - s) >= clen &&
		    memcmp(s, close, clen) == 0) {
			buf[len] = '\0';
			*text = buf;
			*lenp = len;
			return 0;
		}
		if (len + n + 2 > cap) {
			while (len + n + 2 > cap)
				cap *= 2;
			if ((nb = realloc(buf, cap)) == NULL) {
				explicit_bzero(buf, len);
				free(buf);
				return -2;
			}
			buf = nb;
		}
		memcpy(buf + len, line, n);
		len += n;
		buf[len++] = '\n';
	}
	/* The body may be key material. */
	explicit_bzero(buf, len);
	free(buf);
	return -1;
}

int
cfg_lex_read_file(const char *path, char **text, size_t *lenp, char *err,
    size_t errlen)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap;
	ssize_t r;
	int fd, rc = -1;

	*text = NULL;
	/* O_NONBLOCK: a FIFO named by mistake is refused below rather than
	 * waited on for ever (it means nothing to a regular file). */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		goto out;
	}
	if (st.st_size > CFG_LEX_MAX_FILE) {
		snprintf(err, errlen, "larger than %d bytes",
		    CFG_LEX_MAX_FILE);
		goto out;
	}
	/* Room for one byte more than stat saw, to notice a growing file. */
	cap = (size_t)st.st_size + 2;
	if ((buf = malloc(cap)) == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		goto out;
	}
	for (;;) {
		r = read(fd, buf + len, cap - 1 - len);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			snprintf(err, errlen, "%s", strerror(errno));
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len == cap - 1) {
			snprintf(err, errlen, "changed while being read");
			goto out;
		}
	}
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "contains a NUL byte: not a text "
		    "file");
		goto out;
	}
	buf[len] = '\0';
	*text = buf;
	*lenp = len;
	buf = NULL;
	rc = 0;
 out:
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
	if (fd != -1)
		close(fd);
	return rc;
}
