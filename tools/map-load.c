/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The map loader's entry points and the lifetime of struct map_load: it owns
 * the context, a reference on every region, the address spaces and the host
 * memory of RAM devices, and releases them in that order.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "map-spec.h"

GQuark
map_load_error_quark(void)
{
	return g_quark_from_static_string("map-load-error-quark");
}

struct map_load *
map_load_new(void)
{
	struct map_load *ml = g_new0(struct map_load, 1);

	ml->ms = memspace_new();
	ml->regions = g_ptr_array_new();
	ml->addrspaces = g_ptr_array_new();
	ml->mappings = g_array_new(FALSE, FALSE, sizeof(struct map_mapping));
	return ml;
}

struct memspace_region *
map_load_keep(struct map_load *ml, struct memspace_region *mr)
{
	g_ptr_array_add(ml->regions, mr);
	return mr;
}

void
map_load_free(struct map_load *ml)
{
	if (!ml) {
		return;
	}
	for (guint i = 0; i < ml->addrspaces->len; i++) {
		(void)memspace_addrspace_destroy(ml->addrspaces->pdata[i]);
	}
	g_ptr_array_free(ml->addrspaces, TRUE);
	for (guint i = 0; i < ml->regions->len; i++) {
		memspace_region_unref(ml->regions->pdata[i]);
	}
	g_ptr_array_free(ml->regions, TRUE);
	/* Waits for the RCU callbacks that free regions: nothing can reach
	 * the RAM device memory afterwards. */
	memspace_unref(ml->ms);
	for (guint i = 0; i < ml->mappings->len; i++) {
		struct map_mapping *m =
			&g_array_index(ml->mappings, struct map_mapping, i);

		munmap(m->addr, m->len);
	}
	g_array_free(ml->mappings, TRUE);
	g_free(ml);
}

static bool
parse_json(JsonParser *parser, const char *data, gssize len, GError **error)
{
	g_autoptr(GError) err = NULL;
	const char *msg;

	if (json_parser_load_from_data(parser, data, len, &err)) {
		return true;
	}
	/* json-glib names the input "<data>"; the caller names the file. */
	msg = err->message;
	if (g_str_has_prefix(msg, "<data>:")) {
		msg += strlen("<data>:");
	}
	g_set_error(error, MAP_LOAD_ERROR, MAP_LOAD_ERROR_PARSE,
		    "invalid JSON: %s", msg);
	return false;
}

struct map_load *
map_load_data(const char *data, gssize len, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	struct map_spec *spec;
	struct map_load *ml;

	if (!parse_json(parser, data, len, error)) {
		return NULL;
	}
	spec = map_spec_parse(json_parser_get_root(parser), error);
	if (!spec) {
		return NULL;
	}
	ml = map_load_new();
	if (!map_build(ml, spec, error)) {
		map_load_free(g_steal_pointer(&ml));
	}
	map_spec_free(spec);
	return ml;
}

static bool
read_all(FILE *f, GString *buf)
{
	char chunk[16384];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		g_string_append_len(buf, chunk, (gssize)n);
	}
	return !ferror(f);
}

struct map_load *
map_load_file(const char *path, GError **error)
{
	g_autoptr(GString) buf = g_string_new(NULL);
	FILE *f = fopen(path, "rb");
	int err;

	if (!f) {
		err = errno;
		g_set_error(error, MAP_LOAD_ERROR, MAP_LOAD_ERROR_IO,
			    "cannot open: %s", g_strerror(err));
		return NULL;
	}
	if (!read_all(f, buf)) {
		err = errno;
		fclose(f);
		g_set_error(error, MAP_LOAD_ERROR, MAP_LOAD_ERROR_IO,
			    "cannot read: %s", g_strerror(err));
		return NULL;
	}
	fclose(f);
	return map_load_data(buf->str, (gssize)buf->len, error);
}
