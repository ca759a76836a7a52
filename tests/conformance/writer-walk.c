/*
 * writer-walk DIR SEED ROUNDS: one rrdd_writer, kept for the whole run as
 * the daemon keeps it, taken through ROUNDS layout changes drawn from
 * SEED (VMs going and coming back in the middle of the list, new VMs at
 * the end, a VM's vCPU count changing, two VMs swapping places, rounds
 * with no change).  After each update it prints one JSON line with what
 * the file must say and how many files the writer has put in place
 * (rrdd_writer_file_serial), values formatted as xcp-rrdd's reader prints them
 * (tests/conformance/test-xcp-rrdd-reader), then waits for a line on
 * stdin before the next round, so that readers can look at the file
 * between two updates.  Exit 1 with one line on stderr on a writer error.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rrdd_protocol.h"

#define NR_VMS		40
#define MAX_VCPUS	8
#define DS_PER_VM	(MAX_VCPUS + 1)
#define MAX_DS		(1 + NR_VMS * DS_PER_VM)

struct vm {
	char uuid[RRDD_UUID_LEN + 1];
	int vcpus;
};

/* The VMs present, in the order their datasources are listed. */
struct walk {
	struct vm vms[NR_VMS];
	int order[NR_VMS];
	int nr_present;
	uint64_t rng;
};

static const char *cpu_names[MAX_VCPUS] = {
	"cpu0", "cpu1", "cpu2", "cpu3", "cpu4", "cpu5", "cpu6", "cpu7",
};

/* xorshift64: the same walk for the same seed, on every libc. */
static unsigned int draw(struct walk *w, unsigned int bound)
{
	w->rng ^= w->rng << 13;
	w->rng ^= w->rng >> 7;
	w->rng ^= w->rng << 17;
	return (unsigned int)(w->rng % bound);
}

static int position_of(const struct walk *w, int vm)
{
	int i;

	for (i = 0; i < w->nr_present; i++)
		if (w->order[i] == vm)
			return i;
	return -1;
}

static void remove_at(struct walk *w, int pos)
{
	memmove(&w->order[pos], &w->order[pos + 1],
		(size_t)(w->nr_present - pos - 1) * sizeof(w->order[0]));
	w->nr_present--;
}

/* A VM back where its domid sorts it, as the daemon lists domains. */
static void insert_sorted(struct walk *w, int vm)
{
	int pos = 0;

	while (pos < w->nr_present && w->order[pos] < vm)
		pos++;
	memmove(&w->order[pos + 1], &w->order[pos],
		(size_t)(w->nr_present - pos) * sizeof(w->order[0]));
	w->order[pos] = vm;
	w->nr_present++;
}

static const char *change(struct walk *w)
{
	int vm = (int)draw(w, NR_VMS), pos = position_of(w, vm), other;

	switch (draw(w, 6)) {
	case 0:
	case 1:
	case 2:
		if (pos < 0) {
			insert_sorted(w, vm);
			return "vm-added";
		}
		remove_at(w, pos);
		return "vm-removed";
	case 3:
		if (pos < 0)
			return "none";
		w->vms[vm].vcpus = 1 + (int)draw(w, MAX_VCPUS);
		return "vcpus-changed";
	case 4:
		if (w->nr_present < 2)
			return "none";
		pos = (int)draw(w, (unsigned int)w->nr_present);
		other = (int)draw(w, (unsigned int)w->nr_present);
		vm = w->order[pos];
		w->order[pos] = w->order[other];
		w->order[other] = vm;
		return pos == other ? "none" : "swapped";
	default:
		return "none";
	}
}

static void describe(const struct walk *w, struct rrdd_ds *ds, size_t *n)
{
	int i, c;

	memset(ds, 0, MAX_DS * sizeof(*ds));
	ds[0] = (struct rrdd_ds){ .name = "cpu_avg", .description = "",
				  .owner = RRDD_OWNER_HOST, .units = "",
				  .value_type = RRDD_VALUE_FLOAT,
				  .type = RRDD_GAUGE, .min = 0, .max = 1 };
	*n = 1;
	for (i = 0; i < w->nr_present; i++) {
		const struct vm *vm = &w->vms[w->order[i]];

		for (c = 0; c <= vm->vcpus; c++) {
			struct rrdd_ds *d = &ds[(*n)++];
			bool cpu = c < vm->vcpus;

			d->name = cpu ? cpu_names[c] : "memory";
			d->description = cpu ? "vCPU usage" : "";
			d->owner = RRDD_OWNER_VM;
			memcpy(d->owner_uuid, vm->uuid, sizeof(d->owner_uuid));
			d->value_type = cpu ? RRDD_VALUE_FLOAT
					    : RRDD_VALUE_INT64;
			d->type = RRDD_GAUGE;
			d->units = cpu ? "(fraction)" : "B";
			d->min = cpu ? 0 : -INFINITY;
			d->max = cpu ? 1 : INFINITY;
		}
	}
}

/* Distinct values every round, so that a value read at the wrong
 * position or from the wrong round shows. */
static void fill_values(const struct rrdd_ds *ds, size_t n, int round,
			union rrdd_value *values)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (ds[i].value_type == RRDD_VALUE_INT64)
			values[i].i = (int64_t)round * 1000000 + (int64_t)i;
		else
			values[i].f = (double)round + (double)i / 4096.0;
	}
}

static void print_expected(int round, const char *what,
			   unsigned long serial, const struct rrdd_ds *ds,
			   const union rrdd_value *values, size_t n)
{
	size_t i;

	printf("{\"round\": %d, \"change\": \"%s\", \"serial\": %lu, "
	       "\"datasources\": [", round, what, serial);
	for (i = 0; i < n; i++) {
		printf("%s{\"name\": \"%s\", \"owner\": \"%s%s%s\", ",
		       i ? ", " : "", ds[i].name,
		       ds[i].owner == RRDD_OWNER_HOST ? "host" : "vm",
		       ds[i].owner == RRDD_OWNER_HOST ? "" : " ",
		       ds[i].owner_uuid);
		if (ds[i].value_type == RRDD_VALUE_INT64)
			printf("\"value\": \"int64 %" PRId64 "\"}",
			       values[i].i);
		else
			printf("\"value\": \"float %.17g\"}", values[i].f);
	}
	printf("]}\n");
	fflush(stdout);
}

static void init_walk(struct walk *w, unsigned long seed)
{
	int i;

	memset(w, 0, sizeof(*w));
	w->rng = seed * 2654435761u + 1;
	for (i = 0; i < NR_VMS; i++) {
		snprintf(w->vms[i].uuid, sizeof(w->vms[i].uuid),
			 "%08x-0000-4000-8000-%012d", 0xc0de0000u + (unsigned)i,
			 i);
		w->vms[i].vcpus = 1 + i % MAX_VCPUS;
		if (i % 3)
			w->order[w->nr_present++] = i;
	}
}

static int fail(const char *what, const struct rrdd_error *err)
{
	fprintf(stderr, "writer-walk: %s: %s\n", what, err->msg);
	return 1;
}

static int walk(struct rrdd_writer *wr, struct walk *w, int rounds)
{
	static struct rrdd_ds ds[MAX_DS];
	static union rrdd_value values[MAX_DS];
	struct rrdd_error err;
	char line[64];
	size_t n;
	int round;

	for (round = 1; round <= rounds; round++) {
		const char *what = round == 1 ? "first" : change(w);

		describe(w, ds, &n);
		fill_values(ds, n, round, values);
		if (rrdd_writer_set_sources(wr, ds, n, &err))
			return fail("set_sources", &err);
		if (rrdd_writer_update(wr, 1.0e9 + round, values, &err))
			return fail("update", &err);
		print_expected(round, what, rrdd_writer_file_serial(wr), ds,
			       values, n);
		if (!fgets(line, sizeof(line), stdin))
			break;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct rrdd_writer_options o = { .uid = "walk",
					 .max_datasources = MAX_DS,
					 .ts_format = RRDD_TS_FLOAT };
	static struct walk w;
	struct rrdd_writer *wr;
	struct rrdd_error err;
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: writer-walk DIR SEED ROUNDS\n");
		return 2;
	}
	o.dir = argv[1];
	init_walk(&w, strtoul(argv[2], NULL, 10));
	if (rrdd_writer_open(&o, &wr, &err))
		return fail("open", &err);
	rc = walk(wr, &w, (int)strtol(argv[3], NULL, 10));
	rrdd_writer_close(wr);
	return rc;
}
