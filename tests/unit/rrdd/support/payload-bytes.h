/*
 * payload-bytes.h: build v2 payload bytes for the rrdd-protocol tests,
 * independently of the library (zlib and shifts only), so a test checks
 * the library against a second reading of the layout, not against itself.
 */
#ifndef TEST_PAYLOAD_BYTES_H
#define TEST_PAYLOAD_BYTES_H

#include <stddef.h>
#include <stdint.h>

/* Offsets of the v2 fields. */
enum {
	PB_DATA_CRC = 11,
	PB_META_CRC = 15,
	PB_COUNT = 19,
	PB_TIMESTAMP = 23,
	PB_VALUES = 31,
};

/*
 * Lay out "DATASOURCES", CRCs, count, ts_bits, n raw values, meta_len and
 * meta into a malloc'd buffer of the exact size (*len), with both CRCs
 * right.  The caller frees it.
 */
uint8_t *pb_build(uint64_t ts_bits, const uint64_t *values, uint32_t n,
		  const char *meta, size_t meta_len, size_t *len);

/* Recompute both CRCs of buf in place (n values, as the count says). */
void pb_fix_crcs(uint8_t *buf);

void pb_put32(uint8_t *p, uint32_t v);
void pb_put64(uint8_t *p, uint64_t v);
uint32_t pb_get32(const uint8_t *p);
uint64_t pb_get64(const uint8_t *p);

/* The bit pattern of a double. */
uint64_t pb_bits(double d);

#endif
