/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Deferred freeing of regions that flat views may still show.
 *
 * Views do not take a reference per range (that cost an atomic operation
 * per range per commit, on cache lines the reclaim thread kept stealing).
 * Instead each view joins the current reclaim epoch when created and leaves
 * it when freed, and a region whose last reference goes is queued on the
 * current epoch and freed only once every view of that epoch and of all
 * older ones is gone.  Views created after a region died cannot show it:
 * it is no longer in the tree.
 */
#ifndef MEMSPACE_RECLAIM_H
#define MEMSPACE_RECLAIM_H

#include "memspace-private.h"

struct reclaim_epoch;

void reclaim_init(struct memspace *ms);
void reclaim_finish(struct memspace *ms);

/* A view is being created / was freed. */
struct reclaim_epoch *reclaim_view_enter(struct memspace *ms);
void reclaim_view_exit(struct memspace *ms, struct reclaim_epoch *e);

/* Drop the last reference of @mr (the count is 1 or racing towards it). */
void reclaim_region_unref_last(struct memspace_region *mr);
/* The same, appending what may be freed now to @dead instead of freeing. */
void reclaim_region_put_last(struct memspace_region *mr, GPtrArray *dead);

#endif /* MEMSPACE_RECLAIM_H */
