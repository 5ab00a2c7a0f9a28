/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * struct memspace_region and the helpers the rest of the library uses on it.
 *
 * Invariants:
 * - subregions of a region form a doubly linked list in render order:
 *   priority descending, and among equal priorities the most recently added
 *   (or moved) first;
 * - the subregion edges form a forest; with alias-target edges the graph
 *   may have cycles (an alias showing an ancestor), but rendering any
 *   region never passes through one region nested in itself more than
 *   REGION_NEST_MAX times, and rendering an address space's root takes
 *   a bounded number of steps inside such nested passes
 *   (lib/region-cycle.c);
 * - a region has at most one parent, which holds one reference on it.
 */
#ifndef MEMSPACE_REGION_INTERNAL_H
#define MEMSPACE_REGION_INTERNAL_H

#include "memspace-private.h"

/* Flags a flat range inherits or takes from its terminating region. */
enum range_flags {
	RANGE_READONLY = 1u << 0,
	RANGE_NONVOLATILE = 1u << 1,
	RANGE_UNMERGEABLE = 1u << 2,
	RANGE_ROMD = 1u << 3,
};

/*
 * The fields a render walk reads come first, in the first 64 bytes (two
 * cache lines at most: regions are plain heap blocks, since aligning them
 * to 64 bytes cost 80 bytes per region of allocator padding, which a
 * 1M-region map cannot afford); the generations a commit's scan of the render
 * trace reads, in the next.  A full render of a large tree misses the
 * cache on most regions it visits.
 */
struct memspace_region {
	u128 size;		/* up to 2^64 */
	uint64_t addr;		/* offset in the parent */
	struct memspace_region *first_child;
	struct memspace_region *next_sibling;
	struct memspace_region *alias;
	enum memspace_region_kind kind;
	bool enabled;
	bool readonly;
	bool nonvolatile;
	bool unmergeable;
	bool romd_mode;		/* meaningful for ROM devices only */
	uint8_t dirty_log_mask;
	bool host_owned;	/* @host mapped by memspace, unmapped at free */
	unsigned nr_children;

	uint64_t alias_offset;
	/* Change tracking: generation of the last commit-worthy change. */
	uint64_t dirty_gen;
	/* Generations of the last change of a subregion, and of anything
	 * below (render traces, flatview/render-internal.h). */
	uint64_t child_dirty_gen;
	uint64_t subtree_dirty_gen;
	/* Generation of the last move of a subregion, which re-links it
	 * first among its equals (flatview/replay.c). */
	uint64_t relink_gen;

	struct memspace *ms;
	gint refcount;
	int32_t priority;
	char *name;
	char *owner;

	/* Tree links (and @first_child, @next_sibling, @nr_children above). */
	struct memspace_region *parent;
	struct memspace_region *last_child;
	struct memspace_region *prev_sibling;

	/* The aliases whose target this region is (under the updater lock);
	 * @alias and @alias_offset above. */
	GPtrArray *aliased_by;

	/* I/O and ROM device callbacks. */
	const struct memspace_region_ops *ops;
	void *opaque;

	/* Host memory of RAM, ROM device and RAM device regions. */
	void *host;
	uint64_t host_size;
	/* The subregions by address, for clipped renders
	 * (lib/subregion-index.h), or NULL. */
	struct subregion_index *subregion_index;
	struct memspace_backend *backend;	/* referenced, or NULL */
	uint64_t backend_offset;	/* of host[0] in @backend */

	/* Creation number in the context (memspace_export_json()'s "uid"). */
	uint64_t serial;
	/* Marker for graph walks (compared with ms->visit_epoch). */
	uint64_t visit_mark;
	/* Passes of the cycle check's walk now inside this region. */
	uint32_t on_walk;
	/* Reclaim epoch the region is queued on after dying (0: none). */
	uint64_t zombie_seq;

	/* State reported to listeners (lib/region-listen.h). */
	struct region_ioeventfds *ioeventfds;	/* RCU-published, or NULL */
	GArray *coalesced;	/* struct coalesced_part, or NULL */
	uint16_t log_count[3];	/* nested set_log() per dirty-log client */
	bool cycle_seed;	/* in ms->cycle_seeds (in the padding here) */
	uint64_t *dirty_bitmap[3];	/* per client, published once */
	GList ram_link;		/* in ms->ram_regions (host memory only) */
};

#define region_for_each_child(child, mr)                                     \
	for ((child) = (mr)->first_child; (child); (child) = (child)->next_sibling)

static inline bool
region_terminates(const struct memspace_region *mr)
{
	return mr->kind != MEMSPACE_REGION_CONTAINER &&
	       mr->kind != MEMSPACE_REGION_ALIAS;
}

/* Whether the region's extent is backed by host memory. */
static inline bool
region_has_backing(const struct memspace_region *mr)
{
	return mr->kind == MEMSPACE_REGION_RAM ||
	       mr->kind == MEMSPACE_REGION_ROM_DEVICE ||
	       mr->kind == MEMSPACE_REGION_RAM_DEVICE;
}

/* Follow an alias chain to the region that is finally aliased. */
static inline const struct memspace_region *
region_alias_final(const struct memspace_region *mr)
{
	while (mr->alias) {
		mr = mr->alias;
	}
	return mr;
}

/* Free a region that no reference and no live view can reach, and then
 * whatever that frees in turn (without recursion). */
void region_destroy(struct memspace_region *mr);
/* The same for every region of @dead (emptied). */
void region_destroy_all(GPtrArray *dead);

/*
 * Drop one reference on @mr, without freeing anything: a region it frees
 * is appended to @dead (for the caller's loop); one it leaves alive, to
 * @survivors if that is not NULL.
 */
void region_put(struct memspace_region *mr, GPtrArray *dead,
		GPtrArray *survivors);

/* Nested passes through one region that rendering may make (region-cycle.c). */
#define REGION_NEST_MAX 64

/*
 * Whether adding @child to @parent is allowed by the graph: -ELOOP if
 * @child would contain @parent, if an alias would then show its own
 * ancestor so that rendering recurses without end, or if some address
 * space's render would then go round cycles too long; 0 otherwise.
 * @child is linked into @parent at @offset only for the duration of the
 * check.
 */
int region_check_add(struct memspace_region *parent,
		     struct memspace_region *child, uint64_t offset,
		     int32_t priority);

/*
 * Whether @mr, whose address, size or alias offset just changed, lets
 * rendering recurse without end, or some address space's render take
 * too many steps through cycles (-ELOOP; the caller restores the old
 * value) or not (0).
 */
int region_check_geometry(struct memspace_region *mr);

/*
 * Whether an address space may be rooted at @root: -ELOOP if its render
 * would take too many steps through cycles of the graph, 0 otherwise.
 */
int region_check_root(struct memspace_region *root);

/* Drop @mr, being freed, from ms->cycle_seeds. */
void region_cycle_forget(struct memspace_region *mr);

/*
 * Free the reference cycles among the regions reachable from each region
 * of @cands that nothing outside the cycles holds (@cands each carry one
 * reference of the caller's, dropped here).  Regions that die are appended
 * to @dead.  Updater lock held.
 */
void region_collect_cycles(GPtrArray *cands, GPtrArray *dead);

/* Record a change of @mr that needs a re-render at the next commit. */
void region_mark_dirty(struct memspace_region *mr);

/*
 * Depth-first walk from @from over subregion and alias-target edges,
 * visiting each region once (marked with a fresh ms->visit_epoch): true as
 * soon as @match(mr, @arg) holds for a region reached.  With
 * @enabled_only, disabled regions are matched but not descended into.
 */
bool region_walk_any(struct memspace_region *from, bool enabled_only,
		     bool (*match)(const struct memspace_region *mr,
				   const void *arg),
		     const void *arg);

/* Listener-side state of a new region with host memory; and of any region
 * being freed (lib/dirty-log.c, lib/ioeventfd.c, lib/coalesced.c). */
void region_listen_init(struct memspace_region *mr);
void region_listen_free(struct memspace_region *mr);

/* QEMU's `info mtree` type word of a region (alias: of its final target). */
const char *region_type_name(const struct memspace_region *mr);

#endif /* MEMSPACE_REGION_INTERNAL_H */
