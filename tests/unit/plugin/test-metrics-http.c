/*
 * test-metrics-http: the OpenMetrics listener over loopback, driven by a
 * raw socket client (status codes, content types, limits, slow clients),
 * and the scrape seam (scrape.h) over in-memory stats tables: fresh values
 * at every scrape, health, scrapes concurrent with a sampling cycle.
 */
#include "check_compat.h"	/* ck_assert_u64_gt */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "outputs/metrics_http.h"
#include "check_main.h"
#include "outputs/scrape.h"
#include "../perf/xen_sim.h"

#define IO_TIMEOUT_MS 10000	/* a hang guard, not a timing goal */
#define UUID_Q "q\"uote\\d"

/* ---- a raw HTTP client ----------------------------------------------------- */

struct reply {
	int status;		/* -1: no status line (connection dropped) */
	char *raw;		/* everything received, NUL-terminated */
	const char *body;
	size_t body_len;
};

static int connect_to(uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	ck_assert_msg(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0,
		      "connect: %s", strerror(errno));
	return fd;
}

/* Send what the server takes; it may close early on a bad request. */
static void send_some(int fd, const char *buf, size_t n)
{
	while (n) {
		ssize_t w = send(fd, buf, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		buf += w;
		n -= (size_t)w;
	}
}

/* Read until the server closes (or the hang guard trips). */
static struct reply read_reply(int fd)
{
	struct reply r = { .status = -1 };
	size_t len = 0, cap = 65536;

	r.raw = malloc(cap);
	ck_assert_ptr_ne(r.raw, NULL);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		ck_assert_msg(poll(&p, 1, IO_TIMEOUT_MS) == 1,
			      "server did not answer or close");
		if (len + 4096 + 1 > cap) {
			cap *= 2;
			r.raw = realloc(r.raw, cap);
			ck_assert_ptr_ne(r.raw, NULL);
		}
		n = recv(fd, r.raw + len, cap - len - 1, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	r.raw[len] = '\0';
	if (strncmp(r.raw, "HTTP/1.", 7) == 0 && len > 12)
		r.status = (int)strtol(r.raw + 9, NULL, 10);
	r.body = strstr(r.raw, "\r\n\r\n");
	r.body = r.body ? r.body + 4 : r.raw + len;
	r.body_len = (size_t)(r.raw + len - r.body);
	return r;
}

static struct reply fetch(uint16_t port, const char *request)
{
	int fd = connect_to(port);
	struct reply r;

	send_some(fd, request, strlen(request));
	r = read_reply(fd);
	close(fd);
	return r;
}

static struct reply get(uint16_t port, const char *path, const char *accept)
{
	char req[512];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n%s%s%s"
		 "Connection: close\r\n\r\n", path, accept ? "Accept: " : "",
		 accept ? accept : "", accept ? "\r\n" : "");
	return fetch(port, req);
}

/* A header's value (case-insensitive name), or "" if absent. */
static const char *header(const struct reply *r, const char *name,
			  char *out, size_t out_len)
{
	size_t n = strlen(name);

	out[0] = '\0';
	for (const char *p = strstr(r->raw, "\r\n"); p && p < r->body;
	     p = strstr(p + 2, "\r\n")) {
		if (strncasecmp(p + 2, name, n) == 0 && p[2 + n] == ':') {
			const char *v = p + 3 + n;

			while (*v == ' ')
				v++;
			snprintf(out, out_len, "%.*s",
				 (int)strcspn(v, "\r\n"), v);
			break;
		}
	}
	return out;
}

static void reply_free(struct reply *r)
{
	free(r->raw);
}

/* ---- a server rendering a fixed sample ------------------------------------- */

struct fixed {
	struct host_sample sample;
	struct om_health health;
	bool fail;
};

static int render_fixed(void *ctx, enum om_format format, struct rrdd_buf *out)
{
	struct fixed *f = ctx;

	if (f->fail)
		return -1;
	return om_render(&f->sample, &f->health, format, out);
}

static struct fixed fixture;
static struct metrics_http *server;
static uint16_t port;

static void start(const struct metrics_http_config *cfg)
{
	char err[256] = "";

	ck_assert_msg(metrics_http_start(cfg, render_fixed, &fixture, &server,
					 err, sizeof(err)) == 0, "%s", err);
	port = metrics_http_port(server);
	ck_assert_int_ne(port, 0);
}

static void setup(void)
{
	struct dom_sample *d;
	struct metrics_http_config cfg = { .port = 0 };

	memset(&fixture, 0, sizeof(fixture));
	sample_init(&fixture.sample);
	d = sample_add_dom(&fixture.sample, 5, 2);
	ck_assert_ptr_ne(d, NULL);
	snprintf(d->uuid, sizeof(d->uuid), "%s", UUID_Q);
	d->vcpus[0].cpu_time_ns = 1500000000ull;
	fixture.health.backend = "table";
	start(&cfg);
}

static void teardown(void)
{
	metrics_http_stop(server);
	server = NULL;
	sample_free(&fixture.sample);
}

START_TEST(default_is_prometheus_text)
{
	struct reply r = get(port, "/metrics", NULL);
	char ct[128];

	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(header(&r, "Content-Type", ct, sizeof(ct)),
			 "text/plain; version=0.0.4; charset=utf-8");
	ck_assert_msg(strstr(r.body, "# TYPE xen_vcpu_runstate_seconds_total "
			     "counter\n") != NULL, "%s", r.body);
	ck_assert_msg(strstr(r.body, "# EOF") == NULL, "EOF in 0.0.4 text");
	reply_free(&r);
}
END_TEST

START_TEST(openmetrics_when_asked)
{
	struct reply r = get(port, "/metrics", "application/openmetrics-text;"
			     "version=1.0.0,text/plain;version=0.0.4;q=0.5");
	char ct[128];

	ck_assert_int_eq(r.status, 200);
	ck_assert_str_eq(header(&r, "Content-Type", ct, sizeof(ct)),
			 OM_CONTENT_TYPE_OPENMETRICS);
	ck_assert_msg(r.body_len >= 6 &&
		      strcmp(r.body + r.body_len - 6, "# EOF\n") == 0,
		      "no final # EOF: %s", r.body);
	/* The label survives HTTP escaped. */
	ck_assert_msg(strstr(r.body, "xen_vcpu_runstate_seconds_total{vm_uuid="
			     "\"q\\\"uote\\\\d\",domid=\"5\",vcpu=\"0\","
			     "state=\"running\"} 1.500000000\n") != NULL,
		      "%s", r.body);
	reply_free(&r);
}
END_TEST

START_TEST(head_has_headers_only)
{
	struct reply r = fetch(port, "HEAD /metrics HTTP/1.1\r\nHost: t\r\n"
			       "Connection: close\r\n\r\n");
	char ct[128];

	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(r.body_len, 0);
	ck_assert_str_eq(header(&r, "Content-Type", ct, sizeof(ct)),
			 OM_CONTENT_TYPE_PROMETHEUS);
	reply_free(&r);
}
END_TEST

START_TEST(unknown_paths_are_404)
{
	static const char *const paths[] = { "/", "/metric", "/metrics/",
					     "/metricsx", "/x/metrics" };

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		struct reply r = get(port, paths[i], NULL);

		ck_assert_msg(r.status == 404, "%s: %d", paths[i], r.status);
		reply_free(&r);
	}
}
END_TEST

START_TEST(other_methods_are_405)
{
	static const char *const reqs[] = {
		"POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
		"Connection: close\r\n\r\nhello",
		"PUT /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n"
		"Connection: close\r\n\r\n",
		"DELETE /metrics HTTP/1.1\r\nHost: t\r\nConnection: close"
		"\r\n\r\n",
	};

	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		struct reply r = fetch(port, reqs[i]);
		char allow[64];

		ck_assert_msg(r.status == 405, "%.6s: %d", reqs[i], r.status);
		ck_assert_str_eq(header(&r, "Allow", allow, sizeof(allow)),
				 "GET, HEAD");
		reply_free(&r);
	}
}
END_TEST

START_TEST(render_failure_is_500)
{
	struct reply r;

	fixture.fail = true;
	r = get(port, "/metrics", NULL);
	ck_assert_int_eq(r.status, 500);
	reply_free(&r);
}
END_TEST

/* A request head beyond the limit: 431 (or 400), and the server goes on. */
START_TEST(huge_header_rejected)
{
	size_t big = 4 * METRICS_HTTP_DEFAULT_REQUEST_BYTES;
	char *req = malloc(big + 256);
	struct reply r;
	int n;

	ck_assert_ptr_ne(req, NULL);
	n = snprintf(req, 256, "GET /metrics HTTP/1.1\r\nHost: t\r\nX-Big: ");
	memset(req + n, 'a', big);
	snprintf(req + n + big, 256 - (size_t)n, "\r\nConnection: close"
		 "\r\n\r\n");
	r = fetch(port, req);
	ck_assert_msg(r.status == 431 || r.status == 400, "status %d",
		      r.status);
	reply_free(&r);
	free(req);
	r = get(port, "/metrics", NULL);
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
}
END_TEST

/* A client that sends half a request and waits must not hold others up. */
START_TEST(slow_client_does_not_block_scrapes)
{
	int slow = connect_to(port);
	const char *part = "GET /metrics HTTP/1.1\r\nHost: t\r\nX-Slo";

	send_some(slow, part, strlen(part));
	for (int i = 0; i < 5; i++) {
		struct reply r = get(port, "/metrics", NULL);

		ck_assert_int_eq(r.status, 200);
		reply_free(&r);
	}
	close(slow);
}
END_TEST

/* The idle timeout drops a client that never finishes its request. */
START_TEST(idle_client_dropped_after_timeout)
{
	struct metrics_http_config cfg = { .port = 0, .timeout_s = 1 };
	struct reply r;
	int slow;

	metrics_http_stop(server);
	start(&cfg);
	slow = connect_to(port);
	send_some(slow, "GET /met", 8);
	r = read_reply(slow);	/* returns once the server closes */
	ck_assert_msg(r.status != 200, "a partial request was served");
	reply_free(&r);
	close(slow);
}
END_TEST

/* Beyond the connection limit new clients are refused; room comes back. */
START_TEST(connection_limit)
{
	struct metrics_http_config cfg = { .port = 0, .max_connections = 2,
					   .threads = 1 };
	int idle[2];
	struct reply r;

	metrics_http_stop(server);
	start(&cfg);
	for (int i = 0; i < 2; i++) {
		idle[i] = connect_to(port);
		send_some(idle[i], "GET /", 5);
	}
	r = get(port, "/metrics", NULL);
	ck_assert_msg(r.status != 200, "third connection served");
	reply_free(&r);
	for (int i = 0; i < 2; i++)
		close(idle[i]);
	/* MHD notices the closed ones asynchronously: retry a little. */
	for (int tries = 0; tries < 100; tries++) {
		r = get(port, "/metrics", NULL);
		if (r.status == 200)
			break;
		reply_free(&r);
		r.raw = NULL;
		usleep(20000);
	}
	ck_assert_int_eq(r.status, 200);
	reply_free(&r);
}
END_TEST

START_TEST(bad_addresses_refused)
{
	static const char *const hosts[] = { "localhost", "300.1.2.3",
					     "127.0.0.1:80", "[::1]" };
	struct metrics_http *h = NULL;
	char err[256];

	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		struct metrics_http_config cfg = { .host = hosts[i] };

		err[0] = '\0';
		ck_assert_int_eq(metrics_http_start(&cfg, render_fixed,
						    &fixture, &h, err,
						    sizeof(err)), -1);
		ck_assert_msg(strstr(err, hosts[i]) != NULL, "%s", err);
	}
}
END_TEST

START_TEST(port_in_use_refused)
{
	struct metrics_http_config cfg = { .host = "127.0.0.1", .port = port };
	struct metrics_http *h = NULL;
	char err[256] = "";

	ck_assert_int_eq(metrics_http_start(&cfg, render_fixed, &fixture, &h,
					    err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "in use") != NULL, "%s", err);
}
END_TEST

/* ---- the scrape seam over in-memory stats tables ----------------------------- */

#define NS 1000000000ull

static struct xen_sim sim;
static struct backend *wrapped;

static void sim_setup(unsigned n_doms)
{
	struct backend *inner = NULL;

	ck_assert_int_eq(xen_sim_init(&sim, n_doms, 4, 2, 100 * NS), 0);
	ck_assert_int_eq(xen_sim_backend_new(&sim, &inner), BACKEND_OK);
	ck_assert_int_eq(scrape_backend_new(inner, &wrapped), BACKEND_OK);
	for (uint32_t d = 1; d <= n_doms; d++)
		ck_assert_int_eq(backend_add_domain(wrapped, d), BACKEND_OK);
}

static void sim_teardown(void)
{
	backend_destroy(wrapped);
	wrapped = NULL;
	xen_sim_free(&sim);
}

static char *scrape_text(enum om_format fmt)
{
	struct rrdd_buf b;

	rrdd_buf_init(&b);
	ck_assert_int_eq(scrape_render(wrapped, fmt, &b), 0);
	return rrdd_buf_steal(&b, NULL);
}

/* The busy vCPU 0 of domain 1 (running since 100 s; 1 s before). */
static const char *const BUSY_RUNNING =
	"xen_vcpu_runstate_seconds_total{vm_uuid=\"5e7a0000-0000-4000-8000-"
	"000000000001\",domid=\"1\",vcpu=\"0\",state=\"running\"} ";

static double busy_seconds(const char *text)
{
	const char *p = strstr(text, BUSY_RUNNING);

	ck_assert_msg(p != NULL, "no busy vCPU in:\n%.2000s", text);
	return strtod(p + strlen(BUSY_RUNNING), NULL);
}

START_TEST(each_scrape_reads_the_tables_now)
{
	char *t1, *t2;

	sim_setup(2);
	xen_sim_tick(&sim, 103 * NS);
	t1 = scrape_text(OM_FORMAT_OPENMETRICS);
	xen_sim_tick(&sim, 110 * NS);
	t2 = scrape_text(OM_FORMAT_OPENMETRICS);
	/* 1 s of history + running since 100 s, up to Xen's time. */
	ck_assert_msg(busy_seconds(t1) == 4.0, "%f", busy_seconds(t1));
	ck_assert_msg(busy_seconds(t2) == 11.0, "%f", busy_seconds(t2));
	ck_assert_msg(strstr(t2, "xcp_vcpustats_backend_info{backend=\"table\"}"
			     " 1\n") != NULL, "backend not named");
	ck_assert_msg(strstr(t2, "xcp_vcpustats_scrapes_total 2\n") != NULL,
		      "scrapes not counted");
	/* vCPU 1: 6 s of history, blocked since 100 s: the period in
	 * progress counts for the state it is in, and only for that one. */
	ck_assert_msg(strstr(t2, "domid=\"1\",vcpu=\"1\",state=\"blocked\"} "
			     "16.000000000\n") != NULL, "%s", t2);
	ck_assert_msg(strstr(t2, "domid=\"1\",vcpu=\"1\",state=\"running\"} "
			     "2.000000000\n") != NULL, "%s", t2);
	ck_assert_msg(strstr(t2, "domid=\"1\",vcpu=\"0\",state=\"blocked\"} "
			     "3.000000000\n") != NULL, "%s", t2);
	/* pCPU 1 idle since 100 s, at Xen time 110 s. */
	ck_assert_msg(strstr(t2, "xen_pcpu_idle_seconds_total{cpu=\"1\"} "
			     "10.000000000\n") != NULL, "%s", t2);
	free(t1);
	free(t2);
	sim_teardown();
}
END_TEST

START_TEST(removed_domain_leaves_scrapes)
{
	char *t;

	sim_setup(3);
	backend_remove_domain(wrapped, 2);
	t = scrape_text(OM_FORMAT_PROMETHEUS);
	ck_assert_msg(strstr(t, "domid=\"1\"") && strstr(t, "domid=\"3\""),
		      "live domains missing");
	ck_assert_msg(strstr(t, "domid=\"2\"") == NULL, "removed domain "
		      "still scraped");
	free(t);
	sim_teardown();
}
END_TEST

START_TEST(health_follows_the_cycle)
{
	const uint32_t ids[] = { 1, 2, 42 };	/* 42: never added */
	struct host_sample s;
	struct om_health h;

	sim_setup(2);
	sample_init(&s);
	for (int i = 0; i < 3; i++) {
		sample_reset(&s);
		ck_assert_int_eq(backend_sample(wrapped, ids, 3, &s),
				 BACKEND_OK);
		ck_assert_int_eq(s.n_doms, 2);
	}
	ck_assert_int_eq(scrape_sample(wrapped, &s, &h), BACKEND_OK);
	ck_assert_int_eq(s.n_doms, 2);
	ck_assert_int_eq(h.cycles, 3);
	ck_assert_int_eq(h.cycle_errors, 0);
	ck_assert_int_eq(h.domains_skipped, 3);
	ck_assert_int_eq(h.scrapes, 1);
	ck_assert_str_eq(h.backend, "table");
	ck_assert_msg(strstr(h.last_error, "1 of 3 domains") != NULL, "%s",
		      h.last_error);
	ck_assert_msg(h.last_error_time > 1e9, "no timestamp");
	ck_assert_str_eq(backend_name(backend_in_use(wrapped)), "table");
	sample_free(&s);
	sim_teardown();
}
END_TEST

START_TEST(scrape_sample_needs_the_wrapper)
{
	struct backend *inner = NULL;
	struct host_sample s;
	struct om_health h;

	ck_assert_int_eq(xen_sim_init(&sim, 1, 1, 1, NS), 0);
	ck_assert_int_eq(xen_sim_backend_new(&sim, &inner), BACKEND_OK);
	sample_init(&s);
	ck_assert_int_eq(scrape_sample(inner, &s, &h), BACKEND_ESYS);
	backend_destroy(inner);
	xen_sim_free(&sim);
}
END_TEST

/* The cycle's thread samples, adds and removes domains while the listener
 * serves scrapes from two clients: every answer complete and consistent. */
struct cycle_thread {
	bool stop;		/* __atomic */
	unsigned cycles;
	int failures;
};

static void *cycle_loop(void *arg)
{
	struct cycle_thread *c = arg;
	const uint32_t ids[] = { 1, 2, 3, 4 };
	struct host_sample s;

	sample_init(&s);
	while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
		sample_reset(&s);
		if (backend_sample(wrapped, ids, 4, &s) != BACKEND_OK)
			c->failures++;
		backend_remove_domain(wrapped, 4);
		if (backend_add_domain(wrapped, 4) != BACKEND_OK)
			c->failures++;
		xen_sim_tick(&sim, xen_sim_clock());
		c->cycles++;
	}
	sample_free(&s);
	return NULL;
}

static void *scraper(void *arg)
{
	uint16_t p = *(uint16_t *)arg;

	for (int i = 0; i < 10; i++) {
		struct reply r = get(p, "/metrics",
				     "application/openmetrics-text");

		if (r.status != 200 || r.body_len < 6 ||
		    strcmp(r.body + r.body_len - 6, "# EOF\n") != 0) {
			reply_free(&r);
			return (void *)1;
		}
		reply_free(&r);
	}
	return NULL;
}

START_TEST(scrapes_concurrent_with_the_cycle)
{
	struct metrics_http_config cfg = { .port = 0, .threads = 2 };
	struct cycle_thread c = { 0 };
	struct metrics_http *h = NULL;
	pthread_t cyc, scr[2];
	char err[256] = "";
	uint16_t p;
	void *res;

	sim_setup(4);
	xen_sim_tick(&sim, xen_sim_clock());
	ck_assert_msg(metrics_http_start(&cfg, scrape_render, wrapped, &h, err,
					 sizeof(err)) == 0, "%s", err);
	p = metrics_http_port(h);
	ck_assert_int_eq(pthread_create(&cyc, NULL, cycle_loop, &c), 0);
	for (int i = 0; i < 2; i++)
		ck_assert_int_eq(pthread_create(&scr[i], NULL, scraper, &p), 0);
	for (int i = 0; i < 2; i++) {
		ck_assert_int_eq(pthread_join(scr[i], &res), 0);
		ck_assert_msg(res == NULL, "a scrape failed");
	}
	__atomic_store_n(&c.stop, true, __ATOMIC_RELEASE);
	ck_assert_int_eq(pthread_join(cyc, NULL), 0);
	ck_assert_int_eq(c.failures, 0);
	ck_assert_u64_gt(c.cycles, 0);
	metrics_http_stop(h);
	sim_teardown();
}
END_TEST

static Suite *metrics_http_suite(void)
{
	Suite *s = suite_create("metrics_http");
	TCase *http = tcase_create("http");
	TCase *seam = tcase_create("scrape");

	tcase_add_checked_fixture(http, setup, teardown);
	tcase_set_timeout(http, 30);
	tcase_add_test(http, default_is_prometheus_text);
	tcase_add_test(http, openmetrics_when_asked);
	tcase_add_test(http, head_has_headers_only);
	tcase_add_test(http, unknown_paths_are_404);
	tcase_add_test(http, other_methods_are_405);
	tcase_add_test(http, render_failure_is_500);
	tcase_add_test(http, huge_header_rejected);
	tcase_add_test(http, slow_client_does_not_block_scrapes);
	tcase_add_test(http, idle_client_dropped_after_timeout);
	tcase_add_test(http, connection_limit);
	tcase_add_test(http, bad_addresses_refused);
	tcase_add_test(http, port_in_use_refused);
	suite_add_tcase(s, http);
	tcase_set_timeout(seam, 60);
	tcase_add_test(seam, each_scrape_reads_the_tables_now);
	tcase_add_test(seam, removed_domain_leaves_scrapes);
	tcase_add_test(seam, health_follows_the_cycle);
	tcase_add_test(seam, scrape_sample_needs_the_wrapper);
	tcase_add_test(seam, scrapes_concurrent_with_the_cycle);
	suite_add_tcase(s, seam);
	return s;
}

CHECK_MAIN(metrics_http_suite)
