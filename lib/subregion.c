/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Tree membership: adding, removing and moving subregions.  Keeps each
 * parent's list in render order (priority descending, newest first among
 * equal priorities) and the graph free of cycles that would render
 * without end (region-cycle.c).
 */
#include "config.h"

#include <string.h>

#include "region-internal.h"
#include "subregion-index.h"

/* Insert @child into @parent's list before the first sibling it beats. */
static void
link_child(struct memspace_region *parent, struct memspace_region *child)
{
	struct memspace_region *next;

	region_for_each_child(next, parent) {
		if (child->priority >= next->priority) {
			break;
		}
	}
	child->next_sibling = next;
	child->prev_sibling = next ? next->prev_sibling : parent->last_child;
	if (child->prev_sibling) {
		child->prev_sibling->next_sibling = child;
	} else {
		parent->first_child = child;
	}
	if (next) {
		next->prev_sibling = child;
	} else {
		parent->last_child = child;
	}
	child->parent = parent;
	parent->nr_children++;
	subregion_index_stale(parent);
}

static void
unlink_child(struct memspace_region *parent, struct memspace_region *child)
{
	if (child->prev_sibling) {
		child->prev_sibling->next_sibling = child->next_sibling;
	} else {
		parent->first_child = child->next_sibling;
	}
	if (child->next_sibling) {
		child->next_sibling->prev_sibling = child->prev_sibling;
	} else {
		parent->last_child = child->prev_sibling;
	}
	child->prev_sibling = child->next_sibling = NULL;
	child->parent = NULL;
	parent->nr_children--;
	subregion_index_stale(parent);
}

/* Room for @n more entries on a walk's stack (moved to the heap once the
 * array on the caller's stack is full). */
static struct memspace_region **
walk_reserve(struct memspace_region **stack, struct memspace_region **local,
	     size_t nr, size_t *cap, size_t n)
{
	size_t want = *cap;

	while (want - nr < n) {
		want *= 2;
	}
	if (want == *cap) {
		return stack;
	}
	*cap = want;
	if (stack == local) {
		stack = g_new(struct memspace_region *, want);
		memcpy(stack, local, nr * sizeof(*stack));
		return stack;
	}
	return g_renew(struct memspace_region *, stack, want);
}

#define WALK_LOCAL 128

bool
region_walk_any(struct memspace_region *from, bool enabled_only,
		bool (*match)(const struct memspace_region *mr,
			      const void *arg),
		const void *arg)
{
	struct memspace *ms = from->ms;
	/* A small tree is walked without touching the heap. */
	struct memspace_region *local[WALK_LOCAL], **stack = local;
	size_t nr = 0, cap = WALK_LOCAL;
	uint64_t epoch = ++ms->visit_epoch;
	bool found = false;

	stack[nr++] = from;
	while (nr) {
		struct memspace_region *mr = stack[--nr];
		struct memspace_region *child;

		if (match(mr, arg)) {
			found = true;
			break;
		}
		if (mr->visit_mark == epoch || (enabled_only && !mr->enabled)) {
			continue;
		}
		mr->visit_mark = epoch;
		stack = walk_reserve(stack, local, nr, &cap,
				     1 + (size_t)mr->nr_children);
		if (mr->alias) {
			stack[nr++] = mr->alias;
		}
		region_for_each_child(child, mr) {
			stack[nr++] = child;
		}
	}
	if (stack != local) {
		g_free(stack);
	}
	return found;
}

static int
check_add(struct memspace_region *parent, struct memspace_region *child,
	  uint64_t offset, int32_t priority)
{
	if (!parent || !child || parent == child) {
		return -EINVAL;
	}
	if (parent->ms != child->ms) {
		return -EXDEV;
	}
	if (parent->kind == MEMSPACE_REGION_ALIAS) {
		return -ENOTDIR;
	}
	if (child->parent == parent) {
		return -EEXIST;
	}
	if (child->parent) {
		return -EBUSY;
	}
	return region_check_add(parent, child, offset, priority);
}

static int
add_subregion(struct memspace_region *parent, uint64_t offset,
	      struct memspace_region *child, int32_t priority)
{
	int ret;

	if (!parent || !child) {
		return -EINVAL;
	}
	ret = updater_enter(parent->ms);
	if (ret < 0) {
		return ret;
	}
	ret = check_add(parent, child, offset, priority);
	if (ret < 0) {
		return updater_commit(parent->ms, ret);
	}
	memspace_region_ref(child);
	child->addr = offset;
	child->priority = priority;
	link_child(parent, child);
	/* Even when nothing becomes visible: the render trace of the views
	 * showing @parent must learn about @child (flatview/update.c).  And
	 * @child itself: views rendered from @child (an address space's
	 * root) place it at its new address. */
	region_mark_dirty(child);
	region_mark_dirty(parent);
	return updater_commit(parent->ms, 0);
}

MEMSPACE_EXPORT int
memspace_region_add_subregion(struct memspace_region *parent, uint64_t offset,
			      struct memspace_region *child)
{
	return add_subregion(parent, offset, child, 0);
}

MEMSPACE_EXPORT int
memspace_region_add_subregion_overlap(struct memspace_region *parent,
				      uint64_t offset,
				      struct memspace_region *child,
				      int32_t priority)
{
	return add_subregion(parent, offset, child, priority);
}

MEMSPACE_EXPORT int
memspace_region_del_subregion(struct memspace_region *parent,
			      struct memspace_region *child)
{
	int ret;

	if (!parent || !child) {
		return -EINVAL;
	}
	ret = updater_enter(parent->ms);
	if (ret < 0) {
		return ret;
	}
	if (child->parent != parent) {
		return updater_commit(parent->ms, -ENOENT);
	}
	unlink_child(parent, child);
	/* Even when nothing disappears: @child may be freed, and the render
	 * trace of the views showing @parent must forget it. */
	region_mark_dirty(parent);
	ret = updater_commit(parent->ms, 0);
	/* After the commit, so the view that dropped @child is published. */
	memspace_region_unref(child);
	return ret;
}

MEMSPACE_EXPORT int
memspace_region_set_address(struct memspace_region *mr, uint64_t addr)
{
	struct memspace_region *parent;
	int ret;

	if (!mr) {
		return -EINVAL;
	}
	ret = updater_enter(mr->ms);
	if (ret < 0) {
		return ret;
	}
	if (mr->addr != addr) {
		uint64_t old = mr->addr;

		mr->addr = addr;
		if (mr->parent && region_check_geometry(mr) < 0) {
			mr->addr = old;
			return updater_commit(mr->ms, -ELOOP);
		}
		/* Moving re-adds: the region now wins ties, as in QEMU. */
		parent = mr->parent;
		if (parent) {
			unlink_child(parent, mr);
			link_child(parent, mr);
			parent->relink_gen = mr->ms->gen;
		}
		region_mark_dirty(mr);
	}
	return updater_commit(mr->ms, 0);
}
