/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Delivery of what one commit changed, after the new views are published:
 * begin (to the listeners of every address space whose view or ioeventfd
 * set changed), one topology diff per changed view, one ioeventfd diff per
 * changed set, commit.  The old views stay referenced by the caller until
 * this returns, so every section handed out stays valid.
 */
#include "config.h"

#include "listener-internal.h"

struct view_change {
	struct memspace_addrspace *as;
	struct memspace_flatview *old_fv;
};

struct set_change {
	struct memspace_addrspace *as;
	GArray *new_set;
};

struct listener_update {
	struct memspace *ms;
	GArray *views;		/* struct view_change */
	GArray *sets;		/* struct set_change */
};

struct listener_update *
listener_update_new(struct memspace *ms)
{
	struct listener_update *up = g_new0(struct listener_update, 1);

	up->ms = ms;
	up->views = g_array_new(FALSE, FALSE, sizeof(struct view_change));
	up->sets = g_array_new(FALSE, FALSE, sizeof(struct set_change));
	return up;
}

void
listener_update_add_view(struct listener_update *up,
			 struct memspace_addrspace *as,
			 struct memspace_flatview *old_fv)
{
	struct view_change vc = { as, old_fv };

	g_array_append_val(up->views, vc);
}

/*
 * Rebuild the ioeventfd set of @as, which showed @old_fv (NULL: unknown,
 * or the regions' ioeventfds changed); remember it if it changed.
 */
static void
rebuild_set(struct listener_update *up, struct memspace_addrspace *as,
	    const struct memspace_flatview *old_fv)
{
	struct as_listeners *al = as->lst;
	struct set_change sc = { as, NULL };

	if (!al || !al->nr_eventfd) {
		return;
	}
	sc.new_set = old_fv && al->set_serial == old_fv->serial ?
			     ioeventfd_set_update(al->ioeventfds, old_fv,
						  as->current) :
			     ioeventfd_set_build(as->current);
	al->set_serial = as->current->serial;
	if (ioeventfd_set_equal(as->lst->ioeventfds, sc.new_set)) {
		ioeventfd_set_free(sc.new_set);
		return;
	}
	g_array_append_val(up->sets, sc);
}

/*
 * Sets change where a view changed or, after an ioeventfd was added or
 * removed, anywhere: views are not re-rendered for that.
 */
static void
collect_sets(struct listener_update *up)
{
	struct memspace *ms = up->ms;

	if (ms->ioeventfd_pending) {
		for (guint i = 0; i < ms->addrspaces->len; i++) {
			rebuild_set(up, ms->addrspaces->pdata[i], NULL);
		}
		return;
	}
	for (guint i = 0; i < up->views->len; i++) {
		struct view_change *vc =
			&g_array_index(up->views, struct view_change, i);

		rebuild_set(up, vc->as, vc->old_fv);
	}
}

/* Mark every listener that takes part; false if there is none. */
static bool
mark_listeners(struct listener_update *up)
{
	bool any = false;

	for (guint i = 0; i < up->views->len; i++) {
		struct view_change *vc =
			&g_array_index(up->views, struct view_change, i);

		listeners_mark(addrspace_listeners(vc->as), NULL);
		any = any || addrspace_listeners(vc->as) != NULL;
	}
	for (guint i = 0; i < up->sets->len; i++) {
		struct set_change *sc =
			&g_array_index(up->sets, struct set_change, i);

		listeners_mark(addrspace_listeners(sc->as), NULL);
		any = true;
	}
	return any;
}

static void
deliver(struct listener_update *up, int *first)
{
	GPtrArray *all = up->ms->listeners->listeners;

	listeners_call_marked(all, LCB_BEGIN, first);
	for (guint i = 0; i < up->views->len; i++) {
		struct view_change *vc =
			&g_array_index(up->views, struct view_change, i);

		topology_diff(vc->as, vc->old_fv, vc->as->current, first);
	}
	for (guint i = 0; i < up->sets->len; i++) {
		struct set_change *sc =
			&g_array_index(up->sets, struct set_change, i);
		struct as_listeners *al = sc->as->lst;

		ioeventfd_set_diff(al->listeners, al->ioeventfds, sc->new_set,
				   first);
		/* The old set's descriptors close a grace period later. */
		ioeventfd_set_free(al->ioeventfds);
		al->ioeventfds = g_steal_pointer(&sc->new_set);
	}
	listeners_call_marked(all, LCB_COMMIT, first);
}

int
listener_update_run(struct listener_update *up)
{
	struct memspace *ms = up->ms;
	int first = 0;

	collect_sets(up);
	ms->ioeventfd_pending = false;
	if (mark_listeners(up)) {
		ms->in_callback = true;
		deliver(up, &first);
		ms->in_callback = false;
	}
	g_array_free(up->views, TRUE);
	g_array_free(up->sets, TRUE);
	g_free(up);
	return first ? -EREMOTEIO : 0;
}
