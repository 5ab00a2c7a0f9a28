/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Guest-access helpers: guest ranges mapped to host chunks across flat
 * ranges (with the partial count), "is RAM" and "end of RAM" with an I/O
 * overlay (StratoVirt's RAM-info test), tear-free atomics (vm-memory's),
 * streaming to and from fds, and the dirty marking of every VMM-side
 * write path (vm-memory's bitmap tests).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "test-common.h"
#include "test-tree.h"

static uint64_t page;
static const struct memspace_attrs no_attrs;

static void
setup(void)
{
	tt_setup();
	page = memspace_dirty_page_size();
}

static void
teardown(void)
{
	tt_teardown();
}

/* RAM a [0, 4P), RAM b [4P, 8P), a hole, RAM c [16P, 20P) read-only, and an
 * I/O region at [24P, 25P). */
struct map {
	struct memspace_region *root, *a, *b, *c, *io;
	struct memspace_addrspace *as;
};

static void
map_build(struct map *m)
{
	m->root = tt_container("root", MEMSPACE_SIZE_2_64);
	m->a = tt_ram("a", 4 * page);
	m->b = tt_ram("b", 4 * page);
	m->c = tt_ram("c", 4 * page);
	m->io = tt_io("io", page);
	memspace_region_set_readonly(m->c, true);
	tt_add(m->root, 0, m->a);
	tt_add(m->root, 4 * page, m->b);
	tt_add(m->root, 16 * page, m->c);
	tt_add(m->root, 24 * page, m->io);
	m->as = tt_as("as", m->root);
}

START_TEST(access_map_across_ranges_and_partial)
{
	struct map m;
	struct memspace_flatview *fv;
	struct iovec iov[4];
	unsigned n;
	uint64_t done;

	map_build(&m);
	fv = tt_hold_view(m.as);
	ck_assert_int_eq(memspace_flatview_map(fv, 2 * page, 4 * page, true,
					       iov, 4, &n, &done),
			 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(done, 4 * page);
	ck_assert_ptr_eq(iov[0].iov_base,
			 (char *)memspace_region_get_host_ptr(m.a) + 2 * page);
	ck_assert_uint_eq(iov[0].iov_len, 2 * page);
	ck_assert_ptr_eq(iov[1].iov_base, memspace_region_get_host_ptr(m.b));
	ck_assert_uint_eq(iov[1].iov_len, 2 * page);
	/* Partly unmapped: the prefix and its length. */
	ck_assert_int_eq(memspace_flatview_map(fv, 6 * page, 4 * page, false,
					       iov, 4, &n, &done),
			 -EFAULT);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(done, 2 * page);
	/* Read-only maps for reading only; I/O never. */
	ck_assert_int_eq(memspace_flatview_map(fv, 16 * page, page, false, iov,
					       4, &n, &done),
			 0);
	ck_assert_int_eq(memspace_flatview_map(fv, 16 * page, page, true, iov,
					       4, &n, &done),
			 -EFAULT);
	ck_assert_uint_eq(done, 0);
	ck_assert_int_eq(memspace_flatview_map(fv, 24 * page, 1, false, iov, 4,
					       &n, &done),
			 -EFAULT);
	/* Too few entries. */
	ck_assert_int_eq(memspace_flatview_map(fv, 0, 8 * page, false, iov, 1,
					       &n, &done),
			 -E2BIG);
	ck_assert_uint_eq(done, 4 * page);
	/* Zero length, wrap, bad arguments. */
	ck_assert_int_eq(memspace_flatview_map(fv, 0, 0, false, iov, 4, &n,
					       &done),
			 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(memspace_flatview_map(fv, UINT64_MAX, 2, false, iov, 4,
					       &n, &done),
			 -EFAULT);
	ck_assert_int_eq(memspace_flatview_map(NULL, 0, 1, false, iov, 4, &n,
					       &done),
			 -EINVAL);
	memspace_flatview_unref(fv);
}
END_TEST

/* Contiguous host memory of one region seen as two ranges merges. */
START_TEST(access_map_merges_contiguous_host_chunks)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *ram = tt_ram("ram", 4 * page);
	struct memspace_region *lo = tt_alias("lo", ram, 0, 2 * page);
	struct memspace_region *hi = tt_alias("hi", ram, 2 * page, 2 * page);
	struct memspace_addrspace *as;
	struct memspace_flatview *fv;
	struct iovec iov[2];
	unsigned n;
	uint64_t done;

	memspace_region_set_unmergeable(hi, true);	/* two flat ranges */
	tt_add(root, 0, lo);
	tt_add(root, 2 * page, hi);
	as = tt_as("as", root);
	ck_assert_uint_eq(tt_nr_ranges(as), 2);
	fv = tt_hold_view(as);
	ck_assert_int_eq(memspace_flatview_map(fv, page, 2 * page, true, iov, 2,
					       &n, &done),
			 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(iov[0].iov_len, 2 * page);
	memspace_flatview_unref(fv);
}
END_TEST

/* StratoVirt §8.27: RAM info with an I/O overlay. */
START_TEST(access_is_ram_and_ram_end_with_overlay)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_region *a = tt_ram("a", 1000), *b = tt_ram("b", 1000);
	struct memspace_addrspace *as;
	uint64_t end = 0;

	tt_add(root, 0, a);
	tt_add(root, 2000, b);
	as = tt_as("as", root);
	ck_assert_int_eq(memspace_addrspace_ram_end(as, &end), 0);
	ck_assert_uint_eq(end, 3000);
	ck_assert(memspace_addrspace_is_ram(as, 0, 1));
	ck_assert(memspace_addrspace_is_ram(as, 2900, 100));
	ck_assert(!memspace_addrspace_is_ram(as, 2900, 101));
	ck_assert(!memspace_addrspace_is_ram(as, 1000, 1));
	ck_assert(!memspace_addrspace_is_ram(as, 1500, 1));
	ck_assert(!memspace_addrspace_is_ram(as, 900, 200));
	ck_assert(!memspace_addrspace_is_ram(as, 0, 0));
	tt_add_prio(root, 1000, tt_io("c", 1500), 1);
	ck_assert(!memspace_addrspace_is_ram(as, 2400, 1));
	ck_assert(memspace_addrspace_is_ram(as, 2500, 500));
	ck_assert_int_eq(memspace_addrspace_ram_end(as, &end), 0);
	ck_assert_uint_eq(end, 3000);
	ck_assert_int_eq(memspace_addrspace_ram_end(NULL, &end), -EINVAL);
}
END_TEST

START_TEST(access_ram_end_without_ram)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_addrspace *as;
	uint64_t end;

	tt_add(root, 0, tt_io("io", 0x1000));
	as = tt_as("as", root);
	ck_assert_int_eq(memspace_addrspace_ram_end(as, &end), -ENOENT);
}
END_TEST

/* vm-memory §8.32: aligned round trips, misaligned, past the end. */
START_TEST(access_atomics_round_trip_and_errors)
{
	struct map m;
	uint64_t v = 0;
	static const unsigned sizes[] = { 1, 2, 4, 8 };

	map_build(&m);
	for (unsigned i = 0; i < ARRAY_SIZE(sizes); i++) {
		unsigned s = sizes[i];
		uint64_t mask = s == 8 ? UINT64_MAX : (1ull << (8 * s)) - 1;

		ck_assert_int_eq(memspace_addrspace_store(m.as, 0x40, s,
							  0x8877665544332211ull),
				 0);
		ck_assert_int_eq(memspace_addrspace_load(m.as, 0x40, s, &v), 0);
		ck_assert_uint_eq(v, 0x8877665544332211ull & mask);
		ck_assert_int_eq(memspace_addrspace_store(m.as, 0x40, s, 0), 0);
	}
	ck_assert_int_eq(memspace_addrspace_load(m.as, 0x41, 2, &v), -EINVAL);
	ck_assert_int_eq(memspace_addrspace_load(m.as, 0x44, 8, &v), -EINVAL);
	ck_assert_int_eq(memspace_addrspace_load(m.as, 0x40, 3, &v), -EINVAL);
	ck_assert_int_eq(memspace_addrspace_store(m.as, 0x40, 16, 0), -EINVAL);
	/* Past the end of RAM, in a hole, in I/O. */
	ck_assert_int_eq(memspace_addrspace_load(m.as, 8 * page, 8, &v),
			 -EFAULT);
	ck_assert_int_eq(memspace_addrspace_load(m.as, 24 * page, 4, &v),
			 -EFAULT);
	/* Read-only RAM loads but does not store. */
	ck_assert_int_eq(memspace_addrspace_load(m.as, 16 * page, 8, &v), 0);
	ck_assert_int_eq(memspace_addrspace_store(m.as, 16 * page, 8, 1),
			 -EROFS);
	ck_assert_int_eq(memspace_addrspace_load(NULL, 0, 8, &v), -EINVAL);
}
END_TEST

/* An 8-byte value straddling two RAM ranges is never split. */
START_TEST(access_atomics_never_straddle)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	uint64_t v;
	struct memspace_addrspace *as;

	tt_add(root, 0, tt_ram("a", 0x1004));
	tt_add(root, 0x1004, tt_ram("b", 0x1000));
	as = tt_as("as", root);
	ck_assert_int_eq(memspace_addrspace_load(as, 0x1000, 8, &v), -EFAULT);
	ck_assert_int_eq(memspace_addrspace_load(as, 0x1000, 4, &v), 0);
}
END_TEST

struct tear {
	struct memspace_addrspace *as;
	bool stop;
};

static gpointer
tear_writer(gpointer opaque)
{
	struct tear *t = opaque;

	memspace_thread_register();
	for (uint64_t i = 0; !__atomic_load_n(&t->stop, __ATOMIC_RELAXED); i++) {
		memspace_addrspace_store(t->as, 0x1000 - 8, 8,
					 i & 1 ? 0 : UINT64_MAX);
	}
	memspace_thread_unregister();
	return NULL;
}

/* vm-memory §8.30: a reader never sees half of a store. */
START_TEST(access_atomics_are_tear_free)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct tear t = { 0 };
	GThread *w;

	tt_add(root, 0, tt_ram("a", 0x1000));
	t.as = tt_as("as", root);
	w = g_thread_new("writer", tear_writer, &t);
	for (unsigned i = 0; i < 200000; i++) {
		uint64_t v;

		ck_assert_int_eq(memspace_addrspace_load(t.as, 0x1000 - 8, 8, &v),
				 0);
		ck_assert(v == 0 || v == UINT64_MAX);
	}
	__atomic_store_n(&t.stop, true, __ATOMIC_RELAXED);
	g_thread_join(w);
}
END_TEST

START_TEST(access_fd_streams_across_ranges)
{
	struct map m;
	g_autofree uint8_t *pattern = g_malloc(6 * page);
	g_autofree uint8_t *back = g_malloc0(8 * page);
	int fd = memfd_create("stream", MFD_CLOEXEC);
	ssize_t r;

	map_build(&m);
	for (uint64_t i = 0; i < 6 * page; i++) {
		pattern[i] = (uint8_t)(i * 7 + 3);
	}
	ck_assert_int_eq(pwrite(fd, pattern, 6 * page, 0), (ssize_t)(6 * page));
	/* From the fd into a and b (at offset 1 in the file). */
	r = memspace_addrspace_read_from_fd(m.as, page + 5, fd, 1, 5 * page);
	ck_assert_int_eq(r, (ssize_t)(5 * page));
	ck_assert_mem_eq((uint8_t *)memspace_region_get_host_ptr(m.a) + page + 5,
			 pattern + 1, 3 * page - 5);
	ck_assert_mem_eq(memspace_region_get_host_ptr(m.b),
			 pattern + 1 + 3 * page - 5, 2 * page + 5);
	/* End of file: short count. */
	r = memspace_addrspace_read_from_fd(m.as, 0, fd, 5 * page, 2 * page);
	ck_assert_int_eq(r, (ssize_t)page);
	/* Into a hole after b: what fits. */
	r = memspace_addrspace_read_from_fd(m.as, 7 * page, fd, 0, 3 * page);
	ck_assert_int_eq(r, (ssize_t)page);
	/* Not RAM, read-only, bad fd. */
	ck_assert_int_eq(memspace_addrspace_read_from_fd(m.as, 9 * page, fd, 0,
							 1),
			 -EFAULT);
	ck_assert_int_eq(memspace_addrspace_read_from_fd(m.as, 16 * page, fd,
							 0, 1),
			 -EFAULT);
	ck_assert_int_eq(memspace_addrspace_read_from_fd(m.as, 0, -1, 0, 1),
			 -EINVAL);
	ck_assert_int_eq(memspace_addrspace_read_from_fd(m.as, 0, fd, 0, 0), 0);
	/* Guest to fd at the fd's position, across a and b. */
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	r = memspace_addrspace_write_to_fd(m.as, page + 5, fd, -1, 5 * page);
	ck_assert_int_eq(r, (ssize_t)(5 * page));
	ck_assert_int_eq(pread(fd, back, 8 * page, 0), (ssize_t)(5 * page));
	ck_assert_mem_eq(back, pattern + 1, 5 * page);
	/* Read-only RAM can be written out; the hole stops it. */
	r = memspace_addrspace_write_to_fd(m.as, 16 * page, fd, 0, 8 * page);
	ck_assert_int_eq(r, (ssize_t)(4 * page));
	close(fd);
}
END_TEST

/* vm-memory §8.36: every write path marks exactly what it wrote. */
START_TEST(access_every_write_path_marks_dirty)
{
	struct map m;
	struct memspace_flatview *fv;
	struct iovec iov[2];
	unsigned n;
	uint64_t done;
	int fd = memfd_create("dirty", MFD_CLOEXEC);
	const unsigned mig = MEMSPACE_DIRTY_MIGRATION;
	uint8_t buf[16] = { 1 };

	map_build(&m);
	ck_assert_int_eq(ftruncate(fd, (off_t)page), 0);
	ck_assert_int_eq(memspace_region_set_log(m.a, mig, true), 0);
	ck_assert_int_eq(memspace_region_set_log(m.b, mig, true), 0);

	/* Reads never mark. */
	memspace_addrspace_read(m.as, 0, no_attrs, buf, sizeof(buf));
	ck_assert_int_eq(memspace_addrspace_write_to_fd(m.as, 0, fd, 0, page),
			 (ssize_t)page);
	ck_assert_int_eq(memspace_region_get_and_clear_dirty(m.a, mig, 0,
							     4 * page, NULL),
			 0);

	/* memspace_addrspace_write: page 1 of a only. */
	memspace_addrspace_write(m.as, page + 8, no_attrs, buf, sizeof(buf));
	ck_assert(!memspace_region_test_dirty(m.a, mig, 0, page));
	ck_assert(memspace_region_test_dirty(m.a, mig, page, page));
	ck_assert_int_eq(memspace_region_get_and_clear_dirty(m.a, mig, 0,
							     4 * page, NULL),
			 1);
	/* store: page 2 of b. */
	ck_assert_int_eq(memspace_addrspace_store(m.as, 6 * page, 4, 7), 0);
	ck_assert(memspace_region_test_dirty(m.b, mig, 2 * page, 1));
	ck_assert(!memspace_region_test_dirty(m.b, mig, page, page));
	ck_assert_int_eq(memspace_region_get_and_clear_dirty(m.b, mig, 0,
							     4 * page, NULL),
			 1);
	/* read_from_fd across a and b: a's page 3 and b's page 0. */
	ck_assert_int_eq(memspace_addrspace_read_from_fd(m.as, 4 * page - 8, fd,
							 0, 16),
			 16);
	ck_assert_int_eq(memspace_region_get_and_clear_dirty(m.a, mig, 0,
							     4 * page, NULL),
			 1);
	ck_assert(!memspace_region_test_dirty(m.b, mig, page, 3 * page));
	ck_assert_int_eq(memspace_region_get_and_clear_dirty(m.b, mig, 0, page,
							     NULL),
			 1);
	/* map for writing marks at unmap, not before. */
	fv = tt_hold_view(m.as);
	ck_assert_int_eq(memspace_flatview_map(fv, 2 * page, page, true, iov, 2,
					       &n, &done),
			 0);
	memset(iov[0].iov_base, 9, iov[0].iov_len);
	ck_assert(!memspace_region_test_dirty(m.a, mig, 0, 4 * page));
	memspace_flatview_unmap(fv, 2 * page, done, true);
	ck_assert(memspace_region_test_dirty(m.a, mig, 2 * page, page));
	ck_assert(!memspace_region_test_dirty(m.a, mig, 0, 2 * page));
	memspace_flatview_unmap(fv, 0, page, false);
	ck_assert(!memspace_region_test_dirty(m.a, mig, 0, 2 * page));
	memspace_flatview_unref(fv);
	close(fd);
}
END_TEST

/* A window cache over logged RAM takes the marking path for writes. */
START_TEST(access_window_cache_writes_mark_dirty)
{
	struct map m;
	struct memspace_window_cache w;
	const unsigned mig = MEMSPACE_DIRTY_MIGRATION;
	uint32_t v = 5;

	map_build(&m);
	ck_assert_int_eq(memspace_region_set_log(m.a, mig, true), 0);
	ck_assert_int_eq(memspace_window_cache_init(&w, m.as, 3 * page, 64,
						    true),
			 0);
	ck_assert_int_eq(memspace_window_cache_write(&w, 4, &v, sizeof(v)),
			 MEMSPACE_ACCESS_OK);
	ck_assert(memspace_region_test_dirty(m.a, mig, 3 * page, 1));
	ck_assert_uint_eq(*(uint32_t *)((uint8_t *)memspace_region_get_host_ptr(
						m.a) +
					3 * page + 4),
			  5);
	memspace_window_cache_finish(&w);
}
END_TEST

static Suite *
guest_access_suite(void)
{
	Suite *s = suite_create("guest-access");
	TCase *tm = tcase_create("access:map");
	TCase *ta = tcase_create("access:atomic");
	TCase *tf = tcase_create("access:fd-dirty");

	tcase_add_checked_fixture(tm, setup, teardown);
	tcase_add_test(tm, access_map_across_ranges_and_partial);
	tcase_add_test(tm, access_map_merges_contiguous_host_chunks);
	tcase_add_test(tm, access_is_ram_and_ram_end_with_overlay);
	tcase_add_test(tm, access_ram_end_without_ram);
	suite_add_tcase(s, tm);
	tcase_add_checked_fixture(ta, setup, teardown);
	tcase_add_test(ta, access_atomics_round_trip_and_errors);
	tcase_add_test(ta, access_atomics_never_straddle);
	tcase_add_test(ta, access_atomics_are_tear_free);
	suite_add_tcase(s, ta);
	tcase_add_checked_fixture(tf, setup, teardown);
	tcase_add_test(tf, access_fd_streams_across_ranges);
	tcase_add_test(tf, access_every_write_path_marks_dirty);
	tcase_add_test(tf, access_window_cache_writes_mark_dirty);
	suite_add_tcase(s, tf);
	return s;
}

TEST_MAIN(guest_access_suite)
