/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ioeventfds: per-region registration, the address-space set and its diff
 * (adds ascending, deletes descending; two aliases, two entries; a batch
 * reports as one-by-one would), commits that change only ioeventfds, descriptor ownership, and the
 * software match on the write path.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <memspace/access.h>

#include "test-common.h"
#include "test-tree.h"
#include "test-listener-recorder.h"

static GPtrArray *log_;
static int efd_a, efd_b;

static void
setup(void)
{
	tt_setup();
	log_ = g_ptr_array_new_with_free_func(g_free);
	efd_a = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	efd_b = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ck_assert_int_ge(efd_a, 0);
	ck_assert_int_ge(efd_b, 0);
}

static void
teardown(void)
{
	tt_teardown();
	g_ptr_array_free(log_, TRUE);
	close(efd_a);
	close(efd_b);
}

/* An I/O notify region shown through aliases n1 at 0x1000 and n2 at 0x9000. */
struct two_aliases {
	struct memspace_region *root, *notify, *n1, *n2;
	struct memspace_addrspace *as;
};

static void
two_aliases_build(struct two_aliases *t)
{
	t->root = tt_container("root", 0x10000);
	t->notify = tt_io("notify", 0x1000);
	t->n1 = tt_alias("n1", t->notify, 0, 0x1000);
	t->n2 = tt_alias("n2", t->notify, 0, 0x1000);
	tt_add(t->root, 0x1000, t->n1);
	tt_add(t->root, 0x9000, t->n2);
	t->as = tt_as("as", t->root);
}

START_TEST(ioeventfd_two_aliases_give_two_entries)
{
	struct two_aliases t;
	struct recorder r;
	struct memspace_flatview *held;

	two_aliases_build(&t);
	recorder_attach(&r, "L", log_, t.as);
	held = tt_hold_view(t.as);
	ck_assert_int_eq(memspace_region_add_eventfd(t.notify, 0x10, 2, true,
						     3, efd_a), 0);
	recorder_expect(log_, "L begin",
			"L eventfd_add 1010/2 =3 notify@10",
			"L eventfd_add 9010/2 =3 notify@10",
			"L commit");
	/* An ioeventfd-only change re-renders nothing. */
	tt_assert_same_view(t.as, held);
	ck_assert_int_eq(memspace_region_set_enabled(t.n2, false), 0);
	recorder_expect(log_, "L begin",
			"L del [9000-9fff] notify@0",
			"L nop [1000-1fff] notify@0",
			"L eventfd_del 9010/2 =3 notify@10",
			"L commit");
	recorder_unregister(&r, 0);
	recorder_expect(log_, "L begin",
			"L del [1000-1fff] notify@0",
			"L eventfd_del 1010/2 =3 notify@10",
			"L commit");
}
END_TEST

START_TEST(ioeventfd_wildcard_and_exact_deletion)
{
	struct two_aliases t;
	struct recorder r;

	two_aliases_build(&t);
	ck_assert_int_eq(memspace_region_set_enabled(t.n2, false), 0);
	recorder_attach(&r, "L", log_, t.as);
	ck_assert_int_eq(memspace_region_add_eventfd(t.notify, 0x20, 0, false,
						     0, efd_a), 0);
	ck_assert_int_eq(memspace_region_add_eventfd(t.notify, 0x20, 4, false,
						     0, efd_b), 0);
	recorder_expect(log_, "L begin", "L eventfd_add 1020/0 any notify@20",
			"L commit", "L begin",
			"L eventfd_add 1020/4 any notify@20", "L commit");
	/* Size 0 is not a wildcard for deletion; data must match too. */
	ck_assert_int_eq(memspace_region_del_eventfd(t.notify, 0x20, 0, false,
						     0, efd_b), -ENOENT);
	ck_assert_int_eq(memspace_region_del_eventfd(t.notify, 0x20, 4, true,
						     0, efd_b), -ENOENT);
	ck_assert_int_eq(memspace_region_del_eventfd(t.notify, 0x24, 4, false,
						     0, efd_b), -ENOENT);
	recorder_expect_empty(log_);
	ck_assert_int_eq(memspace_region_del_eventfd(t.notify, 0x20, 4, false,
						     0, efd_b), 0);
	recorder_expect(log_, "L begin", "L eventfd_del 1020/4 any notify@20",
			"L commit");
	recorder_unregister(&r, 0);
}
END_TEST

START_TEST(ioeventfd_arguments_checked)
{
	struct memspace_region *io = tt_io("io", 0x100);
	struct memspace_region *ram = tt_ram("ram", 0x1000);

	ck_assert_int_eq(memspace_region_add_eventfd(NULL, 0, 4, false, 0,
						     efd_a), -EINVAL);
	ck_assert_int_eq(memspace_region_add_eventfd(io, 0, 3, false, 0,
						     efd_a), -EINVAL);
	ck_assert_int_eq(memspace_region_add_eventfd(io, 0, 0, true, 0,
						     efd_a), -EINVAL);
	ck_assert_int_eq(memspace_region_add_eventfd(ram, 0, 4, false, 0,
						     efd_a), -ENOTTY);
	ck_assert_int_eq(memspace_region_add_eventfd(io, 0xfe, 4, false, 0,
						     efd_a), -ERANGE);
	ck_assert_int_eq(memspace_region_add_eventfd(io, 0xff, 0, false, 0,
						     efd_a), 0);
	ck_assert_int_eq(memspace_region_add_eventfd(io, 0, 4, false, 0, -1),
			 -EBADF);
	ck_assert_int_eq(memspace_region_add_eventfd(io, 0, 4, true, 7,
						     efd_a), 0);
	ck_assert_int_eq(memspace_region_add_eventfd(io, 0, 4, true, 7,
						     efd_a), -EEXIST);
	/* Same registers, another eventfd or value: distinct entries. */
	ck_assert_int_eq(memspace_region_add_eventfd(io, 0, 4, true, 7,
						     efd_b), 0);
	ck_assert_int_eq(memspace_region_add_eventfd(io, 0, 4, true, 8,
						     efd_a), 0);
	ck_assert_int_eq(memspace_region_del_eventfd(NULL, 0, 4, true, 7,
						     efd_a), -EINVAL);
}
END_TEST

START_TEST(ioeventfd_adds_ascending_dels_descending)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_addrspace *as;
	struct recorder la, lb;

	tt_add(root, 0, dev);
	as = tt_as("as", root);
	recorder_init(&la, "La", log_);
	recorder_init(&lb, "Lb", log_);
	recorder_register(&la, as, 0);
	recorder_register(&lb, as, 10);
	recorder_clear(log_);
	ck_assert_int_eq(memspace_region_add_eventfd(dev, 8, 4, false, 0,
						     efd_a), 0);
	recorder_expect(log_, "La begin", "Lb begin",
			"La eventfd_add 8/4 any dev@8",
			"Lb eventfd_add 8/4 any dev@8",
			"La commit", "Lb commit");
	ck_assert_int_eq(memspace_region_del_eventfd(dev, 8, 4, false, 0,
						     efd_a), 0);
	recorder_expect(log_, "La begin", "Lb begin",
			"Lb eventfd_del 8/4 any dev@8",
			"La eventfd_del 8/4 any dev@8",
			"La commit", "Lb commit");
	recorder_unregister(&la, 0);
	recorder_unregister(&lb, 0);
}
END_TEST

START_TEST(ioeventfd_shadowed_entry_moves_with_topology)
{
	struct memspace_region *root = tt_container("root", 0x8000);
	struct memspace_region *c = tt_io("C", 0x2000);
	struct memspace_region *b = tt_io("B", 0x2000);
	struct memspace_addrspace *as;
	struct recorder r;

	tt_add(root, 0x2000, c);
	ck_assert_int_eq(memspace_region_add_eventfd(c, 0, 4, true, 64,
						     efd_a), 0);
	ck_assert_int_eq(memspace_region_add_eventfd(b, 0, 4, true, 64,
						     efd_b), 0);
	as = tt_as("as", root);
	recorder_init(&r, "L", log_);
	recorder_register(&r, as, 0);
	recorder_expect(log_, "L begin", "L add [2000-3fff] C@0",
			"L eventfd_add 2000/4 =40 C@0", "L commit");
	tt_add_prio(root, 0x1000, b, 1);
	recorder_expect(log_, "L begin",
			"L del [2000-3fff] C@0",
			"L add [1000-2fff] B@0",
			"L add [3000-3fff] C@1000",
			"L eventfd_del 2000/4 =40 C@0",
			"L eventfd_add 1000/4 =40 B@0",
			"L commit");
	recorder_unregister(&r, 0);
}
END_TEST

START_TEST(ioeventfd_partly_hidden_entry_is_clipped_out)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_region *hide = tt_io("hide", 0x800);
	struct memspace_addrspace *as;
	struct recorder r;

	tt_add(root, 0, dev);
	tt_add_prio(root, 0x800, hide, 1);
	/* [7fe, 801] straddles into hide; [7fc, 7ff] is fully visible. */
	ck_assert_int_eq(memspace_region_add_eventfd(dev, 0x7fe, 4, false, 0,
						     efd_a), 0);
	ck_assert_int_eq(memspace_region_add_eventfd(dev, 0x7fc, 4, false, 0,
						     efd_b), 0);
	as = tt_as("as", root);
	recorder_init(&r, "L", log_);
	recorder_register(&r, as, 0);
	recorder_expect(log_, "L begin", "L add [0-7ff] dev@0",
			"L add [800-fff] hide@0",
			"L eventfd_add 7fc/4 any dev@7fc", "L commit");
	ck_assert_int_eq(memspace_region_del_subregion(root, hide), 0);
	recorder_expect(log_, "L begin", "L del [0-7ff] dev@0",
			"L del [800-fff] hide@0", "L add [0-fff] dev@0",
			"L eventfd_add 7fe/4 any dev@7fe", "L commit");
	recorder_unregister(&r, 0);
}
END_TEST

START_TEST(ioeventfd_no_eventfd_listener_no_callbacks)
{
	struct two_aliases t;
	struct recorder r;
	struct memspace_flatview *held;

	two_aliases_build(&t);
	recorder_init(&r, "L", log_);
	r.l = memspace_listener_register(t.as, &recorder_topology_ops, &r, 0,
					 "L");
	ck_assert_ptr_nonnull(r.l);
	recorder_clear(log_);
	held = tt_hold_view(t.as);
	ck_assert_int_eq(memspace_region_add_eventfd(t.notify, 0, 4, false, 0,
						     efd_a), 0);
	recorder_expect_empty(log_);
	tt_assert_same_view(t.as, held);
	/* Registering an eventfd-capable listener later replays the set. */
	{
		struct recorder e;

		recorder_init(&e, "E", log_);
		recorder_register(&e, t.as, 0);
		recorder_expect(log_, "E begin", "E add [1000-1fff] notify@0",
				"E add [9000-9fff] notify@0",
				"E eventfd_add 1000/4 any notify@0",
				"E eventfd_add 9000/4 any notify@0",
				"E commit");
		recorder_unregister(&e, 0);
		recorder_clear(log_);
	}
	ck_assert_int_eq(memspace_listener_unregister(r.l), 0);
}
END_TEST

START_TEST(ioeventfd_unmapped_region_appears_with_topology)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct recorder r;

	recorder_attach(&r, "L", log_, as);
	ck_assert_int_eq(memspace_region_add_eventfd(dev, 4, 4, false, 0,
						     efd_a), 0);
	recorder_expect_empty(log_);
	tt_add(root, 0x3000, dev);
	recorder_expect(log_, "L begin", "L add [3000-3fff] dev@0",
			"L eventfd_add 3004/4 any dev@4", "L commit");
	recorder_unregister(&r, 0);
}
END_TEST

/* One by one is one update each; batched is one update. */
START_TEST(ioeventfd_batch_vs_one_by_one)
{
	struct memspace_region *root = tt_container("root", 0x100000);
	struct memspace_region *d1 = tt_io("d1", 0x10000);
	struct memspace_region *d2 = tt_io("d2", 0x10000);
	struct memspace_addrspace *as;
	struct recorder r;
	struct rlimit rl;
	unsigned begins = 0, adds = 0;

	/* Every entry owns a duplicate descriptor: make room for 2000. */
	ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	if (rl.rlim_cur < 4096 && rl.rlim_max >= 4096) {
		rl.rlim_cur = 4096;
		ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	}
	tt_add(root, 0, d1);
	tt_add(root, 0x10000, d2);
	as = tt_as("as", root);
	recorder_attach(&r, "L", log_, as);
	for (unsigned i = 0; i < 1000; i++) {
		ck_assert_int_eq(memspace_region_add_eventfd(d1, 4 * i, 4, true,
							     i, efd_a), 0);
	}
	ck_assert_uint_eq(log_->len, 3000);
	recorder_clear(log_);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	for (unsigned i = 0; i < 1000; i++) {
		ck_assert_int_eq(memspace_region_add_eventfd(d2, 4 * i, 4, true,
							     i, efd_a), 0);
	}
	recorder_expect_empty(log_);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	for (guint i = 0; i < log_->len; i++) {
		const char *line = log_->pdata[i];

		begins += g_str_has_prefix(line, "L begin");
		adds += g_str_has_prefix(line, "L eventfd_add 1");
	}
	ck_assert_uint_eq(begins, 1);
	ck_assert_uint_eq(adds, 1000);
	ck_assert_uint_eq(log_->len, 1002);
	recorder_clear(log_);
	recorder_unregister(&r, 0);
	ck_assert_uint_eq(log_->len, 2 + 2 + 2000);
}
END_TEST

/* Checks, inside eventfd_del, that the descriptor handed out is open. */
static int
hook_fd_open(struct recorder *rec)
{
	int *seen = rec->data;

	return fcntl(*seen, F_GETFD) >= 0 ? 0 : -errno;
}

static int seen_fd = -1;

static int
rec_capture_add(void *o, const struct memspace_section *s,
		const struct memspace_ioeventfd *e)
{
	seen_fd = e->fd;
	return recorder_ops.eventfd_add(o, s, e);
}

START_TEST(ioeventfd_caller_may_close_before_commit)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_listener_ops ops = recorder_ops;
	struct memspace_addrspace *as;
	struct recorder r;
	int fd = eventfd(0, EFD_CLOEXEC);

	ops.eventfd_add = rec_capture_add;
	tt_add(root, 0, dev);
	as = tt_as("as", root);
	recorder_init(&r, "L", log_);
	r.l = memspace_listener_register(as, &ops, &r, 0, "L");
	ck_assert_ptr_nonnull(r.l);
	ck_assert_int_eq(memspace_region_add_eventfd(dev, 0, 4, false, 0, fd),
			 0);
	ck_assert_int_ne(seen_fd, fd);
	ck_assert_int_ge(fcntl(seen_fd, F_GETFD), 0);
	ck_assert(fcntl(seen_fd, F_GETFD) & FD_CLOEXEC);
	/* QEMU's abort case: close, then commit the removal. */
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_region_del_eventfd(dev, 0, 4, false, 0, fd),
			 0);
	close(fd);
	r.hook_cb = "eventfd_del";
	r.hook = hook_fd_open;
	r.data = &seen_fd;
	r.hook_result = -1;
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	ck_assert_int_eq(r.hook_result, 0);
	ck_assert_int_eq(memspace_listener_unregister(r.l), 0);
}
END_TEST

START_TEST(ioeventfd_owned_descriptor_closed_after_grace_period)
{
	struct memspace *ms = memspace_new();
	struct memspace_region *dev = memspace_region_new_io(ms, "dev", 0x100,
							     NULL, NULL);
	int fd = eventfd(0, EFD_CLOEXEC);
	int probe;

	ck_assert_int_eq(memspace_region_add_eventfd(dev, 0, 4, false, 0, fd),
			 0);
	/* The duplicate is the lowest free number after @fd. */
	probe = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	ck_assert_int_gt(probe, fd + 1);
	close(probe);
	ck_assert_int_ge(fcntl(fd + 1, F_GETFD), 0);
	ck_assert_int_eq(memspace_region_del_eventfd(dev, 0, 4, false, 0, fd),
			 0);
	/* @dev still holds the context: this unref waits for callbacks. */
	ck_assert_ptr_null(memspace_unref(ms));
	ck_assert_int_lt(fcntl(fd + 1, F_GETFD), 0);
	memspace_region_unref(dev);
	close(fd);
}
END_TEST

static enum memspace_access_result
dev_write(void *opaque, uint64_t addr, uint64_t data, unsigned size,
	  struct memspace_attrs attrs)
{
	unsigned *writes = opaque;

	(*writes)++;
	return MEMSPACE_ACCESS_OK;
}

static const struct memspace_region_ops counting_ops = {
	.version = MEMSPACE_REGION_OPS_VERSION,
	.write = dev_write,
	.endianness = MEMSPACE_ENDIAN_NATIVE,
};

START_TEST(ioeventfd_software_match_signals_instead_of_device)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	unsigned writes = 0;
	struct memspace_region *dev = tt_keep(memspace_region_new_io(
		tt_ms, "dev", 0x100, &counting_ops, &writes));
	struct memspace_addrspace *as;
	uint32_t v = 0x42;
	uint64_t count = 0;

	tt_add(root, 0x1000, dev);
	as = tt_as("as", root);
	ck_assert_int_eq(memspace_region_add_eventfd(dev, 0x10, 4, true, 0x42,
						     efd_a), 0);
	memspace_read_lock();
	ck_assert_int_eq(memspace_addrspace_write(as, 0x1010,
						  (struct memspace_attrs){ 0 },
						  &v, 4), MEMSPACE_ACCESS_OK);
	v = 0x43;
	ck_assert_int_eq(memspace_addrspace_write(as, 0x1010,
						  (struct memspace_attrs){ 0 },
						  &v, 4), MEMSPACE_ACCESS_OK);
	memspace_read_unlock();
	ck_assert_int_eq(read(efd_a, &count, sizeof(count)), 8);
	ck_assert_uint_eq(count, 1);
	ck_assert_uint_eq(writes, 1);
}
END_TEST

static Suite *
ioeventfd_suite(void)
{
	Suite *s = suite_create("ioeventfd");
	TCase *tc = tcase_create("ioeventfd:set");
	TCase *tl = tcase_create("ioeventfd:lifetime");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, ioeventfd_two_aliases_give_two_entries);
	tcase_add_test(tc, ioeventfd_wildcard_and_exact_deletion);
	tcase_add_test(tc, ioeventfd_arguments_checked);
	tcase_add_test(tc, ioeventfd_adds_ascending_dels_descending);
	tcase_add_test(tc, ioeventfd_shadowed_entry_moves_with_topology);
	tcase_add_test(tc, ioeventfd_partly_hidden_entry_is_clipped_out);
	tcase_add_test(tc, ioeventfd_no_eventfd_listener_no_callbacks);
	tcase_add_test(tc, ioeventfd_unmapped_region_appears_with_topology);
	tcase_add_test(tc, ioeventfd_batch_vs_one_by_one);
	tcase_add_test(tc, ioeventfd_software_match_signals_instead_of_device);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tl, setup, teardown);
	tcase_add_test(tl, ioeventfd_caller_may_close_before_commit);
	tcase_add_test(tl,
		       ioeventfd_owned_descriptor_closed_after_grace_period);
	suite_add_tcase(s, tl);
	return s;
}

TEST_MAIN(ioeventfd_suite)
