/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Dirty logging in the model: which clients log a region (its mask, which
 * views render and listeners follow with log_start / log_stop) and the
 * masks global logging implies.  Global logging's and log_sync's calls to
 * listeners are in listeners/log-global.c; the page-granular per-client
 * dirty bitmaps are in dirty-bitmap.c.
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

#include "region-listen.h"

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
	return updater_commit(mr->ms, ret);
}

MEMSPACE_EXPORT unsigned
memspace_region_get_log(const struct memspace_region *mr)
{
	return mr ? __atomic_load_n(&mr->dirty_log_mask, __ATOMIC_ACQUIRE) : 0;
}

/* Recompute every region's mask after global logging flipped. */
void
dirty_log_update_all_masks(struct memspace *ms)
{
	for (GList *l = ms->ram_regions.head; l; l = l->next) {
		dirty_log_update_mask(l->data);
	}
}
