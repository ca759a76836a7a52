/*
 * discovery.c: xcp-rrdd's watch on /dev/shm/metrics (xcp_rrdd.ml,
 * Discover): at start every file there registers its plugin; then
 * IN_CREATE and IN_MOVED_TO register, IN_DELETE and IN_MOVED_FROM
 * deregister, by file name.  "*.tmp" and "tap-*" are not plugins.
 * Registering is idempotent there too, so a file renamed over a
 * registered one is still not seen; a deleted one drops its plugin.
 *
 * One difference: when a register raises (the file went again before it
 * could be opened), xcp-rrdd's watch thread stops, waits 10 s and scans
 * again; the mock reports the error and keeps watching.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "mock.h"

#define WATCHED (IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM)

static bool is_plugin_file(const char *name)
{
	size_t len = strlen(name);

	if (name[0] == '.' && (!name[1] || (name[1] == '.' && !name[2])))
		return false;
	if (len >= 4 && strcmp(name + len - 4, ".tmp") == 0)
		return false;
	return strncmp(name, "tap-", 4) != 0;
}

static void discovered(struct mock *m, const char *name)
{
	char why[512];

	if (mock_register(m, name, why, sizeof(why)) < 0)
		mock_print_event(m, name, "error", why, 0);
}

static void scan(struct mock *m)
{
	DIR *d = opendir(m->dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)) != NULL)
		if (is_plugin_file(e->d_name))
			discovered(m, e->d_name);
	closedir(d);
}

int mock_discovery_start(struct mock *m)
{
	m->inotify_fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (m->inotify_fd < 0)
		return -1;
	if (inotify_add_watch(m->inotify_fd, m->dir, WATCHED) < 0) {
		close(m->inotify_fd);
		m->inotify_fd = -1;
		return -1;
	}
	scan(m);
	return 0;
}

static void one_event(struct mock *m, const struct inotify_event *ev)
{
	if (!ev->len || !is_plugin_file(ev->name))
		return;
	if (ev->mask & (IN_CREATE | IN_MOVED_TO))
		discovered(m, ev->name);
	else if (ev->mask & (IN_DELETE | IN_MOVED_FROM))
		mock_deregister(m, ev->name);
}

void mock_discovery_handle(struct mock *m)
{
	char buf[16 * (sizeof(struct inotify_event) + NAME_MAX + 1)]
		__attribute__((aligned(__alignof__(struct inotify_event))));
	ssize_t n;

	while ((n = read(m->inotify_fd, buf, sizeof(buf))) > 0) {
		for (char *p = buf; p < buf + n;) {
			const struct inotify_event *ev = (const void *)p;

			one_event(m, ev);
			p += sizeof(*ev) + ev->len;
		}
	}
}

void mock_discovery_stop(struct mock *m)
{
	if (m->inotify_fd >= 0)
		close(m->inotify_fd);
	m->inotify_fd = -1;
}
