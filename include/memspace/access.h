/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The access path: translating guest addresses through a flat view, and
 * reading and writing an address space the way QEMU's address_space_rw()
 * does, byte for byte.
 *
 * Each access dereferences the address space's current view once and
 * walks it chunk by chunk; the chunks' results are OR-ed into one
 * enum memspace_access_result.  Per chunk:
 * - RAM: copied directly, clamped to the flat range.  A read-only range
 *   (a ROM, or RAM seen through a read-only alias or container: memspace
 *   uses the range's inherited flag, unlike QEMU, whose
 *   address_space_write() writes RAM behind a read-only alias) ignores
 *   writes and reports MEMSPACE_ACCESS_DECODE_ERROR, as QEMU reports a ROM
 *   write; with the debug attribute the write goes through (a debugger or
 *   firmware loader patching ROM).
 * - ROM device: in romd mode reads are copied from its memory and writes go
 *   to its callbacks; outside romd mode both go to the callbacks.
 * - RAM device: sized volatile loads and stores of 1, 2, 4 or 8 bytes.
 * - I/O: through the callbacks, with QEMU's rules: a chunk is at most
 *   valid_max_access_size bytes (0 means 4), at most the natural alignment
 *   of its offset unless impl_unaligned, rounded down to a power of two,
 *   and (like QEMU) not clamped to the flat range, so that an outl to
 *   0xcf8 reaches a 4-byte register although 0xcf9 is another region.  A
 *   chunk is refused (reads 0, MEMSPACE_ACCESS_DECODE_ERROR) if accepts()
 *   vetoes it, if it is unaligned without valid_unaligned, or if its size
 *   is outside [valid_min_access_size, valid_max_access_size] (unless the
 *   maximum is 0).  Otherwise it is widened or split to
 *   [impl_min_access_size (0: 1), impl_max_access_size (0: 4)]: each piece
 *   is a callback at offset + i, shifted into the value by i bytes (little
 *   endian device) or by size - piece - i bytes (big endian); wider pieces
 *   are masked, never read-modify-written.  The value moves between the
 *   buffer and the device in the device's byte order (native: the host's).
 *   A region without callbacks refuses every access.
 * - Unassigned: in a memory space, reads return zeros and writes are
 *   dropped, with MEMSPACE_ACCESS_DECODE_ERROR (QEMU's unassigned_mem_ops).
 *   An address space whose root is an I/O region is an I/O (port) space,
 *   like QEMU's "io": there, addresses nothing serves, and addresses the
 *   root serves without callbacks (as in maps loaded from a dump), read as
 *   all ones and ignore writes, with MEMSPACE_ACCESS_OK (QEMU's
 *   unassigned_io_ops).
 * - Software ioeventfds: when the address space's hyp_ioeventfd_enabled flag
 *   is false, a write matching an ioeventfd registered on the region (same
 *   offset, a size of 0 or equal size, data equal if it matches data)
 *   signals the eventfd instead of calling the region's callbacks.
 *
 * Accesses see the view published when they start; a transaction still
 * open does not affect them.  Callbacks run on the accessing thread, inside
 * its read-side section: they must not commit topology changes.
 */
#ifndef MEMSPACE_ACCESS_H
#define MEMSPACE_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include <memspace/types.h>
#include <memspace/region.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * memspace_flatview_translate() - find the range holding an address
 * @fv: a view the caller holds (a reference, or inside the read-side
 *	section it was dereferenced in).
 * @addr: the address.
 * @ret_sec: filled with the whole flat range holding @addr.
 * @ret_offset: if not NULL, set to @addr's offset in @ret_sec->mr.
 * @ret_len: if not NULL, set to the number of bytes from @addr to the end
 *	of the range (UINT64_MAX standing for 2^64).
 *
 * The lookup is lock-free and costs a few cache lines whatever the size or
 * the sparseness of the view.
 *
 * Context: any thread holding @fv.
 * Return: 0, or -ENOENT (nothing is mapped at @addr) or -EINVAL (@fv or
 * @ret_sec is NULL).
 */
int memspace_flatview_translate(const struct memspace_flatview *fv,
				uint64_t addr, struct memspace_section *ret_sec,
				uint64_t *ret_offset, uint64_t *ret_len);

/**
 * memspace_addrspace_translate() - memspace_flatview_translate() on the
 * current view of an address space
 * @as: the address space.
 * @addr: the address.
 * @ret_sec: as for memspace_flatview_translate().
 * @ret_offset: as for memspace_flatview_translate().
 * @ret_len: as for memspace_flatview_translate().
 *
 * @ret_sec->mr is borrowed from the current view: it stays valid until the
 * caller leaves its read-side section.
 *
 * Context: RCU reader (inside memspace_rcu_read_lock() or
 * memspace_read_lock()).
 * Return: as memspace_flatview_translate().
 */
int memspace_addrspace_translate(struct memspace_addrspace *as, uint64_t addr,
				 struct memspace_section *ret_sec,
				 uint64_t *ret_offset, uint64_t *ret_len);

/**
 * memspace_addrspace_read() - read guest memory or devices
 * @as: the address space.
 * @addr: first address.
 * @attrs: attributes of the access, passed to every callback.
 * @buf: receives @len bytes (zeros or all ones where nothing answers).
 * @len: number of bytes; 0 does nothing.
 *
 * The access is split and dispatched as described at the top of this
 * header; an access that runs past 2^64 - 1 wraps to address 0.
 *
 * Context: any registered thread (enters a read-side section itself).
 * Return: MEMSPACE_ACCESS_OK, or the OR of the errors of its chunks.
 */
enum memspace_access_result
memspace_addrspace_read(struct memspace_addrspace *as, uint64_t addr,
			struct memspace_attrs attrs, void *buf, uint64_t len);

/**
 * memspace_addrspace_write() - write guest memory or devices
 * @as: the address space.
 * @addr: first address.
 * @attrs: attributes of the access (debug lets it write read-only ranges).
 * @buf: the @len bytes to write.
 * @len: number of bytes; 0 does nothing.
 *
 * Context: any registered thread (enters a read-side section itself).
 * Return: MEMSPACE_ACCESS_OK, or the OR of the errors of its chunks.
 */
enum memspace_access_result
memspace_addrspace_write(struct memspace_addrspace *as, uint64_t addr,
			 struct memspace_attrs attrs, const void *buf,
			 uint64_t len);

/**
 * memspace_addrspace_rw() - read or write, chosen at run time
 * @as: the address space.
 * @addr: first address.
 * @attrs: attributes of the access.
 * @buf: source (@is_write) or destination of @len bytes.
 * @len: number of bytes.
 * @is_write: write @buf instead of reading into it.
 *
 * Context: any registered thread.
 * Return: as memspace_addrspace_read() or memspace_addrspace_write().
 */
enum memspace_access_result memspace_addrspace_rw(struct memspace_addrspace *as,
						  uint64_t addr,
						  struct memspace_attrs attrs,
						  void *buf, uint64_t len,
						  bool is_write);

/**
 * memspace_region_dispatch_read() - one sized access to a region's device
 * @mr: an I/O, ROM device, RAM device or RAM region, or an alias of one.
 * @offset: offset in @mr.
 * @data: receives the value, in host order.
 * @size: 1, 2, 4 or 8.
 * @attrs: attributes of the access.
 *
 * Validity checks, widening and splitting as in memspace_addrspace_read(),
 * but for exactly one access of @size bytes (QEMU's
 * memory_region_dispatch_read()), with no ioeventfd matching.
 *
 * Context: any thread keeping @mr alive.
 * Return: the access result (MEMSPACE_ACCESS_DECODE_ERROR with @data 0
 * for a refused access or a bad @size).
 */
enum memspace_access_result
memspace_region_dispatch_read(struct memspace_region *mr, uint64_t offset,
			      uint64_t *data, unsigned size,
			      struct memspace_attrs attrs);

/**
 * memspace_region_dispatch_write() - one sized write to a region's device
 * @mr: as for memspace_region_dispatch_read().
 * @offset: offset in @mr.
 * @data: the value, in host order (its low @size bytes are written).
 * @size: 1, 2, 4 or 8.
 * @attrs: attributes of the access.
 *
 * Context: any thread keeping @mr alive.
 * Return: the access result.
 */
enum memspace_access_result
memspace_region_dispatch_write(struct memspace_region *mr, uint64_t offset,
			       uint64_t data, unsigned size,
			       struct memspace_attrs attrs);

#ifdef __cplusplus
}
#endif

#endif /* MEMSPACE_ACCESS_H */
