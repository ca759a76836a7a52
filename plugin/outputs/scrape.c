/*
 * scrape.c: a locking backend wrapper, so the listener's threads can
 * sample while the cycle samples, and the health the cycle's calls show.
 */
#include "outputs/scrape.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "common/domset.h"

struct scrape_backend {
	struct backend base;
	struct backend *inner;
	pthread_mutex_t lock;		/* held only around inner's calls */
	/* Guarded by lock: */
	struct domset ids;		/* added and not removed */
	struct om_health health;
};

static const struct backend_ops scrape_ops;

static struct scrape_backend *sb(struct backend *b)
{
	return (struct scrape_backend *)b;
}

static double wall_seconds(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

/* Under lock: the name logs and scrapes show is the backend really used. */
static const char *in_use_name(const struct scrape_backend *s)
{
	return backend_name(backend_in_use(s->inner));
}

__attribute__((format(printf, 2, 3)))
static void note_error(struct scrape_backend *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* clang-tidy 14 carries va_list state across files in one run. */
	vsnprintf(s->health.last_error, sizeof(s->health.last_error), fmt, // NOLINT(clang-analyzer-valist.Uninitialized)
		  ap);
	va_end(ap);
	s->health.last_error_time = wall_seconds();
}

static int sc_add_domain(struct backend *b, uint32_t domid)
{
	struct scrape_backend *s = sb(b);
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = backend_add_domain(s->inner, domid);
	if (rc == BACKEND_OK && domset_add(&s->ids, domid) != 0) {
		backend_remove_domain(s->inner, domid);
		rc = BACKEND_ENOMEM;
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static void sc_remove_domain(struct backend *b, uint32_t domid)
{
	struct scrape_backend *s = sb(b);

	pthread_mutex_lock(&s->lock);
	backend_remove_domain(s->inner, domid);
	domset_remove(&s->ids, domid);
	pthread_mutex_unlock(&s->lock);
}

/* The cycle's sample: also what the health counts. */
static int sc_sample(struct backend *b, const uint32_t *domids, size_t n,
		     struct host_sample *out)
{
	struct scrape_backend *s = sb(b);
	int rc;

	pthread_mutex_lock(&s->lock);
	rc = backend_sample(s->inner, domids, n, out);
	s->health.cycles++;
	if (rc != BACKEND_OK) {
		s->health.cycle_errors++;
		note_error(s, "sampling failed (%s backend, status %d)",
			   in_use_name(s), rc);
	} else if (out->n_doms < n) {
		s->health.domains_skipped += n - out->n_doms;
		note_error(s, "%zu of %zu domains not read in cycle %llu",
			   n - out->n_doms, n,
			   (unsigned long long)s->health.cycles);
	}
	pthread_mutex_unlock(&s->lock);
	return rc;
}

static void sc_destroy(struct backend *b)
{
	struct scrape_backend *s = sb(b);

	backend_destroy(s->inner);
	pthread_mutex_destroy(&s->lock);
	domset_free(&s->ids);
	free(s);
}

static const struct backend *sc_delegate(const struct backend *b)
{
	return ((const struct scrape_backend *)b)->inner;
}

static const struct backend_ops scrape_ops = {
	.name = "scrape",
	.add_domain = sc_add_domain,
	.remove_domain = sc_remove_domain,
	.sample = sc_sample,
	.destroy = sc_destroy,
	.delegate = sc_delegate,
};

int scrape_backend_new(struct backend *inner, struct backend **out)
{
	struct scrape_backend *s = calloc(1, sizeof(*s));

	if (!s || pthread_mutex_init(&s->lock, NULL) != 0) {
		free(s);
		backend_destroy(inner);
		return BACKEND_ENOMEM;
	}
	s->base.ops = &scrape_ops;
	s->inner = inner;
	*out = &s->base;
	return BACKEND_OK;
}

static bool is_scrape(const struct backend *b)
{
	return b && b->ops == &scrape_ops;
}

int scrape_sample(struct backend *b, struct host_sample *out,
		  struct om_health *health)
{
	struct scrape_backend *s = sb(b);
	int rc;

	if (!is_scrape(b))
		return BACKEND_ESYS;
	pthread_mutex_lock(&s->lock);
	sample_reset(out);
	rc = backend_sample(s->inner, s->ids.ids, s->ids.n, out);
	s->health.scrapes++;
	*health = s->health;
	health->backend = in_use_name(s);
	pthread_mutex_unlock(&s->lock);
	return rc;
}

int scrape_render(void *ctx, enum om_format format, struct rrdd_buf *out)
{
	struct host_sample sample;
	struct om_health health;
	int rc;

	sample_init(&sample);
	rc = scrape_sample(ctx, &sample, &health);
	if (rc == BACKEND_OK)
		rc = om_render(&sample, &health, format, out);
	sample_free(&sample);
	return rc == 0 ? 0 : -1;
}
