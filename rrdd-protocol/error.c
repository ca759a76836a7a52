/*
 * error.c: status names and the one helper that fills struct rrdd_error.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

const char *rrdd_strerror(int code)
{
	switch (code) {
	case RRDD_OK: return "success";
	case RRDD_EINVAL: return "invalid argument";
	case RRDD_ENOMEM: return "out of memory";
	case RRDD_ETRUNC: return "payload truncated";
	case RRDD_EHEADER: return "not a DATASOURCES payload";
	case RRDD_EDATACRC: return "data CRC mismatch";
	case RRDD_EMETACRC: return "metadata CRC mismatch";
	case RRDD_EMETA: return "invalid metadata";
	case RRDD_ECOUNT: return "value count and metadata disagree";
	case RRDD_EIO: return "I/O error";
	case RRDD_ENOSPC: return "no space for the payload file";
	case RRDD_ENOSOCK: return "xcp-rrdd socket absent";
	case RRDD_ECONNREFUSED: return "connection to xcp-rrdd refused";
	case RRDD_ETIMEDOUT: return "timed out";
	case RRDD_EHTTP: return "HTTP error";
	case RRDD_EFAILURE: return "xcp-rrdd reported a failure";
	case RRDD_EREPLY: return "malformed reply";
	case RRDD_EBUSY: return "payload file in use by another writer";
	default: return "unknown error";
	}
}

void rrdd_error_clear(struct rrdd_error *err)
{
	if (!err)
		return;
	err->code = RRDD_OK;
	err->sys_errno = 0;
	err->msg[0] = '\0';
}

/* Keep the message on one line: callers print it as such. */
static void flatten(char *msg)
{
	for (; *msg; msg++)
		if (*msg == '\n' || *msg == '\r')
			*msg = ' ';
}

int rrdd_fail(struct rrdd_error *err, int code, int sys_errno,
	      const char *fmt, ...)
{
	va_list ap;
	int saved = errno;

	if (!err)
		return code;
	err->code = code;
	err->sys_errno = sys_errno;
	/* "%m" in fmt names sys_errno, not whatever errno is now. */
	errno = sys_errno;
	va_start(ap, fmt);
	/* clang-tidy 14 carries va_list state across files in one run. */
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
	va_end(ap);
	errno = saved;
	flatten(err->msg);
	return code;
}
