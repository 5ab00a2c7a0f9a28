/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * struct memspace_flatview: an immutable, sorted set of disjoint ranges
 * rendered from one root region (a persistent B+ tree, ftree.h, shared
 * with the views it was spliced from), reference counted and freed
 * through call_rcu() once the last reference is gone.
 */
#ifndef MEMSPACE_FLATVIEW_INTERNAL_H
#define MEMSPACE_FLATVIEW_INTERNAL_H

#include "rcu.h"
#include "region-internal.h"
#include "index.h"

struct render_trace;
struct render_scratch;


struct reclaim_epoch;

/**
 * struct flat_delta - where a view differs from the view it was spliced
 * from
 * @base_serial: serial of that view.
 * @nr: number of windows.
 * @w: sorted, disjoint address windows: every range of either view that
 *	meets none of them is in the other view too, unchanged.
 */
struct flat_delta {
	uint64_t base_serial;
	size_t nr;
	struct {
		uint64_t lo;
		uint64_t hi; /* inclusive */
	} w[];
};

struct memspace_flatview {
	struct rcu_head rcu;
	gint refcount;
	struct memspace_region *root;	/* reduced root, referenced; or NULL */
	uint64_t gen;			/* ms->gen it was rendered at */
	uint64_t serial;		/* unique in the context; 0: none */
	struct flat_delta *delta;	/* from an incremental render, or NULL */
	size_t nr;			/* == @tree.nr */
	struct flat_tree tree;		/* regions kept alive by @epoch */
	struct reclaim_epoch *epoch;	/* NULL for the context's empty view */
	struct flat_index index;	/* over @tree, immutable */
	bool unmergeable;		/* some range is unmergeable */
	/* Updater-only: how the view was rendered, and the work arrays the
	 * next render of its root reuses (render-internal.h). */
	struct render_trace *trace;
	struct render_scratch *scratch;
};

/* Release what the renderer allocated for @fv (tree, index, trace). */
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
	return flat_index_find(&fv->index, addr);
}

/* Range @i of @fv (< @fv->nr); O(log n). */
static inline const struct flat_range *
flatview_range(const struct memspace_flatview *fv, size_t i)
{
	return ft_at(&fv->tree, i);
}

/* Walk @fv's ranges in order with cursor @c. */
#define flatview_for_each_range(fv, c, fr)                                   \
	for (ft_cursor_seek(&(c), &(fv)->tree, 0);                            \
	     ((fr) = ft_cursor_get(&(c))) != NULL; ft_cursor_next(&(c)))

/* The same from position @pos on. */
#define flatview_for_each_range_from(fv, pos, c, fr)                         \
	for (ft_cursor_seek(&(c), &(fv)->tree, (pos));                        \
	     ((fr) = ft_cursor_get(&(c))) != NULL; ft_cursor_next(&(c)))

/* A view with no ranges rendered from @root (which may be NULL). */
struct memspace_flatview *flatview_new_empty(struct memspace_region *root);

/* QEMU's root reduction; NULL when the address space renders nothing. */
struct memspace_region *flatview_reduce_root(struct memspace_region *root);

/* Whether any region reachable from @root changed after generation @gen. */
bool flatview_root_changed_since(struct memspace_region *root, uint64_t gen);

/* Whether two views have identical ranges. */
bool flatview_ranges_equal(const struct memspace_flatview *a,
			   const struct memspace_flatview *b);

/* @new_fv's delta if it is relative to @old_fv, else NULL. */
static inline const struct flat_delta *
flatview_delta_from(const struct memspace_flatview *new_fv,
		    const struct memspace_flatview *old_fv)
{
	const struct flat_delta *d = new_fv->delta;

	return d && old_fv->serial && d->base_serial == old_fv->serial ? d :
									 NULL;
}

/* The first range of @fv whose last address is at or above @addr. */
size_t flatview_first_ending_at_or_above(const struct memspace_flatview *fv,
					 uint64_t addr);

/* The ranges of @fv that meet [@lo, @hi], as indexes [*@a, *@b). */
void flatview_span_meeting(const struct memspace_flatview *fv, uint64_t lo,
			   uint64_t hi, size_t *a, size_t *b);

/* Whether two ranges are identical (every field). */
static inline bool
flat_range_same(const struct flat_range *x, const struct flat_range *y)
{
	return x->start == y->start && x->last == y->last && x->mr == y->mr &&
	       x->offset == y->offset && x->flags == y->flags &&
	       x->dirty_log_mask == y->dirty_log_mask;
}

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
