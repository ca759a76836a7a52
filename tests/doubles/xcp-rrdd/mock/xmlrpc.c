/*
 * xmlrpc.c: rrdd-mock's side of the registration calls: parse an
 * XML-RPC methodCall (named arguments in one struct, as rpclib sends
 * them), run Plugin.Local.register / next_reading / deregister (and
 * Plugin.get_path), and answer as xcp-rrdd does: {Status, Value} or
 * {Status: Failure, ErrorDescription: ["Rrdd_internal_error", text]},
 * HTTP 401 "Go away" for an unknown call, 400 for a body that is not one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "mock.h"

#define MAX_MEMBERS 8

/* ---- parsing the call -------------------------------------------------- */

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

/* ---- answering --------------------------------------------------------- */

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
static struct mock_answer reply_struct(const char *members)
{
	struct mock_answer a = { MHD_HTTP_OK, NULL };

	a.body = xasprintf("<?xml version=\"1.0\"?><methodResponse><params>"
			   "<param><value><struct>%s</struct></value></param>"
			   "</params></methodResponse>", members);
	return a;
}

static struct mock_answer reply_value(const char *value_xml)
{
	char *members = xasprintf(
		"<member><name>Status</name><value>Success</value></member>"
		"<member><name>Value</name><value>%s</value></member>",
		value_xml);
	struct mock_answer a = reply_struct(members);

	free(members);
	return a;
}

static struct mock_answer reply_seconds(double seconds)
{
	char v[64];

	snprintf(v, sizeof(v), "<double>%.16g</double>", seconds);
	return reply_value(v);
}

char *mock_reply_success(const char *value_xml)
{
	return reply_value(value_xml).body;
}

char *mock_reply_failure(const char *description_xml)
{
	char *members = xasprintf(
		"<member><name>Status</name><value>Failure</value></member>"
		"<member><name>ErrorDescription</name><value>%s</value>"
		"</member>", description_xml);
	char *body = reply_struct(members).body;

	free(members);
	return body;
}

/* Status Failure, ErrorDescription ["Rrdd_internal_error", text]. */
static struct mock_answer reply_failure(const char *text)
{
	char *esc = xml_escape(text);
	char *members = xasprintf(
		"<member><name>Status</name><value>Failure</value></member>"
		"<member><name>ErrorDescription</name><value><array><data>"
		"<value>Rrdd_internal_error</value><value>%s</value>"
		"</data></array></value></member>", esc);
	struct mock_answer a = reply_struct(members);

	free(members);
	free(esc);
	return a;
}

/* What xcp-rrdd's HTTP handler sends when the call itself is wrong. */
struct mock_answer mock_text_answer(unsigned int status, const char *text)
{
	struct mock_answer a = { status, xstrdup(text) };

	return a;
}

static double seconds_to_read(const struct mock *m)
{
	return m->next_read - mock_mono_now();
}

static struct mock_answer do_register(struct mock *m, const struct call *c)
{
	const char *uid = call_arg(c, "uid");
	const char *info = call_arg(c, "info");
	const char *protocol = call_arg(c, "protocol");
	char why[512];

	if (!uid || !info || !protocol)
		return mock_text_answer(MHD_HTTP_UNAUTHORIZED,
				  "Go away: expecting named arguments uid, info, protocol\n");
	m->counts.register_calls++;
	snprintf(m->last_uid, sizeof(m->last_uid), "%s", uid);
	if (m->fail_register) {
		m->counts.register_failures++;
		return reply_failure("rrdd-mock: told to fail registrations");
	}
	if (strcmp(info, "Five_Seconds") != 0)
		return reply_failure("unknown frequency");
	if (strcmp(protocol, "V2") != 0)
		return reply_failure(strcmp(protocol, "V1") == 0 ?
				     "rrdd-mock reads protocol V2 only" :
				     "Invalid_protocol");
	if (!uid[0] || strchr(uid, '/') || strcmp(uid, ".") == 0 ||
	    strcmp(uid, "..") == 0)
		return reply_failure("invalid uid");
	if (mock_register(m, uid, why, sizeof(why)) < 0) {
		m->counts.register_failures++;
		return reply_failure(why);
	}
	return reply_seconds(seconds_to_read(m));
}

static struct mock_answer dispatch(struct mock *m, const struct call *c)
{
	const char *uid = call_arg(c, "uid");

	if (strcmp(c->method, "Plugin.Local.register") == 0)
		return do_register(m, c);
	if (strcmp(c->method, "Plugin.Local.next_reading") == 0 && uid)
		return reply_seconds(mock_is_registered(m, uid) ?
				     seconds_to_read(m) : -1.0);
	if (strcmp(c->method, "Plugin.Local.deregister") == 0 && uid) {
		m->counts.deregister_calls++;
		mock_deregister(m, uid);
		return reply_value("<nil/>");
	}
	if (strcmp(c->method, "Plugin.get_path") == 0 && uid) {
		char *path = xasprintf("%s/%s", m->dir, uid);
		char *esc = xml_escape(path);
		struct mock_answer a = reply_value(esc);

		free(esc);
		free(path);
		return a;
	}
	return mock_text_answer(MHD_HTTP_UNAUTHORIZED,
			  "Go away: unknown method or missing uid\n");
}

struct mock_answer mock_xmlrpc_answer(struct mock *m, const char *body,
				      size_t len)
{
	struct call c;
	struct mock_answer a;

	if (!body || parse_call(body, len, &c) < 0)
		return mock_text_answer(MHD_HTTP_BAD_REQUEST,
					"not an XML-RPC methodCall\n");
	a = dispatch(m, &c);
	call_free(&c);
	return a;
}
