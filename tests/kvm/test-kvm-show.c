/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The KVM commands of the memspace tool on a real /dev/kvm: `show --flat
 * --kvm` on the x86-pc-kvm-smp2 sample must match QEMU 7.2's `info mtree -f`
 * under KVM, ` KVM` markers included (blocks and AS lines compared as
 * multisets, conformance/README.md), and `kvm-slots` must print the same
 * table with the real and the fake backend.
 */
#include <string.h>
#include <sys/wait.h>

#include <glib.h>

#include "test-common.h"
#include "kvm-harness.h"

#define SAMPLE TEST_SAMPLES_DIR "/x86-pc-kvm-smp2"

static const char *tool;

/* Run the tool; returns its stdout (g_free) and exit status. */
static char *
run_tool(const char *const *args, int *ret_status)
{
	struct test_run r = test_run_tool(tool, args, false);

	*ret_status = r.status;
	return r.out;
}

static gint
str_cmp(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * One flat-dump block in canonical form: without its `FlatView #N` line,
 * with its ` AS` lines sorted; range lines (and their markers) in order.
 */
static char *
canonical_block(const char *block)
{
	g_auto(GStrv) lines = g_strsplit(block, "\n", -1);
	g_autoptr(GPtrArray) as = g_ptr_array_new();
	GString *rest = g_string_new(NULL);

	for (size_t i = 0; lines[i]; i++) {
		if (g_str_has_prefix(lines[i], "FlatView #") || !*lines[i]) {
			continue;
		}
		if (g_str_has_prefix(lines[i], " AS \"")) {
			g_ptr_array_add(as, lines[i]);
		} else {
			g_string_append_printf(rest, "%s\n", lines[i]);
		}
	}
	g_ptr_array_sort(as, str_cmp);
	for (guint i = as->len; i-- > 0;) {
		g_string_prepend(rest, "\n");
		g_string_prepend(rest, as->pdata[i]);
	}
	return g_string_free(rest, FALSE);
}

/* The dump as a sorted list of canonical blocks, one string. */
static char *
canonical_dump(const char *text)
{
	g_auto(GStrv) blocks = g_strsplit(text, "\n\n", -1);
	g_autoptr(GPtrArray) canon = g_ptr_array_new_with_free_func(g_free);
	GString *out = g_string_new(NULL);

	for (size_t i = 0; blocks[i]; i++) {
		if (*g_strstrip(blocks[i])) {
			g_ptr_array_add(canon, canonical_block(blocks[i]));
		}
	}
	g_ptr_array_sort(canon, str_cmp);
	for (guint i = 0; i < canon->len; i++) {
		g_string_append_printf(out, "%s\n", (char *)canon->pdata[i]);
	}
	return g_string_free(out, FALSE);
}

START_TEST(kvm_show_flat_matches_qemu_with_markers)
{
	static const char *const args[] = {
		"show", "--flat", "--kvm", SAMPLE "/tree.json", NULL
	};
	g_autofree char *expected = NULL;
	g_autofree char *out = NULL, *want = NULL, *got = NULL;
	int status;

	ck_assert(g_file_get_contents(SAMPLE "/mtree-f.txt", &expected, NULL,
				      NULL));
	out = run_tool(args, &status);
	ck_assert_int_eq(status, 0);
	want = canonical_dump(expected);
	got = canonical_dump(out);
	if (strcmp(want, got) != 0) {
		g_auto(GStrv) w = g_strsplit(want, "\n", -1);
		g_auto(GStrv) o = g_strsplit(got, "\n", -1);
		size_t i = 0;

		while (w[i] && o[i] && strcmp(w[i], o[i]) == 0) {
			i++;
		}
		ck_abort_msg("show --flat --kvm differs at line %zu:\n"
			     "expected: %s\ngot:      %s", i,
			     w[i] ? w[i] : "(end)", o[i] ? o[i] : "(end)");
	}
	/* The sample has markers: make sure they were compared. */
	ck_assert_ptr_nonnull(strstr(expected, " KVM\n"));
}
END_TEST

START_TEST(kvm_slots_real_and_fake_agree)
{
	static const char *const real[] = {
		"kvm-slots", SAMPLE "/tree.json", NULL
	};
	static const char *const fake[] = {
		"kvm-slots", "--fake", "--as", "memory", SAMPLE "/tree.json",
		NULL
	};
	static const char *const want =
		" slot guest range                                 size flags\n"
		"    0 0000000000000000-000000000009ffff        0xa0000 -\n"
		"    1 00000000000c0000-00000000000dffff        0x20000 ro\n"
		"    2 00000000000e0000-00000000000fffff        0x20000 ro\n"
		"    3 0000000000100000-000000007fffffff     0x7ff00000 -\n"
		"    4 00000000fffc0000-00000000ffffffff        0x40000 ro\n";
	g_autofree char *a = NULL, *b = NULL;
	int sa, sb;

	a = run_tool(real, &sa);
	b = run_tool(fake, &sb);
	ck_assert_int_eq(sa, 0);
	ck_assert_int_eq(sb, 0);
	ck_assert_str_eq(a, want);
	ck_assert_str_eq(b, want);
}
END_TEST

START_TEST(kvm_slots_unknown_addrspace_fails)
{
	static const char *const args[] = {
		"kvm-slots", "--as", "nope", SAMPLE "/tree.json", NULL
	};
	static const char *const bad[] = { "kvm-slots", "--bogus", NULL };
	g_autofree char *out = NULL, *out2 = NULL;
	int status;

	out = run_tool(args, &status);
	ck_assert_int_eq(status, 1);
	out2 = run_tool(bad, &status);
	ck_assert_int_eq(status, 2);
}
END_TEST

static Suite *
kvm_show_suite(void)
{
	Suite *s = suite_create("kvm-show");
	TCase *tc = tcase_create("kvm:cli");

	tcase_add_test(tc, kvm_show_flat_matches_qemu_with_markers);
	tcase_add_test(tc, kvm_slots_real_and_fake_agree);
	tcase_add_test(tc, kvm_slots_unknown_addrspace_fails);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s MEMSPACE-TOOL\n", argv[0]);
		return 1;
	}
	if (!kvmh_usable()) {
		return KVMH_SKIP;
	}
	tool = argv[1];
	return test_run_suite(kvm_show_suite());
}
