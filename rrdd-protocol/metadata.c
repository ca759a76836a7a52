/*
 * metadata.c: the JSON half of a v2 payload, encoded and decoded with
 * json-c.  The rules follow what xcp-rrdd's reader (rrd_protocol_v2.ml,
 * rrd_rpc.ml) enforces, see docs/rrdd-protocol.md.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "internal.h"

/* ---- numbers ------------------------------------------------------------ */

void rrdd_format_double(char buf[32], double d)
{
	if (isnan(d)) {
		snprintf(buf, 32, "nan");
		return;
	}
	if (isinf(d)) {
		snprintf(buf, 32, "%s", d < 0 ? "-inf" : "inf");
		return;
	}
	/* The first precision that reads back exactly is the shortest... */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(buf, 32, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	/* ...but a whole number is shorter as "1500" than as "1.5e+03". */
	if (strchr(buf, 'e') && fabs(d) < 1e17 && d == floor(d)) {
		char whole[32];

		snprintf(whole, sizeof(whole), "%.0f", d);
		if (strlen(whole) < strlen(buf))
			snprintf(buf, 32, "%s", whole);
	}
}

/* xcp-rrdd reads min/max with OCaml's float_of_string: a whole number. */
static bool parse_double(const char *s, double *out)
{
	char *end;

	if (*s == '\0' || isspace((unsigned char)*s))
		return false;
	*out = strtod(s, &end);
	return *end == '\0';
}

/* ---- encoding ----------------------------------------------------------- */

static bool uuid_ok(const char *uuid)
{
	size_t len = strnlen(uuid, RRDD_UUID_LEN + 1);

	return len > 0 && len <= RRDD_UUID_LEN && !strchr(uuid, ' ');
}

static bool utf8_ok(const char *s)
{
	size_t len = s ? strlen(s) : 0;

	return rrdd_utf8_invalid_at(s, len) == len;
}

static int check_ds(const struct rrdd_ds *d, size_t i, struct rrdd_error *err)
{
	if (!d->name)
		return rrdd_fail(err, RRDD_EINVAL, 0, "datasource %zu: no name",
				 i);
	if (d->owner != RRDD_OWNER_HOST && !uuid_ok(d->owner_uuid))
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "datasource \"%s\": owner %s needs a uuid "
				 "(1-%d characters, no space)", d->name,
				 rrdd_owner_kind_name(d->owner), RRDD_UUID_LEN);
	if ((unsigned)d->owner > RRDD_OWNER_SR ||
	    (unsigned)d->value_type > RRDD_VALUE_FLOAT ||
	    (unsigned)d->type > RRDD_DERIVE ||
	    (unsigned)d->transform > RRDD_INVERSE)
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "datasource \"%s\": enum out of range",
				 d->name);
	/* The decoder refuses what is not UTF-8: never write it. */
	if (!utf8_ok(d->name) || !utf8_ok(d->description) ||
	    !utf8_ok(d->units))
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "datasource %zu: a string is not valid "
				 "UTF-8", i);
	return RRDD_OK;
}

/*
 * Order datasources by (name, owner): xcp-rrdd keys them by both, and its
 * own CPU plugin publishes "cpu0" for the host and for every VM at once.
 */
static int cmp_name_owner(const void *a, const void *b)
{
	const struct rrdd_ds *x = *(const struct rrdd_ds *const *)a;
	const struct rrdd_ds *y = *(const struct rrdd_ds *const *)b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (x->owner != y->owner)
		return x->owner < y->owner ? -1 : 1;
	if (x->owner == RRDD_OWNER_HOST)
		return 0;
	return strncmp(x->owner_uuid, y->owner_uuid, RRDD_UUID_LEN);
}

/* Check every description, then refuse a repeated (name, owner). */
static int check_all(const struct rrdd_ds *ds, size_t n,
		     struct rrdd_error *err)
{
	const struct rrdd_ds **order;
	int rc = RRDD_OK;

	for (size_t i = 0; i < n; i++)
		if ((rc = check_ds(&ds[i], i, err)))
			return rc;
	if (n < 2)
		return RRDD_OK;
	order = malloc(n * sizeof(const struct rrdd_ds *));
	if (!order)
		return rrdd_fail(err, RRDD_ENOMEM, 0,
				 "out of memory encoding metadata");
	for (size_t i = 0; i < n; i++)
		order[i] = &ds[i];
	qsort(order, n, sizeof(const struct rrdd_ds *), cmp_name_owner);
	for (size_t i = 1; i < n && rc == RRDD_OK; i++)
		if (cmp_name_owner(&order[i - 1], &order[i]) == 0)
			rc = rrdd_fail(err, RRDD_EINVAL, 0,
				       "duplicate datasource name \"%s\" for "
				       "the same owner", order[i]->name);
	free(order);
	return rc;
}

/* Compact JSON; "/" unescaped where json-c allows (0.13 and later). */
static int plain_flags(void)
{
#ifdef JSON_C_TO_STRING_NOSLASHESCAPE
	return JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE;
#else
	return JSON_C_TO_STRING_PLAIN;
#endif
}

/* Append to the output (an rrdd_buf); false once out of memory. */
static bool text_add(struct rrdd_buf *t, const char *s, size_t len)
{
	rrdd_buf_add(t, s, len);
	return !t->failed;
}

/* Append obj as compact JSON, then drop it. */
static bool text_add_json(struct rrdd_buf *t, struct json_object *obj)
{
	const char *s = obj ? json_object_to_json_string_ext(obj, plain_flags())
			    : NULL;
	bool ok = s && text_add(t, s, strlen(s));

	json_object_put(obj);
	return ok;
}

/*
 * Printable ASCII other than '"', '\\' and '/': bytes that json-c writes
 * as they are in every version and with every flag.
 */
static bool verbatim(const char *s, size_t *len)
{
	const char *p = s;

	for (; *p; p++)
		if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\' ||
		    *p == '/')
			return false;
	*len = (size_t)(p - s);
	return true;
}

/*
 * s as a JSON string, byte for byte what json-c writes.  Almost every
 * string needs no escaping: quote it directly, which spares a json-c
 * object per string (most of the cost of encoding thousands of
 * datasources); let json-c escape the others.
 */
static bool text_add_string(struct rrdd_buf *t, const char *s)
{
	size_t len;

	if (!verbatim(s, &len))
		return text_add_json(t, json_object_new_string(s));
	return text_add(t, "\"", 1) && text_add(t, s, len) &&
	       text_add(t, "\"", 1);
}

/* ,"key":"value" (no comma for the first member). */
static bool text_add_member(struct rrdd_buf *t, bool first, const char *key,
			    const char *value)
{
	return (first || text_add(t, ",", 1)) && text_add_string(t, key) &&
	       text_add(t, ":", 1) && text_add_string(t, value);
}

/* The last number formatted (struct rrdd_number, internal.h):
 * neighbouring datasources mostly share their bounds, and finding the
 * shortest exact form costs a few printf calls. */
static const char *format_number(struct rrdd_number *last, double d)
{
	uint64_t bits;

	memcpy(&bits, &d, sizeof(bits));
	if (!last->valid || last->bits != bits) {
		rrdd_format_double(last->text, d);
		last->bits = bits;
		last->valid = true;
	}
	return last->text;
}

/* "host", or the owner kind and its uuid ("vm <uuid>"). */
static void format_owner(const struct rrdd_ds *d,
			 char out[8 + RRDD_UUID_LEN])
{
	const char *kind = rrdd_owner_kind_name(d->owner);
	size_t k = strlen(kind);
	size_t u = strnlen(d->owner_uuid, RRDD_UUID_LEN);

	if (d->owner == RRDD_OWNER_HOST) {
		memcpy(out, "host", 5);
		return;
	}
	memcpy(out, kind, k);
	out[k] = ' ';
	memcpy(out + k + 1, d->owner_uuid, u);
	out[k + 1 + u] = '\0';
}

/*
 * One datasource's object, as json-c prints one built member by member.
 * Key order is fixed (that of xcp-rrdd's own plugins) so equal
 * descriptions always give equal bytes; "transform" is written only when
 * it is not the default, as xcp-rrdd's writers do.
 */
static bool text_add_ds(struct rrdd_buf *t, const struct rrdd_ds *d,
			struct rrdd_numbers *last)
{
	char owner[8 + RRDD_UUID_LEN];

	format_owner(d, owner);
	return text_add(t, "{", 1) &&
	       text_add_member(t, true, "description",
			       d->description ? d->description : "") &&
	       text_add_member(t, false, "owner", owner) &&
	       text_add_member(t, false, "value_type",
			       rrdd_value_type_name(d->value_type)) &&
	       text_add_member(t, false, "type", rrdd_ds_type_name(d->type)) &&
	       text_add_member(t, false, "default",
			       d->is_default ? "true" : "false") &&
	       text_add_member(t, false, "units", d->units ? d->units : "") &&
	       text_add_member(t, false, "min",
			       format_number(&last->min, d->min)) &&
	       text_add_member(t, false, "max",
			       format_number(&last->max, d->max)) &&
	       (d->transform == RRDD_IDENTITY ||
		text_add_member(t, false, "transform",
				rrdd_transform_name(d->transform))) &&
	       text_add(t, "}", 1);
}

/*
 * {"datasources":{"name":{...},...}}, members in the caller's order.
 * Written member by member because a json-c object cannot hold the same
 * key twice, and the same name with different owners is legitimate.
 */
static bool write_all(struct rrdd_buf *t, const struct rrdd_ds *ds, size_t n)
{
	struct rrdd_numbers last;

	memset(&last, 0, sizeof(last));
	if (!text_add(t, "{\"datasources\":{", 16))
		return false;
	for (size_t i = 0; i < n; i++)
		if ((i && !text_add(t, ",", 1)) ||
		    !text_add_string(t, ds[i].name) || !text_add(t, ":", 1) ||
		    !text_add_ds(t, &ds[i], &last))
			return false;
	return text_add(t, "}}", 2);
}

int rrdd_metadata_encode(const struct rrdd_ds *ds, size_t n, char **json,
			 size_t *len, struct rrdd_error *err)
{
	struct rrdd_buf t = { NULL, 0, 0, false };
	int rc;

	if (!json || !len || (n && !ds))
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "rrdd_metadata_encode: NULL argument");
	*json = NULL;
	*len = 0;
	rc = check_all(ds, n, err);
	if (rc)
		return rc;
	if (!write_all(&t, ds, n)) {
		rrdd_buf_free(&t);
		return rrdd_fail(err, RRDD_ENOMEM, 0,
				 "out of memory encoding metadata");
	}
	*json = rrdd_buf_steal(&t, len);
	return RRDD_OK;
}

/* ---- one datasource at a time (the writer's metadata, internal.h) ------ */

int rrdd_metadata_check_ds(const struct rrdd_ds *d, size_t i,
			   struct rrdd_error *err)
{
	return check_ds(d, i, err);
}

bool rrdd_metadata_same_key(const struct rrdd_ds *a, const struct rrdd_ds *b)
{
	return cmp_name_owner(&a, &b) == 0;
}

bool rrdd_metadata_add_member(struct rrdd_buf *t, const struct rrdd_ds *d,
			      struct rrdd_numbers *last)
{
	return text_add_string(t, d->name) && text_add(t, ":", 1) &&
	       text_add_ds(t, d, last);
}

/* ---- decoding ----------------------------------------------------------- */

/* Where decoded strings go: a bump allocator over the caller's arena. */
struct arena {
	char *next;
	size_t left;
};

static const char *arena_copy(struct arena *a, const char *s, size_t len)
{
	char *dst;

	if (len + 1 > a->left)
		return NULL;	/* cannot happen: see rrdd_metadata_decode */
	dst = a->next;
	memcpy(dst, s, len);
	dst[len] = '\0';
	a->next += len + 1;
	a->left -= len + 1;
	return dst;
}

/* The members of one datasource that xcp-rrdd reads, as strings. */
struct fields {
	const char *value_type, *description, *units, *type, *owner;
	const char *is_default, *min, *max, *transform;
	size_t description_len, units_len;
};

/*
 * The text is walked by hand, after json-c has validated all of it, so
 * that it is read as xcp-rrdd's parser reads it: members in text order
 * (a payload holds "cpu0" for the host and for every VM, which a json-c
 * object would fold into one), the first of two equal keys winning
 * (xcp-rrdd looks members up with List.assoc), and strings decoded by
 * json-text.c.  Decoded strings go to a scratch buffer as long as the
 * text, reset after each datasource: a decoded string is never longer
 * than its token.
 */
struct walk {
	const char *p, *end;
	const char *start;	/* of the whole text, for byte offsets */
	char *scratch;
	size_t used, size;
	struct rrdd_error *err;
};

#define WALK_EBAD 1	/* not the structure expected */

typedef int (*member_fn)(void *ctx, const char *key, struct walk *w);

static void walk_ws(struct walk *w)
{
	while (w->p < w->end && isspace((unsigned char)*w->p))
		w->p++;
}

/* Step over c (after whitespace); false when something else is there. */
static bool walk_char(struct walk *w, char c)
{
	walk_ws(w);
	if (w->p >= w->end || *w->p != c)
		return false;
	w->p++;
	return true;
}

/* Step over one JSON value of any kind (json-c finds where it ends). */
static int walk_skip(struct walk *w)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;

	if (!tok)
		return rrdd_fail(w->err, RRDD_ENOMEM, 0,
				 "out of memory parsing metadata");
	walk_ws(w);
	obj = json_tokener_parse_ex(tok, w->p, (int)(w->end - w->p));
	if (obj)
		w->p += tok->char_offset;
	json_tokener_free(tok);
	json_object_put(obj);
	return obj ? RRDD_OK : WALK_EBAD;
}

/* Decode the string at w->p into the scratch buffer. */
static int walk_string(struct walk *w, const char **s, size_t *len)
{
	const char *why, *after;
	char *out = w->scratch + w->used;

	walk_ws(w);
	why = rrdd_json_string(w->p, w->end, out, len, &after);
	if (why)
		return rrdd_fail(w->err, RRDD_EMETA, 0,
				 "metadata: %s at byte %zu", why,
				 (size_t)(w->p - w->start));
	w->used += *len + 1;
	w->p = after;
	*s = out;
	return RRDD_OK;
}

/* fn(ctx, key, w at the value) for each member, in order; fn steps over
 * the value. */
static int walk_object(struct walk *w, member_fn fn, void *ctx)
{
	if (!walk_char(w, '{'))
		return WALK_EBAD;
	if (walk_char(w, '}'))
		return RRDD_OK;
	do {
		const char *key = "";
		size_t len = 0;
		int rc = walk_string(w, &key, &len);

		if (rc)
			return rc;
		if (!walk_char(w, ':'))
			return WALK_EBAD;
		walk_ws(w);
		rc = fn(ctx, key, w);
		if (rc)
			return rc;
	} while (walk_char(w, ','));
	return walk_char(w, '}') ? RRDD_OK : WALK_EBAD;
}

/* One datasource's members, being read. */
struct ds_reading {
	const char *name;
	struct fields f;
	bool seen[9];
};

/*
 * Take one member into f.  xcp-rrdd reads every member it knows with
 * Rpc.string_of_rpc, which fails on anything but a string; members it
 * does not know (such as "value") it ignores, and so do we, as it
 * ignores a repeated key after the first.
 */
static int take_field(void *ctx, const char *key, struct walk *w)
{
	static const char *const known[] = {
		"value_type", "description", "units", "type", "owner",
		"default", "min", "max", "transform",
	};
	struct ds_reading *r = ctx;
	const char **slot[] = {
		&r->f.value_type, &r->f.description, &r->f.units, &r->f.type,
		&r->f.owner, &r->f.is_default, &r->f.min, &r->f.max,
		&r->f.transform,
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		size_t len;
		int rc;

		if (strcmp(key, known[i]) != 0 || r->seen[i])
			continue;
		r->seen[i] = true;
		if (w->p >= w->end || *w->p != '"')
			return rrdd_fail(w->err, RRDD_EMETA, 0,
					 "datasource \"%s\": \"%s\" is not a "
					 "string", r->name, key);
		rc = walk_string(w, slot[i], &len);
		if (i == 1)
			r->f.description_len = len;
		else if (i == 2)
			r->f.units_len = len;
		return rc;
	}
	return walk_skip(w);
}

static int parse_type(const char *name, const char *s, struct rrdd_ds *d,
		      struct rrdd_error *err)
{
	/* xcp-rrdd lower-cases the type (not the other enums). */
	if (!s || !strcasecmp(s, "absolute"))
		d->type = RRDD_ABSOLUTE;
	else if (!strcasecmp(s, "gauge"))
		d->type = RRDD_GAUGE;
	else if (!strcasecmp(s, "derive"))
		d->type = RRDD_DERIVE;
	else
		return rrdd_fail(err, RRDD_EMETA, 0,
				 "datasource \"%s\": unknown type \"%s\"",
				 name, s);
	return RRDD_OK;
}

/* "host", "vm <uuid>" or "sr <uuid>", case-insensitive, one space. */
static int parse_owner(const char *name, const char *s, struct rrdd_ds *d,
		       struct rrdd_error *err)
{
	const char *uuid;
	size_t len;

	d->owner_uuid[0] = '\0';
	if (!s || !strcasecmp(s, "host")) {
		d->owner = RRDD_OWNER_HOST;
		return RRDD_OK;
	}
	if (!strncasecmp(s, "vm ", 3))
		d->owner = RRDD_OWNER_VM;
	else if (!strncasecmp(s, "sr ", 3))
		d->owner = RRDD_OWNER_SR;
	else
		goto bad;
	uuid = s + 3;
	len = strlen(uuid);
	if (len == 0 || len > RRDD_UUID_LEN || strchr(uuid, ' '))
		goto bad;
	for (size_t i = 0; i <= len; i++)
		d->owner_uuid[i] = (char)tolower((unsigned char)uuid[i]);
	return RRDD_OK;
bad:
	return rrdd_fail(err, RRDD_EMETA, 0,
			 "datasource \"%s\": unknown owner \"%s\"", name, s);
}

static int parse_enums(const char *name, const struct fields *f,
		       struct rrdd_ds *d, struct rrdd_error *err)
{
	int rc;

	if (!f->value_type)
		return rrdd_fail(err, RRDD_EMETA, 0,
				 "datasource \"%s\": no value_type", name);
	if (!strcmp(f->value_type, "float"))
		d->value_type = RRDD_VALUE_FLOAT;
	else if (!strcmp(f->value_type, "int64"))
		d->value_type = RRDD_VALUE_INT64;
	else
		return rrdd_fail(err, RRDD_EMETA, 0,
				 "datasource \"%s\": unknown value_type \"%s\"",
				 name, f->value_type);
	rc = parse_type(name, f->type, d, err);
	if (!rc)
		rc = parse_owner(name, f->owner, d, err);
	if (rc)
		return rc;
	if (!f->is_default || !strcmp(f->is_default, "false"))
		d->is_default = false;
	else if (!strcmp(f->is_default, "true"))
		d->is_default = true;
	else
		return rrdd_fail(err, RRDD_EMETA, 0,
				 "datasource \"%s\": default \"%s\" is not "
				 "\"true\" or \"false\"", name, f->is_default);
	if (!f->transform || !strcmp(f->transform, "identity"))
		d->transform = RRDD_IDENTITY;
	else if (!strcmp(f->transform, "inverse"))
		d->transform = RRDD_INVERSE;
	else
		return rrdd_fail(err, RRDD_EMETA, 0,
				 "datasource \"%s\": unknown transform \"%s\"",
				 name, f->transform);
	return RRDD_OK;
}

static int parse_range(const char *name, const struct fields *f,
		       struct rrdd_ds *d, struct rrdd_error *err)
{
	d->min = -INFINITY;
	d->max = INFINITY;
	if (f->min && !parse_double(f->min, &d->min))
		return rrdd_fail(err, RRDD_EMETA, 0,
				 "datasource \"%s\": min \"%s\" is not a number",
				 name, f->min);
	if (f->max && !parse_double(f->max, &d->max))
		return rrdd_fail(err, RRDD_EMETA, 0,
				 "datasource \"%s\": max \"%s\" is not a number",
				 name, f->max);
	return RRDD_OK;
}

/* One member of "datasources": name -> object. */
static int decode_ds(const char *name, struct walk *w, struct rrdd_ds *d,
		     struct arena *a)
{
	struct ds_reading r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.name = name;
	if (w->p >= w->end || *w->p != '{')
		return rrdd_fail(w->err, RRDD_EMETA, 0,
				 "datasource \"%s\" is not an object", name);
	rc = walk_object(w, take_field, &r);
	if (!rc)
		rc = parse_enums(name, &r.f, d, w->err);
	if (!rc)
		rc = parse_range(name, &r.f, d, w->err);
	if (rc)
		return rc;
	d->name = arena_copy(a, name, strlen(name));
	d->description = arena_copy(a, r.f.description ? r.f.description
						       : "",
				    r.f.description_len);
	d->units = arena_copy(a, r.f.units ? r.f.units : "", r.f.units_len);
	if (!d->name || !d->description || !d->units)
		return rrdd_fail(w->err, RRDD_EMETA, 0,
				 "metadata strings exceed their bound");
	return RRDD_OK;
}

/* Parse the whole text as one JSON value: the structure is valid. */
static int parse_json(const char *json, size_t len, struct rrdd_error *err)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root;
	enum json_tokener_error jerr;
	size_t end;

	if (!tok)
		return rrdd_fail(err, RRDD_ENOMEM, 0,
				 "out of memory parsing metadata");
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	root = json_tokener_parse_ex(tok, json, (int)len);
	jerr = json_tokener_get_error(tok);
	end = (size_t)tok->char_offset;
	json_tokener_free(tok);
	if (!root)
		return rrdd_fail(err, RRDD_EMETA, 0, "metadata is not JSON: %s",
				 jerr == json_tokener_continue ?
				 "unexpected end" :
				 json_tokener_error_desc(jerr));
	json_object_put(root);
	/* Whitespace may follow the value; anything else is junk. */
	while (end < len && isspace((unsigned char)json[end]))
		end++;
	if (end != len)
		return rrdd_fail(err, RRDD_EMETA, 0,
				 "junk after the metadata JSON at byte %zu",
				 end);
	return RRDD_OK;
}

/* Where the first "datasources" member's value starts (List.assoc). */
struct found {
	bool seen, ok;
	struct walk at;
};

static int find_datasources(void *ctx, const char *key, struct walk *w)
{
	struct found *f = ctx;

	if (!f->seen && strcmp(key, "datasources") == 0) {
		f->seen = true;
		f->ok = w->p < w->end && *w->p == '{';
		f->at = *w;
	}
	return walk_skip(w);
}

static int count_member(void *ctx, const char *key, struct walk *w)
{
	(void)key;
	(*(size_t *)ctx)++;
	return walk_skip(w);
}

struct decoding {
	struct rrdd_ds *ds;
	size_t i, n;
	struct arena *a;
};

static int decode_member(void *ctx, const char *key, struct walk *w)
{
	struct decoding *d = ctx;
	size_t mark = w->used;
	int rc;

	if (d->i == d->n)
		return WALK_EBAD;
	rc = decode_ds(key, w, &d->ds[d->i++], d->a);
	w->used = mark;	/* the name was decoded just before mark */
	return rc;
}

/*
 * Two members with the same name and owner: xcp-rrdd would take both and
 * then update one of them twice.  Refuse them, as the encoder does.
 */
static int refuse_duplicates(const struct rrdd_ds *ds, size_t n,
			     struct rrdd_error *err)
{
	struct rrdd_error why;
	int rc = check_all(ds, n, &why);

	if (rc == RRDD_EINVAL)
		return rrdd_fail(err, RRDD_EMETA, 0, "%s", why.msg);
	if (rc)
		return rrdd_fail(err, rc, 0, "%s", why.msg);
	return RRDD_OK;
}

/* JSON text is UTF-8; bytes that are not would reach xcp-rrdd's
 * database and exports as they are. */
static int check_text(const char *json, size_t len, struct rrdd_error *err)
{
	size_t bad = rrdd_utf8_invalid_at(json, len);

	if (bad != len)
		return rrdd_fail(err, RRDD_EMETA, 0,
				 "metadata is not valid UTF-8 at byte %zu", bad);
	return parse_json(json, len, err);
}

/* The datasources' members, counted then decoded, in text order. */
static int decode_members(struct walk *w, struct rrdd_ds **ds, size_t *n,
			  struct arena *a)
{
	struct found f = { false, false, { NULL, NULL, NULL, NULL, 0, 0,
					   NULL } };
	struct walk at;
	struct decoding dec;
	size_t count = 0;
	int rc = walk_object(w, find_datasources, &f);

	if (rc > 0 || (!rc && !f.ok))
		return rrdd_fail(w->err, RRDD_EMETA, 0,
				 "metadata has no \"datasources\" object");
	if (rc)
		return rc;
	at = f.at;
	rc = walk_object(&at, count_member, &count);
	if (rc)
		return rc > 0 ? rrdd_fail(w->err, RRDD_EMETA, 0,
					  "metadata \"datasources\" "
					  "unreadable") : rc;
	dec = (struct decoding){ calloc(count ? count : 1, sizeof(*dec.ds)),
				 0, count, a };
	if (!dec.ds)
		return rrdd_fail(w->err, RRDD_ENOMEM, 0,
				 "out of memory decoding metadata");
	at = f.at;
	at.used = 0;
	rc = walk_object(&at, decode_member, &dec);
	if (rc == WALK_EBAD)
		rc = rrdd_fail(w->err, RRDD_EMETA, 0,
			       "metadata \"datasources\" unreadable");
	if (!rc)
		rc = refuse_duplicates(dec.ds, count, w->err);
	if (rc) {
		free(dec.ds);
		return rc;
	}
	*ds = dec.ds;
	*n = count;
	return RRDD_OK;
}

int rrdd_metadata_decode(const char *json, size_t len, struct rrdd_ds **ds,
			 size_t *n, char *arena, size_t arena_len,
			 struct rrdd_error *err)
{
	struct arena a = { arena, arena_len };
	struct walk w = { json, json + len, json, NULL, 0, len + 1, err };
	int rc;

	*ds = NULL;
	*n = 0;
	if (len > (size_t)INT32_MAX)
		return rrdd_fail(err, RRDD_EMETA, 0,
				 "metadata of %zu bytes is too long", len);
	rc = check_text(json, len, err);
	if (rc)
		return rc;
	w.scratch = malloc(w.size);
	if (!w.scratch)
		return rrdd_fail(err, RRDD_ENOMEM, 0,
				 "out of memory decoding metadata");
	rc = decode_members(&w, ds, n, &a);
	free(w.scratch);
	return rc;
}
