/*
 * test-cycle: the daemon's loop against a fake xcp-rrdd socket, a scripted
 * backend and a scripted domain source: registration each cycle, payloads
 * that decode with fresh timestamps, domains coming and going, rrdd absent,
 * a clean stop.
 */
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/cycle.h"
#include "common/log.h"
#include "plugin/support/check_main.h"
#include "plugin/support/fakes.h"
#include "plugin/support/rrdd_double.h"

#define MAX_SEEN 16

/* What the fake backend saw in the payload file at each sample. */
struct peek {
	char path[256];
	struct fake_source *src;
	unsigned change_at;	/* at this sample, switch domains to {1, 3} */
	unsigned n;
	double ts[MAX_SEEN];
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

static void peek_payload(struct fake_backend *f, void *ctx)
{
	struct peek *pk = ctx;
	FILE *file = fopen(pk->path, "rb");
	static uint8_t buf[1 << 20];
	struct rrdd_payload *p = NULL;
	size_t len;

	if (pk->change_at && f->samples == pk->change_at) {
		static const uint32_t next[] = { 1, 3 };

		fake_source_set(pk->src, next, 2);
	}
	if (!file || pk->n >= MAX_SEEN) {
		if (file)
			fclose(file);
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
	pk->n++;
}

struct rig {
	struct rrdd_double *rrdd;
	struct fake_backend *backend;
	struct fake_source *src;
	struct options opts;
	char dir[128];
	int stop[2];
	struct peek peek;
};

static void rig_up(struct rig *r, bool with_rrdd, double next_reading)
{
	static const uint32_t doms[] = { 1, 2 };

	memset(r, 0, sizeof(*r));
	log_setup("test", true, false);
	snprintf(r->dir, sizeof(r->dir), "/tmp/vcpustats-metrics-XXXXXX");
	ck_assert_ptr_ne(mkdtemp(r->dir), NULL);
	if (with_rrdd)
		r->rrdd = rrdd_double_start(next_reading);
	r->backend = fake_backend_new("fake", BACKEND_OK);
	r->src = fake_source_new();
	fake_source_set(r->src, doms, 2);
	r->opts.backend = BACKEND_AUTO;
	r->opts.uid = "vcpustats-test";
	r->opts.metrics_dir = r->dir;
	r->opts.rrdd_socket = r->rrdd ? rrdd_double_path(r->rrdd)
				      : "/nonexistent/xcp-rrdd";
	r->opts.ts_format = RRDD_TS_FLOAT;
	r->opts.interval = 0.05;
	ck_assert_int_eq(pipe(r->stop), 0);
	snprintf(r->peek.path, sizeof(r->peek.path), "%s/%s", r->dir,
		 r->opts.uid);
	r->peek.src = r->src;
	r->backend->on_sample = peek_payload;
	r->backend->ctx = &r->peek;
}

static void rig_down(struct rig *r)
{
	struct stat st;

	ck_assert_msg(stat(r->peek.path, &st) != 0, "payload file left behind");
	if (r->rrdd)
		rrdd_double_stop(r->rrdd);
	r->src->base.ops->destroy(&r->src->base);
	backend_destroy(&r->backend->base);
	close(r->stop[0]);
	close(r->stop[1]);
	ck_assert_int_eq(rmdir(r->dir), 0);
}

START_TEST(registers_each_cycle_and_writes_fresh_payloads)
{
	struct rig r;
	char uid[64];

	/* next read in 0.7 s: write 0.5 s early, so cycles 0.2 s apart */
	rig_up(&r, true, 0.7);
	r.opts.cycles = 4;
	ck_assert_int_eq(cycle_run(&r.opts, &r.backend->base, &r.src->base,
				   r.stop[0]), 0);
	ck_assert_int_eq(rrdd_double_registers(r.rrdd), 4);
	ck_assert_int_eq(rrdd_double_deregisters(r.rrdd), 1);
	rrdd_double_last_uid(r.rrdd, uid, sizeof(uid));
	ck_assert_str_eq(uid, "vcpustats-test");
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
	ck_assert_str_eq(r.backend->events[0], "+1");
	ck_assert_str_eq(r.backend->events[1], "+2");
	rig_down(&r);
}
END_TEST

START_TEST(domains_follow_the_source)
{
	struct rig r;

	rig_up(&r, true, 0.65);
	r.opts.cycles = 5;
	r.peek.change_at = 2;	/* during sample 2: {1,2} -> {1,3} */
	ck_assert_int_eq(cycle_run(&r.opts, &r.backend->base, &r.src->base,
				   r.stop[0]), 0);
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

	rig_up(&r, false, 0);
	r.opts.cycles = 4;
	ck_assert_int_eq(cycle_run(&r.opts, &r.backend->base, &r.src->base,
				   r.stop[0]), 0);
	ck_assert_int_eq(r.backend->samples, 5);
	ck_assert_int_eq(r.peek.n, 4);
	ck_assert_int_eq(r.peek.decode_rc[3], 0);
	ck_assert(r.peek.ts[2] > r.peek.ts[1]);
	rig_down(&r);
}
END_TEST

static void recover_after_first(struct fake_backend *f, void *ctx)
{
	/* sample 1 is before the first registration, sample 2 after it */
	if (f->samples == 2)
		rrdd_double_fail(ctx, false);
}

START_TEST(registration_retried_with_back_off)
{
	struct rig r;

	rig_up(&r, true, 0.65);
	rrdd_double_fail(r.rrdd, true);
	r.opts.interval = 0.25;
	r.opts.cycles = 6;	/* 1.5 s: the retry comes after 1 s */
	r.backend->on_sample = recover_after_first;
	r.backend->ctx = r.rrdd;
	ck_assert_int_eq(cycle_run(&r.opts, &r.backend->base, &r.src->base,
				   r.stop[0]), 0);
	/* failed at cycle 1, no attempt until ~1 s later, then each cycle */
	ck_assert_msg(rrdd_double_registers(r.rrdd) >= 1 &&
		      rrdd_double_registers(r.rrdd) <= 3,
		      "registers %u", rrdd_double_registers(r.rrdd));
	ck_assert_int_eq(rrdd_double_deregisters(r.rrdd), 1);
	ck_assert_int_eq(r.backend->samples, 7);
	rig_down(&r);
}
END_TEST

START_TEST(stop_fd_ends_cleanly)
{
	struct rig r;

	rig_up(&r, true, 3.0);
	r.opts.cycles = 0;	/* forever, until told */
	ck_assert_int_eq(write(r.stop[1], "x", 1), 1);
	ck_assert_int_eq(cycle_run(&r.opts, &r.backend->base, &r.src->base,
				   r.stop[0]), 0);
	/* the payload written before registering, nothing more */
	ck_assert_int_eq(r.backend->samples, 1);
	ck_assert_int_eq(rrdd_double_deregisters(r.rrdd), 1);
	/* every domain let go on the way out */
	ck_assert_str_eq(r.backend->events[r.backend->n_events - 1], "-2");
	rig_down(&r);
}
END_TEST

START_TEST(int_timestamps_still_move_on)
{
	struct rig r;

	rig_up(&r, false, 0);
	r.opts.ts_format = RRDD_TS_INT64;
	r.opts.cycles = 4;	/* 4 cycles in 0.2 s: same second */
	ck_assert_int_eq(cycle_run(&r.opts, &r.backend->base, &r.src->base,
				   r.stop[0]), 0);
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

/* At sample 2, 800 domains: more datasources than the file was sized for. */
static void grow(struct fake_backend *f, void *ctx)
{
	struct fake_source *src = ctx;
	uint32_t ids[800];

	if (f->samples != 2)
		return;
	for (uint32_t i = 0; i < 800; i++)
		ids[i] = i + 1;
	fake_source_set(src, ids, 800);
}

START_TEST(grown_file_registers_again)
{
	struct rig r;

	rig_up(&r, true, 0.65);
	r.opts.cycles = 4;
	r.backend->on_sample = grow;
	r.backend->ctx = r.src;
	ck_assert_int_eq(cycle_run(&r.opts, &r.backend->base, &r.src->base,
				   r.stop[0]), 0);
	/* once when the file was replaced, once at the end */
	ck_assert_int_eq(rrdd_double_deregisters(r.rrdd), 2);
	ck_assert_int_eq(rrdd_double_registers(r.rrdd), 4);
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

	/* rrdd reads in 0.55 s: the payload written at start is for that
	 * read.  The plugin asks again after it (0.65 s), and since this
	 * double always answers 0.55 s, falls back to the read after next,
	 * 5 s later: nothing more is sampled before the stop at 1.5 s. */
	rig_up(&r, true, 0.55);
	r.opts.cycles = 0;
	ck_assert_int_eq(pthread_create(&stopper, NULL, stop_later, &r.stop[1]),
			 0);
	ck_assert_int_eq(cycle_run(&r.opts, &r.backend->base, &r.src->base,
				   r.stop[0]), 0);
	pthread_join(stopper, NULL);
	ck_assert_int_eq(rrdd_double_registers(r.rrdd), 2);
	ck_assert_int_eq(r.backend->samples, 1);
	rig_down(&r);
}
END_TEST

START_TEST(one_payload_per_read_of_a_periodic_rrdd)
{
	struct rig r;
	char payload[256];

	/* An rrdd that reads every 1.2 s (not its real 5 s: the plugin must
	 * follow what rrdd answers).  Each read must find a new payload. */
	rig_up(&r, false, 0);
	snprintf(payload, sizeof(payload), "%s/%s", r.dir, r.opts.uid);
	r.rrdd = rrdd_double_start_periodic(1.2, payload);
	r.opts.rrdd_socket = rrdd_double_path(r.rrdd);
	r.opts.cycles = 4;
	ck_assert_int_eq(cycle_run(&r.opts, &r.backend->base, &r.src->base,
				   r.stop[0]), 0);
	ck_assert_msg(rrdd_double_reads(r.rrdd) >= 3, "reads %u",
		      rrdd_double_reads(r.rrdd));
	ck_assert_int_eq(rrdd_double_repeats(r.rrdd), 0);
	ck_assert_int_eq(r.backend->samples, 5);
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
	suite_add_tcase(s, tc);
	return s;
}

PLUGIN_CHECK_MAIN(suite)
