/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Flat view lifecycle (reference counting, RCU-deferred free) and the
 * read-only accessors of a published view.
 */
#include "config.h"

#include "flatview-internal.h"
#include "reclaim.h"

struct memspace_flatview *
flatview_new_empty(struct memspace_region *root)
{
	struct memspace_flatview *fv = g_new0(struct memspace_flatview, 1);

	fv->refcount = 1;
	fv->index.tree = &fv->tree;
	fv->root = memspace_region_ref(root);
	/* A view of a root may show any region: hold them back from
	 * reclamation while it lives (see reclaim.h). */
	if (root) {
		fv->epoch = reclaim_view_enter(root->ms);
		fv->serial = ++root->ms->view_serial;
	}
	return fv;
}

static void
flatview_free_rcu(struct rcu_head *head)
{
	struct memspace_flatview *fv =
		caa_container_of(head, struct memspace_flatview, rcu);

	flat_index_free(&fv->index);
	flatview_render_free(fv);
	g_free(fv->delta);
	if (fv->epoch) {
		reclaim_view_exit(fv->root->ms, fv->epoch);
	}
	memspace_region_unref(fv->root);
	g_free(fv);
}

MEMSPACE_EXPORT struct memspace_flatview *
memspace_flatview_ref(struct memspace_flatview *fv)
{
	return fv ? flatview_ref_unless_zero(fv) : NULL;
}

struct memspace_flatview *
flatview_ref_unless_zero(struct memspace_flatview *fv)
{
	gint old = g_atomic_int_get(&fv->refcount);

	do {
		if (old == 0) {
			return NULL;
		}
	} while (!g_atomic_int_compare_and_exchange_full(&fv->refcount, old,
							 old + 1, &old));
	return fv;
}

MEMSPACE_EXPORT struct memspace_flatview *
memspace_flatview_unref(struct memspace_flatview *fv)
{
	/*
	 * Readers inside a read-side section may still walk the view even
	 * after its last reference went: free it after a grace period.
	 */
	if (fv && g_atomic_int_dec_and_test(&fv->refcount)) {
		ms_call_rcu(&fv->rcu, flatview_free_rcu);
	}
	return NULL;
}

MEMSPACE_EXPORT size_t
memspace_flatview_nr_ranges(const struct memspace_flatview *fv)
{
	if (!fv) {
		return 0;
	}
	return fv ? fv->nr : 0;
}

MEMSPACE_EXPORT int
memspace_flatview_get_range(const struct memspace_flatview *fv, size_t index,
			    struct memspace_section *ret_sec)
{
	if (!fv || !ret_sec) {
		return -EINVAL;
	}
	if (index >= fv->nr) {
		return -ERANGE;
	}
	flat_range_to_section(flatview_range(fv, index), ret_sec);
	return 0;
}

MEMSPACE_EXPORT int
memspace_flatview_for_each(const struct memspace_flatview *fv,
			   memspace_flatview_iter_fn fn, void *opaque)
{
	if (!fv || !fn) {
		return -EINVAL;
	}
	struct ft_cursor c;
	const struct flat_range *fr;

	flatview_for_each_range(fv, c, fr) {
		struct memspace_section sec;
		int ret;

		flat_range_to_section(fr, &sec);
		ret = fn(opaque, &sec);
		if (ret) {
			return ret;
		}
	}
	return 0;
}

MEMSPACE_EXPORT struct memspace_region *
memspace_flatview_get_root(const struct memspace_flatview *fv)
{
	if (!fv) {
		return NULL;
	}
	return fv ? fv->root : NULL;
}

size_t
flatview_first_ending_at_or_above(const struct memspace_flatview *fv,
				  uint64_t addr)
{
	return ft_first_ending_at_or_above(&fv->tree, addr);
}

void
flatview_span_meeting(const struct memspace_flatview *fv, uint64_t lo,
		      uint64_t hi, size_t *a, size_t *b)
{
	*a = flatview_first_ending_at_or_above(fv, lo);
	*b = flatview_first_ending_at_or_above(fv, hi);
	if (*b < fv->nr && flatview_range(fv, *b)->start <= hi) {
		(*b)++;
	}
}

bool
flatview_ranges_equal(const struct memspace_flatview *a,
		      const struct memspace_flatview *b)
{
	struct ft_cursor ca, cb;
	const struct flat_range *x, *y;

	if (a->nr != b->nr || a->root != b->root) {
		return false;
	}
	ft_cursor_seek(&cb, &b->tree, 0);
	flatview_for_each_range(a, ca, x) {
		y = ft_cursor_get(&cb);
		if (!flat_range_same(x, y)) {
			return false;
		}
		ft_cursor_next(&cb);
	}
	return true;
}
