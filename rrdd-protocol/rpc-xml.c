/*
 * rpc-xml.c: the XML-RPC that xcp-rrdd speaks, as its rpclib encodes it.
 *
 * Requests: named arguments travel as one struct parameter, variants with
 * no arguments (Five_Seconds, V2) as plain strings.  Replies: the result is
 * wrapped in a struct, {Status: "Success", Value: v} or {Status: "Failure",
 * ErrorDescription: e}, where e is usually an array such as
 * ["Rrdd_internal_error", "text"].  rpclib writes strings as bare text
 * inside <value> (no <string> tag) and floats as <double>; both forms are
 * read here.  Replies are parsed with libxml2, without network access and
 * without entity expansion.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "internal.h"
#include "rpc-internal.h"

/* ---- request ----------------------------------------------------------- */

/* Characters XML 1.0 cannot carry at all, even escaped. */
static bool xml_forbidden(unsigned char c)
{
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

static void buf_escaped(struct rrdd_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': rrdd_buf_str(b, "&amp;"); break;
		case '<': rrdd_buf_str(b, "&lt;"); break;
		case '>': rrdd_buf_str(b, "&gt;"); break;
		case '"': rrdd_buf_str(b, "&quot;"); break;
		case '\'': rrdd_buf_str(b, "&apos;"); break;
		/* Escaped so that XML's line-end normalisation keeps them. */
		case '\r': rrdd_buf_str(b, "&#13;"); break;
		default: rrdd_buf_add(b, s, 1); break;
		}
	}
}

static int check_text(const char *what, const char *s, struct rrdd_error *err)
{
	const char *p;

	if (!s)
		return rrdd_fail(err, RRDD_EINVAL, 0, "%s is NULL", what);
	for (p = s; *p; p++)
		if (xml_forbidden((unsigned char)*p))
			return rrdd_fail(err, RRDD_EINVAL, 0,
					 "%s has control character 0x%02x, which XML cannot carry",
					 what, (unsigned char)*p);
	return 0;
}

int rrdd_xmlrpc_request(const char *method, const struct rrdd_rpc_member *m,
			size_t n, char **body, size_t *len,
			struct rrdd_error *err)
{
	struct rrdd_buf b = { NULL, 0, 0, false };
	size_t i;
	int rc;

	*body = NULL;
	*len = 0;
	if ((rc = check_text("method name", method, err)))
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = check_text(m[i].name, m[i].value, err)))
			return rc;

	rrdd_buf_str(&b, "<?xml version=\"1.0\"?><methodCall><methodName>");
	buf_escaped(&b, method);
	rrdd_buf_str(&b, "</methodName><params><param><value><struct>");
	for (i = 0; i < n; i++) {
		rrdd_buf_str(&b, "<member><name>");
		buf_escaped(&b, m[i].name);
		rrdd_buf_str(&b, "</name><value><string>");
		buf_escaped(&b, m[i].value);
		rrdd_buf_str(&b, "</string></value></member>");
	}
	rrdd_buf_str(&b, "</struct></value></param></params></methodCall>");
	if (b.failed) {
		rrdd_buf_free(&b);
		return rrdd_fail(err, RRDD_ENOMEM, ENOMEM,
				 "building the %s request: %m", method);
	}
	*body = b.data;
	*len = b.len;
	return 0;
}

/* ---- reply: walking the tree ------------------------------------------- */

static bool is_element(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE &&
	       strcmp((const char *)n->name, name) == 0;
}

static xmlNode *skip_to_element(xmlNode *n)
{
	while (n && n->type != XML_ELEMENT_NODE)
		n = n->next;
	return n;
}

static xmlNode *first_element(const xmlNode *n)
{
	return skip_to_element(n->children);
}

static xmlNode *next_element(const xmlNode *n)
{
	return skip_to_element(n->next);
}

/* The only element child of n named name, or NULL. */
static xmlNode *only_child(const xmlNode *n, const char *name)
{
	xmlNode *c = first_element(n);

	if (!is_element(c, name) || next_element(c))
		return NULL;
	return c;
}

/*
 * The typed element inside a <value> (<double>, <struct>, ...), or NULL
 * when the value is bare text, which XML-RPC reads as a string.
 */
static xmlNode *value_type(const xmlNode *value)
{
	return first_element(value);
}

/* The <value> of member name in struct st, or NULL. */
static xmlNode *struct_member(const xmlNode *st, const char *name)
{
	xmlNode *m;

	for (m = first_element(st); m; m = next_element(m)) {
		xmlNode *key = first_element(m);
		xmlNode *val = key ? next_element(key) : NULL;
		xmlChar *text;
		bool match;

		if (!is_element(m, "member") || !is_element(key, "name") ||
		    !is_element(val, "value"))
			continue;
		text = xmlNodeGetContent(key);
		match = text && strcmp((const char *)text, name) == 0;
		xmlFree(text);
		if (match)
			return val;
	}
	return NULL;
}

/* The struct inside a <value>, or NULL. */
static xmlNode *value_struct(const xmlNode *value)
{
	xmlNode *t = value_type(value);

	return is_element(t, "struct") ? t : NULL;
}

/* Whether a string-valued <value> reads exactly want. */
static bool value_is_string(const xmlNode *value, const char *want)
{
	xmlNode *t = value_type(value);
	xmlChar *text;
	bool match;

	if (t && !is_element(t, "string"))
		return false;
	text = xmlNodeGetContent(t ? t : value);
	match = text && strcmp((const char *)text, want) == 0;
	xmlFree(text);
	return match;
}

/* ---- reply: describing values in one line ------------------------------ */

static void describe(const xmlNode *value, struct rrdd_buf *b);

/* Arrays such as ["Rrdd_internal_error", "text"] read "A: text". */
static void describe_array(const xmlNode *array, struct rrdd_buf *b)
{
	xmlNode *data = only_child(array, "data");
	xmlNode *v;
	bool first = true;

	for (v = data ? first_element(data) : NULL; v; v = next_element(v)) {
		if (!is_element(v, "value"))
			continue;
		if (!first)
			rrdd_buf_str(b, ": ");
		describe(v, b);
		first = false;
	}
}

static void describe(const xmlNode *value, struct rrdd_buf *b)
{
	xmlNode *t = value_type(value);
	xmlChar *text;

	if (is_element(t, "array")) {
		describe_array(t, b);
		return;
	}
	text = xmlNodeGetContent(t ? t : value);
	if (text)
		rrdd_buf_str(b, (const char *)text);
	xmlFree(text);
}

/* Put value's description, on one line, into err->msg after prefix. */
static int fail_with_value(struct rrdd_error *err, int code,
			   const char *prefix, const xmlNode *value)
{
	struct rrdd_buf b = { NULL, 0, 0, false };
	char line[RRDD_ERROR_MAX];

	if (value)
		describe(value, &b);
	rrdd_rpc_one_line(line, sizeof(line), b.data ? b.data : "",
			  b.data ? b.len : 0);
	rrdd_buf_free(&b);
	return rrdd_fail(err, code, 0, "%s%s", prefix,
			 line[0] ? line : "(no description)");
}

/* ---- reply: numbers ---------------------------------------------------- */

/* A whole string read as a finite number, surrounding blanks allowed. */
static bool parse_number(const char *s, double *out)
{
	char *end;
	double d;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	if (!*s)
		return false;
	errno = 0;
	d = strtod(s, &end);
	if (end == s || errno == ERANGE)
		return false;
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	if (*end || !isfinite(d))
		return false;
	*out = d;
	return true;
}

/*
 * A <double>, an integer, or a string holding a number (rpclib reads all
 * three as a float).
 */
static bool value_number(const xmlNode *value, double *out)
{
	xmlNode *t = value_type(value);
	xmlChar *text;
	bool ok;

	if (t && !is_element(t, "double") && !is_element(t, "int") &&
	    !is_element(t, "i4") && !is_element(t, "i8") &&
	    !is_element(t, "string"))
		return false;
	if (t && first_element(t))
		return false;
	text = xmlNodeGetContent(t ? t : value);
	ok = text && parse_number((const char *)text, out);
	xmlFree(text);
	return ok;
}

/* ---- reply: the envelope ----------------------------------------------- */

static int parse_fault(const char *method, const xmlNode *fault,
		       struct rrdd_error *err)
{
	xmlNode *value = only_child(fault, "value");
	xmlNode *st = value ? value_struct(value) : NULL;
	xmlNode *text = st ? struct_member(st, "faultString") : NULL;
	char prefix[128];

	if (!text)
		return rrdd_fail(err, RRDD_EREPLY, 0,
				 "xcp-rrdd's fault reply to %s has no faultString",
				 method);
	snprintf(prefix, sizeof(prefix), "xcp-rrdd: %s failed (fault): ",
		 method);
	return fail_with_value(err, RRDD_EFAILURE, prefix, text);
}

static int parse_result(const char *method, const xmlNode *st,
			struct rrdd_rpc_reply *reply, struct rrdd_error *err)
{
	xmlNode *status = struct_member(st, "Status");
	xmlNode *value;
	char prefix[128];

	if (!status)
		return rrdd_fail(err, RRDD_EREPLY, 0,
				 "xcp-rrdd's reply to %s has no Status", method);
	if (value_is_string(status, "Failure")) {
		snprintf(prefix, sizeof(prefix), "xcp-rrdd: %s failed: ",
			 method);
		return fail_with_value(err, RRDD_EFAILURE, prefix,
				       struct_member(st, "ErrorDescription"));
	}
	if (!value_is_string(status, "Success")) {
		snprintf(prefix, sizeof(prefix),
			 "xcp-rrdd's reply to %s has an unknown Status: ",
			 method);
		return fail_with_value(err, RRDD_EREPLY, prefix, status);
	}
	value = struct_member(st, "Value");
	if (!value)
		return rrdd_fail(err, RRDD_EREPLY, 0,
				 "xcp-rrdd's reply to %s has Status Success but no Value",
				 method);
	reply->has_number = value_number(value, &reply->number);
	return 0;
}

static int parse_response(const char *method, const xmlNode *root,
			  struct rrdd_rpc_reply *reply, struct rrdd_error *err)
{
	xmlNode *top = first_element(root);
	xmlNode *param, *value, *st;

	if (is_element(top, "fault") && !next_element(top))
		return parse_fault(method, top, err);
	param = is_element(top, "params") && !next_element(top) ?
		only_child(top, "param") : NULL;
	value = param ? only_child(param, "value") : NULL;
	st = value ? value_struct(value) : NULL;
	if (!st)
		return rrdd_fail(err, RRDD_EREPLY, 0,
				 "xcp-rrdd's reply to %s is not one struct parameter",
				 method);
	return parse_result(method, st, reply, err);
}

static int parse_failed(const char *method, xmlParserCtxt *ctxt,
			struct rrdd_error *err)
{
	const xmlError *e = xmlCtxtGetLastError(ctxt);
	const char *why = e && e->message ? e->message : "unknown error";
	char line[160];

	rrdd_rpc_one_line(line, sizeof(line), why, strlen(why));
	return rrdd_fail(err, RRDD_EREPLY, 0,
			 "xcp-rrdd's reply to %s is not well-formed XML: %s",
			 method, line);
}

int rrdd_xmlrpc_parse_reply(const char *method, const char *body, size_t len,
			    struct rrdd_rpc_reply *reply,
			    struct rrdd_error *err)
{
	xmlParserCtxt *ctxt;
	xmlDoc *doc;
	xmlNode *root;
	int rc;

	reply->has_number = 0;
	reply->number = 0;
	if (len == 0)
		return rrdd_fail(err, RRDD_EREPLY, 0,
				 "xcp-rrdd's reply to %s is empty", method);
	if (len > RRDD_RPC_MAX_REPLY)
		return rrdd_fail(err, RRDD_EREPLY, 0,
				 "xcp-rrdd's reply to %s is too large (%zu bytes)",
				 method, len);
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return rrdd_fail(err, RRDD_ENOMEM, ENOMEM,
				 "parsing the reply to %s: %m", method);
	/* No network, no entities, no messages on stderr. */
	doc = xmlCtxtReadMemory(ctxt, body, (int)len, "reply.xml", NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR |
				XML_PARSE_NOWARNING);
	if (!doc) {
		rc = parse_failed(method, ctxt, err);
		xmlFreeParserCtxt(ctxt);
		return rc;
	}
	root = xmlDocGetRootElement(doc);
	if (!is_element(root, "methodResponse"))
		rc = rrdd_fail(err, RRDD_EREPLY, 0,
			       "xcp-rrdd's reply to %s is not a methodResponse",
			       method);
	else
		rc = parse_response(method, root, reply, err);
	xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	return rc;
}

void rrdd_rpc_one_line(char *dst, size_t dst_len, const char *text,
		       size_t text_len)
{
	size_t i, n = 0;

	if (dst_len == 0)
		return;
	for (i = 0; i < text_len && n + 1 < dst_len; i++) {
		char c = text[i];

		if ((unsigned char)c < 0x20 || c == 0x7f)
			c = ' ';
		dst[n++] = c;
	}
	/* libxml2's messages end in a newline: no trailing blanks. */
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
}
