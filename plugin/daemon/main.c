/*
 * main.c: xcp-rrdd-vcpustats, a drop-in replacement for xcp-rrdd's CPU
 * plugin that reads per-vCPU counters from Xen's stats tables.  Parses the
 * command line, builds the backend and the domain source, runs the cycle.
 * The process never forks: systemd supervises it (Type=simple).
 */
#include <signal.h>
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

static int run(const struct options *opts)
{
	struct backend *backend = NULL;
	struct domain_source *domains = NULL;
	struct metrics_http *http = NULL;
	struct rrdd_writer *writer;
	char err[256];
	int stop_fd, rc;

	writer = claim_or_refuse(opts);
	if (!writer)
		return EXIT_FAILURE;
	stop_fd = stop_signals_fd();
	if (stop_fd < 0) {
		log_err("cannot set up signal handling");
		rrdd_writer_close(writer);
		return EXIT_FAILURE;
	}
	rc = backend_new(opts->backend, &backend);
	if (rc != BACKEND_OK) {
		log_err("cannot start the %s backend (status %d): is this "
			"dom0 with xenfs/privcmd?",
			backend_kind_name(opts->backend), rc);
		rrdd_writer_close(writer);
		close(stop_fd);
		return EXIT_FAILURE;
	}
	if (opts->openmetrics.enabled &&
	    start_openmetrics(opts, &backend, &http) != 0) {
		backend_destroy(backend);
		rrdd_writer_close(writer);
		close(stop_fd);
		return EXIT_FAILURE;
	}
	if (discovery_xenstore_new(&domains, err, sizeof(err)) != 0) {
		log_err("%s", err);
		metrics_http_stop(http);
		backend_destroy(backend);
		rrdd_writer_close(writer);
		close(stop_fd);
		return EXIT_FAILURE;
	}
	log_info("started: backend %s, uid %s",
		 backend_name(backend_in_use(backend)), opts->uid);
	rc = cycle_run(opts, writer, backend, domains, stop_fd);
	metrics_http_stop(http);	/* no scrape may outlive the backend */
	domains->ops->destroy(domains);
	backend_destroy(backend);
	close(stop_fd);
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
