/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The renderer's stages, shared by the full render (render.c) and the
 * incremental re-render (update.c), and the render trace that lets a
 * commit find what changed without walking the whole tree.
 *
 * The trace lists every call of the tree walk in depth-first order (a
 * region reached through two aliases appears twice): the region, where its
 * parent (or, through an alias, its target) put it, the clip it was given,
 * and the extent it had.  Disabled subtrees are traced too, so that
 * enabling or disabling a region keeps the trace's shape.  Subregions
 * outside their parent's clip are not traced (the parent's step stands
 * for them: a change to a subregion also marks its parent, see
 * child_dirty_gen); alias targets always are.
 *
 * A commit scans the trace for regions changed since the view was
 * rendered, skipping the subtree of each one it finds and every pure
 * subtree in which nothing changed, and looking at parents of changed
 * subregions; it re-renders only the address windows the changed
 * regions covered before and cover now, and re-walks the changed subtrees
 * to bring the trace up to date.  Adding or removing a subregion always
 * marks the parent changed, so every region the trace names is alive when
 * it is scanned: a region can only be freed after leaving its parent, and
 * the scan then skips that parent's whole subtree.
 */
#ifndef MEMSPACE_RENDER_INTERNAL_H
#define MEMSPACE_RENDER_INTERNAL_H

#include "flatview-internal.h"
#include "radix-sort.h"

/*
 * The trace's step numbers are 32-bit: a tree with more walk steps than
 * this gets no trace (and full renders).  No size limit otherwise: a
 * commit's scan skips unchanged subtrees, so its cost follows the change.
 */
#define TRACE_MAX_VISITS ((size_t)UINT32_MAX / 2)

/**
 * struct visit - one step of the tree walk
 * @mr: the region.
 * @origin: the parent's base, or for an alias target the target's base.
 * @cs: first address of the clip the region was given.
 * @ce_m1: last address of that clip (clips are never empty).
 * @addr: @mr's offset in its parent when traced.
 * @size_m1: @mr's size minus one when traced.
 * @end: index just past the last step of @mr's subtree.
 * @nr_pieces: pieces the subtree emitted (its own last, if any; hidden
 *	ones of disabled regions included).
 * @flags: the flags the ancestors passed down (enum range_flags).
 * @empty: @mr had size 0.
 * @via_alias: @mr was reached as an alias target (its base ignores @addr).
 * @pure: no step of the subtree is an alias target, so every region in it
 *	descends from @mr through parent links and a change there shows in
 *	@mr's subtree_dirty_gen.
 * @emit: the walk collected pieces here (no disabled ancestor).
 * @stale: the subtree was walked again by the windowed re-render, which
 *	keeps no pieces: those of the scratch (and @nr_pieces) are of an
 *	older walk, and a replay walks the subtree again.
 */
struct visit {
	struct memspace_region *mr;
	i128 origin;
	uint64_t cs;
	uint64_t ce_m1;
	uint64_t addr;
	uint64_t size_m1;
	uint32_t end;
	uint32_t nr_pieces;
	uint8_t flags;
	bool empty;
	bool via_alias;
	bool pure;
	bool emit;
	bool stale;
};

struct render_trace {
	struct visit *v;
	size_t nr;
	size_t cap;
	size_t nr_alias; /* alias-target steps so far (for @pure) */
	bool overflow; /* gave up: more than TRACE_MAX_VISITS steps */
	/* The alias-target steps in order, listed by the first scan of
	 * this shape of the trace (update.c); in-place updates keep it. */
	uint32_t *alias_steps;
	size_t nr_alias_steps;
	bool alias_listed;
	/* Indexes of the children of steps with many (trace-kids.h), kept
	 * with this shape of the trace. */
	GHashTable *kids;
	/* Steps marked @stale since the last full render or replay. */
	size_t nr_stale;
	/* Generation of that render or replay (the order of its pieces). */
	uint64_t pieces_gen;
};

struct piece {
	uint64_t start;
	uint64_t last;
	struct memspace_region *mr;
	uint64_t offset; /* offset of @start in @mr */
	uint8_t flags;
	uint8_t dirty_log_mask;
	bool hidden; /* a disabled region's, in a traced walk: shows nothing */
};

/* The work arrays of a render, kept from one commit to the next. */
enum scratch_buf {
	SCRATCH_PIECES,
	SCRATCH_ITEMS,
	SCRATCH_TMP,
	SCRATCH_HEAP,
	/* Kept for a replay (replay.c): the pieces of the last traced full
	 * render in walk order and their order by start; a replay's new
	 * ones (then swapped with those), the pieces of its re-walks and
	 * their order, and the old pieces' new numbers.  The windowed
	 * re-render (update.c) uses only the arrays above. */
	SCRATCH_REPLAY_PIECES,
	SCRATCH_REPLAY_ITEMS,
	SCRATCH_REPLAY_PIECES_NEXT,
	SCRATCH_REPLAY_ITEMS_NEXT,
	SCRATCH_SPAN_PIECES,
	SCRATCH_SPAN_ITEMS,
	SCRATCH_MAP,
	/* The windowed re-render's new ranges, the replacement of one
	 * window, and the addresses that changed leaves (update.c). */
	SCRATCH_NEW_RANGES,
	SCRATCH_REPLACEMENT,
	SCRATCH_MOVED,
	SCRATCH_NR,
};

/**
 * struct render_scratch - work arrays reused across renders of a root
 * @buf: the arrays (enum scratch_buf).
 * @bytes: their sizes.
 *
 * @replay: the trace whose walk (and replays, and the re-walks of the
 *	windowed re-render, see @stale in struct visit) left the pieces in
 *	SCRATCH_REPLAY_PIECES and SCRATCH_REPLAY_ITEMS, or NULL.
 * @nr_replays: full renders replayed with this scratch (for the tests).
 *
 * A view hands its scratch to the render that replaces it (updater only),
 * so large renders do not fault fresh pages in at every commit.
 */
struct render_scratch {
	void *buf[SCRATCH_NR];
	size_t bytes[SCRATCH_NR];
	const struct render_trace *replay;
	uint64_t nr_replays; /* full renders replayed with this scratch */
};

/* @s's array @which with room for @bytes (contents kept if @keep). */
void *render_scratch_get(struct render_scratch *s, enum scratch_buf which,
			 size_t bytes, bool keep);
void render_scratch_free(struct render_scratch *s);

/**
 * struct render - one walk's output
 * @pieces: clipped terminating regions in walk order (in @scratch).
 * @trace: where to record the walk, or NULL.
 * @scratch: the work arrays.
 * @emit: collect pieces (false: only trace).
 * @pieces_buf: the scratch array of @pieces (0: SCRATCH_PIECES).
 * @trace_only: collect no pieces (@emit still follows the walk).
 * @linear: walk every subregion list, even where a subregion index
 *	(lib/subregion-index.h) would give the subregions meeting a clip
 *	narrower than their parent: a full render's clips mostly are their
 *	regions.  Traced walks always do (they trace what the clip meets,
 *	size 0 included).
 */
struct render {
	struct piece *pieces;
	size_t nr;
	size_t cap;
	struct render_trace *trace;
	struct render_scratch *scratch;
	bool emit;
	bool trace_only;
	bool linear;
	enum scratch_buf pieces_buf;
};

/* Walk @mr at @base within [@cs, @ce) (QEMU's render_memory_region()). */
void render_region(struct render *r, struct memspace_region *mr, i128 base,
		   u128 cs, u128 ce, unsigned flags, bool via_alias);

/* @r's pieces as (start, number) in address order, in @r's scratch array
 * @which. */
struct sort_item *render_sort_pieces(const struct render *r,
				     enum scratch_buf which);

/*
 * @r's pieces (none empty), in order by start @by_start, as flat ranges
 * merged under QEMU's rule: writes at most 2 * @r->nr of them (each ends
 * where a piece ends or starts) to @out (which counts them), the OR of their flags to
 * @ret_flags, and returns their number.
 */
/* Where a sweep's ranges go: @arr (room for 2 * pieces), or builder @b. */
struct range_sink {
	struct flat_range *arr;
	size_t nr;
	struct ft_builder *b;
};

size_t render_sweep(const struct render *r, const struct sort_item *by_start,
		    struct range_sink *out, unsigned *ret_flags);

/* @r's pieces as merged flat ranges, in @r's scratch array
 * SCRATCH_NEW_RANGES (valid until its next use). */
struct flat_range *render_ranges(const struct render *r, size_t *ret_nr);

/* QEMU's merge rule for two adjacent ranges from different pieces; offsets
 * compare in 128 bits, so a window ending at 2^64 never meets offset 0. */
static inline bool
render_can_merge(const struct flat_range *a, const struct flat_range *b)
{
	return a->last != UINT64_MAX && a->last + 1 == b->start &&
	       a->mr == b->mr &&
	       (u128)a->offset + (a->last - a->start + 1) == b->offset &&
	       a->flags == b->flags && !(a->flags & RANGE_UNMERGEABLE) &&
	       a->dirty_log_mask == b->dirty_log_mask;
}

/* Where step @v's region sits (byte 0) when at offset @addr in its parent. */
static inline i128
visit_base(const struct visit *v, uint64_t addr)
{
	return v->origin + (v->via_alias ? 0 : (i128)addr);
}

/* Whether @mr has a step among the direct children of step @i. */
bool trace_has_child(struct render_trace *t, size_t i,
		     const struct memspace_region *mr);

/*
 * The alias-target steps of @t under which something changed after @gen
 * (among the regions of @ts, when not NULL), in order (g_free them), and whether one lies in (@i, @end) (@fi: a
 * cursor into them, moving on as @i grows).
 */
uint32_t *trace_changed_alias_steps(struct render_trace *t, uint64_t gen,
				    const struct touched_set *ts,
				    size_t *ret_nr);
bool trace_forced_inside(const uint32_t *forced, size_t nr, size_t *fi,
			 size_t i, size_t end);

/*
 * A full render of @root at @gen replayed from @cur's (replay.c): NULL if
 * @cur's trace and scratch do not allow it, or if the tree changed shape.
 * On success @cur's trace and scratch pass to the new view.
 */
struct memspace_flatview *render_replay(struct memspace_flatview *cur,
					struct memspace_region *root,
					uint64_t gen);

/* Append @v to @t (which must not have overflowed). */
void render_trace_push(struct render_trace *t, const struct visit *v);

/* Finish a view whose ranges' flags OR to @flags: index, unmergeable. */
void render_finish(struct memspace_flatview *fv, unsigned flags);

/*
 * A full render of @root, with a trace if @trace, using (and then handing
 * to the new view) @scratch, which may be NULL.  @old_trace, which may be
 * NULL, is consumed: its array holds the new trace.
 */
struct memspace_flatview *render_full(struct memspace_region *root,
				      uint64_t gen, bool trace,
				      struct render_trace *old_trace,
				      struct render_scratch *scratch);

void render_trace_free(struct render_trace *t);

#endif /* MEMSPACE_RENDER_INTERNAL_H */
