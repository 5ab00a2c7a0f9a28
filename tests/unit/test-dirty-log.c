/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Dirty logging: per-region clients and their log_start / log_stop
 * (reported in place with region_nop), global logging with roll-back on failure, the log_sync fan-out,
 * and the page-granular dirty bitmaps.
 */
#include <errno.h>
#include <unistd.h>

#include "test-common.h"
#include "test-tree.h"
#include "test-listener-recorder.h"

static GPtrArray *log_;
static uint64_t page;

static void
setup(void)
{
	tt_setup();
	log_ = g_ptr_array_new_with_free_func(g_free);
	page = memspace_dirty_page_size();
}

static void
teardown(void)
{
	tt_teardown();
	g_ptr_array_free(log_, TRUE);
}

/* Root with RAM r at 0 and an I/O region at 0x100000. */
struct map {
	struct memspace_region *root, *r, *io;
	struct memspace_addrspace *as;
};

static void
map_build(struct map *m)
{
	m->root = tt_container("root", MEMSPACE_SIZE_2_64);
	m->r = tt_ram("r", 0x10000);
	m->io = tt_io("io", 0x1000);
	tt_add(m->root, 0, m->r);
	tt_add(m->root, 0x100000, m->io);
	m->as = tt_as("as", m->root);
}

START_TEST(dirty_set_log_reports_in_place)
{
	struct map m;
	struct recorder la, lb;

	map_build(&m);
	recorder_init(&la, "La", log_);
	recorder_init(&lb, "Lb", log_);
	recorder_register(&la, m.as, 0);
	recorder_register(&lb, m.as, 1);
	recorder_clear(log_);
	ck_assert_int_eq(memspace_region_set_log(m.r, MEMSPACE_DIRTY_VGA, true),
			 0);
	ck_assert_uint_eq(memspace_region_get_log(m.r), MEMSPACE_DIRTY_VGA);
	recorder_expect(log_, "La begin", "Lb begin",
			"La nop [0-ffff] r@0 log", "Lb nop [0-ffff] r@0 log",
			"La log_start [0-ffff] r@0 log 0->1",
			"Lb log_start [0-ffff] r@0 log 0->1",
			"La nop [100000-100fff] io@0",
			"Lb nop [100000-100fff] io@0",
			"La commit", "Lb commit");
	ck_assert_int_eq(memspace_region_set_log(m.r, MEMSPACE_DIRTY_VGA,
						 false), 0);
	recorder_expect(log_, "La begin", "Lb begin",
			"La nop [0-ffff] r@0", "Lb nop [0-ffff] r@0",
			"Lb log_stop [0-ffff] r@0 1->0",
			"La log_stop [0-ffff] r@0 1->0",
			"La nop [100000-100fff] io@0",
			"Lb nop [100000-100fff] io@0",
			"La commit", "Lb commit");
	recorder_unregister(&la, 0);
	recorder_unregister(&lb, 0);
}
END_TEST

START_TEST(dirty_set_log_nests_per_client)
{
	struct map m;
	struct recorder r;

	map_build(&m);
	recorder_init(&r, "L", log_);
	recorder_register(&r, m.as, 0);
	ck_assert_int_eq(memspace_region_set_log(m.r, MEMSPACE_DIRTY_VGA, true),
			 0);
	ck_assert_int_eq(memspace_region_set_log(m.r, MEMSPACE_DIRTY_VGA, true),
			 0);
	ck_assert_int_eq(memspace_region_set_log(m.r, MEMSPACE_DIRTY_CODE,
						 true), 0);
	recorder_clear(log_);
	ck_assert_int_eq(memspace_region_set_log(m.r, MEMSPACE_DIRTY_VGA,
						 false), 0);
	recorder_expect_empty(log_);
	ck_assert_uint_eq(memspace_region_get_log(m.r),
			  MEMSPACE_DIRTY_VGA | MEMSPACE_DIRTY_CODE);
	ck_assert_int_eq(memspace_region_set_log(m.r, MEMSPACE_DIRTY_VGA,
						 false), 0);
	recorder_expect(log_, "L begin", "L nop [0-ffff] r@0 log",
			"L log_stop [0-ffff] r@0 log 3->2",
			"L nop [100000-100fff] io@0", "L commit");
	ck_assert_int_eq(memspace_region_set_log(m.r, MEMSPACE_DIRTY_VGA,
						 false), -EALREADY);
	ck_assert_int_eq(memspace_region_set_log(m.r, 0, true), -EINVAL);
	ck_assert_int_eq(memspace_region_set_log(m.r, 3, true), -EINVAL);
	ck_assert_int_eq(memspace_region_set_log(m.r, 8, true), -EINVAL);
	ck_assert_int_eq(memspace_region_set_log(m.io, MEMSPACE_DIRTY_VGA,
						 true), -ENOTTY);
	ck_assert_int_eq(memspace_region_set_log(NULL, MEMSPACE_DIRTY_VGA,
						 true), -EINVAL);
	recorder_unregister(&r, 0);
	recorder_expect(log_, "L begin", "L log_stop [0-ffff] r@0 log 2->0",
			"L del [0-ffff] r@0 log", "L del [100000-100fff] io@0",
			"L commit");
}
END_TEST

START_TEST(dirty_global_start_and_stop)
{
	struct map m;
	struct memspace_region *rd = tt_ramdev("rd", 0x1000);
	struct recorder la, lb;

	map_build(&m);
	tt_add(m.root, 0x200000, rd);
	recorder_init(&la, "La", log_);
	recorder_init(&lb, "Lb", log_);
	recorder_register(&la, m.as, 0);
	recorder_register(&lb, m.as, 1);
	recorder_clear(log_);
	ck_assert_int_eq(memspace_log_global_start(tt_ms), 0);
	ck_assert(memspace_log_global_is_on(tt_ms));
	/* RAM device regions (VFIO BARs) are not migrated. */
	recorder_expect(log_, "La log_global_start", "Lb log_global_start",
			"La begin", "Lb begin",
			"La nop [0-ffff] r@0 log", "Lb nop [0-ffff] r@0 log",
			"La log_start [0-ffff] r@0 log 0->4",
			"Lb log_start [0-ffff] r@0 log 0->4",
			"La nop [100000-100fff] io@0",
			"Lb nop [100000-100fff] io@0",
			"La nop [200000-200fff] rd@0",
			"Lb nop [200000-200fff] rd@0",
			"La commit", "Lb commit");
	/* Nested: only the last stop acts. */
	ck_assert_int_eq(memspace_log_global_start(tt_ms), 0);
	ck_assert_int_eq(memspace_log_global_stop(tt_ms), 0);
	recorder_expect_empty(log_);
	ck_assert_int_eq(memspace_log_global_stop(tt_ms), 0);
	recorder_expect(log_, "La begin", "Lb begin",
			"La nop [0-ffff] r@0", "Lb nop [0-ffff] r@0",
			"Lb log_stop [0-ffff] r@0 4->0",
			"La log_stop [0-ffff] r@0 4->0",
			"La nop [100000-100fff] io@0",
			"Lb nop [100000-100fff] io@0",
			"La nop [200000-200fff] rd@0",
			"Lb nop [200000-200fff] rd@0",
			"La commit", "Lb commit",
			"Lb log_global_stop", "La log_global_stop");
	ck_assert(!memspace_log_global_is_on(tt_ms));
	ck_assert_int_eq(memspace_log_global_stop(tt_ms), -EALREADY);
	recorder_unregister(&la, 0);
	recorder_unregister(&lb, 0);
}
END_TEST

START_TEST(dirty_global_calls_inside_transaction_wait_for_its_commit)
{
	struct map m;
	struct recorder la, lb;

	map_build(&m);
	recorder_init(&la, "La", log_);
	recorder_init(&lb, "Lb", log_);
	recorder_register(&la, m.as, 0);
	recorder_register(&lb, m.as, 1);
	recorder_clear(log_);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_log_global_start(tt_ms), 0);
	recorder_expect_empty(log_);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	/* The same order as outside a transaction. */
	recorder_expect(log_, "La log_global_start", "Lb log_global_start",
			"La begin", "Lb begin",
			"La nop [0-ffff] r@0 log", "Lb nop [0-ffff] r@0 log",
			"La log_start [0-ffff] r@0 log 0->4",
			"Lb log_start [0-ffff] r@0 log 0->4",
			"La nop [100000-100fff] io@0",
			"Lb nop [100000-100fff] io@0",
			"La commit", "Lb commit");
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_log_global_stop(tt_ms), 0);
	recorder_expect_empty(log_);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	recorder_expect(log_, "La begin", "Lb begin",
			"La nop [0-ffff] r@0", "Lb nop [0-ffff] r@0",
			"Lb log_stop [0-ffff] r@0 4->0",
			"La log_stop [0-ffff] r@0 4->0",
			"La nop [100000-100fff] io@0",
			"Lb nop [100000-100fff] io@0",
			"La commit", "Lb commit",
			"Lb log_global_stop", "La log_global_stop");
	/* Start and stop in one transaction cancel out: no global call. */
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_log_global_start(tt_ms), 0);
	ck_assert_int_eq(memspace_log_global_stop(tt_ms), 0);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	recorder_expect_empty(log_);
	recorder_unregister(&la, 0);
	recorder_unregister(&lb, 0);
}
END_TEST

START_TEST(dirty_listener_leaving_inside_transaction_gets_queued_start_first)
{
	struct map m;
	struct recorder la;

	map_build(&m);
	recorder_init(&la, "La", log_);
	recorder_register(&la, m.as, 0);
	recorder_clear(log_);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_log_global_start(tt_ms), 0);
	/* Its removal must undo only what it has been told. */
	ck_assert_int_eq(memspace_listener_unregister(la.l), 0);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	/* The published view it knows has no MIGRATION mask yet. */
	recorder_expect(log_, "La begin", "La log_global_start",
			"La del [0-ffff] r@0",
			"La del [100000-100fff] io@0",
			"La log_global_stop", "La commit");
	ck_assert_int_eq(memspace_log_global_stop(tt_ms), 0);
}
END_TEST

START_TEST(dirty_global_start_failure_rolls_back)
{
	struct map m;
	struct recorder la, lb, lc;
	struct memspace_flatview *held;

	map_build(&m);
	recorder_init(&la, "La", log_);
	recorder_init(&lb, "Lb", log_);
	recorder_init(&lc, "Lc", log_);
	recorder_register(&la, m.as, 0);
	recorder_register(&lb, m.as, 1);
	recorder_register(&lc, m.as, 2);
	recorder_clear(log_);
	lb.fail_cb = "log_global_start";
	lb.fail_nth = 1;
	lb.fail_err = -ENOMEM;
	held = tt_hold_view(m.as);
	ck_assert_int_eq(memspace_log_global_start(tt_ms), -ENOMEM);
	recorder_expect(log_, "La log_global_start", "Lb log_global_start",
			"Lb (log_global_start fails with -12)",
			"La log_global_stop");
	ck_assert(!memspace_log_global_is_on(tt_ms));
	ck_assert_uint_eq(memspace_region_get_log(m.r), 0);
	tt_assert_same_view(m.as, held);
	/* Nothing is out of sync: nothing changed. */
	ck_assert_int_eq(memspace_listener_get_error(lb.l), 0);
	recorder_unregister(&la, 0);
	recorder_unregister(&lb, 0);
	recorder_unregister(&lc, 0);
}
END_TEST

START_TEST(dirty_global_reaches_new_regions_and_listeners)
{
	struct map m;
	struct memspace_region *late;
	struct recorder r;

	map_build(&m);
	ck_assert_int_eq(memspace_log_global_start(tt_ms), 0);
	late = tt_ram("late", 0x1000);
	ck_assert_uint_eq(memspace_region_get_log(late),
			  MEMSPACE_DIRTY_MIGRATION);
	tt_add(m.root, 0x20000, late);
	recorder_init(&r, "L", log_);
	recorder_register(&r, m.as, 0);
	recorder_expect(log_, "L begin", "L log_global_start",
			"L add [0-ffff] r@0 log",
			"L log_start [0-ffff] r@0 log 0->4",
			"L add [20000-20fff] late@0 log",
			"L log_start [20000-20fff] late@0 log 0->4",
			"L add [100000-100fff] io@0",
			"L commit");
	recorder_unregister(&r, 0);
	recorder_expect(log_, "L begin",
			"L log_stop [0-ffff] r@0 log 4->0",
			"L del [0-ffff] r@0 log",
			"L log_stop [20000-20fff] late@0 log 4->0",
			"L del [20000-20fff] late@0 log",
			"L del [100000-100fff] io@0",
			"L log_global_stop",
			"L commit");
	ck_assert_int_eq(memspace_log_global_stop(tt_ms), 0);
	ck_assert_uint_eq(memspace_region_get_log(late), 0);
}
END_TEST

START_TEST(dirty_log_sync_reaches_logged_ranges)
{
	struct map m;
	struct memspace_region *v = tt_ram("v", 0x1000);
	struct memspace_region *root2 = tt_container("root2", 0x10000);
	struct memspace_addrspace *as2;
	struct recorder r, r2;

	map_build(&m);
	tt_add(m.root, 0x40000, v);
	tt_add(root2, 0, tt_alias("va", v, 0, 0x1000));
	as2 = tt_as("as2", root2);
	recorder_init(&r, "L", log_);
	recorder_init(&r2, "L2", log_);
	recorder_register(&r, m.as, 0);
	recorder_register(&r2, as2, 0);
	ck_assert_int_eq(memspace_region_set_log(v, MEMSPACE_DIRTY_VGA, true),
			 0);
	ck_assert_int_eq(memspace_region_set_log(m.r, MEMSPACE_DIRTY_CODE,
						 true), 0);
	recorder_clear(log_);
	ck_assert_int_eq(memspace_log_sync(tt_ms), 0);
	recorder_expect(log_, "L log_sync [0-ffff] r@0 log",
			"L log_sync [40000-40fff] v@0 log",
			"L2 log_sync [0-fff] v@0 log");
	ck_assert_int_eq(memspace_log_sync_addrspace(as2), 0);
	recorder_expect(log_, "L2 log_sync [0-fff] v@0 log");
	ck_assert_int_eq(memspace_log_sync_region(v), 0);
	recorder_expect(log_, "L log_sync [40000-40fff] v@0 log",
			"L2 log_sync [0-fff] v@0 log");
	r.fail_cb = "log_sync";
	r.fail_nth = 1;
	r.fail_err = -ENOENT;
	ck_assert_int_eq(memspace_log_sync(tt_ms), -ENOENT);
	ck_assert_uint_eq(log_->len, 4);
	ck_assert_int_eq(memspace_listener_get_error(r.l), 0);
	ck_assert_int_eq(memspace_log_sync(NULL), -EINVAL);
	recorder_unregister(&r, 0);
	recorder_unregister(&r2, 0);
}
END_TEST

START_TEST(dirty_bitmap_set_test_get_and_clear)
{
	struct memspace_region *r = tt_ram("r", 256 * page);
	uint64_t bm[4] = { 0 };

	/* Nobody logs: marking records nothing. */
	ck_assert_int_eq(memspace_region_set_dirty(r, 0, page), 0);
	ck_assert(!memspace_region_test_dirty(r, MEMSPACE_DIRTY_VGA, 0, page));
	ck_assert_int_eq(memspace_region_set_log(r, MEMSPACE_DIRTY_VGA, true),
			 0);
	ck_assert_int_eq(memspace_region_set_dirty(r, 3 * page + 5, 1), 0);
	/* Two bytes across a page boundary dirty both pages. */
	ck_assert_int_eq(memspace_region_set_dirty(r, 70 * page - 1, 2), 0);
	ck_assert(memspace_region_test_dirty(r, MEMSPACE_DIRTY_VGA, 3 * page,
					     1));
	ck_assert(!memspace_region_test_dirty(r, MEMSPACE_DIRTY_VGA, 4 * page,
					      60 * page));
	ck_assert(!memspace_region_test_dirty(r, MEMSPACE_DIRTY_CODE, 0,
					      256 * page));
	ck_assert_int_eq(memspace_region_get_and_clear_dirty(
		r, MEMSPACE_DIRTY_VGA, 2 * page, 100 * page, bm), 3);
	ck_assert_uint_eq(bm[0], 1ull << 1);
	ck_assert_uint_eq(bm[1], (1ull << 3) | (1ull << 4));
	ck_assert_int_eq(memspace_region_get_and_clear_dirty(
		r, MEMSPACE_DIRTY_VGA, 0, 256 * page, NULL), 0);
	ck_assert_int_eq(memspace_region_set_dirty(r, 0, 256 * page), 0);
	ck_assert_int_eq(memspace_region_get_and_clear_dirty(
		r, MEMSPACE_DIRTY_VGA, 0, 256 * page, bm), 256);
	ck_assert_uint_eq(bm[3], UINT64_MAX);
}
END_TEST

START_TEST(dirty_bitmap_merge_at_any_page)
{
	struct memspace_region *r = tt_ram("r", 300 * page);
	uint64_t in[2] = { 0x8000000000000001ull, 0x5 };
	uint64_t out[3] = { 0 };

	ck_assert_int_eq(memspace_region_set_log(r, MEMSPACE_DIRTY_MIGRATION,
						 true), 0);
	ck_assert_int_eq(memspace_region_set_log(r, MEMSPACE_DIRTY_VGA, true),
			 0);
	/* 67 pages starting at page 100 (not a word boundary). */
	ck_assert_int_eq(memspace_region_merge_dirty(r, 100 * page, in, 67,
						     MEMSPACE_DIRTY_ALL), 0);
	ck_assert_int_eq(memspace_region_get_and_clear_dirty(
		r, MEMSPACE_DIRTY_MIGRATION, 100 * page, 67 * page, out), 4);
	ck_assert_uint_eq(out[0], in[0]);
	ck_assert_uint_eq(out[1], 0x5);
	ck_assert(memspace_region_test_dirty(r, MEMSPACE_DIRTY_VGA,
					     166 * page, page));
	ck_assert(!memspace_region_test_dirty(r, MEMSPACE_DIRTY_VGA,
					      167 * page, page));
	/* Bits past @nr_pages are ignored; clients not logging too. */
	ck_assert_int_eq(memspace_region_merge_dirty(r, 0, in, 1,
						     MEMSPACE_DIRTY_CODE), 0);
	ck_assert(!memspace_region_test_dirty(r, MEMSPACE_DIRTY_CODE, 0,
					      300 * page));
	ck_assert_int_eq(memspace_region_merge_dirty(r, 1, in, 1,
						     MEMSPACE_DIRTY_VGA),
			 -EINVAL);
	ck_assert_int_eq(memspace_region_merge_dirty(r, 299 * page, in, 2,
						     MEMSPACE_DIRTY_VGA),
			 -ERANGE);
}
END_TEST

START_TEST(dirty_bitmap_arguments_checked)
{
	struct memspace_region *r = tt_ram("r", 4 * page);
	struct memspace_region *io = tt_io("io", 0x1000);

	ck_assert_int_eq(memspace_region_set_dirty(NULL, 0, 1), -EINVAL);
	ck_assert_int_eq(memspace_region_set_dirty(r, 0, 0), -EINVAL);
	ck_assert_int_eq(memspace_region_set_dirty(io, 0, 1), -ENOTTY);
	ck_assert_int_eq(memspace_region_set_dirty(r, 4 * page, 1), -ERANGE);
	ck_assert_int_eq(memspace_region_set_dirty(r, 0, 4 * page + 1),
			 -ERANGE);
	ck_assert_int_eq(memspace_region_get_and_clear_dirty(r, 3, 0, 1, NULL),
			 -EINVAL);
	ck_assert_int_eq(memspace_region_get_and_clear_dirty(
		r, MEMSPACE_DIRTY_VGA, 0, 5 * page, NULL), -ERANGE);
	ck_assert(!memspace_region_test_dirty(io, MEMSPACE_DIRTY_VGA, 0, 1));
	ck_assert_uint_eq(memspace_dirty_page_size(),
			  (uint64_t)sysconf(_SC_PAGESIZE));
}
END_TEST

static Suite *
dirty_suite(void)
{
	Suite *s = suite_create("dirty");
	TCase *tl = tcase_create("dirty:log");
	TCase *tb = tcase_create("dirty:bitmap");

	tcase_add_checked_fixture(tl, setup, teardown);
	tcase_add_test(tl, dirty_set_log_reports_in_place);
	tcase_add_test(tl, dirty_set_log_nests_per_client);
	tcase_add_test(tl,
		       dirty_global_calls_inside_transaction_wait_for_its_commit);
	tcase_add_test(
		tl,
		dirty_listener_leaving_inside_transaction_gets_queued_start_first);
	tcase_add_test(tl, dirty_global_start_and_stop);
	tcase_add_test(tl, dirty_global_start_failure_rolls_back);
	tcase_add_test(tl, dirty_global_reaches_new_regions_and_listeners);
	tcase_add_test(tl, dirty_log_sync_reaches_logged_ranges);
	suite_add_tcase(s, tl);
	tcase_add_checked_fixture(tb, setup, teardown);
	tcase_add_test(tb, dirty_bitmap_set_test_get_and_clear);
	tcase_add_test(tb, dirty_bitmap_merge_at_any_page);
	tcase_add_test(tb, dirty_bitmap_arguments_checked);
	suite_add_tcase(s, tb);
	return s;
}

TEST_MAIN(dirty_suite)
