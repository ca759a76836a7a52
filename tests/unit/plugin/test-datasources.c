/*
 * test-datasources: the datasource table in plugin/derive/datasources.c and the
 * one in docs/datasources.md must say the same, row for row, and a payload
 * the daemon's cycle actually wrote must carry the doc's descriptions.
 */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "daemon/cycle.h"
#include "derive/datasources.h"
#include "check_main.h"
#include "plugin/support/fakes.h"

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

/* A "<N>" row computes its values all at once, any other row its one. */
START_TEST(rows_compute_as_they_are_counted)
{
	const struct ds_template *table = ds_table();

	for (int i = 0; i < DS_COUNT; i++) {
		bool per_index = table[i].per_index;

		ck_assert_msg(per_index == (strstr(table[i].name, "<N>") != NULL),
			      "row %d: per_index and name disagree", i);
		ck_assert_msg(per_index ? table[i].values && !table[i].value
					: table[i].value && !table[i].values,
			      "row %d: value/values do not match per_index", i);
	}
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

/* Every row's strings fit their storage with the largest "<N>". */
START_TEST(strings_fit_their_storage)
{
	const struct ds_template *table = ds_table();

	for (int i = 0; i < DS_COUNT; i++) {
		struct rrdd_ds ds;
		struct ds_strings strs;
		char want[512];
		const char *at = strstr(table[i].description, "<N>");

		ds_instantiate((enum ds_id)i, UINT_MAX, NULL, &ds, &strs);
		if (at)
			snprintf(want, sizeof(want), "%.*s%u%s",
				 (int)(at - table[i].description),
				 table[i].description, UINT_MAX, at + 3);
		else
			snprintf(want, sizeof(want), "%s",
				 table[i].description);
		ck_assert_str_eq(ds.description, want);
		ck_assert_msg(strlen(ds.name) + 1 < DS_NAME_MAX, "%s", ds.name);
	}
}
END_TEST

/* ---- a payload the daemon wrote ------------------------------------------ */

#define PAYLOAD_MAX (1 << 20)

struct written {
	char path[256];
	struct rrdd_payload *last;	/* the newest payload decoded */
	unsigned decoded;
	int decode_rc;
};

/* Called as each cycle starts: decode what the previous one wrote. */
static void read_written(struct fake_backend *f, void *ctx)
{
	struct written *w = ctx;
	static uint8_t buf[PAYLOAD_MAX];
	FILE *file = fopen(w->path, "rb");
	struct rrdd_payload *p = NULL;
	size_t len;

	(void)f;
	if (!file)
		return;	/* first cycle: nothing written yet */
	len = fread(buf, 1, sizeof(buf), file);
	fclose(file);
	w->decode_rc |= rrdd_payload_decode(buf, len, RRDD_TS_FLOAT, &p, NULL);
	if (!p)
		return;
	rrdd_payload_free(w->last);
	w->last = p;
	w->decoded++;
}

/*
 * Does datasource name match the doc's name (with "<N>": any decimal
 * number there, copied to n)?
 */
static bool name_matches(const char *doc_name, const char *name, char *n,
			 size_t n_len)
{
	const char *at = strstr(doc_name, "<N>");
	size_t pre, digits;

	n[0] = '\0';
	if (!at)
		return strcmp(doc_name, name) == 0;
	pre = (size_t)(at - doc_name);
	if (strncmp(doc_name, name, pre) != 0)
		return false;
	digits = strspn(name + pre, "0123456789");
	if (!digits || digits >= n_len ||
	    strcmp(name + pre + digits, at + 3) != 0)
		return false;
	memcpy(n, name + pre, digits);
	n[digits] = '\0';
	return true;
}

/* The doc row a decoded datasource belongs to, or -1; n gets "<N>". */
static int doc_row_of(const struct doc_row *rows, size_t n_rows,
		      const struct rrdd_ds *ds, char *n, size_t n_len)
{
	for (size_t i = 0; i < n_rows; i++) {
		char name[64];
		size_t len = strlen(rows[i].cell[0]);

		/* the cell is `name` */
		snprintf(name, sizeof(name), "%.*s", (int)(len - 2),
			 rows[i].cell[0] + 1);
		if (strcmp(rows[i].cell[1],
			   rrdd_owner_kind_name(ds->owner)) != 0)
			continue;
		if (name_matches(name, ds->name, n, n_len))
			return (int)i;
	}
	return -1;
}

static void assert_matches_row(const struct rrdd_ds *ds,
			       const struct doc_row *row, const char *n)
{
	const char *desc = row->cell[9];
	const char *at = strstr(desc, "<N>");
	char want[512];

	if (at)
		snprintf(want, sizeof(want), "%.*s%s%s", (int)(at - desc), desc,
			 n, at + 3);
	else
		snprintf(want, sizeof(want), "%s", desc);
	ck_assert_msg(strcmp(ds->description, want) == 0,
		      "%s: payload says '%s', doc '%s'", ds->name,
		      ds->description, want);
	ck_assert_str_eq(rrdd_value_type_name(ds->value_type), row->cell[2]);
	ck_assert_str_eq(rrdd_ds_type_name(ds->type), row->cell[3]);
	ck_assert_str_eq(ds->is_default ? "true" : "false", row->cell[4]);
	ck_assert_str_eq(ds->units, row->cell[5]);
	ck_assert_str_eq(bound(ds->min), row->cell[6]);
	ck_assert_str_eq(bound(ds->max), row->cell[7]);
	ck_assert_str_eq(rrdd_transform_name(ds->transform), row->cell[8]);
}

/*
 * The daemon's cycle (fake backend with every runstate aggregate, no
 * xcp-rrdd) writes payload files; decoded, every datasource is a doc row
 * with the doc's description, and every doc row is in them.
 */
START_TEST(written_payload_carries_the_doc)
{
	static const uint32_t doms[] = { 1, 2 };
	struct doc_row rows[MAX_ROWS];
	size_t n_rows = read_doc(rows);
	struct fake_backend *backend = fake_backend_new("fake", BACKEND_OK);
	struct fake_source *src = fake_source_new();
	struct written w = { .decoded = 0 };
	struct options opts = { .backend = BACKEND_AUTO };
	unsigned seen[MAX_ROWS] = { 0 };
	char dir[] = "/tmp/vcpustats-ds-XXXXXX";
	char why[256];
	int stop[2];

	log_setup("test", true, false);
	ck_assert(mkdtemp(dir) != NULL);
	ck_assert_int_eq(pipe(stop), 0);
	backend->vcpus = 2;
	backend->runstates = true;
	backend->on_sample = read_written;
	backend->ctx = &w;
	fake_source_set(src, doms, 2);
	opts.uid = "vcpustats-ds-test";
	opts.metrics_dir = dir;
	opts.rrdd_socket = "/nonexistent/xcp-rrdd";
	opts.ts_format = RRDD_TS_FLOAT;
	opts.interval = 0.05;
	opts.cycles = 3;
	snprintf(w.path, sizeof(w.path), "%s/%s", dir, opts.uid);
	ck_assert_int_eq(cycle_run(&opts, cycle_claim(&opts, why, sizeof(why)),
				   &backend->base, &src->base, stop[0]), 0);
	ck_assert_int_eq(w.decode_rc, 0);
	ck_assert_msg(w.decoded >= 2 && w.last, "decoded %u payloads",
		      w.decoded);
	for (size_t i = 0; i < w.last->n; i++) {
		char n[16];
		int row = doc_row_of(rows, n_rows, &w.last->ds[i], n,
				     sizeof(n));

		ck_assert_msg(row >= 0, "%s (%s) is not in the doc",
			      w.last->ds[i].name,
			      rrdd_owner_kind_name(w.last->ds[i].owner));
		assert_matches_row(&w.last->ds[i], &rows[row], n);
		seen[row]++;
	}
	for (size_t i = 0; i < n_rows; i++)
		ck_assert_msg(seen[i] > 0, "doc row %s never published",
			      rows[i].cell[0]);
	rrdd_payload_free(w.last);
	src->base.ops->destroy(&src->base);
	backend_destroy(&backend->base);
	close(stop[0]);
	close(stop[1]);
	ck_assert_int_eq(rmdir(dir), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("datasources");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, code_table_equals_doc_table);
	tcase_add_test(tc, table_is_indexed_by_id);
	tcase_add_test(tc, rows_compute_as_they_are_counted);
	tcase_add_test(tc, instantiate_expands_families);
	tcase_add_test(tc, strings_fit_their_storage);
	tcase_add_test(tc, written_payload_carries_the_doc);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(suite)
