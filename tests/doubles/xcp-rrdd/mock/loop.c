/*
 * loop.c: the mock's one thread of work: the HTTP calls (libmicrohttpd
 * without threads of its own, driven by select as libmicrohttpd 0.9.33,
 * XCP-ng 8.3's, can be), the discovery's inotify events and a read of
 * every registered plugin once per period, as xcp-rrdd's loop does.
 */
#include <errno.h>
#include <math.h>
#include <sys/select.h>

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

/* Wait for a call, an event, the stop or the next read; -1 on error. */
static int wait_for_work(const struct mock *m, struct MHD_Daemon *d,
			 int stop_fd, fd_set *rs)
{
	fd_set ws, es;
	MHD_socket max = -1;
	int ms = poll_timeout(m, d);
	struct timeval tv = { ms / 1000, (suseconds_t)(ms % 1000) * 1000 };

	FD_ZERO(rs);
	FD_ZERO(&ws);
	FD_ZERO(&es);
	/* The function, not newer headers' macro for MHD_get_fdset2,
	 * which libmicrohttpd 0.9.33 lacks. */
	if ((MHD_get_fdset)(d, rs, &ws, &es, &max) != MHD_YES)
		return -1;
	FD_SET(stop_fd, rs);
	if (stop_fd > max)
		max = stop_fd;
	if (m->inotify_fd >= 0) {
		FD_SET(m->inotify_fd, rs);
		if (m->inotify_fd > max)
			max = m->inotify_fd;
	}
	if (select(max + 1, rs, &ws, &es, &tv) < 0 && errno != EINTR)
		return -1;
	return 0;
}

int mock_serve(struct mock *m, struct MHD_Daemon *d, int stop_fd,
	       pthread_mutex_t *lock)
{
	m->next_read = mock_mono_now() +
		       (m->first_read > 0 ? m->first_read : m->period);
	while (m->cycles == 0 || m->cycle < m->cycles) {
		fd_set rs;

		if (wait_for_work(m, d, stop_fd, &rs) < 0)
			return -1;
		if (FD_ISSET(stop_fd, &rs))
			break;
		if (lock)
			pthread_mutex_lock(lock);
		/* A connection makes the listening socket readable; while
		 * a scripted answer is armed, the next one is taken here
		 * and libmicrohttpd serves nothing. */
		if (mock_script_armed(m))
			mock_script_serve(m);
		if (m->inotify_fd >= 0 && FD_ISSET(m->inotify_fd, &rs))
			mock_discovery_handle(m);
		if (!mock_script_armed(m))
			MHD_run(d);
		maybe_cycle(m);
		if (lock)
			pthread_mutex_unlock(lock);
	}
	return 0;
}
