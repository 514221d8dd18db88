/*
 * The address directory (dir.h).
 */
#include "config.h"

#include <pthread.h>
#include <stdlib.h>

#include "dir.h"

#define DIR_BUCKETS	4096

struct dir_ent {
	struct dir_ent		*next;
	struct peer_addr	 addr;
	int			 worker;
};

struct dir {
	pthread_mutex_t		 mu;
	struct dir_ent		*b[DIR_BUCKETS];
};

struct dir *
dir_new(void)
{
	struct dir *d = calloc(1, sizeof(*d));

	if (d != NULL)
		pthread_mutex_init(&d->mu, NULL);
	return d;
}

void
dir_free(struct dir *d)
{
	struct dir_ent *e, *next;
	unsigned i;

	if (d == NULL)
		return;
	for (i = 0; i < DIR_BUCKETS; i++)
		for (e = d->b[i]; e != NULL; e = next) {
			next = e->next;
			free(e);
		}
	pthread_mutex_destroy(&d->mu);
	free(d);
}

void
dir_set(struct dir *d, const struct peer_addr *a, int worker)
{
	struct dir_ent **pp, *e;

	pthread_mutex_lock(&d->mu);
	pp = &d->b[addr_hash(a) % DIR_BUCKETS];
	for (e = *pp; e != NULL; e = e->next)
		if (addr_eq(&e->addr, a))
			break;
	if (e == NULL && (e = malloc(sizeof(*e))) != NULL) {
		e->addr = *a;
		e->next = *pp;
		*pp = e;
	}
	if (e != NULL)
		e->worker = worker;
	pthread_mutex_unlock(&d->mu);
}

void
dir_del(struct dir *d, const struct peer_addr *a, int worker)
{
	struct dir_ent **pp, *e;

	pthread_mutex_lock(&d->mu);
	for (pp = &d->b[addr_hash(a) % DIR_BUCKETS]; (e = *pp) != NULL;
	    pp = &e->next)
		/* Only the owner may remove: another worker may have
		 * taken the address over since. */
		if (addr_eq(&e->addr, a) && e->worker == worker) {
			*pp = e->next;
			free(e);
			break;
		}
	pthread_mutex_unlock(&d->mu);
}

int
dir_get(struct dir *d, const struct peer_addr *a)
{
	struct dir_ent *e;
	int w = -1;

	pthread_mutex_lock(&d->mu);
	for (e = d->b[addr_hash(a) % DIR_BUCKETS]; e != NULL; e = e->next)
		if (addr_eq(&e->addr, a)) {
			w = e->worker;
			break;
		}
	pthread_mutex_unlock(&d->mu);
	return w;
}
