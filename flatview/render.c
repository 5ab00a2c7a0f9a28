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

#include <string.h>
#include <sys/mman.h>

#include "render-internal.h"
#include "radix-sort.h"

static void
emit_piece(struct render *r, struct memspace_region *mr, u128 start, u128 end,
	   i128 base, unsigned flags)
{
	if (r->nr == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 64;
		r->pieces = render_scratch_get(r->scratch, SCRATCH_PIECES,
					       r->cap * sizeof(*r->pieces),
					       true);
		r->cap = r->scratch->bytes[SCRATCH_PIECES] / sizeof(*r->pieces);
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

static inline void
trace_enter(struct render *r, struct memspace_region *mr, i128 base, u128 cs,
	    u128 ce, bool via_alias, size_t *ret_k)
{
	struct render_trace *t = r->trace;

	*ret_k = SIZE_MAX;
	if (!t || t->overflow) {
		return;
	}
	if (t->nr == TRACE_MAX_VISITS) {
		t->overflow = true;
		return;
	}
	*ret_k = t->nr;
	t->nr_alias += via_alias;
	/* @end holds the alias count until trace_leave() sets @pure. */
	render_trace_push(
		t, &(struct visit){
			   .end = (uint32_t)t->nr_alias,
			   .mr = mr,
			   .origin = via_alias ? base : base - (i128)mr->addr,
			   .cs = (uint64_t)cs,
			   .ce_m1 = (uint64_t)(ce - 1),
			   .addr = mr->addr,
			   .size_m1 = (uint64_t)(mr->size - 1),
			   .empty = mr->size == 0,
			   .via_alias = via_alias,
		   });
}

static inline void
trace_leave(struct render *r, size_t k)
{
	struct render_trace *t = r->trace;

	if (k != SIZE_MAX && !t->overflow) {
		t->v[k].pure = t->v[k].end == t->nr_alias;
		t->v[k].end = (uint32_t)t->nr;
	}
}

/* Walk the subregions (or the alias target) of @mr, clipped. */
static void
render_below(struct render *r, struct memspace_region *mr, i128 base, u128 cs,
	     u128 ce, unsigned flags)
{
	struct memspace_region *child;

	if (mr->alias) {
		render_region(r, mr->alias, base - (i128)mr->alias_offset, cs,
			      ce, flags, true);
		return;
	}
	region_for_each_child(child, mr) {
		i128 cb = base + (i128)child->addr;

		/* Siblings are scattered in memory: overlap the next miss. */
		if (child->next_sibling) {
			__builtin_prefetch(child->next_sibling);
			__builtin_prefetch((char *)child->next_sibling + 64);
		}
		/* Clipped out (and, not being an alias target, untraced). */
		if (cb >= (i128)ce || cb + (i128)child->size <= (i128)cs) {
			continue;
		}
		render_region(r, child, cb, cs, ce, flags, false);
	}
}

/*
 * Walk @mr whose byte 0 sits at @base (negative inside alias chains),
 * clipped to [@cs, @ce) with ancestors' inherited @flags.  @via_alias:
 * @mr is an alias target (for the trace).  A disabled region renders
 * nothing, its subtree included.
 */
void
render_region(struct render *r, struct memspace_region *mr, i128 base, u128 cs,
	      u128 ce, unsigned flags, bool via_alias)
{
	i128 rs = base, re = base + (i128)mr->size;
	bool emit;
	size_t k;

	if (re <= (i128)cs || rs >= (i128)ce) {
		/* Clipped out: traced only as an alias target (a parent's
		 * trace step stands for its clipped-out subregions). */
		if (via_alias) {
			trace_enter(r, mr, base, cs, ce, via_alias, &k);
			trace_leave(r, k);
		}
		return;
	}
	trace_enter(r, mr, base, cs, ce, via_alias, &k);
	if (!mr->enabled && k == SIZE_MAX) {
		return;
	}
	cs = rs > (i128)cs ? (u128)rs : cs;
	ce = re < (i128)ce ? (u128)re : ce;
	flags |= (mr->readonly ? RANGE_READONLY : 0) |
		 (mr->nonvolatile ? RANGE_NONVOLATILE : 0) |
		 (mr->unmergeable ? RANGE_UNMERGEABLE : 0);
	/* A disabled subtree is walked only for the trace, so that enabling
	 * or disabling a region keeps the trace's shape. */
	emit = r->emit;
	r->emit = emit && mr->enabled;
	render_below(r, mr, base, cs, ce, flags);
	if (r->emit && region_terminates(mr)) {
		emit_piece(r, mr, cs, ce, base, flags);
	}
	r->emit = emit;
	trace_leave(r, k);
}

/* Cut the address space at every piece boundary. */
static void
build_segments(const struct render *r, struct segments *sg)
{
	size_t n = 0;
	struct render_scratch *sc = r->scratch;
	struct sort_item *items = render_scratch_get(
		sc, SCRATCH_ITEMS, 2 * r->nr * sizeof(*items), false);
	struct sort_item *tmp = render_scratch_get(
		sc, SCRATCH_TMP, 2 * r->nr * sizeof(*tmp), false);

	for (size_t i = 0; i < r->nr; i++) {
		items[n++] = (struct sort_item){ r->pieces[i].start, 2 * i };
		if (r->pieces[i].last != UINT64_MAX) {
			items[n++] = (struct sort_item){ r->pieces[i].last + 1,
							 2 * i + 1 };
		}
	}
	radix_sort(items, tmp, n);
	sg->bound = render_scratch_get(sc, SCRATCH_BOUND,
				       n * sizeof(*sg->bound), false);
	sg->first = render_scratch_get(sc, SCRATCH_FIRST,
				       r->nr * sizeof(*sg->first), false);
	sg->end = render_scratch_get(sc, SCRATCH_END, r->nr * sizeof(*sg->end),
				     false);
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
	int32_t *owner = render_scratch_get(r->scratch, SCRATCH_OWNER,
					    sg->nr * sizeof(*owner), false);
	uint32_t *skip = render_scratch_get(
		r->scratch, SCRATCH_SKIP, (sg->nr + 1) * sizeof(*skip), false);

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
	return owner;
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
		if (nr && (owner[k] == prev_owner ||
			   render_can_merge(&out[nr - 1], &fr))) {
			out[nr - 1].last = fr.last;
		} else {
			out[nr++] = fr;
		}
		prev_owner = owner[k];
	}
	return nr;
}

#define HUGE_SIZE ((size_t)2 << 20)

/*
 * Room for @n ranges.  Large arrays get their own mapping with transparent
 * huge pages, so that a lookup's payload load misses the TLB at most once.
 */
void
render_ranges_alloc(struct memspace_flatview *fv, size_t n)
{
	size_t len = (n * sizeof(struct flat_range) + HUGE_SIZE - 1) &
		     ~(HUGE_SIZE - 1);
	void *p = MAP_FAILED;

	/* Below this the 4 KiB pages fit the second-level TLB anyway, and a
	 * fresh huge mapping costs more to zero than it saves. */
	if (n * sizeof(struct flat_range) >= HUGE_SIZE) {
		p = mmap(NULL, len, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	}
	if (p == MAP_FAILED) {
		fv->ranges = g_new(struct flat_range, n ? n : 1);
		fv->ranges_map_len = 0;
		return;
	}
#ifdef MADV_HUGEPAGE
	(void)madvise(p, len, MADV_HUGEPAGE);
#endif
	fv->ranges = p;
	fv->ranges_map_len = len;
}

/* Give back what merging left unused. */
void
render_ranges_trim(struct memspace_flatview *fv)
{
	size_t used = (fv->nr * sizeof(struct flat_range) + 4095) &
		      ~(size_t)4095;

	if (!fv->ranges_map_len) {
		fv->ranges = g_renew(struct flat_range, fv->ranges,
				     fv->nr ? fv->nr : 1);
	} else if (used < fv->ranges_map_len) {
		munmap((char *)fv->ranges + used, fv->ranges_map_len - used);
		fv->ranges_map_len = used;
	}
}

void
render_trace_push(struct render_trace *t, const struct visit *v)
{
	if (t->nr == t->cap) {
		t->cap = t->cap ? 2 * t->cap : 256;
		t->v = g_renew(struct visit, t->v, t->cap);
	}
	t->v[t->nr++] = *v;
}

void
render_trace_free(struct render_trace *t)
{
	if (t) {
		g_free(t->v);
		g_free(t);
	}
}

void
flatview_render_free(struct memspace_flatview *fv)
{
	if (fv->ranges_map_len) {
		munmap(fv->ranges, fv->ranges_map_len);
	} else {
		g_free(fv->ranges);
	}
	fv->ranges = NULL;
	render_trace_free(fv->trace);
	fv->trace = NULL;
	render_scratch_free(fv->scratch);
	fv->scratch = NULL;
}

/* Segments of @r's pieces and the piece owning each; NULL if no pieces. */
static int32_t *
render_segments(const struct render *r, struct segments *sg)
{
	if (r->nr == 0) {
		*sg = (struct segments){ 0 };
		return NULL;
	}
	build_segments(r, sg);
	return assign_segments(r, sg);
}

void *
render_scratch_get(struct render_scratch *s, enum scratch_buf which,
		   size_t bytes, bool keep)
{
	void *p;

	if (bytes <= s->bytes[which]) {
		return s->buf[which];
	}
	/* Grow by half again, so that slowly growing maps settle; large
	 * arrays on huge pages (the sort scatters over them). */
	bytes += bytes / 2;
	if (bytes >= HUGE_SIZE) {
		bytes = (bytes + HUGE_SIZE - 1) & ~(HUGE_SIZE - 1);
	}
	p = bytes >= HUGE_SIZE ? g_aligned_alloc(bytes, 1, HUGE_SIZE) :
				 g_aligned_alloc(bytes, 1, 64);
#ifdef MADV_HUGEPAGE
	if (bytes >= HUGE_SIZE) {
		(void)madvise(p, bytes, MADV_HUGEPAGE);
	}
#endif
	if (keep && s->buf[which]) {
		memcpy(p, s->buf[which], s->bytes[which]);
	}
	g_aligned_free(s->buf[which]);
	s->buf[which] = p;
	s->bytes[which] = bytes;
	return p;
}

void
render_scratch_free(struct render_scratch *s)
{
	if (!s) {
		return;
	}
	for (int i = 0; i < SCRATCH_NR; i++) {
		g_aligned_free(s->buf[i]);
	}
	g_free(s);
}

struct flat_range *
render_ranges_new(const struct render *r, size_t *ret_nr)
{
	struct segments sg;
	int32_t *owner = render_segments(r, &sg);
	struct flat_range *out = g_new(struct flat_range, sg.nr ? sg.nr : 1);

	*ret_nr = owner ? emit_ranges(r, &sg, owner, out) : 0;
	return out;
}

void
render_finish(struct memspace_flatview *fv)
{
	for (size_t i = 0; i < fv->nr; i++) {
		fv->unmergeable |= fv->ranges[i].flags & RANGE_UNMERGEABLE;
	}
	flat_index_build(&fv->index, fv->ranges, fv->nr);
}

struct memspace_flatview *
render_full(struct memspace_region *root, uint64_t gen, bool trace,
	    struct render_scratch *scratch)
{
	struct memspace_flatview *fv = flatview_new_empty(root);
	struct render r = {
		.emit = true,
		.scratch = scratch ? scratch : g_new0(struct render_scratch, 1),
	};
	struct segments sg;
	int32_t *owner;

	fv->gen = gen;
	r.trace = trace ? g_new0(struct render_trace, 1) : NULL;
	render_region(&r, root, (i128)root->addr, 0, U128_2_64, 0, false);
	owner = render_segments(&r, &sg);
	render_ranges_alloc(fv, sg.nr);
	fv->nr = owner ? emit_ranges(&r, &sg, owner, fv->ranges) : 0;
	render_ranges_trim(fv);
	render_finish(fv);
	fv->scratch = r.scratch;
	if (r.trace && r.trace->overflow) {
		render_trace_free(r.trace);
		r.trace = NULL;
	}
	fv->trace = r.trace;
	return fv;
}
