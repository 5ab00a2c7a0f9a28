/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Guest-memory access helpers: guest ranges mapped to host chunks, RAM
 * queries, tear-free atomic loads and stores, and streaming between guest
 * RAM and fds.  Every write marks the dirty bitmaps of the RAM written.
 */
#define _GNU_SOURCE
#include "config.h"

#include <unistd.h>

#include "access-internal.h"
#include "flatview-internal.h"
#include "region-internal.h"

#include <memspace/guest-access.h>

/* Whether @fr is host memory the VMM may access directly. */
static bool
range_is_ram(const struct flat_range *fr, bool is_write)
{
	if (fr->mr->kind == MEMSPACE_REGION_RAM) {
		return !is_write || !(fr->flags & RANGE_READONLY);
	}
	return fr->mr->kind == MEMSPACE_REGION_ROM_DEVICE &&
	       (fr->flags & RANGE_ROMD) && !is_write;
}

static uint8_t *
range_host(const struct flat_range *fr, uint64_t addr)
{
	return (uint8_t *)fr->mr->host + fr->offset + (addr - fr->start);
}

/* Map [addr, addr + len), len > 0 and not wrapping. */
static int
map_range(const struct memspace_flatview *fv, uint64_t addr, uint64_t len,
	  bool is_write, struct iovec *iov, unsigned iov_max, unsigned *n,
	  uint64_t *done)
{
	while (*done < len) {
		uint64_t a = addr + *done, rem = len - *done - 1;
		const struct flat_range *fr = flatview_find(fv, a);
		uint64_t chunk;
		uint8_t *host;

		if (!fr || !range_is_ram(fr, is_write)) {
			return -EFAULT;
		}
		host = range_host(fr, a);
		chunk = (rem < fr->last - a ? rem : fr->last - a) + 1;
		if (*n &&
		    (uint8_t *)iov[*n - 1].iov_base + iov[*n - 1].iov_len ==
			    host) {
			iov[*n - 1].iov_len += chunk;
		} else if (*n == iov_max) {
			return -E2BIG;
		} else {
			iov[(*n)++] = (struct iovec){ host, chunk };
		}
		*done += chunk;
	}
	return 0;
}

MEMSPACE_EXPORT int
memspace_flatview_map(const struct memspace_flatview *fv, uint64_t addr,
		      uint64_t len, bool is_write, struct iovec *iov,
		      unsigned iov_max, unsigned *ret_iovcnt,
		      uint64_t *ret_done)
{
	bool wraps;
	int ret;

	if (!fv || (!iov && iov_max) || !ret_iovcnt || !ret_done) {
		return -EINVAL;
	}
	*ret_iovcnt = 0;
	*ret_done = 0;
	if (!len) {
		return 0;
	}
	wraps = len - 1 > UINT64_MAX - addr;
	if (wraps) {
		len = UINT64_MAX - addr + 1; /* addr > 0 here */
	}
	ret = map_range(fv, addr, len, is_write, iov, iov_max, ret_iovcnt,
			ret_done);
	return ret ? ret : wraps ? -EOVERFLOW : 0;
}

MEMSPACE_EXPORT void
memspace_flatview_mark_dirty(const struct memspace_flatview *fv, uint64_t addr,
			     uint64_t len)
{
	struct ft_cursor c;
	const struct flat_range *fr;
	uint64_t last;

	if (!fv || !len) {
		return;
	}
	last = len - 1 > UINT64_MAX - addr ? UINT64_MAX : addr + len - 1;
	flatview_for_each_range_from(fv, flatview_first_ending_at_or_above(fv, addr),
				     c, fr) {
		uint64_t a = fr->start > addr ? fr->start : addr;
		uint64_t l = fr->last < last ? fr->last : last;

		if (fr->start > last) {
			break;
		}
		if (region_has_backing(fr->mr)) {
			memspace_region_set_dirty(fr->mr,
						  fr->offset + (a - fr->start),
						  l - a + 1);
		}
	}
}

MEMSPACE_EXPORT void
memspace_flatview_unmap(const struct memspace_flatview *fv, uint64_t addr,
			uint64_t len, bool is_write)
{
	if (!fv) {
		return;
	}

	if (is_write) {
		memspace_flatview_mark_dirty(fv, addr, len);
	}
}

MEMSPACE_EXPORT bool
memspace_flatview_is_ram(const struct memspace_flatview *fv, uint64_t addr,
			 uint64_t len)
{
	uint64_t last;

	if (!fv || !len || len - 1 > UINT64_MAX - addr) {
		return false;
	}
	last = addr + len - 1;
	for (;;) {
		const struct flat_range *fr = flatview_find(fv, addr);

		if (!fr || !range_is_ram(fr, false)) {
			return false;
		}
		if (fr->last >= last) {
			return true;
		}
		addr = fr->last + 1;
	}
}

MEMSPACE_EXPORT int
memspace_flatview_ram_end(const struct memspace_flatview *fv, uint64_t *ret_end)
{
	if (!fv || !ret_end) {
		return -EINVAL;
	}
	for (size_t i = fv->nr; i-- > 0;) {
		const struct flat_range *fr = flatview_range(fv, i);

		if (range_is_ram(fr, false)) {
			*ret_end = fr->last == UINT64_MAX ? UINT64_MAX :
							    fr->last + 1;
			return 0;
		}
	}
	return -ENOENT;
}

MEMSPACE_EXPORT bool
memspace_addrspace_is_ram(struct memspace_addrspace *as, uint64_t addr,
			  uint64_t len)
{
	bool ret;

	if (!as) {
		return false;
	}
	memspace_read_lock();
	ret = memspace_flatview_is_ram(memspace_addrspace_get_flatview_rcu(as),
				       addr, len);
	memspace_read_unlock();
	return ret;
}

MEMSPACE_EXPORT int
memspace_addrspace_ram_end(struct memspace_addrspace *as, uint64_t *ret_end)
{
	int ret;

	if (!as) {
		return -EINVAL;
	}
	memspace_read_lock();
	ret = memspace_flatview_ram_end(memspace_addrspace_get_flatview_rcu(as),
					ret_end);
	memspace_read_unlock();
	return ret;
}

/* The host address of an aligned @size-byte value at @addr, or an error. */
static int
atomic_target(const struct memspace_flatview *fv, uint64_t addr, unsigned size,
	      bool is_write, uint8_t **ret_host,
	      const struct flat_range **ret_fr)
{
	const struct flat_range *fr;

	if (size != 1 && size != 2 && size != 4 && size != 8) {
		return -EINVAL;
	}
	if (addr % size) {
		return -EINVAL;
	}
	fr = flatview_find(fv, addr);
	if (!fr || !range_is_ram(fr, false) || fr->last - addr < size - 1) {
		return -EFAULT;
	}
	if (is_write && !range_is_ram(fr, true)) {
		return -EROFS;
	}
	*ret_host = range_host(fr, addr);
	*ret_fr = fr;
	return (uintptr_t)*ret_host % size ? -EINVAL : 0;
}

static uint64_t
atomic_load_sized(const uint8_t *p, unsigned size)
{
	switch (size) {
	case 1:
		return __atomic_load_n(p, __ATOMIC_RELAXED);
	case 2:
		return __atomic_load_n((const uint16_t *)p, __ATOMIC_RELAXED);
	case 4:
		return __atomic_load_n((const uint32_t *)p, __ATOMIC_RELAXED);
	default:
		return __atomic_load_n((const uint64_t *)p, __ATOMIC_RELAXED);
	}
}

static void
atomic_store_sized(uint8_t *p, unsigned size, uint64_t v)
{
	switch (size) {
	case 1:
		__atomic_store_n(p, (uint8_t)v, __ATOMIC_RELAXED);
		break;
	case 2:
		__atomic_store_n((uint16_t *)p, (uint16_t)v, __ATOMIC_RELAXED);
		break;
	case 4:
		__atomic_store_n((uint32_t *)p, (uint32_t)v, __ATOMIC_RELAXED);
		break;
	default:
		__atomic_store_n((uint64_t *)p, v, __ATOMIC_RELAXED);
		break;
	}
}

MEMSPACE_EXPORT int
memspace_addrspace_load(struct memspace_addrspace *as, uint64_t addr,
			unsigned size, uint64_t *ret_val)
{
	const struct flat_range *fr;
	uint8_t *host;
	int ret;

	if (!as || !ret_val) {
		return -EINVAL;
	}
	memspace_read_lock();
	ret = atomic_target(memspace_addrspace_get_flatview_rcu(as), addr, size,
			    false, &host, &fr);
	if (ret == 0) {
		*ret_val = atomic_load_sized(host, size);
	}
	memspace_read_unlock();
	return ret;
}

MEMSPACE_EXPORT int
memspace_addrspace_store(struct memspace_addrspace *as, uint64_t addr,
			 unsigned size, uint64_t val)
{
	const struct flat_range *fr;
	uint8_t *host;
	int ret;

	if (!as) {
		return -EINVAL;
	}
	memspace_read_lock();
	ret = atomic_target(memspace_addrspace_get_flatview_rcu(as), addr, size,
			    true, &host, &fr);
	if (ret == 0) {
		atomic_store_sized(host, size, val);
		memspace_region_set_dirty(
			fr->mr, fr->offset + (addr - fr->start), size);
	}
	memspace_read_unlock();
	return ret;
}

#define FD_IOV_MAX 64

/* One readv/writev (or the p- variant) over @iov, EINTR retried. */
static ssize_t
fd_io(int fd, const struct iovec *iov, unsigned n, off_t offset, bool to_guest)
{
	ssize_t r;

	do {
		if (offset < 0) {
			r = to_guest ? readv(fd, iov, (int)n) :
				       writev(fd, iov, (int)n);
		} else {
			r = to_guest ? preadv(fd, iov, (int)n, offset) :
				       pwritev(fd, iov, (int)n, offset);
		}
	} while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

/* Stream between guest RAM and @fd, until @len, EOF or the end of RAM. */
static ssize_t
fd_stream(struct memspace_addrspace *as, uint64_t addr, int fd, off_t offset,
	  uint64_t len, bool to_guest)
{
	struct memspace_flatview *fv;
	struct iovec iov[FD_IOV_MAX];
	uint64_t total = 0;
	ssize_t err = 0;

	if (!as || fd < 0 || len > SSIZE_MAX) {
		return -EINVAL;
	}
	fv = memspace_addrspace_get_flatview(as);
	while (total < len) {
		unsigned n;
		uint64_t mapped;
		ssize_t r;

		memspace_flatview_map(fv, addr + total, len - total, to_guest,
				      iov, FD_IOV_MAX, &n, &mapped);
		if (!mapped) {
			err = -EFAULT;
			break;
		}
		r = fd_io(fd, iov, n, offset < 0 ? -1 : offset + (off_t)total,
			  to_guest);
		if (r <= 0) {
			err = r;
			break;
		}
		if (to_guest) {
			memspace_flatview_mark_dirty(fv, addr + total,
						     (uint64_t)r);
		}
		total += (uint64_t)r;
		if ((uint64_t)r < mapped) {
			break; /* short read or write: EOF, pipe, ... */
		}
	}
	memspace_flatview_unref(fv);
	return total ? (ssize_t)total : err;
}

MEMSPACE_EXPORT ssize_t
memspace_addrspace_read_from_fd(struct memspace_addrspace *as, uint64_t addr,
				int fd, off_t offset, uint64_t len)
{
	if (!as) {
		return -EINVAL;
	}
	return fd_stream(as, addr, fd, offset, len, true);
}

MEMSPACE_EXPORT ssize_t
memspace_addrspace_write_to_fd(struct memspace_addrspace *as, uint64_t addr,
			       int fd, off_t offset, uint64_t len)
{
	if (!as) {
		return -EINVAL;
	}
	return fd_stream(as, addr, fd, offset, len, false);
}
