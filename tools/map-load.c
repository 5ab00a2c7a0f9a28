/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The map loader's entry points and the lifetime of struct map_load: it owns
 * the context, a reference on every region, the address spaces and the host
 * memory of RAM devices, and releases them in that order.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "map-scan.h"
#include "map-spec.h"

/* The size of each read(). */
#define MAP_LOAD_CHUNK (1u << 20)

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

/* A parser kept for every piece, so that each piece's DOM goes at once. */
struct load_state {
	JsonParser *parser;
	struct map_spec *spec;
	struct map_scan *scan;
};

/* json-glib names the input "<data>" and numbers lines from 1 in @data. */
static bool
parse_json(JsonParser *parser, const char *data, gssize len,
	   const char *what, GError **error)
{
	g_autoptr(GError) err = NULL;
	const char *msg;

	if (json_parser_load_from_data(parser, data, len, &err)) {
		return true;
	}
	msg = err->message;
	if (g_str_has_prefix(msg, "<data>:")) {
		msg += strlen("<data>:");
	}
	map_fail(error, MAP_LOAD_ERROR_PARSE, "invalid JSON%s: %s", what, msg);
	return false;
}

static bool
load_element(void *opaque, const char *text, size_t len, unsigned index,
	     GError **error)
{
	struct load_state *st = opaque;
	char what[40];

	if (map_spec_add_region_quick(st->spec, text, len)) {
		return true;
	}
	g_snprintf(what, sizeof(what), " in regions[%u]", index);
	return parse_json(st->parser, text, (gssize)len, what, error) &&
	       map_spec_add_region(st->spec, json_parser_get_root(st->parser),
				   index, error);
}

static void
load_begin(struct load_state *st)
{
	st->parser = json_parser_new_immutable();
	st->spec = map_spec_new();
	st->scan = map_scan_new(load_element, st);
}

static void
load_end(struct load_state *st)
{
	map_scan_free(st->scan);
	map_spec_free(st->spec);
	g_object_unref(st->parser);
}

/* After the pre-scan of the whole text: the rest, then the build. */
static struct map_load *
load_finish(struct load_state *st, GError **error)
{
	const GString *rest = map_scan_rest(st->scan);
	struct map_load *ml;

	if (!parse_json(st->parser, rest->str, (gssize)rest->len, "", error) ||
	    !map_spec_finish(st->spec, json_parser_get_root(st->parser),
			     error)) {
		return NULL;
	}
	ml = map_load_new();
	if (!map_build(ml, st->spec, error)) {
		map_load_free(g_steal_pointer(&ml));
	}
	return ml;
}

struct map_load *
map_load_data(const char *data, gssize len, GError **error)
{
	struct load_state st;
	struct map_load *ml = NULL;

	load_begin(&st);
	if (map_scan_feed(st.scan, data, len < 0 ? strlen(data) : (size_t)len,
			  error)) {
		ml = load_finish(&st, error);
	}
	load_end(&st);
	return ml;
}

/* Feed the whole file, at most @max_size bytes, to the pre-scan. */
static bool
load_stream(struct load_state *st, int fd, uint64_t max_size, GError **error)
{
	g_autofree char *chunk = g_malloc(MAP_LOAD_CHUNK);
	uint64_t total = 0;

	for (;;) {
		ssize_t n = read(fd, chunk, MAP_LOAD_CHUNK);

		if (n < 0 && errno == EINTR) {
			continue;
		}
		if (n < 0) {
			return map_fail(error, MAP_LOAD_ERROR_IO,
					"cannot read: %s", g_strerror(errno));
		}
		if (n == 0) {
			return true;
		}
		total += (uint64_t)n;
		if (total > max_size) {
			return map_fail(error, MAP_LOAD_ERROR_IO,
					"larger than the limit of %" PRIu64
					" bytes (see --max-map-size)",
					max_size);
		}
		if (!map_scan_feed(st->scan, chunk, (size_t)n, error)) {
			return false;
		}
	}
}

struct map_load *
map_load_file_limited(const char *path, uint64_t max_size, GError **error)
{
	struct load_state st;
	struct map_load *ml = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		map_fail(error, MAP_LOAD_ERROR_IO, "cannot open: %s",
			 g_strerror(errno));
		return NULL;
	}
	load_begin(&st);
	if (load_stream(&st, fd, max_size, error)) {
		ml = load_finish(&st, error);
	}
	load_end(&st);
	close(fd);
	return ml;
}

struct map_load *
map_load_file(const char *path, GError **error)
{
	return map_load_file_limited(path, MAP_LOAD_DEFAULT_MAX_SIZE, error);
}
