/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Incremental re-rendering at commit time.  The published view's render
 * trace (render-internal.h) tells which regions the view depends on, and
 * where each one sat.  A commit scans it for regions changed since the
 * view was rendered; if none, the view stands.  Otherwise the address
 * windows those regions covered before the change and cover now are
 * rendered again from the root, clipped to the windows, and spliced into
 * the old view's range tree (ftree.h: the new view shares every leaf and
 * node the windows do not touch, and the index shares its pages, index.h);
 * ranges outside the windows keep their owners, so the result is exactly
 * what a full render gives (merging is re-applied across the window
 * edges).  Views with unmergeable ranges, changes at the
 * root, or many changed regions get a full render.
 */
#include "config.h"

#include <string.h>

#include "render-internal.h"
#include "trace-kids.h"
#include "pool.h"

/* More changed regions than this: a full render is cheaper. */
#define MAX_SPANS 32
/* Walks finding nothing changed before an untraced view gets a trace. */
#define UNTRACED_CHECKS_MAX 4
#define MAX_WINDOWS 128

struct window {
	uint64_t lo;
	uint64_t hi; /* inclusive */
};

#define MAX_PARENTS 4
#define MAX_DIRTY_CHILDREN 16

/* The changed subregions of a parent, gathered once per commit. */
struct dirty_children {
	const struct memspace_region *parent;
	struct memspace_region *child[MAX_DIRTY_CHILDREN];
	size_t nr;
	bool overflow;
};

/**
 * struct change - what a commit changed in a view
 * @w: address windows to render again.
 * @span: trace steps whose subtrees are walked again (none nested).
 * @dc: changed subregions of the parents met so far.
 * @full: too much changed (or the root did): render everything.
 * @touched: the regions changed after the view's generation, or NULL
 *	when the context could not list them all.
 */
struct change {
	struct window w[MAX_WINDOWS];
	size_t nr_w;
	size_t span[MAX_SPANS];
	size_t nr_span;
	struct dirty_children dc[MAX_PARENTS];
	size_t nr_dc;
	bool full;
	const struct touched_set *touched;
};

static void
add_clipped(struct change *c, i128 base, u128 size, u128 cs, u128 ce)
{
	i128 s = base > (i128)cs ? base : (i128)cs;
	i128 e = base + (i128)size < (i128)ce ? base + (i128)size : (i128)ce;

	if (s >= e) {
		return;
	}
	if (c->nr_w == MAX_WINDOWS) {
		c->full = true;
		return;
	}
	c->w[c->nr_w++] = (struct window){ (uint64_t)s, (uint64_t)(e - 1) };
}

/* Where @v's region sat when traced, and where it sits now. */
static void
add_windows(struct change *c, const struct visit *v)
{
	u128 cs = v->cs, ce = (u128)v->ce_m1 + 1;

	add_clipped(c, visit_base(v, v->addr),
		    v->empty ? 0 : (u128)v->size_m1 + 1, cs, ce);
	add_clipped(c, visit_base(v, v->mr->addr), v->mr->size, cs, ce);
}

bool
trace_has_child(struct render_trace *t, size_t i,
		const struct memspace_region *mr)
{
	const struct trace_kids *k = trace_kids_get(t, i);

	if (k) {
		return trace_kids_find(k, mr) != TRACE_KIDS_NONE;
	}
	for (size_t j = i + 1; j < t->v[i].end; j = t->v[j].end) {
		if (t->v[j].mr == mr) {
			return true;
		}
	}
	return false;
}

static const struct dirty_children *
dirty_children(struct change *c, const struct memspace_region *parent,
	       uint64_t gen)
{
	struct dirty_children *d;
	struct memspace_region *child;

	for (size_t k = 0; k < c->nr_dc; k++) {
		if (c->dc[k].parent == parent) {
			return &c->dc[k];
		}
	}
	/* Few parents change per commit; recycle the oldest entry. */
	d = &c->dc[c->nr_dc < MAX_PARENTS ? c->nr_dc++ : 0];
	*d = (struct dirty_children){ .parent = parent };
	if (c->touched) {
		/* Every changed subregion is listed: no need to walk them
		 * all (at most MS_TOUCHED_MAX, so no overflow). */
		for (unsigned k = 0; k < c->touched->nr; k++) {
			child = c->touched->r[k];
			if (child->parent == parent && child->dirty_gen > gen) {
				d->child[d->nr++] = child;
			}
		}
		return d;
	}
	region_for_each_child(child, parent) {
		if (child->dirty_gen <= gen) {
			continue;
		}
		if (d->nr == MAX_DIRTY_CHILDREN) {
			d->overflow = true;
			break;
		}
		d->child[d->nr++] = child;
	}
	return d;
}

/*
 * Where the changed subregions of step @i's (unchanged) region sit now,
 * within its clipped extent; where they sat is in their own trace steps,
 * if they were visible.  Returns true if one of them became visible
 * without a step: the step's subtree must then be walked again.
 */
static bool
add_child_windows(struct change *c, struct render_trace *t, size_t i,
		  uint64_t gen)
{
	const struct visit *v = &t->v[i];
	const struct dirty_children *d = dirty_children(c, v->mr, gen);
	i128 base = visit_base(v, v->addr);
	i128 cs = (i128)v->cs > base ? (i128)v->cs : base;
	i128 ce = (i128)v->ce_m1 + 1;
	bool rewalk = false;

	c->full |= d->overflow;
	if (base + (i128)v->mr->size < ce) {
		ce = base + (i128)v->mr->size;
	}
	for (size_t k = 0; k < d->nr; k++) {
		const struct memspace_region *child = d->child[k];
		i128 s = base + (i128)child->addr;

		if (s >= ce || s + (i128)child->size <= cs) {
			continue;
		}
		add_clipped(c, s, child->size, (u128)cs, (u128)ce);
		rewalk |= !trace_has_child(t, i, child);
	}
	return rewalk;
}

static void
add_span(struct change *c, size_t i, size_t *span_end, const struct visit *v)
{
	if (i < *span_end) {
		return; /* inside a subtree walked again already */
	}
	if (c->nr_span == MAX_SPANS) {
		c->full = true;
		return;
	}
	c->span[c->nr_span++] = i;
	*span_end = v->end;
}

/*
 * @t's alias-target steps by region: they follow the steps in order in the
 * same block, from the first 8-byte boundary.
 */
static struct trace_kid *
alias_by_mr(const struct render_trace *t, size_t n)
{
	return (struct trace_kid *)(void *)(t->alias_steps +
					    ((n + 1) & ~(size_t)1));
}

/*
 * List @t's alias-target steps, once per shape of the trace: in order,
 * and (alias_by_mr()) by region.
 */
static void
list_alias_steps(struct render_trace *t)
{
	size_t n = 0;
	struct trace_kid *by_mr;

	if (t->alias_listed) {
		return;
	}
	for (size_t i = 0; i < t->nr; i++) {
		n += t->v[i].via_alias;
	}
	g_free(t->alias_steps);
	t->alias_steps = g_malloc(((n + 1) & ~(size_t)1) * sizeof(uint32_t) +
				  (n ? n : 1) * sizeof(struct trace_kid));
	by_mr = alias_by_mr(t, n);
	t->nr_alias_steps = 0;
	for (size_t i = 0; i < t->nr; i++) {
		if (t->v[i].via_alias) {
			by_mr[t->nr_alias_steps] =
				(struct trace_kid){ t->v[i].mr, (uint32_t)i };
			t->alias_steps[t->nr_alias_steps++] = (uint32_t)i;
		}
	}
	trace_kids_sort(by_mr, n);
	t->alias_listed = true;
}

static bool
changed_after(const struct memspace_region *mr, uint64_t gen)
{
	return mr->dirty_gen > gen || mr->subtree_dirty_gen > gen;
}

/*
 * The alias-target steps under which something changed after @gen, in
 * order (g_free them).  A change below an alias target shows in the
 * target's own generations, not in those of the regions that reach it
 * through the alias, so these steps keep the scan from skipping the
 * subtrees that hold them.  The regions are alive: the view holding the
 * trace keeps every region it names from being reclaimed (reclaim.h).
 * With the commit's changed regions at hand, each is looked up among the
 * targets; else every target is checked.
 */
uint32_t *
trace_changed_alias_steps(struct render_trace *t, uint64_t gen,
			  const struct touched_set *ts, size_t *ret_nr)
{
	uint32_t *out = NULL;
	size_t n = 0;

	list_alias_steps(t);
	if (ts && t->nr_alias_steps) {
		const struct trace_kid *by_mr =
			alias_by_mr(t, t->nr_alias_steps);

		for (unsigned k = 0; k < ts->nr; k++) {
			const struct memspace_region *mr = ts->r[k];
			size_t j = trace_kids_lower_bound(by_mr,
							  t->nr_alias_steps, mr);

			if (j == t->nr_alias_steps || by_mr[j].mr != mr ||
			    !changed_after(mr, gen)) {
				continue;
			}
			for (; j < t->nr_alias_steps && by_mr[j].mr == mr; j++) {
				if (!out) {
					out = g_new(uint32_t, t->nr_alias_steps);
				}
				out[n++] = by_mr[j].step;
			}
		}
		trace_steps_sort(out, n);
		*ret_nr = n;
		return out;
	}
	for (size_t k = 0; k < t->nr_alias_steps; k++) {
		const struct memspace_region *mr = t->v[t->alias_steps[k]].mr;

		if (touched_has(ts, mr) && changed_after(mr, gen)) {
			if (!out) {
				out = g_new(uint32_t, t->nr_alias_steps - k);
			}
			out[n++] = t->alias_steps[k];
		}
	}
	*ret_nr = n;
	return out;
}

bool
trace_forced_inside(const uint32_t *forced, size_t nr, size_t *fi, size_t i,
	      size_t end)
{
	while (*fi < nr && forced[*fi] <= i) {
		(*fi)++;
	}
	return *fi < nr && forced[*fi] < end;
}

/*
 * Children of a step the scan goes through, the changed ones only: their
 * steps are @cand[@first, @first + @nr) of the scan's candidates array.
 */
struct scan_frame {
	size_t first;
	size_t nr;
	size_t pos;	/* the one being scanned, from @first */
	size_t end;	/* the parent step's end */
};

struct scan {
	struct scan_frame *frames;
	size_t nr_frames;
	size_t cap_frames;
	uint32_t *cand;
	size_t nr_cand;
	size_t cap_cand;
	/* Most scans fit these (few big parents, few changes). */
	struct scan_frame frames_buf[8];
	uint32_t cand_buf[64];
};

static void
scan_init(struct scan *sc)
{
	sc->frames = sc->frames_buf;
	sc->nr_frames = 0;
	sc->cap_frames = G_N_ELEMENTS(sc->frames_buf);
	sc->cand = sc->cand_buf;
	sc->nr_cand = 0;
	sc->cap_cand = G_N_ELEMENTS(sc->cand_buf);
}

static void
scan_finish(struct scan *sc)
{
	if (sc->frames != sc->frames_buf) {
		g_free(sc->frames);
	}
	if (sc->cand != sc->cand_buf) {
		g_free(sc->cand);
	}
}

/* Room for @n more elements of @size in @*p (@buf: the inline one). */
static void *
reserve(void *p, void *buf, size_t *cap, size_t nr, size_t n, size_t size)
{
	size_t want = *cap;

	if (nr + n <= *cap) {
		return p;
	}
	while (want < nr + n) {
		want *= 2;
	}
	if (p == buf) {
		p = memcpy(g_malloc(want * size), buf, nr * size);
	} else {
		p = g_realloc(p, want * size);
	}
	*cap = want;
	return p;
}

/* Sort @a[0..n) and drop repeats; the count. */
static size_t
sort_unique(uint32_t *a, size_t n)
{
	size_t m = 0;

	trace_steps_sort(a, n);
	for (size_t j = 0; j < n; j++) {
		if (!m || a[m - 1] != a[j]) {
			a[m++] = a[j];
		}
	}
	return m;
}

/*
 * The next step to scan, going into step @i's subtree: its first child,
 * or, below a step with many children (trace-kids.h), the first of those
 * the commit listed as changed or holding a changed alias target (@forced
 * from @fi on), with a frame in @sc for the others.  Children that
 * neither changed nor hold a changed alias target, the scan would skip
 * one by one.
 */
static size_t
descend(struct render_trace *t, size_t i, const struct touched_set *ts,
	const uint32_t *forced, size_t nr_forced, size_t fi, struct scan *sc)
{
	const struct visit *v = &t->v[i];
	const struct trace_kids *k = ts ? trace_kids_get(t, i) : NULL;
	struct scan_frame f = { .end = v->end };
	uint32_t s;

	if (!k) {
		return i + 1;
	}
	sc->cand = reserve(sc->cand, sc->cand_buf, &sc->cap_cand, sc->nr_cand,
			   ts->nr + (nr_forced - fi), sizeof(uint32_t));
	f.first = sc->nr_cand;
	for (unsigned j = 0; j < ts->nr; j++) {
		if (ts->r[j]->parent == v->mr &&
		    (s = trace_kids_find(k, ts->r[j])) != TRACE_KIDS_NONE) {
			sc->cand[sc->nr_cand++] = s;
		}
	}
	for (size_t j = fi; j < nr_forced && forced[j] < v->end; j++) {
		if (forced[j] > i) {
			sc->cand[sc->nr_cand++] = trace_kids_holding(k, forced[j]);
		}
	}
	f.nr = sort_unique(&sc->cand[f.first], sc->nr_cand - f.first);
	sc->nr_cand = f.first + f.nr;
	if (!f.nr) {
		return v->end;
	}
	f.pos = f.first;
	sc->frames = reserve(sc->frames, sc->frames_buf, &sc->cap_frames,
			     sc->nr_frames, 1, sizeof(*sc->frames));
	sc->frames[sc->nr_frames++] = f;
	return sc->cand[f.first];
}

/* Past the subtree of a frame's child: the frame's next child, or on. */
static size_t
ascend(const struct render_trace *t, struct scan *sc, size_t i)
{
	while (sc->nr_frames) {
		struct scan_frame *f = &sc->frames[sc->nr_frames - 1];

		if (i < t->v[sc->cand[f->pos]].end) {
			break;
		}
		if (++f->pos < f->first + f->nr) {
			return sc->cand[f->pos];
		}
		i = f->end;
		sc->nr_cand = f->first;
		sc->nr_frames--;
	}
	return i;
}

/*
 * Find what changed after @gen.  A changed region's subtree is walked
 * again as a whole; skipping it in the scan also avoids regions the
 * change may have freed.  Subtrees in which nothing changed are skipped,
 * and below steps with many children only the changed children are
 * visited, so the scan costs what the change touches.
 */
static void
find_changes(struct render_trace *t, uint64_t gen,
	     const struct touched_set *ts, struct change *c)
{
	size_t span_end = 0, nr_forced, fi = 0;
	g_autofree uint32_t *forced =
		trace_changed_alias_steps(t, gen, ts, &nr_forced);
	struct scan sc;

	c->nr_w = c->nr_span = c->nr_dc = 0;
	c->full = false;
	c->touched = ts;
	scan_init(&sc);
	for (size_t i = 0; !c->full && (i = ascend(t, &sc, i)) < t->nr;) {
		const struct visit *v = &t->v[i];

		/* Unchanged, and so is everything below it, but what hangs
		 * under a changed alias target. */
		if (!touched_has(ts, v->mr)) {
			i = v->pure || !trace_forced_inside(forced, nr_forced, &fi,
						      i, v->end) ?
				    v->end :
				    descend(t, i, ts, forced, nr_forced, fi,
					    &sc);
			continue;
		}
		if (v->mr->dirty_gen > gen) {
			c->full |= i == 0;
			add_windows(c, v);
			add_span(c, i, &span_end, v);
			i = v->end;
			continue;
		}
		if (v->mr->child_dirty_gen > gen &&
		    add_child_windows(c, t, i, gen)) {
			add_span(c, i, &span_end, v);
		}
		/* Nothing changed below: skip the subtree. */
		i = v->mr->subtree_dirty_gen <= gen &&
				    (v->pure || !trace_forced_inside(forced, nr_forced,
								     &fi, i,
								     v->end)) ?
			    v->end :
			    descend(t, i, ts, forced, nr_forced, fi, &sc);
	}
	scan_finish(&sc);
}

static int
window_cmp(const void *a, const void *b)
{
	const struct window *x = a, *y = b;

	return (x->lo > y->lo) - (x->lo < y->lo);
}

/* Sort the windows and merge those that overlap or touch. */
static void
merge_windows(struct change *c)
{
	size_t n = 0;

	qsort(c->w, c->nr_w, sizeof(c->w[0]), window_cmp);
	for (size_t i = 0; i < c->nr_w; i++) {
		if (n && (c->w[n - 1].hi == UINT64_MAX ||
			  c->w[i].lo <= c->w[n - 1].hi + 1)) {
			if (c->w[i].hi > c->w[n - 1].hi) {
				c->w[n - 1].hi = c->w[i].hi;
			}
		} else {
			c->w[n++] = c->w[i];
		}
	}
	c->nr_w = n;
}

/* The ranges replacing a window, with room for all of them. */
struct replacement {
	struct flat_range *r;
	size_t nr;
};

/* Append @fr to @out, merging with the last range if allowed. */
static void
append_range(struct replacement *out, const struct flat_range *fr)
{
	struct flat_range *last = out->nr ? &out->r[out->nr - 1] : NULL;

	if (last && render_can_merge(last, fr)) {
		last->last = fr->last;
	} else {
		out->r[out->nr++] = *fr;
	}
}

/* Append [@s, @l] of old range @o. */
static void
append_part(struct replacement *out, const struct flat_range *o, uint64_t s,
	    uint64_t l)
{
	struct flat_range fr = *o;

	fr.start = s;
	fr.last = l;
	fr.offset = o->offset + (s - o->start);
	append_range(out, &fr);
}

/*
 * Splice window [@lo, @hi] into @t: the ranges meeting it widened by one
 * address on each side (so that merging is re-applied across its edges)
 * give way to their parts outside it and the new ranges @nw inside it.
 * Widens @moved to the addresses of the ranges that changed leaves.
 */
static void
splice_window(struct flat_tree *t, uint64_t lo, uint64_t hi,
	      const struct flat_range *nw, size_t nr_new,
	      struct render_scratch *scratch, uint64_t moved[2])
{
	struct replacement repl;
	uint64_t wlo = lo ? lo - 1 : 0, whi = hi != UINT64_MAX ? hi + 1 : hi;
	size_t a = ft_first_ending_at_or_above(t, wlo), z = a;
	const struct flat_range *first = NULL, *last = NULL;
	struct flat_tree out;
	struct ft_cursor c;
	const struct flat_range *o;

	for (ft_cursor_seek(&c, t, a); (o = ft_cursor_get(&c)) &&
				       o->start <= whi;
	     ft_cursor_next(&c)) {
		first = first ? first : o;
		last = o;
		z++;
	}
	if (a == z && !nr_new) {
		return;
	}
	repl.r = render_scratch_get(scratch, SCRATCH_REPLACEMENT,
				    (nr_new + 2) * sizeof(*repl.r), false);
	repl.nr = 0;
	if (first && first->start < lo) {
		append_part(&repl, first, first->start,
			    MIN(first->last, lo - 1));
	}
	for (size_t i = 0; i < nr_new; i++) {
		append_range(&repl, &nw[i]);
	}
	if (last && last->last > hi) {
		append_part(&repl, last, MAX(last->start, hi + 1), last->last);
	}
	ft_splice(&out, t, a, z, repl.r, repl.nr, &moved[0], &moved[1]);
	ft_unref(t);
	*t = out;
}

/*
 * @fv's ranges: @cur's, with each window spliced in, last window first so
 * that the positions of the earlier ones hold.  Returns the addresses of
 * the ranges that changed leaves, one pair per window (in @scratch).
 */
static uint64_t (*splice(struct memspace_flatview *fv,
			 const struct memspace_flatview *cur,
			 const struct change *c, const struct flat_range *nw,
			 size_t nr_new, struct render_scratch *scratch))[2]
{
	uint64_t (*moved)[2] = render_scratch_get(
		scratch, SCRATCH_MOVED,
		sizeof(*moved) * (c->nr_w ? c->nr_w : 1), false);
	struct flat_tree t = cur->tree;
	size_t end = nr_new;

	ft_ref(&t);
	for (size_t k = c->nr_w; k-- > 0;) {
		size_t begin = end;

		while (begin > 0 && nw[begin - 1].start >= c->w[k].lo) {
			begin--;
		}
		moved[k][0] = UINT64_MAX;
		moved[k][1] = 0;
		splice_window(&t, c->w[k].lo, c->w[k].hi, nw + begin,
			      end - begin, scratch, moved[k]);
		end = begin;
	}
	fv->tree = t;
	fv->nr = t.nr;
	return moved;
}

/*
 * Re-walk the subtree of trace step @v, of @len steps, into @out (ends
 * relative to 0).  Usually it keeps its steps: sized for them, a small
 * subtree's array stays clear of the allocator's large blocks.
 */
static void
retrace(const struct visit *v, size_t len, struct render_trace *out)
{
	struct render r = { .trace = out, .emit = v->emit, .trace_only = true };

	out->cap = len ? len : 1;
	out->v = g_new(struct visit, out->cap);
	render_region(&r, v->mr, visit_base(v, v->mr->addr), v->cs,
		      (u128)v->ce_m1 + 1, v->flags, v->via_alias);
	/* The scratch keeps the subtree's old pieces: mark it for the next
	 * replay (replay.c), with their number. */
	if (out->nr) {
		out->v[0].nr_pieces = v->nr_pieces;
		out->v[0].stale = true;
	}
}

static size_t
span_len(const struct render_trace *t, size_t i)
{
	return t->v[i].end - i;
}

/* Old end index @x mapped past the re-walked spans before it. */
static uint32_t
map_end(const struct render_trace *old, const struct change *c,
	const struct render_trace *spans, uint32_t x)
{
	int64_t delta = 0;

	for (size_t k = 0; k < c->nr_span; k++) {
		if (old->v[c->span[k]].end <= x) {
			delta += (int64_t)spans[k].nr -
				 (int64_t)span_len(old, c->span[k]);
		}
	}
	return (uint32_t)((int64_t)x + delta);
}

/* Append @span to @t, shifting its ends. */
static void
put_span(struct render_trace *t, const struct render_trace *span)
{
	size_t at = t->nr;

	for (size_t j = 0; j < span->nr; j++) {
		render_trace_push(t, &span->v[j]);
		t->v[at + j].end += (uint32_t)at;
	}
}

/* A new trace: @old with the re-walked @spans in place of the changed. */
static struct render_trace *
rebuild_trace(const struct render_trace *old, const struct change *c,
	      const struct render_trace *spans)
{
	struct render_trace *t = g_new0(struct render_trace, 1);
	size_t i = 0, nr = old->nr;

	/* Allocated at its final size, rather than grown step by step. */
	for (size_t k = 0; k < c->nr_span; k++) {
		nr += spans[k].nr - span_len(old, c->span[k]);
	}
	t->cap = nr ? nr : 1;
	t->v = g_new(struct visit, t->cap);
	for (size_t k = 0; k <= c->nr_span; k++) {
		size_t stop = k < c->nr_span ? c->span[k] : old->nr;

		for (; i < stop; i++) {
			render_trace_push(t, &old->v[i]);
			t->v[t->nr - 1].end =
				map_end(old, c, spans, old->v[i].end);
		}
		if (k < c->nr_span) {
			put_span(t, &spans[k]);
			i = old->v[c->span[k]].end;
		}
	}
	return t;
}

/* Whether a re-walk has the steps it replaces (same regions, same kind). */
static bool
same_shape(const struct visit *old, const struct render_trace *span, size_t len)
{
	if (span->nr != len) {
		return false;
	}
	for (size_t j = 0; j < len; j++) {
		if (old[j].mr != span->v[j].mr ||
		    old[j].via_alias != span->v[j].via_alias) {
			return false;
		}
	}
	return true;
}

/* Recompute @pure of every step (after steps were inserted or removed). */
static void
recompute_pure(struct render_trace *t)
{
	for (size_t i = t->nr; i-- > 0;) {
		bool pure = true;

		for (size_t j = i + 1; j < t->v[i].end && pure;
		     j = t->v[j].end) {
			pure = !t->v[j].via_alias && t->v[j].pure;
		}
		t->v[i].pure = pure;
	}
}

/*
 * Bring @cur's trace up to the new tree; it then belongs to @fv.  When
 * every re-walked subtree kept its number of steps (a region enabled,
 * moved or flagged), the steps are overwritten in place.
 */
static void
update_trace(struct memspace_flatview *cur, struct memspace_flatview *fv,
	     const struct change *c)
{
	struct render_trace spans[MAX_SPANS];
	struct render_trace *old = cur->trace;
	struct render_scratch *sc = fv->scratch;
	bool same = true, overflow = false, vanished = false;

	for (size_t k = 0; k < c->nr_span; k++) {
		spans[k] = (struct render_trace){ 0 };
		retrace(&old->v[c->span[k]], span_len(old, c->span[k]),
			&spans[k]);
		overflow |= spans[k].overflow;
		vanished |= spans[k].nr == 0;
		same &= same_shape(&old->v[c->span[k]], &spans[k],
				   span_len(old, c->span[k]));
	}
	if (same && !overflow) {
		for (size_t k = 0; k < c->nr_span; k++) {
			for (size_t j = 0; j < spans[k].nr; j++) {
				spans[k].v[j].end += (uint32_t)c->span[k];
			}
			memcpy(&old->v[c->span[k]], spans[k].v,
			       spans[k].nr * sizeof(*spans[k].v));
		}
		fv->trace = old;
		cur->trace = NULL;
	} else if (!overflow) {
		fv->trace = rebuild_trace(old, c, spans);
		fv->trace->nr_stale = old->nr_stale;
		fv->trace->pieces_gen = old->pieces_gen;
		recompute_pure(fv->trace);
	}
	if (fv->trace) {
		fv->trace->nr_stale += c->nr_span;
	}
	/*
	 * The replay's pieces go with the trace (stale where re-walked);
	 * not when a re-walked subtree was clipped out: its parent's piece
	 * count would still hold its pieces.
	 */
	if (sc && sc->replay == old) {
		sc->replay = vanished ? NULL : fv->trace;
	}
	for (size_t k = 0; k < c->nr_span; k++) {
		g_free(spans[k].v);
		g_free(spans[k].alias_steps);
	}
}

/*
 * Record where @fv differs from @cur: the windows, widened by one address
 * on each side, since a range cut at a window's edge or merged across it
 * ends or starts next to the window.  Every other range was copied from
 * @cur as it was.
 */
static void
record_delta(struct memspace_flatview *fv, const struct memspace_flatview *cur,
	     const struct change *c)
{
	struct flat_delta *d =
		g_malloc(sizeof(*d) + c->nr_w * sizeof(d->w[0]));

	d->base_serial = cur->serial;
	d->nr = 0;
	for (size_t k = 0; k < c->nr_w; k++) {
		uint64_t lo = c->w[k].lo ? c->w[k].lo - 1 : 0;
		uint64_t hi = c->w[k].hi != UINT64_MAX ? c->w[k].hi + 1 :
							 UINT64_MAX;

		if (d->nr && d->w[d->nr - 1].hi >= lo) {
			d->w[d->nr - 1].hi = hi;
		} else {
			d->w[d->nr].lo = lo;
			d->w[d->nr++].hi = hi;
		}
	}
	fv->delta = d;
}

/* Render the windows and splice them into a copy of @cur; NULL to give up. */
static struct memspace_flatview *
render_partial(struct memspace_flatview *cur, struct memspace_region *root,
	       uint64_t gen, const struct change *c)
{
	struct render r = { .emit = true, .scratch = cur->scratch };
	struct memspace_flatview *fv;
	struct flat_range *nw;
	uint64_t (*moved)[2];
	size_t nr_new;

	if (!r.scratch) {
		r.scratch = cur->scratch = g_new0(struct render_scratch, 1);
	}
	for (size_t k = 0; k < c->nr_w; k++) {
		render_region(&r, root, (i128)root->addr, c->w[k].lo,
			      (u128)c->w[k].hi + 1, 0, false);
	}
	for (size_t k = 0; k < r.nr; k++) {
		if (r.pieces[k].flags & RANGE_UNMERGEABLE) {
			return NULL;
		}
	}
	nw = render_ranges(&r, &nr_new);
	fv = flatview_new_empty(root);
	fv->scratch = cur->scratch;
	cur->scratch = NULL;
	fv->gen = gen;
	moved = splice(fv, cur, c, nw, nr_new, r.scratch);
	/* No range is unmergeable: neither @cur's nor the new pieces. */
	record_delta(fv, cur, c);
	flat_index_update(&fv->index, &cur->index, &fv->tree,
			  (const uint64_t(*)[2])moved, c->nr_w);
	update_trace(cur, fv, c);
	return fv;
}

/*
 * Whether @fv, spliced from @cur, has the same ranges: outside its delta's
 * windows both have the same ranges anyway.
 */
static bool
flatview_delta_equal(const struct memspace_flatview *cur,
		     const struct memspace_flatview *fv)
{
	const struct flat_delta *d = flatview_delta_from(fv, cur);

	if (!d) {
		return flatview_ranges_equal(cur, fv);
	}
	if (cur->nr != fv->nr) {
		return false;
	}
	for (size_t k = 0; k < d->nr; k++) {
		size_t a, b, x, y;
		struct ft_cursor p, q;

		flatview_span_meeting(cur, d->w[k].lo, d->w[k].hi, &a, &b);
		flatview_span_meeting(fv, d->w[k].lo, d->w[k].hi, &x, &y);
		if (b - a != y - x) {
			return false;
		}
		ft_cursor_seek(&p, &cur->tree, a);
		ft_cursor_seek(&q, &fv->tree, x);
		for (size_t i = 0; i < b - a; i++) {
			if (!flat_range_same(ft_cursor_get(&p),
					     ft_cursor_get(&q))) {
				return false;
			}
			ft_cursor_next(&p);
			ft_cursor_next(&q);
		}
	}
	return true;
}

/*
 * @fv has the same ranges as @cur: keep @cur, now at @gen, with @fv's
 * trace (that of the current tree) and scratch, and drop @fv.
 */
static void
keep_current(struct memspace_flatview *cur, struct memspace_flatview *fv,
	     uint64_t gen)
{
	if (fv->trace != cur->trace) {
		render_trace_free(cur->trace);
		cur->trace = fv->trace;
	}
	fv->trace = NULL;
	cur->scratch = fv->scratch;
	fv->scratch = NULL;
	memspace_flatview_unref(fv);
	cur->gen = gen;
}

/* Full render; keeps @cur if the result is the same. */
static struct memspace_flatview *
rerender_full(struct memspace_flatview *cur, struct memspace_region *root,
	      uint64_t gen)
{
	/*
	 * Trace a root that changes after its first render: a map rendered
	 * once (the CLI, a VMM's boot-time layout) never pays the trace's
	 * time and 64 bytes per region; the first change renders in full,
	 * with a trace, and later ones incrementally.
	 */
	bool trace = cur != NULL;
	struct memspace_flatview *fv;

	/* Replayed from the last full render if it can be; else walked,
	 * the new trace taking over the old one's array (a large one would
	 * otherwise be grown and faulted in again at every full render). */
	fv = cur ? render_replay(cur, root, gen) : NULL;
	if (!fv) {
		fv = render_full(root, gen, trace, cur ? cur->trace : NULL,
				 cur ? cur->scratch : NULL);
	}
	if (cur) {
		cur->trace = NULL;
		cur->scratch = NULL;
	}

	if (!cur || !flatview_ranges_equal(cur, fv)) {
		return fv;
	}
	/* Same ranges: @cur stands, with the trace of the current tree. */
	keep_current(cur, fv, gen);
	return NULL;
}

/* Splices of @fv's tree and updates of its index recycle blocks. */
static struct memspace_flatview *
with_pools(struct memspace_flatview *fv, const struct memspace_region *root)
{
	if (fv && root->ms->view_pools) {
		fv->tree.pool = &root->ms->view_pools->leaves;
		fv->tree.node_pool = &root->ms->view_pools->nodes;
		fv->index.pool = &root->ms->view_pools->pages;
	}
	return fv;
}

static struct memspace_flatview *
rerender(struct memspace_flatview *cur, struct memspace_region *root,
	 uint64_t gen);

struct memspace_flatview *
flatview_rerender(struct memspace_flatview *cur, struct memspace_region *root,
		  uint64_t gen)
{
	return with_pools(rerender(cur, root, gen), root);
}

static struct memspace_flatview *
rerender(struct memspace_flatview *cur, struct memspace_region *root,
	 uint64_t gen)
{
	struct touched_set ts;
	struct change c;
	struct memspace_flatview *fv;

	/*
	 * Without a trace, a walk of everything reachable tells whether
	 * anything changed.  A view that keeps being checked (I/O space
	 * while the VMM reprograms BARs in memory space) is traced after a
	 * few such walks: a traced render costs a few walks, and from then
	 * on a commit that changes nothing it shows costs a scan of what
	 * changed.
	 */
	if (!cur || !cur->trace) {
		if (cur && cur->untraced_checks < UNTRACED_CHECKS_MAX &&
		    !flatview_root_changed_since(root, cur->gen)) {
			cur->untraced_checks++;
			cur->gen = gen;
			return NULL;
		}
		return rerender_full(cur, root, gen);
	}
	/* A root clipped out (size 0) leaves no step: only a change of the
	 * root itself can make anything below it visible. */
	if (cur->trace->nr == 0) {
		if (root->dirty_gen > cur->gen) {
			return rerender_full(cur, root, gen);
		}
		cur->gen = gen;
		return NULL;
	}
	/* The view was current at the previous commit: the regions that
	 * changed since are listed. */
	find_changes(cur->trace, cur->gen,
		     cur->gen + 1 == root->ms->gen &&
				     touched_set_init(&ts, root->ms) ?
			     &ts :
			     NULL,
		     &c);
	if (c.full || cur->unmergeable) {
		return rerender_full(cur, root, gen);
	}
	if (c.nr_span == 0) {
		/* Nothing it shows changed: it is the view of @gen too. */
		cur->gen = gen;
		return NULL;
	}
	merge_windows(&c);
	fv = render_partial(cur, root, gen, &c);
	if (!fv) {
		return rerender_full(cur, root, gen);
	}
	if (!flatview_delta_equal(cur, fv)) {
		return fv;
	}
	/* Nothing visible changed: keep @cur, with the updated trace. */
	keep_current(cur, fv, gen);
	return NULL;
}
