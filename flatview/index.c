/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Building and searching the index of a flat view (layout and invariants
 * in index.h).  Nodes are ranked branch-free: with AVX2 when the CPU has
 * it (checked once per build, so the library runs on any x86-64), with
 * plain compares otherwise.
 */
#include "config.h"

#include <sys/mman.h>

#include "flatview-internal.h"
#include "index-find.h"

#define KEY_MAX INT64_MAX /* biased UINT64_MAX: padding */
#define HUGE_SIZE ((size_t)2 << 20)

static inline int64_t
bias(uint64_t addr)
{
	return (int64_t)(addr ^ ((uint64_t)1 << 63));
}

/*
 * One allocation for all levels.  Large indexes get their own mapping,
 * advised to use transparent huge pages: a lookup then misses the TLB at
 * most once.
 */
static void *
index_alloc(struct flat_index *ix, size_t bytes)
{
	void *p;

	ix->bytes = bytes;
	ix->huge = false;
	if (bytes >= 2 * HUGE_SIZE) {
		size_t len = (bytes + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);

		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p != MAP_FAILED) {
#ifdef MADV_HUGEPAGE
			(void)madvise(p, len, MADV_HUGEPAGE);
#endif
			ix->bytes = len;
			ix->huge = true;
			ix->mem = p;
			return p;
		}
	}
	ix->mem = g_aligned_alloc(bytes, 1, 128);
	return ix->mem;
}

/* Key j of internal node i: the first start under its child j + 1. */
static void
fill_internal(int64_t *nodes, size_t nr_nodes, const int64_t *leaves,
	      size_t nr_leaves, size_t span)
{
	/* @span: leaves under one child of a node of this level. */
	for (size_t i = 0; i < nr_nodes; i++) {
		for (size_t j = 0; j < INDEX_NODE_KEYS; j++) {
			size_t leaf = (i * INDEX_FANOUT + j + 1) * span;

			nodes[i * INDEX_NODE_KEYS + j] =
				leaf < nr_leaves ?
					leaves[leaf * INDEX_LEAF_KEYS] :
					KEY_MAX;
		}
	}
}

/* Size the internal levels; returns their total number of keys. */
static size_t
plan_levels(size_t nr_leaves, size_t count[INDEX_MAX_HEIGHT],
	    unsigned *ret_height)
{
	size_t total = 0;
	unsigned height = 0;

	for (size_t n = nr_leaves; n > 1; height++) {
		assert(height < INDEX_MAX_HEIGHT);
		n = (n + INDEX_FANOUT - 1) / INDEX_FANOUT;
		count[height] = n;
		total += n * INDEX_NODE_KEYS;
	}
	*ret_height = height;
	return total;
}

/* Lay the internal levels out root first from @p, and fill them. */
static void
build_levels(struct flat_index *ix, int64_t *p, const size_t *count,
	     const int64_t *leaves, size_t nr_leaves)
{
	size_t off = 0, span = 1;

	for (unsigned h = 0; h < ix->height; h++) {
		ix->level[h] = (const uint64_t *)(p + off);
		off += count[ix->height - 1 - h] * INDEX_NODE_KEYS;
	}
	for (unsigned up = 0; up < ix->height; up++) {
		fill_internal((int64_t *)ix->level[ix->height - 1 - up],
			      count[up], leaves, nr_leaves, span);
		span *= INDEX_FANOUT;
	}
}

/*
 * Buckets: about four per range while the table stays within L2/L3 reach
 * (most buckets then meet a single range: one load and one check); beyond,
 * one per two ranges, so that the table stays cache-resident and a lookup
 * pays a single memory round trip (the leaves, with their payload).
 */
static size_t
plan_buckets(size_t nr)
{
	size_t want = nr <= INDEX_FINE_MAX ? 4 * nr : nr / 2, nb = 2;

	while (nb < want) {
		nb *= 2;
	}
	return nb;
}

static inline uint64_t
start_off(const struct flat_index *ix, size_t i)
{
	return ix->ranges[i].start - ix->base;
}

static inline uint64_t
last_off(const struct flat_index *ix, size_t i)
{
	return ix->ranges[i].last - ix->base;
}

/* The last range starting at or below offset @off, moving @i forward. */
static size_t
last_start_at(const struct flat_index *ix, uint64_t off, size_t i)
{
	while (i + 1 < ix->nr && start_off(ix, i + 1) <= off) {
		i++;
	}
	return i;
}

/* The entry of bucket [@lo, @hi] (offsets); @i holds the last start at or
 * below @lo. */
static uint32_t
bucket_entry(const struct flat_index *ix, uint64_t lo, uint64_t hi, size_t i)
{
	size_t j = last_start_at(ix, hi, i);
	bool first = last_off(ix, i) >= lo;
	size_t nr = (first ? 1 : 0) + (j - i);
	size_t l0 = i / INDEX_LEAF_KEYS, l1 = j / INDEX_LEAF_KEYS;

	if (nr == 0) {
		return INDEX_ENTRY_NONE;
	}
	if (nr == 1) {
		return INDEX_ENTRY_RANGE | (uint32_t)(first ? i : j);
	}
	return l1 - l0 <= 1 ? (uint32_t)l0 : INDEX_ENTRY_DESCEND;
}

/*
 * Buckets from @b on that lie wholly inside range @i, or wholly inside the
 * gap after it, all get the same entry: fill them in one go.  Returns the
 * next bucket to compute (@b itself if it straddles a boundary).
 */
static size_t
fill_run(const struct flat_index *ix, uint32_t *buckets, size_t b, size_t i)
{
	uint64_t lo = (uint64_t)b << ix->shift;
	size_t end, k = b;
	uint32_t e;

	if (last_off(ix, i) >= lo) {
		/* Buckets ending at or before the range's last byte. */
		end = (size_t)((last_off(ix, i) >> ix->shift) +
			       ((~last_off(ix, i) &
				 ((1ull << ix->shift) - 1)) == 0));
		e = INDEX_ENTRY_RANGE | (uint32_t)i;
	} else {
		/* Buckets ending before the next range starts. */
		end = i + 1 < ix->nr ?
			      (size_t)(start_off(ix, i + 1) >> ix->shift) :
			      ix->nr_buckets;
		e = INDEX_ENTRY_NONE;
	}
	end = end < ix->nr_buckets ? end : ix->nr_buckets;
	for (; k < end; k++) {
		buckets[k] = e;
	}
	return k;
}

/*
 * Bucket b covers offsets [b << shift, ((b + 1) << shift) - 1] from the
 * base, which fit 64 bits for b < nr_buckets; bucket nr_buckets takes the
 * addresses above (none when the table reaches 2^64).  O(ranges + buckets):
 * only buckets that straddle a range boundary are worked out.
 */
static void
build_buckets(struct flat_index *ix, uint32_t *buckets)
{
	uint64_t span = start_off(ix, ix->nr - 1);
	size_t i = 0, b = 0;

	ix->shift = 0;
	while ((span >> ix->shift) >= ix->nr_buckets) {
		ix->shift++;
	}
	while (b < ix->nr_buckets) {
		uint64_t lo = (uint64_t)b << ix->shift;
		size_t next;

		i = last_start_at(ix, lo, i);
		next = fill_run(ix, buckets, b, i);
		if (next == b) {
			buckets[b] = bucket_entry(
				ix, lo, lo + ((1ull << ix->shift) - 1), i);
			next = b + 1;
		}
		b = next;
	}
	/* Above the last bucket: only the last range can reach there. */
	buckets[ix->nr_buckets] =
		(u128)ix->nr_buckets << ix->shift <= last_off(ix, ix->nr - 1) ?
			INDEX_ENTRY_RANGE | (uint32_t)(ix->nr - 1) :
			INDEX_ENTRY_NONE;
	ix->buckets = buckets;
}

void
flat_index_build(struct flat_index *ix, const struct flat_range *ranges,
		 size_t nr)
{
	size_t nr_leaves = (nr + INDEX_LEAF_KEYS - 1) / INDEX_LEAF_KEYS;
	size_t count[INDEX_MAX_HEIGHT], total, nr_keys;
	int64_t *p, *leaves;

	*ix = (struct flat_index){ .ranges = ranges,
				   .nr = nr,
				   .base = UINT64_MAX };
	/* Range numbers must fit an INDEX_ENTRY_RANGE entry. */
	assert(nr < INDEX_ENTRY_NONE - INDEX_ENTRY_RANGE);
	if (nr == 0) {
		return;
	}
	total = plan_levels(nr_leaves, count, &ix->height);
	/* One more leaf of padding: the entry ranks leaf pairs. */
	nr_keys = (nr_leaves + 1) * INDEX_LEAF_KEYS;
	ix->nr_buckets = plan_buckets(nr);
	p = index_alloc(ix, (total + nr_keys) * 8 + (ix->nr_buckets + 1) * 4);
	leaves = p + total;
	for (size_t i = 0; i < nr_keys; i++) {
		leaves[i] = i < nr ? bias(ranges[i].start) : KEY_MAX;
	}
	build_levels(ix, p, count, leaves, nr_leaves);
	ix->leaves = (const uint64_t *)leaves;
	ix->base = ranges[0].start;
	build_buckets(ix, (uint32_t *)(leaves + nr_keys));
	ix->prefetch = nr * sizeof(*ranges) > ((size_t)256 << 10);
#if INDEX_HAVE_X86
	ix->avx2 = __builtin_cpu_supports("avx2") &&
		   __builtin_cpu_supports("popcnt");
#endif
}

void
flat_index_free(struct flat_index *ix)
{
	if (!ix->mem) {
		return;
	}
	if (ix->huge) {
		munmap(ix->mem, ix->bytes);
	} else {
		g_aligned_free(ix->mem);
	}
	ix->mem = NULL;
}

size_t
flat_index_find_edge(const struct flat_index *ix, uint64_t addr)
{
	/* Below the first start nothing is mapped.  UINT64_MAX compares
	 * equal to the padding: only the last range can hold it. */
	if (addr != UINT64_MAX || !ix->nr) {
		return SIZE_MAX;
	}
	return ix->ranges[ix->nr - 1].last == UINT64_MAX ? ix->nr - 1 :
							   SIZE_MAX;
}

size_t
flat_index_find_generic(const struct flat_index *ix, uint64_t addr)
{
	return flat_index_find_generic_inline(ix, addr);
}

#if INDEX_HAVE_X86
__attribute__((target("avx2,popcnt"))) size_t
flat_index_find_avx2(const struct flat_index *ix, uint64_t addr)
{
	return flat_index_find_avx2_inline(ix, addr);
}
#else
size_t
flat_index_find_avx2(const struct flat_index *ix, uint64_t addr)
{
	return flat_index_find_generic_inline(ix, addr);
}
#endif

/* Reference: the range holding @addr by bisection, or SIZE_MAX. */
static size_t
find_bisect(const struct flat_index *ix, uint64_t addr)
{
	size_t lo = 0, hi = ix->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (ix->ranges[mid].start <= addr) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	if (lo == 0 || addr > ix->ranges[lo - 1].last) {
		return SIZE_MAX;
	}
	return lo - 1;
}

static bool
probe_agrees(const struct flat_index *ix, uint64_t addr)
{
	size_t want = find_bisect(ix, addr);

	return flat_index_find_generic(ix, addr) == want &&
	       (!ix->avx2 || flat_index_find_avx2(ix, addr) == want);
}

bool
flat_index_verify(const struct flat_index *ix)
{
	for (size_t i = 0; i < ix->nr; i++) {
		const struct flat_range *fr = &ix->ranges[i];

		if (fr->start > fr->last ||
		    (i && ix->ranges[i - 1].last >= fr->start)) {
			return false;
		}
		if (!probe_agrees(ix, fr->start) ||
		    !probe_agrees(ix, fr->last) ||
		    (fr->start && !probe_agrees(ix, fr->start - 1)) ||
		    (fr->last != UINT64_MAX &&
		     !probe_agrees(ix, fr->last + 1)) ||
		    !probe_agrees(ix, fr->start + (fr->last - fr->start) / 2)) {
			return false;
		}
	}
	return probe_agrees(ix, 0) && probe_agrees(ix, UINT64_MAX);
}
