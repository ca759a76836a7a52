/*
 * table_views.h: an in-memory table opened the way the table backend
 * opens it (its minimum section and slot sizes), for Check tests that
 * hand views to the sampler. A table the backend would refuse fails the
 * test at once.
 */
#ifndef PLUGIN_TEST_TABLE_VIEWS_H
#define PLUGIN_TEST_TABLE_VIEWS_H

#include <check.h>

#include "input/table_sample.h"
#include "plugin/support/mem_table.h"

static inline struct stats_view table_view(const struct mem_table *t,
					   uint32_t table_id,
					   size_t min_section,
					   size_t min_slot)
{
	struct stats_view v;

	ck_assert_int_eq(stats_view_open(t->buf, t->len, table_id, min_section,
					 min_slot, 64, &v, NULL, 0),
			 STATS_OK);
	return v;
}

static inline struct stats_view domain_view(const struct mem_table *t)
{
	return table_view(t, XENMEM_resource_stats_table_id_domain,
			  TABLE_MIN_DOMAIN_SECTION, TABLE_MIN_VCPU_SLOT);
}

static inline struct stats_view host_view(const struct mem_table *t)
{
	return table_view(t, XENMEM_resource_stats_table_id_host,
			  TABLE_MIN_HOST_SECTION, TABLE_MIN_PCPU_SLOT);
}

#endif
