/*
 * fake-rrdd.h: a stand-in for xcp-rrdd's socket in unit tests.
 *
 * A thread listens on a Unix socket in a fresh temporary directory,
 * accepts one connection, reads one HTTP request and answers it the way
 * the test asked: a proper reply, raw bytes, silence or a hang-up.  The
 * request it read is kept so the test can check what the client sent.
 */
#ifndef FAKE_RRDD_H
#define FAKE_RRDD_H

#include <stddef.h>

enum fake_rrdd_mode {
	FAKE_HTTP,	/* "HTTP/1.1 <status>" with body and Content-Length */
	FAKE_RAW,	/* write body as it is (garbage, truncated replies) */
	FAKE_SILENT,	/* read the request, never answer (until finish) */
	FAKE_CLOSE,	/* read the request, close without answering */
};

struct fake_rrdd;

/*
 * Start answering one request.  body is copied.  Returns NULL (with a
 * message on stderr) when the socket cannot be set up.
 */
struct fake_rrdd *fake_rrdd_start(enum fake_rrdd_mode mode, int status,
				  const char *body);

/* The socket's path (valid until fake_rrdd_free). */
const char *fake_rrdd_path(const struct fake_rrdd *fake);

/* Stop waiting (a silent fake lets go) and join the thread. */
void fake_rrdd_finish(struct fake_rrdd *fake);

/*
 * The whole request received (headers and body, NUL-terminated), "" if
 * none; call after fake_rrdd_finish.
 */
const char *fake_rrdd_request(const struct fake_rrdd *fake);

/* Finish if needed, remove the socket and its directory, free. */
void fake_rrdd_free(struct fake_rrdd *fake);

/*
 * A socket file that nobody listens on (bound, then closed), in a fresh
 * temporary directory: connecting to it is refused.  Returns a malloc'd
 * path, or NULL; fake_rrdd_remove_path cleans up.
 */
char *fake_rrdd_dead_socket(void);

/* Remove a path made by fake_rrdd_dead_socket (or any file in a fresh
 * temporary directory), its directory, and free it. */
void fake_rrdd_remove_path(char *path);

/*
 * An xcp-rrdd reply as rpclib writes it: {Status: Success, Value: value}
 * where value is the XML inside <value> (e.g. "<double>4.5</double>").
 * Returns a malloc'd string.
 */
char *fake_rrdd_success(const char *value);

/* {Status: Failure, ErrorDescription: description}, likewise. */
char *fake_rrdd_failure(const char *description);

#endif /* FAKE_RRDD_H */
