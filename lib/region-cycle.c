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
 * The rule: rendering a region with its whole extent visible (the most any
 * root can show of it) must not pass through that region nested in itself
 * more than REGION_NEST_MAX times, nor take more than NEST_STEPS_MAX steps
 * inside such nested passes.  Only a mutation that closes a cycle, or
 * changes the geometry of a region on one, can break the rule, and only
 * for cycles through that region, so the check walks from it alone, and
 * only after a bidirectional search found a cycle; that search costs
 * O(min(what the region reaches, what reaches it)), so building a tree in
 * any order stays linear.  Disabled regions count as enabled (they may be
 * enabled later, and render traces walk them).
 *
 * Reference cycles: an alias holds a reference on its target, so such a
 * cycle also holds itself alive.  Once the graph had a cycle, dropping a
 * reference checks (trial deletion) whether what the region reaches is
 * now held only from inside, and frees it by dropping the alias edges.
 */
#include "config.h"

#include "region-internal.h"

#define NEST_STEPS_MAX (1u << 20)
/*
 * Steps of a walk from the top of the tree: fan-out through aliases of
 * ancestors (a container holding two aliases of itself) multiplies the
 * steps of every render below without nesting any one region deeply.
 */
#define WALK_STEPS_MAX (1u << 22)

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
	struct memspace *ms = from->ms;
	g_autoptr(GPtrArray) fs = g_ptr_array_new();
	g_autoptr(GPtrArray) bs = g_ptr_array_new();
	uint64_t e = (ms->visit_epoch += 2);
	struct search fwd = { fs, e - 1, e, true };
	struct search bwd = { bs, e, e - 1, false };
	bool met = false;

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
	while (!met && fs->len && bs->len) {
		met = search_step(&fwd) || search_step(&bwd);
	}
	return met;
}

/* ---- the window-aware check ------------------------------------------------ */

struct nest_frame {
	struct memspace_region *mr;
	i128 base;
	i128 cs, ce; /* clip, unbounded: the walk is shift-invariant */
	uint32_t nest; /* passes through the checked region above */
};

/*
 * Walk @x as the renderer would with its whole extent visible (ignoring
 * enabled flags) and count how deeply it nests in itself; with
 * @max_steps, also refuse a walk of more steps than that in all.
 */
static int
check_walk(struct memspace_region *x, size_t max_steps)
{
	g_autoptr(GArray) stack = g_array_new(FALSE, FALSE,
					      sizeof(struct nest_frame));
	struct nest_frame f = { x, 0, 0, (i128)x->size, 0 };
	size_t nested_steps = 0, steps = 0;

	g_array_append_val(stack, f);
	while (stack->len) {
		struct memspace_region *child;
		i128 cs, ce;

		f = g_array_index(stack, struct nest_frame, stack->len - 1);
		g_array_set_size(stack, stack->len - 1);
		cs = f.base > f.cs ? f.base : f.cs;
		ce = f.base + (i128)f.mr->size < f.ce ?
			     f.base + (i128)f.mr->size : f.ce;
		if (cs >= ce) {
			continue;
		}
		if ((f.nest && ++nested_steps > NEST_STEPS_MAX) ||
		    ++steps > max_steps) {
			return -ELOOP;
		}
		if (f.mr->alias) {
			struct nest_frame t = {
				f.mr->alias, f.base - (i128)f.mr->alias_offset,
				cs, ce, f.nest + (f.mr->alias == x),
			};

			if (t.nest > REGION_NEST_MAX) {
				return -ELOOP;
			}
			g_array_append_val(stack, t);
		}
		region_for_each_child(child, f.mr) {
			struct nest_frame c = {
				child, f.base + (i128)child->addr, cs, ce,
				f.nest + (child == x),
			};

			if (c.base >= ce || c.base + (i128)child->size <= cs) {
				continue;
			}
			if (c.nest > REGION_NEST_MAX) {
				return -ELOOP;
			}
			g_array_append_val(stack, c);
		}
	}
	return 0;
}

static int
check_nesting(struct memspace_region *x)
{
	struct memspace_region *top = x;
	int ret;

	/* Renders start at any ancestor: bound the fan-out from the top,
	 * in the same walk when @x is the top. */
	while (top->parent) {
		top = top->parent;
	}
	if (top == x) {
		return check_walk(x, WALK_STEPS_MAX);
	}
	ret = check_walk(x, SIZE_MAX);
	return ret ? ret : check_walk(top, WALK_STEPS_MAX);
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
	int ret;

	if (!graph_meets(child, parent, false, false)) {
		return 0;
	}
	if (is_ancestor(child, parent)) {
		return -ELOOP;
	}
	/* Link @child for the walk (at the head: order does not matter). */
	next = parent->first_child;
	child->addr = offset;
	child->priority = priority;
	child->parent = parent;
	child->next_sibling = next;
	parent->first_child = child;
	ret = check_nesting(child);
	parent->first_child = next;
	child->parent = NULL;
	child->next_sibling = NULL;
	/* An unmapped region keeps its address: as an address space's root,
	 * it shifts the view (memspace_region_set_address()). */
	child->addr = old_addr;
	child->priority = old_priority;
	if (ret == 0) {
		parent->ms->cyclic = true;
	}
	return ret;
}

int
region_check_geometry(struct memspace_region *mr)
{
	if (!graph_meets(mr, mr, true, true)) {
		return 0;
	}
	return check_nesting(mr);
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
