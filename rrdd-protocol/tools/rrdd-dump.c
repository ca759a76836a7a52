/*
 * rrdd-dump [--int-timestamp] FILE: decode a v2 payload file and print it
 * as one JSON object on one line:
 *   {"timestamp": T, "datasources": [{"name": ..., "value": ..., ...}]}
 * Exit 0 on success, 1 (one line on stderr) when the file is unreadable
 * or malformed, 2 on a usage error.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "internal.h"	/* rrdd_format_double: one shortest-float rule */

static const char *prog = "rrdd-dump";

static void usage(void)
{
	fprintf(stderr, "usage: %s [--int-timestamp] FILE\n", prog);
	exit(2);
}

/* Read a whole file; NULL with errno set on failure. */
static uint8_t *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0;

	*len = 0;
	if (!f)
		return NULL;
	for (;;) {
		size_t got;

		if (*len == cap) {
			uint8_t *bigger;

			cap = cap ? cap * 2 : 65536;
			bigger = realloc(buf, cap);
			if (!bigger)
				break;
			buf = bigger;
		}
		got = fread(buf + *len, 1, cap - *len, f);
		*len += got;
		if (got == 0)
			break;
	}
	if (ferror(f) || *len == cap) {
		int saved = ferror(f) ? EIO : ENOMEM;

		fclose(f);
		free(buf);
		errno = saved;
		return NULL;
	}
	fclose(f);
	return buf;
}

/* Doubles print as the shortest text that reads back exactly. */
static int shortest_double(struct json_object *jso, struct printbuf *pb,
			   int level, int flags)
{
	char text[32];

	(void)level;
	(void)flags;
	rrdd_format_double(text, json_object_get_double(jso));
	return printbuf_memappend(pb, text, (int)strlen(text));
}

/* A number, or "nan"/"inf"/"-inf" as a string (JSON has no such number). */
static struct json_object *new_double(double d)
{
	struct json_object *o;

	if (!isfinite(d)) {
		char text[32];

		rrdd_format_double(text, d);
		return json_object_new_string(text);
	}
	o = json_object_new_double(d);
	if (o)
		json_object_set_serializer(o, shortest_double, NULL, NULL);
	return o;
}

/* min and max as the metadata carries them: strings. */
static struct json_object *new_range(double d)
{
	char text[32];

	rrdd_format_double(text, d);
	return json_object_new_string(text);
}

static struct json_object *ds_json(const struct rrdd_ds *d,
				   union rrdd_value v)
{
	struct json_object *o = json_object_new_object();
	char owner[8 + RRDD_UUID_LEN];

	if (d->owner == RRDD_OWNER_HOST)
		snprintf(owner, sizeof(owner), "host");
	else
		snprintf(owner, sizeof(owner), "%s %s",
			 rrdd_owner_kind_name(d->owner), d->owner_uuid);
	json_object_object_add(o, "name", json_object_new_string(d->name));
	json_object_object_add(o, "value",
			       d->value_type == RRDD_VALUE_INT64 ?
			       json_object_new_int64(v.i) : new_double(v.f));
	json_object_object_add(o, "value_type", json_object_new_string(
				       rrdd_value_type_name(d->value_type)));
	json_object_object_add(o, "type", json_object_new_string(
				       rrdd_ds_type_name(d->type)));
	json_object_object_add(o, "owner", json_object_new_string(owner));
	json_object_object_add(o, "units", json_object_new_string(d->units));
	json_object_object_add(o, "min", new_range(d->min));
	json_object_object_add(o, "max", new_range(d->max));
	json_object_object_add(o, "default",
			       json_object_new_boolean(d->is_default));
	json_object_object_add(o, "description",
			       json_object_new_string(d->description));
	json_object_object_add(o, "transform", json_object_new_string(
				       rrdd_transform_name(d->transform)));
	return o;
}

static void print_payload(const struct rrdd_payload *p)
{
	struct json_object *root = json_object_new_object();
	struct json_object *list = json_object_new_array();
	int flags = JSON_C_TO_STRING_SPACED;

#ifdef JSON_C_TO_STRING_NOSLASHESCAPE
	flags |= JSON_C_TO_STRING_NOSLASHESCAPE;
#endif
	json_object_object_add(root, "timestamp",
			       p->ts_format == RRDD_TS_INT64 ?
			       json_object_new_int64(p->timestamp_int) :
			       new_double(p->timestamp));
	for (size_t i = 0; i < p->n; i++)
		json_object_array_add(list, ds_json(&p->ds[i], p->values[i]));
	json_object_object_add(root, "datasources", list);
	puts(json_object_to_json_string_ext(root, flags));
	json_object_put(root);
}

int main(int argc, char **argv)
{
	enum rrdd_ts_format format = RRDD_TS_AUTO;
	struct rrdd_payload *p;
	struct rrdd_error err;
	const char *path;
	uint8_t *buf;
	size_t len;
	int argi = 1;

	if (argi < argc && !strcmp(argv[argi], "--int-timestamp")) {
		format = RRDD_TS_INT64;
		argi++;
	}
	if (argc - argi != 1 || argv[argi][0] == '-')
		usage();
	path = argv[argi];
	buf = read_file(path, &len);
	if (!buf) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		return 1;
	}
	if (rrdd_payload_decode(buf, len, format, &p, &err) != RRDD_OK) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, err.msg);
		free(buf);
		return 1;
	}
	print_payload(p);
	rrdd_payload_free(p);
	free(buf);
	return fflush(stdout) == 0 ? 0 : 1;
}
