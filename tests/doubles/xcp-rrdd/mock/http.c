/*
 * http.c: rrdd-mock's HTTP server: libmicrohttpd, run from the main
 * loop (no threads of its own), on a Unix socket bound here since
 * libmicrohttpd only opens TCP sockets itself.  Request bodies are
 * collected up to 64 KiB and handed to xmlrpc.c; only POST is served.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "mock.h"

#if MHD_VERSION >= 0x00097002
typedef enum MHD_Result mhd_result;
#else
typedef int mhd_result;
#endif

#define MAX_REQUEST ((size_t)64 * 1024)

struct request {
	char *body;
	size_t len;
	bool too_large;
};

static mhd_result send_answer(struct MHD_Connection *conn, struct mock_answer a)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(a.body), a.body, MHD_RESPMEM_MUST_FREE);
	mhd_result ret;

	if (!r) {
		free(a.body);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", a.status == MHD_HTTP_OK ?
				"text/xml" : "text/plain");
	ret = MHD_queue_response(conn, a.status, r);
	MHD_destroy_response(r);
	return ret;
}

static void take_upload(struct request *rq, const char *data, size_t size)
{
	char *p;

	if (rq->too_large || rq->len + size > MAX_REQUEST) {
		rq->too_large = true;
		return;
	}
	p = realloc(rq->body, rq->len + size + 1);
	if (!p) {
		rq->too_large = true;
		return;
	}
	memcpy(p + rq->len, data, size);
	rq->body = p;
	rq->len += size;
	rq->body[rq->len] = '\0';
}

static struct mock_answer handle_body(struct mock *m, const struct request *rq)
{
	if (rq->too_large)
		return mock_text_answer(413 /* payload too large */,
					"request too large\n");
	return mock_xmlrpc_answer(m, rq->body, rq->len);
}

static mhd_result on_request(void *cls, struct MHD_Connection *conn,
			     const char *url, const char *method,
			     const char *version, const char *upload,
			     size_t *upload_size, void **con_cls)
{
	struct request *rq = *con_cls;

	(void)url;
	(void)version;
	if (strcmp(method, "POST") != 0)
		return send_answer(conn, mock_text_answer(MHD_HTTP_METHOD_NOT_ALLOWED,
						    "POST only\n"));
	if (!rq) {
		*con_cls = xmalloc(sizeof(struct request));
		return MHD_YES;
	}
	if (*upload_size) {
		take_upload(rq, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	return send_answer(conn, handle_body(cls, rq));
}

static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct request *rq = *con_cls;

	(void)cls;
	(void)conn;
	(void)toe;
	if (rq) {
		free(rq->body);
		free(rq);
		*con_cls = NULL;
	}
}

/* Bind the socket ourselves: libmicrohttpd only speaks TCP by itself. */
int mock_listen_unix(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "rrdd-mock: socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	/* A stale socket from an earlier run goes; any other file stays. */
	if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(fd, 64) < 0) {
		fprintf(stderr, "rrdd-mock: cannot listen on %s: %s\n", path,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

struct MHD_Daemon *mock_http_start(struct mock *m, int listen_fd)
{
	/* No flag: no thread of its own, driven by the caller's select. */
	return MHD_start_daemon(0, 0, NULL, NULL, on_request, m,
				MHD_OPTION_LISTEN_SOCKET, listen_fd,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				MHD_OPTION_CONNECTION_TIMEOUT, 10U,
				MHD_OPTION_END);
}
