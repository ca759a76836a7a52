/*
 * rrdd-register: xcp-rrdd's registration calls from the command line, so
 * a shell script can be a plugin.
 *
 *   rrdd-register [--socket PATH] [--timeout MS] register UID
 *   rrdd-register [--socket PATH] [--timeout MS] next_reading UID
 *   rrdd-register [--socket PATH] [--timeout MS] deregister UID
 *
 * register and next_reading print the seconds until xcp-rrdd's next read
 * (e.g. "4.503"); deregister prints nothing.  On failure: one line on
 * stderr and exit status 1 (2 for bad usage).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rrdd_protocol.h"

static void usage(void)
{
	fprintf(stderr, "usage: rrdd-register [--socket PATH] [--timeout MS] "
		"register|next_reading|deregister UID\n");
}

static int parse_timeout(const char *s, int *ms)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v <= 0 || v > 3600L * 1000)
		return -1;
	*ms = (int)v;
	return 0;
}

static int parse_options(int argc, char **argv, struct rrdd_rpc_options *o)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "timeout", required_argument, NULL, 't' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's') {
			o->socket_path = optarg;
		} else if (c == 't' && parse_timeout(optarg, &o->timeout_ms) == 0) {
			continue;
		} else {
			if (c == 't')
				fprintf(stderr, "rrdd-register: bad --timeout %s\n",
					optarg);
			return -1;
		}
	}
	return optind + 2 == argc ? 0 : -1;
}

static int run(const struct rrdd_rpc_options *o, const char *op,
	       const char *uid, struct rrdd_error *err)
{
	double seconds;
	int rc;

	if (strcmp(op, "register") == 0)
		rc = rrdd_rpc_register(o, uid, RRDD_FIVE_SECONDS, &seconds, err);
	else if (strcmp(op, "next_reading") == 0)
		rc = rrdd_rpc_next_reading(o, uid, &seconds, err);
	else if (strcmp(op, "deregister") == 0)
		return rrdd_rpc_deregister(o, uid, err);
	else
		return 1;
	if (rc == 0)
		printf("%.3f\n", seconds);
	return rc;
}

int main(int argc, char **argv)
{
	struct rrdd_rpc_options o = { NULL, 0 };
	struct rrdd_error err;
	int rc;

	if (parse_options(argc, argv, &o) < 0) {
		usage();
		return 2;
	}
	rc = run(&o, argv[optind], argv[optind + 1], &err);
	if (rc == 1) {
		usage();
		return 2;
	}
	if (rc != 0) {
		fprintf(stderr, "rrdd-register: %s\n", err.msg);
		return 1;
	}
	return 0;
}
