/*
 * internal.h: helpers shared by the rrdd-protocol library's own files.
 * Not installed, not part of the API (see rrdd_protocol.h for that).
 */
#ifndef RRDD_INTERNAL_H
#define RRDD_INTERNAL_H

#include "rrdd_protocol.h"

/*
 * Record a failure and return code, so a caller can write
 *     return rrdd_fail(err, RRDD_EIO, errno, "open %s: %m", path);
 * err may be NULL (nothing is recorded).  sys_errno is stored in
 * err->sys_errno (0 when there is no errno behind the error) and, when
 * non-zero, "%m" in fmt names it.  The message is one line: newlines are
 * turned into spaces and it is truncated to RRDD_ERROR_MAX - 1 bytes.
 */
int rrdd_fail(struct rrdd_error *err, int code, int sys_errno,
	      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Clear err (code RRDD_OK, empty message); err may be NULL. */
void rrdd_error_clear(struct rrdd_error *err);

#endif /* RRDD_INTERNAL_H */
