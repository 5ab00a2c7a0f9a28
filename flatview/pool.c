/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Block pools (pool.h).
 */
#include "config.h"

#include "pool.h"
#include "ftree.h"
#include "index.h"

/*
 * Free blocks kept per pool: the old views a grace period releases come
 * back in batches, and the commits between two batches must find blocks.
 * At most about 6.5 MiB per context (2 KiB leaves, 4 KiB pages, nodes).
 */
#define POOL_CAP 1024

void
block_pool_init(struct block_pool *p, size_t size, size_t align,
		unsigned cap)
{
	g_mutex_init(&p->lock);
	p->size = size;
	p->align = align;
	p->cap = cap;
	p->nr = 0;
	p->free = g_new(void *, cap);
}

static void
block_free(const struct block_pool *p, void *obj)
{
	if (p->align) {
		g_aligned_free(obj);
	} else {
		g_free(obj);
	}
}

void
block_pool_clear(struct block_pool *p)
{
	for (unsigned k = 0; k < p->nr; k++) {
		block_free(p, p->free[k]);
	}
	g_free(p->free);
	p->free = NULL;
	p->nr = 0;
	g_mutex_clear(&p->lock);
}

void *
block_pool_take(struct block_pool *p)
{
	void *obj = NULL;

	g_mutex_lock(&p->lock);
	if (p->nr) {
		obj = p->free[--p->nr];
	}
	g_mutex_unlock(&p->lock);
	if (obj) {
		return obj;
	}
	return p->align ? g_aligned_alloc(1, p->size, p->align) :
			  g_malloc(p->size);
}

void
block_pool_give(struct block_pool *p, void *obj)
{
	g_mutex_lock(&p->lock);
	if (p->nr < p->cap) {
		p->free[p->nr++] = obj;
		obj = NULL;
	}
	g_mutex_unlock(&p->lock);
	if (obj) {
		block_free(p, obj);
	}
}

struct view_pools *
view_pools_new(void)
{
	struct view_pools *vp = g_new(struct view_pools, 1);

	block_pool_init(&vp->leaves, sizeof(struct ft_leaf), FT_LEAF_ALIGN,
			POOL_CAP);
	block_pool_init(&vp->nodes, sizeof(struct ft_node), 0, POOL_CAP);
	block_pool_init(&vp->pages, sizeof(struct index_page), 0, POOL_CAP);
	return vp;
}

void
view_pools_free(struct view_pools *vp)
{
	if (vp) {
		block_pool_clear(&vp->leaves);
		block_pool_clear(&vp->nodes);
		block_pool_clear(&vp->pages);
		g_free(vp);
	}
}
