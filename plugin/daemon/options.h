/*
 * options.h: the daemon's command line.  Parsing is a pure function (no
 * printing, no exit) so unit tests can drive it; main() prints the error
 * line or the help text.
 */
#ifndef PLUGIN_OPTIONS_H
#define PLUGIN_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rrdd_protocol.h"
#include "input/backend.h"

#define OPTIONS_ADDR_MAX 64

struct openmetrics_addr {
	bool enabled;
	char host[OPTIONS_ADDR_MAX];	/* numeric IPv4 or IPv6, no brackets */
	uint16_t port;
};

struct options {
	enum backend_kind backend;
	const char *uid;		/* borrowed from argv or a literal */
	const char *metrics_dir;	/* NULL: the library's default */
	const char *rrdd_socket;	/* NULL: RRDD_DEFAULT_SOCKET */
	enum rrdd_ts_format ts_format;
	struct openmetrics_addr openmetrics;
	bool foreground;
	bool verbose;
	double interval;		/* seconds between cycles without rrdd */
	long cycles;			/* stop after this many; 0: never */
};

/*
 * 1 when the daemon is built with the OpenMetrics listener (libmicrohttpd);
 * `make OPENMETRICS=0` builds it without, for hosts that lack the library,
 * and --openmetrics is then refused with OPTIONS_NO_OPENMETRICS.
 */
#ifndef PLUGIN_OPENMETRICS
#define PLUGIN_OPENMETRICS 1
#endif
#define OPTIONS_NO_OPENMETRICS "--openmetrics: this xcp-rrdd-vcpustats was " \
	"built without the OpenMetrics listener (OPENMETRICS=0, no libmicrohttpd)"

#define OPTIONS_DEFAULT_UID "xcp-rrdd-vcpustats"
#define OPTIONS_DEFAULT_INTERVAL 5.0

enum options_result { OPTIONS_RUN = 0, OPTIONS_HELP = 1, OPTIONS_ERROR = -1 };

/*
 * Parse argv into *opts (filled with defaults first).  On OPTIONS_ERROR,
 * err holds one line saying what was wrong.  Resets getopt's state, so it
 * may be called several times in one process.
 */
enum options_result options_parse(int argc, char **argv, struct options *opts,
				  char *err, size_t err_len);

/*
 * Parse "PORT", ":PORT", "ADDR:PORT" or "[ADDR6]:PORT" (loopback when no
 * address is given).  Returns 0, or -1 with err filled.
 */
int options_parse_listen(const char *text, struct openmetrics_addr *out,
			 char *err, size_t err_len);

/* The --help text. */
const char *options_usage(void);

#endif
