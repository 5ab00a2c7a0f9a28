/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memspace-bench: measures the access path and the commit path against
 * the machine's own floors, in one run.
 *
 *   memspace-bench [--json]
 *   memspace-bench commit --map MAP --toggle ID [--count K] [--listener]
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

const size_t bench_lookup_sizes[BENCH_NR_SIZES] = { 256, 4096, 65536, 1048576 };
const size_t bench_commit_sizes[BENCH_NR_COMMITS] = { 1000, 10000, 100000 };

volatile uint64_t bench_zero;

uint64_t
bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void
bench_pin(unsigned cpu)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu % (unsigned)(n > 0 ? n : 1), &set);
	(void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double
bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void
print_json(const struct bench_results *r)
{
	static const char *const layouts[2] = { "dense", "sparse" };

	printf("{\"floor\": {\"l1_ns\": %.3f, \"l3_ns\": %.3f, "
	       "\"dram_ns\": %.3f, \"pointer_load_ns\": %.3f, "
	       "\"range_compare_ns\": %.3f}, \"lookup\": {",
	       r->l1_ns, r->l3_ns, r->dram_ns, r->pointer_load_ns,
	       r->range_compare_ns);
	for (int l = 0; l < 2; l++) {
		printf("%s\"%s\": {", l ? ", " : "", layouts[l]);
		for (int s = 0; s < BENCH_NR_SIZES; s++) {
			printf("%s\"%zu\": {\"latency_ns\": %.3f, "
			       "\"throughput_ns\": %.3f}",
			       s ? ", " : "", bench_lookup_sizes[s],
			       r->lookup_ns[l][s][0], r->lookup_ns[l][s][1]);
		}
		printf("}");
	}
	printf("}, \"index_bytes_per_range\": {\"65536\": %.3f, "
	       "\"1048576\": %.3f}, \"cache_hit_ns\": %.3f, "
	       "\"rcu_read_section_ns\": %.3f, \"commit_ms\": {",
	       r->index_bytes_65536, r->index_bytes_1048576, r->cache_hit_ns,
	       r->rcu_read_section_ns);
	for (int i = 0; i < BENCH_NR_COMMITS; i++) {
		printf("%s\"%zu\": %.3f", i ? ", " : "", bench_commit_sizes[i],
		       r->commit_ms[i]);
	}
	printf("}, \"readers_during_commits_ratio\": %.3f, "
	       "\"load\": {\"regions\": %.0f, \"seconds\": %.3f, "
	       "\"cpu_seconds\": %.3f, \"cpu_budget_ratio\": %.3f, "
	       "\"rss_bytes_per_region\": %.1f, \"rss_budget_ratio\": %.3f}}\n",
	       r->readers_ratio, r->load_regions, r->load_s, r->load_cpu_s,
	       r->load_cpu_s / 3, r->load_rss_per_region,
	       r->load_rss_per_region / 600);
}

static void
goal(const char *what, double value, double limit, const char *unit)
{
	printf("  %-44s %10.3f %-3s (goal <= %.3f) %s\n", what, value, unit,
	       limit, value <= limit ? "ok" : "MISSED");
}

static void
print_text(const struct bench_results *r)
{
	printf("floors: L1 %.2f ns, L3 %.2f ns, DRAM %.2f ns, pointer load "
	       "%.2f ns, range compare %.2f ns\n",
	       r->l1_ns, r->l3_ns, r->dram_ns, r->pointer_load_ns,
	       r->range_compare_ns);
	for (int l = 0; l < 2; l++) {
		for (int s = 0; s < BENCH_NR_SIZES; s++) {
			printf("lookup %-6s %8zu: latency %7.2f ns, throughput "
			       "%7.2f ns\n",
			       l ? "sparse" : "dense", bench_lookup_sizes[s],
			       r->lookup_ns[l][s][0], r->lookup_ns[l][s][1]);
		}
	}
	printf("goals:\n");
	for (int l = 0; l < 2; l++) {
		goal(l ? "lookup latency 256, sparse (12x L1)" :
			 "lookup latency 256, dense (12x L1)",
		     r->lookup_ns[l][0][0], 12 * r->l1_ns, "ns");
		goal(l ? "lookup latency 64k, sparse (2.5x L3)" :
			 "lookup latency 64k, dense (2.5x L3)",
		     r->lookup_ns[l][2][0], 2.5 * r->l3_ns, "ns");
		goal(l ? "lookup latency 1M, sparse (2x DRAM)" :
			 "lookup latency 1M, dense (2x DRAM)",
		     r->lookup_ns[l][3][0], 2 * r->dram_ns, "ns");
	}
	goal("index bytes per range at 1M", r->index_bytes_1048576, 32, "B");
	goal("cache hit (1.2x range compare)", r->cache_hit_ns,
	     1.2 * r->range_compare_ns, "ns");
	goal("RCU read section (pointer load + 1.5 ns)", r->rcu_read_section_ns,
	     r->pointer_load_ns + 1.5, "ns");
	goal("commit 100k regions", r->commit_ms[2], 10, "ms");
	goal("commit 100k / 10k (ratio)", r->commit_ms[2] / r->commit_ms[1], 15,
	     "x");
	goal("readers during commits (1 - ratio)", 1 - r->readers_ratio, 0.1,
	     "");
	goal("load + show --flat 1M regions (CPU time)", r->load_cpu_s, 3,
	     "s");
	goal("peak RSS per region of that", r->load_rss_per_region, 600, "B");
	printf("commit 1k %.3f ms, 10k %.3f ms, 100k %.3f ms\n",
	       r->commit_ms[0], r->commit_ms[1], r->commit_ms[2]);
}

static int
commit_main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "map", required_argument, NULL, 'm' },
		{ "toggle", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'c' },
		{ "listener", no_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *map = NULL;
	long id = -1, count = 1000;
	bool listener = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "m:t:c:l", options, NULL)) !=
	       -1) {
		switch (opt) {
		case 'l':
			listener = true;
			break;
		case 'm':
			map = optarg;
			break;
		case 't':
			id = strtol(optarg, NULL, 0);
			break;
		case 'c':
			count = strtol(optarg, NULL, 0);
			break;
		default:
			return 2;
		}
	}
	if (!map || id < 0) {
		fputs("usage: memspace-bench commit --map MAP --toggle ID "
		      "[--count K] [--listener]\n",
		      stderr);
		return 2;
	}
	return bench_commit_map(map, id, count, listener);
}

int
main(int argc, char **argv)
{
	struct bench_results r = { 0 };
	bool json = argc > 1 && strcmp(argv[1], "--json") == 0;

	memspace_thread_register();
	if (argc > 1 && strcmp(argv[1], "commit") == 0) {
		return commit_main(argc - 1, argv + 1);
	}
	if (argc > 1 && !json) {
		fputs("usage: memspace-bench [--json]\n"
		      "       memspace-bench commit --map MAP --toggle ID "
		      "[--count K] [--listener]\n",
		      stderr);
		return 2;
	}
	/* MEMSPACE_BENCH_ONLY=floors|cache|lookup|commit|readers|load runs one
	 * part (the others print as 0), for profiling. */
	const char *only = getenv("MEMSPACE_BENCH_ONLY");

	if (!only || strcmp(only, "floors") == 0) {
		bench_floors(&r);
	}
	if (!only || strcmp(only, "cache") == 0) {
		bench_cache_and_rcu(&r);
	}
	if (!only || strcmp(only, "lookup") == 0) {
		bench_lookups(&r);
	}
	if (!only || strcmp(only, "commit") == 0) {
		bench_commits(&r);
	}
	if (!only || strcmp(only, "readers") == 0) {
		bench_readers_during_commits(&r);
	}
	if (!only || strcmp(only, "load") == 0) {
		bench_load(&r);
	}
	if (json) {
		print_json(&r);
	} else {
		print_text(&r);
	}
	return 0;
}
