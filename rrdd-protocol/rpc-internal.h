/*
 * rpc-internal.h: the pieces of the registration client (rpc.c) that live
 * in their own files: the XML-RPC encoding (rpc-xml.c) and the HTTP
 * transport over a Unix socket (rpc-http.c).  Not part of the API.
 */
#ifndef RRDD_RPC_INTERNAL_H
#define RRDD_RPC_INTERNAL_H

#include <stddef.h>

#include "rrdd_protocol.h"

/* Replies larger than this are refused: xcp-rrdd's are a few hundred bytes. */
#define RRDD_RPC_MAX_REPLY ((size_t)1024 * 1024)

/* One named string member of the request struct. */
struct rrdd_rpc_member {
	const char *name;
	const char *value;
};

/*
 * Build the XML-RPC request body for method with one struct parameter of
 * n string members (rpclib's encoding of named arguments).  Values are
 * XML-escaped.  *body is malloc'd and NUL-terminated; the caller frees it.
 */
int rrdd_xmlrpc_request(const char *method, const struct rrdd_rpc_member *m,
			size_t n, char **body, size_t *len,
			struct rrdd_error *err);

/* What a well-formed xcp-rrdd reply said. */
struct rrdd_rpc_reply {
	int has_number;		/* Value was a finite number */
	double number;		/* ... and this is it */
};

/*
 * Parse the reply body of method: a methodResponse holding a struct with
 * Status "Success" and a Value, or Status "Failure" with an
 * ErrorDescription (RRDD_EFAILURE, its text in err->msg), or an XML-RPC
 * fault (RRDD_EFAILURE).  Anything else is RRDD_EREPLY.
 */
int rrdd_xmlrpc_parse_reply(const char *method, const char *body, size_t len,
			    struct rrdd_rpc_reply *reply,
			    struct rrdd_error *err);

/*
 * POST body to "/" over the Unix socket at socket_path, the whole call
 * bounded by timeout_ms.  On success (HTTP 200) *reply is the malloc'd,
 * NUL-terminated response body.  Errors: RRDD_ENOSOCK, RRDD_ECONNREFUSED,
 * RRDD_ETIMEDOUT, RRDD_EHTTP, RRDD_EREPLY (no reply, or a truncated one),
 * RRDD_EIO, RRDD_ENOMEM.
 */
int rrdd_http_post(const char *socket_path, int timeout_ms, const char *body,
		   size_t len, char **reply, size_t *reply_len,
		   struct rrdd_error *err);

/*
 * Copy text into dst (dst_len bytes, NUL-terminated) on one line: control
 * characters become spaces, so server text cannot break a log line.
 */
void rrdd_rpc_one_line(char *dst, size_t dst_len, const char *text,
		       size_t text_len);

#endif /* RRDD_RPC_INTERNAL_H */
