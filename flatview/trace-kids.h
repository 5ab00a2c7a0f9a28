/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The direct children of a render-trace step, indexed, for steps with
 * many (a PCI bus's BARs): a commit's scan of the trace (update.c) goes
 * straight to the few children that changed instead of stepping through
 * all their siblings.
 *
 * An index is built on the second request for the same step of the same
 * shape of trace, in O(k log k) for k children, and answers in O(log k).
 * A trace whose shape changes at every commit is rebuilt every time and
 * so never pays for one.  The indexes go with the shape: a trace rebuilt
 * or recycled drops them (render_trace_free(), trace_recycle()); an
 * in-place update keeps every step's region, and so keeps them.
 */
#ifndef MEMSPACE_FLATVIEW_TRACE_KIDS_H
#define MEMSPACE_FLATVIEW_TRACE_KIDS_H

#include <stdint.h>

#include "render-internal.h"

/* Steps with fewer steps below them are scanned as they are. */
#define TRACE_KIDS_MIN 16
#define TRACE_KIDS_NONE UINT32_MAX

struct trace_kid {
	const struct memspace_region *mr;
	uint32_t step;
};

/**
 * struct trace_kids - the direct children of one step
 * @nr: number of children steps.
 * @step: their steps, ascending.
 * @by_mr: the same, sorted by region.
 */
struct trace_kids {
	size_t nr;
	uint32_t *step;
	struct trace_kid *by_mr;
};

/* The index of step @i's children; NULL if not (yet) worth one. */
const struct trace_kids *trace_kids_get(struct render_trace *t, size_t i);

/* The child step of @mr, or TRACE_KIDS_NONE. */
uint32_t trace_kids_find(const struct trace_kids *k,
			 const struct memspace_region *mr);

/* The child step whose subtree holds step @s (inside the parent's). */
uint32_t trace_kids_holding(const struct trace_kids *k, uint32_t s);

/* Sort (step, region) pairs by region. */
void trace_kids_sort(struct trace_kid *a, size_t n);

/* The first of the @n pairs @a (sorted by region) not below @mr. */
size_t trace_kids_lower_bound(const struct trace_kid *a, size_t n,
			      const struct memspace_region *mr);

/* Sort steps ascending. */
void trace_steps_sort(uint32_t *a, size_t n);

/* Drop @t's indexes (its shape is about to change). */
void trace_kids_drop(struct render_trace *t);

#endif /* MEMSPACE_FLATVIEW_TRACE_KIDS_H */
