/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A full render replayed from the last one.  When a commit changed too
 * many regions for the windowed re-render (update.c), the tree is not
 * walked again from the root: the last full render left its pieces in
 * walk order, and their order by start, in the view's scratch, and its
 * trace says how many pieces each step's subtree emitted.  The replay
 * scans the trace as a commit's change scan does: a subtree in which
 * nothing changed keeps its pieces (one copy), a changed one is walked
 * again from its step (with the clip, flags and enable state the trace
 * recorded), and the steps in between are entered.  The old order by start
 * loses the pieces of the re-walked subtrees and is merged with theirs,
 * sorted; the sweep (render.c) then makes the ranges as a full render
 * does.  So a full commit reads the regions on the paths to the changes,
 * not the whole tree, and sorts only what was re-walked.
 *
 * The trace is patched in place, so the replay applies when every
 * re-walked subtree kept its steps (regions enabled, disabled, moved or
 * resized within their parents' clips, flags changed).  When one did not,
 * or the root itself changed, the caller walks the whole tree.
 */
#include "config.h"

#include <string.h>

#include "render-internal.h"

/*
 * A run of the new pieces: @n pieces of the re-walks from @from on, in
 * place of the old pieces [@old, @old + @old_n); or (@from == UINT32_MAX)
 * the old ones, @old_n == @n.
 */
struct replay_seg {
	uint32_t old;
	uint32_t old_n;
	uint32_t from;
	uint32_t n;
};

/* A step entered by the scan: its subtree ends at step @end. */
struct replay_open {
	uint32_t step;
	uint32_t end;
	uint32_t op; /* old pieces consumed when entered */
	uint32_t np; /* new pieces made when entered */
};

struct replay {
	struct render_trace *t;
	uint64_t gen;
	struct render walk; /* the re-walks' pieces */
	struct render_trace walk_trace; /* one re-walk's steps */
	GArray *segs;
	uint32_t op, np;
	bool in_place; /* every re-walk kept its pieces' number and starts */
};

static void
seg_add(struct replay *rp, uint32_t old, uint32_t old_n, uint32_t from,
	uint32_t n)
{
	struct replay_seg *last =
		rp->segs->len ?
			&g_array_index(rp->segs, struct replay_seg,
				       rp->segs->len - 1) :
			NULL;

	if (!old_n && !n) {
		return;
	}
	if (from == UINT32_MAX && last && last->from == UINT32_MAX &&
	    last->old + last->old_n == old) {
		last->old_n += n;
		last->n += n;
	} else {
		g_array_append_val(rp->segs, ((struct replay_seg){
						     old, old_n, from, n }));
	}
	rp->op += old_n;
	rp->np += n;
}

/*
 * Whether a subregion of step @i's region changed and now shows within the
 * step's clipped extent without a step of its own (it was clipped out):
 * the step's subtree then changes shape.
 */
static bool
untraced_child_shows(struct render_trace *t, size_t i, uint64_t gen)
{
	const struct visit *v = &t->v[i];
	const struct memspace_region *mr = v->mr, *child;
	i128 base = visit_base(v, v->addr);
	i128 cs = (i128)v->cs > base ? (i128)v->cs : base;
	i128 ce = (i128)v->ce_m1 + 1;
	unsigned steps = 0;

	if (mr->alias) {
		return false; /* an alias's subregions are not rendered */
	}
	/* Every subregion has a step: none was clipped out. */
	for (size_t j = i + 1; j < v->end; j = t->v[j].end) {
		steps++;
	}
	if (steps == mr->nr_children) {
		return false;
	}
	if (base + (i128)mr->size < ce) {
		ce = base + (i128)mr->size;
	}
	region_for_each_child(child, mr) {
		i128 s = base + (i128)child->addr;

		if (child->dirty_gen > gen && s < ce &&
		    s + (i128)child->size > cs && !trace_has_child(t, i, child)) {
			return true;
		}
	}
	return false;
}

/*
 * Whether the subregions with a step under step @i come in the order of
 * its region's list (a move re-links a subregion first among its equals).
 */
static bool
children_in_order(const struct render_trace *t, size_t i)
{
	const struct memspace_region *c = t->v[i].mr->first_child;

	if (t->v[i].mr->alias) {
		return true;
	}
	for (size_t j = i + 1; j < t->v[i].end; j = t->v[j].end) {
		while (c && c != t->v[j].mr) {
			c = c->next_sibling;
		}
		if (!c) {
			return false;
		}
		c = c->next_sibling;
	}
	return true;
}

/* Walk step @i's subtree again in place; false if its steps changed. */
static bool
rewalk(struct replay *rp, size_t i)
{
	struct visit *v = &rp->t->v[i];
	struct render_trace *wt = &rp->walk_trace;
	size_t len = v->end - i, p0 = rp->walk.nr;

	wt->nr = 0;
	wt->nr_alias = 0;
	rp->walk.emit = v->emit;
	render_region(&rp->walk, v->mr, visit_base(v, v->mr->addr), v->cs,
		      (u128)v->ce_m1 + 1, v->flags, v->via_alias);
	if (wt->overflow || wt->nr != len) {
		return false;
	}
	for (size_t j = 0; j < len; j++) {
		if (wt->v[j].mr != v[j].mr ||
		    wt->v[j].via_alias != v[j].via_alias ||
		    wt->v[j].end - j != v[j].end - (i + j)) {
			return false;
		}
	}
	if (rp->in_place) {
		/* Not offset before use: the array is NULL while no render
		 * kept a piece. */
		const struct piece *old = rp->walk.scratch
						  ->buf[SCRATCH_REPLAY_PIECES];

		rp->in_place = rp->walk.nr - p0 == v->nr_pieces;
		for (size_t j = 0; rp->in_place && j < v->nr_pieces; j++) {
			rp->in_place = old[rp->op + j].start ==
				       rp->walk.pieces[p0 + j].start;
		}
	}
	seg_add(rp, rp->op, v->nr_pieces, (uint32_t)p0,
		(uint32_t)(rp->walk.nr - p0));
	for (size_t j = 0; j < len; j++) {
		wt->v[j].end += (uint32_t)i;
	}
	memcpy(v, wt->v, len * sizeof(*v));
	return true;
}

/* The steps of @t marked stale, in order (g_free them); NULL if none. */
static uint32_t *
list_stale(const struct render_trace *t, size_t *ret_nr)
{
	uint32_t *out;
	size_t n = 0;

	*ret_nr = 0;
	if (!t->nr_stale) {
		return NULL;
	}
	out = g_new(uint32_t, MIN(t->nr_stale, t->nr));
	for (size_t i = 0; i < t->nr && n < t->nr_stale; i++) {
		if (t->v[i].stale) {
			out[n++] = (uint32_t)i;
		}
	}
	*ret_nr = n;
	return out;
}

/*
 * Scan the trace (see find_changes() in update.c) and lay out the new
 * pieces; false to give up.  Steps are patched as the scan leaves them
 * (a caller that gives up renders in full, recycling the whole trace).
 */
static bool
replay_scan(struct replay *rp)
{
	struct render_trace *t = rp->t;
	g_autoptr(GArray) open = g_array_new(FALSE, FALSE,
					     sizeof(struct replay_open));
	size_t nr_forced, fi = 0, nr_stale = 0, si = 0;
	g_autofree uint32_t *forced =
		trace_changed_alias_steps(t, rp->gen, NULL, &nr_forced);
	g_autofree uint32_t *stale = list_stale(t, &nr_stale);

	for (size_t i = 0;;) {
		const struct visit *v;
		const struct memspace_region *mr;

		while (open->len &&
		       i == g_array_index(open, struct replay_open,
					  open->len - 1)
				       .end) {
			struct replay_open *o = &g_array_index(
				open, struct replay_open, open->len - 1);
			uint32_t own = t->v[o->step].nr_pieces - (rp->op - o->op);

			/* The step's own piece comes after its subtree's. */
			seg_add(rp, rp->op, own, UINT32_MAX, own);
			t->v[o->step].nr_pieces = rp->np - o->np;
			g_array_set_size(open, open->len - 1);
		}
		if (i >= t->nr) {
			return true;
		}
		v = &t->v[i];
		mr = v->mr;
		if (i + 4 < t->nr) {
			__builtin_prefetch(&t->v[i + 4].mr->dirty_gen);
		}
		if (v->stale || mr->dirty_gen > rp->gen ||
		    (mr->child_dirty_gen > rp->gen &&
		     untraced_child_shows(t, i, rp->gen))) {
			if (i == 0 || !rewalk(rp, i)) {
				return false;
			}
			i = v->end;
			continue;
		}
		/*
		 * A subregion moved past another since the pieces were made
		 * (now, or in a windowed commit, which leaves the steps in
		 * their old order): the order of the pieces changes.  The
		 * moved region changed then, so its parent is not skipped.
		 */
		if (mr->relink_gen > t->pieces_gen && !children_in_order(t, i)) {
			return false;
		}
		if (mr->subtree_dirty_gen <= rp->gen &&
		    (v->pure ||
		     !trace_forced_inside(forced, nr_forced, &fi, i, v->end)) &&
		    !trace_forced_inside(stale, nr_stale, &si, i, v->end)) {
			seg_add(rp, rp->op, v->nr_pieces, UINT32_MAX,
				v->nr_pieces);
			i = v->end;
			continue;
		}
		g_array_append_val(open, ((struct replay_open){
						 (uint32_t)i, v->end, rp->op,
						 rp->np }));
		i++;
	}
}

/*
 * Every re-walk gave as many pieces as before, starting where they did
 * (regions enabled or disabled, flags changed): overwrite them, and keep
 * the order by start.
 */
static void
replay_pieces_in_place(struct replay *rp, struct render *out)
{
	struct render_scratch *sc = rp->walk.scratch;
	struct piece *p = sc->buf[SCRATCH_REPLAY_PIECES];

	for (guint s = 0; s < rp->segs->len; s++) {
		const struct replay_seg *g =
			&g_array_index(rp->segs, struct replay_seg, s);

		if (g->from != UINT32_MAX && g->n) {
			memcpy(p + g->old, rp->walk.pieces + g->from,
			       g->n * sizeof(*p));
		}
	}
	*out = (struct render){ .pieces = p, .nr = rp->np, .cap = rp->np,
				.scratch = sc, .emit = true };
}

/*
 * The new pieces in walk order, and their order by start: the old order
 * without the re-walked pieces, merged with the re-walks' own, sorted.
 */
static void
replay_pieces(struct replay *rp, struct render *out)
{
	if (rp->in_place) {
		replay_pieces_in_place(rp, out);
		return;
	}

	struct render_scratch *sc = rp->walk.scratch;
	uint32_t nr_old = rp->op, nr = rp->np, nr_walk = (uint32_t)rp->walk.nr;
	const struct piece *old = sc->buf[SCRATCH_REPLAY_PIECES];
	const struct sort_item *old_items = sc->buf[SCRATCH_REPLAY_ITEMS];
	struct piece *p = render_scratch_get(sc, SCRATCH_REPLAY_PIECES_NEXT,
					     nr * sizeof(*p), false);
	struct sort_item *items = render_scratch_get(
		sc, SCRATCH_REPLAY_ITEMS_NEXT, nr * sizeof(*items), false);
	struct sort_item *walk_items = render_scratch_get(
		sc, SCRATCH_SPAN_ITEMS, nr_walk * sizeof(*walk_items), false);
	struct sort_item *tmp = render_scratch_get(
		sc, SCRATCH_TMP, nr_walk * sizeof(*tmp), false);
	uint32_t *map = render_scratch_get(sc, SCRATCH_MAP,
					   nr_old * sizeof(*map), false);
	uint32_t at = 0;
	size_t k = 0, n = 0;

	for (guint s = 0; s < rp->segs->len; s++) {
		const struct replay_seg *g =
			&g_array_index(rp->segs, struct replay_seg, s);

		if (g->from == UINT32_MAX) {
			memcpy(p + at, old + g->old, g->n * sizeof(*p));
			for (uint32_t j = 0; j < g->n; j++) {
				map[g->old + j] = at + j;
			}
		} else {
			if (g->n) { /* the walk's array may be NULL */
				memcpy(p + at, rp->walk.pieces + g->from,
				       g->n * sizeof(*p));
			}
			for (uint32_t j = 0; j < g->old_n; j++) {
				map[g->old + j] = UINT32_MAX;
			}
			for (uint32_t j = 0; j < g->n; j++) {
				walk_items[k++] = (struct sort_item){
					p[at + j].start, at + j
				};
			}
		}
		at += g->n;
	}
	sort_nearly_sorted(walk_items, tmp, nr_walk);
	k = 0;
	for (uint32_t j = 0; j < nr_old; j++) {
		uint32_t to = map[old_items[j].val];

		if (to == UINT32_MAX) {
			continue;
		}
		while (k < nr_walk && walk_items[k].key < old_items[j].key) {
			items[n++] = walk_items[k++];
		}
		items[n++] = (struct sort_item){ old_items[j].key, to };
	}
	while (k < nr_walk) {
		items[n++] = walk_items[k++];
	}
	/* The new arrays become the scratch's. */
	for (int b = 0; b < 2; b++) {
		enum scratch_buf x = b ? SCRATCH_REPLAY_ITEMS :
					 SCRATCH_REPLAY_PIECES;
		enum scratch_buf y = b ? SCRATCH_REPLAY_ITEMS_NEXT :
					 SCRATCH_REPLAY_PIECES_NEXT;
		void *buf = sc->buf[x];
		size_t bytes = sc->bytes[x];

		sc->buf[x] = sc->buf[y];
		sc->bytes[x] = sc->bytes[y];
		sc->buf[y] = buf;
		sc->bytes[y] = bytes;
	}
	*out = (struct render){ .pieces = p, .nr = nr, .cap = nr,
				.scratch = sc, .emit = true };
}

struct memspace_flatview *
render_replay(struct memspace_flatview *cur, struct memspace_region *root,
	      uint64_t gen)
{
	struct render_trace *t = cur->trace;
	struct render_scratch *sc = cur->scratch;
	struct replay rp;
	struct render r;
	struct memspace_flatview *fv;
	struct ft_builder b;
	unsigned flags;
	bool ok;

	if (!t || !sc || sc->replay != t || !t->nr || t->v[0].mr != root) {
		return NULL;
	}
	rp = (struct replay){
		.t = t,
		.gen = cur->gen,
		.walk = { .scratch = sc, .pieces_buf = SCRATCH_SPAN_PIECES },
		.segs = g_array_new(FALSE, FALSE, sizeof(struct replay_seg)),
		.in_place = true,
	};
	rp.walk.trace = &rp.walk_trace;
	ok = replay_scan(&rp);
	g_free(rp.walk_trace.v);
	if (ok) {
		replay_pieces(&rp, &r);
	}
	g_array_free(rp.segs, TRUE);
	if (!ok) {
		return NULL;
	}
	fv = flatview_new_empty(root);
	fv->gen = gen;
	ft_builder_init(&b);
	(void)render_sweep(&r, sc->buf[SCRATCH_REPLAY_ITEMS],
			   &(struct range_sink){ .b = &b }, &flags);
	ft_builder_finish(&b, &fv->tree);
	render_finish(fv, flags);
	t->nr_stale = 0; /* every stale step was walked again */
	t->pieces_gen = gen;
	sc->nr_replays++;
	fv->scratch = sc;
	fv->trace = t;
	cur->scratch = NULL;
	cur->trace = NULL;
	return fv;
}
