/*
 * test-writer.c: the payload file writer: atomic creation, in-place
 * updates that leave the metadata bytes alone, growth, a full file system
 * and removal on close.  Every test works in its own temporary directory.
 */
#include <check.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "check_main.h"

#include "rrdd_protocol.h"
#include "rrdd/support/payload-bytes.h"

#define UID "vcpustats"

static char dir[64];
static char names[400][16];
static char long_text[300];

/* Remove whatever a test left in dir, then dir itself. */
static void empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	char file[512];

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		unlink(file);
	}
	closedir(d);
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* Entries in path, the writer's lock file aside (see lock_* tests). */
static int count_entries(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	int n = 0;

	ck_assert_msg(d != NULL, "opendir %s", path);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    strcmp(e->d_name, UID ".lock.tmp") != 0)
			n++;
	closedir(d);
	return n;
}

static void setup(void)
{
	strcpy(dir, "/tmp/rrdd-writer-XXXXXX");
	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp");
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		snprintf(names[i], sizeof(names[i]), "ds%zu", i);
	memset(long_text, 'x', sizeof(long_text) - 1);
}

static void teardown(void)
{
	empty_dir(dir);
	rmdir(dir);
}

static struct rrdd_ds make_ds(size_t i, const char *description)
{
	struct rrdd_ds d;

	memset(&d, 0, sizeof(d));
	d.name = names[i];
	d.description = description;
	d.units = "(fraction)";
	d.owner = RRDD_OWNER_VM;
	strcpy(d.owner_uuid, "6f1c4e0a-3d2b-4c5e-9a7f-1b2c3d4e5f60");
	d.value_type = i % 2 ? RRDD_VALUE_INT64 : RRDD_VALUE_FLOAT;
	d.type = RRDD_DERIVE;
	d.min = 0;
	d.max = 1;
	return d;
}

static struct rrdd_writer *open_writer(const char *where, size_t max_ds,
				       enum rrdd_ts_format format)
{
	struct rrdd_writer_options o = { where, UID, max_ds, format };
	struct rrdd_writer *w = NULL;
	struct rrdd_error err;

	ck_assert_msg(rrdd_writer_open(&o, &w, &err) == RRDD_OK, "open: %s",
		      err.msg);
	return w;
}

static void set_sources(struct rrdd_writer *w, size_t n, const char *desc)
{
	struct rrdd_ds *ds = calloc(n + 1, sizeof(*ds));
	struct rrdd_error err;

	for (size_t i = 0; i < n; i++)
		ds[i] = make_ds(i, desc);
	ck_assert_msg(rrdd_writer_set_sources(w, ds, n, &err) == RRDD_OK,
		      "set_sources: %s", err.msg);
	free(ds);	/* the writer must not need it any more */
}

/* Values that differ per index and per round. */
static void update(struct rrdd_writer *w, size_t n, double ts, int round)
{
	union rrdd_value *v = calloc(n + 1, sizeof(*v));
	struct rrdd_error err;

	for (size_t i = 0; i < n; i++) {
		if (i % 2)
			v[i].i = (int64_t)(i * 1000 + (size_t)round);
		else
			v[i].f = (double)i + round / 8.0;
	}
	ck_assert_msg(rrdd_writer_update(w, ts, v, &err) == RRDD_OK,
		      "update: %s", err.msg);
	free(v);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat st;
	uint8_t *buf;
	int fd = open(path, O_RDONLY);

	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	ck_assert_int_eq(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	ck_assert_msg(read(fd, buf, (size_t)st.st_size) == st.st_size, "read");
	close(fd);
	*len = (size_t)st.st_size;
	return buf;
}

/* Decode the file and check it carries round's values for n sources. */
static void check_file(const char *path, size_t n, double ts, int round)
{
	struct rrdd_payload *p;
	struct rrdd_error err;
	size_t len;
	uint8_t *buf = slurp(path, &len);

	ck_assert_msg(rrdd_payload_decode(buf, len, RRDD_TS_AUTO, &p, &err) ==
		      RRDD_OK, "decode %s: %s", path, err.msg);
	ck_assert_int_eq(p->n, n);
	ck_assert_msg(p->timestamp == ts, "timestamp %f, want %f",
		      p->timestamp, ts);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(p->ds[i].name, names[i]);
		if (i % 2)
			ck_assert_msg(p->values[i].i ==
				      (int64_t)(i * 1000 + (size_t)round),
				      "value %zu", i);
		else
			ck_assert_msg(p->values[i].f ==
				      (double)i + round / 8.0, "value %zu", i);
	}
	for (size_t i = len - p->trailing; i < len; i++)
		ck_assert_msg(buf[i] == 0, "trailing byte %zu not zero", i);
	rrdd_payload_free(p);
	free(buf);
}

static ino_t inode_of(const char *path)
{
	struct stat st;

	ck_assert_msg(stat(path, &st) == 0, "stat %s", path);
	return st.st_ino;
}

static char *tmp_path(const struct rrdd_writer *w)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s.tmp", rrdd_writer_path(w));
	return path;
}

START_TEST(nothing_exists_before_the_first_update)
{
	struct rrdd_writer *w = open_writer(dir, 4, RRDD_TS_FLOAT);
	char want[128];

	snprintf(want, sizeof(want), "%s/%s", dir, UID);
	ck_assert_str_eq(rrdd_writer_path(w), want);
	set_sources(w, 2, "d");
	ck_assert_int_eq(count_entries(dir), 0);
	rrdd_writer_close(w);
	ck_assert_int_eq(count_entries(dir), 0);
	rrdd_writer_close(NULL);
}
END_TEST

START_TEST(default_directory)
{
	struct rrdd_writer *w = open_writer(NULL, 4, RRDD_TS_FLOAT);

	ck_assert_str_eq(rrdd_writer_path(w), "/dev/shm/metrics/" UID);
	rrdd_writer_close(w);
}
END_TEST

START_TEST(first_update_creates_a_complete_file)
{
	struct rrdd_writer *w = open_writer(dir, 64, RRDD_TS_FLOAT);
	struct stat st;

	set_sources(w, 3, "some description");
	update(w, 3, 1000.5, 1);
	ck_assert_int_eq(stat(rrdd_writer_path(w), &st), 0);
	ck_assert_msg(st.st_size % 4096 == 0, "size %lld",
		      (long long)st.st_size);
	/* Sized up front for 64 sources, not just the 3 there are. */
	ck_assert_msg((size_t)st.st_size >= rrdd_payload_size(64, (size_t)64 * 100),
		      "size %lld too small for 64 sources",
		      (long long)st.st_size);
	ck_assert_msg(st.st_blocks * 512 >= st.st_size, "space not reserved");
	check_file(rrdd_writer_path(w), 3, 1000.5, 1);
	ck_assert_int_eq(access(tmp_path(w), F_OK), -1);
	ck_assert_int_eq(count_entries(dir), 1);
	rrdd_writer_close(w);
}
END_TEST

/* Spaces at the start of the metadata of a decoded payload. */
static size_t leading_spaces(const struct rrdd_payload *p)
{
	size_t s = 0;

	while (s < p->metadata_len && p->metadata[s] == ' ')
		s++;
	return s;
}

/*
 * A new file holds exactly what rrdd_payload_encode gives for the same
 * sources, values and timestamp, the metadata led by spaces (room for
 * the values of more datasources), then zeros (the writer writes the
 * metadata from its staging file rather than through a second full image).
 */
START_TEST(new_file_is_the_encoded_payload)
{
	struct rrdd_writer *w = open_writer(dir, 8, RRDD_TS_FLOAT);
	struct rrdd_ds ds[5];
	union rrdd_value v[5];
	struct rrdd_error err;
	struct rrdd_payload *p;
	char *json, *meta;
	size_t json_len, len, want_len, lead;
	uint8_t *buf, *want;

	for (size_t i = 0; i < 5; i++) {
		ds[i] = make_ds(i, "described");
		v[i].f = 0.25 * (double)i;
	}
	ck_assert_int_eq(rrdd_writer_set_sources(w, ds, 5, &err), RRDD_OK);
	ck_assert_int_eq(rrdd_writer_update(w, 1234.5, v, &err), RRDD_OK);
	ck_assert_int_eq(rrdd_metadata_encode(ds, 5, &json, &json_len, &err),
			 RRDD_OK);
	buf = slurp(rrdd_writer_path(w), &len);
	ck_assert_int_eq(rrdd_payload_decode(buf, len, RRDD_TS_AUTO, &p, &err),
			 RRDD_OK);
	lead = leading_spaces(p);
	rrdd_payload_free(p);
	free(buf);
	ck_assert_msg(lead >= 8 && lead % 8 == 0, "%zu spaces before the JSON",
		      lead);
	meta = malloc(lead + json_len);
	memset(meta, ' ', lead);
	memcpy(meta + lead, json, json_len);
	want_len = rrdd_payload_size(5, lead + json_len);
	want = malloc(want_len);
	ck_assert_int_eq(rrdd_payload_encode(want, want_len, 1234.5,
					     RRDD_TS_FLOAT, ds, v, 5, meta,
					     lead + json_len, &err), RRDD_OK);
	free(meta);
	buf = slurp(rrdd_writer_path(w), &len);
	ck_assert_msg(len >= want_len, "file %zu bytes, payload %zu", len,
		      want_len);
	ck_assert_msg(memcmp(buf, want, want_len) == 0,
		      "file differs from the encoded payload");
	for (size_t i = want_len; i < len; i++)
		ck_assert_msg(buf[i] == 0, "byte %zu after the payload", i);
	free(buf);
	free(want);
	free(json);
	rrdd_writer_close(w);
}
END_TEST

/*
 * Watch the directory while the file is created: <uid> itself must only
 * ever appear by rename (IN_MOVED_TO), never be created or written under
 * its own name, which is what a reader could catch half done.
 */
START_TEST(creation_is_atomic)
{
	struct rrdd_writer *w = open_writer(dir, 8, RRDD_TS_FLOAT);
	char buf[8192], stale[512];
	bool tmp_created = false, moved = false;
	int fd = inotify_init1(IN_NONBLOCK), stale_fd;
	ssize_t got;

	ck_assert_msg(fd >= 0, "inotify_init1");
	/* A stale .tmp from a crashed run must not get in the way. */
	snprintf(stale, sizeof(stale), "%s", tmp_path(w));
	stale_fd = open(stale, O_WRONLY | O_CREAT, 0600);
	ck_assert_msg(stale_fd >= 0 && write(stale_fd, "junk", 4) == 4, "stale");
	close(stale_fd);
	ck_assert_msg(inotify_add_watch(fd, dir, IN_CREATE | IN_MOVED_TO |
					IN_MODIFY | IN_CLOSE_WRITE | IN_OPEN)
		      >= 0, "watch");
	set_sources(w, 2, "d");
	update(w, 2, 1.0, 0);
	got = read(fd, buf, sizeof(buf));
	ck_assert_msg(got > 0, "no events");
	for (char *p = buf; p < buf + got;) {
		struct inotify_event *e = (struct inotify_event *)p;

		if (e->len && !strcmp(e->name, UID))
			ck_assert_msg(e->mask == IN_MOVED_TO,
				      "event %#x on the final name", e->mask);
		if (e->len && !strcmp(e->name, UID ".tmp") &&
		    (e->mask & IN_CREATE))
			tmp_created = true;
		if (e->len && !strcmp(e->name, UID) && (e->mask & IN_MOVED_TO))
			moved = true;
		p += sizeof(*e) + e->len;
	}
	ck_assert_msg(tmp_created, "no " UID ".tmp created");
	ck_assert_msg(moved, UID " not renamed into place");
	check_file(rrdd_writer_path(w), 2, 1.0, 0);
	ck_assert_int_eq(count_entries(dir), 1);
	close(fd);
	rrdd_writer_close(w);
}
END_TEST

/*
 * With the same descriptions (set again from a fresh array), an update
 * rewrites only the data CRC, the timestamp and the values, in place.
 */
START_TEST(values_only_update_keeps_metadata_bytes)
{
	const size_t n = 5;
	struct rrdd_writer *w = open_writer(dir, 16, RRDD_TS_FLOAT);
	size_t len1, len2, values_end = PB_VALUES + 8 * n;
	uint8_t *before, *after;
	ino_t ino;

	set_sources(w, n, "d");
	update(w, n, 100.0, 1);
	before = slurp(rrdd_writer_path(w), &len1);
	ino = inode_of(rrdd_writer_path(w));
	set_sources(w, n, "d");
	update(w, n, 105.0, 2);
	after = slurp(rrdd_writer_path(w), &len2);
	ck_assert_msg(inode_of(rrdd_writer_path(w)) == ino, "file replaced");
	ck_assert_int_eq(len1, len2);
	ck_assert_msg(memcmp(before, after, PB_DATA_CRC) == 0, "magic");
	ck_assert_msg(memcmp(before + PB_DATA_CRC, after + PB_DATA_CRC, 4) !=
		      0, "data CRC unchanged");
	ck_assert_msg(memcmp(before + PB_META_CRC, after + PB_META_CRC, 8) ==
		      0, "metadata CRC or count changed");
	/* Everything from the metadata length to the end is untouched. */
	ck_assert_msg(memcmp(before + values_end, after + values_end,
			     len1 - values_end) == 0,
		      "metadata bytes changed");
	check_file(rrdd_writer_path(w), n, 105.0, 2);
	free(before);
	free(after);
	rrdd_writer_close(w);
}
END_TEST

START_TEST(changed_metadata_is_rewritten_in_place)
{
	struct rrdd_writer *w = open_writer(dir, 16, RRDD_TS_FLOAT);
	size_t len;
	uint8_t *before, *after;
	ino_t ino;

	set_sources(w, 6, "a rather long description for each source");
	update(w, 6, 10.0, 1);
	before = slurp(rrdd_writer_path(w), &len);
	ino = inode_of(rrdd_writer_path(w));
	set_sources(w, 3, "short");
	update(w, 3, 15.0, 2);
	after = slurp(rrdd_writer_path(w), &len);
	ck_assert_msg(inode_of(rrdd_writer_path(w)) == ino, "file replaced");
	ck_assert_msg(memcmp(before + PB_META_CRC, after + PB_META_CRC, 4) !=
		      0, "metadata CRC unchanged");
	/* check_file also asserts the stale longer tail is now zeros. */
	check_file(rrdd_writer_path(w), 3, 15.0, 2);
	free(before);
	free(after);
	rrdd_writer_close(w);
}
END_TEST

/*
 * The writer keeps fingerprints of the descriptions, not pointers: a
 * change made in the caller's buffers, or to a number alone, is noticed
 * and written.
 */
START_TEST(changes_in_reused_buffers_are_noticed)
{
	struct rrdd_writer *w = open_writer(dir, 4, RRDD_TS_FLOAT);
	char desc[16] = "before";
	struct rrdd_ds ds = make_ds(0, desc);
	union rrdd_value v = { .f = 0 };
	struct rrdd_payload *p;
	struct rrdd_error err;
	size_t len;
	uint8_t *buf;

	ck_assert_int_eq(rrdd_writer_set_sources(w, &ds, 1, &err), RRDD_OK);
	ck_assert_int_eq(rrdd_writer_update(w, 1.0, &v, &err), RRDD_OK);
	strcpy(desc, "after");
	ds.max = 2;
	ck_assert_int_eq(rrdd_writer_set_sources(w, &ds, 1, &err), RRDD_OK);
	ck_assert_int_eq(rrdd_writer_update(w, 2.0, &v, &err), RRDD_OK);
	buf = slurp(rrdd_writer_path(w), &len);
	ck_assert_int_eq(rrdd_payload_decode(buf, len, RRDD_TS_AUTO, &p, &err),
			 RRDD_OK);
	ck_assert_str_eq(p->ds[0].description, "after");
	ck_assert_msg(p->ds[0].max == 2, "max %f", p->ds[0].max);
	rrdd_payload_free(p);
	free(buf);
	/* Invalid sources are refused and the previous ones stay. */
	ds.name = NULL;
	ck_assert_int_eq(rrdd_writer_set_sources(w, &ds, 1, &err),
			 RRDD_EINVAL);
	ck_assert_int_eq(rrdd_writer_update(w, 3.0, &v, &err), RRDD_OK);
	rrdd_writer_close(w);
}
END_TEST

/* ---- metadata copied from the file, the rest encoded -------------------- */

/* Long enough that moving the metadata takes several 64 KiB pieces. */
static char descs[400][700];

/* Source i: name "ds<i % 100>" of VM i / 100 (so names repeat across
 * owners), description "d<i>", or the host's for i >= 700. */
static struct rrdd_ds member(size_t i)
{
	struct rrdd_ds d = make_ds(i % 100, NULL);

	snprintf(descs[i % 400], sizeof(descs[0]), "d%zu \"q\" \xc3\xa9 %0600d",
		 i % 400, 0);
	d.description = descs[i % 400];
	snprintf(d.owner_uuid, sizeof(d.owner_uuid),
		 "6f1c4e0a-3d2b-4c5e-9a7f-1b2c3d4e5f6%zu", i / 100 % 8);
	if (i >= 700) {
		d.owner = RRDD_OWNER_HOST;
		d.owner_uuid[0] = '\0';
	}
	return d;
}

/* The JSON without the whitespace between its tokens. */
static char *strip_ws(const char *s, size_t len, size_t *out_len)
{
	char *o = malloc(len + 1);
	bool in = false, esc = false;
	size_t k = 0;

	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		if (in) {
			o[k++] = c;
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in = false;
			continue;
		}
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			continue;
		in = c == '"';
		o[k++] = c;
	}
	*out_len = k;
	return o;
}

/* Where the JSON was in the file, and whether it was laid out afresh. */
struct layout {
	size_t json_at;		/* file offset of its opening brace */
	size_t lead;		/* spaces before it */
	bool compact;		/* the encoder's bytes, nothing between */
};

/*
 * Update with values that differ per index and per ts, then check the
 * file: it decodes (its CRCs checked) to ds's n descriptions in order
 * with those values, its metadata CRC is zlib's of its metadata bytes,
 * and the metadata is rrdd_metadata_encode's JSON but for whitespace
 * between tokens.  Says where the JSON is and whether it is exactly the
 * encoder's bytes after leading spaces.
 */
static struct layout file_meta_is(struct rrdd_writer *w,
				  const struct rrdd_ds *ds, size_t n,
				  double ts)
{
	union rrdd_value *v = calloc(n + 1, sizeof(*v));
	struct rrdd_payload *p;
	struct rrdd_error err;
	struct layout l;
	size_t len, meta_len, bare_len, meta_at;
	char *json, *bare;
	uint8_t *buf;
	uint32_t crc;

	for (size_t i = 0; i < n; i++)
		v[i].i = (int64_t)(i * 2654435761u) + (int64_t)ts;
	ck_assert_msg(rrdd_writer_update(w, ts, v, &err) == RRDD_OK,
		      "update: %s", err.msg);
	buf = slurp(rrdd_writer_path(w), &len);
	ck_assert_msg(rrdd_payload_decode(buf, len, RRDD_TS_AUTO, &p, &err) ==
		      RRDD_OK, "decode: %s", err.msg);
	ck_assert_int_eq(p->n, n);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(p->values[i].i == v[i].i, "value %zu", i);
	meta_at = RRDD_HEADER_SIZE + 8 * n + 4;
	ck_assert_int_eq(len >= meta_at + p->metadata_len, 1);
	crc = (uint32_t)crc32(crc32(0L, Z_NULL, 0), buf + meta_at,
			      (uInt)p->metadata_len);
	ck_assert_msg(crc == ((uint32_t)buf[15] << 24 | (uint32_t)buf[16] << 16 |
			      (uint32_t)buf[17] << 8 | buf[18]),
		      "metadata CRC is not zlib's of its bytes");
	ck_assert_int_eq(rrdd_metadata_encode(ds, n, &json, &meta_len, &err),
			 RRDD_OK);
	bare = strip_ws(p->metadata, p->metadata_len, &bare_len);
	ck_assert_int_eq(bare_len, meta_len);
	ck_assert_msg(memcmp(bare, json, meta_len) == 0,
		      "metadata is not rrdd_metadata_encode's but for "
		      "whitespace");
	l.lead = leading_spaces(p);
	l.json_at = meta_at + l.lead;
	l.compact = p->metadata_len - l.lead == meta_len &&
		    memcmp(p->metadata + l.lead, json, meta_len) == 0;
	free(bare);
	free(json);
	rrdd_payload_free(p);
	free(buf);
	free(v);
	return l;
}

static void set_exact(struct rrdd_writer *w, const struct rrdd_ds *ds,
		      size_t n)
{
	struct rrdd_error err;

	ck_assert_msg(rrdd_writer_set_sources(w, ds, n, &err) == RRDD_OK,
		      "set_sources: %s", err.msg);
}

/*
 * After every kind of change (members gone, added, changed, moved; the
 * file grown, made again; nothing left), the file holds exactly the
 * encoder's bytes: copying unchanged members from the file instead of
 * encoding them is invisible.
 */
START_TEST(changed_sources_give_the_encoded_bytes)
{
	struct rrdd_writer *w = open_writer(dir, 300, RRDD_TS_FLOAT);
	static struct rrdd_ds ds[800];
	struct rrdd_ds t;
	size_t n = 300;
	double ts = 1.0;

	for (size_t i = 0; i < n; i++)
		ds[i] = member(i);
	set_exact(w, ds, n);
	file_meta_is(w, ds, n, ts++);
	/* Members gone from the middle (a VM stopped). */
	memmove(&ds[100], &ds[200], 100 * sizeof(ds[0]));
	n = 200;
	set_exact(w, ds, n);
	file_meta_is(w, ds, n, ts++);
	/* Added at the front and in the middle. */
	memmove(&ds[3], &ds[0], n * sizeof(ds[0]));
	for (size_t i = 0; i < 3; i++)
		ds[i] = member(700 + i);
	n += 3;
	memmove(&ds[53], &ds[50], (n - 50) * sizeof(ds[0]));
	for (size_t i = 50; i < 53; i++)
		ds[i] = member(300 + i);
	n += 3;
	set_exact(w, ds, n);
	file_meta_is(w, ds, n, ts++);
	/* One description changed, one bound, one kind; two swapped. */
	ds[10].description = "changed";
	ds[11].max = 7;
	ds[12].type = RRDD_GAUGE;
	t = ds[20];
	ds[20] = ds[30];
	ds[30] = t;
	set_exact(w, ds, n);
	file_meta_is(w, ds, n, ts++);
	/* The last ones gone; then more at the end, whose values take the
	 * place where the metadata began (it moves up before they come). */
	n -= 6;
	set_exact(w, ds, n);
	file_meta_is(w, ds, n, ts++);
	for (size_t i = 0; i < 4; i++)
		ds[n + i] = member(400 + i);
	n += 4;
	set_exact(w, ds, n);
	file_meta_is(w, ds, n, ts++);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 1);
	/* Many more at the end: a larger file, its start copied from the
	 * old one. */
	for (size_t i = 0; i < 290; i++)
		ds[n + i] = member(404 + i);
	n += 290;
	set_exact(w, ds, n);
	file_meta_is(w, ds, n, ts++);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 2);
	/* All in the reverse order: no match near the last one. */
	for (size_t i = 0; i < n / 2; i++) {
		t = ds[i];
		ds[i] = ds[n - 1 - i];
		ds[n - 1 - i] = t;
	}
	set_exact(w, ds, n);
	file_meta_is(w, ds, n, ts++);
	/* And back, one member rotated: the index of the old members is
	 * made again in the scratch the last one left. */
	for (size_t i = 0; i < n / 2; i++) {
		t = ds[i];
		ds[i] = ds[n - 1 - i];
		ds[n - 1 - i] = t;
	}
	t = ds[0];
	memmove(&ds[0], &ds[1], (n - 1) * sizeof(ds[0]));
	ds[n - 1] = t;
	set_exact(w, ds, n);
	file_meta_is(w, ds, n, ts++);
	/* The first and the last members only. */
	ds[1] = ds[n - 1];
	set_exact(w, ds, 2);
	file_meta_is(w, ds, 2, ts++);
	set_exact(w, ds, 0);
	file_meta_is(w, ds, 0, ts++);
	/* Back to many: past the file's size (a new file). */
	n = 800;
	for (size_t i = 0; i < n; i++)
		ds[i] = member(i);
	set_exact(w, ds, n);
	file_meta_is(w, ds, n, ts++);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 3);
	/* Removed, then made again from the file it had. */
	ck_assert_int_eq(unlink(rrdd_writer_path(w)), 0);
	file_meta_is(w, ds, n, ts++);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 4);
	/* Removed with new sources waiting. */
	ds[5].units = "other";
	set_exact(w, ds, n);
	ck_assert_int_eq(unlink(rrdd_writer_path(w)), 0);
	file_meta_is(w, ds, n, ts++);
	/* Sources set twice before an update: the last ones count. */
	set_exact(w, ds, 100);
	ds[6].units = "again";
	set_exact(w, ds, n);
	file_meta_is(w, ds, n, ts++);
	rrdd_writer_close(w);
	ck_assert_int_eq(count_entries(dir), 0);
}
END_TEST

/*
 * Each way a change is made in place, and each way the JSON is made again
 * whole instead ("compact", at a new place), seen from the file: where
 * its JSON starts, the spaces before it, whether anything lies between
 * its members.
 */
START_TEST(changes_in_place_and_compactions)
{
	struct rrdd_writer *w = open_writer(dir, 400, RRDD_TS_FLOAT);
	static struct rrdd_ds ds[400], was[400];
	static char longer[1000];
	struct layout a, b, c;
	struct rrdd_ds t;
	size_t n = 200;
	double ts = 1.0;

	for (size_t i = 0; i < n; i++)
		ds[i] = member(i);
	set_exact(w, ds, n);
	a = file_meta_is(w, ds, n, ts++);
	ck_assert(a.compact);
	memcpy(was, ds, n * sizeof(ds[0]));
	/* Members in the middle go: blanked where they were; the values
	 * end 8 bytes a datasource sooner, the spaces before the JSON take
	 * up the difference. */
	memmove(&ds[100], &ds[110], 90 * sizeof(ds[0]));
	n = 190;
	set_exact(w, ds, n);
	b = file_meta_is(w, ds, n, ts++);
	ck_assert_int_eq(b.json_at, a.json_at);
	ck_assert_int_eq(b.lead, a.lead + 80);
	ck_assert(!b.compact);
	/* They come back: their own hole, exactly; the spaces shrink. */
	memcpy(ds, was, 200 * sizeof(ds[0]));
	n = 200;
	set_exact(w, ds, n);
	b = file_meta_is(w, ds, n, ts++);
	ck_assert_int_eq(b.json_at, a.json_at);
	ck_assert_int_eq(b.lead, a.lead);
	ck_assert(b.compact);
	/* The first five go, three others take part of their place. */
	memmove(&ds[0], &ds[5], 195 * sizeof(ds[0]));
	n = 195;
	set_exact(w, ds, n);
	b = file_meta_is(w, ds, n, ts++);
	ck_assert_int_eq(b.json_at, a.json_at);
	ck_assert(!b.compact);
	memmove(&ds[3], &ds[0], n * sizeof(ds[0]));
	for (size_t i = 0; i < 3; i++)
		ds[i] = member(300 + i);
	n += 3;
	set_exact(w, ds, n);
	b = file_meta_is(w, ds, n, ts++);
	ck_assert_int_eq(b.json_at, a.json_at);
	ck_assert_int_eq(b.lead, a.lead + 16);
	ck_assert(!b.compact);
	/* Ten new ones at the end: past the room there, the JSON grows at
	 * its end, nothing before them moves. */
	for (size_t i = 0; i < 10; i++)
		ds[n + i] = member(350 + i);
	n += 10;
	set_exact(w, ds, n);
	b = file_meta_is(w, ds, n, ts++);
	ck_assert_int_eq(b.json_at, a.json_at);
	ck_assert_int_eq(b.lead, a.lead - 64);
	ck_assert(!b.compact);
	/* The same sources twice before an update: the edits wait. */
	ds[n - 1].units = "else";
	set_exact(w, ds, n);
	set_exact(w, ds, n);
	b = file_meta_is(w, ds, n, ts++);
	ck_assert_int_eq(b.json_at, a.json_at);
	ck_assert(!b.compact);
	/* A description longer than the hole it would go in: made whole. */
	memset(longer, 'y', sizeof(longer) - 1);
	ds[50].description = longer;
	set_exact(w, ds, n);
	c = file_meta_is(w, ds, n, ts++);
	ck_assert(c.compact);
	/* Two swapped: not in the file's order, made whole. */
	t = ds[20];
	ds[20] = ds[30];
	ds[30] = t;
	set_exact(w, ds, n);
	c = file_meta_is(w, ds, n, ts++);
	ck_assert(c.compact);
	/* More at once than the spaces before the JSON have room for: made
	 * whole, further on, with room again. */
	b = c;
	for (size_t i = 0; n < 400; i++)
		ds[n++] = member(400 + i);
	set_exact(w, ds, n);
	c = file_meta_is(w, ds, n, ts++);
	ck_assert(c.compact);
	ck_assert_u64_gt(c.json_at, b.json_at);
	ck_assert_u64_ge(c.lead, 8);
	/* Most of them gone from the middle: too many holes, made whole. */
	memmove(&ds[50], &ds[350], 50 * sizeof(ds[0]));
	n = 100;
	set_exact(w, ds, n);
	c = file_meta_is(w, ds, n, ts++);
	ck_assert(c.compact);
	/* A change in place waiting when the file is removed: the new file
	 * has the JSON where the old one had it, edited. */
	b = c;
	n = 99;
	set_exact(w, ds, n);
	ck_assert_int_eq(unlink(rrdd_writer_path(w)), 0);
	c = file_meta_is(w, ds, n, ts++);
	ck_assert_int_eq(c.json_at, b.json_at);
	ck_assert(!c.compact);
	/* A change in place, then another before the update: made whole. */
	n = 98;
	set_exact(w, ds, n);
	n = 97;
	set_exact(w, ds, n);
	c = file_meta_is(w, ds, n, ts++);
	ck_assert(c.compact);
	rrdd_writer_close(w);
}
END_TEST

/* New members at the end, past the file's size: the edited JSON goes
 * into a larger file, at the same place. */
START_TEST(change_in_place_into_a_larger_file)
{
	struct rrdd_writer *w = open_writer(dir, 20, RRDD_TS_FLOAT);
	static struct rrdd_ds ds[40];
	struct layout a, b;

	for (size_t i = 0; i < 40; i++)
		ds[i] = member(i);
	set_exact(w, ds, 20);
	a = file_meta_is(w, ds, 20, 1.0);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 1);
	set_exact(w, ds, 40);
	b = file_meta_is(w, ds, 40, 2.0);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 2);
	ck_assert_int_eq(b.json_at, a.json_at);
	ck_assert_int_eq(b.lead, a.lead - 160);
	rrdd_writer_close(w);
}
END_TEST

/*
 * A fixed-seed random walk of changes (runs gone, new ones anywhere or
 * at the end, descriptions changed, swaps, a run gone and back, the file
 * removed under a change, two changes before an update), each checked
 * by file_meta_is; both ways of making a change must have been taken.
 */
START_TEST(random_changes_keep_the_file_right)
{
	struct rrdd_writer *w = open_writer(dir, 300, RRDD_TS_FLOAT);
	static struct rrdd_ds ds[400], gone[20];
	static char other[8][32];
	static bool in[800];	/* member(i) is among ds */
	static size_t which[400];	/* ds[k] is member(which[k]) */
	unsigned seed = 20261202;
	size_t n = 0, in_place = 0, whole = 0, g_at = 0, g_n = 0;
	struct layout prev;
	double ts = 1.0;

	memset(in, 0, sizeof(in));
	for (size_t i = 0; i < 8; i++)
		snprintf(other[i], sizeof(other[i]), "other %zu", i);
	for (; n < 150; n++) {
		ds[n] = member(n * 5);
		which[n] = n * 5;
		in[n * 5] = true;
	}
	set_exact(w, ds, n);
	prev = file_meta_is(w, ds, n, ts++);
	for (int round = 0; round < 300; round++) {
		unsigned op = (unsigned)rand_r(&seed) % 7;
		size_t at = n ? (size_t)rand_r(&seed) % n : 0;
		size_t k = 1 + (size_t)rand_r(&seed) % 12;

		if (g_n) {	/* the run that went comes back */
			memmove(&ds[g_at + g_n], &ds[g_at],
				(n - g_at) * sizeof(ds[0]));
			memmove(&which[g_at + g_n], &which[g_at],
				(n - g_at) * sizeof(which[0]));
			memcpy(&ds[g_at], gone, g_n * sizeof(ds[0]));
			for (size_t i = 0; i < g_n; i++) {
				which[g_at + i] = 0;	/* not re-used */
				in[0] = true;
			}
			n += g_n;
			g_n = 0;
		} else if ((op == 0 || op == 6) && n > k + 1) {
			/* a run goes (and, for 6, comes back next) */
			k = at + k > n ? n - at : k;
			if (op == 6 && k <= 20) {
				memcpy(gone, &ds[at], k * sizeof(ds[0]));
				g_at = at;
				g_n = k;
			}
			for (size_t i = at; i < at + k; i++)
				in[which[i]] = op == 6 || which[i] == 0;
			memmove(&ds[at], &ds[at + k],
				(n - at - k) * sizeof(ds[0]));
			memmove(&which[at], &which[at + k],
				(n - at - k) * sizeof(which[0]));
			n -= k;
		} else if ((op == 1 || op == 2) && n + k <= 400) {
			/* new ones, anywhere (1) or at the end (2) */
			if (op == 2)
				at = n;
			memmove(&ds[at + k], &ds[at],
				(n - at) * sizeof(ds[0]));
			memmove(&which[at + k], &which[at],
				(n - at) * sizeof(which[0]));
			for (size_t i = 0; i < k; i++) {
				size_t m = 1 + (size_t)rand_r(&seed) % 799;

				while (in[m])
					m = m % 799 + 1;
				in[m] = true;
				ds[at + i] = member(m);
				which[at + i] = m;
			}
			n += k;
		} else if (op == 3 && n) {
			ds[at].description = other[k % 8];
		} else if (op == 4 && n > 1) {
			size_t b = (size_t)rand_r(&seed) % n;
			struct rrdd_ds t = ds[at];
			size_t tw = which[at];

			ds[at] = ds[b];
			ds[b] = t;
			which[at] = which[b];
			which[b] = tw;
		}
		if (round % 23 == 0 && n > 1)	/* a change never updated */
			set_exact(w, ds, n - 1);
		set_exact(w, ds, n);
		if (round % 29 == 0)
			ck_assert_int_eq(unlink(rrdd_writer_path(w)), 0);
		struct layout l = file_meta_is(w, ds, n, ts++);

		if (l.compact && l.json_at != prev.json_at)
			whole++;
		else if (l.json_at == prev.json_at && !l.compact)
			in_place++;
		prev = l;
	}
	ck_assert_msg(in_place >= 50 && whole >= 5,
		      "%zu changes in place, %zu made whole", in_place, whole);
	rrdd_writer_close(w);
}
END_TEST

/* A repeated (name, owner) is refused whether its first is copied from
 * the file or new; the sources before stay in effect. */
START_TEST(duplicates_among_copied_and_new_are_refused)
{
	struct rrdd_writer *w = open_writer(dir, 16, RRDD_TS_FLOAT);
	struct rrdd_ds ds[12];
	struct rrdd_error err;

	for (size_t i = 0; i < 10; i++)
		ds[i] = member(i);
	set_exact(w, ds, 10);
	file_meta_is(w, ds, 10, 1.0);
	ds[10] = member(3);
	ds[10].description = "same name and owner as 3";
	ck_assert_int_eq(rrdd_writer_set_sources(w, ds, 11, &err),
			 RRDD_EINVAL);
	ck_assert_msg(strstr(err.msg, "duplicate") != NULL, "%s", err.msg);
	ds[10] = member(4);	/* the very same description twice */
	ck_assert_int_eq(rrdd_writer_set_sources(w, ds, 11, &err),
			 RRDD_EINVAL);
	ds[10] = member(5);
	ds[11] = member(5);
	ds[10].owner = RRDD_OWNER_SR;	/* same name, another owner */
	ck_assert_int_eq(rrdd_writer_set_sources(w, &ds[1], 11, &err),
			 RRDD_EINVAL);
	ck_assert_msg(strstr(err.msg, "duplicate") != NULL, "%s", err.msg);
	file_meta_is(w, ds, 10, 2.0);
	ck_assert_int_eq(rrdd_writer_set_sources(w, ds, 11, &err), RRDD_OK);
	file_meta_is(w, ds, 11, 3.0);
	rrdd_writer_close(w);
}
END_TEST

START_TEST(growing_replaces_the_file)
{
	struct rrdd_writer *w = open_writer(dir, 1, RRDD_TS_FLOAT);
	struct stat st1, st2;

	set_sources(w, 1, "d");
	update(w, 1, 1.0, 1);
	ck_assert_int_eq(stat(rrdd_writer_path(w), &st1), 0);
	set_sources(w, 300, long_text);
	update(w, 300, 2.0, 2);
	ck_assert_int_eq(stat(rrdd_writer_path(w), &st2), 0);
	ck_assert_msg(st2.st_ino != st1.st_ino, "not a new file");
	ck_assert_msg(st2.st_size > st1.st_size, "not larger");
	check_file(rrdd_writer_path(w), 300, 2.0, 2);
	ck_assert_int_eq(count_entries(dir), 1);
	/* And the grown file takes in-place updates again. */
	update(w, 300, 3.0, 3);
	ck_assert_msg(inode_of(rrdd_writer_path(w)) == st2.st_ino, "replaced");
	check_file(rrdd_writer_path(w), 300, 3.0, 3);
	rrdd_writer_close(w);
}
END_TEST

/* A file too big for where it goes: RRDD_ENOSPC, nothing left behind. */
static void expect_no_room(const char *where, int sys_errno)
{
	struct rrdd_writer *w = open_writer(where, 2000, RRDD_TS_FLOAT);
	union rrdd_value v[4];
	struct rrdd_error err;

	memset(v, 0, sizeof(v));
	set_sources(w, 4, long_text);
	ck_assert_int_eq(rrdd_writer_update(w, 1.0, v, &err), RRDD_ENOSPC);
	ck_assert_int_eq(err.sys_errno, sys_errno);
	ck_assert_msg(strstr(err.msg, UID ".tmp") != NULL, "%s", err.msg);
	ck_assert_int_eq(count_entries(where), 0);
	/* The writer stays usable and keeps failing cleanly. */
	ck_assert_int_eq(rrdd_writer_update(w, 2.0, v, &err), RRDD_ENOSPC);
	rrdd_writer_close(w);
	ck_assert_int_eq(count_entries(where), 0);
}

/* Through RLIMIT_FSIZE: fallocate fails with EFBIG, which is "no room". */
static void no_room_by_file_size_limit(void)
{
	struct rlimit old, small = { 16384, 16384 };
	void (*old_handler)(int);

	ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
	small.rlim_max = old.rlim_max;
	old_handler = signal(SIGXFSZ, SIG_IGN);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
	expect_no_room(dir, EFBIG);
	ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_handler);
}

START_TEST(file_size_limit_is_enospc)
{
	no_room_by_file_size_limit();
}
END_TEST

/*
 * A full tmpfs, as /dev/shm can be.  Mounting needs CAP_SYS_ADMIN; where
 * the test cannot mount, it proves the same contract through the file
 * size limit (and says so), rather than passing without checking.
 */
START_TEST(full_tmpfs_is_enospc_not_sigbus)
{
	char mnt[80];

	snprintf(mnt, sizeof(mnt), "%s/shm", dir);
	ck_assert_int_eq(mkdir(mnt, 0700), 0);
	if (mount("tmpfs", mnt, "tmpfs", 0, "size=16k") != 0) {
		fprintf(stderr, "full_tmpfs: cannot mount (%s): checking via "
			"RLIMIT_FSIZE instead\n", strerror(errno));
		rmdir(mnt);
		no_room_by_file_size_limit();
		return;
	}
	expect_no_room(mnt, ENOSPC);
	ck_assert_int_eq(umount(mnt), 0);
	rmdir(mnt);
}
END_TEST

START_TEST(close_removes_the_file)
{
	struct rrdd_writer *w = open_writer(dir, 4, RRDD_TS_FLOAT);

	set_sources(w, 2, "d");
	update(w, 2, 1.0, 0);
	ck_assert_int_eq(count_entries(dir), 1);
	rrdd_writer_close(w);
	ck_assert_int_eq(count_entries(dir), 0);
}
END_TEST

START_TEST(int64_timestamps)
{
	struct rrdd_writer *w = open_writer(dir, 4, RRDD_TS_INT64);
	struct rrdd_payload *p;
	struct rrdd_error err;
	size_t len;
	uint8_t *buf;

	set_sources(w, 2, "d");
	update(w, 2, 1687782821.75, 0);
	buf = slurp(rrdd_writer_path(w), &len);
	ck_assert_msg(pb_get64(buf + PB_TIMESTAMP) == 1687782821, "int64");
	ck_assert_int_eq(rrdd_payload_decode(buf, len, RRDD_TS_AUTO, &p, &err),
			 RRDD_OK);
	ck_assert_int_eq(p->ts_format, RRDD_TS_INT64);
	rrdd_payload_free(p);
	free(buf);
	rrdd_writer_close(w);
}
END_TEST

START_TEST(bad_calls_are_refused)
{
	struct rrdd_writer_options o = { dir, "a/b", 4, RRDD_TS_FLOAT };
	struct rrdd_writer *w = NULL;
	struct rrdd_error err;
	union rrdd_value v[2];
	char missing[128];

	memset(v, 0, sizeof(v));
	ck_assert_int_eq(rrdd_writer_open(&o, &w, &err), RRDD_EINVAL);
	ck_assert_msg(w == NULL, "writer returned on failure");
	o.uid = "";
	ck_assert_int_eq(rrdd_writer_open(&o, &w, &err), RRDD_EINVAL);
	o.uid = "..";
	ck_assert_int_eq(rrdd_writer_open(&o, &w, &err), RRDD_EINVAL);
	o.uid = UID;
	o.ts_format = RRDD_TS_AUTO;
	ck_assert_int_eq(rrdd_writer_open(&o, &w, &err), RRDD_EINVAL);
	ck_assert_int_eq(rrdd_writer_open(NULL, &w, &err), RRDD_EINVAL);

	w = open_writer(dir, 4, RRDD_TS_FLOAT);
	ck_assert_int_eq(rrdd_writer_update(w, 1.0, v, &err), RRDD_EINVAL);
	ck_assert_msg(strstr(err.msg, "set_sources") != NULL, "%s", err.msg);
	set_sources(w, 2, "d");
	ck_assert_int_eq(rrdd_writer_update(w, NAN, v, &err), RRDD_EINVAL);
	ck_assert_int_eq(rrdd_writer_update(w, 1.0, NULL, &err), RRDD_EINVAL);
	ck_assert_int_eq(rrdd_writer_update(w, 1.0, v, &err), RRDD_OK);
	/* Same timestamp twice: xcp-rrdd would take it for "no update". */
	ck_assert_int_eq(rrdd_writer_update(w, 1.0, v, &err), RRDD_EINVAL);
	ck_assert_msg(strstr(err.msg, "did not change") != NULL, "%s",
		      err.msg);
	rrdd_writer_close(w);

	snprintf(missing, sizeof(missing), "%s/no/such", dir);
	o.dir = missing;
	o.ts_format = RRDD_TS_FLOAT;
	ck_assert_int_eq(rrdd_writer_open(&o, &w, &err), RRDD_EIO);
	ck_assert_int_eq(err.sys_errno, ENOENT);
	ck_assert_msg(w == NULL, "writer returned on failure");
}
END_TEST

static char *lock_path(void)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s.lock.tmp", dir, UID);
	return path;
}

START_TEST(lock_refuses_a_second_writer)
{
	struct rrdd_writer_options o = { dir, UID, 4, RRDD_TS_FLOAT };
	struct rrdd_writer *w = open_writer(dir, 4, RRDD_TS_FLOAT);
	struct rrdd_writer *w2 = NULL;
	struct rrdd_error err;

	ck_assert_msg(exists(lock_path()), "no lock file");
	set_sources(w, 2, "d");
	update(w, 2, 1.0, 1);
	ck_assert_int_eq(rrdd_writer_open(&o, &w2, &err), RRDD_EBUSY);
	ck_assert_msg(w2 == NULL, "writer returned on failure");
	ck_assert_msg(strstr(err.msg, rrdd_writer_path(w)) != NULL &&
		      strstr(err.msg, "another process") != NULL, "%s",
		      err.msg);
	/* The refused one touched nothing: the first goes on. */
	update(w, 2, 2.0, 2);
	check_file(rrdd_writer_path(w), 2, 2.0, 2);
	rrdd_writer_close(w);
	ck_assert_msg(!exists(lock_path()), "lock file left behind");
	/* Free again once the first is gone. */
	w = open_writer(dir, 4, RRDD_TS_FLOAT);
	rrdd_writer_close(w);
}
END_TEST

START_TEST(lock_refuses_a_writer_in_another_process)
{
	struct rrdd_writer *w = open_writer(dir, 4, RRDD_TS_FLOAT);
	pid_t pid = fork();
	int status = 0;

	ck_assert_msg(pid >= 0, "fork");
	if (pid == 0) {
		struct rrdd_writer_options o = { dir, UID, 4, RRDD_TS_FLOAT };
		struct rrdd_writer *w2 = NULL;

		_exit(rrdd_writer_open(&o, &w2, NULL) == RRDD_EBUSY ? 0 : 1);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "second process was not refused");
	rrdd_writer_close(w);
}
END_TEST

/* A lock file left by a process that died holds nothing. */
START_TEST(lock_left_by_a_dead_writer_is_taken)
{
	int fd = open(lock_path(), O_CREAT | O_WRONLY, 0644);
	struct rrdd_writer *w;

	ck_assert_msg(fd >= 0, "open: %s", strerror(errno));
	close(fd);
	w = open_writer(dir, 4, RRDD_TS_FLOAT);
	rrdd_writer_close(w);
	ck_assert_msg(!exists(lock_path()), "lock file left behind");
}
END_TEST

START_TEST(removed_file_is_made_again)
{
	struct rrdd_writer *w = open_writer(dir, 4, RRDD_TS_FLOAT);

	ck_assert_int_eq(rrdd_writer_file_serial(w), 0);
	set_sources(w, 2, "d");
	update(w, 2, 1.0, 1);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 1);
	update(w, 2, 2.0, 2);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 1);
	ck_assert_int_eq(unlink(rrdd_writer_path(w)), 0);
	update(w, 2, 3.0, 3);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 2);
	check_file(rrdd_writer_path(w), 2, 3.0, 3);
	update(w, 2, 4.0, 4);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 2);
	check_file(rrdd_writer_path(w), 2, 4.0, 4);
	rrdd_writer_close(w);
	ck_assert_int_eq(count_entries(dir), 0);
}
END_TEST

START_TEST(file_renamed_away_is_made_again)
{
	struct rrdd_writer *w = open_writer(dir, 4, RRDD_TS_FLOAT);
	char away[512];

	snprintf(away, sizeof(away), "%s/elsewhere", dir);
	set_sources(w, 2, "d");
	update(w, 2, 1.0, 1);
	ck_assert_int_eq(rename(rrdd_writer_path(w), away), 0);
	update(w, 2, 2.0, 2);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 2);
	check_file(rrdd_writer_path(w), 2, 2.0, 2);
	/* The old file was left as it was. */
	check_file(away, 2, 1.0, 1);
	rrdd_writer_close(w);
	ck_assert_int_eq(unlink(away), 0);
	ck_assert_int_eq(count_entries(dir), 0);
}
END_TEST

/* ---- watching instead of looking (rrdd_writer_watch) ------------------ */

/* Whether fd becomes readable within ms milliseconds. */
static bool readable(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

static struct rrdd_writer *watched_writer(int *fd)
{
	struct rrdd_writer *w = open_writer(dir, 4, RRDD_TS_FLOAT);
	struct rrdd_error err;
	int again = -1;

	ck_assert_msg(rrdd_writer_watch(w, fd, &err) == RRDD_OK, "watch: %s",
		      err.msg);
	ck_assert_int_ge(*fd, 0);
	ck_assert_int_eq(rrdd_writer_watch(w, &again, NULL), RRDD_OK);
	ck_assert_int_eq(again, *fd);
	return w;
}

/* Handle what the watch has; returns *gone. */
static bool event(struct rrdd_writer *w)
{
	struct rrdd_error err;
	bool gone = true;

	ck_assert_msg(rrdd_writer_watch_event(w, &gone, &err) == RRDD_OK,
		      "watch_event: %s", err.msg);
	return gone;
}

/* The writer's own file: its rename into place is seen and found fine. */
static void settle(struct rrdd_writer *w, int fd)
{
	ck_assert_msg(readable(fd, 1000), "the rename into place not seen");
	ck_assert_msg(!event(w), "own file taken for gone");
	ck_assert_msg(!readable(fd, 0), "events left after watch_event");
}

START_TEST(watched_removal_is_seen_and_the_file_made_again)
{
	int fd;
	struct rrdd_writer *w = watched_writer(&fd);

	set_sources(w, 2, "d");
	update(w, 2, 1.0, 1);
	settle(w, fd);
	update(w, 2, 2.0, 2);
	ck_assert_msg(!readable(fd, 0), "a values-only update made events");
	ck_assert_int_eq(unlink(rrdd_writer_path(w)), 0);
	ck_assert_msg(readable(fd, 1000), "removal not seen");
	ck_assert_msg(event(w), "removal not reported");
	ck_assert_int_eq(rrdd_writer_file_serial(w), 1);
	update(w, 2, 3.0, 3);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 2);
	check_file(rrdd_writer_path(w), 2, 3.0, 3);
	settle(w, fd);
	update(w, 2, 4.0, 4);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 2);
	check_file(rrdd_writer_path(w), 2, 4.0, 4);
	rrdd_writer_close(w);
	ck_assert_int_eq(count_entries(dir), 0);
}
END_TEST

/*
 * Watched, an update does not look the path up: the removal is the
 * watch's to report.  Until watch_event runs, the file is not made again
 * (this is the look-up that a watching writer no longer makes).
 */
START_TEST(watched_updates_leave_the_path_alone)
{
	int fd;
	struct rrdd_writer *w = watched_writer(&fd);

	set_sources(w, 2, "d");
	update(w, 2, 1.0, 1);
	settle(w, fd);
	ck_assert_int_eq(unlink(rrdd_writer_path(w)), 0);
	update(w, 2, 2.0, 2);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 1);
	ck_assert(!exists(rrdd_writer_path(w)));
	ck_assert(event(w));
	update(w, 2, 3.0, 3);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 2);
	check_file(rrdd_writer_path(w), 2, 3.0, 3);
	rrdd_writer_close(w);
}
END_TEST

START_TEST(watched_rename_away_or_over_is_seen)
{
	int fd;
	struct rrdd_writer *w = watched_writer(&fd);
	char away[512], other[512];

	snprintf(away, sizeof(away), "%s/elsewhere", dir);
	snprintf(other, sizeof(other), "%s/other", dir);
	set_sources(w, 2, "d");
	update(w, 2, 1.0, 1);
	settle(w, fd);
	ck_assert_int_eq(rename(rrdd_writer_path(w), away), 0);
	ck_assert_msg(readable(fd, 1000) && event(w), "rename away missed");
	update(w, 2, 2.0, 2);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 2);
	check_file(rrdd_writer_path(w), 2, 2.0, 2);
	check_file(away, 2, 1.0, 1);
	settle(w, fd);
	/* Another file renamed over ours. */
	ck_assert_int_eq(link(away, other), 0);
	ck_assert_int_eq(rename(other, rrdd_writer_path(w)), 0);
	ck_assert_msg(readable(fd, 1000) && event(w), "rename over missed");
	update(w, 2, 3.0, 3);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 3);
	check_file(rrdd_writer_path(w), 2, 3.0, 3);
	check_file(away, 2, 1.0, 1);
	rrdd_writer_close(w);
	ck_assert_int_eq(unlink(away), 0);
	ck_assert_int_eq(count_entries(dir), 0);
}
END_TEST

/* Other plugins' files come and go in the same directory. */
START_TEST(watched_other_names_cost_no_look_up)
{
	int fd;
	struct rrdd_writer *w = watched_writer(&fd);
	char other[512], tmp[512];
	FILE *f;

	snprintf(other, sizeof(other), "%s/other-plugin", dir);
	snprintf(tmp, sizeof(tmp), "%s/other-plugin.tmp", dir);
	set_sources(w, 2, "d");
	update(w, 2, 1.0, 1);
	settle(w, fd);
	f = fopen(tmp, "w");
	ck_assert(f != NULL);
	fclose(f);
	ck_assert_int_eq(rename(tmp, other), 0);
	ck_assert_int_eq(unlink(other), 0);
	ck_assert_msg(readable(fd, 1000), "other names' events not seen");
	ck_assert_msg(!event(w), "another file's events taken for ours");
	ck_assert_msg(!readable(fd, 0), "events left after watch_event");
	update(w, 2, 2.0, 2);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 1);
	check_file(rrdd_writer_path(w), 2, 2.0, 2);
	rrdd_writer_close(w);
	ck_assert_int_eq(count_entries(dir), 0);
}
END_TEST

/* The directory itself removed and made again: watched anew. */
START_TEST(watched_directory_made_again_is_watched_again)
{
	int fd;
	struct rrdd_writer *w = watched_writer(&fd);

	set_sources(w, 2, "d");
	update(w, 2, 1.0, 1);
	settle(w, fd);
	empty_dir(dir);
	ck_assert_int_eq(rmdir(dir), 0);
	ck_assert_msg(readable(fd, 1000) && event(w), "directory's removal "
		      "missed");
	update(w, 2, 2.0, 2);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 2);
	check_file(rrdd_writer_path(w), 2, 2.0, 2);
	settle(w, fd);
	/* The new directory's events arrive. */
	ck_assert_int_eq(unlink(rrdd_writer_path(w)), 0);
	ck_assert_msg(readable(fd, 1000) && event(w), "removal in the new "
		      "directory missed");
	update(w, 2, 3.0, 3);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 3);
	check_file(rrdd_writer_path(w), 2, 3.0, 3);
	rrdd_writer_close(w);
}
END_TEST

/* A removal before the watch started is looked for once. */
START_TEST(watch_started_late_looks_once)
{
	struct rrdd_writer *w = open_writer(dir, 4, RRDD_TS_FLOAT);
	int fd;

	set_sources(w, 2, "d");
	update(w, 2, 1.0, 1);
	ck_assert_int_eq(unlink(rrdd_writer_path(w)), 0);
	ck_assert_int_eq(rrdd_writer_watch(w, &fd, NULL), RRDD_OK);
	ck_assert_msg(!readable(fd, 0), "events from before the watch");
	update(w, 2, 2.0, 2);
	ck_assert_int_eq(rrdd_writer_file_serial(w), 2);
	check_file(rrdd_writer_path(w), 2, 2.0, 2);
	rrdd_writer_close(w);
}
END_TEST

START_TEST(watch_bad_calls_are_refused)
{
	struct rrdd_writer *w = open_writer(dir, 4, RRDD_TS_FLOAT);
	struct rrdd_error err;
	bool gone = true;
	int fd = 7;

	ck_assert_int_eq(rrdd_writer_watch(NULL, &fd, &err), RRDD_EINVAL);
	ck_assert_int_eq(rrdd_writer_watch(w, NULL, &err), RRDD_EINVAL);
	ck_assert_int_eq(rrdd_writer_watch_event(NULL, &gone, &err),
			 RRDD_EINVAL);
	ck_assert_int_eq(rrdd_writer_watch_event(w, &gone, &err),
			 RRDD_EINVAL);
	ck_assert(!gone);
	ck_assert_msg(strstr(err.msg, "not watching") != NULL, "%s", err.msg);
	/* Before the first update there is no file to be gone. */
	ck_assert_int_eq(rrdd_writer_watch(w, &fd, &err), RRDD_OK);
	ck_assert_int_eq(rrdd_writer_watch_event(w, &gone, &err), RRDD_OK);
	ck_assert(!gone);
	ck_assert_int_eq(rrdd_writer_watch_event(w, NULL, &err), RRDD_OK);
	rrdd_writer_close(w);
}
END_TEST

/* Close removes the writer's own file, never one put in its place. */
START_TEST(close_spares_a_file_that_is_not_its_own)
{
	struct rrdd_writer *w = open_writer(dir, 4, RRDD_TS_FLOAT);
	char other[512];
	int fd;

	snprintf(other, sizeof(other), "%s/other", dir);
	set_sources(w, 2, "d");
	update(w, 2, 1.0, 1);
	fd = open(other, O_CREAT | O_WRONLY, 0644);
	ck_assert_msg(fd >= 0, "open: %s", strerror(errno));
	close(fd);
	ck_assert_int_eq(rename(other, rrdd_writer_path(w)), 0);
	rrdd_writer_close(w);
	ck_assert_int_eq(count_entries(dir), 1);
}
END_TEST

static Suite *writer_suite(void)
{
	Suite *s = suite_create("writer");
	TCase *tc = tcase_create("file");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, nothing_exists_before_the_first_update);
	tcase_add_test(tc, default_directory);
	tcase_add_test(tc, first_update_creates_a_complete_file);
	tcase_add_test(tc, new_file_is_the_encoded_payload);
	tcase_add_test(tc, creation_is_atomic);
	tcase_add_test(tc, values_only_update_keeps_metadata_bytes);
	tcase_add_test(tc, changed_metadata_is_rewritten_in_place);
	tcase_add_test(tc, changes_in_reused_buffers_are_noticed);
	tcase_add_test(tc, changed_sources_give_the_encoded_bytes);
	tcase_add_test(tc, duplicates_among_copied_and_new_are_refused);
	tcase_add_test(tc, changes_in_place_and_compactions);
	tcase_add_test(tc, change_in_place_into_a_larger_file);
	tcase_add_test(tc, random_changes_keep_the_file_right);
	tcase_add_test(tc, growing_replaces_the_file);
	tcase_add_test(tc, file_size_limit_is_enospc);
	tcase_add_test(tc, full_tmpfs_is_enospc_not_sigbus);
	tcase_add_test(tc, close_removes_the_file);
	tcase_add_test(tc, int64_timestamps);
	tcase_add_test(tc, bad_calls_are_refused);
	tcase_add_test(tc, lock_refuses_a_second_writer);
	tcase_add_test(tc, lock_refuses_a_writer_in_another_process);
	tcase_add_test(tc, lock_left_by_a_dead_writer_is_taken);
	tcase_add_test(tc, removed_file_is_made_again);
	tcase_add_test(tc, file_renamed_away_is_made_again);
	tcase_add_test(tc, close_spares_a_file_that_is_not_its_own);
	tcase_add_test(tc, watched_removal_is_seen_and_the_file_made_again);
	tcase_add_test(tc, watched_updates_leave_the_path_alone);
	tcase_add_test(tc, watched_rename_away_or_over_is_seen);
	tcase_add_test(tc, watched_other_names_cost_no_look_up);
	tcase_add_test(tc, watched_directory_made_again_is_watched_again);
	tcase_add_test(tc, watch_started_late_looks_once);
	tcase_add_test(tc, watch_bad_calls_are_refused);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(writer_suite)
