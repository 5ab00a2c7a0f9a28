/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rendering region trees into flat views: which region shows where
 * (priorities, ties, holes, disabled and zero-size regions).
 */
#include <stdint.h>

#include "test-tree.h"

/* ---- holes in a higher-priority container ------------------- */

START_TEST(render_hole_shows_lower_sibling)
{
	struct memspace_region *a = tt_container("A", 0x8000);
	struct memspace_addrspace *as = tt_as("as", a);
	struct memspace_region *b = tt_container("B", 0x4000);
	struct memspace_region *c = tt_io("C", 0x6000);
	struct memspace_region *d = tt_io("D", 0x1000);
	struct memspace_region *e = tt_io("E", 0x1000);
	static const struct expect_range exp[] = {
		{ 0x0000, 0x1fff, "C", 0x0000 },
		{ 0x2000, 0x2fff, "D", 0x0000 },
		{ 0x3000, 0x3fff, "C", 0x3000 },
		{ 0x4000, 0x4fff, "E", 0x0000 },
		{ 0x5000, 0x5fff, "C", 0x5000 },
	};

	/* Built after the address space exists: every call commits. */
	tt_add_prio(a, 0x2000, b, 2);
	tt_add_prio(a, 0, c, 1);
	tt_add(b, 0, d);
	tt_add(b, 0x2000, e);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_hole_filled_by_terminating_parent)
{
	struct memspace_region *a = tt_container("A", 0x8000);
	struct memspace_region *b = tt_io("B", 0x4000);
	struct memspace_region *c = tt_io("C", 0x6000);
	struct memspace_region *d = tt_io("D", 0x1000);
	struct memspace_region *e = tt_io("E", 0x1000);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x0000, 0x1fff, "C", 0x0000 },
		{ 0x2000, 0x2fff, "D", 0x0000 },
		{ 0x3000, 0x3fff, "B", 0x1000 },
		{ 0x4000, 0x4fff, "E", 0x0000 },
		{ 0x5000, 0x5fff, "B", 0x3000 },
	};

	/* Built before the address space: rendered once at creation. */
	tt_add(b, 0, d);
	tt_add(b, 0x2000, e);
	tt_add_prio(a, 0x2000, b, 2);
	tt_add_prio(a, 0, c, 1);
	as = tt_as("as", a);
	test_assert_view_ro(as, exp);
}
END_TEST

/* ---- priority ties ------------------------------------------------- */

START_TEST(render_tie_newest_wins)
{
	struct memspace_region *r = tt_container("R", 0x10000);
	struct memspace_addrspace *as = tt_as("as", r);
	struct memspace_region *x = tt_io("X", 0x2000);
	struct memspace_region *y = tt_io("Y", 0x2000);
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "X", 0x0000 },
		{ 0x1000, 0x2fff, "Y", 0x0000 },
	};

	tt_add(r, 0, x);
	tt_add(r, 0x1000, y);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_tie_moved_region_wins)
{
	struct memspace_region *r = tt_container("R", 0x10000);
	struct memspace_addrspace *as = tt_as("as", r);
	struct memspace_region *x = tt_io("X", 0x2000);
	struct memspace_region *y = tt_io("Y", 0x2000);
	static const struct expect_range moved[] = {
		{ 0x0800, 0x27ff, "X", 0x0000 },
		{ 0x2800, 0x2fff, "Y", 0x1800 },
	};
	static const struct expect_range back[] = {
		{ 0x0000, 0x1fff, "X", 0x0000 },
		{ 0x2000, 0x2fff, "Y", 0x1000 },
	};

	tt_add(r, 0, x);
	tt_add(r, 0x1000, y);
	ck_assert_int_eq(memspace_region_set_address(x, 0x800), 0);
	ck_assert_uint_eq(memspace_region_get_address(x), 0x800);
	test_assert_view_ro(as, moved);
	/* Moving back re-adds again: X still precedes Y. */
	ck_assert_int_eq(memspace_region_set_address(x, 0), 0);
	test_assert_view_ro(as, back);
}
END_TEST

START_TEST(render_tie_same_address_keeps_order)
{
	struct memspace_region *r = tt_container("R", 0x10000);
	struct memspace_addrspace *as = tt_as("as", r);
	struct memspace_region *x = tt_io("X", 0x2000);
	struct memspace_region *y = tt_io("Y", 0x2000);
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "X", 0x0000 },
		{ 0x1000, 0x2fff, "Y", 0x0000 },
	};

	tt_add(r, 0, x);
	tt_add(r, 0x1000, y);
	/* Not a move: X is not re-added and Y keeps winning the tie. */
	ck_assert_int_eq(memspace_region_set_address(x, 0), 0);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_tie_add_resets_priority)
{
	struct memspace_region *r = tt_container("R", 0x10000);
	struct memspace_addrspace *as = tt_as("as", r);
	struct memspace_region *x = tt_io("X", 0x2000);
	struct memspace_region *y = tt_io("Y", 0x2000);
	static const struct expect_range prio1[] = {
		{ 0x0000, 0x1fff, "X", 0x0000 },
		{ 0x2000, 0x2fff, "Y", 0x1000 },
	};
	static const struct expect_range only_y[] = {
		{ 0x1000, 0x2fff, "Y", 0x0000 },
	};
	static const struct expect_range y_newest[] = {
		{ 0x0000, 0x0fff, "X", 0x0000 },
		{ 0x1000, 0x2fff, "Y", 0x0000 },
	};

	tt_add_prio(r, 0, x, 1);
	tt_add(r, 0x1000, y);
	ck_assert_int_eq(memspace_region_get_priority(x), 1);
	test_assert_view_ro(as, prio1);

	ck_assert_int_eq(memspace_region_del_subregion(r, x), 0);
	ck_assert_ptr_null(memspace_region_get_parent(x));
	test_assert_view_ro(as, only_y);

	/* Plain add: priority silently back to 0. */
	tt_add(r, 0, x);
	ck_assert_int_eq(memspace_region_get_priority(x), 0);
	test_assert_view_ro(as, prio1);

	/* Re-adding Y now makes it the newest of priority 0: it wins. */
	ck_assert_int_eq(memspace_region_del_subregion(r, y), 0);
	tt_add(r, 0x1000, y);
	test_assert_view_ro(as, y_newest);
}
END_TEST

/* ---- other priority orderings ----------------------------------- */

START_TEST(render_priority_background_below_siblings)
{
	struct memspace_region *root = tt_container("root", 0x4000);
	struct memspace_region *a = tt_ram("A", 0x2000);
	struct memspace_region *b = tt_ram("B", 0x2000);
	struct memspace_region *bg = tt_ram("Bg", 0x4000);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "A", 0x0000 },
		{ 0x1000, 0x2fff, "B", 0x0000 },
		{ 0x3000, 0x3fff, "Bg", 0x3000 },
	};

	tt_add(root, 0, a);
	tt_add(root, 0x1000, b);
	tt_add_prio(root, 0, bg, -1);
	as = tt_as("as", root);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_priority_negative_ordering)
{
	struct memspace_region *root = tt_container("root", 0x4000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct memspace_region *n1 = tt_ram("n1", 0x2000);
	struct memspace_region *z = tt_io("z", 0x800);
	struct memspace_region *n2 = tt_ram("n2", 0x4000);
	struct memspace_region *p = tt_io("p", 0x400);
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "n2", 0x0000 },
		{ 0x1000, 0x17ff, "n1", 0x0000 },
		{ 0x1800, 0x1bff, "p", 0x0000 },
		{ 0x1c00, 0x27ff, "n1", 0x0c00 },
		{ 0x2800, 0x2fff, "z", 0x0000 },
		{ 0x3000, 0x3fff, "n2", 0x3000 },
	};

	tt_add_prio(root, 0x1000, n1, -1);
	tt_add(root, 0x2800, z);
	tt_add_prio(root, 0, n2, -2);
	/* Same priority as n1 but newer: p wins where they overlap. */
	tt_add_prio(root, 0x1800, p, -1);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_priority_extremes_ordered)
{
	struct memspace_region *root = tt_container("root", 0x4000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct memspace_region *lo = tt_ram("lo", 0x4000);
	struct memspace_region *hi = tt_ram("hi", 0x2000);
	struct memspace_region *mid = tt_ram("mid", 0x4000);
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "mid", 0x0000 },
		{ 0x1000, 0x2fff, "hi", 0x0000 },
		{ 0x3000, 0x3fff, "mid", 0x3000 },
	};

	tt_add_prio(root, 0, lo, INT32_MIN);
	tt_add_prio(root, 0x1000, hi, INT32_MAX);
	tt_add(root, 0, mid);
	ck_assert_int_eq(memspace_region_get_priority(lo), INT32_MIN);
	ck_assert_int_eq(memspace_region_get_priority(hi), INT32_MAX);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_priority_local_to_container)
{
	struct memspace_region *root = tt_container("root", 0x4000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct memspace_region *w = tt_container("w", 0x2000);
	struct memspace_region *c = tt_ram("c", 0x1000);
	struct memspace_region *s = tt_ram("s", 0x4000);
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "s", 0x0000 },
		{ 0x1000, 0x1fff, "c", 0x0000 },
		{ 0x2000, 0x3fff, "s", 0x2000 },
	};

	/* c's own priority only matters inside w; w beats s. */
	tt_add_prio(w, 0x1000, c, -100);
	tt_add_prio(root, 0, w, 5);
	tt_add_prio(root, 0, s, 1);
	test_assert_view_ro(as, exp);
}
END_TEST

/* ---- disabled regions -------------------------------------------- */

START_TEST(render_disabled_overlay_shows_lower)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *lo = tt_ram("lo", 0x10000);
	struct memspace_region *win = tt_container("win", 0x2000);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_addrspace *as;
	static const struct expect_range on[] = {
		{ 0x0000, 0x3fff, "lo", 0x0000 },
		{ 0x4000, 0x4fff, "dev", 0x0000 },
		{ 0x5000, 0xffff, "lo", 0x5000 },
	};
	static const struct expect_range off[] = {
		{ 0x0000, 0xffff, "lo", 0x0000 },
	};

	tt_add(root, 0, lo);
	tt_add_prio(root, 0x4000, win, 1);
	tt_add(win, 0, dev);
	as = tt_as("as", root);
	test_assert_view_ro(as, on);

	ck_assert_int_eq(memspace_region_set_enabled(win, false), 0);
	ck_assert(!memspace_region_is_enabled(win));
	/* dev itself is still enabled, only hidden with its parent. */
	ck_assert(memspace_region_is_enabled(dev));
	test_assert_view_ro(as, off);

	ck_assert_int_eq(memspace_region_set_enabled(win, true), 0);
	test_assert_view_ro(as, on);
}
END_TEST

START_TEST(render_disabled_leaf_merges_neighbours)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *lo = tt_ram("lo", 0x10000);
	struct memspace_region *win = tt_container("win", 0x2000);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x0000, 0xffff, "lo", 0x0000 },
	};

	tt_add(root, 0, lo);
	tt_add_prio(root, 0x4000, win, 1);
	tt_add(win, 0, dev);
	ck_assert_int_eq(memspace_region_set_enabled(dev, false), 0);
	/* win is a container: its holes show lo, which merges back. */
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_disabled_alias_shows_lower)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *bg = tt_io("bg", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x2000);
	struct memspace_region *a = tt_alias("a", r, 0x1000, 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range on[] = {
		{ 0x0000, 0x7fff, "bg", 0x0000 },
		{ 0x8000, 0x8fff, "r", 0x1000 },
		{ 0x9000, 0xffff, "bg", 0x9000 },
	};
	static const struct expect_range off[] = {
		{ 0x0000, 0xffff, "bg", 0x0000 },
	};

	tt_add_prio(root, 0, bg, -1);
	tt_add(root, 0x8000, a);
	test_assert_view_ro(as, on);
	ck_assert_int_eq(memspace_region_set_enabled(a, false), 0);
	test_assert_view_ro(as, off);
}
END_TEST

START_TEST(render_disabled_alias_target_hidden)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *bg = tt_io("bg", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x2000);
	struct memspace_region *a = tt_alias("a", r, 0x1000, 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range off[] = {
		{ 0x0000, 0xffff, "bg", 0x0000 },
	};

	tt_add_prio(root, 0, bg, -1);
	tt_add(root, 0x8000, a);
	/* The alias is enabled, but its (unmapped) target is not. */
	ck_assert_int_eq(memspace_region_set_enabled(r, false), 0);
	test_assert_view_ro(as, off);
}
END_TEST

/* ---- zero sizes ----------------------------------------------------- */

START_TEST(render_zero_size_hides_subtree)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *bg = tt_ram("bg", 0x10000);
	struct memspace_region *z = tt_container("Z", 0);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_region *r2 = tt_ram("r2", 0x1000);
	struct memspace_region *za = tt_alias("za", r2, 0, 0);
	struct memspace_region *zio = tt_io("zio", 0);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x0000, 0xffff, "bg", 0x0000 },
	};
	static const struct expect_range grown[] = {
		{ 0x0000, 0x0fff, "bg", 0x0000 },
		{ 0x1000, 0x1fff, "r", 0x0000 },
		{ 0x2000, 0xffff, "bg", 0x2000 },
	};

	tt_add(root, 0, bg);
	tt_add_prio(root, 0x1000, z, 1);
	tt_add(z, 0, r);
	tt_add_prio(root, 0x2000, za, 1);
	tt_add_prio(root, 0x3000, zio, 1);
	as = tt_as("as", root);
	ck_assert_uint_eq(memspace_region_get_size(z), 0);
	ck_assert_uint_eq(memspace_region_get_size(za), 0);
	test_assert_view_ro(as, exp);

	/* Growing the container reveals its child. */
	ck_assert_int_eq(memspace_region_set_size(z, 0x1000), 0);
	test_assert_view_ro(as, grown);
}
END_TEST

static Suite *
render_suite(void)
{
	Suite *s = suite_create("render");
	TCase *tc;

	tc = tcase_create("render:priority");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, render_hole_shows_lower_sibling);
	tcase_add_test(tc, render_hole_filled_by_terminating_parent);
	tcase_add_test(tc, render_tie_newest_wins);
	tcase_add_test(tc, render_tie_moved_region_wins);
	tcase_add_test(tc, render_tie_same_address_keeps_order);
	tcase_add_test(tc, render_tie_add_resets_priority);
	tcase_add_test(tc, render_priority_background_below_siblings);
	tcase_add_test(tc, render_priority_negative_ordering);
	tcase_add_test(tc, render_priority_extremes_ordered);
	tcase_add_test(tc, render_priority_local_to_container);
	suite_add_tcase(s, tc);

	tc = tcase_create("render:enabled");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, render_disabled_overlay_shows_lower);
	tcase_add_test(tc, render_disabled_leaf_merges_neighbours);
	tcase_add_test(tc, render_disabled_alias_shows_lower);
	tcase_add_test(tc, render_disabled_alias_target_hidden);
	tcase_add_test(tc, render_zero_size_hides_subtree);
	suite_add_tcase(s, tc);

	return s;
}

TEST_MAIN(render_suite)
