/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Lookup latency and throughput through the public translate call on real
 * rendered views (dense and sparse, 256 to 1M ranges), the index's size,
 * the region cache hit, and an inline RCU read section.
 */
#include <math.h>
#include <stdlib.h>

#include <glib.h>

#include "flatview-internal.h"
#include "bench.h"
#include "rcu.h"
#include <memspace/reader.h>

#define PAGE 0x1000ull
#define NR_QUERIES ((size_t)1 << 20)
#define RUN_NS 200000000ull

struct bench_map *
bench_map_new(size_t nr, bool sparse, uint64_t seed)
{
	struct bench_map *m = g_new0(struct bench_map, 1);
	uint64_t a = 4ull << 30;

	m->ms = memspace_new();
	m->root = memspace_region_new_container(m->ms, "root",
						MEMSPACE_SIZE_2_64);
	m->as = memspace_addrspace_create(m->ms, "memory", m->root);
	m->starts = g_new(uint64_t, nr);
	m->sizes = g_new(uint64_t, nr);
	m->nr = nr;
	memspace_transaction_begin(m->ms);
	for (size_t i = 0; i < nr; i++) {
		struct memspace_region *mr;

		if (sparse) {
			a += PAGE * bench_rand_range(&seed, 0, (1u << 18) - 1);
		} else if (bench_rand(&seed) & 1) {
			a += PAGE * bench_rand_range(&seed, 1, 4);
		}
		m->starts[i] = a;
		m->sizes[i] = PAGE * bench_rand_range(&seed, 1, 16);
		mr = memspace_region_new_io(m->ms, "r", m->sizes[i], NULL,
					    NULL);
		memspace_region_add_subregion(m->root, a, mr);
		memspace_region_unref(mr);
		a += m->sizes[i];
	}
	memspace_transaction_commit(m->ms);
	return m;
}

void
bench_map_free(struct bench_map *m)
{
	memspace_addrspace_destroy(m->as);
	memspace_region_unref(m->root);
	memspace_unref(m->ms);
	g_free(m->starts);
	g_free(m->sizes);
	g_free(m);
}

uint64_t *
bench_map_queries(const struct bench_map *m, size_t n, uint64_t seed)
{
	uint64_t *q = g_new(uint64_t, n);

	/* A range with probability proportional to its size (rejection
	 * against the largest size), then a uniform byte in it. */
	for (size_t i = 0; i < n;) {
		size_t k = bench_rand(&seed) % m->nr;

		if (bench_rand(&seed) % (16 * PAGE) < m->sizes[k]) {
			q[i++] = m->starts[k] + bench_rand(&seed) % m->sizes[k];
		}
	}
	return q;
}

/* Each lookup's address depends on the previous result. */
static double
lookup_latency(const struct memspace_flatview *fv, const uint64_t *q)
{
	uint64_t zero = bench_zero, x = q[0], off = 0, n = 0;
	uint64_t t0 = bench_now_ns(), t;
	struct memspace_section sec;

	do {
		for (size_t i = 0; i < 65536; i++) {
			(void)memspace_flatview_translate(fv, x, &sec, &off,
							  NULL);
			x = q[(n + i + 1) & (NR_QUERIES - 1)] + (off & zero);
		}
		n += 65536;
		t = bench_now_ns() - t0;
	} while (t < RUN_NS);
	return (double)t / (double)n;
}

/* Independent lookups: the CPU overlaps their misses. */
static double
lookup_throughput(const struct memspace_flatview *fv, const uint64_t *q)
{
	uint64_t acc = 0, n = 0, t0 = bench_now_ns(), t;
	struct memspace_section sec;

	do {
		for (size_t i = 0; i < 65536; i++) {
			uint64_t off = 0;

			(void)memspace_flatview_translate(
				fv, q[(n + i) & (NR_QUERIES - 1)], &sec, &off,
				NULL);
			acc += off;
		}
		n += 65536;
		t = bench_now_ns() - t0;
	} while (t < RUN_NS);
	__asm__ volatile("" : : "r"(acc));
	return (double)t / (double)n;
}

static void
lookup_one(struct bench_results *r, int layout, int size_idx)
{
	size_t nr = bench_lookup_sizes[size_idx];
	struct bench_map *m = bench_map_new(nr, layout, 1000 + nr);
	uint64_t *q = bench_map_queries(m, NR_QUERIES, 77 + nr);
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(m->as);
	double lat[3], thr[3];

	for (unsigned run = 0; run < 3; run++) {
		lat[run] = lookup_latency(fv, q);
		thr[run] = lookup_throughput(fv, q);
	}
	r->lookup_ns[layout][size_idx][0] = bench_median(lat, 3);
	r->lookup_ns[layout][size_idx][1] = bench_median(thr, 3);
	if (nr == 65536 || nr == 1048576) {
		double b = (double)flat_index_bytes(&fv->index) /
			   (double)fv->nr;
		double *slot = nr == 65536 ? &r->index_bytes_65536 :
					     &r->index_bytes_1048576;

		*slot = b > *slot ? b : *slot;
	}
	memspace_flatview_unref(fv);
	g_free(q);
	bench_map_free(m);
}

void
bench_lookups(struct bench_results *r)
{
	bench_pin(0);
	for (int layout = 0; layout < 2; layout++) {
		for (int s = 0; s < BENCH_NR_SIZES; s++) {
			lookup_one(r, layout, s);
		}
	}
}

/* The region cache hit on the chain of range_compare_ns (bench-floor.c). */
static double
cache_hit_ns(struct memspace_addrspace *as, uint64_t start, uint64_t size)
{
	struct memspace_region_cache c = { 0 };
	uint64_t offs[512], seed = 42, zero = bench_zero;
	const size_t n = 100000000;
	double v[3];

	for (unsigned i = 0; i < 512; i++) {
		offs[i] = bench_rand(&seed) % (size - 8);
	}
	memspace_rcu_read_lock();
	for (unsigned run = 0; run < 3; run++) {
		uint64_t x = start, t0 = bench_now_ns();

		for (size_t i = 0; i < n; i++) {
			uint8_t *h =
				memspace_addrspace_get_host_address(as, x, &c);

			x = start + offs[i & 511] + ((uintptr_t)h & zero);
		}
		v[run] = (double)(bench_now_ns() - t0) / (double)n;
		__asm__ volatile("" : : "r"(x));
	}
	memspace_rcu_read_unlock();
	return bench_median(v, 3);
}

struct box {
	uint64_t v;
};

/*
 * Lock, dereference, use, unlock: the floor's loop inside a section, of
 * memspace's inline read side or (@liburcu) of liburcu's own, which
 * registers nothing.  Inlined into each caller, where @liburcu is
 * constant, so each loop holds one of the two only.
 */
static inline __attribute__((always_inline)) double
section_run(size_t n, bool liburcu)
{
	static struct box b = { 1 };
	struct box *gp = &b;
	uint64_t acc = 0, t0 = bench_now_ns();

	for (size_t i = 0; i < n; i++) {
		struct box *p;

		if (liburcu) {
			MS_RCU(read_lock)();
		} else {
			memspace_rcu_read_lock();
		}
		p = __atomic_load_n(&gp, __ATOMIC_CONSUME);
		acc += p->v;
		if (liburcu) {
			MS_RCU(read_unlock)();
		} else {
			memspace_rcu_read_unlock();
		}
	}
	__asm__ volatile("" : : "r"(acc));
	return (double)(bench_now_ns() - t0) / (double)n;
}

static __attribute__((noinline)) double
rcu_section_run(size_t n)
{
	return section_run(n, false);
}

static __attribute__((noinline)) double
liburcu_section_run(size_t n)
{
	return section_run(n, true);
}

#define RCU_RUNS 9

/*
 * The read section, the bare pointer load it wraps and liburcu's own
 * section around that load, measured in alternation, each the fastest of
 * its runs.  On this shared host a burst
 * of another tenant's work only ever adds time, and it hits runs taken
 * seconds apart (the floors part, this part) unequally: the section minus
 * the load is what the section costs, and the section minus liburcu's is
 * what registering threads on first use costs.
 */
static void
rcu_section_ns(struct bench_results *r)
{
	const size_t n = 10000000;
	double *f[3] = { &r->rcu_pointer_load_ns, &r->rcu_read_section_ns,
			 &r->rcu_liburcu_section_ns };

	for (int k = 0; k < 3; k++) {
		*f[k] = INFINITY;
	}
	for (unsigned run = 0; run < RCU_RUNS; run++) {
		double v[3] = { bench_pointer_load_run(n), rcu_section_run(n),
				liburcu_section_run(n) };

		for (int k = 0; k < 3; k++) {
			*f[k] = v[k] < *f[k] ? v[k] : *f[k];
		}
	}
}

void
bench_cache_and_rcu(struct bench_results *r)
{
	struct memspace *ms = memspace_new();
	struct memspace_region *root =
		memspace_region_new_container(ms, "root", MEMSPACE_SIZE_2_64);
	struct memspace_region *ram =
		memspace_region_new_ram(ms, "ram", 0x10000, NULL);
	struct memspace_addrspace *as;

	bench_pin(0);
	memspace_region_add_subregion(root, 0x100000, ram);
	as = memspace_addrspace_create(ms, "memory", root);
	r->cache_hit_ns = cache_hit_ns(as, 0x100000, 0x10000);
	rcu_section_ns(r);
	memspace_addrspace_destroy(as);
	memspace_region_unref(ram);
	memspace_region_unref(root);
	memspace_unref(ms);
}
