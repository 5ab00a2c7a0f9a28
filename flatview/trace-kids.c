/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Indexes of the direct children of render-trace steps (trace-kids.h).
 */
#include "config.h"

#include "trace-kids.h"

/* In the table: the step was asked for once; an index comes next time. */
#define ASKED_ONCE ((struct trace_kids *)GSIZE_TO_POINTER(1))

static void
kids_free(gpointer p)
{
	struct trace_kids *k = p;

	if (k != ASKED_ONCE) {
		g_free(k->step);
		g_free(k->by_mr);
		g_free(k);
	}
}

static int
kid_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)((const struct trace_kid *)a)->mr;
	uintptr_t y = (uintptr_t)((const struct trace_kid *)b)->mr;

	return (x > y) - (x < y);
}

static struct trace_kids *
kids_build(const struct render_trace *t, size_t i)
{
	struct trace_kids *k = g_new0(struct trace_kids, 1);
	size_t n = 0;

	for (size_t j = i + 1; j < t->v[i].end; j = t->v[j].end) {
		n++;
	}
	k->nr = n;
	k->step = g_new(uint32_t, n ? n : 1);
	k->by_mr = g_new(struct trace_kid, n ? n : 1);
	n = 0;
	for (size_t j = i + 1; j < t->v[i].end; j = t->v[j].end) {
		k->step[n] = (uint32_t)j;
		k->by_mr[n++] = (struct trace_kid){ t->v[j].mr, (uint32_t)j };
	}
	trace_kids_sort(k->by_mr, n);
	return k;
}

void
trace_kids_sort(struct trace_kid *a, size_t n)
{
	qsort(a, n, sizeof(*a), kid_cmp);
}

size_t
trace_kids_lower_bound(const struct trace_kid *a, size_t n,
		       const struct memspace_region *mr)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((uintptr_t)a[mid].mr < (uintptr_t)mr) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo;
}

static int
step_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

void
trace_steps_sort(uint32_t *a, size_t n)
{
	if (n > 32) {
		qsort(a, n, sizeof(*a), step_cmp);
		return;
	}
	/* Few, and mostly in order already: insertion. */
	for (size_t j = 1; j < n; j++) {
		uint32_t x = a[j];
		size_t p = j;

		for (; p > 0 && a[p - 1] > x; p--) {
			a[p] = a[p - 1];
		}
		a[p] = x;
	}
}

const struct trace_kids *
trace_kids_get(struct render_trace *t, size_t i)
{
	const struct memspace_region *mr = t->v[i].mr;
	gpointer key = GSIZE_TO_POINTER(i + 1);
	struct trace_kids *k;

	/* Fewer steps below than that: fewer children (an alias's one). */
	if (t->v[i].end - i <= TRACE_KIDS_MIN || mr->alias) {
		return NULL;
	}
	if (!t->kids) {
		t->kids = g_hash_table_new_full(NULL, NULL, NULL, kids_free);
	}
	k = g_hash_table_lookup(t->kids, key);
	if (!k) {
		g_hash_table_insert(t->kids, key, ASKED_ONCE);
		return NULL;
	}
	if (k == ASKED_ONCE) {
		k = kids_build(t, i);
		g_hash_table_insert(t->kids, key, k);
	}
	return k;
}

uint32_t
trace_kids_find(const struct trace_kids *k, const struct memspace_region *mr)
{
	size_t lo = trace_kids_lower_bound(k->by_mr, k->nr, mr);

	return lo < k->nr && k->by_mr[lo].mr == mr ? k->by_mr[lo].step :
						     TRACE_KIDS_NONE;
}

uint32_t
trace_kids_holding(const struct trace_kids *k, uint32_t s)
{
	size_t lo = 0, hi = k->nr;

	/* The last child step at or before @s. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->step[mid] <= s) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo ? k->step[lo - 1] : TRACE_KIDS_NONE;
}

void
trace_kids_drop(struct render_trace *t)
{
	if (t->kids) {
		g_hash_table_destroy(t->kids);
		t->kids = NULL;
	}
}
