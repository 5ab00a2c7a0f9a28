/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memspace's KVM listeners on a real /dev/kvm: a memory map built with
 * memspace, mapped by the KVM listeners with the ioctl backend, and tiny
 * real-mode guests (a handful of instructions each) that touch RAM, MMIO,
 * a doorbell with an ioeventfd, a ROM and a coalesced zone; then slot
 * checks, asking the kernel, after a BAR move, a RAM add and remove, a romd
 * toggle, and dirty logging switched on and synced.
 *
 * Guest physical map (real mode, segment bases only):
 *   0x00000 ram (640 KiB; code at 0x1000, data at 0x2000)
 *   0xb0000 / 0xc0000 free windows for the slot tests
 *   0xd0000 doorbell (I/O region, ioeventfd at +0x10)
 *   0xe0000 mmio (I/O region, no slot: exits)
 *   0xf0000 rom (64 KiB, read-only slot)
 * Port space: port 0x20 with a datamatch ioeventfd; 0x10 is the guest's
 * "print" port.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include <glib.h>

#include <memspace/memspace.h>
#include <memspace/kvm.h>

#include "test-common.h"
#include "kvm-harness.h"

#define CODE 0x1000

static struct {
	struct kvmh_vm vm;
	struct memspace *ms;
	GPtrArray *regions;
	struct memspace_region *root, *ram, *rom, *mmio, *doorbell, *port;
	struct memspace_addrspace *mem, *io;
	struct memspace_kvm *kvm;
	struct memspace_kvm_listener *kl;
	uint8_t *ram_host;
	void *bar_host;
} g;

static const struct memspace_region_ops no_ops = {
	.version = MEMSPACE_REGION_OPS_VERSION,
};

static struct memspace_region *
keep(struct memspace_region *mr)
{
	ck_assert_ptr_nonnull(mr);
	g_ptr_array_add(g.regions, mr);
	return mr;
}

static void
build_map(void)
{
	struct memspace_region *io_root;

	g.root = keep(memspace_region_new_container(g.ms, "system",
						    MEMSPACE_SIZE_2_64));
	g.ram = keep(memspace_region_new_ram(g.ms, "ram", 0xa0000, NULL));
	g.rom = keep(memspace_region_new_ram(g.ms, "rom", 0x10000, NULL));
	g.mmio = keep(memspace_region_new_io(g.ms, "mmio", 0x1000, &no_ops,
					     NULL));
	g.doorbell = keep(memspace_region_new_io(g.ms, "doorbell", 0x1000,
						 &no_ops, NULL));
	io_root = keep(memspace_region_new_io(g.ms, "io", 0x10000, &no_ops,
					      NULL));
	g.port = keep(memspace_region_new_io(g.ms, "port", 4, &no_ops, NULL));
	ck_assert_int_eq(memspace_region_set_readonly(g.rom, true), 0);
	ck_assert_int_eq(memspace_region_add_subregion(g.root, 0, g.ram), 0);
	ck_assert_int_eq(memspace_region_add_subregion(g.root, 0xd0000,
						       g.doorbell), 0);
	ck_assert_int_eq(memspace_region_add_subregion(g.root, 0xe0000,
						       g.mmio), 0);
	ck_assert_int_eq(memspace_region_add_subregion(g.root, 0xf0000, g.rom),
			 0);
	ck_assert_int_eq(memspace_region_add_subregion(io_root, 0x20, g.port),
			 0);
	g.mem = memspace_addrspace_create(g.ms, "memory", g.root);
	g.io = memspace_addrspace_create(g.ms, "I/O", io_root);
	ck_assert_ptr_nonnull(g.mem);
	ck_assert_ptr_nonnull(g.io);
	g.ram_host = memspace_region_get_host_ptr(g.ram);
}

static void
setup(void)
{
	memset(&g, 0, sizeof(g));
	kvmh_vm_create(&g.vm);
	g.ms = memspace_new();
	g.regions = g_ptr_array_new();
	build_map();
	g.kvm = memspace_kvm_create(g.vm.vm_fd);
	ck_assert_ptr_nonnull(g.kvm);
	g.kl = memspace_kvm_listener_register_memory(g.kvm, g.mem, 0);
	ck_assert_ptr_nonnull(g.kl);
	ck_assert_ptr_nonnull(memspace_kvm_listener_register_io(g.kvm, g.io));
	kvmh_vcpu_create(&g.vm, CODE);
}

static void
teardown(void)
{
	memspace_kvm_destroy(g.kvm);
	ck_assert_int_eq(memspace_addrspace_destroy(g.mem), 0);
	ck_assert_int_eq(memspace_addrspace_destroy(g.io), 0);
	for (guint i = 0; i < g.regions->len; i++) {
		memspace_region_unref(g.regions->pdata[i]);
	}
	g_ptr_array_free(g.regions, TRUE);
	memspace_unref(g.ms);
	if (g.bar_host) {
		munmap(g.bar_host, 0x10000);
	}
	kvmh_vm_destroy(&g.vm);
}

static void
put16(struct memspace_region *mr, uint64_t off, uint16_t v)
{
	memcpy((uint8_t *)memspace_region_get_host_ptr(mr) + off, &v, 2);
}

static uint16_t
get16(struct memspace_region *mr, uint64_t off)
{
	uint16_t v;

	memcpy(&v, (uint8_t *)memspace_region_get_host_ptr(mr) + off, 2);
	return v;
}

static uint64_t
eventfd_count(int fd)
{
	uint64_t v = 0;

	if (read(fd, &v, sizeof(v)) != sizeof(v)) {
		ck_assert_int_eq(errno, EAGAIN);
	}
	return v;
}

START_TEST(kvm_guest_reads_and_writes_ram)
{
	put16(g.ram, 0x2000, 0x1233);
	KVMH_CODE(g.ram_host + CODE,
		  0xa1, 0x00, 0x20,		/* mov ax, [0x2000] */
		  0x40,				/* inc ax */
		  0xa3, 0x02, 0x20,		/* mov [0x2002], ax */
		  0xe7, 0x10,			/* out 0x10, ax */
		  0xf4);			/* hlt */
	kvmh_expect_out(&g.vm, 0x10, 0x1234, 2);
	kvmh_expect_hlt(&g.vm);
	ck_assert_uint_eq(get16(g.ram, 0x2002), 0x1234);
}
END_TEST

START_TEST(kvm_guest_mmio_exits_to_userspace)
{
	KVMH_CODE(g.ram_host + CODE,
		  0xb8, 0x00, 0xe0,		/* mov ax, 0xe000 */
		  0x8e, 0xc0,			/* mov es, ax */
		  0x26, 0xc7, 0x06, 0x04, 0x00, 0x34, 0x12,
						/* mov word es:[4], 0x1234 */
		  0x26, 0xa1, 0x08, 0x00,	/* mov ax, es:[8] */
		  0xe7, 0x10,			/* out 0x10, ax */
		  0xf4);
	kvmh_expect_mmio_write(&g.vm, 0xe0004, 0x1234, 2);
	kvmh_expect_mmio_read(&g.vm, 0xe0008, 0x4321, 2);
	kvmh_expect_out(&g.vm, 0x10, 0x4321, 2);
	kvmh_expect_hlt(&g.vm);
}
END_TEST

START_TEST(kvm_guest_doorbell_signals_eventfd_without_exit)
{
	int bell = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	int pio = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	ck_assert_int_eq(memspace_region_add_eventfd(g.doorbell, 0x10, 2, false,
						     0, bell), 0);
	ck_assert_int_eq(memspace_region_add_eventfd(g.port, 0, 1, true, 0x5a,
						     pio), 0);
	/* memspace holds its own duplicates: the caller's may go. */
	KVMH_CODE(g.ram_host + CODE,
		  0xb8, 0x00, 0xd0,		/* mov ax, 0xd000 */
		  0x8e, 0xc0,			/* mov es, ax */
		  0x26, 0xc7, 0x06, 0x10, 0x00, 0x01, 0x00,
		  0x26, 0xc7, 0x06, 0x10, 0x00, 0x02, 0x00,
		  0x26, 0xc7, 0x06, 0x10, 0x00, 0x03, 0x00,
						/* 3 x mov word es:[0x10], n */
		  0xb0, 0x5a, 0xe6, 0x20,	/* mov al, 0x5a; out 0x20, al */
		  0xb0, 0x5b, 0xe6, 0x20,	/* mov al, 0x5b; out 0x20, al */
		  0xf4);
	/* Only the non-matching port write exits. */
	kvmh_expect_out(&g.vm, 0x20, 0x5b, 1);
	kvmh_expect_hlt(&g.vm);
	ck_assert_uint_eq(eventfd_count(bell), 3);
	ck_assert_uint_eq(eventfd_count(pio), 1);
	/* Without the ioeventfd the same write exits again. */
	ck_assert_int_eq(memspace_region_del_eventfd(g.doorbell, 0x10, 2, false,
						     0, bell), 0);
	close(bell);
	kvmh_vcpu_restart(&g.vm, CODE);
	kvmh_expect_mmio_write(&g.vm, 0xd0010, 1, 2);
	ck_assert_int_eq(memspace_region_del_eventfd(g.port, 0, 1, true, 0x5a,
						     pio), 0);
	close(pio);
}
END_TEST

START_TEST(kvm_guest_rom_write_exits_memory_unchanged)
{
	put16(g.rom, 0, 0xcafe);
	KVMH_CODE(g.ram_host + CODE,
		  0xb8, 0x00, 0xf0,		/* mov ax, 0xf000 */
		  0x8e, 0xc0,			/* mov es, ax */
		  0x26, 0xa1, 0x00, 0x00,	/* mov ax, es:[0] */
		  0xe7, 0x10,			/* out 0x10, ax */
		  0x26, 0xc7, 0x06, 0x00, 0x00, 0x55, 0x55,
						/* mov word es:[0], 0x5555 */
		  0x26, 0xa1, 0x00, 0x00,	/* mov ax, es:[0] */
		  0xe7, 0x10,			/* out 0x10, ax */
		  0xf4);
	kvmh_expect_out(&g.vm, 0x10, 0xcafe, 2);
	kvmh_expect_mmio_write(&g.vm, 0xf0000, 0x5555, 2);
	kvmh_expect_out(&g.vm, 0x10, 0xcafe, 2);
	kvmh_expect_hlt(&g.vm);
	ck_assert_uint_eq(get16(g.rom, 0), 0xcafe);
}
END_TEST

START_TEST(kvm_guest_coalesced_writes_buffered)
{
	long page = sysconf(_SC_PAGESIZE);
	struct kvm_coalesced_mmio_ring *ring;
	int off = ioctl(g.vm.kvm_fd, KVM_CHECK_EXTENSION,
			KVM_CAP_COALESCED_MMIO);

	ck_assert_int_gt(off, 0);
	ring = (void *)((uint8_t *)g.vm.run + off * page);
	ck_assert_int_eq(memspace_region_add_coalescing(g.mmio, 0, 0x100), 0);
	KVMH_CODE(g.ram_host + CODE,
		  0xb8, 0x00, 0xe0,		/* mov ax, 0xe000 */
		  0x8e, 0xc0,			/* mov es, ax */
		  0x26, 0xc7, 0x06, 0x04, 0x00, 0x34, 0x12,
						/* mov word es:[4], 0x1234 */
		  0x26, 0xc7, 0x06, 0x00, 0x02, 0x78, 0x56,
						/* mov word es:[0x200], ... */
		  0xf4);
	/* The first write lands in the ring, the second (outside the
	 * zone) exits. */
	kvmh_expect_mmio_write(&g.vm, 0xe0200, 0x5678, 2);
	ck_assert_uint_eq(ring->last - ring->first, 1);
	ck_assert_uint_eq(ring->coalesced_mmio[ring->first].phys_addr,
			  0xe0004);
	ck_assert_uint_eq(ring->coalesced_mmio[ring->first].len, 2);
	ring->first = ring->last;
	kvmh_expect_hlt(&g.vm);
	ck_assert_int_eq(memspace_region_clear_coalescing(g.mmio), 0);
	kvmh_vcpu_restart(&g.vm, CODE);
	kvmh_expect_mmio_write(&g.vm, 0xe0004, 0x1234, 2);
}
END_TEST

/* Real-mode code at @at: read word es:[0] with es = @seg, print it, halt. */
static void
code_read_print(uint64_t at, uint16_t seg)
{
	uint8_t *p = g.ram_host + at;

	KVMH_CODE(p, 0xb8, seg & 0xff, seg >> 8,	/* mov ax, seg */
		  0x8e, 0xc0,				/* mov es, ax */
		  0x26, 0xa1, 0x00, 0x00,		/* mov ax, es:[0] */
		  0xe7, 0x10,				/* out 0x10, ax */
		  0xf4);
}

START_TEST(kvm_slots_follow_bar_move)
{
	struct memspace_region *bar;

	g.bar_host = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ck_assert_ptr_ne(g.bar_host, MAP_FAILED);
	bar = keep(memspace_region_new_ram_device(g.ms, "bar", 0x10000,
						  g.bar_host));
	put16(bar, 0, 0xbeef);
	ck_assert(!kvmh_range_mapped(&g.vm, 0xb0000, 0x10000));
	ck_assert_int_eq(memspace_region_add_subregion(g.root, 0xb0000, bar),
			 0);
	ck_assert(kvmh_range_mapped(&g.vm, 0xb0000, 0x10000));
	ck_assert_int_eq(memspace_region_set_address(bar, 0xc0000), 0);
	ck_assert(!kvmh_range_mapped(&g.vm, 0xb0000, 0x10000));
	ck_assert(kvmh_range_mapped(&g.vm, 0xc0000, 0x10000));
	ck_assert(memspace_kvm_listener_has_memory(g.kl, 0xc0000, 0x10000));
	/* The guest finds the BAR at its new address, and a hole behind. */
	code_read_print(CODE, 0xc000);
	kvmh_expect_out(&g.vm, 0x10, 0xbeef, 2);
	kvmh_expect_hlt(&g.vm);
	code_read_print(CODE, 0xb000);
	kvmh_vcpu_restart(&g.vm, CODE);
	kvmh_expect_mmio_read(&g.vm, 0xb0000, 0x7777, 2);
	kvmh_expect_out(&g.vm, 0x10, 0x7777, 2);
	kvmh_expect_hlt(&g.vm);
}
END_TEST

START_TEST(kvm_slots_follow_ram_add_and_remove)
{
	struct memspace_region *hot = keep(memspace_region_new_ram(g.ms, "hot",
								   0x10000,
								   NULL));

	ck_assert_int_eq(memspace_region_add_subregion(g.root, 0xc0000, hot),
			 0);
	ck_assert(kvmh_range_mapped(&g.vm, 0xc0000, 0x10000));
	KVMH_CODE(g.ram_host + CODE,
		  0xb8, 0x00, 0xc0, 0x8e, 0xc0,	/* es = 0xc000 */
		  0x26, 0xc7, 0x06, 0x00, 0x00, 0x42, 0x42,
						/* mov word es:[0], 0x4242 */
		  0x26, 0xa1, 0x00, 0x00,	/* mov ax, es:[0] */
		  0xe7, 0x10, 0xf4);		/* out 0x10, ax; hlt */
	kvmh_expect_out(&g.vm, 0x10, 0x4242, 2);
	kvmh_expect_hlt(&g.vm);
	ck_assert_uint_eq(get16(hot, 0), 0x4242);
	ck_assert_int_eq(memspace_region_del_subregion(g.root, hot), 0);
	ck_assert(!kvmh_range_mapped(&g.vm, 0xc0000, 0x10000));
	kvmh_vcpu_restart(&g.vm, CODE);
	kvmh_expect_mmio_write(&g.vm, 0xc0000, 0x4242, 2);
}
END_TEST

START_TEST(kvm_slots_follow_romd_toggle)
{
	struct memspace_region *flash = keep(memspace_region_new_rom_device(
		g.ms, "flash", 0x10000, &no_ops, NULL, NULL));

	put16(flash, 0, 0x600d);
	ck_assert_int_eq(memspace_region_add_subregion(g.root, 0xc0000, flash),
			 0);
	ck_assert(kvmh_range_mapped(&g.vm, 0xc0000, 0x10000));
	code_read_print(CODE, 0xc000);
	kvmh_expect_out(&g.vm, 0x10, 0x600d, 2);
	kvmh_expect_hlt(&g.vm);
	/* Out of romd mode, reads go to the device: they exit. */
	ck_assert_int_eq(memspace_region_set_romd(flash, false), 0);
	ck_assert(!kvmh_range_mapped(&g.vm, 0xc0000, 0x10000));
	kvmh_vcpu_restart(&g.vm, CODE);
	kvmh_expect_mmio_read(&g.vm, 0xc0000, 0x1111, 2);
	kvmh_expect_out(&g.vm, 0x10, 0x1111, 2);
	kvmh_expect_hlt(&g.vm);
	ck_assert_int_eq(memspace_region_set_romd(flash, true), 0);
	ck_assert(kvmh_range_mapped(&g.vm, 0xc0000, 0x10000));
	kvmh_vcpu_restart(&g.vm, CODE);
	kvmh_expect_out(&g.vm, 0x10, 0x600d, 2);
	kvmh_expect_hlt(&g.vm);
}
END_TEST

/* The id of the slot mapping guest address 0. */
static int
find_low_slot(void *opaque, const struct memspace_kvm_memslot *m)
{
	if (m->guest_phys_addr == 0) {
		*(uint32_t *)opaque = m->slot;
		return 1;
	}
	return 0;
}

START_TEST(kvm_dirty_logging_on_and_synced)
{
	uint64_t bm[(0xa0000 / 4096 + 63) / 64];
	uint64_t page = memspace_dirty_page_size();
	uint32_t slot = UINT32_MAX;

	ck_assert_int_eq(memspace_kvm_listener_for_each_slot(g.kl,
							     find_low_slot,
							     &slot), 1);
	ck_assert(!kvmh_slot_logging(&g.vm, slot));
	ck_assert_int_eq(memspace_region_set_log(g.ram, MEMSPACE_DIRTY_VGA,
						 true), 0);
	ck_assert(kvmh_slot_logging(&g.vm, slot));
	KVMH_CODE(g.ram_host + CODE,
		  0xc7, 0x06, 0x00, 0x50, 0x99, 0x00,
						/* mov word [0x5000], 0x99 */
		  0xf4);
	kvmh_expect_hlt(&g.vm);
	ck_assert_int_eq(memspace_log_sync(g.ms), 0);
	ck_assert_int_eq(memspace_region_get_and_clear_dirty(
		g.ram, MEMSPACE_DIRTY_VGA, 0, 0xa0000, bm), 1);
	ck_assert_uint_eq(bm[0], 1ull << (0x5000 / page));
	/* Synced again with no new write: clean. */
	ck_assert_int_eq(memspace_log_sync(g.ms), 0);
	ck_assert_int_eq(memspace_region_get_and_clear_dirty(
		g.ram, MEMSPACE_DIRTY_VGA, 0, 0xa0000, NULL), 0);
	ck_assert_int_eq(memspace_region_set_log(g.ram, MEMSPACE_DIRTY_VGA,
						 false), 0);
	ck_assert(!kvmh_slot_logging(&g.vm, slot));
}
END_TEST

static Suite *
kvm_guest_suite(void)
{
	Suite *s = suite_create("kvm-guest");
	TCase *tg = tcase_create("kvm:guest");
	TCase *ts = tcase_create("kvm:slots");

	tcase_add_checked_fixture(tg, setup, teardown);
	tcase_add_test(tg, kvm_guest_reads_and_writes_ram);
	tcase_add_test(tg, kvm_guest_mmio_exits_to_userspace);
	tcase_add_test(tg, kvm_guest_doorbell_signals_eventfd_without_exit);
	tcase_add_test(tg, kvm_guest_rom_write_exits_memory_unchanged);
	tcase_add_test(tg, kvm_guest_coalesced_writes_buffered);
	suite_add_tcase(s, tg);
	tcase_add_checked_fixture(ts, setup, teardown);
	tcase_add_test(ts, kvm_slots_follow_bar_move);
	tcase_add_test(ts, kvm_slots_follow_ram_add_and_remove);
	tcase_add_test(ts, kvm_slots_follow_romd_toggle);
	tcase_add_test(ts, kvm_dirty_logging_on_and_synced);
	suite_add_tcase(s, ts);
	return s;
}

int
main(void)
{
	if (!kvmh_usable()) {
		return KVMH_SKIP;
	}
	return test_run_suite(kvm_guest_suite());
}
