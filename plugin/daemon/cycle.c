/* cycle.c: register, wait, sample, derive, write; repeat. */
#include "daemon/cycle.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "derive/derive.h"
#include "common/log.h"

/* Sized for a big host; the writer grows the file when this is exceeded. */
#define CYCLE_MAX_DATASOURCES 2048
#define CYCLE_RPC_TIMEOUT_MS 2000

struct cycle {
	const struct options *opts;
	struct backend *backend;
	struct domain_source *domains;
	int stop_fd;
	struct rrdd_writer *writer;
	int watch_fd;		/* the writer's watch on its file, or -1 */
	bool file_gone;		/* the watch saw it go; not written since */
	struct rrdd_rpc_options rpc;
	struct domset live;	/* domains the backend knows about */
	struct domset fresh;	/* scratch for refresh */
	struct host_sample sample;
	struct ds_set set;
	/* The writer has set.ds as of this generation (skip comparing). */
	bool sources_set;
	unsigned long sources_gen;
	bool listed;		/* the domain list was read at least once */
	bool registered;	/* last register call succeeded */
	bool ever_registered;
	double backoff;		/* seconds until the next retry */
	double retry_at;	/* monotonic time of the next attempt */
	double last_timestamp;
	double last_write;	/* monotonic time of the last payload */
	unsigned long file_serial;	/* the writer's file last seen */
};

static double monotonic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

double cycle_wait_after_register(double next_reading)
{
	double wait = next_reading - CYCLE_NEG_SHIFT;

	if (!isfinite(wait))
		return CYCLE_RRDD_PERIOD - CYCLE_NEG_SHIFT;
	if (wait < 0)	/* the read is too close: aim for the one after */
		wait = fmod(wait, CYCLE_RRDD_PERIOD) + CYCLE_RRDD_PERIOD;
	if (wait >= CYCLE_RRDD_PERIOD * 2)	/* implausible: stay regular */
		wait = CYCLE_RRDD_PERIOD - CYCLE_NEG_SHIFT;
	return wait;
}

double cycle_next_backoff(double backoff)
{
	if (backoff < CYCLE_BACKOFF_MIN)
		return CYCLE_BACKOFF_MIN;
	return backoff * 2 > CYCLE_BACKOFF_MAX ? CYCLE_BACKOFF_MAX
					       : backoff * 2;
}

static void on_removed(void *ctx, uint32_t domid)
{
	struct cycle *c = ctx;

	log_info("domain %u released", domid);
	backend_remove_domain(c->backend, domid);
}

static void on_added(void *ctx, uint32_t domid)
{
	struct cycle *c = ctx;
	int rc = backend_add_domain(c->backend, domid);

	if (rc == BACKEND_OK)
		log_info("domain %u added (%s)", domid,
			 backend_name(backend_in_use(c->backend)));
	else if (rc == BACKEND_EGONE)
		log_debug("domain %u vanished before it could be read", domid);
	/* other failures were logged by the backend, with the reason */
}

/* Apply domain changes now, so a released domain is unmapped at once. */
static void refresh_domains(struct cycle *c, bool force)
{
	int rc = c->domains->ops->refresh(c->domains, force || !c->listed,
					  &c->fresh);

	if (rc <= 0)
		return;
	c->listed = true;
	domset_diff(&c->live, &c->fresh, on_removed, on_added, c);
	if (domset_copy(&c->live, &c->fresh) != 0)
		log_err("out of memory tracking domains");
}

/*
 * xcp-rrdd reads the file it opened when the plugin registered (or when
 * its discovery saw the file appear, even while our own registration
 * failed).  When the writer put a new file in place (grown past its
 * size, or made again after someone removed it), deregister so that the
 * next registration opens the new one.
 */
static void follow_file(struct cycle *c)
{
	struct rrdd_error err = { 0 };
	unsigned long serial = rrdd_writer_file_serial(c->writer);
	bool replaced = c->file_serial != 0;

	if (serial == c->file_serial)
		return;
	c->file_serial = serial;
	if (!replaced)
		return;
	log_info("payload file %s replaced: registering again",
		 rrdd_writer_path(c->writer));
	if (rrdd_rpc_deregister(&c->rpc, c->opts->uid, &err) != 0)
		log_debug("deregister: %s", err.msg);
	c->registered = false;
	c->retry_at = 0;
}

/*
 * A payload file already there was left by an earlier process that did
 * not stop cleanly (we hold the lock, so nobody else writes it).
 * xcp-rrdd may still have it open, and registering is idempotent: it
 * would go on reading that old file, backed off further each cycle.
 * Deregister first, so the registration after our first write opens the
 * new file and starts with a clean back-off.
 */
static void forget_earlier_run(struct cycle *c)
{
	struct rrdd_error err = { 0 };
	struct stat st;

	if (stat(rrdd_writer_path(c->writer), &st) != 0)
		return;
	log_info("payload file %s left by an earlier run: asking xcp-rrdd "
		 "to drop it", rrdd_writer_path(c->writer));
	if (rrdd_rpc_deregister(&c->rpc, c->opts->uid, &err) != 0)
		log_debug("deregister: %s", err.msg);
}

/*
 * Registering right after a write, rrdd answers about 0.5 s (its read of
 * that very payload): do not write again for the same read, wait for the
 * next one.
 */
static double not_twice(const struct cycle *c, double wait)
{
	if (wait < CYCLE_MIN_WAIT && c->last_write > 0 &&
	    monotonic_now() - c->last_write < 1.0)
		return wait + CYCLE_RRDD_PERIOD;
	return wait;
}

static void ensure_file(struct cycle *c);

/* Register; returns the seconds to wait before sampling. */
static double register_or_back_off(struct cycle *c, double *next_out)
{
	struct rrdd_error err = { 0 };
	double next = 0;
	double now = monotonic_now();

	*next_out = -1;
	if (!c->registered && now < c->retry_at)
		return c->opts->interval;
	ensure_file(c);
	if (rrdd_rpc_register(&c->rpc, c->opts->uid, RRDD_FIVE_SECONDS, &next,
			      &err) == 0) {
		if (!c->registered)
			log_info("registered with xcp-rrdd as %s",
				 c->opts->uid);
		c->registered = c->ever_registered = true;
		c->backoff = 0;
		*next_out = next;
		return not_twice(c, cycle_wait_after_register(next));
	}
	if (c->registered || c->backoff == 0)
		log_warn("xcp-rrdd registration failed (%s); sampling on, "
			 "retrying with back-off", err.msg[0] ? err.msg
			 : rrdd_strerror(err.code));
	c->registered = false;
	c->backoff = cycle_next_backoff(c->backoff);
	c->retry_at = now + c->backoff;
	return c->opts->interval;
}

/*
 * Something happened in the payload file's directory: the writer looks
 * whether it concerns the file, and if it went, the cycle's next update
 * makes it again (then follow_file registers the new one).
 */
static void file_event(struct cycle *c)
{
	struct rrdd_error err = { 0 };
	bool gone = false;

	if (rrdd_writer_watch_event(c->writer, &gone, &err) != 0)
		log_warn("watching the payload file: %s", err.msg);
	else if (gone)
		c->file_gone = true;
}

/*
 * Sleep until deadline, serving domain events and the payload file's
 * watch; false once told to stop.
 */
static bool wait_until(struct cycle *c, double deadline)
{
	int dom_fd = c->domains->ops->fd(c->domains);

	for (;;) {
		/* poll skips entries whose fd is negative */
		struct pollfd fds[3] = {
			{ .fd = c->stop_fd, .events = POLLIN },
			{ .fd = dom_fd, .events = POLLIN },
			{ .fd = c->watch_fd, .events = POLLIN },
		};
		double left = deadline - monotonic_now();
		int rc;

		if (left <= 0)
			return true;
		rc = poll(fds, 3, (int)ceil(left * 1000));
		if (rc < 0 && errno != EINTR) {
			log_err("poll: %s", strerror(errno));
			return false;
		}
		if (rc > 0 && fds[0].revents)
			return false;
		if (rc > 0 && dom_fd >= 0 && fds[1].revents)
			refresh_domains(c, false);
		if (rc > 0 && c->watch_fd >= 0 && fds[2].revents)
			file_event(c);
	}
}

static void resolve_uuids(struct cycle *c)
{
	if (!c->domains->ops->stable_uuid)
		return;
	for (size_t i = 0; i < c->sample.n_doms; i++)
		/* hidden ones (dom0's zero handle) are never published */
		if (!derive_domain_hidden(c->sample.doms[i].uuid))
			c->domains->ops->stable_uuid(c->domains,
						     c->sample.doms[i].uuid);
}

/* A timestamp that always moves on, even if the clock steps back. */
static double fresh_timestamp(struct cycle *c, double ts)
{
	if (c->opts->ts_format == RRDD_TS_INT64)
		ts = floor(ts);
	if (ts <= c->last_timestamp)
		ts = c->last_timestamp +
		     (c->opts->ts_format == RRDD_TS_INT64 ? 1.0 : 1e-3);
	c->last_timestamp = ts;
	return ts;
}

/*
 * Hand the descriptions to the writer when they changed.  While the set's
 * generation stays the same they are the very ones the writer already
 * has, so even its comparison of 17,000 of them can be skipped.
 */
static int give_sources(struct cycle *c, struct rrdd_error *err)
{
	if (c->sources_set && c->sources_gen == c->set.generation)
		return 0;
	c->sources_set = false;
	if (rrdd_writer_set_sources(c->writer, c->set.ds, c->set.n, err) != 0)
		return -1;
	c->sources_set = true;
	c->sources_gen = c->set.generation;
	return 0;
}

static void sample_and_write(struct cycle *c)
{
	struct rrdd_error err = { 0 };
	double t0, t1, ts;
	int rc;

	sample_reset(&c->sample);
	/* The payload's timestamp is the instant of the readings (the
	 * middle of the sampling): rrdd divides by timestamp differences. */
	t0 = wall_now();
	rc = backend_sample(c->backend, c->live.ids, c->live.n, &c->sample);
	t1 = wall_now();
	if (rc != BACKEND_OK) {
		log_err("sampling failed (%s backend, status %d); payload not "
			"updated this cycle",
			backend_name(backend_in_use(c->backend)), rc);
		return;
	}
	resolve_uuids(c);
	/* derive bounds the counters by the timestamps' advance */
	ts = fresh_timestamp(c, (t0 + t1) / 2);
	if (derive_build(&c->sample, ts, &c->set) != 0) {
		log_err("out of memory deriving datasources");
		return;
	}
	if (give_sources(c, &err) != 0 ||
	    rrdd_writer_update(c->writer, ts, c->set.values, &err) != 0) {
		log_err("writing the payload failed: %s", err.msg);
		/* A failed rewrite can leave the writer wanting the
		 * descriptions again: give them at the next cycle. */
		c->sources_set = false;
		return;
	}
	c->last_write = monotonic_now();
	c->file_gone = false;
	follow_file(c);
	log_debug("cycle: %zu domains, %zu datasources", c->sample.n_doms,
		  c->set.n);
}

/*
 * xcp-rrdd registers a plugin only when its file exists, and its
 * discovery forgets one whose file was deleted: if ours went, write a
 * new one now rather than fail to register and wait a whole interval.
 * With the writer's watch, the waits' events say so and there is no
 * look-up here (a removal between the last write and this registration
 * is seen by the next wait, and the file made again at the write that
 * ends it).
 */
static void ensure_file(struct cycle *c)
{
	if (rrdd_writer_file_serial(c->writer) == 0)
		return;
	if (c->watch_fd >= 0 ? !c->file_gone
			     : rrdd_writer_file_in_place(c->writer))
		return;
	log_info("payload file %s is gone: writing it again",
		 rrdd_writer_path(c->writer));
	sample_and_write(c);
}

static void shut_down(struct cycle *c)
{
	struct rrdd_error err = { 0 };

	if (c->ever_registered &&
	    rrdd_rpc_deregister(&c->rpc, c->opts->uid, &err) != 0)
		log_debug("deregister: %s", err.msg);
	rrdd_writer_close(c->writer);
	sample_free(&c->sample);
	ds_set_free(&c->set);
	for (size_t i = 0; i < c->live.n; i++)
		backend_remove_domain(c->backend, c->live.ids[i]);
	domset_free(&c->live);
	domset_free(&c->fresh);
}

struct rrdd_writer *cycle_claim(const struct options *opts, char *why,
				size_t why_len)
{
	struct rrdd_writer_options wo = {
		.dir = opts->metrics_dir,
		.uid = opts->uid,
		.max_datasources = CYCLE_MAX_DATASOURCES,
		.ts_format = opts->ts_format,
	};
	struct rrdd_error err = { 0 };
	struct rrdd_writer *writer = NULL;

	if (rrdd_writer_open(&wo, &writer, &err) == 0)
		return writer;
	if (err.code == RRDD_EBUSY)
		snprintf(why, why_len, "not starting: another instance "
			 "publishes as uid %s (%s)", opts->uid, err.msg);
	else
		snprintf(why, why_len, "not starting: cannot set up the "
			 "payload file: %s", err.msg);
	return NULL;
}

int cycle_run(const struct options *opts, struct rrdd_writer *writer,
	      struct backend *backend, struct domain_source *domains,
	      int stop_fd)
{
	struct cycle c = {
		.opts = opts, .backend = backend, .domains = domains,
		.stop_fd = stop_fd, .writer = writer, .watch_fd = -1,
		.rpc = { .socket_path = opts->rrdd_socket,
			 .timeout_ms = CYCLE_RPC_TIMEOUT_MS },
	};
	struct rrdd_error c_err = { 0 };
	long done = 0;

	if (!writer)
		return -1;
	domset_init(&c.live);
	domset_init(&c.fresh);
	sample_init(&c.sample);
	ds_set_init(&c.set);
	if (rrdd_writer_watch(writer, &c.watch_fd, &c_err) != 0)
		log_info("%s; looking for the payload file at every cycle "
			 "instead", c_err.msg);
	forget_earlier_run(&c);
	refresh_domains(&c, true);
	/* xcp-rrdd opens the file when the plugin registers: have one. */
	sample_and_write(&c);
	while (opts->cycles == 0 || done < opts->cycles) {
		double next;
		double wait = register_or_back_off(&c, &next);

		/*
		 * The read is too close to write for: it takes the payload
		 * already there.  Ask again once it is done, for the true
		 * time of the one after (whatever rrdd's period).
		 */
		if (next >= 0 && next - CYCLE_NEG_SHIFT < CYCLE_MIN_WAIT) {
			if (!wait_until(&c, monotonic_now() + next +
					    CYCLE_AFTER_READ))
				break;
			wait = register_or_back_off(&c, &next);
		}
		if (!wait_until(&c, monotonic_now() + wait))
			break;
		refresh_domains(&c, false);
		sample_and_write(&c);
		done++;
	}
	shut_down(&c);
	return 0;
}
