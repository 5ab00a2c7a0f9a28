/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Coalesced MMIO parts: reported by the commit that closes the call (after
 * begin, before the topology) when added to or cleared from a visible
 * region, with region_add / region_del in the topology passes, and
 * in the (un)registration replays - every part, not only up to the first
 * one outside the range (QEMU's replay returns early).
 */
#include <errno.h>

#include "test-common.h"
#include "test-tree.h"
#include "test-listener-recorder.h"

static GPtrArray *log_;

static void
setup(void)
{
	tt_setup();
	log_ = g_ptr_array_new_with_free_func(g_free);
}

static void
teardown(void)
{
	tt_teardown();
	g_ptr_array_free(log_, TRUE);
}

START_TEST(coalesced_add_on_visible_region_reported_at_once)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_addrspace *as;
	struct recorder r, t;

	tt_add(root, 0x4000, dev);
	as = tt_as("as", root);
	recorder_init(&r, "L", log_);
	recorder_init(&t, "T", log_);
	recorder_register(&r, as, 0);
	/* A listener without coalesced callbacks is not involved. */
	t.l = memspace_listener_register(as, &recorder_topology_ops, &t, 0,
					 "T");
	recorder_clear(log_);
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0x100, 0x10), 0);
	recorder_expect(log_, "L begin",
			"L coalesced_add [4100-410f] dev@100",
			"L commit");
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0x200, 0x10), 0);
	recorder_clear(log_);
	ck_assert_int_eq(memspace_region_clear_coalescing(dev), 0);
	recorder_expect(log_, "L begin",
			"L coalesced_del [4100-410f] dev@100",
			"L coalesced_del [4200-420f] dev@200",
			"L commit");
	ck_assert_int_eq(memspace_listener_unregister(t.l), 0);
	recorder_unregister(&r, 0);
}
END_TEST

START_TEST(coalesced_inside_transaction_reported_by_its_commit)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_addrspace *as;
	struct recorder r;

	tt_add(root, 0x4000, dev);
	as = tt_as("as", root);
	recorder_init(&r, "L", log_);
	recorder_register(&r, as, 0);
	recorder_clear(log_);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0x100, 0x10), 0);
	ck_assert_int_eq(memspace_region_set_address(dev, 0x6000), 0);
	recorder_expect_empty(log_);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	/* The queued part first, on the range the listener knows; then the
	 * topology moves it. */
	recorder_expect(log_, "L begin",
			"L coalesced_add [4100-410f] dev@100",
			"L coalesced_del [4100-410f] dev@100",
			"L del [4000-4fff] dev@0",
			"L add [6000-6fff] dev@0",
			"L coalesced_add [6100-610f] dev@100",
			"L commit");
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_region_clear_coalescing(dev), 0);
	ck_assert_int_eq(memspace_region_set_address(dev, 0x4000), 0);
	recorder_expect_empty(log_);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	recorder_expect(log_, "L begin",
			"L coalesced_del [6100-610f] dev@100",
			"L del [6000-6fff] dev@0",
			"L add [4000-4fff] dev@0",
			"L commit");
	recorder_unregister(&r, 0);
}
END_TEST

START_TEST(coalesced_listener_registered_inside_transaction_not_told_twice)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_addrspace *as;
	struct recorder r;

	tt_add(root, 0x4000, dev);
	as = tt_as("as", root);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0x100, 0x10), 0);
	recorder_init(&r, "L", log_);
	recorder_register(&r, as, 0);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	recorder_expect(log_, "L begin", "L add [4000-4fff] dev@0",
			"L coalesced_add [4100-410f] dev@100", "L commit");
	recorder_unregister(&r, 0);
}
END_TEST

START_TEST(coalesced_parts_follow_topology)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_addrspace *as;
	struct recorder la, lb;

	tt_add(root, 0x4000, dev);
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0, 0x10), 0);
	as = tt_as("as", root);
	recorder_init(&la, "La", log_);
	recorder_init(&lb, "Lb", log_);
	recorder_register(&la, as, 0);
	recorder_register(&lb, as, 1);
	recorder_clear(log_);
	ck_assert_int_eq(memspace_region_set_address(dev, 0x6000), 0);
	recorder_expect(log_, "La begin", "Lb begin",
			"Lb coalesced_del [4000-400f] dev@0",
			"La coalesced_del [4000-400f] dev@0",
			"Lb del [4000-4fff] dev@0",
			"La del [4000-4fff] dev@0",
			"La add [6000-6fff] dev@0",
			"Lb add [6000-6fff] dev@0",
			"La coalesced_add [6000-600f] dev@0",
			"Lb coalesced_add [6000-600f] dev@0",
			"La commit", "Lb commit");
	recorder_unregister(&la, 0);
	recorder_expect(log_, "La begin",
			"La coalesced_del [6000-600f] dev@0",
			"La del [6000-6fff] dev@0",
			"La commit");
	recorder_unregister(&lb, 0);
}
END_TEST

START_TEST(coalesced_replay_visits_every_part)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_region *hide = tt_io("hide", 0x800);
	struct memspace_addrspace *as;
	struct recorder r;

	tt_add(root, 0, dev);
	tt_add_prio(root, 0, hide, 1);
	/* The first part is hidden, the others straddle or are visible. */
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0x10, 0x10), 0);
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0x7f0, 0x20), 0);
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0x900, 0x10), 0);
	as = tt_as("as", root);
	recorder_init(&r, "L", log_);
	recorder_register(&r, as, 0);
	recorder_expect(log_, "L begin",
			"L add [0-7ff] hide@0",
			"L add [800-fff] dev@800",
			"L coalesced_add [800-80f] dev@800",
			"L coalesced_add [900-90f] dev@900",
			"L commit");
	recorder_unregister(&r, 0);
	recorder_expect(log_, "L begin",
			"L del [0-7ff] hide@0",
			"L coalesced_del [800-80f] dev@800",
			"L coalesced_del [900-90f] dev@900",
			"L del [800-fff] dev@800",
			"L commit");
}
END_TEST

START_TEST(coalesced_part_split_by_overlay_reported_in_pieces)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_region *hole = tt_io("hole", 0x100);
	struct memspace_addrspace *as;
	struct recorder r;

	tt_add(root, 0, dev);
	tt_add_prio(root, 0x400, hole, 1);
	as = tt_as("as", root);
	recorder_attach(&r, "L", log_, as);
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0x300, 0x300), 0);
	recorder_expect(log_, "L begin",
			"L coalesced_add [300-3ff] dev@300",
			"L coalesced_add [500-5ff] dev@500",
			"L commit");
	recorder_unregister(&r, 0);
}
END_TEST

START_TEST(coalesced_invisible_region_reports_nothing_until_mapped)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct recorder r;

	recorder_attach(&r, "L", log_, as);
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0, 0x1000), 0);
	recorder_expect_empty(log_);
	tt_add(root, 0x2000, dev);
	recorder_expect(log_, "L begin", "L add [2000-2fff] dev@0",
			"L coalesced_add [2000-2fff] dev@0", "L commit");
	recorder_unregister(&r, 0);
}
END_TEST

START_TEST(coalesced_arguments_checked)
{
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_region *ram = tt_ram("ram", 0x1000);

	ck_assert_int_eq(memspace_region_add_coalescing(NULL, 0, 1), -EINVAL);
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0, 0), -EINVAL);
	ck_assert_int_eq(memspace_region_add_coalescing(ram, 0, 1), -ENOTTY);
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0xfff, 2),
			 -ERANGE);
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0, 0x10), 0);
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0, 0x10),
			 -EEXIST);
	/* Overlapping parts are allowed. */
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0x8, 0x10), 0);
	ck_assert_int_eq(memspace_region_clear_coalescing(dev), 0);
	ck_assert_int_eq(memspace_region_clear_coalescing(dev), 0);
	ck_assert_int_eq(memspace_region_clear_coalescing(NULL), -EINVAL);
}
END_TEST

START_TEST(coalesced_failure_reported_after_change)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_addrspace *as;
	struct recorder r;

	tt_add(root, 0, dev);
	as = tt_as("as", root);
	recorder_init(&r, "L", log_);
	recorder_register(&r, as, 0);
	r.fail_cb = "coalesced_add";
	r.fail_nth = 1;
	r.fail_err = -E2BIG;
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0, 0x10),
			 -EREMOTEIO);
	ck_assert_int_eq(memspace_listener_get_error(r.l), -E2BIG);
	/* The part is registered: adding it again is a duplicate. */
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0, 0x10),
			 -EEXIST);
	recorder_unregister(&r, 0);
}
END_TEST

static Suite *
coalesced_suite(void)
{
	Suite *s = suite_create("coalesced");
	TCase *tc = tcase_create("coalesced:notify");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, coalesced_add_on_visible_region_reported_at_once);
	tcase_add_test(tc, coalesced_parts_follow_topology);
	tcase_add_test(tc, coalesced_inside_transaction_reported_by_its_commit);
	tcase_add_test(
		tc,
		coalesced_listener_registered_inside_transaction_not_told_twice);
	tcase_add_test(tc, coalesced_replay_visits_every_part);
	tcase_add_test(tc, coalesced_part_split_by_overlay_reported_in_pieces);
	tcase_add_test(tc,
		       coalesced_invisible_region_reports_nothing_until_mapped);
	tcase_add_test(tc, coalesced_arguments_checked);
	tcase_add_test(tc, coalesced_failure_reported_after_change);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(coalesced_suite)
