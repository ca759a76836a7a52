/*
 * scrape.h: the seam between the rrdd cycle and the OpenMetrics listener.
 *
 * A scrape samples the host at the moment it is served (with the table
 * backend: fresh loads from the mapped tables, no hypercall), from the
 * listener's threads, while the cycle keeps sampling from its own.  The
 * backends are not thread-safe (adding or removing a domain maps, unmaps
 * and reallocates), so scrape_backend_new() wraps the daemon's backend in
 * a backend that takes one mutex around every call.  The cycle uses the
 * wrapper unchanged.  The mutex is held only while a backend call runs:
 * a cycle waits for a scrape at most the time of one table read (rendering
 * happens outside the lock), and concurrent scrapes take turns.
 *
 * The wrapper also keeps the daemon's health (om_health) from what it sees
 * of the cycle's calls: cycles, failed cycles, skipped domains, last error,
 * the backend in use.
 */
#ifndef PLUGIN_SCRAPE_H
#define PLUGIN_SCRAPE_H

#include "input/backend.h"
#include "outputs/openmetrics.h"

/*
 * Wrap inner (owned from now on: backend_destroy(*out) destroys it too).
 * 0, or a negative backend_status (inner is then destroyed).
 */
int scrape_backend_new(struct backend *inner, struct backend **out);

/*
 * Sample now, from any thread, the domains the cycle has added, into out
 * (initialised by the caller; reset here), and copy the health (scrapes
 * counted).  b must come from scrape_backend_new.  0 or a backend_status.
 */
int scrape_sample(struct backend *b, struct host_sample *out,
		  struct om_health *health);

/*
 * Sample now and render in format into out: the metrics_http render
 * callback (ctx is the wrapper).  0, or -1 when sampling or rendering
 * failed (out empty).
 */
int scrape_render(void *ctx, enum om_format format, struct rrdd_buf *out);

#endif
