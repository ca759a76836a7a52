/*
 * discovery.c: domains from xenstore watches.  xenstored fires
 * @introduceDomain when a domain is introduced and @releaseDomain when one
 * dies or shuts down; both carry no domid, so a fired watch means "look
 * again": one XEN_DOMCTL_getdomaininfo list, outside the steady-state cycle.
 */
#include "input/discovery.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenctrl.h>
#include <xenstore.h>

#include "common/fail.h"
#include "common/log.h"

#define LIST_CHUNK 256

struct xs_source {
	struct domain_source base;
	struct xs_handle *xs;
	xc_interface *xch;
	xc_domaininfo_t *infos;		/* LIST_CHUNK entries */
};

static struct xs_source *xss(struct domain_source *s)
{
	return (struct xs_source *)s;
}

static int xs_src_fd(struct domain_source *src)
{
	return xs_fileno(xss(src)->xs);
}

/* Drain the watch queue; true when any event was pending. */
static bool drain_events(struct xs_source *s)
{
	bool any = false;
	char **event;

	while ((event = xs_check_watch(s->xs)) != NULL) {
		any = true;
		free(event);
	}
	return any;
}

/* All live domains, LIST_CHUNK at a time (each chunk is one hypercall). */
static int list_live(struct xs_source *s, struct domset *ids)
{
	uint32_t next = 0;
	int got;

	domset_clear(ids);
	do {
		got = xc_domain_getinfolist(s->xch, next, LIST_CHUNK, s->infos);
		if (got < 0)
			return -1;
		for (int i = 0; i < got; i++) {
			/* A dying domain must not be mapped again: our
			 * mapping would keep it alive as a zombie. */
			if (s->infos[i].flags & XEN_DOMINF_dying)
				continue;
			if (domset_add(ids, s->infos[i].domain) != 0)
				return -1;
		}
		if (got > 0)
			next = s->infos[got - 1].domain + 1;
	} while (got == LIST_CHUNK);
	return 0;
}

static int xs_src_refresh(struct domain_source *src, bool force,
			  struct domset *ids)
{
	struct xs_source *s = xss(src);

	if (!drain_events(s) && !force)
		return 0;
	if (list_live(s, ids) != 0) {
		log_err("listing domains failed: %s", strerror(errno));
		return -1;
	}
	return 1;
}

/* Which key names the stable UUID for a temporary migration handle, or
 * NULL when uuid is not one. */
static const char *discovery_migration_key(const char *uuid)
{
	size_t len = strlen(uuid);

	if (len != RRDD_UUID_LEN)
		return NULL;
	if (strcmp(uuid + len - 12, "000000000000") == 0)
		return "origin-uuid";
	if (strcmp(uuid + len - 12, "000000000001") == 0)
		return "final-uuid";
	return NULL;
}

static void xs_src_stable_uuid(struct domain_source *src,
			       char uuid[RRDD_UUID_LEN + 1])
{
	const char *key = discovery_migration_key(uuid);
	char path[96];
	unsigned len = 0;
	char *value;

	if (!key)
		return;
	snprintf(path, sizeof(path), "/vm/%s/%s", uuid, key);
	value = xs_read(xss(src)->xs, XBT_NULL, path, &len);
	if (value && len == RRDD_UUID_LEN)
		memcpy(uuid, value, RRDD_UUID_LEN + 1);
	free(value);
}

static void xs_src_destroy(struct domain_source *src)
{
	struct xs_source *s = xss(src);

	if (s->xs)
		xs_close(s->xs);
	if (s->xch)
		xc_interface_close(s->xch);
	free(s->infos);
	free(s);
}

static const struct domain_source_ops xs_ops = {
	.fd = xs_src_fd,
	.refresh = xs_src_refresh,
	.stable_uuid = xs_src_stable_uuid,
	.destroy = xs_src_destroy,
};

int discovery_xenstore_new(struct domain_source **out, char *err,
			   size_t err_len)
{
	struct xs_source *s = calloc(1, sizeof(*s));

	if (!s)
		return fail_with(err, err_len, -1, "out of memory");
	s->base.ops = &xs_ops;
	s->infos = calloc(LIST_CHUNK, sizeof(*s->infos));
	s->xs = xs_open(0);
	s->xch = xc_interface_open(NULL, NULL, 0);
	if (!s->infos || !s->xs || !s->xch) {
		int rc = fail_with(err, err_len, -1, "cannot open %s: %s",
				   !s->xs ? "xenstore"
					  : "the Xen control interface",
				   strerror(errno));

		xs_src_destroy(&s->base);
		return rc;
	}
	if (!xs_watch(s->xs, "@introduceDomain", "introduce") ||
	    !xs_watch(s->xs, "@releaseDomain", "release")) {
		int rc = fail_with(err, err_len, -1, "cannot watch xenstore "
				   "domain events: %s", strerror(errno));

		xs_src_destroy(&s->base);
		return rc;
	}
	*out = &s->base;
	return 0;
}
