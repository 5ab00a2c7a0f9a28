/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Access-path torture: reader threads translate, read and write RAM, read
 * devices, and use region and window caches while a writer commits random
 * topology changes (maps, unmaps, moves, enables, overlays, fresh regions
 * that are freed again).  Every view a reader sees must be sorted,
 * disjoint, inside its regions and agree with its index; every byte read
 * from an identity area must be the id of a region that could be there;
 * every host address a cache returns must be inside a live region and show
 * that region's id.  Under AddressSanitizer, anything freed too early is a
 * report.  Runs MEMSPACE_TORTURE_SECONDS seconds (default 2).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "flatview-internal.h"
#include "test-tree.h"
#include <memspace/reader.h>

#define NR_READERS 2
#define NR_POOL 24
#define NR_SLOTS 32
#define SLOT_SIZE 0x10000ull
#define REGION_SIZE 0x8000ull
#define ID_AREA 0x1000ull /* first bytes of a region: its id */
#define BASE 0x100000ull

struct torture {
	struct memspace_addrspace *as;
	struct memspace_region *root;
	struct memspace_region *pool[NR_POOL]; /* test-owned, id i + 1 */
	uint8_t *pool_host[NR_POOL];
	struct memspace_region *dev; /* an I/O device */
	gint stop;
	guint64 commits;
};

static struct torture T;

static uint64_t
rnd(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *s = x;
}

static enum memspace_access_result
dev_read(void *opaque, uint64_t addr, uint64_t *data, unsigned size,
	 struct memspace_attrs attrs)
{
	(void)opaque;
	(void)attrs;
	(void)addr;
	*data = 0xa5a5a5a5a5a5a5a5ull >> (64 - 8 * size);
	return MEMSPACE_ACCESS_OK;
}

static enum memspace_access_result
dev_write(void *opaque, uint64_t addr, uint64_t data, unsigned size,
	  struct memspace_attrs attrs)
{
	(void)opaque;
	(void)addr;
	(void)data;
	(void)size;
	(void)attrs;
	return MEMSPACE_ACCESS_OK;
}

static const struct memspace_region_ops dev_ops = {
	.version = MEMSPACE_REGION_OPS_VERSION,
	.read = dev_read,
	.write = dev_write,
	.valid_max_access_size = 8,
	.impl_max_access_size = 8,
};

/* Identity bytes: pool regions 1..NR_POOL, fresh regions 0xee. */
static bool
valid_id(uint8_t b)
{
	return (b >= 1 && b <= NR_POOL) || b == 0xee;
}

/* Whether @fv is sorted, disjoint, in bounds and agrees with its index. */
static const char *
check_view(const struct memspace_flatview *fv)
{
	struct ft_cursor c;
	const struct flat_range *fr, *prev = NULL;

	if (!ft_verify(&fv->tree) || fv->tree.nr != fv->nr) {
		return "tree unsound";
	}
	flatview_for_each_range(fv, c, fr) {
		if (fr->start > fr->last || (prev && prev->last >= fr->start)) {
			return "ranges unsorted or overlapping";
		}
		if (fr->mr->size &&
		    (u128)fr->offset + (fr->last - fr->start) >= fr->mr->size) {
			return "range outside its region";
		}
		if (flatview_find(fv, fr->start) != fr ||
		    flatview_find(fv, fr->last) != fr) {
			return "index disagrees with the ranges";
		}
		prev = fr;
	}
	return NULL;
}

/* Reads through the public path: identity bytes or zeros (holes). */
static const char *
check_read(uint64_t *seed)
{
	uint64_t addr = BASE + rnd(seed) % (NR_SLOTS * SLOT_SIZE);
	uint8_t buf[2];
	enum memspace_access_result r;

	addr &= ~(SLOT_SIZE - 1);
	addr += rnd(seed) % (ID_AREA - 1);
	r = memspace_addrspace_read(T.as, addr, (struct memspace_attrs){ 0 },
				    buf, 2);
	if (r == MEMSPACE_ACCESS_OK &&
	    !(buf[0] == buf[1] && valid_id(buf[0])) && buf[0] != 0xa5) {
		return "RAM read returned a foreign byte";
	}
	return NULL;
}

/* Writes to the scratch part of RAM, never the identity area. */
static void
do_write(uint64_t *seed)
{
	uint64_t addr = BASE + (rnd(seed) % NR_SLOTS) * SLOT_SIZE + ID_AREA +
			rnd(seed) % (REGION_SIZE - ID_AREA - 8);
	uint64_t v = rnd(seed);

	(void)memspace_addrspace_write(T.as, addr, (struct memspace_attrs){ 0 },
				       &v, 8);
}

/* A region cache hit must point into a live region showing its id. */
static const char *
check_cache(struct memspace_region_cache *c, uint64_t *seed)
{
	uint64_t addr =
		BASE + (rnd(seed) % NR_SLOTS) * SLOT_SIZE + rnd(seed) % ID_AREA;
	const char *err = NULL;
	uint8_t *p;

	memspace_rcu_read_lock();
	p = memspace_addrspace_get_host_address(T.as, addr, c);
	if (p && !valid_id(*p)) {
		err = "cached host address shows a foreign byte";
	}
	memspace_rcu_read_unlock();
	return err;
}

static const char *
check_window(struct memspace_window_cache *w)
{
	uint8_t b[4];

	if (memspace_window_cache_read(w, 0, b, 4) == MEMSPACE_ACCESS_OK &&
	    !(b[0] == b[3] && (valid_id(b[0]) || b[0] == 0xa5))) {
		return "window read a foreign byte";
	}
	return NULL;
}

static const char *
reader_step(uint64_t *seed, struct memspace_region_cache *c,
	    struct memspace_window_cache *w)
{
	const char *err;
	struct memspace_section sec;

	memspace_rcu_read_lock();
	err = check_view(memspace_addrspace_get_flatview_rcu(T.as));
	(void)memspace_addrspace_translate(T.as, BASE + rnd(seed) % 0x400000,
					   &sec, NULL, NULL);
	memspace_rcu_read_unlock();
	for (unsigned i = 0; !err && i < 16; i++) {
		err = check_read(seed);
		if (!err) {
			err = check_cache(c, seed);
		}
		do_write(seed);
	}
	return err ? err : check_window(w);
}

static gpointer
reader_thread(gpointer arg)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull + (uintptr_t)arg;
	struct memspace_region_cache c = { 0 };
	struct memspace_window_cache w;
	const char *err = NULL;

	memspace_thread_register();
	memspace_window_cache_init(&w, T.as, BASE + SLOT_SIZE, 0x100, false);
	while (!err && !g_atomic_int_get(&T.stop)) {
		err = reader_step(&seed, &c, &w);
	}
	memspace_window_cache_finish(&w);
	memspace_thread_unregister();
	return (gpointer)err;
}

/* A fresh RAM region, mapped by memspace, freed when unmapped. */
static struct memspace_region *
fresh_region(void)
{
	struct memspace_region *mr =
		memspace_region_new_ram(tt_ms, "fresh", REGION_SIZE, NULL);

	memset(memspace_region_get_host_ptr(mr), 0xee, ID_AREA);
	return mr;
}

static struct memspace_region *slots[NR_SLOTS];

static void
slot_clear(unsigned s)
{
	if (slots[s]) {
		ck_assert_int_eq(
			memspace_region_del_subregion(T.root, slots[s]), 0);
		slots[s] = NULL;
	}
}

static void
slot_map(unsigned s, uint64_t *seed)
{
	unsigned k = (unsigned)(rnd(seed) % (NR_POOL + 4));
	struct memspace_region *mr;

	if (k >= NR_POOL) {
		mr = fresh_region(); /* the tree's reference only */
	} else if (T.pool[k] && !memspace_region_get_parent(T.pool[k])) {
		mr = memspace_region_ref(T.pool[k]);
	} else {
		return;
	}
	tt_add_prio(T.root, BASE + s * SLOT_SIZE, mr,
		    (int32_t)(rnd(seed) % 3) - 1);
	memspace_region_unref(mr);
	slots[s] = mr;
}

static void
writer_step(uint64_t *seed)
{
	unsigned s = (unsigned)(rnd(seed) % NR_SLOTS);

	switch (rnd(seed) % 5) {
	case 0:
	case 1:
		slot_clear(s);
		slot_map(s, seed);
		break;
	case 2:
		if (slots[s]) {
			(void)memspace_region_set_enabled(
				slots[s],
				!memspace_region_is_enabled(slots[s]));
		}
		break;
	case 3:
		(void)memspace_region_set_address(
			T.dev, BASE + (rnd(seed) % (NR_SLOTS * 16)) * 0x1000);
		break;
	default:
		slot_clear(s);
		break;
	}
	T.commits++;
}

static double
torture_seconds(void)
{
	const char *env = getenv("MEMSPACE_TORTURE_SECONDS");
	double s = env ? g_ascii_strtod(env, NULL) : 0.0;

	return s > 0.0 ? s : 2.0;
}

static void
torture_setup(void)
{
	tt_setup();
	T = (struct torture){ 0 };
	T.root = tt_container("root", MEMSPACE_SIZE_2_64);
	T.as = tt_as("memory", T.root);
	for (unsigned i = 0; i < NR_POOL; i++) {
		T.pool_host[i] = tt_buffer(REGION_SIZE);
		memset(T.pool_host[i], (int)(i + 1), ID_AREA);
		T.pool[i] = tt_keep(memspace_region_new_ram(
			tt_ms, "pool", REGION_SIZE, T.pool_host[i]));
	}
	T.dev = tt_keep(
		memspace_region_new_io(tt_ms, "dev", 0x800, &dev_ops, NULL));
	tt_add_prio(T.root, BASE, T.dev, 2);
	memset(slots, 0, sizeof(slots));
}

START_TEST(access_torture_readers_during_commits)
{
	GThread *readers[NR_READERS];
	gint64 end = g_get_monotonic_time() +
		     (gint64)(torture_seconds() * G_USEC_PER_SEC);
	uint64_t seed = 12345;

	for (uintptr_t i = 0; i < NR_READERS; i++) {
		readers[i] = g_thread_new("reader", reader_thread, (gpointer)i);
	}
	while (g_get_monotonic_time() < end) {
		writer_step(&seed);
	}
	g_atomic_int_set(&T.stop, 1);
	for (unsigned i = 0; i < NR_READERS; i++) {
		const char *err = g_thread_join(readers[i]);

		ck_assert_msg(err == NULL, "reader %u: %s", i, err);
	}
	for (unsigned s = 0; s < NR_SLOTS; s++) {
		slot_clear(s);
	}
	ck_assert_uint_gt(T.commits, 100);
}
END_TEST

static Suite *
torture_suite(void)
{
	Suite *s = suite_create("access-torture");
	TCase *tc = tcase_create("access-torture:commits");

	tcase_add_checked_fixture(tc, torture_setup, tt_teardown);
	tcase_set_timeout(tc, torture_seconds() * 4 + 60);
	tcase_add_test(tc, access_torture_readers_during_commits);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(torture_suite)
