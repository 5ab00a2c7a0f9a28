/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Lifecycle of the listener-side state of a region: regions with host
 * memory join the context's list (so global dirty logging reaches them
 * even before they are mapped); a freed region releases its ioeventfd
 * records, coalesced parts and dirty bitmaps.
 */
#include "config.h"

#include "region-listen.h"

void
region_listen_init(struct memspace_region *mr)
{
	struct memspace *ms = mr->ms;

	updater_lock(ms);
	mr->ram_link.data = mr;
	g_queue_push_tail_link(&ms->ram_regions, &mr->ram_link);
	dirty_log_init_mask(mr);
	updater_unlock(ms);
}

/*
 * No view shows @mr any more (each would hold a reference), so no reader
 * can reach its arrays: they go at once.  The descriptors still wait for
 * a grace period in ioeventfd_fd_unref().
 */
void
region_listen_free(struct memspace_region *mr)
{
	struct region_ioeventfds *evs = mr->ioeventfds;

	for (size_t i = 0; evs && i < evs->nr; i++) {
		ioeventfd_fd_unref(evs->e[i].efd);
	}
	g_free(evs);
	if (mr->coalesced) {
		g_array_free(mr->coalesced, TRUE);
	}
	for (unsigned c = 0; c < DIRTY_CLIENTS; c++) {
		g_free(mr->dirty_bitmap[c]);
	}
	if (mr->ram_link.data) {
		updater_lock(mr->ms);
		g_queue_unlink(&mr->ms->ram_regions, &mr->ram_link);
		updater_unlock(mr->ms);
	}
}
