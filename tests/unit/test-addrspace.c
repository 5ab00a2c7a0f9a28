/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Address spaces: lifetime, attributes, and the views they publish. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "test-tree.h"

/* A root with two RAM regions (so it does not reduce to a child). */
struct two_ram {
	struct memspace_region *root, *a, *b;
};

static struct two_ram
two_ram(void)
{
	struct two_ram t = {
		.root = tt_container("root", 0x10000),
		.a = tt_ram("a", 0x1000),
		.b = tt_ram("b", 0x1000),
	};

	tt_add(t.root, 0, t.a);
	tt_add(t.root, 0x8000, t.b);
	return t;
}

static const struct expect_range two_ram_view[] = {
	{ 0x0000, 0x0fff, "a", 0 },
	{ 0x8000, 0x8fff, "b", 0 },
};

/* ---- lifetime and attributes -------------------------------------------- */

START_TEST(addrspace_new_getters)
{
	struct two_ram t = two_ram();
	char name[] = "memory";
	struct memspace_addrspace *as = tt_as(name, t.root);

	strcpy(name, "memorX");
	ck_assert_str_eq(memspace_addrspace_get_name(as), "memory");
	ck_assert_ptr_eq(memspace_addrspace_get_root(as), t.root);
	ck_assert_ptr_eq(memspace_addrspace_get_context(as), tt_ms);
	ck_assert_ptr_null(memspace_addrspace_get_machine_ram(as));
	ck_assert(!memspace_addrspace_get_hyp_ioeventfd_enabled(as));
	test_assert_view_ro(as, two_ram_view);
}
END_TEST

START_TEST(addrspace_names_need_not_be_unique)
{
	struct two_ram t = two_ram();
	struct memspace_addrspace *as1 = tt_as("dup", t.root);
	struct memspace_addrspace *as2 = tt_as("dup", t.root);

	ck_assert_ptr_ne(as1, as2);
	ck_assert_str_eq(memspace_addrspace_get_name(as1), "dup");
	ck_assert_str_eq(memspace_addrspace_get_name(as2), "dup");
	/* Same root: one shared view. */
	ck_assert_ptr_eq(tt_view_ptr(as1), tt_view_ptr(as2));
	test_assert_view_ro(as2, two_ram_view);
}
END_TEST

START_TEST(addrspace_destroy_and_recreate)
{
	struct two_ram t = two_ram();
	struct memspace_addrspace *as = memspace_addrspace_create(tt_ms, "tmp",
							       t.root);
	struct memspace_addrspace *as2;

	ck_assert_ptr_nonnull(as);
	test_assert_view_ro(as, two_ram_view);
	ck_assert_int_eq(memspace_addrspace_destroy(as), 0);
	/* The tree is untouched by the destruction. */
	ck_assert_ptr_eq(memspace_region_get_parent(t.a), t.root);
	as2 = tt_as("again", t.root);
	test_assert_view_ro(as2, two_ram_view);
}
END_TEST

START_TEST(addrspace_keeps_root_alive)
{
	struct memspace_region *root =
		memspace_region_new_container(tt_ms, "root", 0x10000);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *b = tt_ram("b", 0x1000);
	struct memspace_addrspace *as;

	ck_assert_ptr_nonnull(root);
	tt_add(root, 0, a);
	tt_add(root, 0x8000, b);
	as = tt_as("as", root);
	memspace_region_unref(root);
	/* Only the address space holds root now. */
	ck_assert_ptr_eq(memspace_addrspace_get_root(as), root);
	ck_assert_str_eq(memspace_region_get_name(root), "root");
	ck_assert_int_eq(memspace_region_set_address(b, 0x4000), 0);
	ck_assert_uint_eq(memspace_region_get_address(b), 0x4000);
	ck_assert_uint_eq(tt_nr_ranges(as), 2);
	ck_assert_uint_eq(tt_section(as, 1).start, 0x4000);
	/* Destroying the address space frees root (ASan checks for leaks). */
	tt_as_destroy(as);
}
END_TEST

START_TEST(addrspace_many_on_different_roots)
{
	struct memspace_region *roots[6];
	struct memspace_addrspace *spaces[6];

	for (size_t i = 0; i < ARRAY_SIZE(roots); i++) {
		char name[16];

		g_snprintf(name, sizeof(name), "root%zu", i);
		roots[i] = tt_container(name, 0x10000);
		g_snprintf(name, sizeof(name), "ram%zu", i);
		tt_add(roots[i], 0x1000 * (i + 1), tt_ram(name, 0x1000));
		g_snprintf(name, sizeof(name), "as%zu", i);
		spaces[i] = tt_as(name, roots[i]);
	}
	for (size_t i = 0; i < ARRAY_SIZE(spaces); i++) {
		struct memspace_section sec = tt_section(spaces[i], 0);
		char name[16];

		g_snprintf(name, sizeof(name), "ram%zu", i);
		ck_assert_uint_eq(tt_nr_ranges(spaces[i]), 1);
		ck_assert_uint_eq(sec.start, 0x1000 * (i + 1));
		ck_assert_str_eq(memspace_region_get_name(sec.mr), name);
		for (size_t j = 0; j < i; j++) {
			ck_assert_ptr_ne(tt_view_ptr(spaces[i]),
					 tt_view_ptr(spaces[j]));
		}
	}
}
END_TEST

START_TEST(addrspace_machine_ram_set_get)
{
	struct two_ram t = two_ram();
	struct memspace_addrspace *as = tt_as("as", t.root);
	struct memspace_region *backend =
		memspace_region_new_container(tt_ms, "ram-backends", 0x100000);
	struct memspace_region *other = tt_container("other", 0x1000);
	struct memspace_flatview *held = tt_hold_view(as);

	ck_assert_ptr_nonnull(backend);
	ck_assert_ptr_null(memspace_addrspace_get_machine_ram(as));
	ck_assert_int_eq(memspace_addrspace_set_machine_ram(as, backend), 0);
	ck_assert_ptr_eq(memspace_addrspace_get_machine_ram(as), backend);
	/* The address space holds a reference: the caller's can go. */
	memspace_region_unref(backend);
	ck_assert_str_eq(memspace_region_get_name(
				 memspace_addrspace_get_machine_ram(as)),
			 "ram-backends");
	/* Not part of the rendered tree. */
	tt_assert_same_view(as, held);
	/* Replacing it drops that reference (ASan: no leak, no UAF). */
	ck_assert_int_eq(memspace_addrspace_set_machine_ram(as, other), 0);
	ck_assert_ptr_eq(memspace_addrspace_get_machine_ram(as), other);
	ck_assert_int_eq(memspace_addrspace_set_machine_ram(as, NULL), 0);
	ck_assert_ptr_null(memspace_addrspace_get_machine_ram(as));
}
END_TEST

START_TEST(addrspace_machine_ram_released_on_destroy)
{
	struct two_ram t = two_ram();
	struct memspace_addrspace *as = memspace_addrspace_create(tt_ms, "as",
							       t.root);
	struct memspace_region *backend =
		memspace_region_new_ram(tt_ms, "backend", 0x1000, NULL);

	ck_assert_ptr_nonnull(as);
	ck_assert_ptr_nonnull(backend);
	ck_assert_int_eq(memspace_addrspace_set_machine_ram(as, backend), 0);
	memspace_region_unref(backend);
	/* The destruction must release backend, or the leak checker fires. */
	ck_assert_int_eq(memspace_addrspace_destroy(as), 0);
}
END_TEST

START_TEST(addrspace_hyp_ioeventfd_set_once)
{
	struct two_ram t = two_ram();
	struct memspace_addrspace *as1 = tt_as("as1", t.root);
	struct memspace_addrspace *as2 = tt_as("as2", t.root);

	ck_assert(!memspace_addrspace_get_hyp_ioeventfd_enabled(as1));
	ck_assert_int_eq(memspace_addrspace_set_hyp_ioeventfd_enabled(as1, true),
			 0);
	ck_assert(memspace_addrspace_get_hyp_ioeventfd_enabled(as1));
	ck_assert_int_eq(memspace_addrspace_set_hyp_ioeventfd_enabled(as1, false),
			 -EALREADY);
	ck_assert(memspace_addrspace_get_hyp_ioeventfd_enabled(as1));

	/* Per address space; setting false also counts as set. */
	ck_assert(!memspace_addrspace_get_hyp_ioeventfd_enabled(as2));
	ck_assert_int_eq(memspace_addrspace_set_hyp_ioeventfd_enabled(as2, false),
			 0);
	ck_assert_int_eq(memspace_addrspace_set_hyp_ioeventfd_enabled(as2, true),
			 -EALREADY);
	ck_assert(!memspace_addrspace_get_hyp_ioeventfd_enabled(as2));
}
END_TEST

/* ---- views -------------------------------------------------------------- */

START_TEST(addrspace_held_view_outlives_commits)
{
	struct two_ram t = two_ram();
	struct memspace_addrspace *as = tt_as("as", t.root);
	struct memspace_region *c = tt_io("c", 0x2000);
	struct memspace_flatview *v1, *v2, *v3;
	static const struct expect_range with_c[] = {
		{ 0x0000, 0x0fff, "a", 0 },
		{ 0x4000, 0x5fff, "c", 0 },
		{ 0x8000, 0x8fff, "b", 0 },
	};
	static const struct expect_range moved[] = {
		{ 0x0000, 0x0fff, "a", 0 },
		{ 0x8000, 0x8fff, "b", 0 },
		{ 0xc000, 0xdfff, "c", 0 },
	};

	v1 = memspace_addrspace_get_flatview(as);
	tt_add(t.root, 0x4000, c);
	v2 = memspace_addrspace_get_flatview(as);
	ck_assert_int_eq(memspace_region_set_address(c, 0xc000), 0);
	ck_assert_int_eq(memspace_region_set_readonly(t.a, true), 0);
	v3 = memspace_addrspace_get_flatview(as);

	ck_assert_ptr_ne(v1, v2);
	ck_assert_ptr_ne(v2, v3);
	/* Every held view still shows what it showed when taken. */
	test_assert_flatview_ro(v1, two_ram_view);
	test_assert_flatview_ro(v2, with_c);
	test_assert_flatview(v3, moved);
	{
		struct memspace_section sec;

		ck_assert_int_eq(memspace_flatview_get_range(v3, 0, &sec), 0);
		ck_assert(sec.readonly);
		ck_assert_int_eq(memspace_flatview_get_range(v1, 0, &sec), 0);
		ck_assert(!sec.readonly);
	}
	ck_assert_ptr_null(memspace_flatview_unref(v2));
	ck_assert_ptr_null(memspace_flatview_unref(v1));
	test_assert_flatview(v3, moved);
	ck_assert_ptr_null(memspace_flatview_unref(v3));
}
END_TEST

START_TEST(addrspace_flatview_ref_unref)
{
	struct two_ram t = two_ram();
	struct memspace_addrspace *as = tt_as("as", t.root);
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(as);
	struct memspace_region *c = tt_io("c", 0x1000);

	ck_assert_ptr_eq(memspace_flatview_ref(fv), fv);
	ck_assert_ptr_null(memspace_flatview_unref(fv));
	tt_add(t.root, 0x4000, c);
	/* Still held once after the commit replaced it. */
	test_assert_flatview_ro(fv, two_ram_view);
	ck_assert_ptr_eq(memspace_flatview_get_root(fv), t.root);
	ck_assert_ptr_null(memspace_flatview_unref(fv));
	ck_assert_ptr_null(memspace_flatview_ref(NULL));
	ck_assert_ptr_null(memspace_flatview_unref(NULL));
}
END_TEST

START_TEST(addrspace_get_flatview_rcu)
{
	struct two_ram t = two_ram();
	struct memspace_addrspace *as = tt_as("as", t.root);
	struct memspace_flatview *counted = tt_hold_view(as);
	struct memspace_flatview *fv;
	struct memspace_section sec;

	memspace_read_lock();
	fv = memspace_addrspace_get_flatview_rcu(as);
	ck_assert_ptr_eq(fv, counted);
	ck_assert_uint_eq(memspace_flatview_nr_ranges(fv), 2);
	ck_assert_int_eq(memspace_flatview_get_range(fv, 1, &sec), 0);
	ck_assert_str_eq(memspace_region_get_name(sec.mr), "b");
	/* Sections nest. */
	memspace_read_lock();
	ck_assert_ptr_eq(memspace_addrspace_get_flatview_rcu(as), fv);
	memspace_read_unlock();
	/* A counted reference can be taken from inside the section. */
	ck_assert_ptr_eq(memspace_flatview_ref(fv), fv);
	memspace_read_unlock();
	memspace_flatview_unref(fv);
	memspace_flatview_unref(counted);
	memspace_quiescent_state();
}
END_TEST

struct section_reader {
	struct memspace_addrspace *as;
	GAsyncQueue *to_main;
	GAsyncQueue *to_reader;
	char names[2][8];
	size_t nr;
};

static gpointer
section_reader_thread(gpointer opaque)
{
	struct section_reader *rd = opaque;
	struct memspace_flatview *fv;

	memspace_thread_register();
	memspace_read_lock();
	fv = memspace_addrspace_get_flatview_rcu(rd->as);
	g_async_queue_push(rd->to_main, GINT_TO_POINTER(1));
	/* Wait until the view has been replaced and its region dropped. */
	g_async_queue_pop(rd->to_reader);
	rd->nr = memspace_flatview_nr_ranges(fv);
	for (size_t i = 0; i < rd->nr && i < 2; i++) {
		struct memspace_section sec;

		if (memspace_flatview_get_range(fv, i, &sec) == 0) {
			g_strlcpy(rd->names[i], memspace_region_get_name(sec.mr),
				  sizeof(rd->names[i]));
		}
	}
	memspace_read_unlock();
	memspace_thread_unregister();
	return NULL;
}

START_TEST(addrspace_rcu_view_stays_valid_in_section)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *b =
		memspace_region_new_ram(tt_ms, "b", 0x1000, NULL);
	struct memspace_addrspace *as = tt_as("as", root);
	struct section_reader rd = {
		.as = as,
		.to_main = g_async_queue_new(),
		.to_reader = g_async_queue_new(),
	};
	GThread *thread;

	ck_assert_ptr_nonnull(b);
	tt_add(root, 0, a);
	tt_add(root, 0x8000, b);
	memspace_region_unref(b);	/* only the tree and views hold b */
	thread = g_thread_new("reader", section_reader_thread, &rd);
	g_async_queue_pop(rd.to_main);
	/*
	 * The reader is inside its section with the old view.  Replace the
	 * view and drop b from the tree: only the old view still holds b,
	 * and it must not be freed before the reader leaves its section.
	 */
	ck_assert_int_eq(memspace_region_del_subregion(root, b), 0);
	ck_assert_uint_eq(tt_nr_ranges(as), 1);
	g_usleep(20000);	/* give a wrong early free time to happen */
	g_async_queue_push(rd.to_reader, GINT_TO_POINTER(1));
	g_thread_join(thread);
	ck_assert_uint_eq(rd.nr, 2);
	ck_assert_str_eq(rd.names[0], "a");
	ck_assert_str_eq(rd.names[1], "b");
	g_async_queue_unref(rd.to_main);
	g_async_queue_unref(rd.to_reader);
}
END_TEST

START_TEST(addrspace_destroy_with_view_held)
{
	struct two_ram t = two_ram();
	struct memspace_addrspace *as = memspace_addrspace_create(tt_ms, "as",
							       t.root);
	struct memspace_flatview *fv;
	struct memspace_section sec;

	ck_assert_ptr_nonnull(as);
	fv = memspace_addrspace_get_flatview(as);
	ck_assert_int_eq(memspace_addrspace_destroy(as), 0);
	/* The tree changes afterwards, and the regions may go too. */
	ck_assert_int_eq(memspace_region_del_subregion(t.root, t.b), 0);
	test_assert_flatview_ro(fv, two_ram_view);
	ck_assert_int_eq(memspace_flatview_get_range(fv, 1, &sec), 0);
	ck_assert_ptr_eq(sec.mr, t.b);
	ck_assert_str_eq(memspace_region_get_name(sec.mr), "b");
	memspace_flatview_unref(fv);
}
END_TEST

START_TEST(addrspace_destroy_last_holder_of_regions)
{
	struct memspace_region *root =
		memspace_region_new_container(tt_ms, "root", 0x10000);
	struct memspace_region *a =
		memspace_region_new_ram(tt_ms, "a", 0x1000, NULL);
	struct memspace_region *b =
		memspace_region_new_ram(tt_ms, "b", 0x1000, NULL);
	struct memspace_addrspace *as;
	struct memspace_flatview *fv;
	struct memspace_section sec;

	ck_assert_int_eq(memspace_region_add_subregion(root, 0, a), 0);
	ck_assert_int_eq(memspace_region_add_subregion(root, 0x8000, b), 0);
	memspace_region_unref(a);
	memspace_region_unref(b);
	as = memspace_addrspace_create(tt_ms, "as", root);
	ck_assert_ptr_nonnull(as);
	memspace_region_unref(root);
	fv = memspace_addrspace_get_flatview(as);
	/* The address space held the tree; the view holds its ranges. */
	ck_assert_int_eq(memspace_addrspace_destroy(as), 0);
	test_assert_flatview_ro(fv, two_ram_view);
	ck_assert_int_eq(memspace_flatview_get_range(fv, 0, &sec), 0);
	ck_assert_str_eq(memspace_region_get_name(sec.mr), "a");
	memspace_flatview_unref(fv);
}
END_TEST

START_TEST(addrspace_destroy_keeps_shared_view_for_others)
{
	struct two_ram t = two_ram();
	struct memspace_addrspace *as1 = tt_as("as1", t.root);
	struct memspace_addrspace *as2 = memspace_addrspace_create(tt_ms, "as2",
								t.root);
	struct memspace_flatview *held = tt_hold_view(as1);

	ck_assert_ptr_nonnull(as2);
	ck_assert_ptr_eq(tt_view_ptr(as2), held);
	ck_assert_int_eq(memspace_addrspace_destroy(as2), 0);
	tt_assert_same_view(as1, held);
	test_assert_view_ro(as1, two_ram_view);
}
END_TEST

START_TEST(addrspace_empty_root_gets_empty_view)
{
	struct memspace_region *c = tt_container("c", 0x10000);
	struct memspace_region *d = tt_container("d", 0x10000);
	struct memspace_addrspace *as1 = tt_as("as1", c);
	struct memspace_addrspace *as2 = tt_as("as2", d);
	struct memspace_flatview *fv = tt_hold_view(as1);

	ck_assert_uint_eq(memspace_flatview_nr_ranges(fv), 0);
	ck_assert_ptr_null(memspace_flatview_get_root(fv));
	/* Every empty address space shows the same empty view. */
	ck_assert_ptr_eq(tt_view_ptr(as2), fv);
	memspace_flatview_unref(fv);
}
END_TEST

START_TEST(addrspace_root_reduced_to_single_child)
{
	struct memspace_region *c = tt_container("c", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x4000);
	struct memspace_addrspace *as1, *as2;
	struct memspace_flatview *fv;
	static const struct expect_range exp[] = {
		{ 0x0000, 0x3fff, "r", 0 },
	};

	tt_add(c, 0, r);
	as1 = tt_as("as1", c);
	as2 = tt_as("as2", r);
	fv = tt_hold_view(as1);
	/* c's only child sits at 0 and fits: both show r's view. */
	ck_assert_ptr_eq(memspace_flatview_get_root(fv), r);
	ck_assert_ptr_eq(tt_view_ptr(as2), fv);
	ck_assert_ptr_eq(memspace_addrspace_get_root(as1), c);
	test_assert_view_ro(as1, exp);
	memspace_flatview_unref(fv);
}
END_TEST

static Suite *
addrspace_suite(void)
{
	Suite *s = suite_create("addrspace");
	TCase *tc;

	tc = tcase_create("addrspace:lifetime");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, addrspace_new_getters);
	tcase_add_test(tc, addrspace_names_need_not_be_unique);
	tcase_add_test(tc, addrspace_destroy_and_recreate);
	tcase_add_test(tc, addrspace_keeps_root_alive);
	tcase_add_test(tc, addrspace_many_on_different_roots);
	tcase_add_test(tc, addrspace_machine_ram_set_get);
	tcase_add_test(tc, addrspace_machine_ram_released_on_destroy);
	tcase_add_test(tc, addrspace_hyp_ioeventfd_set_once);
	suite_add_tcase(s, tc);

	tc = tcase_create("addrspace:views");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, addrspace_held_view_outlives_commits);
	tcase_add_test(tc, addrspace_flatview_ref_unref);
	tcase_add_test(tc, addrspace_get_flatview_rcu);
	tcase_add_test(tc, addrspace_rcu_view_stays_valid_in_section);
	tcase_add_test(tc, addrspace_destroy_with_view_held);
	tcase_add_test(tc, addrspace_destroy_last_holder_of_regions);
	tcase_add_test(tc, addrspace_destroy_keeps_shared_view_for_others);
	tcase_add_test(tc, addrspace_empty_root_gets_empty_view);
	tcase_add_test(tc, addrspace_root_reduced_to_single_child);
	suite_add_tcase(s, tc);

	return s;
}

TEST_MAIN(addrspace_suite)
