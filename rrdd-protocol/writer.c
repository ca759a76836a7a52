/*
 * writer.c: keep /dev/shm/metrics/<uid> up to date for xcp-rrdd.
 *
 * Lifecycle of the file (docs/rrdd-protocol.md):
 * - created as <uid>.tmp at its full size (fallocate, so a full tmpfs is
 *   an error now rather than a SIGBUS later), filled with a valid
 *   payload, mapped, then renamed to <uid>;
 * - each update rewrites it in place through the mapping: values (and
 *   metadata, when it changed) first, the header last;
 * - when new metadata does not fit, a larger file replaces it the same
 *   way (xcp-rrdd maps a file at the size it first saw);
 * - a file removed or renamed away by someone else is made again at the
 *   next update (xcp-rrdd's discovery drops a plugin whose file goes);
 *   each update looks the path up to notice it, unless the caller had the
 *   writer watch the directory (rrdd_writer_watch): then only an event
 *   that may concern the file leads to a look-up;
 * - one writer per <dir>/<uid>: an flock on <uid>.lock.tmp, a name
 *   xcp-rrdd's discovery ignores, held from open to close;
 * - rrdd_writer_close removes both.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_DIR "/dev/shm/metrics"
#define PAGE 4096
/* Metadata bytes per datasource assumed before any is known. */
#define GUESS_PER_DS 256
/* What may take the file away from its path, or the directory with it. */
#define WATCH_MASK (IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | \
		    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

struct rrdd_writer {
	char *dir, *path, *tmp_path, *lock_path;
	int lock_fd;		/* flock held while the writer lives */
	const char *name;	/* the file's name in dir (into path) */
	int watch_fd;		/* inotify on dir, or -1: stat each update */
	int watch_wd;		/* the watch on dir, or -1 */
	bool watching;		/* events are trusted: no stat per update */
	bool recheck;		/* an event may concern the file: look */
	size_t max_ds;
	enum rrdd_ts_format ts_format;

	/* The sources the next update carries. */
	bool have_sources;
	size_t n;
	struct rrdd_ds *ds;	/* a deep copy, to spot "no change" cheaply */
	char *strings;		/* what ds's strings point into */
	char *meta;
	size_t meta_len;
	uint32_t meta_crc;
	bool meta_dirty;	/* not yet in the file */

	/* The file as it is now. */
	int fd;
	uint8_t *map;
	size_t cap;		/* file and mapping size */
	size_t used;		/* bytes of the payload in it */
	dev_t dev;		/* the file's identity, to notice it gone */
	ino_t ino;
	unsigned long serial;	/* files put in place so far */
	bool have_ts;
	double last_ts;
};

/* ---- open / close ------------------------------------------------------- */

static int check_options(const struct rrdd_writer_options *o,
			 struct rrdd_error *err)
{
	int rc;

	if (!o)
		return rrdd_fail(err, RRDD_EINVAL, 0, "writer needs options");
	if ((rc = rrdd_check_uid(o->uid, err)) != RRDD_OK)
		return rc;
	if (o->ts_format != RRDD_TS_FLOAT && o->ts_format != RRDD_TS_INT64)
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "writer timestamp format must be float or "
				 "int64");
	if (o->max_datasources > UINT32_MAX)
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "max_datasources %zu exceeds the format",
				 o->max_datasources);
	return RRDD_OK;
}

/*
 * Two writers of one file would rename over each other's files and
 * remove each other's on close: the second is refused here.  The lock
 * file's ".tmp" suffix keeps xcp-rrdd's discovery from taking it for a
 * plugin.
 */
static int claim(struct rrdd_writer *w, struct rrdd_error *err)
{
	if (mkdir(w->dir, 0755) && errno != EEXIST)
		return rrdd_fail(err, RRDD_EIO, errno, "creating %s: %m",
				 w->dir);
	return rrdd_lock_take(w->lock_path, w->path, &w->lock_fd, err);
}

int rrdd_writer_open(const struct rrdd_writer_options *options,
		     struct rrdd_writer **writer, struct rrdd_error *err)
{
	struct rrdd_writer *w;
	int rc;

	if (!writer)
		return rrdd_fail(err, RRDD_EINVAL, 0, "writer: NULL argument");
	*writer = NULL;
	rc = check_options(options, err);
	if (rc)
		return rc;
	w = calloc(1, sizeof(*w));
	if (!w)
		return rrdd_fail(err, RRDD_ENOMEM, 0, "out of memory");
	w->fd = w->lock_fd = w->watch_fd = w->watch_wd = -1;
	w->max_ds = options->max_datasources;
	w->ts_format = options->ts_format;
	w->dir = strdup(options->dir ? options->dir : DEFAULT_DIR);
	if (!w->dir ||
	    asprintf(&w->path, "%s/%s", w->dir, options->uid) < 0 ||
	    asprintf(&w->tmp_path, "%s.tmp", w->path) < 0 ||
	    asprintf(&w->lock_path, "%s.lock.tmp", w->path) < 0) {
		/* undefined after failure */
		w->path = w->tmp_path = w->lock_path = NULL;
		rrdd_writer_close(w);
		return rrdd_fail(err, RRDD_ENOMEM, 0, "out of memory");
	}
	w->name = w->path + strlen(w->dir) + 1;
	rc = claim(w, err);
	if (rc) {
		rrdd_writer_close(w);
		return rc;
	}
	*writer = w;
	return RRDD_OK;
}

/* Is the file this writer maps still the one at its path? */
static bool still_in_place(const struct rrdd_writer *w)
{
	struct stat st;

	return stat(w->path, &st) == 0 && st.st_dev == w->dev &&
	       st.st_ino == w->ino;
}

static void drop_file(struct rrdd_writer *w)
{
	if (w->map)
		munmap(w->map, w->cap);
	if (w->fd >= 0)
		close(w->fd);
	w->map = NULL;
	w->fd = -1;
}

void rrdd_writer_close(struct rrdd_writer *w)
{
	if (!w)
		return;
	/* Only the file this writer made: never one put there since. */
	if (w->fd >= 0 && w->path && still_in_place(w))
		unlink(w->path);
	drop_file(w);
	if (w->watch_fd >= 0)
		close(w->watch_fd);
	if (w->lock_path)
		rrdd_lock_release(w->lock_path, w->lock_fd);
	free(w->lock_path);
	free(w->meta);
	free(w->ds);
	free(w->strings);
	free(w->tmp_path);
	free(w->path);
	free(w->dir);
	free(w);
}

const char *rrdd_writer_path(const struct rrdd_writer *writer)
{
	return writer ? writer->path : NULL;
}

unsigned long rrdd_writer_file_serial(const struct rrdd_writer *writer)
{
	return writer ? writer->serial : 0;
}

bool rrdd_writer_file_in_place(const struct rrdd_writer *writer)
{
	return writer && writer->fd >= 0 && still_in_place(writer);
}

/* ---- watching the directory ---------------------------------------------- */

/*
 * (Re)point the watch at dir as it is now: after the directory was
 * removed or moved and made again, the old watch follows the old one.
 * inotify_add_watch gives the same descriptor for the same directory.
 */
static int watch_dir(struct rrdd_writer *w, struct rrdd_error *err)
{
	int wd = inotify_add_watch(w->watch_fd, w->dir, WATCH_MASK);

	if (wd < 0)
		return rrdd_fail(err, RRDD_EIO, errno, "watching %s: %m",
				 w->dir);
	if (w->watch_wd >= 0 && w->watch_wd != wd)
		(void)inotify_rm_watch(w->watch_fd, w->watch_wd);
	w->watch_wd = wd;
	return RRDD_OK;
}

int rrdd_writer_watch(struct rrdd_writer *w, int *fd, struct rrdd_error *err)
{
	if (!w || !fd)
		return rrdd_fail(err, RRDD_EINVAL, 0, "writer: NULL argument");
	*fd = -1;
	if (w->watch_fd < 0) {
		int rc;

		w->watch_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (w->watch_fd < 0)
			return rrdd_fail(err, RRDD_EIO, errno,
					 "inotify for %s: %m", w->dir);
		rc = watch_dir(w, err);
		if (rc) {
			close(w->watch_fd);
			w->watch_fd = -1;
			return rc;
		}
		/* Whatever happened before the watch: look once. */
		w->recheck = true;
		w->watching = true;
	}
	*fd = w->watch_fd;
	return RRDD_OK;
}

/* Might this event have taken the file from its path? */
static bool concerns_file(const struct rrdd_writer *w,
			  const struct inotify_event *ev)
{
	if (ev->mask & (IN_Q_OVERFLOW | IN_IGNORED | IN_DELETE_SELF |
			IN_MOVE_SELF | IN_UNMOUNT))
		return true;
	return ev->len && !strcmp(ev->name, w->name);
}

int rrdd_writer_watch_event(struct rrdd_writer *w, bool *gone,
			    struct rrdd_error *err)
{
	char buf[4096]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	bool look = false;
	ssize_t got;

	if (gone)
		*gone = false;
	if (!w || w->watch_fd < 0)
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "writer: not watching (rrdd_writer_watch)");
	while ((got = read(w->watch_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + got;) {
			const struct inotify_event *ev = (const void *)p;

			look = look || concerns_file(w, ev);
			p += sizeof(*ev) + ev->len;
		}
	}
	if (got < 0 && errno != EAGAIN && errno != EINTR) {
		/* Events may be lost: the next update looks for itself. */
		w->recheck = true;
		return rrdd_fail(err, RRDD_EIO, errno,
				 "reading the watch on %s: %m", w->dir);
	}
	if (look)
		w->recheck = true;
	/* No file yet: the first update makes one anyway. */
	if (w->recheck && w->fd >= 0) {
		w->recheck = !still_in_place(w);
		if (gone)
			*gone = w->recheck;
	}
	return RRDD_OK;
}

/* ---- sources ------------------------------------------------------------ */

static bool same_string(const char *a, const char *b)
{
	return !strcmp(a ? a : "", b ? b : "");
}

/* Bit for bit: -0 differs from 0 and NaN equals NaN, as in the JSON. */
static bool same_double(double a, double b)
{
	uint64_t x, y;

	memcpy(&x, &a, sizeof(x));
	memcpy(&y, &b, sizeof(y));
	return x == y;
}

/*
 * Equal descriptions encode to equal JSON, so comparing them field by
 * field spares the JSON encoding (the costly part) on every cycle.
 */
static bool same_ds(const struct rrdd_ds *a, const struct rrdd_ds *b)
{
	return same_string(a->name, b->name) &&
	       same_string(a->description, b->description) &&
	       same_string(a->units, b->units) && a->owner == b->owner &&
	       !strncmp(a->owner_uuid, b->owner_uuid, sizeof(a->owner_uuid)) &&
	       a->value_type == b->value_type && a->type == b->type &&
	       a->is_default == b->is_default &&
	       a->transform == b->transform && same_double(a->min, b->min) &&
	       same_double(a->max, b->max);
}

static bool same_sources(const struct rrdd_writer *w,
			 const struct rrdd_ds *ds, size_t n)
{
	if (!w->have_sources || n != w->n || (n && !ds))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!ds[i].name || !same_ds(&ds[i], &w->ds[i]))
			return false;
	return true;
}

/* Copy one string into the block at *next; "" for NULL. */
static const char *keep(char **next, const char *s)
{
	char *dst = *next;
	size_t len = strlen(s ? s : "") + 1;

	memcpy(dst, s ? s : "", len);
	*next += len;
	return dst;
}

/* Deep copy of ds: one array, its strings in one block. */
static int copy_sources(struct rrdd_writer *w, const struct rrdd_ds *ds,
			size_t n, struct rrdd_error *err)
{
	size_t total = 1;
	struct rrdd_ds *copy;
	char *strings, *next;

	for (size_t i = 0; i < n; i++)
		total += strlen(ds[i].name) + 3 +
			 strlen(ds[i].description ? ds[i].description : "") +
			 strlen(ds[i].units ? ds[i].units : "");
	copy = malloc((n ? n : 1) * sizeof(*copy));
	strings = malloc(total);
	if (!copy || !strings) {
		free(copy);
		free(strings);
		return rrdd_fail(err, RRDD_ENOMEM, 0, "out of memory");
	}
	next = strings;
	for (size_t i = 0; i < n; i++) {
		copy[i] = ds[i];
		copy[i].name = keep(&next, ds[i].name);
		copy[i].description = keep(&next, ds[i].description);
		copy[i].units = keep(&next, ds[i].units);
	}
	free(w->ds);
	free(w->strings);
	w->ds = copy;
	w->strings = strings;
	return RRDD_OK;
}

int rrdd_writer_set_sources(struct rrdd_writer *w, const struct rrdd_ds *ds,
			    size_t n, struct rrdd_error *err)
{
	char *json = NULL;
	size_t len;
	int rc;

	if (!w)
		return rrdd_fail(err, RRDD_EINVAL, 0, "writer: NULL argument");
	/* Unchanged: keep the file's metadata and its CRC untouched. */
	if (same_sources(w, ds, n))
		return RRDD_OK;
	rc = rrdd_metadata_encode(ds, n, &json, &len, err);
	if (!rc)
		rc = copy_sources(w, ds, n, err);
	if (rc) {
		free(json);
		return rc;
	}
	/* Same bytes (e.g. a uuid's case aside): nothing to rewrite. */
	if (w->have_sources && len == w->meta_len &&
	    !memcmp(json, w->meta, len)) {
		free(json);
		return RRDD_OK;
	}
	free(w->meta);
	w->meta = json;
	w->meta_len = len;
	w->meta_crc = rrdd_crc32((const uint8_t *)json, len);
	w->n = n;
	w->have_sources = true;
	w->meta_dirty = true;
	return RRDD_OK;
}

/* ---- writing the file ---------------------------------------------------- */

static int io_fail(struct rrdd_error *err, int sys_errno, const char *what,
		   const char *path)
{
	/* Each of these means "no room": say so with one code. */
	int code = sys_errno == ENOSPC || sys_errno == EDQUOT ||
		   sys_errno == EFBIG ? RRDD_ENOSPC : RRDD_EIO;

	return rrdd_fail(err, code, sys_errno, "%s %s: %m", what, path);
}

static size_t round_page(size_t size)
{
	return (size + PAGE - 1) / PAGE * PAGE;
}

/* Room for max_ds datasources at the current metadata size per source. */
static size_t capacity_for(const struct rrdd_writer *w, size_t needed)
{
	size_t slots = w->max_ds > w->n ? w->max_ds : w->n;
	size_t per_ds = w->n ? w->meta_len / w->n + 1 : GUESS_PER_DS;
	size_t meta = per_ds * slots;
	size_t cap;

	if (meta < w->meta_len)
		meta = w->meta_len;
	cap = rrdd_payload_size(slots, meta + meta / 8);
	/* A grow leaves headroom so the next change need not grow again. */
	if (w->fd >= 0 && cap < needed + needed / 2)
		cap = needed + needed / 2;
	if (cap < needed)
		cap = needed;
	return round_page(cap);
}

/* Reserve the blocks now: a full tmpfs must fail here, not as SIGBUS. */
static int reserve(int fd, size_t cap, const char *path,
		   struct rrdd_error *err)
{
	int rc;

	do
		rc = fallocate(fd, 0, 0, (off_t)cap);
	while (rc && errno == EINTR);
	if (rc == 0)
		return RRDD_OK;
	if (errno != EOPNOTSUPP && errno != ENOSYS)
		return io_fail(err, errno, "reserving space for", path);
	/* No fallocate here: the full pwrite that follows allocates. */
	return RRDD_OK;
}

/* Write len bytes at off, whatever the short writes. */
static int write_at(int fd, const uint8_t *buf, size_t len, size_t off,
		    const char *path, struct rrdd_error *err)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = pwrite(fd, buf + done, len - done,
				   (off_t)(off + done));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return io_fail(err, errno, "writing", path);
		done += (size_t)n;
	}
	return RRDD_OK;
}

/* Zeros over [from, to): they also allocate where fallocate could not. */
static int write_zeros(int fd, size_t from, size_t to, const char *path,
		       struct rrdd_error *err)
{
	static const uint8_t zeros[PAGE];
	int rc = RRDD_OK;

	while (from < to && rc == RRDD_OK) {
		size_t len = to - from < PAGE ? to - from : PAGE;

		rc = write_at(fd, zeros, len, from, path, err);
		from += len;
	}
	return rc;
}

/*
 * The bytes before the metadata (header, values, metadata length) of a
 * valid payload.  The metadata goes into the file straight from w->meta,
 * so a new file never needs a second copy of it in memory (at thousands
 * of datasources that copy was the writer's peak).
 */
static int build_head(const struct rrdd_writer *w, double ts,
		      const union rrdd_value *values, uint8_t **head,
		      size_t *len, struct rrdd_error *err)
{
	size_t size = rrdd_payload_size(w->n, 0);
	int rc;

	*head = NULL;
	if (w->meta_len > UINT32_MAX)
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "%zu metadata bytes exceed the format's "
				 "32-bit field", w->meta_len);
	*head = malloc(size);
	if (!*head)
		return rrdd_fail(err, RRDD_ENOMEM, 0,
				 "out of memory for %zu bytes", size);
	/* Encoded with empty metadata, then pointed at the real one: the
	 * data CRC does not cover the metadata. */
	rc = rrdd_payload_encode(*head, size, ts, w->ts_format, NULL, values,
				 w->n, "", 0, err);
	if (rc) {
		free(*head);
		*head = NULL;
		return rc;
	}
	rrdd_put_be32(*head + size - 4, (uint32_t)w->meta_len);
	rrdd_put_be32(*head + RRDD_OFF_META_CRC, w->meta_crc);
	*len = size;
	return RRDD_OK;
}

/* The whole file, cap bytes: head, metadata, then zeros. */
static int write_file(const struct rrdd_writer *w, int fd,
		      const uint8_t *head, size_t head_len, size_t cap,
		      struct rrdd_error *err)
{
	int rc = write_at(fd, head, head_len, 0, w->tmp_path, err);

	if (!rc)
		rc = write_at(fd, (const uint8_t *)w->meta, w->meta_len,
			      head_len, w->tmp_path, err);
	if (!rc)
		rc = write_zeros(fd, head_len + w->meta_len, cap, w->tmp_path,
				 err);
	return rc;
}

/* Create <uid>.tmp with the payload in it, mapped; the caller renames it. */
static int create_tmp(struct rrdd_writer *w, const uint8_t *head,
		      size_t head_len, size_t cap, int *fd_out,
		      uint8_t **map_out, struct rrdd_error *err)
{
	void *map;
	int fd, rc;

	if (mkdir(w->dir, 0755) && errno != EEXIST)
		return io_fail(err, errno, "creating", w->dir);
	if (unlink(w->tmp_path) && errno != ENOENT)
		return io_fail(err, errno, "removing", w->tmp_path);
	fd = open(w->tmp_path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return io_fail(err, errno, "creating", w->tmp_path);
	rc = reserve(fd, cap, w->tmp_path, err);
	if (!rc)
		rc = write_file(w, fd, head, head_len, cap, err);
	if (!rc) {
		map = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   0);
		if (map == MAP_FAILED)
			rc = io_fail(err, errno, "mapping", w->tmp_path);
		else
			*map_out = map;
	}
	if (rc) {
		close(fd);
		unlink(w->tmp_path);
		return rc;
	}
	*fd_out = fd;
	return RRDD_OK;
}

/* A new file (first update or grow): build, create, then rename. */
static int replace_file(struct rrdd_writer *w, size_t needed, double ts,
			const union rrdd_value *values,
			struct rrdd_error *err)
{
	size_t cap = capacity_for(w, needed);
	size_t head_len = 0;
	uint8_t *head = NULL, *map = NULL;
	struct stat st;
	int fd = -1;
	int rc = build_head(w, ts, values, &head, &head_len, err);

	if (rc)
		return rc;
	rc = create_tmp(w, head, head_len, cap, &fd, &map, err);
	free(head);
	if (rc)
		return rc;
	/* Watch the directory as it is now, before the file is there to
	 * lose; failing that, look the path up at every update again. */
	if (w->watch_fd >= 0)
		w->watching = watch_dir(w, NULL) == RRDD_OK;
	if (fstat(fd, &st) || rename(w->tmp_path, w->path)) {
		rc = io_fail(err, errno, "renaming to", w->path);
		munmap(map, cap);
		close(fd);
		unlink(w->tmp_path);
		return rc;
	}
	drop_file(w);
	w->fd = fd;
	w->map = map;
	w->cap = cap;
	w->used = needed;
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	w->serial++;
	w->recheck = false;	/* the rename's own event looks once more */
	return RRDD_OK;
}

static void put_values(uint8_t *map, const union rrdd_value *values,
		       size_t n)
{
	uint8_t *p = map + RRDD_OFF_VALUES;

	for (size_t i = 0; i < n; i++, p += 8)
		rrdd_put_be64(p, (uint64_t)values[i].i);
}

/* New metadata that fits: body first, then the header that points to it. */
static void rewrite_in_place(struct rrdd_writer *w, size_t needed, double ts,
			     const union rrdd_value *values)
{
	uint8_t *meta_at = w->map + RRDD_OFF_VALUES + 8 * w->n;

	put_values(w->map, values, w->n);
	rrdd_put_be32(meta_at, (uint32_t)w->meta_len);
	memcpy(meta_at + 4, w->meta, w->meta_len);
	/* Stale bytes of a longer payload would read as trailing junk. */
	if (w->used > needed)
		memset(w->map + needed, 0, w->used - needed);
	w->used = needed;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	rrdd_put_be32(w->map + RRDD_OFF_COUNT, (uint32_t)w->n);
	rrdd_put_be32(w->map + RRDD_OFF_META_CRC, w->meta_crc);
	rrdd_put_be64(w->map + RRDD_OFF_TIMESTAMP,
		      rrdd_timestamp_bits(ts, w->ts_format));
	__atomic_thread_fence(__ATOMIC_RELEASE);
	rrdd_put_be32(w->map + RRDD_OFF_DATA_CRC,
		      rrdd_crc32(w->map + RRDD_OFF_TIMESTAMP, 8 + 8 * w->n));
}

/*
 * The fast path: only the values, the timestamp and the data CRC change;
 * the metadata bytes and their CRC are left exactly as they were.
 */
static void update_values(struct rrdd_writer *w, double ts,
			  const union rrdd_value *values)
{
	put_values(w->map, values, w->n);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	rrdd_put_be64(w->map + RRDD_OFF_TIMESTAMP,
		      rrdd_timestamp_bits(ts, w->ts_format));
	__atomic_thread_fence(__ATOMIC_RELEASE);
	rrdd_put_be32(w->map + RRDD_OFF_DATA_CRC,
		      rrdd_crc32(w->map + RRDD_OFF_TIMESTAMP, 8 + 8 * w->n));
}

static int check_update(const struct rrdd_writer *w, double ts,
			const union rrdd_value *values,
			struct rrdd_error *err)
{
	if (!w || (!values && w->n))
		return rrdd_fail(err, RRDD_EINVAL, 0, "writer: NULL argument");
	if (!w->have_sources)
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "writer: update before set_sources");
	if (!isfinite(ts) ||
	    (w->ts_format == RRDD_TS_INT64 && fabs(ts) >= 9.2e18))
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "timestamp %g cannot be encoded", ts);
	/* A repeated data CRC makes xcp-rrdd back off the plugin. */
	if (w->have_ts && ts == w->last_ts)
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "timestamp %.6f did not change", ts);
	return RRDD_OK;
}

int rrdd_writer_update(struct rrdd_writer *w, double timestamp,
		       const union rrdd_value *values, struct rrdd_error *err)
{
	size_t needed;
	int rc = check_update(w, timestamp, values, err);

	if (rc)
		return rc;
	needed = rrdd_payload_size(w->n, w->meta_len);
	/* Removed or renamed away (xcp-rrdd then forgets the plugin):
	 * writing on into the old file would feed nobody.  Watched, the
	 * path is looked up only after an event that may concern it. */
	if (w->fd < 0 || needed > w->cap ||
	    ((!w->watching || w->recheck) && !still_in_place(w))) {
		rc = replace_file(w, needed, timestamp, values, err);
		if (rc)
			return rc;
	} else if (w->meta_dirty) {
		rewrite_in_place(w, needed, timestamp, values);
	} else {
		update_values(w, timestamp, values);
	}
	w->meta_dirty = false;
	w->recheck = false;
	w->have_ts = true;
	w->last_ts = timestamp;
	return RRDD_OK;
}
