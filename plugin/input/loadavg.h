/*
 * loadavg.h: dom0's 1-minute load average from a /proc/loadavg-style
 * file.  A backend opens the file once and reads it each cycle with one
 * pread(2) at offset 0 (procfs regenerates the text for every read from
 * the start), so a steady cycle spends one system call on it, not three.
 */
#ifndef PLUGIN_LOADAVG_H
#define PLUGIN_LOADAVG_H

struct loadavg {
	const char *path;	/* borrowed: must outlive the struct */
	int fd;			/* -1: not open (opened again on read) */
};

/* Open path (it may be missing now: each read retries the open). */
void loadavg_open(struct loadavg *l, const char *path);

/* The 1-minute load average, or -1 when the file cannot be read. */
double loadavg_read(struct loadavg *l);

void loadavg_close(struct loadavg *l);

#endif
