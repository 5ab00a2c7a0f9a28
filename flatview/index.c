/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Building, updating and searching the index of a flat view (layout and
 * invariants in index.h).
 */
#include "config.h"

#include <string.h>

#include "flatview-internal.h"
#include "slab.h"
#include "pool.h"

static void
page_unref(uint64_t d)
{
	struct index_page *p = (struct index_page *)(uintptr_t)d;

	if (!g_atomic_int_dec_and_test(&p->ref)) {
		return;
	}
	if (p->slab) {
		slab_put(p->slab);
	} else if (p->pool) {
		block_pool_give(p->pool, p);
	} else {
		g_free(p);
	}
}

/*
 * Where writes to a directory go: pages made by this build are @fresh;
 * @touched lists them (small tables keep both on the stack).
 */
#define WRITER_INLINE 256

struct writer {
	struct flat_index *ix;
	uint8_t *fresh;
	size_t *touched;
	size_t nr_touched;
	size_t cap_touched;
	uint8_t fresh_buf[WRITER_INLINE];
	size_t touched_buf[16];
	struct slab *slab; /* a full build's pages, or NULL */
	size_t cur_pg; /* the page last written, private: */
	struct index_page *cur;
};

/* Page @pg of the directory, made private to this build. */
static struct index_page *
page_writable(struct writer *w, size_t pg)
{
	uint64_t d = w->ix->dir[pg];
	struct index_page *p;

	if (!(d & INDEX_UNIFORM) && w->fresh[pg]) {
		return (struct index_page *)(uintptr_t)d;
	}
	p = w->slab ? slab_take(w->slab) : NULL;
	if (p) {
		p->slab = w->slab;
	} else {
		/* Entries are 8-byte aligned, so never split across lines;
		 * an aligned allocation costs several times a plain one. */
		p = w->ix->pool ? block_pool_take(w->ix->pool) :
				  g_malloc(sizeof(*p));
		p->slab = NULL;
	}
	p->pool = p->slab ? NULL : w->ix->pool;
	p->ref = 1;
	if (d & INDEX_UNIFORM) {
		for (size_t i = 0; i < INDEX_PAGE; i++) {
			p->e[i] = d & ~INDEX_UNIFORM;
		}
	} else {
		memcpy(p->e, ((struct index_page *)(uintptr_t)d)->e,
		       sizeof(p->e));
		page_unref(d);
	}
	w->ix->dir[pg] = (uint64_t)(uintptr_t)p;
	w->fresh[pg] = 1;
	if (w->nr_touched == w->cap_touched) {
		size_t *t = g_new(size_t, 2 * w->cap_touched);

		memcpy(t, w->touched, w->nr_touched * sizeof(*t));
		if (w->touched != w->touched_buf) {
			g_free(w->touched);
		}
		w->touched = t;
		w->cap_touched *= 2;
	}
	w->touched[w->nr_touched++] = pg;
	return p;
}

/* Entry @e for buckets [@b, @end]. */
static void
set_run(struct writer *w, uint64_t b, uint64_t end, uint64_t e)
{
	/* One bucket of the page last written: a store. */
	if (b == end && w->cur && w->cur_pg == b >> INDEX_PAGE_SHIFT) {
		w->cur->e[b & (INDEX_PAGE - 1)] = e;
		return;
	}
	while (b <= end) {
		size_t pg = (size_t)(b >> INDEX_PAGE_SHIFT);
		uint64_t first = (uint64_t)pg << INDEX_PAGE_SHIFT;
		uint64_t stop = MIN(end, first + INDEX_PAGE - 1);

		if (b == first && stop == first + INDEX_PAGE - 1) {
			uint64_t d = w->ix->dir[pg];

			if (!(d & INDEX_UNIFORM)) {
				page_unref(d);
			}
			w->ix->dir[pg] = INDEX_UNIFORM | e;
			w->fresh[pg] = 0;
			w->cur = w->cur_pg == pg ? NULL : w->cur;
		} else {
			struct index_page *p = page_writable(w, pg);

			for (uint64_t x = b; x <= stop; x++) {
				p->e[x & (INDEX_PAGE - 1)] = e;
			}
			w->cur_pg = pg;
			w->cur = p;
		}
		b = stop + 1;
	}
}

/* Pages the build left with one entry throughout become uniform. */
static void
compress(struct writer *w)
{
	for (size_t i = 0; i < w->nr_touched; i++) {
		size_t pg = w->touched[i];
		uint64_t d = w->ix->dir[pg];
		const struct index_page *p =
			(const struct index_page *)(uintptr_t)d;
		size_t j = 1;

		if (d & INDEX_UNIFORM || !w->fresh[pg]) {
			continue;
		}
		while (j < INDEX_PAGE && p->e[j] == p->e[0]) {
			j++;
		}
		if (j == INDEX_PAGE) {
			w->ix->dir[pg] = INDEX_UNIFORM | p->e[0];
			w->fresh[pg] = 0;
			page_unref(d);
		}
	}
}

static uint64_t
bucket_of(const struct flat_index *ix, uint64_t addr)
{
	uint64_t b = (addr - ix->base) >> ix->shift;

	return b < ix->nr_buckets ? b : ix->nr_buckets;
}

static u128
bucket_lo(const struct flat_index *ix, uint64_t b)
{
	return (u128)ix->base + ((u128)b << ix->shift);
}

/*
 * The hints of an entry for the @k ranges from @r meeting the bucket
 * ending at @hi (see index.h).
 */
static uint64_t
quarter_hints(const struct flat_index *ix, const struct flat_range *r,
	      unsigned k, u128 hi)
{
	u128 quarter, lo;
	uint64_t h = 0;
	unsigned j = 0;

	if (ix->shift < 2) {
		return 0; /* qshift would not split the bucket */
	}
	quarter = (u128)1 << ix->qshift;
	lo = hi + 1 - 4 * quarter;
	for (unsigned q = 1; q < 4; q++) {
		while (j < k && (u128)r[j].last < lo + q * quarter) {
			j++;
		}
		h |= (uint64_t)j << (INDEX_HINT_SHIFT + 4 * (q - 1));
	}
	return h;
}

/* The entry of the bucket ending at @hi whose first range is @c's. */
static uint64_t
entry_at(const struct flat_index *ix, const struct ft_cursor *c,
	 const struct flat_range *r, u128 hi)
{
	const struct ft_leaf *l = c->leaf;
	unsigned k = 1;

	while (c->slot + k < l->nr && l->r[c->slot + k].start <= hi) {
		k++;
	}
	if (c->slot + k == l->nr) {
		struct ft_cursor nx = *c;

		ft_cursor_next_leaf(&nx);
		if (nx.leaf && nx.leaf->r[0].start <= hi) {
			/* Continues into the next leaf: tag 0. */
			return k <= INDEX_MAX_COUNT ? index_entry_of(r, 0) :
						      INDEX_ENTRY_DESCEND;
		}
	}
	return k <= INDEX_MAX_COUNT ?
		       index_entry_of(r, k) | quarter_hints(ix, r, k, hi) :
		       INDEX_ENTRY_DESCEND;
}

/*
 * Work out buckets [@b, @b1]; @c holds the first range whose last address
 * is at or above the first address of bucket @b.
 */
static void
fill(struct writer *w, uint64_t b, uint64_t b1, struct ft_cursor *c)
{
	const struct flat_index *ix = w->ix;
	u128 bs = (u128)1 << ix->shift;

	while (b <= b1) {
		u128 lo = bucket_lo(ix, b), hi = lo + bs - 1;
		const struct flat_range *r;
		uint64_t end;

		while ((r = ft_cursor_get(c)) && r->last < lo) {
			ft_cursor_next(c);
		}
		if (!r) {
			set_run(w, b, b1, INDEX_ENTRY_NONE);
			return;
		}
		if (r->start > hi) {
			/* A hole up to the bucket holding r's start. */
			end = MIN(bucket_of(ix, r->start) - 1, b1);
			set_run(w, b, end, INDEX_ENTRY_NONE);
		} else if (r->start <= lo && r->last >= hi) {
			/* Buckets wholly inside r. */
			u128 off = (u128)r->last - ix->base;

			end = (uint64_t)MIN(off >> ix->shift,
					    (u128)ix->nr_buckets - 1);
			if (((off + 1) & (bs - 1)) != 0 &&
			    (off >> ix->shift) == end) {
				end--; /* r ends inside bucket end */
			}
			end = MIN(end, b1);
			set_run(w, b, end, index_entry_of(r, 1));
		} else {
			uint64_t e = entry_at(ix, c, r, hi);

			end = b;
			set_run(w, b, b, e);
		}
		b = end + 1;
	}
}

static void
writer_init(struct writer *w, struct flat_index *ix)
{
	w->ix = ix;
	if (ix->nr_pages <= WRITER_INLINE) {
		memset(w->fresh_buf, 0, ix->nr_pages);
		w->fresh = w->fresh_buf;
	} else {
		w->fresh = g_malloc0(ix->nr_pages);
	}
	w->touched = w->touched_buf;
	w->nr_touched = 0;
	w->cap_touched = G_N_ELEMENTS(w->touched_buf);
	w->slab = NULL;
	w->cur = NULL;
	w->cur_pg = 0;
}

static void
writer_finish(struct writer *w)
{
	compress(w);
	if (w->slab) {
		slab_put(w->slab);
	}
	if (w->fresh != w->fresh_buf) {
		g_free(w->fresh);
	}
	if (w->touched != w->touched_buf) {
		g_free(w->touched);
	}
}

/*
 * Ranges left out at each end when the bucket size is worked out: 1/1024
 * of them.  A few ranges far from the others (a page at 0x1000 below a
 * map at 4 GiB) would otherwise set the span, and spread the bulk of the
 * ranges over a few buckets that each meet a dozen.  Only a handful: the
 * low RAM of a machine whose hundreds of BARs sit together at 32 GiB is
 * not an outlier (and views under 1024 ranges keep their whole span).
 */
#define INDEX_TRIM_SHIFT 10

/* Plan the geometry for @t: base, bucket size and number of pages. */
static void
plan(struct flat_index *ix, const struct flat_tree *t)
{
	size_t want = t->nr <= INDEX_FINE_MAX ? 4 * t->nr : t->nr / 4;
	size_t lo_i = t->nr >> INDEX_TRIM_SHIFT, hi_i = t->nr - 1 - lo_i;
	uint64_t nb = INDEX_PAGE, first, last, lo, hi, need;
	u128 w, slack, below, above;

	*ix = (struct flat_index){ .tree = t, .planned = t->nr };
	if (!t->nr) {
		return;
	}
	while (nb < want) {
		nb *= 2;
	}
	first = ft_at(t, 0)->start;
	last = ft_at(t, t->nr - 1)->start;
	lo = ft_at(t, lo_i)->start;
	hi = ft_at(t, hi_i)->start;
	/* The span all ranges would take at the density of the middle. */
	need = hi_i > lo_i ? (uint64_t)MIN((u128)(hi - lo) * (t->nr - 1) /
						   (hi_i - lo_i),
					   (u128)(last - first)) :
			     last - first;
	while (ix->shift < 63 && (need >> ix->shift) >= nb) {
		ix->shift++;
	}
	/*
	 * The table covers every start if it can; else the middle and as
	 * much of the nearer end as fits (the rest is found by descent,
	 * and splices there count as outside).
	 */
	w = (u128)nb << ix->shift;
	below = lo - first;
	above = last - hi;
	ix->base = first;
	if ((u128)(last - first) >= w) {
		slack = w - 1 - (hi - lo);
		ix->base = below <= above ? lo - (uint64_t)MIN(below, slack) :
					    lo - (uint64_t)(slack -
							    MIN(above, slack));
	}
	ix->nr_buckets = nb;
	ix->nr_pages = (size_t)(nb >> INDEX_PAGE_SHIFT);
	ix->qshift = ix->shift >= 2 ? ix->shift - 2 : 0;
}

void
flat_index_build(struct flat_index *ix, const struct flat_tree *t)
{
	struct writer w;
	struct ft_cursor c;

	plan(ix, t);
	if (!ix->nr_pages) {
		return;
	}
	ix->dir = g_new(uint64_t, ix->nr_pages);
	for (size_t i = 0; i < ix->nr_pages; i++) {
		ix->dir[i] = INDEX_UNIFORM | INDEX_ENTRY_NONE;
	}
	writer_init(&w, ix);
	/* Large tables on huge pages, in one block. */
	if (ix->nr_pages >= 64) {
		w.slab = slab_new(sizeof(struct index_page), 64, ix->nr_pages);
	}
	ft_cursor_seek(&c, t, 0);
	fill(&w, 0, ix->nr_buckets - 1, &c);
	writer_finish(&w);
}

void
flat_index_update(struct flat_index *ix, const struct flat_index *old,
		  const struct flat_tree *t, const uint64_t (*win)[2],
		  size_t nr)
{
	struct writer w;
	u128 top;

	size_t outside = old->outside;

	if (old->nr_pages) {
		top = bucket_lo(old, old->nr_buckets) - 1;
		for (size_t k = 0; k < nr; k++) {
			if (win[k][0] <= win[k][1] &&
			    (win[k][0] < old->base || win[k][1] > top)) {
				outside++;
				break;
			}
		}
	}
	if (!old->nr_pages || !t->nr || t->nr > 4 * old->planned + 16 ||
	    4 * t->nr + 16 < old->planned || 4 * outside > old->planned + 4) {
		flat_index_build(ix, t);
		ix->pool = old->pool;
		return;
	}
	*ix = *old;
	ix->outside = outside;
	ix->tree = t;
	ix->dir = g_memdup2(old->dir, old->nr_pages * sizeof(uint64_t));
	for (size_t i = 0; i < ix->nr_pages; i++) {
		if (!(ix->dir[i] & INDEX_UNIFORM)) {
			g_atomic_int_inc(
				&((struct index_page *)(uintptr_t)ix->dir[i])
					 ->ref);
		}
	}
	top = bucket_lo(ix, ix->nr_buckets) - 1;
	writer_init(&w, ix);
	for (size_t k = 0; k < nr; k++) {
		uint64_t a = MAX(win[k][0], ix->base), b0, b1;
		struct ft_cursor c;

		if (win[k][0] > win[k][1] || win[k][1] < ix->base || a > top) {
			continue;
		}
		b0 = bucket_of(ix, a);
		b1 = bucket_of(ix, (uint64_t)MIN((u128)win[k][1], top));
		ft_cursor_seek(&c, t,
			       ft_first_ending_at_or_above(
				       t, (uint64_t)bucket_lo(ix, b0)));
		fill(&w, b0, b1, &c);
	}
	writer_finish(&w);
}

void
flat_index_free(struct flat_index *ix)
{
	for (size_t i = 0; i < ix->nr_pages; i++) {
		if (!(ix->dir[i] & INDEX_UNIFORM)) {
			page_unref(ix->dir[i]);
		}
	}
	g_free(ix->dir);
	ix->dir = NULL;
	ix->nr_pages = 0;
	ix->nr_buckets = 0;
}

const struct flat_range *
flat_index_find_slow(const struct flat_index *ix, uint64_t e, uint64_t addr)
{
	const struct flat_range *r, *got, *r2 = NULL;
	const struct ft_leaf *l, *l2 = NULL;
	uint64_t b;

	if (e == INDEX_ENTRY_NONE) {
		return NULL;
	}
	if (e == INDEX_ENTRY_DESCEND) {
		return ft_find(ix->tree, addr);
	}
	r = index_entry_range(e);
	l = ft_leaf_of(r);
	/*
	 * The bucket's ranges run on into the next leaf.  The next bucket's
	 * entry, most often on the same line, names the first range meeting
	 * that bucket, in a later leaf: an address past this leaf's ranges
	 * lies in that leaf's ranges up to that one, unless a whole leaf
	 * between (starting above the address) was skipped.  Fetch both
	 * leaves' candidates at once, so that this costs one memory round
	 * trip, not a descent of the tree after the first.
	 */
	b = (addr - ix->base) >> ix->shift;
	if (b + 1 < ix->nr_buckets) {
		uint64_t e2 = flat_index_entry(ix, b + 1);

		if (e2 != INDEX_ENTRY_NONE && e2 != INDEX_ENTRY_DESCEND) {
			r2 = index_entry_range(e2);
			l2 = ft_leaf_of(r2);
			if (l2 != l) {
				__builtin_prefetch(l2->r);
				__builtin_prefetch((const char *)r2);
			}
		}
	}
	for (const char *p = (const char *)(r + 1);
	     p < (const char *)&l->r[l->nr]; p += 64) {
		__builtin_prefetch(p);
	}
	got = index_scan(r, (unsigned)(&l->r[l->nr] - r), addr);
	if (got != INDEX_PAST) {
		return got;
	}
	if (l2 && l2 != l && addr >= l2->r[0].start) {
		/* r2 ends in the next bucket, past @addr: it or one before
		 * it holds @addr, or @addr falls in a hole. */
		got = index_scan(l2->r, (unsigned)(r2 - l2->r) + 1, addr);
		if (got != INDEX_PAST) {
			return got;
		}
	}
	return ft_find(ix->tree, addr);
}

static bool
probe_agrees(const struct flat_index *ix, uint64_t addr)
{
	return flat_index_find(ix, addr) == ft_find(ix->tree, addr);
}

bool
flat_index_verify(const struct flat_index *ix)
{
	struct ft_cursor c;
	const struct flat_range *r;

	if (!ix->tree->nr) {
		return ix->nr_pages == 0 && probe_agrees(ix, 0) &&
		       probe_agrees(ix, UINT64_MAX);
	}
	for (uint64_t b = 0; b < ix->nr_buckets; b++) {
		u128 lo = bucket_lo(ix, b);
		uint64_t e = flat_index_entry(ix, b);

		if (lo > UINT64_MAX) {
			break;
		}
		if (e != INDEX_ENTRY_NONE && e != INDEX_ENTRY_DESCEND &&
		    ft_leaf_of(index_entry_range(e))->ref < 1) {
			return false;
		}
		if (!probe_agrees(ix, (uint64_t)lo)) {
			return false;
		}
	}
	for (ft_cursor_seek(&c, ix->tree, 0); (r = ft_cursor_get(&c));
	     ft_cursor_next(&c)) {
		if (!probe_agrees(ix, r->start) || !probe_agrees(ix, r->last) ||
		    !probe_agrees(ix, r->start - 1) ||
		    !probe_agrees(ix, r->last + 1) ||
		    !probe_agrees(ix, r->start + (r->last - r->start) / 2)) {
			return false;
		}
	}
	return probe_agrees(ix, 0) && probe_agrees(ix, UINT64_MAX);
}

bool
flat_index_equal(const struct flat_index *a, const struct flat_index *b)
{
	if (a->nr_buckets != b->nr_buckets || a->base != b->base ||
	    a->shift != b->shift) {
		return false;
	}
	for (uint64_t i = 0; i < a->nr_buckets; i++) {
		if (flat_index_entry(a, i) != flat_index_entry(b, i)) {
			return false;
		}
	}
	return true;
}

size_t
flat_index_bytes(const struct flat_index *ix)
{
	size_t b = ix->nr_pages * sizeof(uint64_t);

	for (size_t i = 0; i < ix->nr_pages; i++) {
		b += ix->dir[i] & INDEX_UNIFORM ? 0 : sizeof(struct index_page);
	}
	return b;
}
