/*
 * xc-pause-loop: the toolstack's cheapest domctl pair through libxenctrl,
 * as fast as it goes, for the QEMU interference step
 * (tests/e2e/bench.d/42-perf-interference.sh).
 *
 *   xc-pause-loop DOMID SECONDS
 *       xc_domain_pause then xc_domain_unpause of DOMID (an idle guest),
 *       back to back, until SECONDS have passed; one line of figures: ops
 *       (domctls), seconds, ops per second, failed calls.
 *
 * Each call is one XEN_DOMCTL_pausedomain or XEN_DOMCTL_unpausedomain
 * hypercall, each under Xen's global domctl lock, with none of xl's
 * process start, libxl set-up or xenstore traffic: a finer rate than xl's
 * (thousands per second against a few), which shows the time a sampler's
 * own domctls hold that lock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xenctrl.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long parse(const char *s, long lo, long hi, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "xc-pause-loop: bad %s '%s' (%ld..%ld)\n",
			what, s, lo, hi);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	xc_interface *xch;
	unsigned long ops = 0, failed = 0;
	double start, elapsed;
	uint32_t domid;
	long seconds;

	if (argc != 3) {
		fputs("usage: xc-pause-loop DOMID SECONDS\n", stderr);
		return 2;
	}
	domid = (uint32_t)parse(argv[1], 1, 32751, "DOMID");
	seconds = parse(argv[2], 1, 3600, "SECONDS");
	xch = xc_interface_open(NULL, NULL, 0);
	if (xch == NULL) {
		fprintf(stderr, "xc-pause-loop: xc_interface_open: %s\n",
			strerror(errno));
		return 1;
	}
	start = now_s();
	do {
		/* Pairs of 16, so the clock is read once per 32 domctls. */
		for (int i = 0; i < 16; i++) {
			if (xc_domain_pause(xch, domid) != 0)
				failed++;
			if (xc_domain_unpause(xch, domid) != 0)
				failed++;
			ops += 2;
		}
		elapsed = now_s() - start;
	} while (elapsed < (double)seconds);
	xc_interface_close(xch);
	printf("mode=xc-pause-loop domid=%u ops=%lu seconds=%.3f "
	       "ops_per_s=%.1f failed=%lu\n",
	       (unsigned int)domid, ops, elapsed,
	       elapsed > 0 ? (double)ops / elapsed : 0.0, failed);
	return failed == ops ? 1 : 0;
}
