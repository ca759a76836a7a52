/*
 * plugins.c: rrdd-mock's registered plugins and what each cycle does with
 * them, following xcp-rrdd (rrdd_server.ml, rrd_reader_functor.ml,
 * rrd_protocol_v2.ml):
 * - the file is opened at the first registration and read, every cycle,
 *   through that descriptor at the size it had then (xcp-rrdd maps it
 *   once), so a file replaced by rename goes unseen;
 * - header, then "no update" when the data CRC repeats, then the full
 *   decode (both CRCs, the metadata rules);
 * - any failure, "no update" included, doubles a skip count (up to 256)
 *   and that many cycles minus one are skipped; a good read resets it.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mock.h"

#define SKIP_MAX 256		/* xcp-rrdd's cap on the back-off */
#define MAX_FILE ((size_t)64 << 20)	/* a bigger "payload" is an error */

struct plugin {
	char *uid;
	char *path;
	int fd;			/* opened at registration, as xcp-rrdd maps */
	size_t size;		/* the file's size then */
	uint32_t last_data_crc;
	double last_ts;		/* of the last good read, NAN if none */
	int skip_init;		/* back-off: doubles on error, up to 256 */
	int skip;		/* cycles still to skip */
	struct ds_state *ds;
	size_t n_ds;
	struct plugin *next;
};

/* ---- registration ------------------------------------------------------ */

static struct plugin *find_plugin(const struct mock *m, const char *uid)
{
	struct plugin *p;

	for (p = m->plugins; p; p = p->next)
		if (strcmp(p->uid, uid) == 0)
			return p;
	return NULL;
}

bool mock_is_registered(const struct mock *m, const char *uid)
{
	return find_plugin(m, uid) != NULL;
}

static void free_ds(struct ds_state *ds, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(ds[i].key);
	free(ds);
}

static void free_plugin(struct plugin *p)
{
	if (p->fd >= 0)
		close(p->fd);
	free_ds(p->ds, p->n_ds);
	free(p->uid);
	free(p->path);
	free(p);
}

/* Open the file as xcp-rrdd does at registration; errno on failure. */
static int open_file(struct plugin *p)
{
	struct stat st;

	p->fd = open(p->path, O_RDONLY | O_CLOEXEC);
	if (p->fd < 0)
		return -1;
	if (fstat(p->fd, &st) < 0) {
		int e = errno;

		close(p->fd);
		p->fd = -1;
		errno = e;
		return -1;
	}
	p->size = (size_t)st.st_size;
	return 0;
}

/* errno as OCaml's Unix module names it, for xcp-rrdd's messages. */
static const char *unix_error_name(int e)
{
	switch (e) {
	case ENOENT: return "ENOENT";
	case EACCES: return "EACCES";
	case ENOTDIR: return "ENOTDIR";
	case ELOOP: return "ELOOP";
	case EMFILE: return "EMFILE";
	default: return "EUNKNOWNERR";
	}
}

/* Register uid; on failure a message for ErrorDescription in why. */
int mock_register(struct mock *m, const char *uid, char *why,
			   size_t why_len)
{
	struct plugin *p;

	if (find_plugin(m, uid))
		return 0;
	p = xmalloc(sizeof(*p));
	p->uid = xstrdup(uid);
	p->path = xasprintf("%s/%s", m->dir, uid);
	p->skip_init = 1;
	p->last_ts = NAN;
	if (open_file(p) < 0) {
		snprintf(why, why_len, "Unix.Unix_error(Unix.%s, \"open\", \"%s\")",
			 unix_error_name(errno), p->path);
		free_plugin(p);
		return -1;
	}
	p->next = m->plugins;
	m->plugins = p;
	m->counts.opened++;
	mock_print_event(m, uid, "register", NULL, 0);
	return 0;
}

void mock_deregister(struct mock *m, const char *uid)
{
	struct plugin **pp;

	for (pp = &m->plugins; *pp; pp = &(*pp)->next) {
		struct plugin *p = *pp;

		if (strcmp(p->uid, uid) == 0) {
			*pp = p->next;
			m->counts.closed++;
			mock_print_event(m, uid, "deregister", NULL, 0);
			free_plugin(p);
			return;
		}
	}
}

/* ---- reading ----------------------------------------------------------- */

/* The file's bytes, at the size it had when registered. */
static uint8_t *read_file(struct plugin *p, size_t *len, char *why,
			  size_t why_len)
{
	uint8_t *buf;
	ssize_t n;

	/* xcp-rrdd maps an empty file again at the next read. */
	if (p->size == 0) {
		close(p->fd);
		if (open_file(p) < 0) {
			snprintf(why, why_len, "reopen %s: %s", p->path,
				 strerror(errno));
			return NULL;
		}
	}
	if (p->size > MAX_FILE) {
		snprintf(why, why_len, "%s: %zu bytes is too large for a payload",
			 p->path, p->size);
		return NULL;
	}
	buf = xmalloc(p->size);
	n = pread(p->fd, buf, p->size, 0);
	if (n < 0 || (size_t)n != p->size) {
		snprintf(why, why_len, "%s: %s", p->path, n < 0 ?
			 strerror(errno) : "file shrank below its mapped size");
		free(buf);
		return NULL;
	}
	*len = p->size;
	return buf;
}

/* Error or no update: skip the next 2^k - 1 cycles, as xcp-rrdd does. */
static void back_off(struct plugin *p)
{
	p->skip_init = p->skip_init * 2 > SKIP_MAX ? SKIP_MAX :
						      p->skip_init * 2;
	p->skip = p->skip_init;
}

static void good_read(struct plugin *p)
{
	if (p->skip_init > 1) {
		p->skip_init = 1;
		p->skip = 0;
	}
}

static const struct ds_state *find_prev(const struct plugin *p,
					const char *key)
{
	size_t i;

	for (i = 0; i < p->n_ds; i++)
		if (strcmp(p->ds[i].key, key) == 0)
			return &p->ds[i];
	return NULL;
}

static char *owner_string(const struct rrdd_ds *ds)
{
	const char *kind = rrdd_owner_kind_name(ds->owner);

	if (ds->owner == RRDD_OWNER_HOST)
		return xstrdup(kind);
	return xasprintf("%s %s", kind, ds->owner_uuid);
}

/* Print every datasource's rate and keep the samples for next time. */
static void report(struct mock *m, struct plugin *p,
		   const struct rrdd_payload *pl)
{
	struct ds_state *next = xmalloc(pl->n * sizeof(*next));
	size_t i;

	for (i = 0; i < pl->n; i++) {
		const struct rrdd_ds *ds = &pl->ds[i];
		char *owner = owner_string(ds);
		double rate;

		next[i].key = xasprintf("%s/%s", owner, ds->name);
		rate = mock_rate(ds, pl->values[i], pl->timestamp,
				 find_prev(p, next[i].key));
		next[i].value_type = ds->value_type;
		next[i].value = pl->values[i];
		next[i].t = pl->timestamp;
		mock_print_rate(m, p->uid, owner, ds, pl->timestamp, rate);
		free(owner);
	}
	free_ds(p->ds, p->n_ds);
	p->ds = next;
	p->n_ds = pl->n;
}

/* The checks xcp-rrdd makes before decoding: header, then "no update". */
static int precheck(const struct plugin *p, const uint8_t *buf, size_t len,
		    uint32_t *crc, char *why, size_t why_len)
{
	if (len < 15 || memcmp(buf, "DATASOURCES", 11) != 0) {
		snprintf(why, why_len, "%s: not a DATASOURCES payload",
			 p->path);
		return -1;
	}
	*crc = (uint32_t)buf[11] << 24 | (uint32_t)buf[12] << 16 |
	       (uint32_t)buf[13] << 8 | buf[14];
	return *crc == p->last_data_crc ? 1 : 0;
}

static void read_plugin(struct mock *m, struct plugin *p)
{
	struct rrdd_payload *pl = NULL;
	struct rrdd_error err;
	char why[RRDD_ERROR_MAX + 64];
	uint32_t crc = 0;
	size_t len = 0;
	uint8_t *buf = read_file(p, &len, why, sizeof(why));
	int rc = buf ? precheck(p, buf, len, &crc, why, sizeof(why)) : -1;

	if (rc == 0 && rrdd_payload_decode(buf, len, RRDD_TS_AUTO, &pl,
					   &err) != 0) {
		snprintf(why, sizeof(why), "%s: %s", p->path, err.msg);
		rc = -1;
	}
	free(buf);
	if (rc != 0) {
		if (rc > 0)
			m->counts.no_updates++;
		else
			m->counts.errors++;
		back_off(p);
		mock_print_event(m, p->uid, rc > 0 ? "no update" : "error",
				 rc > 0 ? NULL : why, p->skip);
		return;
	}
	p->last_data_crc = crc;
	p->last_ts = pl->timestamp;
	m->counts.reads++;
	good_read(p);
	report(m, p, pl);
	rrdd_payload_free(pl);
}

void mock_run_cycle(struct mock *m)
{
	struct plugin *p;

	m->cycle++;
	for (p = m->plugins; p; p = p->next) {
		/* As xcp-rrdd: count down first, then skip while positive. */
		if (p->skip > 0)
			p->skip--;
		if (p->skip > 0)
			mock_print_event(m, p->uid, "skipped", NULL, p->skip);
		else
			read_plugin(m, p);
	}
}

void mock_free_plugins(struct mock *m)
{
	while (m->plugins) {
		struct plugin *p = m->plugins;

		m->plugins = p->next;
		free_plugin(p);
	}
}

double mock_last_timestamp(const struct mock *m, const char *uid)
{
	const struct plugin *p = find_plugin(m, uid);

	return p ? p->last_ts : NAN;
}
