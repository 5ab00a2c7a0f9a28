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
	unsigned untraced_checks; /* walks that found no change (update.c) */
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

/**
 * struct touched_set - the regions changed after a view's generation
 * @r: ms->touched: every region whose dirty_gen, child_dirty_gen or
 *	subtree_dirty_gen the commit being prepared set.
 * @nr: entries of @r.
 * @bloom: one bit per entry, hashed from its address.
 * @attr_bloom: the bits of the entries whose own attributes or subregions
 *	changed (dirty_gen or child_dirty_gen is the commit's), not only
 *	something deeper below them.
 *
 * A region not in the set has all three generations below ms->gen: what
 * was rendered or reduced at the previous commit still holds for it, and
 * the set tells so without loading the region.
 */
struct touched_set {
	struct memspace_region *const *r;
	unsigned nr;
	uint64_t bloom;
	uint64_t attr_bloom;
};

static inline uint64_t
touched_bit(const struct memspace_region *mr)
{
	return 1ull << (((uintptr_t)mr * 0x9e3779b97f4a7c15ull) >> 58);
}

/* Whether @ms lists every region the commit changed; fills @s if so. */
static inline bool
touched_set_init(struct touched_set *s, const struct memspace *ms)
{
	if (ms->touched_overflow) {
		return false;
	}
	s->r = ms->touched;
	s->nr = ms->nr_touched;
	s->bloom = 0;
	s->attr_bloom = 0;
	for (unsigned k = 0; k < s->nr; k++) {
		const struct memspace_region *mr = s->r[k];

		s->bloom |= touched_bit(mr);
		if (mr->dirty_gen == ms->gen || mr->child_dirty_gen == ms->gen) {
			s->attr_bloom |= touched_bit(mr);
		}
	}
	return true;
}

/* Whether @mr may have changed (always, without a set). */
static inline bool
touched_has(const struct touched_set *s, const struct memspace_region *mr)
{
	if (!s) {
		return true;
	}
	if (!(s->bloom & touched_bit(mr))) {
		return false;
	}
	for (unsigned k = 0; k < s->nr; k++) {
		if (s->r[k] == mr) {
			return true;
		}
	}
	return false;
}

/* QEMU's root reduction; NULL when the address space renders nothing. */
struct memspace_region *flatview_reduce_root(struct memspace_region *root);

#define REDUCE_DEPS_MAX 8

/**
 * struct root_reduction - an address space's reduced root, kept across
 * commits
 * @root: the reduced root (NULL: the address space renders nothing).
 * @gen: the commit (ms->gen) that computed or confirmed it; 0: none.
 * @deps: what it depends on: each region the reduction passed through and
 *	each alias target it compared with.  A change to any attribute of
 *	theirs, or to one of their subregions, lists them in ms->touched.
 * @nr_deps: entries of @deps.
 * @bloom: touched_bit() of each of @deps: when it shares no bit with the
 *	commit's set, no dependency changed (one test per address space).
 */
struct root_reduction {
	uint64_t gen;
	uint64_t bloom;
	struct memspace_region *root;
	unsigned nr_deps;
	struct memspace_region *deps[REDUCE_DEPS_MAX];
};

/*
 * flatview_reduce_root() of @root at the commit @gen (ms->gen), reusing
 * @rr's when it was computed at the previous commit and @ts (the commit's
 * changes, NULL if unknown) has none of its dependencies; else computed
 * again into @rr.
 */
/*
 * Whether @rr, which held at the commit @since, still holds at the commit
 * after it, whose changes @ts lists.
 */
bool flatview_reduction_holds(const struct root_reduction *rr,
			      const struct touched_set *ts, uint64_t since);

struct memspace_region *flatview_reduce_root_cached(
	struct memspace_region *root, struct root_reduction *rr,
	const struct touched_set *ts, uint64_t gen);

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
