/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Dirty logging: which clients log a region (its mask, which views render
 * and listeners follow with log_start / log_stop), global logging for
 * migration, the log_sync fan-out, and the page-granular per-client dirty
 * bitmaps of regions with host memory.
 *
 * A region's mask is the clients with a positive set_log() count, plus
 * MIGRATION on RAM and ROM device regions while global logging is on; it is
 * written only by the updater.  A client's bitmap is allocated the first
 * time the client logs the region and lives as long as the region; bits are
 * set and cleared with atomic operations by any thread, and a page is
 * cleared with the same atomic operation that reads it, so no mark is lost.
 */
#include "config.h"

#include <limits.h>
#include <unistd.h>

#include "listener-internal.h"

#define BITS 64

uint64_t
dirty_page_size(void)
{
	return (uint64_t)sysconf(_SC_PAGESIZE);
}

MEMSPACE_EXPORT uint64_t
memspace_dirty_page_size(void)
{
	return dirty_page_size();
}

static bool
migratable(const struct memspace_region *mr)
{
	return mr->kind == MEMSPACE_REGION_RAM ||
	       mr->kind == MEMSPACE_REGION_ROM_DEVICE;
}

static unsigned
wanted_mask(const struct memspace_region *mr)
{
	unsigned mask = 0;

	for (unsigned c = 0; c < DIRTY_CLIENTS; c++) {
		if (mr->log_count[c]) {
			mask |= 1u << c;
		}
	}
	if (mr->ms->log_global && migratable(mr)) {
		mask |= MEMSPACE_DIRTY_MIGRATION;
	}
	return mask;
}

static uint64_t
nr_pages(const struct memspace_region *mr)
{
	uint64_t p = dirty_page_size();

	return mr->host_size / p + (mr->host_size % p != 0);
}

/* Allocate the bitmaps of the clients in @mask that have none yet. */
static void
ensure_bitmaps(struct memspace_region *mr, unsigned mask)
{
	uint64_t words = (nr_pages(mr) + BITS - 1) / BITS;

	for (unsigned c = 0; c < DIRTY_CLIENTS; c++) {
		if ((mask & (1u << c)) && !mr->dirty_bitmap[c] && words) {
			/* Pairs with the acquire loads of client_bitmap(). */
			__atomic_store_n(&mr->dirty_bitmap[c],
					 g_new0(uint64_t, words),
					 __ATOMIC_RELEASE);
		}
	}
}

static void
set_mask(struct memspace_region *mr, unsigned mask)
{
	ensure_bitmaps(mr, mask);
	__atomic_store_n(&mr->dirty_log_mask, (uint8_t)mask, __ATOMIC_RELEASE);
}

void
dirty_log_update_mask(struct memspace_region *mr)
{
	unsigned mask = wanted_mask(mr);

	if (mask != mr->dirty_log_mask) {
		set_mask(mr, mask);
		region_mark_dirty(mr);
	}
}

void
dirty_log_init_mask(struct memspace_region *mr)
{
	/* A new region is in no view yet: nothing to re-render. */
	set_mask(mr, wanted_mask(mr));
}

static int
set_log_locked(struct memspace_region *mr, int c, bool on)
{
	if (on) {
		if (mr->log_count[c] == UINT16_MAX) {
			return -EOVERFLOW;
		}
		mr->log_count[c]++;
	} else {
		if (mr->log_count[c] == 0) {
			return -EALREADY;
		}
		mr->log_count[c]--;
	}
	dirty_log_update_mask(mr);
	return 0;
}

MEMSPACE_EXPORT int
memspace_region_set_log(struct memspace_region *mr, unsigned client, bool on)
{
	int c = dirty_client_index(client);
	int ret;

	if (!mr || c < 0) {
		return -EINVAL;
	}
	if (!region_has_backing(mr)) {
		return -ENOTTY;
	}
	ret = updater_enter(mr->ms);
	if (ret < 0) {
		return ret;
	}
	ret = set_log_locked(mr, c, on);
	if (ret < 0) {
		updater_abort(mr->ms);
		return ret;
	}
	return updater_leave(mr->ms);
}

MEMSPACE_EXPORT unsigned
memspace_region_get_log(const struct memspace_region *mr)
{
	if (!mr) {
		return 0;
	}
	return mr ? __atomic_load_n(&mr->dirty_log_mask, __ATOMIC_ACQUIRE) : 0;
}

/* Recompute every region's mask after global logging flipped. */
static void
update_all_masks(struct memspace *ms)
{
	for (GList *l = ms->ram_regions.head; l; l = l->next) {
		dirty_log_update_mask(l->data);
	}
}

/* log_global_start on every listener; all or nothing. */
static int
global_start_listeners(struct memspace *ms)
{
	GPtrArray *all = ms->listeners->listeners;
	struct listener_event start = { .cb = LCB_LOG_GLOBAL_START };
	struct listener_event stop = { .cb = LCB_LOG_GLOBAL_STOP };
	int ret = 0;
	guint i;

	ms->in_callback = true;
	for (i = 0; i < all->len; i++) {
		ret = listener_call_raw(all->pdata[i], &start);
		if (ret < 0) {
			break;
		}
	}
	if (ret < 0) {
		while (i-- > 0) {
			(void)listener_call_raw(all->pdata[i], &stop);
		}
	}
	ms->in_callback = false;
	return ret < 0 ? ret : 0;
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
		updater_abort(ms);
		return -EOVERFLOW;
	}
	if (ms->log_global++ == 0) {
		ret = global_start_listeners(ms);
		if (ret < 0) {
			ms->log_global = 0;
			updater_abort(ms);
			return ret;
		}
		update_all_masks(ms);
	}
	return updater_leave(ms);
}

MEMSPACE_EXPORT int
memspace_log_global_stop(struct memspace *ms)
{
	struct listener_event stop = { .cb = LCB_LOG_GLOBAL_STOP };
	int ret, first = 0;

	if (!ms) {
		return -EINVAL;
	}
	ret = updater_enter(ms);
	if (ret < 0) {
		return ret;
	}
	if (ms->log_global == 0) {
		updater_abort(ms);
		return -EALREADY;
	}
	if (--ms->log_global > 0) {
		return updater_leave(ms);
	}
	update_all_masks(ms);
	/* Commit (at depth 0) so that log_stop precedes log_global_stop;
	 * the recursive lock stays held across. */
	updater_lock(ms);
	ret = updater_leave(ms);
	ms->in_callback = true;
	listeners_call(ms->listeners->listeners, &stop, &first);
	ms->in_callback = false;
	updater_unlock(ms);
	return ret ? ret : first ? -EREMOTEIO : 0;
}

MEMSPACE_EXPORT bool
memspace_log_global_is_on(struct memspace *ms)
{
	if (!ms) {
		return false;
	}
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
		for (size_t j = 0; j < fv->nr; j++) {
			const struct flat_range *fr = &fv->ranges[j];
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

static int
log_sync(struct memspace *ms, struct memspace_addrspace *only_as,
	 const struct memspace_region *only_mr)
{
	int ret = updater_enter(ms), first = 0;

	if (ret < 0) {
		return ret;
	}
	ms->in_callback = true;
	for (guint i = 0; i < ms->addrspaces->len; i++) {
		struct memspace_addrspace *as = ms->addrspaces->pdata[i];

		if (!only_as || as == only_as) {
			sync_addrspace(as, only_mr, &first);
		}
	}
	ms->in_callback = false;
	ret = updater_leave(ms);
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
