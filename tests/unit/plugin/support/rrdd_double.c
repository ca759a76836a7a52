/* rrdd_double.c: a many-request fake xcp-rrdd on a Unix socket. */
#include "plugin/support/rrdd_double.h"

#include <errno.h>
#include <math.h>
#include <time.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_REQ 16384

struct rrdd_double {
	char dir[64];
	char path[96];
	int listen_fd;
	int stop_pipe[2];
	pthread_t thread;
	pthread_mutex_t lock;
	double next_reading;
	bool fail;
	unsigned registers, deregisters;
	char last_uid[128];
	double period;		/* > 0: periodic mode */
	double start;		/* monotonic, periodic mode */
	char payload[256];
	unsigned reads, repeats;
	unsigned char last_ts[8];
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Seconds until the next periodic read. */
static double until_read(const struct rrdd_double *d)
{
	double since = mono() - d->start;

	return d->period - fmod(since, d->period);
}

/* One read of the payload's timestamp, as rrdd's reader would. */
static void read_payload(struct rrdd_double *d)
{
	unsigned char ts[8];
	FILE *f = fopen(d->payload, "rb");
	bool ok = f && fseek(f, 23, SEEK_SET) == 0 &&
		  fread(ts, 1, sizeof(ts), f) == sizeof(ts);

	if (f)
		fclose(f);
	if (!ok)
		return;
	pthread_mutex_lock(&d->lock);
	if (d->reads && memcmp(ts, d->last_ts, sizeof(ts)) == 0)
		d->repeats++;
	d->reads++;
	memcpy(d->last_ts, ts, sizeof(ts));
	pthread_mutex_unlock(&d->lock);
}

static size_t content_length(const char *req)
{
	const char *p = strcasestr(req, "\r\nContent-Length:");

	return p ? strtoul(p + 17, NULL, 10) : 0;
}

/* Read one request (headers + body); false if the peer went away. */
static bool read_request(int fd, char *buf)
{
	size_t len = 0;

	for (;;) {
		char *end;
		ssize_t n = read(fd, buf + len, MAX_REQ - len);

		if (n <= 0)
			return false;
		len += (size_t)n;
		buf[len] = '\0';
		end = strstr(buf, "\r\n\r\n");
		if (end && len >= (size_t)(end + 4 - buf) + content_length(buf))
			return true;
		if (len == MAX_REQ)
			return false;
	}
}

static void uid_of(const char *req, char *out, size_t len)
{
	const char *p = strstr(req, "<name>uid</name>");
	const char *v, *e;

	out[0] = '\0';
	if (!p || !(v = strstr(p, "<value>")))
		return;
	v += 7;
	if (strncmp(v, "<string>", 8) == 0)
		v += 8;
	e = strchr(v, '<');
	if (e && (size_t)(e - v) < len) {
		memcpy(out, v, (size_t)(e - v));
		out[e - v] = '\0';
	}
}

static void reply(int fd, const char *members)
{
	char body[1024], head[256];
	int blen = snprintf(body, sizeof(body),
		"<?xml version=\"1.0\"?><methodResponse><params><param><value>"
		"<struct>%s</struct></value></param></params></methodResponse>",
		members);
	int hlen = snprintf(head, sizeof(head),
		"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"
		"Content-Length: %d\r\nConnection: close\r\n\r\n", blen);

	if (write(fd, head, (size_t)hlen) != hlen ||
	    write(fd, body, (size_t)blen) != blen)
		return;	/* the client gave up: its problem to report */
}

static void serve(struct rrdd_double *d, int fd)
{
	static char req[MAX_REQ + 1];
	char members[512];

	if (!read_request(fd, req))
		return;
	pthread_mutex_lock(&d->lock);
	if (strstr(req, "Plugin.Local.deregister")) {
		d->deregisters++;
		snprintf(members, sizeof(members),
			 "<member><name>Status</name><value>Success</value>"
			 "</member><member><name>Value</name><value/></member>");
	} else if (d->fail) {
		snprintf(members, sizeof(members),
			 "<member><name>Status</name><value>Failure</value>"
			 "</member><member><name>ErrorDescription</name>"
			 "<value><array><data><value>INTERNAL_ERROR</value>"
			 "</data></array></value></member>");
	} else {
		d->registers++;
		uid_of(req, d->last_uid, sizeof(d->last_uid));
		snprintf(members, sizeof(members),
			 "<member><name>Status</name><value>Success</value>"
			 "</member><member><name>Value</name><value><double>"
			 "%.3f</double></value></member>",
			 d->period > 0 ? until_read(d) : d->next_reading);
	}
	pthread_mutex_unlock(&d->lock);
	reply(fd, members);
}

static void *run(void *arg)
{
	struct rrdd_double *d = arg;

	for (;;) {
		struct pollfd p[2] = {
			{ .fd = d->listen_fd, .events = POLLIN },
			{ .fd = d->stop_pipe[0], .events = POLLIN },
		};
		int fd, rc;
		double left = d->period > 0 ? until_read(d) : -1;

		rc = poll(p, 2, left < 0 ? -1 : (int)(left * 1000) + 1);
		if (rc < 0) {
			if (errno == EINTR)
				continue;
			return NULL;
		}
		if (rc == 0) {		/* a read is due */
			read_payload(d);
			usleep(20000);	/* past the tick */
			continue;
		}
		if (p[1].revents)
			return NULL;
		fd = accept(d->listen_fd, NULL, NULL);
		if (fd < 0)
			continue;
		serve(d, fd);
		close(fd);
	}
}

static struct rrdd_double *start(double next_reading, double period,
				 const char *payload)
{
	struct rrdd_double *d = calloc(1, sizeof(*d));
	struct sockaddr_un addr = { .sun_family = AF_UNIX };

	if (!d)
		abort();
	d->period = period;
	d->start = mono();
	snprintf(d->payload, sizeof(d->payload), "%s", payload);
	snprintf(d->dir, sizeof(d->dir), "/tmp/vcpustats-test-XXXXXX");
	if (!mkdtemp(d->dir))
		abort();
	snprintf(d->path, sizeof(d->path), "%s/xcp-rrdd", d->dir);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", d->path);
	d->next_reading = next_reading;
	pthread_mutex_init(&d->lock, NULL);
	d->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (d->listen_fd < 0 || pipe(d->stop_pipe) != 0 ||
	    bind(d->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    listen(d->listen_fd, 16) != 0 ||
	    pthread_create(&d->thread, NULL, run, d) != 0)
		abort();
	return d;
}

struct rrdd_double *rrdd_double_start(double next_reading)
{
	return start(next_reading, 0, "");
}

struct rrdd_double *rrdd_double_start_periodic(double period,
					       const char *payload_path)
{
	return start(-1.0, period, payload_path);
}

unsigned rrdd_double_reads(struct rrdd_double *d)
{
	unsigned n;

	pthread_mutex_lock(&d->lock);
	n = d->reads;
	pthread_mutex_unlock(&d->lock);
	return n;
}

unsigned rrdd_double_repeats(struct rrdd_double *d)
{
	unsigned n;

	pthread_mutex_lock(&d->lock);
	n = d->repeats;
	pthread_mutex_unlock(&d->lock);
	return n;
}

const char *rrdd_double_path(const struct rrdd_double *d)
{
	return d->path;
}

const char *rrdd_double_dir(const struct rrdd_double *d)
{
	return d->dir;
}

void rrdd_double_fail(struct rrdd_double *d, bool fail)
{
	pthread_mutex_lock(&d->lock);
	d->fail = fail;
	pthread_mutex_unlock(&d->lock);
}

unsigned rrdd_double_registers(struct rrdd_double *d)
{
	unsigned n;

	pthread_mutex_lock(&d->lock);
	n = d->registers;
	pthread_mutex_unlock(&d->lock);
	return n;
}

unsigned rrdd_double_deregisters(struct rrdd_double *d)
{
	unsigned n;

	pthread_mutex_lock(&d->lock);
	n = d->deregisters;
	pthread_mutex_unlock(&d->lock);
	return n;
}

void rrdd_double_last_uid(struct rrdd_double *d, char *out, size_t len)
{
	pthread_mutex_lock(&d->lock);
	snprintf(out, len, "%s", d->last_uid);
	pthread_mutex_unlock(&d->lock);
}

void rrdd_double_stop(struct rrdd_double *d)
{
	if (write(d->stop_pipe[1], "x", 1) != 1)
		abort();
	pthread_join(d->thread, NULL);
	close(d->listen_fd);
	close(d->stop_pipe[0]);
	close(d->stop_pipe[1]);
	unlink(d->path);
	rmdir(d->dir);
	pthread_mutex_destroy(&d->lock);
	free(d);
}
