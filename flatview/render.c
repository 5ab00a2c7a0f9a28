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
 * order that covers it.  We collect the pieces in walk order, cut the
 * address space at every piece boundary into elementary segments (one radix
 * sort), hand each segment to the first piece covering it (a union-find
 * "next unclaimed segment" skip list makes that near-linear), and emit the
 * segments in address order, merging under QEMU's rule.
 */
#include "config.h"

#include <string.h>
#include <sys/mman.h>

#include "render-internal.h"
#include "radix-sort.h"

static void
emit_piece(struct render *r, struct memspace_region *mr, u128 start, u128 end,
	   i128 base, unsigned flags)
{
	if (r->nr == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->pieces = render_scratch_get(r->scratch, SCRATCH_PIECES,
					       r->cap * sizeof(*r->pieces),
					       true);
		r->cap = r->scratch->bytes[SCRATCH_PIECES] / sizeof(*r->pieces);
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
	};
}

static inline void
trace_enter(struct render *r, struct memspace_region *mr, i128 base, u128 cs,
	    u128 ce, bool via_alias, size_t *ret_k)
{
	struct render_trace *t = r->trace;

	*ret_k = SIZE_MAX;
	if (!t || t->overflow) {
		return;
	}
	if (t->nr == TRACE_MAX_VISITS) {
		t->overflow = true;
		return;
	}
	*ret_k = t->nr;
	t->nr_alias += via_alias;
	/* @end holds the alias count until trace_leave() sets @pure. */
	render_trace_push(
		t, &(struct visit){
			   .end = (uint32_t)t->nr_alias,
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
trace_leave(struct render *r, size_t k)
{
	struct render_trace *t = r->trace;

	if (k != SIZE_MAX && !t->overflow) {
		t->v[k].pure = t->v[k].end == t->nr_alias;
		t->v[k].end = (uint32_t)t->nr;
	}
}

/*
 * One region being walked: its extent clipped to what its parent showed,
 * the flags inherited so far, and where the walk stands among what lies
 * below it (the alias target, or the subregions in order).
 */
struct walk_frame {
	struct memspace_region *mr;
	struct memspace_region *next_child;
	i128 base;
	u128 cs, ce;
	size_t k; /* trace step, or SIZE_MAX */
	unsigned flags;
	bool alias_pending;
	bool saved_emit;
};

struct walk_stack {
	struct walk_frame *f;
	size_t nr, cap;
	struct walk_frame inline_frames[32];
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
	size_t k;

	if (re <= (i128)cs || rs >= (i128)ce) {
		/* Clipped out: traced only as an alias target (a parent's
		 * trace step stands for its clipped-out subregions). */
		if (via_alias) {
			trace_enter(r, mr, base, cs, ce, via_alias, &k);
			trace_leave(r, k);
		}
		return;
	}
	trace_enter(r, mr, base, cs, ce, via_alias, &k);
	if (!mr->enabled && k == SIZE_MAX) {
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
	walk_enter(r, &st, mr, base, cs, ce, flags, via_alias);
	while (st.nr) {
		struct walk_frame *f = &st.f[st.nr - 1];
		struct memspace_region *child = f->next_child;

		if (f->alias_pending) {
			f->alias_pending = false;
			walk_enter(r, &st, f->mr->alias,
				   f->base - (i128)f->mr->alias_offset, f->cs,
				   f->ce, f->flags, true);
			continue;
		}
		if (child) {
			i128 cb = f->base + (i128)child->addr;

			f->next_child = child->next_sibling;
			/* Siblings are scattered in memory: overlap the next
			 * miss. */
			if (child->next_sibling) {
				__builtin_prefetch(child->next_sibling);
				__builtin_prefetch((char *)child->next_sibling +
						   64);
			}
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
		if (r->emit && region_terminates(f->mr)) {
			emit_piece(r, f->mr, f->cs, f->ce, f->base, f->flags);
		}
		r->emit = f->saved_emit;
		trace_leave(r, f->k);
		st.nr--;
	}
	if (st.f != st.inline_frames) {
		g_free(st.f);
	}
}

/* Cut the address space at every piece boundary. */
static void
build_segments(const struct render *r, struct segments *sg)
{
	size_t n = 0;
	struct render_scratch *sc = r->scratch;
	struct sort_item *items = render_scratch_get(
		sc, SCRATCH_ITEMS, 2 * r->nr * sizeof(*items), false);
	struct sort_item *tmp = render_scratch_get(
		sc, SCRATCH_TMP, 2 * r->nr * sizeof(*tmp), false);

	for (size_t i = 0; i < r->nr; i++) {
		items[n++] = (struct sort_item){ r->pieces[i].start, 2 * i };
		if (r->pieces[i].last != UINT64_MAX) {
			items[n++] = (struct sort_item){ r->pieces[i].last + 1,
							 2 * i + 1 };
		}
	}
	radix_sort(items, tmp, n);
	sg->bound = render_scratch_get(sc, SCRATCH_BOUND,
				       n * sizeof(*sg->bound), false);
	sg->first = render_scratch_get(sc, SCRATCH_FIRST,
				       r->nr * sizeof(*sg->first), false);
	sg->end = render_scratch_get(sc, SCRATCH_END, r->nr * sizeof(*sg->end),
				     false);
	sg->nr = 0;
	for (size_t i = 0; i < n; i++) {
		if (sg->nr == 0 || sg->bound[sg->nr - 1] != items[i].key) {
			sg->bound[sg->nr++] = items[i].key;
		}
		if (items[i].val & 1) {
			sg->end[items[i].val / 2] = sg->nr - 1;
		} else {
			sg->first[items[i].val / 2] = sg->nr - 1;
		}
	}
	for (size_t i = 0; i < r->nr; i++) {
		if (r->pieces[i].last == UINT64_MAX) {
			sg->end[i] = sg->nr;
		}
	}
}

static uint32_t
next_free(uint32_t *skip, uint32_t k)
{
	while (skip[k] != k) {
		skip[k] = skip[skip[k]];
		k = skip[k];
	}
	return k;
}

/* owner[k] = first piece (in walk order) covering segment k, or -1. */
static int32_t *
assign_segments(const struct render *r, const struct segments *sg)
{
	int32_t *owner = render_scratch_get(r->scratch, SCRATCH_OWNER,
					    sg->nr * sizeof(*owner), false);
	uint32_t *skip = render_scratch_get(
		r->scratch, SCRATCH_SKIP, (sg->nr + 1) * sizeof(*skip), false);

	for (uint32_t k = 0; k <= sg->nr; k++) {
		skip[k] = k;
	}
	for (uint32_t k = 0; k < sg->nr; k++) {
		owner[k] = -1;
	}
	for (size_t i = 0; i < r->nr; i++) {
		uint32_t k = next_free(skip, sg->first[i]);

		while (k < sg->end[i]) {
			owner[k] = (int32_t)i;
			skip[k] = k + 1;
			k = next_free(skip, k + 1);
		}
	}
	return owner;
}

/* Where emitted ranges go: an array, or a tree being built. */
struct range_sink {
	struct flat_range *arr;
	size_t nr;
	struct ft_builder *b;
};

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
emit_ranges(const struct render *r, const struct segments *sg,
	    const int32_t *owner, struct range_sink *out)
{
	int32_t prev_owner = -1;

	for (uint32_t k = 0; k < sg->nr; k++) {
		const struct piece *p;
		struct flat_range fr, *last;

		if (owner[k] < 0) {
			prev_owner = -1;
			continue;
		}
		p = &r->pieces[owner[k]];
		fr = (struct flat_range){
			.start = sg->bound[k],
			.last = k + 1 < sg->nr ? sg->bound[k + 1] - 1 : p->last,
			.mr = p->mr,
			.offset = p->offset + (sg->bound[k] - p->start),
			.flags = p->flags,
			.dirty_log_mask = p->dirty_log_mask,
		};
		last = sink_last(out);
		/* Consecutive segments of one piece are one QEMU range. */
		if (last &&
		    (owner[k] == prev_owner || render_can_merge(last, &fr))) {
			last->last = fr.last;
		} else {
			sink_push(out, &fr);
		}
		prev_owner = owner[k];
	}
}

#define HUGE_SIZE ((size_t)2 << 20)

void
render_trace_push(struct render_trace *t, const struct visit *v)
{
	if (t->nr == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
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

/* Segments of @r's pieces and the piece owning each; NULL if no pieces. */
static int32_t *
render_segments(const struct render *r, struct segments *sg)
{
	if (r->nr == 0) {
		*sg = (struct segments){ 0 };
		return NULL;
	}
	build_segments(r, sg);
	return assign_segments(r, sg);
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
render_ranges_new(const struct render *r, size_t *ret_nr)
{
	struct segments sg;
	int32_t *owner = render_segments(r, &sg);
	struct range_sink out = {
		.arr = g_new(struct flat_range, sg.nr ? sg.nr : 1),
	};

	if (owner) {
		emit_ranges(r, &sg, owner, &out);
	}
	*ret_nr = out.nr;
	return out.arr;
}

void
render_finish(struct memspace_flatview *fv)
{
	struct ft_cursor c;
	const struct flat_range *fr;

	fv->nr = fv->tree.nr;
	flatview_for_each_range(fv, c, fr) {
		fv->unmergeable |= fr->flags & RANGE_UNMERGEABLE;
	}
	flat_index_build(&fv->index, &fv->tree);
}

struct memspace_flatview *
render_full(struct memspace_region *root, uint64_t gen, bool trace,
	    struct render_scratch *scratch)
{
	struct memspace_flatview *fv = flatview_new_empty(root);
	struct render r = {
		.emit = true,
		.scratch = scratch ? scratch : g_new0(struct render_scratch, 1),
	};
	struct segments sg;
	struct ft_builder b;
	int32_t *owner;

	fv->gen = gen;
	r.trace = trace ? g_new0(struct render_trace, 1) : NULL;
	render_region(&r, root, (i128)root->addr, 0, U128_2_64, 0, false);
	owner = render_segments(&r, &sg);
	ft_builder_init(&b);
	if (owner) {
		emit_ranges(&r, &sg, owner, &(struct range_sink){ .b = &b });
	}
	ft_builder_finish(&b, &fv->tree);
	render_finish(fv);
	fv->scratch = r.scratch;
	if (r.trace && r.trace->overflow) {
		render_trace_free(r.trace);
		r.trace = NULL;
	}
	fv->trace = r.trace;
	return fv;
}
