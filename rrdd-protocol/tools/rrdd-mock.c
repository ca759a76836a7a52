/*
 * rrdd-mock: a stand-in for xcp-rrdd, for tests and demos.
 *
 *   rrdd-mock --socket PATH --metrics-dir DIR [--period S] [--cycles N]
 *
 * It answers Plugin.Local.register / next_reading / deregister as XML-RPC
 * over HTTP on the Unix socket PATH, and every S seconds (default 5) reads
 * each registered plugin's DIR/<uid> the way xcp-rrdd does:
 *
 * - The file is opened when the plugin first registers (registering
 *   before the file exists fails, as in xcp-rrdd) and read through that
 *   descriptor at the size it had then: xcp-rrdd maps it once, so a file
 *   replaced by rename or grown later is not seen until the plugin
 *   deregisters and registers again.
 * - A data CRC equal to the last one is "no update"; that and any error
 *   back the plugin off: 1, 3, 7, ... cycles skipped (xcp-rrdd doubles a
 *   skip count up to 256 and resets it after a good read).
 * - Rates follow xcp-rrdd's rrd.ml, with the payload's timestamps as the
 *   interval: gauge as is, absolute v / dt, derive (v - v_prev) / dt;
 *   then the inverse transform (1 - x), then anything outside min..max
 *   is NaN, as is a derive or absolute with no previous sample, or an
 *   interval over 300 s or not positive.
 *
 * Output: one JSON line per datasource per cycle on stdout,
 *   {"t", "cycle", "uid", "owner", "name", "rate"}   (rate null for NaN)
 * and one line per event: {"t", "cycle", "uid", "event", ...} with event
 * "register", "deregister", "no update", "error" (with "error"), or
 * "skipped"; backed-off events carry "skip", the cycles still to skip.
 * Exits after N cycles if --cycles is given, or on SIGTERM/SIGINT.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <json.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <microhttpd.h>

#include "rrdd_protocol.h"

#if MHD_VERSION >= 0x00097002
typedef enum MHD_Result mhd_result;
#else
typedef int mhd_result;
#endif

#define MAX_REQUEST ((size_t)64 * 1024)
#define MAX_MEMBERS 8
#define SKIP_MAX 256		/* xcp-rrdd's cap on the back-off */
#define MAX_INTERVAL 300.0	/* xcp-rrdd's maximum heartbeat */
#define MAX_FILE ((size_t)64 << 20)	/* a bigger "payload" is an error */

/* ---- state ------------------------------------------------------------- */

/* The last sample of one datasource, for derive rates. */
struct ds_state {
	char *key;		/* owner + "/" + name */
	enum rrdd_value_type value_type;
	union rrdd_value value;
	double t;
};

struct plugin {
	char *uid;
	char *path;
	int fd;			/* opened at registration, as xcp-rrdd maps */
	size_t size;		/* the file's size then */
	uint32_t last_data_crc;
	int skip_init;		/* back-off: doubles on error, up to 256 */
	int skip;		/* cycles still to skip */
	struct ds_state *ds;
	size_t n_ds;
	struct plugin *next;
};

struct mock {
	const char *socket_path;
	const char *dir;
	double period;
	long cycles;		/* 0: run until signalled */
	long cycle;
	double next_read;	/* monotonic seconds */
	struct plugin *plugins;
};

/* ---- small helpers ----------------------------------------------------- */

static double mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *xmalloc(size_t n)
{
	void *p = calloc(1, n ? n : 1);

	if (!p) {
		fprintf(stderr, "rrdd-mock: out of memory\n");
		exit(1);
	}
	return p;
}

static char *xasprintf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fprintf(stderr, "rrdd-mock: out of memory\n");
		exit(1);
	}
	return s;
}

static char *xstrdup(const char *s)
{
	return xasprintf("%s", s);
}

/* ---- output ------------------------------------------------------------ */

static struct json_object *line_start(const struct mock *m, const char *uid)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "t", json_object_new_double(wall_now()));
	json_object_object_add(o, "cycle", json_object_new_int64(m->cycle));
	json_object_object_add(o, "uid", json_object_new_string(uid));
	return o;
}

static void line_print(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(o);
}

static void print_event(const struct mock *m, const struct plugin *p,
			const char *uid, const char *event, const char *error)
{
	struct json_object *o = line_start(m, uid);

	json_object_object_add(o, "event", json_object_new_string(event));
	if (error)
		json_object_object_add(o, "error",
				       json_object_new_string(error));
	if (p && p->skip > 0)
		json_object_object_add(o, "skip",
				       json_object_new_int(p->skip));
	line_print(o);
}

static void print_rate(const struct mock *m, const struct plugin *p,
		       const char *owner, const struct rrdd_ds *ds,
		       double ts, double rate)
{
	struct json_object *o = line_start(m, p->uid);

	json_object_object_add(o, "ts", json_object_new_double(ts));
	json_object_object_add(o, "owner", json_object_new_string(owner));
	json_object_object_add(o, "name", json_object_new_string(ds->name));
	json_object_object_add(o, "type", json_object_new_string(
				       rrdd_ds_type_name(ds->type)));
	/* JSON has no NaN: unknown is null. */
	json_object_object_add(o, "rate", isnan(rate) ? NULL :
			       json_object_new_double(rate));
	line_print(o);
}

/* ---- plugins: registration --------------------------------------------- */

static struct plugin *find_plugin(struct mock *m, const char *uid)
{
	struct plugin *p;

	for (p = m->plugins; p; p = p->next)
		if (strcmp(p->uid, uid) == 0)
			return p;
	return NULL;
}

static void free_ds(struct ds_state *ds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ds[i].key);
	free(ds);
}

static void free_plugin(struct plugin *p)
{
	if (p->fd >= 0)
		close(p->fd);
	free_ds(p->ds, p->n_ds);
	free(p->uid);
	free(p->path);
	free(p);
}

/* Open the file as xcp-rrdd does at registration; errno on failure. */
static int open_file(struct plugin *p)
{
	struct stat st;

	p->fd = open(p->path, O_RDONLY | O_CLOEXEC);
	if (p->fd < 0)
		return -1;
	if (fstat(p->fd, &st) < 0) {
		int e = errno;

		close(p->fd);
		p->fd = -1;
		errno = e;
		return -1;
	}
	p->size = (size_t)st.st_size;
	return 0;
}

/* errno as OCaml's Unix module names it, for xcp-rrdd's messages. */
static const char *unix_error_name(int e)
{
	switch (e) {
	case ENOENT: return "ENOENT";
	case EACCES: return "EACCES";
	case ENOTDIR: return "ENOTDIR";
	case ELOOP: return "ELOOP";
	case EMFILE: return "EMFILE";
	default: return "EUNKNOWNERR";
	}
}

/* Register uid; on failure a message for ErrorDescription in why. */
static int register_plugin(struct mock *m, const char *uid, char *why,
			   size_t why_len)
{
	struct plugin *p;

	if (find_plugin(m, uid))
		return 0;
	p = xmalloc(sizeof(*p));
	p->uid = xstrdup(uid);
	p->path = xasprintf("%s/%s", m->dir, uid);
	p->skip_init = 1;
	if (open_file(p) < 0) {
		snprintf(why, why_len, "Unix.Unix_error(Unix.%s, \"open\", \"%s\")",
			 unix_error_name(errno), p->path);
		free_plugin(p);
		return -1;
	}
	p->next = m->plugins;
	m->plugins = p;
	print_event(m, p, uid, "register", NULL);
	return 0;
}

static void deregister_plugin(struct mock *m, const char *uid)
{
	struct plugin **pp;

	for (pp = &m->plugins; *pp; pp = &(*pp)->next) {
		struct plugin *p = *pp;

		if (strcmp(p->uid, uid) == 0) {
			*pp = p->next;
			print_event(m, NULL, uid, "deregister", NULL);
			free_plugin(p);
			return;
		}
	}
}

/* ---- plugins: reading -------------------------------------------------- */

/* The file's bytes, at the size it had when registered. */
static uint8_t *read_file(struct plugin *p, size_t *len, char *why,
			  size_t why_len)
{
	uint8_t *buf;
	ssize_t n;

	/* xcp-rrdd maps an empty file again at the next read. */
	if (p->size == 0) {
		close(p->fd);
		if (open_file(p) < 0) {
			snprintf(why, why_len, "reopen %s: %s", p->path,
				 strerror(errno));
			return NULL;
		}
	}
	if (p->size > MAX_FILE) {
		snprintf(why, why_len, "%s: %zu bytes is too large for a payload",
			 p->path, p->size);
		return NULL;
	}
	buf = xmalloc(p->size);
	n = pread(p->fd, buf, p->size, 0);
	if (n < 0 || (size_t)n != p->size) {
		snprintf(why, why_len, "%s: %s", p->path, n < 0 ?
			 strerror(errno) : "file shrank below its mapped size");
		free(buf);
		return NULL;
	}
	*len = p->size;
	return buf;
}

/* Error or no update: skip the next 2^k - 1 cycles, as xcp-rrdd does. */
static void back_off(struct plugin *p)
{
	p->skip_init = p->skip_init * 2 > SKIP_MAX ? SKIP_MAX :
						      p->skip_init * 2;
	p->skip = p->skip_init;
}

static void good_read(struct plugin *p)
{
	if (p->skip_init > 1) {
		p->skip_init = 1;
		p->skip = 0;
	}
}

static double as_double(enum rrdd_value_type vt, union rrdd_value v)
{
	return vt == RRDD_VALUE_INT64 ? (double)v.i : v.f;
}

/* Counter difference in the value's own type (int64 wraps, as OCaml's). */
static double difference(enum rrdd_value_type vt, union rrdd_value now,
			 union rrdd_value prev)
{
	if (vt == RRDD_VALUE_INT64)
		return (double)(int64_t)((uint64_t)now.i - (uint64_t)prev.i);
	return now.f - prev.f;
}

static const struct ds_state *find_prev(const struct plugin *p,
					const char *key)
{
	size_t i;

	for (i = 0; i < p->n_ds; i++)
		if (strcmp(p->ds[i].key, key) == 0)
			return &p->ds[i];
	return NULL;
}

/* xcp-rrdd's per-sample rate (rrd.ml), before transform and range. */
static double raw_rate(const struct rrdd_ds *ds, union rrdd_value v,
		       double t, const struct ds_state *prev)
{
	double dt;

	if (ds->type == RRDD_GAUGE)
		return as_double(ds->value_type, v);
	if (!prev || prev->value_type != ds->value_type)
		return NAN;
	dt = t - prev->t;
	if (!(dt > 0) || dt > MAX_INTERVAL)
		return NAN;
	if (ds->type == RRDD_ABSOLUTE)
		return as_double(ds->value_type, v) / dt;
	return difference(ds->value_type, v, prev->value) / dt;
}

static double final_rate(const struct rrdd_ds *ds, double raw)
{
	if (ds->transform == RRDD_INVERSE)
		raw = 1.0 - raw;
	if (raw < ds->min || raw > ds->max)
		return NAN;
	return raw;
}

static char *owner_string(const struct rrdd_ds *ds)
{
	const char *kind = rrdd_owner_kind_name(ds->owner);

	if (ds->owner == RRDD_OWNER_HOST)
		return xstrdup(kind);
	return xasprintf("%s %s", kind, ds->owner_uuid);
}

/* Print every datasource's rate and keep the samples for next time. */
static void report(struct mock *m, struct plugin *p,
		   const struct rrdd_payload *pl)
{
	struct ds_state *next = xmalloc(pl->n * sizeof(*next));
	size_t i;

	for (i = 0; i < pl->n; i++) {
		const struct rrdd_ds *ds = &pl->ds[i];
		char *owner = owner_string(ds);
		double rate;

		next[i].key = xasprintf("%s/%s", owner, ds->name);
		rate = final_rate(ds, raw_rate(ds, pl->values[i], pl->timestamp,
					       find_prev(p, next[i].key)));
		next[i].value_type = ds->value_type;
		next[i].value = pl->values[i];
		next[i].t = pl->timestamp;
		print_rate(m, p, owner, ds, pl->timestamp, rate);
		free(owner);
	}
	free_ds(p->ds, p->n_ds);
	p->ds = next;
	p->n_ds = pl->n;
}

/* The checks xcp-rrdd makes before decoding: header, then "no update". */
static int precheck(const struct plugin *p, const uint8_t *buf, size_t len,
		    uint32_t *crc, char *why, size_t why_len)
{
	if (len < 15 || memcmp(buf, "DATASOURCES", 11) != 0) {
		snprintf(why, why_len, "%s: not a DATASOURCES payload",
			 p->path);
		return -1;
	}
	*crc = (uint32_t)buf[11] << 24 | (uint32_t)buf[12] << 16 |
	       (uint32_t)buf[13] << 8 | buf[14];
	return *crc == p->last_data_crc ? 1 : 0;
}

static void read_plugin(struct mock *m, struct plugin *p)
{
	struct rrdd_payload *pl = NULL;
	struct rrdd_error err;
	char why[RRDD_ERROR_MAX + 64];
	uint32_t crc = 0;
	size_t len = 0;
	uint8_t *buf = read_file(p, &len, why, sizeof(why));
	int rc = buf ? precheck(p, buf, len, &crc, why, sizeof(why)) : -1;

	if (rc == 0 && rrdd_payload_decode(buf, len, RRDD_TS_AUTO, &pl,
					   &err) != 0) {
		snprintf(why, sizeof(why), "%s: %s", p->path, err.msg);
		rc = -1;
	}
	free(buf);
	if (rc != 0) {
		back_off(p);
		print_event(m, p, p->uid, rc > 0 ? "no update" : "error",
			    rc > 0 ? NULL : why);
		return;
	}
	p->last_data_crc = crc;
	good_read(p);
	report(m, p, pl);
	rrdd_payload_free(pl);
}

static void run_cycle(struct mock *m)
{
	struct plugin *p;

	m->cycle++;
	for (p = m->plugins; p; p = p->next) {
		/* As xcp-rrdd: count down first, then skip while positive. */
		if (p->skip > 0)
			p->skip--;
		if (p->skip > 0)
			print_event(m, p, p->uid, "skipped", NULL);
		else
			read_plugin(m, p);
	}
}

/* ---- XML-RPC: parsing the call ----------------------------------------- */

struct call {
	char method[64];
	size_t n;
	char *name[MAX_MEMBERS];
	char *value[MAX_MEMBERS];
};

static void call_free(struct call *c)
{
	size_t i;

	for (i = 0; i < c->n; i++) {
		free(c->name[i]);
		free(c->value[i]);
	}
	c->n = 0;
}

static const char *call_arg(const struct call *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->name[i], name) == 0)
			return c->value[i];
	return NULL;
}

static xmlNode *element(xmlNode *n)
{
	while (n && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

static bool named(const xmlNode *n, const char *name)
{
	return n && strcmp((const char *)n->name, name) == 0;
}

/* A member's string value: bare text or <string>. */
static char *string_value(xmlNode *value)
{
	xmlNode *t = element(value->children);
	xmlChar *text;
	char *s;

	if (t && !named(t, "string"))
		return NULL;
	text = xmlNodeGetContent(t ? t : value);
	s = xstrdup(text ? (const char *)text : "");
	xmlFree(text);
	return s;
}

static void add_member(struct call *c, xmlNode *member)
{
	xmlNode *key = element(member->children);
	xmlNode *val = key ? element(key->next) : NULL;
	xmlChar *name;
	char *value;

	if (c->n == MAX_MEMBERS || !named(member, "member") ||
	    !named(key, "name") || !named(val, "value"))
		return;
	value = string_value(val);
	if (!value)
		return;
	name = xmlNodeGetContent(key);
	c->name[c->n] = xstrdup(name ? (const char *)name : "");
	c->value[c->n++] = value;
	xmlFree(name);
}

/* methodCall: methodName and the named arguments of its first param. */
static int parse_tree(xmlNode *root, struct call *c)
{
	xmlNode *name = named(root, "methodCall") ? element(root->children) :
						    NULL;
	xmlNode *params = name ? element(name->next) : NULL;
	xmlNode *param = params ? element(params->children) : NULL;
	xmlNode *value = param ? element(param->children) : NULL;
	xmlNode *st = value ? element(value->children) : NULL;
	xmlNode *mb;
	xmlChar *text;

	if (!named(name, "methodName") || !named(params, "params"))
		return -1;
	text = xmlNodeGetContent(name);
	snprintf(c->method, sizeof(c->method), "%s",
		 text ? (const char *)text : "");
	xmlFree(text);
	if (!named(param, "param") || !named(value, "value") ||
	    !named(st, "struct"))
		return 0;	/* no named arguments */
	for (mb = element(st->children); mb; mb = element(mb->next))
		add_member(c, mb);
	return 0;
}

static int parse_call(const char *body, size_t len, struct call *c)
{
	xmlDoc *doc;
	int rc;

	memset(c, 0, sizeof(*c));
	doc = xmlReadMemory(body, (int)len, "call.xml", NULL, XML_PARSE_NONET |
			    XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc)
		return -1;
	rc = parse_tree(xmlDocGetRootElement(doc), c);
	xmlFreeDoc(doc);
	return rc;
}

/* ---- XML-RPC: answering ------------------------------------------------ */

struct answer {
	unsigned int status;	/* HTTP */
	char *body;		/* malloc'd */
};

static char *xml_escape(const char *s)
{
	char *out = xmalloc(strlen(s) * 6 + 1), *o = out;

	for (; *s; s++) {
		switch (*s) {
		case '&': o = stpcpy(o, "&amp;"); break;
		case '<': o = stpcpy(o, "&lt;"); break;
		case '>': o = stpcpy(o, "&gt;"); break;
		case '"': o = stpcpy(o, "&quot;"); break;
		default: *o++ = *s; break;
		}
	}
	*o = '\0';
	return out;
}

/* rpclib's reply envelope around a struct's members. */
static struct answer reply_struct(const char *members)
{
	struct answer a = { MHD_HTTP_OK, NULL };

	a.body = xasprintf("<?xml version=\"1.0\"?><methodResponse><params>"
			   "<param><value><struct>%s</struct></value></param>"
			   "</params></methodResponse>", members);
	return a;
}

static struct answer reply_value(const char *value_xml)
{
	char *members = xasprintf(
		"<member><name>Status</name><value>Success</value></member>"
		"<member><name>Value</name><value>%s</value></member>",
		value_xml);
	struct answer a = reply_struct(members);

	free(members);
	return a;
}

static struct answer reply_seconds(double seconds)
{
	char v[64];

	snprintf(v, sizeof(v), "<double>%.16g</double>", seconds);
	return reply_value(v);
}

/* Status Failure, ErrorDescription ["Rrdd_internal_error", text]. */
static struct answer reply_failure(const char *text)
{
	char *esc = xml_escape(text);
	char *members = xasprintf(
		"<member><name>Status</name><value>Failure</value></member>"
		"<member><name>ErrorDescription</name><value><array><data>"
		"<value>Rrdd_internal_error</value><value>%s</value>"
		"</data></array></value></member>", esc);
	struct answer a = reply_struct(members);

	free(members);
	free(esc);
	return a;
}

/* What xcp-rrdd's HTTP handler sends when the call itself is wrong. */
static struct answer reply_http(unsigned int status, const char *text)
{
	struct answer a = { status, xstrdup(text) };

	return a;
}

static double seconds_to_read(const struct mock *m)
{
	return m->next_read - mono_now();
}

static struct answer do_register(struct mock *m, const struct call *c)
{
	const char *uid = call_arg(c, "uid");
	const char *info = call_arg(c, "info");
	const char *protocol = call_arg(c, "protocol");
	char why[512];

	if (!uid || !info || !protocol)
		return reply_http(MHD_HTTP_UNAUTHORIZED,
				  "Go away: expecting named arguments uid, info, protocol\n");
	if (strcmp(info, "Five_Seconds") != 0)
		return reply_failure("unknown frequency");
	if (strcmp(protocol, "V2") != 0)
		return reply_failure(strcmp(protocol, "V1") == 0 ?
				     "rrdd-mock reads protocol V2 only" :
				     "Invalid_protocol");
	if (!uid[0] || strchr(uid, '/') || strcmp(uid, ".") == 0 ||
	    strcmp(uid, "..") == 0)
		return reply_failure("invalid uid");
	if (register_plugin(m, uid, why, sizeof(why)) < 0)
		return reply_failure(why);
	return reply_seconds(seconds_to_read(m));
}

static struct answer dispatch(struct mock *m, const struct call *c)
{
	const char *uid = call_arg(c, "uid");

	if (strcmp(c->method, "Plugin.Local.register") == 0)
		return do_register(m, c);
	if (strcmp(c->method, "Plugin.Local.next_reading") == 0 && uid)
		return reply_seconds(find_plugin(m, uid) ?
				     seconds_to_read(m) : -1.0);
	if (strcmp(c->method, "Plugin.Local.deregister") == 0 && uid) {
		deregister_plugin(m, uid);
		return reply_value("<nil/>");
	}
	if (strcmp(c->method, "Plugin.get_path") == 0 && uid) {
		char *path = xasprintf("%s/%s", m->dir, uid);
		char *esc = xml_escape(path);
		struct answer a = reply_value(esc);

		free(esc);
		free(path);
		return a;
	}
	return reply_http(MHD_HTTP_UNAUTHORIZED,
			  "Go away: unknown method or missing uid\n");
}

/* ---- HTTP (libmicrohttpd, driven from our own poll loop) --------------- */

struct request {
	char *body;
	size_t len;
	bool too_large;
};

static mhd_result send_answer(struct MHD_Connection *conn, struct answer a)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(a.body), a.body, MHD_RESPMEM_MUST_FREE);
	mhd_result ret;

	if (!r) {
		free(a.body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", a.status == MHD_HTTP_OK ?
				"text/xml" : "text/plain");
	ret = MHD_queue_response(conn, a.status, r);
	MHD_destroy_response(r);
	return ret;
}

static void take_upload(struct request *rq, const char *data, size_t size)
{
	char *p;

	if (rq->too_large || rq->len + size > MAX_REQUEST) {
		rq->too_large = true;
		return;
	}
	p = realloc(rq->body, rq->len + size + 1);
	if (!p) {
		rq->too_large = true;
		return;
	}
	memcpy(p + rq->len, data, size);
	rq->body = p;
	rq->len += size;
	rq->body[rq->len] = '\0';
}

static struct answer handle_body(struct mock *m, const struct request *rq)
{
	struct call c;
	struct answer a;

	if (rq->too_large)
		return reply_http(413 /* payload too large */,
				  "request too large\n");
	if (!rq->body || parse_call(rq->body, rq->len, &c) < 0)
		return reply_http(MHD_HTTP_BAD_REQUEST,
				  "not an XML-RPC methodCall\n");
	a = dispatch(m, &c);
	call_free(&c);
	return a;
}

static mhd_result on_request(void *cls, struct MHD_Connection *conn,
			     const char *url, const char *method,
			     const char *version, const char *upload,
			     size_t *upload_size, void **con_cls)
{
	struct request *rq = *con_cls;

	(void)url;
	(void)version;
	if (strcmp(method, "POST") != 0)
		return send_answer(conn, reply_http(MHD_HTTP_METHOD_NOT_ALLOWED,
						    "POST only\n"));
	if (!rq) {
		*con_cls = xmalloc(sizeof(struct request));
		return MHD_YES;
	}
	if (*upload_size) {
		take_upload(rq, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	return send_answer(conn, handle_body(cls, rq));
}

static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (rq) {
		free(rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

/* Bind the socket ourselves: libmicrohttpd only speaks TCP by itself. */
static int listen_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "rrdd-mock: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	/* A stale socket from an earlier run goes; any other file stays. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(fd, 64) < 0) {
		fprintf(stderr, "rrdd-mock: cannot listen on %s: %s\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

static struct MHD_Daemon *start_http(struct mock *m, int listen_fd)
{
	return MHD_start_daemon(MHD_USE_EPOLL, 0, NULL, NULL, on_request, m,
				MHD_OPTION_LISTEN_SOCKET, listen_fd,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				MHD_OPTION_CONNECTION_TIMEOUT, 10U,
				MHD_OPTION_END);
}

/* ---- main loop --------------------------------------------------------- */

static int signal_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* A plugin that hangs up early must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static int poll_timeout(const struct mock *m, struct MHD_Daemon *d)
{
	MHD_UNSIGNED_LONG_LONG mhd_ms;
	double ms = (m->next_read - mono_now()) * 1000.0;

	if (ms < 0)
		ms = 0;
	if (MHD_get_timeout(d, &mhd_ms) == MHD_YES && (double)mhd_ms < ms)
		ms = (double)mhd_ms;
	return (int)ceil(ms);
}

static void maybe_cycle(struct mock *m)
{
	double now = mono_now();

	if (now < m->next_read)
		return;
	run_cycle(m);
	m->next_read += m->period;
	/* Far behind (suspended?): do not run a burst of cycles. */
	if (m->next_read < now)
		m->next_read = now + m->period;
}

static int serve(struct mock *m, struct MHD_Daemon *d, int sfd)
{
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);

	if (!info)
		return -1;
	m->next_read = mono_now() + m->period;
	while (m->cycles == 0 || m->cycle < m->cycles) {
		struct pollfd p[2] = {
			{ .fd = info->epoll_fd, .events = POLLIN },
			{ .fd = sfd, .events = POLLIN },
		};

		if (poll(p, 2, poll_timeout(m, d)) < 0 && errno != EINTR)
			return -1;
		if (p[1].revents & POLLIN)
			break;
		MHD_run(d);
		maybe_cycle(m);
	}
	return 0;
}

static void free_plugins(struct mock *m)
{
	while (m->plugins) {
		struct plugin *p = m->plugins;

		m->plugins = p->next;
		free_plugin(p);
	}
}

static void usage(void)
{
	fprintf(stderr, "usage: rrdd-mock --socket PATH --metrics-dir DIR "
		"[--period S] [--cycles N]\n");
}

static bool parse_positive(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && end != s && !*end && isfinite(*out) && *out > 0;
}

static int parse_args(int argc, char **argv, struct mock *m)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "metrics-dir", required_argument, NULL, 'd' },
		{ "period", required_argument, NULL, 'p' },
		{ "cycles", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	double cycles;
	int c;

	m->period = 5.0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': m->socket_path = optarg; break;
		case 'd': m->dir = optarg; break;
		case 'p':
			if (!parse_positive(optarg, &m->period)) {
				fprintf(stderr, "rrdd-mock: bad --period %s\n", optarg);
				return -1;
			}
			break;
		case 'c':
			if (!parse_positive(optarg, &cycles) ||
			    cycles != floor(cycles) || cycles > 1e9) {
				fprintf(stderr, "rrdd-mock: bad --cycles %s\n", optarg);
				return -1;
			}
			m->cycles = (long)cycles;
			break;
		default:
			return -1;
		}
	}
	if (!m->socket_path || !m->dir || optind != argc)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct mock m;
	struct MHD_Daemon *d;
	int lfd, sfd, rc;

	memset(&m, 0, sizeof(m));
	if (parse_args(argc, argv, &m) < 0) {
		usage();
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	xmlInitParser();
	sfd = signal_fd();
	lfd = listen_unix(m.socket_path);
	if (sfd < 0 || lfd < 0)
		return 1;
	d = start_http(&m, lfd);
	if (!d) {
		fprintf(stderr, "rrdd-mock: libmicrohttpd did not start\n");
		close(lfd);
		unlink(m.socket_path);
		return 1;
	}
	rc = serve(&m, d, sfd);
	MHD_stop_daemon(d);	/* closes lfd too */
	unlink(m.socket_path);
	close(sfd);
	free_plugins(&m);
	xmlCleanupParser();
	if (rc < 0)
		fprintf(stderr, "rrdd-mock: poll: %s\n", strerror(errno));
	return rc < 0 ? 1 : 0;
}
