/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stable LSD radix sort over 8-bit digits.  One pass counts every digit
 * position; positions where all keys share the digit are skipped, so
 * addresses confined to a few gigabytes cost about four passes.
 */
#include <string.h>

#include "radix-sort.h"

#define DIGITS 8
#define SMALL_SORT 48

static void
insertion_sort(struct sort_item *items, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		struct sort_item x = items[i];
		size_t j = i;

		while (j > 0 && items[j - 1].key > x.key) {
			items[j] = items[j - 1];
			j--;
		}
		items[j] = x;
	}
}

void
radix_sort(struct sort_item *items, struct sort_item *tmp, size_t n)
{
	static const size_t zero[DIGITS][256];
	size_t count[DIGITS][256];
	struct sort_item *src = items, *dst = tmp;

	if (n <= SMALL_SORT) {
		insertion_sort(items, n);
		return;
	}
	memcpy(count, zero, sizeof(count));
	for (size_t i = 0; i < n; i++) {
		uint64_t k = items[i].key;

		for (unsigned d = 0; d < DIGITS; d++) {
			count[d][(k >> (8 * d)) & 0xff]++;
		}
	}
	for (unsigned d = 0; d < DIGITS; d++) {
		size_t sum = 0;
		unsigned shift = 8 * d;

		if (count[d][(items[0].key >> shift) & 0xff] == n) {
			continue;	/* every key has this digit */
		}
		for (unsigned b = 0; b < 256; b++) {
			size_t c = count[d][b];

			count[d][b] = sum;
			sum += c;
		}
		for (size_t i = 0; i < n; i++) {
			size_t b = (src[i].key >> shift) & 0xff;

			dst[count[d][b]++] = src[i];
		}
		struct sort_item *t = src;
		src = dst;
		dst = t;
	}
	if (src != items) {
		memcpy(items, src, n * sizeof(*items));
	}
}
