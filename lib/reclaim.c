/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Epoch-based reclamation of regions (see reclaim.h): a FIFO of epochs,
 * each counting the live views created in it and holding the regions that
 * died while it was the newest.
 */
#include "config.h"

#include "reclaim.h"
#include "region-internal.h"

struct reclaim_epoch {
	uint64_t seq;
	unsigned live_views;
	GPtrArray *zombies;	/* regions whose count reached zero */
};

static void
push_epoch(struct memspace *ms)
{
	struct reclaim_epoch *e = g_new0(struct reclaim_epoch, 1);

	e->seq = ++ms->reclaim_seq;
	e->zombies = g_ptr_array_new();
	g_queue_push_tail(&ms->reclaim_epochs, e);
}

void
reclaim_init(struct memspace *ms)
{
	g_mutex_init(&ms->reclaim_lock);
	g_queue_init(&ms->reclaim_epochs);
	push_epoch(ms);
}

void
reclaim_finish(struct memspace *ms)
{
	struct reclaim_epoch *e;

	while ((e = g_queue_pop_head(&ms->reclaim_epochs))) {
		assert(e->live_views == 0 && e->zombies->len == 0);
		g_ptr_array_free(e->zombies, TRUE);
		g_free(e);
	}
	g_mutex_clear(&ms->reclaim_lock);
}

struct reclaim_epoch *
reclaim_view_enter(struct memspace *ms)
{
	struct reclaim_epoch *e;

	g_mutex_lock(&ms->reclaim_lock);
	e = g_queue_peek_tail(&ms->reclaim_epochs);
	e->live_views++;
	g_mutex_unlock(&ms->reclaim_lock);
	return e;
}

/*
 * Move the regions of @e that are still dead to @out.  A region that died
 * again later was queued on a newer epoch (its zombie_seq says which); one
 * that was given a reference again since is alive and leaves the queue.
 */
static void
collect_zombies(struct reclaim_epoch *e, GPtrArray *out)
{
	for (guint i = 0; i < e->zombies->len; i++) {
		struct memspace_region *mr = e->zombies->pdata[i];

		if (mr->zombie_seq != e->seq) {
			continue;
		}
		mr->zombie_seq = 0;
		if (g_atomic_int_get(&mr->refcount) == 0) {
			g_ptr_array_add(out, mr);
		}
	}
	g_ptr_array_set_size(e->zombies, 0);
}

/* Reap the oldest epochs that no live view belongs to any more. */
static GPtrArray *
reap_locked(struct memspace *ms)
{
	GPtrArray *out = NULL;
	struct reclaim_epoch *e;

	while ((e = g_queue_peek_head(&ms->reclaim_epochs)) &&
	       e->live_views == 0) {
		if (e->zombies->len) {
			out = out ? out : g_ptr_array_new();
			collect_zombies(e, out);
		}
		if (ms->reclaim_epochs.length == 1) {
			break;	/* keep the newest epoch for new views */
		}
		g_queue_pop_head(&ms->reclaim_epochs);
		g_ptr_array_free(e->zombies, TRUE);
		g_free(e);
	}
	return out;
}

/* Free what reap_locked() collected, outside the reclaim lock. */
static void
free_collected(GPtrArray *dead)
{
	if (!dead) {
		return;
	}
	if (dead->len) {
		region_destroy_all(dead);
	}
	g_ptr_array_free(dead, TRUE);
}

void
reclaim_view_exit(struct memspace *ms, struct reclaim_epoch *e)
{
	GPtrArray *dead;

	g_mutex_lock(&ms->reclaim_lock);
	assert(e->live_views > 0);
	e->live_views--;
	dead = reap_locked(ms);
	g_mutex_unlock(&ms->reclaim_lock);
	free_collected(dead);
}

void
reclaim_region_put_last(struct memspace_region *mr, GPtrArray *dead)
{
	struct memspace *ms = mr->ms;
	struct reclaim_epoch *e;
	GPtrArray *reaped;

	/* Under the lock, so that reaping never races with a count that is
	 * on its way to zero. */
	g_mutex_lock(&ms->reclaim_lock);
	if (!g_atomic_int_dec_and_test(&mr->refcount)) {
		g_mutex_unlock(&ms->reclaim_lock);
		return;
	}
	e = g_queue_peek_tail(&ms->reclaim_epochs);
	g_ptr_array_add(e->zombies, mr);
	mr->zombie_seq = e->seq;
	/* Views created from now on cannot show @mr: give them a new epoch
	 * so they do not hold it back. */
	if (e->live_views) {
		push_epoch(ms);
	}
	reaped = reap_locked(ms);
	g_mutex_unlock(&ms->reclaim_lock);
	if (reaped) {
		g_ptr_array_extend_and_steal(dead, reaped);
	}
}

void
reclaim_region_unref_last(struct memspace_region *mr)
{
	GPtrArray *dead = g_ptr_array_new();

	reclaim_region_put_last(mr, dead);
	free_collected(dead);
}
