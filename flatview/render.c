/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rendering a region tree into a flat view, with QEMU's visibility rules in
 * O(n log n) instead of QEMU's quadratic gap-filling insert.
 *
 * QEMU walks the tree depth first in render order (subregions by priority
 * descending, newest first among equal priorities, then the region's own
 * backing if it terminates), and each terminating region claims only the
 * addresses no earlier region claimed.  So every address belongs to the
 * first "piece" (a terminating region clipped by all its ancestors) in walk
 * order that covers it.  We collect the pieces in walk order, sort them by
 * start (they come mostly in order: O(n) but for the few out of place)
 * and sweep the address space with the pieces covering the current
 * address in a heap by walk order, whose top owns the address (pieces
 * nest or lie side by side, so the heap stays small).  Ranges come out in
 * address order, merged under QEMU's rule.
 */
#include "config.h"

#include <string.h>
#include <sys/mman.h>

#include "render-internal.h"
#include "subregion-index.h"
#include "trace-kids.h"

static void
emit_piece(struct render *r, struct memspace_region *mr, u128 start, u128 end,
	   i128 base, unsigned flags, bool hidden)
{
	if (r->nr == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->pieces = render_scratch_get(r->scratch, r->pieces_buf,
					       r->cap * sizeof(*r->pieces),
					       true);
		r->cap = r->scratch->bytes[r->pieces_buf] / sizeof(*r->pieces);
	}
	if (mr->kind == MEMSPACE_REGION_ROM_DEVICE && mr->romd_mode) {
		flags |= RANGE_ROMD;
	}
	r->pieces[r->nr++] = (struct piece){
		.start = (uint64_t)start,
		.last = (uint64_t)(end - 1),
		.mr = mr,
		.offset = (uint64_t)((i128)start - base),
		.flags = flags,
		.dirty_log_mask = mr->dirty_log_mask,
		.hidden = hidden,
	};
}

/* The trace step of an untraced walk's frame. */
#define STEP_UNTRACED UINT32_MAX

static inline void
trace_enter(struct render *r, struct memspace_region *mr, i128 base, u128 cs,
	    u128 ce, unsigned flags, bool via_alias, uint32_t *ret_k)
{
	struct render_trace *t = r->trace;

	*ret_k = STEP_UNTRACED;
	if (!t || t->overflow) {
		return;
	}
	if (t->nr == TRACE_MAX_VISITS) {
		t->overflow = true;
		return;
	}
	*ret_k = (uint32_t)t->nr;
	t->nr_alias += via_alias;
	/* @end holds the alias count until trace_leave() sets @pure, and
	 * @nr_pieces the pieces so far until it counts the subtree's. */
	render_trace_push(
		t, &(struct visit){
			   .end = (uint32_t)t->nr_alias,
			   .nr_pieces = (uint32_t)r->nr,
			   .flags = (uint8_t)flags,
			   .emit = r->emit,
			   .mr = mr,
			   .origin = via_alias ? base : base - (i128)mr->addr,
			   .cs = (uint64_t)cs,
			   .ce_m1 = (uint64_t)(ce - 1),
			   .addr = mr->addr,
			   .size_m1 = (uint64_t)(mr->size - 1),
			   .empty = mr->size == 0,
			   .via_alias = via_alias,
		   });
}

static inline void
trace_leave(struct render *r, uint32_t k)
{
	struct render_trace *t = r->trace;

	if (k != STEP_UNTRACED && !t->overflow) {
		t->v[k].pure = t->v[k].end == t->nr_alias;
		t->v[k].end = (uint32_t)t->nr;
		t->v[k].nr_pieces = (uint32_t)r->nr - t->v[k].nr_pieces;
	}
}

/*
 * One region being walked: its extent clipped to what its parent showed,
 * the flags inherited so far, and where the walk stands among what lies
 * below it (the alias target, or the subregions in order: the next one in
 * the list, or, found through the subregion index, the next one meeting
 * the clip).
 */
struct walk_frame {
	struct memspace_region *mr;
	struct memspace_region *next_child;
	i128 base;
	u128 cs, ce;
	uint32_t k; /* trace step, or STEP_UNTRACED */
	unsigned flags;
	/* With @indexed (and no @next_child): the list positions of the
	 * subregions meeting the clip not entered yet are the last
	 * @ords_left of the walk stack's @ords, the next on top. */
	uint32_t ords_left;
	bool alias_pending;
	bool saved_emit;
	bool indexed;
};

/* Frames are copied and written at every step: keep them small. */
G_STATIC_ASSERT(sizeof(struct walk_frame) <= 80);

struct walk_stack {
	struct walk_frame *f;
	size_t nr, cap;
	/* The frames' lists of subregions, stacked like the frames (each
	 * frame empties its own before it leaves). */
	uint32_t *ords;
	uint32_t nr_ords, cap_ords;
	struct walk_frame inline_frames[32];
	uint32_t inline_ords[128];
};

static struct walk_frame *
walk_push(struct walk_stack *st)
{
	if (st->nr == st->cap) {
		st->cap *= 2;
		if (st->f == st->inline_frames) {
			st->f = g_new(struct walk_frame, st->cap);
			memcpy(st->f, st->inline_frames,
			       sizeof(st->inline_frames));
		} else {
			st->f = g_renew(struct walk_frame, st->f, st->cap);
		}
	}
	return &st->f[st->nr++];
}

/*
 * Have frame @f, of a region with a subregion index and a clip narrower
 * than the region, walk only the subregions meeting the clip, if the
 * index has them at hand.  Untraced walks only: a traced one records
 * every subregion the clip meets, size 0 included.
 */
G_GNUC_NO_INLINE static void
walk_use_index(struct walk_stack *st, struct walk_frame *f)
{
	struct subregion_query q;
	uint32_t need, n, *o;

	if (!subregion_index_find(f->mr, (i128)f->cs - f->base,
				  (i128)f->ce - f->base, &q)) {
		return;
	}
	need = st->nr_ords + q.max;
	if (need > st->cap_ords) {
		uint32_t cap = MAX(need, 2 * st->cap_ords);

		if (st->ords == st->inline_ords) {
			st->ords = g_new(uint32_t, cap);
			memcpy(st->ords, st->inline_ords,
			       st->nr_ords * sizeof(*st->ords));
		} else {
			st->ords = g_renew(uint32_t, st->ords, cap);
		}
		st->cap_ords = cap;
	}
	o = st->ords + st->nr_ords;
	n = subregion_index_collect(&q, o);
	/* Reversed: the first in list order on top. */
	for (uint32_t i = 0; i < n / 2; i++) {
		uint32_t t = o[i];

		o[i] = o[n - 1 - i];
		o[n - 1 - i] = t;
	}
	st->nr_ords += n;
	f->next_child = NULL;
	f->indexed = true;
	f->ords_left = n;
}

/*
 * Enter @mr whose byte 0 sits at @base, clipped to [@cs, @ce) with the
 * ancestors' @flags: push a frame for what lies below it, unless it is
 * clipped out, or disabled and untraced.
 */
static void
walk_enter(struct render *r, struct walk_stack *st, struct memspace_region *mr,
	   i128 base, u128 cs, u128 ce, unsigned flags, bool via_alias)
{
	i128 rs = base, re = base + (i128)mr->size;
	struct walk_frame *f;
	uint32_t k;

	if (re <= (i128)cs || rs >= (i128)ce) {
		/* Clipped out: traced only as an alias target (a parent's
		 * trace step stands for its clipped-out subregions). */
		if (via_alias) {
			trace_enter(r, mr, base, cs, ce, flags, via_alias,
				    &k);
			trace_leave(r, k);
		}
		return;
	}
	trace_enter(r, mr, base, cs, ce, flags, via_alias, &k);
	if (!mr->enabled && k == STEP_UNTRACED) {
		return;
	}
	f = walk_push(st);
	*f = (struct walk_frame){
		.mr = mr,
		.next_child = mr->alias ? NULL : mr->first_child,
		.base = base,
		.cs = rs > (i128)cs ? (u128)rs : cs,
		.ce = re < (i128)ce ? (u128)re : ce,
		.k = k,
		.flags = flags | (mr->readonly ? RANGE_READONLY : 0) |
			 (mr->nonvolatile ? RANGE_NONVOLATILE : 0) |
			 (mr->unmergeable ? RANGE_UNMERGEABLE : 0),
		.alias_pending = mr->alias != NULL,
		.saved_emit = r->emit,
	};
	/* A disabled subtree is walked only for the trace, so that enabling
	 * or disabling a region keeps the trace's shape. */
	r->emit = r->emit && mr->enabled;
	if (mr->nr_children > SUBREGION_INDEX_MIN && !r->trace &&
	    !r->linear && !mr->alias &&
	    (rs < (i128)f->cs || re > (i128)f->ce)) {
		walk_use_index(st, f);
	}
}

/* The next subregion frame @f walks (and then the one after), or NULL. */
static inline struct memspace_region *
walk_next_child(struct walk_stack *st, struct walk_frame *f)
{
	struct memspace_region *child = f->next_child;

	if (child) {
		f->next_child = child->next_sibling;
		/* Siblings are scattered in memory: overlap the next miss. */
		if (child->next_sibling) {
			__builtin_prefetch(child->next_sibling);
			__builtin_prefetch((char *)child->next_sibling + 64);
		}
		return child;
	}
	if (!f->indexed || !f->ords_left) {
		return NULL;
	}
	f->ords_left--;
	child = subregion_index_child(f->mr, st->ords[--st->nr_ords]);
	if (f->ords_left) {
		__builtin_prefetch(
			subregion_index_child(f->mr, st->ords[st->nr_ords - 1]));
	}
	return child;
}

/*
 * Walk @mr whose byte 0 sits at @base (negative inside alias chains),
 * clipped to [@cs, @ce) with ancestors' inherited @flags.  @via_alias:
 * @mr is an alias target (for the trace).  A disabled region renders
 * nothing, its subtree included.  The walk keeps its own stack: trees and
 * alias chains may be nested 100k deep.
 */
void
render_region(struct render *r, struct memspace_region *mr, i128 base, u128 cs,
	      u128 ce, unsigned flags, bool via_alias)
{
	struct walk_stack st;

	st.f = st.inline_frames;
	st.nr = 0;
	st.cap = G_N_ELEMENTS(st.inline_frames);
	st.ords = st.inline_ords;
	st.nr_ords = 0;
	st.cap_ords = G_N_ELEMENTS(st.inline_ords);
	walk_enter(r, &st, mr, base, cs, ce, flags, via_alias);
	while (st.nr) {
		struct walk_frame *f = &st.f[st.nr - 1];
		struct memspace_region *child;

		if (f->alias_pending) {
			f->alias_pending = false;
			walk_enter(r, &st, f->mr->alias,
				   f->base - (i128)f->mr->alias_offset, f->cs,
				   f->ce, f->flags, true);
			continue;
		}
		child = walk_next_child(&st, f);
		if (child) {
			i128 cb = f->base + (i128)child->addr;

			/* Clipped out (and, not being an alias target,
			 * untraced). */
			if (cb >= (i128)f->ce ||
			    cb + (i128)child->size <= (i128)f->cs) {
				continue;
			}
			walk_enter(r, &st, child, cb, f->cs, f->ce, f->flags,
				   false);
			continue;
		}
		/*
		 * A region of size 0 walks (for the trace) but shows nothing.
		 * A disabled one, traced, leaves a hidden piece: enabling or
		 * disabling it then keeps the pieces' number and order, which
		 * a replay (replay.c) patches in place.
		 */
		if ((r->emit || r->trace) && !r->trace_only &&
		    f->cs < f->ce && region_terminates(f->mr)) {
			emit_piece(r, f->mr, f->cs, f->ce, f->base,
				   r->emit ? f->flags : 0, !r->emit);
		}
		r->emit = f->saved_emit;
		trace_leave(r, f->k);
		st.nr--;
	}
	if (st.f != st.inline_frames) {
		g_free(st.f);
	}
	if (st.ords != st.inline_ords) {
		g_free(st.ords);
	}
}

struct sort_item *
render_sort_pieces(const struct render *r, enum scratch_buf which)
{
	struct sort_item *items = render_scratch_get(
		r->scratch, which, r->nr * sizeof(*items), false);
	struct sort_item *tmp = render_scratch_get(
		r->scratch, SCRATCH_TMP, r->nr * sizeof(*tmp), false);

	for (size_t i = 0; i < r->nr; i++) {
		items[i] = (struct sort_item){ r->pieces[i].start, (uint32_t)i };
	}
	sort_nearly_sorted(items, tmp, r->nr);
	return items;
}

/* A binary min-heap of piece numbers: the first in walk order on top. */
static void
heap_push(uint32_t *h, size_t *n, uint32_t x)
{
	size_t k = (*n)++;

	while (k && h[(k - 1) / 2] > x) {
		h[k] = h[(k - 1) / 2];
		k = (k - 1) / 2;
	}
	h[k] = x;
}

static void
heap_sift_down(uint32_t *h, size_t n, size_t k, uint32_t x)
{
	for (;;) {
		size_t c = 2 * k + 1;

		if (c >= n) {
			break;
		}
		c += c + 1 < n && h[c + 1] < h[c];
		if (h[c] >= x) {
			break;
		}
		h[k] = h[c];
		k = c;
	}
	h[k] = x;
}

/* Where emitted ranges go: an array, or a tree being built. */
static struct flat_range *
sink_last(struct range_sink *s)
{
	if (s->b) {
		return ft_builder_last(s->b);
	}
	return s->nr ? &s->arr[s->nr - 1] : NULL;
}

static void
sink_push(struct range_sink *s, const struct flat_range *fr)
{
	if (s->b) {
		ft_builder_push(s->b, fr);
	} else {
		s->arr[s->nr] = *fr;
	}
	s->nr++;
}

static void
heap_pop(uint32_t *h, size_t *n)
{
	if (--*n) {
		heap_sift_down(h, *n, 0, h[*n]);
	}
}

/*
 * Drop the pieces that ended before @x and heapify the rest; returns how
 * many are left.  Pieces hidden under one that comes first in walk order
 * (an overlapping sibling's subregions) would otherwise pile up.
 */
static size_t
heap_prune(const struct render *r, uint32_t *h, size_t n, uint64_t x)
{
	size_t m = 0;

	for (size_t k = 0; k < n; k++) {
		if (r->pieces[h[k]].last >= x) {
			h[m++] = h[k];
		}
	}
	for (size_t k = m / 2; k--;) {
		heap_sift_down(h, m, k, h[k]);
	}
	return m;
}

/* Append [@s, @l] of piece @k, @p, to @out; @prev: the piece out's last
 * range ends with; @flags: the flags of the ranges so far. */
static inline void
sweep_emit(struct range_sink *out, uint32_t *prev, unsigned *flags,
	   uint32_t k, const struct piece *p, uint64_t s, uint64_t l)
{
	struct flat_range *last = sink_last(out);
	struct flat_range fr = {
		.start = s,
		.last = l,
		.mr = p->mr,
		.offset = p->offset + (s - p->start),
		.flags = p->flags,
		.dirty_log_mask = p->dirty_log_mask,
	};

	/* Consecutive parts of one piece are one QEMU range. */
	if (last && ((k == *prev && last->last + 1 == s) ||
		     render_can_merge(last, &fr))) {
		last->last = l;
	} else {
		sink_push(out, &fr);
	}
	*prev = k;
	*flags |= p->flags;
}

/*
 * Sweep the address space in order, holding the pieces that cover the
 * current address in a heap by walk order: the top one owns the address,
 * until it ends or the next piece starts (which may come first in walk
 * order).  Pieces that ended leave the heap when they come to the top, or
 * when the heap outgrows twice what it held at the last pruning.  With at
 * most d pieces covering any address, O(n log d) after the sort; a piece
 * that overlaps no other, or only ones after it in walk order, goes by
 * without the heap.  Hidden pieces (of disabled regions) are skipped.
 */
size_t
render_sweep(const struct render *r, const struct sort_item *by_start,
	     struct range_sink *out, unsigned *ret_flags)
{
	uint32_t *heap = render_scratch_get(r->scratch, SCRATCH_HEAP,
					    r->nr * sizeof(*heap), false);
	size_t nh = 0, j = 0, prune_at = 8;
	uint32_t prev = UINT32_MAX;
	unsigned flags = 0;
	uint64_t x = 0;

	for (;;) {
		const struct piece *p;
		uint64_t last;

		while (nh && r->pieces[heap[0]].last < x) {
			heap_pop(heap, &nh);
		}
		if (j == r->nr && !nh) {
			break;
		}
		if (j < r->nr && !nh && by_start[j].key > x) {
			x = by_start[j].key;
		}
		/*
		 * The common case, without the heap: a piece starting here
		 * that ends before the next one starts, and comes before
		 * every piece covering it in walk order, is a range.
		 */
		if (j < r->nr && by_start[j].key == x) {
			uint32_t k = by_start[j].val;

			/* Pieces are visited out of walk order: overlap the
			 * misses. */
			if (j + 8 < r->nr) {
				__builtin_prefetch(&r->pieces[by_start[j + 8].val]);
			}
			p = &r->pieces[k];
			if (p->hidden) {
				j++;
				continue;
			}
			if ((j + 1 == r->nr || by_start[j + 1].key > p->last) &&
			    (!nh || heap[0] > k)) {
				sweep_emit(out, &prev, &flags, k, p, x,
					   p->last);
				j++;
				if (p->last == UINT64_MAX) {
					break;
				}
				x = p->last + 1;
				continue;
			}
		}
		for (; j < r->nr && by_start[j].key <= x; j++) {
			if (!r->pieces[by_start[j].val].hidden) {
				heap_push(heap, &nh, by_start[j].val);
			}
		}
		if (!nh) {
			continue; /* only hidden pieces started here */
		}
		/* Amortised O(1): the heap at least halves, or the threshold
		 * doubles. */
		if (nh > prune_at) {
			nh = heap_prune(r, heap, nh, x);
			prune_at = 2 * nh + 8;
		}
		p = &r->pieces[heap[0]];
		last = p->last;
		/* Here by_start[j].key > x. */
		if (j < r->nr && by_start[j].key - 1 < last) {
			last = by_start[j].key - 1;
		}
		sweep_emit(out, &prev, &flags, heap[0], p, x, last);
		if (last == UINT64_MAX) {
			break;
		}
		x = last + 1;
	}
	*ret_flags = flags;
	return out->nr;
}

#define HUGE_SIZE ((size_t)2 << 20)

void
render_trace_push(struct render_trace *t, const struct visit *v)
{
	if (t->nr == t->cap) {
		/* Small at first: the re-walk of a changed subtree is mostly a
		 * few steps, and an array under 1 KiB does not make glibc
		 * consolidate its free chunks. */
		t->cap = t->cap ? 2 * t->cap : 8;
		t->v = g_renew(struct visit, t->v, t->cap);
	}
	t->v[t->nr++] = *v;
}

void
render_trace_free(struct render_trace *t)
{
	if (t) {
		g_free(t->v);
		g_free(t->alias_steps);
		trace_kids_drop(t);
		g_free(t);
	}
}

void
flatview_render_free(struct memspace_flatview *fv)
{
	ft_unref(&fv->tree);
	fv->nr = 0;
	render_trace_free(fv->trace);
	fv->trace = NULL;
	render_scratch_free(fv->scratch);
	fv->scratch = NULL;
}

void *
render_scratch_get(struct render_scratch *s, enum scratch_buf which,
		   size_t bytes, bool keep)
{
	void *p;

	if (bytes <= s->bytes[which]) {
		return s->buf[which];
	}
	/* Grow by half again, so that slowly growing maps settle; large
	 * arrays on huge pages (the sort scatters over them). */
	bytes += bytes / 2;
	if (bytes >= HUGE_SIZE) {
		bytes = (bytes + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
	}
	p = bytes >= HUGE_SIZE ? g_aligned_alloc(bytes, 1, HUGE_SIZE) :
				 g_aligned_alloc(bytes, 1, 64);
#ifdef MADV_HUGEPAGE
	if (bytes >= HUGE_SIZE) {
		(void)madvise(p, bytes, MADV_HUGEPAGE);
	}
#endif
	if (keep && s->buf[which]) {
		memcpy(p, s->buf[which], s->bytes[which]);
	}
	g_aligned_free(s->buf[which]);
	s->buf[which] = p;
	s->bytes[which] = bytes;
	return p;
}

void
render_scratch_free(struct render_scratch *s)
{
	if (!s) {
		return;
	}
	for (int i = 0; i < SCRATCH_NR; i++) {
		g_aligned_free(s->buf[i]);
	}
	g_free(s);
}

struct flat_range *
render_ranges(const struct render *r, size_t *ret_nr)
{
	struct range_sink out = {
		.arr = render_scratch_get(r->scratch, SCRATCH_NEW_RANGES,
					  (r->nr ? 2 * r->nr : 1) *
						  sizeof(struct flat_range),
					  false),
	};
	unsigned flags;

	*ret_nr = render_sweep(r, render_sort_pieces(r, SCRATCH_ITEMS), &out,
			       &flags);
	return out.arr;
}

void
render_finish(struct memspace_flatview *fv, unsigned flags)
{
	fv->nr = fv->tree.nr;
	fv->unmergeable = flags & RANGE_UNMERGEABLE;
	flat_index_build(&fv->index, &fv->tree);
}

/* @old emptied for a new walk, keeping its array; or a new trace. */
static struct render_trace *
trace_recycle(struct render_trace *old)
{
	if (!old) {
		return g_new0(struct render_trace, 1);
	}
	g_free(old->alias_steps);
	trace_kids_drop(old);
	*old = (struct render_trace){ .v = old->v, .cap = old->cap };
	return old;
}

struct memspace_flatview *
render_full(struct memspace_region *root, uint64_t gen, bool trace,
	    struct render_trace *old_trace, struct render_scratch *scratch)
{
	struct memspace_flatview *fv = flatview_new_empty(root);
	struct render r = {
		.emit = true,
		.linear = true,
		.scratch = scratch ? scratch : g_new0(struct render_scratch, 1),
		/* A traced render keeps its pieces for a replay. */
		.pieces_buf = trace ? SCRATCH_REPLAY_PIECES : SCRATCH_PIECES,
	};
	struct ft_builder b;
	unsigned flags;

	fv->gen = gen;
	if (trace) {
		r.trace = trace_recycle(old_trace);
	} else {
		render_trace_free(old_trace);
	}
	render_region(&r, root, (i128)root->addr, 0, U128_2_64, 0, false);
	ft_builder_init(&b);
	(void)render_sweep(&r,
			   render_sort_pieces(&r, trace ? SCRATCH_REPLAY_ITEMS :
							  SCRATCH_ITEMS),
			   &(struct range_sink){ .b = &b }, &flags);
	ft_builder_finish(&b, &fv->tree);
	render_finish(fv, flags);
	fv->scratch = r.scratch;
	if (r.trace && r.trace->overflow) {
		render_trace_free(r.trace);
		r.trace = NULL;
	}
	if (r.trace) {
		r.trace->pieces_gen = gen;
	}
	/* The pieces and their order stay in the scratch for a replay. */
	r.scratch->replay = r.trace;
	fv->trace = r.trace;
	return fv;
}
