/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Stable LSD radix sort.  One pass finds which key bits differ at all;
 * only that span is sorted, in 10-bit digits (1024 output streams, within
 * the reach of the second-level TLB), all counted in a single pass.
 * Page-aligned addresses within a few gigabytes differ in about twenty
 * bits: two scatter passes.
 */
#include <string.h>

#include <glib.h>

#include "radix-sort.h"

#define DIGIT_BITS 10
#define BUCKETS (1u << DIGIT_BITS)
#define MAX_PASSES ((64 + DIGIT_BITS - 1) / DIGIT_BITS)
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

/* The bits in which some key differs from the first one. */
static uint64_t
varying_bits(const struct sort_item *items, size_t n)
{
	uint64_t diff = 0, k0 = items[0].key;

	for (size_t i = 1; i < n; i++) {
		diff |= items[i].key ^ k0;
	}
	return diff;
}

/* Prefix sums of one pass's counters, turned into output positions. */
static void
prefix(uint32_t *count)
{
	uint32_t sum = 0;

	for (unsigned b = 0; b < BUCKETS; b++) {
		uint32_t c = count[b];

		count[b] = sum;
		sum += c;
	}
}

void
radix_sort(struct sort_item *items, struct sort_item *tmp, size_t n)
{
	uint32_t(*count)[BUCKETS];
	struct sort_item *src = items, *dst = tmp;
	uint64_t diff;
	unsigned lo, passes;

	if (n <= SMALL_SORT) {
		insertion_sort(items, n);
		return;
	}
	diff = varying_bits(items, n);
	if (!diff) {
		return;
	}
	lo = (unsigned)__builtin_ctzll(diff);
	passes = (64 - (unsigned)__builtin_clzll(diff) - lo + DIGIT_BITS - 1) /
		 DIGIT_BITS;
	/* Counters on the heap: up to 28 KiB is much for a thread's stack. */
	count = g_malloc0(sizeof(count[0]) * passes);
	for (size_t i = 0; i < n; i++) {
		uint64_t k = items[i].key >> lo;

		for (unsigned p = 0; p < passes; p++) {
			count[p][(k >> (DIGIT_BITS * p)) & (BUCKETS - 1)]++;
		}
	}
	for (unsigned p = 0; p < passes; p++) {
		unsigned shift = lo + DIGIT_BITS * p;

		prefix(count[p]);
		for (size_t i = 0; i < n; i++) {
			size_t b = (src[i].key >> shift) & (BUCKETS - 1);

			dst[count[p][b]++] = src[i];
		}
		struct sort_item *t = src;
		src = dst;
		dst = t;
	}
	if (src != items) {
		memcpy(items, src, n * sizeof(*items));
	}
	g_free(count);
}

static void
reverse(struct sort_item *items, size_t n)
{
	for (size_t i = 0, j = n - 1; i < j; i++, j--) {
		struct sort_item t = items[i];

		items[i] = items[j];
		items[j] = t;
	}
}

/*
 * Keys in walk order mostly run one way, with a few out of place (an
 * overlapping sibling, an alias target's subregions).  Turn them the
 * ascending way, keep in place the ascending chain, setting aside each key
 * below the chain and each one above its successor (a lone spike would
 * otherwise push everything after it aside), sort what was set aside and
 * merge the two from the back.  Too much set aside: radix sort it all.
 */
void
sort_nearly_sorted(struct sort_item *items, struct sort_item *tmp, size_t n)
{
	size_t desc = 0, nk = 0, ns = 0;

	if (n <= SMALL_SORT) {
		insertion_sort(items, n);
		return;
	}
	for (size_t i = 1; i < n; i++) {
		desc += items[i].key < items[i - 1].key;
	}
	if (desc == 0) {
		return;
	}
	if (desc > n / 2) {
		reverse(items, n);
	}
	for (size_t i = 0; i < n; i++) {
		struct sort_item x = items[i];

		if ((nk == 0 || x.key >= items[nk - 1].key) &&
		    (i + 1 == n || x.key <= items[i + 1].key)) {
			items[nk++] = x;
		} else {
			tmp[ns++] = x;
		}
	}
	if (ns > n / 4) {
		memcpy(items + nk, tmp, ns * sizeof(*items));
		radix_sort(items, tmp, n);
		return;
	}
	/* The ns slots past the chain are the side's scratch. */
	radix_sort(tmp, items + nk, ns);
	for (size_t k = n, i = nk, j = ns; j;) {
		if (i && items[i - 1].key > tmp[j - 1].key) {
			items[--k] = items[--i];
		} else {
			items[--k] = tmp[--j];
		}
	}
}
