/* domset.c: sorted domid sets. */
#include "common/domset.h"

#include <stdlib.h>
#include <string.h>

void domset_init(struct domset *s)
{
	memset(s, 0, sizeof(*s));
}

void domset_free(struct domset *s)
{
	free(s->ids);
	domset_init(s);
}

void domset_clear(struct domset *s)
{
	s->n = 0;
}

static int reserve(struct domset *s, size_t want)
{
	size_t cap = s->cap ? s->cap : 16;
	uint32_t *grown;

	if (want <= s->cap)
		return 0;
	while (cap < want)
		cap *= 2;
	grown = realloc(s->ids, cap * sizeof(*grown));
	if (!grown)
		return -1;
	s->ids = grown;
	s->cap = cap;
	return 0;
}

/* Where id is, or where it would go to keep the set sorted. */
static size_t lower_bound(const struct domset *s, uint32_t id)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int domset_insert(struct domset *s, uint32_t id, size_t *pos)
{
	size_t at = lower_bound(s, id);

	*pos = at;
	if (at < s->n && s->ids[at] == id)
		return 1;
	if (reserve(s, s->n + 1) != 0)
		return -1;
	memmove(&s->ids[at + 1], &s->ids[at], (s->n - at) * sizeof(*s->ids));
	s->ids[at] = id;
	s->n++;
	return 0;
}

int domset_add(struct domset *s, uint32_t id)
{
	size_t pos;

	return domset_insert(s, id, &pos) < 0 ? -1 : 0;
}

size_t domset_find(const struct domset *s, uint32_t id)
{
	size_t at = lower_bound(s, id);

	return at < s->n && s->ids[at] == id ? at : s->n;
}

void domset_remove_at(struct domset *s, size_t pos)
{
	memmove(&s->ids[pos], &s->ids[pos + 1],
		(s->n - pos - 1) * sizeof(*s->ids));
	s->n--;
}

void domset_remove(struct domset *s, uint32_t id)
{
	size_t pos = domset_find(s, id);

	if (pos < s->n)
		domset_remove_at(s, pos);
}

int domset_copy(struct domset *dst, const struct domset *src)
{
	if (reserve(dst, src->n) != 0)
		return -1;
	if (src->n)
		memcpy(dst->ids, src->ids, src->n * sizeof(*src->ids));
	dst->n = src->n;
	return 0;
}

void domset_diff(const struct domset *prev, const struct domset *next,
		 void (*removed)(void *ctx, uint32_t id),
		 void (*added)(void *ctx, uint32_t id), void *ctx)
{
	size_t i = 0, j = 0;

	while (i < prev->n || j < next->n) {
		if (j == next->n || (i < prev->n && prev->ids[i] < next->ids[j]))
			removed(ctx, prev->ids[i++]);
		else if (i == prev->n || next->ids[j] < prev->ids[i])
			j++;
		else {
			i++;
			j++;
		}
	}
	for (i = 0, j = 0; j < next->n; j++) {
		while (i < prev->n && prev->ids[i] < next->ids[j])
			i++;
		if (i == prev->n || prev->ids[i] != next->ids[j])
			added(ctx, next->ids[j]);
	}
}
