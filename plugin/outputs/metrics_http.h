/*
 * metrics_http.h: the OpenMetrics listener (--openmetrics ADDR:PORT).
 * libmicrohttpd serves it from its own threads, so a scrape never runs in
 * (or blocks) the rrdd cycle; each GET /metrics calls the render callback
 * (scrape.h's scrape_render in the daemon), which samples at that moment.
 *
 *   GET|HEAD /metrics   200, OpenMetrics 1.0.0 or Prometheus text 0.0.4
 *                       after the Accept header (negotiate.c)
 *   other paths         404
 *   other methods       405 (Allow: GET, HEAD)
 *   render failure      500
 *   request head larger than max_request_bytes: 431 (or 414 for a huge
 *   URL), answered by libmicrohttpd; clients idle longer than timeout_s are
 *   dropped; beyond max_connections new connections are refused at once.
 */
#ifndef PLUGIN_METRICS_HTTP_H
#define PLUGIN_METRICS_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "outputs/openmetrics.h"

#define METRICS_HTTP_PATH "/metrics"
#define METRICS_HTTP_DEFAULT_HOST "127.0.0.1"
#define METRICS_HTTP_DEFAULT_CONNECTIONS 32
#define METRICS_HTTP_DEFAULT_TIMEOUT_S 10
#define METRICS_HTTP_DEFAULT_REQUEST_BYTES ((size_t)16 * 1024)
#define METRICS_HTTP_DEFAULT_THREADS 2

struct metrics_http_config {
	const char *host;		/* numeric IPv4 or IPv6 (no brackets);
					   NULL or "": loopback */
	uint16_t port;			/* 0: any free port (see _port()) */
	unsigned max_connections;	/* 0: the default, for each: */
	unsigned timeout_s;
	size_t max_request_bytes;	/* memory for one request head */
	unsigned threads;		/* serving threads */
};

/*
 * Append the exposition in format to out; 0, or -1 (then 500).  Called
 * from the listener's threads, possibly concurrently: it must be
 * thread-safe.
 */
typedef int (*metrics_render_fn)(void *ctx, enum om_format format,
				 struct rrdd_buf *out);

#define OM_CONTENT_TYPE_OPENMETRICS \
	"application/openmetrics-text; version=1.0.0; charset=utf-8"
#define OM_CONTENT_TYPE_PROMETHEUS "text/plain; version=0.0.4; charset=utf-8"

/*
 * Pick the format for an HTTP Accept header value (NULL: no header):
 * OpenMetrics when application/openmetrics-text (version 1.0.0 or none)
 * has the highest q of the two formats, the 0.0.4 text otherwise.
 * (negotiate.c, in every build.)
 */
enum om_format metrics_http_negotiate(const char *accept);

/* The Content-Type of a format. */
const char *metrics_http_content_type(enum om_format format);

struct metrics_http;

/*
 * Bind and start serving.  0 and *out, or -1 with one line in err (bad
 * address, port in use, ...).  ctx is borrowed until metrics_http_stop.
 */
int metrics_http_start(const struct metrics_http_config *config,
		       metrics_render_fn render, void *ctx,
		       struct metrics_http **out, char *err, size_t err_len);

/* The port actually bound (useful with port 0). */
uint16_t metrics_http_port(const struct metrics_http *h);

/* Stop serving (waits for the threads) and free.  NULL is a no-op. */
void metrics_http_stop(struct metrics_http *h);

#endif
