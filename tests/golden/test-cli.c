/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The memspace tool as a user meets it: exit statuses (0 ok, 1 bad map,
 * 2 bad command line), where messages go, and the built-in machine.  The
 * tool's path is the first argument (meson passes the built binary).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "test-common.h"

static const char *tool_path;
static char *fixture_dir;

/* Run the tool with @args (NULL-terminated, without argv[0]). */
static struct test_run
run_tool(const char *const *args)
{
	return test_run_tool(tool_path, args, true);
}

#define RUN(...) run_tool((const char *const[]){ __VA_ARGS__, NULL })

/* Write a map file for one test; returns its path. */
static char *
fixture(const char *name, const char *text)
{
	char *path = g_build_filename(fixture_dir, name, NULL);

	ck_assert(g_file_set_contents(path, text, -1, NULL));
	return path;
}

/* A load failure: status 1, nothing on stdout, one line on stderr of the
 * form "memspace: PATH: ..." containing @what. */
static void
assert_load_error(const char *path, const char *what)
{
	struct test_run r = RUN("show", path);
	g_autofree char *prefix = g_strdup_printf("memspace: %s: ", path);

	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.out, "");
	ck_assert_msg(g_str_has_prefix(r.err, prefix), "stderr: %s", r.err);
	ck_assert_msg(strstr(r.err, what), "stderr: %s", r.err);
	ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1,
		      "not one line: %s", r.err);
	test_run_clear(&r);
}

#define DOC_HEAD "{\"format\":\"qemu-mtree-tree/1\",\"address_spaces\":[],"
#define REGION(id, extra)                                            \
	"{\"id\":" #id ",\"name\":\"r" #id "\",\"type\":\"i/o\","    \
	"\"addr\":\"0x0\",\"size\":\"0x1000\",\"priority\":0,"       \
	"\"enabled\":true,\"terminates\":false,\"readonly\":false,"  \
	"\"nonvolatile\":false,\"romd_mode\":false,\"parent\":null," \
	"\"children\":[]" extra "}"

/* --max-map-size, before the command, bounds the map file. */
START_TEST(cli_max_map_size_limits_the_file)
{
	g_autofree char *path =
		fixture("small.json", DOC_HEAD "\"regions\":[]}");
	g_autofree char *prefix = g_strdup_printf("memspace: %s: ", path);
	struct test_run r = RUN("--max-map-size=16", "show", path);

	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.out, "");
	ck_assert_msg(g_str_has_prefix(r.err, prefix), "stderr: %s", r.err);
	ck_assert_msg(strstr(r.err, "larger than the limit of 16 bytes"),
		      "stderr: %s", r.err);
	test_run_clear(&r);
	r = RUN("--max-map-size", "1K", "show", path);
	ck_assert_int_eq(r.status, 0);
	test_run_clear(&r);
	r = RUN("--max-map-size=1x", "show", path);
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.err, "memspace: --max-map-size: invalid size '1x'\n");
	test_run_clear(&r);
}
END_TEST

/* A file name with a newline stays on one line. */
START_TEST(cli_message_escapes_the_path)
{
	g_autofree char *path = g_build_filename(fixture_dir, "a\nb", NULL);
	struct test_run r = RUN("show", path);

	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.err, "a\\x0ab: cannot open"), "stderr: %s",
		      r.err);
	ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1,
		      "not one line: %s", r.err);
	test_run_clear(&r);
}
END_TEST

START_TEST(cli_malformed_json_fails)
{
	g_autofree char *path = fixture("broken.json", "{\"format\": [");

	assert_load_error(path, "invalid JSON");
}
END_TEST

#define ALIAS_OF(id) ",\"alias\":{\"target\":" #id ",\"offset\":\"0x0\"}"

START_TEST(cli_dangling_id_fails)
{
	static const char doc[] = DOC_HEAD
		"\"regions\":[" REGION(0, ALIAS_OF(5)) "]}";
	g_autofree char *path = fixture("dangling.json", doc);

	assert_load_error(path, "region 5, which does not exist");
}
END_TEST

START_TEST(cli_alias_cycle_fails)
{
	static const char doc[] = DOC_HEAD "\"regions\":[" REGION(
		0, ALIAS_OF(1)) "," REGION(1, ALIAS_OF(0)) "]}";
	g_autofree char *path = fixture("cycle.json", doc);

	assert_load_error(path, "alias cycle");
}
END_TEST

START_TEST(cli_wrong_format_fails)
{
	g_autofree char *path =
		fixture("format.json", "{\"format\":\"qemu-mtree-tree/9\","
				       "\"regions\":[],\"address_spaces\":[]}");

	assert_load_error(path, "unsupported format");
}
END_TEST

START_TEST(cli_missing_file_fails)
{
	g_autofree char *path =
		g_build_filename(fixture_dir, "absent.json", NULL);

	assert_load_error(path, "No such file or directory");
}
END_TEST

START_TEST(cli_loads_a_map)
{
	g_autofree char *path = fixture(
		"ok.json", "{\"format\":\"qemu-mtree-tree/1\","
			   "\"address_spaces\":[{\"name\":\"as\",\"root\":0}],"
			   "\"regions\":[" REGION(0, "") "]}");
	struct test_run r = RUN("show", "--flat", path);

	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "FlatView #0\n"
				" AS \"as\", root: r0\n"
				" Root memory region: (none)\n"
				"  No rendered FlatView\n"
				"\n");
	ck_assert_str_eq(r.err, "");
	test_run_clear(&r);
}
END_TEST

/* kvm-slots lists the RAM that gets no slot, and why (fake backend). */
START_TEST(cli_kvm_slots_lists_memory_without_a_slot)
{
	g_autofree char *path = fixture(
		"rom.json",
		"{\"format\":\"qemu-mtree-tree/1\","
		"\"address_spaces\":[{\"name\":\"memory\",\"root\":0}],"
		"\"regions\":["
		"{\"id\":0,\"name\":\"system\",\"type\":\"i/o\","
		"\"addr\":\"0x0\",\"size\":\"0x10000000000000000\","
		"\"priority\":0,\"enabled\":true,\"terminates\":false,"
		"\"readonly\":false,\"nonvolatile\":false,\"romd_mode\":false,"
		"\"parent\":null,\"children\":[1]},"
		"{\"id\":1,\"name\":\"option-rom\",\"type\":\"rom\","
		"\"addr\":\"0xc0000\",\"size\":\"0x1800\",\"priority\":0,"
		"\"enabled\":true,\"terminates\":true,\"readonly\":true,"
		"\"nonvolatile\":false,\"romd_mode\":false,\"parent\":0,"
		"\"children\":[]}]}");
	struct test_run r = RUN("kvm-slots", "--fake", path);

	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strstr(r.out, "00000000000c0000-00000000000c0fff"),
		      "stdout: %s", r.out);
	ck_assert_msg(strstr(r.out,
			     "\nwithout a slot (every access exits):\n"
			     "      00000000000c1000-00000000000c17ff "
			     "option-rom @0x1000: partial host page\n"),
		      "stdout: %s", r.out);
	ck_assert_str_eq(r.err, "");
	test_run_clear(&r);
}
END_TEST

/* Bad command lines: status 2 and a usage line on stderr. */
static void
assert_usage_error(struct test_run r)
{
	ck_assert_int_eq(r.status, 2);
	ck_assert_str_eq(r.out, "");
	ck_assert_msg(strstr(r.err, "usage: memspace"), "stderr: %s", r.err);
	test_run_clear(&r);
}

START_TEST(cli_usage_errors_exit_2)
{
	g_autofree char *a = fixture("a.json", "{}");

	assert_usage_error(RUN("show", "--frobnicate"));
	assert_usage_error(RUN("show", "-x"));
	assert_usage_error(RUN("show", a, a));
	assert_usage_error(RUN("frobnicate"));
	assert_usage_error(run_tool((const char *const[]){ NULL }));
}
END_TEST

START_TEST(cli_help_exits_0)
{
	struct test_run r = RUN("--help");

	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "usage: memspace"));
	ck_assert_ptr_nonnull(strstr(r.out, "show"));
	test_run_clear(&r);

	r = RUN("show", "--help");
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "usage: memspace show"));
	ck_assert_str_eq(r.err, "");
	test_run_clear(&r);
}
END_TEST

START_TEST(cli_default_machine_shows)
{
	struct test_run r = RUN("show");

	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "address-space: memory\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "address-space: I/O\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "memory-region: pc.ram\n"));
	ck_assert_str_eq(r.err, "");
	test_run_clear(&r);

	r = RUN("show", "-f", "-o");
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, " Root memory region: system\n"));
	ck_assert_ptr_nonnull(strstr(r.out,
				     "  0000000000000000-000000000009ffff "
				     "(prio 0, ram): pc.ram owner:"));
	ck_assert_ptr_nonnull(strstr(r.out, " Root memory region: (none)\n"));
	test_run_clear(&r);

	r = RUN("show", "-D");
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "[disabled]"));
	test_run_clear(&r);
}
END_TEST

START_TEST(cli_write_error_fails)
{
	g_autofree char *cmd =
		g_strdup_printf("exec '%s' show > /dev/full", tool_path);
	int status = system(cmd);

	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), 1);
}
END_TEST

static Suite *
cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("cli:load-errors");

	tcase_add_test(tc, cli_malformed_json_fails);
	tcase_add_test(tc, cli_dangling_id_fails);
	tcase_add_test(tc, cli_alias_cycle_fails);
	tcase_add_test(tc, cli_wrong_format_fails);
	tcase_add_test(tc, cli_missing_file_fails);
	tcase_add_test(tc, cli_max_map_size_limits_the_file);
	tcase_add_test(tc, cli_message_escapes_the_path);
	suite_add_tcase(s, tc);

	tc = tcase_create("cli:usage");
	tcase_add_test(tc, cli_usage_errors_exit_2);
	tcase_add_test(tc, cli_help_exits_0);
	suite_add_tcase(s, tc);

	tc = tcase_create("cli:show");
	tcase_add_test(tc, cli_loads_a_map);
	tcase_add_test(tc, cli_kvm_slots_lists_memory_without_a_slot);
	tcase_add_test(tc, cli_default_machine_shows);
	tcase_add_test(tc, cli_write_error_fails);
	suite_add_tcase(s, tc);
	return s;
}

static void
remove_fixtures(void)
{
	g_autoptr(GDir) dir = g_dir_open(fixture_dir, 0, NULL);
	const char *name;

	while (dir && (name = g_dir_read_name(dir))) {
		g_autofree char *path =
			g_build_filename(fixture_dir, name, NULL);

		(void)g_unlink(path);
	}
	(void)g_rmdir(fixture_dir);
}

int
main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	int status;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH-TO-MEMSPACE-TOOL\n", argv[0]);
		return EXIT_FAILURE;
	}
	tool_path = argv[1];
	fixture_dir = g_dir_make_tmp("memspace-cli-XXXXXX", &error);
	if (!fixture_dir) {
		fprintf(stderr, "%s\n", error->message);
		return EXIT_FAILURE;
	}
	status = test_run_suite(cli_suite());
	remove_fixtures();
	g_free(fixture_dir);
	return status;
}
