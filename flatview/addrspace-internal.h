/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * struct memspace_addrspace and the commit-time helpers that publish views.
 */
#ifndef MEMSPACE_ADDRSPACE_INTERNAL_H
#define MEMSPACE_ADDRSPACE_INTERNAL_H

#include "flatview-internal.h"

struct memspace_addrspace {
	struct rcu_head rcu;
	struct memspace *ms;
	char *name;
	struct memspace_region *root;	/* referenced */
	/* The published view; RCU-protected, the address space holds a ref. */
	struct memspace_flatview *current;
	struct memspace_region *machine_ram;
	bool hyp_ioeventfd_set;
	bool hyp_ioeventfd_enabled;
	/*
	 * Bumped (release) after each publication of @current; region
	 * caches read it (acquire) before the view they fill from, so a
	 * cache whose generation still matches holds current data.
	 */
	uint64_t view_gen;
	/* Listeners and the ioeventfd set (listeners/listener-internal.h). */
	struct as_listeners *lst;
};

/**
 * struct as_slot - what a commit reads of one address space
 * @as: the address space.
 * @root: its root.
 * @current: its published view (updater's copy of @as->current).
 * @reduction: @root reduced, kept while nothing it depends on changes.
 *
 * The slots of a context sit in one array (ms->as_slots, in the order of
 * ms->addrspaces), so that a commit reads them in a row instead of
 * loading every address space, when most of them (a VMM's DMA spaces)
 * change nothing.
 */
struct as_slot {
	struct memspace_addrspace *as;
	struct memspace_region *root;
	struct memspace_flatview *current;
	struct root_reduction reduction;
};

/* Release the slot array of a context being freed. */
void addrspace_slots_free(struct memspace *ms);

/* Publish @fv (a new reference) as the current view of @as. */
static inline void
addrspace_publish_view(struct memspace_addrspace *as,
		       struct memspace_flatview *fv)
{
	rcu_assign_pointer(as->current, fv);
	__atomic_store_n(&as->view_gen, as->view_gen + 1, __ATOMIC_RELEASE);
}

/* An address space whose view one commit replaced; @old_fv is referenced. */
struct as_change {
	struct memspace_addrspace *as;
	struct memspace_flatview *old_fv;
};

/*
 * addrspace_publish_views() - steps 1 and 2 of a commit: render a view for
 * every distinct reduced root whose tree changed since @gen's predecessor
 * (flatview_rerender()) and publish it to each address space showing that
 * root.  Return: the address spaces whose view changed (struct as_change,
 * in creation order); the caller unreferences each old_fv once listeners
 * have been told and frees the array.  Context: updater, depth 0.
 */
GArray *addrspace_publish_views(struct memspace *ms, uint64_t gen);

#endif /* MEMSPACE_ADDRSPACE_INTERNAL_H */
