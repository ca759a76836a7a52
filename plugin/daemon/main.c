/*
 * main.c: xcp-rrdd-vcpustats, a drop-in replacement for xcp-rrdd's CPU
 * plugin that reads per-vCPU counters from Xen's stats tables.  Parses the
 * command line, builds the backend and the domain source, runs the cycle.
 * The process never forks: systemd supervises it (Type=simple).
 */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "input/backend.h"
#include "daemon/cycle.h"
#include "input/discovery.h"
#include "common/log.h"
#include "outputs/metrics_http.h"
#include "daemon/options.h"
#include "outputs/scrape.h"

/*
 * --openmetrics: wrap the backend so scrapes (in the listener's threads)
 * and the cycle can share it, then start listening.  *backend is replaced
 * by the wrapper (which owns the original); NULL if that failed.
 */
static int start_openmetrics(const struct options *opts,
			     struct backend **backend,
			     struct metrics_http **http)
{
	struct metrics_http_config cfg = { .host = opts->openmetrics.host,
					   .port = opts->openmetrics.port };
	struct backend *wrapped = NULL;
	char err[256];

	if (scrape_backend_new(*backend, &wrapped) != BACKEND_OK) {
		*backend = NULL;
		log_err("out of memory starting the OpenMetrics listener");
		return -1;
	}
	*backend = wrapped;
	if (metrics_http_start(&cfg, scrape_render, wrapped, http, err,
			       sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	}
	log_info("OpenMetrics on http://%s:%u/metrics", opts->openmetrics.host,
		 (unsigned)opts->openmetrics.port);
	return 0;
}

/* SIGTERM/SIGINT become a readable descriptor the cycle polls. */
static int stop_signals_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC);
}

/*
 * Whatever runs first: a second instance on the same uid must say one
 * line and leave before it touches anything (the first keeps going).
 * Under syslog the line goes to stderr as well, for whoever started it.
 */
static struct rrdd_writer *claim_or_refuse(const struct options *opts)
{
	char why[512];
	struct rrdd_writer *writer = cycle_claim(opts, why, sizeof(why));

	if (writer)
		return writer;
	log_err("%s", why);
	if (!opts->foreground)
		fprintf(stderr, "xcp-rrdd-vcpustats: %s\n", why);
	return NULL;
}

/* What run() started, stopped in reverse order by stop_all(). */
struct daemon {
	struct rrdd_writer *writer;	/* until cycle_run takes it */
	int stop_fd;
	struct backend *backend;
	struct metrics_http *http;
	struct domain_source *domains;
};

/* Start everything in order; -1 (logged) at the first failure. */
static int start(const struct options *opts, struct daemon *d)
{
	char err[256];
	int rc;

	d->writer = claim_or_refuse(opts);
	if (!d->writer)
		return -1;
	d->stop_fd = stop_signals_fd();
	if (d->stop_fd < 0) {
		log_err("cannot set up signal handling");
		return -1;
	}
	rc = backend_new(opts->backend, &d->backend);
	if (rc != BACKEND_OK) {
		log_err("cannot start the %s backend (status %d): is this "
			"dom0 with xenfs/privcmd?",
			backend_kind_name(opts->backend), rc);
		return -1;
	}
	if (opts->openmetrics.enabled &&
	    start_openmetrics(opts, &d->backend, &d->http) != 0)
		return -1;
	if (discovery_xenstore_new(&d->domains, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	}
	return 0;
}

static void stop_all(struct daemon *d)
{
	metrics_http_stop(d->http);	/* no scrape may outlive the backend */
	if (d->domains)
		d->domains->ops->destroy(d->domains);
	backend_destroy(d->backend);
	if (d->writer)
		rrdd_writer_close(d->writer);
	if (d->stop_fd >= 0)
		close(d->stop_fd);
}

static int run(const struct options *opts)
{
	struct daemon d = { .stop_fd = -1 };
	bool started = start(opts, &d) == 0;
	int rc = -1;

	if (started) {
		log_info("started: backend %s, uid %s",
			 backend_name(backend_in_use(d.backend)), opts->uid);
		rc = cycle_run(opts, d.writer, d.backend, d.domains,
			       d.stop_fd);
		d.writer = NULL;	/* cycle_run closed it */
	}
	stop_all(&d);
	if (started)
		log_info("stopped");
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int main(int argc, char **argv)
{
	struct options opts;
	char err[256];

	switch (options_parse(argc, argv, &opts, err, sizeof(err))) {
	case OPTIONS_HELP:
		fputs(options_usage(), stdout);
		return EXIT_SUCCESS;
	case OPTIONS_ERROR:
		fprintf(stderr, "xcp-rrdd-vcpustats: %s\n", err);
		return 2;
	default:
		break;
	}
	log_setup("xcp-rrdd-vcpustats", opts.foreground, opts.verbose);
	return run(&opts);
}
