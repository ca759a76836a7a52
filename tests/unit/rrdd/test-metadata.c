/*
 * test-metadata.c: encoding datasource descriptions as JSON: key order,
 * number formatting, rejection of what cannot be encoded, and the round
 * trip through the decoder.
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "check_main.h"

#include "internal.h"
#include "rrdd_protocol.h"
#include "rrdd/support/payload-bytes.h"

#define UUID "6f1c4e0a-3d2b-4c5e-9a7f-1b2c3d4e5f60"

static struct rrdd_ds make_ds(const char *name)
{
	struct rrdd_ds d;

	memset(&d, 0, sizeof(d));
	d.name = name;
	d.description = "";
	d.units = "";
	d.owner = RRDD_OWNER_HOST;
	d.value_type = RRDD_VALUE_FLOAT;
	d.type = RRDD_GAUGE;
	d.min = -INFINITY;
	d.max = INFINITY;
	d.transform = RRDD_IDENTITY;
	return d;
}

static char *encode(const struct rrdd_ds *ds, size_t n)
{
	struct rrdd_error err;
	char *json = NULL;
	size_t len = 0;
	int rc = rrdd_metadata_encode(ds, n, &json, &len, &err);

	ck_assert_msg(rc == RRDD_OK, "encode: %s", err.msg);
	ck_assert_msg(json != NULL, "no JSON");
	ck_assert_int_eq(len, strlen(json));
	return json;
}

/* Put ds into a payload and decode it again. */
static struct rrdd_payload *round_trip(const struct rrdd_ds *ds, size_t n)
{
	char *json = encode(ds, n);
	union rrdd_value *values = calloc(n + 1, sizeof(*values));
	size_t size = rrdd_payload_size(n, strlen(json));
	uint8_t *buf = malloc(size);
	struct rrdd_payload *p = NULL;
	struct rrdd_error err;

	for (size_t i = 0; i < n; i++)
		values[i].i = (int64_t)i * 3;
	ck_assert_int_eq(rrdd_payload_encode(buf, size, 1e9, RRDD_TS_FLOAT,
					     ds, values, n, json, strlen(json),
					     &err), RRDD_OK);
	ck_assert_msg(rrdd_payload_decode(buf, size, RRDD_TS_AUTO, &p, &err) ==
		      RRDD_OK, "decode: %s", err.msg);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(p->values[i].i == (int64_t)i * 3, "value %zu", i);
	free(buf);
	free(values);
	free(json);
	return p;
}

START_TEST(key_order_and_spelling)
{
	struct rrdd_ds d = make_ds("cpu0");
	char *json;

	d.description = "CPU0 usage";
	d.owner = RRDD_OWNER_VM;
	strcpy(d.owner_uuid, UUID);
	d.type = RRDD_DERIVE;
	d.is_default = true;
	d.units = "(fraction)";
	d.min = 0;
	d.max = 1;
	json = encode(&d, 1);
	ck_assert_str_eq(json,
		"{\"datasources\":{\"cpu0\":{\"description\":\"CPU0 usage\","
		"\"owner\":\"vm " UUID "\",\"value_type\":\"float\","
		"\"type\":\"derive\",\"default\":\"true\","
		"\"units\":\"(fraction)\",\"min\":\"0\",\"max\":\"1\"}}}");
	free(json);
}
END_TEST

START_TEST(order_follows_the_array)
{
	struct rrdd_ds ds[3] = { make_ds("zeta"), make_ds("alpha"),
				 make_ds("mid") };
	char *json = encode(ds, 3);
	const char *z = strstr(json, "\"zeta\""), *a = strstr(json, "\"alpha\"");
	const char *m = strstr(json, "\"mid\"");

	ck_assert_msg(z && a && m && z < a && a < m, "order: %s", json);
	free(json);
}
END_TEST

START_TEST(infinities_and_transform)
{
	struct rrdd_ds d = make_ds("x");
	char *json;

	d.value_type = RRDD_VALUE_INT64;
	d.transform = RRDD_INVERSE;
	d.owner = RRDD_OWNER_SR;
	strcpy(d.owner_uuid, "abc");
	json = encode(&d, 1);
	ck_assert_msg(strstr(json, "\"min\":\"-inf\",\"max\":\"inf\","
				   "\"transform\":\"inverse\"}") != NULL,
		      "%s", json);
	ck_assert_msg(strstr(json, "\"owner\":\"sr abc\"") != NULL, "%s", json);
	ck_assert_msg(strstr(json, "\"value_type\":\"int64\"") != NULL, "%s",
		      json);
	free(json);
	/* identity is the default and is left out, as xcp-rrdd does. */
	d.transform = RRDD_IDENTITY;
	json = encode(&d, 1);
	ck_assert_msg(strstr(json, "transform") == NULL, "%s", json);
	free(json);
}
END_TEST

/* min/max: the shortest text that reads back to the very same double. */
START_TEST(shortest_exact_numbers)
{
	static const struct {
		double d;
		const char *text;
	} cases[] = {
		{ 0.1, "0.1" }, { 100, "100" }, { 1.5, "1.5" },
		{ -2.25, "-2.25" }, { 1e-300, "1e-300" },
		{ 1.0 / 3, "0.3333333333333333" }, { DBL_MAX,
		  "1.7976931348623157e+308" }, { 123456789012.0,
		  "123456789012" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct rrdd_ds d = make_ds("x");
		char want[80], *json;
		struct rrdd_payload *p;

		d.max = cases[i].d;
		json = encode(&d, 1);
		snprintf(want, sizeof(want), "\"max\":\"%s\"", cases[i].text);
		ck_assert_msg(strstr(json, want) != NULL, "%s not in %s", want,
			      json);
		free(json);
		p = round_trip(&d, 1);
		ck_assert_msg(p->ds[0].max == cases[i].d, "read back %.17g",
			      p->ds[0].max);
		rrdd_payload_free(p);
	}
}
END_TEST

START_TEST(no_datasources)
{
	char *json = encode(NULL, 0);

	ck_assert_str_eq(json, "{\"datasources\":{}}");
	free(json);
}
END_TEST

START_TEST(stable_bytes)
{
	struct rrdd_ds ds[2] = { make_ds("a"), make_ds("b") };
	char *one = encode(ds, 2), *two = encode(ds, 2);

	ck_assert_str_eq(one, two);
	free(one);
	free(two);
}
END_TEST

static void expect_einval(const struct rrdd_ds *ds, size_t n,
			  const char *needle)
{
	struct rrdd_error err;
	char *json = (char *)1;
	size_t len = 1;

	ck_assert_int_eq(rrdd_metadata_encode(ds, n, &json, &len, &err),
			 RRDD_EINVAL);
	ck_assert_msg(json == NULL && len == 0, "outputs not cleared");
	ck_assert_msg(strstr(err.msg, needle) != NULL, "\"%s\" lacks \"%s\"",
		      err.msg, needle);
}

START_TEST(rejects_what_cannot_be_encoded)
{
	struct rrdd_ds ds[2] = { make_ds("a"), make_ds("a") };

	expect_einval(ds, 2, "duplicate");
	ds[1].name = NULL;
	expect_einval(ds, 2, "no name");
	ds[1] = make_ds("b");
	ds[1].owner = RRDD_OWNER_VM;
	expect_einval(ds, 2, "uuid");
	strcpy(ds[1].owner_uuid, "a b");
	expect_einval(ds, 2, "uuid");
	/* A uuid filling the array with no terminator. */
	memset(ds[1].owner_uuid, 'f', sizeof(ds[1].owner_uuid));
	expect_einval(ds, 2, "uuid");
	ds[1] = make_ds("b");
	ds[1].type = (enum rrdd_ds_type)9;
	expect_einval(ds, 2, "enum");
}
END_TEST

START_TEST(same_name_for_different_owners)
{
	struct rrdd_ds ds[3] = { make_ds("cpu0"), make_ds("cpu0"),
				 make_ds("cpu0") };
	struct rrdd_payload *p;

	ds[1].owner = RRDD_OWNER_VM;
	strcpy(ds[1].owner_uuid, "a");
	ds[2].owner = RRDD_OWNER_VM;
	strcpy(ds[2].owner_uuid, "b");
	p = round_trip(ds, 3);
	ck_assert_int_eq(p->n, 3);
	ck_assert_int_eq(p->ds[0].owner, RRDD_OWNER_HOST);
	ck_assert_str_eq(p->ds[1].owner_uuid, "a");
	ck_assert_str_eq(p->ds[2].owner_uuid, "b");
	rrdd_payload_free(p);
	/* The same owner twice is still refused. */
	strcpy(ds[2].owner_uuid, "a");
	expect_einval(ds, 3, "duplicate");
}
END_TEST

START_TEST(round_trip_keeps_every_field)
{
	struct rrdd_ds ds[3] = { make_ds("cpu0"), make_ds("memory"),
				 make_ds("odd \"name\" /\\ \xc3\xa9") };
	struct rrdd_payload *p;

	ds[0].owner = RRDD_OWNER_VM;
	strcpy(ds[0].owner_uuid, UUID);
	ds[0].type = RRDD_DERIVE;
	ds[0].is_default = true;
	ds[0].min = 0;
	ds[0].max = 1;
	ds[0].units = "(fraction)";
	ds[0].description = "tab\there, newline\nthere";
	ds[1].value_type = RRDD_VALUE_INT64;
	ds[1].type = RRDD_ABSOLUTE;
	ds[1].transform = RRDD_INVERSE;
	ds[1].units = "KiB/s";
	ds[2].owner = RRDD_OWNER_SR;
	strcpy(ds[2].owner_uuid, "abc");
	ds[2].min = -0.5;
	p = round_trip(ds, 3);
	ck_assert_int_eq(p->n, 3);
	for (size_t i = 0; i < 3; i++) {
		const struct rrdd_ds *a = &ds[i], *b = &p->ds[i];

		ck_assert_str_eq(a->name, b->name);
		ck_assert_str_eq(a->description, b->description);
		ck_assert_str_eq(a->units, b->units);
		ck_assert_str_eq(a->owner_uuid, b->owner_uuid);
		ck_assert_int_eq(a->owner, b->owner);
		ck_assert_int_eq(a->value_type, b->value_type);
		ck_assert_int_eq(a->type, b->type);
		ck_assert_int_eq(a->is_default, b->is_default);
		ck_assert_int_eq(a->transform, b->transform);
		ck_assert_msg(a->min == b->min && a->max == b->max, "range %zu",
			      i);
	}
	rrdd_payload_free(p);
}
END_TEST

/* ---- the encoder against json-c ---------------------------------------- */

static int json_flags(void)
{
#ifdef JSON_C_TO_STRING_NOSLASHESCAPE
	return JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
#else
	return JSON_C_TO_STRING_PLAIN;
#endif
}

static void ref_raw(char **out, size_t *len, const char *s)
{
	size_t n = strlen(s);

	*out = realloc(*out, *len + n + 1);
	ck_assert_ptr_ne(*out, NULL);
	memcpy(*out + *len, s, n + 1);
	*len += n;
}

/* Append obj as json-c prints it, then drop it. */
static void ref_append(char **out, size_t *len, struct json_object *obj)
{
	ref_raw(out, len, json_object_to_json_string_ext(obj, json_flags()));
	json_object_put(obj);
}

static void ref_member(struct json_object *obj, const char *key,
		       const char *value)
{
	json_object_object_add(obj, key, json_object_new_string(value));
}

/* One datasource as a json-c object, members in the encoder's order. */
static struct json_object *ref_object(const struct rrdd_ds *d)
{
	struct json_object *obj = json_object_new_object();
	char owner[64], min[32], max[32];

	if (d->owner == RRDD_OWNER_HOST)
		snprintf(owner, sizeof(owner), "host");
	else
		snprintf(owner, sizeof(owner), "%s %s",
			 rrdd_owner_kind_name(d->owner), d->owner_uuid);
	rrdd_format_double(min, d->min);
	rrdd_format_double(max, d->max);
	ref_member(obj, "description", d->description);
	ref_member(obj, "owner", owner);
	ref_member(obj, "value_type", rrdd_value_type_name(d->value_type));
	ref_member(obj, "type", rrdd_ds_type_name(d->type));
	ref_member(obj, "default", d->is_default ? "true" : "false");
	ref_member(obj, "units", d->units);
	ref_member(obj, "min", min);
	ref_member(obj, "max", max);
	if (d->transform != RRDD_IDENTITY)
		ref_member(obj, "transform", rrdd_transform_name(d->transform));
	return obj;
}

/* The metadata as json-c prints it, one object per datasource. */
static char *reference(const struct rrdd_ds *ds, size_t n)
{
	char *out = NULL;
	size_t len = 0;

	ref_raw(&out, &len, "{\"datasources\":{");
	for (size_t i = 0; i < n; i++) {
		if (i)
			ref_raw(&out, &len, ",");
		ref_append(&out, &len, json_object_new_string(ds[i].name));
		ref_raw(&out, &len, ":");
		ref_append(&out, &len, ref_object(&ds[i]));
	}
	ref_raw(&out, &len, "}}");
	return out;
}

/*
 * Strings are quoted directly when nothing in them needs escaping, and
 * escaped by json-c otherwise: either way the bytes are json-c's.  Every
 * character U+0001..U+00FF (its UTF-8 bytes: strings must be UTF-8) in
 * names, descriptions and units, and the plugin's own kind of
 * descriptions.
 */
START_TEST(bytes_equal_json_c_objects)
{
	static char names[256][16], descs[256][16], units[256][8];
	struct rrdd_ds ds[256 + 2];
	char *json, *want;
	size_t n = 0;

	for (int c = 1; c < 256; c++, n++) {
		char u[3] = { (char)c, 0, 0 };

		if (c >= 0x80) {
			u[0] = (char)(0xc0 | (c >> 6));
			u[1] = (char)(0x80 | (c & 0x3f));
		}
		snprintf(names[c], sizeof(names[c]), "n%03d%s", c, u);
		snprintf(descs[c], sizeof(descs[c]), "a%sb/\"\\", u);
		snprintf(units[c], sizeof(units[c]), "%s", u);
		ds[n] = make_ds(names[c]);
		ds[n].description = descs[c];
		ds[n].units = units[c];
		ds[n].owner = c % 2 ? RRDD_OWNER_VM : RRDD_OWNER_SR;
		strcpy(ds[n].owner_uuid, UUID);
		ds[n].transform = c % 3 ? RRDD_IDENTITY : RRDD_INVERSE;
		ds[n].min = c % 5 ? -INFINITY : -0.5 * c;
		ds[n].max = c % 7 ? 1.0 : INFINITY;
	}
	ds[n] = make_ds("cpu12");
	ds[n].description = "CPU12 usage";
	ds[n].units = "(fraction)";
	ds[n++].is_default = true;
	ds[n++] = make_ds("h\xc3\xa9 \xe2\x82\xac");
	json = encode(ds, n);
	want = reference(ds, n);
	for (size_t i = 0; json[i] || want[i]; i++)
		ck_assert_msg(json[i] == want[i],
			      "byte %zu: \"%.40s\" where json-c has \"%.40s\"",
			      i, json + i, want + i);
	free(json);
	free(want);
}
END_TEST

static Suite *metadata_suite(void)
{
	Suite *s = suite_create("metadata");
	TCase *tc = tcase_create("encode");

	tcase_add_test(tc, key_order_and_spelling);
	tcase_add_test(tc, order_follows_the_array);
	tcase_add_test(tc, infinities_and_transform);
	tcase_add_test(tc, shortest_exact_numbers);
	tcase_add_test(tc, no_datasources);
	tcase_add_test(tc, stable_bytes);
	tcase_add_test(tc, rejects_what_cannot_be_encoded);
	tcase_add_test(tc, round_trip_keeps_every_field);
	tcase_add_test(tc, same_name_for_different_owners);
	tcase_add_test(tc, bytes_equal_json_c_objects);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(metadata_suite)
