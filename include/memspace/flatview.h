/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Flat views: the immutable, rendered form of a region tree.
 *
 * A flat view is a sorted array of disjoint ranges, each served by one
 * terminating region.  Adjacent ranges merge under QEMU's rule: same region,
 * contiguous offsets, same read-only, non-volatile, romd and dirty-log
 * state, neither unmergeable.  Views never change after publication.
 */
#ifndef MEMSPACE_FLATVIEW_H
#define MEMSPACE_FLATVIEW_H

#include <stddef.h>
#include <stdint.h>

#include <memspace/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * memspace_flatview_ref() - take a reference on a view
 * @fv: a view the caller holds a reference on, or dereferenced inside the
 *	current read-side section (may be NULL).
 *
 * A view dereferenced under RCU may already be on its way out (its last
 * reference dropped); memspace_addrspace_get_flatview() handles that race,
 * so prefer it for long-lived references.
 *
 * Context: any.
 * Return: @fv, or NULL if @fv was NULL or is already being freed.
 */
struct memspace_flatview *memspace_flatview_ref(struct memspace_flatview *fv);

/**
 * memspace_flatview_unref() - drop a reference on a view
 * @fv: the view (may be NULL).
 *
 * The last reference frees the view after an RCU grace period.
 *
 * Context: any registered thread.
 * Return: NULL.
 */
struct memspace_flatview *
memspace_flatview_unref(struct memspace_flatview *fv);

/**
 * memspace_flatview_nr_ranges() - number of ranges in a view
 * @fv: the view.
 *
 * Context: any, while the view is held.
 * Return: the count (0 for an empty view).
 */
size_t memspace_flatview_nr_ranges(const struct memspace_flatview *fv);

/**
 * memspace_flatview_get_range() - one range of a view
 * @fv: the view.
 * @index: index of the range, in ascending address order.
 * @ret_sec: filled with the range on success.
 *
 * Context: any, while the view is held.
 * Return: 0, or -EINVAL (NULL argument) or -ERANGE (@index is too large).
 */
int memspace_flatview_get_range(const struct memspace_flatview *fv,
				size_t index, struct memspace_section *ret_sec);

/**
 * memspace_flatview_iter_fn - callback of memspace_flatview_for_each()
 * @opaque: the pointer given to memspace_flatview_for_each().
 * @sec: the range.
 *
 * Return: 0 to continue, anything else to stop the walk with that value.
 */
typedef int (*memspace_flatview_iter_fn)(void *opaque,
					 const struct memspace_section *sec);

/**
 * memspace_flatview_for_each() - walk a view range by range
 * @fv: the view.
 * @fn: called once per range, in ascending address order.
 * @opaque: passed to @fn.
 *
 * Context: any, while the view is held.
 * Return: 0 after a full walk, or the first non-zero value @fn returned.
 */
int memspace_flatview_for_each(const struct memspace_flatview *fv,
			       memspace_flatview_iter_fn fn, void *opaque);

/**
 * memspace_flatview_get_root() - the region the view was rendered from
 * @fv: the view.
 *
 * This is the reduced ("physical") root, which may differ from the root of
 * an address space showing the view.
 *
 * Context: any, while the view is held.
 * Return: the region (borrowed), or NULL for the empty view.
 */
struct memspace_region *
memspace_flatview_get_root(const struct memspace_flatview *fv);

#ifdef __cplusplus
}
#endif

#endif /* MEMSPACE_FLATVIEW_H */
