/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The access path: translation through a view's index, and reads and
 * writes split into chunks exactly as QEMU's address_space_rw() splits
 * them (the rules are listed in <memspace/access.h>).  Everything here is
 * reader-side: no lock, one view dereferenced per access.
 */
#include "config.h"

#include <string.h>

#include "access-internal.h"
#include "ioeventfd-soft.h"

#define HOST_BIG_ENDIAN (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)

static inline uint64_t
pow2floor(uint64_t x)
{
	return (uint64_t)1 << (63 - __builtin_clzll(x));
}

/* min(@len, bytes from @addr to @last inclusive), without overflow. */
static inline uint64_t
clamp_len(uint64_t len, uint64_t addr, uint64_t last)
{
	return len - 1 <= last - addr ? len : last - addr + 1;
}

static inline uint64_t
range_offset(const struct flat_range *fr, uint64_t addr)
{
	return fr->offset + (addr - fr->start);
}

/* Values move between buffers and devices in host byte order. */
static uint64_t
load_host(const uint8_t *p, unsigned size)
{
	uint8_t b1;
	uint16_t b2;
	uint32_t b4;
	uint64_t b8;

	switch (size) {
	case 1:
		memcpy(&b1, p, 1);
		return b1;
	case 2:
		memcpy(&b2, p, 2);
		return b2;
	case 4:
		memcpy(&b4, p, 4);
		return b4;
	default:
		memcpy(&b8, p, 8);
		return b8;
	}
}

static void
store_host(uint8_t *p, uint64_t v, unsigned size)
{
	uint8_t b1 = (uint8_t)v;
	uint16_t b2 = (uint16_t)v;
	uint32_t b4 = (uint32_t)v;

	switch (size) {
	case 1:
		memcpy(p, &b1, 1);
		break;
	case 2:
		memcpy(p, &b2, 2);
		break;
	case 4:
		memcpy(p, &b4, 4);
		break;
	default:
		memcpy(p, &v, 8);
		break;
	}
}

static bool
device_big_endian(const struct memspace_region_ops *ops)
{
	return ops->endianness == MEMSPACE_ENDIAN_BIG ||
	       (ops->endianness == MEMSPACE_ENDIAN_NATIVE && HOST_BIG_ENDIAN);
}

/* QEMU's adjust_endianness(): host order <-> device order. */
static uint64_t
adjust_endianness(const struct memspace_region_ops *ops, uint64_t v,
		  unsigned size)
{
	if (device_big_endian(ops) == HOST_BIG_ENDIAN) {
		return v;
	}
	switch (size) {
	case 2:
		return __builtin_bswap16((uint16_t)v);
	case 4:
		return __builtin_bswap32((uint32_t)v);
	case 8:
		return __builtin_bswap64(v);
	default:
		return v;
	}
}

/* QEMU's memory_region_access_valid(). */
static bool
access_valid(const struct memspace_region *mr, uint64_t off, unsigned size,
	     bool is_write, struct memspace_attrs attrs)
{
	const struct memspace_region_ops *ops = mr->ops;

	if (!ops || (is_write ? !ops->write : !ops->read)) {
		return false;
	}
	if (ops->accepts &&
	    !ops->accepts(mr->opaque, off, size, is_write, attrs)) {
		return false;
	}
	if (!ops->valid_unaligned && (off & (size - 1))) {
		return false;
	}
	if (!ops->valid_max_access_size) {
		return true;
	}
	return size <= ops->valid_max_access_size &&
	       size >= ops->valid_min_access_size;
}

/*
 * QEMU's access_with_adjusted_size(): widen or split one valid access of
 * @size bytes into the sizes the callbacks implement.  @value is in
 * device order.
 */
static enum memspace_access_result
adjusted_access(const struct memspace_region *mr, uint64_t off, uint64_t *value,
		unsigned size, bool is_write, struct memspace_attrs attrs)
{
	const struct memspace_region_ops *ops = mr->ops;
	unsigned min = ops->impl_min_access_size ? ops->impl_min_access_size :
						   1;
	unsigned max = ops->impl_max_access_size ? ops->impl_max_access_size :
						   4;
	unsigned asz = size < max ? size : max;
	uint64_t mask;
	enum memspace_access_result r = MEMSPACE_ACCESS_OK;

	asz = asz > min ? asz : min;
	mask = asz >= 8 ? UINT64_MAX : ((uint64_t)1 << (asz * 8)) - 1;
	for (unsigned i = 0; i < size; i += asz) {
		int shift = device_big_endian(ops) ? (int)(size - asz - i) * 8 :
						     (int)i * 8;
		uint64_t tmp = 0;

		if (is_write) {
			tmp = shift >= 0 ? (*value >> shift) & mask :
					   (*value << -shift) & mask;
			r |= ops->write(mr->opaque, off + i, tmp, asz, attrs);
			continue;
		}
		r |= ops->read(mr->opaque, off + i, &tmp, asz, attrs);
		*value |= shift >= 0 ? (tmp & mask) << shift :
				       (tmp & mask) >> -shift;
	}
	return r;
}

/* Sized volatile access to device memory (RAM devices). */
static void
volatile_access(uint8_t *host, uint64_t *value, unsigned size, bool is_write)
{
	switch (size) {
	case 1:
		if (is_write) {
			*(volatile uint8_t *)host = (uint8_t)*value;
		} else {
			*value = *(volatile uint8_t *)host;
		}
		break;
	case 2:
		if (is_write) {
			*(volatile uint16_t *)host = (uint16_t)*value;
		} else {
			*value = *(volatile uint16_t *)host;
		}
		break;
	case 4:
		if (is_write) {
			*(volatile uint32_t *)host = (uint32_t)*value;
		} else {
			*value = *(volatile uint32_t *)host;
		}
		break;
	default:
		if (is_write) {
			*(volatile uint64_t *)host = *value;
		} else {
			*value = *(volatile uint64_t *)host;
		}
		break;
	}
}

static bool
dispatch_size_ok(unsigned size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

/* Dispatch to a terminating region's memory (RAM, RAM device, ROM). */
static enum memspace_access_result
dispatch_memory(struct memspace_region *mr, uint64_t off, uint64_t *data,
		unsigned size, bool is_write)
{
	if (off > mr->host_size || mr->host_size - off < size) {
		if (!is_write) {
			*data = 0;
		}
		return MEMSPACE_ACCESS_DECODE_ERROR;
	}
	if (mr->kind == MEMSPACE_REGION_RAM_DEVICE &&
	    ((uintptr_t)mr->host + off) % size == 0) {
		volatile_access((uint8_t *)mr->host + off, data, size,
				is_write);
	} else if (is_write) {
		store_host((uint8_t *)mr->host + off, *data, size);
	} else {
		*data = load_host((const uint8_t *)mr->host + off, size);
	}
	return MEMSPACE_ACCESS_OK;
}

/* Follow aliases down to the terminating region, adjusting @off. */
static struct memspace_region *
dispatch_target(struct memspace_region *mr, uint64_t *off)
{
	while (mr->alias) {
		*off += mr->alias_offset;
		mr = mr->alias;
	}
	return mr;
}

static bool
dispatch_to_memory(const struct memspace_region *mr, bool is_write)
{
	return mr->kind == MEMSPACE_REGION_RAM ||
	       mr->kind == MEMSPACE_REGION_RAM_DEVICE ||
	       (mr->kind == MEMSPACE_REGION_ROM_DEVICE && mr->romd_mode &&
		!is_write);
}

/* One device access of @size bytes; @data in host order. */
static enum memspace_access_result
dispatch_ops(struct memspace_region *mr, uint64_t off, uint64_t *data,
	     unsigned size, bool is_write, struct memspace_attrs attrs)
{
	enum memspace_access_result r;
	uint64_t v;

	if (!access_valid(mr, off, size, is_write, attrs)) {
		if (!is_write) {
			*data = 0;
		}
		return MEMSPACE_ACCESS_DECODE_ERROR;
	}
	if (is_write) {
		v = adjust_endianness(mr->ops, *data, size);
		return adjusted_access(mr, off, &v, size, true, attrs);
	}
	v = 0;
	r = adjusted_access(mr, off, &v, size, false, attrs);
	*data = adjust_endianness(mr->ops, v, size);
	return r;
}

static enum memspace_access_result
region_dispatch(struct memspace_region *mr, uint64_t off, uint64_t *data,
		unsigned size, bool is_write, struct memspace_attrs attrs)
{
	if (!mr || !data || !dispatch_size_ok(size)) {
		if (data && !is_write) {
			*data = 0;
		}
		return MEMSPACE_ACCESS_DECODE_ERROR;
	}
	mr = dispatch_target(mr, &off);
	if (dispatch_to_memory(mr, is_write)) {
		return dispatch_memory(mr, off, data, size, is_write);
	}
	return dispatch_ops(mr, off, data, size, is_write, attrs);
}

MEMSPACE_EXPORT enum memspace_access_result
memspace_region_dispatch_read(struct memspace_region *mr, uint64_t offset,
			      uint64_t *data, unsigned size,
			      struct memspace_attrs attrs)
{
	return region_dispatch(mr, offset, data, size, false, attrs);
}

MEMSPACE_EXPORT enum memspace_access_result
memspace_region_dispatch_write(struct memspace_region *mr, uint64_t offset,
			       uint64_t data, unsigned size,
			       struct memspace_attrs attrs)
{
	return region_dispatch(mr, offset, &data, size, true, attrs);
}

/* QEMU's memory_access_size(): the size of the next device chunk. */
static unsigned
io_chunk_size(const struct memspace_region_ops *ops, uint64_t len, uint64_t off)
{
	uint64_t max = ops && ops->valid_max_access_size ?
			       ops->valid_max_access_size :
			       4;

	if (!(ops && ops->impl_unaligned) && off) {
		uint64_t align = off & -off;

		max = align < max ? align : max;
	}
	return (unsigned)pow2floor(len < max ? len : max);
}

/* Bytes no device answers: zeros and a decode error, or I/O-space ones. */
static enum memspace_access_result
unassigned_fill(const struct access_ctx *ctx, uint8_t *buf, uint64_t len)
{
	bool io_space = ctx->as->root->kind == MEMSPACE_REGION_IO;

	if (!ctx->is_write) {
		memset(buf, io_space ? 0xff : 0, len);
	}
	return io_space ? MEMSPACE_ACCESS_OK : MEMSPACE_ACCESS_DECODE_ERROR;
}

/* One chunk through a region's callbacks; returns the bytes consumed. */
static uint64_t
io_step(const struct access_ctx *ctx, const struct flat_range *fr,
	uint64_t addr, uint8_t *buf, uint64_t len,
	enum memspace_access_result *res)
{
	struct memspace_region *mr = fr->mr;
	uint64_t off = range_offset(fr, addr);
	unsigned l;
	uint64_t v;

	if (!mr->ops) {
		/* No callbacks: a reservation, or an I/O space's bare root. */
		len = clamp_len(len, addr, fr->last);
		if (mr == ctx->as->root) {
			*res |= unassigned_fill(ctx, buf, len);
			return len;
		}
		if (!ctx->is_write) {
			memset(buf, 0, len);
		}
		*res |= MEMSPACE_ACCESS_DECODE_ERROR;
		return len;
	}
	l = io_chunk_size(mr->ops, len, off);
	if (!ctx->is_write) {
		*res |= dispatch_ops(mr, off, &v, l, false, ctx->attrs);
		store_host(buf, v, l);
		return l;
	}
	v = load_host(buf, l);
	*res |= dispatch_ops(mr, off, &v, l, true, ctx->attrs);
	return l;
}

/*
 * RAM devices: sized volatile accesses, clamped to the range and
 * naturally aligned in host memory (device memory takes no unaligned
 * accesses).
 */
static uint64_t
ramdev_step(const struct access_ctx *ctx, const struct flat_range *fr,
	    uint64_t addr, uint8_t *buf, uint64_t len,
	    enum memspace_access_result *res)
{
	uint8_t *host = (uint8_t *)fr->mr->host + range_offset(fr, addr);
	uint64_t align = (uintptr_t)host & -(uintptr_t)host;
	uint64_t max = align && align < 8 ? align : 8;
	unsigned l = (unsigned)pow2floor(
		clamp_len(len < max ? len : max, addr, fr->last));
	uint64_t v;

	if (!ctx->is_write) {
		volatile_access(host, &v, l, false);
		store_host(buf, v, l);
		return l;
	}
	if ((fr->flags & RANGE_READONLY) && !ctx->attrs.debug) {
		*res |= MEMSPACE_ACCESS_DECODE_ERROR;
		return l;
	}
	v = load_host(buf, l);
	volatile_access(host, &v, l, true);
	return l;
}

/* RAM (and romd reads): a direct copy clamped to the range. */
static uint64_t
direct_step(const struct access_ctx *ctx, const struct flat_range *fr,
	    uint64_t addr, uint8_t *buf, uint64_t len,
	    enum memspace_access_result *res)
{
	uint8_t *host = (uint8_t *)fr->mr->host + range_offset(fr, addr);

	len = clamp_len(len, addr, fr->last);
	if (!ctx->is_write) {
		memcpy(buf, host, len);
	} else if ((fr->flags & RANGE_READONLY) && !ctx->attrs.debug) {
		/* A ROM write: dropped and reported, as QEMU does. */
		*res |= MEMSPACE_ACCESS_DECODE_ERROR;
	} else {
		memmove(host, buf, len);
		/* Device writes must reach migration's dirty log. */
		memspace_region_set_dirty(fr->mr, range_offset(fr, addr), len);
	}
	return len;
}

static uint64_t
range_step(const struct access_ctx *ctx, const struct flat_range *fr,
	   uint64_t addr, uint8_t *buf, uint64_t len,
	   enum memspace_access_result *res)
{
	switch (fr->mr->kind) {
	case MEMSPACE_REGION_RAM:
		return direct_step(ctx, fr, addr, buf, len, res);
	case MEMSPACE_REGION_RAM_DEVICE:
		return ramdev_step(ctx, fr, addr, buf, len, res);
	case MEMSPACE_REGION_ROM_DEVICE:
		/* romd: reads (and debug writes) hit the memory. */
		if ((fr->flags & RANGE_ROMD) &&
		    (!ctx->is_write || ctx->attrs.debug)) {
			return direct_step(ctx, fr, addr, buf, len, res);
		}
		return io_step(ctx, fr, addr, buf, len, res);
	case MEMSPACE_REGION_IO:
	case MEMSPACE_REGION_CONTAINER:
	case MEMSPACE_REGION_ALIAS:
		break;
	}
	return io_step(ctx, fr, addr, buf, len, res);
}

/* First range starting above @addr, or NULL (a hole's end). */
static const struct flat_range *
next_range(const struct memspace_flatview *fv, uint64_t addr)
{
	size_t i = addr == UINT64_MAX ?
			   fv->nr :
			   ft_first_ending_at_or_above(&fv->tree, addr + 1);

	return i < fv->nr ? flatview_range(fv, i) : NULL;
}

/*
 * @fr and the ranges after it that start within IOEVENTFD_SOFT_REACH
 * bytes of @addr, copied to @out; returns their number.
 */
static size_t
ranges_near(const struct memspace_flatview *fv, const struct flat_range *fr,
	    uint64_t addr, struct flat_range *out)
{
	size_t n = 0;
	struct ft_cursor c;
	const struct flat_range *g;

	out[n++] = *fr;
	if (fr->last - addr >= IOEVENTFD_SOFT_REACH - 1 ||
	    fr->last == UINT64_MAX) {
		return n;
	}
	flatview_for_each_range_from(fv, ft_first_ending_at_or_above(
						 &fv->tree, fr->last + 1),
				     c, g) {
		if (g->start - addr >= IOEVENTFD_SOFT_REACH ||
		    n == IOEVENTFD_SOFT_REACH + 1) {
			break;
		}
		out[n++] = *g;
	}
	return n;
}

static uint64_t
unassigned_step(const struct memspace_flatview *fv,
		const struct access_ctx *ctx, uint64_t addr, uint8_t *buf,
		uint64_t len, enum memspace_access_result *res)
{
	const struct flat_range *next = next_range(fv, addr);

	len = clamp_len(len, addr, next ? next->start - 1 : UINT64_MAX);
	*res |= unassigned_fill(ctx, buf, len);
	return len;
}

enum memspace_access_result
flatview_access(const struct memspace_flatview *fv,
		const struct access_ctx *ctx, uint64_t addr, uint8_t *buf,
		uint64_t len)
{
	enum memspace_access_result res = MEMSPACE_ACCESS_OK;
	struct access_ctx c = *ctx;

	c.fv = fv;
	/*
	 * Software ioeventfds see the guest's whole access, as KVM does
	 * (before it is split into device chunks), and match it wherever
	 * the range holding its first byte is not memory.
	 */
	if (ctx->is_write && !ctx->as->hyp_ioeventfd_enabled &&
	    (len == 1 || len == 2 || len == 4 || len == 8)) {
		const struct flat_range *fr = flatview_find(fv, addr);
		struct flat_range near[IOEVENTFD_SOFT_REACH + 1];

		if (fr && fr->mr->kind != MEMSPACE_REGION_RAM &&
		    fr->mr->kind != MEMSPACE_REGION_RAM_DEVICE &&
		    ioeventfd_soft_match(near,
					 near + ranges_near(fv, fr, addr, near),
					 addr, load_host(buf, (unsigned)len),
					 (unsigned)len)) {
			return res;
		}
	}
	while (len) {
		const struct flat_range *fr = flatview_find(fv, addr);
		uint64_t l =
			fr ? range_step(&c, fr, addr, buf, len, &res) :
			     unassigned_step(fv, &c, addr, buf, len, &res);

		buf += l;
		addr += l;
		len -= l;
	}
	return res;
}

MEMSPACE_EXPORT enum memspace_access_result
memspace_addrspace_rw(struct memspace_addrspace *as, uint64_t addr,
		      struct memspace_attrs attrs, void *buf, uint64_t len,
		      bool is_write)
{
	struct access_ctx ctx = { .as = as,
				  .attrs = attrs,
				  .is_write = is_write };
	enum memspace_access_result res;

	if (!len) {
		return MEMSPACE_ACCESS_OK;
	}
	if (!as || !buf) {
		return MEMSPACE_ACCESS_DECODE_ERROR;
	}
	ms_rcu_read_lock();
	res = flatview_access(rcu_dereference(as->current), &ctx, addr, buf,
			      len);
	ms_rcu_read_unlock();
	return res;
}

MEMSPACE_EXPORT enum memspace_access_result
memspace_addrspace_read(struct memspace_addrspace *as, uint64_t addr,
			struct memspace_attrs attrs, void *buf, uint64_t len)
{
	return memspace_addrspace_rw(as, addr, attrs, buf, len, false);
}

MEMSPACE_EXPORT enum memspace_access_result
memspace_addrspace_write(struct memspace_addrspace *as, uint64_t addr,
			 struct memspace_attrs attrs, const void *buf,
			 uint64_t len)
{
	/* The buffer is only read on this path. */
	return memspace_addrspace_rw(as, addr, attrs, (void *)buf, len, true);
}

MEMSPACE_EXPORT int
memspace_flatview_translate(const struct memspace_flatview *fv, uint64_t addr,
			    struct memspace_section *ret_sec,
			    uint64_t *ret_offset, uint64_t *ret_len)
{
	const struct flat_range *fr;

	if (!fv || !ret_sec) {
		return -EINVAL;
	}
	fr = flatview_find(fv, addr);
	if (!fr) {
		return -ENOENT;
	}
	flat_range_to_section(fr, ret_sec);
	if (ret_offset) {
		*ret_offset = range_offset(fr, addr);
	}
	if (ret_len) {
		/* 2^64 bytes (a whole-space range from 0) is UINT64_MAX. */
		*ret_len = clamp_len(UINT64_MAX, addr, fr->last);
	}
	return 0;
}

MEMSPACE_EXPORT int
memspace_addrspace_translate(struct memspace_addrspace *as, uint64_t addr,
			     struct memspace_section *ret_sec,
			     uint64_t *ret_offset, uint64_t *ret_len)
{
	if (!as || !ret_sec) {
		return -EINVAL;
	}
	return memspace_flatview_translate(rcu_dereference(as->current), addr,
					   ret_sec, ret_offset, ret_len);
}
