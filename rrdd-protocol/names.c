/*
 * names.c: the JSON spellings of the enums in rrdd_protocol.h.
 */
#include "rrdd_protocol.h"

const char *rrdd_ds_type_name(enum rrdd_ds_type type)
{
	switch (type) {
	case RRDD_GAUGE: return "gauge";
	case RRDD_ABSOLUTE: return "absolute";
	case RRDD_DERIVE: return "derive";
	}
	return "unknown";
}

const char *rrdd_owner_kind_name(enum rrdd_owner_kind owner)
{
	switch (owner) {
	case RRDD_OWNER_HOST: return "host";
	case RRDD_OWNER_VM: return "vm";
	case RRDD_OWNER_SR: return "sr";
	}
	return "unknown";
}

const char *rrdd_value_type_name(enum rrdd_value_type value_type)
{
	switch (value_type) {
	case RRDD_VALUE_INT64: return "int64";
	case RRDD_VALUE_FLOAT: return "float";
	}
	return "unknown";
}

const char *rrdd_transform_name(enum rrdd_transform transform)
{
	switch (transform) {
	case RRDD_IDENTITY: return "identity";
	case RRDD_INVERSE: return "inverse";
	}
	return "unknown";
}
