/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Coalesced MMIO/PIO parts of I/O regions.
 *
 * Listeners know, for every range of a published view, the coalesced parts
 * of its region that intersect it: the topology diff reports them with
 * region_add and region_del, and adding or clearing parts queues their
 * events, computed against the published views, for the commit that closes
 * the updater frame (listeners/deliver.c), which delivers them after begin
 * and before the topology diff.  Computing both against the published
 * views keeps that invariant even inside an open transaction.
 */
#include "config.h"

#include "listener-internal.h"

struct collect {
	struct memspace_addrspace *as;
	enum listener_cb cb;
};

static void
queue_part(void *arg, const struct memspace_section *sec)
{
	struct collect *c = arg;

	listener_queue_section(c->as, c->cb, sec);
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
 * Queue @cb for the visible pieces of @mr's parts (or of @only) in every
 * address space with a listener implementing @cb; the commit closing the
 * updater frame delivers them (listeners/deliver.c).
 */
static void
queue_events(struct memspace_region *mr, const struct coalesced_part *only,
	     enum listener_cb cb)
{
	struct collect c = { NULL, cb };
	GPtrArray *all = mr->ms->addrspaces;

	for (guint i = 0; i < all->len; i++) {
		const struct memspace_flatview *fv;
		struct ft_cursor fc;
		const struct flat_range *fr;

		c.as = all->pdata[i];
		if (!any_listener_has(addrspace_listeners(c.as), cb)) {
			continue;
		}
		fv = c.as->current;
		flatview_for_each_range(fv, fc, fr) {
			if (fr->mr == mr) {
				coalesced_for_each_part(fr, only, queue_part,
							&c);
			}
		}
	}
}

static int
add_locked(struct memspace_region *mr, uint64_t offset, uint64_t size)
{
	struct coalesced_part part = { offset, offset + size - 1 };

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
	queue_events(mr, &part, LCB_COALESCED_ADD);
	return 0;
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
	int ret;

	if (!mr) {
		return -EINVAL;
	}
	ret = updater_enter(mr->ms);
	if (ret < 0) {
		return ret;
	}
	if (mr->coalesced) {
		queue_events(mr, NULL, LCB_COALESCED_DEL);
		g_array_free(g_steal_pointer(&mr->coalesced), TRUE);
	}
	return updater_commit(mr->ms, ret);
}
