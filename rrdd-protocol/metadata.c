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

/* A growing output string. */
struct text {
	char *s;
	size_t len, cap;
};

static bool text_add(struct text *t, const char *s, size_t len)
{
	if (t->len + len + 1 > t->cap) {
		size_t cap = t->cap ? t->cap : 4096;
		char *grown;

		while (cap < t->len + len + 1)
			cap *= 2;
		grown = realloc(t->s, cap);
		if (!grown)
			return false;
		t->s = grown;
		t->cap = cap;
	}
	memcpy(t->s + t->len, s, len);
	t->len += len;
	t->s[t->len] = '\0';
	return true;
}

/* Append obj as compact JSON, then drop it. */
static bool text_add_json(struct text *t, struct json_object *obj)
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
static bool text_add_string(struct text *t, const char *s)
{
	size_t len;

	if (!verbatim(s, &len))
		return text_add_json(t, json_object_new_string(s));
	return text_add(t, "\"", 1) && text_add(t, s, len) &&
	       text_add(t, "\"", 1);
}

/* ,"key":"value" (no comma for the first member). */
static bool text_add_member(struct text *t, bool first, const char *key,
			    const char *value)
{
	return (first || text_add(t, ",", 1)) && text_add_string(t, key) &&
	       text_add(t, ":", 1) && text_add_string(t, value);
}

/*
 * The last number formatted: neighbouring datasources mostly share their
 * bounds, and finding the shortest exact form costs a few printf calls.
 */
struct number {
	bool valid;
	uint64_t bits;
	char text[32];
};

static const char *format_number(struct number *last, double d)
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

/* What the previous datasource's min and max were formatted as. */
struct numbers {
	struct number min, max;
};

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
static bool text_add_ds(struct text *t, const struct rrdd_ds *d,
			struct numbers *last)
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
static bool write_all(struct text *t, const struct rrdd_ds *ds, size_t n)
{
	struct numbers last;

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
	struct text t = { NULL, 0, 0 };
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
		free(t.s);
		return rrdd_fail(err, RRDD_ENOMEM, 0,
				 "out of memory encoding metadata");
	}
	*json = t.s;
	*len = t.len;
	return RRDD_OK;
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
 * Take one member into f.  xcp-rrdd reads every member it knows with
 * Rpc.string_of_rpc, which fails on anything but a string; members it
 * does not know (such as "value") it ignores, and so do we.
 */
static int take_field(struct fields *f, const char *name, const char *key,
		      struct json_object *val, struct rrdd_error *err)
{
	static const char *const known[] = {
		"value_type", "description", "units", "type", "owner",
		"default", "min", "max", "transform",
	};
	const char **slot[] = {
		&f->value_type, &f->description, &f->units, &f->type,
		&f->owner, &f->is_default, &f->min, &f->max, &f->transform,
	};

	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		const char *s;
		size_t len;

		if (strcmp(key, known[i]) != 0)
			continue;
		if (!json_object_is_type(val, json_type_string))
			return rrdd_fail(err, RRDD_EMETA, 0,
					 "datasource \"%s\": \"%s\" is not a "
					 "string", name, key);
		s = json_object_get_string(val);
		len = (size_t)json_object_get_string_len(val);
		if (strlen(s) != len)
			return rrdd_fail(err, RRDD_EMETA, 0,
					 "datasource \"%s\": \"%s\" contains "
					 "a NUL", name, key);
		*slot[i] = s;
		if (i == 1)
			f->description_len = len;
		else if (i == 2)
			f->units_len = len;
	}
	return RRDD_OK;
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
static int decode_ds(const char *name, struct json_object *obj,
		     struct rrdd_ds *d, struct arena *a,
		     struct rrdd_error *err)
{
	struct fields f;
	int rc;

	memset(&f, 0, sizeof(f));
	if (!json_object_is_type(obj, json_type_object))
		return rrdd_fail(err, RRDD_EMETA, 0,
				 "datasource \"%s\" is not an object", name);
	json_object_object_foreach(obj, key, val) {
		rc = take_field(&f, name, key, val, err);
		if (rc)
			return rc;
	}
	rc = parse_enums(name, &f, d, err);
	if (!rc)
		rc = parse_range(name, &f, d, err);
	if (rc)
		return rc;
	d->name = arena_copy(a, name, strlen(name));
	d->description = arena_copy(a, f.description ? f.description : "",
				    f.description_len);
	d->units = arena_copy(a, f.units ? f.units : "", f.units_len);
	if (!d->name || !d->description || !d->units)
		return rrdd_fail(err, RRDD_EMETA, 0,
				 "metadata strings exceed their bound");
	return RRDD_OK;
}

/* Parse the whole text as one JSON value into *out. */
static int parse_json(const char *json, size_t len, struct json_object **out,
		      struct rrdd_error *err)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root;
	enum json_tokener_error jerr;
	size_t end;

	*out = NULL;
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
	/* Whitespace may follow the value; anything else is junk. */
	while (end < len && isspace((unsigned char)json[end]))
		end++;
	if (end != len) {
		json_object_put(root);
		return rrdd_fail(err, RRDD_EMETA, 0,
				 "junk after the metadata JSON at byte %zu",
				 end);
	}
	*out = root;
	return RRDD_OK;
}

/*
 * The members of "datasources" are walked in the text itself: json-c
 * keeps only the last of two equal keys, but a payload holds "cpu0" for
 * the host and for every VM (xcp-rrdd keys datasources by name and
 * owner).  parse_json has validated the whole text before any walk.
 */
struct walk {
	const char *p, *end;
};

#define WALK_EBAD 1	/* not the structure expected */

typedef int (*member_fn)(void *ctx, const char *key, struct json_object *val,
			 const struct walk *at);

static void walk_ws(struct walk *w)
{
	while (w->p < w->end && isspace((unsigned char)*w->p))
		w->p++;
}

/* Parse the one JSON value at w->p and step past it; NULL on error. */
static struct json_object *walk_value(struct walk *w)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *obj;

	if (!tok)
		return NULL;
	walk_ws(w);
	obj = json_tokener_parse_ex(tok, w->p, (int)(w->end - w->p));
	if (obj)
		w->p += tok->char_offset;
	json_tokener_free(tok);
	return obj;
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

/* fn(ctx, key, value, where the value starts) for each member, in order. */
static int walk_object(struct walk *w, member_fn fn, void *ctx)
{
	if (!walk_char(w, '{'))
		return WALK_EBAD;
	if (walk_char(w, '}'))
		return RRDD_OK;
	do {
		struct json_object *key = walk_value(w), *val;
		struct walk at;
		int rc;

		if (!key || !json_object_is_type(key, json_type_string) ||
		    !walk_char(w, ':')) {
			json_object_put(key);
			return WALK_EBAD;
		}
		walk_ws(w);
		at = *w;
		val = walk_value(w);
		rc = val ? fn(ctx, json_object_get_string(key), val, &at)
			 : WALK_EBAD;
		json_object_put(key);
		json_object_put(val);
		if (rc)
			return rc;
	} while (walk_char(w, ','));
	return walk_char(w, '}') ? RRDD_OK : WALK_EBAD;
}

/* Where the (last, as json-c sees it) "datasources" object starts. */
struct found {
	bool ok;
	struct walk at;
};

static int find_datasources(void *ctx, const char *key,
			    struct json_object *val, const struct walk *at)
{
	struct found *f = ctx;

	if (strcmp(key, "datasources") == 0) {
		f->ok = json_object_is_type(val, json_type_object);
		f->at = *at;
	}
	return RRDD_OK;
}

static int count_member(void *ctx, const char *key, struct json_object *val,
			const struct walk *at)
{
	(void)key;
	(void)val;
	(void)at;
	(*(size_t *)ctx)++;
	return RRDD_OK;
}

struct decoding {
	struct rrdd_ds *ds;
	size_t i, n;
	struct arena *a;
	struct rrdd_error *err;
};

static int decode_member(void *ctx, const char *key, struct json_object *val,
			 const struct walk *at)
{
	struct decoding *d = ctx;

	(void)at;
	if (d->i == d->n)
		return WALK_EBAD;
	return decode_ds(key, val, &d->ds[d->i++], d->a, d->err);
}

/*
 * Two members with the same name and owner leave it open which one
 * xcp-rrdd would keep: refuse them, as the encoder does.
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

int rrdd_metadata_decode(const char *json, size_t len, struct rrdd_ds **ds,
			 size_t *n, char *arena, size_t arena_len,
			 struct rrdd_error *err)
{
	struct arena a = { arena, arena_len };
	struct json_object *root;
	struct walk w = { json, json + len };
	struct found f = { false, { NULL, NULL } };
	struct decoding dec;
	size_t count = 0;
	int rc;

	*ds = NULL;
	*n = 0;
	if (len > (size_t)INT32_MAX)
		return rrdd_fail(err, RRDD_EMETA, 0,
				 "metadata of %zu bytes is too long", len);
	rc = parse_json(json, len, &root, err);
	if (rc)
		return rc;
	json_object_put(root);	/* valid JSON: now walk it in order */
	if (walk_object(&w, find_datasources, &f) != RRDD_OK || !f.ok)
		return rrdd_fail(err, RRDD_EMETA, 0,
				 "metadata has no \"datasources\" object");
	w = f.at;
	if (walk_object(&w, count_member, &count) != RRDD_OK)
		return rrdd_fail(err, RRDD_EMETA, 0,
				 "metadata \"datasources\" unreadable");
	dec = (struct decoding){ calloc(count ? count : 1, sizeof(*dec.ds)),
				 0, count, &a, err };
	if (!dec.ds)
		return rrdd_fail(err, RRDD_ENOMEM, 0,
				 "out of memory decoding metadata");
	w = f.at;
	rc = walk_object(&w, decode_member, &dec);
	if (rc == WALK_EBAD)
		rc = rrdd_fail(err, RRDD_EMETA, 0,
			       "metadata \"datasources\" unreadable");
	if (!rc)
		rc = refuse_duplicates(dec.ds, count, err);
	if (rc) {
		free(dec.ds);
		return rc;
	}
	*ds = dec.ds;
	*n = count;
	return RRDD_OK;
}
