/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Guest-physical layout rules (dbs-address-space's): region validity for a
 * layout, range intersection near 2^64, and RAM placement around a low
 * MMIO hole.
 */
#include "config.h"

#include <sys/mman.h>

#include "memspace-private.h"

/* Whether [base, base + size) is empty or does not end below 2^64. */
static bool
range_overflows(uint64_t base, uint64_t size)
{
	return size > UINT64_MAX - base;
}

MEMSPACE_EXPORT void
memspace_guest_region_init(struct memspace_guest_region *r,
			   enum memspace_guest_region_type type, uint64_t base,
			   uint64_t size)
{
	if (!r) {
		return;
	}

	*r = (struct memspace_guest_region){
		.type = type,
		.base = base,
		.size = size,
		.prot = PROT_READ | PROT_WRITE,
		.host_numa_node = -1,
	};
	if (type == MEMSPACE_GUEST_DEVICE_MEMORY) {
		r->prot = 0;
	} else if (type == MEMSPACE_GUEST_FIRMWARE_MEMORY) {
		r->prot = PROT_READ | PROT_EXEC;
	}
}

MEMSPACE_EXPORT bool
memspace_guest_layout_region_valid(const struct memspace_guest_layout *layout,
				   enum memspace_guest_region_type type,
				   uint64_t base, uint64_t size)
{
	uint64_t end;

	if (!layout || !size || range_overflows(base, size)) {
		return false;
	}
	end = base + size;
	switch (type) {
	case MEMSPACE_GUEST_DEFAULT_MEMORY:
		return base >= layout->mem_start && end <= layout->mem_end;
	case MEMSPACE_GUEST_DEVICE_MEMORY:
	case MEMSPACE_GUEST_DAX_MEMORY:
		return base >= layout->mem_end && end <= layout->phys_end;
	case MEMSPACE_GUEST_FIRMWARE_MEMORY:
		return true;
	}
	return false;
}

MEMSPACE_EXPORT bool
memspace_guest_ranges_intersect(uint64_t a_base, uint64_t a_size,
				uint64_t b_base, uint64_t b_size)
{
	if (!a_size || !b_size) {
		return false;
	}
	if (range_overflows(a_base, a_size) ||
	    range_overflows(b_base, b_size)) {
		return true;
	}
	return a_base < b_base + b_size && b_base < a_base + a_size;
}

static int
one_piece(uint64_t gpa, uint64_t size,
	  struct memspace_guest_ram_piece pieces[2])
{
	if (range_overflows(gpa, size)) {
		return -EOVERFLOW;
	}
	pieces[0] = (struct memspace_guest_ram_piece){ gpa, 0, size };
	return 1;
}

MEMSPACE_EXPORT int
memspace_guest_split_ram(uint64_t base, uint64_t size, uint64_t hole_start,
			 uint64_t hole_end, uint64_t min_below,
			 struct memspace_guest_ram_piece pieces[2])
{
	uint64_t below;

	if (!size || !pieces || hole_start > hole_end) {
		return -EINVAL;
	}
	if (range_overflows(base, size)) {
		return -EOVERFLOW;
	}
	if (base + size <= hole_start || base >= hole_end) {
		return one_piece(base, size, pieces);
	}
	if (base >= hole_start) {
		return one_piece(hole_end, size, pieces); /* in the hole */
	}
	below = hole_start - base;
	if (below < min_below) {
		return one_piece(hole_end, size, pieces);
	}
	if (range_overflows(hole_end, size - below)) {
		return -EOVERFLOW;
	}
	pieces[0] = (struct memspace_guest_ram_piece){ base, 0, below };
	pieces[1] = (struct memspace_guest_ram_piece){ hole_end, below,
						       size - below };
	return 2;
}
