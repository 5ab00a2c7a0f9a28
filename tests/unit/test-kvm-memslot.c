/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The KVM listeners against the fake backend, which enforces KVM's rules:
 * slot allocation and reuse, page trimming, read-only and dirty-log flags,
 * deletions before additions, in-place moves, romd toggles, dirty-log
 * merging, ioeventfds, coalesced zones, and failure injection with the
 * slot table staying equal to what the (fake) kernel has.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <memspace/kvm.h>

#include "test-common.h"
#include "test-tree.h"

static struct memspace_kvm_fake *fake;
static struct memspace_kvm *kvm;
static GPtrArray *pages;	/* page-aligned host buffers */

static void
setup(void)
{
	tt_setup();
	fake = memspace_kvm_fake_create();
	pages = g_ptr_array_new_with_free_func(g_aligned_free);
}

static void
teardown(void)
{
	memspace_kvm_destroy(kvm);
	kvm = NULL;
	tt_teardown();
	memspace_kvm_fake_destroy(fake);
	g_ptr_array_free(pages, TRUE);
}

/* A RAM device (a VFIO BAR, say) on page-aligned memory. */
static struct memspace_region *
bar_new(const char *name, uint64_t size)
{
	void *host = g_aligned_alloc0(1, size, 0x1000);

	g_ptr_array_add(pages, host);
	return tt_keep(memspace_region_new_ram_device(tt_ms, name, size, host));
}

static void
kvm_start(void)
{
	kvm = memspace_kvm_create_with_backend(memspace_kvm_fake_backend(), fake);
	ck_assert_ptr_nonnull(kvm);
}

static struct memspace_kvm_listener *
register_memory(struct memspace_addrspace *as)
{
	struct memspace_kvm_listener *kl;

	if (!kvm) {
		kvm_start();
	}
	kl = memspace_kvm_listener_register_memory(kvm, as, 0);
	ck_assert_msg(kl != NULL, "register: %s", g_strerror(errno));
	return kl;
}

static int
format_slot(void *opaque, const struct memspace_kvm_memslot *m)
{
	static const char *const names[] = { "-", "log", "ro", "log,ro" };

	g_string_append_printf(opaque, "%u %" PRIx64 "+%" PRIx64 " %s\n",
			       m->slot, m->guest_phys_addr, m->memory_size,
			       names[m->flags & 3]);
	return 0;
}

/* Check fake kernel and listener agree on every slot. */
static int
check_kernel(void *opaque, const struct memspace_kvm_memslot *m)
{
	struct memspace_kvm_memslot k;

	ck_assert_int_eq(memspace_kvm_fake_get_slot(fake, m->slot, &k), 0);
	ck_assert_uint_eq(k.guest_phys_addr, m->guest_phys_addr);
	ck_assert_uint_eq(k.memory_size, m->memory_size);
	ck_assert_uint_eq(k.userspace_addr, m->userspace_addr);
	ck_assert_uint_eq(k.flags, m->flags);
	return 0;
}

/* The slot table, one "id gpa+size flags" line per slot. */
static void
expect_slots_(struct memspace_kvm_listener *kl, const char *const *lines,
	      const char *file, int line)
{
	GString *got = g_string_new(NULL), *want = g_string_new(NULL);

	ck_assert_int_eq(memspace_kvm_listener_for_each_slot(kl, format_slot,
							     got), 0);
	for (size_t i = 0; lines[i]; i++) {
		g_string_append_printf(want, "%s\n", lines[i]);
	}
	if (strcmp(got->str, want->str)) {
		ck_abort_msg("%s:%d: slots\nexpected:\n%sgot:\n%s", file, line,
			     want->str, got->str);
	}
	ck_assert_int_eq(memspace_kvm_listener_for_each_slot(kl, check_kernel,
							     NULL), 0);
	ck_assert_uint_eq(memspace_kvm_fake_nr_slots(fake),
			  memspace_kvm_listener_nr_slots(kl));
	g_string_free(got, TRUE);
	g_string_free(want, TRUE);
}
#define expect_slots(kl, ...)                                                 \
	expect_slots_((kl), (const char *const[]){ __VA_ARGS__, NULL },        \
		      __FILE__, __LINE__)
#define expect_no_slots(kl)                                                   \
	expect_slots_((kl), (const char *const[]){ NULL }, __FILE__, __LINE__)

/* Compare the fake's call log since the last check, then clear it. */
static void
expect_calls_(const char *const *lines, const char *file, int line)
{
	GString *want = g_string_new(NULL);
	const char *got = memspace_kvm_fake_get_log(fake);

	for (size_t i = 0; lines[i]; i++) {
		g_string_append_printf(want, "%s\n", lines[i]);
	}
	if (strcmp(got, want->str)) {
		ck_abort_msg("%s:%d: kernel calls\nexpected:\n%sgot:\n%s", file,
			     line, want->str, got);
	}
	g_string_free(want, TRUE);
	memspace_kvm_fake_clear_log(fake);
}
#define expect_calls(...)                                                     \
	expect_calls_((const char *const[]){ __VA_ARGS__, NULL }, __FILE__,    \
		      __LINE__)
#define expect_no_calls()                                                     \
	expect_calls_((const char *const[]){ NULL }, __FILE__, __LINE__)

static struct memspace_region *
tt_rom(const char *name, uint64_t size)
{
	struct memspace_region *mr = tt_ram(name, size);

	ck_assert_int_eq(memspace_region_set_readonly(mr, true), 0);
	return mr;
}

START_TEST(kvm_maps_backed_ranges_trimmed_to_pages)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_addrspace *as;
	struct memspace_kvm_listener *kl;

	tt_add(root, 0, tt_ram("ram", 0xa0000));
	tt_add(root, 0xa0000, tt_io("vga", 0x20000));
	tt_add(root, 0xc0000, tt_rom("rom", 0x20000));
	/* Sub-page edges are trimmed; a sub-page range gets nothing. */
	tt_add(root, 0x100000, tt_ram("odd", 0x3000));
	tt_add_prio(root, 0x100000, tt_io("lo", 0x800), 1);
	tt_add_prio(root, 0x102800, tt_io("hi", 0x800), 1);
	tt_add(root, 0x200000, tt_ram("tiny", 0x800));
	tt_add(root, 0xe0000000, bar_new("bar", 0x10000));
	tt_add(root, 0xfff00000, tt_romdev("flash", 0x100000));
	as = tt_as("memory", root);
	kl = register_memory(as);
	expect_slots(kl, "0 0+a0000 -", "1 c0000+20000 ro", "2 101000+1000 -",
		     "3 e0000000+10000 -", "4 fff00000+100000 ro");
	ck_assert(memspace_kvm_listener_has_memory(kl, 0, 0xa0000));
	ck_assert(!memspace_kvm_listener_has_memory(kl, 0, 0x9f000));
	ck_assert(memspace_kvm_listener_has_memory(kl, 0x101000, 0x1000));
	ck_assert(!memspace_kvm_listener_has_memory(kl, 0x100800, 0x2000));
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
	ck_assert_uint_eq(memspace_kvm_fake_nr_slots(fake), 0);
}
END_TEST

START_TEST(kvm_lowest_free_id_is_reused)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *b = tt_ram("b", 0x1000);
	struct memspace_region *c = tt_ram("c", 0x1000);
	struct memspace_kvm_listener *kl;

	tt_add(root, 0x10000, a);
	tt_add(root, 0x20000, b);
	kl = register_memory(tt_as("memory", root));
	expect_slots(kl, "0 10000+1000 -", "1 20000+1000 -");
	ck_assert_int_eq(memspace_region_del_subregion(root, a), 0);
	tt_add(root, 0x30000, c);
	expect_slots(kl, "0 30000+1000 -", "1 20000+1000 -");
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
}
END_TEST

START_TEST(kvm_deletes_before_adds)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *ram = tt_ram("ram", 0x4000);
	struct memspace_region *io = tt_io("io", 0x1000);
	struct memspace_kvm_listener *kl;

	tt_add(root, 0, ram);
	kl = register_memory(tt_as("memory", root));
	memspace_kvm_fake_clear_log(fake);
	tt_add_prio(root, 0x1000, io, 1);
	expect_calls("delete slot=0 = 0",
		     "set slot=0 gpa=0x0 size=0x1000 flags=- = 0",
		     "set slot=1 gpa=0x2000 size=0x2000 flags=- = 0");
	expect_slots(kl, "0 0+1000 -", "1 2000+2000 -");
	ck_assert_int_eq(memspace_region_del_subregion(root, io), 0);
	expect_calls("delete slot=0 = 0", "delete slot=1 = 0",
		     "set slot=0 gpa=0x0 size=0x4000 flags=- = 0");
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
}
END_TEST

START_TEST(kvm_bar_move_is_one_ioctl)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *bar = bar_new("bar", 0x10000);
	struct memspace_kvm_listener *kl;

	tt_add(root, 0, tt_ram("ram", 0x10000));
	tt_add(root, 0xe0000000, bar);
	kl = register_memory(tt_as("memory", root));
	memspace_kvm_fake_clear_log(fake);
	ck_assert_int_eq(memspace_region_set_address(bar, 0xf0000000), 0);
	expect_calls("set slot=1 gpa=0xf0000000 size=0x10000 flags=- = 0");
	expect_slots(kl, "0 0+10000 -", "1 f0000000+10000 -");
	/* A resize cannot be done in place. */
	ck_assert_int_eq(memspace_region_set_size(bar, 0x8000), 0);
	expect_calls("delete slot=1 = 0",
		     "set slot=1 gpa=0xf0000000 size=0x8000 flags=- = 0");
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
}
END_TEST

START_TEST(kvm_bar_swap_falls_back_where_needed)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *a = bar_new("a", 0x10000);
	struct memspace_region *b = bar_new("b", 0x10000);
	struct memspace_kvm_listener *kl;

	tt_add(root, 0xe0000000, a);
	tt_add(root, 0xe0010000, b);
	kl = register_memory(tt_as("memory", root));
	memspace_kvm_fake_clear_log(fake);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_region_set_address(a, 0xe0010000), 0);
	ck_assert_int_eq(memspace_region_set_address(b, 0xe0000000), 0);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	expect_calls("delete slot=0 = 0",
		     "set slot=1 gpa=0xe0000000 size=0x10000 flags=- = 0",
		     "set slot=0 gpa=0xe0010000 size=0x10000 flags=- = 0");
	expect_slots(kl, "0 e0010000+10000 -", "1 e0000000+10000 -");
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
}
END_TEST

START_TEST(kvm_romd_toggle_unmaps_and_maps)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *flash = tt_romdev("flash", 0x20000);
	struct memspace_kvm_listener *kl;

	tt_add(root, 0xffe00000, flash);
	kl = register_memory(tt_as("memory", root));
	expect_slots(kl, "0 ffe00000+20000 ro");
	memspace_kvm_fake_clear_log(fake);
	ck_assert_int_eq(memspace_region_set_romd(flash, false), 0);
	expect_calls("delete slot=0 = 0");
	expect_no_slots(kl);
	ck_assert_int_eq(memspace_region_set_romd(flash, true), 0);
	expect_calls("set slot=0 gpa=0xffe00000 size=0x20000 flags=ro = 0");
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
}
END_TEST

START_TEST(kvm_readonly_change_is_delete_add)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *r = tt_ram("r", 0x2000);
	struct memspace_kvm_listener *kl;

	tt_add(root, 0, r);
	kl = register_memory(tt_as("memory", root));
	memspace_kvm_fake_clear_log(fake);
	ck_assert_int_eq(memspace_region_set_readonly(r, true), 0);
	expect_calls("delete slot=0 = 0",
		     "set slot=0 gpa=0x0 size=0x2000 flags=ro = 0");
	ck_assert_int_eq(memspace_listener_get_error(
		memspace_kvm_listener_get_listener(kl)), 0);
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
}
END_TEST

START_TEST(kvm_readonly_without_capability_stays_unmapped)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_kvm_listener *kl;

	memspace_kvm_fake_set_cap(fake, MEMSPACE_KVM_CAP_READONLY_MEM, 0);
	tt_add(root, 0, tt_ram("ram", 0x1000));
	tt_add(root, 0x10000, tt_rom("rom", 0x1000));
	kl = register_memory(tt_as("memory", root));
	expect_slots(kl, "0 0+1000 -");
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
}
END_TEST

START_TEST(kvm_dirty_logging_flips_flag_and_merges_log)
{
	uint64_t ps = memspace_dirty_page_size();
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *ram = tt_ram("ram", 0x10000);
	struct memspace_kvm_listener *kl;
	uint64_t bm[1];

	tt_add(root, 0x100000, ram);
	tt_add(root, 0, tt_rom("rom", 0x1000));
	kl = register_memory(tt_as("memory", root));
	memspace_kvm_fake_clear_log(fake);
	ck_assert_int_eq(memspace_region_set_log(ram, MEMSPACE_DIRTY_VGA, true),
			 0);
	expect_calls("set slot=1 gpa=0x100000 size=0x10000 flags=log = 0");
	ck_assert_int_eq(memspace_kvm_fake_dirty_page(fake, 1, 3), 0);
	ck_assert_int_eq(memspace_log_sync(tt_ms), 0);
	expect_calls("dirty_log slot=1 = 0");
	ck_assert_int_eq(memspace_region_get_and_clear_dirty(
		ram, MEMSPACE_DIRTY_VGA, 0, 0x10000, bm), 1);
	ck_assert_uint_eq(bm[0], 1ull << (3 * 0x1000 / ps));
	/* The log is read one last time before the flag goes. */
	ck_assert_int_eq(memspace_region_set_log(ram, MEMSPACE_DIRTY_VGA,
						 false), 0);
	expect_calls("dirty_log slot=1 = 0",
		     "set slot=1 gpa=0x100000 size=0x10000 flags=- = 0");
	expect_slots(kl, "0 0+1000 ro", "1 100000+10000 -");
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
}
END_TEST

START_TEST(kvm_global_logging_covers_ram_and_rom)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *ram = tt_ram("ram", 0x4000);
	struct memspace_kvm_listener *kl;

	tt_add(root, 0, ram);
	tt_add(root, 0x10000, tt_rom("rom", 0x1000));
	tt_add(root, 0x20000, bar_new("bar", 0x1000));
	kl = register_memory(tt_as("memory", root));
	ck_assert_int_eq(memspace_log_global_start(tt_ms), 0);
	expect_slots(kl, "0 0+4000 log", "1 10000+1000 log,ro",
		     "2 20000+1000 -");
	memspace_kvm_fake_clear_log(fake);
	/* Deleting a logged slot merges its last writes first. */
	ck_assert_int_eq(memspace_kvm_fake_dirty_page(fake, 0, 2), 0);
	ck_assert_int_eq(memspace_region_del_subregion(root, ram), 0);
	expect_calls("dirty_log slot=0 = 0", "delete slot=0 = 0");
	ck_assert(memspace_region_test_dirty(ram, MEMSPACE_DIRTY_MIGRATION,
					     0x2000, 1));
	ck_assert_int_eq(memspace_log_global_stop(tt_ms), 0);
	expect_slots(kl, "1 10000+1000 ro", "2 20000+1000 -");
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
}
END_TEST

START_TEST(kvm_large_range_split_at_max_slot_size)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *ram = tt_ram("ram", 0x30000);
	struct memspace_kvm_listener *kl;

	kvm_start();
	ck_assert_int_eq(memspace_kvm_set_max_slot_size(kvm, 0x10000), 0);
	ck_assert_int_eq(memspace_kvm_set_max_slot_size(kvm, 0x10001),
			 -EINVAL);
	tt_add(root, 0, ram);
	kl = register_memory(tt_as("memory", root));
	expect_slots(kl, "0 0+10000 -", "1 10000+10000 -", "2 20000+10000 -");
	ck_assert_int_eq(memspace_region_set_address(ram, 0x100000), 0);
	expect_slots(kl, "0 100000+10000 -", "1 110000+10000 -",
		     "2 120000+10000 -");
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
	ck_assert_uint_eq(memspace_kvm_fake_nr_slots(fake), 0);
}
END_TEST

START_TEST(kvm_unaligned_host_memory_not_mapped)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	uint8_t *buf = tt_buffer(0x4000);
	uint8_t *host = (uint8_t *)(((uintptr_t)buf + 0xfff) & ~0xfffull) + 8;
	struct memspace_kvm_listener *kl;

	tt_add(root, 0, tt_keep(memspace_region_new_ram(tt_ms, "skew", 0x2000,
							host)));
	kl = register_memory(tt_as("memory", root));
	expect_no_slots(kl);
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
}
END_TEST

/* The ranges without a slot, one "start-last name@offset reason" line each. */
static int
format_unmapped(void *opaque, const struct memspace_kvm_unmapped *u)
{
	g_string_append_printf(opaque, "%" PRIx64 "-%" PRIx64 " %s@%" PRIx64
				       " %s\n",
			       u->start, u->last, memspace_region_get_name(u->mr),
			       u->offset_in_region,
			       memspace_kvm_unmapped_reason_name(u->reason));
	return 0;
}

static void
expect_unmapped_(struct memspace_kvm_listener *kl, const char *const *lines,
		 const char *file, int line)
{
	g_autoptr(GString) got = g_string_new(NULL);
	g_autoptr(GString) want = g_string_new(NULL);

	ck_assert_int_eq(memspace_kvm_listener_for_each_unmapped(
				 kl, format_unmapped, got), 0);
	for (size_t i = 0; lines[i]; i++) {
		g_string_append_printf(want, "%s\n", lines[i]);
	}
	if (strcmp(got->str, want->str)) {
		ck_abort_msg("%s:%d: unmapped\nexpected:\n%sgot:\n%s", file,
			     line, want->str, got->str);
	}
}
#define expect_unmapped(kl, ...)                                              \
	expect_unmapped_((kl), (const char *const[]){ __VA_ARGS__, NULL },     \
			 __FILE__, __LINE__)

/* RAM that gets no slot says so, with the reason. */
START_TEST(kvm_unmapped_ram_reported_with_reason)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	uint8_t *buf = tt_buffer(0x6000);
	uint8_t *page = (uint8_t *)(((uintptr_t)buf + 0xfff) & ~0xfffull);
	struct memspace_region *skew = tt_keep(
		memspace_region_new_ram(tt_ms, "skew", 0x2000, page + 8));
	struct memspace_region *rom = tt_rom("rom", 0x800);
	struct memspace_region *ram = tt_keep(
		memspace_region_new_ram(tt_ms, "ram", 0x2000, page + 0x2000));
	struct memspace_kvm_listener *kl;

	tt_add(root, 0x10000, skew);
	tt_add(root, 0x20000, rom);
	tt_add(root, 0x30800, ram); /* host page-aligned, guest not */
	kl = register_memory(tt_as("memory", root));
	expect_unmapped(kl,
			"10000-11fff skew@0 host address not page-congruent "
			"with guest address",
			"20000-207ff rom@0 partial host page",
			"30800-327ff ram@0 host address not page-congruent "
			"with guest address");
	ck_assert_int_eq(memspace_region_set_address(ram, 0x30000), 0);
	ck_assert_int_eq(memspace_region_set_size(ram, 0x1800), 0);
	expect_unmapped(kl,
			"10000-11fff skew@0 host address not page-congruent "
			"with guest address",
			"20000-207ff rom@0 partial host page",
			"31000-317ff ram@1000 partial host page");
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
}
END_TEST

START_TEST(kvm_unmapped_rom_without_readonly_capability)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *rom = tt_rom("rom", 0x2000);
	struct memspace_kvm_listener *kl;

	memspace_kvm_fake_set_cap(fake, MEMSPACE_KVM_CAP_READONLY_MEM, 0);
	tt_add(root, 0x20000, rom);
	kl = register_memory(tt_as("memory", root));
	expect_no_slots(kl);
	expect_unmapped(kl, "20000-21fff rom@0 read-only memory without "
			    "KVM_CAP_READONLY_MEM");
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
}
END_TEST

START_TEST(kvm_failed_add_keeps_table_consistent)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_kvm_listener *kl;
	struct memspace_listener *l;

	kl = register_memory(tt_as("memory", root));
	l = memspace_kvm_listener_get_listener(kl);
	memspace_kvm_fake_fail_call(fake, 1, -ENOMEM);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	tt_add(root, 0, tt_ram("a", 0x1000));
	tt_add(root, 0x10000, tt_ram("b", 0x1000));
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), -EREMOTEIO);
	expect_calls("set slot=0 gpa=0x0 size=0x1000 flags=- = -12",
		     "set slot=0 gpa=0x10000 size=0x1000 flags=- = 0");
	expect_slots(kl, "0 10000+1000 -");
	ck_assert_int_eq(memspace_listener_get_error(l), -ENOMEM);
	/* Resync: the mapped range stays put (no call), the missing one
	 * is added. */
	memspace_kvm_fake_clear_log(fake);
	ck_assert_int_eq(memspace_listener_resync(l), 0);
	expect_calls("set slot=1 gpa=0x0 size=0x1000 flags=- = 0");
	expect_slots(kl, "0 10000+1000 -", "1 0+1000 -");
	ck_assert_int_eq(memspace_listener_get_error(l), 0);
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
}
END_TEST

START_TEST(kvm_failed_delete_is_retried)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_kvm_listener *kl;

	tt_add(root, 0, a);
	kl = register_memory(tt_as("memory", root));
	memspace_kvm_fake_clear_log(fake);
	/* A failed in-place move falls back to delete + add. */
	memspace_kvm_fake_fail_call(fake, 1, -EIO);
	ck_assert_int_eq(memspace_region_set_address(a, 0x1000), -EREMOTEIO);
	expect_calls("set slot=0 gpa=0x1000 size=0x1000 flags=- = -5",
		     "delete slot=0 = 0",
		     "set slot=0 gpa=0x1000 size=0x1000 flags=- = 0");
	expect_slots(kl, "0 1000+1000 -");
	/* A failed delete leaves the slot where the kernel has it. */
	memspace_kvm_fake_fail_call(fake, 1, -EIO);
	ck_assert_int_eq(memspace_region_del_subregion(root, a), -EREMOTEIO);
	expect_calls("delete slot=0 = -5");
	expect_slots(kl, "0 1000+1000 -");
	/* The next commit deletes the stale slot before anything else. */
	tt_add(root, 0x1000, tt_ram("b", 0x1000));
	expect_calls("delete slot=0 = 0",
		     "set slot=0 gpa=0x1000 size=0x1000 flags=- = 0");
	expect_slots(kl, "0 1000+1000 -");
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
}
END_TEST

START_TEST(kvm_out_of_slots_reported)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_kvm_listener *kl;

	memspace_kvm_fake_set_cap(fake, MEMSPACE_KVM_CAP_NR_MEMSLOTS, 2);
	kl = register_memory(tt_as("memory", root));
	ck_assert_uint_eq(memspace_kvm_get_nr_slots(kvm), 2);
	tt_add(root, 0, tt_ram("a", 0x1000));
	tt_add(root, 0x10000, tt_ram("b", 0x1000));
	ck_assert_int_eq(memspace_region_add_subregion(root, 0x20000,
						       tt_ram("c", 0x1000)),
			 -EREMOTEIO);
	ck_assert_int_eq(memspace_listener_get_error(
		memspace_kvm_listener_get_listener(kl)), -ENOSPC);
	expect_slots(kl, "0 0+1000 -", "1 10000+1000 -");
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
}
END_TEST

START_TEST(kvm_register_arguments_checked)
{
	struct memspace_addrspace *as = tt_as("memory",
					      tt_container("root", 0x10000));
	struct memspace_kvm_backend incomplete = {
		.version = MEMSPACE_KVM_BACKEND_VERSION,
	};
	struct memspace_kvm_listener *kl;

	kvm_start();
	errno = 0;
	ck_assert_ptr_null(memspace_kvm_create_with_backend(&incomplete, NULL));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(memspace_kvm_create(-1));
	ck_assert_int_eq(errno, EBADF);
	ck_assert_ptr_null(memspace_kvm_listener_register_memory(kvm, as, 1));
	ck_assert_int_eq(errno, EINVAL);
	kl = register_memory(as);
	ck_assert_ptr_null(memspace_kvm_listener_register_memory(kvm, as, 0));
	ck_assert_int_eq(errno, EBUSY);
	ck_assert(memspace_addrspace_get_hyp_ioeventfd_enabled(as));
	ck_assert_int_eq(memspace_listener_get_priority(
		memspace_kvm_listener_get_listener(kl)),
		MEMSPACE_LISTENER_PRIORITY_ACCEL);
	ck_assert_int_eq(memspace_kvm_listener_unregister(NULL), 0);
	/* memspace_kvm_destroy() in the teardown unregisters @kl. */
}
END_TEST

START_TEST(kvm_destroyed_addrspace_loses_its_slots)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_addrspace *as;
	struct memspace_kvm_listener *kl;

	tt_add(root, 0, tt_ram("a", 0x1000));
	as = tt_as("memory", root);
	kl = register_memory(as);
	ck_assert_uint_eq(memspace_kvm_fake_nr_slots(fake), 1);
	tt_as_destroy(as);
	ck_assert_uint_eq(memspace_kvm_fake_nr_slots(fake), 0);
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
}
END_TEST

START_TEST(kvm_ioeventfds_mmio_and_pio)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *io_root = tt_io("io", 0x10000);
	struct memspace_region *dev = tt_io("virtio", 0x1000);
	struct memspace_region *port = tt_io("port", 0x10);
	struct memspace_addrspace *as, *ioas;
	struct memspace_kvm_listener *kl, *kio;
	int efd = eventfd(0, EFD_CLOEXEC);

	tt_add(root, 0xfe000000, dev);
	tt_add(io_root, 0x20, port);
	as = tt_as("memory", root);
	ioas = tt_as("I/O", io_root);
	kl = register_memory(as);
	kio = memspace_kvm_listener_register_io(kvm, ioas);
	ck_assert_ptr_nonnull(kio);
	memspace_kvm_fake_clear_log(fake);
	ck_assert_int_eq(memspace_region_add_eventfd(dev, 0x10, 2, true, 1,
						     efd), 0);
	ck_assert_int_eq(memspace_region_add_eventfd(port, 0, 0, false, 0,
						     efd), 0);
	expect_calls("ioeventfd assign addr=0xfe000010 len=2 datamatch = 0",
		     "ioeventfd assign pio addr=0x20 len=0 = 0");
	ck_assert_uint_eq(memspace_kvm_fake_nr_ioeventfds(fake), 2);
	/* Moving the device moves its doorbell: deassign, then assign. */
	ck_assert_int_eq(memspace_region_set_address(dev, 0xfd000000), 0);
	expect_calls("ioeventfd deassign addr=0xfe000010 len=2 datamatch = 0",
		     "ioeventfd assign addr=0xfd000010 len=2 datamatch = 0");
	ck_assert_int_eq(memspace_kvm_listener_unregister(kio), 0);
	expect_calls("ioeventfd deassign pio addr=0x20 len=0 = 0");
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
	ck_assert_uint_eq(memspace_kvm_fake_nr_ioeventfds(fake), 0);
	close(efd);
}
END_TEST

START_TEST(kvm_ioeventfd_failure_then_delete_is_quiet)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_kvm_listener *kl;
	int efd = eventfd(0, EFD_CLOEXEC);

	tt_add(root, 0xfe000000, dev);
	kl = register_memory(tt_as("memory", root));
	memspace_kvm_fake_clear_log(fake);
	memspace_kvm_fake_fail_call(fake, 1, -EBADF);
	ck_assert_int_eq(memspace_region_add_eventfd(dev, 0, 4, false, 0, efd),
			 -EREMOTEIO);
	ck_assert_int_eq(memspace_region_del_eventfd(dev, 0, 4, false, 0, efd),
			 0);
	expect_calls("ioeventfd assign addr=0xfe000000 len=4 = -9");
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
	close(efd);
}
END_TEST

START_TEST(kvm_no_ioeventfd_capability_leaves_software_path)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_addrspace *as;
	struct memspace_kvm_listener *kl;
	int efd = eventfd(0, EFD_CLOEXEC);

	memspace_kvm_fake_set_cap(fake, MEMSPACE_KVM_CAP_IOEVENTFD, 0);
	tt_add(root, 0xfe000000, dev);
	as = tt_as("memory", root);
	kl = register_memory(as);
	ck_assert(!memspace_addrspace_get_hyp_ioeventfd_enabled(as));
	memspace_kvm_fake_clear_log(fake);
	ck_assert_int_eq(memspace_region_add_eventfd(dev, 0, 4, false, 0, efd),
			 0);
	expect_no_calls();
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
	close(efd);
}
END_TEST

/* What KVM refuses (same address, one of them any-size) is refused when
 * added, before any listener sees it. */
START_TEST(kvm_ioeventfd_collision_refused_at_add)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_kvm_listener *kl;
	int efd = eventfd(0, EFD_CLOEXEC);

	tt_add(root, 0xfe000000, dev);
	kl = register_memory(tt_as("memory", root));
	memspace_kvm_fake_clear_log(fake);
	ck_assert_int_eq(memspace_region_add_eventfd(dev, 0, 4, false, 0, efd),
			 0);
	ck_assert_int_eq(memspace_region_add_eventfd(dev, 0, 0, false, 0, efd),
			 -EEXIST);
	expect_calls("ioeventfd assign addr=0xfe000000 len=4 = 0");
	ck_assert_int_eq(memspace_listener_get_error(
				 memspace_kvm_listener_get_listener(kl)), 0);
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
	close(efd);
}
END_TEST

/*
 * A collision only the topology makes (an entry partly covered by another
 * region's, at one address): KVM refuses it and the listener is out of
 * sync; once the cause is gone, a resync repairs it.
 */
START_TEST(kvm_ioeventfd_topology_collision_resync_recovers)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *a = tt_io("a", 0x1000);
	struct memspace_region *b = tt_io("b", 0x2);
	struct memspace_kvm_listener *kl;
	struct memspace_listener *l;
	int efd = eventfd(0, EFD_CLOEXEC);

	tt_add(root, 0x1000, a);
	tt_add_prio(root, 0x1000, b, 1);
	kl = register_memory(tt_as("memory", root));
	l = memspace_kvm_listener_get_listener(kl);
	memspace_kvm_fake_clear_log(fake);
	ck_assert_int_eq(memspace_region_add_eventfd(a, 0, 4, false, 0, efd), 0);
	ck_assert_int_eq(memspace_region_add_eventfd(b, 0, 0, false, 0, efd),
			 -EREMOTEIO);
	expect_calls("ioeventfd assign addr=0x1000 len=4 = 0",
		     "ioeventfd assign addr=0x1000 len=0 = -17");
	ck_assert_int_eq(memspace_listener_get_error(l), -EEXIST);
	/* While the cause is there, a resync fails again. */
	ck_assert_int_eq(memspace_listener_resync(l), -EREMOTEIO);
	memspace_kvm_fake_clear_log(fake);
	ck_assert_int_eq(memspace_region_del_eventfd(b, 0, 0, false, 0, efd), 0);
	ck_assert_int_eq(memspace_listener_resync(l), 0);
	ck_assert_int_eq(memspace_listener_get_error(l), 0);
	ck_assert_uint_eq(memspace_kvm_fake_nr_ioeventfds(fake), 1);
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
	ck_assert_uint_eq(memspace_kvm_fake_nr_ioeventfds(fake), 0);
	close(efd);
}
END_TEST

START_TEST(kvm_coalesced_zones_deduplicated)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_kvm_listener *kl;

	tt_add(root, 0xd0000000, dev);
	kl = register_memory(tt_as("memory", root));
	memspace_kvm_fake_clear_log(fake);
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0, 0x1000), 0);
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0x100, 0x100), 0);
	expect_calls("coalesced register addr=0xd0000000 size=0x1000 = 0",
		     "coalesced register addr=0xd0000100 size=0x100 = 0");
	ck_assert_uint_eq(memspace_kvm_fake_nr_zones(fake), 2);
	/* Unregistering the big zone drops the small one in KVM too: the
	 * listener registers it again until its own removal. */
	ck_assert_int_eq(memspace_region_clear_coalescing(dev), 0);
	expect_calls("coalesced unregister addr=0xd0000000 size=0x1000 = 0",
		     "coalesced register addr=0xd0000100 size=0x100 = 0",
		     "coalesced unregister addr=0xd0000100 size=0x100 = 0");
	ck_assert_uint_eq(memspace_kvm_fake_nr_zones(fake), 0);
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
}
END_TEST

START_TEST(kvm_coalesced_resync_keeps_one_zone)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *dev = tt_io("dev", 0x1000);
	struct memspace_addrspace *as;
	struct memspace_kvm_listener *kl;

	tt_add(root, 0xd0000000, dev);
	as = tt_as("memory", root);
	ck_assert_int_eq(memspace_region_add_coalescing(dev, 0, 0x1000), 0);
	kl = register_memory(as);
	ck_assert_uint_eq(memspace_kvm_fake_nr_zones(fake), 1);
	/* A resync removes and adds it again: still one zone. */
	ck_assert_int_eq(memspace_listener_resync(
		memspace_kvm_listener_get_listener(kl)), 0);
	ck_assert_uint_eq(memspace_kvm_fake_nr_zones(fake), 1);
	ck_assert_int_eq(memspace_kvm_listener_unregister(kl), 0);
	ck_assert_uint_eq(memspace_kvm_fake_nr_zones(fake), 0);
}
END_TEST

static Suite *
kvm_suite(void)
{
	Suite *s = suite_create("kvm-memslot");
	TCase *ts = tcase_create("kvm:slots");
	TCase *tf = tcase_create("kvm:failures");
	TCase *ti = tcase_create("kvm:io");

	tcase_add_checked_fixture(ts, setup, teardown);
	tcase_add_test(ts, kvm_maps_backed_ranges_trimmed_to_pages);
	tcase_add_test(ts, kvm_lowest_free_id_is_reused);
	tcase_add_test(ts, kvm_deletes_before_adds);
	tcase_add_test(ts, kvm_bar_move_is_one_ioctl);
	tcase_add_test(ts, kvm_bar_swap_falls_back_where_needed);
	tcase_add_test(ts, kvm_romd_toggle_unmaps_and_maps);
	tcase_add_test(ts, kvm_readonly_change_is_delete_add);
	tcase_add_test(ts, kvm_readonly_without_capability_stays_unmapped);
	tcase_add_test(ts, kvm_dirty_logging_flips_flag_and_merges_log);
	tcase_add_test(ts, kvm_global_logging_covers_ram_and_rom);
	tcase_add_test(ts, kvm_large_range_split_at_max_slot_size);
	tcase_add_test(ts, kvm_unaligned_host_memory_not_mapped);
	tcase_add_test(ts, kvm_destroyed_addrspace_loses_its_slots);
	suite_add_tcase(s, ts);
	tcase_add_checked_fixture(tf, setup, teardown);
	tcase_add_test(tf, kvm_failed_add_keeps_table_consistent);
	tcase_add_test(tf, kvm_failed_delete_is_retried);
	tcase_add_test(tf, kvm_out_of_slots_reported);
	tcase_add_test(tf, kvm_register_arguments_checked);
	suite_add_tcase(s, tf);
	tcase_add_checked_fixture(ti, setup, teardown);
	tcase_add_test(ti, kvm_ioeventfds_mmio_and_pio);
	tcase_add_test(ti, kvm_ioeventfd_failure_then_delete_is_quiet);
	tcase_add_test(ti, kvm_no_ioeventfd_capability_leaves_software_path);
	tcase_add_test(ti, kvm_coalesced_zones_deduplicated);
	tcase_add_test(ti, kvm_coalesced_resync_keeps_one_zone);
	tcase_add_test(ti, kvm_ioeventfd_collision_refused_at_add);
	tcase_add_test(ti, kvm_unmapped_ram_reported_with_reason);
	tcase_add_test(ti, kvm_unmapped_rom_without_readonly_capability);
	tcase_add_test(ti, kvm_ioeventfd_topology_collision_resync_recovers);
	suite_add_tcase(s, ti);
	return s;
}

TEST_MAIN(kvm_suite)
