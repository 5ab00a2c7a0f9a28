/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rendering: alias windows, and when adjacent ranges merge.
 */
#include <stdint.h>

#include "test-tree.h"

/* ---- alias windows --------------------------------------------- */

START_TEST(render_alias_window_past_target_end)
{
	struct memspace_region *root = tt_container("root", 0x100000);
	struct memspace_region *ram = tt_ram("ram", 0x4000);
	struct memspace_region *a1 = tt_alias("a1", ram, 0, 0x3000);
	struct memspace_region *a2 = tt_alias("a2", ram, 0x3000, 0x2000);
	struct memspace_region *a3 = tt_alias("a3", ram, 0x4000, 0x1000);
	struct memspace_region *a4 = tt_alias("a4", ram, 0x5000, 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x00000, 0x02fff, "ram", 0x0000 },
		{ 0x10000, 0x10fff, "ram", 0x3000 },
	};

	tt_add(root, 0, a1);
	tt_add(root, 0x10000, a2);
	/* Offsets at or beyond the end of the target render nothing. */
	tt_add(root, 0x20000, a3);
	tt_add(root, 0x30000, a4);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_alias_of_alias_negative_bases)
{
	struct memspace_region *root = tt_container("root", 0x100000);
	struct memspace_region *r = tt_ram("R", 0x10000);
	struct memspace_region *a1 = tt_alias("A1", r, 0x4000, 0x8000);
	struct memspace_region *a2 = tt_alias("A2", a1, 0x2000, 0x2000);
	struct memspace_region *a3 = tt_alias("A3", a1, 0x7000, 0x2000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x00100, 0x020ff, "R", 0x6000 },
		{ 0x10000, 0x10fff, "R", 0xb000 },
	};

	tt_add(root, 0x100, a2);
	/* A3's window runs past the end of A1's: clipped by A1. */
	tt_add(root, 0x10000, a3);
	ck_assert_ptr_eq(memspace_region_get_alias_target(a2), a1);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_alias_ignores_target_address)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_region *a = tt_alias("a", r, 0, 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x1000, 0x1fff, "r", 0 },
		{ 0x8000, 0x8fff, "r", 0 },
	};

	/* The target is mapped itself at 0x8000 and aliased at 0x1000. */
	tt_add(root, 0x8000, r);
	tt_add(root, 0x1000, a);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_alias_shows_target_subregions)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *t = tt_container("t", 0x4000);
	struct memspace_region *x = tt_ram("x", 0x1000);
	struct memspace_region *y = tt_io("y", 0x1000);
	struct memspace_region *a = tt_alias("a", t, 0x800, 0x3000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x4000, 0x47ff, "x", 0x800 },
		{ 0x5800, 0x67ff, "y", 0x000 },
	};

	tt_add(t, 0, x);
	tt_add(t, 0x2000, y);
	tt_add(root, 0x4000, a);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_alias_set_offset_moves_window)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x4000);
	struct memspace_region *a = tt_alias("a", r, 0, 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range at0[] = {
		{ 0x2000, 0x2fff, "r", 0x0000 },
	};
	static const struct expect_range at2000[] = {
		{ 0x2000, 0x2fff, "r", 0x2000 },
	};
	static const struct expect_range at3800[] = {
		{ 0x2000, 0x27ff, "r", 0x3800 },
	};

	tt_add(root, 0x2000, a);
	test_assert_view_ro(as, at0);
	ck_assert_int_eq(memspace_region_set_alias_offset(a, 0x2000), 0);
	ck_assert_uint_eq(memspace_region_get_alias_offset(a), 0x2000);
	test_assert_view_ro(as, at2000);
	ck_assert_int_eq(memspace_region_set_alias_offset(a, 0x3800), 0);
	test_assert_view_ro(as, at3800);
}
END_TEST

START_TEST(render_alias_set_size_resizes_window)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x4000);
	struct memspace_region *a = tt_alias("a", r, 0x1000, 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range grown[] = {
		{ 0x0000, 0x2fff, "r", 0x1000 },
	};

	tt_add(root, 0, a);
	ck_assert_int_eq(memspace_region_set_size(a, 0x8000), 0);
	test_assert_view_ro(as, grown);
	ck_assert_int_eq(memspace_region_set_size(a, 0), 0);
	test_assert_view_empty(as);
}
END_TEST

/* ---- merging -------------------------------------------------------- */

struct merge_tree {
	struct memspace_region *root, *ram, *l, *h;
	struct memspace_addrspace *as;
};

static struct merge_tree
merge_tree(void)
{
	struct merge_tree t;

	t.root = tt_container("root", 0x10000);
	t.ram = tt_ram("ram", 0x4000);
	t.l = tt_alias("L", t.ram, 0, 0x2000);
	t.h = tt_alias("H", t.ram, 0x2000, 0x2000);
	tt_add(t.root, 0, t.l);
	tt_add(t.root, 0x2000, t.h);
	t.as = tt_as("as", t.root);
	return t;
}

START_TEST(render_merge_across_aliases)
{
	struct merge_tree t = merge_tree();
	static const struct expect_range exp[] = {
		{ 0x0000, 0x3fff, "ram", 0 },
	};

	test_assert_view_ro(t.as, exp);
}
END_TEST

START_TEST(render_merge_blocked_by_readonly)
{
	struct merge_tree t = merge_tree();
	static const struct expect_range exp[] = {
		{ 0x0000, 0x1fff, "ram", 0x0000, false },
		{ 0x2000, 0x3fff, "ram", 0x2000, true },
	};
	static const struct expect_range merged[] = {
		{ 0x0000, 0x3fff, "ram", 0 },
	};

	ck_assert_int_eq(memspace_region_set_readonly(t.h, true), 0);
	test_assert_view_ro(t.as, exp);
	ck_assert_int_eq(memspace_region_set_readonly(t.h, false), 0);
	test_assert_view_ro(t.as, merged);
}
END_TEST

START_TEST(render_merge_blocked_by_unmergeable)
{
	struct merge_tree t = merge_tree();
	static const struct expect_range exp[] = {
		{ 0x0000, 0x1fff, "ram", 0x0000 },
		{ 0x2000, 0x3fff, "ram", 0x2000 },
	};
	static const struct expect_range merged[] = {
		{ 0x0000, 0x3fff, "ram", 0 },
	};

	ck_assert_int_eq(memspace_region_set_unmergeable(t.l, true), 0);
	test_assert_view_ro(t.as, exp);
	ck_assert(tt_section(t.as, 0).unmergeable);
	ck_assert(!tt_section(t.as, 1).unmergeable);
	ck_assert(!tt_section(t.as, 0).readonly);
	ck_assert_int_eq(memspace_region_set_unmergeable(t.l, false), 0);
	test_assert_view_ro(t.as, merged);
	ck_assert(!tt_section(t.as, 0).unmergeable);
}
END_TEST

START_TEST(render_merge_blocked_by_nonvolatile)
{
	struct merge_tree t = merge_tree();
	static const struct expect_range exp[] = {
		{ 0x0000, 0x1fff, "ram", 0x0000 },
		{ 0x2000, 0x3fff, "ram", 0x2000 },
	};

	ck_assert_int_eq(memspace_region_set_nonvolatile(t.h, true), 0);
	test_assert_view_ro(t.as, exp);
	ck_assert(!tt_section(t.as, 0).nonvolatile);
	ck_assert(tt_section(t.as, 1).nonvolatile);
}
END_TEST

START_TEST(render_merge_blocked_by_offset)
{
	struct merge_tree t = merge_tree();
	static const struct expect_range exp[] = {
		{ 0x0000, 0x1fff, "ram", 0x0000 },
		{ 0x2000, 0x37ff, "ram", 0x2800 },
	};

	ck_assert_int_eq(memspace_region_set_alias_offset(t.h, 0x2800), 0);
	test_assert_view_ro(t.as, exp);
}
END_TEST

START_TEST(render_merge_blocked_by_gap)
{
	struct merge_tree t = merge_tree();
	static const struct expect_range exp[] = {
		{ 0x0000, 0x1fff, "ram", 0x0000 },
		{ 0x3000, 0x4fff, "ram", 0x2000 },
	};

	ck_assert_int_eq(memspace_region_set_address(t.h, 0x3000), 0);
	test_assert_view_ro(t.as, exp);
}
END_TEST

START_TEST(render_merge_needs_same_region)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *p = tt_ram("p", 0x1000);
	struct memspace_region *q = tt_ram("q", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "p", 0 },
		{ 0x1000, 0x1fff, "q", 0 },
	};

	tt_add(root, 0, p);
	tt_add(root, 0x1000, q);
	test_assert_view_ro(as, exp);
}
END_TEST

static Suite *
render_alias_suite(void)
{
	Suite *s = suite_create("render-alias");
	TCase *tc;

	tc = tcase_create("render:alias");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, render_alias_window_past_target_end);
	tcase_add_test(tc, render_alias_of_alias_negative_bases);
	tcase_add_test(tc, render_alias_ignores_target_address);
	tcase_add_test(tc, render_alias_shows_target_subregions);
	tcase_add_test(tc, render_alias_set_offset_moves_window);
	tcase_add_test(tc, render_alias_set_size_resizes_window);
	suite_add_tcase(s, tc);

	tc = tcase_create("render:merge");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, render_merge_across_aliases);
	tcase_add_test(tc, render_merge_blocked_by_readonly);
	tcase_add_test(tc, render_merge_blocked_by_unmergeable);
	tcase_add_test(tc, render_merge_blocked_by_nonvolatile);
	tcase_add_test(tc, render_merge_blocked_by_offset);
	tcase_add_test(tc, render_merge_blocked_by_gap);
	tcase_add_test(tc, render_merge_needs_same_region);
	suite_add_tcase(s, tc);

	return s;
}

TEST_MAIN(render_alias_suite)
