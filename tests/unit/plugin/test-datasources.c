/*
 * test-datasources: the datasource table in plugin/derive/datasources.c and the
 * one in docs/datasources.md must say the same, row for row.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "derive/datasources.h"
#include "plugin/support/check_main.h"

#define DOC PLUGIN_SRCDIR "/docs/datasources.md"
#define MAX_ROWS 64
#define NCOLS 11

struct doc_row {
	char cell[NCOLS][160];
};

static void trim(char *s)
{
	size_t len = strlen(s), start = 0;

	while (len && (s[len - 1] == ' ' || s[len - 1] == '\n'))
		s[--len] = '\0';
	while (s[start] == ' ')
		start++;
	memmove(s, s + start, len - start + 1);
}

/* Table rows are the lines starting "| `name`". */
static int parse_row(const char *line, struct doc_row *row)
{
	const char *p = line + 1;
	int col = 0;

	while (col < NCOLS) {
		const char *bar = strchr(p, '|');
		size_t len;

		if (!bar)
			return -1;
		len = (size_t)(bar - p);
		if (len >= sizeof(row->cell[0]))
			return -1;
		memcpy(row->cell[col], p, len);
		row->cell[col][len] = '\0';
		trim(row->cell[col]);
		col++;
		p = bar + 1;
	}
	return 0;
}

static size_t read_doc(struct doc_row *rows)
{
	FILE *f = fopen(DOC, "r");
	char line[1024];
	size_t n = 0;

	ck_assert_msg(f != NULL, "cannot open %s", DOC);
	while (fgets(line, sizeof(line), f) && n < MAX_ROWS)
		if (strncmp(line, "| `", 3) == 0) {
			ck_assert_msg(parse_row(line, &rows[n]) == 0,
				      "malformed row: %s", line);
			n++;
		}
	fclose(f);
	return n;
}

static const char *bound(double v)
{
	static char buf[2][32];
	static int which;

	which ^= 1;
	if (isinf(v))
		return v < 0 ? "-inf" : "inf";
	snprintf(buf[which], sizeof(buf[which]), "%g", v);
	return buf[which];
}

/* The doc's cells for template t, in the doc's column order. */
static void expected(const struct ds_template *t, struct doc_row *row)
{
	snprintf(row->cell[0], sizeof(row->cell[0]), "`%s`", t->name);
	snprintf(row->cell[1], sizeof(row->cell[1]), "%s",
		 rrdd_owner_kind_name(t->owner));
	snprintf(row->cell[2], sizeof(row->cell[2]), "%s",
		 rrdd_value_type_name(t->value_type));
	snprintf(row->cell[3], sizeof(row->cell[3]), "%s",
		 rrdd_ds_type_name(t->type));
	snprintf(row->cell[4], sizeof(row->cell[4]), "%s",
		 t->is_default ? "true" : "false");
	snprintf(row->cell[5], sizeof(row->cell[5]), "%s", t->units);
	snprintf(row->cell[6], sizeof(row->cell[6]), "%s", bound(t->min));
	snprintf(row->cell[7], sizeof(row->cell[7]), "%s", bound(t->max));
	snprintf(row->cell[8], sizeof(row->cell[8]), "%s",
		 rrdd_transform_name(t->transform));
	snprintf(row->cell[9], sizeof(row->cell[9]), "%s", t->description);
	snprintf(row->cell[10], sizeof(row->cell[10]), "%s", t->when);
}

START_TEST(code_table_equals_doc_table)
{
	static const char *const cols[NCOLS] = {
		"name", "owner", "value_type", "type", "default", "units",
		"min", "max", "transform", "description", "published",
	};
	struct doc_row rows[MAX_ROWS];
	size_t n = read_doc(rows);
	const struct ds_template *table = ds_table();

	ck_assert_msg(n == DS_COUNT, "doc lists %zu datasources, code %d", n,
		      (int)DS_COUNT);
	for (size_t i = 0; i < n; i++) {
		struct doc_row want;

		memset(&want, 0, sizeof(want));
		expected(&table[i], &want);
		for (int c = 0; c < NCOLS; c++)
			ck_assert_msg(strcmp(want.cell[c], rows[i].cell[c]) == 0,
				      "row %zu (%s), %s: code '%s', doc '%s'",
				      i + 1, want.cell[0], cols[c],
				      want.cell[c], rows[i].cell[c]);
	}
}
END_TEST

START_TEST(table_is_indexed_by_id)
{
	const struct ds_template *table = ds_table();

	for (int i = 0; i < DS_COUNT; i++)
		ck_assert_msg((int)table[i].id == i, "row %d has id %d", i,
			      (int)table[i].id);
}
END_TEST

START_TEST(instantiate_expands_families)
{
	struct rrdd_ds ds;
	struct ds_strings strs;

	ds_instantiate(DS_VM_CPU_N, 12, "0b3d5f2e-1111-2222-3333-444455556666",
		       &ds, &strs);
	ck_assert_str_eq(ds.name, "cpu12");
	ck_assert_str_eq(ds.description, "CPU12 usage");
	ck_assert_int_eq(ds.owner, RRDD_OWNER_VM);
	ck_assert_str_eq(ds.owner_uuid, "0b3d5f2e-1111-2222-3333-444455556666");
	ck_assert_int_eq(ds.type, RRDD_DERIVE);
	ds_instantiate(DS_HOST_CPU_N, 3, NULL, &ds, &strs);
	ck_assert_str_eq(ds.name, "cpu3");
	ck_assert_str_eq(ds.description, "Physical cpu usage for cpu 3");
	ck_assert_str_eq(ds.owner_uuid, "");
	ck_assert_int_eq(ds.transform, RRDD_INVERSE);
	ds_instantiate(DS_HOST_RUNNING_DOMAINS, 0, NULL, &ds, &strs);
	ck_assert_str_eq(ds.name, "running_domains");
	ck_assert_int_eq(ds.value_type, RRDD_VALUE_INT64);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("datasources");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, code_table_equals_doc_table);
	tcase_add_test(tc, table_is_indexed_by_id);
	tcase_add_test(tc, instantiate_expands_families);
	suite_add_tcase(s, tc);
	return s;
}

PLUGIN_CHECK_MAIN(suite)
