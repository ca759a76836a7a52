/*
 * rates.c: what xcp-rrdd makes of one sample (rrd.ml's process_ds_value
 * and PDP step, for an interval within one step): gauge as is, absolute
 * v / dt, derive (v - v_prev) / dt; then the transform; then the range:
 * a derive up to 5% over max is max (xen-api's fix for runstate rates
 * just over 100%), anything else outside min..max is NaN.  dt is the
 * payload's own timestamps' difference; one that goes backwards counts
 * as 5 s, as rrd.ml's "clock going backwards" work-around does.
 */
#include <math.h>

#include "mock.h"

#define MAX_INTERVAL 300.0	/* xcp-rrdd's maximum heartbeat */
#define BACKWARDS_INTERVAL 5.0	/* rrd.ml's interval for a negative one */

static double as_double(enum rrdd_value_type vt, union rrdd_value v)
{
	return vt == RRDD_VALUE_INT64 ? (double)v.i : v.f;
}

/* Counter difference in the value's own type (int64 wraps, as OCaml's). */
static double difference(enum rrdd_value_type vt, union rrdd_value now,
			 union rrdd_value prev)
{
	if (vt == RRDD_VALUE_INT64)
		return (double)(int64_t)((uint64_t)now.i - (uint64_t)prev.i);
	return now.f - prev.f;
}

/* xcp-rrdd's per-sample rate (rrd.ml), before transform and range. */
static double raw_rate(const struct rrdd_ds *ds, union rrdd_value v,
		       double t, const struct ds_state *prev)
{
	double dt;

	if (ds->type == RRDD_GAUGE)
		return as_double(ds->value_type, v);
	if (!prev || prev->value_type != ds->value_type)
		return NAN;
	dt = t - prev->t;
	if (dt < 0)
		dt = BACKWARDS_INTERVAL;
	if (!(dt > 0) || dt > MAX_INTERVAL)
		return NAN;
	if (ds->type == RRDD_ABSOLUTE)
		return as_double(ds->value_type, v) / dt;
	return difference(ds->value_type, v, prev->value) / dt;
}

static double final_rate(const struct rrdd_ds *ds, double raw)
{
	if (ds->transform == RRDD_INVERSE)
		raw = 1.0 - raw;
	if (ds->type == RRDD_DERIVE && raw > ds->max &&
	    raw <= ds->max * MOCK_DERIVE_OVER_MAX)
		return ds->max;
	if (raw < ds->min || raw > ds->max)
		return NAN;
	return raw;
}

double mock_rate(const struct rrdd_ds *ds, union rrdd_value v, double t,
		 const struct ds_state *prev)
{
	return final_rate(ds, raw_rate(ds, v, t, prev));
}
