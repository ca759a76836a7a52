/*
 * metrics_http.c: GET /metrics over libmicrohttpd, in MHD's own threads.
 * We bind the listening socket ourselves (numeric IPv4 or IPv6, port 0
 * allowed) and hand it over, which works the same on old and new MHD.
 */
#include "outputs/metrics_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "common/fail.h"

#if MHD_VERSION >= 0x00097002
typedef enum MHD_Result mhd_result;
#else
typedef int mhd_result;
#endif

#if MHD_VERSION >= 0x00095300
#define POLLING_THREAD MHD_USE_INTERNAL_POLLING_THREAD
#else
#define POLLING_THREAD MHD_USE_SELECT_INTERNALLY
#endif

#define LISTEN_BACKLOG 64

struct metrics_http {
	struct MHD_Daemon *daemon;
	metrics_render_fn render;
	void *ctx;
	uint16_t port;
};

/* ---- answers ------------------------------------------------------------ */

static mhd_result answer(struct MHD_Connection *conn, unsigned status,
			 const char *content_type, char *body, size_t len,
			 enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(len, body, mode);
	mhd_result rc;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	rc = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return rc;
}

static mhd_result answer_text(struct MHD_Connection *conn, unsigned status,
			      const char *text)
{
	return answer(conn, status, "text/plain; charset=utf-8", (char *)text,
		      strlen(text), MHD_RESPMEM_PERSISTENT);
}

static mhd_result serve_metrics(struct metrics_http *h,
				struct MHD_Connection *conn)
{
	const char *accept = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							 MHD_HTTP_HEADER_ACCEPT);
	enum om_format format = metrics_http_negotiate(accept);
	struct rrdd_buf buf;
	size_t len;
	char *text;

	rrdd_buf_init(&buf);
	if (h->render(h->ctx, format, &buf) != 0) {
		rrdd_buf_free(&buf);
		return answer_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR,
				   "sampling failed\n");
	}
	text = rrdd_buf_steal(&buf, &len);
	return answer(conn, MHD_HTTP_OK, metrics_http_content_type(format),
		      text ? text : (char *)"", len,
		      text ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
}

static mhd_result on_request(void *cls, struct MHD_Connection *conn,
			     const char *url, const char *method,
			     const char *version, const char *upload_data,
			     size_t *upload_size, void **con_cls)
{
	bool readonly = strcmp(method, MHD_HTTP_METHOD_GET) == 0 ||
			strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;

	(void)version;
	(void)upload_data;
	/* A body is never wanted: answer at once and let MHD close. */
	*upload_size = 0;
	*con_cls = NULL;
	if (strcmp(url, METRICS_HTTP_PATH) != 0)
		return answer_text(conn, MHD_HTTP_NOT_FOUND,
				   "only " METRICS_HTTP_PATH " is served\n");
	if (!readonly)
		return answer_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED,
				   "only GET and HEAD are allowed\n");
	return serve_metrics(cls, conn);
}

/* ---- listening socket ---------------------------------------------------- */

static int bind_socket(const char *host, uint16_t port, char *err,
		       size_t err_len)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV |
					      AI_PASSIVE };
	struct addrinfo *ai = NULL;
	char service[8];
	int one = 1, fd, rc;

	snprintf(service, sizeof(service), "%u", (unsigned)port);
	rc = getaddrinfo(host, service, &hints, &ai);
	if (rc != 0)
		return fail_with(err, err_len, -1, "openmetrics address %s: %s", host,
			    gai_strerror(rc));
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    0);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 ||
	    listen(fd, LISTEN_BACKLOG) != 0) {
		int saved = errno;

		if (fd >= 0)
			close(fd);
		freeaddrinfo(ai);
		return fail_with(err, err_len, -1, "openmetrics listener on %s:%u: %s",
			    host, (unsigned)port, strerror(saved));
	}
	freeaddrinfo(ai);
	return fd;
}

static uint16_t bound_port(int fd)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} u;
	socklen_t len = sizeof(u);

	memset(&u, 0, sizeof(u));
	if (getsockname(fd, &u.sa, &len) != 0)
		return 0;
	return ntohs(u.sa.sa_family == AF_INET6 ? u.in6.sin6_port
						: u.in.sin_port);
}

static unsigned or_default(unsigned v, unsigned dflt)
{
	return v ? v : dflt;
}

static struct MHD_Daemon *start_daemon(const struct metrics_http_config *c,
				       struct metrics_http *h, int fd)
{
	size_t request_bytes = c->max_request_bytes
				       ? c->max_request_bytes
				       : METRICS_HTTP_DEFAULT_REQUEST_BYTES;

	/* No MHD_USE_ERROR_LOG: the library stays silent on stderr. */
	return MHD_start_daemon(
		POLLING_THREAD, 0, NULL, NULL, on_request, h,
		MHD_OPTION_LISTEN_SOCKET, fd,
		MHD_OPTION_THREAD_POOL_SIZE,
		or_default(c->threads, METRICS_HTTP_DEFAULT_THREADS),
		MHD_OPTION_CONNECTION_LIMIT,
		or_default(c->max_connections,
			   METRICS_HTTP_DEFAULT_CONNECTIONS),
		MHD_OPTION_CONNECTION_TIMEOUT,
		or_default(c->timeout_s, METRICS_HTTP_DEFAULT_TIMEOUT_S),
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, request_bytes,
		MHD_OPTION_END);
}

int metrics_http_start(const struct metrics_http_config *config,
		       metrics_render_fn render, void *ctx,
		       struct metrics_http **out, char *err, size_t err_len)
{
	const char *host = config->host && config->host[0]
				   ? config->host : METRICS_HTTP_DEFAULT_HOST;
	struct metrics_http *h = calloc(1, sizeof(*h));
	int fd;

	if (!h)
		return fail_with(err, err_len, -1, "out of memory");
	fd = bind_socket(host, config->port, err, err_len);
	if (fd < 0) {
		free(h);
		return -1;
	}
	h->render = render;
	h->ctx = ctx;
	h->port = bound_port(fd);
	h->daemon = start_daemon(config, h, fd);
	if (!h->daemon) {
		close(fd);
		free(h);
		return fail_with(err, err_len, -1, "openmetrics listener on %s:%u: "
			    "libmicrohttpd did not start", host,
			    (unsigned)config->port);
	}
	*out = h;
	return 0;
}

uint16_t metrics_http_port(const struct metrics_http *h)
{
	return h->port;
}

void metrics_http_stop(struct metrics_http *h)
{
	if (!h)
		return;
	/* MHD closes the listening socket it was given. */
	MHD_stop_daemon(h->daemon);
	free(h);
}
