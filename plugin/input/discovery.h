/*
 * discovery.h: which domains exist.  The real source watches xenstore's
 * @introduceDomain and @releaseDomain and, only when one fires, asks Xen
 * once for the domain list to reconcile: no listing every cycle.  The
 * cycle sees it through this small interface so unit tests can supply a
 * scripted source.
 */
#ifndef PLUGIN_DISCOVERY_H
#define PLUGIN_DISCOVERY_H

#include <stdbool.h>

#include "common/domset.h"
#include "rrdd_protocol.h"

struct domain_source;

struct domain_source_ops {
	/* A descriptor that becomes readable when domains may have changed;
	 * -1 when the source has none. */
	int (*fd)(struct domain_source *src);
	/*
	 * Consume pending events.  When something changed, or force is set,
	 * fill *ids with the live (not dying) domains and return 1; return 0
	 * when nothing changed (*ids untouched), <0 on error.
	 */
	int (*refresh)(struct domain_source *src, bool force,
		       struct domset *ids);
	/*
	 * While a VM migrates, xenopsd gives the domains temporary handles
	 * ending in ...000000000000 / ...000000000001 and records the real
	 * UUID in xenstore (/vm/<uuid>/origin-uuid, final-uuid), as rrdp-cpu
	 * reads it.  Replace *uuid in place when such a record exists.
	 * May be NULL.
	 */
	void (*stable_uuid)(struct domain_source *src,
			    char uuid[RRDD_UUID_LEN + 1]);
	void (*destroy)(struct domain_source *src);
};

struct domain_source {
	const struct domain_source_ops *ops;
};

/* The xenstore-watching source.  0, or -1 with err filled. */
int discovery_xenstore_new(struct domain_source **out, char *err,
			   size_t err_len);

#endif
