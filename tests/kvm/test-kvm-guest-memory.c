/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Guest memory on a real /dev/kvm: guest RAM on a memfd backend, mapped by
 * the KVM listener through a guest-memory object; a real-mode guest writes
 * it and the test sees the write through a second mapping of the memfd.
 * Then a DIMM is hot-added (the guest writes it), and hot-removed (the same
 * write becomes an MMIO exit): the slot table and the guest's exits show
 * each step.
 *
 * Guest physical map: 0x00000 RAM (640 KiB memfd; code at 0x1000),
 * 0xc0000 the DIMM's place (64 KiB memfd), RAM window [0, 0xe0000).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <glib.h>

#include <memspace/memspace.h>
#include <memspace/kvm.h>

#include "test-common.h"
#include "kvm-harness.h"

#define CODE 0x1000
#define RAM_SIZE 0xa0000
#define DIMM_BASE 0xc0000
#define DIMM_SIZE 0x10000

static struct {
	struct kvmh_vm vm;
	struct memspace *ms;
	struct memspace_region *root;
	struct memspace_addrspace *mem;
	struct memspace_kvm *kvm;
	struct memspace_kvm_listener *kl;
	struct memspace_backend *ram, *dimm;
	struct memspace_guest_memory *gm;
	uint8_t *ram_host;
} g;

static const struct memspace_guest_layout layout = {
	.phys_end = 0x100000, .mem_start = 0, .mem_end = 0xe0000
};

static struct memspace_backend *
memfd(uint64_t size, const char *name)
{
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_MEMFD,
					       .size = size,
					       .name = name,
					       .shared = true };
	struct memspace_backend *be = memspace_backend_new(&cfg);

	ck_assert_ptr_nonnull(be);
	return be;
}

/* A second, independent mapping of a backend's fd. */
static uint8_t *
second_mapping(struct memspace_backend *be)
{
	uint64_t off;
	int fd = memspace_backend_get_fd(be, &off);
	void *p = mmap(NULL, memspace_backend_get_size(be), PROT_READ,
		       MAP_SHARED, fd, (off_t)off);

	ck_assert_ptr_ne(p, MAP_FAILED);
	return p;
}

static void
setup(void)
{
	struct memspace_guest_region r;

	memset(&g, 0, sizeof(g));
	kvmh_vm_create(&g.vm);
	g.ms = memspace_new();
	g.root = memspace_region_new_container(g.ms, "system",
					       MEMSPACE_SIZE_2_64);
	g.mem = memspace_addrspace_create(g.ms, "memory", g.root);
	g.kvm = memspace_kvm_create(g.vm.vm_fd);
	ck_assert_ptr_nonnull(g.kvm);
	g.kl = memspace_kvm_listener_register_memory(g.kvm, g.mem, 0);
	ck_assert_ptr_nonnull(g.kl);
	g.ram = memfd(RAM_SIZE, "guest-ram");
	g.dimm = memfd(DIMM_SIZE, "dimm0");
	memspace_guest_region_init(&r, MEMSPACE_GUEST_DEFAULT_MEMORY, 0,
				   RAM_SIZE);
	r.backend = g.ram;
	ck_assert_int_eq(memspace_guest_memory_create(g.mem, &layout, &r, 1, NULL,
						   &g.gm),
			 0);
	g.ram_host = memspace_backend_get_host(g.ram);
	kvmh_vcpu_create(&g.vm, CODE);
}

static void
teardown(void)
{
	memspace_kvm_destroy(g.kvm);
	ck_assert_int_eq(memspace_guest_memory_destroy(g.gm), 0);
	ck_assert_int_eq(memspace_addrspace_destroy(g.mem), 0);
	memspace_region_unref(g.root);
	memspace_backend_unref(g.ram);
	memspace_backend_unref(g.dimm);
	memspace_unref(g.ms);
	kvmh_vm_destroy(&g.vm);
}

START_TEST(kvm_guest_writes_memfd_ram_seen_through_fd)
{
	uint8_t *view = second_mapping(g.ram);
	uint16_t v;

	ck_assert(kvmh_range_mapped(&g.vm, 0, RAM_SIZE));
	ck_assert(memspace_kvm_listener_has_memory(g.kl, 0, RAM_SIZE));
	KVMH_CODE(g.ram_host + CODE,
		  0xc7, 0x06, 0x00, 0x30, 0x34, 0x12,	/* mov word [0x3000], 0x1234 */
		  0xa1, 0x00, 0x30,			/* mov ax, [0x3000] */
		  0xe7, 0x10,				/* out 0x10, ax */
		  0xf4);
	kvmh_expect_out(&g.vm, 0x10, 0x1234, 2);
	kvmh_expect_hlt(&g.vm);
	memcpy(&v, view + 0x3000, 2);
	ck_assert_uint_eq(v, 0x1234);
	munmap(view, RAM_SIZE);
}
END_TEST

/* es = 0xc000; word es:[0] = 0x4242; out 0x10, es:[0]; hlt */
static void
code_dimm_write_read(void)
{
	KVMH_CODE(g.ram_host + CODE,
		  0xb8, 0x00, 0xc0, 0x8e, 0xc0,		/* es = 0xc000 */
		  0x26, 0xc7, 0x06, 0x00, 0x00, 0x42, 0x42,
							/* mov word es:[0], 0x4242 */
		  0x26, 0xa1, 0x00, 0x00,		/* mov ax, es:[0] */
		  0xe7, 0x10,				/* out 0x10, ax */
		  0xf4);
}

START_TEST(kvm_dimm_hot_add_write_hot_remove)
{
	struct memspace_guest_region r;
	uint8_t *view = second_mapping(g.dimm);
	uint16_t v;

	code_dimm_write_read();
	/* Before: nothing at the DIMM's place, the write exits. */
	ck_assert(!kvmh_range_mapped(&g.vm, DIMM_BASE, DIMM_SIZE));
	ck_assert_uint_eq(memspace_kvm_listener_nr_slots(g.kl), 1);
	kvmh_expect_mmio_write(&g.vm, DIMM_BASE, 0x4242, 2);
	kvmh_expect_mmio_read(&g.vm, DIMM_BASE, 0x1111, 2);
	kvmh_expect_out(&g.vm, 0x10, 0x1111, 2);
	kvmh_expect_hlt(&g.vm);

	/* Hot-add: a slot appears, the guest writes the DIMM's memfd. */
	memspace_guest_region_init(&r, MEMSPACE_GUEST_DEFAULT_MEMORY, DIMM_BASE,
				   DIMM_SIZE);
	r.backend = g.dimm;
	r.hotplug = true;
	r.name = "dimm0";
	ck_assert_int_eq(memspace_guest_memory_insert(g.gm, &r, NULL), 0);
	ck_assert(kvmh_range_mapped(&g.vm, DIMM_BASE, DIMM_SIZE));
	ck_assert(memspace_kvm_listener_has_memory(g.kl, DIMM_BASE, DIMM_SIZE));
	ck_assert_uint_eq(memspace_kvm_listener_nr_slots(g.kl), 2);
	kvmh_vcpu_restart(&g.vm, CODE);
	kvmh_expect_out(&g.vm, 0x10, 0x4242, 2);
	kvmh_expect_hlt(&g.vm);
	memcpy(&v, view, 2);
	ck_assert_uint_eq(v, 0x4242);

	/* Hot-remove: the slot goes, the same write exits again. */
	ck_assert_int_eq(memspace_guest_memory_remove(g.gm, DIMM_BASE,
						      DIMM_SIZE),
			 0);
	ck_assert(!kvmh_range_mapped(&g.vm, DIMM_BASE, DIMM_SIZE));
	ck_assert(!memspace_kvm_listener_has_memory(g.kl, DIMM_BASE, DIMM_SIZE));
	ck_assert_uint_eq(memspace_kvm_listener_nr_slots(g.kl), 1);
	ck_assert(kvmh_range_mapped(&g.vm, 0, RAM_SIZE));	/* RAM stays */
	kvmh_vcpu_restart(&g.vm, CODE);
	kvmh_expect_mmio_write(&g.vm, DIMM_BASE, 0x4242, 2);
	kvmh_expect_mmio_read(&g.vm, DIMM_BASE, 0x2222, 2);
	kvmh_expect_out(&g.vm, 0x10, 0x2222, 2);
	kvmh_expect_hlt(&g.vm);
	munmap(view, DIMM_SIZE);
}
END_TEST

static Suite *
kvm_guest_memory_suite(void)
{
	Suite *s = suite_create("kvm-guest-memory");
	TCase *tc = tcase_create("kvm:guest-memory");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, kvm_guest_writes_memfd_ram_seen_through_fd);
	tcase_add_test(tc, kvm_dimm_hot_add_write_hot_remove);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	if (!kvmh_usable()) {
		return KVMH_SKIP;
	}
	return test_run_suite(kvm_guest_memory_suite());
}
