/*
 * test-rpc.c: the registration client against the project's xcp-rrdd
 * double (tests/doubles/xcp-rrdd, in-process): what it sends, what it
 * makes of good replies, and one clear error for each way the call can go
 * wrong (the double answering as told: replies xcp-rrdd would not send,
 * bytes that are not HTTP, silence, a hang-up).
 */
#include <check.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check_main.h"

#include "rrdd_protocol.h"
#include "xcp_rrdd_double.h"

#define UID "xcp-rrdd-vcpustats"

/* The result of one call against the double answering (how, status, body). */
struct outcome {
	int rc;
	double seconds;
	struct rrdd_error err;
	char *request;
};

enum op { OP_REGISTER, OP_NEXT_READING, OP_DEREGISTER };

static int run_op(enum op op, const char *socket_path, int timeout_ms,
		  const char *uid, double *seconds, struct rrdd_error *err)
{
	struct rrdd_rpc_options o = { socket_path, timeout_ms };

	switch (op) {
	case OP_REGISTER:
		return rrdd_rpc_register(&o, uid, RRDD_FIVE_SECONDS, seconds,
					 err);
	case OP_NEXT_READING:
		return rrdd_rpc_next_reading(&o, uid, seconds, err);
	case OP_DEREGISTER:
		return rrdd_rpc_deregister(&o, uid, err);
	}
	return -100;
}

static struct xcp_rrdd_double *start_double(void)
{
	struct xrd_options xo = { NULL, 0, 0, false };
	struct xcp_rrdd_double *x = xrd_start(&xo);

	ck_assert_msg(x != NULL, "xcp-rrdd double did not start");
	return x;
}

static struct outcome call_scripted(enum op op, enum xrd_answer how,
				int status, const char *body, int timeout_ms)
{
	struct outcome out;
	struct xcp_rrdd_double *x = start_double();

	xrd_answer_next(x, how, status, body);
	memset(&out, 0, sizeof(out));
	out.seconds = -12345;
	out.rc = run_op(op, xrd_socket_path(x), timeout_ms, UID,
			&out.seconds, &out.err);
	out.request = xrd_answered_request(x);
	xrd_stop(x);
	return out;
}

/* A call whose reply body is built by xrd_reply_success/failure. */
static struct outcome call_reply(enum op op, char *reply)
{
	struct outcome out;

	ck_assert_msg(reply != NULL, "out of memory");
	out = call_scripted(op, XRD_ANSWER_HTTP, 200, reply, 5000);
	free(reply);
	return out;
}

/* A socket file nobody listens on (bound, then closed), in a fresh
 * temporary directory: connecting to it is refused. */
static char *dead_socket(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char dir[] = "/tmp/rpc-dead-XXXXXX";
	char *path = NULL;
	int fd;

	ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp");
	ck_assert_int_ne(asprintf(&path, "%s/xcp-rrdd", dir), -1);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_msg(fd >= 0 && bind(fd, (struct sockaddr *)&sun,
				      sizeof(sun)) == 0, "bind");
	close(fd);
	return path;
}

/* Remove such a path, its directory, and free it. */
static void remove_path(char *path)
{
	char dir[128];

	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	unlink(path);
	rmdir(dir);
	free(path);
}

static void assert_error(const struct outcome *out, int code,
			 const char *needle)
{
	ck_assert_msg(out->rc == code, "rc %d (%s), want %d; msg: %s",
		      out->rc, rrdd_strerror(out->rc), code, out->err.msg);
	ck_assert_int_eq(out->err.code, code);
	ck_assert_msg(strstr(out->err.msg, needle) != NULL,
		      "message \"%s\" lacks \"%s\"", out->err.msg, needle);
	ck_assert_msg(strchr(out->err.msg, '\n') == NULL,
		      "message is not one line");
	ck_assert_msg(out->seconds == -12345, "result written on failure");
}

static void assert_contains(const char *hay, const char *needle)
{
	ck_assert_msg(strstr(hay, needle) != NULL, "\"%s\" not in:\n%s",
		      needle, hay);
}

static const char *body_of(const char *request)
{
	const char *p = strstr(request, "\r\n\r\n");

	return p ? p + 4 : "";
}

/* ---- what is sent ------------------------------------------------------ */

START_TEST(register_sends_uid_frequency_protocol)
{
	struct outcome out = call_reply(OP_REGISTER,
					xrd_reply_success("<double>4.5</double>"));

	ck_assert_int_eq(out.rc, 0);
	ck_assert_msg(out.seconds == 4.5, "next reading %g", out.seconds);
	ck_assert_int_eq(out.err.code, 0);
	ck_assert_msg(strncmp(out.request, "POST / HTTP/1.1\r\n", 17) == 0,
		      "request line: %.40s", out.request);
	assert_contains(out.request, "Content-Type: text/xml\r\n");
	assert_contains(body_of(out.request),
			"<methodName>Plugin.Local.register</methodName>");
	assert_contains(body_of(out.request),
			"<member><name>uid</name><value><string>" UID
			"</string></value></member>");
	assert_contains(body_of(out.request),
			"<member><name>info</name><value><string>Five_Seconds"
			"</string></value></member>");
	assert_contains(body_of(out.request),
			"<member><name>protocol</name><value><string>V2"
			"</string></value></member>");
	/* rpclib reads named arguments from one struct parameter. */
	assert_contains(body_of(out.request),
			"<params><param><value><struct>");
	free(out.request);
}
END_TEST

START_TEST(next_reading_sends_uid_only)
{
	struct outcome out = call_reply(OP_NEXT_READING,
					xrd_reply_success("<double>0.25</double>"));

	ck_assert_int_eq(out.rc, 0);
	ck_assert_msg(out.seconds == 0.25, "next reading %g", out.seconds);
	assert_contains(body_of(out.request),
			"<methodName>Plugin.Local.next_reading</methodName>");
	assert_contains(body_of(out.request), "<name>uid</name>");
	ck_assert_msg(strstr(out.request, "Five_Seconds") == NULL,
		      "next_reading sent a frequency");
	free(out.request);
}
END_TEST

START_TEST(deregister_accepts_nil)
{
	struct outcome out = call_reply(OP_DEREGISTER,
					xrd_reply_success("<nil/>"));

	ck_assert_int_eq(out.rc, 0);
	ck_assert_int_eq(out.err.code, 0);
	assert_contains(body_of(out.request),
			"<methodName>Plugin.Local.deregister</methodName>");
	assert_contains(body_of(out.request),
			"<value><string>" UID "</string></value>");
	free(out.request);
}
END_TEST

START_TEST(uid_is_escaped)
{
	struct xcp_rrdd_double *x = start_double();
	struct rrdd_rpc_options o = { xrd_socket_path(x), 5000 };
	struct rrdd_error err;
	char *request;

	xrd_answer_next(x, XRD_ANSWER_HTTP, 200, "");
	ck_assert_int_ne(rrdd_rpc_deregister(&o, "a<b>&\"c'", &err), 0);
	request = xrd_answered_request(x);
	assert_contains(body_of(request),
			"<string>a&lt;b&gt;&amp;&quot;c&apos;</string>");
	free(request);
	xrd_stop(x);
}
END_TEST

START_TEST(request_has_content_length)
{
	struct outcome out = call_reply(OP_DEREGISTER,
					xrd_reply_success("<nil/>"));
	char want[64];

	snprintf(want, sizeof(want), "Content-Length: %zu\r\n",
		 strlen(body_of(out.request)));
	assert_contains(out.request, want);
	free(out.request);
}
END_TEST

/* ---- what is understood ------------------------------------------------ */

/* rpclib's own forms: floats as <double>, and a number given as text. */
static const char *const numeric_values[] = {
	"<double>4.99</double>", "<double> 4.99 </double>", "4.99",
	"<string>4.99</string>", "<double>4.99e0</double>",
};

START_TEST(numeric_value_forms)
{
	struct outcome out = call_reply(OP_REGISTER,
					xrd_reply_success(numeric_values[_i]));

	ck_assert_msg(out.rc == 0, "%s: %s", numeric_values[_i], out.err.msg);
	ck_assert_msg(out.seconds == 4.99, "%s -> %g", numeric_values[_i],
		      out.seconds);
	free(out.request);
}
END_TEST

START_TEST(integer_value)
{
	struct outcome out = call_reply(OP_NEXT_READING,
					xrd_reply_success("<int>3</int>"));

	ck_assert_int_eq(out.rc, 0);
	ck_assert_msg(out.seconds == 3.0, "got %g", out.seconds);
	free(out.request);
}
END_TEST

/* xcp-rrdd answers -1 for a plugin it does not know. */
START_TEST(negative_value)
{
	struct outcome out = call_reply(OP_NEXT_READING,
					xrd_reply_success("<double>-1</double>"));

	ck_assert_int_eq(out.rc, 0);
	ck_assert_msg(out.seconds == -1.0, "got %g", out.seconds);
	free(out.request);
}
END_TEST

START_TEST(whitespace_between_elements)
{
	const char *reply =
		"<?xml version=\"1.0\"?>\n<methodResponse>\n <params>\n  <param>\n"
		"   <value>\n    <struct>\n"
		"     <member><name>Status</name><value><string>Success</string></value></member>\n"
		"     <member>\n <name>Value</name>\n <value>\n <double>2.5</double>\n </value>\n </member>\n"
		"    </struct>\n   </value>\n  </param>\n </params>\n</methodResponse>\n";
	struct outcome out = call_scripted(OP_REGISTER, XRD_ANSWER_HTTP, 200, reply,
				       5000);

	ck_assert_msg(out.rc == 0, "%s", out.err.msg);
	ck_assert_msg(out.seconds == 2.5, "got %g", out.seconds);
	free(out.request);
}
END_TEST

/* ---- errors: arguments ------------------------------------------------- */

static const char *const bad_uids[] = { "", "a/b", "..", ".", "tab\there",
					"new\nline" };

START_TEST(bad_uid_is_einval)
{
	struct rrdd_rpc_options o = { "/nonexistent/socket", 1000 };
	struct rrdd_error err;
	double s = -12345;

	ck_assert_int_eq(rrdd_rpc_register(&o, bad_uids[_i], RRDD_FIVE_SECONDS,
					   &s, &err), RRDD_EINVAL);
	ck_assert_int_eq(err.code, RRDD_EINVAL);
	ck_assert_int_eq(rrdd_rpc_next_reading(&o, bad_uids[_i], &s, &err),
			 RRDD_EINVAL);
	ck_assert_int_eq(rrdd_rpc_deregister(&o, bad_uids[_i], &err),
			 RRDD_EINVAL);
	ck_assert_msg(s == -12345, "result written");
}
END_TEST

START_TEST(null_arguments_are_einval)
{
	struct rrdd_rpc_options o = { "/nonexistent/socket", 1000 };
	struct rrdd_error err;
	double s;

	ck_assert_int_eq(rrdd_rpc_register(&o, NULL, RRDD_FIVE_SECONDS, &s,
					   &err), RRDD_EINVAL);
	ck_assert_int_eq(rrdd_rpc_deregister(&o, NULL, NULL), RRDD_EINVAL);
	ck_assert_int_eq(rrdd_rpc_register(&o, UID, (enum rrdd_frequency)7,
					   &s, &err), RRDD_EINVAL);
	ck_assert_int_eq(rrdd_rpc_next_reading(&o, UID, NULL, &err),
			 RRDD_EINVAL);
}
END_TEST

START_TEST(socket_path_too_long)
{
	char path[200];
	struct rrdd_rpc_options o = { path, 1000 };
	struct rrdd_error err;

	memset(path, 'x', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	ck_assert_int_eq(rrdd_rpc_deregister(&o, UID, &err), RRDD_EINVAL);
	assert_contains(err.msg, "longer");
}
END_TEST

/* ---- errors: the socket ------------------------------------------------ */

START_TEST(socket_absent)
{
	struct rrdd_rpc_options o = { "/nonexistent/xcp-rrdd", 1000 };
	struct rrdd_error err;
	double s = -1;

	ck_assert_int_eq(rrdd_rpc_register(&o, UID, RRDD_FIVE_SECONDS, &s,
					   &err), RRDD_ENOSOCK);
	ck_assert_int_eq(err.code, RRDD_ENOSOCK);
	assert_contains(err.msg, "/nonexistent/xcp-rrdd");
	assert_contains(err.msg, "No such file");
	ck_assert_int_ne(err.sys_errno, 0);
}
END_TEST

/* NULL options: the default socket (absent on a test machine). */
START_TEST(default_socket_when_no_options)
{
	struct rrdd_error err;
	double s;
	int rc = rrdd_rpc_next_reading(NULL, UID, &s, &err);

	if (access(RRDD_DEFAULT_SOCKET, F_OK) == 0) {
		/* A host running xcp-rrdd: it answered, or its path is named. */
		ck_assert_msg(rc == 0 || strstr(err.msg, RRDD_DEFAULT_SOCKET),
			      "rc %d: %s", rc, err.msg);
		return;
	}
	ck_assert_int_eq(rc, RRDD_ENOSOCK);
	assert_contains(err.msg, RRDD_DEFAULT_SOCKET);
}
END_TEST

START_TEST(socket_path_is_a_regular_file)
{
	char path[] = "/tmp/test-rpc-XXXXXX";
	int fd = mkstemp(path);
	struct rrdd_rpc_options o = { path, 1000 };
	struct rrdd_error err;

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(rrdd_rpc_deregister(&o, UID, &err), RRDD_ENOSOCK);
	assert_contains(err.msg, "not a socket");
	unlink(path);
}
END_TEST

START_TEST(connection_refused)
{
	char *path = dead_socket();
	struct rrdd_rpc_options o = { path, 1000 };
	struct rrdd_error err;
	double s = -1;

	ck_assert_msg(path != NULL, "no dead socket");
	ck_assert_int_eq(rrdd_rpc_register(&o, UID, RRDD_FIVE_SECONDS, &s,
					   &err), RRDD_ECONNREFUSED);
	ck_assert_int_eq(err.code, RRDD_ECONNREFUSED);
	assert_contains(err.msg, "nobody is listening");
	assert_contains(err.msg, path);
	remove_path(path);
}
END_TEST

START_TEST(no_reply_times_out)
{
	struct outcome out = call_scripted(OP_REGISTER, XRD_ANSWER_SILENT, 0, "", 300);

	assert_error(&out, RRDD_ETIMEDOUT, "did not answer within 300 ms");
	/* The request did arrive: the wait was for the reply. */
	assert_contains(out.request, "Plugin.Local.register");
	free(out.request);
}
END_TEST

START_TEST(close_without_answer)
{
	struct outcome out = call_scripted(OP_REGISTER, XRD_ANSWER_CLOSE, 0, "", 5000);

	assert_error(&out, RRDD_EREPLY, "without replying");
	free(out.request);
}
END_TEST

/* ---- errors: HTTP ------------------------------------------------------ */

START_TEST(http_500)
{
	struct outcome out = call_scripted(OP_REGISTER, XRD_ANSWER_HTTP, 500,
				       "Internal error\nsecond line", 5000);

	assert_error(&out, RRDD_EHTTP, "HTTP 500: Internal error second line");
	free(out.request);
}
END_TEST

/* What xcp-rrdd itself sends when a handler raises. */
START_TEST(http_401_go_away)
{
	struct outcome out = call_scripted(OP_DEREGISTER, XRD_ANSWER_HTTP, 401,
				       "Go away: Idl.UnknownMethod", 5000);

	assert_error(&out, RRDD_EHTTP, "HTTP 401: Go away");
	free(out.request);
}
END_TEST

START_TEST(not_http_at_all)
{
	struct outcome out = call_scripted(OP_REGISTER, XRD_ANSWER_RAW, 0,
				       "SSH-2.0-OpenSSH garbage\r\n\r\n", 5000);

	assert_error(&out, RRDD_EHTTP, "did not answer in HTTP");
	free(out.request);
}
END_TEST

START_TEST(truncated_http_body)
{
	struct outcome out = call_scripted(OP_REGISTER, XRD_ANSWER_RAW, 0,
				       "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n"
				       "<?xml version=\"1.0\"?><methodResponse>",
				       5000);

	assert_error(&out, RRDD_EREPLY, "truncated");
	free(out.request);
}
END_TEST

/* ---- errors: XML-RPC --------------------------------------------------- */

START_TEST(failure_with_error_description)
{
	struct outcome out = call_reply(OP_REGISTER, xrd_reply_failure(
		"<array><data><value>Rrdd_internal_error</value>"
		"<value>Unix.Unix_error(Unix.ENOENT, \"open\", \"/dev/shm/metrics/x\")</value>"
		"</data></array>"));

	assert_error(&out, RRDD_EFAILURE,
		     "Plugin.Local.register failed: Rrdd_internal_error: "
		     "Unix.Unix_error(Unix.ENOENT, \"open\", \"/dev/shm/metrics/x\")");
	free(out.request);
}
END_TEST

START_TEST(failure_with_string_description)
{
	struct outcome out = call_reply(OP_DEREGISTER, xrd_reply_failure(
		"<string>plugin\nbusy</string>"));

	assert_error(&out, RRDD_EFAILURE, "deregister failed: plugin busy");
	free(out.request);
}
END_TEST

START_TEST(failure_without_description)
{
	const char *reply =
		"<methodResponse><params><param><value><struct>"
		"<member><name>Status</name><value>Failure</value></member>"
		"</struct></value></param></params></methodResponse>";
	struct outcome out = call_scripted(OP_DEREGISTER, XRD_ANSWER_HTTP, 200, reply,
				       5000);

	assert_error(&out, RRDD_EFAILURE, "(no description)");
	free(out.request);
}
END_TEST

START_TEST(xmlrpc_fault)
{
	const char *reply =
		"<methodResponse><fault><value><struct>"
		"<member><name>faultCode</name><value><int>4</int></value></member>"
		"<member><name>faultString</name><value><string>Too many parameters"
		"</string></value></member></struct></value></fault></methodResponse>";
	struct outcome out = call_scripted(OP_REGISTER, XRD_ANSWER_HTTP, 200, reply,
				       5000);

	assert_error(&out, RRDD_EFAILURE, "(fault): Too many parameters");
	free(out.request);
}
END_TEST

/* Replies that are not what xcp-rrdd sends, each with its complaint. */
struct bad_reply {
	const char *body;	/* cppcheck-suppress unusedStructMember */
	const char *complaint;	/* cppcheck-suppress unusedStructMember */
};

static const struct bad_reply malformed[] = {
	{ "this is not XML", "not well-formed XML" },
	{ "<?xml version=\"1.0\"?><methodResponse><params><param><value><struct>"
	  "<member><name>Status</name><value>Succ", "not well-formed XML" },
	{ "<methodCall/>", "not a methodResponse" },
	{ "<methodResponse/>", "not one struct parameter" },
	{ "<methodResponse><params><param><value><double>4</double></value>"
	  "</param></params></methodResponse>", "not one struct parameter" },
	{ "<methodResponse><params><param><value><struct>"
	  "<member><name>Value</name><value><double>4</double></value></member>"
	  "</struct></value></param></params></methodResponse>", "has no Status" },
	{ "<methodResponse><params><param><value><struct>"
	  "<member><name>Status</name><value>Success</value></member>"
	  "</struct></value></param></params></methodResponse>", "no Value" },
	{ "<methodResponse><params><param><value><struct>"
	  "<member><name>Status</name><value>Maybe</value></member>"
	  "</struct></value></param></params></methodResponse>",
	  "unknown Status: Maybe" },
	{ "<methodResponse><fault><value><int>3</int></value></fault>"
	  "</methodResponse>", "no faultString" },
	{ "", "is empty" },
};

START_TEST(malformed_reply)
{
	struct outcome out = call_scripted(OP_REGISTER, XRD_ANSWER_HTTP, 200,
				       malformed[_i].body, 5000);

	assert_error(&out, RRDD_EREPLY, malformed[_i].complaint);
	free(out.request);
}
END_TEST

static const char *const non_numeric_values[] = {
	"soon", "<string>4.5s</string>", "<double>nan</double>",
	"<double>inf</double>", "<boolean>1</boolean>", "<nil/>",
	"<struct></struct>", "<array><data><value>1</value></data></array>",
	"", "<double>1e999</double>",
};

START_TEST(non_numeric_value)
{
	struct outcome out = call_reply(OP_REGISTER,
					xrd_reply_success(non_numeric_values[_i]));

	assert_error(&out, RRDD_EREPLY, "not a number");
	free(out.request);
}
END_TEST

START_TEST(reply_too_large)
{
	size_t n = (size_t)2 * 1024 * 1024;
	char *big = malloc(n + 1);
	struct outcome out;

	ck_assert_msg(big != NULL, "out of memory");
	memset(big, ' ', n);
	big[n] = '\0';
	out = call_scripted(OP_REGISTER, XRD_ANSWER_HTTP, 200, big, 5000);
	free(big);
	assert_error(&out, RRDD_EREPLY, "larger than");
	free(out.request);
}
END_TEST

/* err may be NULL: the code alone comes back. */
START_TEST(null_err_is_allowed)
{
	struct xcp_rrdd_double *x = start_double();
	struct rrdd_rpc_options o = { xrd_socket_path(x), 5000 };
	double s;

	xrd_answer_next(x, XRD_ANSWER_HTTP, 500, "no");
	ck_assert_int_eq(rrdd_rpc_register(&o, UID, RRDD_FIVE_SECONDS, &s,
					   NULL), RRDD_EHTTP);
	xrd_stop(x);
}
END_TEST

/* ---- threads --------------------------------------------------------- */

#define THREADS 4

struct worker {
	struct xcp_rrdd_double *x;
	double want;
	double got;
	int rc;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct rrdd_rpc_options o = { xrd_socket_path(w->x), 5000 };
	struct rrdd_error err;

	w->rc = rrdd_rpc_register(&o, UID, RRDD_FIVE_SECONDS, &w->got, &err);
	return NULL;
}

/* Calls from several threads at once, the first ones included (the
 * one-time initialisation races here), each get their own answer. */
START_TEST(concurrent_calls)
{
	struct worker w[THREADS];
	pthread_t t[THREADS];
	int i;

	for (i = 0; i < THREADS; i++) {
		char value[64];
		char *reply;

		w[i].want = 1.5 + i;
		snprintf(value, sizeof(value), "<double>%g</double>", w[i].want);
		reply = xrd_reply_success(value);
		ck_assert_msg(reply != NULL, "out of memory");
		w[i].x = start_double();
		xrd_answer_next(w[i].x, XRD_ANSWER_HTTP, 200, reply);
		free(reply);
		w[i].rc = -100;
	}
	for (i = 0; i < THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, work, &w[i]), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < THREADS; i++) {
		ck_assert_int_eq(w[i].rc, 0);
		ck_assert_msg(w[i].got == w[i].want, "thread %d got %g", i,
			      w[i].got);
		xrd_stop(w[i].x);
	}
}
END_TEST

/* ---- against the double answering as xcp-rrdd does ------------------- */

START_TEST(as_xcp_rrdd_answers)
{
	struct xrd_options xo = { NULL, 2.0, 0, false };
	struct xcp_rrdd_double *x = xrd_start(&xo);
	struct rrdd_rpc_options o = { xrd_socket_path(x), 5000 };
	struct rrdd_error err;
	char path[256];
	double s = -1;
	FILE *f;

	/* no file yet: xcp-rrdd's ENOENT failure */
	ck_assert_int_eq(rrdd_rpc_register(&o, UID, RRDD_FIVE_SECONDS, &s,
					   &err), RRDD_EFAILURE);
	assert_contains(err.msg, "Rrdd_internal_error");
	assert_contains(err.msg, "Unix.ENOENT");
	ck_assert_int_eq(rrdd_rpc_next_reading(&o, UID, &s, &err), 0);
	ck_assert_msg(s == -1, "next_reading of an unknown uid: %g", s);
	/* with the file: the seconds to the next read, within the period */
	/* the double's own metrics directory, beside its socket */
	snprintf(path, sizeof(path), "%s", xrd_socket_path(x));
	snprintf(strrchr(path, '/'), sizeof(path) - strlen(path) + 9,
		 "/metrics/%s", UID);
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "create %s", path);
	fclose(f);
	ck_assert_int_eq(rrdd_rpc_register(&o, UID, RRDD_FIVE_SECONDS, &s,
					   &err), 0);
	ck_assert_msg(s > 0 && s <= 2.0, "next read in %g s", s);
	ck_assert_int_eq(rrdd_rpc_deregister(&o, UID, &err), 0);
	ck_assert_int_eq(xrd_counts(x).deregister_calls, 1);
	unlink(path);
	xrd_stop(x);
}
END_TEST

static Suite *rpc_suite(void)
{
	Suite *s = suite_create("rpc");
	TCase *sent = tcase_create("request");
	TCase *good = tcase_create("replies");
	TCase *bad = tcase_create("errors");

	tcase_add_test(sent, register_sends_uid_frequency_protocol);
	tcase_add_test(sent, next_reading_sends_uid_only);
	tcase_add_test(sent, deregister_accepts_nil);
	tcase_add_test(sent, uid_is_escaped);
	tcase_add_test(sent, request_has_content_length);
	suite_add_tcase(s, sent);

	tcase_add_loop_test(good, numeric_value_forms, 0,
			    sizeof(numeric_values) / sizeof(numeric_values[0]));
	tcase_add_test(good, as_xcp_rrdd_answers);
	tcase_add_test(good, integer_value);
	tcase_add_test(good, negative_value);
	tcase_add_test(good, whitespace_between_elements);
	suite_add_tcase(s, good);

	tcase_set_timeout(bad, 30);
	tcase_add_loop_test(bad, bad_uid_is_einval, 0,
			    sizeof(bad_uids) / sizeof(bad_uids[0]));
	tcase_add_test(bad, null_arguments_are_einval);
	tcase_add_test(bad, socket_path_too_long);
	tcase_add_test(bad, socket_absent);
	tcase_add_test(bad, default_socket_when_no_options);
	tcase_add_test(bad, socket_path_is_a_regular_file);
	tcase_add_test(bad, connection_refused);
	tcase_add_test(bad, no_reply_times_out);
	tcase_add_test(bad, close_without_answer);
	tcase_add_test(bad, http_500);
	tcase_add_test(bad, http_401_go_away);
	tcase_add_test(bad, not_http_at_all);
	tcase_add_test(bad, truncated_http_body);
	tcase_add_test(bad, failure_with_error_description);
	tcase_add_test(bad, failure_with_string_description);
	tcase_add_test(bad, failure_without_description);
	tcase_add_test(bad, xmlrpc_fault);
	tcase_add_loop_test(bad, malformed_reply, 0,
			    sizeof(malformed) / sizeof(malformed[0]));
	tcase_add_loop_test(bad, non_numeric_value, 0,
			    sizeof(non_numeric_values) /
			    sizeof(non_numeric_values[0]));
	tcase_add_test(bad, reply_too_large);
	tcase_add_test(bad, null_err_is_allowed);
	suite_add_tcase(s, bad);

	{
		TCase *threads = tcase_create("threads");

		tcase_add_test(threads, concurrent_calls);
		suite_add_tcase(s, threads);
	}
	return s;
}

CHECK_MAIN(rpc_suite)
