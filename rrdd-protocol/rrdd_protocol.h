/*
 * rrdd_protocol.h: xcp-rrdd's plugin protocol, version 2.
 *
 * A plugin publishes its samples in a file, /dev/shm/metrics/<uid>, that
 * xcp-rrdd maps and reads once per period, and tells xcp-rrdd about itself
 * with XML-RPC calls over a Unix socket.  This library does both halves:
 *
 *   payload   encode and decode the file's bytes (docs/rrdd-protocol.md)
 *   writer    keep one payload file up to date, cheaply, every cycle
 *   rpc       Plugin.Local.register / next_reading / deregister
 *
 * Conventions for the whole API:
 * - Functions that can fail return 0 on success or a negative RRDD_E* code,
 *   and, when given a non-NULL struct rrdd_error, fill it with one line
 *   that says what was wrong.  Nothing here prints, exits or aborts.
 * - Strings passed in are borrowed for the duration of the call only,
 *   unless a function says otherwise.  Everything returned through a
 *   pointer-to-pointer is owned by the caller and freed with the matching
 *   *_free function.
 * - The library keeps no global state and is safe to use from several
 *   threads as long as one object is not used by two at once.
 */
#ifndef RRDD_PROTOCOL_H
#define RRDD_PROTOCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ------------------------------------------------------------ */

enum rrdd_status {
	RRDD_OK = 0,
	RRDD_EINVAL = -1,	/* bad argument from the caller */
	RRDD_ENOMEM = -2,
	RRDD_ETRUNC = -3,	/* payload shorter than its own header says */
	RRDD_EHEADER = -4,	/* not a "DATASOURCES" payload */
	RRDD_EDATACRC = -5,	/* timestamp+values CRC mismatch */
	RRDD_EMETACRC = -6,	/* metadata CRC mismatch */
	RRDD_EMETA = -7,	/* metadata JSON invalid or breaks a rule */
	RRDD_ECOUNT = -8,	/* value count and metadata disagree */
	RRDD_EIO = -9,		/* file or socket operation failed (errno kept) */
	RRDD_ENOSPC = -10,	/* no room for the payload file */
	RRDD_ENOSOCK = -11,	/* rrdd socket absent */
	RRDD_ECONNREFUSED = -12,/* rrdd socket present, nobody listening */
	RRDD_ETIMEDOUT = -13,
	RRDD_EHTTP = -14,	/* HTTP status other than 200, or bad HTTP */
	RRDD_EFAILURE = -15,	/* rrdd answered Status: Failure */
	RRDD_EREPLY = -16,	/* reply malformed or truncated */
	RRDD_EBUSY = -17,	/* another writer has the payload file */
};

#define RRDD_ERROR_MAX 256

struct rrdd_error {
	int code;		/* an enum rrdd_status */
	int sys_errno;		/* errno behind RRDD_EIO/ENOSPC/..., else 0 */
	char msg[RRDD_ERROR_MAX];	/* one line, no trailing newline */
};

/* A static string naming a status code, e.g. "data CRC mismatch". */
const char *rrdd_strerror(int code);

/* ---- datasources ------------------------------------------------------- */

#define RRDD_UUID_LEN 36

enum rrdd_owner_kind { RRDD_OWNER_HOST, RRDD_OWNER_VM, RRDD_OWNER_SR };
enum rrdd_value_type { RRDD_VALUE_INT64, RRDD_VALUE_FLOAT };
enum rrdd_ds_type { RRDD_GAUGE, RRDD_ABSOLUTE, RRDD_DERIVE };
enum rrdd_transform { RRDD_IDENTITY, RRDD_INVERSE };

/*
 * One datasource's description: everything in the metadata JSON.
 * The string members are borrowed: the caller keeps them alive while it
 * uses the struct.  Decoded descriptions point into the struct
 * rrdd_payload that holds them.
 */
struct rrdd_ds {
	const char *name;
	const char *description;	/* "" when none */
	enum rrdd_owner_kind owner;
	char owner_uuid[RRDD_UUID_LEN + 1];	/* "" for the host */
	enum rrdd_value_type value_type;
	enum rrdd_ds_type type;
	bool is_default;		/* "default": "true" */
	const char *units;		/* "" when none */
	double min;			/* -INFINITY when unbounded */
	double max;			/* INFINITY when unbounded */
	enum rrdd_transform transform;
};

/* A value, read as .i or .f according to the datasource's value_type. */
union rrdd_value {
	int64_t i;
	double f;
};

/* ---- payload: bytes <-> datasources ------------------------------------ */

/*
 * The timestamp is a float64 of Unix seconds since xen-api v24.40 (XCP-ng
 * 8.3); older xcp-rrdd reads an int64.  RRDD_TS_AUTO is for decoding only:
 * it tells them apart by the bit pattern (an int64 of any plausible time is
 * a tiny denormal as a double).
 */
enum rrdd_ts_format { RRDD_TS_FLOAT, RRDD_TS_INT64, RRDD_TS_AUTO };

/* Bytes before the values: "DATASOURCES" + 2 CRCs + count + timestamp. */
#define RRDD_HEADER_SIZE 31

/* Size of a payload with n values and metadata_len bytes of JSON. */
size_t rrdd_payload_size(size_t n, size_t metadata_len);

/*
 * Encode the metadata JSON for n datasources, in that order, without
 * values (so it stays identical while only values change).  *json is a
 * NUL-terminated malloc'd string the caller frees; *len excludes the NUL.
 * Fails with RRDD_EINVAL on a description that cannot be encoded (NULL
 * name, the same name twice for the same owner, missing uuid for a vm or
 * sr owner).  One name may repeat for different owners: xcp-rrdd keys
 * datasources by name and owner ("cpu0" of the host and of each VM).
 */
int rrdd_metadata_encode(const struct rrdd_ds *ds, size_t n, char **json,
			 size_t *len, struct rrdd_error *err);

/*
 * Write a whole payload into buf (buf_len >= rrdd_payload_size(n, len)).
 * Bytes of buf past the payload are left alone.
 */
int rrdd_payload_encode(uint8_t *buf, size_t buf_len, double timestamp,
			enum rrdd_ts_format ts_format,
			const struct rrdd_ds *ds, const union rrdd_value *values,
			size_t n, const char *metadata, size_t metadata_len,
			struct rrdd_error *err);

/* A decoded payload; owns every string its datasources point to. */
struct rrdd_payload {
	enum rrdd_ts_format ts_format;	/* the format found (never AUTO) */
	double timestamp;		/* seconds, from either format */
	int64_t timestamp_int;		/* the raw int64 when ts_format is INT64 */
	uint32_t data_crc;
	uint32_t metadata_crc;
	size_t n;
	struct rrdd_ds *ds;		/* n descriptions, in payload order */
	union rrdd_value *values;	/* n values, matched to ds */
	char *metadata;			/* the JSON, NUL-terminated */
	size_t metadata_len;
	size_t trailing;		/* bytes after the metadata (padding) */
};

/*
 * Decode and validate a payload: header, both CRCs, count against the
 * metadata, and the metadata rules xcp-rrdd enforces (every JSON value a
 * string; type, owner, default and transform from their closed sets;
 * value_type present).  Bytes after the metadata are allowed (xcp-rrdd's
 * own plugins pad to a page).  On success *out is the caller's, freed with
 * rrdd_payload_free; on failure *out is NULL.
 */
int rrdd_payload_decode(const uint8_t *buf, size_t len,
			enum rrdd_ts_format ts_format,
			struct rrdd_payload **out, struct rrdd_error *err);

void rrdd_payload_free(struct rrdd_payload *payload);

/* Names as they appear in the JSON: "gauge", "vm", "float", ... */
const char *rrdd_ds_type_name(enum rrdd_ds_type type);
const char *rrdd_owner_kind_name(enum rrdd_owner_kind owner);
const char *rrdd_value_type_name(enum rrdd_value_type value_type);
const char *rrdd_transform_name(enum rrdd_transform transform);

/* ---- writer: one payload file kept up to date -------------------------- */

/*
 * The file xcp-rrdd maps: <dir>/<uid>.  xcp-rrdd maps it at the size it has
 * when first opened, so the writer creates it at full size with valid
 * content (as <uid>.tmp, then rename) and afterwards rewrites it in place:
 * values and metadata first, header last.  While the descriptions do not
 * change, an update touches only the timestamp, the values and the data
 * CRC, and the metadata CRC stays the same, so xcp-rrdd does not parse the
 * JSON again.  When new metadata no longer fits, the file is replaced by a
 * larger one (new file + rename); so is a file that someone removed or
 * renamed away (noticed by a look at the path at each update, or through
 * rrdd_writer_watch).  Space is reserved with fallocate, so a
 * full /dev/shm is an RRDD_ENOSPC error, never a SIGBUS.
 */
struct rrdd_writer;

struct rrdd_writer_options {
	const char *dir;		/* NULL: "/dev/shm/metrics" */
	const char *uid;		/* file name; no '/' */
	size_t max_datasources;		/* size the file for this many */
	enum rrdd_ts_format ts_format;	/* FLOAT or INT64 */
};

/*
 * Claims <dir>/<uid> for this writer (creating dir if missing): an
 * exclusive flock on <dir>/<uid>.lock.tmp, held until close.  Another
 * writer of the same file, in this process or another, gets RRDD_EBUSY
 * with a message naming the file.  The payload file itself is not
 * created until the first rrdd_writer_update().
 */
int rrdd_writer_open(const struct rrdd_writer_options *options,
		     struct rrdd_writer **writer, struct rrdd_error *err);

/*
 * Set the datasources that the next updates carry.  The writer copies what
 * it needs; ds may be freed afterwards.  Takes effect on the file at the
 * next rrdd_writer_update.
 * The writer keeps a 64-bit fingerprint of each description (all that the
 * JSON says of it), not the descriptions, and the metadata JSON in files,
 * not in memory.  Descriptions whose fingerprint is one the payload file
 * already has are copied from it, not encoded again; the checks of
 * rrdd_metadata_encode apply to the others, and the repeated (name,
 * owner) check to all.  When the descriptions kept are in the file's
 * order, the change is made in place at the next update: the members
 * gone are blanked with spaces, the new ones written between their
 * neighbours when they fit, and the metadata CRC worked out from the bytes
 * changed (docs/rrdd-protocol.md).  Otherwise the new JSON goes into an
 * unlinked staging file in <dir> until the update copies it into the
 * payload file.  The same fingerprints as last time, in the same order:
 * nothing to do at all.
 * (Two different descriptions with equal fingerprints, about one chance
 * in 2^64 per pair, would leave the old one's JSON in place.)
 * Besides RRDD_EINVAL and RRDD_ENOMEM, fails with RRDD_ENOSPC or RRDD_EIO
 * when the staging file cannot be written; the sources before stay in
 * effect, unless new ones were still waiting for an update (then updates
 * fail until a set_sources succeeds).
 */
int rrdd_writer_set_sources(struct rrdd_writer *writer,
			    const struct rrdd_ds *ds, size_t n,
			    struct rrdd_error *err);

/*
 * Publish a new sample: values has as many entries as the last
 * set_sources gave.  The timestamp must change between calls: xcp-rrdd
 * takes a repeated data CRC for "no update" and backs off.  After an
 * error while rewriting new metadata in place, the writer may have
 * nothing left to build it from: updates then fail with RRDD_EINVAL
 * until set_sources is called again.
 */
int rrdd_writer_update(struct rrdd_writer *writer, double timestamp,
		       const union rrdd_value *values, struct rrdd_error *err);

/* The file's path (valid until close). */
const char *rrdd_writer_path(const struct rrdd_writer *writer);

/*
 * How many files the writer has put in place so far: 0 before the first
 * update, then one more each time a new file replaced the one xcp-rrdd
 * may have open (a grow, or the file found removed or renamed away and
 * made again).  xcp-rrdd keeps reading the file it opened at
 * registration: a caller that sees this change must deregister and
 * register again.
 */
unsigned long rrdd_writer_file_serial(const struct rrdd_writer *writer);

/*
 * Whether the file the writer last put in place is still at its path
 * (one stat).  False before the first update and after someone removed
 * or renamed it: xcp-rrdd cannot register a plugin without its file, so
 * a caller about to register should update first.
 */
bool rrdd_writer_file_in_place(const struct rrdd_writer *writer);

/*
 * Watch for the file's removal instead of looking for it at every update.
 * By default each rrdd_writer_update looks the path up (one stat system
 * call) to notice a file removed or renamed away.  After this call it no
 * longer does: the writer keeps an inotify descriptor on <dir>, returned
 * in *fd, that becomes readable when a name in <dir> is removed, renamed
 * away or renamed over (other plugins' files included), or <dir> itself
 * goes.  The caller polls *fd, typically along with its wait between
 * updates, and calls rrdd_writer_watch_event when it is readable; until
 * it does, updates go on into a removed file unnoticed.  A steady update
 * then makes no system call at all.
 * *fd stays the writer's (closed by rrdd_writer_close) and is the same
 * for the writer's life; a second call returns it again.  Fails with
 * RRDD_EIO (errno kept) when inotify cannot be had (no more instances or
 * watches for this user); the writer then goes on looking at every
 * update.  Should the watch be lost later (the directory made again and
 * no watch left for it), updates look again at every update by
 * themselves.
 */
int rrdd_writer_watch(struct rrdd_writer *writer, int *fd,
		      struct rrdd_error *err);

/*
 * The watch descriptor is readable: read its events (never blocks) and,
 * if one may concern the file (its name removed or renamed away or over,
 * <dir> removed or moved, lost events), look the path up once.  *gone
 * (may be NULL) is set when the file the writer put in place is no longer
 * at its path: the next rrdd_writer_update makes a new one, and
 * rrdd_writer_file_serial changes.  Events about other names cost no
 * look-up.  RRDD_EINVAL when the writer does not watch; RRDD_EIO when the
 * events cannot be read (the next update then looks for itself).
 */
int rrdd_writer_watch_event(struct rrdd_writer *writer, bool *gone,
			    struct rrdd_error *err);

/* Remove the file (if it is still the writer's) and the lock, free the
 * writer.  NULL is a no-op. */
void rrdd_writer_close(struct rrdd_writer *writer);

/* ---- rpc: registration with xcp-rrdd ----------------------------------- */

#define RRDD_DEFAULT_SOCKET "/var/lib/xcp/xcp-rrdd"

/*
 * Notes on the rpc calls (docs/rrdd-registration.md has the wire format):
 * - The first call in a process initialises libcurl (curl_global_init)
 *   and libxml2 (xmlInitParser) once, under pthread_once; this is the
 *   library's only global state and it is never torn down.  Neither init
 *   is thread-safe on older releases against *other* callers, so a
 *   program that also uses libcurl or libxml2 itself should initialise
 *   them before it starts threads.
 * - xcp-rrdd opens <dir>/<uid> when a uid first registers and keeps
 *   reading that file at that size: create the file before registering;
 *   a file replaced later (rename, e.g. to grow it) goes unseen until the
 *   plugin deregisters and registers again.
 * - Each call is one HTTP request on a fresh connection, bounded as a
 *   whole by timeout_ms; no signals are used (CURLOPT_NOSIGNAL).
 */
enum rrdd_frequency { RRDD_FIVE_SECONDS };

struct rrdd_rpc_options {
	const char *socket_path;	/* NULL: RRDD_DEFAULT_SOCKET */
	int timeout_ms;			/* whole call; <= 0: 5000 */
};

/*
 * Plugin.Local.register {uid, info: "Five_Seconds", protocol: "V2"}.
 * *next_reading is the number of seconds until xcp-rrdd next reads the
 * file.  Errors: RRDD_ENOSOCK, RRDD_ECONNREFUSED, RRDD_ETIMEDOUT,
 * RRDD_EHTTP, RRDD_EFAILURE (err->msg carries the ErrorDescription),
 * RRDD_EREPLY.
 */
int rrdd_rpc_register(const struct rrdd_rpc_options *options,
		      const char *uid, enum rrdd_frequency frequency,
		      double *next_reading, struct rrdd_error *err);

/* Plugin.Local.next_reading {uid}: seconds until the next read. */
int rrdd_rpc_next_reading(const struct rrdd_rpc_options *options,
			  const char *uid, double *next_reading,
			  struct rrdd_error *err);

/* Plugin.Local.deregister {uid}. */
int rrdd_rpc_deregister(const struct rrdd_rpc_options *options,
			const char *uid, struct rrdd_error *err);

/* ---- plugin uid --------------------------------------------------------- */

/* The longest uid: the file names made of it stay far below NAME_MAX. */
#define RRDD_UID_MAX 200

/*
 * The one rule for a plugin uid (the writer's file name, the RPCs'
 * "uid"): a file name of 1 to RRDD_UID_MAX bytes, not "." or "..", with
 * no '/' and no control character.  RRDD_OK, or RRDD_EINVAL with err
 * saying why.  The writer and the RPCs check it; a program checks its
 * command line with it.
 */
int rrdd_check_uid(const char *uid, struct rrdd_error *err);

/* ---- text buffer: a growable string ------------------------------------ */

/*
 * The library builds its XML-RPC requests and metadata in one; users may
 * build any text in one (the plugin's OpenMetrics exposition does).  A
 * zeroed struct is an empty buffer.  An append that runs out of memory
 * sets failed and makes every later append a no-op, so a caller checks
 * once, at the end.  data is NUL-terminated whenever len > 0.
 */
struct rrdd_buf {
	char *data;		/* malloc()ed, owned by the buffer */
	size_t len;
	size_t cap;
	bool failed;		/* an append ran out of memory */
};

void rrdd_buf_init(struct rrdd_buf *b);
void rrdd_buf_free(struct rrdd_buf *b);

/* Hand the text over (the caller free()s it); *b is empty afterwards. */
char *rrdd_buf_steal(struct rrdd_buf *b, size_t *len);

/* Room for more bytes (and the NUL): false when out of memory. */
bool rrdd_buf_reserve(struct rrdd_buf *b, size_t more);

void rrdd_buf_add(struct rrdd_buf *b, const char *s, size_t n);
void rrdd_buf_str(struct rrdd_buf *b, const char *s);
__attribute__((format(printf, 2, 3)))
void rrdd_buf_printf(struct rrdd_buf *b, const char *fmt, ...);

#ifdef __cplusplus
}
#endif

#endif /* RRDD_PROTOCOL_H */
