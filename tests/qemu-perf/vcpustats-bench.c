/*
 * vcpustats-bench: the daemon's whole cycle (sample through a backend,
 * derive the datasources, encode and write the payload) on a real Xen, for
 * the QEMU e2e's performance step (plugin/e2e/40-perf.sh).
 *
 *   vcpustats-bench cycles BACKEND N
 *       N cycles back to back after a warm-up, then N samples alone (the
 *       backend's part of the cycle); one line of figures: process CPU
 *       time per cycle and per sample, privcmd hypercall ioctls per cycle
 *   vcpustats-bench compare N BLOCKS
 *       both backends in one process, interleaved: BLOCKS rounds of (N
 *       table cycles, N table samples, N hypercall cycles, N hypercall
 *       samples), each block timed in process CPU time; medians over the
 *       blocks and the median of the rounds' ratios, so that the host's
 *       load, which an emulated guest sees as its own CPU time, hits both
 *       backends alike
 *   vcpustats-bench scale N ROUNDS DOMID...
 *       the marginal cost of a vCPU: one point per DOMID, each the domains
 *       that are not listed plus that one (so every point has as many
 *       domains, and they differ only in the listed domain's vCPUs); ROUNDS
 *       rounds of (for every point: 10 N table cycles, 10 N table
 *       samples, N hypercall cycles, N hypercall samples), the points'
 *       order rotated each round; per point the medians, then the
 *       least-squares slope of CPU time over the points' vCPU counts for
 *       each backend and the two slopes' ratio, also per round (median,
 *       min, max) and over the points' minima
 *   vcpustats-bench loop BACKEND INTERVAL_MS SECONDS
 *       one cycle every INTERVAL_MS for SECONDS (or until SIGTERM/SIGINT),
 *       as a high-rate sampler disturbing other toolstack work; one line of
 *       figures at the end
 *
 * BACKEND is table or hypercall.  The domains are those that exist at
 * start (one domain-info list, before counting starts).
 *
 * Hypercalls are counted inside the process: this file defines ioctl(),
 * which interposes on libc's for the Xen libraries (the executable exports
 * it), counts IOCTL_PRIVCMD_HYPERCALL and calls the real one.  The
 * measured stretch is also bracketed by two marker lines on stderr so an
 * outside count (strace -e trace=ioctl,write) can cross-check it.
 */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>

#include "input/backend.h"
#include "derive/derive.h"
#include "rrdd_protocol.h"
#include "input/sample.h"

#define MAX_DOMAINS 256
#define WARMUP 5
#define MAX_DS 4096
#define MAX_BLOCKS 100
/* IOCTL_PRIVCMD_HYPERCALL is _IOC(_IOC_NONE, 'P', 0, size): type and nr. */
#define PRIVCMD_TYPE 'P'
#define PRIVCMD_HYPERCALL_NR 0

static volatile sig_atomic_t stop_requested;
static unsigned long hypercall_ioctls;

typedef int (*ioctl_fn)(int fd, unsigned long request, ...);

/* The interposer: count, then hand over to libc's ioctl. */
int ioctl(int fd, unsigned long request, ...)
{
	static ioctl_fn real;
	va_list ap;
	void *arg;

	va_start(ap, request);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (!real) {
		real = (ioctl_fn)dlsym(RTLD_NEXT, "ioctl");
		if (!real) {
			errno = ENOSYS;
			return -1;
		}
	}
	if (_IOC_TYPE(request) == PRIVCMD_TYPE &&
	    _IOC_NR(request) == PRIVCMD_HYPERCALL_NR)
		hypercall_ioctls++;
	return real(fd, request, arg);
}

struct bench {
	struct backend *backend;
	uint32_t ids[MAX_DOMAINS];
	size_t n_ids;
	unsigned n_vcpus;
	struct host_sample sample;
	struct ds_set set;
	struct rrdd_writer *writer;
	unsigned long sources_gen;	/* set.generation the writer has */
	bool sources_set;
	char dir[64];
	double ts;
};

static void die(const char *what, const char *detail)
{
	fprintf(stderr, "vcpustats-bench: %s%s%s\n", what, detail ? ": " : "",
		detail ? detail : "");
	exit(1);
}

static double clock_s(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/*
 * The domains existing now: one domain-info list (not counted).  With
 * n_skip > 0, the domains in skip[] are left out, except keep.
 */
static void list_domains(struct bench *b, const uint32_t *skip,
			 size_t n_skip, uint32_t keep)
{
	static xc_domaininfo_t info[MAX_DOMAINS];
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	int n;

	if (!xch)
		die("cannot open the Xen control interface", strerror(errno));
	n = xc_domain_getinfolist(xch, 0, MAX_DOMAINS, info);
	xc_interface_close(xch);
	if (n <= 0)
		die("cannot list the domains", strerror(errno));
	for (int i = 0; i < n; i++) {
		bool skipped = false;

		for (size_t k = 0; k < n_skip; k++)
			if (info[i].domain == skip[k] && skip[k] != keep)
				skipped = true;
		if (skipped)
			continue;
		b->ids[b->n_ids++] = info[i].domain;
		b->n_vcpus += info[i].max_vcpu_id + 1;
	}
	if (n_skip && b->n_ids == 0)
		die("no domain left to sample", NULL);
}

static void setup_some(struct bench *b, const char *backend,
		       const uint32_t *skip, size_t n_skip, uint32_t keep)
{
	struct rrdd_writer_options wo = { .uid = "vcpustats-bench",
					  .max_datasources = MAX_DS,
					  .ts_format = RRDD_TS_FLOAT };
	struct rrdd_error err = { 0 };
	int rc, watch_fd;

	if (strcmp(backend, "table") == 0)
		rc = backend_table_new(&b->backend);
	else if (strcmp(backend, "hypercall") == 0)
		rc = backend_hypercall_new(&b->backend);
	else
		die("unknown backend (table or hypercall)", backend);
	if (rc != BACKEND_OK)
		die("cannot set up the backend", backend);
	list_domains(b, skip, n_skip, keep);
	for (size_t i = 0; i < b->n_ids; i++)
		if (backend_add_domain(b->backend, b->ids[i]) != BACKEND_OK)
			die("add_domain failed", backend);
	snprintf(b->dir, sizeof(b->dir), "%s/vcpustats-bench-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(b->dir))
		die("mkdtemp", strerror(errno));
	wo.dir = b->dir;
	if (rrdd_writer_open(&wo, &b->writer, &err) != 0)
		die("payload writer", err.msg);
	/* As cycle.c: the file's removal is watched for (in the daemon's
	 * wait between cycles), not looked for at every update. */
	if (rrdd_writer_watch(b->writer, &watch_fd, &err) != 0)
		die("payload watch", err.msg);
	sample_init(&b->sample);
	ds_set_init(&b->set);
	b->ts = clock_s(CLOCK_REALTIME);
}

static void setup(struct bench *b, const char *backend)
{
	setup_some(b, backend, NULL, 0, 0);
}

static void teardown(struct bench *b)
{
	char path[128];

	rrdd_writer_close(b->writer);
	snprintf(path, sizeof(path), "%s/vcpustats-bench", b->dir);
	unlink(path);
	rmdir(b->dir);
	ds_set_free(&b->set);
	sample_free(&b->sample);
	backend_destroy(b->backend);
}

/* One cycle as cycle.c runs it: sample, derive, encode + write. */
static void one_cycle(struct bench *b)
{
	struct rrdd_error err = { 0 };
	double now;

	sample_reset(&b->sample);
	if (backend_sample(b->backend, b->ids, b->n_ids, &b->sample) !=
	    BACKEND_OK)
		die("sample failed", backend_name(b->backend));
	if (b->sample.n_doms != b->n_ids)
		die("a domain went missing during the run", NULL);
	/* Strictly increasing, as the writer requires (a repeated
	 * timestamp would repeat the data CRC): in a dom0 with 2 vCPUs
	 * under TCG, `loop` was seen to read the same CLOCK_REALTIME in two
	 * cycles 10 ms apart, and the writer refused the second. */
	now = clock_s(CLOCK_REALTIME);
	b->ts = now > b->ts ? now : b->ts + 1e-6;
	if (derive_build(&b->sample, b->ts, &b->set) != 0)
		die("derive", "out of memory");
	/* As cycle.c: the descriptions go to the writer only when their
	 * generation changed (a steady cycle does not fingerprint them). */
	if (!b->sources_set || b->sources_gen != b->set.generation) {
		if (rrdd_writer_set_sources(b->writer, b->set.ds, b->set.n,
					    &err))
			die("payload write", err.msg);
		b->sources_set = true;
		b->sources_gen = b->set.generation;
	}
	if (rrdd_writer_update(b->writer, b->ts, b->set.values, &err))
		die("payload write", err.msg);
}

/* The backend's part alone: what differs between the backends. */
static void one_sample(struct bench *b)
{
	sample_reset(&b->sample);
	if (backend_sample(b->backend, b->ids, b->n_ids, &b->sample) !=
	    BACKEND_OK)
		die("sample failed", backend_name(b->backend));
}

static long parse_long(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		die("bad number for", what);
	return v;
}

static void marker(const char *what)
{
	/* One write(2) each, so strace sees them as bracket lines. */
	char line[64];
	int len = snprintf(line, sizeof(line), "vcpustats-bench: %s\n", what);

	if (write(STDERR_FILENO, line, (size_t)len) != len)
		return;
}

static int run_cycles(const char *backend, long n)
{
	static struct bench b;
	double cpu0, wall0, cpu, wall, smp;
	unsigned long h0, h;

	setup(&b, backend);
	for (int i = 0; i < WARMUP; i++)
		one_cycle(&b);
	/* The markers bracket the cycles alone: the clock reads that time
	 * them (CPU time is a system call) stay outside. */
	h0 = hypercall_ioctls;
	wall0 = clock_s(CLOCK_MONOTONIC);
	cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	marker("measure-begin");
	for (long i = 0; i < n; i++)
		one_cycle(&b);
	marker("measure-end");
	cpu = clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
	wall = clock_s(CLOCK_MONOTONIC) - wall0;
	h = hypercall_ioctls - h0;
	smp = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	for (long i = 0; i < n; i++)
		one_sample(&b);
	smp = clock_s(CLOCK_PROCESS_CPUTIME_ID) - smp;
	printf("backend=%s domains=%zu vcpus=%u datasources=%zu cycles=%ld "
	       "cpu_us_per_cycle=%.2f wall_us_per_cycle=%.2f "
	       "sample_cpu_us=%.2f hypercalls=%lu hypercalls_per_cycle=%.2f\n",
	       backend, b.n_ids, b.n_vcpus, b.set.n, n, cpu / (double)n * 1e6,
	       wall / (double)n * 1e6, smp / (double)n * 1e6, h,
	       (double)h / (double)n);
	teardown(&b);
	return 0;
}

/* CPU microseconds per call of fn over n calls. */
static double block_us(struct bench *b, long n, void (*fn)(struct bench *))
{
	double t0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);

	for (long i = 0; i < n; i++)
		fn(b);
	return (clock_s(CLOCK_PROCESS_CPUTIME_ID) - t0) / (double)n * 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of n values (sorts them). */
static double median(double *v, long n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Median of n values, which stay in their order. */
static double median_of(const double *v, long n)
{
	double tmp[MAX_BLOCKS];

	memcpy(tmp, v, (size_t)n * sizeof(*v));
	return median(tmp, n);
}

struct series {
	double cycle[MAX_BLOCKS], sample[MAX_BLOCKS];
	unsigned long hypercalls;	/* during the cycle blocks */
};

static void measure_block(struct bench *b, long n, long r, struct series *s)
{
	unsigned long h0 = hypercall_ioctls;

	s->cycle[r] = block_us(b, n, one_cycle);
	s->hypercalls += hypercall_ioctls - h0;
	s->sample[r] = block_us(b, n, one_sample);
}

static void print_series(const struct bench *b, const char *name,
			 struct series *s, long n, long blocks)
{
	printf("backend=%s domains=%zu vcpus=%u datasources=%zu blocks=%ld "
	       "cycles_per_block=%ld cycle_cpu_us=%.2f sample_cpu_us=%.2f "
	       "hypercalls_per_cycle=%.2f\n", name, b->n_ids, b->n_vcpus,
	       b->set.n, blocks, n, median(s->cycle, blocks),
	       median(s->sample, blocks),
	       (double)s->hypercalls / (double)(n * blocks));
}

static int run_compare(long n, long blocks)
{
	static struct bench tb, hb;
	static struct series ts, hs;
	double cycle_ratio[MAX_BLOCKS] = { 0 }, sample_ratio[MAX_BLOCKS] = { 0 };

	setup(&tb, "table");
	setup(&hb, "hypercall");
	for (int i = 0; i < WARMUP; i++) {
		one_cycle(&tb);
		one_cycle(&hb);
	}
	for (long r = 0; r < blocks; r++) {
		measure_block(&tb, n, r, &ts);
		measure_block(&hb, n, r, &hs);
		cycle_ratio[r] = hs.cycle[r] / ts.cycle[r];
		sample_ratio[r] = hs.sample[r] / ts.sample[r];
	}
	printf("ratio blocks=%ld cycle_ratio=%.2f sample_ratio=%.2f\n", blocks,
	       median(cycle_ratio, blocks), median(sample_ratio, blocks));
	print_series(&tb, "table", &ts, n, blocks);
	print_series(&hb, "hypercall", &hs, n, blocks);
	teardown(&tb);
	teardown(&hb);
	return 0;
}

/* Least-squares slope and intercept of y over x, n points. */
static void lsq(const double *x, const double *y, long n, double *slope,
		double *icept)
{
	double mx = 0, my = 0, sxx = 0, sxy = 0;

	for (long i = 0; i < n; i++) {
		mx += x[i] / (double)n;
		my += y[i] / (double)n;
	}
	for (long i = 0; i < n; i++) {
		sxx += (x[i] - mx) * (x[i] - mx);
		sxy += (x[i] - mx) * (y[i] - my);
	}
	*slope = sxx > 0 ? sxy / sxx : 0;
	*icept = my - *slope * mx;
}

#define MAX_POINTS 16
/*
 * In scale, a table block runs this many times more cycles than a
 * hypercall block: a table cycle costs tens of times less, and a block
 * of 20 of them (a few ms) is too short for its median to hold still
 * under the host's load at the few hundred ns a vCPU adds to it.
 */
#define SCALE_TABLE_BLOCK_X 10

struct point {
	struct bench tb, hb;
	struct series ts, hs;
};

/* The least of n values. */
static double min_of(const double *v, long n)
{
	double m = v[0];

	for (long i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

/* A series' blocks of the figure asked for. */
static const double *blocks_of(const struct series *s, bool cycle)
{
	return cycle ? s->cycle : s->sample;
}

/*
 * The least-squares lines of both backends through the points, each
 * point's blocks summed up by stat (its median, its minimum, ...).
 */
static void fit_points(const double *x, const struct point *pts, long np,
		       long rounds, bool cycle,
		       double (*stat)(const double *, long), double *slope_t,
		       double *icept_t, double *slope_h, double *icept_h)
{
	double yt[MAX_POINTS] = { 0 }, yh[MAX_POINTS] = { 0 };

	for (long p = 0; p < np; p++) {
		yt[p] = stat(blocks_of(&pts[p].ts, cycle), rounds);
		yh[p] = stat(blocks_of(&pts[p].hs, cycle), rounds);
	}
	lsq(x, yt, np, slope_t, icept_t);
	lsq(x, yh, np, slope_h, icept_h);
}

/*
 * One figure's slopes: from the points' medians, from their minima (the
 * block of each point the host's load disturbed least: that load only
 * ever adds CPU time), and per round.
 */
static void print_slope(const char *what, struct point *pts, long np,
			long rounds, bool cycle)
{
	double x[MAX_POINTS] = { 0 }, yt[MAX_POINTS] = { 0 };
	double yh[MAX_POINTS] = { 0 };
	double st[MAX_BLOCKS] = { 0 }, sh[MAX_BLOCKS] = { 0 };
	double sr[MAX_BLOCKS] = { 0 };
	double slope_t, slope_h, icept_t, icept_h, dummy, mt, mh, mr;
	double min_t, min_h;

	for (long p = 0; p < np; p++)
		x[p] = pts[p].tb.n_vcpus;
	fit_points(x, pts, np, rounds, cycle, min_of, &min_t, &dummy, &min_h,
		   &dummy);
	fit_points(x, pts, np, rounds, cycle, median_of, &slope_t, &icept_t,
		   &slope_h, &icept_h);
	for (long r = 0; r < rounds; r++) {
		for (long p = 0; p < np; p++) {
			yt[p] = blocks_of(&pts[p].ts, cycle)[r];
			yh[p] = blocks_of(&pts[p].hs, cycle)[r];
		}
		lsq(x, yt, np, &st[r], &dummy);
		lsq(x, yh, np, &sh[r], &dummy);
		sr[r] = st[r] > 0 ? sh[r] / st[r] : 0;
	}
	/* median() sorts: after it, [0] is the least and [rounds - 1] the
	 * greatest. */
	mt = median(st, rounds);
	mh = median(sh, rounds);
	mr = median(sr, rounds);
	printf("slope what=%s table_ns_per_vcpu=%.1f hypercall_ns_per_vcpu=%.1f "
	       "ratio=%.1f table_fixed_us=%.2f hypercall_fixed_us=%.2f "
	       "round_table_ns=%.1f/%.1f/%.1f "
	       "round_hypercall_ns=%.1f/%.1f/%.1f "
	       "round_ratio=%.1f/%.1f/%.1f "
	       "min_table_ns_per_vcpu=%.1f min_hypercall_ns_per_vcpu=%.1f "
	       "min_ratio=%.1f\n",
	       what, slope_t * 1e3, slope_h * 1e3,
	       slope_t > 0 ? slope_h / slope_t : 0, icept_t, icept_h,
	       mt * 1e3, st[0] * 1e3, st[rounds - 1] * 1e3,
	       mh * 1e3, sh[0] * 1e3, sh[rounds - 1] * 1e3,
	       mr, sr[0], sr[rounds - 1], min_t * 1e3, min_h * 1e3,
	       min_t > 0 ? min_h / min_t : 0);
}

/*
 * run_scale: the points' benches all exist at once, so every round
 * measures each point under the same host load.  median() sorts, so the
 * per-round figures are printed as median/min/max.
 */
static int run_scale(long n, long rounds, char **domids, int n_domids)
{
	static struct point pts[MAX_POINTS];
	uint32_t extra[MAX_POINTS];
	long np = n_domids;

	if (np < 2 || np > MAX_POINTS)
		die("scale wants 2 to 16 domain ids", NULL);
	for (long p = 0; p < np; p++)
		extra[p] = (uint32_t)parse_long(domids[p], 1, 0x7fef, "DOMID");
	for (long p = 0; p < np; p++) {
		setup_some(&pts[p].tb, "table", extra, (size_t)np, extra[p]);
		setup_some(&pts[p].hb, "hypercall", extra, (size_t)np,
			   extra[p]);
		for (int i = 0; i < WARMUP; i++) {
			one_cycle(&pts[p].tb);
			one_cycle(&pts[p].hb);
		}
	}
	for (long r = 0; r < rounds; r++)
		for (long k = 0; k < np; k++) {
			struct point *pt = &pts[(k + r) % np];

			measure_block(&pt->tb, n * SCALE_TABLE_BLOCK_X, r,
				      &pt->ts);
			measure_block(&pt->hb, n, r, &pt->hs);
		}
	for (long p = 0; p < np; p++) {
		const struct point *pt = &pts[p];

		printf("point domid=%u domains=%zu vcpus=%u datasources=%zu "
		       "table_cycles_per_block=%ld hypercall_cycles_per_block=%ld "
		       "table_cycle_us=%.2f table_sample_us=%.2f "
		       "hypercall_cycle_us=%.2f hypercall_sample_us=%.2f "
		       "table_hypercalls_per_cycle=%.2f "
		       "hypercall_hypercalls_per_cycle=%.2f\n",
		       extra[p], pt->tb.n_ids, pt->tb.n_vcpus, pt->tb.set.n,
		       n * SCALE_TABLE_BLOCK_X, n,
		       median_of(pt->ts.cycle, rounds),
		       median_of(pt->ts.sample, rounds),
		       median_of(pt->hs.cycle, rounds),
		       median_of(pt->hs.sample, rounds),
		       (double)pt->ts.hypercalls /
			       (double)(n * SCALE_TABLE_BLOCK_X * rounds),
		       (double)pt->hs.hypercalls / (double)(n * rounds));
	}
	print_slope("cycle", pts, np, rounds, true);
	print_slope("sample", pts, np, rounds, false);
	for (long p = 0; p < np; p++) {
		teardown(&pts[p].tb);
		teardown(&pts[p].hb);
	}
	return 0;
}

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void sleep_until(double t)
{
	struct timespec ts = { .tv_sec = (time_t)t };

	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
		       EINTR &&
	       !stop_requested)
		;
}

static int run_loop(const char *backend, long interval_ms, long seconds)
{
	static struct bench b;
	double period = (double)interval_ms / 1e3, start, next, cpu0, now;
	unsigned long cycles = 0, late = 0, h0;

	signal(SIGTERM, on_stop);
	signal(SIGINT, on_stop);
	setup(&b, backend);
	h0 = hypercall_ioctls;
	cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
	start = next = clock_s(CLOCK_MONOTONIC);
	while (!stop_requested) {
		now = clock_s(CLOCK_MONOTONIC);
		if (now - start >= (double)seconds)
			break;
		one_cycle(&b);
		cycles++;
		next += period;
		now = clock_s(CLOCK_MONOTONIC);
		if (next < now) {
			/* Behind: keep the rate, do not catch up in a burst. */
			late++;
			next = now;
		} else {
			sleep_until(next);
		}
	}
	now = clock_s(CLOCK_MONOTONIC) - start;
	printf("backend=%s mode=loop interval_ms=%ld seconds=%.2f cycles=%lu "
	       "cycles_per_s=%.1f late=%lu cpu_s=%.3f hypercalls=%lu\n",
	       backend, interval_ms, now, cycles,
	       now > 0 ? (double)cycles / now : 0.0, late,
	       clock_s(CLOCK_PROCESS_CPUTIME_ID) - cpu0, hypercall_ioctls - h0);
	teardown(&b);
	return 0;
}

static void usage(void)
{
	fputs("usage: vcpustats-bench cycles table|hypercall N\n"
	      "       vcpustats-bench compare N BLOCKS\n"
	      "       vcpustats-bench scale N ROUNDS DOMID...\n"
	      "       vcpustats-bench loop table|hypercall INTERVAL_MS SECONDS\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "cycles") == 0)
		return run_cycles(argv[2],
				  parse_long(argv[3], 1, 1000000, "N"));
	if (argc == 4 && strcmp(argv[1], "compare") == 0)
		return run_compare(parse_long(argv[2], 1, 100000, "N"),
				   parse_long(argv[3], 1, MAX_BLOCKS, "BLOCKS"));
	if (argc >= 6 && strcmp(argv[1], "scale") == 0)
		return run_scale(parse_long(argv[2], 1, 100000, "N"),
				 parse_long(argv[3], 1, MAX_BLOCKS, "ROUNDS"),
				 argv + 4, argc - 4);
	if (argc == 5 && strcmp(argv[1], "loop") == 0)
		return run_loop(argv[2],
				parse_long(argv[3], 1, 60000, "INTERVAL_MS"),
				parse_long(argv[4], 1, 3600, "SECONDS"));
	usage();
	return 2;
}
