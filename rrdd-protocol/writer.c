/*
 * writer.c: keep /dev/shm/metrics/<uid> up to date for xcp-rrdd.
 *
 * Lifecycle of the file (docs/rrdd-protocol.md):
 * - created as <uid>.tmp at its full size (fallocate, so a full tmpfs is
 *   an error now rather than a SIGBUS later), filled with a valid
 *   payload, mapped, then renamed to <uid>;
 * - each update rewrites it in place: values (and metadata, when it
 *   changed) first, the header last;
 * - the metadata is spaces, then the JSON, which may have whitespace
 *   between its members: a layout change that keeps the remaining
 *   members in the file's order is made where it is (members gone
 *   blanked, new ones in the room between their neighbours or at the
 *   end, the spaces in front taking up the values' 8 bytes a datasource
 *   more or less), its CRC worked out from the bytes changed only;
 * - otherwise the JSON is made again whole, never held whole in memory:
 *   set_sources writes it into an unlinked staging file (<uid>.meta.tmp),
 *   copying the members the file already has and encoding only the
 *   others, and the update copies it into the file with pwrite, outside
 *   the mapping (so its pages do not count in this process's resident
 *   memory);
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
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define DEFAULT_DIR "/dev/shm/metrics"
#define PAGE 4096
/* Metadata bytes per datasource assumed before any is known. */
#define GUESS_PER_DS 256
/* Bytes moved per read or write when copying metadata between files. */
#define BOUNCE ((size_t)64 * 1024)
/* What may take the file away from its path, or the directory with it. */
#define WATCH_MASK (IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | \
		    IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR)

/*
 * One datasource of the metadata: a fingerprint of its description, and
 * where its member ("name":{...}) is in the JSON.  A description with the
 * fingerprint of one already in the file is copied from there, not
 * encoded again.
 */
struct member {
	uint64_t fp;
	uint32_t off, len;
	uint32_t crc_end;	/* CRC of the JSON up to this member's end, */
	bool crc_ok;		/* kept for about one member per 64 KiB */
};

struct rrdd_writer {
	char *dir, *path, *tmp_path, *lock_path, *stage_path;
	int lock_fd;		/* flock held while the writer lives */
	const char *name;	/* the file's name in dir (into path) */
	int watch_fd;		/* inotify on dir, or -1: stat each update */
	int watch_wd;		/* the watch on dir, or -1 */
	bool watching;		/* events are trusted: no stat per update */
	bool recheck;		/* an event may concern the file: look */
	size_t max_ds;
	enum rrdd_ts_format ts_format;

	/* The sources the next update carries.  Their metadata JSON is
	 * kept in a file, never whole in memory: in the staging file while
	 * it is new (meta_dirty), then in the payload file. */
	bool have_sources;
	bool meta_dirty;	/* in the staging file, not yet in the file */
	/* Or (meta_edits) the file's JSON (edit_base_len bytes) with
	 * n_edits regions to replace, each by its text then spaces. */
	bool meta_edits;
	size_t n;
	struct member *members;	/* n: fingerprint and place in the JSON */
	size_t meta_len;
	uint32_t meta_crc;
	/* The metadata is slack spaces, then the JSON (json_len bytes, CRC
	 * json_crc) at meta_offset(n) + slack in the file: the JSON stays
	 * where it is while the values before it grow or shrink by 8 bytes
	 * a datasource, the slack taking up the difference.  Inside the
	 * JSON, holes bytes are whitespace left where members went. */
	uint32_t json_crc;
	size_t slack, json_len, holes;
	size_t edit_base_len, n_edits;
	struct rrdd_buf edit_text;
	size_t cap_members;	/* room in members */
	/* While meta_dirty: the new JSON's first prefix_len bytes are the
	 * payload file's, at prefix_from (its old metadata); the staging
	 * file has the rest. */
	size_t prefix_len, prefix_from;
	int stage_fd;		/* unlinked <uid>.meta.tmp, or -1 */
	uint8_t *bounce;	/* BOUNCE bytes for copying between files */
	/* set_sources' scratch, kept between calls so that a layout
	 * change touches no fresh pages (they cost 0.3-0.5 ms of one at
	 * 26,000 datasources, about 60 bytes each held instead): the
	 * next members (the current ones' spare), keys, where each comes
	 * from, the old ones taken, the two hash tables, the string
	 * cache. */
	struct scratch {
		void *p;
		size_t cap;
	} s_members, s_keys, s_from, s_taken, s_old, s_seen, s_cache, s_edits;

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
	w->fd = w->lock_fd = w->watch_fd = w->watch_wd = w->stage_fd = -1;
	w->max_ds = options->max_datasources;
	w->ts_format = options->ts_format;
	w->dir = strdup(options->dir ? options->dir : DEFAULT_DIR);
	if (!w->dir ||
	    asprintf(&w->path, "%s/%s", w->dir, options->uid) < 0 ||
	    asprintf(&w->tmp_path, "%s.tmp", w->path) < 0 ||
	    asprintf(&w->lock_path, "%s.lock.tmp", w->path) < 0 ||
	    asprintf(&w->stage_path, "%s.meta.tmp", w->path) < 0) {
		/* undefined after failure */
		w->path = w->tmp_path = w->lock_path = w->stage_path = NULL;
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
	if (w->stage_fd >= 0)
		close(w->stage_fd);
	free(w->members);
	free(w->s_members.p);
	free(w->s_keys.p);
	free(w->s_from.p);
	free(w->s_taken.p);
	free(w->s_old.p);
	free(w->s_seen.p);
	free(w->s_cache.p);
	free(w->s_edits.p);
	rrdd_buf_free(&w->edit_text);
	free(w->bounce);
	free(w->stage_path);
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

static size_t slack_for(size_t n);

/*
 * Room for max_ds datasources at the current size per source.  The size
 * per source is the JSON's without its holes, and the slack is added for
 * max_ds: counting the slack and holes of a few sources as part of each
 * would make room for far more sources than max_ds.
 */
static size_t capacity_for(const struct rrdd_writer *w, size_t needed)
{
	size_t slots = w->max_ds > w->n ? w->max_ds : w->n;
	size_t compact = w->json_len - w->holes;
	size_t per_ds = w->n ? compact / w->n + 1 : GUESS_PER_DS;
	size_t meta = per_ds * slots + slack_for(slots);
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

/* What the metadata's slack and holes are made of, and what allocates
 * the file's blocks where fallocate could not. */
static const uint8_t spaces[PAGE] = { [0 ... PAGE - 1] = ' ' };
static const uint8_t zeros[PAGE];

/* fill (spaces or zeros, PAGE bytes) over [from, to). */
static int write_fill(int fd, const uint8_t *fill, size_t from, size_t to,
		      const char *path, struct rrdd_error *err)
{
	int rc = RRDD_OK;

	while (from < to && rc == RRDD_OK) {
		size_t len = to - from < PAGE ? to - from : PAGE;

		rc = write_at(fd, fill, len, from, path, err);
		from += len;
	}
	return rc;
}

/* ---- sources ------------------------------------------------------------ */

/* Where the metadata of n datasources starts in a payload. */
static size_t meta_offset(size_t n)
{
	return RRDD_OFF_VALUES + 8 * n + 4;
}

/* Where the JSON of the current metadata is in the file. */
static size_t json_at(const struct rrdd_writer *w)
{
	return meta_offset(w->n) + w->slack;
}

/*
 * The spaces a new JSON gets in front of it: room for the values of n/8
 * + 64 more datasources before the JSON must move.
 */
static size_t slack_for(size_t n)
{
	return 8 * (n / 8 + 64);
}

/* The CRC of what crc covered, then len spaces. */
static uint32_t crc_spaces(uint32_t crc, size_t len)
{
	while (len) {
		size_t c = len < PAGE ? len : PAGE;

		crc = rrdd_crc32_more(crc, spaces, c);
		len -= c;
	}
	return crc;
}

/* The metadata's length and CRC: the slack, then the JSON. */
static void set_meta(struct rrdd_writer *w)
{
	w->meta_len = w->slack + w->json_len;
	w->meta_crc = rrdd_crc32_concat(crc_spaces(rrdd_crc32(NULL, 0),
						   w->slack),
					w->json_crc, w->json_len);
}

/*
 * Fingerprints of descriptions: 64 bits, quick over short strings (8
 * bytes a step), good against accidents, not against an adversary.
 */
static uint64_t fp_mix(uint64_t h, uint64_t v)
{
	v *= 0x87c37b91114253d5ULL;
	v = (v << 31) | (v >> 33);
	v *= 0x4cf5ad432745937fULL;
	h ^= v;
	h = (h << 27) | (h >> 37);
	return h * 5 + 0x52dce729;
}

static uint64_t fp_final(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

static uint64_t fp_bytes(uint64_t h, const char *s, size_t len)
{
	uint64_t v;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&v, s + i, 8);
		h = fp_mix(h, v);
	}
	v = 0;
	memcpy(&v, s + i, len - i);
	return fp_mix(h, v ^ ((uint64_t)len << 56));
}

/*
 * Strings' fingerprints, remembered by address for one set_sources call:
 * the descriptions of a caller that shares its strings (one per template)
 * are hashed once each, not once per datasource.  NULL is "", as in the
 * JSON.
 */
struct fp_cache {
	struct {
		const char *s;
		uint64_t h;
	} e[512];
	char uuid[RRDD_UUID_LEN + 1];	/* the last owner's, and its hash */
	uint64_t uuid_h;
};

static uint64_t fp_string(struct fp_cache *c, const char *s)
{
	size_t i = ((uintptr_t)s >> 3) % 512;

	if (!s)
		s = "";
	if (c->e[i].s != s) {
		c->e[i].s = s;
		c->e[i].h = fp_bytes(0x243f6a8885a308d3ULL, s, strlen(s));
	}
	return c->e[i].h;
}

/* What xcp-rrdd keys a datasource by: name and owner. */
static uint64_t key_of(struct fp_cache *c, const struct rrdd_ds *d)
{
	uint64_t h = fp_mix(fp_string(c, d->name), (uint64_t)d->owner);

	if (d->owner == RRDD_OWNER_HOST)
		return h;
	/* A VM's datasources come together: its uuid hashed once. */
	if (!c->uuid[0] ||
	    strncmp(c->uuid, d->owner_uuid, RRDD_UUID_LEN) != 0) {
		size_t len = strnlen(d->owner_uuid, RRDD_UUID_LEN);

		memcpy(c->uuid, d->owner_uuid, len);
		c->uuid[len] = '\0';
		c->uuid_h = fp_bytes(0x13198a2e03707344ULL, d->owner_uuid, len);
	}
	return fp_mix(h, c->uuid_h);
}

/* Everything the JSON says of it (the key included). */
static uint64_t fp_of(struct fp_cache *c, const struct rrdd_ds *d,
		      uint64_t key)
{
	uint64_t h = fp_mix(key, fp_string(c, d->description));
	uint64_t min, max;

	memcpy(&min, &d->min, sizeof(min));
	memcpy(&max, &d->max, sizeof(max));
	h = fp_mix(h, fp_string(c, d->units));
	h = fp_mix(h, (uint64_t)d->value_type | (uint64_t)d->type << 8 |
			      (uint64_t)d->is_default << 16 |
			      (uint64_t)d->transform << 24);
	return fp_final(fp_mix(fp_mix(h, min), max));
}

/* An open-addressing table of indexes + 1 (0: empty), by 64-bit hash. */
struct table {
	uint32_t *slot;
	size_t mask;
};

/* At least bytes (1 if 0) of s, zeroed if zero; NULL: out of memory. */
static void *scratch_get(struct scratch *s, size_t bytes, bool zero)
{
	if (!bytes)
		bytes = 1;
	if (bytes > s->cap) {
		void *p = realloc(s->p, bytes);

		if (!p)
			return NULL;
		s->p = p;
		s->cap = bytes;
	}
	if (zero)
		memset(s->p, 0, bytes);
	return s->p;
}

static bool table_init(struct table *t, size_t n, struct scratch *s)
{
	size_t size = 16;

	while (size < 2 * n)
		size *= 2;
	t->mask = size - 1;
	t->slot = scratch_get(s, size * sizeof(*t->slot), true);
	return t->slot != NULL;
}

/* One set_sources call's view of the writer's scratch. */
struct plan {
	struct member *members;	/* the new ones */
	uint64_t *keys;
	uint32_t *from;		/* old index + 1 to copy, or 0: encode */
	uint8_t *taken;		/* old members already copied once */
	struct table old;	/* old members by fingerprint, or none yet */
	size_t misses;		/* lookups near by that found nothing */
	struct fp_cache *cache;
};

/* Old members by fingerprint, for the matches not found near by. */
static bool index_old(struct rrdd_writer *w, struct plan *p)
{
	if (!table_init(&p->old, w->n, &w->s_old))
		return false;
	for (size_t j = 0; j < w->n; j++) {
		size_t i = w->members[j].fp & p->old.mask;

		while (p->old.slot[i])
			i = (i + 1) & p->old.mask;
		p->old.slot[i] = (uint32_t)j + 1;
	}
	return true;
}

/* Members a match is first looked for after the last one. */
#define NEAR 64

/*
 * An old member with this fingerprint, not yet taken: its index + 1, or
 * 0.  Blocks keep their order, so it is mostly the one after the last
 * match, or a few further on (past the datasources of a VM that went);
 * after NEAR misses near by, the old members are indexed.
 */
static int find_old(struct rrdd_writer *w, struct plan *p,
		    uint64_t fp, size_t guess, uint32_t *found)
{
	size_t end = guess + NEAR < w->n ? guess + NEAR : w->n;

	*found = 0;
	for (size_t j = guess; j < end; j++)
		if (!p->taken[j] && w->members[j].fp == fp) {
			*found = (uint32_t)j + 1;
			return RRDD_OK;
		}
	if (!p->old.slot && ++p->misses <= NEAR)
		return RRDD_OK;	/* new, most likely */
	if (!p->old.slot && !index_old(w, p))
		return RRDD_ENOMEM;
	for (size_t i = fp & p->old.mask; p->old.slot[i];
	     i = (i + 1) & p->old.mask) {
		uint32_t j = p->old.slot[i] - 1;

		if (!p->taken[j] && w->members[j].fp == fp) {
			*found = j + 1;
			break;
		}
	}
	return RRDD_OK;
}

/*
 * Which new descriptions are old ones (copied from the file) and which
 * are encoded.  Only an unchanged file can be copied from: none before
 * the first update, none while new metadata waits in the staging file.
 * (Until NEAR have not been found near by, one further away is not
 * looked for: it is encoded again, never a wrong byte.)
 */
static int match_old(struct rrdd_writer *w, struct plan *p, size_t n,
		     struct rrdd_error *err)
{
	size_t guess = 0;

	if (!w->have_sources || w->meta_dirty || w->meta_edits || w->fd < 0 ||
	    !w->n)
		return RRDD_OK;
	p->taken = scratch_get(&w->s_taken, w->n, true);
	if (!p->taken)
		return rrdd_fail(err, RRDD_ENOMEM, 0, "out of memory");
	for (size_t i = 0; i < n; i++) {
		uint32_t j;

		if (find_old(w, p, p->members[i].fp, guess, &j) != RRDD_OK)
			return rrdd_fail(err, RRDD_ENOMEM, 0, "out of memory");
		p->from[i] = j;
		if (j) {
			p->taken[j - 1] = 1;
			guess = j;
		}
	}
	return RRDD_OK;
}

/* rrdd_metadata_encode's checks, on what is not copied from the file. */
static int check_sources(struct rrdd_writer *w, const struct rrdd_ds *ds,
			 size_t n, const struct plan *p,
			 struct rrdd_error *err)
{
	struct table seen;
	int rc = RRDD_OK;

	for (size_t i = 0; i < n; i++)
		if (!p->from[i] &&
		    (rc = rrdd_metadata_check_ds(&ds[i], i, err)) != RRDD_OK)
			return rc;
	if (!table_init(&seen, n, &w->s_seen))
		return rrdd_fail(err, RRDD_ENOMEM, 0, "out of memory");
	for (size_t i = 0; i < n && rc == RRDD_OK; i++) {
		size_t k = p->keys[i] & seen.mask;

		for (; seen.slot[k]; k = (k + 1) & seen.mask) {
			uint32_t j = seen.slot[k] - 1;

			if (p->keys[j] == p->keys[i] &&
			    rrdd_metadata_same_key(&ds[j], &ds[i])) {
				rc = rrdd_fail(err, RRDD_EINVAL, 0,
					       "duplicate datasource name "
					       "\"%s\" for the same owner",
					       ds[i].name);
				break;
			}
		}
		seen.slot[k] = (uint32_t)i + 1;
	}
	return rc;
}

/* The staging file: unlinked at once, kept open for the writer's life. */
static int open_stage(struct rrdd_writer *w, struct rrdd_error *err)
{
	if (!w->bounce && !(w->bounce = malloc(BOUNCE)))
		return rrdd_fail(err, RRDD_ENOMEM, 0, "out of memory");
	if (w->stage_fd >= 0)
		return RRDD_OK;
	if (mkdir(w->dir, 0755) && errno != EEXIST)
		return io_fail(err, errno, "creating", w->dir);
	w->stage_fd = open(w->stage_path,
			   O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (w->stage_fd < 0)
		return io_fail(err, errno, "creating", w->stage_path);
	unlink(w->stage_path);
	return RRDD_OK;
}

/* Bytes on their way into the staging file, through the bounce buffer. */
struct sink {
	struct rrdd_writer *w;
	size_t base;		/* JSON bytes before the staging file's */
	size_t flushed, fill;	/* flushed counts from the JSON's start */
	uint32_t crc;
	int rc;
	struct rrdd_error *err;
	struct member *members;	/* their CRCs set as their ends go by */
	size_t placed, next;
};

static size_t sink_pos(const struct sink *k)
{
	return k->flushed + k->fill;
}

static void sink_flush(struct sink *k)
{
	struct member *last = NULL;
	size_t done = 0;

	if (k->rc || !k->fill)
		return;
	/*
	 * The CRC at the end of the last member that ends in this buffer,
	 * for the next change's prefix.  Only there: zlib is much slower
	 * on a few hundred bytes at a time than on the whole buffer.
	 */
	for (; k->next < k->placed; k->next++) {
		struct member *m = &k->members[k->next];
		size_t end = (size_t)m->off + m->len - k->flushed;

		if (end > k->fill)
			break;
		m->crc_ok = false;
		last = m;
		done = end;
	}
	if (last) {
		k->crc = rrdd_crc32_more(k->crc, k->w->bounce, done);
		last->crc_end = k->crc;
		last->crc_ok = true;
	}
	k->crc = rrdd_crc32_more(k->crc, k->w->bounce + done, k->fill - done);
	k->rc = write_at(k->w->stage_fd, k->w->bounce, k->fill,
			 k->flushed - k->base, k->w->stage_path, k->err);
	k->flushed += k->fill;
	k->fill = 0;
}

static void sink_put(struct sink *k, const char *p, size_t len)
{
	while (len && !k->rc) {
		size_t c = BOUNCE - k->fill < len ? BOUNCE - k->fill : len;

		memcpy(k->w->bounce + k->fill, p, c);
		k->fill += c;
		p += c;
		len -= c;
		if (k->fill == BOUNCE)
			sink_flush(k);
	}
}

/* len bytes of the payload file at off. */
static void sink_copy(struct sink *k, size_t off, size_t len)
{
	while (len && !k->rc) {
		size_t c = BOUNCE - k->fill < len ? BOUNCE - k->fill : len;
		ssize_t got = pread(k->w->fd, k->w->bounce + k->fill, c,
				    (off_t)off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			k->rc = io_fail(k->err, got < 0 ? errno : EIO,
					"reading", k->w->path);
			return;
		}
		k->fill += (size_t)got;
		off += (size_t)got;
		len -= (size_t)got;
		if (k->fill == BOUNCE)
			sink_flush(k);
	}
}

/* Where the new member i starts; false past the format's 32 bits. */
static bool place(struct sink *k, struct member *m, size_t off, size_t len)
{
	if (off + len > UINT32_MAX) {
		k->rc = rrdd_fail(k->err, RRDD_EINVAL, 0,
				  "metadata exceeds the format's 32-bit "
				  "length");
		return false;
	}
	m->off = (uint32_t)off;
	m->len = (uint32_t)len;
	k->placed++;
	return true;
}

/*
 * Write the new metadata into the staging file.  The members the old
 * JSON starts with, in the same order, stay where they are: that prefix
 * (up to the last of them whose CRC was kept) is not staged (the update
 * takes it from the payload file) and its CRC is the one kept.  After it, runs of members
 * that follow each other in the old file are copied in one piece (with
 * the commas between them), the others encoded.  Sets the members'
 * places and CRCs, *prefix, the length and the CRC.
 */
static int build_stage(struct rrdd_writer *w, const struct rrdd_ds *ds,
		       size_t n, struct plan *p, size_t *prefix, size_t *len,
		       uint32_t *crc, struct rrdd_error *err)
{
	struct sink k = { w, 0, 0, 0, rrdd_crc32(NULL, 0), RRDD_OK, err,
			  p->members, 0, 0 };
	size_t base = json_at(w), run_old = 0, run_end = 0;
	size_t run_new = 0, i = 0;
	uint32_t prev = 0;
	struct rrdd_numbers last;
	struct rrdd_buf one;

	/* The unchanged start, without a hole: each member right after the
	 * comma after the one before (this rewrite drops the holes). */
	while (i < n && p->from[i] == i + 1 &&
	       w->members[i].off ==
		       (i ? (size_t)w->members[i - 1].off +
				    w->members[i - 1].len + 1 :
			    strlen(RRDD_META_OPEN)))
		i++;
	while (i && !w->members[i - 1].crc_ok)	/* back to a known CRC */
		i--;
	if (i) {
		memcpy(p->members, w->members, i * sizeof(*p->members));
		k.base = k.flushed = (size_t)w->members[i - 1].off +
				     w->members[i - 1].len;
		k.crc = w->members[i - 1].crc_end;
		k.placed = k.next = i;
	}
	*prefix = k.base;
	memset(&last, 0, sizeof(last));
	rrdd_buf_init(&one);
	if (!i)
		sink_put(&k, RRDD_META_OPEN, strlen(RRDD_META_OPEN));
	for (; i < n && !k.rc; i++) {
		uint32_t j = p->from[i];
		const struct member *old = j ? &w->members[j - 1] : NULL;

		if (old && prev && j == prev + 1 &&
		    old->off == run_end + 1) {	/* the run goes on */
			if (place(&k, &p->members[i],
				  run_new + (old->off - run_old), old->len))
				run_end = (size_t)old->off + old->len;
			prev = j;
			continue;
		}
		if (prev)
			sink_copy(&k, base + run_old, run_end - run_old);
		prev = 0;
		if (i)
			sink_put(&k, ",", 1);
		if (old) {
			run_old = old->off;
			run_end = (size_t)old->off + old->len;
			run_new = sink_pos(&k);
			place(&k, &p->members[i], run_new, old->len);
			prev = j;
			continue;
		}
		one.len = 0;
		if (!rrdd_metadata_add_member(&one, &ds[i], &last)) {
			k.rc = rrdd_fail(err, RRDD_ENOMEM, 0,
					 "out of memory encoding metadata");
			break;
		}
		if (place(&k, &p->members[i], sink_pos(&k), one.len))
			sink_put(&k, one.data, one.len);
	}
	if (prev)
		sink_copy(&k, base + run_old, run_end - run_old);
	sink_put(&k, RRDD_META_CLOSE, strlen(RRDD_META_CLOSE));
	sink_flush(&k);
	rrdd_buf_free(&one);
	*len = k.flushed;
	*crc = k.crc;
	return k.rc;
}

/* The plan's n members become the writer's; the old array becomes the
 * next plan's scratch. */
static void adopt_members(struct rrdd_writer *w, struct plan *p, size_t n)
{
	size_t spare_cap = w->s_members.cap;

	w->s_members.p = w->members;
	w->s_members.cap = w->cap_members;
	w->members = p->members;
	w->cap_members = spare_cap;
	w->n = n;
}

/*
 * ---- changes in place ----
 *
 * When the members kept are in the file's order, the change is made
 * where it is, in the gaps between them: a gap is all that lies between
 * two kept members (or the JSON's opening and the first, or the last and
 * the closing), and becomes its new members with their commas, then
 * spaces.  The members that went are blanked; the same ones coming back
 * fit their own gap exactly; new ones after the last kept member may
 * grow the JSON at its end.  Nothing else of the JSON moves, and its CRC
 * follows from the CRCs of each gap's old and new bytes.  Otherwise, or
 * when the holes and the slack grow past a limit or the slack runs out,
 * the JSON is made again whole (build_stage).
 */
static int read_at(int fd, uint8_t *buf, size_t len, size_t off,
		   const char *path, struct rrdd_error *err);

struct edit {
	size_t off, len;	/* the region of the JSON replaced */
	size_t text, text_len;	/* its text in edit_text; spaces after */
};

static bool text_add(struct rrdd_buf *t, const char *s, size_t len)
{
	rrdd_buf_add(t, s, len);
	return !t->failed;
}

/* The CRC of len bytes of the file at off. */
static int crc_of_file(struct rrdd_writer *w, size_t off, size_t len,
		       uint32_t *crc, struct rrdd_error *err)
{
	uint32_t c = rrdd_crc32(NULL, 0);
	int rc = RRDD_OK;

	while (len && rc == RRDD_OK) {
		size_t chunk = len < BOUNCE ? len : BOUNCE;

		rc = read_at(w->fd, w->bounce, chunk, off, w->path, err);
		c = rrdd_crc32_more(c, w->bounce, chunk);
		off += chunk;
		len -= chunk;
	}
	*crc = c;
	return rc;
}

/* Holes and slack past this: the next change makes the JSON again. */
static bool too_much_room(size_t holes, size_t slack, size_t n,
			  size_t json_len)
{
	return holes + slack > 2 * slack_for(n) + json_len / 8;
}

/*
 * One gap's edit: the gap [start, end) of the JSON becomes the new
 * members first..i-1 (after a comma if a member comes before, followed
 * by one if one comes after), then spaces; at the end (tail), the text
 * may be longer than the gap, and the closing is written after it.
 * Sets the new members' places; adds the change to *crc (the JSON's,
 * old_len bytes long) and to *grow.
 */
static int edit_gap(struct rrdd_writer *w, const struct rrdd_ds *ds,
		    struct plan *p, size_t first, size_t i, size_t start,
		    size_t end, bool before, bool tail, size_t old_len,
		    struct edit *e, uint32_t *crc, size_t *grow,
		    struct rrdd_error *err)
{
	struct rrdd_buf *t = &w->edit_text;
	size_t close = strlen(RRDD_META_CLOSE), at = t->len;
	uint32_t was, now;
	struct rrdd_numbers last;
	int rc;

	memset(&last, 0, sizeof(last));
	if (before && (first < i || !tail) && !text_add(t, ",", 1))
		goto oom;
	e->len = 0;	/* 0: the text does not fit the gap */
	for (size_t k = first; k < i; k++) {
		size_t from;

		if (k > first && !text_add(t, ",", 1))
			goto oom;
		from = t->len;
		if (!rrdd_metadata_add_member(t, &ds[k], &last))
			goto oom;
		if (start + t->len - at > UINT32_MAX)
			return rrdd_fail(err, RRDD_EINVAL, 0,
					 "metadata exceeds the format's "
					 "32-bit length");
		p->members[k].off = (uint32_t)(start + from - at);
		p->members[k].len = (uint32_t)(t->len - from);
		p->members[k].crc_ok = false;
	}
	if (first < i && !tail && !text_add(t, ",", 1))
		goto oom;
	e->off = start;
	e->text = at;
	e->text_len = t->len - at;
	if (e->text_len > end - start) {
		if (!tail)
			return RRDD_OK;	/* no room: e->len stays 0 */
		if (!text_add(t, RRDD_META_CLOSE, close))
			goto oom;
		e->text_len += close;
		end += close;	/* the region takes in the closing */
		*grow = e->text_len - (end - start);
	}
	e->len = end - start + *grow;
	rc = crc_of_file(w, json_at(w) + start, end - start, &was, err);
	if (rc)
		return rc;
	/* The new bytes over the old ones' length, then the rest. */
	if (*grow) {
		now = rrdd_crc32((const uint8_t *)t->data + at, end - start);
	} else {
		now = rrdd_crc32((const uint8_t *)t->data + at, e->text_len);
		now = crc_spaces(now, end - start - e->text_len);
	}
	*crc ^= rrdd_crc32_shift(was ^ now, old_len - end);
	if (*grow)
		*crc = rrdd_crc32_concat(
			*crc,
			rrdd_crc32((const uint8_t *)t->data + at +
					   (end - start),
				   *grow),
			*grow);
	return RRDD_OK;
oom:
	return rrdd_fail(err, RRDD_ENOMEM, 0, "out of memory encoding metadata");
}

/*
 * The change as edits of the file's JSON, if it can be: *done says
 * whether it was.  The writer's state changes only when it was.
 */
static int plan_edits(struct rrdd_writer *w, const struct rrdd_ds *ds,
		      size_t n, struct plan *p, bool *done,
		      struct rrdd_error *err)
{
	size_t open = strlen(RRDD_META_OPEN), old_len = w->json_len;
	size_t prev_end = open, first = 0, n_edits = 0, grow = 0;
	size_t first_edit = SIZE_MAX, used = 0, slack, holes;
	uint32_t last_j = 0, crc = w->json_crc;
	bool kept = false;
	struct edit *edits;

	*done = false;
	if (!w->have_sources || w->meta_dirty || w->meta_edits ||
	    w->fd < 0 || !w->n || meta_offset(n) > json_at(w))
		return RRDD_OK;
	for (size_t i = 0; i < n; i++) {
		if (!p->from[i])
			continue;
		if (p->from[i] <= last_j)
			return RRDD_OK;	/* not in the file's order */
		last_j = p->from[i];
		kept = true;
	}
	if (!kept)
		return RRDD_OK;
	edits = scratch_get(&w->s_edits, (n + 1) * sizeof(*edits), false);
	if (!edits || (!w->bounce && !(w->bounce = malloc(BOUNCE))))
		return rrdd_fail(err, RRDD_ENOMEM, 0, "out of memory");
	w->edit_text.len = 0;
	w->edit_text.failed = false;
	last_j = 0;
	for (size_t i = 0; i <= n; i++) {
		uint32_t j = i < n ? p->from[i] : 0;
		bool tail = i == n, gone;
		size_t end;

		if (!tail && !j)
			continue;	/* new: in the gap before the next kept */
		end = tail ? old_len - strlen(RRDD_META_CLOSE) :
			     w->members[j - 1].off;
		gone = tail ? last_j < w->n : j > last_j + 1;
		if (first < i || gone) {
			struct edit *e = &edits[n_edits];
			int rc = edit_gap(w, ds, p, first, i, prev_end, end,
				      last_j != 0, tail, old_len, e, &crc,
				      &grow, err);

			if (rc)
				return rc;
			if (!e->len)
				return RRDD_OK;	/* does not fit */
			if (first_edit == SIZE_MAX)
				first_edit = prev_end;
			n_edits++;
		}
		if (tail)
			break;
		p->members[i] = w->members[j - 1];
		prev_end = (size_t)p->members[i].off + p->members[i].len;
		last_j = j;
		first = i + 1;
	}
	for (size_t i = 0; i < n; i++) {
		used += p->members[i].len;
		if ((size_t)p->members[i].off + p->members[i].len > first_edit)
			p->members[i].crc_ok = false;
	}
	slack = json_at(w) - meta_offset(n);
	holes = old_len + grow - open - strlen(RRDD_META_CLOSE) - used -
		(n - 1);
	if (too_much_room(holes, slack, n, old_len + grow))
		return RRDD_OK;
	adopt_members(w, p, n);
	w->slack = slack;
	w->holes = holes;
	w->edit_base_len = old_len;
	w->json_len = old_len + grow;
	w->json_crc = crc;
	w->n_edits = n_edits;
	w->meta_edits = n_edits != 0;
	set_meta(w);
	*done = true;
	return RRDD_OK;
}

static bool same_fingerprints(const struct rrdd_writer *w,
			      const struct plan *p, size_t n)
{
	if (!w->have_sources || n != w->n)
		return false;
	for (size_t i = 0; i < n; i++)
		if (p->members[i].fp != w->members[i].fp)
			return false;
	return true;
}

int rrdd_writer_set_sources(struct rrdd_writer *w, const struct rrdd_ds *ds,
			    size_t n, struct rrdd_error *err)
{
	struct plan p;
	size_t len = 0, prefix = 0;
	uint32_t crc = 0;
	bool edited = false;
	int rc;

	if (!w || (n && !ds))
		return rrdd_fail(err, RRDD_EINVAL, 0, "writer: NULL argument");
	if (n > UINT32_MAX / 2)
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "%zu datasources exceed the format", n);
	memset(&p, 0, sizeof(p));
	/* never the current members: the prefix is copied from them */
	p.members = scratch_get(&w->s_members, n * sizeof(*p.members), false);
	p.keys = scratch_get(&w->s_keys, n * sizeof(*p.keys), false);
	p.from = scratch_get(&w->s_from, n * sizeof(*p.from), true);
	p.cache = scratch_get(&w->s_cache, sizeof(*p.cache), true);
	if (!p.members || !p.keys || !p.from || !p.cache)
		return rrdd_fail(err, RRDD_ENOMEM, 0, "out of memory");
	for (size_t i = 0; i < n; i++) {
		if (!ds[i].name)
			return rrdd_metadata_check_ds(&ds[i], i, err);
		p.keys[i] = key_of(p.cache, &ds[i]);
		p.members[i].fp = fp_of(p.cache, &ds[i], p.keys[i]);
	}
	/* Unchanged: keep the file's metadata and its CRC untouched. */
	if (same_fingerprints(w, &p, n))
		return RRDD_OK;
	rc = match_old(w, &p, n, err);
	if (!rc)
		rc = check_sources(w, ds, n, &p, err);
	if (!rc)
		rc = plan_edits(w, ds, n, &p, &edited, err);
	if (!rc && edited)
		return RRDD_OK;
	if (!rc)
		rc = open_stage(w, err);
	if (!rc)
		rc = build_stage(w, ds, n, &p, &prefix, &len, &crc, err);
	if (rc) {
		/* Staged metadata not yet in the file was overwritten. */
		if (w->meta_dirty && w->stage_fd >= 0)
			w->have_sources = false;
		return rc;
	}
	w->prefix_len = prefix;
	w->prefix_from = json_at(w);
	adopt_members(w, &p, n);
	w->slack = slack_for(n);
	w->json_len = len;
	w->json_crc = crc;
	w->holes = 0;
	set_meta(w);
	w->have_sources = true;
	w->meta_dirty = true;
	w->meta_edits = false;	/* made whole: edits waiting are dropped */
	return RRDD_OK;
}

/* Read exactly len bytes at off. */
static int read_at(int fd, uint8_t *buf, size_t len, size_t off,
		   const char *path, struct rrdd_error *err)
{
	size_t done = 0;

	while (done < len) {
		ssize_t got = pread(fd, buf + done, len - done,
				    (off_t)(off + done));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return io_fail(err, got < 0 ? errno : EIO, "reading",
				       path);
		done += (size_t)got;
	}
	return RRDD_OK;
}

/* len bytes of src at from into fd at to (different files). */
static int copy_between(struct rrdd_writer *w, int src, size_t from,
			const char *src_path, int fd, size_t to, size_t len,
			const char *path, struct rrdd_error *err)
{
	size_t done = 0;
	int rc = RRDD_OK;

	/* The kernel copies file to file without the bounce buffer where it
	 * can (Linux 2.6.33 on); the loop below does the rest. */
	if (len && lseek(fd, (off_t)to, SEEK_SET) == (off_t)to) {
		off_t at = (off_t)from;

		while (done < len) {
			ssize_t got = sendfile(fd, src, &at, len - done);

			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				break;
			done += (size_t)got;
		}
	}
	while (done < len && rc == RRDD_OK) {
		size_t c = len - done < BOUNCE ? len - done : BOUNCE;

		rc = read_at(src, w->bounce, c, from + done, src_path, err);
		if (!rc)
			rc = write_at(fd, w->bounce, c, to + done, path, err);
		done += c;
	}
	return rc;
}

/*
 * len bytes of fd from `from` to `to`, the ranges may overlap: chunks
 * front to back when moving down, back to front when moving up, so no
 * chunk is overwritten before it is read.
 */
static int move_within(struct rrdd_writer *w, int fd, size_t from,
		       size_t to, size_t len, const char *path,
		       struct rrdd_error *err)
{
	int rc = RRDD_OK;

	for (size_t done = 0; done < len && from != to && rc == RRDD_OK;) {
		size_t c = len - done < BOUNCE ? len - done : BOUNCE;
		size_t at = to < from ? done : len - done - c;

		rc = read_at(fd, w->bounce, c, from + at, path, err);
		if (!rc)
			rc = write_at(fd, w->bounce, c, to + at, path, err);
		done += c;
	}
	return rc;
}

/* The edits waiting, into fd's JSON at `at`. */
static int apply_edits(struct rrdd_writer *w, int fd, size_t at,
		       const char *path, struct rrdd_error *err)
{
	const struct edit *e = w->s_edits.p;
	int rc = RRDD_OK;

	for (size_t i = 0; i < w->n_edits && rc == RRDD_OK; i++, e++) {
		rc = write_at(fd, (const uint8_t *)w->edit_text.data + e->text,
			      e->text_len, at + e->off, path, err);
		if (!rc)
			rc = write_fill(fd, spaces, at + e->off + e->text_len,
					at + e->off + e->len, path, err);
	}
	return rc;
}

/*
 * Copy the metadata (meta_len bytes) into fd at off: while it is new,
 * its prefix from the payload file's old metadata and the rest from the
 * staging file; else all from the payload file (the old one, when a new
 * file replaces it).  Never through a mapping: the bytes stay out of this
 * process's resident memory.
 */
static int copy_meta(struct rrdd_writer *w, int fd, size_t off,
		     const char *path, struct rrdd_error *err)
{
	size_t at = off + w->slack;	/* where the JSON goes */
	int rc = RRDD_OK;

	if (!w->bounce && !(w->bounce = malloc(BOUNCE)))
		return rrdd_fail(err, RRDD_ENOMEM, 0, "out of memory");
	if (w->meta_edits) {
		/* The JSON stays at json_at: in another file, copied there
		 * first; then the edits, then the slack (where values were). */
		if (fd != w->fd)
			rc = copy_between(w, w->fd, at, w->path, fd, at,
					  w->edit_base_len, path, err);
		if (!rc)
			rc = apply_edits(w, fd, at, path, err);
		if (!rc)
			rc = write_fill(fd, spaces, off, at, path, err);
		return rc;
	}
	if (!w->meta_dirty)
		return copy_between(w, w->fd, meta_offset(w->n), w->path, fd,
				    off, w->meta_len, path, err);
	if (w->prefix_len && fd == w->fd)
		rc = move_within(w, fd, w->prefix_from, at, w->prefix_len,
				 path, err);
	else if (w->prefix_len)
		rc = copy_between(w, w->fd, w->prefix_from, w->path, fd, at,
				  w->prefix_len, path, err);
	if (!rc)
		rc = copy_between(w, w->stage_fd, 0, w->stage_path, fd,
				  at + w->prefix_len,
				  w->json_len - w->prefix_len, path, err);
	/* After the move: the old JSON may have been where the slack is. */
	if (!rc)
		rc = write_fill(fd, spaces, off, at, path, err);
	return rc;
}

/*
 * The bytes before the metadata (header, values, metadata length) of a
 * valid payload.  The metadata goes into the file from the file that
 * has it (copy_meta): the writer never holds it whole in memory.
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
static int write_file(struct rrdd_writer *w, int fd,
		      const uint8_t *head, size_t head_len, size_t cap,
		      struct rrdd_error *err)
{
	int rc = write_at(fd, head, head_len, 0, w->tmp_path, err);

	if (!rc)
		rc = copy_meta(w, fd, head_len, w->tmp_path, err);
	if (!rc)
		rc = write_fill(fd, zeros, head_len + w->meta_len, cap,
				w->tmp_path, err);
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

/*
 * New metadata that fits: body first, then the header that points to it.
 * The metadata goes first: its prefix moves within the file, from where
 * the old values may end to where the new ones may, and must be read
 * before the new values overwrite it.
 */
static int rewrite_in_place(struct rrdd_writer *w, size_t needed, double ts,
			    const union rrdd_value *values,
			    struct rrdd_error *err)
{
	int rc = copy_meta(w, w->fd, meta_offset(w->n), w->path, err);

	/* Stale bytes of a longer payload would read as trailing junk. */
	if (!rc && w->used > needed)
		rc = write_fill(w->fd, zeros, needed, w->used, w->path, err);
	if (rc) {
		/* The old metadata may be half moved: nothing to build the
		 * next one from.  set_sources must come first again. */
		w->have_sources = false;
		return rc;
	}
	put_values(w->map, values, w->n);
	rrdd_put_be32(w->map + meta_offset(w->n) - 4, (uint32_t)w->meta_len);
	w->used = needed;
	__atomic_thread_fence(__ATOMIC_RELEASE);
	rrdd_put_be32(w->map + RRDD_OFF_COUNT, (uint32_t)w->n);
	rrdd_put_be32(w->map + RRDD_OFF_META_CRC, w->meta_crc);
	rrdd_put_be64(w->map + RRDD_OFF_TIMESTAMP,
		      rrdd_timestamp_bits(ts, w->ts_format));
	__atomic_thread_fence(__ATOMIC_RELEASE);
	rrdd_put_be32(w->map + RRDD_OFF_DATA_CRC,
		      rrdd_crc32(w->map + RRDD_OFF_TIMESTAMP, 8 + 8 * w->n));
	return RRDD_OK;
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
	} else if (w->meta_dirty || w->meta_edits) {
		rc = rewrite_in_place(w, needed, timestamp, values, err);
		if (rc)
			return rc;
	} else {
		update_values(w, timestamp, values);
	}
	/* The staging file keeps its pages for the next change: allocating
	 * them again would cost more than the copy itself. */
	w->meta_dirty = false;
	w->meta_edits = false;
	w->n_edits = 0;
	w->prefix_len = 0;
	w->recheck = false;
	w->have_ts = true;
	w->last_ts = timestamp;
	return RRDD_OK;
}
