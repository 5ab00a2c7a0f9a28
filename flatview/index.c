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
fill_run(const struct flat_index *ix, uint32_t *buckets, size_t b, size_t i,
	 size_t limit)
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
	end = end < limit ? end : limit;
	for (; k < end; k++) {
		buckets[k] = e;
	}
	return k;
}

/* Number of buckets (log2 of the bucket size) for a span of @span. */
static unsigned
plan_shift(const struct flat_index *ix, uint64_t span)
{
	unsigned shift = 0;

	while ((span >> shift) >= ix->nr_buckets) {
		shift++;
	}
	return shift;
}

/* The last range starting at or below offset @off (one starts at 0). */
static size_t
last_start_bisect(const struct flat_index *ix, uint64_t off, size_t lo,
		  size_t hi)
{
	/* Invariant: start_off(lo) <= off, and every range from @hi on
	 * starts above @off. */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (start_off(ix, mid) <= off) {
			lo = mid;
		} else {
			hi = mid;
		}
	}
	return lo;
}

/*
 * Bucket b covers offsets [b << shift, ((b + 1) << shift) - 1] from the
 * base, which fit 64 bits for b < nr_buckets; bucket nr_buckets takes the
 * addresses above (none when the table reaches 2^64).
 *
 * Fill buckets [@b, @end) of @buckets; @i holds the last start at or below
 * the first of them.  O(ranges + buckets) over that stretch: only buckets
 * that straddle a range boundary are worked out.
 */
static void
fill_buckets(const struct flat_index *ix, uint32_t *buckets, size_t b,
	     size_t end, size_t i)
{
	while (b < end) {
		uint64_t lo = (uint64_t)b << ix->shift;
		size_t next;

		i = last_start_at(ix, lo, i);
		next = fill_run(ix, buckets, b, i, end);
		if (next == b) {
			buckets[b] = bucket_entry(
				ix, lo, lo + ((1ull << ix->shift) - 1), i);
			next = b + 1;
		}
		b = next;
	}
}

/* Above the last bucket: only the last range can reach there. */
static uint32_t
top_entry(const struct flat_index *ix)
{
	return (u128)ix->nr_buckets << ix->shift <= last_off(ix, ix->nr - 1) ?
		       INDEX_ENTRY_RANGE | (uint32_t)(ix->nr - 1) :
		       INDEX_ENTRY_NONE;
}

/*
 * Size @ix for @nr ranges (nr > 0) and allocate its levels; returns the
 * leaves, whose keys the caller fills (padding included).
 */
static int64_t *
index_setup(struct flat_index *ix, const struct flat_range *ranges, size_t nr,
	    size_t *ret_nr_keys)
{
	size_t nr_leaves = (nr + INDEX_LEAF_KEYS - 1) / INDEX_LEAF_KEYS;
	size_t count[INDEX_MAX_HEIGHT], total;
	int64_t *p;

	*ix = (struct flat_index){ .ranges = ranges, .nr = nr };
	/* Range numbers must fit an INDEX_ENTRY_RANGE entry. */
	assert(nr < INDEX_ENTRY_NONE - INDEX_ENTRY_RANGE);
	total = plan_levels(nr_leaves, count, &ix->height);
	/* One more leaf of padding: the entry ranks leaf pairs. */
	*ret_nr_keys = (nr_leaves + 1) * INDEX_LEAF_KEYS;
	ix->nr_buckets = plan_buckets(nr);
	p = index_alloc(ix,
			(total + *ret_nr_keys) * 8 + (ix->nr_buckets + 1) * 4);
	ix->leaves = (const uint64_t *)(p + total);
	ix->base = ranges[0].start;
	ix->shift = plan_shift(ix, ranges[nr - 1].start - ix->base);
	ix->buckets = (const uint32_t *)(p + total + *ret_nr_keys);
	ix->prefetch = nr * sizeof(*ranges) > ((size_t)256 << 10);
#if INDEX_HAVE_X86
	ix->avx2 = __builtin_cpu_supports("avx2") &&
		   __builtin_cpu_supports("popcnt");
#endif
	return p;
}

/* Fill the internal levels of @ix over its (filled) leaves. */
static void
index_levels(struct flat_index *ix, int64_t *p)
{
	size_t nr_leaves = (ix->nr + INDEX_LEAF_KEYS - 1) / INDEX_LEAF_KEYS;
	size_t count[INDEX_MAX_HEIGHT];
	unsigned height;

	(void)plan_levels(nr_leaves, count, &height);
	build_levels(ix, p, count, (const int64_t *)ix->leaves, nr_leaves);
}

void
flat_index_build(struct flat_index *ix, const struct flat_range *ranges,
		 size_t nr)
{
	size_t nr_keys;
	int64_t *p, *leaves;

	if (nr == 0) {
		*ix = (struct flat_index){ .ranges = ranges,
					   .base = UINT64_MAX };
		return;
	}
	p = index_setup(ix, ranges, nr, &nr_keys);
	leaves = (int64_t *)ix->leaves;
	for (size_t i = 0; i < nr_keys; i++) {
		leaves[i] = i < nr ? bias(ranges[i].start) : KEY_MAX;
	}
	index_levels(ix, p);
	fill_buckets(ix, (uint32_t *)ix->buckets, 0, ix->nr_buckets, 0);
	((uint32_t *)ix->buckets)[ix->nr_buckets] = top_entry(ix);
}

/* The last range of @ix starting at or below offset @off, searched in
 * [@lo, @hi) (clamped to the ranges); range @lo must start at or below. */
static size_t
last_start_in(const struct flat_index *ix, uint64_t off, size_t lo, size_t hi)
{
	return last_start_bisect(ix, off, lo, hi < ix->nr ? hi : ix->nr);
}

/*
 * The entry of a bucket [@lo, @hi] of @ix that lies above every changed
 * range, from its entry @e in @old; the ranges meeting it moved by @d
 * positions.
 */
static uint32_t
shifted_entry(const struct flat_index *ix, uint32_t e, uint64_t lo,
	      uint64_t hi, ptrdiff_t d)
{
	size_t i, j, first = 0, hi_pos = ix->nr;

	if (e == INDEX_ENTRY_NONE) {
		return e;
	}
	if (e != INDEX_ENTRY_DESCEND && (e & INDEX_ENTRY_RANGE)) {
		return (uint32_t)((ptrdiff_t)e + d);
	}
	if (d % INDEX_LEAF_KEYS == 0 && e != INDEX_ENTRY_DESCEND) {
		return (uint32_t)((ptrdiff_t)e + d / INDEX_LEAF_KEYS);
	}
	if (e != INDEX_ENTRY_DESCEND) {
		/* The ranges meeting the bucket were in leaves e, e + 1. */
		ptrdiff_t f = (ptrdiff_t)e * INDEX_LEAF_KEYS + d;

		first = f > 0 ? (size_t)f : 0;
		hi_pos = (size_t)(f + 2 * INDEX_LEAF_KEYS);
	}
	i = last_start_in(ix, lo, first, hi_pos);
	j = last_start_in(ix, hi, i, hi_pos);
	return j / INDEX_LEAF_KEYS - i / INDEX_LEAF_KEYS <= 1 ?
		       (uint32_t)(i / INDEX_LEAF_KEYS) :
		       INDEX_ENTRY_DESCEND;
}

/*
 * Buckets from @bs on, above every changed range: range entries move by
 * @d, leaf entries by @d / INDEX_LEAF_KEYS when that is whole; the others
 * are worked out again (shifted_entry()).
 */
static void
shift_buckets(struct flat_index *ix, const struct flat_index *old, size_t bs,
	      ptrdiff_t d)
{
	uint32_t *buckets = (uint32_t *)ix->buckets;
	bool whole = d % INDEX_LEAF_KEYS == 0;
	uint32_t dl = (uint32_t)(d / INDEX_LEAF_KEYS), dr = (uint32_t)d;

	for (size_t b = bs; b < ix->nr_buckets; b++) {
		uint32_t e = old->buckets[b];

		if (e >= INDEX_ENTRY_RANGE && e < INDEX_ENTRY_NONE) {
			buckets[b] = e + dr;
		} else if (e == INDEX_ENTRY_NONE) {
			buckets[b] = e;
		} else if (whole && e < INDEX_ENTRY_RANGE) {
			buckets[b] = e + dl;
		} else {
			uint64_t lo = (uint64_t)b << ix->shift;

			buckets[b] = shifted_entry(
				ix, e, lo, lo + ((1ull << ix->shift) - 1), d);
		}
	}
}

/* Offset of the start of range @i of @ix, or UINT64_MAX if none. */
static uint64_t
start_or_max(const struct flat_index *ix, size_t i)
{
	return i < ix->nr ? start_off(ix, i) : UINT64_MAX;
}

/*
 * Buckets of @ix from @old: those below every changed range are copied,
 * those above every changed range are copied with their range positions
 * moved, the rest (the change) is worked out.  @p and @s as for
 * flat_index_update().
 */
static void
update_buckets(struct flat_index *ix, const struct flat_index *old, size_t p,
	       size_t s)
{
	uint32_t *buckets = (uint32_t *)ix->buckets;
	ptrdiff_t d = (ptrdiff_t)ix->nr - (ptrdiff_t)old->nr;
	uint64_t x = start_or_max(ix, p), y = 0;
	size_t bp, bs, i;

	/* Below the first changed start in either view, nothing moved. */
	x = x < start_or_max(old, p) ? x : start_or_max(old, p);
	bp = x == UINT64_MAX ? ix->nr_buckets : (size_t)(x >> ix->shift);
	bp = bp < ix->nr_buckets ? bp : ix->nr_buckets;
	/* Above the last changed range in either view, all moved by d. */
	if (ix->nr > s + p || old->nr > s + p) {
		y = ix->nr > s ? last_off(ix, ix->nr - s - 1) : 0;
		y = old->nr > s && last_off(old, old->nr - s - 1) > y ?
			    last_off(old, old->nr - s - 1) :
			    y;
		bs = (size_t)(y >> ix->shift) + 1;
	} else {
		bs = bp;
	}
	bs = bs > bp ? bs : bp;
	bs = bs < ix->nr_buckets ? bs : ix->nr_buckets;
	memcpy(buckets, old->buckets, bp * sizeof(*buckets));
	i = last_start_in(ix, (uint64_t)bp << ix->shift, 0, ix->nr);
	fill_buckets(ix, buckets, bp, bs, i);
	if (d == 0) {
		memcpy(buckets + bs, old->buckets + bs,
		       (ix->nr_buckets - bs) * sizeof(*buckets));
	} else {
		shift_buckets(ix, old, bs, d);
	}
	buckets[ix->nr_buckets] = top_entry(ix);
}

void
flat_index_update(struct flat_index *ix, const struct flat_index *old,
		  const struct flat_range *ranges, size_t nr, size_t p,
		  size_t s)
{
	size_t nr_keys, mid;
	int64_t *pm, *leaves;

	/* Moving the radix entries above the change costs about what
	 * working them out does while the table has four buckets per range
	 * (most fill runs inside a range or gap): only copies pay there. */
	if (nr == 0 || old->nr == 0 || p + s > nr || p + s > old->nr ||
	    (nr != old->nr && nr <= INDEX_FINE_MAX) ||
	    ranges[0].start != old->base ||
	    plan_buckets(nr) != old->nr_buckets) {
		flat_index_build(ix, ranges, nr);
		return;
	}
	pm = index_setup(ix, ranges, nr, &nr_keys);
	if (ix->shift != old->shift) {
		flat_index_free(ix);
		flat_index_build(ix, ranges, nr);
		return;
	}
	leaves = (int64_t *)ix->leaves;
	mid = nr - s;
	memcpy(leaves, old->leaves, p * sizeof(*leaves));
	for (size_t i = p; i < mid; i++) {
		leaves[i] = bias(ranges[i].start);
	}
	memcpy(leaves + mid, old->leaves + (old->nr - s), s * sizeof(*leaves));
	for (size_t i = nr; i < nr_keys; i++) {
		leaves[i] = KEY_MAX;
	}
	index_levels(ix, pm);
	update_buckets(ix, old, p, s);
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

/* Bytes of the internal levels and leaves of @ix (they are contiguous). */
static size_t
index_key_bytes(const struct flat_index *ix)
{
	return (size_t)((const char *)ix->buckets -
			(const char *)(ix->height ? ix->level[0] : ix->leaves));
}

bool
flat_index_equal(const struct flat_index *a, const struct flat_index *b)
{
	if (a->nr != b->nr || a->nr == 0) {
		return a->nr == b->nr;
	}
	return a->base == b->base && a->shift == b->shift &&
	       a->nr_buckets == b->nr_buckets && a->height == b->height &&
	       index_key_bytes(a) == index_key_bytes(b) &&
	       !memcmp(a->height ? a->level[0] : a->leaves,
		       b->height ? b->level[0] : b->leaves,
		       index_key_bytes(a)) &&
	       !memcmp(a->buckets, b->buckets,
		       (a->nr_buckets + 1) * sizeof(*a->buckets));
}
