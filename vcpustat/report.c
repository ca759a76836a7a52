/* report.c: percentages between two snapshots, sorted, as text or JSON. */
#include "report.h"

#include <json.h>
#include <stdlib.h>
#include <string.h>

static const char *const STATE_KEYS[XEN_STATS_NR_RUNSTATES] = {
	"running", "runnable", "blocked", "offline"
};

static const struct vs_dom *find_dom(const struct vs_snap *s, uint32_t domid)
{
	for (size_t i = 0; i < s->n_doms; i++)
		if (s->doms[i].domid == domid)
			return &s->doms[i];
	return NULL;
}

static const struct vs_vcpu *find_vcpu(const struct vs_dom *d, uint32_t id)
{
	for (size_t i = 0; i < d->n_vcpus; i++)
		if (d->vcpus[i].id == id)
			return &d->vcpus[i];
	return NULL;
}

static double pct(uint64_t before, uint64_t after, uint64_t dt)
{
	return after < before ? 0.0 : 100.0 * (double)(after - before) /
					(double)dt;
}

static void vcpu_row(const struct vs_vcpu *a, const struct vs_vcpu *b,
		     uint64_t dt, bool runstates, struct vs_row *row)
{
	for (int s = 0; s < XEN_STATS_NR_RUNSTATES; s++)
		row->pct[s] = runstates || s == XEN_STATS_RUNSTATE_running
			      ? pct(a->ns[s], b->ns[s], dt) : VS_UNKNOWN;
}

/* Rows of one domain: the VM row first, its vCPUs by id. */
static size_t dom_rows(const struct vs_dom *a, const struct vs_dom *b,
		       uint64_t dt, bool runstates, struct vs_row *rows)
{
	struct vs_row *vm = &rows[0];
	size_t n = 1;

	memset(vm, 0, sizeof(*vm));
	vm->domid = b->domid;
	vm->name = b->name;
	vm->vcpu = -1;
	for (int s = 0; s < XEN_STATS_NR_RUNSTATES; s++)
		vm->pct[s] = runstates || s == XEN_STATS_RUNSTATE_running
			     ? 0.0 : VS_UNKNOWN;
	for (size_t i = 0; i < b->n_vcpus; i++) {
		const struct vs_vcpu *va = find_vcpu(a, b->vcpus[i].id);
		struct vs_row *row = &rows[n];

		if (!va)
			continue;
		row->domid = b->domid;
		row->name = b->name;
		row->vcpu = (int)b->vcpus[i].id;
		vcpu_row(va, &b->vcpus[i], dt, runstates, row);
		for (int s = 0; s < XEN_STATS_NR_RUNSTATES; s++)
			if (vm->pct[s] != VS_UNKNOWN)
				vm->pct[s] += row->pct[s];
		n++;
	}
	return n;
}

static double busy(const struct vs_row *vm)
{
	double runnable = vm->pct[XEN_STATS_RUNSTATE_runnable];

	return vm->pct[XEN_STATS_RUNSTATE_running] +
	       (runnable > 0 ? runnable : 0);
}

/* A VM's rows: its VM row, then its vCPUs' rows. */
struct block {
	const struct vs_row *head;
};

/* Order of blocks: busiest VM (running + runnable) first, then domid. */
static int cmp_block(const void *x, const void *y)
{
	const struct vs_row *a = ((const struct block *)x)->head;
	const struct vs_row *b = ((const struct block *)y)->head;

	if (busy(a) != busy(b))
		return busy(a) > busy(b) ? -1 : 1;
	return a->domid < b->domid ? -1 : a->domid > b->domid;
}

/* Reorder the blocks of r->rows by cmp_block. */
static int sort_blocks(struct vs_report *r, size_t n_blocks)
{
	struct block *blocks = calloc(n_blocks ? n_blocks : 1,
				      sizeof(*blocks));
	struct vs_row *sorted = calloc(r->n_rows ? r->n_rows : 1,
				       sizeof(*sorted));
	size_t b = 0, n = 0;

	if (!blocks || !sorted) {
		free(blocks);
		free(sorted);
		return -1;
	}
	for (size_t i = 0; i < r->n_rows; i++)
		if (r->rows[i].vcpu < 0)
			blocks[b++].head = &r->rows[i];
	qsort(blocks, b, sizeof(*blocks), cmp_block);
	for (size_t i = 0; i < b; i++) {
		const struct vs_row *row = blocks[i].head;

		do
			sorted[n++] = *row++;
		while (row < r->rows + r->n_rows && row->vcpu >= 0);
	}
	free(blocks);
	free(r->rows);
	r->rows = sorted;
	return 0;
}

static int host_rows(const struct vs_snap *a, const struct vs_snap *b,
		     uint64_t dt, struct vs_report *r)
{
	unsigned n = a->nr_pcpus < b->nr_pcpus ? a->nr_pcpus : b->nr_pcpus;

	r->pcpu_busy = calloc(n ? n : 1, sizeof(*r->pcpu_busy));
	if (!r->pcpu_busy)
		return -1;
	r->nr_pcpus = n;
	for (unsigned i = 0; i < n; i++) {
		double idle = pct(a->pcpu_idle[i], b->pcpu_idle[i], dt);

		r->pcpu_busy[i] = idle > 100.0 ? 0.0 : 100.0 - idle;
		r->host_busy += r->pcpu_busy[i] / n;
	}
	return 0;
}

int vs_report_build(const struct vs_snap *old, const struct vs_snap *new,
		    struct vs_report *r)
{
	uint64_t dt = new->now > old->now ? new->now - old->now : 0;
	size_t cap = 0, blocks = 0;
	bool rs = old->runstates && new->runstates;

	memset(r, 0, sizeof(*r));
	if (dt == 0)
		return -1;
	r->interval_s = (double)dt / 1e9;
	r->runstates = rs;
	for (size_t i = 0; i < new->n_doms; i++)
		cap += 1 + new->doms[i].n_vcpus;
	r->rows = calloc(cap ? cap : 1, sizeof(*r->rows));
	if (!r->rows || host_rows(old, new, dt, r) != 0) {
		vs_report_free(r);
		return -1;
	}
	for (size_t i = 0; i < new->n_doms; i++) {
		const struct vs_dom *a = find_dom(old, new->doms[i].domid);

		if (!a)
			continue;	/* appeared during the interval */
		r->n_rows += dom_rows(a, &new->doms[i], dt, rs,
				      &r->rows[r->n_rows]);
		blocks++;
	}
	if (sort_blocks(r, blocks) != 0) {
		vs_report_free(r);
		return -1;
	}
	return 0;
}

void vs_report_free(struct vs_report *r)
{
	free(r->rows);
	free(r->pcpu_busy);
	memset(r, 0, sizeof(*r));
}

static void put_pct(FILE *out, double v)
{
	if (v == VS_UNKNOWN)
		fprintf(out, " %7s", "-");
	else
		fprintf(out, " %7.1f", v);
}

void vs_report_text(const struct vs_report *r, const char *source,
		    unsigned max_lines, FILE *out)
{
	unsigned lines = 4;
	size_t shown = 0;

	fprintf(out, "vcpustat: %.2f s from %s; host: %u pCPUs, %.1f%% busy\n",
		r->interval_s, source, r->nr_pcpus, r->host_busy);
	fprintf(out, "pCPU busy%%:");
	for (unsigned i = 0; i < r->nr_pcpus; i++)
		fprintf(out, " %u:%.0f", i, r->pcpu_busy[i]);
	fprintf(out, "\n%5s %-20s %4s %7s %7s %7s %7s\n", "DOMID", "NAME",
		"VCPU", "RUN%", "READY%", "BLOCK%", "OFFL%");
	for (; shown < r->n_rows; shown++) {
		const struct vs_row *row = &r->rows[shown];

		if (max_lines && lines + 1 >= max_lines &&
		    shown + 1 < r->n_rows)
			break;
		fprintf(out, "%5u %-20.20s ", row->domid, row->name);
		if (row->vcpu < 0)
			fprintf(out, "%4s", "all");
		else
			fprintf(out, "%4d", row->vcpu);
		for (int s = 0; s < XEN_STATS_NR_RUNSTATES; s++)
			put_pct(out, row->pct[s]);
		fputc('\n', out);
		lines++;
	}
	if (shown < r->n_rows)
		fprintf(out, "(%zu more rows)\n", r->n_rows - shown);
}

static json_object *pct_json(double v)
{
	return v == VS_UNKNOWN ? NULL : json_object_new_double(v);
}

static json_object *row_json(const struct vs_row *row)
{
	json_object *o = json_object_new_object();

	if (row->vcpu >= 0)
		json_object_object_add(o, "vcpu", json_object_new_int(row->vcpu));
	for (int s = 0; s < XEN_STATS_NR_RUNSTATES; s++)
		json_object_object_add(o, STATE_KEYS[s], pct_json(row->pct[s]));
	return o;
}

static json_object *domains_json(const struct vs_report *r)
{
	json_object *doms = json_object_new_array(), *dom = NULL, *vcpus = NULL;

	for (size_t i = 0; i < r->n_rows; i++) {
		const struct vs_row *row = &r->rows[i];

		if (row->vcpu < 0) {
			dom = row_json(row);
			vcpus = json_object_new_array();
			json_object_object_add(dom, "domid",
					       json_object_new_int64(row->domid));
			json_object_object_add(dom, "name",
					       json_object_new_string(row->name));
			json_object_object_add(dom, "vcpus", vcpus);
			json_object_array_add(doms, dom);
		} else if (vcpus) {
			json_object_array_add(vcpus, row_json(row));
		}
	}
	return doms;
}

int vs_report_json(const struct vs_report *r, const char *source,
		   double timestamp, FILE *out)
{
	json_object *o = json_object_new_object(), *pcpus;
	int rc;

	if (!o)
		return -1;
	json_object_object_add(o, "time", json_object_new_double(timestamp));
	json_object_object_add(o, "interval",
			       json_object_new_double(r->interval_s));
	json_object_object_add(o, "source", json_object_new_string(source));
	json_object_object_add(o, "host_busy",
			       json_object_new_double(r->host_busy));
	pcpus = json_object_new_array();
	for (unsigned i = 0; i < r->nr_pcpus; i++)
		json_object_array_add(pcpus,
				      json_object_new_double(r->pcpu_busy[i]));
	json_object_object_add(o, "pcpu_busy", pcpus);
	json_object_object_add(o, "domains", domains_json(r));
	rc = fprintf(out, "%s\n",
		     json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return rc < 0 ? -1 : 0;
}
