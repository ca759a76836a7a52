/*
 * vcpustat: per VM and per vCPU, the share of each interval spent
 * running, runnable (waiting for a pCPU), blocked and offline, and the
 * host's pCPU usage, read from Xen's stats tables (vcpustat(1)).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "report.h"
#include "source.h"

struct opts {
	double interval;	/* seconds */
	long count;		/* reports to print; 0: until interrupted */
	bool json;
	bool hypercalls;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: vcpustat [-1] [-j] [-H] [-n COUNT] [INTERVAL]\n"
		"  INTERVAL  seconds between samples (default 2)\n"
		"  -1        one report, then exit\n"
		"  -n COUNT  COUNT reports, then exit\n"
		"  -j        one JSON object per report, one per line\n"
		"  -H        read with hypercalls even if Xen has stats tables\n");
}

static int parse(int argc, char **argv, struct opts *o)
{
	int c;
	char *end;

	o->interval = 2.0;
	o->count = 0;
	o->json = o->hypercalls = false;
	while ((c = getopt(argc, argv, "1jHn:h")) != -1) {
		switch (c) {
		case '1': o->count = 1; break;
		case 'j': o->json = true; break;
		case 'H': o->hypercalls = true; break;
		case 'n':
			o->count = strtol(optarg, &end, 10);
			if (*end || o->count < 1)
				return -1;
			break;
		case 'h': usage(stdout); exit(EXIT_SUCCESS);
		default: return -1;
		}
	}
	if (optind < argc) {
		o->interval = strtod(argv[optind++], &end);
		if (*end || o->interval < 0.01 || o->interval > 86400)
			return -1;
	}
	return optind == argc ? 0 : -1;
}

/* Lines on the terminal, 0 when stdout is not one (no limit then). */
static unsigned screen_lines(void)
{
	struct winsize ws;

	if (!isatty(STDOUT_FILENO) ||
	    ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0)
		return 0;
	return ws.ws_row;
}

static void pause_for(double seconds)
{
	struct timespec ts = { (time_t)seconds,
			       (long)((seconds - (double)(time_t)seconds) * 1e9) };

	while (!stop && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static int show(const struct opts *o, const struct vs_source *src,
		const struct vs_snap *old, const struct vs_snap *new)
{
	struct vs_report r;
	int rc = 0;

	if (vs_report_build(old, new, &r) != 0)
		return -1;
	if (o->json) {
		rc = vs_report_json(&r, vs_source_name(src),
				    (double)time(NULL), stdout);
	} else {
		unsigned lines = screen_lines();

		if (lines && o->count != 1)
			fputs("\033[H\033[2J", stdout);
		vs_report_text(&r, vs_source_name(src), lines, stdout);
	}
	fflush(stdout);
	vs_report_free(&r);
	return rc;
}

/* Sample, wait, sample, show: count reports or until a signal. */
static int run(const struct opts *o, struct vs_source *src)
{
	struct vs_snap snaps[2];
	char why[256] = "";
	int cur = 0, rc = 0;

	vs_snap_init(&snaps[0]);
	vs_snap_init(&snaps[1]);
	if (vs_source_read(src, &snaps[0], why, sizeof(why)) != 0)
		rc = -1;
	for (long shown = 0; rc == 0 && !stop &&
	     (o->count == 0 || shown < o->count); shown++) {
		int next = 1 - cur;

		pause_for(o->interval);
		if (stop)
			break;
		vs_snap_free(&snaps[next]);
		if (vs_source_read(src, &snaps[next], why, sizeof(why)) != 0 ||
		    show(o, src, &snaps[cur], &snaps[next]) != 0)
			rc = -1;
		cur = next;
	}
	if (rc != 0)
		fprintf(stderr, "vcpustat: %s\n", why[0] ? why : "cannot report");
	vs_snap_free(&snaps[0]);
	vs_snap_free(&snaps[1]);
	return rc;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct vs_source *src;
	char why[256];
	int rc;

	if (parse(argc, argv, &o) != 0) {
		usage(stderr);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	src = vs_source_open(o.hypercalls, why, sizeof(why));
	if (!src) {
		fprintf(stderr, "vcpustat: %s\n", why);
		return 1;
	}
	if (why[0])
		fprintf(stderr, "vcpustat: %s: reading with hypercalls "
			"(running time only)\n", why);
	rc = run(&o, src);
	vs_source_close(src);
	return rc == 0 ? 0 : 1;
}
