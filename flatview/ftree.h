/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ranges of a flat view: a persistent B+ tree.  Views rendered one
 * from another share every node a commit did not touch; a commit copies
 * the leaves holding the ranges it replaces and the paths from them to
 * the root (path copying), so it costs O(change + log n) whatever the
 * size of the view.  Nodes are immutable once a view holding them is
 * published; they are reference counted (atomically: the call_rcu thread
 * drops the last view of a node while the updater shares it into new
 * ones) and freed with the last view holding them.
 *
 * Layout.
 * - A leaf holds up to FT_LEAF_CAP consecutive ranges (the payload itself,
 *   not pointers to it) in one FT_LEAF_ALIGN-aligned block of 2 KiB: a
 *   pointer to a range finds its leaf by masking, and the index's entries
 *   name a leaf and a slot in one word.
 * - An internal node holds up to FT_FANOUT children, the number of ranges
 *   under each (for positions), and FT_NODE_KEYS biased keys: key j is the
 *   first start under child j + 1, so a descent ranks an address among 16
 *   keys per level (two cache lines) as the static index did.
 * - Every leaf sits at the same depth.  Splices keep nodes at least a
 *   quarter full (the root excepted), so the height is O(log n).
 */
#ifndef MEMSPACE_FLATVIEW_FTREE_H
#define MEMSPACE_FLATVIEW_FTREE_H

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "flat-range.h"

#define FT_LEAF_CAP 49
#define FT_LEAF_MIN (FT_LEAF_CAP / 4)
#define FT_LEAF_ALIGN 2048
#define FT_NODE_KEYS 16
#define FT_FANOUT (FT_NODE_KEYS + 1)
#define FT_NODE_MIN (FT_FANOUT / 4)
#define FT_MAX_HEIGHT 32
#define FT_KEY_MAX INT64_MAX /* biased UINT64_MAX: key padding */

struct slab;
struct block_pool;

struct ft_leaf {
	gint ref;
	uint32_t nr;
	struct slab *slab; /* the bulk allocation it came from, or NULL */
	struct block_pool *pool; /* else the pool it goes back to, or NULL */
	uint8_t pad[64 - sizeof(gint) - sizeof(uint32_t) - 2 * sizeof(void *)];
	struct flat_range r[FT_LEAF_CAP];
} __attribute__((aligned(FT_LEAF_ALIGN)));

/* A leaf fills its aligned block (slabs cut blocks of this size). */
G_STATIC_ASSERT(sizeof(struct ft_leaf) == FT_LEAF_ALIGN);

struct ft_node {
	int64_t key[FT_NODE_KEYS]; /* biased; FT_KEY_MAX past the last child */
	void *child[FT_FANOUT]; /* struct ft_node, or struct ft_leaf */
	uint32_t cnt[FT_FANOUT]; /* ranges under each child */
	gint ref;
	uint32_t nr; /* children */
	uint64_t first; /* first start under the node */
	size_t total; /* ranges under the node */
	struct block_pool *pool; /* the pool it goes back to, or NULL */
};

/**
 * struct flat_tree - the ranges of a view
 * @root: a struct ft_leaf at height 0, else a struct ft_node; NULL when
 *	the view has no range.
 * @height: internal levels above the leaves.
 * @nr: number of ranges.
 */
struct flat_tree {
	void *root;
	unsigned height;
	size_t nr;
	struct block_pool *pool; /* where splices of it take leaves, or NULL */
	struct block_pool *node_pool; /* and nodes */
};

static inline int64_t
ft_bias(uint64_t addr)
{
	return (int64_t)(addr ^ ((uint64_t)1 << 63));
}

/* The leaf holding @fr, a range stored in a tree. */
static inline const struct ft_leaf *
ft_leaf_of(const struct flat_range *fr)
{
	return (const struct ft_leaf *)((uintptr_t)fr &
					~(uintptr_t)(FT_LEAF_ALIGN - 1));
}

/* The tree of the @n sorted, disjoint ranges @r. */
void ft_build(struct flat_tree *t, const struct flat_range *r, size_t n);

/*
 * Bulk building in order: push ranges one by one (the last pushed may be
 * changed in place through ft_builder_last() until the next push), then
 * finish into a tree.
 */
struct ft_builder {
	GPtrArray *leaves;
	struct ft_leaf *cur;
	size_t nr;
	struct slab *slab; /* where the next leaves come from */
	size_t next_cap;
};

void ft_builder_init(struct ft_builder *b);
void ft_builder_push(struct ft_builder *b, const struct flat_range *fr);
struct flat_range *ft_builder_last(struct ft_builder *b);
void ft_builder_finish(struct ft_builder *b, struct flat_tree *t);

/* Another reference to @t's nodes (for a copy of @t). */
void ft_ref(const struct flat_tree *t);
/* Drop @t's reference to its nodes, freeing those left unreferenced. */
void ft_unref(struct flat_tree *t);

/*
 * Replace ranges [@p, @q) of @in with the @m sorted ranges @ins, giving
 * @out (@in is left as it was; the two share what did not change).  The
 * caller guarantees that the result is sorted, disjoint and canonically
 * merged.  *@lo and *@hi are widened to cover every range that left a
 * leaf of @in or entered a fresh leaf of @out: outside them, each range
 * sits where it sat, in a shared leaf.
 */
void ft_splice(struct flat_tree *out, const struct flat_tree *in, size_t p,
	       size_t q, const struct flat_range *ins, size_t m, uint64_t *lo,
	       uint64_t *hi);

/* Range at position @i (< @t->nr). */
const struct flat_range *ft_at(const struct flat_tree *t, size_t i);

/* Position of the first range whose last address is >= @addr, or nr. */
size_t ft_first_ending_at_or_above(const struct flat_tree *t, uint64_t addr);

/* The range holding @addr by descent, or NULL. */
const struct flat_range *ft_find(const struct flat_tree *t, uint64_t addr);

/**
 * struct ft_cursor - in-order walk over a tree
 * @leaf: current leaf (NULL past the end).
 * @slot: position in @leaf.
 * @pos: position in the tree.
 * @node, @idx: the path from the root to @leaf.
 */
struct ft_cursor {
	const struct flat_tree *t;
	const struct ft_leaf *leaf;
	unsigned slot;
	size_t pos;
	const struct ft_node *node[FT_MAX_HEIGHT];
	unsigned idx[FT_MAX_HEIGHT];
};

/* Place @c on position @pos of @t (at the end if @pos >= nr). */
void ft_cursor_seek(struct ft_cursor *c, const struct flat_tree *t,
		    size_t pos);

/* The range under @c, or NULL at the end. */
static inline const struct flat_range *
ft_cursor_get(const struct ft_cursor *c)
{
	return c->leaf ? &c->leaf->r[c->slot] : NULL;
}

void ft_cursor_next_leaf(struct ft_cursor *c);

static inline void
ft_cursor_next(struct ft_cursor *c)
{
	c->pos++;
	if (++c->slot >= c->leaf->nr) {
		ft_cursor_next_leaf(c);
	}
}

/* Check the tree's invariants (tests); true if sound. */
bool ft_verify(const struct flat_tree *t);

/* Bytes the tree's nodes take (counting shared nodes in full). */
size_t ft_bytes(const struct flat_tree *t);

#endif /* MEMSPACE_FLATVIEW_FTREE_H */
