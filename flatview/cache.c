/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Region caches and window caches: their fill, miss and rebuild paths.
 * The hit paths are inline in <memspace/cache.h>.  Validity rests on the
 * address space's view generation, bumped with release ordering after
 * every publication and read here with acquire ordering *before* the view
 * is dereferenced: the data a cache holds is never older than the
 * generation it records.
 */
#include "config.h"

#include <memspace/cache.h>

#include "access-internal.h"

static uint64_t
view_gen(const struct memspace_addrspace *as)
{
	return __atomic_load_n(&as->view_gen, __ATOMIC_ACQUIRE);
}

static void
cache_fill(struct memspace_region_cache *cache,
	   const struct memspace_addrspace *as, const struct flat_range *fr,
	   uint64_t gen)
{
	struct memspace_region *mr = fr->mr;
	bool ram = mr->kind == MEMSPACE_REGION_RAM;

	*cache = (struct memspace_region_cache){
		.kind = mr->kind,
		.readonly = fr->flags & RANGE_READONLY,
		.host_base = ram ? (uint8_t *)mr->host + fr->offset : NULL,
		.start = fr->start,
		.last = fr->last,
		.priv = { .as = as, .gen = &as->view_gen, .gen_value = gen },
	};
}

MEMSPACE_EXPORT int
memspace_addrspace_get_region_cache(struct memspace_addrspace *as,
				    uint64_t addr,
				    struct memspace_region_cache *cache)
{
	const struct flat_range *fr;
	uint64_t gen;
	int ret = 0;

	if (!as || !cache) {
		return -EINVAL;
	}
	ms_rcu_read_lock();
	gen = view_gen(as);
	fr = flatview_find(rcu_dereference(as->current), addr);
	if (fr) {
		cache_fill(cache, as, fr, gen);
	} else {
		*cache = (struct memspace_region_cache){ 0 };
		ret = -ENOENT;
	}
	ms_rcu_read_unlock();
	return ret;
}

MEMSPACE_EXPORT void *
memspace_addrspace_get_host_address_slow(struct memspace_addrspace *as,
					 uint64_t addr,
					 struct memspace_region_cache *cache)
{
	if (memspace_addrspace_get_region_cache(as, addr, cache) < 0 ||
	    !cache->host_base) {
		return NULL;
	}
	return cache->host_base + (addr - cache->start);
}

/* Direct pointer for the window if all of it lies in one RAM range. */
static void
window_translate(struct memspace_window_cache *w)
{
	const struct flat_range *fr = flatview_find(w->priv.fv, w->addr);

	w->priv.ptr = NULL;
	w->priv.ptr_writable = false;
	if (!fr || fr->mr->kind != MEMSPACE_REGION_RAM ||
	    w->len - 1 > fr->last - w->addr) {
		return;
	}
	w->priv.ptr =
		(uint8_t *)fr->mr->host + fr->offset + (w->addr - fr->start);
	/* Logged ranges take the slow path, which marks written pages. */
	w->priv.ptr_writable = w->is_write && !(fr->flags & RANGE_READONLY) &&
			       !fr->dirty_log_mask;
}

/* Pin the current view of the window's address space. */
static void
window_pin(struct memspace_window_cache *w)
{
	w->priv.gen_value = view_gen(w->priv.as);
	w->priv.fv = memspace_addrspace_get_flatview(w->priv.as);
	window_translate(w);
}

MEMSPACE_EXPORT int
memspace_window_cache_init(struct memspace_window_cache *w,
			   struct memspace_addrspace *as, uint64_t addr,
			   uint64_t len, bool is_write)
{
	if (!w || !as || !len || addr + (len - 1) < addr) {
		return -EINVAL;
	}
	*w = (struct memspace_window_cache){
		.addr = addr,
		.len = len,
		.is_write = is_write,
		.priv = { .as = as, .gen = &as->view_gen },
	};
	window_pin(w);
	return 0;
}

MEMSPACE_EXPORT void
memspace_window_cache_finish(struct memspace_window_cache *w)
{
	if (!w || !w->priv.fv) {
		return;
	}
	memspace_flatview_unref(w->priv.fv);
	w->priv.fv = NULL;
	w->priv.ptr = NULL;
	w->priv.ptr_writable = false;
}

MEMSPACE_EXPORT int
memspace_window_cache_refresh(struct memspace_window_cache *w)
{
	struct memspace_flatview *old = w->priv.fv;

	if (old && view_gen(w->priv.as) == w->priv.gen_value) {
		return 0;
	}
	window_pin(w);
	memspace_flatview_unref(old);
	return 1;
}

static enum memspace_access_result
window_access(struct memspace_window_cache *w, uint64_t offset, void *buf,
	      uint64_t len, bool is_write)
{
	struct access_ctx ctx = { .as = w->priv.as, .is_write = is_write };
	enum memspace_access_result res;

	if (offset > w->len || len > w->len - offset) {
		return MEMSPACE_ACCESS_DENIED;
	}
	if (!len) {
		return MEMSPACE_ACCESS_OK;
	}
	(void)memspace_window_cache_refresh(w);
	/* The pinned view keeps every region it shows alive; the section
	 * covers what regions publish under RCU (their ioeventfds). */
	ms_rcu_read_lock();
	res = flatview_access(w->priv.fv, &ctx, w->addr + offset, buf, len);
	ms_rcu_read_unlock();
	return res;
}

MEMSPACE_EXPORT enum memspace_access_result
memspace_window_cache_read_slow(struct memspace_window_cache *w,
				uint64_t offset, void *buf, uint64_t len)
{
	return window_access(w, offset, buf, len, false);
}

MEMSPACE_EXPORT enum memspace_access_result
memspace_window_cache_write_slow(struct memspace_window_cache *w,
				 uint64_t offset, const void *buf, uint64_t len)
{
	/* The buffer is only read on the write path. */
	return window_access(w, offset, (void *)buf, len, true);
}
