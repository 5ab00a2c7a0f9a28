/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Private definitions shared by every component: the context object, export
 * and helper macros, and the updater-side entry and exit helpers.
 */
#ifndef MEMSPACE_PRIVATE_H
#define MEMSPACE_PRIVATE_H

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

#include <glib.h>

#include <memspace/memspace.h>

#define MEMSPACE_EXPORT __attribute__((visibility("default")))

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* 128-bit arithmetic for extents that reach 2^64 and alias bases that go
 * negative while rendering. */
typedef unsigned __int128 u128;
typedef __int128 i128;

#define U128_2_64 ((u128)1 << 64)

/* Public sizes use UINT64_MAX for 2^64 (see MEMSPACE_SIZE_2_64). */
static inline u128
size_from_api(uint64_t size)
{
	return size == UINT64_MAX ? U128_2_64 : (u128)size;
}

static inline uint64_t
size_to_api(u128 size)
{
	return size >= U128_2_64 ? UINT64_MAX : (uint64_t)size;
}

struct listener_registry;
struct memspace_addrspace;

/**
 * struct commit_hook - the one seam through which the model reaches up.
 *
 * The folders depend one way: lib/ (the model) <- flatview/ (views and their
 * readers) <- listeners/ (the commit pipeline's diff and notify, and the KVM
 * listeners).  The model must still start a commit when a mutation closes
 * the outermost transaction, and must let the upper layers drop what they
 * hang off the context.  It does so only through this table, which
 * memspace_new() (listeners/commit.c, the one place that knows every layer)
 * installs when it builds the context.  Called with the updater lock held.
 *
 * @commit: render, publish, diff and notify what changed since the last
 *	commit (listeners/commit.c: commit_pipeline()); called at depth 0.
 *	Return: 0, or -EREMOTEIO when a listener failed.
 * @addrspace_detach: unregister the listeners of an address space that is
 *	being destroyed (flatview/addrspace.c calls it).
 * @finish: release the upper layers' state of a context whose last
 *	reference went (listener registry, empty view).
 */
struct commit_hook {
	int (*commit)(struct memspace *ms);
	void (*addrspace_detach)(struct memspace_addrspace *as);
	void (*finish)(struct memspace *ms);
};

/* Regions a commit lists as changed before it stops listing them. */
#define MS_TOUCHED_MAX 16

/**
 * struct memspace - the context: owns all state of one memory model
 * @refcount: references (users, regions, address spaces).
 * @lock: the updater lock.  Recursive so that a transaction opened by a
 *	thread can contain that thread's mutators; a transaction holds it from
 *	begin to the outermost commit.
 * @depth: transaction nesting depth (protected by @lock).
 * @in_callback: listener callbacks are running (on the thread holding @lock);
 *	set only by listeners_deliver() (listeners/deliver.c).
 * @pending: an effective topology change awaits the outermost commit.
 * @gen: generation of the commit being prepared; regions changed since the
 *	last commit carry it in their dirty_gen.
 * @visit_epoch: counter for marking regions during graph walks.
 * @touched: the regions whose dirty_gen, child_dirty_gen or
 *	subtree_dirty_gen the commit being prepared (@gen) set, each once
 *	(lib/region.c keeps it; a region freed before the commit leaves it).  The renderer reads it to tell a
 *	changed region from an unchanged one without loading it.
 * @nr_touched: entries of @touched.
 * @touched_overflow: more regions than @touched holds were changed: the
 *	list is incomplete, and readers must load the regions' generations.
 * @cyclic: the region graph has had a cycle (an alias showing an ancestor,
 *	lib/region-cycle.c); from then on dropping a reference looks for
 *	reference cycles that nothing outside holds any more.
 * @cycle_seeds: regions whose mapping closed a cycle of the region graph,
 *	each once (flagged in its cycle_seed); every cycle passes through one
 *	(lib/region-cycle.c).  A region leaves when freed; one whose cycle
 *	is broken stays, which costs only a needless check.  NULL before the
 *	first.
 * @addrspaces: address spaces in creation order.
 * @empty_view: the shared view of address spaces that render nothing.
 * @as_slots: what a commit reads of each address space, in the order of
 *	@addrspaces, packed (flatview/addrspace.c); NULL before the first.
 * @as_groups: the slots grouped by reduced root, while every reduction is
 *	known to hold (flatview/addrspace.c); NULL when not.
 * @view_pools: the blocks commits recycle for their views
 *	(flatview/pool.h); freed with the context, after every view.
 * @listeners: the listener registry.
 * @ioeventfd_pending: an ioeventfd was added or removed since the last
 *	commit: every address space's ioeventfd set must be rebuilt, even if
 *	no view changes (no re-render is needed for that).
 * @log_global: nesting count of memspace_log_global_start().
 * @ram_regions: every region with host memory (lib/dirty-log.c), so that
 *	global dirty logging reaches regions not mapped anywhere yet.
 * @instance: a random number naming this context in exports.
 * @region_serial: regions created so far (atomic): each region's serial.
 * @hook: the commit pipeline and the upper layers' cleanup (see struct
 *	commit_hook); set once by memspace_new().
 */
struct memspace {
	gint refcount;
	GRecMutex lock;
	unsigned depth;
	bool in_callback;
	bool pending;
	uint64_t gen;
	uint64_t visit_epoch;
	struct memspace_region *touched[MS_TOUCHED_MAX];
	unsigned nr_touched;
	bool touched_overflow;
	uint64_t view_serial;	/* last serial given to a flat view */
	bool cyclic;
	GPtrArray *cycle_seeds;
	GPtrArray *addrspaces;
	struct memspace_flatview *empty_view;
	GArray *as_slots;
	struct as_groups *as_groups;
	struct view_pools *view_pools;
	struct listener_registry *listeners;
	bool ioeventfd_pending;
	unsigned log_global;
	GQueue ram_regions;
	uint64_t instance;
	uint64_t region_serial;
	/* Region reclamation (reclaim.c), under @reclaim_lock. */
	GMutex reclaim_lock;
	GQueue reclaim_epochs;
	uint64_t reclaim_seq;
	const struct commit_hook *hook;
};

/*
 * Build a context whose commits run @hook (lib/context.c); only
 * memspace_new() calls it.
 */
struct memspace *context_new(const struct commit_hook *hook);

/* Drop a reference taken by an object (never waits for RCU callbacks). */
void memspace_unref_internal(struct memspace *ms);

/*
 * The frame of every updater operation:
 *
 *	ret = updater_enter(ms);
 *	if (ret < 0)
 *		return ret;
 *	ret = ...change the model, or fail having changed nothing...;
 *	return updater_commit(ms, ret);
 *
 * updater_enter() takes the updater lock and opens an implicit transaction;
 * it fails with -EDEADLK (lock released again) when called from a listener
 * callback.  updater_commit() closes it: at depth 0 it runs the commit
 * (ms->hook->commit: render, publish, diff, notify; a no-op when nothing is
 * pending, as after a failed change), then unlocks.  It returns @ret when
 * that is negative, else the commit's result (0 or -EREMOTEIO).
 *
 * Kept as two calls rather than one helper taking a callback: C has no
 * closures, and an argument struct plus a callback per mutator would hide
 * the change itself, which is the part a reader looks for.
 */
int updater_enter(struct memspace *ms);
int updater_commit(struct memspace *ms, int ret);

/* Lock/unlock without transaction semantics (for readers of the tree). */
void updater_lock(struct memspace *ms);
void updater_unlock(struct memspace *ms);

#endif /* MEMSPACE_PRIVATE_H */
