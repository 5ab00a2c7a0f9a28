/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Listeners: how the outside world (KVM memory slots, vhost, VFIO, TCG
 * TLBs) is told exactly what changed in an address space, and the state
 * they are told about besides the topology: dirty logging, ioeventfds and
 * coalesced MMIO.
 *
 * Delivery.  A listener is registered on one address space.  At the
 * outermost commit that changes anything, memspace first publishes every
 * new flat view (readers may use them at once), then reports, with the
 * updater lock held:
 *
 *   log_global_start  if memspace_log_global_start() was called inside
 *                  the transaction (outside one it is immediate);
 *   begin          every listener of every address space whose view or
 *                  ioeventfd set changed, and every listener a queued
 *                  coalesced event is for, ascending priority;
 *   coalesced      the coalesced_io_add / coalesced_io_del that
 *                  memspace_region_add_coalescing() and
 *                  memspace_region_clear_coalescing() queued, in call
 *                  order, for the ranges of the view being replaced;
 *   topology       for each such address space, in creation order, a
 *                  sorted merge of the old and the new view: first a
 *                  delete pass (coalesced_io_del then region_del for each
 *                  old range that is not in the new view), then an
 *                  add/nop pass (region_add then coalesced_io_add for new
 *                  ranges; region_nop, then log_start and log_stop for
 *                  ranges present in both, when the dirty-log mask moved);
 *   ioeventfds     for each address space with an eventfd-capable
 *                  listener whose set changed: every eventfd_del, then
 *                  every eventfd_add;
 *   commit         as begin;
 *   log_global_stop  on the last memspace_log_global_stop().
 *
 * Outside a transaction each of those mutators is its own commit, so the
 * order is the same.  Only memspace_log_sync() is delivered at once, even
 * inside a transaction: it is a query for the dirty bits of the published
 * views.
 *
 * A range is "present in both" when its addresses, region, offset and
 * read-only, non-volatile, romd and unmergeable flags are equal; any other
 * change (a resize, a split, a flag) is reported as deleting the whole old
 * range and adding the new pieces.  A commit whose views come out
 * identical publishes nothing and calls nobody (QEMU would still send
 * begin, region_nop for every range and commit).
 *
 * Order among listeners: begin, commit, region_add, region_nop, log_start,
 * coalesced_io_add, eventfd_add, log_sync and log_global_start run in
 * ascending priority; region_del, log_stop, coalesced_io_del, eventfd_del
 * and log_global_stop in descending priority.  Equal priorities keep
 * registration order (reversed for the descending calls).  This
 * deliberately differs from QEMU, which inverts the two eventfd calls.
 *
 * The old view stays referenced until every callback of the commit has
 * returned, so the regions of the sections handed to callbacks stay valid
 * for the duration of the call (and until commit for region_del), even
 * though readers may already see the new view.
 *
 * Re-entrancy.  Callbacks run on the updating thread with the updater
 * lock held.  They may read (flat views, region getters) but every
 * mutator, transaction, registration or sync called from a callback fails
 * with -EDEADLK and changes nothing.
 *
 * Failure policy.  Callbacks return 0 or a negative errno.  A failing
 * callback never rolls the model back: the flat view that was published
 * is the truth of the region tree.  Instead the listener is marked out of
 * sync (memspace_listener_get_error() returns its first error), it still
 * receives every later callback (so it must tolerate deletions of things it
 * failed to add), and the commit - and so the mutator that triggered it -
 * returns -EREMOTEIO, which no mutator uses for anything else: "the change
 * was made and published, but a listener failed to follow it".
 * memspace_listener_resync() replays the view to repair a listener.
 * Registration is the exception: it is all or nothing (see
 * memspace_listener_register()).
 */
#ifndef MEMSPACE_LISTENER_H
#define MEMSPACE_LISTENER_H

#include <stdbool.h>
#include <stdint.h>

#include <memspace/types.h>
/* The region state listeners follow (eventfds, coalescing, dirty logging). */
#include <memspace/region.h>

#ifdef __cplusplus
extern "C" {
#endif

/** MEMSPACE_LISTENER_OPS_VERSION - current version of the listener ops */
#define MEMSPACE_LISTENER_OPS_VERSION 1

/* Conventional priorities (QEMU's values). */
#define MEMSPACE_LISTENER_PRIORITY_MIN 0
#define MEMSPACE_LISTENER_PRIORITY_ACCEL 10
#define MEMSPACE_LISTENER_PRIORITY_DEV_BACKEND 10

/**
 * struct memspace_ioeventfd - one ioeventfd as an address space sees it
 * @addr: guest address (absolute in the address space).
 * @size: access size that triggers it: 1, 2, 4 or 8; 0 means any size.
 * @match_data: only writes of @data trigger it.
 * @data: the value to match, as the guest writes it (a host-order integer
 *	of @size bytes).
 * @fd: the eventfd to signal.  It is memspace's own duplicate of the
 *	descriptor given to memspace_region_add_eventfd(), open at least
 *	until the eventfd_del callback for this entry has returned; listeners
 *	must not close it (dup it to keep it longer).
 */
struct memspace_ioeventfd {
	uint64_t addr;
	uint64_t size;
	bool match_data;
	uint64_t data;
	int fd;
};

/**
 * struct memspace_listener_ops - the callbacks of a listener
 * @version: set to MEMSPACE_LISTENER_OPS_VERSION.
 * @begin: an update (or a registration replay) starts.
 * @commit: the update is complete; listeners that queue work apply it here.
 * @region_add: @sec appeared.
 * @region_del: @sec disappeared.
 * @region_nop: @sec is unchanged by an update that changed its view.
 * @log_start: clients were added to the dirty-log mask of @sec
 *	(@old_mask to @new_mask); also sent on registration (0 to mask).
 * @log_stop: clients were removed (@old_mask to @new_mask); also sent on
 *	unregistration (mask to 0).
 * @log_sync: merge the listener's dirty information for @sec into the
 *	region's dirty bitmap (memspace_region_merge_dirty()).
 * @log_global_start: global dirty logging (migration) starts.
 * @log_global_stop: global dirty logging stops.
 * @eventfd_add: ioeventfd @e became visible; @sec is its address range
 *	(one byte long for any-size entries) and the region serving it.
 * @eventfd_del: ioeventfd @e is no longer visible.
 * @coalesced_io_add: writes to @sec (part of a flat range of an I/O
 *	region) may be buffered.
 * @coalesced_io_del: @sec is no longer coalesced.
 *
 * Every member may be NULL.  Every callback gets the opaque pointer given
 * at registration first and returns 0 or a negative errno (see the failure
 * policy above).  The sections and @e are borrowed for the call.  Members
 * are only ever appended; a listener with at least one of @eventfd_add and
 * @eventfd_del is "eventfd-capable": only address spaces with such a
 * listener maintain an ioeventfd set.
 */
struct memspace_listener_ops {
	unsigned version;
	int (*begin)(void *opaque);
	int (*commit)(void *opaque);
	int (*region_add)(void *opaque, const struct memspace_section *sec);
	int (*region_del)(void *opaque, const struct memspace_section *sec);
	int (*region_nop)(void *opaque, const struct memspace_section *sec);
	int (*log_start)(void *opaque, const struct memspace_section *sec,
			 unsigned old_mask, unsigned new_mask);
	int (*log_stop)(void *opaque, const struct memspace_section *sec,
			unsigned old_mask, unsigned new_mask);
	int (*log_sync)(void *opaque, const struct memspace_section *sec);
	int (*log_global_start)(void *opaque);
	int (*log_global_stop)(void *opaque);
	int (*eventfd_add)(void *opaque, const struct memspace_section *sec,
			   const struct memspace_ioeventfd *e);
	int (*eventfd_del)(void *opaque, const struct memspace_section *sec,
			   const struct memspace_ioeventfd *e);
	int (*coalesced_io_add)(void *opaque,
				const struct memspace_section *sec);
	int (*coalesced_io_del)(void *opaque,
				const struct memspace_section *sec);
};

/**
 * memspace_listener_register() - register a listener on an address space
 * @as: the address space.
 * @ops: the callbacks; must stay valid until the listener is unregistered.
 * @opaque: first argument of every callback.
 * @priority: order among the listeners (see the ordering rules above).
 * @name: name for debugging (copied; may be NULL).
 *
 * The current state of @as is replayed to the new listener only: begin;
 * for every range of the published view, in address order, region_add,
 * coalesced_io_add for each coalesced part and log_start (0 to mask) if
 * the range is dirty-logged; eventfd_add for every visible ioeventfd;
 * commit.  If global dirty logging is on, log_global_start comes first.
 * Registration is all or nothing: if a replay callback fails, the replay
 * is undone (as by unregistration) and nothing stays registered.
 *
 * Context: updater, not from a callback.
 * Return: the listener handle, owned by the caller until
 * memspace_listener_unregister(); or NULL with errno set to EINVAL (NULL
 * @as or @ops), EPROTO (@ops->version not supported), EDEADLK (called from
 * a callback), or the error a replay callback returned.
 */
struct memspace_listener *
memspace_listener_register(struct memspace_addrspace *as,
			   const struct memspace_listener_ops *ops,
			   void *opaque, int priority, const char *name);

/**
 * memspace_listener_unregister() - unregister a listener and free it
 * @l: the handle (may be NULL).
 *
 * Removes exactly @l.  The removal is replayed to @l only: begin; for
 * every range of the published view, log_stop (mask to 0) if logged,
 * coalesced_io_del for each coalesced part, region_del; eventfd_del for
 * every visible ioeventfd; log_global_stop if global dirty logging is on;
 * commit.  If the address space was destroyed first (which unregistered
 * the listener with the same replay), this only frees the handle.
 *
 * Context: updater, not from a callback.
 * Return: 0; -EDEADLK (called from a callback; nothing done, @l is still
 * valid); or -EREMOTEIO: @l was unregistered and freed, but one of its
 * removal callbacks failed.
 */
int memspace_listener_unregister(struct memspace_listener *l);

/**
 * memspace_listener_get_name() - the name given at registration
 * @l: the listener.
 *
 * Context: any.
 * Return: the name, or NULL.
 */
const char *memspace_listener_get_name(const struct memspace_listener *l);

/**
 * memspace_listener_get_priority() - the priority given at registration
 * @l: the listener.
 *
 * Context: any.
 * Return: the priority.
 */
int memspace_listener_get_priority(const struct memspace_listener *l);

/**
 * memspace_listener_get_addrspace() - the address space listened to
 * @l: the listener.
 *
 * Context: updater.
 * Return: the address space (borrowed), or NULL once it was destroyed.
 */
struct memspace_addrspace *
memspace_listener_get_addrspace(const struct memspace_listener *l);

/**
 * memspace_listener_get_error() - whether a listener is out of sync
 * @l: the listener.
 *
 * Context: updater.
 * Return: 0 if every callback of @l succeeded since its registration or
 * last successful resync, else the first negative errno one returned.
 */
int memspace_listener_get_error(const struct memspace_listener *l);

/**
 * memspace_listener_resync() - repair a listener that is out of sync
 * @l: the listener.
 *
 * Replays, to @l only and inside one begin/commit pair, the removal of the
 * current state and then its addition (as unregistration and registration
 * would, without log_global_stop/start).  The listener must tolerate the
 * removal of things it does not have.  On success its error is cleared.
 *
 * Context: updater, not from a callback.
 * Return: 0; -EINVAL (@l is NULL), -ENOENT (its address space was
 * destroyed), -EDEADLK (called from a callback); or -EREMOTEIO: a
 * callback failed again and @l stays out of sync.
 */
int memspace_listener_resync(struct memspace_listener *l);

/**
 * memspace_log_global_start() - start global dirty logging (migration)
 * @ms: the context.
 *
 * Calls nest.  On the first start every listener of the context gets
 * log_global_start (ascending priority); if one fails, those already
 * started get log_global_stop (descending) and the error is returned with
 * nothing changed.  Then every RAM and ROM device region gets the
 * MIGRATION client, and the commit that follows re-renders: listeners see
 * log_start on those ranges.  Inside an open transaction log_global_start
 * is delivered by its outermost commit, before begin; a listener failing
 * it then goes out of sync and that commit returns -EREMOTEIO.
 *
 * Context: updater.
 * Return: 0, or -EINVAL, -EDEADLK, the error of a failing
 * log_global_start (nothing changed), or -EREMOTEIO (logging is on, but a
 * listener failed in the commit).
 */
int memspace_log_global_start(struct memspace *ms);

/**
 * memspace_log_global_stop() - stop global dirty logging
 * @ms: the context.
 *
 * On the last stop, the MIGRATION client is removed from every region (a
 * commit: log_stop on those ranges), then every listener gets
 * log_global_stop (descending priority).  Inside an open transaction both
 * come at its outermost commit, log_global_stop after its commit callback.
 *
 * Context: updater.
 * Return: 0, or -EINVAL, -EALREADY (not started), -EDEADLK, or -EREMOTEIO
 * (logging is off, but a listener failed).
 */
int memspace_log_global_stop(struct memspace *ms);

/**
 * memspace_log_global_is_on() - whether global dirty logging is on
 * @ms: the context.
 *
 * Context: updater.
 * Return: true between the first start and the last stop.
 */
bool memspace_log_global_is_on(struct memspace *ms);

/**
 * memspace_log_sync() - make the dirty bitmaps of every region current
 * @ms: the context.
 *
 * Every listener with a log_sync callback gets it for each dirty-logged
 * range of its address space's published view (ascending priority, then
 * address order).  The same as memspace_log_sync_addrspace() on every
 * address space.
 *
 * Context: updater, not from a callback.
 * Return: 0, or -EINVAL, -EDEADLK, or the first error a log_sync returned
 * (the other ranges are still synced).
 */
int memspace_log_sync(struct memspace *ms);

/**
 * memspace_log_sync_addrspace() - sync the dirty-logged ranges of one
 * address space
 * @as: the address space.
 *
 * Context: updater, not from a callback.
 * Return: as memspace_log_sync().
 */
int memspace_log_sync_addrspace(struct memspace_addrspace *as);

/**
 * memspace_log_sync_region() - sync only the ranges that show one region
 * @mr: the region (a display's framebuffer, say).
 *
 * Context: updater, not from a callback.
 * Return: as memspace_log_sync().
 */
int memspace_log_sync_region(struct memspace_region *mr);

#ifdef __cplusplus
}
#endif

#endif /* MEMSPACE_LISTENER_H */
