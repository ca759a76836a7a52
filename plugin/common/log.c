/* log.c: syslog or stderr, one line per call. */
#include "common/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

static bool use_stderr = true;
static bool show_debug;
static bool syslog_open;

void log_setup(const char *ident, bool to_stderr, bool verbose)
{
	use_stderr = to_stderr;
	show_debug = verbose;
	if (!to_stderr && !syslog_open) {
		openlog(ident, LOG_PID, LOG_DAEMON);
		syslog_open = true;
	}
}

static int syslog_priority(enum log_level level)
{
	switch (level) {
	case LOG_LVL_ERR: return LOG_ERR;
	case LOG_LVL_WARN: return LOG_WARNING;
	case LOG_LVL_INFO: return LOG_INFO;
	default: return LOG_DEBUG;
	}
}

static const char *level_tag(enum log_level level)
{
	switch (level) {
	case LOG_LVL_ERR: return "error";
	case LOG_LVL_WARN: return "warning";
	case LOG_LVL_INFO: return "info";
	default: return "debug";
	}
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level == LOG_LVL_DEBUG && !show_debug)
		return;
	va_start(ap, fmt);
	if (use_stderr) {
		/* One write per line: lines from several processes sharing
		 * the descriptor stay whole. */
		char line[1024];
		int len = snprintf(line, sizeof(line), "xcp-rrdd-vcpustats: %s: ",
				   level_tag(level));

		if (len > 0 && (size_t)len < sizeof(line))
			vsnprintf(line + len, sizeof(line) - (size_t)len, fmt,
				  ap);
		fprintf(stderr, "%s\n", line);
	} else {
		vsyslog(syslog_priority(level), fmt, ap);
	}
	va_end(ap);
}
