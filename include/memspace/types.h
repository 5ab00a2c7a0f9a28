/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Forward declarations of memspace's opaque objects and the few value types
 * shared by every public header.
 */
#ifndef MEMSPACE_TYPES_H
#define MEMSPACE_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct memspace;
struct memspace_region;
struct memspace_addrspace;
struct memspace_flatview;
struct memspace_listener;

/**
 * MEMSPACE_SIZE_2_64 - the size argument that means exactly 2^64 bytes
 *
 * Sizes are passed as uint64_t.  As in QEMU's memory API, the value
 * UINT64_MAX is special: it means a region that covers the whole 64-bit
 * space (2^64 bytes), and size getters return UINT64_MAX for such a region.
 * A region of exactly 2^64 - 1 bytes therefore cannot be expressed.
 * Addresses and ranges handed out by memspace are inclusive [start, last]
 * pairs, which represent the full space without 128-bit arithmetic.
 */
#define MEMSPACE_SIZE_2_64 UINT64_MAX

/**
 * enum memspace_region_kind - what a region is
 * @MEMSPACE_REGION_CONTAINER: groups subregions; its holes stay empty.
 * @MEMSPACE_REGION_RAM: host memory, accessed directly (a ROM is a RAM
 *	region marked read-only).
 * @MEMSPACE_REGION_IO: MMIO or port I/O served by callbacks.
 * @MEMSPACE_REGION_ROM_DEVICE: host memory read directly while in romd mode;
 *	writes (and, with romd mode off, reads) go to the callbacks.
 * @MEMSPACE_REGION_RAM_DEVICE: device memory (a VFIO BAR, say) that guests
 *	map directly but the VMM accesses with sized volatile accesses.
 * @MEMSPACE_REGION_ALIAS: a window onto part of another region.
 */
enum memspace_region_kind {
	MEMSPACE_REGION_CONTAINER,
	MEMSPACE_REGION_RAM,
	MEMSPACE_REGION_IO,
	MEMSPACE_REGION_ROM_DEVICE,
	MEMSPACE_REGION_RAM_DEVICE,
	MEMSPACE_REGION_ALIAS,
};

/**
 * struct memspace_section - one range of a flat view
 * @mr: the terminating region that serves the range.  Borrowed: valid while
 *	the caller holds the flat view (a counted reference, or the RCU read
 *	section in which the view was dereferenced).
 * @offset_in_region: offset of @start inside @mr.
 * @start: first address of the range in the address space.
 * @last: last address of the range (inclusive).
 * @readonly: the range is read-only (set on @mr or on a container or alias
 *	on the path to it).
 * @nonvolatile: the range is non-volatile (inherited like @readonly).
 * @romd: @mr is a ROM device in romd mode (for other kinds: false).
 * @unmergeable: the range is never merged with its neighbours.
 * @dirty_log_mask: the dirty-log clients of @mr when the view was rendered.
 */
struct memspace_section {
	struct memspace_region *mr;
	uint64_t offset_in_region;
	uint64_t start;
	uint64_t last;
	bool readonly;
	bool nonvolatile;
	bool romd;
	bool unmergeable;
	uint8_t dirty_log_mask;
};

#ifdef __cplusplus
}
#endif

#endif /* MEMSPACE_TYPES_H */
