/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Which region a view is rendered from (QEMU's root reduction, so that
 * address spaces with equivalent roots share one view), and whether a
 * view's region tree changed since it was rendered.
 */
#include "config.h"

#include "flatview-internal.h"

#define INHERITED_FLAGS(mr) ((mr)->readonly || (mr)->nonvolatile || (mr)->unmergeable)

/* The only enabled subregion of @mr, if it sits at 0 and fits; else NULL. */
static struct memspace_region *
sole_covering_child(struct memspace_region *mr, unsigned *nr_enabled)
{
	struct memspace_region *child, *found = NULL;

	*nr_enabled = 0;
	region_for_each_child(child, mr) {
		if (!child->enabled) {
			continue;
		}
		if (++*nr_enabled > 1) {
			return NULL;
		}
		if (child->addr == 0 && child->size <= mr->size) {
			found = child;
		}
	}
	return found;
}

/*
 * QEMU substitutes an alias at offset 0 that covers its whole target by the
 * target, and a container by its only enabled subregion when that sits at
 * 0 and fits.  It ignores the skipped region's own address and its
 * read-only, non-volatile and unmergeable flags, so the shared view can
 * differ from what the address space's root renders.  memspace only
 * substitutes when the result renders identically: the skipped region
 * carries none of those flags and the replacement lands at the same base.
 */
static void
add_dep(struct root_reduction *rr, struct memspace_region *mr)
{
	if (rr && rr->nr_deps < REDUCE_DEPS_MAX + 1) {
		if (rr->nr_deps < REDUCE_DEPS_MAX) {
			rr->deps[rr->nr_deps] = mr;
		}
		rr->nr_deps++; /* REDUCE_DEPS_MAX + 1: too many to keep */
	}
}

/* The reduction, recording what it depends on in @rr (if not NULL). */
static struct memspace_region *
reduce(struct memspace_region *mr, struct root_reduction *rr)
{
	uint64_t epoch = mr ? ++mr->ms->visit_epoch : 0;

	if (mr) {
		add_dep(rr, mr);
	}
	while (mr && mr->enabled) {
		struct memspace_region *next = NULL;
		unsigned nr_enabled;

		/* Reduced back to itself: only regions of size 0 can do that
		 * (region-cycle.c refuses any other such cycle), and they
		 * render nothing. */
		if (mr->visit_mark == epoch) {
			return NULL;
		}
		mr->visit_mark = epoch;

		if (mr->alias) {
			if (mr->alias_offset == 0 && mr->size >= mr->alias->size &&
			    mr->alias->addr == mr->addr) {
				next = mr->alias;
			}
		} else if (!region_terminates(mr)) {
			next = sole_covering_child(mr, &nr_enabled);
			if (nr_enabled == 0) {
				return NULL;
			}
			if (next && mr->addr != 0) {
				next = NULL;
			}
		}
		if (mr->alias && next != mr->alias) {
			add_dep(rr, mr->alias); /* compared with, not taken */
		}
		if (!next || INHERITED_FLAGS(mr)) {
			return mr;
		}
		mr = next;
		add_dep(rr, mr);
	}
	return NULL;
}

struct memspace_region *
flatview_reduce_root(struct memspace_region *mr)
{
	return reduce(mr, NULL);
}

/*
 * A dependency matters if it changed in a way the reduction reads: its own
 * attributes, or its subregions' (the sole covering child).  A change
 * deeper below (a BAR under system memory, which DMA spaces reduce to)
 * lists the dependency too, but leaves the reduction as it was.  Only
 * listed regions are loaded: they are alive (a freed region leaves the
 * list), and an unlisted one did not change.
 */
bool
flatview_reduction_holds(const struct root_reduction *rr,
			 const struct touched_set *ts, uint64_t since)
{
	if (!(rr->bloom & ts->attr_bloom)) {
		return true;
	}
	for (unsigned k = 0; k < rr->nr_deps; k++) {
		const struct memspace_region *d = rr->deps[k];

		if (touched_has(ts, d) &&
		    (d->dirty_gen > since || d->child_dirty_gen > since)) {
			return false;
		}
	}
	return true;
}

/*
 * A dependency that did not change is still linked where the reduction
 * found it (its parent, or the alias before it, did not change either),
 * so the comparison by address alone is sound.
 */
struct memspace_region *
flatview_reduce_root_cached(struct memspace_region *root,
			    struct root_reduction *rr,
			    const struct touched_set *ts, uint64_t gen)
{
	if (ts && rr->gen && rr->gen + 1 == gen &&
	    flatview_reduction_holds(rr, ts, rr->gen)) {
		rr->gen = gen;
		return rr->root;
	}
	rr->nr_deps = 0;
	rr->root = reduce(root, rr);
	rr->gen = rr->nr_deps <= REDUCE_DEPS_MAX ? gen : 0;
	rr->bloom = 0;
	for (unsigned k = 0; rr->gen && k < rr->nr_deps; k++) {
		rr->bloom |= touched_bit(rr->deps[k]);
	}
	return rr->root;
}

static bool
changed_after(const struct memspace_region *mr, const void *gen)
{
	return mr->dirty_gen > *(const uint64_t *)gen;
}

/*
 * Whether anything that can contribute to @root's rendering (enabled
 * subregions and alias targets) changed after @gen.  Disabled regions are
 * checked themselves (enabling one marks it) but not descended into.
 */
bool
flatview_root_changed_since(struct memspace_region *root, uint64_t gen)
{
	return region_walk_any(root, true, changed_after, &gen);
}
