/*
 * fail.h: how plugin code that returns an error says why: one line into
 * the caller's buffer (why, why_len bytes; nothing when why is NULL or
 * why_len is 0), and the status to return, so a failure is one statement:
 *
 *     return fail_with(err, err_len, -1, "cannot open %s: %s", path,
 *                      strerror(errno));
 */
#ifndef PLUGIN_FAIL_H
#define PLUGIN_FAIL_H

#include <stddef.h>

__attribute__((format(printf, 4, 5)))
int fail_with(char *why, size_t why_len, int status, const char *fmt, ...);

#endif
