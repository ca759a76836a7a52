/*
 * stats-scenario: the e2e checks of the domain runstates, the non-affine
 * time, the host table's freshness and the online vCPU count, run in dom0
 * by tests/e2e/dom0.d/10-stats-runstates.sh, which sets the scenes (which
 * guests run where) and calls this program to measure them.
 *
 *   stats-scenario measure [--tries N] SECONDS SPEC...
 *       SPEC dom:NAME:DOMID:STATE    the domain's six runstate times over
 *                                    the interval sum to the wall time
 *                                    (1%), STATE (XEN_STATS_DOMSTATE_*)
 *                                    holds >= 80% of it, and the section's
 *                                    running/runnable sums equal the sums
 *                                    of its vCPU slots
 *            nonaffine:NAME:DOMID:VCPU   the vCPU ran >= 50% of the time
 *                                    and >= 90% of that outside its soft
 *                                    affinity
 *            idle:CPU                the pCPU's idle time from the table
 *                                    (now = max update_time) follows
 *                                    XEN_SYSCTL_getcpuinfo within one time
 *                                    slice over the interval
 *       With --tries N (default 1), a measurement with a failed check is
 *       repeated, up to N times: the failed attempts' lines are printed
 *       as INFO, the last attempt's as PASS/FAIL.  Under QEMU's TCG the
 *       scheduler's timers fire late when the host holds QEMU off its
 *       CPUs, which a timing check cannot tell from a lagging table; a
 *       table that lags fails every attempt.
 *   stats-scenario online NAME DOMID
 *       the section's online vCPU count and the slots' online flags equal
 *       getdomaininfo's count and getvcpuinfo's flags within 1 s
 *   stats-scenario acquire DOMID|host
 *       map the domain's table once and unmap it: Xen keeps the table (and
 *       its hooks) until the domain is destroyed (guest-cost benchmark);
 *       "host": the host table alone, which every command maps (Xen keeps
 *       it for good)
 *
 * Prints `PASS name detail` / `FAIL name detail` lines; exits 0 once the
 * checks ran, 2 on a usage error.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xenctrl.h>
#include <xenforeignmemory.h>

#include "stats-read.h"

/* One credit2 time slice plus the emulator's slack (see stats-check.c). */
#define BOUND_NS 15000000ULL
#define SUM_TOLERANCE 0.01
#define DOMINANT_MIN 0.80
#define NONAFFINE_MIN 0.90
#define RUNNING_MIN 0.50
#define MAX_SPECS 8
#define MAX_CPUS 64
#define ONLINE_WAIT_NS 1000000000ULL

static xc_interface *xch;
static xenforeignmemory_handle *fh;
static struct stats_table host;
static int host_mapped;

/*
 * An attempt that may be repeated keeps its result lines here until it is
 * known whether they are final.
 */
#define HELD_MAX 4096
static char held[HELD_MAX];
static size_t held_len;
static int holding, held_failed;

static void result(int ok, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void result(int ok, const char *name, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    int n;

    n = snprintf(line, sizeof(line), "%s %s ", ok ? "PASS" : "FAIL", name);
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    if (!holding) {
        puts(line);
        fflush(stdout);
        return;
    }
    held_failed |= !ok;
    n = snprintf(held + held_len, HELD_MAX - held_len, "%s\n", line);
    if (n > 0 && (size_t)n < HELD_MAX - held_len)
        held_len += (size_t)n;
}

/* Print the held lines, as they are or as INFO lines of a failed try. */
static void release(int as_info)
{
    const char *p = held;

    holding = 0;
    while (p < held + held_len) {
        const char *nl = strchr(p, '\n');

        printf("%s%.*s\n", as_info ? "INFO retried: " : "", (int)(nl - p), p);
        p = nl + 1;
    }
    fflush(stdout);
    held_len = 0;
    held_failed = 0;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
    struct timespec ts = { (time_t)(ns / 1000000000ULL),
                           (long)(ns % 1000000000ULL) };

    nanosleep(&ts, NULL);
}

/* Xen's time, from the table alone: the largest pCPU update_time. */
static int xen_now(uint64_t *now)
{
    xen_stats_pcpu_t p;

    *now = 0;
    for (unsigned int i = 0; i < host.hdr.nr_slots; i++) {
        if (stats_read_pcpu(&host, i, &p))
            return -1;
        if (p.update_time > *now)
            *now = p.update_time;
    }
    return 0;
}

/* --- one measured thing ------------------------------------------------ */

enum kind { DOM, NONAFFINE, IDLE };

struct sample {
    uint64_t state[XEN_STATS_NR_DOMSTATES];
    uint64_t running, runnable;      /* dom: section sums; vcpu: slot */
    uint64_t slots_running, slots_runnable;
    uint64_t nonaffine;
    uint64_t idle_table, idle_sysctl;
};

struct spec {
    struct stats_table t;
    struct sample s[2];
    char name[48];
    enum kind kind;
    uint32_t domid;
    unsigned int arg;               /* STATE, VCPU or CPU */
    int mapped;
    int ok[2];
};

/* A whole decimal number below limit, or -1. */
static long parse_num(const char *s, const char **end, long limit)
{
    char *e;
    unsigned long v;

    errno = 0;
    v = strtoul(s, &e, 10);
    if (errno || e == s || v >= (unsigned long)limit)
        return -1;
    if (end)
        *end = e;
    else if (*e)
        return -1;
    return (long)v;
}

/* A vCPU slot's running time at now (the slot is as of update_time). */
static uint64_t slot_time(const xen_stats_vcpu_t *v, unsigned int state,
                          uint64_t base, uint64_t now)
{
    if (v->state == state && now > v->state_entry_time)
        return base + (now - v->state_entry_time);
    return base;
}

static int sample_dom(struct spec *sp, struct sample *out, uint64_t now)
{
    xen_stats_domain_t d;
    xen_stats_vcpu_t v;
    uint64_t dt;

    if (stats_read_domain(&sp->t, &d))
        return -1;
    if (now < d.runstate_update_time)
        now = d.runstate_update_time;
    dt = now - d.runstate_update_time;
    for (unsigned int i = 0; i < XEN_STATS_NR_DOMSTATES; i++)
        out->state[i] = d.runstate_time[i] + (i == d.runstate ? dt : 0);
    out->running = d.running_time + d.nr_running_vcpus * dt;
    out->runnable = d.runnable_time + d.nr_runnable_vcpus * dt;
    out->slots_running = out->slots_runnable = 0;
    for (unsigned int i = 0; i < sp->t.hdr.nr_slots; i++) {
        if (stats_read_vcpu(&sp->t, i, &v))
            continue;               /* never written: no such vCPU */
        out->slots_running += slot_time(&v, XEN_STATS_RUNSTATE_running,
                                        v.time[XEN_STATS_RUNSTATE_running],
                                        now);
        out->slots_runnable += slot_time(&v, XEN_STATS_RUNSTATE_runnable,
                                         v.time[XEN_STATS_RUNSTATE_runnable],
                                         now);
    }
    return 0;
}

static int sample_nonaffine(struct spec *sp, struct sample *out, uint64_t now)
{
    xen_stats_vcpu_t v;

    if (stats_read_vcpu(&sp->t, sp->arg, &v))
        return -1;
    if (now < v.update_time)
        now = v.update_time;
    out->running = slot_time(&v, XEN_STATS_RUNSTATE_running,
                             v.time[XEN_STATS_RUNSTATE_running], now);
    out->nonaffine = v.nonaffine_time;
    if ((v.flags & XEN_STATS_VCPUF_nonaffine) && now > v.state_entry_time)
        out->nonaffine += now - v.state_entry_time;
    return 0;
}

static int sample_idle(struct spec *sp, struct sample *out, uint64_t now)
{
    xen_stats_pcpu_t p;
    xc_cpuinfo_t info[MAX_CPUS];
    int n = 0;

    if (stats_read_pcpu(&host, sp->arg, &p))
        return -1;
    out->idle_table = stats_pcpu_idle(&p, now);
    if (xc_getcpuinfo(xch, MAX_CPUS, info, &n) || (int)sp->arg >= n)
        return -1;
    out->idle_sysctl = info[sp->arg].idletime;
    return 0;
}

static int take(struct spec *sp, struct sample *out)
{
    uint64_t now;

    if (xen_now(&now))
        return -1;
    switch (sp->kind) {
    case DOM: return sample_dom(sp, out, now);
    case NONAFFINE: return sample_nonaffine(sp, out, now);
    case IDLE: return sample_idle(sp, out, now);
    }
    return -1;
}

static const char *const state_names[XEN_STATS_NR_DOMSTATES] = {
    "full_run", "full_contention", "concurrency_hazard", "blocked",
    "partial_run", "partial_contention",
};

static void judge_dom(const struct spec *sp, double wall)
{
    const struct sample *a = &sp->s[0], *b = &sp->s[1];
    char name[80], shares[256];
    double sum = 0, share[XEN_STATS_NR_DOMSTATES];
    int64_t drun, drbl;
    size_t len = 0;

    for (unsigned int i = 0; i < XEN_STATS_NR_DOMSTATES; i++) {
        share[i] = (double)(int64_t)(b->state[i] - a->state[i]) / wall;
        sum += share[i];
        len += (size_t)snprintf(shares + len, sizeof(shares) - len,
                                "%s%s %.3f", i ? ", " : "", state_names[i],
                                share[i]);
    }
    snprintf(name, sizeof(name), "domstate-sum-%s", sp->name);
    result(sum > 1 - SUM_TOLERANCE && sum < 1 + SUM_TOLERANCE, name,
           "six states sum to %.4f of %.2f s wall time (want 1 +- %.2f)",
           sum, wall / 1e9, SUM_TOLERANCE);
    snprintf(name, sizeof(name), "domstate-%s", sp->name);
    result(share[sp->arg] >= DOMINANT_MIN, name,
           "%s %.3f of the interval (want >= %.2f): %s",
           state_names[sp->arg], share[sp->arg], DOMINANT_MIN, shares);
    /* The section's sums against its slots, at the second sample. */
    drun = (int64_t)(b->running - b->slots_running);
    drbl = (int64_t)(b->runnable - b->slots_runnable);
    snprintf(name, sizeof(name), "domsums-%s", sp->name);
    result(llabs(drun) <= (long long)BOUND_NS * (long long)sp->t.hdr.nr_slots &&
           llabs(drbl) <= (long long)BOUND_NS * (long long)sp->t.hdr.nr_slots,
           name, "running sum %.3f s (slots %.3f s), runnable sum %.3f s "
           "(slots %.3f s); ran %.3f, waited %.3f vCPUs over the interval",
           (double)b->running / 1e9, (double)b->slots_running / 1e9,
           (double)b->runnable / 1e9, (double)b->slots_runnable / 1e9,
           (double)(b->running - a->running) / wall,
           (double)(b->runnable - a->runnable) / wall);
}

static void judge(const struct spec *sp, double wall)
{
    const struct sample *a = &sp->s[0], *b = &sp->s[1];
    char name[80];

    if (!sp->ok[0] || !sp->ok[1]) {
        snprintf(name, sizeof(name), "scenario-%s", sp->name);
        result(0, name, "could not read the tables: %s", strerror(errno));
        return;
    }
    switch (sp->kind) {
    case DOM:
        judge_dom(sp, wall);
        break;
    case NONAFFINE: {
        double ran = (double)(b->running - a->running);
        double na = (double)(b->nonaffine - a->nonaffine);

        snprintf(name, sizeof(name), "nonaffine-%s.%u", sp->name, sp->arg);
        result(ran / wall >= RUNNING_MIN && na >= NONAFFINE_MIN * ran &&
               na <= ran + BOUND_NS, name,
               "ran %.3f of %.2f s, non-affine %.3f of that (want >= %.2f "
               "and >= %.2f)", ran / wall, wall / 1e9, ran > 0 ? na / ran : 0,
               RUNNING_MIN, NONAFFINE_MIN);
        break;
    }
    case IDLE: {
        int64_t dt = (int64_t)(b->idle_table - a->idle_table);
        int64_t ds = (int64_t)(b->idle_sysctl - a->idle_sysctl);

        snprintf(name, sizeof(name), "pcpu-idle-fresh.%u", sp->arg);
        result(llabs(dt - ds) <= (long long)BOUND_NS, name,
               "idle rate table %.4f, getcpuinfo %.4f over %.2f s: "
               "%.1f ms apart (want <= %.0f ms)", (double)dt / wall,
               (double)ds / wall, wall / 1e9, (double)(dt - ds) / 1e6,
               (double)BOUND_NS / 1e6);
        break;
    }
    }
}

/* idle:CPU, dom:NAME:DOMID:STATE or nonaffine:NAME:DOMID:VCPU */
static int parse_spec(const char *arg, struct spec *sp)
{
    const char *p, *colon;
    long domid, n;
    size_t len;

    memset(sp, 0, sizeof(*sp));
    if (strncmp(arg, "idle:", 5) == 0) {
        if ((n = parse_num(arg + 5, NULL, MAX_CPUS)) < 0)
            return -1;
        sp->kind = IDLE;
        sp->arg = (unsigned int)n;
        snprintf(sp->name, sizeof(sp->name), "cpu%ld", n);
        return 0;
    }
    if (strncmp(arg, "dom:", 4) == 0) {
        sp->kind = DOM;
        p = arg + 4;
    } else if (strncmp(arg, "nonaffine:", 10) == 0) {
        sp->kind = NONAFFINE;
        p = arg + 10;
    } else {
        return -1;
    }
    colon = strchr(p, ':');
    len = colon ? (size_t)(colon - p) : 0;
    if (!len || len >= sizeof(sp->name))
        return -1;
    memcpy(sp->name, p, len);
    if ((domid = parse_num(colon + 1, &p, DOMID_FIRST_RESERVED)) < 0 ||
        *p != ':' ||
        (n = parse_num(p + 1, NULL, sp->kind == DOM ?
                       XEN_STATS_NR_DOMSTATES : 4096)) < 0)
        return -1;
    sp->domid = (uint32_t)domid;
    sp->arg = (unsigned int)n;
    return 0;
}

static int map_spec(struct spec *sp)
{
    const char *problem;
    char name[80];

    if (sp->kind == IDLE)
        return 0;
    snprintf(name, sizeof(name), "scenario-map-%s", sp->name);
    if (stats_map(fh, sp->domid, XENMEM_resource_stats_table_id_domain, 0,
                  &sp->t)) {
        result(0, name, "domid %u: %s", sp->domid, strerror(errno));
        return -1;
    }
    sp->mapped = 1;
    problem = stats_header_problem(&sp->t,
                                   XENMEM_resource_stats_table_id_domain);
    if (problem) {
        result(0, name, "%s", problem);
        return -1;
    }
    return 0;
}

static int measure_once(int argc, char **argv);

static int cmd_measure(int argc, char **argv)
{
    int tries = 1, rc = 0;

    if (argc >= 2 && strcmp(argv[0], "--tries") == 0) {
        tries = (int)parse_num(argv[1], NULL, 100);
        argc -= 2;
        argv += 2;
    }
    if (tries < 1)
        return 2;
    for (int t = 1; t <= tries; t++) {
        holding = t < tries;
        rc = measure_once(argc, argv);
        if (rc || !holding)
            break;
        if (!held_failed) {
            release(0);
            break;
        }
        release(1);
    }
    holding = 0;
    return rc;
}

static int measure_once(int argc, char **argv)
{
    struct spec specs[MAX_SPECS];
    double seconds;
    char *end;
    uint64_t w0, w1;
    int n = 0;

    if (argc < 2 || argc - 1 > MAX_SPECS)
        return 2;
    seconds = strtod(argv[0], &end);
    if (end == argv[0] || *end || !(seconds > 0 && seconds < 3600))
        return 2;
    for (int i = 1; i < argc; i++)
        if (parse_spec(argv[i], &specs[n++]))
            return 2;
    for (int i = 0; i < n; i++)
        if (map_spec(&specs[i]))
            specs[i].ok[0] = specs[i].ok[1] = -1;

    w0 = mono_ns();
    for (int i = 0; i < n; i++)
        if (!specs[i].ok[0])
            specs[i].ok[0] = !take(&specs[i], &specs[i].s[0]);
    sleep_ns((uint64_t)(seconds * 1e9));
    w1 = mono_ns();
    for (int i = 0; i < n; i++)
        if (specs[i].ok[1] == 0)
            specs[i].ok[1] = !take(&specs[i], &specs[i].s[1]);

    for (int i = 0; i < n; i++) {
        if (specs[i].ok[0] >= 0)
            judge(&specs[i], (double)(w1 - w0));
        if (specs[i].mapped)
            stats_unmap(fh, &specs[i].t);
    }
    return 0;
}

/* Does the table's view of the online vCPUs match the hypercalls'? */
static int online_matches(const struct stats_table *t, uint32_t domid,
                          char *why, size_t len)
{
    xc_domaininfo_t info;
    xen_stats_domain_t d;
    unsigned int flagged = 0;

    if (xc_domain_getinfolist(xch, domid, 1, &info) != 1 ||
        info.domain != domid || stats_read_domain(t, &d)) {
        snprintf(why, len, "read failed: %s", strerror(errno));
        return 0;
    }
    for (unsigned int i = 0; i < t->hdr.nr_slots; i++) {
        xen_stats_vcpu_t v;
        xc_vcpuinfo_t vi;
        int table_online;

        if (stats_read_vcpu(t, i, &v) || xc_vcpu_getinfo(xch, domid, i, &vi))
            continue;
        table_online = !!(v.flags & XEN_STATS_VCPUF_online);
        flagged += (unsigned int)table_online;
        if (table_online != !!vi.online) {
            snprintf(why, len, "vCPU%u: table online %d, getvcpuinfo %d", i,
                     table_online, vi.online);
            return 0;
        }
    }
    snprintf(why, len, "section %u, flagged slots %u, getdomaininfo %u",
             d.nr_online_vcpus, flagged, info.nr_online_vcpus);
    return d.nr_online_vcpus == info.nr_online_vcpus &&
           flagged == info.nr_online_vcpus;
}

static int cmd_online(int argc, char **argv)
{
    struct stats_table t;
    char name[80], why[160];
    uint64_t start, waited;
    uint32_t domid;
    int ok;

    if (argc != 2)
        return 2;
    if (parse_num(argv[1], NULL, DOMID_FIRST_RESERVED) < 0)
        return 2;
    domid = (uint32_t)parse_num(argv[1], NULL, DOMID_FIRST_RESERVED);
    snprintf(name, sizeof(name), "online-%s", argv[0]);
    if (stats_map(fh, domid, XENMEM_resource_stats_table_id_domain, 0, &t)) {
        result(0, name, "map domid %u: %s", domid, strerror(errno));
        return 0;
    }
    start = mono_ns();
    do {
        ok = online_matches(&t, domid, why, sizeof(why));
        waited = mono_ns() - start;
        if (!ok)
            sleep_ns(10000000ULL);
    } while (!ok && waited < ONLINE_WAIT_NS);
    result(ok, name, "%s (after %.0f ms)", why, (double)waited / 1e6);
    stats_unmap(fh, &t);
    return 0;
}

static int cmd_acquire(int argc, char **argv)
{
    struct stats_table t;
    uint32_t domid;

    if (argc == 1 && strcmp(argv[0], "host") == 0) {
        printf("INFO acquired the host table (%zu bytes)\n", host.size);
        return 0;
    }
    if (argc != 1 || parse_num(argv[0], NULL, DOMID_FIRST_RESERVED) < 0)
        return 2;
    domid = (uint32_t)parse_num(argv[0], NULL, DOMID_FIRST_RESERVED);
    if (stats_map(fh, domid, XENMEM_resource_stats_table_id_domain, 0, &t)) {
        result(0, "scenario-acquire", "domid %u: %s", domid, strerror(errno));
        return 0;
    }
    printf("INFO acquired the table of d%u (%zu bytes)\n", domid, t.size);
    stats_unmap(fh, &t);
    return 0;
}

int main(int argc, char **argv)
{
    int rc;

    if (argc < 2) {
        fprintf(stderr, "usage: stats-scenario measure SECONDS SPEC... | "
                "online NAME DOMID | acquire DOMID|host\n");
        return 2;
    }
    xch = xc_interface_open(NULL, NULL, 0);
    fh = xenforeignmemory_open(NULL, 0);
    if (!xch || !fh) {
        fprintf(stderr, "stats-scenario: cannot open libxenctrl/"
                "libxenforeignmemory: %s\n", strerror(errno));
        return 1;
    }
    if (stats_map(fh, DOMID_XEN, XENMEM_resource_stats_table_id_host, 0,
                  &host) == 0)
        host_mapped = 1;
    else
        result(0, "scenario-map-host", "%s", strerror(errno));
    if (!host_mapped)
        rc = 0;
    else if (strcmp(argv[1], "measure") == 0)
        rc = cmd_measure(argc - 2, argv + 2);
    else if (strcmp(argv[1], "online") == 0)
        rc = cmd_online(argc - 2, argv + 2);
    else if (strcmp(argv[1], "acquire") == 0)
        rc = cmd_acquire(argc - 2, argv + 2);
    else
        rc = 2;
    if (rc == 2)
        fprintf(stderr, "stats-scenario: bad arguments\n");
    if (host_mapped)
        stats_unmap(fh, &host);
    xenforeignmemory_close(fh);
    xc_interface_close(xch);
    return rc;
}
