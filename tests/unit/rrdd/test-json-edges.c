/*
 * test-json-edges.c: metadata bytes on which json-c and xcp-rrdd's own
 * reader used to disagree, each decided as xcp-rrdd decides it or
 * refused where xcp-rrdd's result would be surprising
 * (docs/rrdd-protocol.md, "Strings and repeated keys").  What xcp-rrdd
 * makes of each was read with its reader (../shared/xcp-rrdd-reader) on
 * these very bytes.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"

#include "rrdd_protocol.h"
#include "rrdd/support/payload-bytes.h"

/* Decode a one-value payload around meta (len bytes, NULs allowed). */
static int decode(const char *meta, size_t len, struct rrdd_payload **p,
		  struct rrdd_error *err)
{
	uint64_t v = pb_bits(1.0);
	size_t size;
	uint8_t *buf = pb_build(pb_bits(1000.0), &v, 1, meta, len, &size);
	int rc = rrdd_payload_decode(buf, size, RRDD_TS_FLOAT, p, err);

	free(buf);
	return rc;
}

/* meta decodes; its one datasource is named name (exact bytes). */
static struct rrdd_payload *accepted(const char *meta, const char *name)
{
	struct rrdd_payload *p = NULL;
	struct rrdd_error err;

	ck_assert_msg(decode(meta, strlen(meta), &p, &err) == RRDD_OK,
		      "%s: %s", meta, err.msg);
	ck_assert_int_eq(p->n, 1);
	ck_assert_msg(strcmp(p->ds[0].name, name) == 0, "name \"%s\"",
		      p->ds[0].name);
	return p;
}

/* meta (len bytes) is refused with RRDD_EMETA and a message saying why. */
static void refused(const char *meta, size_t len, const char *why)
{
	struct rrdd_payload *p = NULL;
	struct rrdd_error err;

	ck_assert_int_eq(decode(meta, len, &p, &err), RRDD_EMETA);
	ck_assert_msg(p == NULL, "payload returned on failure");
	ck_assert_msg(strstr(err.msg, why) != NULL, "\"%s\" lacks \"%s\"",
		      err.msg, why);
}

#define DS(name) "{\"datasources\":{\"" name "\":{\"value_type\":\"float\"}}}"
#define REFUSED(lit, why) refused(lit, sizeof(lit) - 1, why)

/* json-c 0.16 made U+FFFD of a pair whose low 16 bits are D800-DFFF. */
START_TEST(surrogate_pairs_are_one_code_point)
{
	rrdd_payload_free(accepted(DS("\\ud836\\udc00"), "\xf0\x9d\xa0\x80"));
	rrdd_payload_free(accepted(DS("\\uD836\\uDC00"), "\xf0\x9d\xa0\x80"));
	rrdd_payload_free(accepted(DS("a\\ud83d\\ude00b"),
				   "a\xf0\x9f\x98\x80" "b"));
	rrdd_payload_free(accepted(DS("\\udbff\\udfff"), "\xf4\x8f\xbf\xbf"));
	/* the same character unescaped */
	rrdd_payload_free(accepted(DS("a\xf0\x9d\xa0\x80" "b"),
				   "a\xf0\x9d\xa0\x80" "b"));
}
END_TEST

/* Two names that differ only in a mangled character stay distinct. */
START_TEST(names_differing_in_astral_characters_do_not_collide)
{
	const char *meta = "{\"datasources\":{"
			   "\"\\ud836\\udc00\":{\"value_type\":\"float\"},"
			   "\"\\ud836\\udc01\":{\"value_type\":\"float\"}}}";
	uint64_t v[2] = { pb_bits(1.0), pb_bits(2.0) };
	struct rrdd_payload *p = NULL;
	struct rrdd_error err;
	size_t size;
	uint8_t *buf = pb_build(pb_bits(1000.0), v, 2, meta, strlen(meta),
				&size);

	ck_assert_msg(rrdd_payload_decode(buf, size, RRDD_TS_FLOAT, &p, &err) ==
		      RRDD_OK, "%s", err.msg);
	ck_assert_str_eq(p->ds[0].name, "\xf0\x9d\xa0\x80");
	ck_assert_str_eq(p->ds[1].name, "\xf0\x9d\xa0\x81");
	rrdd_payload_free(p);
	free(buf);
}
END_TEST

/* xcp-rrdd refuses a lone high surrogate; a lone low one it turns into
 * bytes that are not UTF-8: both refused. */
START_TEST(lone_surrogates_are_refused)
{
	REFUSED(DS("a\\ud836b"), "high surrogate without its low half");
	REFUSED(DS("a\\ud836\\u0041"), "high surrogate without its low half");
	REFUSED(DS("a\\ud836"), "high surrogate without its low half");
	REFUSED(DS("a\\udc00b"), "low surrogate without its high half");
}
END_TEST

/* xcp-rrdd keeps a NUL inside a name; a C string cannot: refused, as it
 * always was in descriptions and units. */
START_TEST(escaped_nul_is_refused_everywhere)
{
	REFUSED(DS("a\\u0000b"), "\\u0000");
	REFUSED("{\"datasources\":{\"x\":{\"value_type\":\"float\","
		"\"units\":\"B\\u0000\"}}}", "\\u0000");
	REFUSED("{\"datasources\":{\"x\":{\"value_type\":\"float\","
		"\"description\":\"\\u0000\"}}}", "\\u0000");
}
END_TEST

START_TEST(plain_escapes_decode)
{
	rrdd_payload_free(accepted(DS("a\\/b\\\"c\\\\d\\te\\u00e9"),
				   "a/b\"c\\d\te\xc3\xa9"));
}
END_TEST

/* xcp-rrdd looks members up with List.assoc: the first one wins. */
START_TEST(repeated_keys_first_wins)
{
	struct rrdd_payload *p;

	p = accepted("{\"datasources\":{\"x\":{\"value_type\":\"float\","
		     "\"value_type\":\"int64\"}}}", "x");
	ck_assert_int_eq(p->ds[0].value_type, RRDD_VALUE_FLOAT);
	rrdd_payload_free(p);
	p = accepted("{\"datasources\":{\"x\":{\"value_type\":\"float\","
		     "\"owner\":\"host\",\"owner\":\"vm "
		     "6f1c4e0a-3d2b-4c5e-9a7f-1b2c3d4e5f60\","
		     "\"type\":\"gauge\",\"type\":\"derive\"}}}", "x");
	ck_assert_int_eq(p->ds[0].owner, RRDD_OWNER_HOST);
	ck_assert_int_eq(p->ds[0].type, RRDD_GAUGE);
	rrdd_payload_free(p);
	p = accepted("{\"datasources\":{\"x\":{\"value_type\":\"float\"}},"
		     "\"datasources\":{\"y\":{\"value_type\":\"float\"}}}",
		     "x");
	rrdd_payload_free(p);
	/* a later repeat is not read at all, whatever its type */
	p = accepted("{\"datasources\":{\"x\":{\"value_type\":\"float\","
		     "\"min\":\"0\",\"min\":0}}}", "x");
	ck_assert(p->ds[0].min == 0.0);
	rrdd_payload_free(p);
	REFUSED("{\"datasources\":{\"x\":{\"value_type\":\"float\","
		"\"min\":0,\"min\":\"0\"}}}", "\"min\" is not a string");
}
END_TEST

/* xcp-rrdd passes such bytes on into its database and exports. */
START_TEST(invalid_utf8_is_refused)
{
	REFUSED(DS("a\xff" "b"), "not valid UTF-8 at byte 18");
	REFUSED(DS("a\xc3("), "not valid UTF-8 at byte 18");
	REFUSED(DS("a\xc0\xaf" "b"), "not valid UTF-8");	/* overlong '/' */
	REFUSED(DS("a\xed\xa0\x80"), "not valid UTF-8");	/* surrogate */
	REFUSED(DS("a\xf4\x90\x80\x80"), "not valid UTF-8");	/* > U+10FFFF */
	REFUSED(DS("a\xf0\x9d\xa0"), "not valid UTF-8");	/* cut short */
	REFUSED("{\"datasources\":{\"x\":{\"value_type\":\"float\","
		"\"description\":\"\xe9t\xe9\"}}}", "not valid UTF-8");
}
END_TEST

/* What the decoder refuses the encoder never writes. */
START_TEST(encoder_refuses_invalid_utf8)
{
	struct rrdd_ds d;
	struct rrdd_error err;
	char *json = NULL;
	size_t len;

	memset(&d, 0, sizeof(d));
	d.name = "ok\xc3\xa9";
	d.description = "\xff";
	d.value_type = RRDD_VALUE_FLOAT;
	ck_assert_int_eq(rrdd_metadata_encode(&d, 1, &json, &len, &err),
			 RRDD_EINVAL);
	ck_assert_msg(strstr(err.msg, "UTF-8") != NULL, "%s", err.msg);
	d.description = "\xf0\x9d\xa0\x80";
	ck_assert_int_eq(rrdd_metadata_encode(&d, 1, &json, &len, &err),
			 RRDD_OK);
	free(json);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("json-edges");
	TCase *tc = tcase_create("decode");

	tcase_add_test(tc, surrogate_pairs_are_one_code_point);
	tcase_add_test(tc, names_differing_in_astral_characters_do_not_collide);
	tcase_add_test(tc, lone_surrogates_are_refused);
	tcase_add_test(tc, escaped_nul_is_refused_everywhere);
	tcase_add_test(tc, plain_escapes_decode);
	tcase_add_test(tc, repeated_keys_first_wins);
	tcase_add_test(tc, invalid_utf8_is_refused);
	tcase_add_test(tc, encoder_refuses_invalid_utf8);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(suite)
