/*
 * domset.h: a sorted set of domain ids and the difference between two of
 * them (what appeared, what went away).  Pure; the one sorted domid set
 * of the plugin: the cycle turns a fresh domain list into add/remove
 * calls on the backend with it, the backends and the scrape wrapper keep
 * the domains they were given in one, and the table backend keeps its
 * mappings in an array parallel to one (positions from domset_insert and
 * domset_find).
 */
#ifndef PLUGIN_DOMSET_H
#define PLUGIN_DOMSET_H

#include <stddef.h>
#include <stdint.h>

struct domset {
	uint32_t *ids;	/* sorted ascending, no duplicates */
	size_t n;
	size_t cap;
};

void domset_init(struct domset *s);
void domset_free(struct domset *s);
void domset_clear(struct domset *s);

/* Add one id (kept sorted, duplicates ignored).  0, or -1 on ENOMEM. */
int domset_add(struct domset *s, uint32_t id);

/*
 * Add id and say where it is: 0 (inserted at *pos: entries from *pos on
 * moved up by one), 1 (already there, at *pos) or -1 (ENOMEM).
 */
int domset_insert(struct domset *s, uint32_t id, size_t *pos);

/* The position of id, or s->n when it is not in the set. */
size_t domset_find(const struct domset *s, uint32_t id);

/* Remove the id at pos (< s->n): entries after it move down by one. */
void domset_remove_at(struct domset *s, size_t pos);

/* Remove id if present. */
void domset_remove(struct domset *s, uint32_t id);

/* Copy src into dst.  0, or -1 on ENOMEM. */
int domset_copy(struct domset *dst, const struct domset *src);

/*
 * Call added(ctx, id) for every id in next but not in prev, and
 * removed(ctx, id) for every id in prev but not in next, in ascending
 * order, removals first (so a reused domid is unmapped before it is
 * mapped again).
 */
void domset_diff(const struct domset *prev, const struct domset *next,
		 void (*removed)(void *ctx, uint32_t id),
		 void (*added)(void *ctx, uint32_t id), void *ctx);

#endif
