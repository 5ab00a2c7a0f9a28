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
	bool hyp_ioevtfd_set;
	bool hyp_ioevtfd_enabled;
	/*
	 * Bumped (release) after each publication of @current; region
	 * caches read it (acquire) before the view they fill from, so a
	 * cache whose generation still matches holds current data.
	 */
	uint64_t view_gen;
	/* Listeners and the ioeventfd set (listeners/listener-internal.h). */
	struct as_listeners *lst;
};

/* Publish @fv (a new reference) as the current view of @as. */
static inline void
addrspace_publish_view(struct memspace_addrspace *as,
		       struct memspace_flatview *fv)
{
	rcu_assign_pointer(as->current, fv);
	__atomic_store_n(&as->view_gen, as->view_gen + 1, __ATOMIC_RELEASE);
}

/* Render and publish everything that changed; called at depth 0. */
int addrspace_commit_all(struct memspace *ms);

#endif /* MEMSPACE_ADDRSPACE_INTERNAL_H */
