/*
 * soak-torn: the table reader against a writer that never stops.
 *
 *   soak-torn [READS]        (default 100000000)
 *   soak-torn --plain READS  the same with a plain copy, no seq protocol
 *                            (the check of the check: torn copies must be
 *                            seen; exits 1 when none is)
 *
 * A writer thread rewrites the vCPU slots of a domain table in memory
 * exactly as Xen does (xen-patches 0004/0005: the counter made odd with an
 * atomic store, a write barrier, the fields in plain stores, a write
 * barrier, the counter even again), as fast as it can.  A reader copies
 * the slots through stats_read_slot(), the library the daemon reads Xen
 * with, until READS consistent copies are made.  Every field of update k
 * is a function of k, so a copy that mixes two updates (a torn read) is
 * seen, as is a slot going back in time.  Prints the counts; exits 1 on
 * any torn or backward read.  Not a timed test: `make soak` runs it.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "stats_reader.h"
#include "plugin/support/mem_table.h"

#define NR_SLOTS 4
#define ALIGN64(x) (((x) + 63u) & ~63u)
#define PAGE 4096u
#define SHOW_MAX 5

struct table {
	uint8_t *buf;
	size_t len;
	struct xen_stats_vcpu *slot[NR_SLOTS];
};

static volatile bool stop;
static uint64_t writes;

/* The layout Xen gives a domain table (header, section, strided slots). */
static void table_build(struct table *t)
{
	uint32_t hdr = sizeof(struct xen_stats_table_header);
	uint32_t sec = ALIGN64(hdr);
	uint32_t slots = ALIGN64(sec + sizeof(struct xen_stats_domain));
	uint32_t stride = ALIGN64(sizeof(struct xen_stats_vcpu));
	uint32_t total = slots + NR_SLOTS * stride;
	struct xen_stats_table_header *h;

	t->len = ((size_t)total + PAGE - 1) / PAGE * PAGE;
	t->buf = mmap(NULL, t->len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t->buf == MAP_FAILED) {
		perror("soak-torn: mmap");
		exit(2);
	}
	h = (void *)t->buf;
	h->magic = XEN_STATS_TABLE_MAGIC;
	h->header_size = hdr;
	h->total_size = total;
	h->table_id = XENMEM_resource_stats_table_id_domain;
	h->section_offset = sec;
	h->section_size = sizeof(struct xen_stats_domain);
	h->slot_offset = slots;
	h->slot_size = sizeof(struct xen_stats_vcpu);
	h->slot_stride = stride;
	h->nr_slots = NR_SLOTS;
	((struct xen_stats_domain *)(t->buf + sec))->seq = 2;
	for (uint32_t i = 0; i < NR_SLOTS; i++)
		t->slot[i] = (void *)(t->buf + slots + (size_t)i * stride);
}

/* Update k of a slot: every field a function of k and the slot. */
static void fill(struct xen_stats_vcpu *s, uint64_t k, uint32_t i)
{
	mem_table_seq_begin(&s->seq);
	s->state = (uint32_t)(k % XEN_STATS_NR_RUNSTATES);
	s->state_entry_time = 10 * k;
	for (unsigned j = 0; j < XEN_STATS_NR_RUNSTATES; j++)
		s->time[j] = 1000 * k + j;
	s->update_time = 10 * k + 5;
	s->flags = XEN_STATS_VCPUF_present | XEN_STATS_VCPUF_online;
	s->processor = (uint32_t)(k + i) & 0xffff;
	s->nonaffine_time = 3 * k + i;
	mem_table_seq_end(&s->seq);
}

static void *writer(void *arg)
{
	struct table *t = arg;
	uint64_t k = 1;

	while (!stop) {
		for (uint32_t i = 0; i < NR_SLOTS; i++)
			fill(t->slot[i], k, i);
		k++;
	}
	writes = (k - 1) * NR_SLOTS;
	return NULL;
}

/* Whether a copy's fields all come from one update; *k_out says which. */
static bool one_update(const struct xen_stats_vcpu *c, uint32_t i,
		       uint64_t *k_out)
{
	uint64_t k = c->state_entry_time / 10;

	*k_out = k;
	if (c->state_entry_time != 10 * k || c->update_time != 10 * k + 5 ||
	    c->state != k % XEN_STATS_NR_RUNSTATES ||
	    c->processor != ((uint32_t)(k + i) & 0xffff) ||
	    c->nonaffine_time != 3 * k + i ||
	    c->flags != (XEN_STATS_VCPUF_present | XEN_STATS_VCPUF_online))
		return false;
	for (unsigned j = 0; j < XEN_STATS_NR_RUNSTATES; j++)
		if (c->time[j] != 1000 * k + j)
			return false;
	return true;
}

struct tally {
	uint64_t reads, torn, backwards, busy;
};

static void show(const char *what, uint32_t i, const struct xen_stats_vcpu *c)
{
	fprintf(stderr, "soak-torn: %s copy of slot %" PRIu32 ": entry %" PRIu64
		" update %" PRIu64 " time0 %" PRIu64 " nonaffine %" PRIu64
		"\n", what, i, c->state_entry_time, c->update_time, c->time[0],
		c->nonaffine_time);
}

/* What a reader without the seq protocol would get. */
static int plain_copy(const struct stats_view *v, uint32_t i,
		      struct xen_stats_vcpu *c)
{
	const volatile uint8_t *src = v->base + v->slot_offset +
				      (size_t)i * v->slot_stride;
	uint8_t *dst = (uint8_t *)c;

	for (size_t b = 0; b < sizeof(*c); b++)
		dst[b] = src[b];
	return STATS_OK;
}

static int read_until(const struct stats_view *v, uint64_t target,
		      bool plain, struct tally *t)
{
	uint64_t last[NR_SLOTS] = { 0 };
	struct xen_stats_vcpu c;

	while (t->reads < target) {
		for (uint32_t i = 0; i < NR_SLOTS; i++) {
			int rc = plain ? plain_copy(v, i, &c) :
				 stats_read_slot(v, i, &c, sizeof(c),
						 STATS_DEFAULT_TRIES);
			uint64_t k;

			if (rc == STATS_EBUSY || rc == STATS_EEMPTY) {
				t->busy += rc == STATS_EBUSY;
				continue;
			}
			if (rc != STATS_OK) {
				fprintf(stderr, "soak-torn: read: %s\n",
					stats_strerror(rc));
				return -1;
			}
			t->reads++;
			if (!one_update(&c, i, &k)) {
				if (t->torn++ < SHOW_MAX && !plain)
					show("torn", i, &c);
			} else if (k < last[i]) {
				if (t->backwards++ < SHOW_MAX)
					show("backward", i, &c);
			} else {
				last[i] = k;
			}
		}
	}
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	bool plain = argc > 1 && strcmp(argv[1], "--plain") == 0;
	const char *count = argc > 1 + plain ? argv[1 + plain] : NULL;
	uint64_t target = count ? strtoull(count, NULL, 0) : 100000000;
	struct tally t = { 0 };
	struct stats_view v;
	struct table tab;
	pthread_t w;
	char why[256];
	double t0;
	int rc;

	table_build(&tab);
	for (uint32_t i = 0; i < NR_SLOTS; i++)
		fill(tab.slot[i], 0, i);	/* seq 2: written once */
	if (stats_view_open(tab.buf, tab.len,
			    XENMEM_resource_stats_table_id_domain,
			    sizeof(struct xen_stats_domain),
			    sizeof(struct xen_stats_vcpu), NR_SLOTS, &v, why,
			    sizeof(why)) != STATS_OK) {
		fprintf(stderr, "soak-torn: %s\n", why);
		return 2;
	}
	t0 = now();
	if (pthread_create(&w, NULL, writer, &tab) != 0) {
		fprintf(stderr, "soak-torn: no writer thread\n");
		return 2;
	}
	rc = read_until(&v, target, plain, &t);
	stop = true;
	pthread_join(w, NULL);
	printf("soak-torn%s: %" PRIu64 " reads of %d slots in %.1f s while "
	       "the writer made %" PRIu64 " updates: %" PRIu64 " torn, %"
	       PRIu64 " backwards, %" PRIu64 " gave up after %d retries\n",
	       plain ? " --plain" : "", t.reads, NR_SLOTS, now() - t0, writes, t.torn, t.backwards,
	       t.busy, STATS_DEFAULT_TRIES);
	munmap(tab.buf, tab.len);
	if (rc)
		return 2;
	if (plain)
		return t.torn ? 0 : 1;
	return t.torn || t.backwards ? 1 : 0;
}
