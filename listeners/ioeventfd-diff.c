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

GArray *
ioeventfd_set_build(const struct memspace_flatview *fv)
{
	GArray *set = g_array_new(FALSE, FALSE, sizeof(struct as_ioeventfd));
	guint n = 0;

	bool sorted = true;

	for (size_t i = 0; i < fv->nr; i++) {
		collect_range(set, &fv->ranges[i]);
	}
	/* Mostly sorted already: an entry starting before its range may
	 * come after the previous range's last ones. */
	for (guint i = 1; i < set->len && sorted; i++) {
		sorted = entry_cmp(&g_array_index(set, struct as_ioeventfd,
						  i - 1),
				   &g_array_index(set, struct as_ioeventfd,
						  i)) <= 0;
	}
	if (!sorted) {
		g_array_sort(set, entry_sort_cmp);
	}
	/* One entry per key (one split by another region meets two ranges
	 * at one address). */
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
