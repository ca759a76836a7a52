/*
 * double.c: the xcp-rrdd double in a thread of the test process
 * (xcp_rrdd_double.h).  The thread runs mock_serve, which holds the lock
 * while it touches the mock; the accessors take the same lock.
 */
#include "xcp_rrdd_double.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "mock/mock.h"

struct xcp_rrdd_double {
	struct mock m;
	char dir[64];
	char socket[96];
	char own_metrics[96];	/* when the test gave no directory */
	struct MHD_Daemon *http;
	int stop[2];
	pthread_t thread;
	pthread_mutex_t lock;
};

static void *run(void *arg)
{
	struct xcp_rrdd_double *x = arg;

	if (mock_serve(&x->m, x->http, x->stop[0], &x->lock) < 0)
		fprintf(stderr, "xcp-rrdd double: poll failed\n");
	return NULL;
}

static int listen_in_temp_dir(struct xcp_rrdd_double *x)
{
	int fd;

	snprintf(x->dir, sizeof(x->dir), "/tmp/xcp-rrdd-double-XXXXXX");
	if (!mkdtemp(x->dir)) {
		perror("xcp-rrdd double: mkdtemp");
		return -1;
	}
	snprintf(x->socket, sizeof(x->socket), "%s/xcp-rrdd", x->dir);
	fd = mock_listen_unix(x->socket);
	if (fd < 0)
		rmdir(x->dir);
	return fd;
}

static void configure(struct mock *m, const struct xrd_options *o,
		      const char *socket, const char *metrics_dir)
{
	memset(m, 0, sizeof(*m));
	m->socket_path = socket;
	m->dir = metrics_dir;
	m->period = o->period > 0 ? o->period : 5.0;
	m->first_read = o->first_read;
	m->inotify_fd = -1;
	m->out = o->verbose ? stderr : NULL;
}

struct xcp_rrdd_double *xrd_start(const struct xrd_options *o)
{
	struct xcp_rrdd_double *x = calloc(1, sizeof(*x));
	int lfd;

	if (!x)
		return NULL;
	xmlInitParser();
	lfd = listen_in_temp_dir(x);
	if (lfd < 0) {
		free(x);
		return NULL;
	}
	if (!o->metrics_dir) {
		snprintf(x->own_metrics, sizeof(x->own_metrics), "%s/metrics",
			 x->dir);
		if (mkdir(x->own_metrics, 0700) != 0)
			abort();
	}
	configure(&x->m, o, x->socket,
		  o->metrics_dir ? o->metrics_dir : x->own_metrics);
	x->m.listen_fd = lfd;
	pthread_mutex_init(&x->lock, NULL);
	if (mock_discovery_start(&x->m) < 0 || pipe(x->stop) < 0 ||
	    !(x->http = mock_http_start(&x->m, lfd)) ||
	    pthread_create(&x->thread, NULL, run, x) != 0) {
		fprintf(stderr, "xcp-rrdd double: cannot start on %s\n",
			o->metrics_dir);
		abort();	/* a test rig that cannot be built */
	}
	return x;
}

const char *xrd_socket_path(const struct xcp_rrdd_double *x)
{
	return x->socket;
}

void xrd_fail_registrations(struct xcp_rrdd_double *x, bool fail)
{
	pthread_mutex_lock(&x->lock);
	x->m.fail_register = fail;
	pthread_mutex_unlock(&x->lock);
}

struct xrd_counts xrd_counts(struct xcp_rrdd_double *x)
{
	struct xrd_counts c;

	pthread_mutex_lock(&x->lock);
	c = x->m.counts;
	pthread_mutex_unlock(&x->lock);
	return c;
}

bool xrd_is_registered(struct xcp_rrdd_double *x, const char *uid)
{
	bool yes;

	pthread_mutex_lock(&x->lock);
	yes = mock_is_registered(&x->m, uid);
	pthread_mutex_unlock(&x->lock);
	return yes;
}

double xrd_last_timestamp(struct xcp_rrdd_double *x, const char *uid)
{
	double ts;

	pthread_mutex_lock(&x->lock);
	ts = mock_last_timestamp(&x->m, uid);
	pthread_mutex_unlock(&x->lock);
	return ts;
}

void xrd_last_uid(struct xcp_rrdd_double *x, char *out, size_t len)
{
	pthread_mutex_lock(&x->lock);
	snprintf(out, len, "%s", x->m.last_uid);
	pthread_mutex_unlock(&x->lock);
}

void xrd_answer_next(struct xcp_rrdd_double *x, enum xrd_answer how,
		     int status, const char *body)
{
	pthread_mutex_lock(&x->lock);
	mock_script(&x->m, how, status, body);
	pthread_mutex_unlock(&x->lock);
}

char *xrd_answered_request(struct xcp_rrdd_double *x)
{
	char *copy;

	pthread_mutex_lock(&x->lock);
	copy = xstrdup(mock_script_request(&x->m));
	pthread_mutex_unlock(&x->lock);
	return copy;
}

char *xrd_reply_success(const char *value_xml)
{
	return mock_reply_success(value_xml);
}

char *xrd_reply_failure(const char *description_xml)
{
	return mock_reply_failure(description_xml);
}

void xrd_stop(struct xcp_rrdd_double *x)
{
	if (!x)
		return;
	if (write(x->stop[1], "x", 1) != 1)
		abort();
	pthread_join(x->thread, NULL);
	MHD_stop_daemon(x->http);	/* closes the listening socket */
	unlink(x->socket);
	mock_script_free(&x->m);
	if (x->own_metrics[0])
		rmdir(x->own_metrics);
	rmdir(x->dir);
	close(x->stop[0]);
	close(x->stop[1]);
	mock_discovery_stop(&x->m);
	mock_free_plugins(&x->m);
	pthread_mutex_destroy(&x->lock);
	free(x);
}
