/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The golden suite: every QEMU sample (tests/data/qemu-samples, plus -Dconformance_dir=) is
 * loaded
 * from its tree.json and shown in each mode; the output must match QEMU's
 * recorded dump under the comparison rules of conformance/README.md.
 */
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "golden-compare.h"
#include "map-load.h"
#include "test-common.h"

/* One way of showing a sample and the QEMU dump it must reproduce. */
struct golden_case {
	const char *name;
	unsigned flags;
	const char *dump;
	enum golden_mode mode;
	bool optional;
};

static const struct golden_case cases[] = {
	{ "flat", MEMSPACE_SHOW_FLAT, "mtree-f.txt", GOLDEN_FLAT },
	{ "disabled", MEMSPACE_SHOW_DISABLED, "mtree-D.txt", GOLDEN_TREE },
	{ "owners", MEMSPACE_SHOW_DISABLED | MEMSPACE_SHOW_OWNERS,
	  "mtree-o.txt", GOLDEN_TREE },
	{ "plain", 0, "mtree.txt", GOLDEN_TREE, .optional = true },
};

/* Sample directories (full paths); found before the tests fork. */
static GPtrArray *samples;

START_TEST(golden_sample_matches_qemu)
{
	const char *sample = samples->pdata[_i / G_N_ELEMENTS(cases)];
	const struct golden_case *c = &cases[_i % G_N_ELEMENTS(cases)];
	g_autofree char *dump_path =
		g_build_filename(sample, c->dump, NULL);
	g_autofree char *tree_path =
		g_build_filename(sample, "tree.json", NULL);
	g_autofree char *expected = NULL;
	g_autoptr(GError) error = NULL;

	/* Some samples lack the plain dump. */
	if (c->optional && !g_file_test(dump_path, G_FILE_TEST_EXISTS)) {
		return;
	}
	ck_assert_msg(g_file_get_contents(dump_path, &expected, NULL, &error),
		      "%s", error ? error->message : "?");

	struct map_load *ml = map_load_file(tree_path, &error);

	ck_assert_msg(ml, "%s: %s", tree_path, error ? error->message : "?");

	g_autofree char *actual = test_show_text(ml->ms, c->flags);
	g_autofree char *diff = golden_compare(expected, actual, c->mode);

	map_load_free(ml);
	ck_assert_msg(!diff, "%s, show %s vs %s:\n%s", sample, c->name, c->dump,
		      diff);
}
END_TEST

static Suite *
golden_suite(void)
{
	Suite *s = suite_create("golden");
	TCase *tc = tcase_create("golden:samples");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, golden_sample_matches_qemu, 0,
			    (int)(samples->len * G_N_ELEMENTS(cases)));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	int status;

	samples = test_sample_dirs();
	if (samples->len == 0) {
		fprintf(stderr, "no sample under %s\n", TEST_SAMPLES_DIR);
		g_ptr_array_free(samples, TRUE);
		return 1;
	}
	status = test_run_suite(golden_suite());
	g_ptr_array_free(samples, TRUE);
	return status;
}
