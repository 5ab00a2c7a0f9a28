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
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "bench.h"

const size_t bench_lookup_sizes[BENCH_NR_SIZES] = { 256, 4096, 65536, 1048576 };
const size_t bench_commit_sizes[BENCH_NR_COMMITS] = { 1000, 10000, 100000 };
const size_t bench_one_change_sizes[BENCH_NR_ONE_CHANGE] = { 10000, 100000 };

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

/*
 * QEMU 7.2 under KVM, the same BAR toggle on the same machine (issue 11's
 * measurement on this machine kind): what the bar-toggle figure is held
 * against.
 */
#define QEMU_BAR_TOGGLE_US 1274.0

/* Every field of struct bench_results is a double. */
#define NR_FIELDS (sizeof(struct bench_results) / sizeof(double))
_Static_assert(sizeof(struct bench_results) % sizeof(double) == 0,
	       "struct bench_results holds doubles only");

/**
 * struct bench_run - the repetitions of one run
 * @rep: each repetition's figures.
 * @nr: number of repetitions.
 * @med: each figure's median over the repetitions.
 * @min: each figure's minimum.
 * @max: each figure's maximum.
 */
struct bench_run {
	struct bench_results *rep;
	size_t nr;
	struct bench_results med, min, max;
};

static double *
field(struct bench_results *r, size_t i)
{
	return (double *)r + i;
}

static void
run_stats(struct bench_run *run)
{
	double *v = g_new(double, run->nr);

	for (size_t f = 0; f < NR_FIELDS; f++) {
		for (size_t k = 0; k < run->nr; k++) {
			v[k] = *field(&run->rep[k], f);
		}
		*field(&run->med, f) = bench_median(v, run->nr);
		/* bench_median() sorted @v. */
		*field(&run->min, f) = v[0];
		*field(&run->max, f) = v[run->nr - 1];
	}
	g_free(v);
}

/* A JSON number; null for what a partial run could not measure. */
static void
print_number(double v)
{
	if (isfinite(v)) {
		printf("%.3f", v);
	} else {
		printf("null");
	}
}

/* {"median": m, "min": a, "max": b, "spread": (b - a) / m} of @fld. */
static void
print_stat(const struct bench_run *run, const double *fld)
{
	size_t f = (size_t)(fld - (const double *)&run->med);
	double m = *field((struct bench_results *)&run->med, f);
	double lo = *field((struct bench_results *)&run->min, f);
	double hi = *field((struct bench_results *)&run->max, f);

	printf("{\"median\": %.3f, \"min\": %.3f, \"max\": %.3f, "
	       "\"spread\": %.3f}",
	       m, lo, hi, m > 0 ? (hi - lo) / m : 0);
}

/* A goal: the figure (a median), its limit from the same run's floors. */
struct goal {
	const char *what;
	double value;
	double limit;
	bool at_least; /* the figure must reach the limit */
	const char *unit;
};

static size_t
goals(const struct bench_results *r, struct goal *g)
{
	size_t n = 0;

	for (int l = 0; l < 2; l++) {
		g[n++] = (struct goal){
			l ? "lookup latency 256, sparse (12x L1)" :
			    "lookup latency 256, dense (12x L1)",
			r->lookup_ns[l][0][0], 12 * r->l1_ns, false, "ns"
		};
		g[n++] = (struct goal){
			l ? "lookup latency 64k, sparse (2.5x L3)" :
			    "lookup latency 64k, dense (2.5x L3)",
			r->lookup_ns[l][2][0], 2.5 * r->l3_ns, false, "ns"
		};
		g[n++] = (struct goal){
			l ? "lookup latency 1M, sparse (1.5x DRAM)" :
			    "lookup latency 1M, dense (1.5x DRAM)",
			r->lookup_ns[l][3][0], 1.5 * r->dram_ns, false, "ns"
		};
	}
	g[n++] = (struct goal){ "index bytes per range at 1M",
				r->index_bytes_1048576, 32, false, "B" };
	g[n++] = (struct goal){ "cache hit (1.2x range compare)",
				r->cache_hit_ns, 1.2 * r->range_compare_ns,
				false, "ns" };
	g[n++] = (struct goal){ "RCU read section (pointer load + 1.5 ns)",
				r->rcu_read_section_ns,
				r->rcu_pointer_load_ns + 1.5, false, "ns" };
	g[n++] = (struct goal){ "full commit 100k regions", r->commit_ms[2],
				10, false, "ms" };
	g[n++] = (struct goal){ "full commit 100k / 10k (ratio)",
				r->commit_ms[2] / r->commit_ms[1], 12, false,
				"x" };
	g[n++] = (struct goal){ "one change in 100k regions, bare",
				r->commit_one_change_us[1][0], 100, false,
				"us" };
	g[n++] = (struct goal){ "one change in 100k regions, listener",
				r->commit_one_change_us[1][1], 150, false,
				"us" };
	g[n++] = (struct goal){ "BAR toggle, q35 200 virtio-net, bare",
				r->bar_toggle_us[0], 6.5, false, "us" };
	g[n++] = (struct goal){ "BAR toggle, q35 200 virtio-net, listener",
				r->bar_toggle_us[1], 10, false, "us" };
	g[n++] = (struct goal){ "BAR toggle: QEMU 7.2's 1274 us / bare",
				QEMU_BAR_TOGGLE_US / r->bar_toggle_us[0], 200,
				true, "x" };
	g[n++] = (struct goal){ "readers during commits (ratio to idle)",
				r->readers_ratio, 0.9, true, "" };
	g[n++] = (struct goal){ "load + show --flat 1M regions (CPU time)",
				r->load_cpu_s, 3, false, "s" };
	g[n++] = (struct goal){ "peak RSS per region of that",
				r->load_rss_per_region, 600, false, "B" };
	return n;
}

static bool
goal_met(const struct goal *g)
{
	return g->at_least ? g->value >= g->limit : g->value <= g->limit;
}

#define MAX_WARNINGS 8

/*
 * Floors that contradict one another mean the run was disturbed (another
 * tenant in the shared L3, a migration): say so rather than judge goals
 * against them.
 */
static size_t
floor_warnings(const struct bench_run *run, char *w[MAX_WARNINGS])
{
	const struct bench_results *m = &run->med;
	static const char *const names[3] = { "L1", "L3", "DRAM" };
	const double *lo = &run->min.l1_ns, *hi = &run->max.l1_ns;
	const double *md = &run->med.l1_ns;
	size_t n = 0;

	if (m->l3_ns > m->dram_ns / 2) {
		w[n++] = g_strdup_printf("L3 floor %.1f ns is above half the "
					 "DRAM floor %.1f ns",
					 m->l3_ns, m->dram_ns);
	}
	if (m->l1_ns > m->l3_ns / 4) {
		w[n++] = g_strdup_printf("L1 floor %.2f ns is above a quarter "
					 "of the L3 floor %.1f ns",
					 m->l1_ns, m->l3_ns);
	}
	/* l1_ns, l3_ns and dram_ns are consecutive fields. */
	for (int i = 0; i < 3; i++) {
		if (md[i] > 0 && (hi[i] - lo[i]) / md[i] > 0.25) {
			w[n++] = g_strdup_printf("%s floor varied by %.0f%% "
						 "across repetitions",
						 names[i],
						 100 * (hi[i] - lo[i]) / md[i]);
		}
	}
	return n;
}

static void
print_json(const struct bench_run *run)
{
	static const char *const layouts[2] = { "dense", "sparse" };
	const struct bench_results *r = &run->med;
	struct goal g[32];
	char *w[MAX_WARNINGS];
	size_t nr_goals = goals(r, g), nr_w = floor_warnings(run, w);

	printf("{\"repetitions\": %zu, \"floor\": {\"l1_ns\": ", run->nr);
	print_stat(run, &r->l1_ns);
	printf(", \"l3_ns\": ");
	print_stat(run, &r->l3_ns);
	printf(", \"dram_ns\": ");
	print_stat(run, &r->dram_ns);
	printf(", \"pointer_load_ns\": ");
	print_stat(run, &r->pointer_load_ns);
	printf(", \"range_compare_ns\": ");
	print_stat(run, &r->range_compare_ns);
	printf("}, \"lookup\": {");
	for (int l = 0; l < 2; l++) {
		printf("%s\"%s\": {", l ? ", " : "", layouts[l]);
		for (int s = 0; s < BENCH_NR_SIZES; s++) {
			printf("%s\"%zu\": {\"latency_ns\": ", s ? ", " : "",
			       bench_lookup_sizes[s]);
			print_stat(run, &r->lookup_ns[l][s][0]);
			printf(", \"throughput_ns\": ");
			print_stat(run, &r->lookup_ns[l][s][1]);
			printf("}");
		}
		printf("}");
	}
	printf("}, \"index_bytes_per_range\": {\"65536\": ");
	print_stat(run, &r->index_bytes_65536);
	printf(", \"1048576\": ");
	print_stat(run, &r->index_bytes_1048576);
	printf("}, \"cache_hit_ns\": ");
	print_stat(run, &r->cache_hit_ns);
	printf(", \"rcu_read_section_ns\": ");
	print_stat(run, &r->rcu_read_section_ns);
	printf(", \"rcu_pointer_load_ns\": ");
	print_stat(run, &r->rcu_pointer_load_ns);
	printf(", \"rcu_liburcu_section_ns\": ");
	print_stat(run, &r->rcu_liburcu_section_ns);
	printf(", \"commit_ms\": {");
	for (int i = 0; i < BENCH_NR_COMMITS; i++) {
		printf("%s\"%zu\": ", i ? ", " : "", bench_commit_sizes[i]);
		print_stat(run, &r->commit_ms[i]);
	}
	printf("}, \"commit_one_change_us\": {");
	for (int i = 0; i < BENCH_NR_ONE_CHANGE; i++) {
		printf("%s\"%zu\": {\"bare\": ", i ? ", " : "",
		       bench_one_change_sizes[i]);
		print_stat(run, &r->commit_one_change_us[i][0]);
		printf(", \"listener\": ");
		print_stat(run, &r->commit_one_change_us[i][1]);
		printf("}");
	}
	printf("}, \"bar_toggle_us\": {\"bare\": ");
	print_stat(run, &r->bar_toggle_us[0]);
	printf(", \"listener\": ");
	print_stat(run, &r->bar_toggle_us[1]);
	printf(", \"qemu_7_2\": %.0f, \"speedup_over_qemu\": ",
	       QEMU_BAR_TOGGLE_US);
	print_number(QEMU_BAR_TOGGLE_US / r->bar_toggle_us[0]);
	printf("}, \"readers_during_commits_ratio\": ");
	print_stat(run, &r->readers_ratio);
	printf(", \"region_struct_bytes\": %.0f, \"bytes_per_region\": ",
	       r->region_struct_bytes);
	print_stat(run, &r->bytes_per_region);
	printf(", \"load\": {\"regions\": %.0f, \"seconds\": ",
	       r->load_regions);
	print_stat(run, &r->load_s);
	printf(", \"cpu_seconds\": ");
	print_stat(run, &r->load_cpu_s);
	printf(", \"cpu_budget_ratio\": ");
	print_number(r->load_cpu_s / 3);
	printf(", \"rss_bytes_per_region\": ");
	print_stat(run, &r->load_rss_per_region);
	printf(", \"rss_budget_ratio\": ");
	print_number(r->load_rss_per_region / 600);
	printf("}, \"goals\": [");
	for (size_t i = 0; i < nr_goals; i++) {
		printf("%s{\"goal\": \"%s\", \"value\": ", i ? ", " : "",
		       g[i].what);
		print_number(g[i].value);
		printf(", \"limit\": ");
		print_number(g[i].limit);
		printf(", \"ratio\": ");
		print_number(g[i].value / g[i].limit);
		printf(", \"met\": %s}", goal_met(&g[i]) ? "true" : "false");
	}
	printf("], \"warnings\": [");
	for (size_t i = 0; i < nr_w; i++) {
		printf("%s\"%s\"", i ? ", " : "", w[i]);
		fprintf(stderr, "memspace-bench: warning: %s\n", w[i]);
		g_free(w[i]);
	}
	printf("]}\n");
}

static void
print_text(const struct bench_run *run)
{
	const struct bench_results *r = &run->med;
	struct goal g[32];
	char *w[MAX_WARNINGS];
	size_t nr_goals = goals(r, g), nr_w = floor_warnings(run, w);

	printf("medians of %zu repetitions\n", run->nr);
	printf("floors: L1 %.2f ns, L3 %.2f ns, DRAM %.2f ns, pointer load "
	       "%.2f ns, range compare %.2f ns\n",
	       r->l1_ns, r->l3_ns, r->dram_ns, r->pointer_load_ns,
	       r->range_compare_ns);
	for (size_t i = 0; i < nr_w; i++) {
		printf("warning: %s\n", w[i]);
		g_free(w[i]);
	}
	for (int l = 0; l < 2; l++) {
		for (int s = 0; s < BENCH_NR_SIZES; s++) {
			printf("lookup %-6s %8zu: latency %7.2f ns, throughput "
			       "%7.2f ns\n",
			       l ? "sparse" : "dense", bench_lookup_sizes[s],
			       r->lookup_ns[l][s][0], r->lookup_ns[l][s][1]);
		}
	}
	printf("goals:\n");
	for (size_t i = 0; i < nr_goals; i++) {
		printf("  %-44s %10.3f %-3s (goal %s %.3f) %s\n", g[i].what,
		       g[i].value, g[i].unit, g[i].at_least ? ">=" : "<=",
		       g[i].limit, goal_met(&g[i]) ? "ok" : "MISSED");
	}
	printf("commit 1k %.3f ms, 10k %.3f ms, 100k %.3f ms\n",
	       r->commit_ms[0], r->commit_ms[1], r->commit_ms[2]);
	printf("one change 10k %.2f us (listener %.2f us), 100k %.2f us "
	       "(listener %.2f us)\n",
	       r->commit_one_change_us[0][0], r->commit_one_change_us[0][1],
	       r->commit_one_change_us[1][0], r->commit_one_change_us[1][1]);
	printf("BAR toggle (q35 200 virtio-net) %.2f us (listener %.2f us), "
	       "%.0fx faster than QEMU 7.2\n",
	       r->bar_toggle_us[0], r->bar_toggle_us[1],
	       QEMU_BAR_TOGGLE_US / r->bar_toggle_us[0]);
	printf("region struct %.0f B, %.0f B per region\n",
	       r->region_struct_bytes, r->bytes_per_region);
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

/* One repetition of every part (or of MEMSPACE_BENCH_ONLY's). */
static void
run_once(struct bench_results *r, const char *only)
{
	/* MEMSPACE_BENCH_ONLY=floors|cache|lookup|commit|one-change|
	 * bar-toggle|readers|memory|load runs one part (the others print as
	 * 0), for profiling. */
	static const struct {
		const char *name;
		void (*fn)(struct bench_results *r);
	} parts[] = {
		{ "floors", bench_floors },
		{ "cache", bench_cache_and_rcu },
		{ "lookup", bench_lookups },
		{ "commit", bench_commits },
		{ "one-change", bench_one_change },
		{ "bar-toggle", bench_bar_toggle },
		{ "readers", bench_readers_during_commits },
		{ "memory", bench_region_memory },
		{ "load", bench_load },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(parts); i++) {
		if (!only || strcmp(only, parts[i].name) == 0) {
			parts[i].fn(r);
		}
	}
}

int
main(int argc, char **argv)
{
	bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
	const char *reps = getenv("MEMSPACE_BENCH_REPS");
	struct bench_run run = { .nr = reps ? strtoul(reps, NULL, 0) : 3 };

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
	/* MEMSPACE_BENCH_REPS: repetitions of the whole run (default 3). */
	if (run.nr < 1 || run.nr > 100) {
		fputs("memspace-bench: MEMSPACE_BENCH_REPS must be 1-100\n",
		      stderr);
		return 2;
	}
	run.rep = g_new0(struct bench_results, run.nr);
	for (size_t k = 0; k < run.nr; k++) {
		run_once(&run.rep[k], getenv("MEMSPACE_BENCH_ONLY"));
	}
	run_stats(&run);
	if (json) {
		print_json(&run);
	} else {
		print_text(&run);
	}
	g_free(run.rep);
	return 0;
}
