/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Address spaces: a named root region and the flat view rendered from it.
 *
 * The current flat view of an address space is published with
 * rcu_assign_pointer() at each commit.  Address spaces whose roots reduce to
 * the same region (QEMU's root reduction: an alias at offset 0 covering its
 * whole target, or a container whose only enabled subregion sits at 0 and
 * fits in it) share one flat view.
 */
#ifndef MEMSPACE_ADDRSPACE_H
#define MEMSPACE_ADDRSPACE_H

#include <stdbool.h>
#include <stdint.h>

#include <memspace/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * memspace_addrspace_create() - create an address space
 * @ms: the context.
 * @name: name (copied; names need not be unique).
 * @root: root region; the address space takes a reference on it.
 *
 * The new address space gets its flat view at once, even inside an open
 * transaction: it shares the published view of another address space with
 * the same reduced root, or a view rendered from the current tree.
 *
 * Context: updater.
 * Return: the address space, or NULL with errno set to EINVAL (NULL
 * argument), EXDEV (@root belongs to another context), EDEADLK (called
 * from a listener callback) or ELOOP (@root reaches a cycle of the region
 * graph, an alias showing an ancestor, and its render would take more
 * than 2^20 steps inside passes through a region already being rendered,
 * as memspace_region_add_subregion() refuses for existing address spaces;
 * nothing changes).
 */
struct memspace_addrspace *
memspace_addrspace_create(struct memspace *ms, const char *name,
		       struct memspace_region *root);

/**
 * memspace_addrspace_destroy() - destroy an address space
 * @as: the address space (may be NULL).
 *
 * Listeners still registered on @as are unregistered first (each sees its
 * ranges removed).  The object itself is freed after an RCU grace period,
 * so readers that found it through their own pointers finish safely.
 *
 * Context: updater.
 * Return: 0, or -EDEADLK (called from a listener callback).
 */
int memspace_addrspace_destroy(struct memspace_addrspace *as);

/**
 * memspace_addrspace_get_name() - the name of an address space
 * @as: the address space.
 *
 * Context: any.
 * Return: the name.
 */
const char *memspace_addrspace_get_name(const struct memspace_addrspace *as);

/**
 * memspace_addrspace_get_root() - the root region of an address space
 * @as: the address space.
 *
 * Context: any.
 * Return: the root (borrowed).
 */
struct memspace_region *
memspace_addrspace_get_root(const struct memspace_addrspace *as);

/**
 * memspace_addrspace_set_machine_ram() - record the RAM backend tree
 * @as: the address space.
 * @mr: the region holding the machine's RAM backends (for migration), or
 *	NULL to clear it; @as takes a reference.
 *
 * Context: updater.
 * Return: 0, or -EINVAL (@as is NULL) or -EXDEV (@mr belongs to another
 * context).
 */
int memspace_addrspace_set_machine_ram(struct memspace_addrspace *as,
				       struct memspace_region *mr);

/**
 * memspace_addrspace_get_machine_ram() - the RAM backend tree
 * @as: the address space.
 *
 * Context: updater.
 * Return: the region (borrowed) or NULL.
 */
struct memspace_region *
memspace_addrspace_get_machine_ram(const struct memspace_addrspace *as);

/**
 * memspace_addrspace_set_hyp_ioeventfd_enabled() - say whether the hypervisor
 * matches ioeventfds
 * @as: the address space.
 * @enabled: true when the hypervisor (KVM) signals ioeventfds itself; false
 *	when memspace's write path must do it in software.
 *
 * The flag can be set once; it is false until then.
 *
 * Context: updater.
 * Return: 0, or -EINVAL (@as is NULL) or -EALREADY (already set).
 */
int memspace_addrspace_set_hyp_ioeventfd_enabled(struct memspace_addrspace *as,
					       bool enabled);

/**
 * memspace_addrspace_get_hyp_ioeventfd_enabled() - the flag set above
 * @as: the address space.
 *
 * Context: any.
 * Return: the flag.
 */
bool memspace_addrspace_get_hyp_ioeventfd_enabled(const struct memspace_addrspace *as);

/**
 * memspace_addrspace_get_flatview() - take a counted reference on the
 * current flat view
 * @as: the address space.
 *
 * The view stays valid, and unchanged, until memspace_flatview_unref(), even
 * after later commits replace it.
 *
 * Context: any registered thread (it enters a read-side section itself).
 * Return: the view (never NULL).
 */
struct memspace_flatview *
memspace_addrspace_get_flatview(struct memspace_addrspace *as);

/**
 * memspace_addrspace_get_flatview_rcu() - dereference the current flat view
 * @as: the address space.
 *
 * Acts as rcu_dereference(): the view is valid until the caller leaves its
 * read-side section.  No reference is taken.
 *
 * Context: RCU reader (inside memspace_read_lock()).
 * Return: the view (never NULL).
 */
struct memspace_flatview *
memspace_addrspace_get_flatview_rcu(struct memspace_addrspace *as);

/**
 * memspace_addrspace_get_context() - the context of an address space
 * @as: the address space.
 *
 * Context: any.
 * Return: the context (borrowed).
 */
struct memspace *
memspace_addrspace_get_context(const struct memspace_addrspace *as);

#ifdef __cplusplus
}
#endif

#endif /* MEMSPACE_ADDRSPACE_H */
