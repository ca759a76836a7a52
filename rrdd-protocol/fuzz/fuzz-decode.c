/*
 * fuzz-decode.c: libFuzzer target for rrdd_payload_decode.
 *
 * Each input is decoded twice: as given (header and CRC checks), and with
 * both CRCs recomputed, so that mutations reach the metadata parser instead
 * of stopping at a CRC mismatch.  Whatever decodes must survive a round
 * trip: re-encoded and decoded again, it gives the same datasources and
 * values; a difference aborts (a crash for the fuzzer).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void require(bool ok)
{
	if (!ok)
		abort();
}

static bool same_double(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

static void same_ds(const struct rrdd_ds *a, const struct rrdd_ds *b)
{
	require(!strcmp(a->name, b->name));
	require(!strcmp(a->description, b->description));
	require(!strcmp(a->units, b->units));
	require(!strcmp(a->owner_uuid, b->owner_uuid));
	require(a->owner == b->owner && a->type == b->type);
	require(a->value_type == b->value_type);
	require(a->is_default == b->is_default);
	require(a->transform == b->transform);
	require(same_double(a->min, b->min) && same_double(a->max, b->max));
}

static void round_trip(const struct rrdd_payload *p)
{
	struct rrdd_payload *q = NULL;
	char *json = NULL;
	size_t len, size;
	uint8_t *buf;

	require(rrdd_metadata_encode(p->ds, p->n, &json, &len, NULL) ==
		RRDD_OK);
	size = rrdd_payload_size(p->n, len);
	buf = malloc(size);
	require(buf != NULL);
	/* timestamp 1.0: the decoded one may be NaN, which cannot be encoded */
	require(rrdd_payload_encode(buf, size, 1.0, RRDD_TS_FLOAT, p->ds,
				    p->values, p->n, json, len, NULL) ==
		RRDD_OK);
	require(rrdd_payload_decode(buf, size, RRDD_TS_FLOAT, &q, NULL) ==
		RRDD_OK);
	require(q->n == p->n);
	for (size_t i = 0; i < p->n; i++) {
		same_ds(&p->ds[i], &q->ds[i]);
		require(p->values[i].i == q->values[i].i);
	}
	rrdd_payload_free(q);
	free(buf);
	free(json);
}

static void decode(const uint8_t *data, size_t size)
{
	static const enum rrdd_ts_format formats[] = {
		RRDD_TS_AUTO, RRDD_TS_INT64,
	};
	struct rrdd_payload *p;
	struct rrdd_error err;

	for (size_t f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
		int rc = rrdd_payload_decode(data, size, formats[f], &p, &err);

		if (rc != RRDD_OK) {
			require(p == NULL && err.code == rc && err.msg[0]);
			continue;
		}
		require(p->metadata[p->metadata_len] == '\0');
		require(p->trailing <= size);
		if (f == 0)
			round_trip(p);
		rrdd_payload_free(p);
	}
}

/* A copy of data with both CRCs made right, when its lengths allow. */
static uint8_t *with_good_crcs(const uint8_t *data, size_t size)
{
	uint8_t *copy;
	size_t meta_at, meta_len;
	uint32_t n;

	if (size < RRDD_HEADER_SIZE + 4)
		return NULL;
	n = rrdd_get_be32(data + RRDD_OFF_COUNT);
	if (rrdd_payload_size(n, 0) > size)
		return NULL;
	meta_at = rrdd_payload_size(n, 0);
	meta_len = rrdd_get_be32(data + meta_at - 4);
	if (meta_len > size - meta_at)
		return NULL;
	copy = malloc(size);
	require(copy != NULL);
	memcpy(copy, data, size);
	rrdd_put_be32(copy + RRDD_OFF_DATA_CRC,
		      rrdd_crc32(copy + RRDD_OFF_TIMESTAMP, 8 + 8 * (size_t)n));
	rrdd_put_be32(copy + RRDD_OFF_META_CRC,
		      rrdd_crc32(copy + meta_at, meta_len));
	return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed;

	decode(data, size);
	fixed = with_good_crcs(data, size);
	if (fixed) {
		decode(fixed, size);
		free(fixed);
	}
	return 0;
}
