/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Thin layer over Check shared by every test binary: a main() that runs one
 * suite, and helpers to compare flat views with expected tables.
 */
#ifndef MEMSPACE_TEST_COMMON_H
#define MEMSPACE_TEST_COMMON_H

#include <check.h>
#include <glib.h>
#include <stdint.h>

#include <memspace/memspace.h>

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* One expected flat range: [start, last] served by region @name at @offset. */
struct expect_range {
	uint64_t start;
	uint64_t last;
	const char *name;
	uint64_t offset;
	bool readonly;
};

/*
 * Compare the current view of @as with @exp (@n entries).  On mismatch the
 * test fails with both views printed.  @check_readonly also compares the
 * readonly flags.
 */
void test_assert_view_(struct memspace_addrspace *as,
		       const struct expect_range *exp, size_t n,
		       bool check_readonly, const char *file, int line);
#define test_assert_view(as, exp)                                             \
	test_assert_view_((as), (exp), ARRAY_SIZE(exp), false, __FILE__,       \
			  __LINE__)
#define test_assert_view_ro(as, exp)                                          \
	test_assert_view_((as), (exp), ARRAY_SIZE(exp), true, __FILE__,        \
			  __LINE__)

/* The flat view of @as formatted one range per line (g_free the result). */
char *test_format_view(struct memspace_addrspace *as);

/*
 * Same comparison for a flat view the caller holds (a counted reference or
 * inside a read-side section), for views that are no longer published.
 */
void test_assert_flatview_(const struct memspace_flatview *fv,
			   const struct expect_range *exp, size_t n,
			   bool check_readonly, const char *file, int line);
#define test_assert_flatview(fv, exp)                                         \
	test_assert_flatview_((fv), (exp), ARRAY_SIZE(exp), false, __FILE__,   \
			      __LINE__)
#define test_assert_flatview_ro(fv, exp)                                      \
	test_assert_flatview_((fv), (exp), ARRAY_SIZE(exp), true, __FILE__,    \
			      __LINE__)

/* Assert that the current view of @as has no ranges. */
#define test_assert_view_empty(as)                                            \
	test_assert_view_((as), NULL, 0, true, __FILE__, __LINE__)

/* A flat view formatted like test_format_view() (g_free the result). */
char *test_format_flatview(const struct memspace_flatview *fv);

/*
 * The QEMU machine states the suites compare with: full paths of every
 * sample folder holding a tree.json under TEST_SAMPLES_DIR (the copy in
 * tests/data, always present), then under TEST_EXTRA_SAMPLES_DIR
 * (-Dconformance_dir=, may be empty), each list sorted by name.  Free with
 * g_ptr_array_unref().
 */
GPtrArray *test_sample_dirs(void);

/* Full path of the in-repository sample @name (g_free the result). */
char *test_sample_path(const char *name, const char *file);

/* Run @suite (built by @make) and return the exit status for main(). */
int test_run_suite(Suite *suite);

#define TEST_MAIN(make_suite)                                                 \
	int main(void)                                                        \
	{                                                                     \
		return test_run_suite(make_suite());                          \
	}

/* memspace_show(@ms, @flags) as a string (asserts success; g_free it). */
char *test_show_text(struct memspace *ms, unsigned flags);

/* A finished run of a program (the memspace tool, in tests). */
struct test_run {
	int status;	/* exit status, or -1 if it did not exit normally */
	char *out;	/* its stdout */
	char *err;	/* its stderr, or NULL unless kept */
};

/*
 * test_run_tool() - run @tool with @args (NULL-terminated, without argv[0])
 * and wait for it; fails the test if it cannot be started.  stderr is kept
 * in .err with @keep_stderr, else discarded.  test_run_clear() frees it.
 */
struct test_run test_run_tool(const char *tool, const char *const *args,
			      bool keep_stderr);
void test_run_clear(struct test_run *r);

/*
 * test_kvm_open_vm() - open /dev/kvm, check its API version and create a
 * VM.  Return: 0 with *@kvm_fd and *@vm_fd set (the caller closes both), or
 * a negative errno with nothing left open (-EPROTO: unexpected API
 * version; -ENOSYS: built without <linux/kvm.h>).
 */
int test_kvm_open_vm(int *kvm_fd, int *vm_fd);

#endif /* MEMSPACE_TEST_COMMON_H */
