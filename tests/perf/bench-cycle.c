/*
 * bench-cycle: the whole rrdd cycle of the daemon at 1,000 VMs x 16 vCPUs
 * on in-memory stats tables: sample (table reads, as the table backend),
 * derive the datasources, encode the payload with its CRCs and write it
 * into a file (in /dev/shm, as xcp-rrdd's plugins do).  Goals: <= 2 ms of
 * CPU per cycle; peak RSS <= 16 MiB (getrusage); the cycle after a VM
 * went or came (a layout change) <= 5 ms of CPU, the peak RSS including
 * it <= 16 MiB.  Also, at the same size,
 * what an OpenMetrics scrape costs and how long it holds the lock the
 * cycle would wait on.  Figures only; no pass/fail.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_common.h"
#include "derive/derive.h"
#include "outputs/scrape.h"
#include "xen_sim.h"

#define DOMAINS 1000u
#define VCPUS 16u
#define PCPUS 64u
#define WARMUP 3
#define CYCLES 60
#define SCRAPES 10
#define GOAL_CPU_MS 2.0
#define GOAL_RSS_MIB 16.0
#define GOAL_LAYOUT_MS 5.0

struct phases {
	double sample, derive, write, cpu, wall;
};

struct bench {
	struct xen_sim sim;
	struct backend *backend;
	uint32_t ids[DOMAINS];
	struct host_sample sample;
	struct ds_set set;
	struct rrdd_writer *writer;
	unsigned long sources_gen;	/* set.generation the writer has */
	bool sources_set;
	char dir[64];
	double ts;
};

static void die(const char *what)
{
	fprintf(stderr, "bench-cycle: %s\n", what);
	exit(1);
}

static void setup(struct bench *b)
{
	struct rrdd_writer_options wo = { .uid = "bench-cycle",
					  .max_datasources = 2048,
					  .ts_format = RRDD_TS_FLOAT };
	struct rrdd_error err = { 0 };

	if (xen_sim_init(&b->sim, DOMAINS, VCPUS, PCPUS, 1000000000u) != 0 ||
	    xen_sim_backend_new(&b->sim, &b->backend) != BACKEND_OK)
		die("out of memory");
	for (uint32_t d = 0; d < DOMAINS; d++) {
		b->ids[d] = d + 1;
		if (backend_add_domain(b->backend, d + 1) != BACKEND_OK)
			die("add_domain");
	}
	snprintf(b->dir, sizeof(b->dir), "%s/bench-cycle-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(b->dir))
		die("mkdtemp");
	wo.dir = b->dir;
	if (rrdd_writer_open(&wo, &b->writer, &err) != 0)
		die(err.msg);
	sample_init(&b->sample);
	ds_set_init(&b->set);
	b->ts = 1.7e9;
}

/*
 * One cycle as cycle.c runs it (descriptions handed to the writer only
 * when their generation changed), over the n_doms domains of ids, each
 * phase timed in thread CPU time.
 */
static void cycle_over(struct bench *b, const uint32_t *ids, size_t n_doms,
		       struct phases *p)
{
	struct rrdd_error err = { 0 };
	double w0 = bench_clock_ns(CLOCK_MONOTONIC);
	double t0 = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID), t1, t2, t3;

	sample_reset(&b->sample);
	if (backend_sample(b->backend, ids, n_doms, &b->sample) !=
	    BACKEND_OK || b->sample.n_doms != n_doms)
		die("sample");
	t1 = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	b->ts += 5;
	if (derive_build(&b->sample, b->ts, &b->set) != 0)
		die("derive");
	t2 = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	if (!b->sources_set || b->sources_gen != b->set.generation) {
		if (rrdd_writer_set_sources(b->writer, b->set.ds, b->set.n,
					    &err))
			die(err.msg);
		b->sources_set = true;
		b->sources_gen = b->set.generation;
	}
	if (rrdd_writer_update(b->writer, b->ts, b->set.values, &err))
		die(err.msg);
	t3 = bench_clock_ns(CLOCK_THREAD_CPUTIME_ID);
	*p = (struct phases){ .sample = t1 - t0, .derive = t2 - t1,
			      .write = t3 - t2, .cpu = t3 - t0,
			      .wall = bench_clock_ns(CLOCK_MONOTONIC) - w0 };
}

static void one_cycle(struct bench *b, struct phases *p)
{
	cycle_over(b, b->ids, DOMAINS, p);
}

static double peak_rss_mib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_maxrss / 1024.0;
}

static void report_cycles(struct bench *b)
{
	static double cpu[CYCLES], smp[CYCLES], der[CYCLES], wr[CYCLES],
		wall[CYCLES];
	double max_cpu = 0, rss_mib, rss_setup = peak_rss_mib();
	struct phases p;
	struct stat st;

	for (int i = 0; i < WARMUP; i++)
		one_cycle(b, &p);
	for (int i = 0; i < CYCLES; i++) {
		xen_sim_tick(&b->sim, 1000000000u + (uint64_t)i * 5000000000u);
		one_cycle(b, &p);
		cpu[i] = p.cpu; smp[i] = p.sample; der[i] = p.derive;
		wr[i] = p.write; wall[i] = p.wall;
		if (p.cpu > max_cpu)
			max_cpu = p.cpu;
	}
	rss_mib = peak_rss_mib();
	if (stat(rrdd_writer_path(b->writer), &st) != 0)
		die("payload file missing");
	printf("bench-cycle: whole cycle, %u VMs x %u vCPUs, %u pCPUs, "
	       "%zu datasources, payload %lld bytes\n", DOMAINS, VCPUS, PCPUS,
	       b->set.n, (long long)st.st_size);
	printf("%-34s %12s %10s\n", "figure (median of 60 cycles)", "value",
	       "goal");
	printf("%-34s %9.3f ms %10s\n", "  sample (table reads)",
	       bench_median(smp, CYCLES) / 1e6, "");
	printf("%-34s %9.3f ms %10s\n", "  derive datasources",
	       bench_median(der, CYCLES) / 1e6, "");
	printf("%-34s %9.3f ms %10s\n", "  encode + CRC + write file",
	       bench_median(wr, CYCLES) / 1e6, "");
	printf("%-34s %9.3f ms %7s %s\n", "CPU per cycle",
	       bench_median(cpu, CYCLES) / 1e6, "<= 2 ms",
	       bench_median(cpu, CYCLES) / 1e6 <= GOAL_CPU_MS ? "met"
							     : "MISSED");
	printf("%-34s %9.3f ms\n", "CPU per cycle, worst of 60", max_cpu / 1e6);
	printf("%-34s %9.3f ms\n", "wall per cycle",
	       bench_median(wall, CYCLES) / 1e6);
	printf("%-34s %9.2f MiB %5s %s\n", "peak RSS (getrusage)", rss_mib,
	       "<= 16", rss_mib <= GOAL_RSS_MIB ? "met" : "MISSED");
	printf("%-34s %9.2f MiB\n", "  before the first cycle", rss_setup);
	printf("%-34s %9.2f MiB\n", "  of which the stats tables",
	       (double)DOMAINS * (double)b->sim.doms[0].len / (1 << 20));
}

static void print_layout(const char *what, const struct phases *p)
{
	printf("%-34s %9.3f ms %7s %s\n", what, p->cpu / 1e6, "<= 5 ms",
	       p->cpu / 1e6 <= GOAL_LAYOUT_MS ? "met" : "MISSED");
	printf("%-34s %9.3f ms\n%-34s %9.3f ms\n", "  of which derive",
	       p->derive / 1e6, "  of which set_sources + write",
	       p->write / 1e6);
}

/*
 * The rare cycles in which a domain has gone or come: its descriptions
 * go or come, the writer writes new metadata.  A domain in the middle of
 * the list (a VM stopping can be any), then the same one back; then the
 * last one (a VM starting gets the highest domid: it comes last).
 */
static void report_layout_change(struct bench *b)
{
	static uint32_t without[DOMAINS];
	struct phases mid_gone, mid_back, end_gone, end_back;
	size_t mid = DOMAINS / 2;

	memcpy(without, b->ids, mid * sizeof(without[0]));
	memcpy(without + mid, b->ids + mid + 1,
	       (DOMAINS - mid - 1) * sizeof(without[0]));
	cycle_over(b, without, DOMAINS - 1, &mid_gone);
	cycle_over(b, b->ids, DOMAINS, &mid_back);
	cycle_over(b, b->ids, DOMAINS - 1, &end_gone);
	cycle_over(b, b->ids, DOMAINS, &end_back);
	print_layout("CPU, cycle after a domain went", &mid_gone);
	print_layout("CPU, cycle after it came back", &mid_back);
	print_layout("CPU, the last domain went", &end_gone);
	print_layout("CPU, the last domain came back", &end_back);
	printf("%-34s %9.2f MiB %5s %s\n", "peak RSS with those four cycles",
	       peak_rss_mib(), "<= 16",
	       peak_rss_mib() <= GOAL_RSS_MIB ? "met" : "MISSED");
}

/*
 * What the writer does when a change cannot be made in place (members
 * in another order, no room where they go, its slack or holes past its
 * limits): the metadata made again whole.  Two domains in the middle
 * swapped in the list, then back: two such cycles.
 */
static void report_compaction(struct bench *b)
{
	static uint32_t swapped[DOMAINS];
	struct phases there, back;
	size_t mid = DOMAINS / 2;

	memcpy(swapped, b->ids, sizeof(swapped));
	swapped[mid] = b->ids[mid + 1];
	swapped[mid + 1] = b->ids[mid];
	cycle_over(b, swapped, DOMAINS, &there);
	cycle_over(b, b->ids, DOMAINS, &back);
	printf("%-34s %9.3f ms (derive %.3f, set_sources + write %.3f)\n",
	       "CPU, made whole: two swapped", there.cpu / 1e6,
	       there.derive / 1e6, there.write / 1e6);
	printf("%-34s %9.3f ms (derive %.3f, set_sources + write %.3f)\n",
	       "CPU, made whole: swapped back", back.cpu / 1e6,
	       back.derive / 1e6, back.write / 1e6);
	printf("%-34s %9.2f MiB\n", "peak RSS with those two too",
	       peak_rss_mib());
}

/* Scrapes at the same size, through the locking wrapper. */
static void report_scrapes(struct bench *b)
{
	static double total[SCRAPES], locked[SCRAPES];
	struct backend *wrapped = NULL;
	struct host_sample s;
	struct om_health h;
	size_t bytes = 0;

	if (scrape_backend_new(b->backend, &wrapped) != BACKEND_OK)
		die("scrape wrapper");
	b->backend = wrapped;	/* now owned by the wrapper */
	for (uint32_t d = 0; d < DOMAINS; d++)
		backend_add_domain(wrapped, d + 1);
	sample_init(&s);
	for (int i = 0; i < SCRAPES; i++) {
		struct rrdd_buf buf;
		double t0 = bench_clock_ns(CLOCK_MONOTONIC), t1;

		if (scrape_sample(wrapped, &s, &h) != BACKEND_OK)
			die("scrape");
		t1 = bench_clock_ns(CLOCK_MONOTONIC);
		rrdd_buf_init(&buf);
		if (om_render(&s, &h, OM_FORMAT_OPENMETRICS, &buf) != 0)
			die("render");
		total[i] = bench_clock_ns(CLOCK_MONOTONIC) - t0;
		locked[i] = t1 - t0;
		bytes = buf.len;
		rrdd_buf_free(&buf);
	}
	sample_free(&s);
	printf("OpenMetrics scrape at the same size (%zu bytes of text):\n",
	       bytes);
	printf("%-34s %9.3f ms  (the longest a cycle waits)\n",
	       "  sample, under the lock", bench_median(locked, SCRAPES) / 1e6);
	printf("%-34s %9.3f ms\n", "  whole scrape (sample + render)",
	       bench_median(total, SCRAPES) / 1e6);
}

int main(void)
{
	static struct bench b;

	setup(&b);
	report_cycles(&b);
	report_layout_change(&b);
	report_compaction(&b);
	report_scrapes(&b);
	if (bench_on_xen())
		printf("hypercall path: Xen present, but this benchmark reads "
		       "in-memory tables; see the QEMU e2e for the "
		       "comparison\n");
	else
		fputs(BENCH_NO_HYPERCALL_NOTE, stdout);
	rrdd_writer_close(b.writer);
	rmdir(b.dir);
	ds_set_free(&b.set);
	sample_free(&b.sample);
	backend_destroy(b.backend);
	xen_sim_free(&b.sim);
	return 0;
}
