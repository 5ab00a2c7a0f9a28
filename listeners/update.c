/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The notify step of a commit, after the new views are published: begin
 * (to the listeners of every address space whose view or ioeventfd set
 * changed, and to those queued events are for), the queued coalesced
 * events, one topology diff per changed view, one ioeventfd diff per
 * changed set, commit; queued global dirty-logging events around them
 * (listeners/deliver.c gives the whole order).  The old views stay
 * referenced by the caller until this returns, so every section handed out
 * stays valid.
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
	bool marked;		/* some listener gets begin and commit */
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

/* Rebuild the ioeventfd set of @as; remember it if it changed. */
static void
rebuild_set(struct listener_update *up, struct memspace_addrspace *as)
{
	struct set_change sc = { as, NULL };

	if (!as->lst || !as->lst->nr_eventfd) {
		return;
	}
	sc.new_set = ioeventfd_set_build(as->current);
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
			rebuild_set(up, ms->addrspaces->pdata[i]);
		}
		return;
	}
	for (guint i = 0; i < up->views->len; i++) {
		rebuild_set(up, g_array_index(up->views, struct view_change,
					      i).as);
	}
}

/* Mark the listeners queued coalesced events are for. */
static bool
mark_queued(struct memspace *ms)
{
	GArray *q = ms->listeners->queue;
	bool any = false;

	for (guint i = 0; q && i < q->len; i++) {
		struct queued_event *qe = &g_array_index(q, struct queued_event,
							 i);
		GPtrArray *ls = qe->as && !qe->dead ? addrspace_listeners(qe->as)
						    : NULL;

		for (guint k = 0; ls && k < ls->len; k++) {
			struct memspace_listener *l = ls->pdata[k];

			if (queued_for(l, qe, i)) {
				l->in_update = true;
				any = true;
			}
		}
	}
	return any;
}

/* Mark every listener that takes part; false if there is none. */
static bool
mark_listeners(struct listener_update *up)
{
	bool any = mark_queued(up->ms);

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

/* The net queued global event @cb to every listener due it. */
static void
send_queued_global(GPtrArray *all, enum listener_cb cb, int *first)
{
	struct listener_event ev = { .cb = cb };
	bool down = listener_cb_descending(cb);

	for (guint k = 0; k < all->len; k++) {
		struct memspace_listener *l =
			all->pdata[down ? all->len - 1 - k : k];

		if (listener_queued_global(l) == cb) {
			listener_call(l, &ev, first);
		}
	}
}

/* Queued coalesced events, in queue order, each in its direction. */
static void
send_queued_sections(struct memspace *ms, int *first)
{
	GArray *q = ms->listeners->queue;

	for (guint i = 0; q && i < q->len; i++) {
		struct queued_event *qe = &g_array_index(q, struct queued_event,
							 i);
		struct listener_event ev = { .cb = qe->cb, .sec = &qe->sec };
		GPtrArray *ls = qe->as && !qe->dead ? addrspace_listeners(qe->as)
						    : NULL;
		bool down = listener_cb_descending(qe->cb);

		for (guint k = 0; ls && k < ls->len; k++) {
			struct memspace_listener *l =
				ls->pdata[down ? ls->len - 1 - k : k];

			if (queued_for(l, qe, i)) {
				listener_call(l, &ev, first);
			}
		}
	}
}

/* Replace @sc's address space's ioeventfd set, reporting the diff. */
static void
send_set_change(struct set_change *sc, int *first)
{
	struct as_listeners *al = sc->as->lst;

	ioeventfd_set_diff(al->listeners, al->ioeventfds, sc->new_set, first);
	/* The old set's descriptors close a grace period later. */
	ioeventfd_set_free(al->ioeventfds);
	al->ioeventfds = g_steal_pointer(&sc->new_set);
}

/* The whole update, in the order listeners/deliver.c documents. */
static void
send_update(void *arg, int *first)
{
	struct listener_update *up = arg;
	GPtrArray *all = up->ms->listeners->listeners;

	send_queued_global(all, LCB_LOG_GLOBAL_START, first);
	if (up->marked) {
		listeners_call_marked(all, LCB_BEGIN, first);
		send_queued_sections(up->ms, first);
		for (guint i = 0; i < up->views->len; i++) {
			struct view_change *vc =
				&g_array_index(up->views, struct view_change, i);

			topology_diff(vc->as, vc->old_fv, vc->as->current,
				      first);
		}
		for (guint i = 0; i < up->sets->len; i++) {
			send_set_change(&g_array_index(up->sets,
						       struct set_change, i),
					first);
		}
		listeners_call_marked(all, LCB_COMMIT, first);
	}
	send_queued_global(all, LCB_LOG_GLOBAL_STOP, first);
}

int
listener_update_run(struct listener_update *up)
{
	struct memspace *ms = up->ms;
	int first = 0;

	collect_sets(up);
	ms->ioeventfd_pending = false;
	up->marked = mark_listeners(up);
	if (up->marked || listener_queue_pending(ms)) {
		first = listeners_deliver(ms, send_update, up);
	}
	listener_queue_clear(ms);
	g_array_free(up->views, TRUE);
	g_array_free(up->sets, TRUE);
	g_free(up);
	return first ? -EREMOTEIO : 0;
}
