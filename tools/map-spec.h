/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The validated content of a `qemu-mtree-tree/1` document: regions and
 * address spaces with every id resolved, ready to be built.  Internal to the
 * map loader.
 */
#ifndef MEMSPACE_TOOLS_MAP_SPEC_H
#define MEMSPACE_TOOLS_MAP_SPEC_H

#include <stdbool.h>
#include <stdint.h>

#include <json-glib/json-glib.h>

#include "map-load.h"

/**
 * struct map_node - one region of the document
 * @id: its id.
 * @name: its name (owned by the spec).
 * @type: its type word (a static string).
 * @owner: its owner label, or NULL (owned by the spec).
 * @addr: offset in the parent.
 * @size: size in API form (UINT64_MAX means 2^64).
 * @priority: priority in the parent.
 * @enabled, @terminates, @readonly, @nonvolatile: the flags of the same name.
 * @has_parent, @has_alias: whether @parent_ref and @alias_ref were given.
 * @parent_ref, @alias_ref: the ids as written, resolved by map_spec_finish().
 * @first_child: index of the first child id in the spec's child list.
 * @parent: the container, or NULL.
 * @children: the subregions in render order.
 * @nr_children: length of @children.
 * @alias: the alias target, or NULL if the region is not an alias.
 * @alias_offset: the alias offset.
 * @mr: the region built from it (map-build.c).
 */
struct map_node {
	int32_t id;
	int32_t priority;
	const char *name;
	const char *type;
	const char *owner;
	uint64_t addr;
	uint64_t size;
	bool enabled;
	bool terminates;
	bool readonly;
	bool nonvolatile;
	bool has_parent;
	bool has_alias;
	unsigned nr_children;
	gint64 parent_ref;
	gint64 alias_ref;
	size_t first_child;
	struct map_node *parent;
	struct map_node **children;
	struct map_node *alias;
	uint64_t alias_offset;
	struct memspace_region *mr;
};

/**
 * struct map_as - one address space of the document
 * @name: its name (owned by the spec).
 * @root: its root region.
 * @root_mr: the region built for @root, kept by map_spec_release_nodes().
 */
struct map_as {
	const char *name;
	struct map_node *root;
	struct memspace_region *root_mr;
};

/**
 * struct map_spec - a whole document
 * @nodes: the regions, in document order.
 * @nr_nodes: length of @nodes.
 * @ases: the address spaces, in document order.
 * @nr_ases: length of @ases.
 * @strings: the names and owners.
 * @node_array: @nodes while regions are added.
 * @child_ids: the children fields, concatenated (gint64).
 * @links: the children pointers, concatenated.
 */
struct map_spec {
	struct map_node *nodes;
	unsigned nr_nodes;
	struct map_as *ases;
	unsigned nr_ases;
	GStringChunk *strings;
	GArray *node_array;
	GArray *child_ids;
	struct map_node **links;
};

/* An empty spec, to which regions are added one by one. */
struct map_spec *map_spec_new(void);

/* Read regions[@index] (@node is freed by the caller right after). */
bool map_spec_add_region(struct map_spec *spec, JsonNode *node,
			 unsigned index, GError **error);

/*
 * The quick path (map-quick.c): read regions[i] from its text without
 * json-glib if it has the plain form; false (nothing added) otherwise, and
 * then map_spec_add_region() must read it.
 */
bool map_spec_add_region_quick(struct map_spec *spec, const char *text,
			       size_t len);

/* "0x" and at least one hex digit: 0, -EINVAL, or -ERANGE above 2^64. */
int map_parse_hex(const char *s, unsigned __int128 *ret);

/* The static copy of the type word [@type, @type + @len), or NULL. */
const char *map_type_word(const char *type, size_t len);

/*
 * Read the rest of the document (@root: format, address_spaces, and
 * regions not added yet), then resolve and cross-check every id.
 */
bool map_spec_finish(struct map_spec *spec, JsonNode *root, GError **error);

/*
 * Free the regions of @spec once built (their memory is not needed to
 * render): only the address spaces (with @root_mr set) remain.
 */
void map_spec_release_nodes(struct map_spec *spec);

void map_spec_free(struct map_spec *spec);

/* Create the regions and address spaces of @spec in @ml. */
bool map_build(struct map_load *ml, struct map_spec *spec, GError **error);

/* g_set_error() with the message escaped to one printable line. */
bool map_fail(GError **error, enum map_load_error code, const char *fmt, ...)
	G_GNUC_PRINTF(3, 4);

#endif /* MEMSPACE_TOOLS_MAP_SPEC_H */
