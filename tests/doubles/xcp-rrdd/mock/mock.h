/*
 * mock.h: the parts of the xcp-rrdd double, shared by the rrdd-mock
 * program (../rrdd-mock.c, which says what it does) and the in-process
 * library (../xcp_rrdd_double.h, double.c).
 */
#ifndef RRDD_MOCK_H
#define RRDD_MOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <pthread.h>

#include <microhttpd.h>

#include "rrdd_protocol.h"
#include "xcp_rrdd_double.h"

struct plugin;
struct script;

struct mock {
	const char *socket_path;
	const char *dir;
	double period;
	double first_read;	/* seconds from start to the first read */
	long cycles;		/* 0: run until signalled */
	long cycle;		/* cycles run so far */
	double next_read;	/* monotonic seconds */
	struct plugin *plugins;
	FILE *out;		/* the JSON lines; NULL: none */
	int inotify_fd;		/* discovery; -1 when off */
	bool fail_register;	/* answer register with Status Failure */
	int listen_fd;		/* the socket libmicrohttpd serves */
	struct script *script;	/* the next connection's scripted answer */
	struct xrd_counts counts;
	char last_uid[128];	/* of the last register call */
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

/* rates.c: the clamp for a rate over max (exposed for tests). */
#define MOCK_DERIVE_OVER_MAX 1.05

/* plugins.c: registration and the reads of each cycle. */
int mock_register(struct mock *m, const char *uid, char *why,
		  size_t why_len);
bool mock_is_registered(const struct mock *m, const char *uid);
void mock_deregister(struct mock *m, const char *uid);
void mock_run_cycle(struct mock *m);
void mock_free_plugins(struct mock *m);
/* The timestamp of uid's last good read; NAN if none. */
double mock_last_timestamp(const struct mock *m, const char *uid);

/* discovery.c: xcp-rrdd's watch on the metrics directory.  Start
 * registers every plugin file already there; then a file created or
 * moved in registers its plugin, one deleted or moved out deregisters it.
 * Names ending in ".tmp" or starting with "tap-" are ignored. */
int mock_discovery_start(struct mock *m);
void mock_discovery_handle(struct mock *m);
void mock_discovery_stop(struct mock *m);

/* scripted.c: the next connection answered as a test says (see
 * xrd_answer_next); the loop hands it over when armed and readable. */
void mock_script(struct mock *m, enum xrd_answer how, int status,
		 const char *body);
bool mock_script_armed(const struct mock *m);
void mock_script_serve(struct mock *m);
const char *mock_script_request(const struct mock *m);
void mock_script_free(struct mock *m);

/* xmlrpc.c: rpclib's reply envelopes (malloc'd). */
char *mock_reply_success(const char *value_xml);
char *mock_reply_failure(const char *description_xml);

/* loop.c: serve calls, discovery and cycles until stop_fd is readable or
 * m->cycles have run.  Everything runs with lock held (when not NULL),
 * so another thread may look at m between iterations.  -1 on poll
 * failure. */
int mock_serve(struct mock *m, struct MHD_Daemon *d, int stop_fd,
	       pthread_mutex_t *lock);

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
