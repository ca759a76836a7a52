/*
 * bench-payload.c: the cost per datasource of what the plugin does every
 * cycle (a values-only update of the payload file, 16,384 datasources; the
 * goal is under 20 ns each) and of a full encode (metadata JSON and
 * payload), done only when the datasources change.  Prints figures; a
 * timing goal is never a pass/fail condition here.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rrdd_protocol.h"

#define N_DS 16384
#define UPDATES 500
#define ENCODES 10
#define GOAL_NS 20.0

static char names[N_DS][16];

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void make_sources(struct rrdd_ds *ds)
{
	for (size_t i = 0; i < N_DS; i++) {
		snprintf(names[i], sizeof(names[i]), "cpu%zu", i);
		memset(&ds[i], 0, sizeof(ds[i]));
		ds[i].name = names[i];
		ds[i].description = "CPU usage";
		ds[i].units = "(fraction)";
		ds[i].owner = RRDD_OWNER_VM;
		snprintf(ds[i].owner_uuid, sizeof(ds[i].owner_uuid),
			 "6f1c4e0a-3d2b-4c5e-9a7f-%012zx", i / 8);
		ds[i].value_type = RRDD_VALUE_FLOAT;
		ds[i].type = RRDD_DERIVE;
		ds[i].is_default = true;
		ds[i].min = 0;
		ds[i].max = 1;
	}
}

static void die(const char *what, const struct rrdd_error *err)
{
	fprintf(stderr, "bench-payload: %s: %s\n", what, err->msg);
	exit(1);
}

/* Where the file goes: /dev/shm as in production, else /tmp. */
static void make_dir(char *dir, size_t len)
{
	snprintf(dir, len, "%s/rrdd-bench-XXXXXX",
		 access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
	if (!mkdtemp(dir)) {
		perror("bench-payload: mkdtemp");
		exit(1);
	}
}

static void bench_update(const struct rrdd_ds *ds, union rrdd_value *v)
{
	struct rrdd_writer_options o = { NULL, "bench", N_DS, RRDD_TS_FLOAT };
	struct rrdd_writer *w;
	struct rrdd_error err;
	char dir[64];
	double t0, ns;

	make_dir(dir, sizeof(dir));
	o.dir = dir;
	if (rrdd_writer_open(&o, &w, &err) ||
	    rrdd_writer_set_sources(w, ds, N_DS, &err) ||
	    rrdd_writer_update(w, 1.0, v, &err))
		die("writer setup", &err);
	t0 = now_ns();
	for (int k = 0; k < UPDATES; k++) {
		v[k % N_DS].f += 1;	/* values do change */
		if (rrdd_writer_update(w, 2.0 + k, v, &err))
			die("update", &err);
	}
	ns = (now_ns() - t0) / UPDATES;
	printf("values-only update, %d datasources: %.2f ns/datasource "
	       "(%.1f us per update; goal < %.0f ns: %s)\n", N_DS, ns / N_DS,
	       ns / 1e3, GOAL_NS, ns / N_DS < GOAL_NS ? "met" : "NOT met");
	/* A plugin may hand over the same descriptions every cycle. */
	t0 = now_ns();
	for (int k = 0; k < UPDATES; k++)
		if (rrdd_writer_set_sources(w, ds, N_DS, &err))
			die("set_sources", &err);
	ns = (now_ns() - t0) / UPDATES;
	printf("set_sources with unchanged descriptions, %d datasources: "
	       "%.2f ns/datasource\n", N_DS, ns / N_DS);
	rrdd_writer_close(w);
	rmdir(dir);
}

static void bench_encode(const struct rrdd_ds *ds, const union rrdd_value *v)
{
	struct rrdd_error err;
	uint8_t *buf = NULL;
	double t0, ns;

	t0 = now_ns();
	for (int k = 0; k < ENCODES; k++) {
		char *json;
		size_t len, size;
		uint8_t *bigger;

		if (rrdd_metadata_encode(ds, N_DS, &json, &len, &err))
			die("metadata encode", &err);
		size = rrdd_payload_size(N_DS, len);
		bigger = realloc(buf, size);
		if (!bigger) {
			free(buf);
			die("payload buffer", &err);
		}
		buf = bigger;
		if (rrdd_payload_encode(buf, size, 1.0 + k,
						RRDD_TS_FLOAT, ds, v, N_DS,
						json, len, &err))
			die("payload encode", &err);
		free(json);
	}
	ns = (now_ns() - t0) / ENCODES;
	printf("full encode (metadata JSON + payload), %d datasources: "
	       "%.1f ns/datasource (%.2f ms per encode)\n", N_DS, ns / N_DS,
	       ns / 1e6);
	free(buf);
}

int main(void)
{
	struct rrdd_ds *ds = calloc(N_DS, sizeof(*ds));
	union rrdd_value *v = calloc(N_DS, sizeof(*v));

	if (!ds || !v) {
		free(ds);
		free(v);
		return 1;
	}
	make_sources(ds);
	for (size_t i = 0; i < N_DS; i++)
		v[i].f = (double)i / N_DS;
	bench_update(ds, v);
	bench_encode(ds, v);
	free(ds);
	free(v);
	return 0;
}
