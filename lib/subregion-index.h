/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An index of a region's subregions by address, so that a render clipped
 * to a window narrower than the region visits only the subregions meeting
 * the window instead of the whole list (flatview/render.c).
 *
 * Built lazily, for regions with more than SUBREGION_INDEX_MIN
 * subregions, once queries asked often enough to pay for the build (and
 * in a later commit than the last change); hung off the region
 * (@subregion_index).  Any change of the list (adding, removing, moving a
 * subregion) or of a subregion's size makes it stale; a stale index is
 * rebuilt the same way, and after more quiet commits when it went stale
 * before paying for its last build (a region whose subregions move at
 * every commit is walked as a list).
 *
 * Sizes: 32 bytes per subregion and a small header, for indexed regions
 * only.  Costs, for k subregions: building O(k log k); a query
 * O(log k + m log m) for the m subregions it returns, plus at most
 * SUBREGION_INDEX_WIDE subregions it looks at in vain; a change O(1).
 */
#ifndef MEMSPACE_SUBREGION_INDEX_H
#define MEMSPACE_SUBREGION_INDEX_H

#include "region-internal.h"

/* Regions with more subregions than this get an index. */
#define SUBREGION_INDEX_MIN 16

/*
 * A subregion covering the starts of more than this many subregions after
 * it (by address) is "wide": queries look at every wide one (and a region
 * with too many is walked as a list), so that the others bound how many
 * subregions a query looks at in vain.
 */
#define SUBREGION_INDEX_WIDE 16

struct subregion_index;

/*
 * A query's answer: the subregions meeting a window, found by
 * subregion_index_find(), then listed by subregion_index_collect().
 */
struct subregion_query {
	struct subregion_index *idx;
	i128 lo, hi;
	uint32_t first, end; /* entries by address to look at */
	uint32_t max; /* at most this many subregions meet */
};

/*
 * Start a query of the subregions of @parent meeting [@lo, @hi) (offsets
 * in @parent; clips never empty): false if the caller should rather walk
 * the list (no index, a stale one not worth rebuilding yet, or a window
 * meeting a large share of the subregions), true with @q->max set
 * otherwise.  Builds the index if needed.  Updater lock held.
 */
bool subregion_index_find(struct memspace_region *parent, i128 lo, i128 hi,
			  struct subregion_query *q);

/*
 * The list positions of the subregions of @q's window with a non-zero
 * size, in list order (render order), into @out (room for @q->max);
 * returns their number.
 */
uint32_t subregion_index_collect(const struct subregion_query *q,
				 uint32_t *out);

/* The subregion at list position @ord when @parent's index was built. */
struct memspace_region *
subregion_index_child(const struct memspace_region *parent, uint32_t ord);

/*
 * @parent's list of subregions, or the size of one of them, changed (call
 * before or after; no query may run in between).  Updater lock held.
 */
void subregion_index_stale(struct memspace_region *parent);

/* Queries @mr's index answered since it was made, and whether it is built
 * and current (for the tests). */
uint64_t subregion_index_answered(const struct memspace_region *mr);
bool subregion_index_ready(const struct memspace_region *mr);

/* Free @mr's index, if any (the region is being freed). */
void subregion_index_free(struct memspace_region *mr);

#endif /* MEMSPACE_SUBREGION_INDEX_H */
