/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `memspace show --backends`: the backend lines after the dump, with the
 * tree and with the flat dump, and the option in the help text.
 */
#include <string.h>
#include <unistd.h>

#include "test-common.h"

static const char *tool_path;

START_TEST(cli_show_backends_lists_ram)
{
	static const char *const modes[][4] = {
		{ "show", "--backends", NULL },
		{ "show", "-b", "--flat" },
	};
	struct test_run r = test_run_tool(tool_path, modes[_i], true);
	g_autofree char *pc_ram = g_strdup_printf(
		"\nbackends:\n  memory 0000000000000000 pc.ram: anon private "
		"page=%ld numa=default (mapped by memspace)\n",
		sysconf(_SC_PAGESIZE));

	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strstr(r.out, pc_ram), "%s", r.out);
	ck_assert_msg(strstr(r.out, " vga.vram: anon private "), "%s", r.out);
	/* The dump comes first, unchanged. */
	ck_assert_msg(strstr(r.out, "address-space: memory") < strstr(r.out,
								      "backends:"),
		      "%s", r.out);
	test_run_clear(&r);
}
END_TEST

START_TEST(cli_show_help_names_backends)
{
	struct test_run r = test_run_tool(
		tool_path, (const char *const[]){ "show", "--help", NULL }, true);

	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strstr(r.out, "-b, --backends"), "%s", r.out);
	test_run_clear(&r);
}
END_TEST

static Suite *
memory_cli_suite(void)
{
	Suite *s = suite_create("memory-cli");
	TCase *tc = tcase_create("cli:backends");

	tcase_add_loop_test(tc, cli_show_backends_lists_ram, 0, 2);
	tcase_add_test(tc, cli_show_help_names_backends);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH-TO-MEMSPACE-TOOL\n", argv[0]);
		return 2;
	}
	tool_path = argv[1];
	return test_run_suite(memory_cli_suite());
}
