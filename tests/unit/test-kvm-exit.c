/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * KVM exit glue without /dev/kvm: KVM_EXIT_IO (single and string I/O, in
 * and out), KVM_EXIT_MMIO and the coalesced ring are laid out in memory as
 * KVM lays them out, dispatched through memspace address spaces, and the
 * devices' callbacks are checked; malformed exits and rings are refused
 * with nothing accessed.
 */
#include <errno.h>
#include <string.h>
#include <linux/kvm.h>

#include "test-common.h"

#define PAGE 4096
#define RUN_SIZE (3 * PAGE)
#define RING_MAX ((PAGE - sizeof(struct kvm_coalesced_mmio_ring)) /           \
		  sizeof(struct kvm_coalesced_mmio))

struct access {
	uint64_t addr;
	uint64_t data;
	unsigned size;
	bool write;
};

struct dev {
	GArray *log;		/* struct access */
	uint64_t next_read;
};

static struct {
	struct memspace *ms;
	struct memspace_region *sys, *ram, *mmio, *io_root, *port;
	struct memspace_addrspace *mem, *io;
	struct dev mmio_dev, port_dev;
	uint8_t *run_buf;
	struct kvm_run *run;
	struct memspace_attrs attrs;
} t;

static enum memspace_access_result
dev_read(void *opaque, uint64_t addr, uint64_t *data, unsigned size,
	 struct memspace_attrs attrs)
{
	struct dev *d = opaque;
	struct access a = { addr, d->next_read, size, false };

	*data = d->next_read++;
	g_array_append_val(d->log, a);
	return MEMSPACE_ACCESS_OK;
}

static enum memspace_access_result
dev_write(void *opaque, uint64_t addr, uint64_t data, unsigned size,
	  struct memspace_attrs attrs)
{
	struct dev *d = opaque;
	struct access a = { addr, data, size, true };

	g_array_append_val(d->log, a);
	return MEMSPACE_ACCESS_OK;
}

static const struct memspace_region_ops dev_ops = {
	.version = MEMSPACE_REGION_OPS_VERSION,
	.read = dev_read,
	.write = dev_write,
	.valid_max_access_size = 8,
	.impl_max_access_size = 8,
};

static void
setup(void)
{
	t.ms = memspace_new();
	t.mmio_dev.log = g_array_new(FALSE, TRUE, sizeof(struct access));
	t.port_dev.log = g_array_new(FALSE, TRUE, sizeof(struct access));
	t.mmio_dev.next_read = 0x1000;
	t.port_dev.next_read = 0xa0;
	t.sys = memspace_region_new_container(t.ms, "system",
					      MEMSPACE_SIZE_2_64);
	t.ram = memspace_region_new_ram(t.ms, "ram", 0x1000, NULL);
	t.mmio = memspace_region_new_io(t.ms, "mmio", 0x100, &dev_ops,
					&t.mmio_dev);
	t.io_root = memspace_region_new_io(t.ms, "io", 0x10000, NULL, NULL);
	t.port = memspace_region_new_io(t.ms, "port", 4, &dev_ops,
					&t.port_dev);
	ck_assert_int_eq(memspace_region_add_subregion(t.sys, 0, t.ram), 0);
	ck_assert_int_eq(memspace_region_add_subregion(t.sys, 0x10000, t.mmio),
			 0);
	ck_assert_int_eq(memspace_region_add_subregion(t.io_root, 0x60,
						       t.port), 0);
	t.mem = memspace_addrspace_create(t.ms, "memory", t.sys);
	t.io = memspace_addrspace_create(t.ms, "I/O", t.io_root);
	t.run_buf = g_malloc0(RUN_SIZE);
	t.run = (struct kvm_run *)t.run_buf;
}

static void
teardown(void)
{
	memspace_addrspace_destroy(t.mem);
	memspace_addrspace_destroy(t.io);
	memspace_region_unref(t.ram);
	memspace_region_unref(t.mmio);
	memspace_region_unref(t.port);
	memspace_region_unref(t.sys);
	memspace_region_unref(t.io_root);
	memspace_unref(t.ms);
	g_array_free(t.mmio_dev.log, TRUE);
	g_array_free(t.port_dev.log, TRUE);
	g_free(t.run_buf);
	memset(&t, 0, sizeof(t));
}

static const struct access *
logged(const struct dev *d, unsigned i)
{
	ck_assert_uint_gt(d->log->len, i);
	return &g_array_index(d->log, struct access, i);
}

static void
set_io(uint8_t dir, uint8_t size, uint16_t port, uint32_t count,
       uint64_t data_offset)
{
	t.run->exit_reason = KVM_EXIT_IO;
	t.run->io.direction = dir;
	t.run->io.size = size;
	t.run->io.port = port;
	t.run->io.count = count;
	t.run->io.data_offset = data_offset;
}

START_TEST(io_string_out_is_one_access_per_item)
{
	set_io(KVM_EXIT_IO_OUT, 1, 0x61, 5, PAGE);
	memcpy(t.run_buf + PAGE, "hello", 5);
	ck_assert_int_eq(memspace_kvm_dispatch_io(t.io, t.run, RUN_SIZE,
						  t.attrs), 0);
	ck_assert_uint_eq(t.port_dev.log->len, 5);
	for (unsigned i = 0; i < 5; i++) {
		const struct access *a = logged(&t.port_dev, i);

		ck_assert(a->write);
		ck_assert_uint_eq(a->addr, 1);	/* the port does not advance */
		ck_assert_uint_eq(a->size, 1);
		ck_assert_uint_eq(a->data, (uint8_t)"hello"[i]);
	}
}
END_TEST

START_TEST(io_string_in_fills_each_item)
{
	uint16_t got[3];

	set_io(KVM_EXIT_IO_IN, 2, 0x60, 3, PAGE + 6);
	ck_assert_int_eq(memspace_kvm_dispatch_io(t.io, t.run, RUN_SIZE,
						  t.attrs), 0);
	memcpy(got, t.run_buf + PAGE + 6, sizeof(got));
	ck_assert_uint_eq(got[0], 0xa0);
	ck_assert_uint_eq(got[1], 0xa1);
	ck_assert_uint_eq(got[2], 0xa2);
	ck_assert_uint_eq(t.port_dev.log->len, 3);
	ck_assert(!logged(&t.port_dev, 2)->write);
	ck_assert_uint_eq(logged(&t.port_dev, 2)->size, 2);
}
END_TEST

START_TEST(io_single_and_unassigned_ports)
{
	uint32_t v;

	set_io(KVM_EXIT_IO_OUT, 4, 0x60, 1, PAGE);
	v = 0xdeadbeef;
	memcpy(t.run_buf + PAGE, &v, 4);
	ck_assert_int_eq(memspace_kvm_dispatch_io(t.io, t.run, RUN_SIZE,
						  t.attrs), 0);
	ck_assert_uint_eq(logged(&t.port_dev, 0)->data, 0xdeadbeef);
	ck_assert_uint_eq(logged(&t.port_dev, 0)->size, 4);
	/* Nothing at port 0x100: an I/O space reads all ones, no error. */
	set_io(KVM_EXIT_IO_IN, 4, 0x100, 1, PAGE);
	ck_assert_int_eq(memspace_kvm_dispatch_io(t.io, t.run, RUN_SIZE,
						  t.attrs), 0);
	memcpy(&v, t.run_buf + PAGE, 4);
	ck_assert_uint_eq(v, 0xffffffff);
	ck_assert_uint_eq(t.port_dev.log->len, 1);
}
END_TEST

START_TEST(io_malformed_exits_access_nothing)
{
	static const struct {
		uint8_t size;
		uint32_t count;
		uint64_t offset;
	} bad[] = {
		{ 3, 1, PAGE },			/* size */
		{ 8, 1, PAGE },
		{ 1, 0, PAGE },			/* count */
		{ 4, 1, RUN_SIZE - 2 },		/* data past the mapping */
		{ 2, 0x80000000u, PAGE },	/* count * size overflows */
		{ 1, 1, 8 },			/* inside struct kvm_run */
		{ 1, 1, UINT64_MAX },
	};

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		set_io(KVM_EXIT_IO_OUT, bad[i].size, 0x60, bad[i].count,
		       bad[i].offset);
		ck_assert_int_eq(memspace_kvm_dispatch_io(t.io, t.run,
							  RUN_SIZE, t.attrs),
				 -EINVAL);
	}
	set_io(KVM_EXIT_IO_OUT, 1, 0x60, 1, PAGE);
	t.run->exit_reason = KVM_EXIT_MMIO;
	ck_assert_int_eq(memspace_kvm_dispatch_io(t.io, t.run, RUN_SIZE,
						  t.attrs), -EINVAL);
	t.run->exit_reason = KVM_EXIT_IO;
	ck_assert_int_eq(memspace_kvm_dispatch_io(NULL, t.run, RUN_SIZE,
						  t.attrs), -EINVAL);
	ck_assert_int_eq(memspace_kvm_dispatch_io(t.io, NULL, RUN_SIZE,
						  t.attrs), -EINVAL);
	ck_assert_uint_eq(t.port_dev.log->len, 0);
}
END_TEST

static void
set_mmio(uint64_t addr, uint32_t len, bool write, uint64_t data)
{
	t.run->exit_reason = KVM_EXIT_MMIO;
	t.run->mmio.phys_addr = addr;
	t.run->mmio.len = len;
	t.run->mmio.is_write = write;
	memcpy(t.run->mmio.data, &data, 8);
}

START_TEST(mmio_reaches_devices_and_ram)
{
	uint64_t v = 0;

	set_mmio(0x10008, 4, true, 0x12345678);
	ck_assert_int_eq(memspace_kvm_dispatch_mmio(t.mem, t.run, t.attrs), 0);
	ck_assert(logged(&t.mmio_dev, 0)->write);
	ck_assert_uint_eq(logged(&t.mmio_dev, 0)->addr, 8);
	ck_assert_uint_eq(logged(&t.mmio_dev, 0)->data, 0x12345678);
	ck_assert_uint_eq(logged(&t.mmio_dev, 0)->size, 4);
	set_mmio(0x10010, 8, false, 0);
	ck_assert_int_eq(memspace_kvm_dispatch_mmio(t.mem, t.run, t.attrs), 0);
	memcpy(&v, t.run->mmio.data, 8);
	ck_assert_uint_eq(v, 0x1000);
	ck_assert_uint_eq(logged(&t.mmio_dev, 1)->size, 8);
	/* RAM without a slot (an unaligned piece, say): copied. */
	set_mmio(0x100, 2, true, 0xbeef);
	ck_assert_int_eq(memspace_kvm_dispatch_mmio(t.mem, t.run, t.attrs), 0);
	set_mmio(0xff, 4, false, 0);
	ck_assert_int_eq(memspace_kvm_dispatch_mmio(t.mem, t.run, t.attrs), 0);
	memcpy(&v, t.run->mmio.data, 8);
	ck_assert_uint_eq(v, 0xbeef00);
	/* Unassigned: zeros and a decode error. */
	set_mmio(0x20000, 4, false, 0x55555555);
	ck_assert_int_eq(memspace_kvm_dispatch_mmio(t.mem, t.run, t.attrs),
			 MEMSPACE_ACCESS_DECODE_ERROR);
	memcpy(&v, t.run->mmio.data, 8);
	ck_assert_uint_eq(v, 0);
}
END_TEST

START_TEST(mmio_malformed_exits_access_nothing)
{
	set_mmio(0x10000, 0, true, 1);
	ck_assert_int_eq(memspace_kvm_dispatch_mmio(t.mem, t.run, t.attrs),
			 -EINVAL);
	set_mmio(0x10000, 9, true, 1);
	ck_assert_int_eq(memspace_kvm_dispatch_mmio(t.mem, t.run, t.attrs),
			 -EINVAL);
	set_mmio(0x10000, 4, true, 1);
	t.run->exit_reason = KVM_EXIT_IO;
	ck_assert_int_eq(memspace_kvm_dispatch_mmio(t.mem, t.run, t.attrs),
			 -EINVAL);
	t.run->exit_reason = KVM_EXIT_MMIO;
	ck_assert_int_eq(memspace_kvm_dispatch_mmio(NULL, t.run, t.attrs),
			 -EINVAL);
	ck_assert_uint_eq(t.mmio_dev.log->len, 0);
}
END_TEST

static struct kvm_coalesced_mmio_ring *
ring(void)
{
	return (struct kvm_coalesced_mmio_ring *)(t.run_buf + 2 * PAGE);
}

static void
ring_put(uint32_t i, uint64_t addr, uint32_t len, bool pio, uint64_t data)
{
	struct kvm_coalesced_mmio *e = &ring()->coalesced_mmio[i];

	e->phys_addr = addr;
	e->len = len;
	e->pio = pio;
	memcpy(e->data, &data, 8);
}

START_TEST(ring_drains_in_order_across_the_wrap)
{
	struct kvm_coalesced_mmio_ring *r = ring();
	uint32_t first = RING_MAX - 3;

	ck_assert_uint_eq(RING_MAX, 170);	/* kvm-on-this-machine §6 */
	/* Entries first .. RING_MAX - 1, then 0 .. 1: five in all. */
	for (uint32_t k = 0; k < 5; k++) {
		uint32_t i = (first + k) % RING_MAX;

		ring_put(i, k == 2 ? 0x62 : 0x10000 + 4 * k, k == 2 ? 2 : 4,
			 k == 2, 100 + k);
	}
	r->first = first;
	r->last = 2;
	ck_assert_int_eq(memspace_kvm_drain_coalesced(t.mem, t.io, r, PAGE,
						      t.attrs), 5);
	ck_assert_uint_eq(r->first, 2);
	ck_assert_uint_eq(t.mmio_dev.log->len, 4);
	ck_assert_uint_eq(t.port_dev.log->len, 1);
	ck_assert_uint_eq(logged(&t.port_dev, 0)->addr, 2);
	ck_assert_uint_eq(logged(&t.port_dev, 0)->data, 102);
	ck_assert_uint_eq(logged(&t.port_dev, 0)->size, 2);
	for (unsigned j = 0, k = 0; k < 5; k++) {
		if (k == 2) {
			continue;
		}
		ck_assert_uint_eq(logged(&t.mmio_dev, j)->addr, 4 * k);
		ck_assert_uint_eq(logged(&t.mmio_dev, j)->data, 100 + k);
		ck_assert(logged(&t.mmio_dev, j)->write);
		j++;
	}
	/* Empty now. */
	ck_assert_int_eq(memspace_kvm_drain_coalesced(t.mem, t.io, r, PAGE,
						      t.attrs), 0);
}
END_TEST

START_TEST(bad_rings_are_left_alone)
{
	struct kvm_coalesced_mmio_ring *r = ring();

	ring_put(0, 0x10000, 4, false, 1);
	ring_put(1, 0x62, 1, true, 2);
	r->first = 0;
	r->last = 2;
	/* A PIO entry without an I/O space. */
	ck_assert_int_eq(memspace_kvm_drain_coalesced(t.mem, NULL, r, PAGE,
						      t.attrs), -EINVAL);
	/* Indices and lengths out of range. */
	r->last = RING_MAX;
	ck_assert_int_eq(memspace_kvm_drain_coalesced(t.mem, t.io, r, PAGE,
						      t.attrs), -EIO);
	r->last = 2;
	ring_put(1, 0x62, 9, true, 2);
	ck_assert_int_eq(memspace_kvm_drain_coalesced(t.mem, t.io, r, PAGE,
						      t.attrs), -EIO);
	ring_put(1, 0x62, 0, true, 2);
	ck_assert_int_eq(memspace_kvm_drain_coalesced(t.mem, t.io, r, PAGE,
						      t.attrs), -EIO);
	ck_assert_int_eq(memspace_kvm_drain_coalesced(t.mem, t.io, r, 16,
						      t.attrs), -EINVAL);
	ck_assert_int_eq(memspace_kvm_drain_coalesced(NULL, t.io, r, PAGE,
						      t.attrs), -EINVAL);
	ck_assert_uint_eq(r->first, 0);
	ck_assert_uint_eq(r->last, 2);
	ck_assert_uint_eq(t.mmio_dev.log->len, 0);
	ck_assert_uint_eq(t.port_dev.log->len, 0);
}
END_TEST

static Suite *
kvm_exit_suite(void)
{
	Suite *s = suite_create("kvm-exit");
	TCase *tc = tcase_create("kvm-exit");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, io_string_out_is_one_access_per_item);
	tcase_add_test(tc, io_string_in_fills_each_item);
	tcase_add_test(tc, io_single_and_unassigned_ports);
	tcase_add_test(tc, io_malformed_exits_access_nothing);
	tcase_add_test(tc, mmio_reaches_devices_and_ram);
	tcase_add_test(tc, mmio_malformed_exits_access_nothing);
	tcase_add_test(tc, ring_drains_in_order_across_the_wrap);
	tcase_add_test(tc, bad_rings_are_left_alone);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(kvm_exit_suite)
