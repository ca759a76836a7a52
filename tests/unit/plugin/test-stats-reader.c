/*
 * test-stats-reader: header validation and seq reads on in-memory tables,
 * good and corrupt.
 */
#include <check.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check_main.h"

#include "plugin/support/mem_table.h"
#include "stats_reader.h"
#include "input/table_sample.h"

static int open_dom(const struct mem_table *t, size_t len, uint32_t max,
		    struct stats_view *v, char *why)
{
	return stats_view_open(t->buf, len, XENMEM_resource_stats_table_id_domain,
			       TABLE_MIN_DOMAIN_SECTION, TABLE_MIN_VCPU_SLOT,
			       max, v, why, 160);
}

START_TEST(good_table_opens)
{
	struct mem_table t = mem_table_domain(4, 7);
	struct stats_view v;
	char why[160] = "";

	ck_assert_int_eq(open_dom(&t, t.len, 4, &v, why), STATS_OK);
	ck_assert_int_eq(v.nr_slots, 4);
	ck_assert_int_eq(v.slot_stride % XEN_STATS_TABLE_SLOT_ALIGN, 0);
	ck_assert_int_eq(v.section_offset, t.hdr->section_offset);
	mem_table_free(&t);
}
END_TEST

START_TEST(bad_magic_rejected)
{
	struct mem_table t = mem_table_domain(2, 1);
	struct stats_view v;
	char why[160] = "";

	t.hdr->magic = 0x12345678;
	ck_assert_int_eq(open_dom(&t, t.len, 2, &v, why), STATS_EMAGIC);
	ck_assert_msg(strstr(why, "magic") != NULL, "why: %s", why);
	mem_table_free(&t);
}
END_TEST

START_TEST(truncated_mapping_rejected)
{
	struct mem_table t = mem_table_domain(2, 1);
	struct stats_view v;
	char why[160] = "";

	/* Not even the header fits. */
	ck_assert_int_eq(open_dom(&t, 16, 2, &v, why), STATS_ETRUNC);
	/* The header fits but the table it describes does not. */
	ck_assert_int_eq(open_dom(&t, t.hdr->total_size - 8, 2, &v, why),
			 STATS_EHEADER);
	ck_assert_int_eq(stats_view_open(NULL, 4096, 0, 0, 0, 1, &v, NULL, 0),
			 STATS_ETRUNC);
	mem_table_free(&t);
}
END_TEST

START_TEST(total_size_beyond_mapping_rejected)
{
	struct mem_table t = mem_table_domain(2, 1);
	struct stats_view v;
	char why[160] = "";

	t.hdr->total_size = (uint32_t)t.len + 4096;
	ck_assert_int_eq(open_dom(&t, t.len, 2, &v, why), STATS_EHEADER);
	mem_table_free(&t);
}
END_TEST

START_TEST(section_outside_rejected)
{
	struct mem_table t = mem_table_domain(2, 1);
	struct stats_view v;
	char why[160] = "";
	uint32_t off = t.hdr->section_offset;

	t.hdr->section_offset = 0xfffffff0u;	/* would wrap in 32 bits */
	ck_assert_int_eq(open_dom(&t, t.len, 2, &v, why), STATS_EHEADER);
	t.hdr->section_offset = 8;		/* inside the header */
	ck_assert_int_eq(open_dom(&t, t.len, 2, &v, why), STATS_EHEADER);
	t.hdr->section_offset = off;
	t.hdr->section_size = t.hdr->total_size;
	ck_assert_int_eq(open_dom(&t, t.len, 2, &v, why), STATS_EHEADER);
	mem_table_free(&t);
}
END_TEST

START_TEST(slots_outside_rejected)
{
	struct mem_table t = mem_table_domain(2, 1);
	struct stats_view v;
	char why[160] = "";
	uint32_t off = t.hdr->slot_offset;

	t.hdr->slot_offset = t.hdr->total_size;	/* past the end */
	ck_assert_int_eq(open_dom(&t, t.len, 2, &v, why), STATS_EHEADER);
	t.hdr->slot_offset = off;
	t.hdr->slot_stride = 0x40000000u;	/* 2 slots overflow */
	ck_assert_int_eq(open_dom(&t, t.len, 2, &v, why), STATS_EHEADER);
	t.hdr->slot_stride = 8;			/* below slot_size */
	ck_assert_int_eq(open_dom(&t, t.len, 2, &v, why), STATS_EHEADER);
	t.hdr->slot_stride = 68;		/* misaligned */
	ck_assert_int_eq(open_dom(&t, t.len, 2, &v, why), STATS_EHEADER);
	mem_table_free(&t);
}
END_TEST

START_TEST(overlap_rejected)
{
	struct mem_table t = mem_table_domain(2, 1);
	struct stats_view v;
	char why[160] = "";

	t.hdr->slot_offset = t.hdr->section_offset;
	ck_assert_int_eq(open_dom(&t, t.len, 2, &v, why), STATS_EHEADER);
	mem_table_free(&t);
}
END_TEST

START_TEST(too_many_slots_rejected)
{
	struct mem_table t = mem_table_domain(8, 1);
	struct stats_view v;
	char why[160] = "";

	ck_assert_int_eq(open_dom(&t, t.len, 4, &v, why), STATS_ESLOTS);
	ck_assert_msg(strstr(why, "8 slots") != NULL, "why: %s", why);
	mem_table_free(&t);
}
END_TEST

START_TEST(wrong_table_id_rejected)
{
	struct mem_table t = mem_table_host(2);
	struct stats_view v;
	char why[160] = "";

	ck_assert_int_eq(open_dom(&t, t.len, 64, &v, why), STATS_EID);
	mem_table_free(&t);
}
END_TEST

START_TEST(small_structures_rejected)
{
	struct mem_table t = mem_table_domain(2, 1);
	struct stats_view v;
	char why[160] = "";

	t.hdr->slot_size = 16;	/* no runstate times in it */
	ck_assert_int_eq(open_dom(&t, t.len, 2, &v, why), STATS_EHEADER);
	t.hdr->slot_size = sizeof(struct xen_stats_vcpu);
	t.hdr->header_size = 12;
	ck_assert_int_eq(open_dom(&t, t.len, 2, &v, why), STATS_EHEADER);
	mem_table_free(&t);
}
END_TEST

START_TEST(newer_larger_layout_still_reads)
{
	/* A future Xen appends fields: larger header, section and slots. */
	struct mem_table t = mem_table_domain(2, 1);
	struct stats_view v;
	struct xen_stats_vcpu copy;
	char why[160] = "";

	t.hdr->header_size += 8;
	t.hdr->slot_size += 16;
	t.hdr->slot_stride = 128;
	t.hdr->total_size = t.hdr->slot_offset + 2 * 128;
	mem_table_vcpu(&t, 1)->seq = 2;
	mem_table_vcpu(&t, 1)->time[0] = 42;
	ck_assert_int_eq(open_dom(&t, t.len, 2, &v, why), STATS_OK);
	ck_assert_int_eq(stats_read_slot(&v, 1, &copy, sizeof(copy), 4),
			 STATS_OK);
	ck_assert_msg(copy.time[0] == 42, "time %llu",
		      (unsigned long long)copy.time[0]);
	mem_table_free(&t);
}
END_TEST

START_TEST(older_smaller_section_zeroes_missing_fields)
{
	struct mem_table t = mem_table_domain(1, 1);
	struct stats_view v;
	struct xen_stats_domain copy;
	char why[160] = "";

	mem_table_dom_section(&t)->tot_pages = 1234;
	mem_table_dom_section(&t)->nr_online_vcpus = 1;
	t.hdr->section_size = TABLE_MIN_DOMAIN_SECTION;
	ck_assert_int_eq(open_dom(&t, t.len, 1, &v, why), STATS_OK);
	ck_assert_int_eq(stats_read_section(&v, &copy, sizeof(copy), 4),
			 STATS_OK);
	ck_assert_int_eq(copy.nr_online_vcpus, 1);
	ck_assert_msg(copy.tot_pages == 0, "field beyond the published size "
		      "must not be read");
	ck_assert(!stats_has_field(v.section_size,
				   offsetof(struct xen_stats_domain, tot_pages),
				   8));
	mem_table_free(&t);
}
END_TEST

START_TEST(odd_seq_never_settles)
{
	struct mem_table t = mem_table_domain(2, 1);
	struct stats_view v;
	struct xen_stats_vcpu copy;
	char why[160] = "";

	ck_assert_int_eq(open_dom(&t, t.len, 2, &v, why), STATS_OK);
	mem_table_vcpu(&t, 0)->seq = 7;	/* a writer that never finishes */
	ck_assert_int_eq(stats_read_slot(&v, 0, &copy, sizeof(copy), 16),
			 STATS_EBUSY);
	ck_assert_int_eq(stats_read_slot(&v, 1, &copy, sizeof(copy), 16),
			 STATS_OK);
	mem_table_dom_section(&t)->seq = 3;
	ck_assert_int_eq(stats_read_section(&v, &copy, sizeof(copy), 16),
			 STATS_EBUSY);
	mem_table_free(&t);
}
END_TEST

/* A writer stopped mid-write (a nested Xen's pCPU descheduled by its
 * host) that finishes its update a while later. */
struct late_writer {
	struct xen_stats_vcpu *slot;
	long delay_ns;
};

static void *finish_late(void *arg)
{
	struct late_writer *w = arg;
	struct timespec ts = { 0, w->delay_ns };

	nanosleep(&ts, NULL);
	w->slot->update_time = 4242;
	mem_table_seq_end(&w->slot->seq);
	return NULL;
}

START_TEST(wait_outlasts_a_stalled_writer)
{
	struct mem_table t = mem_table_domain(2, 2);
	struct stats_view v;
	struct xen_stats_vcpu copy;
	struct late_writer w;
	pthread_t th;
	char why[160] = "";

	ck_assert_int_eq(open_dom(&t, t.len, 2, &v, why), STATS_OK);
	w.slot = mem_table_vcpu(&t, 0);
	w.delay_ns = 3000000;	/* hundreds of times 64 tries */
	mem_table_seq_begin(&w.slot->seq);
	/* Spinning alone gives up on it ... */
	ck_assert_int_eq(stats_read_slot(&v, 0, &copy, sizeof(copy),
					 STATS_DEFAULT_TRIES), STATS_EBUSY);
	ck_assert_int_eq(pthread_create(&th, NULL, finish_late, &w), 0);
	/* ... the waiting read gets the finished update. */
	ck_assert_int_eq(stats_read_slot_wait(&v, 0, &copy, sizeof(copy),
					      2000000000u), STATS_OK);
	pthread_join(th, NULL);
	ck_assert_int_eq(copy.update_time, 4242);
	ck_assert_int_eq(copy.seq % 2, 0);
	mem_table_free(&t);
}
END_TEST

START_TEST(wait_gives_up_on_a_stuck_writer)
{
	struct mem_table t = mem_table_domain(2, 2);
	struct stats_view v;
	struct xen_stats_vcpu copy;
	struct xen_stats_domain sec;
	char why[160] = "";

	ck_assert_int_eq(open_dom(&t, t.len, 2, &v, why), STATS_OK);
	mem_table_vcpu(&t, 1)->seq = 9;		/* never finishes */
	memset(&copy, 0xff, sizeof(copy));
	ck_assert_int_eq(stats_read_slot_wait(&v, 1, &copy, sizeof(copy),
					      1000000), STATS_EBUSY);
	ck_assert_msg(copy.seq == 0 && copy.update_time == 0,
		      "a failed read leaves no torn bytes");
	ck_assert_int_eq(stats_read_slot_wait(&v, 0, &copy, sizeof(copy), 0),
			 STATS_OK);
	ck_assert_int_eq(stats_read_slot_wait(&v, 2, &copy, sizeof(copy), 0),
			 STATS_ERANGE);
	mem_table_dom_section(&t)->seq = 1;
	ck_assert_int_eq(stats_read_section_wait(&v, &sec, sizeof(sec),
						 1000000), STATS_EBUSY);
	mem_table_free(&t);
}
END_TEST

START_TEST(unwritten_and_out_of_range_slots)
{
	struct mem_table t = mem_table_domain(2, 1);
	struct stats_view v;
	struct xen_stats_vcpu copy;
	char why[160] = "";

	ck_assert_int_eq(open_dom(&t, t.len, 2, &v, why), STATS_OK);
	mem_table_vcpu(&t, 1)->seq = 0;
	ck_assert_int_eq(stats_read_slot(&v, 1, &copy, sizeof(copy), 4),
			 STATS_EEMPTY);
	ck_assert_int_eq(stats_read_slot(&v, 2, &copy, sizeof(copy), 4),
			 STATS_ERANGE);
	mem_table_free(&t);
}
END_TEST

START_TEST(strerror_names_every_status)
{
	for (int s = STATS_ERANGE; s <= STATS_OK; s++)
		ck_assert_msg(strcmp(stats_strerror(s), "unknown error") != 0,
			      "status %d has no text", s);
	ck_assert_str_eq(stats_strerror(-99), "unknown error");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("stats-reader");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, good_table_opens);
	tcase_add_test(tc, bad_magic_rejected);
	tcase_add_test(tc, truncated_mapping_rejected);
	tcase_add_test(tc, total_size_beyond_mapping_rejected);
	tcase_add_test(tc, section_outside_rejected);
	tcase_add_test(tc, slots_outside_rejected);
	tcase_add_test(tc, overlap_rejected);
	tcase_add_test(tc, too_many_slots_rejected);
	tcase_add_test(tc, wrong_table_id_rejected);
	tcase_add_test(tc, small_structures_rejected);
	tcase_add_test(tc, newer_larger_layout_still_reads);
	tcase_add_test(tc, older_smaller_section_zeroes_missing_fields);
	tcase_add_test(tc, odd_seq_never_settles);
	tcase_add_test(tc, wait_outlasts_a_stalled_writer);
	tcase_add_test(tc, wait_gives_up_on_a_stuck_writer);
	tcase_add_test(tc, unwritten_and_out_of_range_slots);
	tcase_add_test(tc, strerror_names_every_status);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(suite)
