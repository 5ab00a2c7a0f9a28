/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Comparing memspace_show() output with QEMU's recorded `info mtree` dumps
 * under the rules of conformance/README.md.
 */
#ifndef MEMSPACE_GOLDEN_COMPARE_H
#define MEMSPACE_GOLDEN_COMPARE_H

/**
 * enum golden_mode - which comparison rules apply
 * @GOLDEN_TREE: blocks (address-space groups and memory-region blocks) form
 *	a multiset; lines inside a block keep their order.
 * @GOLDEN_FLAT: blocks form a multiset; inside a block the `FlatView #N`
 *	line is ignored, the ` AS` lines form a multiset, and trailing ` KVM`
 *	markers of range lines are dropped.
 */
enum golden_mode {
	GOLDEN_TREE,
	GOLDEN_FLAT,
};

/*
 * golden_compare() - compare a dump with the expected one
 *
 * Return: NULL if they match, otherwise a short description of the first
 * expected block that has no match (or of the first extra block), with its
 * first differing line (g_free() it).
 */
char *golden_compare(const char *expected, const char *actual,
		     enum golden_mode mode);

#endif /* MEMSPACE_GOLDEN_COMPARE_H */
