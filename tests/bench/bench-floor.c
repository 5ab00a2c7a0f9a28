/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The physical floors the goals are ratios to, measured in the same run:
 * load-to-use latency by pointer chase at L1, L3 and DRAM working sets,
 * a bare pointer load, and a bare inline range check.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench.h"

#define LINE 64
#define HUGE ((size_t)2 << 20)

static void *
chase_alloc(size_t bytes)
{
	size_t len = (bytes + HUGE - 1) & ~(HUGE - 1);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		abort();
	}
#ifdef MADV_HUGEPAGE
	/* Same page size as the lookup index gets. */
	(void)madvise(p, len, MADV_HUGEPAGE);
#endif
	return p;
}

/* Link the lines of @buf into one random cycle (Sattolo's shuffle). */
static void
chase_link(void **buf, size_t lines, uint64_t seed)
{
	size_t *perm = malloc(lines * sizeof(*perm));
	const size_t stride = LINE / sizeof(void *);

	for (size_t i = 0; i < lines; i++) {
		perm[i] = i;
	}
	for (size_t i = lines - 1; i > 0; i--) {
		size_t j = bench_rand(&seed) % i;
		size_t t = perm[i];

		perm[i] = perm[j];
		perm[j] = t;
	}
	for (size_t i = 0; i < lines; i++) {
		buf[perm[i] * stride] = &buf[perm[(i + 1) % lines] * stride];
	}
	free(perm);
}

static double
chase_ns(size_t bytes, size_t loads)
{
	size_t lines = bytes / LINE;
	void **buf = chase_alloc(bytes);
	void **p = buf;
	double v[3];

	chase_link(buf, lines, 0x5eed + bytes);
	for (size_t i = 0; i < lines; i++) {
		p = *p; /* warm up */
	}
	for (unsigned run = 0; run < 3; run++) {
		uint64_t t0 = bench_now_ns();

		for (size_t i = 0; i < loads; i += 8) {
			p = *p;
			p = *p;
			p = *p;
			p = *p;
			p = *p;
			p = *p;
			p = *p;
			p = *p;
		}
		v[run] = (double)(bench_now_ns() - t0) / (double)loads;
	}
	__asm__ volatile("" : : "r"(p));
	munmap(buf, (bytes + HUGE - 1) & ~(HUGE - 1));
	return bench_median(v, 3);
}

struct box {
	uint64_t v;
};

double
bench_pointer_load_run(size_t n)
{
	static struct box b = { 1 };
	struct box *gp = &b;
	uint64_t acc = 0, t0 = bench_now_ns();

	for (size_t i = 0; i < n; i++) {
		struct box *p = __atomic_load_n(&gp, __ATOMIC_RELAXED);

		acc += p->v;
	}
	__asm__ volatile("" : : "r"(acc));
	return (double)(bench_now_ns() - t0) / (double)n;
}

/* p = load(gp); acc += p->v: the bare pointer load of an RCU section. */
static double
pointer_load_ns(void)
{
	double v[3];

	for (unsigned run = 0; run < 3; run++) {
		v[run] = bench_pointer_load_run(50000000);
	}
	return bench_median(v, 3);
}

/*
 * A bare inline range check and translation, latency bound: the next
 * address depends on the previous result.  The same chain measures the
 * region cache hit (bench-lookup.c), so the ratio isolates the cache.
 */
static double
range_compare_ns(void)
{
	static uint8_t host[0x10000];
	uint64_t offs[512], seed = 42, zero = bench_zero;
	const uint64_t start = 0x100000, span = sizeof(host) - 1;
	const size_t n = 100000000;
	double v[3];

	for (unsigned i = 0; i < 512; i++) {
		offs[i] = bench_rand(&seed) % (sizeof(host) - 8);
	}
	for (unsigned run = 0; run < 3; run++) {
		uint64_t x = start, t0 = bench_now_ns();

		for (size_t i = 0; i < n; i++) {
			uint8_t *h = x - start <= span ? host + (x - start) :
							 NULL;

			x = start + offs[i & 511] + ((uintptr_t)h & zero);
		}
		v[run] = (double)(bench_now_ns() - t0) / (double)n;
		__asm__ volatile("" : : "r"(x));
	}
	return bench_median(v, 3);
}

void
bench_floors(struct bench_results *r)
{
	bench_pin(0);
	r->l1_ns = chase_ns(16 << 10, 20000000);
	r->l3_ns = chase_ns(4 << 20, 20000000);
	r->dram_ns = chase_ns((size_t)256 << 20, 4000000);
	r->pointer_load_ns = pointer_load_ns();
	r->range_compare_ns = range_compare_ns();
}
