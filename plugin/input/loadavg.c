/* loadavg.c: the load average from a file kept open. */
#include "input/loadavg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

void loadavg_open(struct loadavg *l, const char *path)
{
	l->path = path;
	l->fd = open(path, O_RDONLY | O_CLOEXEC);
}

double loadavg_read(struct loadavg *l)
{
	char line[128];
	char *end;
	ssize_t len;
	double v;

	if (l->fd < 0)
		l->fd = open(l->path, O_RDONLY | O_CLOEXEC);
	if (l->fd < 0)
		return -1.0;
	/* Into the stack, not stdio: nothing allocated per cycle. */
	do
		len = pread(l->fd, line, sizeof(line) - 1, 0);
	while (len < 0 && errno == EINTR);
	if (len <= 0)
		return -1.0;
	line[len] = '\0';
	v = strtod(line, &end);
	return end != line ? v : -1.0;
}

void loadavg_close(struct loadavg *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}
