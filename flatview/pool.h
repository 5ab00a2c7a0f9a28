/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Block pools: the few large blocks a commit allocates (a tree leaf or two,
 * an index page or two, path-copied by the splice) recycled from the
 * views a grace period reclaimed, instead of each costing the general
 * allocator a search of its large bins and, with small frees pending, a
 * consolidation of them (together a fifth of a small commit).
 *
 * A pool keeps at most @cap free blocks; past that, blocks go back to the
 * allocator.  Blocks are taken by the updater and given back from any
 * thread (the RCU callback thread frees old views), under a mutex.  A pool
 * belongs to its context and outlives every view (each view holds its
 * root region, which holds the context).
 */
#ifndef MEMSPACE_FLATVIEW_POOL_H
#define MEMSPACE_FLATVIEW_POOL_H

#include <glib.h>
#include <stddef.h>

struct block_pool {
	GMutex lock;
	size_t size;
	size_t align; /* 0: malloc's own */
	void **free;
	unsigned nr;
	unsigned cap;
};

void block_pool_init(struct block_pool *p, size_t size, size_t align,
		     unsigned cap);

/* Free the pool's blocks (no block may still be out). */
void block_pool_clear(struct block_pool *p);

/* A block of @p->size bytes: recycled, or new. */
void *block_pool_take(struct block_pool *p);

/* Give @obj, taken from @p, back (any thread). */
void block_pool_give(struct block_pool *p, void *obj);

/**
 * struct view_pools - a context's pools for the blocks of its views
 * @leaves: tree leaves made by splices (struct ft_leaf).
 * @nodes: tree nodes made by splices (struct ft_node).
 * @pages: index pages made by updates (struct index_page).
 *
 * Nodes are small, but like the rest they are freed on the RCU callback
 * thread: the updater's allocator cache never sees them come back, and
 * each would cost it the slow path.
 */
struct view_pools {
	struct block_pool leaves;
	struct block_pool nodes;
	struct block_pool pages;
};

struct view_pools *view_pools_new(void);
void view_pools_free(struct view_pools *vp);

#endif /* MEMSPACE_FLATVIEW_POOL_H */
