/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The exits a VMM hands to its memory model: KVM_EXIT_IO (including string
 * I/O) and KVM_EXIT_MMIO performed through address spaces, and the
 * coalesced MMIO/PIO ring replayed into its regions.
 */
#include "config.h"

#include <memspace/access.h>

#include "kvm-internal.h"

#if MEMSPACE_HAVE_KVM

#include <linux/kvm.h>

MEMSPACE_EXPORT int
memspace_kvm_dispatch_io(struct memspace_addrspace *io, struct kvm_run *run,
			 size_t run_size, struct memspace_attrs attrs)
{
	unsigned size, count;
	uint64_t offset, bytes;
	uint8_t *data;
	bool is_write;
	int result = 0;

	if (!io || !run || run->exit_reason != KVM_EXIT_IO) {
		return -EINVAL;
	}
	size = run->io.size;
	count = run->io.count;
	offset = run->io.data_offset;
	bytes = (uint64_t)size * count;
	if ((size != 1 && size != 2 && size != 4) || count == 0 ||
	    offset < sizeof(*run) || offset > run_size ||
	    bytes > run_size - offset) {
		return -EINVAL;
	}
	is_write = run->io.direction == KVM_EXIT_IO_OUT;
	data = (uint8_t *)run + offset;
	for (unsigned i = 0; i < count; i++) {
		result |= (int)memspace_addrspace_rw(io, run->io.port, attrs,
						     data + (size_t)i * size,
						     size, is_write);
	}
	return result;
}

MEMSPACE_EXPORT int
memspace_kvm_dispatch_mmio(struct memspace_addrspace *mem,
			   struct kvm_run *run, struct memspace_attrs attrs)
{
	if (!mem || !run || run->exit_reason != KVM_EXIT_MMIO ||
	    run->mmio.len == 0 || run->mmio.len > sizeof(run->mmio.data)) {
		return -EINVAL;
	}
	return (int)memspace_addrspace_rw(mem, run->mmio.phys_addr, attrs,
					  run->mmio.data, run->mmio.len,
					  run->mmio.is_write);
}

MEMSPACE_EXPORT int
memspace_kvm_drain_coalesced(struct memspace_addrspace *mem,
			     struct memspace_addrspace *io, void *ring,
			     size_t ring_size, struct memspace_attrs attrs)
{
	struct kvm_coalesced_mmio_ring *r = ring;
	uint32_t first, last, max;
	int n = 0;

	if (!mem || !ring || ring_size < sizeof(*r) +
					 sizeof(struct kvm_coalesced_mmio)) {
		return -EINVAL;
	}
	/* One slot is always kept empty: the ring holds max - 1 entries. */
	max = (uint32_t)((ring_size - sizeof(*r)) /
			 sizeof(struct kvm_coalesced_mmio));
	first = __atomic_load_n(&r->first, __ATOMIC_RELAXED);
	last = __atomic_load_n(&r->last, __ATOMIC_ACQUIRE);
	if (first >= max || last >= max) {
		return -EIO;
	}
	/* Check every entry before touching any device or index. */
	for (uint32_t i = first; i != last; i = (i + 1) % max) {
		const struct kvm_coalesced_mmio *e = &r->coalesced_mmio[i];

		if (e->len == 0 || e->len > sizeof(e->data)) {
			return -EIO;
		}
		if (e->pio && !io) {
			return -EINVAL;
		}
	}
	for (uint32_t i = first; i != last; i = (i + 1) % max) {
		struct kvm_coalesced_mmio *e = &r->coalesced_mmio[i];

		(void)memspace_addrspace_write(e->pio ? io : mem,
					       e->phys_addr, attrs, e->data,
					       e->len);
		n++;
	}
	/* Hand the slots back to KVM only after the writes are done. */
	__atomic_store_n(&r->first, last, __ATOMIC_RELEASE);
	return n;
}

#else

MEMSPACE_EXPORT int
memspace_kvm_dispatch_io(struct memspace_addrspace *io, struct kvm_run *run,
			 size_t run_size, struct memspace_attrs attrs)
{
	return -ENOSYS;
}

MEMSPACE_EXPORT int
memspace_kvm_dispatch_mmio(struct memspace_addrspace *mem,
			   struct kvm_run *run, struct memspace_attrs attrs)
{
	return -ENOSYS;
}

MEMSPACE_EXPORT int
memspace_kvm_drain_coalesced(struct memspace_addrspace *mem,
			     struct memspace_addrspace *io, void *ring,
			     size_t ring_size, struct memspace_attrs attrs)
{
	return -ENOSYS;
}

#endif
