/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memspace_show(): debug dumps byte-compatible with QEMU 7.2's `info mtree`.
 */
#ifndef MEMSPACE_SHOW_H
#define MEMSPACE_SHOW_H

#include <stdio.h>

#include <memspace/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * enum memspace_show_flags - what memspace_show() prints
 * @MEMSPACE_SHOW_FLAT: the flat views (`info mtree -f`) instead of the
 *	region trees.
 * @MEMSPACE_SHOW_OWNERS: owner labels after every line (`-o`).
 * @MEMSPACE_SHOW_DISABLED: disabled regions too, marked ` [disabled]`
 *	(`-D`; tree dump only, as in QEMU).
 */
enum memspace_show_flags {
	MEMSPACE_SHOW_FLAT = 1u << 0,
	MEMSPACE_SHOW_OWNERS = 1u << 1,
	MEMSPACE_SHOW_DISABLED = 1u << 2,
};

/**
 * memspace_show() - print the context's memory map like `info mtree`
 * @ms: the context.
 * @out: where to print.
 * @flags: a combination of enum memspace_show_flags.
 *
 * Tree dump: one block per group of address spaces sharing a root region,
 * groups in the creation order of their first address space, the names in
 * a group sorted with strcmp(); then one `memory-region:` block per alias
 * target met, in order of first encounter.  Flat dump: one block per
 * distinct published flat view, in the creation order of the first address
 * space showing it; that block lists its address spaces in creation order.
 *
 * Context: updater (it takes the updater lock and prints the published
 * views).
 * Return: 0, or -EINVAL (NULL argument or unknown flag) or -EIO (writing to
 * @out failed).
 */
int memspace_show(struct memspace *ms, FILE *out, unsigned flags);

#ifdef __cplusplus
}
#endif

#endif /* MEMSPACE_SHOW_H */
