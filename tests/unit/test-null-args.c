/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every public function given NULL where it takes an object, a buffer or
 * an out parameter, against the one policy (README "NULL arguments"):
 * int results are -EINVAL; constructors and lookups return NULL (with
 * errno EINVAL for constructors); getters return 0, false or NULL; unref,
 * destroy and unregister accept NULL and do nothing; accesses return
 * MEMSPACE_ACCESS_DECODE_ERROR.
 */
#include <errno.h>
#include <stdio.h>

#include <memspace/access.h>
#include <memspace/cache.h>
#include <memspace/kvm.h>
#include <memspace/backend.h>
#include <memspace/export.h>
#include <memspace/guest-access.h>
#include <memspace/guest-memory.h>

#include "test-tree.h"

#define ATTRS ((struct memspace_attrs){ 0 })

static int
noop_slot(void *opaque, const struct memspace_kvm_memslot *m)
{
	return 0;
}

static int
noop_unmapped(void *opaque, const struct memspace_kvm_unmapped *u)
{
	return 0;
}

static int
noop_range(void *opaque, const struct memspace_section *sec)
{
	return 0;
}

#define assert_null_errno(call)                                               \
	do {                                                                  \
		errno = 0;                                                    \
		ck_assert_ptr_null(call);                                     \
		ck_assert_int_eq(errno, EINVAL);                              \
	} while (0)

START_TEST(null_context_and_region_functions)
{
	struct memspace_region *mr = tt_io("io", 0x1000);
	uint64_t v = 0;

	ck_assert_ptr_null(memspace_ref(NULL));
	ck_assert_ptr_null(memspace_unref(NULL));
	ck_assert_int_eq(memspace_transaction_begin(NULL), -EINVAL);
	ck_assert_int_eq(memspace_transaction_commit(NULL), -EINVAL);
	ck_assert_uint_eq(memspace_transaction_depth(NULL), 0);
	ck_assert_int_eq(memspace_show(NULL, stdout, 0), -EINVAL);
	ck_assert_int_eq(memspace_show(tt_ms, NULL, 0), -EINVAL);

	assert_null_errno(memspace_region_new_container(NULL, "c", 1));
	assert_null_errno(memspace_region_new_container(tt_ms, NULL, 1));
	assert_null_errno(memspace_region_new_ram(NULL, "r", 1, NULL));
	assert_null_errno(memspace_region_new_io(NULL, "i", 1, NULL, NULL));
	assert_null_errno(memspace_region_new_rom_device(NULL, "d", 1, NULL,
							 NULL, NULL));
	assert_null_errno(memspace_region_new_ram_device(NULL, "d", 1, NULL));
	assert_null_errno(memspace_region_new_alias(tt_ms, "a", NULL, 0, 1));
	ck_assert_ptr_null(memspace_region_ref(NULL));
	ck_assert_ptr_null(memspace_region_unref(NULL));

	ck_assert_int_eq(memspace_region_add_subregion(NULL, 0, mr), -EINVAL);
	ck_assert_int_eq(memspace_region_add_subregion(mr, 0, NULL), -EINVAL);
	ck_assert_int_eq(memspace_region_add_subregion_overlap(NULL, 0, mr, 1),
			 -EINVAL);
	ck_assert_int_eq(memspace_region_del_subregion(NULL, mr), -EINVAL);
	ck_assert_int_eq(memspace_region_set_enabled(NULL, true), -EINVAL);
	ck_assert_int_eq(memspace_region_set_readonly(NULL, true), -EINVAL);
	ck_assert_int_eq(memspace_region_set_nonvolatile(NULL, true), -EINVAL);
	ck_assert_int_eq(memspace_region_set_unmergeable(NULL, true), -EINVAL);
	ck_assert_int_eq(memspace_region_set_romd(NULL, true), -EINVAL);
	ck_assert_int_eq(memspace_region_set_address(NULL, 0), -EINVAL);
	ck_assert_int_eq(memspace_region_set_size(NULL, 0), -EINVAL);
	ck_assert_int_eq(memspace_region_set_alias_offset(NULL, 0), -EINVAL);
	ck_assert_int_eq(memspace_region_set_owner(NULL, "o"), -EINVAL);

	ck_assert_int_eq(memspace_region_get_kind(NULL), MEMSPACE_REGION_CONTAINER);
	ck_assert_ptr_null(memspace_region_get_name(NULL));
	ck_assert_ptr_null(memspace_region_get_owner(NULL));
	ck_assert_uint_eq(memspace_region_get_size(NULL), 0);
	ck_assert_uint_eq(memspace_region_get_address(NULL), 0);
	ck_assert_int_eq(memspace_region_get_priority(NULL), 0);
	ck_assert_ptr_null(memspace_region_get_parent(NULL));
	ck_assert_ptr_null(memspace_region_get_alias_target(NULL));
	ck_assert_uint_eq(memspace_region_get_alias_offset(NULL), 0);
	ck_assert_ptr_null(memspace_region_get_host_ptr(NULL));
	ck_assert(!memspace_region_is_enabled(NULL));
	ck_assert(!memspace_region_is_readonly(NULL));
	ck_assert(!memspace_region_is_nonvolatile(NULL));
	ck_assert(!memspace_region_is_romd(NULL));
	ck_assert(!memspace_region_is_terminating(NULL));

	ck_assert_int_eq(memspace_region_dispatch_read(NULL, 0, &v, 4, ATTRS),
			 MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_int_eq(memspace_region_dispatch_read(mr, 0, NULL, 4, ATTRS),
			 MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_int_eq(memspace_region_dispatch_write(NULL, 0, 1, 4, ATTRS),
			 MEMSPACE_ACCESS_DECODE_ERROR);
}
END_TEST

START_TEST(null_addrspace_view_and_access_functions)
{
	struct memspace_region *sys = tt_container("system", 0x10000);
	struct memspace_addrspace *as = tt_as("memory", sys);
	struct memspace_section sec;
	struct memspace_region_cache rc = { 0 };
	struct memspace_window_cache w;
	uint64_t off, len;
	uint32_t v = 0;

	assert_null_errno(memspace_addrspace_create(NULL, "a", sys));
	assert_null_errno(memspace_addrspace_create(tt_ms, NULL, sys));
	assert_null_errno(memspace_addrspace_create(tt_ms, "a", NULL));
	ck_assert_int_eq(memspace_addrspace_destroy(NULL), 0);
	ck_assert_ptr_null(memspace_addrspace_get_name(NULL));
	ck_assert_ptr_null(memspace_addrspace_get_root(NULL));
	ck_assert_ptr_null(memspace_addrspace_get_context(NULL));
	ck_assert_int_eq(memspace_addrspace_set_machine_ram(NULL, sys), -EINVAL);
	ck_assert_ptr_null(memspace_addrspace_get_machine_ram(NULL));
	ck_assert_int_eq(memspace_addrspace_set_hyp_ioeventfd_enabled(NULL, true),
			 -EINVAL);
	ck_assert(!memspace_addrspace_get_hyp_ioeventfd_enabled(NULL));
	ck_assert_ptr_null(memspace_addrspace_get_flatview(NULL));
	memspace_read_lock();
	ck_assert_ptr_null(memspace_addrspace_get_flatview_rcu(NULL));
	memspace_read_unlock();

	ck_assert_ptr_null(memspace_flatview_ref(NULL));
	memspace_flatview_unref(NULL);
	ck_assert_uint_eq(memspace_flatview_nr_ranges(NULL), 0);
	ck_assert_int_eq(memspace_flatview_get_range(NULL, 0, &sec), -EINVAL);
	ck_assert_int_eq(memspace_flatview_for_each(NULL, noop_range, NULL),
			 -EINVAL);
	ck_assert_ptr_null(memspace_flatview_get_root(NULL));
	ck_assert_int_eq(memspace_flatview_translate(NULL, 0, &sec, &off, &len),
			 -EINVAL);

	memspace_read_lock();
	ck_assert_int_eq(memspace_addrspace_translate(NULL, 0, &sec, &off, &len),
			 -EINVAL);
	ck_assert_int_eq(memspace_addrspace_translate(as, 0, NULL, &off, &len),
			 -EINVAL);
	ck_assert_int_eq(memspace_addrspace_read(NULL, 0, ATTRS, &v, 4),
			 MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_int_eq(memspace_addrspace_read(as, 0, ATTRS, NULL, 4),
			 MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_int_eq(memspace_addrspace_write(NULL, 0, ATTRS, &v, 4),
			 MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_int_eq(memspace_addrspace_write(as, 0, ATTRS, NULL, 4),
			 MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_int_eq(memspace_addrspace_rw(NULL, 0, ATTRS, &v, 4, false),
			 MEMSPACE_ACCESS_DECODE_ERROR);
	/* No bytes, no buffer needed. */
	ck_assert_int_eq(memspace_addrspace_read(as, 0, ATTRS, NULL, 0),
			 MEMSPACE_ACCESS_OK);
	ck_assert_int_eq(memspace_addrspace_get_region_cache(NULL, 0, &rc),
			 -EINVAL);
	ck_assert_int_eq(memspace_addrspace_get_region_cache(as, 0, NULL),
			 -EINVAL);
	ck_assert_ptr_null(memspace_addrspace_get_host_address_slow(NULL, 0,
								    &rc));
	ck_assert_ptr_null(memspace_addrspace_get_host_address_slow(as, 0,
								    NULL));
	memspace_read_unlock();

	ck_assert_int_eq(memspace_window_cache_init(NULL, as, 0, 4, false),
			 -EINVAL);
	ck_assert_int_eq(memspace_window_cache_init(&w, NULL, 0, 4, false),
			 -EINVAL);
	memspace_window_cache_finish(NULL);
	ck_assert_int_eq(memspace_window_cache_refresh(NULL), -EINVAL);
	ck_assert_int_eq(memspace_window_cache_read_slow(NULL, 0, &v, 4),
			 MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_int_eq(memspace_window_cache_write_slow(NULL, 0, &v, 4),
			 MEMSPACE_ACCESS_DECODE_ERROR);
}
END_TEST

START_TEST(null_listener_and_dirty_log_functions)
{
	static const struct memspace_listener_ops ops = {
		.version = MEMSPACE_LISTENER_OPS_VERSION,
	};
	uint64_t bm = 0;

	errno = 0;
	ck_assert_ptr_null(memspace_listener_register(NULL, &ops, NULL, 0, "l"));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(memspace_listener_unregister(NULL), 0);
	ck_assert_ptr_null(memspace_listener_get_name(NULL));
	ck_assert_int_eq(memspace_listener_get_priority(NULL), 0);
	ck_assert_ptr_null(memspace_listener_get_addrspace(NULL));
	ck_assert_int_eq(memspace_listener_get_error(NULL), -EINVAL);
	ck_assert_int_eq(memspace_listener_resync(NULL), -EINVAL);
	ck_assert_int_eq(memspace_region_add_eventfd(NULL, 0, 4, false, 0, 0),
			 -EINVAL);
	ck_assert_int_eq(memspace_region_del_eventfd(NULL, 0, 4, false, 0, 0),
			 -EINVAL);
	ck_assert_int_eq(memspace_region_add_coalescing(NULL, 0, 1), -EINVAL);
	ck_assert_int_eq(memspace_region_clear_coalescing(NULL), -EINVAL);
	ck_assert_int_eq(memspace_region_set_log(NULL, 1, true), -EINVAL);
	ck_assert_uint_eq(memspace_region_get_log(NULL), 0);
	ck_assert_int_eq(memspace_log_global_start(NULL), -EINVAL);
	ck_assert_int_eq(memspace_log_global_stop(NULL), -EINVAL);
	ck_assert(!memspace_log_global_is_on(NULL));
	ck_assert_int_eq(memspace_log_sync(NULL), -EINVAL);
	ck_assert_int_eq(memspace_log_sync_addrspace(NULL), -EINVAL);
	ck_assert_int_eq(memspace_log_sync_region(NULL), -EINVAL);
	ck_assert_int_eq(memspace_region_set_dirty(NULL, 0, 1), -EINVAL);
	ck_assert_int_eq(memspace_region_merge_dirty(NULL, 0, &bm, 1, 1),
			 -EINVAL);
	ck_assert(!memspace_region_test_dirty(NULL, 1, 0, 1));
	ck_assert_int_eq(memspace_region_get_and_clear_dirty(NULL, 1, 0, 1, &bm),
			 -EINVAL);
}
END_TEST

START_TEST(null_kvm_functions)
{
	struct memspace_kvm_memslot m;

	errno = 0;
	ck_assert_ptr_null(memspace_kvm_create_with_backend(NULL, NULL));
	ck_assert_int_eq(errno, EINVAL);
	memspace_kvm_destroy(NULL);
	ck_assert_int_eq(memspace_kvm_set_max_slot_size(NULL, 1 << 20), -EINVAL);
	ck_assert_uint_eq(memspace_kvm_get_nr_slots(NULL), 0);
	errno = 0;
	ck_assert_ptr_null(memspace_kvm_listener_register_memory(NULL, NULL, 0));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(memspace_kvm_listener_register_io(NULL, NULL));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(memspace_kvm_listener_unregister(NULL), 0);
	ck_assert_ptr_null(memspace_kvm_listener_get_listener(NULL));
	ck_assert(!memspace_kvm_listener_has_memory(NULL, 0, 1));
	ck_assert_uint_eq(memspace_kvm_listener_nr_slots(NULL), 0);
	ck_assert_int_eq(memspace_kvm_listener_for_each_slot(NULL, noop_slot,
							     NULL),
			 -EINVAL);
	ck_assert_int_eq(memspace_kvm_listener_for_each_unmapped(
				 NULL, noop_unmapped, NULL),
			 -EINVAL);
	ck_assert_int_eq(memspace_kvm_show(NULL, stdout, 0, NULL), -EINVAL);
	memspace_kvm_fake_destroy(NULL);
	memspace_kvm_fake_set_cap(NULL, 1, 1);
	memspace_kvm_fake_fail_call(NULL, 1, -EIO);
	ck_assert_ptr_null(memspace_kvm_fake_get_log(NULL));
	memspace_kvm_fake_clear_log(NULL);
	ck_assert_int_eq(memspace_kvm_fake_get_slot(NULL, 0, &m), -EINVAL);
	ck_assert_uint_eq(memspace_kvm_fake_nr_slots(NULL), 0);
	ck_assert_uint_eq(memspace_kvm_fake_nr_ioeventfds(NULL), 0);
	ck_assert_uint_eq(memspace_kvm_fake_nr_zones(NULL), 0);
	ck_assert_int_eq(memspace_kvm_fake_dirty_page(NULL, 0, 0), -EINVAL);
}
END_TEST

/* Functions of the guest-memory layer, the export and the KVM run glue. */
START_TEST(null_backend_functions)
{
	uint64_t off = 1;

	errno = 0;
	ck_assert_ptr_null(memspace_backend_new(NULL));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(memspace_backend_ref(NULL));
	ck_assert_ptr_null(memspace_backend_unref(NULL));
	ck_assert_int_eq(memspace_backend_prealloc(NULL, 0, 1, 1, NULL, NULL,
						   NULL),
			 -EINVAL);
	ck_assert_ptr_null(memspace_backend_get_host(NULL));
	ck_assert_uint_eq(memspace_backend_get_size(NULL), 0);
	ck_assert_uint_eq(memspace_backend_get_page_size(NULL), 0);
	ck_assert_int_eq(memspace_backend_get_fd(NULL, &off), -1);
	ck_assert(!memspace_backend_is_shared(NULL));
	ck_assert(!memspace_backend_is_readonly(NULL));
	ck_assert_ptr_null(memspace_region_get_backend(NULL, &off));
	ck_assert_uint_eq(memspace_region_get_page_size(NULL), 0);
	ck_assert_int_eq(memspace_region_get_fd(NULL, &off), -1);
	ck_assert_int_eq(memspace_section_get_fd(NULL, &off), -1);
	errno = 0;
	ck_assert_ptr_null(memspace_region_new_ram_backend(NULL, "r", NULL, 0,
							    0x1000));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(memspace_show_backends(NULL, stdout), -EINVAL);
	ck_assert_int_eq(memspace_show_backends(tt_ms, NULL), -EINVAL);
	ck_assert_int_eq(memspace_export_json(NULL, stdout), -EINVAL);
	ck_assert_int_eq(memspace_export_json(tt_ms, NULL), -EINVAL);
}
END_TEST

START_TEST(null_guest_memory_functions)
{
	struct memspace_guest_memory *gm = (void *)1;
	struct memspace_guest_region r;
	uint64_t v = 0;

	ck_assert_int_eq(memspace_guest_memory_create(NULL, NULL, NULL, 0, NULL,
						      &gm),
			 -EINVAL);
	ck_assert_int_eq(memspace_guest_memory_destroy(NULL), 0);
	memspace_guest_region_init(NULL, MEMSPACE_GUEST_DEFAULT_MEMORY, 0, 1);
	ck_assert_int_eq(memspace_guest_memory_insert(NULL, NULL, NULL),
			 -EINVAL);
	ck_assert_int_eq(memspace_guest_memory_remove(NULL, 0, 1), -EINVAL);
	ck_assert_uint_eq(memspace_guest_memory_count(NULL), 0);
	ck_assert_int_eq(memspace_guest_memory_find(NULL, 0, &r), -EINVAL);
	ck_assert_uint_eq(memspace_guest_memory_last_addr(NULL), 0);
	ck_assert(!memspace_guest_memory_is_dax(NULL, 0));
	ck_assert_int_eq(memspace_guest_memory_get_prot(NULL, 0), -EINVAL);
	ck_assert_int_eq(memspace_guest_memory_get_numa_node(NULL, 0),
			 -EINVAL);
	ck_assert_int_eq(memspace_guest_memory_walk(NULL, NULL, NULL), -EINVAL);
	ck_assert_ptr_null(memspace_guest_memory_get_layout(NULL));
	ck_assert_ptr_null(memspace_guest_memory_get_machine_ram(NULL));
	ck_assert_ptr_null(memspace_guest_memory_get_region(NULL, 0));
	ck_assert_int_eq(memspace_guest_split_ram(0, 1, 2, 3, 0, NULL),
			 -EINVAL);
	ck_assert(!memspace_addrspace_is_ram(NULL, 0, 1));
	ck_assert_int_eq(memspace_addrspace_ram_end(NULL, &v), -EINVAL);
	ck_assert_int_eq(memspace_addrspace_load(NULL, 0, 4, &v), -EINVAL);
	ck_assert_int_eq(memspace_addrspace_store(NULL, 0, 4, 0), -EINVAL);
	ck_assert_int_eq(memspace_addrspace_read_from_fd(NULL, 0, 0, 0, 1),
			 -EINVAL);
	ck_assert_int_eq(memspace_addrspace_write_to_fd(NULL, 0, 0, 0, 1),
			 -EINVAL);
	ck_assert(!memspace_flatview_is_ram(NULL, 0, 1));
	ck_assert_int_eq(memspace_flatview_ram_end(NULL, &v), -EINVAL);
	memspace_flatview_unmap(NULL, 0, 1, true);
	memspace_flatview_mark_dirty(NULL, 0, 1);
}
END_TEST

START_TEST(null_kvm_run_functions)
{
	struct memspace_attrs attrs = { 0 };

	ck_assert_int_eq(memspace_kvm_dispatch_io(NULL, NULL, 0, attrs),
			 -EINVAL);
	ck_assert_int_eq(memspace_kvm_dispatch_mmio(NULL, NULL, attrs),
			 -EINVAL);
	ck_assert_int_eq(memspace_kvm_drain_coalesced(NULL, NULL, NULL, 0,
						      attrs),
			 -EINVAL);
	errno = 0;
	ck_assert_ptr_null(memspace_kvm_vm_open(NULL, NULL, NULL));
	ck_assert_int_eq(errno, EINVAL);
	memspace_kvm_vm_close(NULL);
	ck_assert_int_eq(memspace_kvm_vm_get_fd(NULL), -1);
	ck_assert_ptr_null(memspace_kvm_vm_get_limits(NULL));
	ck_assert_ptr_null(memspace_kvm_vm_get_kvm(NULL));
	ck_assert_ptr_null(memspace_kvm_vm_get_memory_listener(NULL));
	errno = 0;
	ck_assert_ptr_null(memspace_kvm_vcpu_create(NULL, 0));
	ck_assert_int_eq(errno, EINVAL);
	memspace_kvm_vcpu_destroy(NULL);
	ck_assert_int_eq(memspace_kvm_vcpu_get_fd(NULL), -1);
	ck_assert_ptr_null(memspace_kvm_vcpu_get_run(NULL));
	ck_assert_int_eq(memspace_kvm_vcpu_handle_exit(NULL), -EINVAL);
	ck_assert_int_eq(memspace_kvm_vcpu_run(NULL, 1), -EINVAL);
}
END_TEST

static Suite *
null_suite(void)
{
	Suite *s = suite_create("null-args");
	TCase *tc = tcase_create("null:policy");

	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, null_context_and_region_functions);
	tcase_add_test(tc, null_addrspace_view_and_access_functions);
	tcase_add_test(tc, null_listener_and_dirty_log_functions);
	tcase_add_test(tc, null_kvm_functions);
	tcase_add_test(tc, null_backend_functions);
	tcase_add_test(tc, null_guest_memory_functions);
	tcase_add_test(tc, null_kvm_run_functions);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(null_suite)
