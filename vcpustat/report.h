/*
 * report.h: two snapshots -> what vcpustat shows: per VM and per vCPU the
 * percentage of the interval spent running, runnable (waiting for a pCPU:
 * steal, ready), blocked and offline, and each pCPU's busy percentage;
 * sorted, busiest VM first.  Rendered as one screen of text or as one
 * JSON object per interval.  Pure: no Xen, no clock.
 */
#ifndef VCPUSTAT_REPORT_H
#define VCPUSTAT_REPORT_H

#include <stdio.h>

#include "snapshot.h"

/* A percentage this source cannot know (hypercalls: all but running). */
#define VS_UNKNOWN (-1.0)

struct vs_row {
	uint32_t domid;
	const char *name;	/* borrowed from the newer snapshot */
	int vcpu;		/* -1: the VM (sum over its vCPUs) */
	double pct[XEN_STATS_NR_RUNSTATES];
};

struct vs_report {
	double interval_s;
	bool runstates;
	unsigned nr_pcpus;
	double *pcpu_busy;	/* nr_pcpus percentages */
	double host_busy;	/* average over the pCPUs */
	size_t n_rows;
	struct vs_row *rows;	/* a VM row, then its vCPUs, busiest VM first */
};

/*
 * Compare new against old (the same source): domains and vCPUs present in
 * both.  0, or -1 (out of memory, or no time elapsed).  The report borrows
 * names from new: keep it until the report is freed.
 */
int vs_report_build(const struct vs_snap *old, const struct vs_snap *new,
		    struct vs_report *r);
void vs_report_free(struct vs_report *r);

/*
 * Text for a person: a header and at most max_lines lines in all (0: no
 * limit); rows that do not fit are counted in a last line.
 */
void vs_report_text(const struct vs_report *r, const char *source,
		    unsigned max_lines, FILE *out);

/* One JSON object on one line (unknown percentages are null). */
int vs_report_json(const struct vs_report *r, const char *source,
		   double timestamp, FILE *out);

#endif
