/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loading a memory map saved as `qemu-mtree-tree/1` JSON (see
 * conformance/FORMAT.md, section 4) into a fresh context, through the public
 * API only.  Shared by the memspace tool and the golden tests.
 */
#ifndef MEMSPACE_TOOLS_MAP_LOAD_H
#define MEMSPACE_TOOLS_MAP_LOAD_H

#include <stdint.h>

#include <glib.h>

#include <memspace/memspace.h>

/**
 * struct map_load - a loaded map and everything that keeps it alive
 * @ms: the context (one reference).
 * @regions: every region created, one reference each; a loaded map lists
 *	them in document order.
 * @addrspaces: the address spaces, in creation order.
 * @mappings: host memory the map owns (struct map_mapping), unmapped by
 *	map_load_free() once the context is gone.
 */
struct map_load {
	struct memspace *ms;
	GPtrArray *regions;
	GPtrArray *addrspaces;
	GArray *mappings;
};

/**
 * struct map_mapping - anonymous memory backing a RAM device region
 * @addr: first byte.
 * @len: length of the mapping.
 */
struct map_mapping {
	void *addr;
	size_t len;
};

#define MAP_LOAD_ERROR (map_load_error_quark())

/**
 * enum map_load_error - error codes in the MAP_LOAD_ERROR domain
 * @MAP_LOAD_ERROR_IO: the file could not be read.
 * @MAP_LOAD_ERROR_PARSE: the text is not JSON.
 * @MAP_LOAD_ERROR_SCHEMA: a field is missing or has the wrong type, or the
 *	format is not qemu-mtree-tree/1.
 * @MAP_LOAD_ERROR_RANGE: a number is out of range.
 * @MAP_LOAD_ERROR_LINK: an id is dangling, duplicated or cyclic, or the
 *	parent and children fields disagree.
 * @MAP_LOAD_ERROR_BUILD: memspace refused to build the map.
 */
enum map_load_error {
	MAP_LOAD_ERROR_IO,
	MAP_LOAD_ERROR_PARSE,
	MAP_LOAD_ERROR_SCHEMA,
	MAP_LOAD_ERROR_RANGE,
	MAP_LOAD_ERROR_LINK,
	MAP_LOAD_ERROR_BUILD,
};

GQuark map_load_error_quark(void);

/**
 * map_load_new() - an empty map with a fresh context
 *
 * For code that builds a map by hand (the tool's default machine) and hands
 * its references to map_load_keep().
 *
 * Return: the map (free with map_load_free()).
 */
struct map_load *map_load_new(void);

/**
 * map_load_keep() - hand a region reference to a map
 * @ml: the map.
 * @mr: a region of @ml->ms; the map takes over the caller's reference.
 *
 * Return: @mr (borrowed from now on).
 */
struct memspace_region *map_load_keep(struct map_load *ml,
				      struct memspace_region *mr);

/**
 * map_load_data() - build a map from `qemu-mtree-tree/1` text
 * @data: the JSON text.
 * @len: its length, or -1 if it is NUL-terminated.
 * @error: set, with a one-line message, on failure.
 *
 * Regions map as follows.  Anything with an "alias" object becomes an alias
 * of alias.target at alias.offset.  Otherwise "type" decides: "ram" is a RAM
 * region and "rom" a read-only one, both backed by memory memspace maps;
 * "romd" is a ROM device in romd mode and "i/o" with "terminates" an I/O
 * region, both without callbacks, since an imported map has no device
 * models (accesses there fail); "ramd" is a RAM device backed by anonymous
 * memory the map owns; "i/o" without "terminates" is a container.  Children
 * are mapped in reverse list order so that equal priorities resolve as in
 * the file.  Address spaces are created in file order, after the regions.
 *
 * Numbers are hex strings ("0x...") or non-negative JSON integers below
 * 2^63; sizes go up to 2^64 ("0x10000000000000000"), except 2^64 - 1, which
 * memspace cannot express.  Limitation: the public API sets a priority only
 * when it maps a region, so the "priority" of a region without a parent is
 * ignored.
 *
 * Limits: JSON nested deeper than MAP_SCAN_MAX_DEPTH (64) levels is refused
 * before json-glib sees it, as are strings holding \u0000 and names or
 * owners holding line breaks (\n, \r, \v, \f).  Error messages are one
 * line: control characters in them are written \xNN.  The "regions" array
 * is parsed one element at a time, so memory stays proportional to the
 * regions, not to the text.
 *
 * Return: the map, or NULL with @error set.
 */
struct map_load *map_load_data(const char *data, gssize len, GError **error);

/*
 * The default limit on the size of a map file: 1 GiB, some 5 million
 * regions.  Files are read as a stream (a FIFO works); reading stops at the
 * limit, so that /dev/zero or an endless pipe gets an error.
 */
#define MAP_LOAD_DEFAULT_MAX_SIZE ((uint64_t)1 << 30)

/**
 * map_load_file_limited() - build a map from a `qemu-mtree-tree/1` file
 * @path: the file (any readable file: regular, FIFO, character device).
 * @max_size: refuse files of more bytes than this.
 * @error: as for map_load_data(); the message does not repeat @path.
 *
 * Return: the map, or NULL with @error set.
 */
struct map_load *map_load_file_limited(const char *path, uint64_t max_size,
				       GError **error);

/**
 * map_load_file() - map_load_file_limited() with MAP_LOAD_DEFAULT_MAX_SIZE
 * @path: the file.
 * @error: as for map_load_data().
 *
 * Return: the map, or NULL with @error set.
 */
struct map_load *map_load_file(const char *path, GError **error);

/**
 * map_load_free() - destroy a map and everything it owns
 * @ml: the map (may be NULL).
 */
void map_load_free(struct map_load *ml);

#endif /* MEMSPACE_TOOLS_MAP_LOAD_H */
