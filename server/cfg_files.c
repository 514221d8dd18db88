/*
 * The files one parse read, recorded and replayed (see cfg_files.h).
 *
 * Wire form, all lengths big-endian:
 *
 *	u32	count of entries
 *	entry	the base directory (kind ABSENT when none was recorded)
 *	entry	count times
 *
 *	entry:	u8 kind (ABSENT, TEXT, REASON), u32 path length, path,
 *		u32 data length, data (the text or the reason; no NUL)
 */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cfg_files.h"
#include "cfg_lex.h"

enum {
	KIND_ABSENT,
	KIND_TEXT,
	KIND_REASON,
};

void
cfg_files_init(struct cfg_files *fs)
{
	memset(fs, 0, sizeof(*fs));
	fs->limit = CFG_FILES_MAX_TOTAL;
}

static void
file_clear(struct cfg_file *f)
{
	if (f->text != NULL)
		explicit_bzero(f->text, f->len);
	free(f->text);
	free(f->path);
	free(f->reason);
	memset(f, 0, sizeof(*f));
}

void
cfg_files_free(struct cfg_files *fs)
{
	size_t i, limit = fs->limit;

	for (i = 0; i < fs->n; i++)
		file_clear(&fs->v[i]);
	free(fs->v);
	file_clear(&fs->basedir);
	cfg_files_init(fs);
	fs->limit = limit;
}

static struct cfg_file *
lookup(struct cfg_files *fs, const char *path)
{
	size_t i;

	for (i = 0; fs != NULL && i < fs->n; i++)
		if (strcmp(fs->v[i].path, path) == 0)
			return &fs->v[i];
	return NULL;
}

/* A copy of text, NUL included: the caller wipes and frees it. */
static char *
memdup0(const char *text, size_t len)
{
	char *p;

	if ((p = malloc(len + 1)) != NULL) {
		memcpy(p, text, len);
		p[len] = '\0';
	}
	return p;
}

/* What a recorded file gives a reader: its text or its failure. */
static int
serve(const struct cfg_file *f, char **text, size_t *len, char *err,
    size_t errlen)
{
	if (f->text == NULL) {
		snprintf(err, errlen, "%s", f->reason);
		return -1;
	}
	if ((*text = memdup0(f->text, f->len)) == NULL) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -1;
	}
	*len = f->len;
	return 0;
}

/* Fills f: text (len bytes) when not NULL, else reason. */
static int
file_set(struct cfg_file *f, const char *path, const char *text,
    size_t len, const char *reason)
{
	memset(f, 0, sizeof(*f));
	if ((f->path = strdup(path)) == NULL)
		goto nomem;
	if (text != NULL) {
		if ((f->text = memdup0(text, len)) == NULL)
			goto nomem;
		f->len = len;
	} else if ((f->reason = strndup(reason,
	    CFG_FILES_MAX_REASON - 1)) == NULL)
		goto nomem;
	return 0;
 nomem:
	file_clear(f);
	return -1;
}

static int
record(struct cfg_files *fs, const char *path, const char *text, size_t len,
    const char *reason)
{
	struct cfg_file *v;

	if (fs->n == CFG_FILES_MAX_ENTRIES)
		return -1;
	if ((v = reallocarray(fs->v, fs->n + 1, sizeof(*v))) == NULL)
		return -1;
	fs->v = v;
	if (file_set(&v[fs->n], path, text, len, reason) == -1)
		return -1;
	fs->n++;
	fs->total += text != NULL ? len : 0;
	return 0;
}

int
cfg_files_read(struct cfg_files *fs, enum cfg_read how, const char *path,
    char **text, size_t *len, char *err, size_t errlen)
{
	const struct cfg_file *f;
	char *t = NULL;
	size_t l = 0;
	int rc;

	*text = NULL;
	if (how == CFG_READ_DISK)
		return cfg_lex_read_file(path, text, len, err, errlen);
	/* Longer than the kernel takes, and than the wire form carries. */
	if (strlen(path) >= CFG_FILES_MAX_PATH) {
		snprintf(err, errlen, "%s", strerror(ENAMETOOLONG));
		return -1;
	}
	if ((f = lookup(fs, path)) != NULL)
		return serve(f, text, len, err, errlen);
	if (how == CFG_READ_REPLAY) {
		snprintf(err, errlen, "not read by the loader");
		return -1;
	}
	rc = cfg_lex_read_file(path, &t, &l, err, errlen);
	if (rc == 0 && l > fs->limit - fs->total) {
		snprintf(err, errlen, "with the files before it, more than the "
		    "loader passes (%zu bytes in all)", fs->limit);
		explicit_bzero(t, l);
		free(t);
		t = NULL;
		rc = -1;
	}
	/* A failure is recorded too: the replay must fail the same way. */
	if (record(fs, path, t, l, err) == -1) {
		if (t != NULL) {
			explicit_bzero(t, l);
			free(t);
		}
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return -1;
	}
	if (rc == 0) {
		*text = t;
		*len = l;
	}
	return rc;
}

int
cfg_files_set_basedir(struct cfg_files *fs, const char *dir,
    const char *resolved, const char *reason)
{
	file_clear(&fs->basedir);
	return file_set(&fs->basedir, dir, resolved,
	    resolved != NULL ? strlen(resolved) : 0, reason);
}

/* --- wire form ---------------------------------------------------------- */

static size_t
entry_size(const struct cfg_file *f)
{
	size_t n = 1 + 4 + 4;

	if (f->path != NULL)
		n += strlen(f->path);
	if (f->text != NULL)
		n += f->len;
	else if (f->reason != NULL)
		n += strlen(f->reason);
	return n;
}

static void
entry_put(struct wbuf *w, const struct cfg_file *f)
{
	size_t plen = f->path != NULL ? strlen(f->path) : 0;
	size_t dlen = f->text != NULL ? f->len :
	    f->reason != NULL ? strlen(f->reason) : 0;

	wbuf_u8(w, f->path == NULL ? KIND_ABSENT :
	    f->text != NULL ? KIND_TEXT : KIND_REASON);
	wbuf_u32(w, (uint32_t)plen);
	wbuf_bytes(w, f->path, plen);
	wbuf_u32(w, (uint32_t)dlen);
	wbuf_bytes(w, f->text != NULL ? f->text : f->reason, dlen);
}

int
cfg_files_encode(const struct cfg_files *fs, uint8_t **bufp, size_t *lenp)
{
	struct wbuf w;
	size_t i, n = 4 + entry_size(&fs->basedir);
	uint8_t *buf;

	*bufp = NULL;
	for (i = 0; i < fs->n; i++)
		n += entry_size(&fs->v[i]);
	if (n > CFG_FILES_MAX_WIRE || (buf = malloc(n)) == NULL)
		return -1;
	wbuf_init(&w, buf, n);
	wbuf_u32(&w, (uint32_t)fs->n);
	entry_put(&w, &fs->basedir);
	for (i = 0; i < fs->n; i++)
		entry_put(&w, &fs->v[i]);
	if (w.err || w.len != n) {
		cfg_files_wipe(buf, n);
		return -1;
	}
	*bufp = buf;
	*lenp = n;
	return 0;
}

void
cfg_files_wipe(uint8_t *buf, size_t len)
{
	if (buf != NULL) {
		explicit_bzero(buf, len);
		free(buf);
	}
}

/*
 * One entry into f.  The base directory may be ABSENT; a file may not.
 * What is checked here is every invariant of cfg_files.h but uniqueness
 * and the total.
 */
static int
entry_get(struct rbuf *r, struct cfg_file *f, bool is_basedir, char *err,
    size_t errlen)
{
	const uint8_t *path, *data;
	uint32_t plen, dlen;
	uint8_t kind;

	memset(f, 0, sizeof(*f));
	kind = rbuf_u8(r);
	plen = rbuf_u32(r);
	path = rbuf_bytes(r, plen);
	dlen = rbuf_u32(r);
	data = rbuf_bytes(r, dlen);
	if (r->err) {
		snprintf(err, errlen, "truncated");
		return -1;
	}
	if (kind == KIND_ABSENT && is_basedir && plen == 0 && dlen == 0)
		return 0;
	if (kind != KIND_TEXT && kind != KIND_REASON) {
		snprintf(err, errlen, "entry of kind %u", kind);
		return -1;
	}
	if (plen == 0 || plen >= CFG_FILES_MAX_PATH ||
	    memchr(path, '\0', plen) != NULL) {
		snprintf(err, errlen, "bad path (%u bytes)", plen);
		return -1;
	}
	if (memchr(data, '\0', dlen) != NULL ||
	    (kind == KIND_TEXT && dlen > CFG_LEX_MAX_FILE) ||
	    (kind == KIND_REASON && (dlen == 0 ||
	    dlen >= CFG_FILES_MAX_REASON))) {
		snprintf(err, errlen, "bad %s (%u bytes)",
		    kind == KIND_TEXT ? "text" : "reason", dlen);
		return -1;
	}
	f->path = memdup0((const char *)path, plen);
	if (kind == KIND_TEXT) {
		f->text = memdup0((const char *)data, dlen);
		f->len = dlen;
	} else
		f->reason = memdup0((const char *)data, dlen);
	if (f->path == NULL || (f->text == NULL && f->reason == NULL)) {
		file_clear(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

int
cfg_files_decode(struct cfg_files *fs, const uint8_t *buf, size_t len,
    char *err, size_t errlen)
{
	struct cfg_file *f;
	struct rbuf r;
	char why[128];
	uint32_t n;
	size_t i, j;

	cfg_files_free(fs);
	rbuf_init(&r, buf, len);
	n = rbuf_u32(&r);
	if (r.err || n > CFG_FILES_MAX_ENTRIES) {
		snprintf(why, sizeof(why), r.err ? "truncated" :
		    "more than %d files", CFG_FILES_MAX_ENTRIES);
		goto bad;
	}
	if (entry_get(&r, &fs->basedir, true, why, sizeof(why)) == -1)
		goto bad;
	if ((fs->v = calloc(n > 0 ? n : 1, sizeof(*fs->v))) == NULL) {
		snprintf(why, sizeof(why), "out of memory");
		goto bad;
	}
	for (i = 0; i < n; i++) {
		f = &fs->v[i];
		if (entry_get(&r, f, false, why, sizeof(why)) == -1)
			goto bad;
		fs->n = i + 1;		/* for cfg_files_free() */
		if (f->text != NULL && f->len > fs->limit - fs->total) {
			snprintf(why, sizeof(why), "more than %zu bytes of "
			    "text", fs->limit);
			goto bad;
		}
		fs->total += f->text != NULL ? f->len : 0;
		for (j = 0; j < i; j++)
			if (strcmp(fs->v[j].path, f->path) == 0) {
				snprintf(why, sizeof(why), "a path twice");
				goto bad;
			}
	}
	if (rbuf_left(&r) != 0) {
		snprintf(why, sizeof(why), "%zu bytes after the last file",
		    rbuf_left(&r));
		goto bad;
	}
	return 0;
 bad:
	snprintf(err, errlen, "malformed set of files: %s", why);
	cfg_files_free(fs);
	return -1;
}
