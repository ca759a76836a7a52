/*
 * derive.c: sample -> datasource descriptions and values.
 *
 * A cycle first plans its layout (one block per run of datasources), then
 * either keeps the descriptions as they are (same layout as last cycle:
 * the usual case) or lays them out again in the same arrays, moving every
 * block whose layout did not change and describing only the others.  The values are
 * then written block by block.  No allocation happens while the layout
 * stays the same.
 */
#include "derive/derive.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>


/* A template instantiated once for one index, with its own strings. */
struct ds_proto {
	struct rrdd_ds ds;
	struct ds_strings strs;
};

void ds_set_init(struct ds_set *set)
{
	memset(set, 0, sizeof(*set));
}

void ds_set_free(struct ds_set *set)
{
	for (int id = 0; id < DS_COUNT; id++) {
		for (unsigned i = 0; i < set->n_protos[id]; i++)
			free(set->protos[id][i]);
		free(set->protos[id]);
	}
	free(set->ds);
	free(set->values);
	free(set->blocks);
	free(set->plan);
	free(set->bounds);
	ds_set_init(set);
}

/* ---- values -------------------------------------------------------------- */

bool derive_domain_hidden(const char *uuid)
{
	return strncmp(uuid, "00000000-0000-0000", 18) == 0 ||
	       strncmp(uuid, "deadbeef-dead-beef", 18) == 0;
}

/*
 * rrdp-cpu divides by the online count as is; a domain with none online
 * (mid-boot, all hot-unplugged) would give inf/NaN, which rrdd cannot
 * store, so treat it as one.
 */
double derive_cpu_usage(uint64_t dom_cpu_time_ns, unsigned nr_online_vcpus)
{
	unsigned n = nr_online_vcpus ? nr_online_vcpus : 1;

	return (double)(dom_cpu_time_ns & SAMPLE_TIME_MASK) / (1e9 * n);
}

static unsigned derive_running_vcpus(const struct host_sample *sample)
{
	unsigned load = 0;

	for (size_t i = 0; i < sample->n_doms; i++) {
		const struct dom_sample *d = &sample->doms[i];

		if (derive_domain_hidden(d->uuid))
			continue;
		for (unsigned v = 0; v < d->nr_vcpus; v++)
			if (d->vcpus[v].online && !d->vcpus[v].blocked)
				load++;
	}
	return load;
}

unsigned derive_running_domains(const struct host_sample *sample)
{
	unsigned running = 0;

	for (size_t i = 0; i < sample->n_doms; i++)
		if (!derive_domain_hidden(sample->doms[i].uuid) &&
		    !sample->doms[i].paused)
			running++;
	return running;
}

static union rrdd_value fv(double f)
{
	union rrdd_value v = { .f = f };

	return v;
}

static union rrdd_value iv(int64_t i)
{
	union rrdd_value v = { .i = i };

	return v;
}

/*
 * The time counters published this cycle: the readings (Xen's running
 * time, extrapolated to "now" or taken at the hypercall) and the payload
 * timestamp (the wall clock mid-sampling) come from different clocks and
 * instants, so a fully busy vCPU's counter can advance a few ms more than
 * the timestamps do, and rrdd stores that rate above max as NaN.  No vCPU
 * runs (and no pCPU idles) longer than wall time, so each counter (max
 * 1 per second) is published at most dt past its last published value;
 * the lag this leaves is caught up as soon as the counter runs slower,
 * and stays bounded by the jitter.
 */
struct bound {
	struct ds_bound *last;	/* the block's entries in set->bounds */
	double dt;		/* timestamp advance since the last cycle */
};

/*
 * last + dt, lowered an ulp at a time until rrdd's own arithmetic,
 * (value - last) / dt, gives no more than 1: rounding the sum up would
 * otherwise leave the rate an ulp above max.
 */
static double rrdd_cap(double last, double dt)
{
	double cap = last + dt;

	while (cap > last && (cap - last) / dt > 1.0)
		cap = nextafter(cap, last);
	return cap;
}

/*
 * min(actual, last + dt) (every bounded datasource has max 1).  A value
 * below the rounded sum is less than dt past last, exactly, so only one
 * at or above it needs rrdd_cap.  A counter with no last value, or one
 * whose scale changed (cpu_usage's online vCPUs), is published as read.
 */
static inline double bounded(const struct bound *b, size_t k, double actual,
			     unsigned scale)
{
	struct ds_bound *last = &b->last[k];

	if (last->scale == scale && actual >= last->value + b->dt)
		actual = rrdd_cap(last->value, b->dt);
	last->value = actual;
	last->scale = scale;
	return actual;
}

/* The row of block kind k after t (the first when t is NULL), in table
 * order (the order of a block's datasources), or NULL. */
static const struct ds_template *next_row(const struct ds_template *t,
					  enum ds_block_kind k)
{
	const struct ds_template *end = ds_table() + DS_COUNT;

	for (t = t ? t + 1 : ds_table(); t < end; t++)
		if (t->block == k)
			return t;
	return NULL;
}

static bool row_in(const struct ds_block *b, const struct ds_template *t)
{
	return (b->rows >> t->id) & 1u;
}

static size_t row_count(const struct ds_block *b, const struct ds_template *t)
{
	return t->per_index ? b->nr : 1u;
}

/* The scale a bounded value is published in: cpu_usage's online vCPUs. */
static unsigned row_scale(const struct ds_template *t,
			  const struct ds_input *in)
{
	if (t->bound != DS_BOUND_WALL_ONLINE || !in->dom->nr_online_vcpus)
		return 1;
	return in->dom->nr_online_vcpus;
}

/*
 * Row t's count values, already in v[0..count) as computed (.f), bounded
 * as the row declares (bd's entries from k) and converted to its type.
 * Everything that depends on the row alone is decided once, outside the
 * loop over its vCPUs or pCPUs.
 */
static void finish_row(const struct ds_template *t, const struct ds_input *in,
		       size_t count, const struct bound *bd, size_t k,
		       union rrdd_value *v)
{
	if (t->bound != DS_BOUND_NONE) {
		unsigned scale = row_scale(t, in);

		for (size_t i = 0; i < count; i++)
			v[i].f = bounded(bd, k + i, v[i].f, scale);
	}
	if (t->value_type == RRDD_VALUE_INT64)
		for (size_t i = 0; i < count; i++)
			v[i] = iv((int64_t)v[i].f);
}

static void block_values(const struct ds_block *b, const struct ds_input *in,
			 union rrdd_value *v, const struct bound *bd)
{
	size_t k = 0;

	for (const struct ds_template *t = next_row(NULL, b->kind); t;
	     t = next_row(t, b->kind)) {
		size_t count;

		if (!row_in(b, t))
			continue;
		count = row_count(b, t);
		if (t->per_index)
			t->values(in, b->nr, v + k);
		else
			v[k] = fv(t->value(in));
		finish_row(t, in, count, bd, k, v + k);
		k += count;
	}
}

static void fill_values(const struct host_sample *s, double timestamp,
			struct ds_set *set)
{
	/* A timestamp that went back bounds the counters to no advance. */
	double dt = timestamp > set->last_timestamp
			    ? timestamp - set->last_timestamp : 0.0;
	struct ds_input in = { s, NULL, derive_running_vcpus(s) };

	for (size_t i = 0; i < set->n_blocks; i++) {
		const struct ds_block *b = &set->blocks[i];
		struct bound bd = { set->bounds + b->start, dt };

		in.dom = b->dom;
		block_values(b, &in, set->values + b->start, &bd);
	}
	set->last_timestamp = timestamp;
}

/* ---- layout -------------------------------------------------------------- */

static int reserve_blocks(struct ds_set *set, size_t want)
{
	size_t cap = set->cap_blocks ? set->cap_blocks : 16;
	struct ds_block *p;

	if (want <= set->cap_blocks)
		return 0;
	while (cap < want)
		cap *= 2;
	p = realloc(set->blocks, cap * sizeof(*p));
	if (!p)
		return -1;
	set->blocks = p;
	p = realloc(set->plan, cap * sizeof(*p));
	if (!p)
		return -1;
	set->plan = p;
	set->cap_blocks = cap;
	return 0;
}

/*
 * Append a block to the plan: the rows of its kind present for *in; its
 * start follows the previous one's.
 */
static struct ds_block *plan_block(struct ds_set *set, enum ds_block_kind kind,
				   unsigned nr, const struct ds_input *in)
{
	struct ds_block *b = &set->plan[set->n_plan];
	size_t start = set->n_plan ? b[-1].start + b[-1].count : 0;

	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->nr = nr;
	b->start = start;
	b->dom = in->dom;
	for (const struct ds_template *t = next_row(NULL, kind); t;
	     t = next_row(t, kind)) {
		if (t->present && !t->present(in))
			continue;
		b->rows |= 1u << t->id;
		b->count += row_count(b, t);
	}
	set->n_plan++;
	return b;
}

static void plan_domain(struct ds_set *set, const struct host_sample *s,
			const struct dom_sample *d)
{
	struct ds_input in = { s, d, 0 };
	struct ds_block *b = plan_block(set, DS_BLOCK_DOMAIN, d->nr_vcpus, &in);

	memcpy(b->uuid, d->uuid, sizeof(b->uuid));
	b->uuid[RRDD_UUID_LEN] = '\0';
}

/* This cycle's layout into set->plan; returns its datasource count. */
static int plan(const struct host_sample *s, struct ds_set *set,
		size_t *n_ds)
{
	const struct ds_input host = { s, NULL, 0 };
	const struct ds_block *last;

	if (reserve_blocks(set, s->n_doms + 2) != 0)
		return -1;
	set->n_plan = 0;
	/* unknown pCPUs: nothing rather than a NaN average */
	if (s->nr_pcpus)
		plan_block(set, DS_BLOCK_PCPUS, s->nr_pcpus, &host);
	for (size_t i = 0; i < s->n_doms; i++)
		if (!derive_domain_hidden(s->doms[i].uuid))
			plan_domain(set, s, &s->doms[i]);
	last = plan_block(set, DS_BLOCK_HOST, 0, &host);
	*n_ds = last->start + last->count;
	return 0;
}

/* Same datasources, in the same order (where they sit aside). */
static bool same_shape(const struct ds_block *a, const struct ds_block *b)
{
	return a->kind == b->kind && a->nr == b->nr && a->rows == b->rows &&
	       a->count == b->count && strcmp(a->uuid, b->uuid) == 0;
}

static bool same_layout(const struct ds_set *set)
{
	if (set->n_plan != set->n_blocks)
		return false;
	for (size_t i = 0; i < set->n_plan; i++)
		if (set->plan[i].start != set->blocks[i].start ||
		    !same_shape(&set->plan[i], &set->blocks[i]))
			return false;
	return true;
}

/* The description of template id for index n, made on first use. */
static const struct rrdd_ds *proto(struct ds_set *set, enum ds_id id,
				   unsigned n)
{
	if (n >= set->n_protos[id]) {
		unsigned want = n + 1 > 2 * set->n_protos[id]
					? n + 1 : 2 * set->n_protos[id];
		struct ds_proto **p = realloc(set->protos[id],
					      want * sizeof(struct ds_proto *));

		if (!p)
			return NULL;
		memset(p + set->n_protos[id], 0,
		       (want - set->n_protos[id]) * sizeof(struct ds_proto *));
		set->protos[id] = p;
		set->n_protos[id] = want;
	}
	if (!set->protos[id][n]) {
		/* Each on its own, so that descriptions may point into it
		 * while the table of them grows. */
		struct ds_proto *p = malloc(sizeof(*p));

		if (!p)
			return NULL;
		ds_instantiate(id, n, NULL, &p->ds, &p->strs);
		set->protos[id][n] = p;
	}
	return &set->protos[id][n]->ds;
}

/* What ds_instantiate(id, n, uuid) gives, without formatting anything. */
static int describe(struct ds_set *set, enum ds_id id, unsigned n,
		    const char (*uuid)[RRDD_UUID_LEN + 1], struct rrdd_ds *out)
{
	const struct rrdd_ds *p = proto(set, id, n);

	if (!p)
		return -1;
	*out = *p;
	/* a block's uuid is always terminated (plan_domain) */
	if (uuid)
		memcpy(out->owner_uuid, *uuid, sizeof(out->owner_uuid));
	return 0;
}

static int describe_block(struct ds_set *set, const struct ds_block *b,
			  struct rrdd_ds *out)
{
	const char(*uuid)[RRDD_UUID_LEN + 1] =
		b->kind == DS_BLOCK_DOMAIN ? &b->uuid : NULL;
	size_t k = 0;
	int rc = 0;

	for (const struct ds_template *t = next_row(NULL, b->kind); t;
	     t = next_row(t, b->kind)) {
		if (!row_in(b, t))
			continue;
		for (unsigned n = 0; n < row_count(b, t); n++)
			rc |= describe(set, t->id, n, uuid, &out[k++]);
	}
	return rc;
}

/*
 * Each planned block's block in the last layout (the same pCPUs / domain
 * / host), in plan[i].from, or NO_BLOCK.  Blocks keep their order from
 * cycle to cycle (domains are listed by domid), so the search goes on
 * from where the previous one stopped and is linear over a whole layout:
 * the matched old blocks come in the plan's order.
 */
#define NO_BLOCK ((size_t)-1)

static void match_blocks(struct ds_set *set)
{
	size_t cursor = 0;

	for (size_t p = 0; p < set->n_plan; p++) {
		struct ds_block *b = &set->plan[p];

		b->from = NO_BLOCK;
		for (size_t i = cursor; i < set->n_blocks; i++) {
			const struct ds_block *old = &set->blocks[i];

			if (old->kind == b->kind &&
			    strcmp(old->uuid, b->uuid) == 0) {
				b->from = i;
				cursor = i + 1;
				break;
			}
		}
	}
}

/* b's block in the last layout when its datasources stay as they are. */
static const struct ds_block *kept(const struct ds_set *set,
				   const struct ds_block *b)
{
	const struct ds_block *old;

	if (b->from == NO_BLOCK)
		return NULL;
	old = &set->blocks[b->from];
	return same_shape(old, b) ? old : NULL;
}

/*
 * The bounds a re-shaped block keeps: those of the rows both layouts have,
 * for the vCPUs or pCPUs both have.  A mean over the "<N>" rows (cpu_avg)
 * is over other pCPUs when their number changed, so it starts unbounded.
 * The others start at zero: no bound yet.
 */
static void carry_bounds(const struct ds_bound *from,
			 const struct ds_block *old, const struct ds_block *b,
			 struct ds_bound *to)
{
	size_t at_old = 0, at_new = 0;

	memset(to, 0, b->count * sizeof(*to));
	for (const struct ds_template *t = next_row(NULL, b->kind); t;
	     t = next_row(t, b->kind)) {
		size_t n_old = row_in(old, t) ? row_count(old, t) : 0;
		size_t n_new = row_in(b, t) ? row_count(b, t) : 0;
		size_t keep = n_old < n_new ? n_old : n_new;

		if (t->bound == DS_BOUND_WALL_MEAN && old->nr != b->nr)
			keep = 0;
		memcpy(to + at_new, from + at_old, keep * sizeof(*to));
		at_old += n_old;
		at_new += n_new;
	}
}

/* Room for n datasources in ds, values and bounds (never less). */
static int reserve_ds(struct ds_set *set, size_t n)
{
	size_t cap = set->cap_ds + set->cap_ds / 8;
	void *p;

	if (n <= set->cap_ds && set->ds)
		return 0;
	/* some slack: a VM coming after one went needs no realloc */
	if (cap < n + n / 64 + 16)
		cap = n + n / 64 + 16;
	p = realloc(set->ds, cap * sizeof(*set->ds));
	if (!p)
		return -1;
	set->ds = p;
	p = realloc(set->values, cap * sizeof(*set->values));
	if (!p)
		return -1;
	set->values = p;
	p = realloc(set->bounds, cap * sizeof(*set->bounds));
	if (!p)
		return -1;
	set->bounds = p;
	set->cap_ds = cap;
	return 0;
}

/* Block old's descriptions and bounds to where b starts. */
static void move_block(struct ds_set *set, const struct ds_block *old,
		       const struct ds_block *b)
{
	memmove(set->ds + b->start, set->ds + old->start,
		b->count * sizeof(*set->ds));
	memmove(set->bounds + b->start, set->bounds + old->start,
		b->count * sizeof(*set->bounds));
}

/*
 * Lay the planned layout out in the set's own arrays, in place: a change
 * is usually one VM come or gone among a thousand, and describing the
 * 2.7 MB of descriptions into new memory cost more (allocating and first
 * touching its pages) than moving the blocks after the change.
 *
 * 1. The bounds of the re-shaped blocks (a vCPU count or the rows that
 *    changed) are carried aside, while the old layout is still in place.
 * 2. The unchanged blocks move to their new starts: those moving down
 *    front to back, then those moving up back to front.  Matched blocks
 *    keep their order and neither layout's blocks overlap, so no block
 *    is overwritten before it has moved: one moving down lands below the
 *    end of every old block after it and above the end of every block
 *    before it that moves up (that end plus its shift is the new start
 *    of that block, which is below this one's); the reverse for those
 *    moving up.
 * 3. The other blocks are described where they now start, with the
 *    bounds carried aside or none.
 */
static int relayout(struct ds_set *set, size_t n)
{
	struct ds_bound *aside = NULL;
	size_t n_aside = 0, at = 0;
	int rc = 0;

	match_blocks(set);
	for (size_t i = 0; i < set->n_plan; i++) {
		const struct ds_block *b = &set->plan[i];

		if (b->from != NO_BLOCK && !kept(set, b))
			n_aside += b->count;
	}
	if (reserve_ds(set, n) != 0)
		return -1;
	if (n_aside) {
		aside = malloc(n_aside * sizeof(*aside));
		if (!aside)
			return -1;
		for (size_t i = 0; i < set->n_plan; i++) {
			const struct ds_block *b = &set->plan[i];

			if (b->from == NO_BLOCK || kept(set, b))
				continue;
			carry_bounds(set->bounds + set->blocks[b->from].start,
				     &set->blocks[b->from], b, aside + at);
			at += b->count;
		}
	}
	for (size_t i = 0; i < set->n_plan; i++) {
		const struct ds_block *b = &set->plan[i], *old = kept(set, b);

		if (old && b->start < old->start)
			move_block(set, old, b);
	}
	for (size_t i = set->n_plan; i-- > 0;) {
		const struct ds_block *b = &set->plan[i], *old = kept(set, b);

		if (old && b->start > old->start)
			move_block(set, old, b);
	}
	at = 0;
	for (size_t i = 0; i < set->n_plan; i++) {
		const struct ds_block *b = &set->plan[i];
		struct ds_bound *bounds = set->bounds + b->start;

		if (kept(set, b))
			continue;
		/* no aside: every re-shaped block is empty */
		if (b->from != NO_BLOCK && aside) {
			memcpy(bounds, aside + at, b->count * sizeof(*bounds));
			at += b->count;
		} else {
			memset(bounds, 0, b->count * sizeof(*bounds));
		}
		rc |= describe_block(set, b, set->ds + b->start);
	}
	free(aside);
	if (rc != 0)
		return -1;
	set->n = n;
	set->generation++;
	return 0;
}

/* The plan becomes the layout (the old one is scratch for next time). */
static void adopt_plan(struct ds_set *set)
{
	struct ds_block *old = set->blocks;

	set->blocks = set->plan;
	set->n_blocks = set->n_plan;
	set->plan = old;
	set->n_plan = 0;
}

int derive_build(const struct host_sample *sample, double timestamp,
		 struct ds_set *set)
{
	size_t n;

	if (plan(sample, set, &n) != 0)
		goto fail;
	if (!same_layout(set) && relayout(set, n) != 0)
		goto fail;
	adopt_plan(set);
	fill_values(sample, timestamp, set);
	return 0;
fail:
	/* Empty, and no layout to compare with: the next call starts over. */
	set->n = 0;
	set->n_blocks = 0;
	set->generation++;
	return -1;
}
