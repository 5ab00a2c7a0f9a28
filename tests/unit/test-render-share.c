/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rendering: root reduction and views shared between address spaces.
 */
#include <stdint.h>

#include "test-tree.h"

#define SZ_2_64 MEMSPACE_SIZE_2_64

/* ---- flat-view sharing --------------------------------------------- */

struct share_tree {
	struct memspace_region *system, *ram;
	struct memspace_addrspace *as1;
};

static struct share_tree
share_tree(void)
{
	struct share_tree t;

	t.system = tt_container("system", SZ_2_64);
	t.ram = tt_ram("ram", 0x1000);
	tt_add(t.system, 0x2000, t.ram);
	t.as1 = tt_as("as1", t.system);
	return t;
}

START_TEST(render_share_full_alias_root)
{
	struct share_tree t = share_tree();
	struct memspace_region *sa = tt_alias("sa", t.system, 0, SZ_2_64);
	struct memspace_addrspace *as2 = tt_as("as2", sa);
	struct memspace_flatview *v1 = tt_hold_view(t.as1);
	struct memspace_flatview *v2 = tt_hold_view(as2);
	static const struct expect_range exp[] = {
		{ 0x2000, 0x2fff, "ram", 0 },
	};

	ck_assert_ptr_eq(v1, v2);
	ck_assert_ptr_eq(memspace_flatview_get_root(v1), t.system);
	ck_assert_ptr_eq(memspace_addrspace_get_root(as2), sa);
	test_assert_view_ro(as2, exp);
	memspace_flatview_unref(v1);
	memspace_flatview_unref(v2);

	/* A change in system re-renders one view, still shared. */
	ck_assert_int_eq(memspace_region_set_address(t.ram, 0x3000), 0);
	ck_assert_ptr_eq(tt_view_ptr(t.as1), tt_view_ptr(as2));
}
END_TEST

START_TEST(render_share_offset_alias_separate)
{
	struct share_tree t = share_tree();
	struct memspace_region *sb = tt_alias("sb", t.system, 0x1000,
					      0xfffffffffffff000ull);
	struct memspace_addrspace *as2 = tt_as("as2", sb);
	struct memspace_flatview *v2 = tt_hold_view(as2);
	static const struct expect_range exp[] = {
		{ 0x1000, 0x1fff, "ram", 0 },
	};

	ck_assert_ptr_ne(tt_view_ptr(t.as1), v2);
	ck_assert_ptr_eq(memspace_flatview_get_root(v2), sb);
	test_assert_view_ro(as2, exp);
	memspace_flatview_unref(v2);
}
END_TEST

START_TEST(render_share_container_single_child)
{
	struct share_tree t = share_tree();
	struct memspace_region *bmc = tt_container("bmc", SZ_2_64);
	struct memspace_region *bm = tt_alias("bm", t.system, 0, SZ_2_64);
	struct memspace_addrspace *as3;
	struct memspace_flatview *v1, *v3;

	tt_add(bmc, 0, bm);
	as3 = tt_as("as3", bmc);
	ck_assert_ptr_eq(tt_view_ptr(as3), tt_view_ptr(t.as1));

	v1 = tt_hold_view(t.as1);
	ck_assert_int_eq(memspace_region_set_enabled(bm, false), 0);
	v3 = tt_hold_view(as3);
	ck_assert_uint_eq(memspace_flatview_nr_ranges(v3), 0);
	ck_assert_ptr_null(memspace_flatview_get_root(v3));
	memspace_flatview_unref(v3);
	/* system's tree did not change: its view was not re-rendered. */
	tt_assert_same_view(t.as1, v1);

	ck_assert_int_eq(memspace_region_set_enabled(bm, true), 0);
	ck_assert_ptr_eq(tt_view_ptr(as3), tt_view_ptr(t.as1));
}
END_TEST

START_TEST(render_share_two_children_not_reduced)
{
	struct share_tree t = share_tree();
	struct memspace_region *bmc = tt_container("bmc", SZ_2_64);
	struct memspace_region *bm = tt_alias("bm", t.system, 0, SZ_2_64);
	struct memspace_region *extra = tt_io("extra", 0x1000);
	struct memspace_addrspace *as3;
	static const struct expect_range exp[] = {
		{ 0x2000, 0x2fff, "ram", 0 },
		{ 0x8000, 0x8fff, "extra", 0 },
	};

	tt_add(bmc, 0, bm);
	tt_add_prio(bmc, 0x8000, extra, 1);
	as3 = tt_as("as3", bmc);
	ck_assert_ptr_ne(tt_view_ptr(as3), tt_view_ptr(t.as1));
	test_assert_view_ro(as3, exp);

	/* Disabling the second child makes the container reducible. */
	ck_assert_int_eq(memspace_region_set_enabled(extra, false), 0);
	ck_assert_ptr_eq(tt_view_ptr(as3), tt_view_ptr(t.as1));
}
END_TEST

START_TEST(render_share_readonly_alias_not_shared)
{
	struct share_tree t = share_tree();
	struct memspace_region *sa = tt_alias("sa", t.system, 0, SZ_2_64);
	struct memspace_addrspace *as2;
	static const struct expect_range ro[] = {
		{ 0x2000, 0x2fff, "ram", 0, true },
	};
	static const struct expect_range rw[] = {
		{ 0x2000, 0x2fff, "ram", 0, false },
	};

	ck_assert_int_eq(memspace_region_set_readonly(sa, true), 0);
	as2 = tt_as("as2", sa);
	/* memspace keeps the flag QEMU's root reduction drops. */
	ck_assert_ptr_ne(tt_view_ptr(as2), tt_view_ptr(t.as1));
	test_assert_view_ro(as2, ro);
	test_assert_view_ro(t.as1, rw);

	ck_assert_int_eq(memspace_region_set_readonly(sa, false), 0);
	ck_assert_ptr_eq(tt_view_ptr(as2), tt_view_ptr(t.as1));
	test_assert_view_ro(as2, rw);
}
END_TEST

START_TEST(render_share_empty_container_root)
{
	struct memspace_region *c = tt_container("c", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_addrspace *as = tt_as("as", c);
	struct memspace_flatview *fv = tt_hold_view(as);

	ck_assert_uint_eq(memspace_flatview_nr_ranges(fv), 0);
	ck_assert_ptr_null(memspace_flatview_get_root(fv));
	memspace_flatview_unref(fv);

	tt_add(c, 0x1000, r);
	fv = tt_hold_view(as);
	ck_assert_uint_eq(memspace_flatview_nr_ranges(fv), 1);
	ck_assert_ptr_nonnull(memspace_flatview_get_root(fv));
	memspace_flatview_unref(fv);
}
END_TEST

START_TEST(render_share_flagged_container_root_keeps_flags)
{
	struct memspace_region *roc = tt_container("roc", 0x10000);
	struct memspace_region *nvc = tt_container("nvc", 0x10000);
	struct memspace_region *m = tt_ram("m", 0x4000);
	struct memspace_region *n = tt_ram("n", 0x4000);
	struct memspace_addrspace *as_m, *as_ro, *as_nv;
	struct memspace_section sec;
	static const struct expect_range ro[] = {
		{ 0x0000, 0x3fff, "m", 0, true },
	};

	tt_add(roc, 0, m);
	tt_add(nvc, 0, n);
	ck_assert_int_eq(memspace_region_set_readonly(roc, true), 0);
	ck_assert_int_eq(memspace_region_set_nonvolatile(nvc, true), 0);
	as_m = tt_as("as_m", m);
	as_ro = tt_as("as_ro", roc);
	as_nv = tt_as("as_nv", nvc);
	/* Reducing roc to m would drop the flag: not shared. */
	ck_assert_ptr_ne(tt_view_ptr(as_ro), tt_view_ptr(as_m));
	test_assert_view_ro(as_ro, ro);
	ck_assert(!tt_section(as_m, 0).readonly);
	sec = tt_section(as_nv, 0);
	ck_assert_ptr_eq(sec.mr, n);
	ck_assert(sec.nonvolatile);
}
END_TEST

START_TEST(render_share_alias_root_target_mapped_elsewhere)
{
	struct memspace_region *sys = tt_container("system", 0x100000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_region *o = tt_ram("o", 0x1000);
	struct memspace_region *sa = tt_alias("sa", r, 0, 0x1000);
	struct memspace_addrspace *as_sys, *as_sa;
	static const struct expect_range sys_exp[] = {
		{ 0x0000, 0x0fff, "o", 0 },
		{ 0x5000, 0x5fff, "r", 0 },
	};
	static const struct expect_range sa_exp[] = {
		{ 0x0000, 0x0fff, "r", 0 },
	};

	tt_add(sys, 0x5000, r);
	tt_add(sys, 0, o);
	as_sys = tt_as("as_sys", sys);
	as_sa = tt_as("as_sa", sa);
	test_assert_view_ro(as_sys, sys_exp);
	/* The alias shows r at 0, whatever r's own address in system. */
	test_assert_view_ro(as_sa, sa_exp);
}
END_TEST

/*
 * An alias root is reduced to its target only while it covers the whole
 * target: the target shrinking or growing later (a change to a region the
 * reduction compared with, but did not pass through) decides the sharing
 * at the next commit, as does the alias's own size.
 */
START_TEST(render_share_alias_root_follows_target_size)
{
	struct memspace_region *dev = tt_container("dev", 0x4000);
	struct memspace_region *ram = tt_ram("ram", 0x1000);
	struct memspace_region *win = tt_alias("win", dev, 0, 0x2000);
	struct memspace_region *other = tt_container("other", 0x1000);
	struct memspace_addrspace *as_dev, *as_win;

	tt_add(dev, 0x1000, ram);
	as_dev = tt_as("as_dev", dev);
	as_win = tt_as("as_win", win);
	(void)tt_as("as_other", other);
	ck_assert_ptr_ne(tt_view_ptr(as_dev), tt_view_ptr(as_win));
	ck_assert_ptr_eq(memspace_flatview_get_root(tt_view_ptr(as_win)), win);
	/* A commit that changes neither: the reductions stand. */
	ck_assert_int_eq(memspace_region_set_size(other, 0x2000), 0);
	ck_assert_ptr_ne(tt_view_ptr(as_dev), tt_view_ptr(as_win));

	ck_assert_int_eq(memspace_region_set_size(dev, 0x2000), 0);
	ck_assert_ptr_eq(tt_view_ptr(as_dev), tt_view_ptr(as_win));
	ck_assert_int_eq(memspace_region_set_size(dev, 0x3000), 0);
	ck_assert_ptr_ne(tt_view_ptr(as_dev), tt_view_ptr(as_win));
	ck_assert_int_eq(memspace_region_set_size(win, 0x3000), 0);
	ck_assert_ptr_eq(tt_view_ptr(as_dev), tt_view_ptr(as_win));
}
END_TEST

START_TEST(render_root_address_with_single_child)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x10000, 0x10fff, "r", 0 },
	};

	tt_add(root, 0, r);
	ck_assert_int_eq(memspace_region_set_address(root, 0x10000), 0);
	as = tt_as("as", root);
	/* The root's own address shifts the view, reduced or not. */
	test_assert_view_ro(as, exp);
}
END_TEST

static Suite *
render_share_suite(void)
{
	Suite *s = suite_create("render-share");
	TCase *tc;

	tc = tcase_create("render:share");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, render_share_full_alias_root);
	tcase_add_test(tc, render_share_offset_alias_separate);
	tcase_add_test(tc, render_share_container_single_child);
	tcase_add_test(tc, render_share_two_children_not_reduced);
	tcase_add_test(tc, render_share_readonly_alias_not_shared);
	tcase_add_test(tc, render_share_empty_container_root);
	tcase_add_test(tc, render_share_flagged_container_root_keeps_flags);
	tcase_add_test(tc, render_share_alias_root_target_mapped_elsewhere);
	tcase_add_test(tc, render_share_alias_root_follows_target_size);
	tcase_add_test(tc, render_root_address_with_single_child);
	suite_add_tcase(s, tc);

	return s;
}

TEST_MAIN(render_share_suite)
