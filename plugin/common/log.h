/*
 * log.h: the daemon's logging.  Syslog by default; stderr when running in
 * the foreground (tests, debugging).  Library-style modules of the plugin
 * (table reader, derive, datasources) never log: they return errors and
 * the caller logs.
 */
#ifndef PLUGIN_LOG_H
#define PLUGIN_LOG_H

#include <stdbool.h>

enum log_level { LOG_LVL_ERR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* to_stderr: write lines to stderr instead of syslog.  verbose: show
 * LOG_LVL_DEBUG lines too.  Safe to call again (tests). */
void log_setup(const char *ident, bool to_stderr, bool verbose);

void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
