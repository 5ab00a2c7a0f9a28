/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Cycles in the region graph.  Subregion edges form a forest, but an alias
 * may show one of its own ancestors (Arm's SSE-200 maps the secure
 * peripheral window onto the non-secure one that way).  QEMU renders that
 * because the alias's window never reaches the alias again; what it cannot
 * render is a cycle that the windows keep open: the same region shown
 * inside itself at the same place, or sliding by so little per pass that
 * the recursion practically never ends.
 *
 * The rule has two parts.  First, rendering a region with its whole
 * extent visible (the most any root can show of it) must not pass through
 * that region nested in itself more than REGION_NEST_MAX times, nor take
 * more than NEST_STEPS_MAX steps inside such nested passes.  Only a
 * mutation that closes a cycle, or changes the geometry of a region on
 * one, can break that, and only for cycles through that region, so the
 * check walks from it alone.
 *
 * Second, several cycles through one region multiply each other without
 * nesting any one region deeply (a container holding two aliases of itself
 * forks at every pass), and what multiplies depends on the window a root
 * gives them, which no region's own extent bounds: an ancestor may clip
 * the cycle away entirely while an address space rooted below it shows it
 * whole.  So the render of every address space, from its root, must take
 * at most NEST_STEPS_MAX steps inside nested passes (a pass through a
 * region the walk is already inside, and all below it).  Acyclic parts
 * count nothing, so a large tree is never refused for its size.  It is
 * checked, for the roots whose render reaches the change, by any mapping
 * or geometry change of a region that reaches a cycle (moving a cycle
 * into a root's window counts), and by creating an address space on a
 * root that reaches one.
 *
 * Every cycle passes through the child of the mapping that closed it
 * (the last of its edges made), which is kept in ms->cycle_seeds; whether
 * a region reaches a cycle, or closes one, is a bidirectional search that
 * costs O(min(what the region reaches, what reaches the other side)), so
 * building a tree in any order stays linear, and without a cycle nothing
 * more is done.  Disabled regions count as enabled (they may be enabled
 * later, and render traces walk them).
 *
 * Reference cycles: an alias holds a reference on its target, so such a
 * cycle also holds itself alive.  Once the graph had a cycle, dropping a
 * reference checks (trial deletion) whether what the region reaches is
 * now held only from inside, and frees it by dropping the alias edges.
 */
#include "config.h"

#include "addrspace-internal.h"
#include "region-internal.h"

/* Steps a render may take inside nested passes (both parts of the rule). */
#define NEST_STEPS_MAX (1u << 20)

/* ---- reachability --------------------------------------------------------- */

struct search {
	GPtrArray *stack;
	uint64_t mark; /* this side's */
	uint64_t other; /* the other side's */
	bool forward;
};

/* Visit @mr from @s's side: true if the other side got there first. */
static bool
search_visit(struct search *s, struct memspace_region *mr)
{
	if (mr->visit_mark == s->other) {
		return true;
	}
	if (mr->visit_mark != s->mark) {
		mr->visit_mark = s->mark;
		g_ptr_array_add(s->stack, mr);
	}
	return false;
}

/* Expand one region of @s's side: true if the sides met. */
static bool
search_step(struct search *s)
{
	struct memspace_region *mr =
		g_ptr_array_steal_index_fast(s->stack, s->stack->len - 1);
	struct memspace_region *child;

	if (s->forward) {
		if (mr->alias && search_visit(s, mr->alias)) {
			return true;
		}
		region_for_each_child(child, mr) {
			if (search_visit(s, child)) {
				return true;
			}
		}
		return false;
	}
	if (mr->parent && search_visit(s, mr->parent)) {
		return true;
	}
	for (guint i = 0; mr->aliased_by && i < mr->aliased_by->len; i++) {
		if (search_visit(s, mr->aliased_by->pdata[i])) {
			return true;
		}
	}
	return false;
}

/* A forward search on @fs and a backward one on @bs, with fresh marks. */
static void
search_pair_init(struct memspace *ms, struct search *fwd, GPtrArray *fs,
		 struct search *bwd, GPtrArray *bs)
{
	uint64_t e = (ms->visit_epoch += 2);

	*fwd = (struct search){ fs, e - 1, e, true };
	*bwd = (struct search){ bs, e, e - 1, false };
}

/* Advance both sides in turn until they meet or either runs out. */
static bool
search_meet(struct search *fwd, struct search *bwd, bool met)
{
	while (!met && fwd->stack->len && bwd->stack->len) {
		met = search_step(fwd) || search_step(bwd);
	}
	return met;
}

/*
 * Whether some region reachable from @from (inclusive, through subregion
 * and alias edges) reaches @to's side: @to itself if @to_is_pred is false,
 * else a region with an edge into @to.  Both sides advance in turn, and
 * the search stops when either runs out.
 */
static bool
graph_meets(struct memspace_region *from, struct memspace_region *to,
	    bool from_succ, bool to_pred)
{
	g_autoptr(GPtrArray) fs = g_ptr_array_new();
	g_autoptr(GPtrArray) bs = g_ptr_array_new();
	struct search fwd, bwd;
	bool met = false;

	search_pair_init(from->ms, &fwd, fs, &bwd, bs);

	/* Seeds: @from (or its successors) forward, @to (or its
	 * predecessors) backward. */
	if (from_succ) {
		g_ptr_array_add(fs, from);
		met = search_step(&fwd);
	} else {
		search_visit(&fwd, from);
	}
	if (to_pred) {
		g_ptr_array_add(bs, to);
		met |= search_step(&bwd);
	} else {
		met |= search_visit(&bwd, to);
	}
	return search_meet(&fwd, &bwd, met);
}

static bool
has_cycle_seeds(const struct memspace *ms)
{
	return ms->cycle_seeds && ms->cycle_seeds->len;
}

/*
 * Whether @from reaches (or is) a region of ms->cycle_seeds, that is, a
 * cycle: searched from both sides like graph_meets(), so the cost is
 * that of the smaller of what @from reaches and what reaches the seeds.
 */
static bool
reaches_cycle(struct memspace_region *from)
{
	g_autoptr(GPtrArray) fs = g_ptr_array_new();
	g_autoptr(GPtrArray) bs = g_ptr_array_new();
	struct search fwd, bwd;
	bool met = false;

	search_pair_init(from->ms, &fwd, fs, &bwd, bs);

	search_visit(&fwd, from);
	for (guint i = 0; i < from->ms->cycle_seeds->len; i++) {
		met |= search_visit(&bwd, from->ms->cycle_seeds->pdata[i]);
	}
	return search_meet(&fwd, &bwd, met);
}

static void
seed_add(struct memspace_region *mr)
{
	struct memspace *ms = mr->ms;

	if (mr->cycle_seed) {
		return;
	}
	if (!ms->cycle_seeds) {
		ms->cycle_seeds = g_ptr_array_new();
	}
	mr->cycle_seed = true;
	g_ptr_array_add(ms->cycle_seeds, mr);
}

void
region_cycle_forget(struct memspace_region *mr)
{
	if (mr->cycle_seed) {
		g_ptr_array_remove_fast(mr->ms->cycle_seeds, mr);
		mr->cycle_seed = false;
	}
}

/* ---- the window-aware check ------------------------------------------------ */

struct walk_frame {
	struct memspace_region *mr;
	i128 base;
	i128 cs, ce; /* clip, unbounded: the walk is shift-invariant */
	uint32_t nest; /* passes through the counted region above */
	bool nested; /* inside a pass through a region walked further up */
	bool leave; /* marks the end of @mr's subtree */
};

/* Push the step into @mr at @base: -ELOOP if it nests @x too deeply. */
static int
walk_push(GArray *stack, const struct walk_frame *from,
	  struct memspace_region *mr, i128 base, struct memspace_region *x)
{
	struct walk_frame f = {
		mr, base, from->cs, from->ce, from->nest + (mr == x),
		from->nested, false,
	};

	if (f.nest > REGION_NEST_MAX) {
		return -ELOOP;
	}
	g_array_append_val(stack, f);
	return 0;
}

/*
 * Walk @from as the renderer would with its whole extent visible
 * (ignoring enabled flags): -ELOOP if it passes through @x nested in
 * itself more than REGION_NEST_MAX times or takes more than
 * NEST_STEPS_MAX steps inside such passes; with @x NULL, if it takes more
 * than NEST_STEPS_MAX steps inside nested passes through any region.
 */
static int
check_walk(struct memspace_region *from, struct memspace_region *x)
{
	g_autoptr(GArray) stack = g_array_new(FALSE, FALSE,
					      sizeof(struct walk_frame));
	struct walk_frame f = { from, 0, 0, (i128)from->size, 0, false, false };
	size_t nested_steps = 0;
	int ret = 0;

	g_array_append_val(stack, f);
	while (stack->len && !ret) {
		struct memspace_region *child;

		f = g_array_index(stack, struct walk_frame, stack->len - 1);
		g_array_set_size(stack, stack->len - 1);
		if (f.leave) {
			f.mr->on_walk--;
			continue;
		}
		f.cs = f.base > f.cs ? f.base : f.cs;
		f.ce = f.base + (i128)f.mr->size < f.ce ?
			       f.base + (i128)f.mr->size : f.ce;
		if (f.cs >= f.ce) {
			continue;
		}
		f.nested |= f.mr->on_walk > 0;
		if ((x ? f.nest != 0 : f.nested) &&
		    ++nested_steps > NEST_STEPS_MAX) {
			ret = -ELOOP;
			break;
		}
		/* Left after its subtree, which is pushed above. */
		f.mr->on_walk++;
		f.leave = true;
		g_array_append_val(stack, f);
		f.leave = false;
		if (f.mr->alias) {
			ret = walk_push(stack, &f, f.mr->alias,
					f.base - (i128)f.mr->alias_offset, x);
		}
		region_for_each_child(child, f.mr) {
			i128 base = f.base + (i128)child->addr;

			if (ret || base >= f.ce ||
			    base + (i128)child->size <= f.cs) {
				continue;
			}
			ret = walk_push(stack, &f, child, base, x);
		}
	}
	/* Leave the regions the walk was still inside. */
	for (guint i = 0; i < stack->len; i++) {
		f = g_array_index(stack, struct walk_frame, i);
		if (f.leave) {
			f.mr->on_walk--;
		}
	}
	return ret;
}

/*
 * Walk the root of every address space whose render reaches @changed:
 * -ELOOP if one takes more than NEST_STEPS_MAX steps inside nested
 * passes.  Renders start only there, and each root shows what it shows
 * whatever the rest of the tree clips.
 */
static int
check_roots(struct memspace_region *changed)
{
	struct memspace *ms = changed->ms;
	g_autoptr(GPtrArray) stack = g_ptr_array_new();
	uint64_t e = (ms->visit_epoch += 2);
	struct search up = { stack, e, e - 1, false };

	search_visit(&up, changed);
	while (stack->len) {
		search_step(&up);
	}
	for (guint i = 0; i < ms->addrspaces->len; i++) {
		struct memspace_addrspace *as = ms->addrspaces->pdata[i];
		int ret;

		if (as->root->visit_mark != e) {
			continue;
		}
		as->root->visit_mark = e - 1; /* walked: once is enough */
		ret = check_walk(as->root, NULL);
		if (ret < 0) {
			return ret;
		}
	}
	return 0;
}

/* Whether @mr is @of or one of its ancestors. */
static bool
is_ancestor(const struct memspace_region *mr, const struct memspace_region *of)
{
	for (; of; of = of->parent) {
		if (of == mr) {
			return true;
		}
	}
	return false;
}

int
region_check_add(struct memspace_region *parent, struct memspace_region *child,
		 uint64_t offset, int32_t priority)
{
	struct memspace_region *next;
	uint64_t old_addr = child->addr;
	int32_t old_priority = child->priority;
	bool closes = graph_meets(child, parent, false, false);
	int ret;

	if (closes && is_ancestor(child, parent)) {
		return -ELOOP;
	}
	/* Only a cycle can make renders long: one closed here, or one
	 * @child brings into the views that show @parent. */
	if (!closes && (!has_cycle_seeds(parent->ms) || !reaches_cycle(child))) {
		return 0;
	}
	/* Link @child for the walks (at the head: order does not matter). */
	next = parent->first_child;
	child->addr = offset;
	child->priority = priority;
	child->parent = parent;
	child->next_sibling = next;
	parent->first_child = child;
	ret = closes ? check_walk(child, child) : 0;
	if (ret == 0) {
		ret = check_roots(parent);
	}
	parent->first_child = next;
	child->parent = NULL;
	child->next_sibling = NULL;
	/* An unmapped region keeps its address: as an address space's root,
	 * it shifts the view (memspace_region_set_address()). */
	child->addr = old_addr;
	child->priority = old_priority;
	if (ret == 0 && closes) {
		parent->ms->cyclic = true;
		seed_add(child);
	}
	return ret;
}

int
region_check_geometry(struct memspace_region *mr)
{
	int ret;

	/* Without a cycle, no geometry makes renders long. */
	if (!has_cycle_seeds(mr->ms)) {
		return 0;
	}
	if (graph_meets(mr, mr, true, true)) {
		ret = check_walk(mr, mr);
		if (ret < 0) {
			return ret;
		}
	} else if (!reaches_cycle(mr)) {
		return 0;
	}
	return check_roots(mr);
}

int
region_check_root(struct memspace_region *root)
{
	if (!has_cycle_seeds(root->ms) || !reaches_cycle(root)) {
		return 0;
	}
	return check_walk(root, NULL);
}

/* ---- reference cycles ------------------------------------------------------ */

/* Add @mr to @set (and @index) unless it is there already. */
static void
set_add(GPtrArray *set, GHashTable *index, struct memspace_region *mr)
{
	if (!g_hash_table_contains(index, mr)) {
		g_hash_table_insert(index, mr, GUINT_TO_POINTER(set->len + 1));
		g_ptr_array_add(set, mr);
	}
}

/* Everything reachable from @from, with an index per region. */
static void
reach_all(struct memspace_region *from, GPtrArray *set, GHashTable *index)
{
	set_add(set, index, from);
	for (guint i = 0; i < set->len; i++) {
		struct memspace_region *mr = set->pdata[i];
		struct memspace_region *child;

		if (mr->alias) {
			set_add(set, index, mr->alias);
		}
		region_for_each_child(child, mr) {
			set_add(set, index, child);
		}
	}
}

static guint
index_of(GHashTable *index, const struct memspace_region *mr)
{
	return GPOINTER_TO_UINT(g_hash_table_lookup(index, mr)) - 1;
}

/* Regions of @set held from outside it, and all they reach, are live. */
static void
mark_live(GPtrArray *set, GHashTable *index, const gint *internal,
	  bool *live)
{
	g_autoptr(GPtrArray) stack = g_ptr_array_new();

	for (guint i = 0; i < set->len; i++) {
		struct memspace_region *mr = set->pdata[i];

		if (g_atomic_int_get(&mr->refcount) > internal[i]) {
			live[i] = true;
			g_ptr_array_add(stack, mr);
		}
	}
	while (stack->len) {
		struct memspace_region *mr =
			g_ptr_array_steal_index_fast(stack, stack->len - 1);
		struct memspace_region *child;
		guint k;

		if (mr->alias && !live[k = index_of(index, mr->alias)]) {
			live[k] = true;
			g_ptr_array_add(stack, mr->alias);
		}
		region_for_each_child(child, mr) {
			if (!live[k = index_of(index, child)]) {
				live[k] = true;
				g_ptr_array_add(stack, child);
			}
		}
	}
}

/* Drop the alias edges of the dead part of what @cand reaches. */
static void
collect_from(struct memspace_region *cand, GPtrArray *dead)
{
	g_autoptr(GPtrArray) set = g_ptr_array_new();
	g_autoptr(GHashTable) index = g_hash_table_new(NULL, NULL);
	g_autoptr(GPtrArray) targets = g_ptr_array_new();
	g_autofree gint *internal = NULL;
	g_autofree bool *live = NULL;

	reach_all(cand, set, index);
	internal = g_new0(gint, set->len);
	live = g_new0(bool, set->len);
	internal[0] = 1; /* the caller's reference on @cand */
	for (guint i = 0; i < set->len; i++) {
		struct memspace_region *mr = set->pdata[i];
		struct memspace_region *child;

		if (mr->alias) {
			internal[index_of(index, mr->alias)]++;
		}
		region_for_each_child(child, mr) {
			internal[index_of(index, child)]++;
		}
	}
	mark_live(set, index, internal, live);
	for (guint i = 0; i < set->len; i++) {
		struct memspace_region *mr = set->pdata[i];

		if (!live[i] && mr->alias) {
			g_ptr_array_remove_fast(mr->alias->aliased_by, mr);
			g_ptr_array_add(targets, mr->alias);
			mr->alias = NULL;
		}
	}
	for (guint i = 0; i < targets->len; i++) {
		region_put(targets->pdata[i], dead, NULL);
	}
}

void
region_collect_cycles(GPtrArray *cands, GPtrArray *dead)
{
	while (cands->len) {
		struct memspace_region *mr =
			g_ptr_array_steal_index_fast(cands, cands->len - 1);

		collect_from(mr, dead);
		region_put(mr, dead, NULL);
	}
}
