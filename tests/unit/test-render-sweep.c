/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The renderer's last stages on their own: the sort of pieces by start
 * (mostly in order, in blocks out of order, at random) against qsort, and
 * the sweep that resolves overlapping pieces into ranges against a
 * brute-force owner per address, with pieces nested, hidden under earlier
 * ones in large numbers (the heap's pruning), side by side, merging,
 * reaching the end of the 64-bit space, and hidden pieces of disabled
 * regions.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "render-internal.h"
#include "test-tree.h"

static int
key_cmp(const void *a, const void *b)
{
	const struct sort_item *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

/* Keys in one of several shapes; values number them. */
static void
make_keys(GRand *rng, struct sort_item *it, size_t n, int shape)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t k;

		switch (shape) {
		case 0: /* random */
			k = (uint64_t)g_rand_int(rng) << 20 | g_rand_int(rng);
			break;
		case 1: /* descending, a few out of place */
			k = g_rand_int_range(rng, 0, 50) ?
				    (uint64_t)(n - i) << 12 :
				    (uint64_t)g_rand_int_range(rng, 0, 1 << 30);
			break;
		case 2: /* ascending blocks in descending order */
			k = ((uint64_t)(n - i / 64) << 24) + (i % 64) * 0x1000;
			break;
		default: /* few distinct keys */
			k = (uint64_t)g_rand_int_range(rng, 0, 4) << 40;
			break;
		}
		it[i] = (struct sort_item){ k, (uint32_t)i };
	}
}

START_TEST(sort_matches_qsort)
{
	GRand *rng = g_rand_new_with_seed(0x5047);

	for (int round = 0; round < 200; round++) {
		size_t n = (size_t)g_rand_int_range(rng, 0, round < 100 ? 200 :
									  5000);
		int shape = round % 4;
		struct sort_item *it = g_new(struct sort_item, n + 1);
		struct sort_item *want = g_new(struct sort_item, n + 1);
		struct sort_item *tmp = g_new(struct sort_item, n + 1);
		uint64_t seen = 0;

		make_keys(rng, it, n, shape);
		memcpy(want, it, n * sizeof(*it));
		qsort(want, n, sizeof(*want), key_cmp);
		sort_nearly_sorted(it, tmp, n);
		for (size_t i = 0; i < n; i++) {
			ck_assert_uint_eq(it[i].key, want[i].key);
			/* Each value once: a permutation. */
			seen += it[i].val;
		}
		ck_assert_uint_eq(seen, n ? (uint64_t)n * (n - 1) / 2 : 0);
		g_free(it);
		g_free(want);
		g_free(tmp);
	}
	g_rand_free(rng);
}
END_TEST

/* Distinct fake regions: the sweep only compares their addresses. */
static char regions[8];

/*
 * @n random pieces within [0, 4 * @span) (or up to 2^64 - 1); some share
 * a region with consecutive offsets so that their ranges merge.
 */
static void
make_pieces(GRand *rng, struct piece *p, size_t n, uint64_t span)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t s = (uint64_t)g_rand_int_range(rng, 0, (gint32)span);
		uint64_t len = (uint64_t)g_rand_int_range(rng, 1, 8);
		unsigned which = (unsigned)g_rand_int_range(rng, 0, 8);

		switch (g_rand_int_range(rng, 0, 6)) {
		case 0: /* large: hides many later ones */
			len = span;
			break;
		case 1: /* to the end of the space */
			s = UINT64_MAX - s;
			len = UINT64_MAX - s + 1;
			break;
		default:
			break;
		}
		p[i] = (struct piece){
			.start = s,
			.last = s + (len - 1),
			.mr = (struct memspace_region *)&regions[which],
			.offset = which < 4 ? s : 0x1000 * i,
			.flags = (uint8_t)(which == 7 ? RANGE_UNMERGEABLE : 0),
			/* A disabled region's, in a traced walk. */
			.hidden = g_rand_int_range(rng, 0, 8) == 0,
		};
	}
}

/* The first piece in walk order covering @a, or NULL. */
static const struct piece *
owner(const struct piece *p, size_t n, uint64_t a)
{
	for (size_t i = 0; i < n; i++) {
		if (!p[i].hidden && p[i].start <= a && a <= p[i].last) {
			return &p[i];
		}
	}
	return NULL;
}

/* Every address at which something starts or ends, and those around. */
static void
check_at(const struct piece *p, size_t n, const struct flat_range *out,
	 size_t nr, uint64_t a)
{
	const struct piece *o = owner(p, n, a);
	size_t k = 0;

	while (k < nr && out[k].last < a) {
		k++;
	}
	if (!o) {
		ck_assert(k == nr || out[k].start > a);
		return;
	}
	ck_assert_msg(k < nr && out[k].start <= a, "no range at %#" PRIx64, a);
	ck_assert_ptr_eq(out[k].mr, o->mr);
	ck_assert_uint_eq(out[k].offset + (a - out[k].start),
			  o->offset + (a - o->start));
	ck_assert_uint_eq(out[k].flags, o->flags);
}

START_TEST(sweep_matches_owner_per_address)
{
	GRand *rng = g_rand_new_with_seed(0x5eeb + (guint32)_i);
	struct render_scratch sc = { 0 };

	for (int round = 0; round < 300; round++) {
		size_t n = (size_t)g_rand_int_range(rng, 1, round < 200 ? 12 :
									   300);
		uint64_t span = (uint64_t)g_rand_int_range(rng, 4, 64) * n;
		struct piece *p = g_new(struct piece, n);
		struct flat_range *out = g_new(struct flat_range, 2 * n);
		struct render r = { .pieces = p, .nr = n, .scratch = &sc };
		unsigned flags, want_flags = 0;
		size_t nr;

		make_pieces(rng, p, n, span);
		nr = render_sweep(&r, render_sort_pieces(&r, SCRATCH_ITEMS),
				  &(struct range_sink){ .arr = out }, &flags);
		ck_assert_uint_le(nr, 2 * n);
		for (size_t k = 0; k < nr; k++) {
			want_flags |= out[k].flags;
			ck_assert_uint_le(out[k].start, out[k].last);
			ck_assert(k == 0 || out[k - 1].last < out[k].start);
			/* Merged as far as QEMU merges. */
			ck_assert(k == 0 || !render_can_merge(&out[k - 1],
							      &out[k]));
		}
		/* The flags of what shows, not of what is hidden. */
		ck_assert_uint_eq(flags, want_flags);
		for (size_t i = 0; i < n; i++) {
			uint64_t at[] = { p[i].start, p[i].last,
					  p[i].start - 1, p[i].last + 1 };

			for (size_t j = 0; j < G_N_ELEMENTS(at); j++) {
				check_at(p, n, out, nr, at[j]);
			}
		}
		for (uint64_t a = 0; a < 4 * span; a += 1 + a / 64) {
			check_at(p, n, out, nr, a);
		}
		g_free(p);
		g_free(out);
	}
	for (int i = 0; i < SCRATCH_NR; i++) {
		g_aligned_free(sc.buf[i]);
	}
	g_rand_free(rng);
}
END_TEST

static Suite *
sweep_suite(void)
{
	Suite *s = suite_create("render-sweep");
	TCase *tc = tcase_create("render-sweep:core");

	tcase_add_test(tc, sort_matches_qsort);
	tcase_add_loop_test(tc, sweep_matches_owner_per_address, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(sweep_suite)
