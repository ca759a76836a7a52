/*
 * internal.h: helpers shared by the rrdd-protocol library's own files.
 * Not installed, not part of the API (see rrdd_protocol.h for that).
 */
#ifndef RRDD_INTERNAL_H
#define RRDD_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "rrdd_protocol.h"

/*
 * Record a failure and return code, so a caller can write
 *     return rrdd_fail(err, RRDD_EIO, errno, "open %s: %m", path);
 * err may be NULL (nothing is recorded).  sys_errno is stored in
 * err->sys_errno (0 when there is no errno behind the error) and, when
 * non-zero, "%m" in fmt names it.  The message is one line: newlines are
 * turned into spaces and it is truncated to RRDD_ERROR_MAX - 1 bytes.
 */
int rrdd_fail(struct rrdd_error *err, int code, int sys_errno,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Clear err (code RRDD_OK, empty message); err may be NULL. */
void rrdd_error_clear(struct rrdd_error *err);

/* ---- payload internals (payload.c, metadata.c, writer.c) --------------- */

/* Field offsets of the v2 layout, all big-endian. */
#define RRDD_OFF_DATA_CRC 11
#define RRDD_OFF_META_CRC 15
#define RRDD_OFF_COUNT 19
#define RRDD_OFF_TIMESTAMP 23
#define RRDD_OFF_VALUES RRDD_HEADER_SIZE

/* Big-endian stores and loads; memcpy keeps them alignment-safe. */
static inline void rrdd_put_be32(uint8_t *p, uint32_t v)
{
	v = __builtin_bswap32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void rrdd_put_be64(uint8_t *p, uint64_t v)
{
	v = __builtin_bswap64(v);
	memcpy(p, &v, sizeof(v));
}

static inline uint32_t rrdd_get_be32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap32(v);
}

static inline uint64_t rrdd_get_be64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return __builtin_bswap64(v);
}

/* The 8 timestamp bytes' bit pattern for a timestamp in that format. */
uint64_t rrdd_timestamp_bits(double timestamp, enum rrdd_ts_format format);

/* zlib's crc32 of len bytes (len may exceed UINT_MAX). */
uint32_t rrdd_crc32(const uint8_t *buf, size_t len);

/* The CRC of what crc covered followed by len more bytes (0 for none). */
uint32_t rrdd_crc32_more(uint32_t crc, const uint8_t *buf, size_t len);

/*
 * CRCs without the bytes.  zlib's CRC is affine: for two texts of equal
 * length, crc(a) ^ crc(b) depends only on a ^ b, and len bytes after a
 * change shift its effect by len.  So replacing old bytes by new ones of
 * the same length, len bytes before the end, turns crc into
 * crc ^ rrdd_crc32_shift(crc(old) ^ crc(new), len).
 */
uint32_t rrdd_crc32_shift(uint32_t crc, size_t len);

/* The CRC of a text of CRC crc1 followed by one of len2 bytes, CRC crc2. */
uint32_t rrdd_crc32_concat(uint32_t crc1, uint32_t crc2, size_t len2);

/*
 * Write the shortest decimal string that strtod reads back as exactly d
 * ("inf", "-inf", "nan" for the non-finite); buf has room for 32 bytes.
 */
void rrdd_format_double(char buf[32], double d);

/*
 * Parse metadata JSON (len bytes, no NUL inside) into *ds, an array of
 * *n descriptions in JSON order (the caller frees *ds).  Their strings are
 * copied into arena, which must hold at least len + 1 bytes (every string
 * is shorter, unescaped, than its quoted JSON form).  Returns RRDD_EMETA
 * with a message naming the rule that was broken.
 */
int rrdd_metadata_decode(const char *json, size_t len, struct rrdd_ds **ds,
			 size_t *n, char *arena, size_t arena_len,
			 struct rrdd_error *err);

/*
 * The metadata one datasource at a time, for the writer, which keeps the
 * JSON in its file and encodes only the datasources that changed.  The
 * JSON is RRDD_META_OPEN, the members separated by ",", RRDD_META_CLOSE:
 * byte for byte what rrdd_metadata_encode writes.
 */
#define RRDD_META_OPEN "{\"datasources\":{"
#define RRDD_META_CLOSE "}}"

/* The last min or max formatted, and its text (zeroed: none yet). */
struct rrdd_number {
	bool valid;
	uint64_t bits;
	char text[32];
};

struct rrdd_numbers {
	struct rrdd_number min, max;
};

/* The checks of rrdd_metadata_encode on one description (i: its index,
 * for the message), all but the repeated (name, owner). */
int rrdd_metadata_check_ds(const struct rrdd_ds *d, size_t i,
			   struct rrdd_error *err);

/* Same name and owner: xcp-rrdd would take them for one datasource. */
bool rrdd_metadata_same_key(const struct rrdd_ds *a, const struct rrdd_ds *b);

/* Append d's member, "name":{...}; false once t is out of memory. */
bool rrdd_metadata_add_member(struct rrdd_buf *t, const struct rrdd_ds *d,
			      struct rrdd_numbers *last);

/* ---- json-text.c ------------------------------------------------------- */

/* Offset of the first byte of text that is not valid UTF-8 (RFC 3629:
 * no overlong forms, no surrogates, nothing past U+10FFFF); len if none. */
size_t rrdd_utf8_invalid_at(const char *text, size_t len);

/*
 * Decode the JSON string token at p (its opening quote) into out, which
 * must hold the token's length in bytes: escapes as RFC 8259 says, a
 * surrogate pair as its one code point.  \u0000 and lone surrogates are
 * refused.  Sets *out_len (out is NUL-terminated too) and *after (just
 * past the closing quote).  Returns NULL, or a static phrase saying what
 * is wrong.
 */
const char *rrdd_json_string(const char *p, const char *end, char *out,
			     size_t *out_len, const char **after);

/* ---- lock.c ------------------------------------------------------------ */

/*
 * Take an exclusive flock on path (created if missing) without waiting:
 * RRDD_EBUSY, naming what, when another open file holds it.  *fd_out
 * holds the lock until rrdd_lock_release(path, fd) removes the file and
 * closes it.
 */
int rrdd_lock_take(const char *path, const char *what, int *fd_out,
		   struct rrdd_error *err);
void rrdd_lock_release(const char *path, int fd);

#endif /* RRDD_INTERNAL_H */
