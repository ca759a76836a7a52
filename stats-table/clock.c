/*
 * clock.c: Xen's current time from the host table and the reader's raw
 * monotonic clock.  Pure arithmetic: the caller reads both clocks.
 */
#include "stats_reader.h"

uint64_t stats_clock_hint(const struct stats_clock *c, uint64_t raw)
{
	return c->valid ? (uint64_t)((int64_t)raw + c->offset) : 0;
}

/*
 * raw is read after the table: the observation stays a lower bound of the
 * offset even if the reader was descheduled in between.
 */
void stats_clock_observe(struct stats_clock *c, uint64_t newest, uint64_t raw)
{
	int64_t seen = (int64_t)newest - (int64_t)raw;

	if (newest == 0)
		return;
	if (!c->valid || seen > c->offset) {
		c->offset = seen;
		c->valid = 1;
	} else {
		c->offset -= STATS_CLOCK_DECAY_NS;
	}
}

uint64_t stats_clock_now(uint64_t hint, uint64_t newest)
{
	if (newest == 0 ||
	    (hint > newest && hint - newest <= STATS_CLOCK_MAX_AHEAD_NS))
		return hint;
	return newest;
}
