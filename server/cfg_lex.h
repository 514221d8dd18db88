/*
 * Configuration syntax, OpenVPN's: lines, words, inline blocks.  Internal to
 * cfg.c; no meaning of any directive lives here.
 *
 * Words follow OpenVPN's rules: separated by blanks; a word that starts
 * with '#' or ';' begins a comment that runs to the end of the line;
 * "double" and 'single' quotes may only open a word and close it (a quote
 * inside a bare word is an ordinary character); outside single quotes a
 * backslash escapes the next character, which must be '\', '"' or a blank.
 */
#ifndef MCN_CFG_LEX_H
#define MCN_CFG_LEX_H

#include <stddef.h>

#define CFG_LEX_MAX_WORDS	16	/* OpenVPN's limit per line */
#define CFG_LEX_MAX_FILE	(1024 * 1024)

struct cfg_lex {
	const char	*p;		/* next unread byte */
	const char	*end;
	int		 lineno;	/* of the line last returned */
};

/* A leading UTF-8 byte order mark is skipped, as OpenVPN does. */
void	cfg_lex_init(struct cfg_lex *, const char *text, size_t len);

/*
 * The next line, without its newline or a trailing CR.  Returns 0 at the
 * end of the text, 1 otherwise.
 */
int	cfg_lex_line(struct cfg_lex *, const char **line, size_t *len);

/*
 * Splits a line into words.  words[] points into buf, which must hold
 * len + 1 bytes.  Returns the number of words (0 for a blank or comment
 * line) or -1 with a reason (no location) in err.
 */
int	cfg_lex_split(const char *line, size_t len, char *buf,
	    char *words[CFG_LEX_MAX_WORDS], char *err, size_t errlen);

/*
 * Reads the body of an inline block opened by <tag> on the line last
 * returned: every line up to the one that starts, after blanks, with
 * </tag>.  The body is returned NUL-terminated with '\n' line ends in a
 * malloc'd *text.  Returns -1 if the text ends first (the caller reports
 * the opening line), -2 if out of memory.
 */
int	cfg_lex_block(struct cfg_lex *, const char *tag, char **text,
	    size_t *len);

/*
 * Reads a whole file (at most CFG_LEX_MAX_FILE bytes, no NUL bytes) into a
 * malloc'd NUL-terminated *text.  -1 with a reason in err on failure;
 * the reason does not name the file.
 */
int	cfg_lex_read_file(const char *path, char **text, size_t *len,
	    char *err, size_t errlen);

#endif /* MCN_CFG_LEX_H */
