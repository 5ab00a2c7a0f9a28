/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * QEMU's `info mtree` text (conformance/FORMAT.md): the tree dump (plain,
 * -D, -o -D) parsed into blocks of printed region lines, and the flat dump
 * (-f) parsed into FlatView blocks.  Used by `memspace import`.
 */
#ifndef MEMSPACE_TOOLS_MTREE_TEXT_H
#define MEMSPACE_TOOLS_MTREE_TEXT_H

#include <stdbool.h>
#include <stdint.h>

#include <glib.h>
#include <json-glib/json-glib.h>

/**
 * struct mt_node - one printed region line of a tree dump, and what the
 *	importer learns about the region
 * @line: its line number (1-based); 0 for a hidden placeholder.
 * @name: region name (for an alias, the alias's own name).
 * @type: type word (`ram`, `rom`, `romd`, `ramd`, `i/o`).
 * @owner: the `-o` owner text, or NULL.
 * @nonvolatile: `nv-` printed.
 * @priority: the printed priority.
 * @start: printed absolute start.
 * @size: size in API form (UINT64_MAX: 2^64); 1 when printed START == END.
 * @size_ambiguous: printed START == END (size 0 or 1).
 * @enabled: not printed ` [disabled]`.
 * @hidden: a placeholder for a disabled region a plain dump omits.
 * @target_name: for an alias, its target's name; NULL otherwise.
 * @alias_offset: for an alias, TSTART.
 * @parent: the printed parent, or NULL at level 1.
 * @children: the printed subregions, in print order.
 * @block: index of its block.
 * @index: position in print order over the whole file.
 * @canon: the region this line prints: itself, or for a line of a block
 *	that prints a region already printed elsewhere, that line's node.
 * @target: alias target (canonical), once resolved.
 * @id: document id (canonical nodes only), or -1.
 * @hash: hash of the printed subtree (for finding repeated prints).
 * @nr_nodes: number of lines of the printed subtree.
 * @terminates: the importer's verdict (non-aliases).
 * @readonly: the region's own read-only flag (rom, or inferred).
 * @inferred_terminates, @inferred_readonly, @inferred_size: set from the
 *	flat dump against what the tree dump alone suggests.
 */
struct mt_node {
	unsigned line;
	char *name;
	char *type;
	char *owner;
	bool nonvolatile;
	int32_t priority;
	uint64_t start;
	uint64_t size;
	bool size_ambiguous;
	bool enabled;
	bool hidden;
	char *target_name;
	uint64_t alias_offset;
	struct mt_node *parent;
	GPtrArray *children;
	unsigned block;
	unsigned index;
	struct mt_node *canon;
	struct mt_node *target;
	int id;
	uint64_t hash;
	unsigned nr_nodes;
	bool terminates;
	bool readonly;
	bool inferred_terminates;
	bool inferred_readonly;
	bool inferred_size;
};

/**
 * struct mt_block - one block of a tree dump
 * @line: line of its first header.
 * @as_names: the `address-space:` names (empty for a memory-region block).
 * @mr_name: the `memory-region:` name, or NULL.
 * @root: its level-1 line.
 * @dup_of: the node it prints again (repeated print), or NULL.
 */
struct mt_block {
	unsigned line;
	GPtrArray *as_names;
	char *mr_name;
	struct mt_node *root;
	struct mt_node *dup_of;
};

/**
 * struct mt_tree - a parsed tree dump
 * @blocks: struct mt_block *, in file order.
 * @nodes: every struct mt_node *, in print order (owns them).
 * @owners: the dump has owners (`-o`).
 * @disabled: the dump prints disabled regions (`-D`), as far as can be
 *	told: it contains ` [disabled]`.
 */
struct mt_tree {
	GPtrArray *blocks;
	GPtrArray *nodes;
	bool owners;
	bool disabled;
};

/**
 * struct mt_range - one range line of a flat dump
 * @line: its line number.
 * @start, @last: the range.
 * @type: the type word (`rom` for any read-only range).
 * @nonvolatile: `nv-` printed.
 * @name: the terminating region's name.
 * @offset: offset of @start in the region.
 */
struct mt_range {
	unsigned line;
	uint64_t start;
	uint64_t last;
	char *type;
	bool nonvolatile;
	char *name;
	uint64_t offset;
};

/**
 * struct mt_view - one FlatView block of a flat dump
 * @as_names: its address spaces' names.
 * @root_names: the matching `root:` names.
 * @ranges: struct mt_range, in order.
 * @lines: the block's range lines as text without accelerator markers
 *	(for comparisons), in order.
 * @key: the block's AS lines (sorted) and root line, as text.
 */
struct mt_view {
	GPtrArray *as_names;
	GPtrArray *root_names;
	GArray *ranges;
	GPtrArray *lines;
	char *key;
};

/* Parse a tree dump; on error, set @error to "LINE: problem". */
struct mt_tree *mt_tree_parse(const char *text, GError **error);
void mt_tree_free(struct mt_tree *t);

/* Parse a flat dump into struct mt_view *; NULL with @error on error. */
GPtrArray *mt_flat_parse(const char *text, GError **error);

#endif /* MEMSPACE_TOOLS_MTREE_TEXT_H */

/* mtree-import.c */

/*
 * Resolve @t into a region graph: find blocks that print a region printed
 * elsewhere, resolve alias targets, assign ids and decide the attributes
 * the tree dump does not show, from @views (a parsed flat dump) when given.
 * On error, @error says "LINE: problem".
 */
bool mt_import_resolve(struct mt_tree *t, GPtrArray *views, GError **error);

/* The `qemu-mtree-tree/1` document of a resolved @t; @source is stolen. */
char *mt_import_json(struct mt_tree *t, JsonNode *source);

/* The canonical nodes of a resolved @t, indexed by id. */
GPtrArray *mt_import_regions(struct mt_tree *t);
