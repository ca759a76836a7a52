/* payload-bytes.c: see payload-bytes.h. */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "payload-bytes.h"

void pb_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

void pb_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

uint32_t pb_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

uint64_t pb_get64(const uint8_t *p)
{
	return (uint64_t)pb_get32(p) << 32 | pb_get32(p + 4);
}

uint64_t pb_bits(double d)
{
	uint64_t bits;

	memcpy(&bits, &d, sizeof(bits));
	return bits;
}

void pb_fix_crcs(uint8_t *buf)
{
	size_t n = pb_get32(buf + PB_COUNT);
	const uint8_t *lp = buf + PB_VALUES + 8 * n;
	uint32_t meta_len = pb_get32(lp);

	pb_put32(buf + PB_DATA_CRC,
		 (uint32_t)crc32(0, buf + PB_TIMESTAMP, (uInt)(8 + 8 * n)));
	pb_put32(buf + PB_META_CRC, (uint32_t)crc32(0, lp + 4, meta_len));
}

uint8_t *pb_build(uint64_t ts_bits, const uint64_t *values, uint32_t n,
		  const char *meta, size_t meta_len, size_t *len)
{
	size_t size = 31 + 8 * (size_t)n + 4 + meta_len;
	uint8_t *buf = calloc(1, size);

	if (!buf)
		return NULL;
	static const char magic[11] = { 'D', 'A', 'T', 'A', 'S', 'O', 'U',
					'R', 'C', 'E', 'S' };
	size_t meta_at = PB_VALUES + 8 * (size_t)n;

	memcpy(buf, magic, sizeof(magic));
	pb_put32(buf + PB_COUNT, n);
	pb_put64(buf + PB_TIMESTAMP, ts_bits);
	for (size_t i = 0; i < n; i++)
		pb_put64(buf + PB_VALUES + 8 * i, values[i]);
	pb_put32(buf + meta_at, (uint32_t)meta_len);
	memcpy(buf + meta_at + 4, meta, meta_len);
	pb_fix_crcs(buf);
	*len = size;
	return buf;
}
