/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The access path: translation, RAM/ROM/romd/RAM-device/I-O dispatch,
 * QEMU's splitting and widening rules, unassigned memory and I/O
 * space, read-only ranges, attributes, results, stale reads inside
 * a transaction.
 */
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <glib.h>

#include "test-tree.h"

/* A device with 64 byte registers that logs every callback. */
struct dev {
	uint8_t regs[64];
	GString *log;
	bool refuse;
	enum memspace_access_result result;
	struct memspace_attrs attrs;
};

static uint64_t
regs_load(const struct dev *d, uint64_t addr, unsigned size)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < size; i++) {
		v |= (uint64_t)d->regs[(addr + i) % 64] << (8 * i);
	}
	return v;
}

static enum memspace_access_result
dev_read(void *opaque, uint64_t addr, uint64_t *data, unsigned size,
	 struct memspace_attrs attrs)
{
	struct dev *d = opaque;

	*data = regs_load(d, addr, size);
	d->attrs = attrs;
	g_string_append_printf(d->log, "r %" G_GINT64_MODIFIER "x %u;", addr,
			       size);
	return d->result;
}

static enum memspace_access_result
dev_write(void *opaque, uint64_t addr, uint64_t data, unsigned size,
	  struct memspace_attrs attrs)
{
	struct dev *d = opaque;

	for (unsigned i = 0; i < size; i++) {
		d->regs[(addr + i) % 64] = (uint8_t)(data >> (8 * i));
	}
	d->attrs = attrs;
	g_string_append_printf(d->log,
			       "w %" G_GINT64_MODIFIER
			       "x %u %" G_GINT64_MODIFIER "x;",
			       addr, size, data);
	return d->result;
}

static bool
dev_accepts(void *opaque, uint64_t addr, unsigned size, bool is_write,
	    struct memspace_attrs attrs)
{
	(void)addr;
	(void)size;
	(void)is_write;
	(void)attrs;
	return !((struct dev *)opaque)->refuse;
}

static struct dev *
dev_new(void)
{
	struct dev *d = tt_buffer(sizeof(*d));

	for (unsigned i = 0; i < 64; i++) {
		d->regs[i] = (uint8_t)(0x10 + i);
	}
	d->log = g_string_new(NULL);
	return d;
}

/* Return the log and clear it (the string is freed at teardown). */
static const char *
dev_log(struct dev *d)
{
	char *s = g_strdup(d->log->str);

	g_string_truncate(d->log, 0);
	g_ptr_array_add(tt_buffers, s);
	return s;
}

#define OPS(name, ...)                                   \
	static const struct memspace_region_ops name = { \
		.version = MEMSPACE_REGION_OPS_VERSION,  \
		.read = dev_read,                        \
		.write = dev_write,                      \
		.accepts = dev_accepts,                  \
		__VA_ARGS__                              \
	}

OPS(ops_le4, .endianness = MEMSPACE_ENDIAN_LITTLE, .valid_max_access_size = 4,
    .impl_max_access_size = 4);
OPS(ops_min4_le, .endianness = MEMSPACE_ENDIAN_LITTLE,
    .valid_max_access_size = 4, .impl_min_access_size = 4,
    .impl_max_access_size = 4);
OPS(ops_min4_be, .endianness = MEMSPACE_ENDIAN_BIG, .valid_max_access_size = 4,
    .impl_min_access_size = 4, .impl_max_access_size = 4);
OPS(ops_default_le, .endianness = MEMSPACE_ENDIAN_LITTLE);
OPS(ops_default_be, .endianness = MEMSPACE_ENDIAN_BIG);
OPS(ops_be4, .endianness = MEMSPACE_ENDIAN_BIG, .valid_max_access_size = 4,
    .impl_max_access_size = 4);
OPS(ops_exact4, .endianness = MEMSPACE_ENDIAN_LITTLE,
    .valid_min_access_size = 4, .valid_max_access_size = 4,
    .impl_max_access_size = 4);
OPS(ops_wide8, .endianness = MEMSPACE_ENDIAN_LITTLE, .valid_max_access_size = 8,
    .impl_max_access_size = 4);

static const struct memspace_attrs no_attrs;

static struct memspace_region *root;
static struct memspace_addrspace *as;

static void
setup(void)
{
	tt_setup();
	root = tt_container("system", MEMSPACE_SIZE_2_64);
	as = tt_as("memory", root);
}

static struct memspace_region *
map_dev(const char *name, uint64_t addr, uint64_t size,
	const struct memspace_region_ops *ops, struct dev *d)
{
	struct memspace_region *mr =
		tt_keep(memspace_region_new_io(tt_ms, name, size, ops, d));

	tt_add(root, addr, mr);
	return mr;
}

static enum memspace_access_result
rd(uint64_t addr, void *buf, uint64_t len)
{
	return memspace_addrspace_read(as, addr, no_attrs, buf, len);
}

static enum memspace_access_result
wr(uint64_t addr, const void *buf, uint64_t len)
{
	return memspace_addrspace_write(as, addr, no_attrs, buf, len);
}

START_TEST(access_write_split_by_alignment)
{
	struct dev *d = dev_new();
	uint8_t buf[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	map_dev("dev", 0x1000, 0x100, &ops_le4, d);
	ck_assert_int_eq(wr(0x1002, buf, 8), MEMSPACE_ACCESS_OK);
	ck_assert_str_eq(dev_log(d), "w 2 2 201;w 4 4 6050403;w 8 2 807;");
}
END_TEST

START_TEST(access_narrow_read_widened_le_and_be)
{
	struct dev *le = dev_new(), *be = dev_new();
	uint8_t b = 0;

	map_dev("le", 0x1000, 0x100, &ops_min4_le, le);
	map_dev("be", 0x2000, 0x100, &ops_min4_be, be);
	ck_assert_int_eq(rd(0x1001, &b, 1), MEMSPACE_ACCESS_OK);
	ck_assert_str_eq(dev_log(le), "r 1 4;");
	ck_assert_uint_eq(b, 0x11); /* low byte of regs[1..4] */
	ck_assert_int_eq(rd(0x2001, &b, 1), MEMSPACE_ACCESS_OK);
	ck_assert_str_eq(dev_log(be), "r 1 4;");
	ck_assert_uint_eq(b, 0x14); /* shifted right by 24 */
}
END_TEST

START_TEST(access_eight_byte_dispatch_split_by_impl)
{
	struct dev *le = dev_new(), *be = dev_new();
	struct memspace_region *l =
		map_dev("le", 0x1000, 0x100, &ops_default_le, le);
	struct memspace_region *b =
		map_dev("be", 0x2000, 0x100, &ops_default_be, be);
	uint64_t v = 0;

	ck_assert_int_eq(memspace_region_dispatch_read(l, 0, &v, 8, no_attrs),
			 MEMSPACE_ACCESS_OK);
	ck_assert_str_eq(dev_log(le), "r 0 4;r 4 4;");
	ck_assert_uint_eq(v, 0x1716151413121110ull);
	ck_assert_int_eq(memspace_region_dispatch_read(b, 0, &v, 8, no_attrs),
			 MEMSPACE_ACCESS_OK);
	ck_assert_str_eq(dev_log(be), "r 0 4;r 4 4;");
	/* Pieces at shifts 32 and 0, then swapped to host order. */
	ck_assert_uint_eq(v, __builtin_bswap64(0x1312111017161514ull));
	/* Through the access path an 8-byte request is cut to 4 + 4. */
	ck_assert_int_eq(rd(0x1000, &v, 8), MEMSPACE_ACCESS_OK);
	ck_assert_str_eq(dev_log(le), "r 0 4;r 4 4;");
}
END_TEST

START_TEST(access_wide_write_split_by_impl_le)
{
	struct dev *d = dev_new();
	uint64_t v = 0x8877665544332211ull;

	map_dev("dev", 0x1000, 0x100, &ops_wide8, d);
	ck_assert_int_eq(wr(0x1008, &v, 8), MEMSPACE_ACCESS_OK);
	ck_assert_str_eq(dev_log(d), "w 8 4 44332211;w c 4 88776655;");
}
END_TEST

START_TEST(access_big_endian_bytes_on_the_bus)
{
	struct dev *d = dev_new();
	uint8_t out[4], in[4] = { 0xaa, 0xbb, 0xcc, 0xdd };

	map_dev("be", 0x1000, 0x100, &ops_be4, d);
	ck_assert_int_eq(rd(0x1000, out, 4), MEMSPACE_ACCESS_OK);
	/* The device's value 0x13121110 appears most significant first. */
	ck_assert_uint_eq(out[0], 0x13);
	ck_assert_uint_eq(out[3], 0x10);
	(void)dev_log(d);
	ck_assert_int_eq(wr(0x1000, in, 4), MEMSPACE_ACCESS_OK);
	ck_assert_str_eq(dev_log(d), "w 0 4 aabbccdd;");
}
END_TEST

START_TEST(access_refused_chunks_read_zero)
{
	struct dev *d = dev_new();
	struct memspace_region *mr =
		map_dev("dev", 0x1000, 0x100, &ops_exact4, d);
	uint8_t b = 0x55;
	uint64_t v = 1;

	/* Size below valid_min_access_size. */
	ck_assert_int_eq(rd(0x1000, &b, 1), MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_uint_eq(b, 0);
	/* Unaligned without valid_unaligned. */
	ck_assert_int_eq(memspace_region_dispatch_read(mr, 2, &v, 4, no_attrs),
			 MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_uint_eq(v, 0);
	/* accepts() vetoes. */
	d->refuse = true;
	ck_assert_int_eq(rd(0x1000, &v, 4), MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_int_eq(wr(0x1000, &v, 4), MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_str_eq(dev_log(d), "");
}
END_TEST

START_TEST(access_attrs_and_device_errors_reach_the_caller)
{
	struct dev *d = dev_new();
	struct memspace_attrs attrs = { .secure = true,
					.user = true,
					.requester_id = 0x1234 };
	uint32_t v;

	map_dev("dev", 0x1000, 0x100, &ops_le4, d);
	d->result = MEMSPACE_ACCESS_DEVICE_ERROR;
	ck_assert_int_eq(memspace_addrspace_read(as, 0x1000, attrs, &v, 4),
			 MEMSPACE_ACCESS_DEVICE_ERROR);
	ck_assert(d->attrs.secure && d->attrs.user && !d->attrs.debug);
	ck_assert_uint_eq(d->attrs.requester_id, 0x1234);
}
END_TEST

START_TEST(access_pci_config_outl_not_clamped)
{
	struct dev *idx = dev_new(), *rcr = dev_new();
	struct memspace_region *io = tt_keep(
		memspace_region_new_io(tt_ms, "io", 0x10000, NULL, NULL));
	struct memspace_region *cidx = tt_keep(memspace_region_new_io(
		tt_ms, "pci-conf-idx", 4, &ops_le4, idx));
	struct memspace_region *reset = tt_keep(memspace_region_new_io(
		tt_ms, "reset-control", 1, &ops_le4, rcr));
	struct memspace_addrspace *pio = tt_as("I/O", io);
	uint32_t v = 0x80000000;

	tt_add(io, 0xcf8, cidx);
	tt_add_prio(io, 0xcf9, reset, 1);
	/* QEMU does not clamp MMIO to the flat range: one 4-byte write. */
	ck_assert_int_eq(memspace_addrspace_write(pio, 0xcf8, no_attrs, &v, 4),
			 MEMSPACE_ACCESS_OK);
	ck_assert_str_eq(dev_log(idx), "w 0 4 80000000;");
	ck_assert_str_eq(dev_log(rcr), "");
}
END_TEST

START_TEST(access_ram_split_across_ranges_and_holes)
{
	struct memspace_region *a = tt_ram("a", 0x1000);
	struct memspace_region *b = tt_ram("b", 0x1000);
	uint8_t *ha = memspace_region_get_host_ptr(a);
	uint8_t *hb = memspace_region_get_host_ptr(b);
	uint8_t buf[0x20], out[0x20];

	tt_add(root, 0x1000, a);
	tt_add(root, 0x2000, b);
	for (unsigned i = 0; i < sizeof(buf); i++) {
		buf[i] = (uint8_t)(i + 1);
	}
	ck_assert_int_eq(wr(0x1ff0, buf, 0x20), MEMSPACE_ACCESS_OK);
	ck_assert_mem_eq(ha + 0xff0, buf, 0x10);
	ck_assert_mem_eq(hb, buf + 0x10, 0x10);
	ck_assert_int_eq(rd(0x1ff0, out, 0x20), MEMSPACE_ACCESS_OK);
	ck_assert_mem_eq(out, buf, 0x20);
	/* The tail runs into a hole: zeros and a decode error. */
	memset(out, 0xaa, sizeof(out));
	ck_assert_int_eq(rd(0x2ff0, out, 0x20), MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_uint_eq(out[0x10], 0);
	ck_assert_uint_eq(out[0x1f], 0);
	ck_assert_int_eq(wr(0x2ff0, buf, 0x20), MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_mem_eq(hb + 0xff0, buf, 0x10);
	ck_assert_int_eq(rd(0x1000, out, 0), MEMSPACE_ACCESS_OK);
}
END_TEST

START_TEST(access_unassigned_memory_reads_zero)
{
	uint32_t v = 0xdeadbeef;

	ck_assert_int_eq(rd(0x5000, &v, 4), MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(wr(0x5000, &v, 4), MEMSPACE_ACCESS_DECODE_ERROR);
}
END_TEST

START_TEST(access_io_space_holes_read_all_ones)
{
	struct dev *d = dev_new();
	struct memspace_region *io = tt_keep(
		memspace_region_new_io(tt_ms, "io", 0x10000, NULL, NULL));
	struct memspace_region *kbd =
		tt_keep(memspace_region_new_io(tt_ms, "kbd", 1, &ops_le4, d));
	struct memspace_addrspace *pio = tt_as("I/O", io);
	uint32_t v = 0;

	tt_add(io, 0x60, kbd);
	ck_assert_int_eq(memspace_addrspace_read(pio, 0x80, no_attrs, &v, 4),
			 MEMSPACE_ACCESS_OK);
	ck_assert_uint_eq(v, 0xffffffff);
	ck_assert_int_eq(memspace_addrspace_write(pio, 0x80, no_attrs, &v, 4),
			 MEMSPACE_ACCESS_OK);
	v = 0;
	ck_assert_int_eq(memspace_addrspace_read(pio, 0x20000, no_attrs, &v, 2),
			 MEMSPACE_ACCESS_OK);
	ck_assert_uint_eq(v, 0xffff);
	ck_assert_int_eq(memspace_addrspace_read(pio, 0x60, no_attrs, &v, 1),
			 MEMSPACE_ACCESS_OK);
	ck_assert_str_eq(dev_log(d), "r 0 1;");
}
END_TEST

START_TEST(access_rom_write_dropped_debug_write_lands)
{
	struct memspace_region *rom = tt_ram("bios", 0x1000);
	uint8_t *h = memspace_region_get_host_ptr(rom);
	struct memspace_attrs dbg = { .debug = true };
	uint32_t v = 0x12345678, out;

	memspace_region_set_readonly(rom, true);
	tt_add(root, 0xf0000, rom);
	h[0] = 0xea;
	ck_assert_int_eq(wr(0xf0000, &v, 4), MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_uint_eq(h[0], 0xea);
	ck_assert_int_eq(rd(0xf0000, &out, 1), MEMSPACE_ACCESS_OK);
	ck_assert_int_eq(memspace_addrspace_write(as, 0xf0000, dbg, &v, 4),
			 MEMSPACE_ACCESS_OK);
	ck_assert_mem_eq(h, &v, 4);
}
END_TEST

START_TEST(access_readonly_alias_over_ram_is_read_only)
{
	struct memspace_region *ram = tt_ram("ram", 0x2000);
	struct memspace_region *ro = tt_alias("ro", ram, 0x1000, 0x1000);
	uint8_t *h = memspace_region_get_host_ptr(ram);
	uint8_t b = 0x77;

	memspace_region_set_readonly(ro, true);
	tt_add(root, 0x10000, ro);
	tt_add(root, 0x20000, tt_alias("rw", ram, 0, 0x2000));
	ck_assert_int_eq(wr(0x10000, &b, 1), MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_uint_eq(h[0x1000], 0);
	ck_assert_int_eq(wr(0x21000, &b, 1), MEMSPACE_ACCESS_OK);
	ck_assert_uint_eq(h[0x1000], 0x77);
	b = 0;
	ck_assert_int_eq(rd(0x10000, &b, 1), MEMSPACE_ACCESS_OK);
	ck_assert_uint_eq(b, 0x77);
}
END_TEST

START_TEST(access_romd_reads_memory_writes_ops)
{
	struct dev *d = dev_new();
	struct memspace_region *flash = tt_keep(memspace_region_new_rom_device(
		tt_ms, "flash", 0x1000, &ops_le4, d, NULL));
	uint8_t *h = memspace_region_get_host_ptr(flash);
	uint32_t v = 0;

	tt_add(root, 0x100000, flash);
	h[4] = 0x5a;
	ck_assert_int_eq(rd(0x100004, &v, 1), MEMSPACE_ACCESS_OK);
	ck_assert_uint_eq(v, 0x5a);
	v = 0xf0;
	ck_assert_int_eq(wr(0x100004, &v, 1), MEMSPACE_ACCESS_OK);
	ck_assert_str_eq(dev_log(d), "w 4 1 f0;");
	ck_assert_uint_eq(h[4], 0x5a);
	ck_assert_int_eq(memspace_region_set_romd(flash, false), 0);
	ck_assert_int_eq(rd(0x100004, &v, 1), MEMSPACE_ACCESS_OK);
	ck_assert_str_eq(dev_log(d), "r 4 1;");
	ck_assert_uint_eq(v, 0xf0);
}
END_TEST

START_TEST(access_ram_device_sized_volatile)
{
	struct memspace_region *bar = tt_ramdev("bar", 0x100);
	uint8_t *h = memspace_region_get_host_ptr(bar);
	uint8_t buf[7] = { 1, 2, 3, 4, 5, 6, 7 }, out[7];
	uint64_t v;

	tt_add(root, 0x8000, bar);
	ck_assert_int_eq(wr(0x8001, buf, 7), MEMSPACE_ACCESS_OK);
	ck_assert_mem_eq(h + 1, buf, 7);
	ck_assert_int_eq(rd(0x8001, out, 7), MEMSPACE_ACCESS_OK);
	ck_assert_mem_eq(out, buf, 7);
	ck_assert_int_eq(memspace_region_dispatch_read(bar, 0, &v, 8, no_attrs),
			 MEMSPACE_ACCESS_OK);
	ck_assert_uint_eq(v & 0xffff, 0x0100);
}
END_TEST

START_TEST(access_reservations_and_missing_callbacks_refuse)
{
	static const struct memspace_region_ops write_only = {
		.version = MEMSPACE_REGION_OPS_VERSION,
		.write = dev_write,
	};
	struct dev *d = dev_new();
	uint32_t v = 7;

	tt_add(root, 0x1000,
	       tt_keep(memspace_region_new_io(tt_ms, "resv", 0x100, NULL,
					      NULL)));
	map_dev("wo", 0x2000, 0x100, &write_only, d);
	ck_assert_int_eq(rd(0x1000, &v, 4), MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(wr(0x1000, &v, 4), MEMSPACE_ACCESS_DECODE_ERROR);
	v = 7;
	ck_assert_int_eq(rd(0x2000, &v, 4), MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_uint_eq(v, 0);
	ck_assert_int_eq(wr(0x2000, &v, 4), MEMSPACE_ACCESS_OK);
	ck_assert_str_eq(dev_log(d), "w 0 4 0;");
}
END_TEST

START_TEST(access_stale_reads_inside_transaction)
{
	struct memspace_region *r = tt_ram("r", 0x1000);
	uint32_t v;

	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	tt_add(root, 0x1000, r);
	ck_assert_int_eq(rd(0x1000, &v, 4), MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	ck_assert_int_eq(rd(0x1000, &v, 4), MEMSPACE_ACCESS_OK);
}
END_TEST

START_TEST(access_wraps_at_the_top_of_the_space)
{
	struct memspace_region *lo = tt_ram("lo", 0x1000);
	struct memspace_region *hi = tt_ram("hi", 0x1000);
	uint8_t buf[4] = { 1, 2, 3, 4 }, out[4];

	tt_add(root, 0, lo);
	tt_add(root, 0xfffffffffffff000ull, hi);
	ck_assert_int_eq(wr(UINT64_MAX - 1, buf, 4), MEMSPACE_ACCESS_OK);
	ck_assert_int_eq(rd(UINT64_MAX - 1, out, 4), MEMSPACE_ACCESS_OK);
	ck_assert_mem_eq(out, buf, 4);
	ck_assert_uint_eq(((uint8_t *)memspace_region_get_host_ptr(lo))[1], 4);
}
END_TEST

START_TEST(access_translate_gives_section_offset_and_length)
{
	struct memspace_region *ram = tt_ram("ram", 0x4000);
	struct memspace_section sec;
	uint64_t off, len;

	tt_add(root, 0x10000, tt_alias("win", ram, 0x1000, 0x2000));
	memspace_read_lock();
	ck_assert_int_eq(
		memspace_addrspace_translate(as, 0x10800, &sec, &off, &len), 0);
	ck_assert_ptr_eq(sec.mr, ram);
	ck_assert_uint_eq(sec.start, 0x10000);
	ck_assert_uint_eq(sec.last, 0x11fff);
	ck_assert_uint_eq(off, 0x1800);
	ck_assert_uint_eq(len, 0x1800);
	ck_assert_int_eq(memspace_addrspace_translate(as, 0x12000, &sec, NULL,
						      NULL),
			 -ENOENT);
	memspace_read_unlock();
}
END_TEST

START_TEST(access_translate_whole_space_length)
{
	struct memspace_region *big = tt_io("big", MEMSPACE_SIZE_2_64);
	struct memspace_flatview *fv;
	struct memspace_section sec;
	uint64_t len;

	tt_add(root, 0, big);
	fv = memspace_addrspace_get_flatview(as);
	ck_assert_int_eq(memspace_flatview_translate(fv, 0, &sec, NULL, &len),
			 0);
	ck_assert_uint_eq(len, UINT64_MAX);
	ck_assert_int_eq(memspace_flatview_translate(fv, UINT64_MAX, &sec, NULL,
						     &len),
			 0);
	ck_assert_uint_eq(len, 1);
	ck_assert_int_eq(memspace_flatview_translate(NULL, 0, &sec, NULL, NULL),
			 -EINVAL);
	memspace_flatview_unref(fv);
}
END_TEST

/* Signals counted on @fd so far (and reset). */
static uint64_t
eventfd_count(int fd)
{
	uint64_t n = 0;

	if (read(fd, &n, sizeof(n)) != sizeof(n)) {
		return 0;
	}
	return n;
}

START_TEST(access_soft_ioeventfd_replaces_the_device_write)
{
	struct dev *d = dev_new();
	struct memspace_region *mr =
		map_dev("notify", 0x1000, 0x100, &ops_le4, d);
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	int any = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	uint32_t v = 0x1234;
	uint16_t h = 7;

	ck_assert_int_ge(efd, 0);
	ck_assert_int_eq(
		memspace_region_add_eventfd(mr, 0x10, 4, true, 0x1234, efd), 0);
	ck_assert_int_eq(
		memspace_region_add_eventfd(mr, 0x20, 0, false, 0, any), 0);
	/* hyp_ioeventfd_enabled is false until set: memspace matches. */
	ck_assert_int_eq(wr(0x1010, &v, 4), MEMSPACE_ACCESS_OK);
	ck_assert_uint_eq(eventfd_count(efd), 1);
	ck_assert_str_eq(dev_log(d), "");
	/* Other data, or another size, reaches the device. */
	v = 0x1235;
	ck_assert_int_eq(wr(0x1010, &v, 4), MEMSPACE_ACCESS_OK);
	ck_assert_int_eq(wr(0x1010, &h, 2), MEMSPACE_ACCESS_OK);
	ck_assert_str_eq(dev_log(d), "w 10 4 1235;w 10 2 7;");
	ck_assert_uint_eq(eventfd_count(efd), 0);
	/* A size-0 entry matches any size and any data. */
	ck_assert_int_eq(wr(0x1020, &h, 2), MEMSPACE_ACCESS_OK);
	ck_assert_int_eq(wr(0x1020, &v, 4), MEMSPACE_ACCESS_OK);
	ck_assert_uint_eq(eventfd_count(any), 2);
	ck_assert_str_eq(dev_log(d), "");
	close(efd);
	close(any);
}
END_TEST

START_TEST(access_soft_ioeventfd_off_when_the_hypervisor_matches)
{
	struct dev *d = dev_new();
	struct memspace_region *mr =
		map_dev("notify", 0x1000, 0x100, &ops_le4, d);
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	uint32_t v = 0x1234;

	ck_assert_int_eq(
		memspace_region_add_eventfd(mr, 0x10, 4, true, 0x1234, efd), 0);
	ck_assert_int_eq(memspace_addrspace_set_hyp_ioeventfd_enabled(as, true),
			 0);
	ck_assert_int_eq(wr(0x1010, &v, 4), MEMSPACE_ACCESS_OK);
	ck_assert_uint_eq(eventfd_count(efd), 0);
	ck_assert_str_eq(dev_log(d), "w 10 4 1234;");
	close(efd);
}
END_TEST

START_TEST(access_soft_ioeventfd_needs_a_valid_access)
{
	struct dev *d = dev_new();
	struct memspace_region *mr =
		map_dev("notify", 0x1000, 0x100, &ops_exact4, d);
	int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	uint8_t b = 1;

	ck_assert_int_eq(
		memspace_region_add_eventfd(mr, 0x10, 0, false, 0, efd), 0);
	/* A 1-byte write is below valid_min_access_size: refused. */
	ck_assert_int_eq(wr(0x1010, &b, 1), MEMSPACE_ACCESS_DECODE_ERROR);
	ck_assert_uint_eq(eventfd_count(efd), 0);
	close(efd);
}
END_TEST

static Suite *
access_suite(void)
{
	Suite *s = suite_create("access");
	TCase *tc = tcase_create("access:io");

	tcase_add_checked_fixture(tc, setup, tt_teardown);
	tcase_add_test(tc, access_write_split_by_alignment);
	tcase_add_test(tc, access_narrow_read_widened_le_and_be);
	tcase_add_test(tc, access_eight_byte_dispatch_split_by_impl);
	tcase_add_test(tc, access_wide_write_split_by_impl_le);
	tcase_add_test(tc, access_big_endian_bytes_on_the_bus);
	tcase_add_test(tc, access_refused_chunks_read_zero);
	tcase_add_test(tc, access_attrs_and_device_errors_reach_the_caller);
	tcase_add_test(tc, access_pci_config_outl_not_clamped);
	tcase_add_test(tc, access_reservations_and_missing_callbacks_refuse);
	suite_add_tcase(s, tc);

	tc = tcase_create("access:memory");
	tcase_add_checked_fixture(tc, setup, tt_teardown);
	tcase_add_test(tc, access_ram_split_across_ranges_and_holes);
	tcase_add_test(tc, access_unassigned_memory_reads_zero);
	tcase_add_test(tc, access_io_space_holes_read_all_ones);
	tcase_add_test(tc, access_rom_write_dropped_debug_write_lands);
	tcase_add_test(tc, access_readonly_alias_over_ram_is_read_only);
	tcase_add_test(tc, access_romd_reads_memory_writes_ops);
	tcase_add_test(tc, access_ram_device_sized_volatile);
	tcase_add_test(tc, access_stale_reads_inside_transaction);
	tcase_add_test(tc, access_wraps_at_the_top_of_the_space);
	suite_add_tcase(s, tc);

	tc = tcase_create("access:ioeventfd");
	tcase_add_checked_fixture(tc, setup, tt_teardown);
	tcase_add_test(tc, access_soft_ioeventfd_replaces_the_device_write);
	tcase_add_test(tc,
		       access_soft_ioeventfd_off_when_the_hypervisor_matches);
	tcase_add_test(tc, access_soft_ioeventfd_needs_a_valid_access);
	suite_add_tcase(s, tc);

	tc = tcase_create("access:translate");
	tcase_add_checked_fixture(tc, setup, tt_teardown);
	tcase_add_test(tc, access_translate_gives_section_offset_and_length);
	tcase_add_test(tc, access_translate_whole_space_length);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(access_suite)
