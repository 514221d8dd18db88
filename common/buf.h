/*
 * Checked byte-buffer reader and writer.
 *
 * Every parser in common/ reads packets through a struct rbuf and writes
 * them through a struct wbuf; no protocol file does raw pointer arithmetic
 * on packet bytes.  Both carry a sticky error flag: once a read runs past
 * the end (or a write past the capacity) every later call is a no-op that
 * returns zero/NULL, so a parser may read all its fields and test the flag
 * once at the end.
 *
 * Invariants: r->pos <= r->len and w->len <= w->cap at all times.
 */
#ifndef MCN_BUF_H
#define MCN_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct rbuf {
	const uint8_t	*p;
	size_t		 len;
	size_t		 pos;
	bool		 err;
};

struct wbuf {
	uint8_t		*p;
	size_t		 cap;
	size_t		 len;
	bool		 err;
};

static inline void
rbuf_init(struct rbuf *r, const void *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->pos = 0;
	r->err = false;
}

static inline size_t
rbuf_left(const struct rbuf *r)
{
	return r->len - r->pos;
}

/* Returns a pointer to the next n bytes and advances, or NULL (and sets err). */
static inline const uint8_t *
rbuf_bytes(struct rbuf *r, size_t n)
{
	const uint8_t *q;

	if (r->err || n > r->len - r->pos) {
		r->err = true;
		return NULL;
	}
	q = r->p + r->pos;
	r->pos += n;
	return q;
}

static inline bool
rbuf_copy(struct rbuf *r, void *dst, size_t n)
{
	const uint8_t *q = rbuf_bytes(r, n);

	if (q == NULL)
		return false;
	memcpy(dst, q, n);
	return true;
}

static inline bool
rbuf_skip(struct rbuf *r, size_t n)
{
	return rbuf_bytes(r, n) != NULL;
}

static inline uint8_t
rbuf_u8(struct rbuf *r)
{
	const uint8_t *q = rbuf_bytes(r, 1);

	return q ? q[0] : 0;
}

static inline uint16_t
rbuf_u16(struct rbuf *r)
{
	const uint8_t *q = rbuf_bytes(r, 2);

	return q ? (uint16_t)(q[0] << 8 | q[1]) : 0;
}

static inline uint32_t
rbuf_u24(struct rbuf *r)
{
	const uint8_t *q = rbuf_bytes(r, 3);

	return q ? (uint32_t)q[0] << 16 | (uint32_t)q[1] << 8 | q[2] : 0;
}

static inline uint32_t
rbuf_u32(struct rbuf *r)
{
	const uint8_t *q = rbuf_bytes(r, 4);

	return q ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
	    (uint32_t)q[2] << 8 | q[3] : 0;
}

/* The unread tail; does not advance. */
static inline const uint8_t *
rbuf_rest(const struct rbuf *r, size_t *n)
{
	*n = r->len - r->pos;
	return r->p + r->pos;
}

static inline void
wbuf_init(struct wbuf *w, void *p, size_t cap)
{
	w->p = p;
	w->cap = cap;
	w->len = 0;
	w->err = false;
}

static inline size_t
wbuf_room(const struct wbuf *w)
{
	return w->cap - w->len;
}

/* Reserves n bytes at the end and returns them for the caller to fill. */
static inline uint8_t *
wbuf_reserve(struct wbuf *w, size_t n)
{
	uint8_t *q;

	if (w->err || n > w->cap - w->len) {
		w->err = true;
		return NULL;
	}
	q = w->p + w->len;
	w->len += n;
	return q;
}

static inline bool
wbuf_bytes(struct wbuf *w, const void *src, size_t n)
{
	uint8_t *q = wbuf_reserve(w, n);

	if (q == NULL)
		return false;
	if (n)
		memcpy(q, src, n);
	return true;
}

static inline bool
wbuf_u8(struct wbuf *w, uint8_t v)
{
	uint8_t *q = wbuf_reserve(w, 1);

	if (q == NULL)
		return false;
	q[0] = v;
	return true;
}

static inline bool
wbuf_u16(struct wbuf *w, uint16_t v)
{
	uint8_t *q = wbuf_reserve(w, 2);

	if (q == NULL)
		return false;
	q[0] = v >> 8;
	q[1] = v & 0xff;
	return true;
}

static inline bool
wbuf_u24(struct wbuf *w, uint32_t v)
{
	uint8_t *q = wbuf_reserve(w, 3);

	if (q == NULL)
		return false;
	q[0] = (v >> 16) & 0xff;
	q[1] = (v >> 8) & 0xff;
	q[2] = v & 0xff;
	return true;
}

static inline bool
wbuf_u32(struct wbuf *w, uint32_t v)
{
	uint8_t *q = wbuf_reserve(w, 4);

	if (q == NULL)
		return false;
	q[0] = v >> 24;
	q[1] = (v >> 16) & 0xff;
	q[2] = (v >> 8) & 0xff;
	q[3] = v & 0xff;
	return true;
}

/* Big-endian helpers for fixed offsets already bounds-checked by a reader. */
static inline uint32_t
be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static inline void
be32_put(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

#endif /* MCN_BUF_H */
