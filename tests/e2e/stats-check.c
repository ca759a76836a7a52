/*
 * stats-check: the stats-table checks of the e2e run, run in dom0.
 *
 *   stats-check --mode patched --guest-a ID --guest-b ID --destroy-cmd CMD
 *   stats-check --mode patched --guest-a ID --prefix v1-
 *   stats-check --mode stock   --guest-a ID --guest-b ID
 *
 * The second form (no guest-b, nothing destroyed, every check name
 * prefixed) is for stats-check-v1, this program built against the first
 * version of the ABI header (tests/e2e/v1): an old reader on this Xen.
 *
 * Prints one line per check, `PASS name detail` or `FAIL name detail`, and
 * exits 0 once every check has run (non-zero only when it cannot start).
 * On the patched hypervisor it compares every table with the hypercalls
 * xcp-rrdd uses today; on the stock one it checks that mapping fails with
 * EOPNOTSUPP or EINVAL, the condition the plugin's fallback keys on.
 * guest-a has 2 vCPUs with vCPU0 busy; guest-b 1 idle vCPU, and CMD
 * destroys it (the last check).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenctrl.h>
#include <xenforeignmemory.h>

#include "stats-read.h"

/* One scheduler time slice (credit2's CSCHED2_MAX_TIMER): the agreement
 * the table promises with the hypercalls. */
#define SLICE_NS 10000000ULL
/*
 * Under QEMU's TCG, Xen's clock follows the host's while the emulated CPU
 * only runs when the host schedules QEMU's thread, so Xen's 10 ms scheduler
 * timer can fire late by the time the host held that thread off (rewrites
 * 10.8 ms apart on a quiet host, 12.7 ms with another QEMU on the same two
 * cores).  On hardware this slack is never used; the defect the bound is
 * there for, a running vCPU whose slot is not refreshed, shows as gaps of
 * seconds.
 */
#define EMU_SLACK_NS 5000000ULL
#define BOUND_NS (SLICE_NS + EMU_SLACK_NS)
#define SAMPLES 100
#define MEASURE_NS 3000000000ULL
#define BUSY_MIN 0.90
#define IDLE_MAX 0.10
#define GONE_WAIT_S 20

struct dom {
    const char *name;
    uint32_t domid;       /* For the hypercalls. */
    uint32_t map_domid;   /* For the map: DOMID_SELF for dom0 itself. */
    struct stats_table t;
    int mapped;
};

static xc_interface *xch;
static xenforeignmemory_handle *fh;
static unsigned int passed, failed;
/* Prepended to every check name (--prefix): "v1-" for the v1 build. */
static const char *name_prefix = "";

static void result(int ok, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void result(int ok, const char *name, const char *fmt, ...)
{
    va_list ap;

    printf("%s %s%s ", ok ? "PASS" : "FAIL", name_prefix, name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
    if (ok)
        passed++;
    else
        failed++;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static double ms(int64_t ns)
{
    return (double)ns / 1e6;
}

/* The domain's getdomaininfo record; -1 when it is not in the list. */
static int dominfo(uint32_t domid, xc_domaininfo_t *info)
{
    if (xc_domain_getinfolist(xch, domid, 1, info) != 1 ||
        info->domain != domid)
        return -1;
    return 0;
}

static char *check_name(char *buf, size_t len, const char *what,
                        const char *dom, int idx)
{
    if (idx >= 0)
        snprintf(buf, len, "%s-%s.%d", what, dom, idx);
    else
        snprintf(buf, len, "%s-%s", what, dom);
    return buf;
}

/* --- per-domain checks ------------------------------------------------- */

static void check_map(struct dom *d)
{
    char name[64];

    check_name(name, sizeof(name), "map", d->name, -1);
    if (stats_map(fh, d->map_domid, XENMEM_resource_stats_table_id_domain, 0,
                  &d->t)) {
        result(0, name, "domid %u: %s", d->map_domid, strerror(errno));
        return;
    }
    d->mapped = 1;
    result(1, name, "%zu bytes mapped read-only", d->t.size);
}

static void check_header(struct dom *d, const xc_domaininfo_t *info)
{
    const xen_stats_table_header_t *h = &d->t.hdr;
    const char *problem = stats_header_problem(&d->t,
                                   XENMEM_resource_stats_table_id_domain);
    xen_stats_domain_t sec;
    char name[64];

    check_name(name, sizeof(name), "header", d->name, -1);
    if (!problem && h->nr_slots != info->max_vcpu_id + 1)
        problem = "slot count is not the domain's max vCPUs";
    if (!problem && stats_read_domain(&d->t, &sec))
        problem = "domain section seq never settles";
    if (!problem && sec.domid != d->domid)
        problem = "domain section names another domid";
    if (!problem && sec.nr_online_vcpus != info->nr_online_vcpus)
        problem = "nr_online_vcpus differs from getdomaininfo";
    if (!problem && sec.max_pages != info->max_pages)
        problem = "max_pages differs from getdomaininfo";
    result(!problem, name,
           "%s: total %u, section %u+%u, slots %u x %u (stride %u) at %u, "
           "max vCPUs %u", problem ? problem : "consistent", h->total_size,
           h->section_offset, h->section_size, h->nr_slots, h->slot_size,
           h->slot_stride, h->slot_offset, info->max_vcpu_id + 1);
}

static void format_uuid(char *buf, size_t len, const uint8_t *u)
{
    snprintf(buf, len,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x",
             u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9],
             u[10], u[11], u[12], u[13], u[14], u[15]);
}

static void check_uuid(struct dom *d, const xc_domaininfo_t *info)
{
    xen_stats_domain_t sec;
    char name[64], want[40], got[40];

    check_name(name, sizeof(name), "uuid", d->name, -1);
    if (stats_read_domain(&d->t, &sec)) {
        result(0, name, "section: %s", strerror(errno));
        return;
    }
    format_uuid(want, sizeof(want), info->handle);
    format_uuid(got, sizeof(got), sec.handle);
    result(!memcmp(sec.handle, info->handle, sizeof(sec.handle)), name,
           "table %s, getdomaininfo handle %s", got, want);
}

/* Pages in use: table read, hypercall, table read, a few times (dom0's
 * count may move); equal to the hypercall on either side is agreement. */
static void check_pages(struct dom *d)
{
    xen_stats_domain_t s1, s2;
    xc_domaininfo_t info;
    char name[64];

    check_name(name, sizeof(name), "tot-pages", d->name, -1);
    for (int i = 0; i < 10; i++) {
        if (stats_read_domain(&d->t, &s1) || dominfo(d->domid, &info) ||
            stats_read_domain(&d->t, &s2)) {
            result(0, name, "read failed: %s", strerror(errno));
            return;
        }
        if (s1.tot_pages == info.tot_pages || s2.tot_pages == info.tot_pages) {
            result(1, name, "%" PRIu64 " pages, as getdomaininfo",
                   (uint64_t)info.tot_pages);
            return;
        }
    }
    result(0, name, "table %" PRIu64 "/%" PRIu64 ", getdomaininfo %" PRIu64,
           (uint64_t)s1.tot_pages, (uint64_t)s2.tot_pages,
           (uint64_t)info.tot_pages);
}

/* Track the largest gap between successive update_time values seen. */
static void note_update(uint64_t *last, uint64_t *max_gap, uint64_t update)
{
    if (*last && update > *last && update - *last > *max_gap)
        *max_gap = update - *last;
    if (update > *last)
        *last = update;
}

/* The outcome of one run of bracketed samples. */
struct bracket {
    unsigned int bad;          /* Samples outside the bound. */
    int64_t worst_low;         /* Hypercall below the earlier table read. */
    int64_t worst_high;        /* Hypercall above the later table read. */
    uint64_t cpu_time;         /* The last hypercall's value. */
};

/*
 * SAMPLES bracketed samples: table, XEN_DOMCTL_getvcpuinfo, table.  The
 * table lags the truth by at most a time slice, so the hypercall's
 * cpu_time must lie in [before - bound, after + bound].
 */
static int bracket_vcpu(const struct dom *d, unsigned int v, struct bracket *r)
{
    xen_stats_vcpu_t a, b;
    xc_vcpuinfo_t vi;
    memset(r, 0, sizeof(*r));
    for (int i = 0; i < SAMPLES; i++) {
        uint64_t before, after;

        if (stats_read_vcpu(&d->t, v, &a) ||
            xc_vcpu_getinfo(xch, d->domid, v, &vi) ||
            stats_read_vcpu(&d->t, v, &b))
            return -1;
        before = stats_vcpu_running(&a);
        after = stats_vcpu_running(&b);
        if ((int64_t)(before - vi.cpu_time) > r->worst_low)
            r->worst_low = (int64_t)(before - vi.cpu_time);
        if ((int64_t)(vi.cpu_time - after) > r->worst_high)
            r->worst_high = (int64_t)(vi.cpu_time - after);
        if (before > vi.cpu_time + BOUND_NS || vi.cpu_time > after + BOUND_NS)
            r->bad++;
    }
    r->cpu_time = vi.cpu_time;
    return 0;
}

/*
 * The hypercall runs on dom0's pCPU and adds that pCPU's clock to the
 * in-progress period of a vCPU running on another pCPU.  Under TCG, Xen's
 * once-a-second clock calibration is disturbed when the host deschedules
 * QEMU's threads, and the pCPUs' clocks then disagree by milliseconds until
 * the next calibration.  So a failed run is repeated, after the next
 * calibration, up to BRACKET_RUNS times: a table that lags fails every run;
 * all runs are reported.
 */
#define BRACKET_RUNS 3

static void check_vcpu_time(struct dom *d, unsigned int v)
{
    struct bracket r;
    char name[64], earlier[160] = "";
    int run;

    check_name(name, sizeof(name), "vcpu-time", d->name, (int)v);
    for (run = 1; run <= BRACKET_RUNS; run++) {
        if (bracket_vcpu(d, v, &r)) {
            result(0, name, "read failed: %s", strerror(errno));
            return;
        }
        if (!r.bad || run == BRACKET_RUNS)
            break;
        size_t used = strlen(earlier);

        snprintf(earlier + used, sizeof(earlier) - used,
                 "; run %d: %u outside, %.3f ms above", run, r.bad,
                 ms(r.worst_high));
        sleep(1);
    }
    result(!r.bad, name,
           "run %d: %d samples, %u outside one slice (+5 ms emulator slack); "
           "hypercall up to %.3f ms below the earlier table read, %.3f ms "
           "above the later (cpu_time %.1f ms)%s", run, SAMPLES, r.bad,
           ms(r.worst_low), ms(r.worst_high), ms((int64_t)r.cpu_time), earlier);
}

/*
 * Freshness from the table alone (one pCPU's clock, so no skew): while
 * the busy vCPU keeps running, Xen must rewrite its slot at least once per
 * time slice.  Gaps are measured only between rewrites observed with dense
 * polling in between (dom0 itself may be held off its pCPU for a while),
 * and only while the slot says running.
 */
#define FRESH_POLL_US 200
#define FRESH_BLIND_NS 2000000ULL
#define FRESH_WATCH_NS 500000000ULL

/* The outcome of one watch of a slot. */
struct watch {
    uint64_t max_gap;       /* Longest gap between rewrites while running. */
    uint64_t watched;       /* Time covered by dense polls while running. */
    uint64_t elapsed;
    unsigned int rewrites, not_running;
};

static int watch_fresh(const struct dom *d, unsigned int v, struct watch *w)
{
    xen_stats_vcpu_t s;
    uint64_t last = 0, start = mono_ns(), prev_poll = start;

    memset(w, 0, sizeof(*w));
    /*
     * One second, or up to three while dom0's polls are too sparse to
     * have watched half a second: a busy dom0 (a domain just destroyed)
     * must not make the check fail for want of observations.
     */
    while (mono_ns() - start < 1000000000ULL ||
           (w->watched < FRESH_WATCH_NS && mono_ns() - start < 3000000000ULL)) {
        uint64_t now;

        if (stats_read_vcpu(&d->t, v, &s))
            return -1;
        now = mono_ns();
        if (now - prev_poll > FRESH_BLIND_NS || s.state != XEN_STATS_RUNSTATE_running)
            last = 0;       /* Blind spell or descheduled: start over. */
        else
            w->watched += now - prev_poll;
        prev_poll = now;
        if (s.update_time != last) {
            w->rewrites++;
            if (s.state != XEN_STATS_RUNSTATE_running)
                w->not_running++;
        }
        note_update(&last, &w->max_gap, s.update_time);
        usleep(FRESH_POLL_US);
    }
    w->elapsed = prev_poll - start;
    return 0;
}

/*
 * A late timer (see EMU_SLACK_NS) is one gap when the host held QEMU off
 * for longer than the slack; a slot that is not refreshed is late in every
 * watch.  So a failed watch is repeated, like a failed bracket run, up to
 * BRACKET_RUNS times, and all watches are reported.
 */
static void check_fresh(const struct dom *d, unsigned int v)
{
    struct watch w;
    char name[64], earlier[160] = "";
    int run;

    check_name(name, sizeof(name), "fresh", d->name, (int)v);
    for (run = 1; run <= BRACKET_RUNS; run++) {
        if (watch_fresh(d, v, &w)) {
            result(0, name, "read failed: %s", strerror(errno));
            return;
        }
        if ((w.watched >= FRESH_WATCH_NS && w.max_gap <= BOUND_NS) ||
            run == BRACKET_RUNS)
            break;
        size_t used = strlen(earlier);

        snprintf(earlier + used, sizeof(earlier) - used,
                 "; watch %d: %.1f ms over %.0f ms", run,
                 ms((int64_t)w.max_gap), ms((int64_t)w.watched));
    }
    result(w.watched >= FRESH_WATCH_NS && w.max_gap <= BOUND_NS, name,
           "watch %d: rewrites at most %.1f ms apart while running (want <= "
           "10 ms + 5 ms emulator slack) over %.0f ms watched; %u rewrites "
           "in %.1f s, %u not running%s", run, ms((int64_t)w.max_gap),
           ms((int64_t)w.watched), w.rewrites, (double)w.elapsed / 1e9,
           w.not_running, earlier);
}

static void check_domain(struct dom *d)
{
    xc_domaininfo_t info;

    check_map(d);
    if (!d->mapped)
        return;
    if (dominfo(d->domid, &info)) {
        result(0, d->name, "getdomaininfo failed: %s", strerror(errno));
        return;
    }
    check_header(d, &info);
    if (stats_header_problem(&d->t, XENMEM_resource_stats_table_id_domain))
        return;
    check_uuid(d, &info);
    check_pages(d);
    for (unsigned int v = 0; v <= info.max_vcpu_id; v++)
        check_vcpu_time(d, v);
}

/* --- busy and idle vCPUs, from the table alone --------------------------- */

struct probe {
    const struct dom *d;
    unsigned int vcpu;
    int busy;
    uint64_t run0;
};

static void check_busy_idle(const struct dom *a, const struct dom *b)
{
    struct probe p[] = {
        { a, 0, 1, 0 }, { a, 1, 0, 0 }, { b, 0, 0, 0 },
    };
    /* Without guest-b (b NULL), guest-a's vCPUs only. */
    const size_t n = sizeof(p) / sizeof(p[0]) - !b;
    int readable[sizeof(p) / sizeof(p[0])];
    xen_stats_vcpu_t s;
    uint64_t t0, t1;
    struct timespec pause = { MEASURE_NS / 1000000000ULL, 0 };

    t0 = mono_ns();
    for (size_t i = 0; i < n; i++) {
        readable[i] = p[i].d->mapped &&
                      !stats_read_vcpu(&p[i].d->t, p[i].vcpu, &s);
        if (readable[i])
            p[i].run0 = stats_vcpu_running(&s);
    }
    nanosleep(&pause, NULL);
    t1 = mono_ns();
    for (size_t i = 0; i < n; i++) {
        char name[64];
        double share;

        check_name(name, sizeof(name), p[i].busy ? "busy-vcpu" : "idle-vcpu",
                   p[i].d->name, (int)p[i].vcpu);
        if (!readable[i]) {
            result(0, name, "no table");
            continue;
        }
        if (stats_read_vcpu(&p[i].d->t, p[i].vcpu, &s)) {
            result(0, name, "read failed: %s", strerror(errno));
            continue;
        }
        share = (double)(stats_vcpu_running(&s) - p[i].run0) /
                (double)(t1 - t0);
        if (p[i].busy)
            result(share >= BUSY_MIN, name,
                   "ran %.1f%% of %.2f s wall time (want >= %.0f%%)",
                   share * 100, (double)(t1 - t0) / 1e9, BUSY_MIN * 100);
        else
            result(share < IDLE_MAX, name,
                   "ran %.1f%% of %.2f s wall time (want < %.0f%%)",
                   share * 100, (double)(t1 - t0) / 1e9, IDLE_MAX * 100);
    }
}

/* --- the host table ------------------------------------------------------ */

/* Idle time of every pCPU from the table, with now = max update_time. */
static int host_idle(const struct stats_table *t, uint64_t *idle,
                     unsigned int n)
{
    xen_stats_pcpu_t p[n];
    uint64_t now = 0;

    for (unsigned int i = 0; i < n; i++) {
        if (stats_read_pcpu(t, i, &p[i]))
            return -1;
        if (p[i].update_time > now)
            now = p[i].update_time;
    }
    for (unsigned int i = 0; i < n; i++)
        idle[i] = stats_pcpu_idle(&p[i], now);
    return 0;
}

/* SAMPLES bracketed samples of every pCPU: table, getcpuinfo, table. */
static int bracket_pcpus(const struct stats_table *t, unsigned int n,
                         struct bracket *r)
{
    uint64_t before[n], after[n];
    xc_cpuinfo_t ci[n];
    int got = 0;

    memset(r, 0, n * sizeof(*r));
    for (int s = 0; s < SAMPLES; s++) {
        if (host_idle(t, before, n) ||
            xc_getcpuinfo(xch, (int)n, ci, &got) || got != (int)n ||
            host_idle(t, after, n)) {
            result(0, "pcpu-idle", "read failed (%d of %u CPUs): %s", got, n,
                   strerror(errno));
            return -1;
        }
        for (unsigned int i = 0; i < n; i++) {
            uint64_t h = ci[i].idletime;

            if ((int64_t)(before[i] - h) > r[i].worst_low)
                r[i].worst_low = (int64_t)(before[i] - h);
            if ((int64_t)(h - after[i]) > r[i].worst_high)
                r[i].worst_high = (int64_t)(h - after[i]);
            if (before[i] > h + BOUND_NS || h > after[i] + BOUND_NS)
                r[i].bad++;
            r[i].cpu_time = h;
        }
    }
    return 0;
}

/* Repeated like check_vcpu_time's runs, for the same clock reason. */
static void check_pcpu_idle(const struct stats_table *t, unsigned int n)
{
    struct bracket r[n];
    unsigned int earlier_bad = 0;
    char earlier[64] = "";
    int run;

    for (run = 1; run <= BRACKET_RUNS; run++) {
        unsigned int bad = 0;

        if (bracket_pcpus(t, n, r))
            return;
        for (unsigned int i = 0; i < n; i++)
            bad += r[i].bad;
        if (!bad || run == BRACKET_RUNS)
            break;
        earlier_bad += bad;
        sleep(1);
    }
    if (run > 1)
        snprintf(earlier, sizeof(earlier), "; %u outside in the earlier runs",
                 earlier_bad);
    for (unsigned int i = 0; i < n; i++) {
        char name[32];

        snprintf(name, sizeof(name), "pcpu-idle.%u", i);
        result(!r[i].bad, name,
               "run %d: %d samples, %u outside one slice (+5 ms emulator "
               "slack); sysctl up to %.3f ms below the earlier table read, "
               "%.3f ms above the later (idle %.1f ms)%s", run, SAMPLES,
               r[i].bad, ms(r[i].worst_low), ms(r[i].worst_high),
               ms((int64_t)r[i].cpu_time), earlier);
    }
}

static void check_host(void)
{
    struct stats_table t;
    xc_physinfo_t phys;
    const char *problem;
    xen_stats_host_t sec;
    unsigned int ids;

    if (stats_map(fh, DOMID_XEN, XENMEM_resource_stats_table_id_host, 0, &t)) {
        result(0, "map-host", "DOMID_XEN: %s", strerror(errno));
        return;
    }
    result(1, "map-host", "%zu bytes mapped read-only", t.size);
    memset(&phys, 0, sizeof(phys));
    if (xc_physinfo(xch, &phys)) {
        result(0, "header-host", "physinfo failed: %s", strerror(errno));
        stats_unmap(fh, &t);
        return;
    }
    ids = phys.max_cpu_id + 1;
    problem = stats_header_problem(&t, XENMEM_resource_stats_table_id_host);
    if (!problem && t.hdr.nr_slots != ids)
        problem = "slot count is not the number of CPU ids";
    if (!problem && stats_read_host(&t, &sec))
        problem = "host section seq never settles";
    if (!problem && sec.nr_online_cpus != phys.nr_cpus)
        problem = "nr_online_cpus differs from physinfo";
    if (!problem && sec.total_pages != phys.total_pages)
        problem = "total_pages differs from physinfo";
    result(!problem, "header-host",
           "%s: total %u, slots %u x %u (stride %u), CPU ids %u",
           problem ? problem : "consistent", t.hdr.total_size, t.hdr.nr_slots,
           t.hdr.slot_size, t.hdr.slot_stride, ids);
    if (!problem)
        check_pcpu_idle(&t, phys.nr_cpus < ids ? phys.nr_cpus : ids);
    stats_unmap(fh, &t);
}

/* --- destroying a domain whose table is mapped --------------------------- */

static void check_destroy(struct dom *b, const char *cmd)
{
    xc_domaininfo_t info;
    xen_stats_domain_t sec;
    int rc, listed_while_mapped, section_ok;
    uint64_t start;

    if (!b->mapped) {
        result(0, "destroy-guest-b", "table not mapped");
        return;
    }
    rc = system(cmd);
    if (rc != 0) {
        result(0, "destroy-guest-b", "`%s` returned %d", cmd, rc);
        return;
    }
    /* The mapping must stay valid (and readable) until we drop it. */
    section_ok = stats_read_domain(&b->t, &sec) == 0 && sec.domid == b->domid;
    listed_while_mapped = dominfo(b->domid, &info) == 0;
    stats_unmap(fh, &b->t);
    b->mapped = 0;
    start = mono_ns();
    while (dominfo(b->domid, &info) == 0) {
        if (mono_ns() - start > GONE_WAIT_S * 1000000000ULL) {
            result(0, "destroy-guest-b",
                   "d%u still listed %d s after unmap (flags %#x, %" PRIu64
                   " pages): a zombie", b->domid, GONE_WAIT_S, info.flags,
                   (uint64_t)info.tot_pages);
            return;
        }
        usleep(100000);
    }
    result(section_ok, "destroy-guest-b",
           "d%u gone %.0f ms after unmap; table %s after destroy, domain %s "
           "while mapped", b->domid, ms((int64_t)(mono_ns() - start)),
           section_ok ? "still readable" : "NOT readable",
           listed_while_mapped ? "still listed" : "already gone");
}

/* --- stock hypervisor ---------------------------------------------------- */

/* Map one frame (never trust the size query there) and expect the error
 * the plugin's fallback keys on. */
static void check_stock_map(const char *name, uint32_t domid, unsigned int id,
                            int required)
{
    struct stats_table t;
    size_t bytes = 0;
    int qrc, err;
    char cname[64];

    qrc = xenforeignmemory_resource_size(fh, domid, XENMEM_resource_stats_table,
                                         id, &bytes);
    if (stats_map(fh, domid, id, 1, &t) == 0) {
        stats_unmap(fh, &t);
        err = 0;
    } else {
        err = errno;
    }
    check_name(cname, sizeof(cname), "stock-map", name, -1);
    if (!required) {
        printf("INFO %s map errno %d (%s); size query rc %d, %zu bytes\n",
               cname, err, err ? strerror(err) : "mapped", qrc, bytes);
        return;
    }
    result(err == EOPNOTSUPP || err == EINVAL, cname,
           "map errno %d (%s), want EOPNOTSUPP or EINVAL; size query rc %d, "
           "%zu bytes", err, err ? strerror(err) : "mapped", qrc, bytes);
}

/* --- main ---------------------------------------------------------------- */

struct options {
    const char *mode;
    long guest_a, guest_b;      /* guest-b: -1 when not given */
    const char *destroy_cmd;
};

/* A guest's domain id (1 .. DOMID_FIRST_RESERVED - 1), or -1. */
static long parse_domid(const char *s)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v <= 0 || v >= DOMID_FIRST_RESERVED)
        return -1;
    return v;
}

static int parse(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {
        { "mode", required_argument, NULL, 'm' },
        { "guest-a", required_argument, NULL, 'a' },
        { "guest-b", required_argument, NULL, 'b' },
        { "destroy-cmd", required_argument, NULL, 'd' },
        { "prefix", required_argument, NULL, 'p' },
        { NULL, 0, NULL, 0 },
    };
    int c;

    o->mode = NULL;
    o->guest_a = o->guest_b = -1;
    o->destroy_cmd = NULL;
    while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (c) {
        case 'm': o->mode = optarg; break;
        case 'a': o->guest_a = parse_domid(optarg); break;
        case 'b': o->guest_b = parse_domid(optarg); break;
        case 'd': o->destroy_cmd = optarg; break;
        case 'p': name_prefix = optarg; break;
        default: return -1;
        }
    }
    if (!o->mode || o->guest_a < 0)
        return -1;
    if (strcmp(o->mode, "stock") != 0 && strcmp(o->mode, "patched") != 0)
        return -1;
    /* guest-b is optional on the patched hypervisor, and then not destroyed. */
    if (strcmp(o->mode, "stock") == 0 && o->guest_b < 0)
        return -1;
    if (strcmp(o->mode, "patched") == 0 && (o->guest_b < 0) != !o->destroy_cmd)
        return -1;
    return 0;
}

static void run_patched(const struct options *o)
{
    struct dom doms[] = {
        { "dom0", 0, DOMID_SELF, { 0 }, 0 },
        { "guest-a", (uint32_t)o->guest_a, (uint32_t)o->guest_a, { 0 }, 0 },
        { "guest-b", (uint32_t)o->guest_b, (uint32_t)o->guest_b, { 0 }, 0 },
    };

    size_t n = sizeof(doms) / sizeof(doms[0]) - (o->guest_b < 0);

    for (size_t i = 0; i < n; i++)
        check_domain(&doms[i]);
    check_host();
    if (doms[1].mapped)
        check_fresh(&doms[1], 0);
    check_busy_idle(&doms[1], o->guest_b < 0 ? NULL : &doms[2]);
    if (o->guest_b >= 0)
        check_destroy(&doms[2], o->destroy_cmd);
    for (size_t i = 0; i < n; i++)
        if (doms[i].mapped)
            stats_unmap(fh, &doms[i].t);
}

static void run_stock(const struct options *o)
{
    check_stock_map("guest-a", (uint32_t)o->guest_a,
                    XENMEM_resource_stats_table_id_domain, 1);
    check_stock_map("guest-b", (uint32_t)o->guest_b,
                    XENMEM_resource_stats_table_id_domain, 1);
    check_stock_map("dom0", DOMID_SELF, XENMEM_resource_stats_table_id_domain, 0);
    check_stock_map("host", DOMID_XEN, XENMEM_resource_stats_table_id_host, 0);
}

int main(int argc, char **argv)
{
    struct options o;

    if (parse(argc, argv, &o)) {
        fprintf(stderr, "usage: stats-check --mode patched|stock --guest-a ID "
                "[--guest-b ID --destroy-cmd CMD] [--prefix P]\n");
        return 2;
    }
    xch = xc_interface_open(NULL, NULL, 0);
    fh = xenforeignmemory_open(NULL, 0);
    if (!xch || !fh) {
        fprintf(stderr, "stats-check: cannot open libxenctrl/"
                "libxenforeignmemory: %s\n", strerror(errno));
        return 1;
    }
    if (strcmp(o.mode, "stock") == 0)
        run_stock(&o);
    else
        run_patched(&o);
    printf("INFO stats-check done, %u passed, %u failed\n", passed, failed);
    xenforeignmemory_close(fh);
    xc_interface_close(xch);
    return 0;
}
