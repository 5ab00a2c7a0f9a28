/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Rendering and transactions: what is published when, and the flat-view
 * accessors.
 */
#include <stdint.h>

#include "test-tree.h"

/* ---- transactions ------------------------------------------- */

START_TEST(render_txn_empty_keeps_view)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_addrspace *as;
	struct memspace_flatview *held;

	tt_add(root, 0x1000, r);
	as = tt_as("as", root);
	held = tt_hold_view(as);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	tt_assert_same_view(as, held);
}
END_TEST

START_TEST(render_txn_noop_mutations_keep_view)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_region *o = tt_ram("o", 0x1000);
	struct memspace_addrspace *as;
	struct memspace_flatview *held;

	tt_add(root, 0x1000, r);
	tt_add(root, 0x4000, o);
	as = tt_as("as", root);
	held = tt_hold_view(as);
	/* Each of these leaves the tree as it was. */
	ck_assert_int_eq(memspace_region_set_enabled(r, true), 0);
	ck_assert_int_eq(memspace_region_set_readonly(r, false), 0);
	ck_assert_int_eq(memspace_region_set_nonvolatile(r, false), 0);
	ck_assert_int_eq(memspace_region_set_unmergeable(r, false), 0);
	ck_assert_int_eq(memspace_region_set_size(r, 0x1000), 0);
	ck_assert_int_eq(memspace_region_set_owner(r, "owner"), 0);
	tt_assert_same_view(as, held);
}
END_TEST

START_TEST(render_txn_unreachable_change_keeps_view)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_region *o = tt_ram("o", 0x1000);
	struct memspace_region *loose = tt_container("loose", 0x10000);
	struct memspace_region *x = tt_ram("x", 0x1000);
	struct memspace_addrspace *as;
	struct memspace_flatview *held;

	tt_add(root, 0x1000, r);
	tt_add(root, 0x4000, o);
	as = tt_as("as", root);
	held = tt_hold_view(as);
	tt_add(loose, 0, x);
	ck_assert_int_eq(memspace_region_set_address(x, 0x2000), 0);
	ck_assert_int_eq(memspace_region_set_readonly(loose, true), 0);
	tt_assert_same_view(as, held);
}
END_TEST

START_TEST(render_txn_view_unchanged_until_commit)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_addrspace *as;
	struct memspace_flatview *held;
	static const struct expect_range before[] = {
		{ 0x0000, 0x0fff, "a", 0 },
	};
	static const struct expect_range after[] = {
		{ 0x0000, 0x0fff, "a", 0 },
		{ 0x1000, 0x1fff, "r", 0 },
	};

	tt_add(root, 0, a);
	as = tt_as("as", root);
	held = tt_hold_view(as);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_uint_eq(memspace_transaction_depth(tt_ms), 1);
	tt_add(root, 0x1000, r);
	/* Mutations are visible through getters at once... */
	ck_assert_ptr_eq(memspace_region_get_parent(r), root);
	/* ...but the published view is the old one. */
	ck_assert_ptr_eq(tt_view_ptr(as), held);
	test_assert_view_ro(as, before);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	ck_assert_uint_eq(memspace_transaction_depth(tt_ms), 0);
	test_assert_view_ro(as, after);
	test_assert_flatview_ro(held, before);
	tt_assert_new_view(as, held);
}
END_TEST

START_TEST(render_txn_nested_publishes_at_outermost)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_addrspace *as;
	struct memspace_flatview *held;
	static const struct expect_range before[] = {
		{ 0x0000, 0x0fff, "a", 0 },
	};
	static const struct expect_range after[] = {
		{ 0x0000, 0x0fff, "a", 0 },
		{ 0x4000, 0x4fff, "r", 0 },
	};

	tt_add(root, 0, a);
	as = tt_as("as", root);
	held = tt_hold_view(as);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_uint_eq(memspace_transaction_depth(tt_ms), 2);
	tt_add(root, 0x4000, r);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	ck_assert_uint_eq(memspace_transaction_depth(tt_ms), 1);
	ck_assert_ptr_eq(tt_view_ptr(as), held);
	test_assert_view_ro(as, before);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	ck_assert_uint_eq(memspace_transaction_depth(tt_ms), 0);
	test_assert_view_ro(as, after);
	tt_assert_new_view(as, held);
}
END_TEST

START_TEST(render_txn_add_del_same_ranges)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *x = tt_io("x", 0x4000);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "a", 0 },
	};

	tt_add(root, 0, a);
	as = tt_as("as", root);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	tt_add_prio(root, 0, x, 3);
	ck_assert_int_eq(memspace_region_del_subregion(root, x), 0);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	test_assert_view_ro(as, exp);
	ck_assert_ptr_null(memspace_region_get_parent(x));
}
END_TEST

START_TEST(render_txn_new_addrspace_sees_published_view)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *b = tt_ram("b", 0x1000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_addrspace *as1, *as2;
	static const struct expect_range before[] = {
		{ 0x0000, 0x0fff, "a", 0 },
		{ 0x8000, 0x8fff, "b", 0 },
	};
	static const struct expect_range after[] = {
		{ 0x0000, 0x0fff, "a", 0 },
		{ 0x1000, 0x1fff, "r", 0 },
		{ 0x8000, 0x8fff, "b", 0 },
	};

	/* Two children: root does not reduce, before or after the add. */
	tt_add(root, 0, a);
	tt_add(root, 0x8000, b);
	as1 = tt_as("as1", root);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	tt_add(root, 0x1000, r);
	as2 = tt_as("as2", root);
	ck_assert_ptr_eq(tt_view_ptr(as2), tt_view_ptr(as1));
	test_assert_view_ro(as2, before);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	ck_assert_ptr_eq(tt_view_ptr(as2), tt_view_ptr(as1));
	test_assert_view_ro(as2, after);
}
END_TEST

START_TEST(render_txn_new_addrspace_renders_current_tree)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_addrspace *as;
	static const struct expect_range exp[] = {
		{ 0x0000, 0x0fff, "a", 0 },
		{ 0x1000, 0x1fff, "r", 0 },
	};

	tt_add(root, 0, a);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	tt_add(root, 0x1000, r);
	/* No address space shows root yet: rendered from the tree as is. */
	as = tt_as("as", root);
	test_assert_view_ro(as, exp);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	test_assert_view_ro(as, exp);
}
END_TEST

START_TEST(render_alias_target_change_rerenders)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *t = tt_container("t", 0x4000);
	struct memspace_region *x = tt_ram("x", 0x1000);
	struct memspace_region *y = tt_io("y", 0x1000);
	struct memspace_region *a = tt_alias("a", t, 0, 0x4000);
	struct memspace_region *o = tt_ram("o", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range one[] = {
		{ 0x0000, 0x0fff, "o", 0 },
		{ 0x8000, 0x8fff, "x", 0 },
	};
	static const struct expect_range two[] = {
		{ 0x0000, 0x0fff, "o", 0 },
		{ 0x8000, 0x8fff, "x", 0 },
		{ 0xa000, 0xafff, "y", 0 },
	};
	static const struct expect_range moved[] = {
		{ 0x0000, 0x0fff, "o", 0 },
		{ 0x9000, 0x9fff, "x", 0 },
		{ 0xa000, 0xafff, "y", 0 },
	};

	tt_add(t, 0, x);
	tt_add(root, 0x8000, a);
	tt_add(root, 0, o);
	test_assert_view_ro(as, one);
	/* t is not mapped: only the alias makes its changes visible. */
	tt_add(t, 0x2000, y);
	test_assert_view_ro(as, two);
	ck_assert_int_eq(memspace_region_set_address(x, 0x1000), 0);
	test_assert_view_ro(as, moved);
}
END_TEST

START_TEST(render_replaced_region_new_view)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r1 = tt_ram("r", 0x1000);
	struct memspace_region *r2 = tt_ram("r", 0x1000);
	struct memspace_region *o = tt_ram("o", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct memspace_flatview *held;

	tt_add(root, 0x1000, r1);
	tt_add(root, 0x8000, o);
	held = tt_hold_view(as);
	/* Same geometry and name, different region: not the same view. */
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_region_del_subregion(root, r1), 0);
	tt_add(root, 0x1000, r2);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	tt_assert_new_view(as, held);
	ck_assert_ptr_eq(tt_section(as, 0).mr, r2);
}
END_TEST

/* ---- flat view accessors ------------------------------------------------ */

struct collect {
	struct memspace_section secs[16];
	size_t n;
	size_t stop_at;		/* return 42 on this call (1-based); 0: never */
};

static int
collect_cb(void *opaque, const struct memspace_section *sec)
{
	struct collect *c = opaque;

	ck_assert_uint_lt(c->n, ARRAY_SIZE(c->secs));
	c->secs[c->n++] = *sec;
	return c->n == c->stop_at ? 42 : 0;
}

START_TEST(render_for_each_matches_get_range)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x4000);
	struct memspace_region *m = tt_io("m", 0x1000);
	struct memspace_region *f = tt_romdev("f", 0x1000);
	struct memspace_addrspace *as;
	struct memspace_flatview *fv;
	struct collect c = { .n = 0 };

	tt_add(r, 0x1000, m);
	tt_add(root, 0, r);
	tt_add(root, 0x8000, f);
	ck_assert_int_eq(memspace_region_set_readonly(f, true), 0);
	as = tt_as("as", root);
	fv = tt_hold_view(as);
	ck_assert_uint_eq(memspace_flatview_nr_ranges(fv), 4);
	ck_assert_int_eq(memspace_flatview_for_each(fv, collect_cb, &c), 0);
	ck_assert_uint_eq(c.n, 4);
	for (size_t i = 0; i < c.n; i++) {
		struct memspace_section sec;

		ck_assert_int_eq(memspace_flatview_get_range(fv, i, &sec), 0);
		ck_assert_ptr_eq(sec.mr, c.secs[i].mr);
		ck_assert_uint_eq(sec.start, c.secs[i].start);
		ck_assert_uint_eq(sec.last, c.secs[i].last);
		ck_assert_uint_eq(sec.offset_in_region,
				  c.secs[i].offset_in_region);
		ck_assert_int_eq(sec.readonly, c.secs[i].readonly);
		ck_assert_int_eq(sec.nonvolatile, c.secs[i].nonvolatile);
		ck_assert_int_eq(sec.romd, c.secs[i].romd);
		ck_assert_int_eq(sec.unmergeable, c.secs[i].unmergeable);
		ck_assert_int_eq(sec.dirty_log_mask, c.secs[i].dirty_log_mask);
		if (i > 0) {
			ck_assert_uint_gt(sec.start, c.secs[i - 1].last);
		}
	}
	ck_assert_ptr_eq(c.secs[1].mr, m);
	ck_assert_ptr_eq(c.secs[3].mr, f);
	ck_assert(c.secs[3].readonly);
	ck_assert(c.secs[3].romd);
	memspace_flatview_unref(fv);
}
END_TEST

START_TEST(render_for_each_stops_early)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct memspace_flatview *fv;
	struct collect c = { .n = 0, .stop_at = 2 };
	static const char *const names[] = { "a", "b", "c", "d" };

	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		tt_add(root, i * 0x2000, tt_ram(names[i], 0x1000));
	}
	fv = tt_hold_view(as);
	ck_assert_uint_eq(memspace_flatview_nr_ranges(fv), 4);
	ck_assert_int_eq(memspace_flatview_for_each(fv, collect_cb, &c), 42);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_str_eq(memspace_region_get_name(c.secs[1].mr), "b");
	memspace_flatview_unref(fv);
}
END_TEST

START_TEST(render_for_each_empty_view)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct memspace_flatview *fv = tt_hold_view(as);
	struct memspace_section sec;
	struct collect c = { .n = 0, .stop_at = 1 };

	ck_assert_int_eq(memspace_flatview_for_each(fv, collect_cb, &c), 0);
	ck_assert_uint_eq(c.n, 0);
	ck_assert_int_eq(memspace_flatview_get_range(fv, 0, &sec), -ERANGE);
	memspace_flatview_unref(fv);
}
END_TEST

static Suite *
render_transaction_suite(void)
{
	Suite *s = suite_create("render-transaction");
	TCase *tc;

	tc = tcase_create("render:transaction");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, render_txn_empty_keeps_view);
	tcase_add_test(tc, render_txn_noop_mutations_keep_view);
	tcase_add_test(tc, render_txn_unreachable_change_keeps_view);
	tcase_add_test(tc, render_txn_view_unchanged_until_commit);
	tcase_add_test(tc, render_txn_nested_publishes_at_outermost);
	tcase_add_test(tc, render_txn_add_del_same_ranges);
	tcase_add_test(tc, render_txn_new_addrspace_sees_published_view);
	tcase_add_test(tc, render_txn_new_addrspace_renders_current_tree);
	tcase_add_test(tc, render_alias_target_change_rerenders);
	tcase_add_test(tc, render_replaced_region_new_view);
	suite_add_tcase(s, tc);

	tc = tcase_create("render:flatview");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, render_for_each_matches_get_range);
	tcase_add_test(tc, render_for_each_stops_early);
	tcase_add_test(tc, render_for_each_empty_view);
	suite_add_tcase(s, tc);

	return s;
}

TEST_MAIN(render_transaction_suite)
