/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Shared pieces of memspace-bench: clocks, CPU pinning, a deterministic
 * random generator, synthetic maps, and the results one run collects.
 */
#ifndef MEMSPACE_BENCH_H
#define MEMSPACE_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <memspace/memspace.h>

#define BENCH_NR_SIZES 4
#define BENCH_NR_COMMITS 3
#define BENCH_NR_ONE_CHANGE 2

/* The sizes of the lookup and commit tables. */
extern const size_t bench_lookup_sizes[BENCH_NR_SIZES];
extern const size_t bench_commit_sizes[BENCH_NR_COMMITS];
extern const size_t bench_one_change_sizes[BENCH_NR_ONE_CHANGE];

/**
 * struct bench_results - every figure of one repetition of a `--json` run
 * (field names follow the JSON output).  Every field is a double: a run
 * repeats the whole measurement and reports each field's median and
 * spread over the repetitions (bench-main.c).
 */
struct bench_results {
	double l1_ns, l3_ns, dram_ns, pointer_load_ns, range_compare_ns;
	/* [layout: 0 dense, 1 sparse][size][0 latency, 1 throughput] */
	double lookup_ns[2][BENCH_NR_SIZES][2];
	double index_bytes_65536, index_bytes_1048576;
	double cache_hit_ns;
	/* best of alternating runs: the section, the bare load of the same
	 * runs, and liburcu's inline section (bench-lookup.c) */
	double rcu_read_section_ns, rcu_pointer_load_ns, rcu_liburcu_section_ns;
	double commit_ms[BENCH_NR_COMMITS];
	/* [size][0 bare, 1 with a diffing listener] */
	double commit_one_change_us[BENCH_NR_ONE_CHANGE][2];
	double readers_ratio;
	/* BAR toggle on the q35 sample: [0 bare, 1 with a diffing listener] */
	double bar_toggle_us[2];
	double region_struct_bytes, bytes_per_region;
	double load_regions, load_s, load_cpu_s, load_rss_per_region;
};

/* Monotonic time in nanoseconds. */
uint64_t bench_now_ns(void);

/* Pin the calling thread to @cpu (modulo the CPUs available). */
void bench_pin(unsigned cpu);

/* xorshift64*: deterministic, seeded. */
static inline uint64_t
bench_rand(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static inline uint64_t
bench_rand_range(uint64_t *state, uint64_t lo, uint64_t hi)
{
	return lo + bench_rand(state) % (hi - lo + 1);
}

/* Median of @n values (reorders them). */
double bench_median(double *v, size_t n);

/* A value the compiler cannot see through (0 unless told otherwise). */
extern volatile uint64_t bench_zero;

/**
 * struct bench_map - a synthetic flat map of I/O ranges
 * @ms: the context.
 * @root: a 2^64 container holding the ranges.
 * @as: its address space.
 * @starts: first address of each range, ascending.
 * @sizes: size of each range.
 * @nr: number of ranges.
 */
struct bench_map {
	struct memspace *ms;
	struct memspace_region *root;
	struct memspace_addrspace *as;
	uint64_t *starts;
	uint64_t *sizes;
	size_t nr;
};

/* @nr ranges of 1-16 pages from 4 GiB, dense or sparse (performance-floors
 * section 3.1). */
struct bench_map *bench_map_new(size_t nr, bool sparse, uint64_t seed);
void bench_map_free(struct bench_map *m);

/* @n query addresses uniform over the bytes the map covers. */
uint64_t *bench_map_queries(const struct bench_map *m, size_t n, uint64_t seed);

/* ns per iteration of @n iterations of the pointer-load floor's loop. */
double bench_pointer_load_run(size_t n);

/* The figures, in the order of the JSON fields. */
void bench_floors(struct bench_results *r);
void bench_lookups(struct bench_results *r);
void bench_cache_and_rcu(struct bench_results *r);
void bench_commits(struct bench_results *r);
void bench_one_change(struct bench_results *r);
void bench_region_memory(struct bench_results *r);
void bench_readers_during_commits(struct bench_results *r);
void bench_load(struct bench_results *r);	/* bench-load.c */
void bench_bar_toggle(struct bench_results *r);

/*
 * `memspace-bench commit --map MAP --toggle ID [--count K] [--listener]`;
 * @listener registers a listener taking region_add and region_del (as the
 * KVM listener does) on the `memory` address space, so each commit also
 * computes the diff.
 */
int bench_commit_map(const char *path, long id, long count, bool listener);

#endif /* MEMSPACE_BENCH_H */
