/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The guest-memory object: dbs-address-space's test table (validity near
 * 2^64, intersections, layout windows, construction and insert errors with
 * their exact ranges, last_addr, is_dax, protection, NUMA lookups, walk),
 * asserting errors where dbs-address-space panics; removal, which it
 * lacks; the region tree it maintains (machine_ram, aliases around the
 * hole) and what listeners see of hot-plug and hot-unplug; regions on
 * backends and their fds.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "memory-probe.h"
#include "test-common.h"
#include "test-tree.h"
#include "test-listener-recorder.h"

#define KIB (1ull << 10)
#define MIB (1ull << 20)
#define GIB (1ull << 30)

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

static struct memspace_backend *
memfd_backend(uint64_t size)
{
	struct memspace_backend_config cfg = { .source = MEMSPACE_BACKEND_MEMFD,
					       .size = size,
					       .shared = true,
					       .noreserve = true };
	struct memspace_backend *be = memspace_backend_new(&cfg);

	ck_assert_ptr_nonnull(be);
	return be;
}

static struct memspace_guest_region
region(enum memspace_guest_region_type type, uint64_t base, uint64_t size)
{
	struct memspace_guest_region r;

	memspace_guest_region_init(&r, type, base, size);
	return r;
}

/* dbs-address-space §8.41: phys_end 4 GiB, RAM window [256 MiB, 512 MiB). */
static const struct memspace_guest_layout dbs_layout = {
	.phys_end = 4 * GIB, .mem_start = 256 * MIB, .mem_end = 512 * MIB
};

struct validity_case {
	enum memspace_guest_region_type type;
	uint64_t base, size;
	bool valid;
};

static const struct validity_case validity_cases[] = {
	{ MEMSPACE_GUEST_DEFAULT_MEMORY, 0, 64 * KIB, false },
	{ MEMSPACE_GUEST_DEFAULT_MEMORY, 512 * MIB, 64 * KIB, false },
	{ MEMSPACE_GUEST_DEFAULT_MEMORY, 64 * KIB, 512 * MIB, false },
	{ MEMSPACE_GUEST_DEFAULT_MEMORY, UINT64_MAX, 64 * KIB, false },
	{ MEMSPACE_GUEST_DEFAULT_MEMORY, 256 * MIB, 64 * KIB, true },
	{ MEMSPACE_GUEST_DEFAULT_MEMORY, 512 * MIB - 64 * KIB, 64 * KIB, true },
	{ MEMSPACE_GUEST_DEVICE_MEMORY, 256 * MIB, 64 * KIB, false },
	{ MEMSPACE_GUEST_DEVICE_MEMORY, 4 * GIB, 64 * KIB, false },
	{ MEMSPACE_GUEST_DEVICE_MEMORY, 64 * KIB, 4 * GIB, false },
	{ MEMSPACE_GUEST_DEVICE_MEMORY, UINT64_MAX, 64 * KIB, false },
	{ MEMSPACE_GUEST_DEVICE_MEMORY, 2 * GIB, 64 * KIB, true },
	{ MEMSPACE_GUEST_DEVICE_MEMORY, 4 * GIB - 64 * KIB, 64 * KIB, true },
	{ MEMSPACE_GUEST_DAX_MEMORY, 256 * MIB, 64 * KIB, false },
	{ MEMSPACE_GUEST_DAX_MEMORY, 2 * GIB, 64 * KIB, true },
	{ MEMSPACE_GUEST_FIRMWARE_MEMORY, 0, 64 * KIB, true },
	{ MEMSPACE_GUEST_FIRMWARE_MEMORY, 8 * GIB, 64 * KIB, true },
	{ MEMSPACE_GUEST_FIRMWARE_MEMORY, 0, 0, false },
};

START_TEST(guest_layout_validity_table)
{
	const struct validity_case *c = &validity_cases[_i];

	ck_assert_msg(memspace_guest_layout_region_valid(&dbs_layout, c->type,
							 c->base, c->size) ==
			      c->valid,
		      "case %d", _i);
}
END_TEST

/* dbs-address-space §8.42: validity and intersection near 2^64. */
START_TEST(guest_region_validity_near_2_64)
{
	const struct memspace_guest_layout all = { UINT64_MAX, 0, UINT64_MAX };
	enum memspace_guest_region_type fw = MEMSPACE_GUEST_FIRMWARE_MEMORY;
	uint64_t top4 = UINT64_MAX - 4 * KIB + 1, top8 = UINT64_MAX - 8 * KIB + 1;

	ck_assert(!memspace_guest_layout_region_valid(&all, fw, top4, 8 * KIB));
	ck_assert(!memspace_guest_layout_region_valid(&all, fw, top4, 4 * KIB));
	ck_assert(memspace_guest_layout_region_valid(&all, fw, top8, 4 * KIB));
	ck_assert(memspace_guest_layout_region_valid(&all, fw, top4,
						     4 * KIB - 1));
	ck_assert(!memspace_guest_layout_region_valid(NULL, fw, 0, 1));

	/* Intersections: touching no, self yes, overlap yes, overflow all. */
	ck_assert(!memspace_guest_ranges_intersect(0, 0x1000, 0x1000, 0x1000));
	ck_assert(memspace_guest_ranges_intersect(0x1000, 0x1000, 0x1000,
						  0x1000));
	ck_assert(memspace_guest_ranges_intersect(0x1000, 0x1000, 0x1800,
						  0x1000));
	ck_assert(memspace_guest_ranges_intersect(top4, 8 * KIB, 0, 1));
	ck_assert(memspace_guest_ranges_intersect(0, 1, top4, 4 * KIB));
	ck_assert(!memspace_guest_ranges_intersect(0x1000, 0, 0x1000, 0x10));
	ck_assert(!memspace_guest_ranges_intersect(top4, 8 * KIB, 0, 0));
}
END_TEST

/* Dragonball §8.45: RAM of hole_start + 1 GiB splits in two. */
START_TEST(guest_split_ram_around_hole)
{
	struct memspace_guest_ram_piece p[2];
	uint64_t hs = 3 * GIB, he = 4 * GIB;

	ck_assert_int_eq(memspace_guest_split_ram(0, hs + GIB, hs, he, 128 * MIB,
						  p),
			 2);
	ck_assert_uint_eq(p[0].gpa, 0);
	ck_assert_uint_eq(p[0].offset, 0);
	ck_assert_uint_eq(p[0].size, hs);
	ck_assert_uint_eq(p[1].gpa, he);
	ck_assert_uint_eq(p[1].offset, hs);
	ck_assert_uint_eq(p[1].size, GIB);
	/* Below the minimum: everything above the hole. */
	ck_assert_int_eq(memspace_guest_split_ram(hs - 64 * MIB, GIB, hs, he,
						  128 * MIB, p),
			 1);
	ck_assert_uint_eq(p[0].gpa, he);
	ck_assert_uint_eq(p[0].size, GIB);
	/* Fits below, starts inside, starts above. */
	ck_assert_int_eq(memspace_guest_split_ram(0, hs, hs, he, 0, p), 1);
	ck_assert_uint_eq(p[0].gpa, 0);
	ck_assert_int_eq(memspace_guest_split_ram(hs + 1, GIB, hs, he, 0, p), 1);
	ck_assert_uint_eq(p[0].gpa, he);
	ck_assert_int_eq(memspace_guest_split_ram(5 * GIB, GIB, hs, he, 0, p), 1);
	ck_assert_uint_eq(p[0].gpa, 5 * GIB);
	/* Errors. */
	ck_assert_int_eq(memspace_guest_split_ram(0, 0, hs, he, 0, p), -EINVAL);
	ck_assert_int_eq(memspace_guest_split_ram(0, GIB, he, hs, 0, p), -EINVAL);
	ck_assert_int_eq(memspace_guest_split_ram(0, GIB, hs, he, 0, NULL),
			 -EINVAL);
	ck_assert_int_eq(memspace_guest_split_ram(0, hs + GIB, hs,
						  UINT64_MAX - 1, 0, p),
			 -EOVERFLOW);
}
END_TEST

/* A machine: RAM [256M, 256M+2M), DAX and device windows, firmware. */
struct machine {
	struct memspace_region *root;
	struct memspace_addrspace *as;
	struct memspace_backend *ram_be, *fw_be;
	struct memspace_guest_memory *gm;
};

static void
machine_regions(struct machine *m, struct memspace_guest_region r[4])
{
	m->ram_be = memfd_backend(2 * MIB);
	m->fw_be = memfd_backend(64 * KIB);
	r[0] = region(MEMSPACE_GUEST_DEFAULT_MEMORY, 256 * MIB, 2 * MIB);
	r[0].backend = m->ram_be;
	r[0].host_numa_node = 0;
	r[1] = region(MEMSPACE_GUEST_DAX_MEMORY, 3 * GIB, 16 * MIB);
	r[2] = region(MEMSPACE_GUEST_DEVICE_MEMORY, 2 * GIB, 64 * KIB);
	r[3] = region(MEMSPACE_GUEST_FIRMWARE_MEMORY, 4 * GIB + 0x10000,
		      64 * KIB);
	r[3].backend = m->fw_be;
	r[3].name = "bios";
}

static void
machine_build(struct machine *m)
{
	struct memspace_guest_region r[4];

	m->root = tt_container("system", MEMSPACE_SIZE_2_64);
	m->as = tt_as("memory", m->root);
	machine_regions(m, r);
	/* Given in reverse order: the object sorts them. */
	struct memspace_guest_region rev[4] = { r[3], r[2], r[1], r[0] };
	ck_assert_int_eq(memspace_guest_memory_create(m->as, &dbs_layout, rev, 4,
						   NULL, &m->gm),
			 0);
}

static void
machine_free(struct machine *m)
{
	ck_assert_int_eq(memspace_guest_memory_destroy(m->gm), 0);
	memspace_backend_unref(m->ram_be);
	memspace_backend_unref(m->fw_be);
}

START_TEST(guest_queries_last_addr_dax_prot_numa)
{
	struct machine m;
	struct memspace_guest_region got;

	machine_build(&m);
	ck_assert_uint_eq(memspace_guest_memory_count(m.gm), 4);
	/* last_addr ignores the DAX window at 3 GiB; firmware counts. */
	ck_assert_uint_eq(memspace_guest_memory_last_addr(m.gm),
			  4 * GIB + 0x20000 - 1);
	ck_assert(memspace_guest_memory_is_dax(m.gm, 3 * GIB));
	ck_assert(memspace_guest_memory_is_dax(m.gm, 3 * GIB + 16 * MIB - 1));
	ck_assert(!memspace_guest_memory_is_dax(m.gm, 3 * GIB + 16 * MIB));
	ck_assert(!memspace_guest_memory_is_dax(m.gm, 256 * MIB));
	ck_assert_int_eq(memspace_guest_memory_get_prot(m.gm, 256 * MIB),
			 PROT_READ | PROT_WRITE);
	ck_assert_int_eq(memspace_guest_memory_get_prot(m.gm, 2 * GIB), 0);
	ck_assert_int_eq(memspace_guest_memory_get_prot(m.gm, 4 * GIB + 0x10000),
			 PROT_READ | PROT_EXEC);
	ck_assert_int_eq(memspace_guest_memory_get_prot(m.gm, 0), -ENOENT);
	ck_assert_int_eq(memspace_guest_memory_get_numa_node(m.gm, 256 * MIB),
			 0);
	ck_assert_int_eq(memspace_guest_memory_get_numa_node(m.gm, 2 * GIB),
			 -ENODATA);
	ck_assert_int_eq(memspace_guest_memory_get_numa_node(m.gm, 1 * GIB),
			 -ENOENT);
	ck_assert_int_eq(memspace_guest_memory_find(m.gm, 4 * GIB + 0x1ffff,
						    &got),
			 0);
	ck_assert_str_eq(got.name, "bios");
	ck_assert_ptr_eq(got.backend, m.fw_be);
	ck_assert_int_eq(memspace_guest_memory_find(m.gm, 4 * GIB + 0x20000,
						    NULL),
			 -ENOENT);
	ck_assert_uint_eq(memspace_guest_memory_get_layout(m.gm)->mem_end,
			 512 * MIB);
	machine_free(&m);
}
END_TEST

static int
walk_collect(void *opaque, const struct memspace_guest_region *r)
{
	GArray *bases = opaque;

	g_array_append_val(bases, r->base);
	return bases->len == 3 ? 42 : 0;
}

START_TEST(guest_walk_in_address_order_and_stops)
{
	struct machine m;
	g_autoptr(GArray) bases = g_array_new(false, false, sizeof(uint64_t));

	machine_build(&m);
	ck_assert_int_eq(memspace_guest_memory_walk(m.gm, walk_collect, bases),
			 42);
	ck_assert_uint_eq(bases->len, 3);
	ck_assert_uint_eq(g_array_index(bases, uint64_t, 0), 256 * MIB);
	ck_assert_uint_eq(g_array_index(bases, uint64_t, 1), 2 * GIB);
	ck_assert_uint_eq(g_array_index(bases, uint64_t, 2), 3 * GIB);
	machine_free(&m);
}
END_TEST

/* Where dbs-address-space panics (from_regions), an error and no change. */
START_TEST(guest_new_rejects_invalid_and_intersecting)
{
	struct memspace_region *root = tt_container("system", MEMSPACE_SIZE_2_64);
	struct memspace_addrspace *as = tt_as("memory", root);
	struct memspace_backend *be = memfd_backend(4 * MIB);
	struct memspace_guest_memory *gm = (void *)1;
	struct memspace_guest_range bad = { 0 };
	struct memspace_guest_region r[3] = {
		region(MEMSPACE_GUEST_DEFAULT_MEMORY, 256 * MIB, MIB),
		region(MEMSPACE_GUEST_DEFAULT_MEMORY, 256 * MIB + 2 * MIB, MIB),
		region(MEMSPACE_GUEST_DEFAULT_MEMORY, 256 * MIB + MIB / 2, MIB),
	};

	for (int i = 0; i < 3; i++) {
		r[i].backend = be;
	}
	ck_assert_int_eq(memspace_guest_memory_create(as, &dbs_layout, r, 3, &bad,
						   &gm),
			 -EEXIST);
	ck_assert_ptr_null(gm);
	ck_assert_uint_eq(bad.base, 256 * MIB + MIB / 2);
	ck_assert_uint_eq(bad.size, MIB);
	test_assert_view_empty(as);
	ck_assert_ptr_null(memspace_addrspace_get_machine_ram(as));

	r[2] = region(MEMSPACE_GUEST_DEVICE_MEMORY, 100 * MIB, MIB);
	ck_assert_int_eq(memspace_guest_memory_create(as, &dbs_layout, r, 3, &bad,
						   &gm),
			 -ERANGE);
	ck_assert_uint_eq(bad.base, 100 * MIB);
	test_assert_view_empty(as);

	/* A region needing a backend without one; a window past it. */
	r[2] = region(MEMSPACE_GUEST_DEFAULT_MEMORY, 300 * MIB, MIB);
	ck_assert_int_eq(memspace_guest_memory_create(as, &dbs_layout, r, 3, &bad,
						   &gm),
			 -EINVAL);
	r[2].backend = be;
	r[2].backend_offset = 3 * MIB + 1;
	ck_assert_int_eq(memspace_guest_memory_create(as, &dbs_layout, r, 3, &bad,
						   &gm),
			 -EINVAL);
	test_assert_view_empty(as);

	/* Bad layouts and roots. */
	const struct memspace_guest_layout inverted = { GIB, 2 * GIB, GIB };
	ck_assert_int_eq(memspace_guest_memory_create(as, &inverted, NULL, 0, NULL,
						   &gm),
			 -EINVAL);
	ck_assert_int_eq(memspace_guest_memory_create(NULL, &dbs_layout, NULL, 0,
						   NULL, &gm),
			 -EINVAL);
	memspace_backend_unref(be);
}
END_TEST

/* dbs-address-space insert_region errors carry the inserted range. */
START_TEST(guest_insert_errors_with_exact_ranges)
{
	struct machine m;
	struct memspace_guest_range bad = { 0 };
	struct memspace_guest_region r;
	size_t n;

	machine_build(&m);
	n = memspace_guest_memory_count(m.gm);
	r = region(MEMSPACE_GUEST_DEVICE_MEMORY, 2 * GIB + 32 * KIB, 64 * KIB);
	ck_assert_int_eq(memspace_guest_memory_insert(m.gm, &r, &bad), -EEXIST);
	ck_assert_uint_eq(bad.base, 2 * GIB + 32 * KIB);
	ck_assert_uint_eq(bad.size, 64 * KIB);
	r = region(MEMSPACE_GUEST_DEVICE_MEMORY, 4 * GIB, 64 * KIB);
	ck_assert_int_eq(memspace_guest_memory_insert(m.gm, &r, &bad), -ERANGE);
	ck_assert_uint_eq(bad.base, 4 * GIB);
	ck_assert_uint_eq(bad.size, 64 * KIB);
	r = region(MEMSPACE_GUEST_DEFAULT_MEMORY, 256 * MIB + MIB, MIB);
	r.backend = m.ram_be;
	ck_assert_int_eq(memspace_guest_memory_insert(m.gm, &r, &bad), -EEXIST);
	ck_assert_uint_eq(bad.base, 256 * MIB + MIB);
	r.type = 17;
	ck_assert_int_eq(memspace_guest_memory_insert(m.gm, &r, NULL), -EINVAL);
	ck_assert_int_eq(memspace_guest_memory_insert(m.gm, NULL, NULL), -EINVAL);
	ck_assert_uint_eq(memspace_guest_memory_count(m.gm), n);
	/* Touching neighbours are fine. */
	r = region(MEMSPACE_GUEST_DEVICE_MEMORY, 2 * GIB + 64 * KIB, 64 * KIB);
	ck_assert_int_eq(memspace_guest_memory_insert(m.gm, &r, NULL), 0);
	ck_assert_uint_eq(memspace_guest_memory_count(m.gm), n + 1);
	machine_free(&m);
}
END_TEST

/* The tree: RAM in machine_ram, aliases and windows in the root. */
START_TEST(guest_tree_machine_ram_and_windows)
{
	struct machine m;
	struct memspace_region *mram, *dev, *io;
	struct memspace_section sec;
	const struct expect_range exp[] = {
		{ 256 * MIB, 258 * MIB - 1, "ram0", 0 },
		{ 4 * GIB + 0x10000, 4 * GIB + 0x1ffff, "bios", 0, true },
	};
	const struct expect_range exp_io[] = {
		{ 256 * MIB, 258 * MIB - 1, "ram0", 0 },
		{ 2 * GIB + 0x100, 2 * GIB + 0x1ff, "io", 0 },
		{ 4 * GIB + 0x10000, 4 * GIB + 0x1ffff, "bios", 0, true },
	};

	machine_build(&m);
	mram = memspace_guest_memory_get_machine_ram(m.gm);
	ck_assert_ptr_eq(memspace_addrspace_get_machine_ram(m.as), mram);
	ck_assert_str_eq(memspace_region_get_name(mram), "machine_ram");
	test_assert_view_ro(m.as, exp);
	sec = tt_section(m.as, 0);
	ck_assert_ptr_eq(memspace_region_get_parent(sec.mr), mram);
	ck_assert_ptr_eq(memspace_region_get_backend(sec.mr, NULL), m.ram_be);
	ck_assert_str_eq(memspace_region_get_name(
				 memspace_guest_memory_get_region(m.gm,
								  256 * MIB)),
			 "ram@0x10000000");
	/* A device maps its MMIO into its device-memory container. */
	dev = memspace_guest_memory_get_region(m.gm, 2 * GIB);
	ck_assert_int_eq(memspace_region_get_kind(dev),
			 MEMSPACE_REGION_CONTAINER);
	io = tt_io("io", 0x100);
	tt_add(dev, 0x100, io);
	test_assert_view_ro(m.as, exp_io);
	ck_assert_ptr_null(memspace_guest_memory_get_region(m.gm, GIB));
	ck_assert_int_eq(errno, ENOENT);
	/* A second object on the same address space is refused. */
	struct memspace_guest_memory *gm2 = NULL;
	ck_assert_int_eq(memspace_guest_memory_create(m.as, &dbs_layout, NULL, 0,
						   NULL, &gm2),
			 -EINVAL);
	machine_free(&m);
	ck_assert_ptr_null(memspace_addrspace_get_machine_ram(m.as));
	test_assert_view_empty(m.as);
}
END_TEST

/* One backend split around a hole: one RAM region, two aliases. */
START_TEST(guest_ram_split_around_hole_shares_one_ram)
{
	const struct memspace_guest_layout pc = { 1ull << 40, 0, 1ull << 39 };
	struct memspace_region *root = tt_container("system", MEMSPACE_SIZE_2_64);
	struct memspace_addrspace *as = tt_as("memory", root);
	struct memspace_backend *be = memfd_backend(8 * MIB);
	struct memspace_guest_ram_piece p[2];
	struct memspace_guest_region r[2];
	struct memspace_guest_memory *gm;
	struct memspace_section sec;
	/* A toy PC: hole [6M, 16M). */
	const struct expect_range exp[] = {
		{ 0, 6 * MIB - 1, "ram0", 0 },
		{ 16 * MIB, 18 * MIB - 1, "ram0", 6 * MIB },
	};

	ck_assert_int_eq(memspace_guest_split_ram(0, 8 * MIB, 6 * MIB, 16 * MIB,
						  0, p),
			 2);
	for (int i = 0; i < 2; i++) {
		r[i] = region(MEMSPACE_GUEST_DEFAULT_MEMORY, p[i].gpa, p[i].size);
		r[i].backend = be;
		r[i].backend_offset = p[i].offset;
		r[i].name = i ? "ram-above" : "ram-below";
	}
	ck_assert_int_eq(memspace_guest_memory_create(as, &pc, r, 2, NULL, &gm), 0);
	test_assert_view(as, exp);
	sec = tt_section(as, 1);
	ck_assert_ptr_eq(sec.mr, tt_section(as, 0).mr);
	/* Writes through either alias land in the one backend. */
	ck_assert_int_eq(memspace_addrspace_write(as, 16 * MIB,
						  (struct memspace_attrs){ 0 },
						  "hi", 2),
			 MEMSPACE_ACCESS_OK);
	ck_assert_mem_eq((char *)memspace_backend_get_host(be) + 6 * MIB, "hi",
			 2);
	/* Removing one piece keeps the RAM for the other. */
	ck_assert_int_eq(memspace_guest_memory_remove(gm, 0, 6 * MIB), 0);
	ck_assert_uint_eq(tt_nr_ranges(as), 1);
	ck_assert_ptr_eq(memspace_region_get_parent(tt_section(as, 0).mr),
			 memspace_guest_memory_get_machine_ram(gm));
	ck_assert_int_eq(memspace_guest_memory_destroy(gm), 0);
	memspace_backend_unref(be);
}
END_TEST

/* Hot-plug and hot-unplug are ordinary commits listeners follow. */
START_TEST(guest_hotplug_and_unplug_reach_listeners)
{
	struct machine m;
	struct recorder rec;
	struct memspace_backend *dimm = memfd_backend(MIB);
	struct memspace_guest_region r =
		region(MEMSPACE_GUEST_DEFAULT_MEMORY, 384 * MIB, MIB);
	struct memspace_region *mram;

	machine_build(&m);
	mram = memspace_guest_memory_get_machine_ram(m.gm);
	recorder_attach(&rec, "L", log_, m.as);
	r.backend = dimm;
	r.hotplug = true;
	r.name = "dimm0";
	ck_assert_int_eq(memspace_guest_memory_insert(m.gm, &r, NULL), 0);
	recorder_expect(log_, "L begin", "L nop [10000000-101fffff] ram0@0",
			"L add [18000000-180fffff] ram1@0",
			"L nop [100010000-10001ffff] bios@0 ro", "L commit");
	ck_assert_uint_eq(memspace_guest_memory_last_addr(m.gm),
			  4 * GIB + 0x20000 - 1);
	ck_assert_int_eq(memspace_guest_memory_remove(m.gm, 384 * MIB, 4 * KIB),
			 -ENOENT);
	ck_assert_int_eq(memspace_guest_memory_remove(m.gm, 385 * MIB, MIB),
			 -ENOENT);
	recorder_expect_empty(log_);
	ck_assert_int_eq(memspace_guest_memory_remove(m.gm, 384 * MIB, MIB), 0);
	recorder_expect(log_, "L begin", "L del [18000000-180fffff] ram1@0",
			"L nop [10000000-101fffff] ram0@0",
			"L nop [100010000-10001ffff] bios@0 ro", "L commit");
	/* Its RAM left machine_ram with it: only ram0 is left. */
	ck_assert_str_eq(memspace_region_get_name(tt_section(m.as, 0).mr),
			 "ram0");
	ck_assert_ptr_eq(memspace_region_get_parent(tt_section(m.as, 0).mr),
			 mram);
	ck_assert_int_eq(memspace_guest_memory_find(m.gm, 384 * MIB, NULL),
			 -ENOENT);
	/* Inside a caller's transaction, listeners hear it at its commit. */
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_guest_memory_insert(m.gm, &r, NULL), 0);
	recorder_expect_empty(log_);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	recorder_expect(log_, "L begin", "L nop [10000000-101fffff] ram0@0",
			"L add [18000000-180fffff] ram2@0",
			"L nop [100010000-10001ffff] bios@0 ro", "L commit");
	recorder_unregister(&rec, 0);
	memspace_backend_unref(dimm);	/* the object keeps its reference */
	machine_free(&m);
}
END_TEST

START_TEST(guest_regions_on_backends_and_fds)
{
	struct memspace_backend *be = memfd_backend(4 * MIB);
	struct memspace_region *root = tt_container("system", MEMSPACE_SIZE_2_64);
	struct memspace_region *a, *b, *al, *dev;
	struct memspace_addrspace *as;
	struct memspace_section sec;
	uint64_t off = 0;
	int fd = memspace_backend_get_fd(be, NULL);

	a = memspace_region_new_ram_backend(tt_ms, "a", be, MIB, MIB);
	b = memspace_region_new_ram_backend(tt_ms, "b", be, 3 * MIB, MIB);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	tt_keep(a);
	tt_keep(b);
	ck_assert_ptr_eq(memspace_region_get_host_ptr(a),
			 (char *)memspace_backend_get_host(be) + MIB);
	ck_assert_ptr_eq(memspace_region_get_backend(b, &off), be);
	ck_assert_uint_eq(off, 3 * MIB);
	ck_assert_int_eq(memspace_region_get_fd(a, &off), fd);
	ck_assert_uint_eq(off, MIB);
	ck_assert_uint_eq(memspace_region_get_page_size(a),
			  (uint64_t)sysconf(_SC_PAGESIZE));
	al = tt_alias("al", b, 0x2000, 0x1000);
	ck_assert_int_eq(memspace_region_get_fd(al, &off), fd);
	ck_assert_uint_eq(off, 3 * MIB + 0x2000);
	tt_add(root, 0, a);
	tt_add(root, 16 * MIB, al);
	as = tt_as("as", root);
	sec = tt_section(as, 0);
	ck_assert_int_eq(memspace_section_get_fd(&sec, &off), fd);
	ck_assert_uint_eq(off, MIB);
	sec = tt_section(as, 1);
	ck_assert_int_eq(memspace_section_get_fd(&sec, &off), fd);
	ck_assert_uint_eq(off, 3 * MIB + 0x2000);
	ck_assert_int_eq(memspace_section_get_fd(NULL, &off), -1);
	ck_assert_int_eq(memspace_region_get_fd(tt_ram("plain", 0x1000), NULL),
			 -1);
	ck_assert_ptr_null(memspace_region_get_backend(root, NULL));

	/* RAM device on a backend; windows that do not fit. */
	dev = memspace_region_new_ram_device_backend(tt_ms, "dev", be, 0, MIB);
	ck_assert_int_eq(memspace_region_get_kind(dev),
			 MEMSPACE_REGION_RAM_DEVICE);
	memspace_region_unref(dev);
	errno = 0;
	ck_assert_ptr_null(memspace_region_new_ram_backend(tt_ms, "x", be,
							   3 * MIB, 2 * MIB));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_ptr_null(memspace_region_new_ram_backend(tt_ms, "x", be, 0, 0));
	ck_assert_ptr_null(memspace_region_new_ram_backend(tt_ms, "x", NULL, 0,
							   1));
	/* The regions keep the backend alive. */
	memspace_backend_unref(be);
	((char *)memspace_region_get_host_ptr(b))[0] = 1;
}
END_TEST

/* Dragonball: create and drop memfd-backed guest memory 10,000 times. */
START_TEST(guest_ten_thousand_cycles_are_flat)
{
	struct memspace_region *root = tt_container("system", MEMSPACE_SIZE_2_64);
	struct memspace_addrspace *as = tt_as("memory", root);
	const uint64_t size = MIB + 0x5000;	/* a size nothing else maps */
	unsigned fds = probe_fd_count(), maps = probe_map_count_size(size);
	uint64_t rss0 = 0;
	int next;

	for (unsigned i = 0; i < 10000; i++) {
		struct memspace_backend *be = memfd_backend(size);
		struct memspace_guest_region r =
			region(MEMSPACE_GUEST_DEFAULT_MEMORY, 256 * MIB, size);
		struct memspace_guest_memory *gm;
		uint32_t v = i;

		r.backend = be;
		ck_assert_int_eq(memspace_guest_memory_create(as, &dbs_layout, &r, 1,
							   NULL, &gm),
				 0);
		memspace_backend_unref(be);
		ck_assert_int_eq(memspace_addrspace_store(as, 256 * MIB + 8, 4, v),
				 0);
		ck_assert_int_eq(memspace_guest_memory_destroy(gm), 0);
		if (i == 100) {
			rss0 = probe_rss();
		}
	}
	/* Regions (and the backends they hold) are freed after a grace
	 * period: wait for the reclaim thread, then nothing is left. */
	for (unsigned t = 0; t < 500 && probe_fd_count() != fds; t++) {
		g_usleep(10000);
	}
	ck_assert_uint_eq(probe_fd_count(), fds);
	ck_assert_uint_eq(probe_map_count_size(size), maps);
	/* What malloc keeps for reuse is not a leak: give it back first.
	 * (Under ASan freed memory sits in a quarantine instead.) */
	malloc_trim(0);
#if !defined(__SANITIZE_ADDRESS__)
	ck_assert_uint_lt(probe_rss(), rss0 + 4 * MIB);
#else
	(void)rss0;
#endif
	next = dup(0);
	ck_assert_int_lt(next, 1000);
	close(next);
}
END_TEST

/* `memspace show --backends`: one line per RAM region shown. */
START_TEST(guest_show_backends_lists_each_ram_region)
{
	struct machine m;
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	g_autofree char *ram_line = NULL;

	machine_build(&m);
	tt_add(m.root, 5 * GIB, tt_ram("plain", 0x1000));
	ck_assert_int_eq(memspace_show_backends(tt_ms, out), 0);
	fclose(out);
	ram_line = g_strdup_printf("  memory 0000000010000000 ram0: memfd shared "
				   "page=%ld numa=default offset=0x0 "
				   "fd-offset=0x0\n",
				   sysconf(_SC_PAGESIZE));
	ck_assert_msg(g_str_has_prefix(text, "backends:\n"), "%s", text);
	ck_assert_msg(strstr(text, ram_line), "%s", text);
	ck_assert_msg(strstr(text, "  memory 0000000100010000 bios: memfd shared "),
		      "%s", text);
	ck_assert_msg(strstr(text, " plain: anon private page="), "%s", text);
	ck_assert_msg(strstr(text, "(mapped by memspace)\n"), "%s", text);
	ck_assert_int_eq(memspace_show_backends(NULL, stdout), -EINVAL);
	free(text);
	machine_free(&m);
}
END_TEST

static Suite *
guest_memory_suite(void)
{
	Suite *s = suite_create("guest-memory");
	TCase *tl = tcase_create("guest:layout");
	TCase *to = tcase_create("guest:object");
	TCase *tb = tcase_create("guest:backend-regions");

	tcase_add_loop_test(tl, guest_layout_validity_table, 0,
			    (int)ARRAY_SIZE(validity_cases));
	tcase_add_test(tl, guest_region_validity_near_2_64);
	tcase_add_test(tl, guest_split_ram_around_hole);
	suite_add_tcase(s, tl);
	tcase_add_checked_fixture(to, setup, teardown);
	tcase_add_test(to, guest_queries_last_addr_dax_prot_numa);
	tcase_add_test(to, guest_walk_in_address_order_and_stops);
	tcase_add_test(to, guest_new_rejects_invalid_and_intersecting);
	tcase_add_test(to, guest_insert_errors_with_exact_ranges);
	tcase_add_test(to, guest_tree_machine_ram_and_windows);
	tcase_add_test(to, guest_ram_split_around_hole_shares_one_ram);
	tcase_add_test(to, guest_hotplug_and_unplug_reach_listeners);
	tcase_add_test(to, guest_show_backends_lists_each_ram_region);
	suite_add_tcase(s, to);
	tcase_add_checked_fixture(tb, setup, teardown);
	tcase_add_test(tb, guest_regions_on_backends_and_fds);
	tcase_add_test(tb, guest_ten_thousand_cycles_are_flat);
	tcase_set_timeout(tb, 120);
	suite_add_tcase(s, tb);
	return s;
}

TEST_MAIN(guest_memory_suite)
