/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The commit pipeline, and the constructor that installs it.
 *
 * A mutation or transaction that closes the outermost updater frame
 * (updater_commit(), lib/context.c) reaches commit_pipeline() through the
 * context's commit hook (struct commit_hook, lib/memspace-private.h).  The
 * pipeline runs these steps in order, each a function of its own:
 *
 *  1. render   - flatview_rerender() for each changed root    (flatview/)
 *  2. publish  - addrspace_publish_views()                     (flatview/)
 *  3. diff     - topology_diff() and ioeventfd_set_diff()      (listeners/)
 *  4. notify   - listener_update_run(): begin, queued events, the diffs,
 *                commit, through listeners_deliver()       (listeners/)
 *  5. release  - drop the old views (freed after a grace period)
 *
 * memspace_new() lives here because it is the one function that knows
 * every layer: it builds the model's context and hangs the views' and the
 * listeners' state off it.
 */
#include "config.h"

#include "listener-internal.h"
#include "pool.h"

/*
 * Whether an address space whose view changed has listeners or an
 * ioeventfd set: if none has (a VMM's DMA spaces), there is nobody to
 * tell, and steps 3 and 4 are skipped.
 */
static bool
any_listened(GArray *changes)
{
	for (guint i = 0; i < changes->len; i++) {
		if (g_array_index(changes, struct as_change, i).as->lst) {
			return true;
		}
	}
	return false;
}

/* Steps 3 and 4: tell the listeners of every changed address space. */
static int
notify_changes(struct memspace *ms, GArray *changes)
{
	struct listener_update *up = listener_update_new(ms);

	for (guint i = 0; i < changes->len; i++) {
		struct as_change *ch = &g_array_index(changes, struct as_change, i);

		listener_update_add_view(up, ch->as, ch->old_fv);
	}
	return listener_update_run(up);
}

/* Step 5: the old views stayed referenced while listeners read them. */
static void
release_old_views(GArray *changes)
{
	for (guint i = 0; i < changes->len; i++) {
		memspace_flatview_unref(
			g_array_index(changes, struct as_change, i).old_fv);
	}
	g_array_free(changes, TRUE);
}

/* The commit: called through ms->hook at depth 0, updater lock held. */
static int
commit_pipeline(struct memspace *ms)
{
	GArray *changes;
	int ret = 0;

	if (!ms->pending && !ms->ioeventfd_pending &&
	    !listener_queue_pending(ms)) {
		return 0;
	}
	if (ms->pending) {
		ms->pending = false;
		changes = addrspace_publish_views(ms, ms->gen);
		ms->gen++;
		ms->nr_touched = 0;
		ms->touched_overflow = false;
	} else {
		/* Only ioeventfds changed: nothing is re-rendered. */
		changes = g_array_new(FALSE, FALSE, sizeof(struct as_change));
	}
	if (ms->ioeventfd_pending || listener_queue_pending(ms) ||
	    any_listened(changes)) {
		ret = notify_changes(ms, changes);
	}
	release_old_views(changes);
	return ret;
}

static void
context_finish(struct memspace *ms)
{
	listener_registry_free(ms->listeners);
	addrspace_slots_free(ms);
	/* The empty view references no region, so it can go straight away. */
	memspace_flatview_unref(ms->empty_view);
	/* Every other view went before the context (each holds its root,
	 * which holds the context), giving its blocks back. */
	view_pools_free(ms->view_pools);
}

static const struct commit_hook commit_hook = {
	.commit = commit_pipeline,
	.addrspace_detach = listeners_detach_addrspace,
	.finish = context_finish,
};

MEMSPACE_EXPORT struct memspace *
memspace_new(void)
{
	struct memspace *ms = context_new(&commit_hook);

	ms->empty_view = flatview_new_empty(NULL);
	ms->view_pools = view_pools_new();
	ms->listeners = listener_registry_new();
	return ms;
}
