/*
 * om-server: the daemon's OpenMetrics path (scrape wrapper + listener) on
 * an in-memory Xen (tests/perf/xen_sim.h) whose counters advance with the
 * wall clock: vCPU 0 of every domain is busy (running time grows 1 s per
 * second), the others idle.  A "cycle" thread samples through the wrapper
 * once a second, as the rrdd cycle would, while scrapes come in.
 *
 *   om-server [--listen ADDR:PORT] [--domains N] [--vcpus N] [--pcpus N]
 *             [--print openmetrics|prometheus]
 *
 * Serving: prints "listening on PORT" once ready, runs until SIGTERM or
 * SIGINT.  --print: writes one exposition to stdout and exits.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "outputs/metrics_http.h"
#include "daemon/options.h"
#include "outputs/scrape.h"
#include "../perf/xen_sim.h"

#define TICK_NS 10000000u	/* Xen refreshes a busy slot each slice */
#define CYCLE_NS 1000000000u

struct server {
	struct xen_sim sim;
	struct backend *backend;	/* the scrape wrapper */
	uint32_t *domids;
	int stop;			/* __atomic */
};

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u),
			       .tv_nsec = (long)(ns % 1000000000u) };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static bool stopping(struct server *s)
{
	return __atomic_load_n(&s->stop, __ATOMIC_ACQUIRE) != 0;
}

/* Xen's side: busy slots rewritten every time slice. */
static void *ticker(void *arg)
{
	struct server *s = arg;

	while (!stopping(s)) {
		xen_sim_tick(&s->sim, xen_sim_clock());
		sleep_ns(TICK_NS);
	}
	return NULL;
}

/* The rrdd cycle's side: one sample a second through the same wrapper. */
static void *cycle(void *arg)
{
	struct server *s = arg;
	struct host_sample sample;

	sample_init(&sample);
	while (!stopping(s)) {
		sample_reset(&sample);
		if (backend_sample(s->backend, s->domids, s->sim.n_doms,
				   &sample) != BACKEND_OK)
			fprintf(stderr, "om-server: cycle sample failed\n");
		sleep_ns(CYCLE_NS);
	}
	sample_free(&sample);
	return NULL;
}

struct args {
	struct openmetrics_addr listen;
	unsigned domains, vcpus, pcpus;
	int print;		/* -1: serve */
};

static int parse_uint(const char *text, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v = strtoul(text, &end, 10);

	if (!*text || *end || v == 0 || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longs[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "domains", required_argument, NULL, 'd' },
		{ "vcpus", required_argument, NULL, 'v' },
		{ "pcpus", required_argument, NULL, 'p' },
		{ "print", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	char err[160];
	int c;

	*a = (struct args){ .domains = 2, .vcpus = 2, .pcpus = 2,
			    .print = -1 };
	/* Default: loopback, any free port (printed when ready). */
	snprintf(a->listen.host, sizeof(a->listen.host), "127.0.0.1");
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		int bad = 0;

		switch (c) {
		case 'l':
			bad = options_parse_listen(optarg, &a->listen, err,
						   sizeof(err));
			if (bad)
				fprintf(stderr, "om-server: %s\n", err);
			break;
		case 'd': bad = parse_uint(optarg, 4096, &a->domains); break;
		case 'v': bad = parse_uint(optarg, 512, &a->vcpus); break;
		case 'p': bad = parse_uint(optarg, 4096, &a->pcpus); break;
		case 'P':
			a->print = strcmp(optarg, "openmetrics") == 0
				   ? OM_FORMAT_OPENMETRICS
				   : strcmp(optarg, "prometheus") == 0
				   ? OM_FORMAT_PROMETHEUS : -2;
			bad = a->print == -2;
			break;
		default: bad = 1;
		}
		if (bad) {
			fprintf(stderr, "om-server: bad argument (see the "
				"comment at the top of om-server.c)\n");
			return -1;
		}
	}
	return optind == argc ? 0 : -1;
}

static int setup(struct server *s, const struct args *a)
{
	struct backend *inner = NULL;

	if (xen_sim_init(&s->sim, a->domains, a->vcpus, a->pcpus,
			 xen_sim_clock()) != 0 ||
	    xen_sim_backend_new(&s->sim, &inner) != BACKEND_OK ||
	    scrape_backend_new(inner, &s->backend) != BACKEND_OK)
		return -1;
	s->domids = calloc(a->domains, sizeof(*s->domids));
	if (!s->domids)
		return -1;
	for (unsigned i = 0; i < a->domains; i++) {
		s->domids[i] = i + 1;
		if (backend_add_domain(s->backend, i + 1) != BACKEND_OK)
			return -1;
	}
	return 0;
}

static int print_once(struct server *s, enum om_format fmt)
{
	struct rrdd_buf b;
	int rc;

	xen_sim_tick(&s->sim, xen_sim_clock() + 1000000000u);
	rrdd_buf_init(&b);
	rc = scrape_render(s->backend, fmt, &b);
	if (rc == 0)
		fwrite(b.data, 1, b.len, stdout);
	rrdd_buf_free(&b);
	return rc;
}

static int serve(struct server *s, const struct args *a, sigset_t *sigs)
{
	struct metrics_http_config cfg = { .host = a->listen.host,
					   .port = a->listen.port };
	struct metrics_http *h = NULL;
	pthread_t t1, t2;
	char err[256];
	int sig;

	if (metrics_http_start(&cfg, scrape_render, s->backend, &h, err,
			       sizeof(err)) != 0) {
		fprintf(stderr, "om-server: %s\n", err);
		return -1;
	}
	if (pthread_create(&t1, NULL, ticker, s) != 0 ||
	    pthread_create(&t2, NULL, cycle, s) != 0) {
		fprintf(stderr, "om-server: cannot start threads\n");
		exit(1);
	}
	printf("listening on %u\n", (unsigned)metrics_http_port(h));
	fflush(stdout);
	sigwait(sigs, &sig);
	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	metrics_http_stop(h);
	return 0;
}

int main(int argc, char **argv)
{
	struct server s = { 0 };
	struct args a;
	sigset_t sigs;
	int rc;

	if (parse_args(argc, argv, &a) != 0)
		return 2;
	/* Blocked before any thread starts, so every thread inherits it. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	rc = setup(&s, &a);
	if (rc != 0)
		fprintf(stderr, "om-server: out of memory\n");
	else if (a.print >= 0)
		rc = print_once(&s, (enum om_format)a.print);
	else
		rc = serve(&s, &a, &sigs);
	backend_destroy(s.backend);
	xen_sim_free(&s.sim);
	free(s.domids);
	return rc == 0 ? 0 : 1;
}
