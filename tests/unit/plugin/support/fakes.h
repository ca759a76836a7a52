/*
 * fakes.h: test doubles for the cycle: a scripted backend and a scripted
 * domain source.  Both record what the cycle asked of them.
 */
#ifndef PLUGIN_TEST_FAKES_H
#define PLUGIN_TEST_FAKES_H

#include <stdbool.h>

#include "input/backend.h"
#include "input/discovery.h"

#define FAKE_MAX_EVENTS 64

struct fake_backend {
	struct backend base;
	const char *name;
	int add_status;		/* what add_domain answers */
	int sample_status;	/* what sample answers */
	unsigned vcpus;		/* per domain */
	/* Give each domain the runstate aggregates Xen's domctl 98 would
	 * (every state, runnable, running and non-affine time non-zero). */
	bool runstates;
	unsigned samples;	/* sample calls so far */
	char events[FAKE_MAX_EVENTS][16];	/* "+3", "-3", in order */
	unsigned n_events;
	bool *destroyed;	/* set true on destroy, if not NULL */
	/* Called at the start of every sample (tests peek at the payload
	 * the previous cycle wrote, or change the domains). */
	void (*on_sample)(struct fake_backend *f, void *ctx);
	void *ctx;
};

/* A backend whose domains have uuid "0000000d-..." from the domid. */
struct fake_backend *fake_backend_new(const char *name, int add_status);

struct fake_source {
	struct domain_source base;
	int pipe[2];		/* write a byte to pipe[1]: "domains changed" */
	struct domset domains;	/* what refresh answers */
	unsigned refreshes;	/* refresh calls that listed */
};

struct fake_source *fake_source_new(void);
/* Replace the domain list and wake the cycle up. */
void fake_source_set(struct fake_source *src, const uint32_t *ids, size_t n);

/* The uuid the fake backend gives domid. */
void fake_uuid(uint32_t domid, char out[RRDD_UUID_LEN + 1]);

#endif
