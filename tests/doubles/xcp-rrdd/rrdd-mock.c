/*
 * rrdd-mock: a stand-in for xcp-rrdd, for tests and demos.
 *
 *   rrdd-mock --socket PATH --metrics-dir DIR [--period S] [--cycles N]
 *
 * It answers Plugin.Local.register / next_reading / deregister as XML-RPC
 * over HTTP on the Unix socket PATH, and every S seconds (default 5) reads
 * each registered plugin's DIR/<uid> the way xcp-rrdd does:
 *
 * - The file is opened when the plugin first registers (registering
 *   before the file exists fails, as in xcp-rrdd) and read through that
 *   descriptor at the size it had then: xcp-rrdd maps it once, so a file
 *   replaced by rename or grown later is not seen until the plugin
 *   deregisters and registers again.
 * - A data CRC equal to the last one is "no update"; that and any error
 *   back the plugin off: 1, 3, 7, ... cycles skipped (xcp-rrdd doubles a
 *   skip count up to 256 and resets it after a good read).
 * - Like xcp-rrdd's discovery, it watches DIR: every file there at start,
 *   created or moved in registers its plugin; one deleted or moved out
 *   deregisters it ("*.tmp" and "tap-*" aside).
 * - Rates follow xcp-rrdd's rrd.ml, with the payload's timestamps as the
 *   interval: gauge as is, absolute v / dt, derive (v - v_prev) / dt;
 *   then the inverse transform (1 - x); a derive up to 5% over max is
 *   max; anything else outside min..max is NaN, as is a derive or
 *   absolute with no previous sample, or an interval over 300 s.  An
 *   interval that goes backwards counts as 5 s (rrd.ml's work-around).
 *
 * Output: one JSON line per datasource per cycle on stdout,
 *   {"t", "cycle", "uid", "owner", "name", "rate"}   (rate null for NaN)
 * and one line per event: {"t", "cycle", "uid", "event", ...} with event
 * "register", "deregister", "no update", "error" (with "error"), or
 * "skipped"; backed-off events carry "skip", the cycles still to skip.
 * The work is in mock/ (also a library that unit tests run in-process,
 * xcp_rrdd_double.h); this file is only the command line.
 * Exits after N cycles if --cycles is given, or on SIGTERM/SIGINT.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "mock/mock.h"

static int signal_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* A plugin that hangs up early must not kill us. */
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC);
}

static void usage(void)
{
	fprintf(stderr, "usage: rrdd-mock --socket PATH --metrics-dir DIR "
		"[--period S] [--cycles N]\n");
}

static bool parse_positive(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && end != s && !*end && isfinite(*out) && *out > 0;
}

static int parse_args(int argc, char **argv, struct mock *m)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "metrics-dir", required_argument, NULL, 'd' },
		{ "period", required_argument, NULL, 'p' },
		{ "cycles", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	double cycles;
	int c;

	m->period = 5.0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': m->socket_path = optarg; break;
		case 'd': m->dir = optarg; break;
		case 'p':
			if (!parse_positive(optarg, &m->period)) {
				fprintf(stderr, "rrdd-mock: bad --period %s\n", optarg);
				return -1;
			}
			break;
		case 'c':
			if (!parse_positive(optarg, &cycles) ||
			    cycles != floor(cycles) || cycles > 1e9) {
				fprintf(stderr, "rrdd-mock: bad --cycles %s\n", optarg);
				return -1;
			}
			m->cycles = (long)cycles;
			break;
		default:
			return -1;
		}
	}
	if (!m->socket_path || !m->dir || optind != argc)
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct mock m;
	struct MHD_Daemon *d;
	int lfd, sfd, rc;

	memset(&m, 0, sizeof(m));
	m.inotify_fd = -1;
	if (parse_args(argc, argv, &m) < 0) {
		usage();
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	m.out = stdout;
	xmlInitParser();
	sfd = signal_fd();
	if (sfd < 0 || mock_discovery_start(&m) < 0) {
		fprintf(stderr, "rrdd-mock: cannot watch %s: %s\n", m.dir,
			strerror(errno));
		return 1;
	}
	lfd = mock_listen_unix(m.socket_path);
	if (lfd < 0)
		return 1;
	m.listen_fd = lfd;
	d = mock_http_start(&m, lfd);
	if (!d) {
		fprintf(stderr, "rrdd-mock: libmicrohttpd did not start\n");
		close(lfd);
		unlink(m.socket_path);
		return 1;
	}
	rc = mock_serve(&m, d, sfd, NULL);
	MHD_stop_daemon(d);	/* closes lfd too */
	unlink(m.socket_path);
	close(sfd);
	mock_discovery_stop(&m);
	mock_free_plugins(&m);
	xmlCleanupParser();
	if (rc < 0)
		fprintf(stderr, "rrdd-mock: poll: %s\n", strerror(errno));
	return rc < 0 ? 1 : 0;
}
