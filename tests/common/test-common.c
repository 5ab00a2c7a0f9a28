/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Shared test helpers: view formatting and comparison, suite runner. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>
#if MEMSPACE_HAVE_KVM
#include <linux/kvm.h>
#endif
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

static int
compare_paths(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
add_samples(GPtrArray *out, const char *dir_path)
{
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GPtrArray) found = g_ptr_array_new();
	const char *name;

	if (!dir_path[0] || !(dir = g_dir_open(dir_path, 0, NULL))) {
		return;
	}
	while ((name = g_dir_read_name(dir))) {
		char *sample = g_build_filename(dir_path, name, NULL);
		g_autofree char *tree =
			g_build_filename(sample, "tree.json", NULL);

		if (g_file_test(tree, G_FILE_TEST_IS_REGULAR)) {
			g_ptr_array_add(found, sample);
		} else {
			g_free(sample);
		}
	}
	g_ptr_array_sort(found, compare_paths);
	for (guint i = 0; i < found->len; i++) {
		g_ptr_array_add(out, found->pdata[i]);
	}
}

GPtrArray *
test_sample_dirs(void)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

	add_samples(out, TEST_SAMPLES_DIR);
	add_samples(out, TEST_EXTRA_SAMPLES_DIR);
	return out;
}

char *
test_sample_path(const char *name, const char *file)
{
	return g_build_filename(TEST_SAMPLES_DIR, name, file, NULL);
}

char *
test_show_text(struct memspace *ms, unsigned flags)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(memspace_show(ms, out, flags), 0);
	fclose(out);
	return buf;
}

struct test_run
test_run_tool(const char *tool, const char *const *args, bool keep_stderr)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	struct test_run r = { .status = -1 };
	int wait_status;

	g_ptr_array_add(argv, (char *)tool);
	for (; *args; args++) {
		g_ptr_array_add(argv, (char *)*args);
	}
	g_ptr_array_add(argv, NULL);
	ck_assert_msg(g_spawn_sync(NULL, (char **)argv->pdata, NULL,
				   keep_stderr ? 0 : G_SPAWN_STDERR_TO_DEV_NULL,
				   NULL, NULL, &r.out,
				   keep_stderr ? &r.err : NULL, &wait_status,
				   &error),
		      "cannot run %s: %s", tool, error ? error->message : "?");
	if (WIFEXITED(wait_status)) {
		r.status = WEXITSTATUS(wait_status);
	}
	return r;
}

void
test_run_clear(struct test_run *r)
{
	g_free(r->out);
	g_free(r->err);
}

int
test_kvm_open_vm(int *kvm_fd, int *vm_fd)
{
#if MEMSPACE_HAVE_KVM
	int kfd = open("/dev/kvm", O_RDWR | O_CLOEXEC), vfd, err;

	if (kfd < 0) {
		return -errno;
	}
	if (ioctl(kfd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		close(kfd);
		return -EPROTO;
	}
	vfd = ioctl(kfd, KVM_CREATE_VM, 0);
	if (vfd < 0) {
		err = -errno;
		close(kfd);
		return err;
	}
	*kvm_fd = kfd;
	*vm_fd = vfd;
	return 0;
#else
	(void)kvm_fd;
	(void)vm_fd;
	return -ENOSYS;
#endif
}
