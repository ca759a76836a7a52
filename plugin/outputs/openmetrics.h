/*
 * openmetrics.h: render one sample (sample.h) and the daemon's health as
 * Prometheus exposition text, in either of the two formats Prometheus
 * scrapes:
 *
 *   OpenMetrics text 1.0.0   counter families named without "_total",
 *                            samples with it; # UNIT lines; info type;
 *                            ends with "# EOF"
 *   Prometheus text 0.0.4    the classic format: # HELP / # TYPE named
 *                            after the samples; info becomes a gauge
 *
 * Metric names, types and labels are listed in docs/openmetrics.md.  Pure
 * (memory in, text out): no I/O, no locking, no logging.
 */
#ifndef PLUGIN_OPENMETRICS_H
#define PLUGIN_OPENMETRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rrdd_protocol.h"
#include "input/sample.h"

enum om_format {
	OM_FORMAT_PROMETHEUS = 0,	/* text/plain; version=0.0.4 */
	OM_FORMAT_OPENMETRICS = 1,	/* application/openmetrics-text 1.0.0 */
};

/* Bytes of a page of guest memory (tot_pages -> bytes). */
#define OM_PAGE_SIZE 4096u
#define OM_ERROR_MAX 160

/* The daemon's own health, as the cycle saw it. */
struct om_health {
	const char *backend;		/* backend in use; NULL: unknown */
	uint64_t cycles;		/* cycles sampled (ok or not) */
	uint64_t cycle_errors;		/* cycles whose sampling failed */
	uint64_t domains_skipped;	/* domains asked for but not read,
					   summed over the cycles */
	uint64_t scrapes;		/* scrapes served, this one included */
	char last_error[OM_ERROR_MAX];	/* "" when nothing went wrong */
	double last_error_time;		/* Unix seconds; 0: never */
};

/*
 * Append the whole exposition of sample and health to out.  health may be
 * NULL (no plugin families).  Returns 0, or -1 when out of memory (out is
 * then empty).
 */
int om_render(const struct host_sample *sample, const struct om_health *health,
	      enum om_format format, struct rrdd_buf *out);

/*
 * Append value to out as a label value: backslash, double quote and
 * newline escaped (the same rule in both formats).  Exposed for tests.
 */
void om_escape_label(struct rrdd_buf *out, const char *value);

#endif
