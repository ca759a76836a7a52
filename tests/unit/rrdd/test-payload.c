/*
 * test-payload.c: the binary layer of rrdd-protocol: encode, decode,
 * both timestamp formats and every kind of bad input.  The bytes are built
 * here (support/payload-bytes.c), never read from elsewhere.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "check_main.h"

#include "rrdd_protocol.h"
#include "rrdd/support/payload-bytes.h"

#define UUID "6f1c4e0a-3d2b-4c5e-9a7f-1b2c3d4e5f60"

/* Two datasources: a float with a range and an int64 without. */
static const char META2[] =
	"{\"datasources\":{"
	"\"cpu0\":{\"description\":\"CPU0 usage\",\"owner\":\"vm " UUID "\","
	"\"value_type\":\"float\",\"type\":\"derive\",\"default\":\"true\","
	"\"units\":\"(fraction)\",\"min\":\"0.0\",\"max\":\"1.0\"},"
	"\"memory\":{\"owner\":\"host\",\"value_type\":\"int64\","
	"\"type\":\"gauge\",\"units\":\"B\",\"transform\":\"inverse\"}}}";

static const double TS = 1700000000.5;

static uint8_t *build2(size_t *len)
{
	uint64_t values[2] = { pb_bits(0.25), (uint64_t)1073741824 };

	return pb_build(pb_bits(TS), values, 2, META2, strlen(META2), len);
}

/* Build a one-datasource payload around the given datasource object. */
static uint8_t *build_ds(const char *ds_object, size_t *len)
{
	char meta[1024];
	uint64_t value = pb_bits(1.0);

	snprintf(meta, sizeof(meta), "{\"datasources\":{\"x\":%s}}",
		 ds_object);
	return pb_build(pb_bits(TS), &value, 1, meta, strlen(meta), len);
}

/* Decode and expect failure with code; the message must say something. */
static void expect_fail(const uint8_t *buf, size_t len, int code)
{
	struct rrdd_payload *p = (struct rrdd_payload *)1;
	struct rrdd_error err;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = rrdd_payload_decode(buf, len, RRDD_TS_AUTO, &p, &err);
	ck_assert_msg(rc == code, "len %zu: got %d (%s), want %d", len, rc,
		      err.msg, code);
	ck_assert_int_eq(err.code, code);
	ck_assert_msg(p == NULL, "out not NULL on failure");
	ck_assert_msg(err.msg[0] != '\0', "empty error message");
	ck_assert_msg(strchr(err.msg, '\n') == NULL, "multi-line message");
}

static void expect_ds_fail(const char *ds_object, const char *needle)
{
	struct rrdd_payload *p;
	struct rrdd_error err;
	size_t len;
	uint8_t *buf = build_ds(ds_object, &len);
	int rc = rrdd_payload_decode(buf, len, RRDD_TS_AUTO, &p, &err);

	ck_assert_msg(rc == RRDD_EMETA, "%s: got %d", ds_object, rc);
	ck_assert_msg(strstr(err.msg, needle) != NULL,
		      "%s: message \"%s\" lacks \"%s\"", ds_object, err.msg,
		      needle);
	free(buf);
}

static struct rrdd_payload *expect_ok(const uint8_t *buf, size_t len,
				      enum rrdd_ts_format format)
{
	struct rrdd_payload *p = NULL;
	struct rrdd_error err;
	int rc = rrdd_payload_decode(buf, len, format, &p, &err);

	ck_assert_msg(rc == RRDD_OK, "decode failed: %s", err.msg);
	ck_assert_msg(p != NULL, "no payload");
	return p;
}

START_TEST(decodes_float_timestamp_payload)
{
	size_t len;
	uint8_t *buf = build2(&len);
	struct rrdd_payload *p = expect_ok(buf, len, RRDD_TS_AUTO);

	ck_assert_int_eq(p->ts_format, RRDD_TS_FLOAT);
	ck_assert_msg(p->timestamp == TS, "timestamp %f", p->timestamp);
	ck_assert_int_eq(p->n, 2);
	ck_assert_str_eq(p->ds[0].name, "cpu0");
	ck_assert_str_eq(p->ds[1].name, "memory");
	ck_assert_int_eq(p->ds[0].value_type, RRDD_VALUE_FLOAT);
	ck_assert_int_eq(p->ds[1].value_type, RRDD_VALUE_INT64);
	ck_assert_msg(p->values[0].f == 0.25, "value 0 %f", p->values[0].f);
	ck_assert_msg(p->values[1].i == 1073741824, "value 1");
	ck_assert_int_eq(p->ds[0].owner, RRDD_OWNER_VM);
	ck_assert_str_eq(p->ds[0].owner_uuid, UUID);
	ck_assert_int_eq(p->ds[0].type, RRDD_DERIVE);
	ck_assert_msg(p->ds[0].is_default, "default");
	ck_assert_str_eq(p->ds[0].units, "(fraction)");
	ck_assert_str_eq(p->ds[0].description, "CPU0 usage");
	ck_assert_msg(p->ds[0].min == 0.0 && p->ds[0].max == 1.0, "range");
	ck_assert_int_eq(p->ds[0].transform, RRDD_IDENTITY);
	ck_assert_int_eq(p->ds[1].transform, RRDD_INVERSE);
	ck_assert_int_eq(p->ds[1].owner, RRDD_OWNER_HOST);
	ck_assert_str_eq(p->ds[1].owner_uuid, "");
	ck_assert_msg(p->data_crc == pb_get32(buf + PB_DATA_CRC), "data crc");
	ck_assert_msg(p->metadata_crc == pb_get32(buf + PB_META_CRC),
		      "meta crc");
	ck_assert_int_eq(p->metadata_len, strlen(META2));
	ck_assert_str_eq(p->metadata, META2);
	ck_assert_int_eq(p->trailing, 0);
	rrdd_payload_free(p);
	free(buf);
}
END_TEST

/* Members left out take xcp-rrdd's defaults; unknown members are ignored. */
START_TEST(absent_members_take_xcp_rrdd_defaults)
{
	size_t len;
	uint8_t *buf = build_ds("{\"value_type\":\"float\",\"value\":42,"
				"\"future\":[1,2]}", &len);
	struct rrdd_payload *p = expect_ok(buf, len, RRDD_TS_AUTO);

	ck_assert_int_eq(p->ds[0].type, RRDD_ABSOLUTE);
	ck_assert_int_eq(p->ds[0].owner, RRDD_OWNER_HOST);
	ck_assert_msg(!p->ds[0].is_default, "default");
	ck_assert_msg(isinf(p->ds[0].min) && p->ds[0].min < 0, "min");
	ck_assert_msg(isinf(p->ds[0].max) && p->ds[0].max > 0, "max");
	ck_assert_int_eq(p->ds[0].transform, RRDD_IDENTITY);
	ck_assert_str_eq(p->ds[0].description, "");
	ck_assert_str_eq(p->ds[0].units, "");
	ck_assert_msg(p->values[0].f == 1.0, "value from the binary part");
	rrdd_payload_free(p);
	free(buf);
}
END_TEST

/* xcp-rrdd lower-cases type and owner before matching them. */
START_TEST(type_and_owner_are_case_insensitive)
{
	size_t len;
	uint8_t *buf = build_ds("{\"value_type\":\"int64\",\"type\":\"GAUGE\","
				"\"owner\":\"SR ABCDEF\",\"min\":\"-inf\","
				"\"max\":\"infinity\"}", &len);
	struct rrdd_payload *p = expect_ok(buf, len, RRDD_TS_AUTO);

	ck_assert_int_eq(p->ds[0].type, RRDD_GAUGE);
	ck_assert_int_eq(p->ds[0].owner, RRDD_OWNER_SR);
	ck_assert_str_eq(p->ds[0].owner_uuid, "abcdef");
	ck_assert_msg(isinf(p->ds[0].max), "max");
	rrdd_payload_free(p);
	free(buf);
}
END_TEST

START_TEST(int64_timestamp_auto_detected)
{
	uint64_t values[2] = { pb_bits(0.5), 7 };
	size_t len;
	uint8_t *buf = pb_build(1687782821, values, 2, META2, strlen(META2),
				&len);
	struct rrdd_payload *p = expect_ok(buf, len, RRDD_TS_AUTO);

	ck_assert_int_eq(p->ts_format, RRDD_TS_INT64);
	ck_assert_msg(p->timestamp_int == 1687782821, "raw int");
	ck_assert_msg(p->timestamp == 1687782821.0, "as seconds");
	rrdd_payload_free(p);
	/* The override reads the same bytes the other way. */
	p = expect_ok(buf, len, RRDD_TS_FLOAT);
	ck_assert_int_eq(p->ts_format, RRDD_TS_FLOAT);
	ck_assert_msg(p->timestamp > 0 && p->timestamp < 1e-300, "denormal");
	rrdd_payload_free(p);
	free(buf);
}
END_TEST

START_TEST(int64_override_on_float_payload)
{
	size_t len;
	uint8_t *buf = build2(&len);
	struct rrdd_payload *p = expect_ok(buf, len, RRDD_TS_INT64);

	ck_assert_int_eq(p->ts_format, RRDD_TS_INT64);
	ck_assert_msg(p->timestamp_int == (int64_t)pb_bits(TS), "raw bits");
	rrdd_payload_free(p);
	free(buf);
}
END_TEST

/* xcp-rrdd's own plugins pad the file to a page with zeros. */
START_TEST(trailing_padding_is_allowed)
{
	size_t len;
	uint8_t *buf = build2(&len);
	uint8_t *padded = calloc(1, 4096);
	struct rrdd_payload *p;

	memcpy(padded, buf, len);
	p = expect_ok(padded, 4096, RRDD_TS_AUTO);
	ck_assert_int_eq(p->trailing, 4096 - len);
	ck_assert_int_eq(p->n, 2);
	rrdd_payload_free(p);
	free(padded);
	free(buf);
}
END_TEST

START_TEST(encode_matches_independent_layout)
{
	struct rrdd_ds ds[2];
	union rrdd_value values[2];
	struct rrdd_error err;
	size_t len, size = rrdd_payload_size(2, strlen(META2));
	uint8_t *want = build2(&len);
	uint8_t *got = malloc(size + 8);

	memset(ds, 0, sizeof(ds));
	values[0].f = 0.25;
	values[1].i = 1073741824;
	ck_assert_int_eq(size, len);
	memset(got, 0xAA, size + 8);
	ck_assert_int_eq(rrdd_payload_encode(got, size + 8, TS, RRDD_TS_FLOAT,
					     ds, values, 2, META2,
					     strlen(META2), &err), RRDD_OK);
	ck_assert_msg(memcmp(got, want, len) == 0, "bytes differ");
	ck_assert_msg(got[size] == 0xAA && got[size + 7] == 0xAA,
		      "wrote past the payload");
	free(got);
	free(want);
}
END_TEST

START_TEST(encode_int64_timestamp)
{
	union rrdd_value v = { .i = 5 };
	struct rrdd_error err;
	const char *meta = "{\"datasources\":{\"a\":{\"value_type\":\"int64\"}}}";
	size_t size = rrdd_payload_size(1, strlen(meta));
	uint8_t *buf = malloc(size);
	struct rrdd_payload *p;

	ck_assert_int_eq(rrdd_payload_encode(buf, size, 1687782821.9,
					     RRDD_TS_INT64, NULL, &v, 1, meta,
					     strlen(meta), &err), RRDD_OK);
	ck_assert_msg(pb_get64(buf + PB_TIMESTAMP) == 1687782821,
		      "int64 seconds, rounded down");
	ck_assert_msg(pb_get32(buf + PB_DATA_CRC) ==
		      (uint32_t)crc32(0, buf + PB_TIMESTAMP, 16), "data crc");
	p = expect_ok(buf, size, RRDD_TS_AUTO);
	ck_assert_int_eq(p->ts_format, RRDD_TS_INT64);
	ck_assert_msg(p->values[0].i == 5, "value");
	rrdd_payload_free(p);
	free(buf);
}
END_TEST

START_TEST(encode_rejects_bad_arguments)
{
	union rrdd_value v = { .f = 1 };
	struct rrdd_error err;
	uint8_t buf[128];

	ck_assert_int_eq(rrdd_payload_encode(buf, 30, 1.0, RRDD_TS_FLOAT, NULL,
					     &v, 1, "{}", 2, &err),
			 RRDD_EINVAL);
	ck_assert_msg(strstr(err.msg, "too small") != NULL, "%s", err.msg);
	ck_assert_int_eq(rrdd_payload_encode(buf, sizeof(buf), 1.0,
					     RRDD_TS_AUTO, NULL, &v, 1, "{}",
					     2, &err), RRDD_EINVAL);
	ck_assert_int_eq(rrdd_payload_encode(buf, sizeof(buf), NAN,
					     RRDD_TS_FLOAT, NULL, &v, 1, "{}",
					     2, &err), RRDD_EINVAL);
	ck_assert_int_eq(rrdd_payload_encode(buf, sizeof(buf), 1.0,
					     RRDD_TS_FLOAT, NULL, NULL, 1,
					     "{}", 2, &err), RRDD_EINVAL);
	/* err may be NULL: the code alone still says what happened. */
	ck_assert_int_eq(rrdd_payload_encode(NULL, 0, 1.0, RRDD_TS_FLOAT,
					     NULL, &v, 1, "{}", 2, NULL),
			 RRDD_EINVAL);
}
END_TEST

START_TEST(truncated_at_every_offset)
{
	size_t len;
	uint8_t *buf = build2(&len);

	for (size_t cut = 0; cut < len; cut++) {
		/* A fresh copy of exactly cut bytes, so ASan sees overreads. */
		uint8_t *part = malloc(cut ? cut : 1);

		memcpy(part, buf, cut);
		expect_fail(part, cut, RRDD_ETRUNC);
		free(part);
	}
	free(buf);
}
END_TEST

START_TEST(wrong_header)
{
	size_t len;
	uint8_t *buf = build2(&len);

	for (size_t i = 0; i < 11; i++) {
		buf[i] ^= 0x20;
		expect_fail(buf, len, RRDD_EHEADER);
		/* A short buffer that does not start right is a bad header. */
		expect_fail(buf, i + 1, RRDD_EHEADER);
		buf[i] ^= 0x20;
	}
	free(buf);
}
END_TEST

START_TEST(data_crc_wrong)
{
	size_t len;
	uint8_t *buf = build2(&len);

	/* The CRC field itself, the timestamp and a value. */
	const size_t at[] = { PB_DATA_CRC, PB_DATA_CRC + 3, PB_TIMESTAMP,
			      PB_VALUES + 7, PB_VALUES + 8 };

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		buf[at[i]] ^= 1;
		expect_fail(buf, len, RRDD_EDATACRC);
		buf[at[i]] ^= 1;
	}
	free(buf);
}
END_TEST

START_TEST(metadata_crc_wrong)
{
	size_t len;
	uint8_t *buf = build2(&len);
	size_t meta = PB_VALUES + 16 + 4;

	const size_t at[] = { PB_META_CRC, PB_META_CRC + 3, meta,
			      meta + 10, len - 1 };

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		buf[at[i]] ^= 1;
		expect_fail(buf, len, RRDD_EMETACRC);
		buf[at[i]] ^= 1;
	}
	free(buf);
}
END_TEST

START_TEST(count_disagrees_with_metadata)
{
	uint64_t values[3] = { 0, 0, 0 };
	size_t len;
	uint8_t *buf;
	struct rrdd_error err;
	struct rrdd_payload *p;

	/* Three values, two descriptions. */
	buf = pb_build(pb_bits(TS), values, 3, META2, strlen(META2), &len);
	expect_fail(buf, len, RRDD_ECOUNT);
	rrdd_payload_decode(buf, len, RRDD_TS_AUTO, &p, &err);
	ck_assert_msg(strstr(err.msg, "3") && strstr(err.msg, "2"), "%s",
		      err.msg);
	free(buf);
	/* One value, two descriptions. */
	buf = pb_build(pb_bits(TS), values, 1, META2, strlen(META2), &len);
	expect_fail(buf, len, RRDD_ECOUNT);
	free(buf);
	/* No values, two descriptions. */
	buf = pb_build(pb_bits(TS), values, 0, META2, strlen(META2), &len);
	expect_fail(buf, len, RRDD_ECOUNT);
	free(buf);
}
END_TEST

/* Every member xcp-rrdd reads must be a JSON string. */
START_TEST(non_string_json_values)
{
	expect_ds_fail("{\"value_type\":\"float\",\"min\":0}", "not a string");
	expect_ds_fail("{\"value_type\":\"float\",\"max\":1.5}",
		       "not a string");
	expect_ds_fail("{\"value_type\":\"float\",\"default\":true}",
		       "not a string");
	expect_ds_fail("{\"value_type\":1}", "not a string");
	expect_ds_fail("{\"value_type\":\"float\",\"owner\":null}",
		       "not a string");
	expect_ds_fail("{\"value_type\":\"float\",\"description\":{}}",
		       "not a string");
	expect_ds_fail("{\"value_type\":\"float\",\"units\":[\"B\"]}",
		       "not a string");
	expect_ds_fail("{\"value_type\":\"float\",\"type\":false}",
		       "not a string");
	expect_ds_fail("{\"value_type\":\"float\",\"transform\":0}",
		       "not a string");
	expect_ds_fail("\"gauge\"", "not an object");
}
END_TEST

START_TEST(unknown_type_owner_and_other_enums)
{
	expect_ds_fail("{\"value_type\":\"float\",\"type\":\"counter\"}",
		       "unknown type");
	expect_ds_fail("{\"value_type\":\"float\",\"owner\":\"pool\"}",
		       "unknown owner");
	expect_ds_fail("{\"value_type\":\"float\",\"owner\":\"vm\"}",
		       "unknown owner");
	expect_ds_fail("{\"value_type\":\"float\",\"owner\":\"vm \"}",
		       "unknown owner");
	expect_ds_fail("{\"value_type\":\"float\",\"owner\":\"vm a b\"}",
		       "unknown owner");
	expect_ds_fail("{\"value_type\":\"float\",\"owner\":\"host x\"}",
		       "unknown owner");
	expect_ds_fail("{\"value_type\":\"float\",\"owner\":\"vm "
		       "0123456789012345678901234567890123456\"}",
		       "unknown owner");
	expect_ds_fail("{\"value_type\":\"double\"}", "unknown value_type");
	expect_ds_fail("{\"type\":\"gauge\"}", "no value_type");
	expect_ds_fail("{\"value_type\":\"float\",\"default\":\"yes\"}",
		       "default");
	expect_ds_fail("{\"value_type\":\"float\",\"default\":\"True\"}",
		       "default");
	expect_ds_fail("{\"value_type\":\"float\",\"transform\":\"log\"}",
		       "unknown transform");
	expect_ds_fail("{\"value_type\":\"float\",\"min\":\"zero\"}",
		       "not a number");
	expect_ds_fail("{\"value_type\":\"float\",\"max\":\"\"}",
		       "not a number");
	expect_ds_fail("{\"value_type\":\"float\",\"max\":\"1x\"}",
		       "not a number");
}
END_TEST

START_TEST(metadata_longer_than_file)
{
	size_t len;
	uint8_t *buf = build2(&len);
	uint8_t *lp = buf + PB_VALUES + 16;
	uint32_t meta_len = pb_get32(lp);

	pb_put32(lp, meta_len + 1);
	expect_fail(buf, len, RRDD_ETRUNC);
	pb_put32(lp, 0xffffffffu);
	expect_fail(buf, len, RRDD_ETRUNC);
	free(buf);
	/* A count whose values alone run past the end. */
	buf = build2(&len);
	pb_put32(buf + PB_COUNT, 0xffffffffu);
	expect_fail(buf, len, RRDD_ETRUNC);
	free(buf);
}
END_TEST

START_TEST(nul_bytes_in_metadata)
{
	char meta[sizeof(META2)];
	uint64_t values[2] = { 0, 0 };
	size_t len, at[] = { 1, 20, sizeof(META2) / 2 };
	uint8_t *buf;

	for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
		memcpy(meta, META2, sizeof(META2));
		meta[at[i]] = '\0';
		buf = pb_build(pb_bits(TS), values, 2, meta, sizeof(META2) - 1,
			       &len);
		expect_fail(buf, len, RRDD_EMETA);
		free(buf);
	}
	/* An escaped NUL inside a string is refused too. */
	buf = build_ds("{\"value_type\":\"float\",\"units\":\"a\\u0000b\"}",
		       &len);
	expect_fail(buf, len, RRDD_EMETA);
	free(buf);
}
END_TEST

/*
 * xcp-rrdd trims NULs at the ends of the metadata (a C writer counted its
 * terminator in the length and the CRC): such files still decode.
 */
START_TEST(terminating_nul_is_tolerated)
{
	uint64_t values[2] = { 0, 0 };
	size_t len;
	uint8_t *buf = pb_build(pb_bits(TS), values, 2, META2, sizeof(META2),
				&len);
	struct rrdd_payload *p = expect_ok(buf, len, RRDD_TS_AUTO);

	ck_assert_int_eq(p->metadata_len, strlen(META2));
	ck_assert_int_eq(p->n, 2);
	rrdd_payload_free(p);
	free(buf);
}
END_TEST

static void expect_meta_fail(const char *meta)
{
	size_t len;
	uint8_t *buf = pb_build(pb_bits(TS), NULL, 0, meta, strlen(meta),
				&len);

	expect_fail(buf, len, RRDD_EMETA);
	free(buf);
}

START_TEST(malformed_json)
{
	expect_meta_fail("");
	expect_meta_fail("{");
	expect_meta_fail("{\"datasources\":{}} x");
	expect_meta_fail("[]");
	expect_meta_fail("{}");
	expect_meta_fail("{\"datasources\":[]}");
	expect_meta_fail("{\"datasources\":{},}");
}
END_TEST

START_TEST(empty_payload_decodes)
{
	const char *meta = "{\"datasources\": {}}\n";
	size_t len;
	uint8_t *buf = pb_build(pb_bits(TS), NULL, 0, meta, strlen(meta),
				&len);
	struct rrdd_payload *p = expect_ok(buf, len, RRDD_TS_AUTO);

	ck_assert_int_eq(p->n, 0);
	ck_assert_msg(p->timestamp == TS, "timestamp");
	rrdd_payload_free(p);
	free(buf);
}
END_TEST

START_TEST(decode_rejects_bad_arguments)
{
	struct rrdd_payload *p;
	struct rrdd_error err;
	size_t len;
	uint8_t *buf = build2(&len);

	ck_assert_int_eq(rrdd_payload_decode(buf, len, RRDD_TS_AUTO, NULL,
					     &err), RRDD_EINVAL);
	ck_assert_int_eq(rrdd_payload_decode(NULL, 5, RRDD_TS_AUTO, &p, &err),
			 RRDD_EINVAL);
	ck_assert_int_eq(rrdd_payload_decode(buf, len, (enum rrdd_ts_format)7,
					     &p, NULL), RRDD_EINVAL);
	rrdd_payload_free(NULL);
	free(buf);
}
END_TEST

/*
 * xcp-rrdd keys datasources by name and owner: one name may come once per
 * owner (its CPU plugin writes cpu0 for the host and for each VM), but a
 * repeated (name, owner) is refused.
 */
START_TEST(same_name_for_different_owners)
{
	static const char meta[] =
		"{\"datasources\":{"
		"\"cpu0\":{\"value_type\":\"float\",\"owner\":\"host\"},"
		"\"cpu0\":{\"value_type\":\"float\",\"owner\":\"vm a\"},"
		"\"cpu0\":{\"value_type\":\"int64\",\"owner\":\"vm b\"}}}";
	uint64_t values[3] = { pb_bits(0.5), pb_bits(1.5), 9 };
	size_t len;
	uint8_t *buf = pb_build(pb_bits(TS), values, 3, meta, strlen(meta),
				&len);
	struct rrdd_payload *p = expect_ok(buf, len, RRDD_TS_AUTO);

	ck_assert_int_eq(p->n, 3);
	ck_assert_int_eq(p->ds[0].owner, RRDD_OWNER_HOST);
	ck_assert_str_eq(p->ds[1].owner_uuid, "a");
	ck_assert_str_eq(p->ds[2].owner_uuid, "b");
	ck_assert_msg(p->values[1].f == 1.5 && p->values[2].i == 9, "values");
	rrdd_payload_free(p);
	free(buf);
}
END_TEST

START_TEST(repeated_name_and_owner)
{
	static const char meta[] =
		"{\"datasources\":{"
		"\"cpu0\":{\"value_type\":\"float\",\"owner\":\"vm a\"},"
		"\"cpu0\":{\"value_type\":\"float\",\"owner\":\"VM A\"}}}";
	uint64_t values[2] = { 0, 0 };
	size_t len;
	uint8_t *buf = pb_build(pb_bits(TS), values, 2, meta, strlen(meta),
				&len);
	struct rrdd_payload *p;
	struct rrdd_error err;

	expect_fail(buf, len, RRDD_EMETA);
	rrdd_payload_decode(buf, len, RRDD_TS_AUTO, &p, &err);
	ck_assert_msg(strstr(err.msg, "duplicate") != NULL, "%s", err.msg);
	free(buf);
}
END_TEST

START_TEST(status_names)
{
	static const int codes[] = {
		RRDD_OK, RRDD_EINVAL, RRDD_ENOMEM, RRDD_ETRUNC, RRDD_EHEADER,
		RRDD_EDATACRC, RRDD_EMETACRC, RRDD_EMETA, RRDD_ECOUNT,
		RRDD_EIO, RRDD_ENOSPC, RRDD_ENOSOCK, RRDD_ECONNREFUSED,
		RRDD_ETIMEDOUT, RRDD_EHTTP, RRDD_EFAILURE, RRDD_EREPLY,
	};
	const size_t count = sizeof(codes) / sizeof(codes[0]);

	for (size_t i = 0; i < count; i++) {
		ck_assert_msg(rrdd_strerror(codes[i])[0] != '\0', "empty");
		for (size_t j = 0; j < i; j++)
			ck_assert_msg(strcmp(rrdd_strerror(codes[i]),
					     rrdd_strerror(codes[j])) != 0,
				      "codes %d and %d share a name",
				      codes[i], codes[j]);
	}
	ck_assert_str_eq(rrdd_strerror(RRDD_EDATACRC), "data CRC mismatch");
	ck_assert_str_eq(rrdd_strerror(-999), "unknown error");
	ck_assert_str_eq(rrdd_ds_type_name(RRDD_DERIVE), "derive");
	ck_assert_str_eq(rrdd_owner_kind_name(RRDD_OWNER_SR), "sr");
	ck_assert_str_eq(rrdd_value_type_name(RRDD_VALUE_INT64), "int64");
	ck_assert_str_eq(rrdd_transform_name(RRDD_INVERSE), "inverse");
}
END_TEST

static Suite *payload_suite(void)
{
	Suite *s = suite_create("payload");
	TCase *good = tcase_create("good");
	TCase *bad = tcase_create("bad");

	tcase_add_test(good, decodes_float_timestamp_payload);
	tcase_add_test(good, absent_members_take_xcp_rrdd_defaults);
	tcase_add_test(good, type_and_owner_are_case_insensitive);
	tcase_add_test(good, int64_timestamp_auto_detected);
	tcase_add_test(good, int64_override_on_float_payload);
	tcase_add_test(good, trailing_padding_is_allowed);
	tcase_add_test(good, encode_matches_independent_layout);
	tcase_add_test(good, encode_int64_timestamp);
	tcase_add_test(good, terminating_nul_is_tolerated);
	tcase_add_test(good, empty_payload_decodes);
	tcase_add_test(good, status_names);
	tcase_add_test(good, same_name_for_different_owners);
	tcase_add_test(bad, repeated_name_and_owner);
	tcase_add_test(bad, encode_rejects_bad_arguments);
	tcase_add_test(bad, truncated_at_every_offset);
	tcase_add_test(bad, wrong_header);
	tcase_add_test(bad, data_crc_wrong);
	tcase_add_test(bad, metadata_crc_wrong);
	tcase_add_test(bad, count_disagrees_with_metadata);
	tcase_add_test(bad, non_string_json_values);
	tcase_add_test(bad, unknown_type_owner_and_other_enums);
	tcase_add_test(bad, metadata_longer_than_file);
	tcase_add_test(bad, nul_bytes_in_metadata);
	tcase_add_test(bad, malformed_json);
	tcase_add_test(bad, decode_rejects_bad_arguments);
	suite_add_tcase(s, good);
	suite_add_tcase(s, bad);
	return s;
}

CHECK_MAIN(payload_suite)
