/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `memspace lookup` against QEMU: for every sample, every range of the
 * `memory` address space's flat view in QEMU's own `info mtree -f` dump is
 * probed at its first and last byte and just outside both ends, and the
 * tool must print that very range (or "unassigned" in a hole) with the
 * right offset.  Also the command line's errors.
 *
 * Usage: test-access-lookup PATH-TO-MEMSPACE-TOOL
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "test-common.h"

static const char *tool_path;

/* One range line of QEMU's flat dump. */
struct qemu_range {
	uint64_t start, last, offset;
	char *text; /* "START-END (prio P, TYPE): NAME" */
};

static bool
parse_range_line(const char *line, struct qemu_range *r)
{
	g_autofree char *s = g_strdup(line + 2);
	char *at;
	size_t n;

	if (g_str_has_suffix(s, " KVM")) {
		s[strlen(s) - 4] = '\0';
	}
	r->offset = 0;
	n = strlen(s);
	at = n > 18 ? s + n - 18 : NULL;
	if (at && at[0] == ' ' && at[1] == '@') {
		r->offset = g_ascii_strtoull(at + 2, NULL, 16);
		*at = '\0';
	}
	if (sscanf(s, "%" SCNx64 "-%" SCNx64, &r->start, &r->last) != 2) {
		return false;
	}
	r->text = g_strdup(s);
	return true;
}

/* The ranges of the view showing AS "memory" in @path. */
static GArray *
memory_view_ranges(const char *path)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	GArray *ranges = g_array_new(FALSE, FALSE, sizeof(struct qemu_range));
	bool in_block = false, is_memory = false;

	ck_assert(g_file_get_contents(path, &text, NULL, NULL));
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		struct qemu_range r;

		if (g_str_has_prefix(*l, "FlatView ")) {
			in_block = true;
			is_memory = false;
		} else if (in_block &&
			   g_str_has_prefix(*l, " AS \"memory\",")) {
			is_memory = true;
		} else if (**l == '\0') {
			if (is_memory) {
				break;
			}
			in_block = false;
		} else if (is_memory && g_str_has_prefix(*l, "  ") &&
			   parse_range_line(*l, &r)) {
			g_array_append_val(ranges, r);
		}
	}
	return ranges;
}

/* The expected line for @addr, given the QEMU ranges. */
static char *
expected_line(const GArray *ranges, uint64_t addr)
{
	for (guint i = 0; i < ranges->len; i++) {
		const struct qemu_range *r =
			&g_array_index(ranges, struct qemu_range, i);

		if (r->start <= addr && addr <= r->last) {
			return g_strdup_printf("%016" PRIx64
					       ": %s @%016" PRIx64,
					       addr, r->text,
					       r->offset + (addr - r->start));
		}
	}
	return g_strdup_printf("%016" PRIx64 ": unassigned", addr);
}

static void
add_probe(GPtrArray *args, GArray *probes, uint64_t addr)
{
	g_ptr_array_add(args, g_strdup_printf("%" PRIx64, addr));
	g_array_append_val(probes, addr);
}

static void
check_sample(const char *dir)
{
	g_autofree char *flat = g_build_filename(dir, "mtree-f.txt", NULL);
	g_autofree char *map = g_build_filename(dir, "tree.json", NULL);
	GArray *ranges = memory_view_ranges(flat);
	g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GArray) probes = g_array_new(FALSE, FALSE, sizeof(uint64_t));
	struct test_run run;
	g_auto(GStrv) lines = NULL;

	ck_assert_uint_gt(ranges->len, 0);
	g_ptr_array_add(args, g_strdup("lookup"));
	g_ptr_array_add(args, g_strdup(map));
	for (guint i = 0; i < ranges->len; i++) {
		const struct qemu_range *r =
			&g_array_index(ranges, struct qemu_range, i);

		add_probe(args, probes, r->start);
		add_probe(args, probes, r->last);
		add_probe(args, probes, r->start - 1);
		add_probe(args, probes, r->last + 1);
	}
	g_ptr_array_add(args, NULL);
	run = test_run_tool(tool_path, (const char *const *)args->pdata, false);
	ck_assert_msg(run.status == 0, "%s: tool failed", dir);
	lines = g_strsplit(run.out, "\n", -1);
	test_run_clear(&run);
	ck_assert_uint_eq(g_strv_length(lines), probes->len + 1);
	for (guint i = 0; i < probes->len; i++) {
		g_autofree char *want = expected_line(
			ranges, g_array_index(probes, uint64_t, i));

		ck_assert_msg(strcmp(lines[i], want) == 0,
			      "%s:\n  got  %s\n  want %s", dir, lines[i], want);
	}
	for (guint i = 0; i < ranges->len; i++) {
		g_free(g_array_index(ranges, struct qemu_range, i).text);
	}
	g_array_free(ranges, TRUE);
}

START_TEST(lookup_agrees_with_qemu_at_every_edge)
{
	g_autoptr(GPtrArray) samples = test_sample_dirs();

	for (guint i = 0; i < samples->len; i++) {
		check_sample(samples->pdata[i]);
	}
	ck_assert_uint_gt(samples->len, 0);
}
END_TEST

/* Runs the tool with @argv (NULL-terminated); returns its exit status. */
static int
tool_status(const char *const *argv, char **ret_out)
{
	struct test_run r = test_run_tool(tool_path, argv, false);

	if (ret_out) {
		*ret_out = g_steal_pointer(&r.out);
	}
	test_run_clear(&r);
	return r.status;
}

START_TEST(lookup_command_line)
{
	g_autofree char *map = test_sample_path("x86-q35-128m", "tree.json");
	g_autofree char *out = NULL;
	const char *io[] = {
		"lookup", "--as", "I/O", map, "0x60", "ffff0", NULL
	};
	const char *bad_addr[] = { "lookup", map, "0xfoo", NULL };
	const char *no_addr[] = { "lookup", map, NULL };
	const char *no_as[] = { "lookup", "--as", "nope", map, "0", NULL };
	const char *top[] = { "lookup", map, "0xffffffffffffffff", NULL };
	const char *big[] = { "lookup", map, "10000000000000000", NULL };

	ck_assert_int_eq(tool_status(io, &out), 0);
	ck_assert_msg(g_str_has_prefix(out,
				       "0000000000000060: 0000000000000060-"),
		      "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "00000000000ffff0: unassigned\n"));
	ck_assert_int_eq(tool_status(bad_addr, NULL), 2);
	ck_assert_int_eq(tool_status(no_addr, NULL), 2);
	ck_assert_int_eq(tool_status(no_as, NULL), 1);
	ck_assert_int_eq(tool_status(top, NULL), 0);
	ck_assert_int_eq(tool_status(big, NULL), 2);
}
END_TEST

static Suite *
lookup_suite(void)
{
	Suite *s = suite_create("lookup");
	TCase *tc = tcase_create("lookup:conformance");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, lookup_agrees_with_qemu_at_every_edge);
	tcase_add_test(tc, lookup_command_line);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH-TO-MEMSPACE-TOOL\n", argv[0]);
		return EXIT_FAILURE;
	}
	tool_path = argv[1];
	return test_run_suite(lookup_suite());
}
