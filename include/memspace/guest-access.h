/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Guest-memory access helpers: the code VMMs otherwise write by hand on
 * top of the access path.
 *
 * - Mapping a guest range to host chunks (QEMU's address_space_map(),
 *   StratoVirt's get_address_map(), vm-memory's get_slices()), with the
 *   count of bytes mapped when the range is partly unmapped.
 * - "Is this whole range RAM" and "end of RAM".
 * - Aligned atomic loads and stores of 1, 2, 4 and 8 bytes, never torn.
 *   Ordinary reads and writes (memspace_addrspace_read() and write())
 *   copy bytes and are not atomic.
 * - Streaming guest memory from and to an fd.
 *
 * Every write made through these helpers (and through
 * memspace_addrspace_write()) marks the written pages in the dirty bitmaps
 * of the clients logging the RAM region, which memspace_log_sync() then
 * reports next to what the hypervisor logged: so migration sees device
 * writes.  A caller writing through host pointers it got from
 * memspace_flatview_map() must call memspace_flatview_unmap() when done,
 * which marks the pages then (after the data is there, as QEMU's
 * address_space_unmap() does).
 *
 * Only RAM ranges map: RAM regions (and ROM devices in romd mode, for
 * reads).  A read-only range maps for reading only.
 */
#ifndef MEMSPACE_GUEST_ACCESS_H
#define MEMSPACE_GUEST_ACCESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <memspace/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * memspace_flatview_map() - map a guest range to host chunks
 * @fv: a view the caller holds; the host pointers stay valid while it does.
 * @addr: first guest address.
 * @len: number of bytes; 0 maps nothing and succeeds.
 * @is_write: the caller will write (read-only ranges then do not map).
 * @iov: receives one entry per flat range crossed (adjacent ranges of one
 *	region with contiguous host memory are merged).
 * @iov_max: room in @iov.
 * @ret_iovcnt: set to the number of entries filled.
 * @ret_done: set to the number of bytes mapped (the sum of the entries).
 *
 * Context: any thread holding @fv.
 * Return: 0 (all @len bytes mapped), or, with the prefix that could be
 * mapped described in @iov:
 * -EFAULT: the range reaches a hole, a device, or (@is_write) a read-only
 *	range, at @addr + *@ret_done;
 * -E2BIG: @iov is full;
 * -EOVERFLOW: the range runs past 2^64 - 1;
 * -EINVAL: a NULL argument.
 */
int memspace_flatview_map(const struct memspace_flatview *fv, uint64_t addr,
			  uint64_t len, bool is_write, struct iovec *iov,
			  unsigned iov_max, unsigned *ret_iovcnt,
			  uint64_t *ret_done);

/**
 * memspace_flatview_unmap() - finish with a range from memspace_flatview_map()
 * @fv: the same view.
 * @addr: the first address that was mapped.
 * @len: bytes the caller accessed (at most what was mapped).
 * @is_write: the caller wrote them: mark them dirty.
 *
 * Context: any thread holding @fv.
 */
void memspace_flatview_unmap(const struct memspace_flatview *fv, uint64_t addr,
			     uint64_t len, bool is_write);

/**
 * memspace_flatview_mark_dirty() - mark RAM written by the VMM as dirty
 * @fv: a view the caller holds.
 * @addr: first guest address.
 * @len: number of bytes.
 *
 * Marks the pages of every RAM range in [@addr, @addr + @len) in the
 * bitmaps of the clients that log their regions; holes are skipped.
 *
 * Context: any thread holding @fv.
 */
void memspace_flatview_mark_dirty(const struct memspace_flatview *fv,
				  uint64_t addr, uint64_t len);

/**
 * memspace_flatview_is_ram() - whether a whole range is RAM
 * @fv: a view the caller holds.
 * @addr: first address.
 * @len: number of bytes (0: false).
 *
 * Context: any thread holding @fv.
 * Return: true if every byte is served by a RAM range (RAM, or a ROM
 * device in romd mode), false otherwise or if the range wraps.
 */
bool memspace_flatview_is_ram(const struct memspace_flatview *fv, uint64_t addr,
			      uint64_t len);

/**
 * memspace_flatview_ram_end() - end of RAM
 * @fv: a view the caller holds.
 * @ret_end: set to the exclusive end of the highest RAM range (UINT64_MAX
 *	if that range ends at 2^64 - 1).
 *
 * StratoVirt's memory_end_address().
 *
 * Context: any thread holding @fv.
 * Return: 0, or -ENOENT (no RAM) or -EINVAL (NULL argument).
 */
int memspace_flatview_ram_end(const struct memspace_flatview *fv,
			      uint64_t *ret_end);

/**
 * memspace_addrspace_is_ram() - memspace_flatview_is_ram() on the current
 * view
 * @as: the address space.
 * @addr: first address.
 * @len: number of bytes.
 *
 * Context: any registered thread.
 * Return: as memspace_flatview_is_ram().
 */
bool memspace_addrspace_is_ram(struct memspace_addrspace *as, uint64_t addr,
			       uint64_t len);

/**
 * memspace_addrspace_ram_end() - memspace_flatview_ram_end() on the current
 * view
 * @as: the address space.
 * @ret_end: as for memspace_flatview_ram_end().
 *
 * Context: any registered thread.
 * Return: as memspace_flatview_ram_end().
 */
int memspace_addrspace_ram_end(struct memspace_addrspace *as,
			       uint64_t *ret_end);

/**
 * memspace_addrspace_load() - atomic load from guest RAM
 * @as: the address space.
 * @addr: guest address, aligned to @size.
 * @size: 1, 2, 4 or 8.
 * @ret_val: receives the value (host byte order, zero-extended).
 *
 * One relaxed atomic load: never torn.  The value must lie in one RAM
 * range (it is never split across two).
 *
 * Context: any registered thread.
 * Return: 0, -EINVAL (bad @size, misaligned @addr or host address, or NULL
 * argument) or -EFAULT (not all in one RAM range).
 */
int memspace_addrspace_load(struct memspace_addrspace *as, uint64_t addr,
			    unsigned size, uint64_t *ret_val);

/**
 * memspace_addrspace_store() - atomic store to guest RAM
 * @as: the address space.
 * @addr: guest address, aligned to @size.
 * @size: 1, 2, 4 or 8.
 * @val: the value (its low @size bytes, host byte order).
 *
 * One relaxed atomic store: never torn.  Marks the page dirty.
 *
 * Context: any registered thread.
 * Return: 0, -EINVAL or -EFAULT as memspace_addrspace_load(), or -EROFS
 * (the range is read-only).
 */
int memspace_addrspace_store(struct memspace_addrspace *as, uint64_t addr,
			     unsigned size, uint64_t val);

/**
 * memspace_addrspace_read_from_fd() - fill guest memory from an fd
 * @as: the address space.
 * @addr: first guest address.
 * @fd: the fd to read.
 * @offset: file offset to read at (pread), or -1 for the fd's position.
 * @len: number of bytes.
 *
 * Reads into guest RAM until @len bytes, end of file, or the end of the
 * RAM that is mapped from @addr; EINTR is retried.  The written pages are
 * marked dirty.  The call holds a reference on the view, not an RCU
 * read-side section, so it may block.
 *
 * Context: any registered thread.
 * Return: the number of bytes read (may be short), or a negative errno:
 * -EFAULT (@addr is not writable RAM), -EINVAL, or the read's errno when
 * nothing was read.
 */
ssize_t memspace_addrspace_read_from_fd(struct memspace_addrspace *as,
					uint64_t addr, int fd, off_t offset,
					uint64_t len);

/**
 * memspace_addrspace_write_to_fd() - write guest memory to an fd
 * @as: the address space.
 * @addr: first guest address.
 * @fd: the fd to write.
 * @offset: file offset to write at (pwrite), or -1 for the fd's position.
 * @len: number of bytes.
 *
 * Writes guest RAM until @len bytes or the end of the RAM mapped from
 * @addr; EINTR is retried.
 *
 * Context: any registered thread.
 * Return: the number of bytes written (may be short), or a negative errno:
 * -EFAULT (@addr is not RAM), -EINVAL, or the write's errno when nothing
 * was written.
 */
ssize_t memspace_addrspace_write_to_fd(struct memspace_addrspace *as,
				       uint64_t addr, int fd, off_t offset,
				       uint64_t len);

#ifdef __cplusplus
}
#endif

#endif /* MEMSPACE_GUEST_ACCESS_H */
