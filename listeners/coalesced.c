/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Coalesced MMIO/PIO parts of I/O regions.
 *
 * Listeners know, for every range of a published view, the coalesced parts
 * of its region that intersect it: the topology diff reports them with
 * region_add and region_del, and adding or clearing parts reports them at
 * once against the published views (framed by begin and commit for the
 * listeners concerned).  Computing both against the published views keeps
 * that invariant even inside an open transaction.
 */
#include "config.h"

#include "listener-internal.h"

struct part_event {
	struct memspace_addrspace *as;
	struct memspace_section sec;
};

struct collect {
	GArray *events;
	struct memspace_addrspace *as;
};

static void
collect_part(void *arg, const struct memspace_section *sec)
{
	struct collect *c = arg;
	struct part_event pe = { c->as, *sec };

	g_array_append_val(c->events, pe);
}

static bool
any_listener_has(GPtrArray *ls, enum listener_cb cb)
{
	for (guint k = 0; ls && k < ls->len; k++) {
		if (listener_has(ls->pdata[k], cb)) {
			return true;
		}
	}
	return false;
}

/*
 * The visible pieces of @mr's parts (or of @only) in every address space
 * with a listener implementing @cb.
 */
static GArray *
collect_events(struct memspace_region *mr, const struct coalesced_part *only,
	       enum listener_cb cb)
{
	struct collect c = {
		g_array_new(FALSE, FALSE, sizeof(struct part_event)), NULL
	};
	GPtrArray *all = mr->ms->addrspaces;

	for (guint i = 0; i < all->len; i++) {
		const struct memspace_flatview *fv;

		c.as = all->pdata[i];
		if (!any_listener_has(addrspace_listeners(c.as), cb)) {
			continue;
		}
		fv = c.as->current;
		for (size_t j = 0; j < fv->nr; j++) {
			if (fv->ranges[j].mr == mr) {
				coalesced_for_each_part(&fv->ranges[j], only,
							collect_part, &c);
			}
		}
	}
	return c.events;
}

/* Report @events framed by begin/commit; -EREMOTEIO if one failed. */
static int
deliver(struct memspace *ms, GArray *events, enum listener_cb cb)
{
	int first = 0;

	if (!events->len) {
		return 0;
	}
	for (guint i = 0; i < events->len; i++) {
		listeners_mark(addrspace_listeners(
			g_array_index(events, struct part_event, i).as), &cb);
	}
	ms->in_callback = true;
	listeners_call_marked(ms->listeners->listeners, LCB_BEGIN, &first);
	for (guint i = 0; i < events->len; i++) {
		struct part_event *pe = &g_array_index(events,
						       struct part_event, i);

		listeners_call(addrspace_listeners(pe->as),
			       &(struct listener_event){ .cb = cb,
							 .sec = &pe->sec },
			       &first);
	}
	listeners_call_marked(ms->listeners->listeners, LCB_COMMIT, &first);
	ms->in_callback = false;
	return first ? -EREMOTEIO : 0;
}

static int
add_locked(struct memspace_region *mr, uint64_t offset, uint64_t size)
{
	struct coalesced_part part = { offset, offset + size - 1 };
	g_autoptr(GArray) events = NULL;

	if (mr->kind != MEMSPACE_REGION_IO) {
		return -ENOTTY;
	}
	if ((u128)offset + size > mr->size) {
		return -ERANGE;
	}
	if (!mr->coalesced) {
		mr->coalesced = g_array_new(FALSE, FALSE, sizeof(part));
	}
	for (guint i = 0; i < mr->coalesced->len; i++) {
		struct coalesced_part *p =
			&g_array_index(mr->coalesced, struct coalesced_part, i);

		if (p->start == part.start && p->last == part.last) {
			return -EEXIST;
		}
	}
	g_array_append_val(mr->coalesced, part);
	events = collect_events(mr, &part, LCB_COALESCED_ADD);
	return deliver(mr->ms, events, LCB_COALESCED_ADD);
}

MEMSPACE_EXPORT int
memspace_region_add_coalescing(struct memspace_region *mr, uint64_t offset,
			       uint64_t size)
{
	int ret;

	if (!mr || size == 0) {
		return -EINVAL;
	}
	ret = updater_enter(mr->ms);
	if (ret < 0) {
		return ret;
	}
	ret = add_locked(mr, offset, size);
	return updater_commit(mr->ms, ret);
}

MEMSPACE_EXPORT int
memspace_region_clear_coalescing(struct memspace_region *mr)
{
	g_autoptr(GArray) events = NULL;
	int ret;

	if (!mr) {
		return -EINVAL;
	}
	ret = updater_enter(mr->ms);
	if (ret < 0) {
		return ret;
	}
	if (mr->coalesced) {
		events = collect_events(mr, NULL, LCB_COALESCED_DEL);
		g_array_free(g_steal_pointer(&mr->coalesced), TRUE);
		ret = deliver(mr->ms, events, LCB_COALESCED_DEL);
	}
	return updater_commit(mr->ms, ret);
}
