/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Reader threads that never call memspace_thread_register(): registered on
 * their first read-side section (library or inline), unregistered when they
 * exit, while a writer keeps replacing and freeing views.
 */
#include <pthread.h>
#include <stdint.h>

#include <memspace/access.h>
#include <memspace/reader.h>

#include "test-tree.h"

#define NR_READERS 4
#define NR_LOOKUPS 20000
#define NR_MOVES 500	/* the writer's changes the readers overlap with */

struct reader_arg {
	struct memspace_addrspace *as;
	bool inline_path;
	unsigned hits;
	gint *stop;
	gint *done;
};

static void *
reader_main(void *opaque)
{
	struct reader_arg *a = opaque;

	/* No memspace_thread_register() on purpose. */
	ck_assert(!MEMSPACE_RCU_REGISTERED_());
	/* At least NR_LOOKUPS sections, and on until the writer has made
	 * NR_MOVES changes, so that readers and writer always overlap. */
	for (unsigned i = 0; i < NR_LOOKUPS || !g_atomic_int_get(a->stop);
	     i++) {
		struct memspace_flatview *fv;

		if (a->inline_path) {
			memspace_rcu_read_lock();
		} else {
			memspace_read_lock();
		}
		fv = memspace_addrspace_get_flatview_rcu(a->as);
		a->hits += memspace_flatview_nr_ranges(fv) > 0;
		for (size_t k = 0; k < memspace_flatview_nr_ranges(fv); k++) {
			struct memspace_section sec;

			ck_assert_int_eq(memspace_flatview_get_range(fv, k, &sec),
					 0);
			ck_assert_ptr_nonnull(memspace_region_get_name(sec.mr));
		}
		if (a->inline_path) {
			memspace_rcu_read_unlock();
		} else {
			memspace_read_unlock();
		}
	}
	ck_assert(MEMSPACE_RCU_REGISTERED_());
	g_atomic_int_inc(a->done);
	return NULL; /* exits still registered: the key destructor cleans up */
}

static void
run_readers(bool inline_path)
{
	struct memspace_region *sys = tt_container("system", MEMSPACE_SIZE_2_64);
	struct memspace_addrspace *as = tt_as("memory", sys);
	struct reader_arg args[NR_READERS];
	pthread_t t[NR_READERS];
	unsigned moves = 0;
	gint stop = 0, done = 0;

	for (int i = 0; i < NR_READERS; i++) {
		args[i] = (struct reader_arg){ as, inline_path, 0, &stop,
					       &done };
		ck_assert_int_eq(pthread_create(&t[i], NULL, reader_main,
						&args[i]),
				 0);
	}
	/* Add, move and free regions until every reader is done. */
	while (g_atomic_int_get(&done) < NR_READERS) {
		struct memspace_region *io = memspace_region_new_io(
			tt_ms, "dev", 0x1000, NULL, NULL);

		tt_add(sys, 0x1000ull * (moves % 64), io);
		ck_assert_int_eq(memspace_region_set_address(io, 0x100000), 0);
		ck_assert_int_eq(memspace_region_del_subregion(sys, io), 0);
		memspace_region_unref(io);
		if (++moves == NR_MOVES) {
			g_atomic_int_set(&stop, 1);
		}
	}
	for (int i = 0; i < NR_READERS; i++) {
		ck_assert_int_eq(pthread_join(t[i], NULL), 0);
	}
	/* Writers still complete grace periods with the readers gone. */
	for (unsigned i = 0; i < 100; i++) {
		struct memspace_region *io = memspace_region_new_io(
			tt_ms, "late", 0x1000, NULL, NULL);

		tt_add(sys, 0, io);
		ck_assert_int_eq(memspace_region_del_subregion(sys, io), 0);
		memspace_region_unref(io);
	}
}

START_TEST(reader_unregistered_thread_registered_on_first_use)
{
	run_readers(false);
}
END_TEST

START_TEST(reader_unregistered_thread_inline_path_registered_on_first_use)
{
	run_readers(true);
}
END_TEST

static Suite *
reader_suite(void)
{
	Suite *s = suite_create("reader-register");
	TCase *tc = tcase_create("reader:first-use");

	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, reader_unregistered_thread_registered_on_first_use);
	tcase_add_test(tc,
		       reader_unregistered_thread_inline_path_registered_on_first_use);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(reader_suite)
