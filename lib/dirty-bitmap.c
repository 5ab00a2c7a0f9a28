/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The per-client, page-granular dirty bitmaps of regions with host memory:
 * lock-free marking (host writes, merged hypervisor logs), testing, and
 * atomic read-and-clear.  Page k covers bytes [k * P, (k + 1) * P) of the
 * region's host memory, P being the host page size.
 *
 * Memory ordering: marking uses release so that whoever clears a bit with
 * acquire also sees the data written before it was marked.
 */
#include "config.h"

#include <limits.h>
#include <string.h>

#include "region-listen.h"

#define BITS 64

/* Bits lo..hi (inclusive) of a word. */
static uint64_t
bit_range(unsigned lo, unsigned hi)
{
	uint64_t upto = hi == BITS - 1 ? ~0ull : (1ull << (hi + 1)) - 1;

	return upto & ~((1ull << lo) - 1);
}

/* The pages touched by bytes [offset, offset + size) of @mr. */
static int
page_span(const struct memspace_region *mr, uint64_t offset, uint64_t size,
	  uint64_t *ret_first, uint64_t *ret_nr)
{
	uint64_t p = dirty_page_size();

	if (!mr || size == 0) {
		return -EINVAL;
	}
	if (!region_has_backing(mr)) {
		return -ENOTTY;
	}
	if (offset >= mr->host_size || size > mr->host_size - offset) {
		return -ERANGE;
	}
	*ret_first = offset / p;
	*ret_nr = (offset + size - 1) / p - offset / p + 1;
	return 0;
}

static uint64_t *
client_bitmap(const struct memspace_region *mr, unsigned c)
{
	return __atomic_load_n(&mr->dirty_bitmap[c], __ATOMIC_ACQUIRE);
}

static void
bits_set(uint64_t *bm, uint64_t first, uint64_t nr)
{
	uint64_t last = first + nr - 1;

	for (uint64_t w = first / BITS; w <= last / BITS; w++) {
		unsigned lo = w == first / BITS ? first % BITS : 0;
		unsigned hi = w == last / BITS ? last % BITS : BITS - 1;

		__atomic_fetch_or(&bm[w], bit_range(lo, hi), __ATOMIC_RELEASE);
	}
}

MEMSPACE_EXPORT int
memspace_region_set_dirty(struct memspace_region *mr, uint64_t offset,
			  uint64_t size)
{
	uint64_t first, nr;
	unsigned mask;
	int ret = page_span(mr, offset, size, &first, &nr);

	if (ret < 0) {
		return ret;
	}
	mask = __atomic_load_n(&mr->dirty_log_mask, __ATOMIC_ACQUIRE);
	for (unsigned c = 0; c < DIRTY_CLIENTS; c++) {
		uint64_t *bm = client_bitmap(mr, c);

		if ((mask & (1u << c)) && bm) {
			bits_set(bm, first, nr);
		}
	}
	return 0;
}

/* OR @nr bits of @src into @bm starting at bit @first. */
static void
bits_merge(uint64_t *bm, uint64_t first, const uint64_t *src, uint64_t nr)
{
	unsigned shift = first % BITS;
	uint64_t base = first / BITS;

	for (uint64_t k = 0; k * BITS < nr; k++) {
		uint64_t w = src[k];

		if (nr - k * BITS < BITS) {
			w &= (1ull << (nr - k * BITS)) - 1;
		}
		if (!w) {
			continue;
		}
		__atomic_fetch_or(&bm[base + k], w << shift, __ATOMIC_RELEASE);
		/* The bits that spill into the next word. */
		w = shift ? w >> (BITS - shift) : 0;
		if (w) {
			__atomic_fetch_or(&bm[base + k + 1], w,
					  __ATOMIC_RELEASE);
		}
	}
}

MEMSPACE_EXPORT int
memspace_region_merge_dirty(struct memspace_region *mr, uint64_t offset,
			    const uint64_t *bitmap, uint64_t nr_pages,
			    unsigned clients)
{
	uint64_t first, nr;
	unsigned mask;
	int ret;

	if (!mr || !bitmap || offset % dirty_page_size()) {
		return -EINVAL;
	}
	if (nr_pages == 0) {
		return 0;
	}
	if (nr_pages > UINT64_MAX / dirty_page_size()) {
		return -ERANGE;
	}
	ret = page_span(mr, offset, nr_pages * dirty_page_size(), &first, &nr);
	if (ret < 0) {
		return ret;
	}
	mask = clients & __atomic_load_n(&mr->dirty_log_mask, __ATOMIC_ACQUIRE);
	for (unsigned c = 0; c < DIRTY_CLIENTS; c++) {
		uint64_t *bm = client_bitmap(mr, c);

		if ((mask & (1u << c)) && bm) {
			bits_merge(bm, first, bitmap, nr);
		}
	}
	return 0;
}

MEMSPACE_EXPORT bool
memspace_region_test_dirty(struct memspace_region *mr, unsigned client,
			   uint64_t offset, uint64_t size)
{
	int c = dirty_client_index(client);
	uint64_t first, nr, last;
	const uint64_t *bm;

	if (c < 0 || page_span(mr, offset, size, &first, &nr) < 0) {
		return false;
	}
	bm = client_bitmap(mr, (unsigned)c);
	if (!bm) {
		return false;
	}
	last = first + nr - 1;
	for (uint64_t w = first / BITS; w <= last / BITS; w++) {
		unsigned lo = w == first / BITS ? first % BITS : 0;
		unsigned hi = w == last / BITS ? last % BITS : BITS - 1;

		if (__atomic_load_n(&bm[w], __ATOMIC_ACQUIRE) &
		    bit_range(lo, hi)) {
			return true;
		}
	}
	return false;
}

/* Clear the bits of word @w in [first, last]; copy them into @ret. */
static uint64_t
word_get_clear(uint64_t *bm, uint64_t w, uint64_t first, uint64_t last,
	       uint64_t *ret)
{
	unsigned lo = w == first / BITS ? first % BITS : 0;
	unsigned hi = w == last / BITS ? last % BITS : BITS - 1;
	uint64_t m = bit_range(lo, hi);
	uint64_t got = __atomic_fetch_and(&bm[w], ~m, __ATOMIC_ACQ_REL) & m;
	uint64_t bits = got;

	while (ret && bits) {
		uint64_t bit = (uint64_t)__builtin_ctzll(bits);
		uint64_t rel = w * BITS + bit - first;

		ret[rel / BITS] |= 1ull << (rel % BITS);
		bits &= bits - 1;
	}
	return (uint64_t)__builtin_popcountll(got);
}

MEMSPACE_EXPORT int
memspace_region_get_and_clear_dirty(struct memspace_region *mr,
				    unsigned client, uint64_t offset,
				    uint64_t size, uint64_t *ret_bitmap)
{
	int c = dirty_client_index(client);
	uint64_t first, nr, count = 0;
	uint64_t *bm;
	int ret;

	if (c < 0) {
		return -EINVAL;
	}
	ret = page_span(mr, offset, size, &first, &nr);
	if (ret < 0) {
		return ret;
	}
	if (ret_bitmap) {
		memset(ret_bitmap, 0,
		       (nr + BITS - 1) / BITS * sizeof(*ret_bitmap));
	}
	bm = client_bitmap(mr, (unsigned)c);
	if (!bm) {
		return 0;
	}
	for (uint64_t w = first / BITS; w <= (first + nr - 1) / BITS; w++) {
		count += word_get_clear(bm, w, first, first + nr - 1,
					ret_bitmap);
	}
	return count > INT_MAX ? INT_MAX : (int)count;
}
