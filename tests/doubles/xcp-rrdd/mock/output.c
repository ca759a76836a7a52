/*
 * output.c: rrdd-mock's output, one JSON object per line on m->out
 * (stdout for the program, none in-process), flushed at once so a test
 * can follow it live.
 */
#include <math.h>
#include <stdio.h>

#include <json.h>

#include "mock.h"

static struct json_object *line_start(const struct mock *m, const char *uid)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "t", json_object_new_double(mock_wall_now()));
	json_object_object_add(o, "cycle", json_object_new_int64(m->cycle));
	json_object_object_add(o, "uid", json_object_new_string(uid));
	return o;
}

static void line_print(const struct mock *m, struct json_object *o)
{
	fprintf(m->out, "%s\n",
		json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(m->out);
	json_object_put(o);
}

void mock_print_event(const struct mock *m, const char *uid,
		      const char *event, const char *error, int skip)
{
	struct json_object *o;

	if (!m->out)
		return;
	o = line_start(m, uid);
	json_object_object_add(o, "event", json_object_new_string(event));
	if (error)
		json_object_object_add(o, "error",
				       json_object_new_string(error));
	if (skip > 0)
		json_object_object_add(o, "skip", json_object_new_int(skip));
	line_print(m, o);
}

void mock_print_rate(const struct mock *m, const char *uid,
		     const char *owner, const struct rrdd_ds *ds, double ts,
		     double rate)
{
	struct json_object *o;

	if (!m->out)
		return;
	o = line_start(m, uid);
	json_object_object_add(o, "ts", json_object_new_double(ts));
	json_object_object_add(o, "owner", json_object_new_string(owner));
	json_object_object_add(o, "name", json_object_new_string(ds->name));
	json_object_object_add(o, "type", json_object_new_string(
				       rrdd_ds_type_name(ds->type)));
	/* JSON has no NaN: unknown is null. */
	json_object_object_add(o, "rate", isnan(rate) ? NULL :
			       json_object_new_double(rate));
	line_print(m, o);
}
