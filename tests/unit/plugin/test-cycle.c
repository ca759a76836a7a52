/*
 * test-cycle: the daemon's loop against the project's xcp-rrdd double
 * (tests/doubles/xcp-rrdd, run in-process: it reads the payload file the
 * way xcp-rrdd does, from the file it opened at registration), a
 * scripted backend and a scripted domain source: registration each
 * cycle, payloads that decode with fresh timestamps and that the double
 * reads, domains coming and going, rrdd absent, a restart after a crash,
 * a payload file deleted under the daemon, a second instance, a clean
 * stop.
 */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/cycle.h"
#include "common/log.h"
#include "check_main.h"
#include "plugin/support/fakes.h"
#include "xcp_rrdd_double.h"

#define MAX_SEEN 16
#define UID "vcpustats-test"

/* What the fake backend saw at each sample: the payload file as the
 * previous cycle left it, and what the double last read of it. */
struct peek {
	char path[256];
	struct fake_source *src;
	struct xcp_rrdd_double *rrdd;
	unsigned change_at;	/* at this sample, switch domains to {1, 3} */
	unsigned grow_at;	/* at this sample, GROWN_DOMAINS domains */
	unsigned delete_at;	/* 0.3 s after this sample, remove the file */
	pthread_t deleter;
	bool deleted;
	unsigned n;
	double ts[MAX_SEEN];
	double read_ts[MAX_SEEN];	/* the double's last read; NAN: none */
	unsigned register_calls[MAX_SEEN];
	size_t count[MAX_SEEN];
	bool has_dom2[MAX_SEEN], has_dom3[MAX_SEEN];
	int decode_rc[MAX_SEEN];
};

static bool has_vm(const struct rrdd_payload *p, uint32_t domid)
{
	char uuid[RRDD_UUID_LEN + 1];

	fake_uuid(domid, uuid);
	for (size_t i = 0; i < p->n; i++)
		if (p->ds[i].owner == RRDD_OWNER_VM &&
		    strcmp(p->ds[i].owner_uuid, uuid) == 0 &&
		    strcmp(p->ds[i].name, "cpu1") == 0)
			return true;
	return false;
}

#define GROWN_DOMAINS 800

static void set_domains(struct fake_source *src, unsigned n)
{
	uint32_t ids[GROWN_DOMAINS];

	for (uint32_t i = 0; i < n; i++)
		ids[i] = i + 1;
	fake_source_set(src, ids, n);
}

/*
 * Remove the payload file 0.3 s after the sample that scheduled it: after
 * the write that follows, before rrdd's read 0.5 s after it.  The double
 * forgets the plugin then (discovery), and the daemon's next register
 * would fail if it did not write the file first.
 */
static void *delete_soon(void *arg)
{
	struct peek *pk = arg;

	usleep(300 * 1000);
	pk->deleted = unlink(pk->path) == 0;
	return NULL;
}

/* Scripted changes, made at the start of the sample they are due. */
static void script(struct peek *pk, unsigned sample)
{
	static const uint32_t next[] = { 1, 3 };

	if (pk->change_at && sample == pk->change_at)
		fake_source_set(pk->src, next, 2);
	if (pk->grow_at && sample == pk->grow_at)
		set_domains(pk->src, GROWN_DOMAINS);
	if (pk->delete_at && sample == pk->delete_at)
		ck_assert_int_eq(pthread_create(&pk->deleter, NULL,
						delete_soon, pk), 0);
}

static void note_double(struct peek *pk)
{
	pk->read_ts[pk->n] = NAN;
	if (!pk->rrdd)
		return;
	pk->read_ts[pk->n] = xrd_last_timestamp(pk->rrdd, UID);
	pk->register_calls[pk->n] = xrd_counts(pk->rrdd).register_calls;
}

static void peek_payload(struct fake_backend *f, void *ctx)
{
	struct peek *pk = ctx;
	FILE *file = fopen(pk->path, "rb");
	static uint8_t buf[1 << 20];
	struct rrdd_payload *p = NULL;
	size_t len;

	if (!file || pk->n >= MAX_SEEN) {
		if (file)
			fclose(file);
		script(pk, f->samples);
		return;	/* first cycle: nothing written yet */
	}
	len = fread(buf, 1, sizeof(buf), file);
	fclose(file);
	pk->decode_rc[pk->n] = rrdd_payload_decode(buf, len, RRDD_TS_AUTO, &p,
						   NULL);
	if (p) {
		pk->ts[pk->n] = p->timestamp;
		pk->count[pk->n] = p->n;
		pk->has_dom2[pk->n] = has_vm(p, 2);
		pk->has_dom3[pk->n] = has_vm(p, 3);
		rrdd_payload_free(p);
	}
	note_double(pk);
	pk->n++;
	script(pk, f->samples);
}

struct rig {
	struct xcp_rrdd_double *rrdd;
	struct fake_backend *backend;
	struct fake_source *src;
	struct options opts;
	char dir[128];
	int stop[2];
	struct peek peek;
};

/*
 * With an rrdd double that reads every period seconds (the first read
 * one period after start), or none (period 0).
 */
static void rig_up_at(struct rig *r, double period, double first_read)
{
	static const uint32_t doms[] = { 1, 2 };

	memset(r, 0, sizeof(*r));
	log_setup("test", true, false);
	snprintf(r->dir, sizeof(r->dir), "/tmp/vcpustats-metrics-XXXXXX");
	ck_assert_msg(mkdtemp(r->dir) != NULL, "mkdtemp");
	if (period > 0) {
		struct xrd_options xo = { .metrics_dir = r->dir,
					  .period = period,
					  .first_read = first_read };

		struct rrdd_rpc_options ro = { NULL, 5000 };
		double next;

		r->rrdd = xrd_start(&xo);
		ck_assert_msg(r->rrdd != NULL, "double did not start");
		/* The first call initialises libcurl and libxml2, slowly
		 * under valgrind: not in the middle of a timed cycle. */
		ro.socket_path = xrd_socket_path(r->rrdd);
		ck_assert_int_eq(rrdd_rpc_next_reading(&ro, UID, &next, NULL),
				 0);
	}
	r->backend = fake_backend_new("fake", BACKEND_OK);
	r->src = fake_source_new();
	fake_source_set(r->src, doms, 2);
	r->opts.backend = BACKEND_AUTO;
	r->opts.uid = UID;
	r->opts.metrics_dir = r->dir;
	r->opts.rrdd_socket = r->rrdd ? xrd_socket_path(r->rrdd)
				      : "/nonexistent/xcp-rrdd";
	r->opts.ts_format = RRDD_TS_FLOAT;
	r->opts.interval = 0.05;
	ck_assert_int_eq(pipe(r->stop), 0);
	snprintf(r->peek.path, sizeof(r->peek.path), "%s/%s", r->dir, UID);
	r->peek.src = r->src;
	r->peek.rrdd = r->rrdd;
	r->backend->on_sample = peek_payload;
	r->backend->ctx = &r->peek;
}

static void rig_up(struct rig *r, double period)
{
	rig_up_at(r, period, period);
}

static void rig_down(struct rig *r)
{
	struct stat st;

	ck_assert_msg(stat(r->peek.path, &st) != 0, "payload file left behind");
	xrd_stop(r->rrdd);
	r->src->base.ops->destroy(&r->src->base);
	backend_destroy(&r->backend->base);
	close(r->stop[0]);
	close(r->stop[1]);
	ck_assert_int_eq(rmdir(r->dir), 0);
}

static struct rrdd_writer *claim(const struct options *opts)
{
	char why[256];
	struct rrdd_writer *w = cycle_claim(opts, why, sizeof(why));

	ck_assert_msg(w != NULL, "claim: %s", why);
	return w;
}

static int run(struct rig *r)
{
	return cycle_run(&r->opts, claim(&r->opts), &r->backend->base,
			 &r->src->base, r->stop[0]);
}

/*
 * From sample `from` on, the double keeps up with the payloads: its last
 * read is the payload the sample before wrote, or (one write late on a
 * loaded machine, under valgrind) the one before that, and never older
 * than `since`.  A reader stuck on an old file, or not registered at
 * all, fails this within two samples.
 */
static void double_keeps_up(const struct peek *pk, unsigned from,
			    double since)
{
	ck_assert_msg(from >= 1 && from < pk->n, "only %u samples", pk->n);
	for (unsigned i = from; i < pk->n; i++)
		ck_assert_msg(pk->read_ts[i] >= since &&
			      pk->read_ts[i] >= pk->ts[i - 1] &&
			      pk->read_ts[i] <= pk->ts[i],
			      "sample %u: rrdd last read %.3f, payloads %.3f "
			      "and %.3f, since %.3f", i, pk->read_ts[i],
			      pk->ts[i - 1], pk->ts[i], since);
}

START_TEST(registers_each_cycle_and_writes_fresh_payloads)
{
	struct rig r;
	struct xrd_counts c;
	char uid[64];

	rig_up(&r, 1.0);
	r.opts.cycles = 4;
	ck_assert_int_eq(run(&r), 0);
	c = xrd_counts(r.rrdd);
	ck_assert_msg(c.register_calls >= 4, "registers %u", c.register_calls);
	ck_assert_int_eq(c.deregister_calls, 1);
	ck_assert_msg(c.reads >= 3, "reads %u", c.reads);
	ck_assert_int_eq(c.errors, 0);
	xrd_last_uid(r.rrdd, uid, sizeof(uid));
	ck_assert_str_eq(uid, UID);
	/* one payload before the first registration, then one per cycle */
	ck_assert_int_eq(r.backend->samples, 5);
	/* samples 2..5 saw payloads 1..4 */
	ck_assert_int_eq(r.peek.n, 4);
	for (unsigned i = 0; i < r.peek.n; i++) {
		ck_assert_int_eq(r.peek.decode_rc[i], 0);
		/* host: cpu0, cpu1, cpu_avg, 4 more; 2 VMs x (2 cpuN + usage) */
		ck_assert_int_eq(r.peek.count[i], 3 + 4 + 2 * 3);
		if (i)
			ck_assert_msg(r.peek.ts[i] > r.peek.ts[i - 1],
				      "timestamp did not move on");
	}
	/* the first read comes after sample 2 */
	double_keeps_up(&r.peek, 1, r.peek.ts[0]);
	ck_assert_str_eq(r.backend->events[0], "+1");
	ck_assert_str_eq(r.backend->events[1], "+2");
	rig_down(&r);
}
END_TEST

START_TEST(domains_follow_the_source)
{
	struct rig r;

	rig_up(&r, 0);
	r.opts.cycles = 5;
	r.peek.change_at = 2;	/* during sample 2: {1,2} -> {1,3} */
	ck_assert_int_eq(run(&r), 0);
	ck_assert_int_eq(r.backend->n_events, 4 + 2);	/* +1 +2 -2 +3 -1 -3 */
	ck_assert_str_eq(r.backend->events[2], "-2");
	ck_assert_str_eq(r.backend->events[3], "+3");
	/* payloads 1 and 2 were sampled before the change took effect;
	 * payload 3 onwards has domain 3 and not 2 */
	ck_assert_int_eq(r.peek.n, 5);
	ck_assert(r.peek.has_dom2[1] && !r.peek.has_dom3[1]);
	ck_assert(!r.peek.has_dom2[2] && r.peek.has_dom3[2]);
	ck_assert(r.peek.has_dom2[0] && !r.peek.has_dom3[0]);
	ck_assert(!r.peek.has_dom2[3] && r.peek.has_dom3[3]);
	rig_down(&r);
}
END_TEST

START_TEST(keeps_sampling_without_rrdd)
{
	struct rig r;

	rig_up(&r, 0);
	r.opts.cycles = 4;
	ck_assert_int_eq(run(&r), 0);
	ck_assert_int_eq(r.backend->samples, 5);
	ck_assert_int_eq(r.peek.n, 4);
	ck_assert_int_eq(r.peek.decode_rc[3], 0);
	ck_assert(r.peek.ts[2] > r.peek.ts[1]);
	rig_down(&r);
}
END_TEST

static void recover_after_first(struct fake_backend *f, void *ctx)
{
	struct peek *pk = ctx;

	peek_payload(f, ctx);
	/* sample 1 is before the first registration, sample 2 after it */
	if (f->samples == 2)
		xrd_fail_registrations(pk->rrdd, false);
}

START_TEST(registration_retried_with_back_off)
{
	struct rig r;

	rig_up(&r, 1.0);
	xrd_fail_registrations(r.rrdd, true);
	r.opts.interval = 0.25;
	r.opts.cycles = 6;
	r.backend->on_sample = recover_after_first;
	/* failed at cycle 1; samples 2-4 come within the 1 s back-off, with
	 * no attempt; then registered, and the double reads every payload */
	ck_assert_int_eq(run(&r), 0);
	ck_assert_int_eq(r.backend->samples, 7);
	ck_assert_int_eq(r.peek.register_calls[1], 1);
	ck_assert_int_eq(r.peek.register_calls[2], 1);
	ck_assert_msg(xrd_counts(r.rrdd).register_calls >= 2, "no retry");
	double_keeps_up(&r.peek, 5, r.peek.ts[1]);
	ck_assert_int_eq(xrd_counts(r.rrdd).deregister_calls, 1);
	rig_down(&r);
}
END_TEST

START_TEST(stop_fd_ends_cleanly)
{
	struct rig r;

	rig_up(&r, 3.0);
	r.opts.cycles = 0;	/* forever, until told */
	ck_assert_int_eq(write(r.stop[1], "x", 1), 1);
	ck_assert_int_eq(run(&r), 0);
	/* the payload written before registering, nothing more */
	ck_assert_int_eq(r.backend->samples, 1);
	ck_assert_int_eq(xrd_counts(r.rrdd).deregister_calls, 1);
	/* every domain let go on the way out */
	ck_assert_str_eq(r.backend->events[r.backend->n_events - 1], "-2");
	rig_down(&r);
}
END_TEST

START_TEST(int_timestamps_still_move_on)
{
	struct rig r;

	rig_up(&r, 0);
	r.opts.ts_format = RRDD_TS_INT64;
	r.opts.cycles = 4;	/* 4 cycles in 0.2 s: same second */
	ck_assert_int_eq(run(&r), 0);
	ck_assert_int_eq(r.peek.n, 4);
	for (unsigned i = 1; i < r.peek.n; i++)
		ck_assert_msg(r.peek.ts[i] >= r.peek.ts[i - 1] + 1.0,
			      "int timestamps %f then %f", r.peek.ts[i - 1],
			      r.peek.ts[i]);
	rig_down(&r);
}
END_TEST

START_TEST(wait_and_backoff_arithmetic)
{
	ck_assert(cycle_wait_after_register(4.5) == 4.0);
	ck_assert(cycle_wait_after_register(0.5) == 0.0);
	/* too late for this read: aim 0.5 s before the next one */
	ck_assert_msg(cycle_wait_after_register(0.2) > 4.69 &&
		      cycle_wait_after_register(0.2) < 4.71, "%f",
		      cycle_wait_after_register(0.2));
	ck_assert(cycle_wait_after_register(1e9) == 4.5);
	ck_assert(cycle_next_backoff(0) == CYCLE_BACKOFF_MIN);
	ck_assert(cycle_next_backoff(1) == 2);
	ck_assert(cycle_next_backoff(40) == CYCLE_BACKOFF_MAX);
}
END_TEST

START_TEST(grown_file_registers_again)
{
	struct rig r;

	/* 3 s: a cycle over 800 domains takes about 2 s under valgrind */
	rig_up(&r, 3.0);
	r.opts.cycles = 6;
	r.peek.grow_at = 2;	/* more datasources than the file holds */
	ck_assert_int_eq(run(&r), 0);
	/* A grow that fit the file after all would test nothing here: the
	 * new file makes one deregistration, the stop the other. */
	ck_assert_int_eq(xrd_counts(r.rrdd).deregister_calls, 2);
	/*
	 * The payload after the grow (sample 3's) is read from the new file
	 * by the read before sample 5 at the latest.  Not necessarily by the
	 * one before sample 4: under valgrind an 800-domain write ends
	 * seconds after its timestamp and can miss that read.  A reader
	 * stuck on the old file never gets it.
	 */
	ck_assert_int_eq(r.peek.n, 6);
	ck_assert_msg(r.peek.read_ts[5] >= r.peek.ts[3] &&
		      r.peek.read_ts[5] <= r.peek.ts[5],
		      "rrdd last read %.3f, payload after the grow %.3f",
		      r.peek.read_ts[5], r.peek.ts[3]);
	rig_down(&r);
}
END_TEST

static void *stop_later(void *arg)
{
	int fd = *(int *)arg;

	usleep(1500 * 1000);
	if (write(fd, "x", 1) != 1)
		abort();
	return NULL;
}

START_TEST(no_second_write_for_the_same_read)
{
	struct rig r;
	pthread_t stopper;

	/* rrdd reads in 0.55 s, then every 5 s: the payload written at
	 * start is for that read.  The plugin asks again after it, and
	 * aims for the read after, 5 s later: nothing more is sampled
	 * before the stop at 1.5 s. */
	rig_up_at(&r, 5.0, 0.55);
	r.opts.cycles = 0;
	ck_assert_int_eq(pthread_create(&stopper, NULL, stop_later, &r.stop[1]),
			 0);
	ck_assert_int_eq(run(&r), 0);
	pthread_join(stopper, NULL);
	ck_assert_int_eq(xrd_counts(r.rrdd).register_calls, 2);
	ck_assert_int_eq(r.backend->samples, 1);
	ck_assert_int_eq(xrd_counts(r.rrdd).reads, 1);
	rig_down(&r);
}
END_TEST

START_TEST(one_payload_per_read_of_a_periodic_rrdd)
{
	struct rig r;
	struct xrd_counts c;

	/* An rrdd that reads every 1.2 s (not its real 5 s: the plugin must
	 * follow what rrdd answers).  Each read must find a new payload. */
	rig_up(&r, 1.2);
	r.opts.cycles = 4;
	ck_assert_int_eq(run(&r), 0);
	c = xrd_counts(r.rrdd);
	ck_assert_msg(c.reads >= 3, "reads %u", c.reads);
	ck_assert_int_eq(c.no_updates, 0);
	ck_assert_int_eq(r.backend->samples, 5);
	rig_down(&r);
}
END_TEST

/*
 * A payload file as a process killed mid-run leaves it: complete, with
 * an old timestamp, registered with xcp-rrdd, and the lock free.
 */
static void leave_a_dead_run(struct rig *r, double ts)
{
	struct rrdd_ds ds = { .name = "old", .value_type = RRDD_VALUE_FLOAT,
			      .type = RRDD_GAUGE, .min = -INFINITY,
			      .max = INFINITY };
	union rrdd_value v = { .f = 1.0 };
	struct rrdd_rpc_options ro = { .socket_path = r->opts.rrdd_socket };
	uint8_t buf[4096] = { 0 };
	char *meta, tmp[300];
	size_t len;
	double next;
	FILE *f;

	ck_assert_int_eq(rrdd_metadata_encode(&ds, 1, &meta, &len, NULL), 0);
	ck_assert_int_eq(rrdd_payload_encode(buf, sizeof(buf), ts,
					     RRDD_TS_FLOAT, &ds, &v, 1, meta,
					     len, NULL), 0);
	free(meta);
	snprintf(tmp, sizeof(tmp), "%s.tmp", r->peek.path);
	f = fopen(tmp, "wb");
	ck_assert_msg(f && fwrite(buf, 1, sizeof(buf), f) == sizeof(buf),
		      "write");
	fclose(f);
	ck_assert_int_eq(rename(tmp, r->peek.path), 0);
	ck_assert_int_eq(rrdd_rpc_register(&ro, UID, RRDD_FIVE_SECONDS, &next,
					   NULL), 0);
	/* The double has read the dead run's payload. */
	for (int i = 0; i < 100 && xrd_last_timestamp(r->rrdd, UID) != ts; i++)
		usleep(20 * 1000);
	ck_assert_msg(xrd_last_timestamp(r->rrdd, UID) == ts,
		      "dead run's payload not read");
}

START_TEST(restart_after_a_crash_is_read_within_two_cycles)
{
	struct rig r;

	rig_up_at(&r, 1.0, 0.3);
	leave_a_dead_run(&r, 1000.0);
	/* The new process: within 2 reads, rrdd reads its payloads. */
	r.opts.cycles = 3;
	ck_assert_int_eq(run(&r), 0);
	/* sample 1 found the dead run's file, then the new payloads 1-3;
	 * the reads before samples 3 and 4 took payloads 2 and 3 */
	ck_assert_int_eq(r.peek.n, 4);
	ck_assert(r.peek.ts[0] == 1000.0);
	double_keeps_up(&r.peek, 2, r.peek.ts[1]);
	rig_down(&r);
}
END_TEST

START_TEST(deleted_payload_is_made_again_within_two_cycles)
{
	struct rig r;
	struct xrd_counts c;
	unsigned n;

	rig_up(&r, 1.0);
	r.opts.cycles = 6;
	/* the daemon's default: a failed registration waits this long */
	r.opts.interval = 5.0;
	r.peek.delete_at = 3;
	ck_assert_int_eq(run(&r), 0);
	pthread_join(r.peek.deleter, NULL);
	ck_assert_msg(r.peek.deleted, "file not deleted");
	c = xrd_counts(r.rrdd);
	/* the file was written again before registering, never missing */
	ck_assert_int_eq(c.register_failures, 0);
	ck_assert_int_eq(c.errors, 0);
	/* sample 3 (index 1) wrote the last payload before the deletion;
	 * then the double misses a read, and within two cycles reads the
	 * new file's payloads (index 3 on: written after the deletion) */
	n = r.peek.n;
	ck_assert_msg(n >= 6, "samples %u", n);
	double_keeps_up(&r.peek, n - 2, r.peek.ts[3]);
	rig_down(&r);
}
END_TEST

START_TEST(second_instance_is_refused)
{
	struct rig r;
	struct rrdd_writer *first;
	char why[256] = "";

	rig_up(&r, 1.0);
	first = claim(&r.opts);
	ck_assert_msg(cycle_claim(&r.opts, why, sizeof(why)) == NULL,
		      "second instance claimed the uid");
	ck_assert_msg(strstr(why, "another instance") && strstr(why, UID) &&
		      !strchr(why, '\n'), "%s", why);
	/* The first publishes as before. */
	r.opts.cycles = 3;
	ck_assert_int_eq(cycle_run(&r.opts, first, &r.backend->base,
				   &r.src->base, r.stop[0]), 0);
	double_keeps_up(&r.peek, 1, r.peek.ts[0]);
	ck_assert_int_eq(xrd_counts(r.rrdd).errors, 0);
	rig_down(&r);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cycle");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, wait_and_backoff_arithmetic);
	tcase_add_test(tc, registers_each_cycle_and_writes_fresh_payloads);
	tcase_add_test(tc, domains_follow_the_source);
	tcase_add_test(tc, keeps_sampling_without_rrdd);
	tcase_add_test(tc, registration_retried_with_back_off);
	tcase_add_test(tc, stop_fd_ends_cleanly);
	tcase_add_test(tc, int_timestamps_still_move_on);
	tcase_add_test(tc, grown_file_registers_again);
	tcase_add_test(tc, no_second_write_for_the_same_read);
	tcase_add_test(tc, one_payload_per_read_of_a_periodic_rrdd);
	tcase_add_test(tc, restart_after_a_crash_is_read_within_two_cycles);
	tcase_add_test(tc, deleted_payload_is_made_again_within_two_cycles);
	tcase_add_test(tc, second_instance_is_refused);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(suite)
