/*
 * cycle.h: the daemon's loop.  Each cycle: register with xcp-rrdd (which
 * answers the seconds until its next read), wait until about 0.5 s before
 * that read while handling domain events, sample through the backend,
 * derive the datasources and rewrite the payload with a fresh timestamp.
 * rrdd absent or restarting: keep sampling at opts->interval and retry
 * registration with exponential back-off; never exit for it.  When
 * stop_fd becomes readable: deregister, remove the file, return 0.
 */
#ifndef PLUGIN_CYCLE_H
#define PLUGIN_CYCLE_H

#include "input/backend.h"
#include "input/discovery.h"
#include "daemon/options.h"

/* How long before xcp-rrdd's read the payload is written (as rrdp-cpu). */
#define CYCLE_NEG_SHIFT 0.5
/* xcp-rrdd's reading period for Five_Seconds plugins. */
#define CYCLE_RRDD_PERIOD 5.0
/* A wait shorter than this right after a write means "the read of the
 * payload just written": the next write is for the read after. */
#define CYCLE_MIN_WAIT 0.1
/* How long after a read to ask rrdd again for the next one. */
#define CYCLE_AFTER_READ 0.1
/* Registration back-off bounds, seconds. */
#define CYCLE_BACKOFF_MIN 1.0
#define CYCLE_BACKOFF_MAX 60.0

/*
 * Claim the payload file <metrics_dir>/<uid> for this process (the
 * writer's lock; nothing is written yet).  NULL, with one line in why,
 * when another process has it or it cannot be set up: a second instance
 * must not start.
 */
struct rrdd_writer *cycle_claim(const struct options *opts, char *why,
				size_t why_len);

/*
 * Run until stop_fd is readable or opts->cycles cycles are done, writing
 * through writer (from cycle_claim; closed here, which removes the file).
 * A payload file left by an earlier run is deregistered first, so that
 * xcp-rrdd opens the new one.  The backend and domain source stay the
 * caller's.  Returns 0 on a clean stop, -1 when writer is NULL.
 */
int cycle_run(const struct options *opts, struct rrdd_writer *writer,
	      struct backend *backend, struct domain_source *domains,
	      int stop_fd);

/* Seconds to wait after a register answer of next_reading (exposed for
 * tests): next_reading - 0.5, folded into [0, 5) when already late. */
double cycle_wait_after_register(double next_reading);

/* The next registration back-off after a failure. */
double cycle_next_backoff(double backoff);

#endif
