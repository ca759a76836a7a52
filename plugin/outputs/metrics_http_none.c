/*
 * metrics_http_none.c: the listener in a build without libmicrohttpd
 * (`make OPENMETRICS=0`, replacing metrics_http.c).  The daemon refuses
 * --openmetrics before it gets here (options.h); should anything still ask
 * for a listener, it gets a clear error instead of a link failure.
 */
#include "outputs/metrics_http.h"

#include "common/fail.h"

int metrics_http_start(const struct metrics_http_config *config,
		       metrics_render_fn render, void *ctx,
		       struct metrics_http **out, char *err, size_t err_len)
{
	(void)config;
	(void)render;
	(void)ctx;
	*out = NULL;
	return fail_with(err, err_len, -1, "openmetrics listener: this build "
			 "has none (built with OPENMETRICS=0, without "
			 "libmicrohttpd)");
}

uint16_t metrics_http_port(const struct metrics_http *h)
{
	(void)h;
	return 0;
}

void metrics_http_stop(struct metrics_http *h)
{
	(void)h;
}
