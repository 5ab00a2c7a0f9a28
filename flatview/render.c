/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rendering a region tree into a flat view, with QEMU's visibility rules in
 * O(n log n) instead of QEMU's quadratic gap-filling insert.
 *
 * QEMU walks the tree depth first in render order (subregions by priority
 * descending, newest first among equal priorities, then the region's own
 * backing if it terminates), and each terminating region claims only the
 * addresses no earlier region claimed.  So every address belongs to the
 * first "piece" (a terminating region clipped by all its ancestors) in walk
 * order that covers it.  We collect the pieces in walk order, cut the
 * address space at every piece boundary into elementary segments (one radix
 * sort), hand each segment to the first piece covering it (a union-find
 * "next unclaimed segment" skip list makes that near-linear), and emit the
 * segments in address order, merging under QEMU's rule.
 */
#include "config.h"

#include "flatview-internal.h"
#include "radix-sort.h"

struct piece {
	uint64_t start;
	uint64_t last;
	struct memspace_region *mr;
	uint64_t offset;	/* offset of @start in @mr */
	uint8_t flags;
	uint8_t dirty_log_mask;
};

struct render {
	struct piece *pieces;
	size_t nr;
	size_t cap;
};

static void
emit_piece(struct render *r, struct memspace_region *mr, u128 start,
	   u128 end, i128 base, unsigned flags)
{
	if (r->nr == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->pieces = g_renew(struct piece, r->pieces, r->cap);
	}
	if (mr->kind == MEMSPACE_REGION_ROM_DEVICE && mr->romd_mode) {
		flags |= RANGE_ROMD;
	}
	r->pieces[r->nr++] = (struct piece){
		.start = (uint64_t)start,
		.last = (uint64_t)(end - 1),
		.mr = mr,
		.offset = (uint64_t)((i128)start - base),
		.flags = flags,
		.dirty_log_mask = mr->dirty_log_mask,
	};
}

/*
 * Walk @mr whose byte 0 sits at @base (negative inside alias chains),
 * clipped to [@cs, @ce) with ancestors' inherited @flags.
 */
static void
render_region(struct render *r, struct memspace_region *mr, i128 base,
	      u128 cs, u128 ce, unsigned flags)
{
	struct memspace_region *child;
	i128 rs = base, re = base + (i128)mr->size;

	if (!mr->enabled || re <= (i128)cs || rs >= (i128)ce) {
		return;
	}
	if (rs > (i128)cs) {
		cs = (u128)rs;
	}
	if (re < (i128)ce) {
		ce = (u128)re;
	}
	flags |= (mr->readonly ? RANGE_READONLY : 0) |
		 (mr->nonvolatile ? RANGE_NONVOLATILE : 0) |
		 (mr->unmergeable ? RANGE_UNMERGEABLE : 0);
	if (mr->alias) {
		render_region(r, mr->alias, base - (i128)mr->alias_offset, cs,
			      ce, flags);
		return;
	}
	region_for_each_child(child, mr) {
		render_region(r, child, base + (i128)child->addr, cs, ce,
			      flags);
	}
	if (region_terminates(mr)) {
		emit_piece(r, mr, cs, ce, base, flags);
	}
}

/* Segment bookkeeping for the assignment step. */
struct segments {
	uint64_t *bound;	/* first address of each segment */
	uint32_t *first;	/* per piece: its first segment */
	uint32_t *end;		/* per piece: one past its last segment */
	uint32_t nr;
};

/* Cut the address space at every piece boundary. */
static void
build_segments(const struct render *r, struct segments *sg)
{
	size_t n = 0;
	struct sort_item *items = g_new(struct sort_item, 2 * r->nr);
	struct sort_item *tmp = g_new(struct sort_item, 2 * r->nr);

	for (size_t i = 0; i < r->nr; i++) {
		items[n++] = (struct sort_item){ r->pieces[i].start, 2 * i };
		if (r->pieces[i].last != UINT64_MAX) {
			items[n++] = (struct sort_item){ r->pieces[i].last + 1,
							 2 * i + 1 };
		}
	}
	radix_sort(items, tmp, n);
	sg->bound = g_new(uint64_t, n);
	sg->first = g_new(uint32_t, r->nr);
	sg->end = g_new(uint32_t, r->nr);
	sg->nr = 0;
	for (size_t i = 0; i < n; i++) {
		if (sg->nr == 0 || sg->bound[sg->nr - 1] != items[i].key) {
			sg->bound[sg->nr++] = items[i].key;
		}
		if (items[i].val & 1) {
			sg->end[items[i].val / 2] = sg->nr - 1;
		} else {
			sg->first[items[i].val / 2] = sg->nr - 1;
		}
	}
	for (size_t i = 0; i < r->nr; i++) {
		if (r->pieces[i].last == UINT64_MAX) {
			sg->end[i] = sg->nr;
		}
	}
	g_free(items);
	g_free(tmp);
}

static uint32_t
next_free(uint32_t *skip, uint32_t k)
{
	while (skip[k] != k) {
		skip[k] = skip[skip[k]];
		k = skip[k];
	}
	return k;
}

/* owner[k] = first piece (in walk order) covering segment k, or -1. */
static int32_t *
assign_segments(const struct render *r, const struct segments *sg)
{
	int32_t *owner = g_new(int32_t, sg->nr);
	uint32_t *skip = g_new(uint32_t, sg->nr + 1);

	for (uint32_t k = 0; k <= sg->nr; k++) {
		skip[k] = k;
	}
	for (uint32_t k = 0; k < sg->nr; k++) {
		owner[k] = -1;
	}
	for (size_t i = 0; i < r->nr; i++) {
		uint32_t k = next_free(skip, sg->first[i]);

		while (k < sg->end[i]) {
			owner[k] = (int32_t)i;
			skip[k] = k + 1;
			k = next_free(skip, k + 1);
		}
	}
	g_free(skip);
	return owner;
}

/* QEMU's merge rule for two adjacent ranges from different pieces. */
static bool
can_merge(const struct flat_range *a, const struct flat_range *b)
{
	return a->last != UINT64_MAX && a->last + 1 == b->start &&
	       a->mr == b->mr &&
	       a->offset + (a->last - a->start + 1) == b->offset &&
	       a->flags == b->flags && !(a->flags & RANGE_UNMERGEABLE) &&
	       a->dirty_log_mask == b->dirty_log_mask;
}

static size_t
emit_ranges(const struct render *r, const struct segments *sg,
	    const int32_t *owner, struct flat_range *out)
{
	size_t nr = 0;
	int32_t prev_owner = -1;

	for (uint32_t k = 0; k < sg->nr; k++) {
		const struct piece *p;
		struct flat_range fr;

		if (owner[k] < 0) {
			prev_owner = -1;
			continue;
		}
		p = &r->pieces[owner[k]];
		fr = (struct flat_range){
			.start = sg->bound[k],
			.last = k + 1 < sg->nr ? sg->bound[k + 1] - 1 : p->last,
			.mr = p->mr,
			.offset = p->offset + (sg->bound[k] - p->start),
			.flags = p->flags,
			.dirty_log_mask = p->dirty_log_mask,
		};
		/* Consecutive segments of one piece are one QEMU range. */
		if (nr && (owner[k] == prev_owner || can_merge(&out[nr - 1], &fr))) {
			out[nr - 1].last = fr.last;
		} else {
			out[nr++] = fr;
		}
		prev_owner = owner[k];
	}
	return nr;
}

struct memspace_flatview *
flatview_render(struct memspace_region *root, uint64_t gen)
{
	struct memspace_flatview *fv = flatview_new_empty(root);
	struct render r = { 0 };
	struct segments sg;
	int32_t *owner;

	fv->gen = gen;
	render_region(&r, root, (i128)root->addr, 0, U128_2_64, 0);
	if (r.nr == 0) {
		return fv;
	}
	build_segments(&r, &sg);
	owner = assign_segments(&r, &sg);
	fv->ranges = g_new(struct flat_range, sg.nr);
	fv->nr = emit_ranges(&r, &sg, owner, fv->ranges);
	fv->ranges = g_renew(struct flat_range, fv->ranges, fv->nr);
	for (size_t i = 0; i < fv->nr; i++) {
		memspace_region_ref(fv->ranges[i].mr);
	}
	flat_index_build(&fv->index, fv->ranges, fv->nr);
	g_free(owner);
	g_free(sg.bound);
	g_free(sg.first);
	g_free(sg.end);
	g_free(r.pieces);
	return fv;
}
