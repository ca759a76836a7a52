/*
 * scripted.c: the double misbehaving on purpose, so that a client's error
 * paths can be tested against it: the next connection is taken off the
 * listening socket before libmicrohttpd sees it, its request read whole,
 * and answered as the test said (any HTTP status and body, raw bytes,
 * silence, a hang-up) instead of as xcp-rrdd answers.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mock.h"

#define MAX_REQUEST ((size_t)64 * 1024)
#define READ_TIMEOUT_MS 5000

struct script {
	enum xrd_answer how;
	int status;
	char *body;
	bool armed;
	int held_fd;		/* a silent connection, kept open */
	char *request;
	size_t request_len;
};

void mock_script(struct mock *m, enum xrd_answer how, int status,
		 const char *body)
{
	struct script *s = m->script;

	if (!s) {
		s = xmalloc(sizeof(*s));
		s->held_fd = -1;
		m->script = s;
	}
	free(s->body);
	s->how = how;
	s->status = status;
	s->body = xstrdup(body ? body : "");
	s->armed = true;
}

bool mock_script_armed(const struct mock *m)
{
	return m->script && m->script->armed;
}

const char *mock_script_request(const struct mock *m)
{
	return m->script && m->script->request ? m->script->request : "";
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

static bool readable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	do
		n = poll(&p, 1, READ_TIMEOUT_MS);
	while (n < 0 && errno == EINTR);
	return n > 0;
}

/* Headers, then the body by its Content-Length. */
static void read_request(struct script *s, int fd)
{
	char *end = NULL;

	s->request = xmalloc(MAX_REQUEST + 1);
	s->request_len = 0;
	while (s->request_len < MAX_REQUEST) {
		ssize_t n;

		if (end && s->request_len >= (size_t)(end + 4 - s->request) +
						     content_length(s->request))
			return;
		if (!readable(fd))
			return;
		n = recv(fd, s->request + s->request_len,
			 MAX_REQUEST - s->request_len, 0);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return;
		s->request_len += (size_t)n;
		s->request[s->request_len] = '\0';
		if (!end)
			end = strstr(s->request, "\r\n\r\n");
	}
}

/* send, not write: a client that hangs up must not raise SIGPIPE. */
static void send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

static void answer(struct script *s, int fd)
{
	char *head;

	switch (s->how) {
	case XRD_ANSWER_HTTP:
		head = xasprintf("HTTP/1.1 %d %s\r\nContent-Type: text/xml\r\n"
				 "Content-Length: %zu\r\nConnection: close\r\n"
				 "\r\n", s->status,
				 s->status == 200 ? "OK" : "Error",
				 strlen(s->body));
		send_all(fd, head, strlen(head));
		send_all(fd, s->body, strlen(s->body));
		free(head);
		break;
	case XRD_ANSWER_RAW:
		send_all(fd, s->body, strlen(s->body));
		break;
	case XRD_ANSWER_SILENT:
		s->held_fd = fd;
		return;
	case XRD_ANSWER_CLOSE:
		break;
	}
	close(fd);
}

void mock_script_serve(struct mock *m)
{
	struct script *s = m->script;
	int fd = accept4(m->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;	/* not yet: libmicrohttpd did not take it either */
	s->armed = false;
	free(s->request);
	if (s->held_fd >= 0)
		close(s->held_fd);
	s->held_fd = -1;
	read_request(s, fd);
	answer(s, fd);
}

void mock_script_free(struct mock *m)
{
	struct script *s = m->script;

	if (!s)
		return;
	if (s->held_fd >= 0)
		close(s->held_fd);
	free(s->body);
	free(s->request);
	free(s);
	m->script = NULL;
}
