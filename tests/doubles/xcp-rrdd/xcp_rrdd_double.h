/*
 * xcp_rrdd_double.h: the project's one xcp-rrdd stand-in, run in a
 * thread of a unit test.  The very code of the rrdd-mock program
 * (mock/): the registration calls on a Unix socket, the discovery of
 * the metrics directory, and every period a read of each registered
 * plugin's file the way xcp-rrdd reads it (opened once at registration,
 * "no update" and errors backing the plugin off), rates as rrd.ml.
 *
 * Everything returned is a copy taken under the double's lock, so a test
 * may ask while its code under test is talking to the double.
 */
#ifndef XCP_RRDD_DOUBLE_H
#define XCP_RRDD_DOUBLE_H

#include <stdbool.h>
#include <stddef.h>

struct xrd_options {
	const char *metrics_dir;	/* watched and read; must exist.  NULL:
					   an empty one of its own */
	double period;			/* seconds between reads; <= 0: 5 */
	double first_read;		/* seconds to the first; <= 0: period */
	bool verbose;			/* its JSON lines on stderr */
};

/* What happened so far. */
struct xrd_counts {
	unsigned register_calls;	/* Plugin.Local.register, any answer */
	unsigned register_failures;	/* ... answered Status Failure */
	unsigned deregister_calls;	/* Plugin.Local.deregister */
	unsigned opened;		/* readers made (call or discovery) */
	unsigned closed;		/* readers dropped (call or discovery) */
	unsigned reads;			/* good reads */
	unsigned no_updates;		/* data CRC unchanged since last read */
	unsigned errors;		/* failed reads */
};

struct xcp_rrdd_double;

/* Listen on a socket in a fresh temporary directory and start the
 * thread.  NULL, with a line on stderr, when that fails. */
struct xcp_rrdd_double *xrd_start(const struct xrd_options *options);

/* The socket to give the code under test (valid until xrd_stop). */
const char *xrd_socket_path(const struct xcp_rrdd_double *x);

/* From now on answer every register with Status Failure (or not). */
void xrd_fail_registrations(struct xcp_rrdd_double *x, bool fail);

struct xrd_counts xrd_counts(struct xcp_rrdd_double *x);
bool xrd_is_registered(struct xcp_rrdd_double *x, const char *uid);
/* The payload timestamp of uid's last good read; NAN if none. */
double xrd_last_timestamp(struct xcp_rrdd_double *x, const char *uid);
/* The uid of the last register call ("" if none). */
void xrd_last_uid(struct xcp_rrdd_double *x, char *out, size_t len);

/*
 * Misbehaving on purpose, for a client's error paths: the next
 * connection is answered as told instead of as xcp-rrdd answers, and the
 * request it carried is kept.  Until it comes the double serves nothing
 * else.
 */
enum xrd_answer {
	XRD_ANSWER_HTTP,	/* HTTP/1.1 status, Content-Length, body */
	XRD_ANSWER_RAW,		/* body as it is (not HTTP, cut short...) */
	XRD_ANSWER_SILENT,	/* read the request, never answer */
	XRD_ANSWER_CLOSE,	/* read the request, hang up */
};

void xrd_answer_next(struct xcp_rrdd_double *x, enum xrd_answer how,
		     int status, const char *body);

/* The whole request (headers and body) of the last such connection, ""
 * before one came; malloc'd. */
char *xrd_answered_request(struct xcp_rrdd_double *x);

/* xcp-rrdd's reply envelopes, as rpclib writes them, malloc'd:
 * {Status: Success, Value: <value>value_xml</value>} and
 * {Status: Failure, ErrorDescription: <value>description_xml</value>}. */
char *xrd_reply_success(const char *value_xml);
char *xrd_reply_failure(const char *description_xml);

/* Stop the thread, remove the socket and its directory, free. */
void xrd_stop(struct xcp_rrdd_double *x);

#endif /* XCP_RRDD_DOUBLE_H */
