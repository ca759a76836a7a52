/*
 * rpc-http.c: one HTTP POST over xcp-rrdd's Unix socket, with libcurl.
 *
 * libcurl does the HTTP (status line, Content-Length or chunked bodies,
 * a whole-call timeout); this file maps its outcomes onto the library's
 * error codes, each with one line that names the socket.  The socket is
 * looked at first so "absent" and "not a socket" are told apart from
 * "nobody listening", which curl alone reports alike.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <curl/curl.h>

#include "internal.h"
#include "rpc-internal.h"

struct reply_buf {
	char *data;
	size_t len;
	bool too_large;
	bool no_memory;
};

/* curl's write callback: collect the body, bounded. */
static size_t collect(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct reply_buf *r = userdata;
	size_t n = size * nmemb;
	char *p;

	if (r->len + n > RRDD_RPC_MAX_REPLY) {
		r->too_large = true;
		return 0;	/* makes curl stop with CURLE_WRITE_ERROR */
	}
	p = realloc(r->data, r->len + n + 1);
	if (!p) {
		r->no_memory = true;
		return 0;
	}
	memcpy(p + r->len, ptr, n);
	r->data = p;
	r->len += n;
	r->data[r->len] = '\0';
	return n;
}

static int check_socket(const char *path, struct rrdd_error *err)
{
	struct sockaddr_un sun;
	struct stat st;

	if (strlen(path) >= sizeof(sun.sun_path))
		return rrdd_fail(err, RRDD_EINVAL, 0,
				 "socket path %s is longer than a Unix socket allows",
				 path);
	if (stat(path, &st) < 0) {
		int e = errno;

		if (e == ENOENT || e == ENOTDIR)
			return rrdd_fail(err, RRDD_ENOSOCK, e,
					 "xcp-rrdd socket %s: %m (is xcp-rrdd running?)",
					 path);
		return rrdd_fail(err, RRDD_EIO, e, "xcp-rrdd socket %s: %m",
				 path);
	}
	if (!S_ISSOCK(st.st_mode))
		return rrdd_fail(err, RRDD_ENOSOCK, 0,
				 "xcp-rrdd socket %s exists but is not a socket",
				 path);
	return 0;
}

/* CURLE_COULDNT_CONNECT: the errno behind it says which case this is. */
static int connect_failed(CURL *curl, const char *path, const char *detail,
			  struct rrdd_error *err)
{
	long os_errno = 0;
	int e;

	curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
	e = (int)os_errno;
	if (e == ECONNREFUSED)
		return rrdd_fail(err, RRDD_ECONNREFUSED, e,
				 "xcp-rrdd socket %s: nobody is listening (%m)",
				 path);
	if (e == ENOENT)
		return rrdd_fail(err, RRDD_ENOSOCK, e,
				 "xcp-rrdd socket %s: %m", path);
	if (e == EAGAIN)
		return rrdd_fail(err, RRDD_ETIMEDOUT, e,
				 "xcp-rrdd socket %s: backlog full (%m)", path);
	return rrdd_fail(err, RRDD_EIO, e, "connecting to xcp-rrdd at %s: %s",
			 path, detail);
}

static int curl_failed(CURL *curl, CURLcode rc, const char *path,
		       int timeout_ms, const struct reply_buf *r,
		       const char *detail, struct rrdd_error *err)
{
	long os_errno = 0;

	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		return connect_failed(curl, path, detail, err);
	case CURLE_OPERATION_TIMEDOUT:
		return rrdd_fail(err, RRDD_ETIMEDOUT, ETIMEDOUT,
				 "xcp-rrdd at %s did not answer within %d ms",
				 path, timeout_ms);
	case CURLE_GOT_NOTHING:
		return rrdd_fail(err, RRDD_EREPLY, 0,
				 "xcp-rrdd at %s closed the connection without replying",
				 path);
	case CURLE_PARTIAL_FILE:
		return rrdd_fail(err, RRDD_EREPLY, 0,
				 "xcp-rrdd's reply from %s is truncated: %s",
				 path, detail);
	case CURLE_RECV_ERROR:
		curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
		return rrdd_fail(err, RRDD_EREPLY, (int)os_errno,
				 "reading xcp-rrdd's reply from %s: %s", path,
				 detail);
	case CURLE_WRITE_ERROR:
		if (r->too_large)
			return rrdd_fail(err, RRDD_EREPLY, 0,
					 "xcp-rrdd's reply from %s is larger than %zu bytes",
					 path, RRDD_RPC_MAX_REPLY);
		if (r->no_memory)
			return rrdd_fail(err, RRDD_ENOMEM, ENOMEM,
					 "reading xcp-rrdd's reply: %m");
		break;
	case CURLE_OUT_OF_MEMORY:
		return rrdd_fail(err, RRDD_ENOMEM, ENOMEM, "libcurl: %m");
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:	/* HTTP/0.9: no status line */
		return rrdd_fail(err, RRDD_EHTTP, 0,
				 "xcp-rrdd at %s did not answer in HTTP: %s",
				 path, detail);
	default:
		break;
	}
	curl_easy_getinfo(curl, CURLINFO_OS_ERRNO, &os_errno);
	return rrdd_fail(err, RRDD_EIO, (int)os_errno,
			 "HTTP request to xcp-rrdd at %s failed: %s", path,
			 detail);
}

/* A status other than 200: show it with the start of the body. */
static int http_status_failed(long status, const char *path,
			      const struct reply_buf *r,
			      struct rrdd_error *err)
{
	char line[120];

	rrdd_rpc_one_line(line, sizeof(line), r->data ? r->data : "",
			  r->data ? r->len : 0);
	return rrdd_fail(err, RRDD_EHTTP, 0,
			 "xcp-rrdd at %s answered HTTP %ld%s%s", path, status,
			 line[0] ? ": " : "", line);
}

static int setup(CURL *curl, const char *path, int timeout_ms,
		 const char *body, size_t len, struct curl_slist *headers,
		 struct reply_buf *r, char *errbuf)
{
	CURLcode rc = CURLE_OK;

#define SET(opt, val) \
	do { if (rc == CURLE_OK) rc = curl_easy_setopt(curl, opt, val); } while (0)
	SET(CURLOPT_ERRORBUFFER, errbuf);
	SET(CURLOPT_UNIX_SOCKET_PATH, path);
	/* The host name is only the Host header: the socket is the address. */
	SET(CURLOPT_URL, "http://localhost/");
	/* An http_proxy in the environment must not divert the call. */
	SET(CURLOPT_PROXY, "");
	SET(CURLOPT_NOPROXY, "*");
	/* No signals: the library may be used from several threads. */
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_TIMEOUT_MS, (long)timeout_ms);
	SET(CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
	SET(CURLOPT_POST, 1L);
	SET(CURLOPT_POSTFIELDS, body);
	SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	SET(CURLOPT_HTTPHEADER, headers);
	SET(CURLOPT_USERAGENT, "rrdd-protocol");
	SET(CURLOPT_WRITEFUNCTION, collect);
	SET(CURLOPT_WRITEDATA, r);
#undef SET
	return rc == CURLE_OK ? 0 : -1;
}

static struct curl_slist *make_headers(void)
{
	struct curl_slist *h, *next;

	h = curl_slist_append(NULL, "Content-Type: text/xml");
	if (!h)
		return NULL;
	/* No "Expect: 100-continue" round trip: xcp-rrdd does not send 100. */
	next = curl_slist_append(h, "Expect:");
	if (!next) {
		curl_slist_free_all(h);
		return NULL;
	}
	return next;
}

static int perform(CURL *curl, const char *path, int timeout_ms,
		   struct reply_buf *r, const char *errbuf,
		   struct rrdd_error *err)
{
	CURLcode rc = curl_easy_perform(curl);
	const char *detail = errbuf[0] ? errbuf : curl_easy_strerror(rc);
	long status = 0;

	if (rc != CURLE_OK)
		return curl_failed(curl, rc, path, timeout_ms, r, detail, err);
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status != 200)
		return http_status_failed(status, path, r, err);
	return 0;
}

int rrdd_http_post(const char *socket_path, int timeout_ms, const char *body,
		   size_t len, char **reply, size_t *reply_len,
		   struct rrdd_error *err)
{
	struct reply_buf r = { NULL, 0, false, false };
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *headers;
	CURL *curl;
	int rc;

	*reply = NULL;
	*reply_len = 0;
	if ((rc = check_socket(socket_path, err)))
		return rc;
	errbuf[0] = '\0';
	curl = curl_easy_init();
	headers = make_headers();
	if (!curl || !headers) {
		curl_slist_free_all(headers);
		curl_easy_cleanup(curl);
		return rrdd_fail(err, RRDD_ENOMEM, ENOMEM,
				 "setting up libcurl: %m");
	}
	if (setup(curl, socket_path, timeout_ms, body, len, headers, &r,
		  errbuf) < 0)
		rc = rrdd_fail(err, RRDD_EIO, 0,
			       "this libcurl cannot talk HTTP over a Unix socket");
	else
		rc = perform(curl, socket_path, timeout_ms, &r, errbuf, err);
	curl_slist_free_all(headers);
	curl_easy_cleanup(curl);
	if (rc) {
		free(r.data);
		return rc;
	}
	*reply = r.data;
	*reply_len = r.len;
	return 0;
}
