/* sample.c: the cycle's sample container. */
#include "input/sample.h"

#include <stdlib.h>
#include <string.h>

#include "input/loadavg.h"

void sample_init(struct host_sample *s)
{
	memset(s, 0, sizeof(*s));
	s->loadavg = -1.0;
}

void sample_reset(struct host_sample *s)
{
	if (s->n_doms > s->used_doms)
		s->used_doms = s->n_doms;
	s->n_doms = 0;
	s->loadavg = -1.0;
}

void sample_free(struct host_sample *s)
{
	sample_reset(s);
	for (size_t i = 0; i < s->used_doms; i++)
		free(s->doms[i].vcpus);
	free(s->doms);
	free(s->pcpu_idle_ns);
	sample_init(s);
}

/* Room for one more domain in the array. */
static int grow_doms(struct host_sample *s)
{
	size_t cap = s->cap_doms ? s->cap_doms * 2 : 16;
	struct dom_sample *grown;

	if (s->n_doms < s->cap_doms)
		return 0;
	grown = realloc(s->doms, cap * sizeof(*grown));
	if (!grown)
		return -1;
	s->doms = grown;
	s->cap_doms = cap;
	return 0;
}

static struct dom_sample *add_dom(struct host_sample *s, uint32_t domid,
				   unsigned nr_vcpus, bool zero)
{
	struct dom_sample *d;
	struct vcpu_sample *vcpus = NULL;
	unsigned cap = 0;

	if (grow_doms(s) != 0)
		return NULL;
	d = &s->doms[s->n_doms];
	if (s->n_doms < s->used_doms && d->vcpus) {
		/* the buffer this slot had last cycle */
		vcpus = d->vcpus;
		cap = d->cap_vcpus;
	}
	if (nr_vcpus > cap) {
		free(vcpus);
		vcpus = calloc(nr_vcpus, sizeof(*vcpus));
		cap = vcpus ? nr_vcpus : 0;
	}
	memset(d, 0, sizeof(*d));
	d->vcpus = vcpus;
	d->cap_vcpus = cap;
	if (s->n_doms >= s->used_doms)
		s->used_doms = s->n_doms + 1;
	if (nr_vcpus && !vcpus)
		return NULL;
	if (nr_vcpus && zero)
		memset(vcpus, 0, nr_vcpus * sizeof(*vcpus));
	d->domid = domid;
	d->nr_vcpus = nr_vcpus;
	s->n_doms++;
	return d;
}

struct dom_sample *sample_add_dom(struct host_sample *s, uint32_t domid,
				  unsigned nr_vcpus)
{
	return add_dom(s, domid, nr_vcpus, true);
}

struct dom_sample *sample_add_dom_unset(struct host_sample *s, uint32_t domid,
					unsigned nr_vcpus)
{
	return add_dom(s, domid, nr_vcpus, false);
}

int sample_set_pcpus(struct host_sample *s, unsigned nr_pcpus)
{
	uint64_t *idle;

	if (s->pcpu_idle_ns && nr_pcpus == s->nr_pcpus) {
		memset(s->pcpu_idle_ns, 0, nr_pcpus * sizeof(*idle));
		return 0;
	}
	idle = calloc(nr_pcpus ? nr_pcpus : 1, sizeof(*idle));
	if (!idle)
		return -1;
	free(s->pcpu_idle_ns);
	s->pcpu_idle_ns = idle;
	s->nr_pcpus = nr_pcpus;
	return 0;
}

void sample_format_uuid(const uint8_t handle[16], char out[RRDD_UUID_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[handle[i] >> 4];
		out[o++] = hex[handle[i] & 15];
	}
	out[o] = '\0';
}

double sample_read_loadavg(const char *path)
{
	struct loadavg l;
	double v;

	loadavg_open(&l, path);
	v = loadavg_read(&l);
	loadavg_close(&l);
	return v;
}
