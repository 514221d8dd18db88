/*
 * Text renderings of control answers.  Robust to what it does not know:
 * a field missing or of another type prints as "-", and fields a newer
 * daemon adds are ignored here (mcnctl --json shows them).
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mcnctl.h"

#define CELL_MAX	128

void
fmt_bytes(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB",
	    "PiB", "EiB" };
	double v = (double)n;
	unsigned u = 0;

	if (n < 1024) {
		snprintf(buf, len, "%" PRIu64 " B", n);
		return;
	}
	v /= 1024;
	/* 1023.96 KiB would print as "1024.0 KiB": move up a unit first. */
	while (v >= 1023.95 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, units[u]);
}

void
fmt_duration(int64_t s, char *buf, size_t len)
{
	if (s < 0)
		s = 0;
	if (s < 60)
		snprintf(buf, len, "%" PRId64 "s", s);
	else if (s < 3600)
		snprintf(buf, len, "%" PRId64 "m%02" PRId64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRId64 "h%02" PRId64 "m", s / 3600,
		    s % 3600 / 60);
	else
		snprintf(buf, len, "%" PRId64 "d%02" PRId64 "h", s / 86400,
		    s % 86400 / 3600);
}

/* "2025-07-01 12:00:00 CEST", local time. */
static void
fmt_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (localtime_r(&tt, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
		snprintf(buf, len, "%" PRId64, t);
}

static bool
get_int(const json_t *o, const char *key, int64_t *v)
{
	const json_t *j = json_object_get(o, key);

	if (!json_is_integer(j))
		return false;
	*v = (int64_t)json_integer_value(j);
	return true;
}

/* Header lines shared by status and stats. */
static void
render_header(FILE *f, const json_t *r, int64_t now)
{
	char buf[96], rel[32];
	int64_t v;

	if (get_int(r, "uptime_s", &v)) {
		fmt_duration(v, buf, sizeof(buf));
		fprintf(f, "uptime:           %s\n", buf);
	}
	if (get_int(r, "clients", &v))
		fprintf(f, "clients:          %" PRId64 "\n", v);
	if (get_int(r, "workers", &v))
		fprintf(f, "workers:          %" PRId64 "\n", v);
	if (json_object_get(r, "crl_next_update") == NULL)
		return;
	if (!get_int(r, "crl_next_update", &v)) {
		fprintf(f, "CRL next update:  none (no CRL)\n");
		return;
	}
	fmt_time(v, buf, sizeof(buf));
	if (v >= now) {
		fmt_duration(v - now, rel, sizeof(rel));
		fprintf(f, "CRL next update:  %s (in %s)\n", buf, rel);
	} else {
		fmt_duration(now - v, rel, sizeof(rel));
		fprintf(f, "CRL next update:  %s (PASSED %s ago)\n", buf, rel);
	}
}

enum col_kind { COL_STR, COL_INT, COL_BYTES, COL_AGE, COL_AGO, COL_IN };

struct column {
	const char	*title;
	const char	*key;
	enum col_kind	 kind;
	bool		 right;		/* numbers align right */
};

static const struct column status_cols[] = {
	{ "COMMON NAME",	"common_name",		COL_STR,   false },
	{ "REAL ADDRESS",	"real_address",		COL_STR,   false },
	{ "VIRTUAL IPV4",	"virtual_ipv4",		COL_STR,   false },
	{ "VIRTUAL IPV6",	"virtual_ipv6",		COL_STR,   false },
	{ "IN",			"bytes_in",		COL_BYTES, true },
	{ "OUT",		"bytes_out",		COL_BYTES, true },
	{ "CONNECTED",		"connected_since",	COL_AGE,   true },
	{ "CIPHER",		"data_cipher",		COL_STR,   false },
	{ "TLS",		"tls_version",		COL_STR,   false },
	{ "KEY",		"key_id",		COL_INT,   true },
	{ "LAST REKEY",		"last_rekey",		COL_AGO,   true },
	{ "NEXT REKEY",		"next_rekey",		COL_IN,    true },
	{ "WORKER",		"worker",		COL_INT,   true },
	{ "PEER-ID",		"peer_id",		COL_INT,   true },
	{ "PLATFORM",		"platform",		COL_STR,   false },
	{ "VERSION",		"version",		COL_STR,   false },
	{ "SERIAL",		"cert_serial",		COL_STR,   false },
};
#define NCOLS	(sizeof(status_cols) / sizeof(status_cols[0]))

/* Column text of one cell; control characters shown as '?'. */
static void
cell(const struct column *c, const json_t *row, int64_t now, char *buf,
    size_t len)
{
	const json_t *v = json_object_get(row, c->key);
	char d[32];
	int64_t n;
	size_t i;

	snprintf(buf, len, "-");
	if (c->kind == COL_STR) {
		if (json_is_string(v))
			snprintf(buf, len, "%s", json_string_value(v));
		for (i = 0; buf[i] != '\0'; i++)
			if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
				buf[i] = '?';
		return;
	}
	if (!json_is_integer(v))
		return;
	n = (int64_t)json_integer_value(v);
	switch (c->kind) {
	case COL_INT:
		snprintf(buf, len, "%" PRId64, n);
		break;
	case COL_BYTES:
		fmt_bytes(n < 0 ? 0 : (uint64_t)n, buf, len);
		break;
	case COL_AGE:
		fmt_duration(now - n, buf, len);
		break;
	case COL_AGO:
		fmt_duration(now - n, d, sizeof(d));
		snprintf(buf, len, "%s ago", d);
		break;
	case COL_IN:
		if (n <= now) {
			snprintf(buf, len, "due");
			break;
		}
		fmt_duration(n - now, d, sizeof(d));
		snprintf(buf, len, "in %s", d);
		break;
	case COL_STR:
		break;
	}
}

static void
print_row(FILE *f, const size_t *w, char cells[][CELL_MAX])
{
	size_t i;

	for (i = 0; i < NCOLS; i++) {
		const char *sep = i + 1 < NCOLS ? "  " : "\n";

		if (status_cols[i].right)
			fprintf(f, "%*s%s", (int)w[i], cells[i], sep);
		else if (i + 1 < NCOLS)
			fprintf(f, "%-*s%s", (int)w[i], cells[i], sep);
		else
			fprintf(f, "%s%s", cells[i], sep);
	}
}

void
render_status(FILE *f, const json_t *r, int64_t now)
{
	const json_t *rows = json_object_get(r, "sessions"), *row;
	char cells[NCOLS][CELL_MAX];
	size_t w[NCOLS], i, j, l;
	int64_t t;

	if (get_int(r, "now", &t))
		now = t;	/* the daemon's clock, for its own times */
	render_header(f, r, now);
	if (!json_is_array(rows) || json_array_size(rows) == 0) {
		fprintf(f, "\nno clients connected\n");
		return;
	}
	for (i = 0; i < NCOLS; i++)
		w[i] = strlen(status_cols[i].title);
	json_array_foreach(rows, j, row) {
		for (i = 0; i < NCOLS; i++) {
			cell(&status_cols[i], row, now, cells[i], CELL_MAX);
			if ((l = strlen(cells[i])) > w[i])
				w[i] = l;
		}
	}
	fputc('\n', f);
	for (i = 0; i < NCOLS; i++)
		snprintf(cells[i], CELL_MAX, "%s", status_cols[i].title);
	print_row(f, w, cells);
	json_array_foreach(rows, j, row) {
		for (i = 0; i < NCOLS; i++)
			cell(&status_cols[i], row, now, cells[i], CELL_MAX);
		print_row(f, w, cells);
	}
}

/* An object of name -> integer, aligned; bytes counters humanised. */
static void
render_counts(FILE *f, const char *title, const json_t *o)
{
	const char *key;
	const json_t *v;
	size_t kw = 0, vw = 1;
	char num[32], hb[32];

	if (!json_is_object(o))
		return;
	json_object_foreach((json_t *)o, key, v) {
		if (strlen(key) > kw)
			kw = strlen(key);
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(v));
		if (strlen(num) > vw)
			vw = strlen(num);
	}
	fprintf(f, "\n%s:\n", title);
	json_object_foreach((json_t *)o, key, v) {
		if (!json_is_integer(v)) {
			fprintf(f, "  %-*s  %*s\n", (int)kw, key, (int)vw, "-");
			continue;
		}
		fprintf(f, "  %-*s  %*" JSON_INTEGER_FORMAT, (int)kw, key,
		    (int)vw, json_integer_value(v));
		if (strstr(key, "bytes") != NULL && json_integer_value(v) >= 1024) {
			fmt_bytes((uint64_t)json_integer_value(v), hb,
			    sizeof(hb));
			fprintf(f, "  (%s)", hb);
		}
		fputc('\n', f);
	}
}

static void
render_hist(FILE *f, const json_t *h)
{
	const json_t *b, *buckets = json_object_get(h, "buckets");
	int64_t count = 0, c, prev = 0;
	double sum, le = 0;
	size_t i;

	if (!json_is_object(h) || !get_int(h, "count", &count))
		return;
	sum = json_number_value(json_object_get(h, "sum"));
	fprintf(f, "\nhandshake duration: %" PRId64 " handshake(s)", count);
	if (count > 0)
		fprintf(f, ", mean %.3f s", sum / (double)count);
	fputc('\n', f);
	if (!json_is_array(buckets) || count == 0)
		return;
	json_array_foreach(buckets, i, b) {
		if (!get_int(b, "count", &c))
			continue;
		le = json_number_value(json_object_get(b, "le"));
		fprintf(f, "  <= %-6g s  %" PRId64 "\n", le, c - prev);
		prev = c;
	}
	fprintf(f, "  >  %-6g s  %" PRId64 "\n", le, count - prev);
}

void
render_stats(FILE *f, const json_t *r)
{
	int64_t now;

	if (!get_int(r, "now", &now))
		now = (int64_t)time(NULL);
	render_header(f, r, now);
	render_counts(f, "counters", json_object_get(r, "counters"));
	render_counts(f, "handshake failures by reason",
	    json_object_get(r, "handshakes_failed_by_reason"));
	render_hist(f, json_object_get(r, "handshake_duration_seconds"));
}
