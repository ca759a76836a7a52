/*
 * backend.h: where a cycle's readings come from.  Three implementations
 * share this interface and fill the same struct host_sample:
 *
 *   hypercall  libxenctrl, the way rrdp-cpu samples today (one domain-info
 *              list, one getvcpuinfo per vCPU, one getcpuinfo) - every
 *              cycle traps into Xen and takes the domctl lock
 *   table      each domain's stats table, mapped once, read-only, with
 *              XENMEM_acquire_resource; a cycle is loads from memory
 *   auto       table, switching to hypercall for the whole host (one log
 *              line) when the hypervisor has no stats tables
 *
 * The daemon tells the backend which domains exist (discovery.h) and asks
 * for one sample per cycle.  Backends log their own one-line diagnostics
 * about individual domains (log.h) and return errors for the cycle.
 */
#ifndef PLUGIN_BACKEND_H
#define PLUGIN_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "input/sample.h"

enum backend_status {
	BACKEND_OK = 0,
	BACKEND_EUNSUPPORTED = -1,	/* hypervisor lacks stats tables */
	BACKEND_EGONE = -2,		/* the domain no longer exists */
	BACKEND_EBADTABLE = -3,		/* table inconsistent: domain skipped */
	BACKEND_ESYS = -4,		/* other failure (errno-style) */
	BACKEND_ENOMEM = -5,
};

struct backend;

struct backend_ops {
	const char *name;
	/*
	 * A domain appeared (discovery or startup).  The table backend maps
	 * its table here, once.  BACKEND_EUNSUPPORTED tells auto to fall
	 * back; other errors mean the domain is left out until it is
	 * announced again.
	 */
	int (*add_domain)(struct backend *b, uint32_t domid);
	/* A domain was released: drop (unmap) everything about it now. */
	void (*remove_domain)(struct backend *b, uint32_t domid);
	/*
	 * Fill *out (already reset by the caller) with the host's readings
	 * and those of the domains given.  A domain that cannot be read this
	 * cycle is left out of *out (and logged); only a failure of the whole
	 * cycle returns an error.
	 */
	int (*sample)(struct backend *b, const uint32_t *domids, size_t n,
		      struct host_sample *out);
	void (*destroy)(struct backend *b);
	/* The backend every call is passed on to (auto, the scrape
	 * wrapper); NULL for a backend that samples itself. */
	const struct backend *(*delegate)(const struct backend *b);
};

struct backend {
	const struct backend_ops *ops;
};

static inline int backend_add_domain(struct backend *b, uint32_t domid)
{
	return b->ops->add_domain(b, domid);
}

static inline void backend_remove_domain(struct backend *b, uint32_t domid)
{
	b->ops->remove_domain(b, domid);
}

static inline int backend_sample(struct backend *b, const uint32_t *domids,
				 size_t n, struct host_sample *out)
{
	return b->ops->sample(b, domids, n, out);
}

static inline const char *backend_name(const struct backend *b)
{
	return b->ops->name;
}

static inline void backend_destroy(struct backend *b)
{
	if (b)
		b->ops->destroy(b);
}

/* Which backend the daemon runs (--backend). */
enum backend_kind { BACKEND_AUTO, BACKEND_TABLE, BACKEND_HYPERCALL };

/* "auto", "table", "hypercall". */
const char *backend_kind_name(enum backend_kind kind);

/* A kind from its name: 0, or -1 for an unknown name. */
int backend_kind_parse(const char *text, enum backend_kind *out);

/*
 * Build the backend of that kind: 0 and *out, or a negative
 * backend_status.  auto starts on the table backend, or on the
 * hypercall backend at once (one log line) when the tables cannot be
 * mapped.
 */
int backend_new(enum backend_kind kind, struct backend **out);

/* The backend that really samples: b, or what b passes its calls to. */
const struct backend *backend_in_use(const struct backend *b);

/* Constructors: 0 and *out, or a negative backend_status. */
int backend_hypercall_new(struct backend **out);
int backend_table_new(struct backend **out);

/*
 * auto: starts with primary (owned); on the first BACKEND_EUNSUPPORTED
 * from it, destroys it, builds make_fallback() and hands it every domain
 * known so far.  The factory indirection lets tests use fakes.
 */
typedef int (*backend_factory)(struct backend **out);
int backend_auto_new(struct backend *primary, backend_factory make_fallback,
		     struct backend **out);

/*
 * auto from its factories: make_primary(), wrapped by backend_auto_new;
 * when make_primary fails, make_fallback() alone, with the same log line
 * as a fallback later on.
 */
int backend_auto_start(backend_factory make_primary,
		       backend_factory make_fallback, struct backend **out);

/* Path of dom0's load average (tests point it elsewhere). */
#define BACKEND_LOADAVG_PATH "/proc/loadavg"

#endif
