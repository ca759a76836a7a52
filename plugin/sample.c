/* sample.c: the cycle's sample container. */
#include "sample.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sample_init(struct host_sample *s)
{
	memset(s, 0, sizeof(*s));
	s->loadavg = -1.0;
}

void sample_reset(struct host_sample *s)
{
	for (size_t i = 0; i < s->n_doms; i++) {
		free(s->doms[i].vcpus);
		s->doms[i].vcpus = NULL;
	}
	s->n_doms = 0;
	s->loadavg = -1.0;
}

void sample_free(struct host_sample *s)
{
	sample_reset(s);
	free(s->doms);
	free(s->pcpu_idle_ns);
	sample_init(s);
}

struct dom_sample *sample_add_dom(struct host_sample *s, uint32_t domid,
				  unsigned nr_vcpus)
{
	struct dom_sample *d;

	if (s->n_doms == s->cap_doms) {
		size_t cap = s->cap_doms ? s->cap_doms * 2 : 16;
		struct dom_sample *grown = realloc(s->doms, cap * sizeof(*grown));

		if (!grown)
			return NULL;
		s->doms = grown;
		s->cap_doms = cap;
	}
	d = &s->doms[s->n_doms];
	memset(d, 0, sizeof(*d));
	d->domid = domid;
	d->nr_vcpus = nr_vcpus;
	if (nr_vcpus) {
		d->vcpus = calloc(nr_vcpus, sizeof(*d->vcpus));
		if (!d->vcpus)
			return NULL;
	}
	s->n_doms++;
	return d;
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
	FILE *f = fopen(path, "r");
	char line[128];
	char *end;
	double v;

	if (!f)
		return -1.0;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return -1.0;
	}
	fclose(f);
	v = strtod(line, &end);
	return end != line ? v : -1.0;
}
