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

static void
diff_pass(GPtrArray *ls, const struct memspace_flatview *old_fv,
	  const struct memspace_flatview *new_fv, bool adding, int *first)
{
	size_t i = 0, j = 0;

	while (i < old_fv->nr || j < new_fv->nr) {
		const struct flat_range *o =
			i < old_fv->nr ? &old_fv->ranges[i] : NULL;
		const struct flat_range *n =
			j < new_fv->nr ? &new_fv->ranges[j] : NULL;

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
	}
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
	diff_pass(ls, old_fv, new_fv, false, first);
	diff_pass(ls, old_fv, new_fv, true, first);
}
