/*
 * mock.h: the parts of rrdd-mock (tests/doubles/xcp-rrdd/rrdd-mock.c), an
 * xcp-rrdd stand-in for tests and demos.  See that file for what it does.
 */
#ifndef RRDD_MOCK_H
#define RRDD_MOCK_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

#include "rrdd_protocol.h"

struct plugin;

struct mock {
	const char *socket_path;
	const char *dir;
	double period;
	long cycles;		/* 0: run until signalled */
	long cycle;		/* cycles run so far */
	double next_read;	/* monotonic seconds */
	struct plugin *plugins;
};

/* The last sample of one datasource, for derive rates. */
struct ds_state {
	char *key;		/* owner + "/" + name */
	enum rrdd_value_type value_type;
	union rrdd_value value;
	double t;
};

/* util.c: clocks, and allocation that exits on failure (a test tool). */
double mock_mono_now(void);
double mock_wall_now(void);
void *xmalloc(size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xstrdup(const char *s);

/* output.c: the JSON lines on stdout. */
void mock_print_event(const struct mock *m, const char *uid,
		      const char *event, const char *error, int skip);
void mock_print_rate(const struct mock *m, const char *uid,
		     const char *owner, const struct rrdd_ds *ds, double ts,
		     double rate);

/* rates.c: xcp-rrdd's rate of one sample (NaN when unknown). */
double mock_rate(const struct rrdd_ds *ds, union rrdd_value v, double t,
		 const struct ds_state *prev);

/* plugins.c: registration and the reads of each cycle. */
int mock_register(struct mock *m, const char *uid, char *why,
		  size_t why_len);
bool mock_is_registered(const struct mock *m, const char *uid);
void mock_deregister(struct mock *m, const char *uid);
void mock_run_cycle(struct mock *m);
void mock_free_plugins(struct mock *m);

/* xmlrpc.c: an HTTP answer to a request body. */
struct mock_answer {
	unsigned int status;	/* HTTP */
	char *body;		/* malloc'd */
};

struct mock_answer mock_xmlrpc_answer(struct mock *m, const char *body,
				      size_t len);
struct mock_answer mock_text_answer(unsigned int status, const char *text);

/* http.c: libmicrohttpd on a Unix socket we bind ourselves. */
int mock_listen_unix(const char *path);
struct MHD_Daemon *mock_http_start(struct mock *m, int listen_fd);

#endif /* RRDD_MOCK_H */
