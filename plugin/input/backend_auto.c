/*
 * backend_auto.c: the table backend while the hypervisor supports stats
 * tables, the hypercall backend for the whole host once it does not.  One
 * host, one method: mixing them would make graphs jump when a domain moves
 * from one to the other, and an unpatched hypervisor says "unsupported"
 * for every domain alike.
 */
#include "input/backend.h"

#include <stdlib.h>

#include "common/domset.h"
#include "common/log.h"

struct auto_backend {
	struct backend base;
	struct backend *current;
	backend_factory make_fallback;
	bool fell_back;
	struct domset known;	/* domains announced so far, for the replay */
};

static struct auto_backend *ab(struct backend *b)
{
	return (struct auto_backend *)b;
}

/* The one line that says the host is sampled with hypercalls. */
static void log_fallback(int why, const char *to)
{
	log_warn("%s: sampling the whole host with %s",
		 why == BACKEND_EUNSUPPORTED
			 ? "hypervisor has no stats tables (map answered "
			   "EOPNOTSUPP/EINVAL)"
			 : "stats tables cannot be mapped",
		 to);
}

/* Swap to the fallback and announce every known domain to it. */
static int fall_back(struct auto_backend *a)
{
	struct backend *next = NULL;
	int rc = a->make_fallback(&next);

	if (rc != BACKEND_OK) {
		log_err("no stats tables and the %s fallback failed to start",
			"hypercall");
		return rc;
	}
	log_fallback(BACKEND_EUNSUPPORTED, backend_name(next));
	backend_destroy(a->current);
	a->current = next;
	a->fell_back = true;
	for (size_t i = 0; i < a->known.n; i++)
		(void)backend_add_domain(next, a->known.ids[i]);
	return BACKEND_OK;
}

static int auto_add_domain(struct backend *b, uint32_t domid)
{
	struct auto_backend *a = ab(b);
	int rc = backend_add_domain(a->current, domid);

	if (rc == BACKEND_EUNSUPPORTED && !a->fell_back) {
		rc = fall_back(a);	/* replays the domains known before */
		if (rc == BACKEND_OK)
			rc = backend_add_domain(a->current, domid);
	}
	/* Keep it for a later replay unless it is gone for good. */
	if (rc != BACKEND_EGONE && domset_add(&a->known, domid) != 0)
		return BACKEND_ENOMEM;
	return rc;
}

static void auto_remove_domain(struct backend *b, uint32_t domid)
{
	struct auto_backend *a = ab(b);

	domset_remove(&a->known, domid);
	backend_remove_domain(a->current, domid);
}

static int auto_sample(struct backend *b, const uint32_t *domids, size_t n,
		       struct host_sample *out)
{
	return backend_sample(ab(b)->current, domids, n, out);
}

static void auto_destroy(struct backend *b)
{
	struct auto_backend *a = ab(b);

	backend_destroy(a->current);
	domset_free(&a->known);
	free(a);
}

static const struct backend *auto_delegate(const struct backend *b)
{
	return ((const struct auto_backend *)b)->current;
}

static const struct backend_ops auto_ops = {
	.name = "auto",
	.add_domain = auto_add_domain,
	.remove_domain = auto_remove_domain,
	.sample = auto_sample,
	.destroy = auto_destroy,
	.delegate = auto_delegate,
};

int backend_auto_new(struct backend *primary, backend_factory make_fallback,
		     struct backend **out)
{
	struct auto_backend *a = calloc(1, sizeof(*a));

	if (!a) {
		backend_destroy(primary);
		return BACKEND_ENOMEM;
	}
	a->base.ops = &auto_ops;
	a->current = primary;
	a->make_fallback = make_fallback;
	*out = &a->base;
	return BACKEND_OK;
}

int backend_auto_start(backend_factory make_primary,
		       backend_factory make_fallback, struct backend **out)
{
	struct backend *primary = NULL;
	int why = make_primary(&primary);
	int rc;

	if (why == BACKEND_OK)
		return backend_auto_new(primary, make_fallback, out);
	rc = make_fallback(out);
	if (rc == BACKEND_OK)
		log_fallback(why, backend_name(*out));
	return rc;
}
