/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ranges of flat views (a persistent B+ tree) and their lookup index:
 * every lookup agrees with a bisection reference for every size around the
 * leaf and node boundaries, dense and sparse layouts, and the edges of the
 * 64-bit space; splices of the tree give the arrays they should, share
 * what they did not touch, and the index carried over by each splice
 * answers as a fresh one does; rendered views carry a sound index.
 */
#include <glib.h>

#include "flatview-internal.h"
#include "pool.h"
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
	const struct flat_range *got = flat_index_find(ix, addr);

	bool ok = want == SIZE_MAX ? !got :
				     got && got->start == r[want].start &&
					     got->last == r[want].last;

	/* Abort only on failure: Check makes each assertion a write. */
	if (!ok) {
		ck_abort_msg("lookup of %#" G_GINT64_MODIFIER
			     "x in %zu ranges: want %zu",
			     addr, n, want);
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
	struct flat_tree t;

	ft_build(&t, r, n);
	ck_assert(ft_verify(&t));
	flat_index_build(&ix, &t);
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
	ft_unref(&t);
}

/* Loop @_i covers sizes 10 * _i .. 10 * _i + 9 (and the height change). */
START_TEST(index_every_size_dense_and_sparse)
{
	GRand *rng = g_rand_new_with_seed(0x1dec5 + (guint32)_i);

	for (size_t k = 0; k < 10; k++) {
		/* Sizes across leaf (49) and node (17 children) boundaries. */
		size_t n = _i < 30 ? 10 * (size_t)_i + k :
				     17 * 17 * FT_LEAF_CAP - 5 + k;
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

/* Far outliers at the top of the space, and the rest clustered: every
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

/*
 * A page far below the rest (0x1000 under a map at 4 GiB) does not set
 * the bucket size: the table covers the map at the resolution it has
 * without the page, which is found by descent; toggling it splice after
 * splice (outside the table each time, so the table is planned again
 * now and then) keeps every lookup right and the resolution as it was.
 */
START_TEST(index_far_outlier_left_to_descent)
{
	GRand *rng = g_rand_new_with_seed(41);
	size_t n = 3000;
	struct flat_range *r = make_ranges(rng, n + 1, 0x100000000ull, 2);
	struct flat_range low = { .start = 0x1000, .last = 0x1fff };
	struct flat_index ix, plain;
	struct flat_tree t, tp;
	unsigned replans = 0;

	/* Without the page, then with it. */
	ft_build(&tp, r + 1, n);
	flat_index_build(&plain, &tp);
	r[0] = low;
	check_ranges(r, n + 1, rng);
	ft_build(&t, r, n + 1);
	flat_index_build(&ix, &t);
	ck_assert_uint_eq(ix.shift, plain.shift);
	ck_assert_uint_gt(ix.base, low.last);
	ck_assert_uint_lt((r[n].start - ix.base) >> ix.shift, ix.nr_buckets);
	for (unsigned step = 0; step < 4000; step++) {
		bool on = step & 1;
		uint64_t moved[1][2] = { { UINT64_MAX, 0 } };
		struct flat_tree t2;
		struct flat_index up;

		ft_splice(&t2, &t, 0, on ? 0 : 1, &low, on ? 1 : 0,
			  &moved[0][0], &moved[0][1]);
		flat_index_update(&up, &ix, &t2, (const uint64_t(*)[2])moved,
				  1);
		flat_index_free(&ix);
		ft_unref(&t);
		t = t2;
		ix = up;
		ix.tree = &t;
		replans += ix.outside == 0;
		if (step % 97 == 0 || ix.outside == 0) {
			ck_assert(flat_index_verify(&ix));
			check_addr(&ix, r + !on, n + on, low.start);
			check_addr(&ix, r + !on, n + on, r[1].start);
			check_addr(&ix, r + !on, n + on, r[n].last);
		}
		ck_assert_uint_eq(ix.shift, plain.shift);
	}
	ck_assert_uint_gt(replans, 1);
	flat_index_free(&ix);
	flat_index_free(&plain);
	ft_unref(&t);
	ft_unref(&tp);
	g_free(r);
	g_rand_free(rng);
}
END_TEST

START_TEST(index_empty_finds_nothing)
{
	struct flat_index ix;
	struct flat_tree t;

	ft_build(&t, NULL, 0);
	flat_index_build(&ix, &t);
	ck_assert_ptr_null(flat_index_find(&ix, 0));
	ck_assert_ptr_null(flat_index_find(&ix, UINT64_MAX));
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
	struct flat_tree t;

	ft_build(&t, r, n);
	flat_index_build(&ix, &t);
	/* One bucket of 8 bytes per two ranges beyond INDEX_FINE_MAX. */
	ck_assert_uint_le(flat_index_bytes(&ix), n * 5 + (64u << 10));
	ck_assert(flat_index_verify(&ix));
	flat_index_free(&ix);
	ft_unref(&t);
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

/* @t holds exactly the @n ranges @r, and every way of reading it agrees
 * (checked without an assertion per range, which Check makes slow). */
static void
check_tree(const struct flat_tree *t, const struct flat_range *r, size_t n)
{
	struct ft_cursor c;
	size_t i = 0, bad = SIZE_MAX, leaves = 0;
	const struct ft_leaf *leaf = NULL;
	const struct flat_range *fr;

	ck_assert(ft_verify(t));
	ck_assert_uint_eq(t->nr, n);
	for (ft_cursor_seek(&c, t, 0); (fr = ft_cursor_get(&c)) && i < n;
	     ft_cursor_next(&c), i++) {
		bool ok = c.pos == i && fr->start == r[i].start &&
			  fr->last == r[i].last;

		if (ok && (i % 61 == 0 || i + 1 == n)) {
			/* Random access, on a sample. */
			ok = ft_at(t, i) == fr &&
			     ft_first_ending_at_or_above(t, fr->start) == i &&
			     ft_first_ending_at_or_above(t, fr->last) == i &&
			     ft_find(t, fr->last) == fr;
		}
		if (!ok && bad == SIZE_MAX) {
			bad = i;
		}
		leaves += c.leaf != leaf;
		leaf = c.leaf;
	}
	ck_assert_msg(bad == SIZE_MAX, "tree disagrees at range %zu", bad);
	ck_assert_uint_eq(i, n);
	/* Splices keep leaves filled: no drift towards one range each. */
	ck_assert_msg(leaves <= 1 || n >= leaves * FT_LEAF_MIN,
		      "%zu ranges in %zu leaves", n, leaves);
}

/*
 * Random splices (ranges removed, added and cut, from none to several
 * leaves' worth, down to an empty tree and back) give the arrays they
 * should; the tree spliced from keeps its ranges; every range outside the
 * reported span stays in its leaf; and the index carried over answers as
 * a fresh one, bit for bit when the bucket geometry is the same, at sizes
 * on both sides of INDEX_FINE_MAX.
 */
START_TEST(index_update_matches_build)
{
	static const size_t sizes[] = { 1, 17, 300, 5000, INDEX_FINE_MAX + 300 };
	GRand *rng = g_rand_new_with_seed(7 + (guint32)_i);
	size_t n = sizes[_i];
	struct flat_range *r = make_ranges(rng, n, 0x100000, 3);
	struct flat_index ix;
	struct flat_tree t;

	ft_build(&t, r, n);
	flat_index_build(&ix, &t);
	for (unsigned step = 0; step < 80; step++) {
		size_t a = (size_t)g_rand_int_range(rng, 0, (gint32)n + 1);
		size_t k = (size_t)g_rand_int_range(rng, 0, step % 7 ? 4 : 80);
		uint64_t moved[1][2] = { { UINT64_MAX, 0 } };
		struct flat_range *nr;
		struct flat_index up, full;
		struct flat_tree t2;
		bool shared_ok = true;
		size_t m;

		k = a + k <= n ? k : n - a;
		nr = splice_ranges(rng, r, n, a, k, &m);
		ft_splice(&t2, &t, a, a + k, nr + a, m - (n - k), &moved[0][0],
			  &moved[0][1]);
		check_tree(&t2, nr, m);
		check_tree(&t, r, n);
		for (size_t i = 0; i < n && m; i += 1 + n / 300) {
			if (r[i].last < moved[0][0] || r[i].start > moved[0][1]) {
				size_t j = i < a ? i : i - k + (m - (n - k));

				shared_ok &= ft_at(&t, i) == ft_at(&t2, j);
			}
		}
		ck_assert_msg(shared_ok, "step %u: a range outside the span "
					 "changed leaves", step);
		flat_index_update(&up, &ix, &t2, (const uint64_t(*)[2])moved,
				  1);
		flat_index_build(&full, &t2);
		if (up.shift == full.shift && up.base == full.base &&
		    up.nr_buckets == full.nr_buckets) {
			ck_assert_msg(flat_index_equal(&up, &full),
				      "step %u: %zu ranges, %zu replaced at %zu "
				      "by %zu",
				      step, n, k, a, m - (n - k));
		}
		ck_assert(flat_index_verify(&up));
		flat_index_free(&full);
		flat_index_free(&ix);
		ft_unref(&t);
		g_free(r);
		t = t2;
		ix = up;
		ix.tree = &t;
		r = nr;
		n = m;
	}
	flat_index_free(&ix);
	ft_unref(&t);
	g_free(r);
	g_rand_free(rng);
}
END_TEST

/*
 * Deleting runs that straddle leaves leaves remnants too small to stand:
 * they are merged with a neighbour, so leaves stay at least a quarter
 * full (all but a rare only child) and the tree stays shallow.
 */
START_TEST(ftree_deletions_keep_leaves_filled)
{
	GRand *rng = g_rand_new_with_seed(11);
	size_t n = 24000;
	struct flat_range *r = make_ranges(rng, n, 0x1000, 2);
	struct flat_tree t;

	ft_build(&t, r, n);
	for (unsigned step = 0; step < 1000; step++) {
		size_t a = (size_t)g_rand_int_range(rng, 0, (gint32)(n - 20));
		uint64_t lo = UINT64_MAX, hi = 0;
		struct flat_tree t2;

		ft_splice(&t2, &t, a, a + 20, NULL, 0, &lo, &hi);
		ft_unref(&t);
		t = t2;
		memmove(r + a, r + a + 20, (n - a - 20) * sizeof(*r));
		n -= 20;
	}
	{
		struct ft_cursor c;
		const struct ft_leaf *leaf = NULL;
		size_t leaves = 0, small = 0;

		check_tree(&t, r, n);
		for (ft_cursor_seek(&c, &t, 0); ft_cursor_get(&c);
		     ft_cursor_next(&c)) {
			if (c.leaf != leaf) {
				leaves++;
				small += c.leaf->nr < FT_LEAF_MIN;
				leaf = c.leaf;
			}
		}
		ck_assert_msg(small * 50 <= leaves, "%zu of %zu leaves underfull",
			      small, leaves);
		ck_assert_uint_le(t.height, 4);
	}
	ft_unref(&t);
	g_free(r);
	g_rand_free(rng);
}
END_TEST

/*
 * Ranges added past the end of the table are found by descent; once a
 * quarter as many splices as there were ranges reached outside it, the
 * table is planned again and covers them.
 */
START_TEST(index_replanned_after_splices_past_its_end)
{
	GRand *rng = g_rand_new_with_seed(3);
	size_t n = 100;
	struct flat_range *r = make_ranges(rng, n, 0x100000, 1);
	struct flat_tree t;
	struct flat_index ix;
	bool replanned = false;

	ft_build(&t, r, n);
	flat_index_build(&ix, &t);
	for (unsigned step = 0; step < 40; step++) {
		struct flat_range fr = { .start = r[n - 1].last + 0x10000 };
		uint64_t moved[1][2] = { { UINT64_MAX, 0 } };
		struct flat_tree t2;
		struct flat_index up;

		fr.last = fr.start + 0xfff;
		ft_splice(&t2, &t, n, n, &fr, 1, &moved[0][0], &moved[0][1]);
		r = g_renew(struct flat_range, r, n + 1);
		r[n++] = fr;
		flat_index_update(&up, &ix, &t2, (const uint64_t(*)[2])moved,
				  1);
		ck_assert(flat_index_verify(&up));
		check_addr(&up, r, n, fr.start);
		replanned |= up.outside == 0 && up.planned == n;
		flat_index_free(&ix);
		ft_unref(&t);
		t = t2;
		ix = up;
		ix.tree = &t;
	}
	ck_assert(replanned);
	/* The last replan covers what was added up to then. */
	ck_assert_uint_lt((r[ix.planned - 1].start - ix.base) >> ix.shift,
			  ix.nr_buckets);
	flat_index_free(&ix);
	ft_unref(&t);
	g_free(r);
	g_rand_free(rng);
}
END_TEST

/* Inserting thousands of ranges at once, then removing them all. */
START_TEST(ftree_bulk_insert_and_remove_all)
{
	GRand *rng = g_rand_new_with_seed(5);
	size_t n = 5000;
	struct flat_range *r = make_ranges(rng, n, 0x1000, 2);
	struct flat_tree e, t, t2, t3;
	uint64_t lo = UINT64_MAX, hi = 0;

	ft_build(&e, NULL, 0);
	ft_splice(&t, &e, 0, 0, r, n, &lo, &hi);
	check_tree(&t, r, n);
	ck_assert_uint_eq(lo, r[0].start);
	ck_assert_uint_eq(hi, r[n - 1].last);
	ft_splice(&t2, &t, 100, n - 100, NULL, 0, &lo, &hi);
	memmove(r + 100, r + n - 100, 100 * sizeof(*r));
	check_tree(&t2, r, 200);
	ft_splice(&t3, &t2, 0, 200, NULL, 0, &lo, &hi);
	ck_assert_ptr_null(t3.root);
	ck_assert_uint_eq(t3.nr, 0);
	ft_unref(&t);
	ft_unref(&t2);
	ft_unref(&t3);
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
	ck_assert_uint_eq(fv->tree.nr, n);
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

/* Blocks come back last in, first out, up to the cap; past it they go. */
START_TEST(pool_recycles_up_to_its_cap)
{
	struct block_pool p;
	void *a, *b, *c;

	block_pool_init(&p, 64, 0, 2);
	a = block_pool_take(&p);
	b = block_pool_take(&p);
	c = block_pool_take(&p);
	ck_assert_ptr_ne(a, b);
	block_pool_give(&p, a);
	block_pool_give(&p, b);
	block_pool_give(&p, c); /* past the cap: freed (ASan checks) */
	ck_assert_uint_eq(p.nr, 2);
	ck_assert_ptr_eq(block_pool_take(&p), b);
	ck_assert_ptr_eq(block_pool_take(&p), a);
	ck_assert_uint_eq(p.nr, 0);
	block_pool_give(&p, a);
	block_pool_give(&p, b);
	block_pool_clear(&p);
}
END_TEST

/*
 * A view whose root nothing changes is walked at each commit, then, after
 * four such walks, traced; a later change below it renders incrementally
 * and exactly, and the spliced view recycles its blocks through the pools.
 */
START_TEST(unchanged_view_is_traced_then_spliced)
{
	struct memspace_region *sys = tt_container("sys", MEMSPACE_SIZE_2_64);
	struct memspace_region *io = tt_container("io", 0x10000);
	struct memspace_region *bar = tt_ram("bar", 0x1000);
	struct memspace_region *port = tt_io("port", 0x10);
	struct memspace_addrspace *mem, *ios;
	struct memspace_flatview *fv, *full;

	tt_add(sys, 0x100000, bar);
	tt_add(io, 0x60, port);
	for (unsigned i = 0; i < 40; i++) {
		tt_add(io, 0x100 + 0x20ull * i, tt_io("dev", 0x10));
	}
	mem = tt_as("memory", sys);
	ios = tt_as("io", io);
	fv = memspace_addrspace_get_flatview(ios);
	ck_assert_ptr_null(fv->trace);
	memspace_flatview_unref(fv);
	for (unsigned i = 0; i < 6; i++) {
		ck_assert_int_eq(memspace_region_set_enabled(bar, i & 1), 0);
	}
	fv = memspace_addrspace_get_flatview(ios);
	ck_assert_ptr_nonnull(fv->trace);
	memspace_flatview_unref(fv);
	ck_assert_int_eq(memspace_region_set_address(port, 0x70), 0);
	fv = memspace_addrspace_get_flatview(ios);
	full = flatview_rerender(NULL, io, 0);
	ck_assert_ptr_nonnull(fv->delta);
	ck_assert(flatview_ranges_equal(fv, full));
	ck_assert(flat_index_verify(&fv->index));
	ck_assert_ptr_nonnull(fv->tree.pool);
	ck_assert_ptr_nonnull(fv->index.pool);
	memspace_flatview_unref(full);
	memspace_flatview_unref(fv);
	(void)mem;
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
	tcase_add_test(tc, index_far_outlier_left_to_descent);
	tcase_add_test(tc, index_large_sparse_uses_little_memory);
	tcase_add_loop_test(tc, index_update_matches_build, 0, 5);
	tcase_add_test(tc, ftree_bulk_insert_and_remove_all);
	tcase_add_test(tc, ftree_deletions_keep_leaves_filled);
	tcase_add_test(tc, index_replanned_after_splices_past_its_end);
	tcase_add_test(tc, pool_recycles_up_to_its_cap);
	suite_add_tcase(s, tc);
	tc = tcase_create("index:views");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, index_rendered_views_are_indexed);
	tcase_add_test(tc, unchanged_view_is_traced_then_spliced);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(index_suite)
