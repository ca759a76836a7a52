/*
 * payload.c: the binary layout of a v2 payload (docs/rrdd-protocol.md):
 *   "DATASOURCES" | data CRC | metadata CRC | N | timestamp |
 *   N x value | L | L bytes of metadata JSON
 * all big-endian, CRCs from zlib.  The JSON itself is metadata.c's job.
 */
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "internal.h"

static const char magic[] = "DATASOURCES";
#define MAGIC_LEN (sizeof(magic) - 1)

size_t rrdd_payload_size(size_t n, size_t metadata_len)
{
	return RRDD_HEADER_SIZE + 8 * n + 4 + metadata_len;
}

uint32_t rrdd_crc32_more(uint32_t crc, const uint8_t *buf, size_t len)
{
	uLong c = crc;

	/* zlib takes a uInt length: feed very long buffers in pieces. */
	while (len > 0) {
		uInt chunk = len > UINT_MAX ? UINT_MAX : (uInt)len;

		c = crc32(c, buf, chunk);
		buf += chunk;
		len -= chunk;
	}
	return (uint32_t)c;
}

uint32_t rrdd_crc32(const uint8_t *buf, size_t len)
{
	return rrdd_crc32_more((uint32_t)crc32(0L, Z_NULL, 0), buf, len);
}

uint32_t rrdd_crc32_shift(uint32_t crc, size_t len)
{
	/* zlib's combine with an empty second part's CRC (0) is the CRC's
	 * register run over len zero bytes (zlib 1.2.7 on: O(log len)). */
	return len ? (uint32_t)crc32_combine(crc, 0, (z_off_t)len) : crc;
}

uint32_t rrdd_crc32_concat(uint32_t crc1, uint32_t crc2, size_t len2)
{
	return len2 ? (uint32_t)crc32_combine(crc1, crc2, (z_off_t)len2) :
		      crc1;
}

uint64_t rrdd_timestamp_bits(double timestamp, enum rrdd_ts_format format)
{
	uint64_t bits;

	if (format == RRDD_TS_INT64)
		return (uint64_t)(int64_t)floor(timestamp);
	memcpy(&bits, &timestamp, sizeof(bits));
	return bits;
}

/* ---- encoding ----------------------------------------------------------- */

static int check_encode_args(const uint8_t *buf, size_t buf_len,
			     double timestamp, enum rrdd_ts_format ts_format,
			     const union rrdd_value *values, size_t n,
			     const char *metadata, size_t metadata_len,
			     struct rrdd_error *err)
{
	if (!buf || (n && !values) || (metadata_len && !metadata))
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "rrdd_payload_encode: NULL argument");
	if (ts_format != RRDD_TS_FLOAT && ts_format != RRDD_TS_INT64)
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "timestamp format must be float or int64");
	if (!isfinite(timestamp) ||
	    (ts_format == RRDD_TS_INT64 &&
	     fabs(timestamp) >= 9.2e18))
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "timestamp %g cannot be encoded", timestamp);
	if (n > UINT32_MAX || metadata_len > UINT32_MAX)
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "%zu values / %zu metadata bytes exceed the "
				 "format's 32-bit fields", n, metadata_len);
	if (buf_len < rrdd_payload_size(n, metadata_len))
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "buffer of %zu bytes too small for a %zu-byte "
				 "payload", buf_len,
				 rrdd_payload_size(n, metadata_len));
	return RRDD_OK;
}

/*
 * ds is not needed to lay the values out: a value's 8 bytes are its bit
 * pattern whatever its type, so ds may be NULL.
 */
int rrdd_payload_encode(uint8_t *buf, size_t buf_len, double timestamp,
			enum rrdd_ts_format ts_format,
			const struct rrdd_ds *ds, const union rrdd_value *values,
			size_t n, const char *metadata, size_t metadata_len,
			struct rrdd_error *err)
{
	uint8_t *meta_at = buf + RRDD_OFF_VALUES + 8 * n;
	int rc;

	(void)ds;
	rc = check_encode_args(buf, buf_len, timestamp, ts_format, values, n,
			       metadata, metadata_len, err);
	if (rc)
		return rc;
	memcpy(buf, magic, MAGIC_LEN);
	rrdd_put_be32(buf + RRDD_OFF_COUNT, (uint32_t)n);
	rrdd_put_be64(buf + RRDD_OFF_TIMESTAMP,
		      rrdd_timestamp_bits(timestamp, ts_format));
	for (size_t i = 0; i < n; i++)
		rrdd_put_be64(buf + RRDD_OFF_VALUES + 8 * i,
			      (uint64_t)values[i].i);
	rrdd_put_be32(meta_at, (uint32_t)metadata_len);
	if (metadata_len)
		memcpy(meta_at + 4, metadata, metadata_len);
	rrdd_put_be32(buf + RRDD_OFF_DATA_CRC,
		      rrdd_crc32(buf + RRDD_OFF_TIMESTAMP, 8 + 8 * n));
	rrdd_put_be32(buf + RRDD_OFF_META_CRC,
		      rrdd_crc32(meta_at + 4, metadata_len));
	return RRDD_OK;
}

/* ---- decoding ----------------------------------------------------------- */

/* Where the parts of a payload are, once its lengths are checked. */
struct layout {
	uint32_t n;
	size_t meta_off;	/* first byte of the JSON */
	size_t meta_len;
	size_t end;		/* one past the JSON */
};

static int check_header(const uint8_t *buf, size_t len, struct layout *l,
			struct rrdd_error *err)
{
	size_t need;

	if (memcmp(buf, magic, len < MAGIC_LEN ? len : MAGIC_LEN) != 0)
		return rrdd_fail(err, RRDD_EHEADER, 0,
				 "header is not \"DATASOURCES\"");
	if (len < RRDD_HEADER_SIZE + 4)
		return rrdd_fail(err, RRDD_ETRUNC, 0,
				 "payload of %zu bytes is shorter than the "
				 "%d-byte header", len, RRDD_HEADER_SIZE + 4);
	l->n = rrdd_get_be32(buf + RRDD_OFF_COUNT);
	need = rrdd_payload_size(l->n, 0);
	if (need > len)
		return rrdd_fail(err, RRDD_ETRUNC, 0,
				 "count %u needs %zu bytes, payload has %zu",
				 l->n, need, len);
	l->meta_len = rrdd_get_be32(buf + need - 4);
	l->meta_off = need;
	l->end = need + l->meta_len;
	if (l->end > len)
		return rrdd_fail(err, RRDD_ETRUNC, 0,
				 "metadata length %zu runs past the end of the "
				 "%zu-byte payload", l->meta_len, len);
	return RRDD_OK;
}

static int check_crcs(const uint8_t *buf, const struct layout *l,
		      struct rrdd_error *err)
{
	uint32_t want = rrdd_get_be32(buf + RRDD_OFF_DATA_CRC);
	uint32_t got = rrdd_crc32(buf + RRDD_OFF_TIMESTAMP, 8 + 8 * (size_t)l->n);

	if (got != want)
		return rrdd_fail(err, RRDD_EDATACRC, 0,
				 "data CRC is %08x, header says %08x", got,
				 want);
	want = rrdd_get_be32(buf + RRDD_OFF_META_CRC);
	got = rrdd_crc32(buf + l->meta_off, l->meta_len);
	if (got != want)
		return rrdd_fail(err, RRDD_EMETACRC, 0,
				 "metadata CRC is %08x, header says %08x", got,
				 want);
	return RRDD_OK;
}

/*
 * xcp-rrdd trims NUL bytes from both ends of the metadata (a C writer
 * once counted its terminator); a NUL anywhere else is an error.
 */
static int trim_nuls(const uint8_t *buf, struct layout *l,
		     struct rrdd_error *err)
{
	const uint8_t *nul;

	while (l->meta_len && buf[l->meta_off + l->meta_len - 1] == '\0')
		l->meta_len--;
	while (l->meta_len && buf[l->meta_off] == '\0') {
		l->meta_off++;
		l->meta_len--;
	}
	nul = memchr(buf + l->meta_off, '\0', l->meta_len);
	if (nul)
		return rrdd_fail(err, RRDD_EMETA, 0,
				 "metadata contains a NUL byte at offset %zu",
				 (size_t)(nul - buf));
	return RRDD_OK;
}

static void read_timestamp(const uint8_t *buf, enum rrdd_ts_format format,
			   struct rrdd_payload *p)
{
	uint64_t bits = rrdd_get_be64(buf + RRDD_OFF_TIMESTAMP);

	/*
	 * An int64 of any time before the year 142 million has a zero
	 * exponent field when read as a double; a float64 of any time after
	 * 1970 does not.
	 */
	if (format == RRDD_TS_AUTO)
		format = (bits >> 52 & 0x7ff) == 0 ? RRDD_TS_INT64 :
						     RRDD_TS_FLOAT;
	p->ts_format = format;
	if (format == RRDD_TS_INT64) {
		p->timestamp_int = (int64_t)bits;
		p->timestamp = (double)p->timestamp_int;
	} else {
		memcpy(&p->timestamp, &bits, sizeof(bits));
		p->timestamp_int = 0;
	}
}

/* Copy the JSON and decode the descriptions into p. */
static int read_metadata(const uint8_t *buf, const struct layout *l,
			 struct rrdd_payload *p, struct rrdd_error *err)
{
	/* One block: the JSON, its NUL, then the decoded strings. */
	size_t arena_len = l->meta_len + 1;

	p->metadata = malloc(l->meta_len + 1 + arena_len);
	if (!p->metadata)
		return rrdd_fail(err, RRDD_ENOMEM, 0,
				 "out of memory for %zu bytes of metadata",
				 l->meta_len);
	memcpy(p->metadata, buf + l->meta_off, l->meta_len);
	p->metadata[l->meta_len] = '\0';
	p->metadata_len = l->meta_len;
	return rrdd_metadata_decode(p->metadata, l->meta_len, &p->ds, &p->n,
				    p->metadata + l->meta_len + 1, arena_len,
				    err);
}

static int read_values(const uint8_t *buf, const struct layout *l,
		       struct rrdd_payload *p, struct rrdd_error *err)
{
	if (p->n != l->n)
		return rrdd_fail(err, RRDD_ECOUNT, 0,
				 "header counts %u values, metadata describes "
				 "%zu datasources", l->n, p->n);
	p->values = calloc(l->n ? l->n : 1, sizeof(*p->values));
	if (!p->values)
		return rrdd_fail(err, RRDD_ENOMEM, 0,
				 "out of memory for %u values", l->n);
	/* The bit pattern is the value, whether int64 or float64. */
	for (size_t i = 0; i < l->n; i++)
		p->values[i].i = (int64_t)rrdd_get_be64(buf + RRDD_OFF_VALUES +
							 8 * i);
	return RRDD_OK;
}

int rrdd_payload_decode(const uint8_t *buf, size_t len,
			enum rrdd_ts_format ts_format,
			struct rrdd_payload **out, struct rrdd_error *err)
{
	struct rrdd_payload *p;
	struct layout l = { 0, 0, 0, 0 };
	int rc;

	if (out)
		*out = NULL;
	if (!out || (!buf && len) || (unsigned)ts_format > RRDD_TS_AUTO)
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "rrdd_payload_decode: bad argument");
	if (!buf)
		buf = (const uint8_t *)"";
	rc = check_header(buf, len, &l, err);
	if (!rc)
		rc = check_crcs(buf, &l, err);
	if (!rc)
		rc = trim_nuls(buf, &l, err);
	if (rc)
		return rc;
	p = calloc(1, sizeof(*p));
	if (!p)
		return rrdd_fail(err, RRDD_ENOMEM, 0, "out of memory");
	read_timestamp(buf, ts_format, p);
	p->data_crc = rrdd_get_be32(buf + RRDD_OFF_DATA_CRC);
	p->metadata_crc = rrdd_get_be32(buf + RRDD_OFF_META_CRC);
	p->trailing = len - l.end;
	rc = read_metadata(buf, &l, p, err);
	if (!rc)
		rc = read_values(buf, &l, p, err);
	if (rc) {
		rrdd_payload_free(p);
		return rc;
	}
	*out = p;
	return RRDD_OK;
}

void rrdd_payload_free(struct rrdd_payload *payload)
{
	if (!payload)
		return;
	free(payload->ds);
	free(payload->values);
	free(payload->metadata);
	free(payload);
}
