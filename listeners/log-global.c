/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Global dirty logging (migration) and the log_sync fan-out: the dirty-log
 * operations that call listeners.  The masks they change are kept by the
 * model (lib/dirty-log.c).
 */
#include "config.h"

#include <limits.h>

#include "listener-internal.h"

/* log_global_start on every listener; all or nothing. */
static void
send_global_start(void *arg, int *first)
{
	GPtrArray *all = arg;
	struct listener_event start = { .cb = LCB_LOG_GLOBAL_START };
	struct listener_event stop = { .cb = LCB_LOG_GLOBAL_STOP };
	int ret = 0;
	guint i;

	for (i = 0; i < all->len; i++) {
		ret = listener_call_raw(all->pdata[i], &start);
		if (ret < 0) {
			*first = ret;
			break;
		}
	}
	if (ret < 0) {
		while (i-- > 0) {
			(void)listener_call_raw(all->pdata[i], &stop);
		}
	}
}

/*
 * Start global logging for the listeners.  Outside a transaction this is
 * immediate and all or nothing, so that the caller gets the listener's
 * error and logging stays off (QEMU also calls log_global_start at once).
 * Inside one, log_global_start is queued for the commit that reports the
 * transaction (listeners/deliver.c), which cannot take it back: a failing
 * listener is out of sync and that commit returns -EREMOTEIO.
 */
static int
global_start_listeners(struct memspace *ms)
{
	if (ms->depth > 1) {
		listener_queue_global(ms, LCB_LOG_GLOBAL_START);
		return 0;
	}
	return listeners_deliver(ms, send_global_start,
				 ms->listeners->listeners);
}

MEMSPACE_EXPORT int
memspace_log_global_start(struct memspace *ms)
{
	int ret;

	if (!ms) {
		return -EINVAL;
	}
	ret = updater_enter(ms);
	if (ret < 0) {
		return ret;
	}
	if (ms->log_global == UINT_MAX) {
		return updater_commit(ms, -EOVERFLOW);
	}
	if (ms->log_global++ == 0) {
		ret = global_start_listeners(ms);
		if (ret < 0) {
			ms->log_global = 0;
			return updater_commit(ms, ret);
		}
		dirty_log_update_all_masks(ms);
	}
	return updater_commit(ms, 0);
}

MEMSPACE_EXPORT int
memspace_log_global_stop(struct memspace *ms)
{
	int ret;

	if (!ms) {
		return -EINVAL;
	}
	ret = updater_enter(ms);
	if (ret < 0) {
		return ret;
	}
	if (ms->log_global == 0) {
		return updater_commit(ms, -EALREADY);
	}
	if (--ms->log_global > 0) {
		return updater_commit(ms, 0);
	}
	dirty_log_update_all_masks(ms);
	/* Delivered by the commit, after the log_stop calls it reports. */
	listener_queue_global(ms, LCB_LOG_GLOBAL_STOP);
	return updater_commit(ms, 0);
}

MEMSPACE_EXPORT bool
memspace_log_global_is_on(struct memspace *ms)
{
	return ms && ms->log_global;
}

/* log_sync on the logged ranges of @as (of @only_mr, if set). */
static void
sync_addrspace(struct memspace_addrspace *as,
	       const struct memspace_region *only_mr, int *first)
{
	GPtrArray *ls = addrspace_listeners(as);
	const struct memspace_flatview *fv = as->current;

	for (guint i = 0; ls && i < ls->len; i++) {
		struct memspace_listener *l = ls->pdata[i];

		if (!listener_has(l, LCB_LOG_SYNC)) {
			continue;
		}
		struct ft_cursor c;
		const struct flat_range *fr;

		flatview_for_each_range(fv, c, fr) {
			struct memspace_section sec;
			int r;

			if (!fr->dirty_log_mask ||
			    (only_mr && fr->mr != only_mr)) {
				continue;
			}
			flat_range_to_section(fr, &sec);
			r = listener_call_raw(l, &(struct listener_event){
				.cb = LCB_LOG_SYNC, .sec = &sec });
			if (r < 0 && !*first) {
				*first = r;
			}
		}
	}
}

struct sync {
	struct memspace *ms;
	struct memspace_addrspace *only_as;
	const struct memspace_region *only_mr;
};

static void
send_sync(void *arg, int *first)
{
	struct sync *s = arg;

	for (guint i = 0; i < s->ms->addrspaces->len; i++) {
		struct memspace_addrspace *as = s->ms->addrspaces->pdata[i];

		if (!s->only_as || as == s->only_as) {
			sync_addrspace(as, s->only_mr, first);
		}
	}
}

/*
 * log_sync is a query (the caller wants the dirty bits now), so it is
 * delivered at once even inside a transaction, against the published
 * views: the ranges listeners have been told about.
 */
static int
log_sync(struct memspace *ms, struct memspace_addrspace *only_as,
	 const struct memspace_region *only_mr)
{
	int ret = updater_enter(ms), first;

	if (ret < 0) {
		return ret;
	}
	first = listeners_deliver(ms, send_sync,
				  &(struct sync){ ms, only_as, only_mr });
	ret = updater_commit(ms, 0);
	return first ? first : ret;
}

MEMSPACE_EXPORT int
memspace_log_sync(struct memspace *ms)
{
	return ms ? log_sync(ms, NULL, NULL) : -EINVAL;
}

MEMSPACE_EXPORT int
memspace_log_sync_addrspace(struct memspace_addrspace *as)
{
	return as ? log_sync(as->ms, as, NULL) : -EINVAL;
}

MEMSPACE_EXPORT int
memspace_log_sync_region(struct memspace_region *mr)
{
	return mr ? log_sync(mr->ms, NULL, mr) : -EINVAL;
}
