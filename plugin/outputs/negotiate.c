/*
 * negotiate.c: the listener's HTTP content negotiation: which exposition
 * format an Accept header prefers (OpenMetrics 1.0.0 or Prometheus text
 * 0.0.4, RFC 9110 q-values, the first listed on a tie), and the
 * Content-Type that goes with a format.  Pure, so it is in every build
 * and tested without a listener.
 */
#include "outputs/metrics_http.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *metrics_http_content_type(enum om_format format)
{
	return format == OM_FORMAT_OPENMETRICS ? OM_CONTENT_TYPE_OPENMETRICS
					       : OM_CONTENT_TYPE_PROMETHEUS;
}

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

/* memchr within [p, end), with a bound the compiler can see is sane. */
static const char *find_in(const char *p, const char *end, char c)
{
	return p < end ? memchr(p, c, (size_t)(end - p)) : NULL;
}

static size_t trimmed_len(const char *p, const char *end)
{
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	return (size_t)(end - p);
}

static bool token_is(const char *p, size_t n, const char *word)
{
	return n == strlen(word) && strncasecmp(p, word, n) == 0;
}

/* One media range's parameters: q and version (NULL range if none). */
struct range {
	const char *type;	/* "type/subtype" */
	size_t type_len;
	double q;
	const char *version;
	size_t version_len;
};

static void parse_param(const char *p, const char *end, struct range *r)
{
	const char *eq = find_in(p, end, '=');
	const char *val;
	size_t key_len, val_len;

	if (!eq)
		return;
	key_len = trimmed_len(p, eq);
	val = skip_space(eq + 1, end);
	val_len = trimmed_len(val, end);
	if (val_len >= 2 && val[0] == '"' && val[val_len - 1] == '"') {
		val++;
		val_len -= 2;
	}
	if (token_is(p, key_len, "q"))
		r->q = strtod(val, NULL);	/* stops at ';' / ',' */
	else if (token_is(p, key_len, "version")) {
		r->version = val;
		r->version_len = val_len;
	}
}

static void parse_range(const char *p, const char *end, struct range *r)
{
	const char *semi;

	memset(r, 0, sizeof(*r));
	r->q = 1.0;
	p = skip_space(p, end);
	semi = find_in(p, end, ';');
	r->type = p;
	r->type_len = trimmed_len(p, semi ? semi : end);
	while (semi) {
		const char *next;

		p = skip_space(semi + 1, end);
		next = find_in(p, end, ';');
		parse_param(p, next ? next : end, r);
		semi = next;
	}
}

static bool version_ok(const struct range *r, const char *want)
{
	return !r->version || token_is(r->version, r->version_len, want);
}

enum om_format metrics_http_negotiate(const char *accept)
{
	double q_om = 0, q_text = 0;
	unsigned pos = 0, pos_om = 0, pos_text = 0;
	const char *p = accept;

	while (p && *p) {
		const char *comma = strchr(p, ',');
		const char *end = comma ? comma : p + strlen(p);
		struct range r;

		parse_range(p, end, &r);
		pos++;
		if (token_is(r.type, r.type_len, "application/openmetrics-text") &&
		    version_ok(&r, "1.0.0") && r.q > q_om) {
			q_om = r.q;
			pos_om = pos;
		} else if ((token_is(r.type, r.type_len, "text/plain") &&
			    version_ok(&r, "0.0.4")) ||
			   token_is(r.type, r.type_len, "text/*") ||
			   token_is(r.type, r.type_len, "*/*")) {
			if (r.q > q_text) {
				q_text = r.q;
				pos_text = pos;
			}
		}
		p = comma ? comma + 1 : NULL;
	}
	/* Equal preference: the one listed first wins. */
	if (q_om > 0 && (q_om > q_text ||
			 (q_om == q_text && pos_om < pos_text)))
		return OM_FORMAT_OPENMETRICS;
	return OM_FORMAT_PROMETHEUS;
}
