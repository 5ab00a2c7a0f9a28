/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lookup index of a flat view, built once at render time and immutable
 * afterwards, like the view that owns it: a static S+ tree over the start
 * addresses of the view's ranges, entered through a small radix table.
 *
 * Layout.  Keys are stored biased (XOR 2^63) so that the signed 64-bit
 * compares of AVX2 order them as unsigned addresses.  The leaf layer is the
 * sorted array of range starts, cut into leaves of INDEX_LEAF_KEYS keys
 * (two cache lines).  The range a leaf key belongs to is implicit (its
 * position), and the ranges of one leaf are contiguous in the view's range
 * array, so a lookup in a large view prefetches them together with the
 * leaf: the leaf and its payload cost one memory round trip, not two.
 * Above the leaves sit internal levels of INDEX_NODE_KEYS keys (two cache
 * lines, fan-out 17); key j of a node is the first start of its child
 * j + 1, and a descent goes to child "number of keys <= address".  Missing
 * children and leaf padding hold UINT64_MAX, which no address below
 * UINT64_MAX reaches; the address UINT64_MAX itself is answered by the
 * last range.
 *
 * Radix entry.  The span from the first start to the last is cut into
 * 2^k equal buckets (about four per range up to INDEX_FINE_MAX ranges, one
 * per two ranges beyond).  A bucket that meets no range says so; one that meets
 * a single range names it (a lookup is then one table load and one bounds
 * check of the range it needs anyway).  Otherwise, when the last starts at
 * or below the addresses of the bucket lie in one leaf or two neighbouring
 * leaves, the bucket names the first of them: one rank over the 32 keys of
 * the two leaves (contiguous in memory; a trailing leaf of padding makes
 * the pair always exist).  Buckets that span more leaves (clustered maps)
 * fall back to the descent, so the worst case is the tree's.
 *
 * Size: 8 bytes per range in the leaves, about 0.5 in the internal levels
 * and up to 16 in the table (2 beyond INDEX_FINE_MAX ranges), whatever
 * the span of the address space;
 * the payload (end, region, offset) is the view's own range array.
 */
#ifndef MEMSPACE_FLATVIEW_INDEX_H
#define MEMSPACE_FLATVIEW_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define INDEX_HAVE_X86 1
#else
#define INDEX_HAVE_X86 0
#endif

#define INDEX_NODE_KEYS 16
#define INDEX_FANOUT (INDEX_NODE_KEYS + 1)
#define INDEX_LEAF_KEYS 16
#define INDEX_MAX_HEIGHT 16

struct flat_range;

/**
 * struct flat_index - S+ tree over the starts of a view's ranges
 * @level: first node of each internal level, root (level 0) first.
 * @leaves: the biased start keys, padded to whole leaves.
 * @buckets: radix entry, @nr_buckets + 1 entries (INDEX_ENTRY_*).
 * @ranges: the view's ranges (the payload of leaf key i is @ranges[i]).
 * @nr: number of ranges.
 * @base: first range start (bucket 0 begins there).
 * @nr_buckets: number of buckets (a power of two).
 * @shift: log2 of the bucket size.
 * @height: number of internal levels (0: a single leaf).
 * @avx2: rank nodes with AVX2 (decided once, when the index is built).
 * @prefetch: the ranges outgrow the L2 cache: prefetch a leaf's payload.
 * @mem: the allocation holding every level.
 * @bytes: size of @mem.
 * @huge: @mem was mapped with mmap() (transparent huge pages).
 */
struct flat_index {
	const uint64_t *level[INDEX_MAX_HEIGHT];
	const uint64_t *leaves;
	const uint32_t *buckets;
	const struct flat_range *ranges;
	size_t nr;
	uint64_t base;
	size_t nr_buckets;
	unsigned shift;
	unsigned height;
	bool avx2;
	bool prefetch;
	void *mem;
	size_t bytes;
	bool huge;
};

/* Build the index of @nr sorted, disjoint @ranges into @ix. */
void flat_index_build(struct flat_index *ix, const struct flat_range *ranges,
		      size_t nr);

/*
 * Build into @ix the index of @nr sorted, disjoint @ranges, which differ
 * from the ranges of @old only between their first @p and last @s: those
 * ranges are equal in both (starts and lasts), at the same place from the
 * front and from the back.  The parts of @old over them are copied
 * (leaves, and the radix entries of buckets outside the change, with their
 * range positions moved), the rest worked out: the result is the index
 * flat_index_build() gives, bit for bit.
 */
void flat_index_update(struct flat_index *ix, const struct flat_index *old,
		       const struct flat_range *ranges, size_t nr, size_t p,
		       size_t s);

/* Release what flat_index_build() allocated. */
void flat_index_free(struct flat_index *ix);

/* Lookups; the result is a range index or SIZE_MAX (not mapped). */
size_t flat_index_find_avx2(const struct flat_index *ix, uint64_t addr);
size_t flat_index_find_generic(const struct flat_index *ix, uint64_t addr);

/*
 * Check the index against its ranges; true if sound.  Only tests call it;
 * kept here on purpose, because it checks the index against the private
 * bisection it must agree with, which tests cannot reach.
 */
bool flat_index_verify(const struct flat_index *ix);

/* Whether two indexes hold the same keys and entries (tests only). */
bool flat_index_equal(const struct flat_index *a, const struct flat_index *b);

/* Addresses below the first start, and UINT64_MAX, take the slow path. */
size_t flat_index_find_edge(const struct flat_index *ix, uint64_t addr);

/* Radix entries: a leaf pair's first leaf, or one of these. */
#define INDEX_ENTRY_DESCEND UINT32_MAX /* descend the tree */
#define INDEX_ENTRY_NONE (UINT32_MAX - 1) /* no range meets the bucket */
#define INDEX_ENTRY_RANGE 0x80000000u /* | the only range meeting it */

/* Views with at most this many ranges get four buckets per range. */
#define INDEX_FINE_MAX 32768

/* The radix entry of the bucket holding @addr (at or above the base). */
static inline uint32_t
flat_index_entry(const struct flat_index *ix, uint64_t addr)
{
	uint64_t b = (addr - ix->base) >> ix->shift;

	return ix->buckets[b < ix->nr_buckets ? b : ix->nr_buckets];
}

#endif /* MEMSPACE_FLATVIEW_INDEX_H */
