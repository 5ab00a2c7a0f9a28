/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lookup of a flat view's index (index.h), inline so that the
 * translate path compiles it into its own body; the AVX2 variant only
 * inlines into functions built for AVX2 (access.c has one).
 */
#ifndef MEMSPACE_FLATVIEW_INDEX_FIND_H
#define MEMSPACE_FLATVIEW_INDEX_FIND_H

#include "flatview-internal.h"

static inline int64_t
index_bias(uint64_t addr)
{
	return (int64_t)(addr ^ ((uint64_t)1 << 63));
}

/*
 * The range holding @addr, given its leaf and the number of keys of that
 * leaf at or below @addr (at least 1 for addresses at or above the base).
 */
/* A bucket meeting one range (or none): check that range's bounds. */
static inline size_t
index_single(const struct flat_index *ix, uint32_t e, uint64_t addr)
{
	size_t i = e & ~INDEX_ENTRY_RANGE;

	if (e == INDEX_ENTRY_NONE || addr < ix->ranges[i].start ||
	    addr > ix->ranges[i].last) {
		return SIZE_MAX;
	}
	return i;
}

static inline size_t
index_leaf_result(const struct flat_index *ix, size_t leaf, unsigned rank,
		  uint64_t addr)
{
	size_t i = leaf * INDEX_LEAF_KEYS + rank - 1;

	if (i >= ix->nr || addr > ix->ranges[i].last) {
		return SIZE_MAX;
	}
	return i;
}

/*
 * Start fetching the payload of a leaf while its keys are ranked, when the
 * ranges live beyond L2: the leaf and its payload then cost one memory
 * round trip instead of two.
 */
static inline void
index_prefetch_payload(const struct flat_index *ix, size_t leaf)
{
	const char *p = (const char *)&ix->ranges[leaf * INDEX_LEAF_KEYS];

	if (!ix->prefetch) {
		return;
	}
	for (size_t off = 0; off < INDEX_LEAF_KEYS * sizeof(struct flat_range);
	     off += 64) {
		__builtin_prefetch(p + off);
	}
}

static inline unsigned
index_rank_generic(const int64_t *k, int64_t q)
{
	unsigned rank = 0;

	for (unsigned j = 0; j < INDEX_NODE_KEYS; j++) {
		rank += k[j] <= q;
	}
	return rank;
}

static inline size_t
index_descend_generic(const struct flat_index *ix, int64_t q)
{
	size_t leaf = 0;

	for (unsigned h = 0; h < ix->height; h++) {
		leaf = leaf * INDEX_FANOUT +
		       index_rank_generic((const int64_t *)ix->level[h] +
						  leaf * INDEX_NODE_KEYS,
					  q);
	}
	return leaf;
}

static inline size_t
flat_index_find_generic_inline(const struct flat_index *ix, uint64_t addr)
{
	int64_t q = index_bias(addr);
	const int64_t *k;
	uint32_t e;
	size_t leaf;

	if (addr < ix->base || addr == UINT64_MAX || !ix->nr) {
		return flat_index_find_edge(ix, addr);
	}
	e = flat_index_entry(ix, addr);
	if (e >= INDEX_ENTRY_RANGE && e != INDEX_ENTRY_DESCEND) {
		return index_single(ix, e, addr);
	}
	leaf = e != INDEX_ENTRY_DESCEND ? e : index_descend_generic(ix, q);
	index_prefetch_payload(ix, leaf);
	k = (const int64_t *)ix->leaves + leaf * INDEX_LEAF_KEYS;
	/* The pair's second leaf adds keys only when they are <= q. */
	return index_leaf_result(ix, leaf,
				 index_rank_generic(k, q) +
					 index_rank_generic(k + INDEX_LEAF_KEYS,
							    q),
				 addr);
}

#if INDEX_HAVE_X86
/* Keys of a 16-key node strictly below @y (= the address + 1). */
__attribute__((target("avx2,popcnt"))) static inline unsigned
index_rank16_avx2(const int64_t *k, __m256i y)
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
		       (unsigned)_mm256_movemask_epi8(p)) >>
	       1;
}

/* The same over the 32 keys of two neighbouring leaves. */
__attribute__((target("avx2,popcnt"))) static inline unsigned
index_rank32_avx2(const int64_t *k, __m256i y)
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

	return (unsigned)(__builtin_popcount(
				  (unsigned)_mm256_movemask_epi8(lo)) +
			  __builtin_popcount(
				  (unsigned)_mm256_movemask_epi8(hi))) >>
	       1;
}

__attribute__((target("avx2,popcnt"))) static inline size_t
index_descend_avx2(const struct flat_index *ix, __m256i y)
{
	size_t leaf = 0;

	for (unsigned h = 0; h < ix->height; h++) {
		leaf = leaf * INDEX_FANOUT +
		       index_rank16_avx2((const int64_t *)ix->level[h] +
						 leaf * INDEX_NODE_KEYS,
					 y);
	}
	return leaf;
}

__attribute__((target("avx2,popcnt"))) static inline size_t
flat_index_find_avx2_inline(const struct flat_index *ix, uint64_t addr)
{
	size_t leaf;
	uint32_t e;
	__m256i y;

	if (addr < ix->base || addr == UINT64_MAX || !ix->nr) {
		return flat_index_find_edge(ix, addr);
	}
	/* keys <= addr  <=>  keys < addr + 1, in biased signed order. */
	y = _mm256_set1_epi64x(index_bias(addr) + 1);
	e = flat_index_entry(ix, addr);
	if (e >= INDEX_ENTRY_RANGE && e != INDEX_ENTRY_DESCEND) {
		return index_single(ix, e, addr);
	}
	leaf = e != INDEX_ENTRY_DESCEND ? e : index_descend_avx2(ix, y);
	index_prefetch_payload(ix, leaf);
	return index_leaf_result(
		ix, leaf,
		index_rank32_avx2((const int64_t *)ix->leaves +
					  leaf * INDEX_LEAF_KEYS,
				  y),
		addr);
}
#endif

#endif /* MEMSPACE_FLATVIEW_INDEX_FIND_H */
