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
 * @name: its name (borrowed from the JSON tree).
 * @type: its type word.
 * @owner: its owner label, or NULL.
 * @addr: offset in the parent.
 * @size: size in API form (UINT64_MAX means 2^64).
 * @priority: priority in the parent.
 * @enabled, @terminates, @readonly, @nonvolatile: the flags of the same name.
 * @parent: the container, or NULL.
 * @children: the subregions in render order.
 * @nr_children: length of @children.
 * @alias: the alias target, or NULL if the region is not an alias.
 * @alias_offset: the alias offset.
 * @mr: the region built from it (map-build.c).
 */
struct map_node {
	int32_t id;
	const char *name;
	const char *type;
	const char *owner;
	uint64_t addr;
	uint64_t size;
	int32_t priority;
	bool enabled;
	bool terminates;
	bool readonly;
	bool nonvolatile;
	struct map_node *parent;
	struct map_node **children;
	unsigned nr_children;
	struct map_node *alias;
	uint64_t alias_offset;
	struct memspace_region *mr;
};

/**
 * struct map_as - one address space of the document
 * @name: its name (borrowed).
 * @root: its root region.
 */
struct map_as {
	const char *name;
	struct map_node *root;
};

/**
 * struct map_spec - a whole document
 * @nodes: the regions, in document order.
 * @nr_nodes: length of @nodes.
 * @ases: the address spaces, in document order.
 * @nr_ases: length of @ases.
 */
struct map_spec {
	struct map_node *nodes;
	unsigned nr_nodes;
	struct map_as *ases;
	unsigned nr_ases;
};

/* Parse and cross-check a document; strings stay owned by @root. */
struct map_spec *map_spec_parse(JsonNode *root, GError **error);
void map_spec_free(struct map_spec *spec);

/* Create the regions and address spaces of @spec in @ml. */
bool map_build(struct map_load *ml, struct map_spec *spec, GError **error);

#endif /* MEMSPACE_TOOLS_MAP_SPEC_H */
