/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Regions: construction of the six kinds, reference counting, attribute
 * mutators and getters.  Tree membership lives in subregion.c.
 */
#include "config.h"

#include <sys/mman.h>

#include "region-internal.h"
#include "subregion-index.h"
#include "reclaim.h"
#include "rcu.h"

static bool
touched_now(const struct memspace_region *mr, uint64_t gen)
{
	return mr->dirty_gen == gen || mr->child_dirty_gen == gen ||
	       mr->subtree_dirty_gen == gen;
}

/* List @mr in ms->touched, before one of its generations first becomes
 * the commit's. */
static void
note_touched(struct memspace *ms, struct memspace_region *mr)
{
	if (touched_now(mr, ms->gen)) {
		return;
	}
	if (ms->nr_touched == MS_TOUCHED_MAX) {
		ms->touched_overflow = true;
		return;
	}
	ms->touched[ms->nr_touched++] = mr;
}

/* A region being freed leaves the list (updater lock held). */
static void
forget_touched(struct memspace *ms, struct memspace_region *mr)
{
	if (!touched_now(mr, ms->gen)) {
		return;
	}
	for (unsigned i = 0; i < ms->nr_touched; i++) {
		if (ms->touched[i] == mr) {
			ms->touched[i] = ms->touched[--ms->nr_touched];
			return;
		}
	}
}

void
region_mark_dirty(struct memspace_region *mr)
{
	struct memspace *ms = mr->ms;
	uint64_t gen = ms->gen;

	note_touched(ms, mr);
	mr->dirty_gen = gen;
	if (mr->parent) {
		note_touched(ms, mr->parent);
		mr->parent->child_dirty_gen = gen;
	}
	for (struct memspace_region *p = mr->parent;
	     p && p->subtree_dirty_gen != gen; p = p->parent) {
		note_touched(ms, p);
		p->subtree_dirty_gen = gen;
	}
	ms->pending = true;
}

/* The render walk's fields share the first 64 bytes. */
G_STATIC_ASSERT(offsetof(struct memspace_region, dirty_log_mask) < 64);
G_STATIC_ASSERT(offsetof(struct memspace_region, relink_gen) < 128);

static struct memspace_region *
region_alloc(struct memspace *ms, enum memspace_region_kind kind,
	     const char *name, u128 size)
{
	struct memspace_region *mr =
		g_new0(struct memspace_region, 1);

	mr->ms = memspace_ref(ms);
	mr->refcount = 1;
	mr->kind = kind;
	mr->name = g_strdup(name);
	mr->size = size;
	mr->enabled = true;
	mr->romd_mode = true;
	mr->serial = __atomic_add_fetch(&ms->region_serial, 1,
					__ATOMIC_RELAXED);
	return mr;
}

static void *
fail_null(int err)
{
	errno = err;
	return NULL;
}

/* Map anonymous memory, or adopt the caller's. */
static int
region_attach_host(struct memspace_region *mr, void *host, uint64_t size)
{
	if (host) {
		mr->host = host;
		mr->host_size = size;
		return 0;
	}
	if (size == 0) {
		return 0;
	}
	host = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (host == MAP_FAILED) {
		return -ENOMEM;
	}
	mr->host = host;
	mr->host_size = size;
	mr->host_owned = true;
	return 0;
}

static int
check_ops(const struct memspace_region_ops *ops)
{
	if (!ops) {
		return 0;
	}
	if (ops->version != MEMSPACE_REGION_OPS_VERSION) {
		return -EPROTO;
	}
	if (ops->impl_unaligned && !ops->valid_unaligned) {
		return -EDOM;
	}
	if (ops->valid_max_access_size &&
	    ops->valid_min_access_size > ops->valid_max_access_size) {
		return -EDOM;
	}
	if (ops->impl_max_access_size &&
	    ops->impl_min_access_size > ops->impl_max_access_size) {
		return -EDOM;
	}
	return 0;
}

MEMSPACE_EXPORT struct memspace_region *
memspace_region_new_container(struct memspace *ms, const char *name,
			      uint64_t size)
{
	if (!ms || !name) {
		return fail_null(EINVAL);
	}
	return region_alloc(ms, MEMSPACE_REGION_CONTAINER, name,
			    size_from_api(size));
}

static struct memspace_region *
new_backed(struct memspace *ms, enum memspace_region_kind kind,
	   const char *name, uint64_t size, void *host)
{
	struct memspace_region *mr;
	int ret;

	if (!ms || !name || size == UINT64_MAX) {
		return fail_null(EINVAL);
	}
	mr = region_alloc(ms, kind, name, size);
	ret = region_attach_host(mr, host, size);
	if (ret < 0) {
		memspace_region_unref(mr);
		return fail_null(-ret);
	}
	region_listen_init(mr);
	return mr;
}

MEMSPACE_EXPORT struct memspace_region *
memspace_region_new_ram(struct memspace *ms, const char *name, uint64_t size,
			void *host)
{
	return new_backed(ms, MEMSPACE_REGION_RAM, name, size, host);
}

MEMSPACE_EXPORT struct memspace_region *
memspace_region_new_io(struct memspace *ms, const char *name, uint64_t size,
		       const struct memspace_region_ops *ops, void *opaque)
{
	struct memspace_region *mr;
	int ret;

	if (!ms || !name) {
		return fail_null(EINVAL);
	}
	ret = check_ops(ops);
	if (ret < 0) {
		return fail_null(-ret);
	}
	mr = region_alloc(ms, MEMSPACE_REGION_IO, name, size_from_api(size));
	mr->ops = ops;
	mr->opaque = opaque;
	return mr;
}

MEMSPACE_EXPORT struct memspace_region *
memspace_region_new_rom_device(struct memspace *ms, const char *name,
			       uint64_t size,
			       const struct memspace_region_ops *ops,
			       void *opaque, void *host)
{
	struct memspace_region *mr;
	int ret = check_ops(ops);

	if (ret < 0) {
		return fail_null(-ret);
	}
	mr = new_backed(ms, MEMSPACE_REGION_ROM_DEVICE, name, size, host);
	if (mr) {
		mr->ops = ops;
		mr->opaque = opaque;
	}
	return mr;
}

MEMSPACE_EXPORT struct memspace_region *
memspace_region_new_ram_device(struct memspace *ms, const char *name,
			       uint64_t size, void *host)
{
	if (!host && size) {
		return fail_null(EINVAL);
	}
	return new_backed(ms, MEMSPACE_REGION_RAM_DEVICE, name, size, host);
}

MEMSPACE_EXPORT struct memspace_region *
memspace_region_new_alias(struct memspace *ms, const char *name,
			  struct memspace_region *target, uint64_t offset,
			  uint64_t size)
{
	struct memspace_region *mr;

	if (!ms || !name || !target) {
		return fail_null(EINVAL);
	}
	if (target->ms != ms) {
		return fail_null(EXDEV);
	}
	mr = region_alloc(ms, MEMSPACE_REGION_ALIAS, name,
			  size_from_api(size));
	mr->alias = memspace_region_ref(target);
	mr->alias_offset = offset;
	updater_lock(ms);
	if (!target->aliased_by) {
		target->aliased_by = g_ptr_array_new();
	}
	g_ptr_array_add(target->aliased_by, mr);
	updater_unlock(ms);
	return mr;
}

MEMSPACE_EXPORT struct memspace_region *
memspace_region_ref(struct memspace_region *mr)
{
	if (mr) {
		g_atomic_int_inc(&mr->refcount);
	}
	return mr;
}

void
region_put(struct memspace_region *mr, GPtrArray *dead, GPtrArray *survivors)
{
	gint old = g_atomic_int_get(&mr->refcount);

	/* Lock-free unless this may be the last reference. */
	while (old > 1) {
		if (g_atomic_int_compare_and_exchange_full(&mr->refcount, old,
							   old - 1, &old)) {
			if (survivors) {
				g_ptr_array_add(survivors,
						memspace_region_ref(mr));
			}
			return;
		}
	}
	reclaim_region_put_last(mr, dead);
}

/*
 * Free one region whose last reference is gone.  Nothing maps it (a parent
 * would hold a reference), but it may still have subregions: detach them
 * (under the updater lock, held by the caller).  What that frees goes to
 * @dead; what it leaves alive, to @survivors (if the graph can have
 * reference cycles).
 */
static void
destroy_one(struct memspace_region *mr, GPtrArray *dead, GPtrArray *survivors)
{
	struct memspace_region *child;

	while ((child = mr->first_child)) {
		mr->first_child = child->next_sibling;
		child->parent = NULL;
		child->prev_sibling = child->next_sibling = NULL;
		region_put(child, dead, survivors);
	}
	subregion_index_free(mr);
	if (mr->alias) {
		g_ptr_array_remove_fast(mr->alias->aliased_by, mr);
		region_put(mr->alias, dead, survivors);
	}
	if (mr->aliased_by) {
		g_ptr_array_free(mr->aliased_by, TRUE);
	}
	forget_touched(mr->ms, mr);
	region_cycle_forget(mr);
	region_listen_free(mr);
	if (mr->host_owned) {
		munmap(mr->host, mr->host_size);
	}
	memspace_backend_unref(mr->backend);
	g_free(mr->name);
	g_free(mr->owner);
	g_free(mr);
}

/*
 * Free @dead's regions and whatever that frees in turn, with a work list
 * rather than recursion (trees may be nested 100k deep).  This can run on
 * liburcu's call_rcu thread while the updater works on the tree, hence the
 * updater lock; the context's references go after the lock is released.
 */
void
region_destroy_all(GPtrArray *dead)
{
	struct memspace *ms = ((struct memspace_region *)dead->pdata[0])->ms;
	g_autoptr(GPtrArray) survivors = NULL;
	unsigned long nr_freed = 0;

	memspace_ref(ms);
	updater_lock(ms);
	if (ms->cyclic) {
		survivors = g_ptr_array_new();
	}
	while (dead->len) {
		while (dead->len) {
			destroy_one(g_ptr_array_steal_index_fast(
					    dead, dead->len - 1),
				    dead, survivors);
			nr_freed++;
		}
		if (survivors) {
			region_collect_cycles(survivors, dead);
		}
	}
	updater_unlock(ms);
	while (nr_freed--) {
		memspace_unref_internal(ms);
	}
	memspace_unref_internal(ms);
}

void
region_destroy(struct memspace_region *mr)
{
	g_autoptr(GPtrArray) dead = g_ptr_array_new();

	g_ptr_array_add(dead, mr);
	region_destroy_all(dead);
}

MEMSPACE_EXPORT struct memspace_region *
memspace_region_unref(struct memspace_region *mr)
{
	struct memspace *ms;
	gint old;

	if (!mr) {
		return NULL;
	}
	ms = mr->ms;
	if (ms->cyclic) {
		g_autoptr(GPtrArray) dead = g_ptr_array_new();
		g_autoptr(GPtrArray) cands = g_ptr_array_new();

		/* The graph may hold reference cycles: see whether this
		 * reference was the last one from outside one
		 * (lib/region-cycle.c).  @mr is the candidate, with ours. */
		memspace_ref(ms);
		updater_lock(ms);
		g_ptr_array_add(cands, mr);
		region_collect_cycles(cands, dead);
		updater_unlock(ms);
		if (dead->len) {
			region_destroy_all(dead);
		}
		memspace_unref_internal(ms);
		return NULL;
	}
	/* Lock-free unless this may be the last reference. */
	old = g_atomic_int_get(&mr->refcount);
	while (old > 1) {
		if (g_atomic_int_compare_and_exchange_full(&mr->refcount, old,
							   old - 1, &old)) {
			return NULL;
		}
	}
	reclaim_region_unref_last(mr);
	return NULL;
}

/*
 * Set one boolean attribute, marking the region dirty if it changed.  All
 * boolean mutators share this shape.
 */
static int
set_flag(struct memspace_region *mr, bool *flag, bool value)
{
	int ret;

	if (!mr) {
		return -EINVAL;
	}
	ret = updater_enter(mr->ms);
	if (ret < 0) {
		return ret;
	}
	if (*flag != value) {
		*flag = value;
		region_mark_dirty(mr);
	}
	return updater_commit(mr->ms, 0);
}

MEMSPACE_EXPORT int
memspace_region_set_enabled(struct memspace_region *mr, bool enabled)
{
	return set_flag(mr, mr ? &mr->enabled : NULL, enabled);
}

MEMSPACE_EXPORT int
memspace_region_set_readonly(struct memspace_region *mr, bool readonly)
{
	return set_flag(mr, mr ? &mr->readonly : NULL, readonly);
}

MEMSPACE_EXPORT int
memspace_region_set_nonvolatile(struct memspace_region *mr, bool nonvolatile)
{
	return set_flag(mr, mr ? &mr->nonvolatile : NULL, nonvolatile);
}

MEMSPACE_EXPORT int
memspace_region_set_unmergeable(struct memspace_region *mr, bool unmergeable)
{
	return set_flag(mr, mr ? &mr->unmergeable : NULL, unmergeable);
}

MEMSPACE_EXPORT int
memspace_region_set_romd(struct memspace_region *mr, bool romd)
{
	if (mr && mr->kind != MEMSPACE_REGION_ROM_DEVICE) {
		return -ENOTTY;
	}
	return set_flag(mr, mr ? &mr->romd_mode : NULL, romd);
}

MEMSPACE_EXPORT int
memspace_region_set_size(struct memspace_region *mr, uint64_t size)
{
	u128 sz = size_from_api(size);
	int ret;

	if (!mr) {
		return -EINVAL;
	}
	ret = updater_enter(mr->ms);
	if (ret < 0) {
		return ret;
	}
	if (region_has_backing(mr) && sz > mr->host_size) {
		ret = -ERANGE;
	} else if (mr->size != sz) {
		u128 prev = mr->size;

		mr->size = sz;
		if (region_check_geometry(mr) < 0) {
			mr->size = prev;
			ret = -ELOOP;
		} else {
			region_mark_dirty(mr);
			if (mr->parent) {
				subregion_index_stale(mr->parent);
			}
		}
	}
	return updater_commit(mr->ms, ret);
}

MEMSPACE_EXPORT int
memspace_region_set_alias_offset(struct memspace_region *mr, uint64_t offset)
{
	int ret;

	if (!mr) {
		return -EINVAL;
	}
	if (!mr->alias) {
		return -ENOTTY;
	}
	ret = updater_enter(mr->ms);
	if (ret < 0) {
		return ret;
	}
	if (mr->alias_offset != offset) {
		uint64_t prev = mr->alias_offset;

		mr->alias_offset = offset;
		if (region_check_geometry(mr) < 0) {
			mr->alias_offset = prev;
			return updater_commit(mr->ms, -ELOOP);
		}
		region_mark_dirty(mr);
	}
	return updater_commit(mr->ms, 0);
}

MEMSPACE_EXPORT int
memspace_region_set_owner(struct memspace_region *mr, const char *owner)
{
	if (!mr) {
		return -EINVAL;
	}
	updater_lock(mr->ms);
	g_free(mr->owner);
	mr->owner = g_strdup(owner);
	updater_unlock(mr->ms);
	return 0;
}

MEMSPACE_EXPORT enum memspace_region_kind
memspace_region_get_kind(const struct memspace_region *mr)
{
	if (!mr) {
		return 0;
	}
	return mr->kind;
}

MEMSPACE_EXPORT const char *
memspace_region_get_name(const struct memspace_region *mr)
{
	if (!mr) {
		return NULL;
	}
	return mr->name;
}

MEMSPACE_EXPORT const char *
memspace_region_get_owner(const struct memspace_region *mr)
{
	if (!mr) {
		return NULL;
	}
	return mr->owner;
}

MEMSPACE_EXPORT uint64_t
memspace_region_get_size(const struct memspace_region *mr)
{
	if (!mr) {
		return 0;
	}
	return size_to_api(mr->size);
}

MEMSPACE_EXPORT uint64_t
memspace_region_get_address(const struct memspace_region *mr)
{
	if (!mr) {
		return 0;
	}
	return mr->addr;
}

MEMSPACE_EXPORT int32_t
memspace_region_get_priority(const struct memspace_region *mr)
{
	if (!mr) {
		return 0;
	}
	return mr->priority;
}

MEMSPACE_EXPORT struct memspace_region *
memspace_region_get_parent(const struct memspace_region *mr)
{
	if (!mr) {
		return NULL;
	}
	return mr->parent;
}

MEMSPACE_EXPORT struct memspace_region *
memspace_region_get_alias_target(const struct memspace_region *mr)
{
	if (!mr) {
		return NULL;
	}
	return mr->alias;
}

MEMSPACE_EXPORT uint64_t
memspace_region_get_alias_offset(const struct memspace_region *mr)
{
	if (!mr) {
		return 0;
	}
	return mr->alias_offset;
}

MEMSPACE_EXPORT void *
memspace_region_get_host_ptr(const struct memspace_region *mr)
{
	if (!mr) {
		return NULL;
	}
	return mr->host;
}

MEMSPACE_EXPORT bool
memspace_region_is_enabled(const struct memspace_region *mr)
{
	if (!mr) {
		return false;
	}
	return mr->enabled;
}

MEMSPACE_EXPORT bool
memspace_region_is_readonly(const struct memspace_region *mr)
{
	if (!mr) {
		return false;
	}
	return mr->readonly;
}

MEMSPACE_EXPORT bool
memspace_region_is_nonvolatile(const struct memspace_region *mr)
{
	if (!mr) {
		return false;
	}
	return mr->nonvolatile;
}

MEMSPACE_EXPORT bool
memspace_region_is_romd(const struct memspace_region *mr)
{
	if (!mr) {
		return false;
	}
	return mr->kind == MEMSPACE_REGION_ROM_DEVICE && mr->romd_mode;
}

MEMSPACE_EXPORT bool
memspace_region_is_terminating(const struct memspace_region *mr)
{
	if (!mr) {
		return false;
	}
	return region_terminates(mr);
}

const char *
region_type_name(const struct memspace_region *mr)
{
	mr = region_alias_final(mr);
	switch (mr->kind) {
	case MEMSPACE_REGION_RAM_DEVICE:
		return "ramd";
	case MEMSPACE_REGION_ROM_DEVICE:
		return mr->romd_mode ? "romd" : "i/o";
	case MEMSPACE_REGION_RAM:
		return mr->readonly ? "rom" : "ram";
	case MEMSPACE_REGION_CONTAINER:
	case MEMSPACE_REGION_IO:
	case MEMSPACE_REGION_ALIAS:
		break;
	}
	return "i/o";
}
