/*
 * bench_common.h: small helpers the tests/perf benchmarks share (clocks,
 * medians, whether a hypercall comparison is possible on this machine).
 */
#ifndef TESTS_PERF_BENCH_COMMON_H
#define TESTS_PERF_BENCH_COMMON_H

#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static inline double bench_clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static inline int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Median of n values (sorts them). */
static inline double bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), bench_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The hypercall path needs Xen's privcmd device: absent off Xen. */
static inline int bench_on_xen(void)
{
	return access("/dev/xen/privcmd", R_OK | W_OK) == 0 ||
	       access("/proc/xen/privcmd", R_OK | W_OK) == 0;
}

#define BENCH_NO_HYPERCALL_NOTE \
	"hypercall path: not measured here (no Xen on this machine: no " \
	"/dev/xen/privcmd);\n  the table vs hypercall comparison (CPU per " \
	"cycle, their ratio, hypercalls per cycle)\n  is measured in the QEMU " \
	"e2e: the PERF lines of `make e2e`, docs/performance.md.\n"

#endif
