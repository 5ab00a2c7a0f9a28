/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The tool's path and temporary files for the tests of its commands. */
#include <stdio.h>
#include <stdlib.h>

#include <glib/gstdio.h>

#include "tool-run.h"

static const char *tool_path;
static char *tmp_dir;

const char *
tool_run_path(void)
{
	return tool_path;
}

static void
remove_tmp_dir(void)
{
	GDir *dir = g_dir_open(tmp_dir, 0, NULL);
	const char *name;

	while (dir && (name = g_dir_read_name(dir))) {
		g_autofree char *path = g_build_filename(tmp_dir, name, NULL);

		g_unlink(path);
	}
	if (dir) {
		g_dir_close(dir);
	}
	g_rmdir(tmp_dir);
}

char *
tool_run_file(const char *name, const char *text)
{
	char *path;

	if (!tmp_dir) {
		/* Made in the forked test, removed when it exits. */
		tmp_dir = g_dir_make_tmp("memspace-test-XXXXXX", NULL);
		ck_assert_ptr_nonnull(tmp_dir);
		atexit(remove_tmp_dir);
	}
	path = g_build_filename(tmp_dir, name, NULL);
	if (text) {
		ck_assert(g_file_set_contents(path, text, -1, NULL));
	}
	return path;
}

int
tool_run_main(int argc, char **argv, Suite *(*make)(void))
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PATH-TO-MEMSPACE\n", argv[0]);
		return 2;
	}
	tool_path = argv[1];
	return test_run_suite(make());
}
