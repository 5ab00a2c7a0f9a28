/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared test helpers: view formatting and comparison, suite runner. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "test-common.h"

char *
test_format_flatview(const struct memspace_flatview *fv)
{
	GString *s = g_string_new(NULL);
	size_t n = memspace_flatview_nr_ranges(fv);

	for (size_t i = 0; i < n; i++) {
		struct memspace_section sec;

		ck_assert_int_eq(memspace_flatview_get_range(fv, i, &sec), 0);
		g_string_append_printf(s, "[%" PRIx64 ", %" PRIx64 "] %s @%" PRIx64 "%s\n",
				       sec.start, sec.last,
				       memspace_region_get_name(sec.mr),
				       sec.offset_in_region,
				       sec.readonly ? " ro" : "");
	}
	return g_string_free(s, FALSE);
}

char *
test_format_view(struct memspace_addrspace *as)
{
	struct memspace_flatview *fv = memspace_addrspace_get_flatview(as);
	char *s = test_format_flatview(fv);

	memspace_flatview_unref(fv);
	return s;
}

static void
assert_formatted_(char *got, const struct expect_range *exp, size_t n,
		  bool check_readonly, const char *file, int line)
{
	GString *want = g_string_new(NULL);

	for (size_t i = 0; i < n; i++) {
		bool ro = check_readonly ? exp[i].readonly : false;

		g_string_append_printf(want, "[%" PRIx64 ", %" PRIx64 "] %s @%" PRIx64 "%s\n",
				       exp[i].start, exp[i].last, exp[i].name,
				       exp[i].offset, ro ? " ro" : "");
	}
	if (!check_readonly) {
		/* Strip readonly markers from the actual view. */
		GString *g = g_string_new(got);

		g_string_replace(g, " ro\n", "\n", 0);
		g_free(got);
		got = g_string_free(g, FALSE);
	}
	if (strcmp(want->str, got) != 0) {
		ck_abort_msg("%s:%d: flat view mismatch\nexpected:\n%sgot:\n%s",
			     file, line, want->str, got);
	}
	g_string_free(want, TRUE);
	g_free(got);
}

void
test_assert_view_(struct memspace_addrspace *as,
		  const struct expect_range *exp, size_t n,
		  bool check_readonly, const char *file, int line)
{
	assert_formatted_(test_format_view(as), exp, n, check_readonly, file,
			  line);
}

void
test_assert_flatview_(const struct memspace_flatview *fv,
		      const struct expect_range *exp, size_t n,
		      bool check_readonly, const char *file, int line)
{
	assert_formatted_(test_format_flatview(fv), exp, n, check_readonly,
			  file, line);
}

int
test_run_suite(Suite *suite)
{
	SRunner *sr = srunner_create(suite);
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
