/* fakes.c: scripted backend and domain source for the cycle tests. */
#include "plugin/support/fakes.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void fake_uuid(uint32_t domid, char out[RRDD_UUID_LEN + 1])
{
	snprintf(out, RRDD_UUID_LEN + 1, "%08x-1111-4222-8333-444444444444",
		 domid + 0x10);
}

static struct fake_backend *fb(struct backend *b)
{
	return (struct fake_backend *)b;
}

static void record(struct fake_backend *f, char sign, uint32_t domid)
{
	if (f->n_events < FAKE_MAX_EVENTS)
		snprintf(f->events[f->n_events++], sizeof(f->events[0]),
			 "%c%u", sign, domid);
}

static int fb_add(struct backend *b, uint32_t domid)
{
	record(fb(b), '+', domid);
	return fb(b)->add_status;
}

static void fb_remove(struct backend *b, uint32_t domid)
{
	record(fb(b), '-', domid);
}

/* 1/21 s per state and sample for state k (k + 1 of them): the six sum
 * to one second per sample; the vCPU averages are a fraction of it. */
static void fake_runstates(struct dom_sample *d, unsigned samples)
{
	d->runstate.valid = true;
	for (int k = 0; k < SAMPLE_RUNSTATES; k++)
		d->runstate.time_ns[k] =
			(uint64_t)samples * (uint64_t)(k + 1) * 1000000000ull / 21;
	d->runstate.runnable_ns = samples * 250000000ull;
	d->runstate.has_nonaffine = true;
	d->runstate.running_ns = samples * 500000000ull;
	d->runstate.nonaffine_ns = samples * 100000000ull;
}

/* Every vCPU ran 0.5 s more each sample: rates are easy to check. */
static int fb_sample(struct backend *b, const uint32_t *domids, size_t n,
		     struct host_sample *out)
{
	struct fake_backend *f = fb(b);

	f->samples++;
	if (f->on_sample)
		f->on_sample(f, f->ctx);
	if (f->sample_status != BACKEND_OK)
		return f->sample_status;
	if (sample_set_pcpus(out, 2) != 0)
		return BACKEND_ENOMEM;
	out->pcpu_idle_ns[0] = f->samples * 1000000000ull;
	out->pcpu_idle_ns[1] = f->samples * 2000000000ull;
	out->loadavg = 0.5;
	for (size_t i = 0; i < n; i++) {
		struct dom_sample *d = sample_add_dom(out, domids[i], f->vcpus);

		if (!d)
			return BACKEND_ENOMEM;
		fake_uuid(domids[i], d->uuid);
		d->nr_online_vcpus = f->vcpus;
		for (unsigned v = 0; v < f->vcpus; v++) {
			d->vcpus[v].online = true;
			d->vcpus[v].cpu_time_ns = f->samples * 500000000ull;
			d->cpu_time_ns += d->vcpus[v].cpu_time_ns;
		}
		if (f->runstates)
			fake_runstates(d, f->samples);
	}
	return BACKEND_OK;
}

static void fb_destroy(struct backend *b)
{
	if (fb(b)->destroyed)
		*fb(b)->destroyed = true;
	free(b);
}

static const struct backend_ops fake_ops_template = {
	.add_domain = fb_add,
	.remove_domain = fb_remove,
	.sample = fb_sample,
	.destroy = fb_destroy,
};

struct fake_backend *fake_backend_new(const char *name, int add_status)
{
	struct fake_backend *f = calloc(1, sizeof(*f) +
					sizeof(struct backend_ops));
	struct backend_ops *ops;

	if (!f)
		abort();
	/* each fake carries its own ops, so it can carry its own name */
	ops = (struct backend_ops *)(f + 1);
	*ops = fake_ops_template;
	ops->name = name;
	f->base.ops = ops;
	f->name = name;
	f->add_status = add_status;
	f->vcpus = 2;
	return f;
}

static struct fake_source *fs(struct domain_source *s)
{
	return (struct fake_source *)s;
}

static int fs_fd(struct domain_source *s)
{
	return fs(s)->pipe[0];
}

static int fs_refresh(struct domain_source *s, bool force, struct domset *ids)
{
	struct fake_source *f = fs(s);
	char buf[64];
	bool woken = read(f->pipe[0], buf, sizeof(buf)) > 0;

	if (!woken && !force)
		return 0;
	f->refreshes++;
	return domset_copy(ids, &f->domains) == 0 ? 1 : -1;
}

static void fs_destroy(struct domain_source *s)
{
	struct fake_source *f = fs(s);

	close(f->pipe[0]);
	close(f->pipe[1]);
	domset_free(&f->domains);
	free(f);
}

static const struct domain_source_ops fs_ops = {
	.fd = fs_fd,
	.refresh = fs_refresh,
	.stable_uuid = NULL,
	.destroy = fs_destroy,
};

struct fake_source *fake_source_new(void)
{
	struct fake_source *f = calloc(1, sizeof(*f));

	if (!f || pipe2(f->pipe, O_NONBLOCK | O_CLOEXEC) != 0)
		abort();
	f->base.ops = &fs_ops;
	domset_init(&f->domains);
	return f;
}

void fake_source_set(struct fake_source *src, const uint32_t *ids, size_t n)
{
	domset_clear(&src->domains);
	for (size_t i = 0; i < n; i++)
		if (domset_add(&src->domains, ids[i]) != 0)
			abort();
	if (write(src->pipe[1], "x", 1) != 1)
		abort();
}
