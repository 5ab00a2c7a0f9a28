/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lookup index of a flat view: a radix table over the view's
 * persistent B+ tree of ranges (ftree.h), itself persistent.
 *
 * Buckets.  The span from the first range start (the base) to the last
 * is cut into 2^k equal buckets: about four per range up to
 * INDEX_FINE_MAX ranges, one per four ranges beyond, so that the table
 * stays small (2 MiB at 1M ranges) and a lookup pays one memory round
 * trip, the one to its range.  The bucket size follows the density of
 * the middle of the map; ranges far out at either end that would not fit
 * at that size are left outside the table (the base is then above the
 * first start, or the table ends below the last).  The entry of a bucket names the first
 * range meeting it, in place in its leaf (the leaf's address and the
 * range's slot), with the number (1-15) of ranges of that leaf
 * meeting the bucket: a lookup compares its address with the last address
 * of those ranges, which sit next to each other in one leaf, and is done.
 * A bucket meeting no range says so.  One whose ranges continue into the
 * next leaf (tag 0) names the first of them: the lookup scans to the end
 * of the leaf, and descends the tree only for an address beyond it.  One
 * meeting more than 15 ranges of a leaf (clustered maps) says to descend,
 * so the worst case is the tree's: one rank over 16 keys per level.
 * Addresses outside the table (below the base, or past its end after the
 * view grew) descend too.
 *
 * Pages.  Entries live in pages of INDEX_PAGE entries (4 KiB), reached
 * through a directory; a page whose entries are all equal (a range much
 * larger than a bucket, or a long hole) is stored in the directory as
 * that entry, tagged INDEX_UNIFORM.  Pages are reference counted and
 * shared between successive views: a commit copies the directory
 * (8 bytes per 512 buckets), rewrites only the buckets meeting the
 * addresses of the ranges that moved between leaves (the tree's splice
 * reports them), and copies only the pages holding those buckets.  The
 * bucket geometry is kept until the number of ranges drifts by a factor
 * of four from the number it was planned for, or a quarter as many
 * splices as there were ranges reached outside the table (ranges added
 * below the first start or above the last, which are found by descent
 * meanwhile); the rebuild that follows is O(n), so amortised O(1) per
 * splice.
 *
 * Size: 8 bytes per bucket, so 32 bytes per range up to INDEX_FINE_MAX
 * ranges (fewer with uniform pages) and 2 beyond, plus the directory.
 */
#ifndef MEMSPACE_FLATVIEW_INDEX_H
#define MEMSPACE_FLATVIEW_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftree.h"

#define INDEX_PAGE_SHIFT 9
#define INDEX_PAGE ((size_t)1 << INDEX_PAGE_SHIFT)
#define INDEX_UNIFORM ((uint64_t)1 << 63)

/*
 * Entries: a leaf (aligned to FT_LEAF_ALIGN) | the slot of the bucket's
 * first range << INDEX_SLOT_SHIFT | the number of ranges of the leaf
 * meeting the bucket (1-15; 0: they run on into the next leaf) | hints:
 * for each of the bucket's last three quarters, which of those ranges is
 * the first to reach into it (0-15, 4 bits each from INDEX_HINT_SHIFT;
 * user addresses stay below 2^47), so that a lookup scans from there; or
 * one of:
 */
#define INDEX_ENTRY_NONE ((uint64_t)0)
#define INDEX_ENTRY_DESCEND ((uint64_t)1 << INDEX_SLOT_SHIFT)
#define INDEX_MAX_COUNT 15
#define INDEX_SLOT_SHIFT 4
#define INDEX_SLOT_MASK ((uint64_t)63)
#define INDEX_HINT_SHIFT 48
#define INDEX_PTR_MASK (((uint64_t)1 << INDEX_HINT_SHIFT) - 1)

/* The entry naming @fr (stored in a tree) with count @k. */
static inline uint64_t
index_entry_of(const struct flat_range *fr, unsigned k)
{
	const struct ft_leaf *l = ft_leaf_of(fr);

	/* The hints take the bits above user addresses (x86-64, AArch64
	 * with 48-bit virtual addresses: under 2^47, or 2^48). */
	g_assert(((uint64_t)(uintptr_t)l & ~INDEX_PTR_MASK) == 0);
	return (uint64_t)(uintptr_t)l |
	       (uint64_t)(fr - l->r) << INDEX_SLOT_SHIFT | k;
}

/* The first range an entry names. */
static inline const struct flat_range *
index_entry_range(uint64_t e)
{
	const struct ft_leaf *l = (const struct ft_leaf *)(uintptr_t)(
		e & INDEX_PTR_MASK & ~(uint64_t)(FT_LEAF_ALIGN - 1));

	return &l->r[(e >> INDEX_SLOT_SHIFT) & INDEX_SLOT_MASK];
}

/* Views with at most this many ranges get four buckets per range. */
#define INDEX_FINE_MAX 32768

struct slab;

struct block_pool;

struct index_page {
	uint64_t e[INDEX_PAGE];
	gint ref;
	struct slab *slab; /* the bulk allocation it came from, or NULL */
	struct block_pool *pool; /* else the pool it goes back to, or NULL */
};

/**
 * struct flat_index - radix table over a view's tree
 * @tree: the view's ranges.
 * @dir: @nr_pages entries: a struct index_page, or INDEX_UNIFORM | entry.
 * @nr_pages: number of pages (0 for a view with no range).
 * @base: first address of bucket 0.
 * @shift: log2 of the bucket size.
 * @qshift: log2 of a quarter of it (0 for buckets of under 4 bytes, whose
 *	entries carry no hints).
 * @nr_buckets: @nr_pages * INDEX_PAGE.
 * @planned: number of ranges the geometry was planned for.
 * @outside: splices since then that reached addresses outside the table
 *	(ranges there are found by descent).
 * @pool: where updates take the pages they copy (pool.h), or NULL.
 */
struct flat_index {
	const struct flat_tree *tree;
	uint64_t *dir;
	size_t nr_pages;
	uint64_t base;
	unsigned shift;
	unsigned qshift;
	uint64_t nr_buckets;
	size_t planned;
	size_t outside;
	struct block_pool *pool;
};

/* Build the index of @t into @ix. */
void flat_index_build(struct flat_index *ix, const struct flat_tree *t);

/*
 * Build into @ix the index of @t, which a splice made from the tree of
 * @old: outside the @nr sorted, disjoint address windows @w (pairs of
 * first and last address), every range of @t sits in the same leaf as
 * in @old's tree.  Shares @old's untouched pages; the result is the index
 * flat_index_build() would give, bucket for bucket, when the geometry
 * holds.
 */
void flat_index_update(struct flat_index *ix, const struct flat_index *old,
		       const struct flat_tree *t, const uint64_t (*w)[2],
		       size_t nr);

/* Release @ix's directory and its references to pages. */
void flat_index_free(struct flat_index *ix);

/*
 * Check the index against its tree; true if sound.  Only tests call it;
 * it is kept here because it checks every bucket against a descent.
 */
bool flat_index_verify(const struct flat_index *ix);

/* Whether two indexes hold the same entries (tests only). */
bool flat_index_equal(const struct flat_index *a, const struct flat_index *b);

/* Bytes of the directory and the pages (shared pages in full). */
size_t flat_index_bytes(const struct flat_index *ix);

/* The entry of bucket @b (< @ix->nr_buckets). */
static inline uint64_t
flat_index_entry(const struct flat_index *ix, uint64_t b)
{
	uint64_t d = ix->dir[b >> INDEX_PAGE_SHIFT];

	return d & INDEX_UNIFORM ?
		       d & ~INDEX_UNIFORM :
		       ((const struct index_page *)(uintptr_t)d)
			       ->e[b & (INDEX_PAGE - 1)];
}

const struct flat_range *flat_index_find_slow(const struct flat_index *ix,
					      uint64_t e, uint64_t addr);

/* @addr is past every range scanned (index_scan()). */
#define INDEX_PAST ((const struct flat_range *)1)

/*
 * The range of the @k adjacent ranges from @r holding @addr; NULL if
 * @addr falls in a hole among them, INDEX_PAST if beyond the last.
 */
static inline const struct flat_range *
index_scan(const struct flat_range *r, unsigned k, uint64_t addr)
{
	for (unsigned j = 0; j < k; j++) {
		if (addr <= r[j].last) {
			return addr >= r[j].start ? &r[j] : NULL;
		}
	}
	return INDEX_PAST;
}

/* The range holding @addr, or NULL (lock-free, any thread). */
static inline const struct flat_range *
flat_index_find(const struct flat_index *ix, uint64_t addr)
{
	uint64_t b = (addr - ix->base) >> ix->shift, e;
	const struct flat_range *r;
	unsigned k, q, j;

	if (addr < ix->base || b >= ix->nr_buckets) {
		return ft_find(ix->tree, addr);
	}
	e = flat_index_entry(ix, b);
	k = (unsigned)(e & INDEX_MAX_COUNT);
	if (__builtin_expect(!k, 0)) {
		return flat_index_find_slow(ix, e, addr);
	}
	/* Start at the first candidate reaching the address's quarter. */
	q = (unsigned)((addr - ix->base) >> ix->qshift) & 3;
	j = q ? (unsigned)(e >> (INDEX_HINT_SHIFT - 4 + 4 * q)) & 15 : 0;
	r = index_entry_range(e) + j;
	k -= j;
	/* The candidates share one or a few lines: fetch them together,
	 * so that the scan costs one memory round trip. */
	if (!k) {
		return NULL; /* none reaches that quarter */
	}
	for (const char *p = (const char *)(r + 1);
	     p < (const char *)(r + k); p += 64) {
		__builtin_prefetch(p);
	}
	__builtin_prefetch((const char *)(r + k) - 1);
	r = index_scan(r, k, addr);
	/* The bucket ends before the next range of the leaf starts. */
	return r != INDEX_PAST ? r : NULL;
}

#endif /* MEMSPACE_FLATVIEW_INDEX_H */
