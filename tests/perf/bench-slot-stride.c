/*
 * bench-slot-stride: how far apart should the stats table's slots be?
 *
 * Xen writes a vCPU's (or a physical CPU's) slot from the CPU that runs
 * it, so slots of different vCPUs are written from different CPUs at the
 * same time.  64-byte slots never share a cache line, but Intel's
 * adjacent-line prefetcher fetches lines in 128-byte aligned pairs, which
 * can make two CPUs writing neighbouring 64-byte slots contend as if the
 * slots shared a line.  This program measures it: two threads, one per
 * CPU, each writing its own slot the way Xen does (sequence counter, the
 * runstate fields, sequence counter), with the slots 64 and then 128 bytes
 * apart, alternating, several rounds; it prints the writes per second per
 * thread for each stride and their ratio.  A control round with both
 * threads writing the same slot (stride 0: a line shared for real) shows
 * what contention looks like on the machine at hand.
 *
 *   bench-slot-stride [SECONDS_PER_ROUND [ROUNDS]]    (0.5, 6)
 *
 * A benchmark, not a test: it asserts nothing.  docs/stats-table.md quotes
 * its figures for the stride the Xen series uses.
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "stats_table.h"

struct writer {
	struct xen_stats_vcpu *slot;
	int cpu;
	volatile int *stop;
	uint64_t writes;
};

static void compiler_barrier(void)
{
	__asm__ __volatile__("" ::: "memory");
}

/* One slot write as Xen's publisher does it (x86: wmb = compiler barrier). */
static void write_slot(struct xen_stats_vcpu *s, uint32_t *seq, uint64_t now)
{
	unsigned int i;

	*(volatile uint32_t *)&s->seq = ++*seq;
	compiler_barrier();
	s->state = 0;
	s->state_entry_time = now;
	for (i = 0; i < XEN_STATS_NR_RUNSTATES; i++)
		s->time[i] = now + i;
	s->update_time = now;
	s->flags = 3;
	s->processor = 1;
	compiler_barrier();
	*(volatile uint32_t *)&s->seq = ++*seq;
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	cpu_set_t set;
	uint32_t seq = 0;
	uint64_t n = 0;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
	while (!*w->stop) {
		write_slot(w->slot, &seq, n);
		n++;
	}
	w->writes = n;
	return NULL;
}

static void sleep_seconds(double s)
{
	struct timespec ts;

	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	nanosleep(&ts, NULL);
}

/* Writes per second per thread with slots stride bytes apart. */
static double run(unsigned char *base, size_t stride, double seconds)
{
	volatile int stop = 0;
	struct writer w[2];
	pthread_t th[2];
	int i;

	memset(base, 0, 4096);
	for (i = 0; i < 2; i++) {
		w[i].slot = (struct xen_stats_vcpu *)(void *)(base + stride * (size_t)i);
		w[i].cpu = i;
		w[i].stop = &stop;
		w[i].writes = 0;
		if (pthread_create(&th[i], NULL, writer_main, &w[i]))
			return -1;
	}
	sleep_seconds(seconds);
	stop = 1;
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	return (double)(w[0].writes + w[1].writes) / 2.0 / seconds;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? strtod(argv[1], NULL) : 0.5;
	int rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 6;
	double sum64 = 0, sum128 = 0, sum0 = 0;
	unsigned char *base;
	int r;

	if (seconds <= 0 || rounds <= 0)
		return 2;
	/* 128-byte aligned: slot 0 and slot 1 at stride 64 share a line pair. */
	if (posix_memalign((void **)&base, 4096, 4096))
		return 1;
	for (r = 0; r < rounds; r++) {
		double a = run(base, 64, seconds);
		double b = run(base, 128, seconds);
		double c = run(base, 0, seconds);

		if (a < 0 || b < 0 || c < 0) {
			free(base);
			return 1;
		}
		printf("round %d: stride 64 %.1f M writes/s, stride 128 %.1f M, "
		       "same slot %.1f M\n", r, a / 1e6, b / 1e6, c / 1e6);
		sum64 += a;
		sum128 += b;
		sum0 += c;
	}
	printf("slot-stride: 64 bytes %.1f M writes/s per CPU, 128 bytes %.1f M, "
	       "ratio 128/64 %.2f; same slot (control) %.1f M\n",
	       sum64 / rounds / 1e6, sum128 / rounds / 1e6, sum128 / sum64,
	       sum0 / rounds / 1e6);
	free(base);
	return 0;
}
