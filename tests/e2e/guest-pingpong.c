/*
 * e2e-pingpong: the guest-cost benchmark's workload, run inside the e2e
 * guests (tests/e2e/guest-init, role pingpong; tests/e2e/bench.d).
 *
 *   e2e-pingpong [INTERVAL_MS]
 *
 * Two processes, one pinned to each of the guest's first two vCPUs, pass a
 * token back and forth through a futex word in a shared page: each sets
 * the word to the other's number, wakes it, and waits until the word is
 * its own again.  The waiting process's vCPU has nothing else to run and
 * blocks in Xen (SCHEDOP_block); the wake-up is an event channel IPI that
 * makes it runnable again.  With both vCPUs hard-pinned to one physical
 * CPU, every round trip is two blocks, two wake-ups and two guest-to-guest
 * context switches in Xen's scheduler, which is where the statistics
 * tables' hooks run.
 *
 * Every INTERVAL_MS (default 100) the second process prints
 *
 *   e2e-pingpong: <round trips so far> <CLOCK_MONOTONIC seconds>
 *
 * on its standard output (the guest's console), from which dom0 computes
 * round trips per second over any window.  Processes rather than threads:
 * no libpthread in a static program (old glibc needs care to link it
 * statically), and each vCPU runs one process only, so the guest kernel
 * switches between that process and its idle task, never address spaces.
 */
#include <errno.h>
#include <inttypes.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* How often the counting side looks at the clock, in round trips. */
#define CLOCK_EVERY 64

static void die(const char *what)
{
    fprintf(stderr, "e2e-pingpong: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void pin(int cpu)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set))
        die("sched_setaffinity");
}

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Wait until *word == me; the word holds the number of the token's owner. */
static void wait_token(int *word, int me)
{
    int v;

    while ((v = __atomic_load_n(word, __ATOMIC_ACQUIRE)) != me)
        if (syscall(SYS_futex, word, FUTEX_WAIT, v, NULL, NULL, 0) &&
            errno != EAGAIN && errno != EINTR)
            die("futex wait");
}

static void pass_token(int *word, int to)
{
    __atomic_store_n(word, to, __ATOMIC_RELEASE);
    if (syscall(SYS_futex, word, FUTEX_WAKE, 1, NULL, NULL, 0) < 0)
        die("futex wake");
}

int main(int argc, char **argv)
{
    uint64_t interval_ns = 100000000ULL, count = 0, last, now;
    int *word;
    pid_t child;

    if (argc > 1) {
        char *end;
        unsigned long ms = strtoul(argv[1], &end, 10);

        if (end == argv[1] || *end || ms == 0 || ms > 60000) {
            fprintf(stderr, "usage: e2e-pingpong [INTERVAL_MS]\n");
            return 2;
        }
        interval_ns = (uint64_t)ms * 1000000ULL;
    }

    word = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE,
                MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (word == MAP_FAILED)
        die("mmap");
    *word = 0;

    child = fork();
    if (child < 0)
        die("fork");
    if (child == 0) {
        /* Side 0 on vCPU0: serve the token back while side 1 lives. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) || getppid() == 1)
            exit(1);
        pin(0);
        for (;;) {
            wait_token(word, 0);
            pass_token(word, 1);
        }
    }

    /* Side 1 on vCPU1: count the round trips and report them. */
    pin(1);
    setvbuf(stdout, NULL, _IOLBF, 0);
    last = mono_ns();
    for (;;) {
        wait_token(word, 1);
        pass_token(word, 0);
        if (++count % CLOCK_EVERY)
            continue;
        now = mono_ns();
        if (now - last < interval_ns)
            continue;
        last = now;
        printf("e2e-pingpong: %" PRIu64 " %" PRIu64 ".%06" PRIu64 "\n",
               count, (uint64_t)(now / 1000000000U),
               (uint64_t)(now % 1000000000U / 1000U));
    }
}
