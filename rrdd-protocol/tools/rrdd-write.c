/*
 * rrdd-write [--int-timestamp] FILE < SPEC.json: the inverse of rrdd-dump.
 * SPEC has rrdd-dump's schema:
 *   {"timestamp": T, "datasources": [{"name": ..., "value": ..., ...}]}
 * "timestamp" may be left out (now is used); per datasource only "name"
 * and "value" are required, the rest default as xcp-rrdd does (type
 * absolute, owner host, default false, min -inf, max inf, identity), and
 * value_type defaults to int64 for a JSON integer, float otherwise.
 * A new FILE is written as FILE.tmp and renamed, so a reader never sees it
 * half written.  An existing FILE that is large enough is rewritten in
 * place instead (body first, header last): xcp-rrdd keeps reading the file
 * it opened at registration and would never see a renamed replacement.
 * So a shell script calling this every cycle can be a plugin.
 * Exit 0 on success, 1 (one line on stderr) on bad input or I/O error,
 * 2 on a usage error.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "internal.h"
#include "rrdd_protocol.h"

static const char *prog = "rrdd-write";

/* The whole SPEC, as parsed: datasources point into the JSON tree. */
struct spec {
	double timestamp;
	size_t n;
	struct rrdd_ds *ds;
	union rrdd_value *values;
};

static void usage(void)
{
	fprintf(stderr, "usage: %s [--int-timestamp] FILE < SPEC.json\n",
		prog);
	exit(2);
}

static char errbuf[RRDD_ERROR_MAX];

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Record why the SPEC is bad, for main to print. */
static void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* clang-tidy 14 carries va_list state across files in one run. */
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
	va_end(ap);
}

/* say(), then -1 for the caller to pass up: visibly, to the analysers. */
#define bad(...) (say(__VA_ARGS__), -1)

static char *read_stdin(size_t *len)
{
	char *buf = NULL;
	size_t cap = 0;

	*len = 0;
	for (;;) {
		size_t got;

		if (*len + 1 >= cap) {
			char *bigger;

			cap = cap ? cap * 2 : 65536;
			bigger = realloc(buf, cap);
			if (!bigger) {
				free(buf);
				return NULL;
			}
			buf = bigger;
		}
		got = fread(buf + *len, 1, cap - *len - 1, stdin);
		*len += got;
		if (got == 0)
			break;
	}
	if (ferror(stdin)) {
		free(buf);
		return NULL;
	}
	buf[*len] = '\0';
	return buf;
}

/* A number, or a string strtod reads whole ("inf", "nan", "0.5"). */
static int get_double(struct json_object *o, const char *what, double *out)
{
	char *end;
	const char *s = NULL;

	if (json_object_is_type(o, json_type_double) ||
	    json_object_is_type(o, json_type_int)) {
		*out = json_object_get_double(o);
		return 0;
	}
	if (!json_object_is_type(o, json_type_string))
		return bad("%s is not a number", what);
	s = json_object_get_string(o);
	*out = strtod(s, &end);
	if (*s == '\0' || *end != '\0')
		return bad("%s \"%s\" is not a number", what, s);
	return 0;
}

static int get_string(struct json_object *o, const char *what,
		      const char **out)
{
	if (!json_object_is_type(o, json_type_string))
		return bad("%s is not a string", what);
	*out = json_object_get_string(o);
	return 0;
}

/* Map s to its index in names[]; -1 when absent. */
static int lookup(const char *s, const char *const *names, int count)
{
	for (int i = 0; i < count; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static int get_enum(struct json_object *o, const char *what,
		    const char *const *names, int count, int *out)
{
	const char *s = NULL;

	if (get_string(o, what, &s))
		return -1;
	*out = lookup(s, names, count);
	if (*out < 0)
		return bad("%s \"%s\" is unknown", what, s);
	return 0;
}

static int get_owner(struct json_object *o, struct rrdd_ds *d)
{
	const char *s = NULL;

	if (get_string(o, "owner", &s))
		return -1;
	if (!strcmp(s, "host")) {
		d->owner = RRDD_OWNER_HOST;
		return 0;
	}
	if (!strncmp(s, "vm ", 3))
		d->owner = RRDD_OWNER_VM;
	else if (!strncmp(s, "sr ", 3))
		d->owner = RRDD_OWNER_SR;
	else
		return bad("owner \"%s\" is not host, vm UUID or sr UUID", s);
	if (strlen(s + 3) > RRDD_UUID_LEN)
		return bad("owner \"%s\": uuid too long", s);
	snprintf(d->owner_uuid, sizeof(d->owner_uuid), "%s", s + 3);
	return 0;
}

static int get_default(struct json_object *o, bool *out)
{
	const char *s = NULL;

	if (json_object_is_type(o, json_type_boolean)) {
		*out = json_object_get_boolean(o);
		return 0;
	}
	if (get_string(o, "default", &s))
		return -1;
	if (strcmp(s, "true") != 0 && strcmp(s, "false") != 0)
		return bad("default \"%s\" is not true or false", s);
	*out = strcmp(s, "true") == 0;
	return 0;
}

/* The value, once value_type is known. */
static int get_value(struct json_object *o, enum rrdd_value_type type,
		     union rrdd_value *v)
{
	if (type == RRDD_VALUE_FLOAT)
		return get_double(o, "value", &v->f);
	if (json_object_is_type(o, json_type_int)) {
		v->i = json_object_get_int64(o);
		return 0;
	}
	return bad("value of an int64 datasource is not an integer");
}

static int set_member(const char *key, struct json_object *val,
		      struct rrdd_ds *d)
{
	static const char *const types[] = { "gauge", "absolute", "derive" };
	static const char *const vtypes[] = { "int64", "float" };
	static const char *const transforms[] = { "identity", "inverse" };
	int e, rc = 0;

	if (!strcmp(key, "name"))
		rc = get_string(val, "name", &d->name);
	else if (!strcmp(key, "description"))
		rc = get_string(val, "description", &d->description);
	else if (!strcmp(key, "units"))
		rc = get_string(val, "units", &d->units);
	else if (!strcmp(key, "owner"))
		rc = get_owner(val, d);
	else if (!strcmp(key, "min"))
		rc = get_double(val, "min", &d->min);
	else if (!strcmp(key, "max"))
		rc = get_double(val, "max", &d->max);
	else if (!strcmp(key, "default"))
		rc = get_default(val, &d->is_default);
	else if (!strcmp(key, "type")) {
		rc = get_enum(val, "type", types, 3, &e);
		d->type = (enum rrdd_ds_type)e;
	} else if (!strcmp(key, "value_type")) {
		rc = get_enum(val, "value_type", vtypes, 2, &e);
		d->value_type = (enum rrdd_value_type)e;
	} else if (!strcmp(key, "transform")) {
		rc = get_enum(val, "transform", transforms, 2, &e);
		d->transform = (enum rrdd_transform)e;
	} else if (strcmp(key, "value") != 0)
		rc = bad("unknown member \"%s\"", key);
	return rc;
}

static int parse_ds(struct json_object *o, size_t i, struct rrdd_ds *d,
		    union rrdd_value *v)
{
	struct json_object *value;

	if (!json_object_is_type(o, json_type_object))
		return bad("datasource %zu is not an object", i);
	memset(d, 0, sizeof(*d));
	d->description = "";
	d->units = "";
	d->type = RRDD_ABSOLUTE;
	d->min = -INFINITY;
	d->max = INFINITY;
	if (!json_object_object_get_ex(o, "value", &value))
		return bad("datasource %zu has no value", i);
	d->value_type = json_object_is_type(value, json_type_int) ?
			RRDD_VALUE_INT64 : RRDD_VALUE_FLOAT;
	json_object_object_foreach(o, key, val) {
		if (set_member(key, val, d))
			return -1;
	}
	if (!d->name)
		return bad("datasource %zu has no name", i);
	return get_value(value, d->value_type, v);
}

static double now(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static int parse_spec(struct json_object *root, struct spec *s)
{
	struct json_object *ts, *list;

	if (!json_object_is_type(root, json_type_object))
		return bad("SPEC is not a JSON object");
	s->timestamp = now();
	if (json_object_object_get_ex(root, "timestamp", &ts) &&
	    get_double(ts, "timestamp", &s->timestamp))
		return -1;
	if (!json_object_object_get_ex(root, "datasources", &list) ||
	    !json_object_is_type(list, json_type_array))
		return bad("SPEC has no \"datasources\" array");
	s->n = (size_t)json_object_array_length(list);
	s->ds = calloc(s->n + 1, sizeof(*s->ds));
	s->values = calloc(s->n + 1, sizeof(*s->values));
	if (!s->ds || !s->values)
		return bad("out of memory");
	for (size_t i = 0; i < s->n; i++)
		if (parse_ds(json_object_array_get_idx(list, i), i, &s->ds[i],
			     &s->values[i]))
			return -1;
	return 0;
}

/* Encode the payload into a malloc'd buffer. */
static uint8_t *encode(const struct spec *s, enum rrdd_ts_format format,
		       size_t *size)
{
	struct rrdd_error err;
	char *json;
	size_t len;
	uint8_t *buf;

	if (rrdd_metadata_encode(s->ds, s->n, &json, &len, &err)) {
		say("%s", err.msg);
		return NULL;
	}
	*size = rrdd_payload_size(s->n, len);
	buf = malloc(*size);
	if (!buf)
		say("out of memory");
	else if (rrdd_payload_encode(buf, *size, s->timestamp, format, s->ds,
				     s->values, s->n, json, len, &err)) {
		say("%s", err.msg);
		free(buf);
		buf = NULL;
	}
	free(json);
	return buf;
}

static int pwrite_all(int fd, const uint8_t *buf, size_t len, off_t off)
{
	while (len > 0) {
		ssize_t w = pwrite(fd, buf, len, off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		buf += w;
		len -= (size_t)w;
		off += w;
	}
	return 0;
}

/* FILE.tmp, then rename: the reader sees the old file or the new one. */
static int publish_new(const char *path, const uint8_t *buf, size_t len)
{
	char *tmp;
	int fd, rc = -1;

	if (asprintf(&tmp, "%s.tmp", path) < 0)
		return bad("out of memory");
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		say("%s: %s", tmp, strerror(errno));
	else if (pwrite_all(fd, buf, len, 0) || close(fd)) {
		say("%s: %s", tmp, strerror(errno));
		unlink(tmp);
	} else if (rename(tmp, path)) {
		say("%s: %s", path, strerror(errno));
		unlink(tmp);
	} else {
		rc = 0;
	}
	free(tmp);
	return rc;
}

/*
 * Rewrite an existing file that has room: everything after the header's
 * CRCs and count first, then those, then zeros over what is left of the
 * old body.  A reader that catches the file half way fails a CRC check
 * and tries again next period, as with any plugin.  1: no room, use
 * publish_new.
 */
static int publish_in_place(int fd, const uint8_t *buf, size_t len,
			    off_t size)
{
	static const uint8_t zeros[4096];
	const size_t split = RRDD_OFF_TIMESTAMP; /* magic, CRCs, count */
	off_t off;

	if ((off_t)len > size)
		return 1;
	if (pwrite_all(fd, buf + split, len - split, (off_t)split) ||
	    pwrite_all(fd, buf, split, 0))
		return -1;
	for (off = (off_t)len; off < size; off += (off_t)sizeof(zeros)) {
		size_t n = size - off < (off_t)sizeof(zeros) ?
			   (size_t)(size - off) : sizeof(zeros);

		if (pwrite_all(fd, zeros, n, off))
			return -1;
	}
	return 0;
}

static int publish(const char *path, const uint8_t *buf, size_t len)
{
	struct stat st;
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int rc;

	if (fd < 0 || fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		return publish_new(path, buf, len);
	}
	rc = publish_in_place(fd, buf, len, st.st_size);
	if (rc < 0)
		say("%s: %s", path, strerror(errno));
	if (close(fd) && rc == 0) {
		say("%s: %s", path, strerror(errno));
		rc = -1;
	}
	return rc == 1 ? publish_new(path, buf, len) : rc;
}

static int run(const char *path, enum rrdd_ts_format format)
{
	struct spec s = { 0, 0, NULL, NULL };
	struct json_object *root = NULL;
	enum json_tokener_error jerr;
	uint8_t *buf = NULL;
	size_t len, size;
	char *text = read_stdin(&len);
	int rc = -1;

	if (!text) {
		say("reading SPEC: %s", strerror(errno));
		return -1;
	}
	root = json_tokener_parse_verbose(text, &jerr);
	if (!root)
		say("SPEC is not JSON: %s", json_tokener_error_desc(jerr));
	else if (!parse_spec(root, &s))
		buf = encode(&s, format, &size);
	if (buf)
		rc = publish(path, buf, size);
	free(buf);
	free(s.ds);
	free(s.values);
	json_object_put(root);
	free(text);
	return rc;
}

int main(int argc, char **argv)
{
	enum rrdd_ts_format format = RRDD_TS_FLOAT;
	int argi = 1;

	if (argi < argc && !strcmp(argv[argi], "--int-timestamp")) {
		format = RRDD_TS_INT64;
		argi++;
	}
	if (argc - argi != 1 || argv[argi][0] == '-')
		usage();
	if (run(argv[argi], format)) {
		fprintf(stderr, "%s: %s\n", prog, errbuf);
		return 1;
	}
	return 0;
}
