/*
 * A fresh temporary directory per unit test (see tmpdir.h).
 */
#include "config.h"

#include <check.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tmpdir.h"

char	tmpdir[256];

void
tmpdir_make(const char *prefix)
{
	char real[PATH_MAX];

	snprintf(tmpdir, sizeof(tmpdir), "%s/%s-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp", prefix);
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	ck_assert_ptr_nonnull(realpath(tmpdir, real));
	ck_assert_uint_lt(strlen(real), sizeof(tmpdir));
	memcpy(tmpdir, real, strlen(real) + 1);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	return remove(path);
}

void
tmpdir_remove(void)
{
	chmod(tmpdir, 0700);
	nftw(tmpdir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

const char *
tmpdir_path(const char *name)
{
	static char p[2][512];
	static int i;

	i ^= 1;
	snprintf(p[i], sizeof(p[i]), "%s/%s", tmpdir, name);
	return p[i];
}

void
tmpdir_write(const char *name, const char *s)
{
	FILE *f = fopen(tmpdir_path(name), "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_ge(fputs(s, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}
