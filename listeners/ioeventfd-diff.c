/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ioeventfd set of an address space: built from what its published
 * view shows, strictly sorted, and diffed against the previous set into
 * eventfd_del (all of them first) and eventfd_add callbacks.
 *
 * An entry is in the set when its byte range (its first byte, for
 * any-size entries) intersects a flat range showing its region, at the
 * address that range gives its first byte: QEMU's rule, so an entry partly
 * covered by another region is still registered (and the software write
 * path, lib/ioeventfd-soft.c, matches the same set).  An entry split by
 * another region meets two ranges at one address: the set is sorted and
 * each entry kept once.
 */
#include "config.h"

#include "listener-internal.h"

static int
entry_cmp(const struct as_ioeventfd *a, const struct as_ioeventfd *b)
{
	return ioeventfd_key_cmp(a->e.addr, a->e.size, a->e.match_data,
				 a->e.data, a->e.fd, b->e.addr, b->e.size,
				 b->e.match_data, b->e.data, b->e.fd);
}

/* First entry of @evs at or after region offset @addr. */
static size_t
lower_bound(const struct region_ioeventfds *evs, uint64_t addr)
{
	size_t lo = 0, hi = evs->nr;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (evs->e[mid].addr < addr) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

/* Entries start at most this far before the first byte they cover. */
#define ENTRY_MAX_SIZE 8

static void
collect_range(GArray *set, const struct flat_range *fr)
{
	const struct region_ioeventfds *evs = fr->mr->ioeventfds;
	uint64_t lo = fr->offset, hi = fr->offset + (fr->last - fr->start);

	if (!evs) {
		return;
	}
	for (size_t k = lower_bound(evs, lo > ENTRY_MAX_SIZE ?
						 lo - ENTRY_MAX_SIZE : 0);
	     k < evs->nr; k++) {
		const struct region_ioeventfd *re = &evs->e[k];
		uint64_t elast = re->addr + (re->size ? re->size - 1 : 0);
		i128 at = (i128)fr->start - (i128)lo + (i128)re->addr;
		struct as_ioeventfd ae;

		if (re->addr > hi) {
			break;
		}
		/* Ends before the range, or would sit outside the space. */
		if (elast < lo || at < 0 || at + (i128)(elast - re->addr) >=
						    (i128)1 << 64) {
			continue;
		}
		ae = (struct as_ioeventfd){
			.e = { .addr = (uint64_t)at,
			       .size = re->size, .match_data = re->match_data,
			       .data = re->data, .fd = re->efd->fd },
			.efd = ioeventfd_fd_ref(re->efd),
			.mr = memspace_region_ref(fr->mr),
			.offset = re->addr,
			.flags = fr->flags,
			.dirty_log_mask = fr->dirty_log_mask,
		};
		g_array_append_val(set, ae);
	}
}

static gint
entry_sort_cmp(gconstpointer a, gconstpointer b)
{
	return entry_cmp(a, b);
}

static void
entry_clear(struct as_ioeventfd *ae)
{
	ioeventfd_fd_unref(ae->efd);
	memspace_region_unref(ae->mr);
}

/*
 * Sort @set if needed (mostly sorted already: an entry starting before its
 * range may come after the previous range's last ones) and keep one entry
 * per key (one split by another region meets two ranges at one address).
 */
static GArray *
set_finish(GArray *set)
{
	bool sorted = true;
	guint n = 0;

	for (guint i = 1; i < set->len && sorted; i++) {
		sorted = entry_cmp(&g_array_index(set, struct as_ioeventfd,
						  i - 1),
				   &g_array_index(set, struct as_ioeventfd,
						  i)) <= 0;
	}
	if (!sorted) {
		g_array_sort(set, entry_sort_cmp);
	}
	for (guint i = 0; i < set->len; i++) {
		struct as_ioeventfd *all = (struct as_ioeventfd *)set->data;
		struct as_ioeventfd *ae = &all[i];

		if (n && entry_cmp(&all[n - 1], ae) == 0) {
			entry_clear(ae);
			continue;
		}
		all[n++] = *ae;
	}
	g_array_set_size(set, n);
	return set;
}

GArray *
ioeventfd_set_build(const struct memspace_flatview *fv)
{
	GArray *set = g_array_new(FALSE, FALSE, sizeof(struct as_ioeventfd));
	struct ft_cursor c;
	const struct flat_range *fr;

	flatview_for_each_range(fv, c, fr) {
		collect_range(set, fr);
	}
	return set_finish(set);
}

/* Append entries of @old from *@k on whose address is below @addr (all
 * of them if @all). */
static void
copy_below(GArray *set, const GArray *old, guint *k, uint64_t addr, bool all)
{
	for (; *k < old->len; (*k)++) {
		struct as_ioeventfd ae =
			g_array_index(old, struct as_ioeventfd, *k);

		if (!all && ae.e.addr >= addr) {
			return;
		}
		ae.efd = ioeventfd_fd_ref(ae.efd);
		ae.mr = memspace_region_ref(ae.mr);
		g_array_append_val(set, ae);
	}
}

/*
 * The addresses [*@lo, *@hi] whose entries may differ around window @k of
 * @d: from ENTRY_MAX_SIZE bytes before the first range of either view
 * meeting the window (an entry may start that far before its range) to
 * the last byte of the last one.  False if no range meets the window.
 */
static bool
window_hull(const struct flat_delta *d, size_t k,
	    const struct memspace_flatview *old_fv,
	    const struct memspace_flatview *new_fv, uint64_t *lo, uint64_t *hi)
{
	size_t a, b, x, y;

	flatview_span_meeting(old_fv, d->w[k].lo, d->w[k].hi, &a, &b);
	flatview_span_meeting(new_fv, d->w[k].lo, d->w[k].hi, &x, &y);
	if (a == b && x == y) {
		return false;
	}
	*lo = UINT64_MAX;
	*hi = 0;
	if (a < b) {
		*lo = flatview_range(old_fv, a)->start;
		*hi = flatview_range(old_fv, b - 1)->last;
	}
	if (x < y) {
		*lo = MIN(*lo, flatview_range(new_fv, x)->start);
		*hi = MAX(*hi, flatview_range(new_fv, y - 1)->last);
	}
	*lo = *lo > ENTRY_MAX_SIZE ? *lo - ENTRY_MAX_SIZE : 0;
	return true;
}

/* Append the entries of @fv with an address in [@lo, @hi]: those of the
 * ranges meeting [@lo, @hi + ENTRY_MAX_SIZE]. */
static void
collect_between(GArray *set, const struct memspace_flatview *fv, uint64_t lo,
		uint64_t hi)
{
	GArray *got = g_array_new(FALSE, FALSE, sizeof(struct as_ioeventfd));
	size_t x, y;
	struct ft_cursor c;
	const struct flat_range *fr;

	flatview_span_meeting(fv, lo,
			      hi < UINT64_MAX - ENTRY_MAX_SIZE ?
				      hi + ENTRY_MAX_SIZE :
				      UINT64_MAX,
			      &x, &y);
	flatview_for_each_range_from(fv, x, c, fr) {
		if (c.pos >= y) {
			break;
		}
		collect_range(got, fr);
	}
	for (guint i = 0; i < got->len; i++) {
		struct as_ioeventfd *ae =
			&g_array_index(got, struct as_ioeventfd, i);

		if (ae->e.addr >= lo && ae->e.addr <= hi) {
			g_array_append_val(set, *ae);
		} else {
			entry_clear(ae);
		}
	}
	g_array_free(got, TRUE);
}

/*
 * Ranges meeting none of the delta's windows are in both views, and so
 * are the entries they give.  An entry lies at most ENTRY_MAX_SIZE bytes
 * before its range and never past it, so outside the hulls of the ranges
 * meeting the windows (widened that much downwards) every old entry comes
 * from an unchanged range and stays; inside them, the entries are
 * collected again from the new view.
 */
GArray *
ioeventfd_set_update(const GArray *old_set,
		     const struct memspace_flatview *old_fv,
		     const struct memspace_flatview *new_fv)
{
	const struct flat_delta *d = flatview_delta_from(new_fv, old_fv);
	uint64_t lo = 0, hi = 0;
	bool open = false;
	GArray *set;
	guint k = 0;

	if (!d || !old_set) {
		return ioeventfd_set_build(new_fv);
	}
	set = g_array_new(FALSE, FALSE, sizeof(struct as_ioeventfd));
	for (size_t w = 0; w <= d->nr; w++) {
		uint64_t l = 0, h = 0;
		bool more = w < d->nr &&
			    window_hull(d, w, old_fv, new_fv, &l, &h);

		if (w < d->nr && !more) {
			continue;
		}
		/* Hulls of neighbouring windows may overlap. */
		if (more && open && l <= hi) {
			hi = MAX(hi, h);
			continue;
		}
		if (open) {
			copy_below(set, old_set, &k, lo, false);
			while (k < old_set->len &&
			       g_array_index(old_set, struct as_ioeventfd, k)
					       .e.addr <= hi) {
				k++;
			}
			collect_between(set, new_fv, lo, hi);
		}
		open = more;
		lo = l;
		hi = h;
	}
	copy_below(set, old_set, &k, 0, true);
	return set_finish(set);
}

void
ioeventfd_set_free(GArray *set)
{
	if (!set) {
		return;
	}
	for (guint i = 0; i < set->len; i++) {
		entry_clear(&g_array_index(set, struct as_ioeventfd, i));
	}
	g_array_free(set, TRUE);
}

bool
ioeventfd_set_equal(const GArray *a, const GArray *b)
{
	guint na = a ? a->len : 0, nb = b ? b->len : 0;

	if (na != nb) {
		return false;
	}
	for (guint i = 0; i < na; i++) {
		if (entry_cmp(&g_array_index(a, struct as_ioeventfd, i),
			      &g_array_index(b, struct as_ioeventfd, i))) {
			return false;
		}
	}
	return true;
}

void
ioeventfd_section(const struct as_ioeventfd *ae, struct memspace_section *sec)
{
	*sec = (struct memspace_section){
		.mr = ae->mr,
		.offset_in_region = ae->offset,
		.start = ae->e.addr,
		.last = ae->e.addr + (ae->e.size ? ae->e.size - 1 : 0),
		.readonly = ae->flags & RANGE_READONLY,
		.nonvolatile = ae->flags & RANGE_NONVOLATILE,
		.romd = ae->flags & RANGE_ROMD,
		.unmergeable = ae->flags & RANGE_UNMERGEABLE,
		.dirty_log_mask = ae->dirty_log_mask,
	};
}

static void
report(GPtrArray *ls, const struct as_ioeventfd *ae, enum listener_cb cb,
       int *first)
{
	struct memspace_section sec;

	ioeventfd_section(ae, &sec);
	listeners_call(ls, &(struct listener_event){
		.cb = cb, .sec = &sec, .e = &ae->e }, first);
}

/* One merge walk; reports entries only in @old_set or only in @new_set. */
static void
merge_pass(GPtrArray *ls, const GArray *old_set, const GArray *new_set,
	   bool adding, int *first)
{
	guint no = old_set ? old_set->len : 0, nn = new_set ? new_set->len : 0;
	guint i = 0, j = 0;

	while (i < no || j < nn) {
		const struct as_ioeventfd *o = i < no ?
			&g_array_index(old_set, struct as_ioeventfd, i) : NULL;
		const struct as_ioeventfd *n = j < nn ?
			&g_array_index(new_set, struct as_ioeventfd, j) : NULL;
		int c = !o ? 1 : !n ? -1 : entry_cmp(o, n);

		if (c < 0) {
			if (!adding) {
				report(ls, o, LCB_EVENTFD_DEL, first);
			}
			i++;
		} else if (c > 0) {
			if (adding) {
				report(ls, n, LCB_EVENTFD_ADD, first);
			}
			j++;
		} else {
			i++;
			j++;
		}
	}
}

void
ioeventfd_set_diff(GPtrArray *ls, const GArray *old_set,
		   const GArray *new_set, int *first)
{
	/* Deletions first: KVM refuses an entry that collides with one
	 * still registered (a wildcard replaced by a datamatch, say). */
	merge_pass(ls, old_set, new_set, false, first);
	merge_pass(ls, old_set, new_set, true, first);
}
