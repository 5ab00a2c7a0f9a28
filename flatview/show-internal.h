/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The internal entry of the `info mtree` printer, which lets a caller tag
 * flat-view ranges with accelerator markers (QEMU prints ` KVM` after each
 * range an accelerator has a memory slot for).
 */
#ifndef MEMSPACE_SHOW_INTERNAL_H
#define MEMSPACE_SHOW_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <memspace/memspace.h>

/**
 * struct show_accel - an accelerator whose slots the flat dump marks
 * @name: printed after a range line, preceded by a space (e.g. "KVM").
 * @has_memory: whether the accelerator maps [@start, @last] of @as; called
 *	under the updater lock once per address space sharing the view.
 * @opaque: first argument of @has_memory.
 */
struct show_accel {
	const char *name;
	bool (*has_memory)(void *opaque, const struct memspace_addrspace *as,
			   uint64_t start, uint64_t last);
	void *opaque;
};

/*
 * show_print() - memspace_show() with optional accelerator markers
 * @accel: NULL for none; used by the flat dump only.
 *
 * Return: as memspace_show().
 */
int show_print(struct memspace *ms, FILE *out, unsigned flags,
	       const struct show_accel *accel);

#endif /* MEMSPACE_SHOW_INTERNAL_H */
