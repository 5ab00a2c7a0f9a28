/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The lookup index of flat views: every lookup agrees with a linear
 * reference, on both search paths (AVX2 where the CPU has it, generic),
 * for every size around the node boundaries, dense and sparse layouts, and
 * the edges of the 64-bit space; and rendered views carry a sound index.
 */
#include <glib.h>

#include "flatview-internal.h"
#include "test-tree.h"

/* Reference: the last range starting at or below @addr, by bisection. */
static size_t
reference_find(const struct flat_range *r, size_t n, uint64_t addr)
{
	size_t lo = 0, hi = n;

	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (r[mid].start <= addr) {
			lo = mid;
		} else {
			hi = mid;
		}
	}
	return n && r[lo].start <= addr && addr <= r[lo].last ? lo : SIZE_MAX;
}

static void
check_addr(const struct flat_index *ix, const struct flat_range *r, size_t n,
	   uint64_t addr)
{
	size_t want = reference_find(r, n, addr);

	ck_assert_msg(flat_index_find_generic(ix, addr) == want,
		      "generic lookup of %#" G_GINT64_MODIFIER
		      "x in %zu ranges",
		      addr, n);
	if (ix->avx2) {
		ck_assert_msg(flat_index_find_avx2(ix, addr) == want,
			      "avx2 lookup of %#" G_GINT64_MODIFIER
			      "x in %zu ranges",
			      addr, n);
	}
}

/* Ranges of 1..16 pages from @base; gaps of 0..@max_gap pages. */
static struct flat_range *
make_ranges(GRand *rng, size_t n, uint64_t base, uint32_t max_gap)
{
	struct flat_range *r = g_new0(struct flat_range, n ? n : 1);
	uint64_t a = base;

	for (size_t i = 0; i < n; i++) {
		uint64_t size = 0x1000 * (uint64_t)g_rand_int_range(rng, 1, 17);

		a += 0x1000 * (uint64_t)g_rand_int_range(rng, 0, max_gap + 1);
		r[i].start = a;
		r[i].last = a + size - 1;
		a += size;
	}
	return r;
}

static void
check_ranges(struct flat_range *r, size_t n, GRand *rng)
{
	struct flat_index ix;

	flat_index_build(&ix, r, n);
	ck_assert(flat_index_verify(&ix));
	for (size_t i = 0; i < n; i++) {
		check_addr(&ix, r, n, r[i].start);
		check_addr(&ix, r, n, r[i].last);
		check_addr(&ix, r, n, r[i].start - 1);
		check_addr(&ix, r, n, r[i].last + 1);
	}
	for (unsigned k = 0; k < 200; k++) {
		check_addr(&ix, r, n,
			   ((uint64_t)g_rand_int(rng) << 32) | g_rand_int(rng));
	}
	check_addr(&ix, r, n, 0);
	check_addr(&ix, r, n, UINT64_MAX);
	flat_index_free(&ix);
}

/* Loop @_i covers sizes 10 * _i .. 10 * _i + 9 (and the height change). */
START_TEST(index_every_size_dense_and_sparse)
{
	GRand *rng = g_rand_new_with_seed(0x1dec5 + (guint32)_i);

	for (size_t k = 0; k < 10; k++) {
		/* Sizes across leaf (8) and node (17 children) boundaries. */
		size_t n = _i < 30 ? 10 * (size_t)_i + k : 289 * 8 - 5 + k;
		struct flat_range *dense =
			make_ranges(rng, n, 0x100000000ull, 2);
		struct flat_range *sparse =
			make_ranges(rng, n, 0x1000, 1u << 18);

		check_ranges(dense, n, rng);
		check_ranges(sparse, n, rng);
		g_free(dense);
		g_free(sparse);
	}
	g_rand_free(rng);
}
END_TEST

START_TEST(index_edges_of_the_space)
{
	static const struct {
		uint64_t start, last;
	} cases[][3] = {
		{ { 0, UINT64_MAX } },
		{ { 0, 0 }, { UINT64_MAX, UINT64_MAX } },
		{ { 1, 0xfff },
		  { 0x1000, 0x1fff },
		  { 0xfffffffffffff000ull, UINT64_MAX } },
		{ { UINT64_MAX - 1, UINT64_MAX - 1 } },
		{ { 0x8000000000000000ull, 0x8000000000000000ull },
		  { 0x8000000000000001ull, 0xfffffffffffffffeull } },
		{ { 0x7fffffffffffffffull, 0x8000000000000000ull } },
	};
	GRand *rng = g_rand_new_with_seed(7);

	for (size_t c = 0; c < G_N_ELEMENTS(cases); c++) {
		struct flat_range r[3] = { 0 };
		size_t n = 0;

		while (n < 3 &&
		       (cases[c][n].start || cases[c][n].last || n == 0)) {
			r[n].start = cases[c][n].start;
			r[n].last = cases[c][n].last;
			n++;
		}
		check_ranges(r, n, rng);
	}
	g_rand_free(rng);
}
END_TEST

/* Most ranges in one bucket (a far outlier stretches the span): every
 * entry kind, the tree descent included, must agree. */
START_TEST(index_clustered_map_descends)
{
	GRand *rng = g_rand_new_with_seed(31);
	size_t n = 3000;
	struct flat_range *r = make_ranges(rng, n, 0x1000, 1);

	r[n - 1].start = 0xfff0000000000000ull;
	r[n - 1].last = 0xfff0000000000fffull;
	r[n - 2].start = 0x8000000000000000ull;
	r[n - 2].last = 0x8000000000000fffull;
	check_ranges(r, n, rng);
	g_free(r);
	g_rand_free(rng);
}
END_TEST

START_TEST(index_empty_finds_nothing)
{
	struct flat_index ix;

	flat_index_build(&ix, NULL, 0);
	ck_assert_uint_eq(flat_index_find_generic(&ix, 0), SIZE_MAX);
	ck_assert_uint_eq(flat_index_find_avx2(&ix, UINT64_MAX), SIZE_MAX);
	ck_assert(flat_index_verify(&ix));
	flat_index_free(&ix);
}
END_TEST

START_TEST(index_large_sparse_uses_little_memory)
{
	GRand *rng = g_rand_new_with_seed(99);
	size_t n = 100000;
	struct flat_range *r = make_ranges(rng, n, 0x100000000ull, 1u << 20);
	struct flat_index ix;

	flat_index_build(&ix, r, n);
	/* Keys and internal nodes only: about 8.6 bytes per range. */
	ck_assert_uint_le(ix.bytes, n * 10 + (4u << 20));
	ck_assert(flat_index_verify(&ix));
	flat_index_free(&ix);
	g_free(r);
	g_rand_free(rng);
}
END_TEST

/*
 * @r (@n ranges) with the ranges [@a, @a + @k) replaced by new ones cut at
 * random in the addresses they covered (or, for @k == 0, in the gap before
 * range @a); returns the new array and its length in @ret_n.
 */
static struct flat_range *
splice_ranges(GRand *rng, const struct flat_range *r, size_t n, size_t a,
	      size_t k, size_t *ret_n)
{
	uint64_t lo = k ? r[a].start : (a ? r[a - 1].last + 1 : 0);
	uint64_t hi = k ? r[a + k - 1].last : (a < n ? r[a].start - 1 : 0);
	GArray *out = g_array_new(false, false, sizeof(struct flat_range));

	g_array_append_vals(out, r, (guint)a);
	/* Pieces of 1..4 pages with gaps of 0..2 pages; page aligned. */
	for (uint64_t x = lo; (k || a < n) && hi > lo && x < hi;) {
		uint64_t size = 0x1000 * (uint64_t)g_rand_int_range(rng, 1, 5);
		struct flat_range fr = { 0 };

		x += 0x1000 * (uint64_t)g_rand_int_range(rng, 0, 3);
		if (x > hi || hi - x < size - 1) {
			break;
		}
		fr.start = x;
		fr.last = x + size - 1;
		g_array_append_val(out, fr);
		x += size;
	}
	g_array_append_vals(out, r + a + k, (guint)(n - a - k));
	*ret_n = out->len;
	return (struct flat_range *)g_array_free(out, false);
}

/*
 * Indexes carried over from a previous one by flat_index_update() are the
 * ones a full build gives, bit for bit, after every step of random splices:
 * ranges removed, added and cut, moving the later ones by any count (a
 * multiple of a leaf or not), at sizes on both sides of INDEX_FINE_MAX.
 */
START_TEST(index_update_matches_build)
{
	static const size_t sizes[] = { 1, 17, 300, 5000, INDEX_FINE_MAX + 300 };
	GRand *rng = g_rand_new_with_seed(7 + (guint32)_i);
	size_t n = sizes[_i];
	struct flat_range *r = make_ranges(rng, n, 0x100000, 3);
	struct flat_index ix;

	flat_index_build(&ix, r, n);
	for (unsigned step = 0; step < 60; step++) {
		size_t a = (size_t)g_rand_int_range(rng, 0, (gint32)n + 1);
		size_t k = (size_t)g_rand_int_range(rng, 0, 4);
		size_t m, p, s;
		struct flat_range *nr;
		struct flat_index up, full;

		k = a + k <= n ? k : n - a;
		nr = splice_ranges(rng, r, n, a, k, &m);
		if (m == 0) {
			g_free(nr);
			continue;
		}
		p = a;
		s = n - a - k;
		flat_index_update(&up, &ix, nr, m, p, s);
		flat_index_build(&full, nr, m);
		ck_assert_msg(flat_index_equal(&up, &full),
			      "step %u: %zu ranges, %zu replaced at %zu by %zu",
			      step, n, k, a, m - (n - k));
		ck_assert(flat_index_verify(&up));
		flat_index_free(&full);
		flat_index_free(&ix);
		g_free(r);
		ix = up;
		r = nr;
		n = m;
		ix.ranges = r;
	}
	flat_index_free(&ix);
	g_free(r);
	g_rand_free(rng);
}
END_TEST

static int
count_ranges(void *opaque, const struct memspace_section *sec)
{
	(void)sec;
	(*(size_t *)opaque)++;
	return 0;
}

START_TEST(index_rendered_views_are_indexed)
{
	struct memspace_region *root = tt_container("root", MEMSPACE_SIZE_2_64);
	struct memspace_addrspace *as = tt_as("memory", root);
	struct memspace_flatview *fv;
	size_t n = 0;

	for (unsigned i = 0; i < 50; i++) {
		char name[16];

		g_snprintf(name, sizeof(name), "r%u", i);
		tt_add(root, 0x10000ull * i * i, tt_ram(name, 0x1000 + i));
	}
	fv = memspace_addrspace_get_flatview(as);
	ck_assert_int_eq(memspace_flatview_for_each(fv, count_ranges, &n), 0);
	ck_assert_uint_eq(fv->index.nr, n);
	ck_assert(flat_index_verify(&fv->index));
	for (unsigned i = 0; i < 50; i++) {
		const struct flat_range *fr =
			flatview_find(fv, 0x10000ull * i * i);

		ck_assert_ptr_nonnull(fr);
		ck_assert_uint_eq(fr->start, 0x10000ull * i * i);
		ck_assert_ptr_null(
			flatview_find(fv, 0x10000ull * i * i + 0x1000 + i));
	}
	memspace_flatview_unref(fv);
}
END_TEST

static Suite *
index_suite(void)
{
	Suite *s = suite_create("index");
	TCase *tc = tcase_create("index:lookup");

	tcase_add_loop_test(tc, index_every_size_dense_and_sparse, 0, 31);
	tcase_add_test(tc, index_edges_of_the_space);
	tcase_add_test(tc, index_empty_finds_nothing);
	tcase_add_test(tc, index_clustered_map_descends);
	tcase_add_test(tc, index_large_sparse_uses_little_memory);
	tcase_add_loop_test(tc, index_update_matches_build, 0, 5);
	suite_add_tcase(s, tc);
	tc = tcase_create("index:views");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, index_rendered_views_are_indexed);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(index_suite)
