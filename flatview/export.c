/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memspace_export_json(): the context's tree as `qemu-mtree-tree/1` JSON.
 *
 * A small streaming writer rather than json-glib: the document is a flat
 * list of objects with fixed fields, so writing it directly needs only
 * string escaping, keeps libmemspace free of a json-glib dependency, and
 * never holds a second copy of a large map in memory.
 */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "addrspace-internal.h"
#include "region-listen.h"

/* A JSON string: quotes, backslashes and control characters escaped;
 * invalid UTF-8 replaced (JSON text must be UTF-8). */
static void
export_string(FILE *out, const char *s)
{
	g_autofree char *valid = NULL;

	if (!g_utf8_validate(s, -1, NULL)) {
		valid = g_utf8_make_valid(s, -1);
		s = valid;
	}
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", out);
			break;
		case '\\':
			fputs("\\\\", out);
			break;
		case '\n':
			fputs("\\n", out);
			break;
		case '\t':
			fputs("\\t", out);
			break;
		default:
			if (*p < 0x20) {
				fprintf(out, "\\u%04x", *p);
			} else {
				fputc(*p, out);
			}
		}
	}
	fputc('"', out);
}

static void
export_hex(FILE *out, const char *key, uint64_t v)
{
	fprintf(out, ", \"%s\": \"0x%" PRIx64 "\"", key, v);
}

static void
export_bool(FILE *out, const char *key, bool v)
{
	fprintf(out, ", \"%s\": %s", key, v ? "true" : "false");
}

static void
export_id(FILE *out, GHashTable *ids, const struct memspace_region *mr)
{
	fprintf(out, "%u", GPOINTER_TO_UINT(g_hash_table_lookup(ids, mr)) - 1);
}

/* Ids are stored plus one so that NULL means "not seen". */
static void
export_collect_one(GPtrArray *order, GHashTable *ids,
		   struct memspace_region *mr)
{
	if (mr && !g_hash_table_contains(ids, mr)) {
		g_ptr_array_add(order, mr);
		g_hash_table_insert(ids, mr, GUINT_TO_POINTER(order->len));
	}
}

/* Breadth first from the roots over children, alias targets and parents:
 * no recursion, whatever the depth of the tree. */
static void
export_collect(struct memspace *ms, GPtrArray *order, GHashTable *ids)
{
	for (guint i = 0; i < ms->addrspaces->len; i++) {
		const struct memspace_addrspace *as = ms->addrspaces->pdata[i];

		export_collect_one(order, ids, as->root);
	}
	for (guint i = 0; i < order->len; i++) {
		struct memspace_region *mr = order->pdata[i];
		struct memspace_region *child;

		export_collect_one(order, ids, mr->parent);
		region_for_each_child(child, mr) {
			export_collect_one(order, ids, child);
		}
		export_collect_one(order, ids, mr->alias);
	}
}

/* The region's ioeventfds, in its order (address, size, match, data); the
 * descriptors are process-local and not written. */
static void
export_ioeventfds(FILE *out, const struct memspace_region *mr)
{
	const struct region_ioeventfds *evs = mr->ioeventfds;

	if (!evs || !evs->nr) {
		return;
	}
	fputs(", \"ioeventfds\": [", out);
	for (size_t i = 0; i < evs->nr; i++) {
		const struct region_ioeventfd *e = &evs->e[i];

		fprintf(out,
			"%s{\"addr\": \"0x%" PRIx64 "\", \"size\": \"0x%" PRIx64
			"\", \"match_data\": %s, \"data\": \"0x%" PRIx64 "\"}",
			i ? ", " : "", e->addr, e->size,
			e->match_data ? "true" : "false", e->data);
	}
	fputc(']', out);
}

static void
export_region(FILE *out, GHashTable *ids, const struct memspace_region *mr,
	      unsigned id)
{
	const struct memspace_region *child;
	bool first = true;

	fprintf(out, "    {\"id\": %u, \"uid\": %" PRIu64 ", \"name\": ", id,
		mr->serial);
	export_string(out, mr->name);
	fprintf(out, ", \"type\": \"%s\"", region_type_name(mr));
	export_hex(out, "addr", mr->addr);
	if (mr->size >= U128_2_64) {
		fputs(", \"size\": \"0x10000000000000000\"", out);
	} else {
		export_hex(out, "size", (uint64_t)mr->size);
	}
	fprintf(out, ", \"priority\": %" PRId32, mr->priority);
	export_bool(out, "enabled", mr->enabled);
	export_bool(out, "terminates", region_terminates(mr));
	export_bool(out, "readonly", mr->readonly);
	export_bool(out, "nonvolatile", mr->nonvolatile);
	export_bool(out, "romd_mode",
		    mr->kind == MEMSPACE_REGION_ROM_DEVICE && mr->romd_mode);
	if (mr->owner) {
		fputs(", \"owner\": ", out);
		export_string(out, mr->owner);
	}
	fputs(", \"parent\": ", out);
	if (mr->parent) {
		export_id(out, ids, mr->parent);
	} else {
		fputs("null", out);
	}
	fputs(", \"children\": [", out);
	region_for_each_child(child, mr) {
		if (!first) {
			fputs(", ", out);
		}
		first = false;
		export_id(out, ids, child);
	}
	fputc(']', out);
	if (mr->alias) {
		fputs(", \"alias\": {\"target\": ", out);
		export_id(out, ids, mr->alias);
		fputs(", \"target_name\": ", out);
		export_string(out, mr->alias->name);
		export_hex(out, "offset", mr->alias_offset);
		fputc('}', out);
	}
	export_ioeventfds(out, mr);
	fputc('}', out);
}

static void
export_document(struct memspace *ms, FILE *out)
{
	g_autoptr(GPtrArray) order = g_ptr_array_new();
	g_autoptr(GHashTable) ids = g_hash_table_new(NULL, NULL);

	export_collect(ms, order, ids);
	fprintf(out,
		"{\n  \"format\": \"qemu-mtree-tree/1\",\n"
		"  \"source\": {\"generator\": \"memspace_export_json "
		MEMSPACE_VERSION "\", \"context\": \"0x%" PRIx64 "\"},\n"
		"  \"address_spaces\": [",
		ms->instance);
	for (guint i = 0; i < ms->addrspaces->len; i++) {
		const struct memspace_addrspace *as = ms->addrspaces->pdata[i];

		fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", out);
		export_string(out, as->name);
		fputs(", \"root\": ", out);
		export_id(out, ids, as->root);
		fputc('}', out);
	}
	fputs(ms->addrspaces->len ? "\n  ],\n  \"regions\": [" :
				    "],\n  \"regions\": [",
	      out);
	for (guint i = 0; i < order->len; i++) {
		fputs(i ? ",\n" : "\n", out);
		export_region(out, ids, order->pdata[i], i);
	}
	fputs(order->len ? "\n  ]\n}\n" : "]\n}\n", out);
}

MEMSPACE_EXPORT int
memspace_export_json(struct memspace *ms, FILE *out)
{
	if (!ms || !out) {
		return -EINVAL;
	}
	updater_lock(ms);
	export_document(ms, out);
	updater_unlock(ms);
	if (fflush(out) != 0 || ferror(out)) {
		return -EIO;
	}
	return 0;
}
