/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The topology diff: an address space going from one flat view to another
 * becomes region_del / region_add / region_nop (with log_start / log_stop
 * and the coalesced parts) for its listeners.
 *
 * Both views are sorted and disjoint, so one merge walk finds, for each old
 * range, whether an equal range exists in the new view.  The walk runs
 * twice: a delete pass first, so that a listener frees what the old view
 * held (a KVM slot, an IOMMU mapping) before anything overlapping is added,
 * then the add/nop pass.  Equality ignores the dirty-log mask, which is
 * reported in place with log_start and log_stop; any other difference,
 * even a range that only grew, is a deletion of the whole old range and an
 * addition of the new pieces.
 */
#include "config.h"

#include "listener-internal.h"

/* Same range for listeners: all but the dirty-log mask. */
static bool
ranges_equal(const struct flat_range *a, const struct flat_range *b)
{
	return a->start == b->start && a->last == b->last && a->mr == b->mr &&
	       a->offset == b->offset && a->flags == b->flags;
}

void
coalesced_for_each_part(const struct flat_range *fr,
			const struct coalesced_part *only,
			void (*fn)(void *arg,
				   const struct memspace_section *sec),
			void *arg)
{
	const GArray *parts = fr->mr->coalesced;
	guint nr = only ? 1 : parts ? parts->len : 0;
	uint64_t lo = fr->offset;
	uint64_t hi = fr->offset + (fr->last - fr->start);

	for (guint i = 0; i < nr; i++) {
		const struct coalesced_part *p = only ? only :
			&g_array_index(parts, struct coalesced_part, i);
		uint64_t s = MAX(p->start, lo), e = MIN(p->last, hi);
		struct memspace_section sec;

		if (s > e) {
			continue;
		}
		flat_range_to_section(fr, &sec);
		sec.offset_in_region = s;
		sec.start = fr->start + (s - lo);
		sec.last = fr->start + (e - lo);
		fn(arg, &sec);
	}
}

static void
report_del(GPtrArray *ls, const struct flat_range *fr, int *first)
{
	range_report(&(struct listener_target){ .ls = ls }, fr, false, false,
		     first);
}

static void
report_add(GPtrArray *ls, const struct flat_range *fr, int *first)
{
	range_report(&(struct listener_target){ .ls = ls }, fr, true, false,
		     first);
}

static void
report_nop(GPtrArray *ls, const struct flat_range *old,
	   const struct flat_range *fr, int *first)
{
	unsigned om = old->dirty_log_mask, nm = fr->dirty_log_mask;
	struct memspace_section sec;

	flat_range_to_section(fr, &sec);
	listeners_call(ls, &(struct listener_event){
		.cb = LCB_REGION_NOP, .sec = &sec }, first);
	if (nm & ~om) {
		listeners_call(ls, &(struct listener_event){
			LCB_LOG_START, &sec, om, nm }, first);
	}
	if (om & ~nm) {
		listeners_call(ls, &(struct listener_event){
			LCB_LOG_STOP, &sec, om, nm }, first);
	}
}

/*
 * The ranges of a view a diff looks at: all of them, or those meeting the
 * windows of a delta (the rest have an identical twin in the other view,
 * which is skipped too: a listener without region_nop hears nothing about
 * either).  @i walks them in order.
 */
struct diff_cursor {
	const struct memspace_flatview *fv;
	const struct flat_delta *d;
	size_t k;	/* next window */
	size_t i;	/* current range */
	size_t end;	/* end of the current window's ranges */
	struct ft_cursor tc; /* on range @i */
};

/* Move to the ranges of the next window that has ranges not yet seen. */
static void
cursor_next_window(struct diff_cursor *c)
{
	while (c->i >= c->end && c->k < c->d->nr) {
		size_t a, b;

		flatview_span_meeting(c->fv, c->d->w[c->k].lo,
				      c->d->w[c->k].hi, &a, &b);
		if (a > c->i) {
			c->i = a;
			ft_cursor_seek(&c->tc, &c->fv->tree, a);
		}
		c->end = b;
		c->k++;
	}
}

static void
cursor_init(struct diff_cursor *c, const struct memspace_flatview *fv,
	    const struct flat_delta *d)
{
	*c = (struct diff_cursor){ .fv = fv, .d = d };
	ft_cursor_seek(&c->tc, &fv->tree, 0);
	if (!d) {
		c->end = fv->nr;
		return;
	}
	cursor_next_window(c);
}

static const struct flat_range *
cursor_range(const struct diff_cursor *c)
{
	return c->i < c->end ? ft_cursor_get(&c->tc) : NULL;
}

static void
cursor_step(struct diff_cursor *c)
{
	c->i++;
	if (c->tc.leaf) {
		ft_cursor_next(&c->tc);
	}
	if (c->d) {
		cursor_next_window(c);
	}
}

/* diff_pass() over all the ranges of both views (a full render's), by two
 * in-order walks of their trees. */
static void
diff_pass_all(GPtrArray *ls, const struct memspace_flatview *old_fv,
	      const struct memspace_flatview *new_fv, bool adding, int *first)
{
	struct ft_cursor oc, nc;
	const struct flat_range *o, *n;

	ft_cursor_seek(&oc, &old_fv->tree, 0);
	ft_cursor_seek(&nc, &new_fv->tree, 0);
	while ((o = ft_cursor_get(&oc)), (n = ft_cursor_get(&nc)), o || n) {
		if (o && n && ranges_equal(o, n)) {
			if (adding) {
				report_nop(ls, o, n, first);
			}
			ft_cursor_next(&oc);
			ft_cursor_next(&nc);
		} else if (o && (!n || o->start <= n->start)) {
			if (!adding) {
				report_del(ls, o, first);
			}
			ft_cursor_next(&oc);
		} else {
			if (adding) {
				report_add(ls, n, first);
			}
			ft_cursor_next(&nc);
		}
	}
}

static void
diff_pass(GPtrArray *ls, const struct memspace_flatview *old_fv,
	  const struct memspace_flatview *new_fv, const struct flat_delta *d,
	  bool adding, int *first)
{
	struct diff_cursor oc, nc;

	if (!d) {
		diff_pass_all(ls, old_fv, new_fv, adding, first);
		return;
	}

	cursor_init(&oc, old_fv, d);
	cursor_init(&nc, new_fv, d);
	for (;;) {
		const struct flat_range *o = cursor_range(&oc);
		const struct flat_range *n = cursor_range(&nc);
		size_t i = 0, j = 0;

		if (!o && !n) {
			break;
		}
		if (o && (!n || o->start < n->start ||
			  (o->start == n->start && !ranges_equal(o, n)))) {
			if (!adding) {
				report_del(ls, o, first);
			}
			i++;
		} else if (o && ranges_equal(o, n)) {
			if (adding) {
				report_nop(ls, o, n, first);
			}
			i++;
			j++;
		} else {
			if (adding) {
				report_add(ls, n, first);
			}
			j++;
		}
		if (i) {
			cursor_step(&oc);
		}
		if (j) {
			cursor_step(&nc);
		}
	}
}

/* Whether a listener of @ls is told about every unchanged range. */
static bool
wants_nop(GPtrArray *ls)
{
	for (guint i = 0; i < ls->len; i++) {
		if (listener_has(ls->pdata[i], LCB_REGION_NOP)) {
			return true;
		}
	}
	return false;
}

void
topology_diff_listeners(GPtrArray *ls, const struct memspace_flatview *old_fv,
			const struct memspace_flatview *new_fv, bool full,
			int *first)
{
	const struct flat_delta *d =
		full || wants_nop(ls) ? NULL :
					flatview_delta_from(new_fv, old_fv);

	diff_pass(ls, old_fv, new_fv, d, false, first);
	diff_pass(ls, old_fv, new_fv, d, true, first);
}

void
topology_diff(struct memspace_addrspace *as,
	      const struct memspace_flatview *old_fv,
	      const struct memspace_flatview *new_fv, int *first)
{
	GPtrArray *ls = addrspace_listeners(as);

	if (!ls) {
		return;
	}
	topology_diff_listeners(ls, old_fv, new_fv, false, first);
}
