/*
 * fake-rrdd.c: a one-request HTTP server on a Unix socket, in a thread,
 * standing in for xcp-rrdd in the registration client's tests.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "rrdd/support/fake-rrdd.h"

#define MAX_REQUEST ((size_t)64 * 1024)

struct fake_rrdd {
	enum fake_rrdd_mode mode;
	int status;
	char *body;
	char dir[64];
	char path[96];
	int listen_fd;
	int stop_pipe[2];
	pthread_t thread;
	bool running;
	char request[MAX_REQUEST + 1];
	size_t request_len;
};

/* Wait until fd is readable or the test says stop; false on stop. */
static bool wait_readable(struct fake_rrdd *f, int fd)
{
	struct pollfd p[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = f->stop_pipe[0], .events = POLLIN },
	};

	for (;;) {
		int n = poll(p, 2, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (p[1].revents & POLLIN))
			return false;
		if (p[0].revents)
			return true;
	}
}

/* The Content-Length of a request whose headers are complete, or 0. */
static size_t content_length(const char *req)
{
	const char *p = req;

	while ((p = strstr(p, "\r\n")) && p[2] != '\r') {
		p += 2;
		if (strncasecmp(p, "Content-Length:", 15) == 0)
			return strtoul(p + 15, NULL, 10);
	}
	return 0;
}

/* Read headers and body (by Content-Length) into f->request. */
static bool read_request(struct fake_rrdd *f, int fd)
{
	char *end = NULL;

	while (f->request_len < MAX_REQUEST) {
		ssize_t n;

		if (end) {
			size_t head = (size_t)(end + 4 - f->request);

			if (f->request_len >= head + content_length(f->request))
				return true;
		}
		if (!wait_readable(f, fd))
			return false;
		n = read(fd, f->request + f->request_len,
			 MAX_REQUEST - f->request_len);
		if (n <= 0)
			return false;
		f->request_len += (size_t)n;
		f->request[f->request_len] = '\0';
		if (!end)
			end = strstr(f->request, "\r\n\r\n");
	}
	return false;
}

/* send, not write: a client that hangs up must not raise SIGPIPE here. */
static void write_all(int fd, const char *s, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		s += n;
		len -= (size_t)n;
	}
}

static void answer(struct fake_rrdd *f, int fd)
{
	char head[256];
	int n;

	switch (f->mode) {
	case FAKE_HTTP:
		n = snprintf(head, sizeof(head),
			     "HTTP/1.1 %d %s\r\nContent-Type: text/xml\r\n"
			     "Content-Length: %zu\r\nConnection: close\r\n\r\n",
			     f->status, f->status == 200 ? "OK" : "Error",
			     strlen(f->body));
		write_all(fd, head, (size_t)n);
		write_all(fd, f->body, strlen(f->body));
		break;
	case FAKE_RAW:
		write_all(fd, f->body, strlen(f->body));
		break;
	case FAKE_SILENT:
		wait_readable(f, f->stop_pipe[0]);
		break;
	case FAKE_CLOSE:
		break;
	}
}

static void *serve(void *arg)
{
	struct fake_rrdd *f = arg;
	int fd;

	if (!wait_readable(f, f->listen_fd))
		return NULL;
	fd = accept(f->listen_fd, NULL, NULL);
	if (fd < 0)
		return NULL;
	if (read_request(f, fd))
		answer(f, fd);
	close(fd);
	return NULL;
}

/* A fresh directory and a bound, listening (or not) socket in it. */
static int make_socket(char *dir, size_t dir_len, char *path,
		       size_t path_len, bool do_listen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	snprintf(dir, dir_len, "/tmp/fake-rrdd-XXXXXX");
	if (!mkdtemp(dir)) {
		perror("fake-rrdd: mkdtemp");
		return -1;
	}
	snprintf(path, path_len, "%s/xcp-rrdd", dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    (do_listen && listen(fd, 4) < 0)) {
		perror("fake-rrdd: socket");
		if (fd >= 0)
			close(fd);
		rmdir(dir);
		return -1;
	}
	return fd;
}

struct fake_rrdd *fake_rrdd_start(enum fake_rrdd_mode mode, int status,
				  const char *body)
{
	struct fake_rrdd *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	f->mode = mode;
	f->status = status;
	f->body = strdup(body ? body : "");
	f->stop_pipe[0] = f->stop_pipe[1] = -1;
	f->listen_fd = make_socket(f->dir, sizeof(f->dir), f->path,
				   sizeof(f->path), true);
	if (!f->body || f->listen_fd < 0 || pipe2(f->stop_pipe, O_CLOEXEC) < 0 ||
	    pthread_create(&f->thread, NULL, serve, f) != 0) {
		fake_rrdd_free(f);
		return NULL;
	}
	f->running = true;
	return f;
}

const char *fake_rrdd_path(const struct fake_rrdd *fake)
{
	return fake->path;
}

void fake_rrdd_finish(struct fake_rrdd *fake)
{
	if (!fake->running)
		return;
	if (write(fake->stop_pipe[1], "x", 1) < 0)
		perror("fake-rrdd: stop");
	pthread_join(fake->thread, NULL);
	fake->running = false;
}

const char *fake_rrdd_request(const struct fake_rrdd *fake)
{
	return fake->request;
}

void fake_rrdd_free(struct fake_rrdd *fake)
{
	if (!fake)
		return;
	fake_rrdd_finish(fake);
	if (fake->listen_fd >= 0) {
		close(fake->listen_fd);
		unlink(fake->path);
		rmdir(fake->dir);
	}
	if (fake->stop_pipe[0] >= 0)
		close(fake->stop_pipe[0]);
	if (fake->stop_pipe[1] >= 0)
		close(fake->stop_pipe[1]);
	free(fake->body);
	free(fake);
}

char *fake_rrdd_dead_socket(void)
{
	char dir[64], path[96];
	int fd = make_socket(dir, sizeof(dir), path, sizeof(path), false);

	if (fd < 0)
		return NULL;
	close(fd);
	return strdup(path);
}

void fake_rrdd_remove_path(char *path)
{
	char *slash;

	if (!path)
		return;
	unlink(path);
	slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		rmdir(path);
	}
	free(path);
}

static char *wrap(const char *members)
{
	char *s = NULL;

	if (asprintf(&s, "<?xml version=\"1.0\"?><methodResponse><params>"
		     "<param><value><struct>%s</struct></value></param>"
		     "</params></methodResponse>", members) < 0)
		return NULL;
	return s;
}

char *fake_rrdd_success(const char *value)
{
	char *members = NULL, *s;

	if (asprintf(&members,
		     "<member><name>Status</name><value>Success</value></member>"
		     "<member><name>Value</name><value>%s</value></member>",
		     value) < 0)
		return NULL;
	s = wrap(members);
	free(members);
	return s;
}

char *fake_rrdd_failure(const char *description)
{
	char *members = NULL, *s;

	if (asprintf(&members,
		     "<member><name>Status</name><value>Failure</value></member>"
		     "<member><name>ErrorDescription</name><value>%s</value></member>",
		     description) < 0)
		return NULL;
	s = wrap(members);
	free(members);
	return s;
}
