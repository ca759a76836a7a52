/*
 * test-domctl-runstate: domctl 98 issued over a double of XCP-ng's
 * hypervisor (support/xen_domctl98.h): the request Xen accepts, the answer
 * read back field by field, and a hypervisor without the command asked
 * only once.
 */
#include <check.h>
#include <errno.h>
#include <string.h>

#include "input/domctl_runstate.h"
#include "check_main.h"
#include "plugin/support/xen_domctl98.h"

#define MS 1000000ull

static struct domctl_runstate *open_on(struct xen_domctl98 *x)
{
	struct domctl_transport t = { xd_domctl, x, NULL };
	struct domctl_runstate *h = NULL;

	ck_assert_int_eq(domctl_runstate_open_with(&t, &h), 0);
	return h;
}

START_TEST(reads_domain_states_and_vcpu_averages)
{
	struct xen_domctl98 x;
	struct domctl_runstate *h;
	struct xd_domain *d;
	struct dom_runstate r;
	uint64_t t0;

	xd_init(&x, true);
	h = open_on(&x);
	ck_assert_int_eq(domctl_runstate_probe(h), 0);
	d = xd_add_domain(&x, 5, 2);
	t0 = x.now;
	/* 100 ms: vCPU 0 running (outside its soft affinity), 1 blocked */
	xd_set_vcpu(&x, d, 0, XD_RUNNING, true);
	xd_advance(&x, 100 * MS);
	/* 40 ms: both running, vCPU 0 now affine */
	xd_set_vcpu(&x, d, 0, XD_RUNNING, false);
	xd_set_vcpu(&x, d, 1, XD_RUNNING, false);
	xd_advance(&x, 40 * MS);
	/* 20 ms: 0 running, 1 runnable */
	xd_set_vcpu(&x, d, 1, XD_RUNNABLE, false);
	xd_advance(&x, 20 * MS);
	/* 10 ms: both runnable */
	xd_set_vcpu(&x, d, 0, XD_RUNNABLE, false);
	xd_advance(&x, 10 * MS);
	/* 5 ms in progress: 0 runnable, 1 blocked */
	xd_set_vcpu(&x, d, 1, XD_BLOCKED, false);
	xd_advance(&x, 5 * MS);

	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(domctl_runstate_read(h, 5, &r), 0);
	ck_assert(r.valid && r.has_nonaffine);
	/* full_run since Xen zeroed the domain, until the first change */
	ck_assert(r.time_ns[0] == t0 + 40 * MS);
	ck_assert(r.time_ns[1] == 10 * MS);
	ck_assert(r.time_ns[2] == 20 * MS);
	ck_assert(r.time_ns[3] == 0);
	ck_assert(r.time_ns[4] == 100 * MS);
	ck_assert(r.time_ns[5] == 5 * MS);
	/* vCPU 0 ran 160 ms, vCPU 1 40 ms: (160 + 40) / 2 */
	ck_assert(r.running_ns == 100 * MS);
	/* runnable: vCPU 0 15 ms, vCPU 1 30 ms */
	ck_assert(r.runnable_ns == 15 * MS / 2 + 30 * MS / 2);
	ck_assert(r.nonaffine_ns == 50 * MS);
	ck_assert_int_eq(x.last_cmd, DOMCTL_GET_RUNSTATE_INFO);
	domctl_runstate_close(h);
}
END_TEST

START_TEST(missing_domain_is_esrch)
{
	struct xen_domctl98 x;
	struct domctl_runstate *h;
	struct dom_runstate r;

	xd_init(&x, true);
	h = open_on(&x);
	ck_assert_int_eq(domctl_runstate_read(h, 9, &r), -ESRCH);
	/* a gone domain says nothing about the hypervisor */
	ck_assert_int_eq(domctl_runstate_probe(h), 0);
	domctl_runstate_close(h);
}
END_TEST

START_TEST(upstream_hypervisor_asked_once)
{
	struct xen_domctl98 x;
	struct domctl_runstate *h;
	struct dom_runstate r;

	xd_init(&x, false);
	xd_add_domain(&x, 3, 1);
	h = open_on(&x);
	ck_assert_int_eq(domctl_runstate_probe(h), -ENOSYS);
	for (int cycle = 0; cycle < 5; cycle++) {
		memset(&r, 0, sizeof(r));
		ck_assert_int_eq(domctl_runstate_read(h, 3, &r), -ENOSYS);
		ck_assert(!r.valid);
	}
	ck_assert_int_eq(domctl_runstate_probe(h), -ENOSYS);
	ck_assert_int_eq(x.calls, 1);
	domctl_runstate_close(h);
}
END_TEST

START_TEST(other_interface_version_refused)
{
	struct xen_domctl98 x;
	struct domctl_runstate *h;

	xd_init(&x, true);
	x.interface_version = 0x16;
	h = open_on(&x);
	ck_assert_int_eq(domctl_runstate_probe(h), -EACCES);
	domctl_runstate_close(h);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("domctl-runstate");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, reads_domain_states_and_vcpu_averages);
	tcase_add_test(tc, missing_domain_is_esrch);
	tcase_add_test(tc, upstream_hypervisor_asked_once);
	tcase_add_test(tc, other_interface_version_refused);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(suite)
