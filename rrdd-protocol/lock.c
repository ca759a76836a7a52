/*
 * lock.c: one writer per payload file, by an exclusive flock on a lock
 * file beside it.  flock, not fcntl locks: it belongs to the open file,
 * so a second writer in the same process is refused too, and the kernel
 * drops it when the holder dies, however it dies.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define LOCK_TRIES 8

static bool names_this_file(int fd, const char *path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(path, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int rrdd_lock_take(const char *path, const char *what, int *fd_out,
		   struct rrdd_error *err)
{
	*fd_out = -1;
	for (int i = 0; i < LOCK_TRIES; i++) {
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

		if (fd < 0)
			return rrdd_fail(err, RRDD_EIO, errno,
					 "opening the lock %s: %m", path);
		if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
			int e = errno;

			close(fd);
			if (e == EWOULDBLOCK)
				return rrdd_fail(err, RRDD_EBUSY, 0,
						 "another process writes %s "
						 "(it holds %s)", what, path);
			return rrdd_fail(err, RRDD_EIO, e, "locking %s: %m",
					 path);
		}
		/* The holder removes the file when it lets go: a lock won
		 * on a file no longer at path locks nothing. */
		if (names_this_file(fd, path)) {
			*fd_out = fd;
			return RRDD_OK;
		}
		close(fd);
	}
	return rrdd_fail(err, RRDD_EBUSY, 0,
			 "the lock %s keeps being replaced", path);
}

void rrdd_lock_release(const char *path, int fd)
{
	if (fd < 0)
		return;
	/* Unlinked while still held, so nobody can win the old file. */
	unlink(path);
	close(fd);
}
