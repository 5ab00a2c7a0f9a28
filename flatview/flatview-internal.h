/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * struct memspace_flatview: an immutable, sorted array of disjoint ranges
 * rendered from one root region, reference counted and freed through
 * call_rcu() once the last reference is gone.
 */
#ifndef MEMSPACE_FLATVIEW_INTERNAL_H
#define MEMSPACE_FLATVIEW_INTERNAL_H

#include "rcu.h"
#include "region-internal.h"
#include "index.h"

struct render_trace;
struct render_scratch;

struct flat_range {
	uint64_t start;
	uint64_t last;		/* inclusive */
	struct memspace_region *mr;
	uint64_t offset;	/* offset of @start in @mr */
	uint8_t flags;		/* enum range_flags */
	uint8_t dirty_log_mask;
};

struct reclaim_epoch;

struct memspace_flatview {
	struct rcu_head rcu;
	gint refcount;
	struct memspace_region *root;	/* reduced root, referenced; or NULL */
	uint64_t gen;			/* ms->gen it was rendered at */
	size_t nr;
	struct flat_range *ranges;	/* regions kept alive by @epoch */
	struct reclaim_epoch *epoch;	/* NULL for the context's empty view */
	struct flat_index index;	/* built with @ranges, immutable */
	size_t ranges_map_len;		/* @ranges is an mmap() of this size */
	bool unmergeable;		/* some range is unmergeable */
	/* Updater-only: how the view was rendered, and the work arrays the
	 * next render of its root reuses (render-internal.h). */
	struct render_trace *trace;
	struct render_scratch *scratch;
};

/* Release what the renderer allocated for @fv (ranges, trace). */
void flatview_render_free(struct memspace_flatview *fv);

/*
 * flatview_rerender() - step 1 of a commit: the view of @root at
 * generation @gen, given @cur, the published view of the same root (or
 * NULL).
 *
 * Return: a new view (one reference, not yet published), rendered
 * incrementally from @cur when only a few regions changed; or NULL, which
 * means "keep @cur": nothing reachable from @root changed, or the new
 * render came out with exactly @cur's ranges.
 *
 * Either way @cur, although published, is modified: its updater-only
 * fields (@gen, @trace, @scratch) move to the current tree; with NULL its
 * gen becomes @gen.  Readers never look at those fields, and @ranges and
 * @index, which they do read, are never touched, so @cur stays immutable
 * as readers see it.  Context: updater, at depth 0.
 */
struct memspace_flatview *flatview_rerender(struct memspace_flatview *cur,
					    struct memspace_region *root,
					    uint64_t gen);

/* The range of @fv holding @addr, or NULL (lock-free, any thread). */
static inline const struct flat_range *
flatview_find(const struct memspace_flatview *fv, uint64_t addr)
{
	size_t i = fv->index.avx2 ? flat_index_find_avx2(&fv->index, addr)
				  : flat_index_find_generic(&fv->index, addr);

	return i == SIZE_MAX ? NULL : &fv->ranges[i];
}

/* A view with no ranges rendered from @root (which may be NULL). */
struct memspace_flatview *flatview_new_empty(struct memspace_region *root);

/* QEMU's root reduction; NULL when the address space renders nothing. */
struct memspace_region *flatview_reduce_root(struct memspace_region *root);

/* Whether any region reachable from @root changed after generation @gen. */
bool flatview_root_changed_since(struct memspace_region *root, uint64_t gen);

/* Whether two views have identical ranges. */
bool flatview_ranges_equal(const struct memspace_flatview *a,
			   const struct memspace_flatview *b);

/* Take a reference unless the count already dropped to zero. */
struct memspace_flatview *flatview_ref_unless_zero(struct memspace_flatview *fv);

static inline void
flat_range_to_section(const struct flat_range *fr,
		      struct memspace_section *sec)
{
	*sec = (struct memspace_section){
		.mr = fr->mr,
		.offset_in_region = fr->offset,
		.start = fr->start,
		.last = fr->last,
		.readonly = fr->flags & RANGE_READONLY,
		.nonvolatile = fr->flags & RANGE_NONVOLATILE,
		.romd = fr->flags & RANGE_ROMD,
		.unmergeable = fr->flags & RANGE_UNMERGEABLE,
		.dirty_log_mask = fr->dirty_log_mask,
	};
}

#endif /* MEMSPACE_FLATVIEW_INTERNAL_H */
