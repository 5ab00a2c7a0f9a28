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

#define KEY_MAX INT64_MAX	/* biased UINT64_MAX: padding */
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
				leaf < nr_leaves
					? leaves[leaf * INDEX_LEAF_KEYS]
					: KEY_MAX;
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

static size_t
plan_buckets(size_t nr_leaves)
{
	size_t nb = 2;

	while (nb < 8 * nr_leaves) {
		nb *= 2;
	}
	return nb;
}

/*
 * Bucket b covers offsets [b << shift, (b + 1) << shift) from the base;
 * the last bucket also takes every address above the last start.  One
 * pass over the starts, in 64-bit arithmetic: offsets past the span need
 * no comparison (their leaf is the last).
 */
static void
build_buckets(struct flat_index *ix, uint32_t *buckets)
{
	uint64_t span = ix->ranges[ix->nr - 1].start - ix->base;
	uint32_t last = (uint32_t)((ix->nr - 1) / INDEX_LEAF_KEYS), l0 = 0;
	size_t i = 0;

	ix->shift = 0;
	while ((span >> ix->shift) >= ix->nr_buckets) {
		ix->shift++;
	}
	for (size_t b = 0; b < ix->nr_buckets; b++) {
		uint32_t l1 = last;

		if (b + 1 <= (span >> ix->shift)) {
			uint64_t next = (uint64_t)(b + 1) << ix->shift;

			while (i + 1 < ix->nr &&
			       ix->ranges[i + 1].start - ix->base <= next) {
				i++;
			}
			l1 = (uint32_t)(i / INDEX_LEAF_KEYS);
		}
		buckets[b] = l1 - l0 <= 1 ? l0 : UINT32_MAX;
		l0 = l1;
	}
	buckets[ix->nr_buckets] = l0;
	ix->buckets = buckets;
}

void
flat_index_build(struct flat_index *ix, const struct flat_range *ranges,
		 size_t nr)
{
	size_t nr_leaves = (nr + INDEX_LEAF_KEYS - 1) / INDEX_LEAF_KEYS;
	size_t count[INDEX_MAX_HEIGHT], total, nr_keys;
	int64_t *p, *leaves;

	*ix = (struct flat_index){ .ranges = ranges, .nr = nr,
				   .base = UINT64_MAX };
	if (nr == 0) {
		return;
	}
	total = plan_levels(nr_leaves, count, &ix->height);
	/* One more leaf of padding: the entry ranks leaf pairs. */
	nr_keys = (nr_leaves + 1) * INDEX_LEAF_KEYS;
	ix->nr_buckets = plan_buckets(nr_leaves);
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

/*
 * The range holding @addr, given its leaf and the number of keys of that
 * leaf at or below @addr (at least 1 for addresses at or above the base).
 */
static inline size_t
leaf_result(const struct flat_index *ix, size_t leaf, unsigned rank,
	    uint64_t addr)
{
	size_t i = leaf * INDEX_LEAF_KEYS + rank - 1;

	if (i >= ix->nr || addr > ix->ranges[i].last) {
		return SIZE_MAX;
	}
	return i;
}

size_t
flat_index_find_edge(const struct flat_index *ix, uint64_t addr)
{
	/* Below the first start nothing is mapped.  UINT64_MAX compares
	 * equal to the padding: only the last range can hold it. */
	if (addr != UINT64_MAX || !ix->nr) {
		return SIZE_MAX;
	}
	return ix->ranges[ix->nr - 1].last == UINT64_MAX ? ix->nr - 1
							  : SIZE_MAX;
}

/*
 * Start fetching the payload of a leaf while its keys are ranked, when the
 * ranges live beyond L2: the leaf and its payload then cost one memory
 * round trip instead of two.
 */
static inline void
prefetch_payload(const struct flat_index *ix, size_t leaf)
{
	const char *p = (const char *)&ix->ranges[leaf * INDEX_LEAF_KEYS];

	if (!ix->prefetch) {
		return;
	}
	for (size_t off = 0;
	     off < INDEX_LEAF_KEYS * sizeof(struct flat_range); off += 64) {
		__builtin_prefetch(p + off);
	}
}

static inline unsigned
rank_generic(const int64_t *k, int64_t q)
{
	unsigned rank = 0;

	for (unsigned j = 0; j < INDEX_NODE_KEYS; j++) {
		rank += k[j] <= q;
	}
	return rank;
}

static inline size_t
descend_generic(const struct flat_index *ix, int64_t q)
{
	size_t leaf = 0;

	for (unsigned h = 0; h < ix->height; h++) {
		leaf = leaf * INDEX_FANOUT +
		       rank_generic((const int64_t *)ix->level[h] +
					    leaf * INDEX_NODE_KEYS, q);
	}
	return leaf;
}

size_t
flat_index_find_generic(const struct flat_index *ix, uint64_t addr)
{
	int64_t q = bias(addr);
	const int64_t *k;
	uint32_t e;
	size_t leaf;

	if (addr < ix->base || addr == UINT64_MAX || !ix->nr) {
		return flat_index_find_edge(ix, addr);
	}
	e = flat_index_entry(ix, addr);
	leaf = e != UINT32_MAX ? e : descend_generic(ix, q);
	prefetch_payload(ix, leaf);
	k = (const int64_t *)ix->leaves + leaf * INDEX_LEAF_KEYS;
	/* The pair's second leaf adds keys only when they are <= q. */
	return leaf_result(ix, leaf,
			   rank_generic(k, q) +
				   rank_generic(k + INDEX_LEAF_KEYS, q),
			   addr);
}

#if INDEX_HAVE_X86
/* Keys of a 16-key node strictly below @y (= the address + 1). */
__attribute__((target("avx2,popcnt"))) static inline unsigned
rank16_avx2(const int64_t *k, __m256i y)
{
	const __m256i *v = (const __m256i *)k;
	__m256i c0 = _mm256_cmpgt_epi64(y, _mm256_load_si256(v));
	__m256i c1 = _mm256_cmpgt_epi64(y, _mm256_load_si256(v + 1));
	__m256i c2 = _mm256_cmpgt_epi64(y, _mm256_load_si256(v + 2));
	__m256i c3 = _mm256_cmpgt_epi64(y, _mm256_load_si256(v + 3));
	__m256i p = _mm256_packs_epi16(_mm256_packs_epi32(c0, c1),
				       _mm256_packs_epi32(c2, c3));

	/* Each key now owns two bytes of the mask. */
	return (unsigned)__builtin_popcount(
		       (unsigned)_mm256_movemask_epi8(p)) >> 1;
}

/* The same over the 32 keys of two neighbouring leaves. */
__attribute__((target("avx2,popcnt"))) static inline unsigned
rank32_avx2(const int64_t *k, __m256i y)
{
	const __m256i *v = (const __m256i *)k;
	__m256i c[8];

	for (int j = 0; j < 8; j++) {
		c[j] = _mm256_cmpgt_epi64(y, _mm256_load_si256(v + j));
	}
	__m256i lo = _mm256_packs_epi16(_mm256_packs_epi32(c[0], c[1]),
					_mm256_packs_epi32(c[2], c[3]));
	__m256i hi = _mm256_packs_epi16(_mm256_packs_epi32(c[4], c[5]),
					_mm256_packs_epi32(c[6], c[7]));

	return (unsigned)(__builtin_popcount((unsigned)_mm256_movemask_epi8(lo)) +
			  __builtin_popcount((unsigned)_mm256_movemask_epi8(hi))) >>
	       1;
}

__attribute__((target("avx2,popcnt"))) static inline size_t
descend_avx2(const struct flat_index *ix, __m256i y)
{
	size_t leaf = 0;

	for (unsigned h = 0; h < ix->height; h++) {
		leaf = leaf * INDEX_FANOUT +
		       rank16_avx2((const int64_t *)ix->level[h] +
					   leaf * INDEX_NODE_KEYS, y);
	}
	return leaf;
}

__attribute__((target("avx2,popcnt"))) size_t
flat_index_find_avx2(const struct flat_index *ix, uint64_t addr)
{
	size_t leaf;
	uint32_t e;
	__m256i y;

	if (addr < ix->base || addr == UINT64_MAX || !ix->nr) {
		return flat_index_find_edge(ix, addr);
	}
	/* keys <= addr  <=>  keys < addr + 1, in biased signed order. */
	y = _mm256_set1_epi64x(bias(addr) + 1);
	e = flat_index_entry(ix, addr);
	leaf = e != UINT32_MAX ? e : descend_avx2(ix, y);
	prefetch_payload(ix, leaf);
	return leaf_result(ix, leaf,
			   rank32_avx2((const int64_t *)ix->leaves +
					       leaf * INDEX_LEAF_KEYS, y),
			   addr);
}
#else
size_t
flat_index_find_avx2(const struct flat_index *ix, uint64_t addr)
{
	return flat_index_find_generic(ix, addr);
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
		if (!probe_agrees(ix, fr->start) || !probe_agrees(ix, fr->last) ||
		    (fr->start && !probe_agrees(ix, fr->start - 1)) ||
		    (fr->last != UINT64_MAX && !probe_agrees(ix, fr->last + 1)) ||
		    !probe_agrees(ix, fr->start + (fr->last - fr->start) / 2)) {
			return false;
		}
	}
	return probe_agrees(ix, 0) && probe_agrees(ix, UINT64_MAX);
}
