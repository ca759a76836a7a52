/*
 * loop.c: the mock's one thread of work: the HTTP calls (libmicrohttpd
 * without threads of its own), the discovery's inotify events and a read
 * of every registered plugin once per period, as xcp-rrdd's loop does.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>

#include "mock.h"

static int poll_timeout(const struct mock *m, struct MHD_Daemon *d)
{
	MHD_UNSIGNED_LONG_LONG mhd_ms;
	double ms = (m->next_read - mock_mono_now()) * 1000.0;

	if (ms < 0)
		ms = 0;
	if (MHD_get_timeout(d, &mhd_ms) == MHD_YES && (double)mhd_ms < ms)
		ms = (double)mhd_ms;
	return (int)ceil(ms);
}

static void maybe_cycle(struct mock *m)
{
	double now = mock_mono_now();

	if (now < m->next_read)
		return;
	mock_run_cycle(m);
	m->next_read += m->period;
	/* Far behind (suspended?): do not run a burst of cycles. */
	if (m->next_read < now)
		m->next_read = now + m->period;
}

int mock_serve(struct mock *m, struct MHD_Daemon *d, int stop_fd,
	       pthread_mutex_t *lock)
{
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(d, MHD_DAEMON_INFO_EPOLL_FD);

	if (!info)
		return -1;
	m->next_read = mock_mono_now() +
		       (m->first_read > 0 ? m->first_read : m->period);
	while (m->cycles == 0 || m->cycle < m->cycles) {
		struct pollfd p[3] = {
			{ .fd = info->epoll_fd, .events = POLLIN },
			{ .fd = stop_fd, .events = POLLIN },
			{ .fd = m->inotify_fd, .events = POLLIN },
		};

		if (poll(p, m->inotify_fd >= 0 ? 3 : 2, poll_timeout(m, d)) < 0 &&
		    errno != EINTR)
			return -1;
		if (p[1].revents & POLLIN)
			break;
		if (lock)
			pthread_mutex_lock(lock);
		/* A connection wakes the epoll fd; while a scripted answer
		 * is armed, the next one is taken here and libmicrohttpd
		 * serves nothing. */
		if (mock_script_armed(m))
			mock_script_serve(m);
		if (m->inotify_fd >= 0 && (p[2].revents & POLLIN))
			mock_discovery_handle(m);
		if (!mock_script_armed(m))
			MHD_run(d);
		maybe_cycle(m);
		if (lock)
			pthread_mutex_unlock(lock);
	}
	return 0;
}
