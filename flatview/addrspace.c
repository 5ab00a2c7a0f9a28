/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Address spaces, and the render and publish steps of a commit (the whole
 * pipeline reads top to bottom in listeners/commit.c).
 *
 * addrspace_publish_views() computes every address space's reduced root;
 * gets one view per distinct root (reusing the published one when nothing
 * reachable from the root changed, or when a re-render produced identical
 * ranges); and publishes every changed view with rcu_assign_pointer().
 */
#include "config.h"

#include <string.h>

#include "addrspace-internal.h"

static struct as_slot *
slot(const struct memspace *ms, guint i)
{
	return &g_array_index(ms->as_slots, struct as_slot, i);
}

/* A published view for @root that is still current, if any. */
static struct memspace_flatview *
find_current_view(struct memspace *ms, struct memspace_region *root)
{
	for (guint i = 0; ms->as_slots && i < ms->as_slots->len; i++) {
		struct memspace_flatview *cur = slot(ms, i)->current;

		if (cur && cur->root == root) {
			return cur;
		}
	}
	return NULL;
}

static void groups_free(struct memspace *ms);

void
addrspace_slots_free(struct memspace *ms)
{
	groups_free(ms);
	if (ms->as_slots) {
		g_array_free(ms->as_slots, TRUE);
	}
}

/*
 * The view an address space with reduced root @root should show now,
 * rendered at generation @gen if needed; @hint, if it is @root's, is the
 * published view for @root.  Returns a new reference.
 */
static struct memspace_flatview *
view_for_root(struct memspace *ms, struct memspace_region *root, uint64_t gen,
	      struct memspace_flatview *hint)
{
	struct memspace_flatview *cur, *fv;

	if (!root) {
		return memspace_flatview_ref(ms->empty_view);
	}
	cur = hint && hint->root == root ? hint : find_current_view(ms, root);
	/* NULL: nothing visible changed, keep the published view. */
	fv = flatview_rerender(cur, root, gen);
	return fv ? fv : memspace_flatview_ref(cur);
}

/* The views of one commit, one per distinct reduced root. */
#define FEW_ROOTS 8

struct root_views {
	struct memspace_region *root[FEW_ROOTS];
	struct memspace_flatview *fv[FEW_ROOTS];
	unsigned nr;
	GHashTable *more;	/* past FEW_ROOTS roots */
};

static void
view_unref_notify(gpointer fv)
{
	memspace_flatview_unref(fv);
}

static struct memspace_flatview *
root_views_find(const struct root_views *rv, struct memspace_region *root)
{
	for (unsigned k = 0; k < rv->nr; k++) {
		if (rv->root[k] == root) {
			return rv->fv[k];
		}
	}
	return rv->more ? g_hash_table_lookup(rv->more, root) : NULL;
}

/* Keep @fv (a reference, dropped by root_views_free()) for @root. */
static void
root_views_add(struct root_views *rv, struct memspace_region *root,
	       struct memspace_flatview *fv)
{
	if (rv->nr < FEW_ROOTS) {
		rv->root[rv->nr] = root;
		rv->fv[rv->nr++] = fv;
		return;
	}
	if (!rv->more) {
		rv->more = g_hash_table_new_full(NULL, NULL, NULL,
						 view_unref_notify);
	}
	g_hash_table_insert(rv->more, root, fv);
}

static void
root_views_free(struct root_views *rv)
{
	for (unsigned k = 0; k < rv->nr; k++) {
		memspace_flatview_unref(rv->fv[k]);
	}
	if (rv->more) {
		g_hash_table_destroy(rv->more);
	}
}

/*
 * The slots grouped by reduced root.  While no commit changes what a
 * reduction reads, the groups stand: a commit renders one view per group,
 * and publishes it to the group's slots only if it changed, so that its
 * cost follows the number of distinct roots and of address spaces whose
 * view changed, not the number of address spaces (a VMM's hundreds of DMA
 * spaces).  Every slot of a group shows the same view.
 */
struct as_group {
	struct memspace_region *root;
	guint first;		/* the group's first slot */
};

struct as_groups {
	uint64_t gen;		/* the commit at which every reduction held */
	guint nr;
	struct as_group *g;
	guint nr_slots;
	guint *group_of;	/* per slot */
	uint64_t any_bloom;	/* the slots' reductions' blooms, together */
	/* The slots whose reduction's bloom has bit b set:
	 * by_bit[bit_start[b] .. bit_start[b + 1]). */
	guint bit_start[65];
	guint *by_bit;
	guint *next;		/* per slot: the next slot of its group, or
				 * nr_slots */
};

static void
as_groups_destroy(struct as_groups *gr)
{
	g_free(gr->g);
	g_free(gr->group_of);
	g_free(gr->by_bit);
	g_free(gr->next);
	g_free(gr);
}

static void
groups_free(struct memspace *ms)
{
	if (ms->as_groups) {
		as_groups_destroy(ms->as_groups);
		ms->as_groups = NULL;
	}
}

/* Group the slots after a commit @gen that reduced every root; NULL if a
 * reduction is not kept (too many dependencies). */
static struct as_groups *
groups_build(struct memspace *ms, uint64_t gen)
{
	guint n = ms->as_slots ? ms->as_slots->len : 0;
	struct as_groups *gr = g_new0(struct as_groups, 1);
	g_autoptr(GHashTable) by_root = g_hash_table_new(NULL, NULL);
	g_autofree guint *last = NULL;
	guint fill[64];

	gr->gen = gen;
	gr->nr_slots = n;
	gr->g = g_new(struct as_group, n ? n : 1);
	gr->group_of = g_new(guint, n ? n : 1);

	gr->next = g_new(guint, n ? n : 1);
	last = g_new(guint, n ? n : 1);
	for (guint i = 0; i < n; i++) {
		const struct as_slot *sl = slot(ms, i);
		const struct root_reduction *rr = &sl->reduction;
		gpointer v;
		guint k;

		if (rr->gen != gen) {
			as_groups_destroy(gr);
			return NULL;
		}
		if (g_hash_table_lookup_extended(by_root, rr->root, NULL, &v)) {
			k = GPOINTER_TO_UINT(v);
			if (sl->current != slot(ms, gr->g[k].first)->current) {
				as_groups_destroy(gr);
				return NULL;
			}
			gr->next[last[k]] = i;
		} else {
			k = gr->nr++;
			gr->g[k] = (struct as_group){ rr->root, i };
			g_hash_table_insert(by_root, rr->root,
					    GUINT_TO_POINTER(k));
		}
		last[k] = i;
		gr->next[i] = n;
		gr->group_of[i] = k;
		gr->any_bloom |= rr->bloom;
		for (unsigned b = 0; b < 64; b++) {
			gr->bit_start[b + 1] += (rr->bloom >> b) & 1;
		}
	}
	/* Lay out the lists by bit (counts, then starts, then fill). */
	for (unsigned b = 0; b < 64; b++) {
		gr->bit_start[b + 1] += gr->bit_start[b];
	}
	gr->by_bit = g_new(guint, gr->bit_start[64] ? gr->bit_start[64] : 1);
	memcpy(fill, gr->bit_start, sizeof(fill));
	for (guint i = 0; i < n; i++) {
		uint64_t bloom = slot(ms, i)->reduction.bloom;

		for (unsigned b = 0; b < 64; b++) {
			if ((bloom >> b) & 1) {
				gr->by_bit[fill[b]++] = i;
			}
		}
	}
	return gr;
}

/*
 * Whether every slot's reduction of commit @gr->gen holds after @ts: only
 * slots sharing a bloom bit with a region whose own attributes or
 * subregions changed are checked.
 */
static bool
groups_hold(const struct memspace *ms, const struct as_groups *gr,
	    const struct touched_set *ts)
{
	uint64_t bits = ts->attr_bloom & gr->any_bloom;

	while (bits) {
		unsigned b = (unsigned)__builtin_ctzll(bits);

		bits &= bits - 1;
		for (guint j = gr->bit_start[b]; j < gr->bit_start[b + 1]; j++) {
			if (!flatview_reduction_holds(
				    &slot(ms, gr->by_bit[j])->reduction, ts,
				    gr->gen)) {
				return false;
			}
		}
	}
	return true;
}

static int
guint_cmp(gconstpointer a, gconstpointer b)
{
	guint x = *(const guint *)a, y = *(const guint *)b;

	return (x > y) - (x < y);
}

/* The commit @gen through the groups: one view per group. */
static GArray *
publish_groups(struct memspace *ms, struct as_groups *gr, uint64_t gen)
{
	GArray *changes;
	/* Few groups and few changed slots, as a rule: on the stack. */
	struct memspace_flatview *views_buf[16] = { NULL };
	struct memspace_flatview **views =
		gr->nr <= G_N_ELEMENTS(views_buf) ?
			views_buf :
			g_new0(struct memspace_flatview *, gr->nr);
	guint changed_buf[64], *changed = changed_buf;
	guint nr_changed = 0, nr_groups = 0;

	for (guint k = 0; k < gr->nr; k++) {
		struct as_slot *first = slot(ms, gr->g[k].first);
		struct memspace_flatview *fv =
			view_for_root(ms, gr->g[k].root, gen, first->current);

		if (fv == first->current) {
			memspace_flatview_unref(fv);
			continue;
		}
		views[k] = fv;
		nr_groups++;
		for (guint i = gr->g[k].first; i < gr->nr_slots;
		     i = gr->next[i]) {
			if (nr_changed == G_N_ELEMENTS(changed_buf) &&
			    changed == changed_buf) {
				changed = g_new(guint, gr->nr_slots);
				memcpy(changed, changed_buf, sizeof(changed_buf));
			}
			changed[nr_changed++] = i;
		}
	}
	/* In creation order, as a walk over every slot would give them
	 * (each group's own slots come in order). */
	if (nr_groups > 1) {
		qsort(changed, nr_changed, sizeof(*changed), guint_cmp);
	}
	changes = g_array_sized_new(FALSE, FALSE, sizeof(struct as_change),
				    nr_changed);
	g_array_set_size(changes, nr_changed);
	for (guint j = 0; j < nr_changed; j++) {
		struct as_slot *sl = slot(ms, changed[j]);
		struct memspace_flatview *fv = views[gr->group_of[changed[j]]];

		g_array_index(changes, struct as_change, j) =
			(struct as_change){ sl->as, sl->current };
		sl->current = fv;
		addrspace_publish_view(sl->as, memspace_flatview_ref(fv));
	}
	for (guint k = 0; k < gr->nr; k++) {
		memspace_flatview_unref(views[k]);
	}
	if (views != views_buf) {
		g_free(views);
	}
	if (changed != changed_buf) {
		g_free(changed);
	}
	gr->gen = gen;
	return changes;
}

GArray *
addrspace_publish_views(struct memspace *ms, uint64_t gen)
{
	struct root_views rv = { .nr = 0 };
	GArray *changes;
	struct memspace_region *last_root = NULL;
	struct memspace_flatview *last_fv = NULL;
	struct touched_set touched;
	const struct touched_set *ts =
		touched_set_init(&touched, ms) ? &touched : NULL;
	struct as_groups *gr = ms->as_groups;

	if (ts && gr && gr->gen + 1 == gen && groups_hold(ms, gr, ts)) {
		return publish_groups(ms, gr, gen);
	}
	groups_free(ms);
	changes = g_array_new(FALSE, FALSE, sizeof(struct as_change));
	for (guint i = 0; ms->as_slots && i < ms->as_slots->len; i++) {
		struct as_slot *sl = slot(ms, i);
		struct memspace_region *root = flatview_reduce_root_cached(
			sl->root, &sl->reduction, ts, gen);
		struct memspace_flatview *fv;
		struct as_change ch = { sl->as, sl->current };

		/* Many address spaces in a row share a root (a VMM's DMA
		 * spaces all show system memory): skip the lookup for them. */
		fv = last_fv && root == last_root ? last_fv :
						    root_views_find(&rv, root);
		if (!fv) {
			fv = view_for_root(ms, root, gen, sl->current);
			root_views_add(&rv, root, fv);
		}
		last_root = root;
		last_fv = fv;
		if (fv == sl->current) {
			continue;
		}
		sl->current = fv;
		addrspace_publish_view(sl->as, memspace_flatview_ref(fv));
		g_array_append_val(changes, ch);
	}
	root_views_free(&rv);
	if (ts) {
		ms->as_groups = groups_build(ms, gen);
	}
	return changes;
}

MEMSPACE_EXPORT struct memspace_addrspace *
memspace_addrspace_create(struct memspace *ms, const char *name,
		       struct memspace_region *root)
{
	struct memspace_addrspace *as;
	struct memspace_region *reduced;

	if (!ms || !name || !root) {
		errno = EINVAL;
		return NULL;
	}
	if (root->ms != ms) {
		errno = EXDEV;
		return NULL;
	}
	if (updater_enter(ms) < 0) {
		errno = EDEADLK;
		return NULL;
	}
	if (region_check_root(root) < 0) {
		updater_commit(ms, -ELOOP);
		errno = ELOOP;
		return NULL;
	}
	as = g_new0(struct memspace_addrspace, 1);
	as->ms = memspace_ref(ms);
	as->name = g_strdup(name);
	as->root = memspace_region_ref(root);
	/*
	 * Share the view already published for the same reduced root (inside
	 * an open transaction that is the pre-transaction view, as in QEMU),
	 * or render one from the current tree.  Either way the commit ending
	 * the transaction re-checks it.
	 */
	reduced = flatview_reduce_root(root);
	as->current = reduced ? find_current_view(ms, reduced) : NULL;
	if (as->current) {
		memspace_flatview_ref(as->current);
	} else {
		as->current = view_for_root(ms, reduced, ms->gen - 1, NULL);
	}
	g_ptr_array_add(ms->addrspaces, as);
	if (!ms->as_slots) {
		ms->as_slots = g_array_new(FALSE, TRUE, sizeof(struct as_slot));
	}
	groups_free(ms);
	g_array_append_val(ms->as_slots, ((struct as_slot){
		.as = as, .root = root, .current = as->current }));
	updater_commit(ms, 0);
	return as;
}

static void
addrspace_free_rcu(struct rcu_head *head)
{
	struct memspace_addrspace *as =
		caa_container_of(head, struct memspace_addrspace, rcu);
	struct memspace *ms = as->ms;

	memspace_flatview_unref(as->current);
	memspace_region_unref(as->root);
	memspace_region_unref(as->machine_ram);
	g_free(as->name);
	g_free(as);
	memspace_unref_internal(ms);
}

MEMSPACE_EXPORT int
memspace_addrspace_destroy(struct memspace_addrspace *as)
{
	struct memspace *ms;
	int ret;

	if (!as) {
		return 0;
	}
	ms = as->ms;
	ret = updater_enter(ms);
	if (ret < 0) {
		return ret;
	}
	ms->hook->addrspace_detach(as);
	g_ptr_array_remove(ms->addrspaces, as);
	groups_free(ms);
	for (guint i = 0; i < ms->as_slots->len; i++) {
		if (slot(ms, i)->as == as) {
			g_array_remove_index(ms->as_slots, i);
			break;
		}
	}
	updater_commit(ms, 0);
	/* Readers may still hold @as itself: free it after a grace period. */
	ms_call_rcu(&as->rcu, addrspace_free_rcu);
	return 0;
}

MEMSPACE_EXPORT const char *
memspace_addrspace_get_name(const struct memspace_addrspace *as)
{
	if (!as) {
		return NULL;
	}
	return as->name;
}

MEMSPACE_EXPORT struct memspace_region *
memspace_addrspace_get_root(const struct memspace_addrspace *as)
{
	if (!as) {
		return NULL;
	}
	return as->root;
}

MEMSPACE_EXPORT struct memspace *
memspace_addrspace_get_context(const struct memspace_addrspace *as)
{
	if (!as) {
		return NULL;
	}
	return as->ms;
}

MEMSPACE_EXPORT int
memspace_addrspace_set_machine_ram(struct memspace_addrspace *as,
				   struct memspace_region *mr)
{
	struct memspace_region *old;

	if (!as) {
		return -EINVAL;
	}
	if (mr && mr->ms != as->ms) {
		return -EXDEV;
	}
	updater_lock(as->ms);
	old = as->machine_ram;
	as->machine_ram = memspace_region_ref(mr);
	updater_unlock(as->ms);
	memspace_region_unref(old);
	return 0;
}

MEMSPACE_EXPORT struct memspace_region *
memspace_addrspace_get_machine_ram(const struct memspace_addrspace *as)
{
	if (!as) {
		return NULL;
	}
	return as->machine_ram;
}

MEMSPACE_EXPORT int
memspace_addrspace_set_hyp_ioeventfd_enabled(struct memspace_addrspace *as,
					   bool enabled)
{
	int ret = 0;

	if (!as) {
		return -EINVAL;
	}
	updater_lock(as->ms);
	if (as->hyp_ioeventfd_set) {
		ret = -EALREADY;
	} else {
		as->hyp_ioeventfd_set = true;
		as->hyp_ioeventfd_enabled = enabled;
	}
	updater_unlock(as->ms);
	return ret;
}

MEMSPACE_EXPORT bool
memspace_addrspace_get_hyp_ioeventfd_enabled(const struct memspace_addrspace *as)
{
	if (!as) {
		return false;
	}
	return as->hyp_ioeventfd_enabled;
}

MEMSPACE_EXPORT struct memspace_flatview *
memspace_addrspace_get_flatview_rcu(struct memspace_addrspace *as)
{
	return as ? rcu_dereference(as->current) : NULL;
}

MEMSPACE_EXPORT struct memspace_flatview *
memspace_addrspace_get_flatview(struct memspace_addrspace *as)
{
	struct memspace_flatview *fv;

	if (!as) {
		return NULL;
	}
	ms_rcu_read_lock();
	/* A view whose count already reached zero is being replaced:
	 * the pointer has moved on, so read it again. */
	do {
		fv = rcu_dereference(as->current);
	} while (!flatview_ref_unless_zero(fv));
	ms_rcu_read_unlock();
	return fv;
}
