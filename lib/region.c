/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Regions: construction of the six kinds, reference counting, attribute
 * mutators and getters.  Tree membership lives in subregion.c.
 */
#include "config.h"

#include <sys/mman.h>

#include "region-internal.h"
#include "reclaim.h"
#include "rcu.h"

void
region_mark_dirty(struct memspace_region *mr)
{
	uint64_t gen = mr->ms->gen;

	mr->dirty_gen = gen;
	if (mr->parent) {
		mr->parent->child_dirty_gen = gen;
	}
	for (struct memspace_region *p = mr->parent;
	     p && p->subtree_dirty_gen != gen; p = p->parent) {
		p->subtree_dirty_gen = gen;
	}
	mr->ms->pending = true;
}

static struct memspace_region *
region_alloc(struct memspace *ms, enum memspace_region_kind kind,
	     const char *name, u128 size)
{
	struct memspace_region *mr = g_new0(struct memspace_region, 1);

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
	if ((u128)offset + size_from_api(size) > U128_2_64) {
		return fail_null(EOVERFLOW);
	}
	mr = region_alloc(ms, MEMSPACE_REGION_ALIAS, name,
			  size_from_api(size));
	mr->alias = memspace_region_ref(target);
	mr->alias_offset = offset;
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

/*
 * Free a region whose last reference is gone.  Nothing maps it (a parent
 * would hold a reference), but it may still have subregions: detach them
 * under the updater lock, since this can run on liburcu's call_rcu thread
 * while the updater works on the tree.
 */
void
region_destroy(struct memspace_region *mr)
{
	struct memspace *ms = mr->ms;
	struct memspace_region *child;

	updater_lock(ms);
	while ((child = mr->first_child)) {
		mr->first_child = child->next_sibling;
		child->parent = NULL;
		child->prev_sibling = child->next_sibling = NULL;
		memspace_region_unref(child);
	}
	updater_unlock(ms);
	memspace_region_unref(mr->alias);
	region_listen_free(mr);
	if (mr->host_owned) {
		munmap(mr->host, mr->host_size);
	}
	memspace_backend_unref(mr->backend);
	g_free(mr->name);
	g_free(mr->owner);
	g_free(mr);
	memspace_unref_internal(ms);
}

MEMSPACE_EXPORT struct memspace_region *
memspace_region_unref(struct memspace_region *mr)
{
	gint old;

	if (!mr) {
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
	} else if (mr->alias && (u128)mr->alias_offset + sz > U128_2_64) {
		ret = -EOVERFLOW;
	} else if (mr->size != sz) {
		mr->size = sz;
		region_mark_dirty(mr);
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
	if ((u128)offset + mr->size > U128_2_64) {
		return updater_commit(mr->ms, -EOVERFLOW);
	}
	if (mr->alias_offset != offset) {
		mr->alias_offset = offset;
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
	return mr->kind;
}

MEMSPACE_EXPORT const char *
memspace_region_get_name(const struct memspace_region *mr)
{
	return mr->name;
}

MEMSPACE_EXPORT const char *
memspace_region_get_owner(const struct memspace_region *mr)
{
	return mr->owner;
}

MEMSPACE_EXPORT uint64_t
memspace_region_get_size(const struct memspace_region *mr)
{
	return size_to_api(mr->size);
}

MEMSPACE_EXPORT uint64_t
memspace_region_get_address(const struct memspace_region *mr)
{
	return mr->addr;
}

MEMSPACE_EXPORT int32_t
memspace_region_get_priority(const struct memspace_region *mr)
{
	return mr->priority;
}

MEMSPACE_EXPORT struct memspace_region *
memspace_region_get_parent(const struct memspace_region *mr)
{
	return mr->parent;
}

MEMSPACE_EXPORT struct memspace_region *
memspace_region_get_alias_target(const struct memspace_region *mr)
{
	return mr->alias;
}

MEMSPACE_EXPORT uint64_t
memspace_region_get_alias_offset(const struct memspace_region *mr)
{
	return mr->alias_offset;
}

MEMSPACE_EXPORT void *
memspace_region_get_host_ptr(const struct memspace_region *mr)
{
	return mr->host;
}

MEMSPACE_EXPORT bool
memspace_region_is_enabled(const struct memspace_region *mr)
{
	return mr->enabled;
}

MEMSPACE_EXPORT bool
memspace_region_is_readonly(const struct memspace_region *mr)
{
	return mr->readonly;
}

MEMSPACE_EXPORT bool
memspace_region_is_nonvolatile(const struct memspace_region *mr)
{
	return mr->nonvolatile;
}

MEMSPACE_EXPORT bool
memspace_region_is_romd(const struct memspace_region *mr)
{
	return mr->kind == MEMSPACE_REGION_ROM_DEVICE && mr->romd_mode;
}

MEMSPACE_EXPORT bool
memspace_region_is_terminating(const struct memspace_region *mr)
{
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
