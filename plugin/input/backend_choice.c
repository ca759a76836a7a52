/*
 * backend_choice.c: which backend runs, by name, and which one really
 * samples behind the wrappers (auto, the scrape lock).
 */
#include "input/backend.h"

#include <string.h>

static const char *const KIND_NAMES[] = {
	[BACKEND_AUTO] = "auto",
	[BACKEND_TABLE] = "table",
	[BACKEND_HYPERCALL] = "hypercall",
};

#define N_KINDS (sizeof(KIND_NAMES) / sizeof(KIND_NAMES[0]))

const char *backend_kind_name(enum backend_kind kind)
{
	return (size_t)kind < N_KINDS ? KIND_NAMES[kind] : "auto";
}

int backend_kind_parse(const char *text, enum backend_kind *out)
{
	for (size_t i = 0; i < N_KINDS; i++)
		if (strcmp(text, KIND_NAMES[i]) == 0) {
			*out = (enum backend_kind)i;
			return 0;
		}
	return -1;
}

int backend_new(enum backend_kind kind, struct backend **out)
{
	switch (kind) {
	case BACKEND_HYPERCALL:
		return backend_hypercall_new(out);
	case BACKEND_TABLE:
		return backend_table_new(out);
	default:
		return backend_auto_start(backend_table_new,
					  backend_hypercall_new, out);
	}
}

const struct backend *backend_in_use(const struct backend *b)
{
	while (b->ops->delegate && b->ops->delegate(b))
		b = b->ops->delegate(b);
	return b;
}
