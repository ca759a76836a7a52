/* options.c: command-line parsing for xcp-rrdd-vcpustats. */
#include "daemon/options.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/fail.h"

static const char usage_text[] =
"Usage: xcp-rrdd-vcpustats [OPTION]...\n"
"Publish per-VM and per-host CPU datasources to xcp-rrdd (plugin protocol v2),\n"
"reading per-vCPU counters from Xen's stats tables instead of hypercalls.\n"
"\n"
"  -b, --backend=KIND       table, hypercall or auto (default auto: table,\n"
"                           hypercall when the hypervisor lacks stats tables)\n"
"  -u, --uid=UID            plugin uid and payload file name\n"
"                           (default " OPTIONS_DEFAULT_UID ")\n"
"  -d, --metrics-dir=DIR    where the payload file goes (default /dev/shm/metrics)\n"
"  -s, --rrdd-socket=PATH   xcp-rrdd's socket (default " RRDD_DEFAULT_SOCKET ")\n"
"  -t, --timestamp=FORMAT   float (xen-api >= v24.40, default) or int\n"
"  -m, --openmetrics=[ADDR:]PORT\n"
"                           also serve the samples as OpenMetrics text on\n"
"                           http://ADDR:PORT/metrics (loopback by default;\n"
"                           IPv6 as [ADDR]:PORT); off by default\n"
#if !PLUGIN_OPENMETRICS
"                           (not in this build: built with OPENMETRICS=0)\n"
#endif
"  -f, --foreground         stay in the foreground and log to stderr\n"
"  -v, --verbose            log debug lines too\n"
"  -i, --interval=SECONDS   cycle period while xcp-rrdd is absent (default 5)\n"
"  -n, --cycles=N           exit after N cycles (tests; default: run forever)\n"
"  -h, --help               show this help and exit\n"
"\n"
"SIGTERM or SIGINT: deregister from xcp-rrdd, remove the payload file, exit 0.\n";

const char *options_usage(void)
{
	return usage_text;
}

static void set_defaults(struct options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->backend = BACKEND_AUTO;
	opts->uid = OPTIONS_DEFAULT_UID;
	opts->ts_format = RRDD_TS_FLOAT;
	opts->interval = OPTIONS_DEFAULT_INTERVAL;
}

static int parse_timestamp(const char *text, enum rrdd_ts_format *out)
{
	if (strcmp(text, "float") == 0)
		*out = RRDD_TS_FLOAT;
	else if (strcmp(text, "int") == 0 || strcmp(text, "int64") == 0)
		*out = RRDD_TS_INT64;
	else
		return -1;
	return 0;
}

static int parse_interval(const char *text, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text || *end || !isfinite(v) || v < 0.01 || v > 3600)
		return -1;
	*out = v;
	return 0;
}

static int parse_cycles(const char *text, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < 0)
		return -1;
	*out = v;
	return 0;
}

static int parse_port(const char *text, uint16_t *port)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || end == text || *end || v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* Split "[v6]:port", "addr:port", ":port" or "port" into host and port text. */
static int split_listen(const char *text, char *host, const char **port)
{
	const char *colon;
	size_t len;

	if (text[0] == '[') {
		const char *close = strchr(text, ']');

		if (!close || close[1] != ':')
			return -1;
		len = (size_t)(close - text - 1);
		if (len == 0 || len >= OPTIONS_ADDR_MAX)
			return -1;
		memcpy(host, text + 1, len);
		host[len] = '\0';
		*port = close + 2;
		return 0;
	}
	colon = strrchr(text, ':');
	if (!colon) {
		snprintf(host, OPTIONS_ADDR_MAX, "127.0.0.1");
		*port = text;
		return 0;
	}
	len = (size_t)(colon - text);
	if (len >= OPTIONS_ADDR_MAX || memchr(text, ':', len))
		return -1;	/* bare IPv6 needs brackets */
	if (len == 0) {
		snprintf(host, OPTIONS_ADDR_MAX, "127.0.0.1");
	} else {
		memcpy(host, text, len);
		host[len] = '\0';
	}
	*port = colon + 1;
	return 0;
}

int options_parse_listen(const char *text, struct openmetrics_addr *out,
			 char *err, size_t err_len)
{
	unsigned char buf[sizeof(struct in6_addr)];
	struct openmetrics_addr addr = { .enabled = true };
	const char *port;

	if (split_listen(text, addr.host, &port) != 0) {
		return fail_with(err, err_len, -1, "--openmetrics '%s': "
				 "expected [ADDR:]PORT or [IPV6]:PORT", text);
	}
	if (inet_pton(AF_INET, addr.host, buf) != 1 &&
	    inet_pton(AF_INET6, addr.host, buf) != 1) {
		return fail_with(err, err_len, -1, "--openmetrics '%s': '%s' "
				 "is not a numeric IPv4 or IPv6 address",
				 text, addr.host);
	}
	if (parse_port(port, &addr.port) != 0) {
		return fail_with(err, err_len, -1, "--openmetrics '%s': port "
				 "must be 1-65535", text);
	}
	*out = addr;
	return 0;
}

static const struct option long_options[] = {
	{ "backend", required_argument, NULL, 'b' },
	{ "uid", required_argument, NULL, 'u' },
	{ "metrics-dir", required_argument, NULL, 'd' },
	{ "rrdd-socket", required_argument, NULL, 's' },
	{ "timestamp", required_argument, NULL, 't' },
	{ "openmetrics", required_argument, NULL, 'm' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "interval", required_argument, NULL, 'i' },
	{ "cycles", required_argument, NULL, 'n' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* Apply one option; returns OPTIONS_RUN, OPTIONS_HELP or OPTIONS_ERROR. */
static enum options_result apply(int c, const char *arg, struct options *opts,
				 char *err, size_t err_len)
{
	struct rrdd_error uid_err;

	switch (c) {
	case 'b':
		if (backend_kind_parse(arg, &opts->backend) == 0)
			return OPTIONS_RUN;
		return fail_with(err, err_len, OPTIONS_ERROR, "--backend '%s': "
				 "expected table, hypercall or auto", arg);
	case 'u':
		if (rrdd_check_uid(arg, &uid_err) == RRDD_OK) {
			opts->uid = arg;
			return OPTIONS_RUN;
		}
		return fail_with(err, err_len, OPTIONS_ERROR, "--uid '%s': %s",
				 arg, uid_err.msg);
	case 'd':
		opts->metrics_dir = arg;
		return OPTIONS_RUN;
	case 's':
		opts->rrdd_socket = arg;
		return OPTIONS_RUN;
	case 't':
		if (parse_timestamp(arg, &opts->ts_format) == 0)
			return OPTIONS_RUN;
		return fail_with(err, err_len, OPTIONS_ERROR, "--timestamp '%s': "
				 "expected float or int", arg);
	case 'm':
#if PLUGIN_OPENMETRICS
		return options_parse_listen(arg, &opts->openmetrics, err,
					    err_len) == 0 ? OPTIONS_RUN
							  : OPTIONS_ERROR;
#else
		return fail_with(err, err_len, OPTIONS_ERROR, "%s",
				 OPTIONS_NO_OPENMETRICS);
#endif
	case 'f':
		opts->foreground = true;
		return OPTIONS_RUN;
	case 'v':
		opts->verbose = true;
		return OPTIONS_RUN;
	case 'i':
		if (parse_interval(arg, &opts->interval) == 0)
			return OPTIONS_RUN;
		return fail_with(err, err_len, OPTIONS_ERROR, "--interval '%s': "
				 "expected seconds between 0.01 and 3600", arg);
	case 'n':
		if (parse_cycles(arg, &opts->cycles) == 0)
			return OPTIONS_RUN;
		return fail_with(err, err_len, OPTIONS_ERROR, "--cycles '%s': "
				 "expected a count >= 0", arg);
	case 'h':
		return OPTIONS_HELP;
	default:
		return fail_with(err, err_len, OPTIONS_ERROR, "unknown option or "
				 "missing argument (see --help)");
	}
}

enum options_result options_parse(int argc, char **argv, struct options *opts,
				  char *err, size_t err_len)
{
	enum options_result result = OPTIONS_RUN;
	int c;

	set_defaults(opts);
	err[0] = '\0';
	optind = 0;	/* full reset, so the parser can run more than once */
	opterr = 0;	/* we report errors ourselves, as one line */
	while (result == OPTIONS_RUN &&
	       (c = getopt_long(argc, argv, "+b:u:d:s:t:m:fvi:n:h",
				long_options, NULL)) != -1)
		result = apply(c, optarg, opts, err, err_len);
	if (result == OPTIONS_RUN && optind < argc) {
		snprintf(err, err_len, "unexpected argument '%s' (see --help)",
			 argv[optind]);
		result = OPTIONS_ERROR;
	}
	return result;
}
