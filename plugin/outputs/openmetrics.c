/*
 * openmetrics.c: sample + health -> exposition text (OpenMetrics 1.0.0 or
 * Prometheus text 0.0.4).  The text goes into an rrdd_buf; which format
 * a client gets is the listener's business (negotiate.c).
 */
#include "outputs/openmetrics.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Decimal digits of v, zero-padded to width (0: no padding).  A scrape
 * of a big host prints ~10^5 numbers: printf would dominate it. */
static void put_u64(struct rrdd_buf *b, uint64_t v, int width)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v || n < width);
	rrdd_buf_add(b, tmp + sizeof(tmp) - n, (size_t)n);
}

/* Escape backslash, newline and (when quote) the double quote. */
static void put_escaped(struct rrdd_buf *b, const char *s, bool quote)
{
	const char *run = s;

	for (; *s; s++) {
		const char *esc = *s == '\\' ? "\\\\" : *s == '\n' ? "\\n"
				  : (quote && *s == '"') ? "\\\"" : NULL;

		if (!esc)
			continue;
		rrdd_buf_add(b, run, (size_t)(s - run));
		rrdd_buf_str(b, esc);
		run = s + 1;
	}
	rrdd_buf_add(b, run, (size_t)(s - run));
}

void om_escape_label(struct rrdd_buf *out, const char *value)
{
	put_escaped(out, value ? value : "", true);
}

/* ---- families ----------------------------------------------------------- */

enum kind { KIND_COUNTER, KIND_GAUGE, KIND_INFO };

struct family {
	const char *name;	/* OpenMetrics family name */
	enum kind kind;
	const char *unit;	/* NULL: none */
	const char *help;
};

static const struct family F_VCPU_RUNSTATE = {
	"xen_vcpu_runstate_seconds", KIND_COUNTER, "seconds",
	"Time each vCPU spent in each Xen runstate (running, runnable, "
	"blocked, offline)."
};
static const struct family F_VCPU_ONLINE = {
	"xen_vcpu_online", KIND_GAUGE, NULL,
	"1 when the vCPU is up, 0 when it is down or absent."
};
static const struct family F_DOM_CPU = {
	"xen_domain_cpu_seconds", KIND_COUNTER, "seconds",
	"Running time of all the domain's vCPUs together."
};
static const struct family F_DOM_MEMORY = {
	"xen_domain_memory_bytes", KIND_GAUGE, "bytes",
	"Memory the domain uses (its pages in use)."
};
static const struct family F_DOM_ONLINE = {
	"xen_domain_online_vcpus", KIND_GAUGE, NULL,
	"vCPUs of the domain that are up."
};
static const struct family F_DOM_RUNSTATE = {
	"xen_domain_runstate_seconds", KIND_COUNTER, "seconds",
	"Time the domain spent in each domain state, from the runstates of "
	"its vCPUs (full_run, full_contention, concurrency_hazard, blocked, "
	"partial_run, partial_contention)."
};
static const struct family F_DOM_VCPU_MEAN = {
	"xen_domain_vcpu_mean_seconds", KIND_COUNTER, "seconds",
	"Time the domain's vCPUs spent running, runnable, and running "
	"outside their soft affinity (part of running), averaged over its "
	"vCPUs."
};
static const struct family F_PCPU_IDLE = {
	"xen_pcpu_idle_seconds", KIND_COUNTER, "seconds",
	"Time each physical CPU spent idle."
};
static const struct family F_CYCLES = {
	"xcp_vcpustats_cycles", KIND_COUNTER, NULL,
	"Sampling cycles the daemon ran for xcp-rrdd."
};
static const struct family F_CYCLE_ERRORS = {
	"xcp_vcpustats_cycle_errors", KIND_COUNTER, NULL,
	"Cycles whose sampling failed as a whole."
};
static const struct family F_SKIPPED = {
	"xcp_vcpustats_domains_skipped", KIND_COUNTER, NULL,
	"Domains a cycle asked for but could not read (table rejected or "
	"inconsistent, domain dying)."
};
static const struct family F_SCRAPES = {
	"xcp_vcpustats_scrapes", KIND_COUNTER, NULL,
	"OpenMetrics scrapes served, this one included."
};
static const struct family F_BACKEND = {
	"xcp_vcpustats_backend", KIND_INFO, NULL,
	"The sampling backend in use: table (no hypercalls) or hypercall."
};
static const struct family F_LAST_ERROR = {
	"xcp_vcpustats_last_error", KIND_INFO, NULL,
	"The last problem a cycle had, when there was one."
};
static const struct family F_LAST_ERROR_TIME = {
	"xcp_vcpustats_last_error_timestamp_seconds", KIND_GAUGE, "seconds",
	"When the last problem happened (Unix time); 0 when never."
};

static const char *kind_name(enum kind k, enum om_format fmt)
{
	switch (k) {
	case KIND_COUNTER: return "counter";
	case KIND_INFO: return fmt == OM_FORMAT_OPENMETRICS ? "info" : "gauge";
	default: return "gauge";
	}
}

/* What follows the family name in a sample's name. */
static const char *suffix(const struct family *f)
{
	return f->kind == KIND_COUNTER ? "_total"
	       : f->kind == KIND_INFO ? "_info" : "";
}

/* The text 0.0.4 names the family after its samples; OpenMetrics does not. */
static void family_header(struct rrdd_buf *b, const struct family *f,
			  enum om_format fmt)
{
	const char *sfx = fmt == OM_FORMAT_OPENMETRICS ? "" : suffix(f);

	rrdd_buf_printf(b, "# HELP %s%s ", f->name, sfx);
	put_escaped(b, f->help, fmt == OM_FORMAT_OPENMETRICS);
	rrdd_buf_printf(b, "\n# TYPE %s%s %s\n", f->name, sfx, kind_name(f->kind, fmt));
	if (fmt == OM_FORMAT_OPENMETRICS && f->unit)
		rrdd_buf_printf(b, "# UNIT %s %s\n", f->name, f->unit);
}

static void sample_name(struct rrdd_buf *b, const struct family *f)
{
	rrdd_buf_str(b, f->name);
	rrdd_buf_str(b, suffix(f));
}

/*
 * A domain's labels `{vm_uuid="...",domid="N"` (left open for more), built
 * once per domain and family and copied into every line.
 */
struct dom_prefix {
	struct rrdd_buf text;
};

static void dom_prefix_set(struct dom_prefix *p, const struct dom_sample *d)
{
	p->text.len = 0;
	rrdd_buf_str(&p->text, "{vm_uuid=\"");
	om_escape_label(&p->text, d->uuid);
	rrdd_buf_str(&p->text, "\",domid=\"");
	put_u64(&p->text, d->domid, 0);
	rrdd_buf_str(&p->text, "\"");
}

static void put_prefix(struct rrdd_buf *b, const struct dom_prefix *p)
{
	if (p->text.failed)
		b->failed = true;
	else
		rrdd_buf_add(b, p->text.data, p->text.len);
}

/* Nanoseconds as exact decimal seconds (a double would round). */
static void put_seconds(struct rrdd_buf *b, uint64_t ns)
{
	ns &= SAMPLE_TIME_MASK;
	rrdd_buf_add(b, " ", 1);
	put_u64(b, ns / 1000000000u, 0);
	rrdd_buf_add(b, ".", 1);
	put_u64(b, ns % 1000000000u, 9);
	rrdd_buf_add(b, "\n", 1);
}

static void put_uint(struct rrdd_buf *b, uint64_t v)
{
	rrdd_buf_add(b, " ", 1);
	put_u64(b, v, 0);
	rrdd_buf_add(b, "\n", 1);
}

/* ---- the sample's families ---------------------------------------------- */

static const char *const runstate_names[SAMPLE_VCPU_RUNSTATES] = {
	"running", "runnable", "blocked", "offline",
};

/* `name{vm_uuid=..,domid=..,vcpu="i"` (left open). */
static void vcpu_line(struct rrdd_buf *b, const struct family *f,
		      const struct dom_prefix *p, unsigned i)
{
	sample_name(b, f);
	put_prefix(b, p);
	rrdd_buf_str(b, ",vcpu=\"");
	put_u64(b, i, 0);
	rrdd_buf_str(b, "\"");
}

static void vcpu_runstates(struct rrdd_buf *b, const struct dom_prefix *p,
			   const struct dom_sample *d, unsigned i)
{
	const struct vcpu_sample *v = &d->vcpus[i];
	/* Without runstates (hypercall backend) only running is known. */
	unsigned n = v->has_runstates ? SAMPLE_VCPU_RUNSTATES : 1;

	for (unsigned s = 0; s < n; s++) {
		vcpu_line(b, &F_VCPU_RUNSTATE, p, i);
		rrdd_buf_str(b, ",state=\"");
		rrdd_buf_str(b, runstate_names[s]);
		rrdd_buf_str(b, "\"}");
		put_seconds(b, v->has_runstates ? v->runstate_ns[s]
						: v->cpu_time_ns);
	}
}

static void render_vcpus(struct rrdd_buf *b, const struct host_sample *s,
			 struct dom_prefix *p, enum om_format fmt)
{
	family_header(b, &F_VCPU_RUNSTATE, fmt);
	for (size_t d = 0; d < s->n_doms; d++) {
		dom_prefix_set(p, &s->doms[d]);
		for (unsigned i = 0; i < s->doms[d].nr_vcpus; i++)
			vcpu_runstates(b, p, &s->doms[d], i);
	}
	family_header(b, &F_VCPU_ONLINE, fmt);
	for (size_t d = 0; d < s->n_doms; d++) {
		dom_prefix_set(p, &s->doms[d]);
		for (unsigned i = 0; i < s->doms[d].nr_vcpus; i++) {
			vcpu_line(b, &F_VCPU_ONLINE, p, i);
			rrdd_buf_str(b, "}");
			put_uint(b, s->doms[d].vcpus[i].online ? 1 : 0);
		}
	}
}

/* A domain-wide family and how it prints one domain's value. */
struct dom_family {
	const struct family *family;
	void (*put_value)(struct rrdd_buf *b, const struct dom_sample *d);
};

static void put_dom_cpu(struct rrdd_buf *b, const struct dom_sample *d)
{
	put_seconds(b, d->cpu_time_ns);
}

static void put_dom_memory(struct rrdd_buf *b, const struct dom_sample *d)
{
	put_uint(b, d->tot_pages * OM_PAGE_SIZE);
}

static void put_dom_online(struct rrdd_buf *b, const struct dom_sample *d)
{
	put_uint(b, d->nr_online_vcpus);
}

static const struct dom_family DOM_FAMILIES[] = {
	{ &F_DOM_CPU, put_dom_cpu },
	{ &F_DOM_MEMORY, put_dom_memory },
	{ &F_DOM_ONLINE, put_dom_online },
};

/* One sample per domain of a domain-wide family. */
static void render_dom_family(struct rrdd_buf *b, const struct host_sample *s,
			      struct dom_prefix *p,
			      const struct dom_family *df, enum om_format fmt)
{
	family_header(b, df->family, fmt);
	for (size_t i = 0; i < s->n_doms; i++) {
		const struct dom_sample *d = &s->doms[i];

		dom_prefix_set(p, d);
		sample_name(b, df->family);
		put_prefix(b, p);
		rrdd_buf_str(b, "}");
		df->put_value(b, d);
	}
}

static const char *const domain_state_names[SAMPLE_RUNSTATES] = {
	"full_run", "full_contention", "concurrency_hazard", "blocked",
	"partial_run", "partial_contention",
};

/* `name{vm_uuid=..,domid=..,state="state"} seconds` */
static void dom_state_line(struct rrdd_buf *b, const struct family *f,
			   const struct dom_prefix *p, const char *state,
			   uint64_t ns)
{
	sample_name(b, f);
	put_prefix(b, p);
	rrdd_buf_str(b, ",state=\"");
	rrdd_buf_str(b, state);
	rrdd_buf_str(b, "\"}");
	put_seconds(b, ns);
}

/*
 * The domain aggregates, for the domains whose backend read them (the
 * runstate datasources' sources): the six states, and the vCPU means.
 */
static void render_dom_runstates(struct rrdd_buf *b, const struct host_sample *s,
				 struct dom_prefix *p, enum om_format fmt)
{
	family_header(b, &F_DOM_RUNSTATE, fmt);
	for (size_t i = 0; i < s->n_doms; i++) {
		const struct dom_runstate *r = &s->doms[i].runstate;

		if (!r->valid)
			continue;
		dom_prefix_set(p, &s->doms[i]);
		for (int k = 0; k < SAMPLE_RUNSTATES; k++)
			dom_state_line(b, &F_DOM_RUNSTATE, p,
				       domain_state_names[k], r->time_ns[k]);
	}
	family_header(b, &F_DOM_VCPU_MEAN, fmt);
	for (size_t i = 0; i < s->n_doms; i++) {
		const struct dom_runstate *r = &s->doms[i].runstate;

		if (!r->valid)
			continue;
		dom_prefix_set(p, &s->doms[i]);
		dom_state_line(b, &F_DOM_VCPU_MEAN, p, "running",
			       r->running_ns);
		dom_state_line(b, &F_DOM_VCPU_MEAN, p, "runnable",
			       r->runnable_ns);
		if (r->has_nonaffine)
			dom_state_line(b, &F_DOM_VCPU_MEAN, p,
				       "running_nonaffine", r->nonaffine_ns);
	}
}

static void render_pcpus(struct rrdd_buf *b, const struct host_sample *s,
			 enum om_format fmt)
{
	family_header(b, &F_PCPU_IDLE, fmt);
	for (unsigned i = 0; i < s->nr_pcpus; i++) {
		sample_name(b, &F_PCPU_IDLE);
		rrdd_buf_str(b, "{cpu=\"");
		put_u64(b, i, 0);
		rrdd_buf_str(b, "\"}");
		put_seconds(b, s->pcpu_idle_ns[i]);
	}
}

/* ---- health ------------------------------------------------------------- */

static void render_counter(struct rrdd_buf *b, const struct family *f,
			   uint64_t v, enum om_format fmt)
{
	family_header(b, f, fmt);
	sample_name(b, f);
	put_uint(b, v);
}

static void render_info(struct rrdd_buf *b, const struct family *f,
			const char *label, const char *value,
			enum om_format fmt)
{
	family_header(b, f, fmt);
	if (!value)
		return;
	sample_name(b, f);
	rrdd_buf_printf(b, "{%s=\"", label);
	om_escape_label(b, value);
	rrdd_buf_str(b, "\"} 1\n");
}

static void render_health(struct rrdd_buf *b, const struct om_health *h,
			  enum om_format fmt)
{
	render_counter(b, &F_CYCLES, h->cycles, fmt);
	render_counter(b, &F_CYCLE_ERRORS, h->cycle_errors, fmt);
	render_counter(b, &F_SKIPPED, h->domains_skipped, fmt);
	render_counter(b, &F_SCRAPES, h->scrapes, fmt);
	render_info(b, &F_BACKEND, "backend",
		    h->backend ? h->backend : "unknown", fmt);
	render_info(b, &F_LAST_ERROR, "message",
		    h->last_error[0] ? h->last_error : NULL, fmt);
	family_header(b, &F_LAST_ERROR_TIME, fmt);
	sample_name(b, &F_LAST_ERROR_TIME);
	rrdd_buf_printf(b, " %.3f\n", h->last_error_time);
}

int om_render(const struct host_sample *sample, const struct om_health *health,
	      enum om_format format, struct rrdd_buf *out)
{
	struct dom_prefix p;

	rrdd_buf_init(&p.text);
	render_vcpus(out, sample, &p, format);
	for (size_t i = 0; i < sizeof(DOM_FAMILIES) / sizeof(DOM_FAMILIES[0]);
	     i++)
		render_dom_family(out, sample, &p, &DOM_FAMILIES[i], format);
	render_dom_runstates(out, sample, &p, format);
	rrdd_buf_free(&p.text);
	render_pcpus(out, sample, format);
	if (health)
		render_health(out, health, format);
	if (format == OM_FORMAT_OPENMETRICS)
		rrdd_buf_str(out, "# EOF\n");
	if (out->failed) {
		rrdd_buf_free(out);
		return -1;
	}
	return 0;
}
