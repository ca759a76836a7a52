/*
 * rpc.c: registration with xcp-rrdd: Plugin.Local.register, next_reading
 * and deregister, as XML-RPC over HTTP on xcp-rrdd's Unix socket.
 *
 * The encoding is in rpc-xml.c, the transport in rpc-http.c; this file
 * checks the arguments, initialises libcurl and libxml2 once per process,
 * and reads the number out of the reply.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <libxml/parser.h>

#include "internal.h"
#include "rpc-internal.h"

#define DEFAULT_TIMEOUT_MS 5000

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_status = CURLE_FAILED_INIT;

/*
 * curl_global_init and xmlInitParser are not thread-safe on older
 * releases: run them once, whichever thread calls first (see the rpc
 * section of rrdd_protocol.h).
 */
static void global_init(void)
{
	global_status = curl_global_init(CURL_GLOBAL_DEFAULT);
	xmlInitParser();
}

static int init_once(struct rrdd_error *err)
{
	pthread_once(&global_once, global_init);
	if (global_status != CURLE_OK)
		return rrdd_fail(err, RRDD_EIO, 0, "libcurl initialisation failed: %s",
				 curl_easy_strerror(global_status));
	return 0;
}

static const char *socket_of(const struct rrdd_rpc_options *options)
{
	return options && options->socket_path ? options->socket_path :
						  RRDD_DEFAULT_SOCKET;
}

static int timeout_of(const struct rrdd_rpc_options *options)
{
	return options && options->timeout_ms > 0 ? options->timeout_ms :
						 DEFAULT_TIMEOUT_MS;
}

/* One call: encode, post, parse. */
static int call(const struct rrdd_rpc_options *options, const char *method,
		const struct rrdd_rpc_member *m, size_t n,
		struct rrdd_rpc_reply *reply, struct rrdd_error *err)
{
	char *body = NULL, *answer = NULL;
	size_t len = 0, answer_len = 0;
	int rc;

	if ((rc = init_once(err)))
		return rc;
	if ((rc = rrdd_xmlrpc_request(method, m, n, &body, &len, err)))
		return rc;
	rc = rrdd_http_post(socket_of(options), timeout_of(options), body,
			    len, &answer, &answer_len, err);
	if (rc == 0)
		rc = rrdd_xmlrpc_parse_reply(method, answer, answer_len, reply,
					     err);
	free(body);
	free(answer);
	return rc;
}

/* register and next_reading answer the seconds to the next read. */
static int call_for_seconds(const struct rrdd_rpc_options *options,
			    const char *method,
			    const struct rrdd_rpc_member *m, size_t n,
			    double *seconds, struct rrdd_error *err)
{
	struct rrdd_rpc_reply reply;
	int rc;

	if (!seconds)
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "%s: no place for the result", method);
	if ((rc = call(options, method, m, n, &reply, err)))
		return rc;
	if (!reply.has_number)
		return rrdd_fail(err, RRDD_EREPLY, 0,
				 "xcp-rrdd's reply to %s has a Value that is not a number",
				 method);
	*seconds = reply.number;
	rrdd_error_clear(err);
	return 0;
}

int rrdd_rpc_register(const struct rrdd_rpc_options *options,
		      const char *uid, enum rrdd_frequency frequency,
		      double *next_reading, struct rrdd_error *err)
{
	struct rrdd_rpc_member m[] = {
		{ "uid", uid },
		{ "info", "Five_Seconds" },
		{ "protocol", "V2" },
	};
	int rc;

	if ((rc = rrdd_check_uid(uid, err)))
		return rc;
	if (frequency != RRDD_FIVE_SECONDS)
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "unknown frequency %d", (int)frequency);
	return call_for_seconds(options, "Plugin.Local.register", m, 3,
				next_reading, err);
}

int rrdd_rpc_next_reading(const struct rrdd_rpc_options *options,
			  const char *uid, double *next_reading,
			  struct rrdd_error *err)
{
	struct rrdd_rpc_member m[] = { { "uid", uid } };
	int rc;

	if ((rc = rrdd_check_uid(uid, err)))
		return rc;
	return call_for_seconds(options, "Plugin.Local.next_reading", m, 1,
				next_reading, err);
}

int rrdd_rpc_deregister(const struct rrdd_rpc_options *options,
			const char *uid, struct rrdd_error *err)
{
	struct rrdd_rpc_member m[] = { { "uid", uid } };
	struct rrdd_rpc_reply reply;
	int rc;

	if ((rc = rrdd_check_uid(uid, err)))
		return rc;
	/* Its Value is unit (<nil/>): only the Status matters. */
	if ((rc = call(options, "Plugin.Local.deregister", m, 1, &reply, err)))
		return rc;
	rrdd_error_clear(err);
	return 0;
}
