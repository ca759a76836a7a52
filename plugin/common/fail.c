/* fail.c: the plugin's one "say why and return" helper. */
#include "common/fail.h"

#include <stdarg.h>
#include <stdio.h>

int fail_with(char *why, size_t why_len, int status, const char *fmt, ...)
{
	if (why && why_len) {
		va_list ap;

		va_start(ap, fmt);
		/* clang-tidy 14 carries va_list state across files. */
		vsnprintf(why, why_len, fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
		va_end(ap);
	}
	return status;
}
