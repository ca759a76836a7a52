/*
 * uid.c: the one rule for a plugin uid.  xcp-rrdd makes a file of it
 * under /dev/shm/metrics, and the writer adds ".tmp" and ".lock.tmp" to
 * it: a plain file name, short enough for those, and no control
 * characters (one line in logs; XML 1.0 cannot carry most of them).  The
 * RPCs escape whatever else XML needs.
 */
#include "rrdd_protocol.h"

#include <string.h>

#include "internal.h"

int rrdd_check_uid(const char *uid, struct rrdd_error *err)
{
	size_t len = uid ? strlen(uid) : 0;

	if (len == 0)
		return rrdd_fail(err, RRDD_EINVAL, 0, "plugin uid is empty");
	if (len > RRDD_UID_MAX)
		return rrdd_fail(err, RRDD_EINVAL, 0, "plugin uid is longer "
				 "than %d characters", RRDD_UID_MAX);
	if (strcmp(uid, ".") == 0 || strcmp(uid, "..") == 0)
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "plugin uid \"%s\" is not a file name", uid);
	for (const char *p = uid; *p; p++)
		if (*p == '/' || (unsigned char)*p < 0x20 || *p == 0x7f)
			return rrdd_fail(err, RRDD_EINVAL, 0, "plugin uid has "
					 "a '/' or a control character");
	return RRDD_OK;
}
