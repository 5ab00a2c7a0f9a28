/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The index of a region's subregions by address (subregion-index.h).
 *
 * The subregions of non-zero size are sorted by address, each with the
 * greatest last address among those up to it: the first that may meet a
 * window is found by binary search on that running maximum, the last by
 * binary search on the addresses.  Between the two, a subregion that does
 * not meet the window ends before it, so the one that sets the running
 * maximum covers its start: leaving out the "wide" subregions (those
 * covering the starts of more than SUBREGION_INDEX_WIDE later ones), which
 * every query checks on its own, bounds how many a query looks at in vain.
 * What meets the window is then put back in list order (render order:
 * overlapping subregions hide one another by it).
 */
#include "config.h"

#include <stdlib.h>

#include "subregion-index.h"

/* Commits a stale index may wait before its rebuild, at the most. */
#define STALE_DELAY_MAX 64
/* Queries an index must answer before its next change to pay for its
 * build (about log2 of the subregions; fewer make the next wait longer),
 * and that must ask before it is built. */
#define PAYBACK_QUERIES 8

struct sri_entry {
	uint64_t addr;
	uint64_t max_last; /* greatest last address up to this entry */
	uint32_t ord; /* list position */
};

/**
 * struct subregion_index - subregions by address
 * @e: the narrow subregions of non-zero size, by address (then list order).
 * @by_ord: every subregion, in list order.
 * @wide: list positions of the wide subregions.
 * @nr: entries in @e.
 * @nr_wide: entries in @wide.
 * @nr_children: entries in @by_ord.
 * @cap: room in @e and @by_ord.
 * @valid: the list and sizes are those it was built from.
 * @walk: too many wide subregions: queries decline.
 * @delay: commits after a change that a rebuild waits for.
 * @stale_gen: commit (struct memspace's @gen) of the last change.
 * @uses: queries answered since the last build.
 * @declined: queries declined since the last change, or the creation.
 * @answered: queries answered in all.
 */
struct subregion_index {
	struct sri_entry *e;
	struct memspace_region **by_ord;
	uint32_t *wide;
	uint32_t nr, nr_wide, nr_children, cap;
	bool valid;
	bool walk;
	uint8_t delay;
	uint64_t stale_gen;
	uint64_t uses;
	uint64_t declined;
	uint64_t answered;
};

static int
entry_cmp(const void *a, const void *b)
{
	const struct sri_entry *x = a, *y = b;

	if (x->addr != y->addr) {
		return x->addr < y->addr ? -1 : 1;
	}
	return x->ord < y->ord ? -1 : x->ord > y->ord;
}

static int
ord_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The last offset @c covers in its parent (at most UINT64_MAX). */
static uint64_t
child_last(const struct memspace_region *c)
{
	u128 last = (u128)c->addr + c->size - 1;

	return last > UINT64_MAX ? UINT64_MAX : (uint64_t)last;
}

/* Whether entry @i covers the starts of more than SUBREGION_INDEX_WIDE
 * later entries (@e by address). */
static bool
entry_wide(const struct subregion_index *x, uint32_t i)
{
	uint32_t j = i + SUBREGION_INDEX_WIDE + 1;

	return j < x->nr && x->e[j].addr <= child_last(x->by_ord[x->e[i].ord]);
}

/* Set aside the wide entries and compute the running maximum. */
static void
split_wide(struct subregion_index *x)
{
	uint32_t nw = 0, m = 0;
	uint64_t max_last = 0;

	for (uint32_t i = 0; i < x->nr; i++) {
		nw += entry_wide(x, i);
	}
	g_free(x->wide);
	x->wide = g_new(uint32_t, nw ? nw : 1);
	x->nr_wide = nw;
	x->walk = (uint64_t)nw * 8 > x->nr;
	nw = 0;
	/* In place: entry i is read before entries up to i are written. */
	for (uint32_t i = 0; i < x->nr; i++) {
		struct sri_entry en = x->e[i];
		uint64_t last = child_last(x->by_ord[en.ord]);

		if (entry_wide(x, i)) {
			x->wide[nw++] = en.ord;
			continue;
		}
		max_last = MAX(max_last, last);
		en.max_last = max_last;
		x->e[m++] = en;
	}
	x->nr = m;
}

static void
index_build(struct memspace_region *parent, struct subregion_index *x)
{
	struct memspace_region *c;
	uint32_t n = parent->nr_children, ord = 0;

	if (n > x->cap) {
		g_free(x->e);
		g_free(x->by_ord);
		x->e = g_new(struct sri_entry, n);
		x->by_ord = g_new(struct memspace_region *, n);
		x->cap = n;
	}
	x->nr = 0;
	region_for_each_child(c, parent) {
		x->by_ord[ord] = c;
		if (c->size) {
			x->e[x->nr++] = (struct sri_entry){ .addr = c->addr,
							    .ord = ord };
		}
		ord++;
	}
	x->nr_children = ord;
	qsort(x->e, x->nr, sizeof(*x->e), entry_cmp);
	split_wide(x);
	x->valid = true;
	x->uses = 0;
	x->declined = 0;
}

/* @parent's index, built if missing or stale and due; or NULL. */
static struct subregion_index *
index_get(struct memspace_region *parent)
{
	struct subregion_index *x = parent->subregion_index;

	if (x && x->valid) {
		return x;
	}
	if (parent->nr_children <= SUBREGION_INDEX_MIN) {
		subregion_index_free(parent);
		return NULL;
	}
	if (!x) {
		x = parent->subregion_index = g_new0(struct subregion_index, 1);
		x->stale_gen = parent->ms->gen;
	}
	/* Built once as many walks as would pay for it asked, in a later
	 * commit than the last change (and @delay more). */
	if (++x->declined < PAYBACK_QUERIES ||
	    parent->ms->gen - x->stale_gen <= x->delay) {
		return NULL;
	}
	index_build(parent, x);
	return x;
}

/* The first entry whose running maximum of last addresses reaches @lo. */
static uint32_t
first_reaching(const struct subregion_index *x, uint64_t lo)
{
	uint32_t a = 0, b = x->nr;

	while (a < b) {
		uint32_t m = a + (b - a) / 2;

		if (x->e[m].max_last < lo) {
			a = m + 1;
		} else {
			b = m;
		}
	}
	return a;
}

bool
subregion_index_find(struct memspace_region *parent, i128 lo, i128 hi,
		     struct subregion_query *q)
{
	struct subregion_index *x;
	uint32_t first, end, limit;

	/* A window starting past 2^64 in @parent (inside an alias chain):
	 * the saturated last addresses cannot tell. */
	if (lo > (i128)UINT64_MAX) {
		return false;
	}
	x = index_get(parent);
	if (!x || x->walk) {
		return false;
	}
	first = first_reaching(x, lo < 0 ? 0 : (uint64_t)lo);
	limit = x->nr_children / 4 + SUBREGION_INDEX_WIDE;
	/* Up to the first entry at or past @hi, unless most of the list
	 * meets the window: walking it then costs less. */
	end = first;
	if (hi > 0) {
		uint64_t hl = hi > (i128)UINT64_MAX ? UINT64_MAX :
						      (uint64_t)(hi - 1);

		for (; end < x->nr && x->e[end].addr <= hl; end++) {
			if (end - first + x->nr_wide >= limit) {
				return false;
			}
		}
	}
	x->uses++;
	x->answered++;
	*q = (struct subregion_query){
		.idx = x,
		.lo = lo,
		.hi = hi,
		.first = first,
		.end = end,
		.max = end - first + x->nr_wide,
	};
	return true;
}

static bool
child_meets(const struct memspace_region *c, i128 lo, i128 hi)
{
	return (i128)c->addr < hi && (i128)c->addr + (i128)c->size > lo;
}

uint32_t
subregion_index_collect(const struct subregion_query *q, uint32_t *out)
{
	const struct subregion_index *x = q->idx;
	uint32_t m = 0;

	for (uint32_t i = q->first; i < q->end; i++) {
		if (child_meets(x->by_ord[x->e[i].ord], q->lo, q->hi)) {
			out[m++] = x->e[i].ord;
		}
	}
	for (uint32_t i = 0; i < x->nr_wide; i++) {
		if (child_meets(x->by_ord[x->wide[i]], q->lo, q->hi)) {
			out[m++] = x->wide[i];
		}
	}
	if (m > 16) {
		qsort(out, m, sizeof(*out), ord_cmp);
		return m;
	}
	for (uint32_t i = 1; i < m; i++) {
		uint32_t v = out[i], j = i;

		for (; j && out[j - 1] > v; j--) {
			out[j] = out[j - 1];
		}
		out[j] = v;
	}
	return m;
}

struct memspace_region *
subregion_index_child(const struct memspace_region *parent, uint32_t ord)
{
	return parent->subregion_index->by_ord[ord];
}

uint64_t
subregion_index_answered(const struct memspace_region *mr)
{
	return mr->subregion_index ? mr->subregion_index->answered : 0;
}

bool
subregion_index_ready(const struct memspace_region *mr)
{
	return mr->subregion_index && mr->subregion_index->valid;
}

void
subregion_index_stale(struct memspace_region *parent)
{
	struct subregion_index *x = parent->subregion_index;

	if (!x) {
		return;
	}
	if (x->valid) {
		/* Changed before it paid for its build: wait longer before
		 * the next one. */
		if (x->uses >= PAYBACK_QUERIES) {
			x->delay = 0;
		} else {
			x->delay = MIN(2 * x->delay + 1, STALE_DELAY_MAX);
		}
		x->valid = false;
	}
	x->stale_gen = parent->ms->gen;
	x->declined = 0;
}

void
subregion_index_free(struct memspace_region *mr)
{
	struct subregion_index *x = mr->subregion_index;

	if (x) {
		g_free(x->e);
		g_free(x->by_ord);
		g_free(x->wide);
		g_free(x);
		mr->subregion_index = NULL;
	}
}
