/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Guest memory: a validated guest-physical layout (dbs-address-space's
 * model) that builds and maintains memspace's region tree.
 *
 * A layout {phys_end, mem_start, mem_end} says where RAM may go: default
 * memory lies in [mem_start, mem_end), device memory and DAX windows in
 * [mem_end, phys_end), firmware anywhere.  Every region must be non-empty
 * and end at or below 2^64 - 1 (a region ending exactly at 2^64 is
 * invalid, as in dbs-address-space), and no two regions may intersect.
 *
 * A guest-memory object is bound to one address space, whose root must be
 * a container (QEMU's "system").  It creates a detached `machine_ram`
 * container, recorded with memspace_addrspace_set_machine_ram(), and turns
 * each region into regions of the tree:
 * - default memory: the backend gets one RAM region covering all of it in
 *   `machine_ram` (shared by every default-memory region on that backend),
 *   and the guest region becomes an alias of it at its base in the root,
 *   as QEMU and StratoVirt map "ram-below-4g" and "ram-above-4g";
 * - firmware: a RAM region on its backend at its base in the root,
 *   read-only unless its protection has PROT_WRITE;
 * - DAX window: a RAM region on its backend, or an empty container (for the
 *   device to fill) when it has none, at its base in the root;
 * - device memory: an empty container at its base in the root, into which
 *   the device maps its MMIO regions (memspace_guest_memory_get_region()).
 * Inserting and removing are ordinary transactions (they join a transaction
 * the caller has open), so KVM slots, ioeventfds and every listener follow
 * hot-plug and hot-unplug.
 *
 * Queries (lookup, protection, NUMA node, DAX, last address) are
 * O(log n) binary searches over a sorted array, or O(1); they may run on
 * any thread, also from listener callbacks while an insert commits.
 * Insert and remove serialise on the object.
 */
#ifndef MEMSPACE_GUEST_MEMORY_H
#define MEMSPACE_GUEST_MEMORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memspace/types.h>
#include <memspace/backend.h>

#ifdef __cplusplus
extern "C" {
#endif

struct memspace_guest_memory;

/**
 * struct memspace_guest_layout - where guest memory may go
 * @phys_end: exclusive end of the guest-physical space.
 * @mem_start: first address usable for default memory.
 * @mem_end: exclusive end of default memory; device memory and DAX windows
 *	go in [@mem_end, @phys_end).
 *
 * Valid when @mem_start <= @mem_end <= @phys_end.
 */
struct memspace_guest_layout {
	uint64_t phys_end;
	uint64_t mem_start;
	uint64_t mem_end;
};

/**
 * enum memspace_guest_region_type - what a guest region is
 * @MEMSPACE_GUEST_DEFAULT_MEMORY: RAM the guest's CPUs and devices use.
 * @MEMSPACE_GUEST_DEVICE_MEMORY: an MMIO window.
 * @MEMSPACE_GUEST_DAX_MEMORY: a DAX window (virtio-fs, virtio-pmem); not
 *	counted by memspace_guest_memory_last_addr().
 * @MEMSPACE_GUEST_FIRMWARE_MEMORY: firmware (a BIOS, say), anywhere.
 */
enum memspace_guest_region_type {
	MEMSPACE_GUEST_DEFAULT_MEMORY,
	MEMSPACE_GUEST_DEVICE_MEMORY,
	MEMSPACE_GUEST_DAX_MEMORY,
	MEMSPACE_GUEST_FIRMWARE_MEMORY,
};

/**
 * struct memspace_guest_region - one guest region
 * @type: what it is.
 * @base: first guest-physical address.
 * @size: size in bytes (> 0).
 * @name: name of the tree region made for it (copied), or NULL for a name
 *	derived from @type and @base.
 * @backend: host memory: mandatory for default memory and firmware,
 *	optional for a DAX window, ignored for device memory.  The object
 *	takes a reference.
 * @backend_offset: offset in @backend of @base's byte.
 * @prot: protection, PROT_READ / PROT_WRITE / PROT_EXEC bits (what
 *	memspace_guest_memory_get_prot() reports).
 * @host_numa_node: host NUMA node the memory is meant for, or -1.
 * @hotplug: the region was hot-plugged (informational, as in
 *	dbs-address-space).
 *
 * memspace_guest_region_init() fills the usual defaults.
 */
struct memspace_guest_region {
	enum memspace_guest_region_type type;
	uint64_t base;
	uint64_t size;
	const char *name;
	struct memspace_backend *backend;
	uint64_t backend_offset;
	int prot;
	int host_numa_node;
	bool hotplug;
};

/**
 * struct memspace_guest_range - a guest-physical range, for error reports
 * @base: first address.
 * @size: size in bytes.
 */
struct memspace_guest_range {
	uint64_t base;
	uint64_t size;
};

/**
 * memspace_guest_region_init() - fill a region description with defaults
 * @r: the description.
 * @type: its type.
 * @base: first address.
 * @size: size.
 *
 * Sets @prot to PROT_READ | PROT_WRITE (0 for device memory, PROT_READ |
 * PROT_EXEC for firmware), no backend, no NUMA node, not hot-plugged.
 *
 * Context: any.
 */
void memspace_guest_region_init(struct memspace_guest_region *r,
				enum memspace_guest_region_type type,
				uint64_t base, uint64_t size);

/**
 * memspace_guest_layout_region_valid() - dbs-address-space's validity rule
 * @layout: the layout.
 * @type: the region's type.
 * @base: the region's first address.
 * @size: the region's size.
 *
 * Context: any.
 * Return: true if the region is non-empty, does not reach 2^64 and lies in
 * the window its type allows.
 */
bool
memspace_guest_layout_region_valid(const struct memspace_guest_layout *layout,
				   enum memspace_guest_region_type type,
				   uint64_t base, uint64_t size);

/**
 * memspace_guest_ranges_intersect() - whether two ranges overlap
 * @a_base: first range's start.
 * @a_size: first range's size.
 * @b_base: second range's start.
 * @b_size: second range's size.
 *
 * Touching ranges do not intersect; an empty range intersects nothing; a
 * range that overflows 2^64 intersects every non-empty range (as in
 * dbs-address-space).
 *
 * Context: any.
 * Return: true if they overlap.
 */
bool memspace_guest_ranges_intersect(uint64_t a_base, uint64_t a_size,
				     uint64_t b_base, uint64_t b_size);

/**
 * struct memspace_guest_ram_piece - one piece of RAM placed around a hole
 * @gpa: guest-physical address of the piece.
 * @offset: offset of the piece in the RAM (in its backend).
 * @size: size of the piece.
 */
struct memspace_guest_ram_piece {
	uint64_t gpa;
	uint64_t offset;
	uint64_t size;
};

/**
 * memspace_guest_split_ram() - place RAM around a low MMIO hole
 * @base: where the RAM starts.
 * @size: RAM size.
 * @hole_start: first address of the hole (3 GiB on a PC with a 1 GiB PCI
 *	hole).
 * @hole_end: exclusive end of the hole (4 GiB).
 * @min_below: if the part below the hole would be smaller than this, all
 *	the RAM goes above the hole (Dragonball uses 128 MiB); 0 always
 *	splits.
 * @pieces: receives 1 or 2 pieces: the part below the hole ("ram-below")
 *	and the rest from @hole_end ("ram-above"), with consecutive offsets.
 *
 * RAM that ends at or below @hole_start, or starts at or above it, is one
 * piece (RAM starting inside the hole is moved to @hole_end).
 *
 * Context: any.
 * Return: the number of pieces, or -EINVAL (@size is 0, @pieces is NULL,
 * or @hole_start > @hole_end) or -EOVERFLOW (a piece would reach past
 * 2^64 - 1).
 */
int memspace_guest_split_ram(uint64_t base, uint64_t size, uint64_t hole_start,
			     uint64_t hole_end, uint64_t min_below,
			     struct memspace_guest_ram_piece pieces[2]);

/**
 * memspace_guest_memory_create() - build guest memory from a list of regions
 * @as: the address space it maps into (its root must be a container).
 * @layout: the layout (copied).
 * @regions: @nr_regions descriptions, in any order.
 * @nr_regions: may be 0.
 * @ret_bad: if not NULL, on -ERANGE or -EEXIST set to the offending
 *	region's range (for -EEXIST the later of the two intersecting
 *	regions in address order).
 *
 * Maps every region in one transaction and records `machine_ram` on @as.
 *
 * Context: updater.
 * Return: 0 and the object in *@ret, or
 * -EINVAL: a NULL argument, an invalid layout, a root that is not a
 *	container, @as already has a machine_ram, or a region without a
 *	needed backend or whose window does not fit in its backend;
 * -ERANGE: a region is invalid for the layout;
 * -EEXIST: two regions intersect;
 * -ENOMEM, or what a failing commit returns (-EREMOTEIO: built, but a
 *	listener failed).
 * On an error other than -EREMOTEIO, *@ret is NULL and nothing changed.
 */
int memspace_guest_memory_create(struct memspace_addrspace *as,
			      const struct memspace_guest_layout *layout,
			      const struct memspace_guest_region *regions,
			      size_t nr_regions,
			      struct memspace_guest_range *ret_bad,
			      struct memspace_guest_memory **ret);

/**
 * memspace_guest_memory_destroy() - unmap everything and free the object
 * @gm: the object (may be NULL).
 *
 * Removes every region from the tree in one transaction and clears the
 * address space's machine_ram.
 *
 * Context: updater.
 * Return: 0, or the error of the commit (the object is freed anyway).
 */
int memspace_guest_memory_destroy(struct memspace_guest_memory *gm);

/**
 * memspace_guest_memory_insert() - hot-plug a region
 * @gm: the object.
 * @region: the description.
 * @ret_bad: if not NULL, on -ERANGE or -EEXIST set to @region's range
 *	(dbs-address-space's InvalidAddressRange payload).
 *
 * Context: updater.
 * Return: 0, or -EINVAL, -ERANGE, -EEXIST, -ENOMEM as
 * memspace_guest_memory_create(), or -EREMOTEIO (inserted, but a listener
 * failed).  On other errors nothing changed.
 */
int memspace_guest_memory_insert(struct memspace_guest_memory *gm,
				 const struct memspace_guest_region *region,
				 struct memspace_guest_range *ret_bad);

/**
 * memspace_guest_memory_remove() - hot-unplug a region
 * @gm: the object.
 * @base: the region's base.
 * @size: the region's size (must match exactly, as vm-memory's
 *	remove_region()).
 *
 * The backend RAM region of default memory leaves `machine_ram` with the
 * last guest region that uses it.
 *
 * Context: updater.
 * Return: 0, -EINVAL (NULL @gm), -ENOENT (no region with exactly this base
 * and size) or -EREMOTEIO (removed, but a listener failed).
 */
int memspace_guest_memory_remove(struct memspace_guest_memory *gm,
				 uint64_t base, uint64_t size);

/**
 * memspace_guest_memory_get_layout() - the layout
 * @gm: the object.
 *
 * Context: any.
 * Return: the layout (valid as long as @gm).
 */
const struct memspace_guest_layout *
memspace_guest_memory_get_layout(const struct memspace_guest_memory *gm);

/**
 * memspace_guest_memory_get_machine_ram() - the `machine_ram` container
 * @gm: the object.
 *
 * Context: any.
 * Return: the container (borrowed).
 */
struct memspace_region *
memspace_guest_memory_get_machine_ram(const struct memspace_guest_memory *gm);

/**
 * memspace_guest_memory_count() - number of regions
 * @gm: the object.
 *
 * Context: any.
 * Return: the count.
 */
size_t memspace_guest_memory_count(struct memspace_guest_memory *gm);

/**
 * memspace_guest_memory_find() - the region holding an address
 * @gm: the object.
 * @gpa: the address.
 * @ret: if not NULL, filled with the region's description (@ret->name and
 *	@ret->backend are borrowed: valid until the region is removed).
 *
 * Context: any.
 * Return: 0, or -ENOENT (no region holds @gpa) or -EINVAL (NULL @gm).
 */
int memspace_guest_memory_find(struct memspace_guest_memory *gm, uint64_t gpa,
			       struct memspace_guest_region *ret);

/**
 * memspace_guest_memory_get_region() - the tree region made for a guest
 * region
 * @gm: the object.
 * @gpa: an address inside the guest region.
 *
 * For default memory the alias in the root, for the others the region at
 * its base (a device maps its MMIO into a device-memory container).
 *
 * Context: updater.
 * Return: the region (borrowed), or NULL with errno ENOENT.
 */
struct memspace_region *
memspace_guest_memory_get_region(struct memspace_guest_memory *gm,
				 uint64_t gpa);

/**
 * memspace_guest_memory_last_addr() - last RAM address
 * @gm: the object.
 *
 * Context: any.
 * Return: the inclusive last address of the highest region that is not a
 * DAX window, or the layout's mem_start if there is none (as
 * dbs-address-space's last_addr()).
 */
uint64_t memspace_guest_memory_last_addr(struct memspace_guest_memory *gm);

/**
 * memspace_guest_memory_is_dax() - whether an address is in a DAX window
 * @gm: the object.
 * @gpa: the address.
 *
 * Context: any.
 * Return: the answer.
 */
bool memspace_guest_memory_is_dax(struct memspace_guest_memory *gm,
				  uint64_t gpa);

/**
 * memspace_guest_memory_get_prot() - protection at an address
 * @gm: the object.
 * @gpa: the address.
 *
 * Context: any.
 * Return: the region's PROT_* bits (>= 0), or -ENOENT if no region holds
 * @gpa.
 */
int memspace_guest_memory_get_prot(struct memspace_guest_memory *gm,
				   uint64_t gpa);

/**
 * memspace_guest_memory_get_numa_node() - host NUMA node at an address
 * @gm: the object.
 * @gpa: the address.
 *
 * Context: any.
 * Return: the node (>= 0), -ENODATA (the region has no node) or -ENOENT (no
 * region holds @gpa).
 */
int memspace_guest_memory_get_numa_node(struct memspace_guest_memory *gm,
					uint64_t gpa);

/**
 * typedef memspace_guest_walk_fn - callback of memspace_guest_memory_walk()
 * @opaque: the walk's @opaque.
 * @region: one region (borrowed for the call).
 *
 * Return: 0 to go on; anything else stops the walk and is returned.
 */
typedef int (*memspace_guest_walk_fn)(
	void *opaque, const struct memspace_guest_region *region);

/**
 * memspace_guest_memory_walk() - visit each region in address order
 * @gm: the object.
 * @fn: the callback.
 * @opaque: its first argument.
 *
 * The walk visits a snapshot: @fn may insert or remove regions.
 *
 * Context: any.
 * Return: 0, or the first non-zero value @fn returned.
 */
int memspace_guest_memory_walk(struct memspace_guest_memory *gm,
			       memspace_guest_walk_fn fn, void *opaque);

#ifdef __cplusplus
}
#endif

#endif /* MEMSPACE_GUEST_MEMORY_H */
