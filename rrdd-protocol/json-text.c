/*
 * json-text.c: the two things about JSON text the metadata decoder does
 * itself rather than through json-c, so that it reads the bytes as
 * xcp-rrdd's parser does whatever json-c version is installed: UTF-8
 * validation of the whole text, and the decoding of one string token
 * (json-c 0.16 turns some valid surrogate pairs into U+FFFD; 0.11 has
 * its own ideas).
 */
#include <string.h>

#include "internal.h"

/* Length of the valid UTF-8 sequence at p (RFC 3629), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4;
	else
		return 0;	/* continuation byte, overlong lead, > U+10FFFF */
	if (left < n)
		return 0;
	/* The second byte's range rules out overlong forms, UTF-16
	 * surrogates (ED A0..BF) and code points past U+10FFFF. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

size_t rrdd_utf8_invalid_at(const char *text, size_t len)
{
	const unsigned char *p = (const unsigned char *)text;
	size_t i = 0;

	while (i < len) {
		size_t n = utf8_seq(p + i, len - i);

		if (!n)
			return i;
		i += n;
	}
	return len;
}

static int hex4(const char *p, const char *end, unsigned *out)
{
	unsigned v = 0;

	if (end - p < 4)
		return -1;
	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (unsigned)(c - 'A' + 10);
		else
			return -1;
	}
	*out = v;
	return 0;
}

static char *put_utf8(char *o, unsigned cp)
{
	if (cp < 0x80) {
		*o++ = (char)cp;
	} else if (cp < 0x800) {
		*o++ = (char)(0xc0 | (cp >> 6));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		*o++ = (char)(0xe0 | (cp >> 12));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	} else {
		*o++ = (char)(0xf0 | (cp >> 18));
		*o++ = (char)(0x80 | ((cp >> 12) & 0x3f));
		*o++ = (char)(0x80 | ((cp >> 6) & 0x3f));
		*o++ = (char)(0x80 | (cp & 0x3f));
	}
	return o;
}

/*
 * One \u escape at p (just after the backslash-u): a code point, a
 * surrogate pair joined into one, or an error naming why.
 */
static const char *unicode_escape(const char *p, const char *end,
				  unsigned *cp)
{
	unsigned lo;

	if (hex4(p, end, cp))
		return "bad \\u escape";
	p += 4;
	if (*cp == 0)
		return "\\u0000 (a NUL)";
	if (*cp >= 0xdc00 && *cp <= 0xdfff)
		return "a low surrogate without its high half";
	if (*cp < 0xd800 || *cp > 0xdbff)
		return NULL;
	if (end - p < 6 || p[0] != '\\' || p[1] != 'u' ||
	    hex4(p + 2, end, &lo) || lo < 0xdc00 || lo > 0xdfff)
		return "a high surrogate without its low half";
	*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
	return NULL;
}

static int simple_escape(char c, char *out)
{
	static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
	const char *at = c ? strchr(from, c) : NULL;

	if (!at)
		return -1;
	*out = to[at - from];
	return 0;
}

const char *rrdd_json_string(const char *p, const char *end, char *out,
			     size_t *out_len, const char **after)
{
	char *o = out;

	if (p >= end || *p != '"')
		return "not a string";
	for (p++; p < end && *p != '"'; ) {
		unsigned cp;
		const char *why;

		if ((unsigned char)*p < 0x20)
			return "a control character in a string";
		if (*p != '\\') {
			*o++ = *p++;
			continue;
		}
		if (++p >= end)
			break;
		if (*p != 'u') {
			if (simple_escape(*p++, o++))
				return "bad escape";
			continue;
		}
		why = unicode_escape(++p, end, &cp);
		if (why)
			return why;
		p += cp >= 0x10000 ? 10 : 4;
		o = put_utf8(o, cp);
	}
	if (p >= end)
		return "unterminated string";
	*o = '\0';
	*out_len = (size_t)(o - out);
	*after = p + 1;
	return NULL;
}
