/*
 * buf.c: the growable text buffer of the library and of its users (the
 * XML-RPC requests, the metadata JSON, the plugin's OpenMetrics text).
 */
#include "rrdd_protocol.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for the first few lines of any text: one allocation usually. */
#define FIRST_CAP 512

void rrdd_buf_init(struct rrdd_buf *b)
{
	memset(b, 0, sizeof(*b));
}

void rrdd_buf_free(struct rrdd_buf *b)
{
	free(b->data);
	rrdd_buf_init(b);
}

char *rrdd_buf_steal(struct rrdd_buf *b, size_t *len)
{
	char *data = b->data;

	if (len)
		*len = b->len;
	rrdd_buf_init(b);
	return data;
}

bool rrdd_buf_reserve(struct rrdd_buf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : FIRST_CAP;
	char *grown;

	if (b->failed)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	while (cap < b->len + more + 1)
		cap *= 2;
	grown = realloc(b->data, cap);
	if (!grown) {
		b->failed = true;
		return false;
	}
	b->data = grown;
	b->cap = cap;
	return true;
}

void rrdd_buf_add(struct rrdd_buf *b, const char *s, size_t n)
{
	if (!rrdd_buf_reserve(b, n))
		return;
	memcpy(b->data + b->len, s, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void rrdd_buf_str(struct rrdd_buf *b, const char *s)
{
	rrdd_buf_add(b, s, strlen(s));
}

void rrdd_buf_printf(struct rrdd_buf *b, const char *fmt, ...)
{
	char small[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		rrdd_buf_add(b, small, (size_t)n);
		return;
	}
	if (!rrdd_buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}
