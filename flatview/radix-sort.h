/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Sorting (64-bit key, 32-bit value) pairs: a stable LSD radix sort, and
 * a front end for keys that come mostly in order.
 */
#ifndef MEMSPACE_RADIX_SORT_H
#define MEMSPACE_RADIX_SORT_H

#include <stddef.h>
#include <stdint.h>

struct sort_item {
	uint64_t key;
	uint32_t val;
};

/*
 * Sort @items (@n entries) by key, stably.  @tmp is scratch space of @n
 * entries.  The result ends up in @items.
 */
void radix_sort(struct sort_item *items, struct sort_item *tmp, size_t n);

/*
 * Sort @items (@n entries) by key, not stably, in O(n) when the keys come
 * mostly ascending or mostly descending (a few out of place), else by
 * radix_sort().  @tmp is scratch space of @n entries.
 */
void sort_nearly_sorted(struct sort_item *items, struct sort_item *tmp,
			size_t n);

#endif /* MEMSPACE_RADIX_SORT_H */
