/*
 * The directives of per-client configuration and address persistence:
 * client-config-dir (ccd.h reads its files at each connect) and
 * ifconfig-pool-persist (poolfile.h, pool_reserve.h).  Both only name a
 * place here; what is checked now is that the place exists, so a typo
 * fails at start rather than at the first client.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cfg.h"
#include "cfg_int.h"

#define POOL_PERSIST_DEFAULT	600	/* OpenVPN's default SECONDS */
#define POOL_PERSIST_MAX	86400

/*
 * An absolute path for a directive's argument: relative names are taken
 * from the config file's directory, as for every other file, so they stay
 * valid after the daemon changes directory.
 */
static int
abs_path(struct cfg_pstate *ps, const char *what, const char *arg,
    char **out)
{
	*out = NULL;
	if (*arg == '\0')
		return cfg_perr(ps, "%s: empty path", what);
	if (arg[0] == '/' || ps->basedir == NULL)
		*out = strdup(arg);
	else if (asprintf(out, "%s%s%s", ps->basedir,
	    ps->basedir[strlen(ps->basedir) - 1] == '/' ? "" : "/", arg) == -1)
		*out = NULL;
	if (*out == NULL)
		return cfg_perr(ps, "%s: out of memory", what);
	return 0;
}

int
cfg_set_client_config_dir(struct cfg_pstate *ps, int argc, char **argv)
{
	struct stat st;
	char *path;
	int rc;

	if (abs_path(ps, "client-config-dir", argv[1], &path) == -1)
		return -1;
	if ((rc = stat(path, &st)) == -1 || !S_ISDIR(st.st_mode)) {
		cfg_perr(ps, "client-config-dir: %s: %s", path,
		    rc == -1 ? strerror(errno) : "not a directory");
		free(path);
		return -1;
	}
	ps->cfg->ccd_dir = path;
	return 0;
}

/*
 * FILE need not exist yet, but its directory must (the daemon writes
 * FILE.tmp there and renames it over FILE), and FILE, if it exists, must
 * be a regular file.  Whether it can be read and written is found out at
 * start, by the user the daemon then runs as.
 */
int
cfg_set_ifconfig_pool_persist(struct cfg_pstate *ps, int argc, char **argv)
{
	struct stat st;
	char *path, *dir = NULL, *slash;
	int sec = POOL_PERSIST_DEFAULT, rc = -1;

	if (argc == 3 && cfg_num_arg(ps, "ifconfig-pool-persist seconds",
	    argv[2], 0, POOL_PERSIST_MAX, &sec) == -1)
		return -1;
	if (abs_path(ps, "ifconfig-pool-persist", argv[1], &path) == -1)
		return -1;
	if (stat(path, &st) == 0) {
		if (!S_ISREG(st.st_mode)) {
			cfg_perr(ps, "ifconfig-pool-persist: %s: not a regular "
			    "file", path);
			goto out;
		}
	} else if (errno != ENOENT) {
		cfg_perr(ps, "ifconfig-pool-persist: %s: %s", path,
		    strerror(errno));
		goto out;
	} else {
		if ((dir = strdup(path)) == NULL) {
			cfg_perr(ps, "ifconfig-pool-persist: out of memory");
			goto out;
		}
		if ((slash = strrchr(dir, '/')) == NULL)
			strcpy(dir, ".");
		else if (slash == dir)
			slash[1] = '\0';
		else
			*slash = '\0';
		if (stat(dir, &st) == -1) {
			cfg_perr(ps, "ifconfig-pool-persist: directory %s: %s",
			    dir, strerror(errno));
			goto out;
		}
		if (!S_ISDIR(st.st_mode)) {
			cfg_perr(ps, "ifconfig-pool-persist: %s: not a "
			    "directory", dir);
			goto out;
		}
	}
	ps->cfg->pool_persist = path;
	ps->cfg->pool_persist_sec = sec;
	path = NULL;
	rc = 0;
 out:
	free(dir);
	free(path);
	return rc;
}
