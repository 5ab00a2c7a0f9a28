/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Caller-owned caches for the hottest guest-memory paths.
 *
 * struct memspace_region_cache remembers one flat range of an address
 * space (StratoVirt's RegionCache).  Its hit path is inline: a range check
 * and a compare of the address space's view generation, which every
 * commit that publishes a new view bumps.  So a cache never returns a host
 * address from a view that is no longer current: after a topology change
 * the next use misses and refills from the new view.  Host addresses are
 * only guaranteed to stay mapped while the caller is inside a read-side
 * section (memspace_rcu_read_lock()): use them there and do not keep them.
 *
 * struct memspace_window_cache is QEMU's MemoryRegionCache: a fixed guest
 * window (a virtio ring, say) translated once.  It pins the view it was
 * built from (a counted reference), so its host pointer stays valid with
 * no read-side section.  Unlike QEMU's, it is never stale: each access
 * compares the generation inline and, after a topology change, the window
 * rebuilds itself from the new view before the access proceeds.  A window
 * belongs to one thread at a time (accesses may rebuild it in place).
 *
 * Both caches must not outlive their address space.
 */
#ifndef MEMSPACE_CACHE_H
#define MEMSPACE_CACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <memspace/types.h>
#include <memspace/region.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct memspace_region_cache - one cached flat range
 * @kind: kind of the region serving the range.
 * @readonly: the range is read-only (writing through @host_base is the
 *	caller's bug).
 * @host_base: host address of @start for a RAM range, else NULL.
 * @start: first address of the range.
 * @last: last address of the range (inclusive).
 * @priv: validity token, private to memspace.
 *
 * Zero-initialise before the first use (an all-zero cache never hits).
 */
struct memspace_region_cache {
	enum memspace_region_kind kind;
	bool readonly;
	uint8_t *host_base;
	uint64_t start;
	uint64_t last;
	struct {
		const struct memspace_addrspace *as;
		const uint64_t *gen;
		uint64_t gen_value;
	} priv;
};

/**
 * memspace_addrspace_get_region_cache() - fill a cache with the range
 * holding an address
 * @as: the address space.
 * @addr: the address.
 * @cache: the caller's cache.
 *
 * Context: any registered thread.
 * Return: 0, or -ENOENT (nothing is mapped at @addr; @cache then never
 * hits) or -EINVAL (NULL argument).
 */
int memspace_addrspace_get_region_cache(struct memspace_addrspace *as,
					uint64_t addr,
					struct memspace_region_cache *cache);

/**
 * memspace_addrspace_get_host_address_slow() - the miss path of
 * memspace_addrspace_get_host_address()
 * @as: the address space.
 * @addr: the address.
 * @cache: the caller's cache, refilled.
 *
 * Context: RCU reader.
 * Return: the host address, or NULL if @addr is not RAM.
 */
void *
memspace_addrspace_get_host_address_slow(struct memspace_addrspace *as,
					 uint64_t addr,
					 struct memspace_region_cache *cache);

/**
 * memspace_region_cache_hit() - whether a cache answers for an address
 * @cache: the cache.
 * @as: the address space it is used with.
 * @addr: the address.
 *
 * Context: any thread.
 * Return: true if @cache holds the range of @addr in the current view of
 * @as.
 */
static inline bool
memspace_region_cache_hit(const struct memspace_region_cache *cache,
			  const struct memspace_addrspace *as, uint64_t addr)
{
	/* Acquire pairs with the release bump after each publication. */
	return cache->priv.as == as &&
	       addr - cache->start <= cache->last - cache->start &&
	       __atomic_load_n(cache->priv.gen, __ATOMIC_ACQUIRE) ==
		       cache->priv.gen_value;
}

/**
 * memspace_addrspace_get_host_address() - host address of guest RAM
 * @as: the address space.
 * @addr: the guest address.
 * @cache: the caller's cache; refilled on a miss.
 *
 * The hit path is inline.  The result is valid until the caller leaves
 * its read-side section; the bytes up to @cache->last are contiguous.
 *
 * Context: RCU reader (inside memspace_rcu_read_lock()).
 * Return: the host address, or NULL if @addr is not RAM (I/O, a device,
 * or nothing).
 */
static inline void *
memspace_addrspace_get_host_address(struct memspace_addrspace *as,
				    uint64_t addr,
				    struct memspace_region_cache *cache)
{
	if (__builtin_expect(memspace_region_cache_hit(cache, as, addr) &&
				     cache->host_base != NULL,
			     1)) {
		return cache->host_base + (addr - cache->start);
	}
	return memspace_addrspace_get_host_address_slow(as, addr, cache);
}

/**
 * struct memspace_window_cache - a translated fixed guest window
 * @addr: guest address of the window.
 * @len: length of the window.
 * @is_write: the window was set up for writing too.
 * @priv: state private to memspace.
 */
struct memspace_window_cache {
	uint64_t addr;
	uint64_t len;
	bool is_write;
	struct {
		struct memspace_addrspace *as;
		struct memspace_flatview *fv;
		uint8_t *ptr;
		bool ptr_writable;
		const uint64_t *gen;
		uint64_t gen_value;
	} priv;
};

/**
 * memspace_window_cache_init() - set up a window
 * @w: the caller's window (its previous content is ignored).
 * @as: the address space.
 * @addr: first guest address of the window.
 * @len: its length (at least 1; addr + len - 1 must not pass 2^64 - 1).
 * @is_write: the window will be written (only writable RAM then gets the
 *	direct path for writes).
 *
 * When the whole window lies in one RAM range, accesses copy directly;
 * otherwise they take the general access path over the pinned view.
 *
 * Context: any registered thread.
 * Return: 0, or -EINVAL (NULL @w or @as, @len 0, or a window that wraps).
 */
int memspace_window_cache_init(struct memspace_window_cache *w,
			       struct memspace_addrspace *as, uint64_t addr,
			       uint64_t len, bool is_write);

/**
 * memspace_window_cache_finish() - release a window's view
 * @w: the window (may be NULL; a finished window may be initialised again).
 *
 * Context: the registered thread owning @w.
 */
void memspace_window_cache_finish(struct memspace_window_cache *w);

/**
 * memspace_window_cache_refresh() - rebuild a window if its view is stale
 * @w: the window.
 *
 * Accesses call this themselves; owners that want to re-translate at a
 * moment of their choosing (a listener's commit, as virtio does in QEMU)
 * may call it too.
 *
 * Context: the registered thread owning @w.
 * Return: 1 if the window was rebuilt, 0 if it was current.
 */
int memspace_window_cache_refresh(struct memspace_window_cache *w);

/**
 * memspace_window_cache_read_slow() - the general path of
 * memspace_window_cache_read()
 * @w: the window.
 * @offset: offset in the window.
 * @buf: destination.
 * @len: number of bytes.
 *
 * Context: the registered thread owning @w.
 * Return: as memspace_window_cache_read().
 */
enum memspace_access_result
memspace_window_cache_read_slow(struct memspace_window_cache *w,
				uint64_t offset, void *buf, uint64_t len);

/**
 * memspace_window_cache_write_slow() - the general path of
 * memspace_window_cache_write()
 * @w: the window.
 * @offset: offset in the window.
 * @buf: source.
 * @len: number of bytes.
 *
 * Context: the registered thread owning @w.
 * Return: as memspace_window_cache_write().
 */
enum memspace_access_result
memspace_window_cache_write_slow(struct memspace_window_cache *w,
				 uint64_t offset, const void *buf,
				 uint64_t len);

/* Whether [@offset, @offset + @len) is inside @w and its view current. */
static inline bool
memspace_window_cache_fast_(const struct memspace_window_cache *w,
			    uint64_t offset, uint64_t len)
{
	return w->priv.ptr && offset <= w->len && len <= w->len - offset &&
	       __atomic_load_n(w->priv.gen, __ATOMIC_ACQUIRE) ==
		       w->priv.gen_value;
}

/**
 * memspace_window_cache_read() - read from a window
 * @w: the window.
 * @offset: offset in the window.
 * @buf: destination of @len bytes.
 * @len: number of bytes.
 *
 * Context: the registered thread owning @w (no read-side section needed).
 * Return: MEMSPACE_ACCESS_OK or the access errors, as
 * memspace_addrspace_read(); MEMSPACE_ACCESS_DENIED if the bytes are not
 * all inside the window.
 */
static inline enum memspace_access_result
memspace_window_cache_read(struct memspace_window_cache *w, uint64_t offset,
			   void *buf, uint64_t len)
{
	if (__builtin_expect(memspace_window_cache_fast_(w, offset, len), 1)) {
		memcpy(buf, w->priv.ptr + offset, len);
		return MEMSPACE_ACCESS_OK;
	}
	return memspace_window_cache_read_slow(w, offset, buf, len);
}

/**
 * memspace_window_cache_write() - write to a window
 * @w: the window.
 * @offset: offset in the window.
 * @buf: the @len bytes to write.
 * @len: number of bytes.
 *
 * Context: the registered thread owning @w (no read-side section needed).
 * Return: as memspace_window_cache_read().
 */
static inline enum memspace_access_result
memspace_window_cache_write(struct memspace_window_cache *w, uint64_t offset,
			    const void *buf, uint64_t len)
{
	if (__builtin_expect(w->priv.ptr_writable &&
				     memspace_window_cache_fast_(w, offset,
								 len),
			     1)) {
		memcpy(w->priv.ptr + offset, buf, len);
		return MEMSPACE_ACCESS_OK;
	}
	return memspace_window_cache_write_slow(w, offset, buf, len);
}

#ifdef __cplusplus
}
#endif

#endif /* MEMSPACE_CACHE_H */
