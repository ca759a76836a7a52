/*
 * sample.h: one cycle's raw readings, as a backend produces them.
 * Every backend fills the same structure, so the datasources derived from
 * it (derive.h) are the same whichever backend sampled.
 */
#ifndef PLUGIN_SAMPLE_H
#define PLUGIN_SAMPLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rrdd_protocol.h"

/* Xen can leak XEN_RUNSTATE_UPDATE (bit 63) into times; rrdp-cpu masks it. */
#define SAMPLE_TIME_MASK (~(UINT64_C(1) << 63))

/* Per-vCPU runstates, in Xen's order: running, runnable, blocked, offline. */
#define SAMPLE_VCPU_RUNSTATES 4

struct vcpu_sample {
	uint64_t cpu_time_ns;	/* running time, as XEN_DOMCTL_getvcpuinfo */
	bool online;
	bool blocked;		/* blocked waiting for an event */
	/* Time in each runstate, period in progress included (OpenMetrics);
	 * only backends that can read them set has_runstates. */
	bool has_runstates;
	uint64_t runstate_ns[SAMPLE_VCPU_RUNSTATES];
};

/*
 * Domain runstate aggregates (XenServer's Runstateinfo V2): time spent with
 * all online vCPUs running (0), all runnable (1), some running + some
 * runnable (2), all blocked or offline (3), some running + some blocked
 * (4), some runnable + some blocked (5).  runnable, running and nonaffine
 * are the vCPUs' runnable time, running time and running time outside
 * their soft affinity, each summed over the vCPUs and divided by their
 * number (max_vcpus), as Xen's XEN_DOMCTL_get_runstate_info computes them.
 */
#define SAMPLE_RUNSTATES 6

struct dom_runstate {
	bool valid;		/* the backend could read them */
	uint64_t time_ns[SAMPLE_RUNSTATES];
	uint64_t runnable_ns;
	bool has_nonaffine;	/* running_ns and nonaffine_ns were read */
	uint64_t running_ns;
	uint64_t nonaffine_ns;
};

struct dom_sample {
	uint32_t domid;
	char uuid[RRDD_UUID_LEN + 1];	/* from the domain handle */
	bool paused;
	unsigned nr_online_vcpus;
	uint64_t cpu_time_ns;		/* whole domain */
	uint64_t tot_pages;		/* for OpenMetrics, not rrdd */
	unsigned nr_vcpus;		/* max_vcpu_id + 1 */
	struct vcpu_sample *vcpus;	/* nr_vcpus entries, owned */
	unsigned cap_vcpus;		/* room in vcpus (kept across cycles) */
	struct dom_runstate runstate;
};

struct host_sample {
	unsigned nr_pcpus;
	uint64_t *pcpu_idle_ns;	/* nr_pcpus entries, owned */
	double loadavg;		/* dom0's 1-minute load; -1 if unreadable */
	size_t n_doms;
	size_t cap_doms;
	size_t used_doms;	/* doms[n_doms..used_doms) keep their vcpus
				 * buffers for the next cycle */
	struct dom_sample *doms;	/* n_doms entries, owned */
};

/* Start empty (all zero). */
void sample_init(struct host_sample *s);

/*
 * Forget the domains but keep the allocations (the domain array and each
 * domain's vCPU array) for the next cycle, which then allocates nothing
 * while the domains and their vCPU counts stay the same.
 */
void sample_reset(struct host_sample *s);

/* Free everything; *s is empty afterwards. */
void sample_free(struct host_sample *s);

/*
 * Append a domain with nr_vcpus zeroed vCPU slots; returns it, or NULL
 * when out of memory.  A caller that drops the last domain again frees
 * its vcpus, sets the pointer to NULL and decrements n_doms.
 */
struct dom_sample *sample_add_dom(struct host_sample *s, uint32_t domid,
				  unsigned nr_vcpus);

/*
 * The same, with the vCPU slots left as they are (last cycle's readings,
 * or anything): for a caller that writes every one of them, which saves
 * clearing them first.
 */
struct dom_sample *sample_add_dom_unset(struct host_sample *s, uint32_t domid,
					unsigned nr_vcpus);

/* Make room for nr_pcpus idle times (zeroed).  0 or -1 (ENOMEM). */
int sample_set_pcpus(struct host_sample *s, unsigned nr_pcpus);

/* Format a 16-byte domain handle as a lower-case UUID string. */
void sample_format_uuid(const uint8_t handle[16], char out[RRDD_UUID_LEN + 1]);

/* dom0's 1-minute load average from a /proc/loadavg-style file; -1 on error. */
double sample_read_loadavg(const char *path);

#endif
