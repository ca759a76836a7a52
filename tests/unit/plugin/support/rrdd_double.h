/*
 * rrdd_double.h: a stand-in xcp-rrdd for the cycle tests.  Unlike the
 * rrdd-protocol tests' fake (one request), it serves any number of
 * XML-RPC calls in a thread, answers register with a chosen next_reading,
 * counts each method, and can be told to fail registrations.
 */
#ifndef PLUGIN_TEST_RRDD_DOUBLE_H
#define PLUGIN_TEST_RRDD_DOUBLE_H

#include <stdbool.h>
#include <stddef.h>

struct rrdd_double;

/* Listen on a socket in a fresh temporary directory. */
struct rrdd_double *rrdd_double_start(double next_reading);

/*
 * Like xcp-rrdd itself: read payload_path every period seconds (from
 * start) and answer register with the time left until the next read.
 * Each read notes the payload's timestamp bytes; a read that finds the
 * same timestamp as the read before is a repeat (rrdd's "no update").
 */
struct rrdd_double *rrdd_double_start_periodic(double period,
					       const char *payload_path);
unsigned rrdd_double_reads(struct rrdd_double *d);	/* file found */
unsigned rrdd_double_repeats(struct rrdd_double *d);
const char *rrdd_double_path(const struct rrdd_double *d);
/* The directory the socket is in (tests put the payload dir there too). */
const char *rrdd_double_dir(const struct rrdd_double *d);

/* Answer register with Status Failure from now on (or not). */
void rrdd_double_fail(struct rrdd_double *d, bool fail);

unsigned rrdd_double_registers(struct rrdd_double *d);
unsigned rrdd_double_deregisters(struct rrdd_double *d);
/* The uid of the last register call ("" if none). */
void rrdd_double_last_uid(struct rrdd_double *d, char *out, size_t len);

/* Stop, remove the socket and the directory, free. */
void rrdd_double_stop(struct rrdd_double *d);

#endif
