/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Listener registration and the topology diff: callback order and content,
 * replay on register and
 * unregister, re-entrancy, the failure policy, and address-space
 * destruction.
 */
#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

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

/* Root with RAM lo and a priority-1 window holding dev. */
struct t4 {
	struct memspace_region *root, *lo, *win, *dev;
	struct memspace_addrspace *as;
};

static void
t4_build(struct t4 *t)
{
	t->root = tt_container("root", 0x10000);
	t->lo = tt_ram("lo", 0x10000);
	t->win = tt_container("win", 0x2000);
	t->dev = tt_io("dev", 0x1000);
	tt_add(t->root, 0, t->lo);
	tt_add(t->win, 0, t->dev);
	tt_add_prio(t->root, 0x4000, t->win, 1);
	t->as = tt_as("as", t->root);
}

START_TEST(listener_register_replays_current_view)
{
	struct t4 t;
	struct recorder r;

	t4_build(&t);
	recorder_init(&r, "L", log_);
	recorder_register(&r, t.as, 0);
	recorder_expect(log_, "L begin",
			"L add [0-3fff] lo@0",
			"L add [4000-4fff] dev@0",
			"L add [5000-ffff] lo@5000",
			"L commit");
	recorder_unregister(&r, 0);
	recorder_expect(log_, "L begin",
			"L del [0-3fff] lo@0",
			"L del [4000-4fff] dev@0",
			"L del [5000-ffff] lo@5000",
			"L commit");
}
END_TEST

/* Three ranges (one logged, one with a coalesced part and two
 * ioeventfds): the replays, in full. */
START_TEST(listener_replay_in_full)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *b = tt_io("b", 0x1000);
	struct memspace_region *c = tt_ram("c", 0x1000);
	struct memspace_addrspace *as;
	struct recorder r;
	int efd = eventfd(0, EFD_CLOEXEC);

	tt_add(root, 0, a);
	tt_add(root, 0x1000, b);
	tt_add(root, 0x8000, c);
	ck_assert_int_eq(memspace_region_set_log(a, MEMSPACE_DIRTY_VGA, true),
			 0);
	ck_assert_int_eq(memspace_region_add_coalescing(b, 0x100, 0x100), 0);
	ck_assert_int_eq(memspace_region_add_eventfd(b, 0x10, 4, false, 0, efd),
			 0);
	ck_assert_int_eq(memspace_region_add_eventfd(b, 0x20, 2, true, 9, efd),
			 0);
	as = tt_as("as", root);
	recorder_init(&r, "L", log_);
	recorder_register(&r, as, 0);
	recorder_expect(log_, "L begin",
			"L add [0-fff] a@0 log",
			"L log_start [0-fff] a@0 log 0->1",
			"L add [1000-1fff] b@0",
			"L coalesced_add [1100-11ff] b@100",
			"L add [8000-8fff] c@0",
			"L eventfd_add 1010/4 any b@10",
			"L eventfd_add 1020/2 =9 b@20",
			"L commit");
	recorder_unregister(&r, 0);
	recorder_expect(log_, "L begin",
			"L log_stop [0-fff] a@0 log 1->0",
			"L del [0-fff] a@0 log",
			"L coalesced_del [1100-11ff] b@100",
			"L del [1000-1fff] b@0",
			"L del [8000-8fff] c@0",
			"L eventfd_del 1010/4 any b@10",
			"L eventfd_del 1020/2 =9 b@20",
			"L commit");
	close(efd);
}
END_TEST

START_TEST(listener_disable_overlay_deletes_then_adds)
{
	struct t4 t;
	struct recorder r;

	t4_build(&t);
	recorder_attach(&r, "L", log_, t.as);
	ck_assert_int_eq(memspace_region_set_enabled(t.win, false), 0);
	recorder_expect(log_, "L begin",
			"L del [0-3fff] lo@0",
			"L del [4000-4fff] dev@0",
			"L del [5000-ffff] lo@5000",
			"L add [0-ffff] lo@0",
			"L commit");
	ck_assert_int_eq(memspace_region_set_enabled(t.win, true), 0);
	recorder_expect(log_, "L begin",
			"L del [0-ffff] lo@0",
			"L add [0-3fff] lo@0",
			"L add [4000-4fff] dev@0",
			"L add [5000-ffff] lo@5000",
			"L commit");
	recorder_unregister(&r, 0);
}
END_TEST

START_TEST(listener_partial_overlay_is_delete_whole_add_pieces)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r0 = tt_ram("r", 0x4000);
	struct memspace_region *o = tt_io("o", 0x1000);
	struct memspace_addrspace *as;
	struct recorder r;

	tt_add(root, 0, r0);
	as = tt_as("as", root);
	recorder_attach(&r, "L", log_, as);
	tt_add_prio(root, 0x1000, o, 1);
	recorder_expect(log_, "L begin",
			"L del [0-3fff] r@0",
			"L add [0-fff] r@0",
			"L add [1000-1fff] o@0",
			"L add [2000-3fff] r@2000",
			"L commit");
	/* Removal restores the merged range. */
	ck_assert_int_eq(memspace_region_del_subregion(root, o), 0);
	recorder_expect(log_, "L begin",
			"L del [0-fff] r@0",
			"L del [1000-1fff] o@0",
			"L del [2000-3fff] r@2000",
			"L add [0-3fff] r@0",
			"L commit");
	recorder_unregister(&r, 0);
}
END_TEST

START_TEST(listener_unchanged_ranges_get_nop)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *b = tt_io("b", 0x1000);
	struct memspace_addrspace *as;
	struct recorder r;

	tt_add(root, 0, a);
	as = tt_as("as", root);
	recorder_attach(&r, "L", log_, as);
	tt_add(root, 0x8000, b);
	recorder_expect(log_, "L begin",
			"L nop [0-fff] a@0",
			"L add [8000-8fff] b@0",
			"L commit");
	recorder_unregister(&r, 0);
}
END_TEST

START_TEST(listener_no_effective_change_calls_nobody)
{
	struct t4 t;
	struct recorder r;
	struct memspace_flatview *held;

	t4_build(&t);
	recorder_attach(&r, "L", log_, t.as);
	held = tt_hold_view(t.as);
	/* Off and on again in one transaction: the view comes out equal. */
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_region_set_enabled(t.win, false), 0);
	ck_assert_int_eq(memspace_region_set_enabled(t.win, true), 0);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	tt_assert_same_view(t.as, held);
	recorder_expect_empty(log_);
	recorder_unregister(&r, 0);
}
END_TEST

START_TEST(listener_romd_toggle_is_del_add)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *flash = tt_romdev("flash", 0x1000);
	struct memspace_addrspace *as;
	struct recorder r;

	tt_add(root, 0, flash);
	as = tt_as("as", root);
	recorder_init(&r, "L", log_);
	recorder_register(&r, as, 0);
	recorder_expect(log_, "L begin", "L add [0-fff] flash@0 romd",
			"L commit");
	ck_assert_int_eq(memspace_region_set_romd(flash, false), 0);
	recorder_expect(log_, "L begin",
			"L del [0-fff] flash@0 romd",
			"L add [0-fff] flash@0",
			"L commit");
	ck_assert_int_eq(memspace_region_set_romd(flash, true), 0);
	recorder_expect(log_, "L begin",
			"L del [0-fff] flash@0",
			"L add [0-fff] flash@0 romd",
			"L commit");
	/* Setting the same mode again changes nothing. */
	ck_assert_int_eq(memspace_region_set_romd(flash, true), 0);
	recorder_expect_empty(log_);
	recorder_unregister(&r, 0);
}
END_TEST

START_TEST(listener_priority_order)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *x = tt_ram("x", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct recorder la, lb;

	recorder_init(&la, "La", log_);
	recorder_init(&lb, "Lb", log_);
	/* Register the higher priority first: order must not depend on it. */
	recorder_register(&lb, as, 10);
	recorder_register(&la, as, 0);
	recorder_expect(log_, "Lb begin", "Lb commit", "La begin",
			"La commit");
	tt_add(root, 0, x);
	recorder_expect(log_, "La begin", "Lb begin",
			"La add [0-fff] x@0", "Lb add [0-fff] x@0",
			"La commit", "Lb commit");
	ck_assert_int_eq(memspace_region_del_subregion(root, x), 0);
	recorder_expect(log_, "La begin", "Lb begin",
			"Lb del [0-fff] x@0", "La del [0-fff] x@0",
			"La commit", "Lb commit");
	recorder_unregister(&la, 0);
	recorder_unregister(&lb, 0);
}
END_TEST

START_TEST(listener_equal_priority_keeps_registration_order)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *x = tt_ram("x", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct recorder r1, r2;

	recorder_init(&r1, "L1", log_);
	recorder_init(&r2, "L2", log_);
	recorder_register(&r1, as, 5);
	recorder_register(&r2, as, 5);
	recorder_clear(log_);
	tt_add(root, 0, x);
	recorder_expect(log_, "L1 begin", "L2 begin",
			"L1 add [0-fff] x@0", "L2 add [0-fff] x@0",
			"L1 commit", "L2 commit");
	ck_assert_int_eq(memspace_region_del_subregion(root, x), 0);
	recorder_expect(log_, "L1 begin", "L2 begin",
			"L2 del [0-fff] x@0", "L1 del [0-fff] x@0",
			"L1 commit", "L2 commit");
	recorder_unregister(&r1, 0);
	recorder_unregister(&r2, 0);
}
END_TEST

START_TEST(listener_unregister_removes_exactly_that_listener)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *x = tt_ram("x", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct recorder r[3];
	static const char *const tags[] = { "A", "B", "C" };

	for (int i = 0; i < 3; i++) {
		recorder_init(&r[i], tags[i], log_);
		recorder_register(&r[i], as, 0);
	}
	recorder_unregister(&r[1], 0);
	recorder_expect(log_, "A begin", "A commit", "B begin", "B commit",
			"C begin", "C commit", "B begin", "B commit");
	tt_add(root, 0, x);
	recorder_expect(log_, "A begin", "C begin", "A add [0-fff] x@0",
			"C add [0-fff] x@0", "A commit", "C commit");
	recorder_unregister(&r[0], 0);
	recorder_expect(log_, "A begin", "A del [0-fff] x@0", "A commit");
	recorder_unregister(&r[2], 0);
	recorder_expect(log_, "C begin", "C del [0-fff] x@0", "C commit");
	ck_assert_int_eq(memspace_listener_unregister(NULL), 0);
}
END_TEST

START_TEST(listener_register_arguments_checked)
{
	struct memspace_addrspace *as =
		tt_as("as", tt_container("root", 0x1000));
	struct memspace_listener_ops bad = { .version = 99 };
	struct memspace_listener *l;

	errno = 0;
	ck_assert_ptr_null(memspace_listener_register(NULL, &recorder_ops,
						      NULL, 0, "x"));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(memspace_listener_register(as, NULL, NULL, 0,
						      "x"));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(memspace_listener_register(as, &bad, NULL, 0,
						      "x"));
	ck_assert_int_eq(errno, EPROTO);
	l = memspace_listener_register(as, &recorder_topology_ops,
				       &(struct recorder){ "x", log_ }, -3,
				       "named");
	ck_assert_ptr_nonnull(l);
	ck_assert_str_eq(memspace_listener_get_name(l), "named");
	ck_assert_int_eq(memspace_listener_get_priority(l), -3);
	ck_assert_ptr_eq(memspace_listener_get_addrspace(l), as);
	ck_assert_int_eq(memspace_listener_get_error(l), 0);
	ck_assert_int_eq(memspace_listener_unregister(l), 0);
}
END_TEST

/* Regions the re-entrancy hook tries to change. */
struct hook_targets {
	struct memspace_region *io;
	struct memspace_region *ram;
};

/* Run from inside a callback: every updater call must fail. */
static int
hook_mutate(struct recorder *rec)
{
	struct hook_targets *t = rec->data;
	struct memspace_addrspace *as = memspace_listener_get_addrspace(rec->l);
	int bad = 0;

	bad += memspace_region_set_enabled(t->io, false) != -EDEADLK;
	bad += memspace_region_set_address(t->io, 0x9000) != -EDEADLK;
	bad += memspace_transaction_begin(tt_ms) != -EDEADLK;
	bad += memspace_transaction_commit(tt_ms) != -EDEADLK;
	bad += memspace_region_add_eventfd(t->io, 0, 4, false, 0, 0) !=
	       -EDEADLK;
	bad += memspace_region_add_coalescing(t->io, 0, 4) != -EDEADLK;
	bad += memspace_region_set_log(t->ram, MEMSPACE_DIRTY_VGA, true) !=
	       -EDEADLK;
	bad += memspace_log_sync(tt_ms) != -EDEADLK;
	bad += memspace_log_global_start(tt_ms) != -EDEADLK;
	bad += memspace_listener_resync(rec->l) != -EDEADLK;
	bad += memspace_listener_unregister(rec->l) != -EDEADLK;
	errno = 0;
	bad += memspace_listener_register(as, &recorder_ops, rec, 0, "x") !=
	       NULL || errno != EDEADLK;
	bad += memspace_addrspace_create(tt_ms, "x", t->io) != NULL;
	bad += memspace_addrspace_destroy(as) != -EDEADLK;
	return bad;
}

START_TEST(listener_mutators_from_callback_get_edeadlk)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_region *x = tt_ram("x", 0x1000);
	struct memspace_addrspace *as;
	struct memspace_flatview *held;
	struct recorder r;
	static const struct expect_range want[] = {
		{ 0x0000, 0x0fff, "dev", 0 },
		{ 0x2000, 0x2fff, "x", 0 },
	};

	tt_add(root, 0, dev);
	as = tt_as("as", root);
	recorder_init(&r, "L", log_);
	recorder_register(&r, as, 0);
	r.hook_cb = "add";
	r.hook = hook_mutate;
	r.data = &(struct hook_targets){ dev, x };
	r.hook_result = -1;
	recorder_clear(log_);
	tt_add(root, 0x2000, x);
	ck_assert_int_eq(r.hook_result, 0);
	recorder_expect(log_, "L begin", "L nop [0-fff] dev@0",
			"L add [2000-2fff] x@0", "L commit");
	/* Nothing the hook tried took effect. */
	test_assert_view(as, want);
	held = tt_hold_view(as);
	ck_assert_int_eq(memspace_transaction_depth(tt_ms), 0);
	tt_assert_same_view(as, held);
	recorder_unregister(&r, 0);
}
END_TEST

START_TEST(listener_failure_keeps_view_and_marks_out_of_sync)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *b = tt_ram("b", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct recorder good, bad;
	static const struct expect_range want[] = {
		{ 0x0000, 0x0fff, "a", 0 },
		{ 0x4000, 0x4fff, "b", 0 },
	};

	recorder_init(&good, "G", log_);
	recorder_init(&bad, "B", log_);
	recorder_register(&good, as, 0);
	recorder_register(&bad, as, 1);
	recorder_clear(log_);
	bad.fail_cb = "add";
	bad.fail_nth = 1;
	bad.fail_err = -ENOSPC;
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	tt_add(root, 0, a);
	tt_add(root, 0x4000, b);
	/* The change is made and published; the failure is reported. */
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), -EREMOTEIO);
	test_assert_view(as, want);
	recorder_expect(log_, "G begin", "B begin",
			"G add [0-fff] a@0", "B add [0-fff] a@0",
			"B (add fails with -28)",
			"G add [4000-4fff] b@0", "B add [4000-4fff] b@0",
			"G commit", "B commit");
	ck_assert_int_eq(memspace_listener_get_error(bad.l), -ENOSPC);
	ck_assert_int_eq(memspace_listener_get_error(good.l), 0);
	/* Resync replays removal then addition to the failing one only. */
	ck_assert_int_eq(memspace_listener_resync(bad.l), 0);
	recorder_expect(log_, "B begin",
			"B del [0-fff] a@0", "B del [4000-4fff] b@0",
			"B add [0-fff] a@0", "B add [4000-4fff] b@0",
			"B commit");
	ck_assert_int_eq(memspace_listener_get_error(bad.l), 0);
	recorder_unregister(&good, 0);
	recorder_unregister(&bad, 0);
}
END_TEST

START_TEST(listener_failing_mutator_returns_eremoteio_after_change)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct recorder r;
	static const struct expect_range want[] = {
		{ 0x0000, 0x0fff, "a", 0 },
	};

	recorder_init(&r, "L", log_);
	recorder_register(&r, as, 0);
	r.fail_cb = "commit";
	r.fail_nth = 1;
	r.fail_err = -EIO;
	ck_assert_int_eq(memspace_region_add_subregion(root, 0, a),
			 -EREMOTEIO);
	test_assert_view(as, want);
	ck_assert_ptr_eq(memspace_region_get_parent(a), root);
	ck_assert_int_eq(memspace_listener_get_error(r.l), -EIO);
	/* A later failure-free commit does not clear the error. */
	ck_assert_int_eq(memspace_region_set_address(a, 0x1000), 0);
	ck_assert_int_eq(memspace_listener_get_error(r.l), -EIO);
	recorder_unregister(&r, 0);
}
END_TEST

START_TEST(listener_register_failure_is_all_or_nothing)
{
	struct t4 t;
	struct recorder r;

	t4_build(&t);
	recorder_init(&r, "L", log_);
	r.fail_cb = "add";
	r.fail_nth = 2;
	r.fail_err = -ENOMEM;
	errno = 0;
	ck_assert_ptr_null(memspace_listener_register(t.as, &recorder_ops, &r,
						      0, "L"));
	ck_assert_int_eq(errno, ENOMEM);
	recorder_expect(log_, "L begin",
			"L add [0-3fff] lo@0",
			"L add [4000-4fff] dev@0",
			"L (add fails with -12)",
			"L add [5000-ffff] lo@5000",
			"L commit",
			"L begin",
			"L del [0-3fff] lo@0",
			"L del [4000-4fff] dev@0",
			"L del [5000-ffff] lo@5000",
			"L commit");
	/* Not registered: later changes reach nobody. */
	ck_assert_int_eq(memspace_region_set_enabled(t.win, false), 0);
	recorder_expect_empty(log_);
}
END_TEST

START_TEST(listener_unregister_failure_still_unregisters)
{
	struct t4 t;
	struct recorder r;

	t4_build(&t);
	recorder_attach(&r, "L", log_, t.as);
	r.fail_cb = "del";
	r.fail_nth = 1;
	r.fail_err = -EBUSY;
	recorder_unregister(&r, -EREMOTEIO);
	ck_assert_int_eq(memspace_region_set_enabled(t.win, false), 0);
	recorder_expect(log_, "L begin",
			"L del [0-3fff] lo@0",
			"L (del fails with -16)",
			"L del [4000-4fff] dev@0",
			"L del [5000-ffff] lo@5000",
			"L commit");
}
END_TEST

START_TEST(listener_destroyed_addrspace_detaches_listeners)
{
	struct t4 t;
	struct recorder r1, r2;

	t4_build(&t);
	recorder_init(&r1, "L1", log_);
	recorder_init(&r2, "L2", log_);
	recorder_register(&r1, t.as, 0);
	recorder_register(&r2, t.as, 1);
	recorder_clear(log_);
	tt_as_destroy(t.as);
	/* Highest priority first, each sees everything removed. */
	recorder_expect(log_, "L2 begin",
			"L2 del [0-3fff] lo@0",
			"L2 del [4000-4fff] dev@0",
			"L2 del [5000-ffff] lo@5000",
			"L2 commit",
			"L1 begin",
			"L1 del [0-3fff] lo@0",
			"L1 del [4000-4fff] dev@0",
			"L1 del [5000-ffff] lo@5000",
			"L1 commit");
	ck_assert_ptr_null(memspace_listener_get_addrspace(r1.l));
	ck_assert_int_eq(memspace_listener_resync(r1.l), -ENOENT);
	/* The handles stay valid; unregistering only frees them. */
	recorder_unregister(&r1, 0);
	recorder_unregister(&r2, 0);
	recorder_expect_empty(log_);
}
END_TEST

START_TEST(listener_begin_commit_only_for_changed_addrspaces)
{
	struct memspace_region *r1 = tt_container("r1", 0x10000);
	struct memspace_region *r2 = tt_container("r2", 0x10000);
	struct memspace_region *x = tt_ram("x", 0x1000);
	struct memspace_region *y = tt_ram("y", 0x1000);
	struct memspace_addrspace *as1, *as2;
	struct recorder l1, l2;

	tt_add(r2, 0x1000, y);
	as1 = tt_as("as1", r1);
	as2 = tt_as("as2", r2);
	recorder_init(&l1, "L1", log_);
	recorder_init(&l2, "L2", log_);
	recorder_register(&l1, as1, 0);
	recorder_register(&l2, as2, 0);
	recorder_clear(log_);
	tt_add(r1, 0, x);
	recorder_expect(log_, "L1 begin", "L1 add [0-fff] x@0", "L1 commit");
	recorder_unregister(&l1, 0);
	recorder_unregister(&l2, 0);
}
END_TEST

START_TEST(listener_shared_view_reported_to_each_addrspace)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *x = tt_ram("x", 0x1000);
	struct memspace_region *other = tt_ram("other", 0x1000);
	struct memspace_addrspace *as1, *as2;
	struct recorder l1, l2;

	tt_add(root, 0x8000, other);
	as1 = tt_as("as1", root);
	as2 = tt_as("as2", root);
	ck_assert_ptr_eq(tt_view_ptr(as1), tt_view_ptr(as2));
	recorder_init(&l1, "L1", log_);
	recorder_init(&l2, "L2", log_);
	recorder_register(&l2, as2, 0);
	recorder_register(&l1, as1, 0);
	recorder_clear(log_);
	tt_add(root, 0, x);
	/* begin/commit by priority; then one diff per address space in
	 * creation order. */
	recorder_expect(log_, "L2 begin", "L1 begin",
			"L1 add [0-fff] x@0", "L1 nop [8000-8fff] other@0",
			"L2 add [0-fff] x@0", "L2 nop [8000-8fff] other@0",
			"L2 commit", "L1 commit");
	recorder_unregister(&l1, 0);
	recorder_unregister(&l2, 0);
}
END_TEST

START_TEST(listener_replay_inside_transaction_uses_published_view)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *b = tt_ram("b", 0x1000);
	struct memspace_addrspace *as;
	struct recorder r;

	tt_add(root, 0, a);
	as = tt_as("as", root);
	recorder_init(&r, "L", log_);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	tt_add(root, 0x1000, b);
	recorder_register(&r, as, 0);
	recorder_expect(log_, "L begin", "L add [0-fff] a@0", "L commit");
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	recorder_expect(log_, "L begin", "L nop [0-fff] a@0",
			"L add [1000-1fff] b@0", "L commit");
	recorder_unregister(&r, 0);
}
END_TEST

static Suite *
listener_suite(void)
{
	Suite *s = suite_create("listener");
	TCase *tc = tcase_create("listener:topology");
	TCase *te = tcase_create("listener:errors");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, listener_register_replays_current_view);
	tcase_add_test(tc, listener_replay_in_full);
	tcase_add_test(tc, listener_disable_overlay_deletes_then_adds);
	tcase_add_test(tc,
		       listener_partial_overlay_is_delete_whole_add_pieces);
	tcase_add_test(tc, listener_unchanged_ranges_get_nop);
	tcase_add_test(tc, listener_no_effective_change_calls_nobody);
	tcase_add_test(tc, listener_romd_toggle_is_del_add);
	tcase_add_test(tc, listener_priority_order);
	tcase_add_test(tc, listener_equal_priority_keeps_registration_order);
	tcase_add_test(tc, listener_unregister_removes_exactly_that_listener);
	tcase_add_test(tc, listener_begin_commit_only_for_changed_addrspaces);
	tcase_add_test(tc, listener_shared_view_reported_to_each_addrspace);
	tcase_add_test(tc,
		       listener_replay_inside_transaction_uses_published_view);
	tcase_add_test(tc, listener_destroyed_addrspace_detaches_listeners);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(te, setup, teardown);
	tcase_add_test(te, listener_register_arguments_checked);
	tcase_add_test(te, listener_mutators_from_callback_get_edeadlk);
	tcase_add_test(te, listener_failure_keeps_view_and_marks_out_of_sync);
	tcase_add_test(te,
		       listener_failing_mutator_returns_eremoteio_after_change);
	tcase_add_test(te, listener_register_failure_is_all_or_nothing);
	tcase_add_test(te, listener_unregister_failure_still_unregisters);
	suite_add_tcase(s, te);
	return s;
}

TEST_MAIN(listener_suite)
