/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Running the memspace tool from a test. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <check.h>
#include <glib/gstdio.h>

#include "test-common.h"
#include "tool-run.h"

static const char *tool_path;
static char *tmp_dir;

void
tool_run_set_path(const char *path)
{
	tool_path = path;
}

const char *
tool_run_path(void)
{
	return tool_path;
}

struct tool_run
tool_run_argv(const char *const *args)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	struct tool_run r = { .status = -1 };
	int wait_status;

	ck_assert_msg(tool_path, "tool path not set");
	g_ptr_array_add(argv, (char *)tool_path);
	for (; *args; args++) {
		g_ptr_array_add(argv, (char *)*args);
	}
	g_ptr_array_add(argv, NULL);
	ck_assert_msg(g_spawn_sync(NULL, (char **)argv->pdata, NULL, 0, NULL,
				   NULL, &r.out, &r.err, &wait_status, &error),
		      "cannot run %s: %s", tool_path,
		      error ? error->message : "?");
	if (WIFEXITED(wait_status)) {
		r.status = WEXITSTATUS(wait_status);
	}
	return r;
}

void
tool_run_clear(struct tool_run *r)
{
	g_free(r->out);
	g_free(r->err);
	r->out = r->err = NULL;
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

const char *
tool_run_dir(void)
{
	if (!tmp_dir) {
		tmp_dir = g_dir_make_tmp("memspace-test-XXXXXX", NULL);
		ck_assert_ptr_nonnull(tmp_dir);
		atexit(remove_tmp_dir);
	}
	return tmp_dir;
}

char *
tool_run_file(const char *name, const char *text)
{
	char *path = g_build_filename(tool_run_dir(), name, NULL);

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
	tool_run_set_path(argv[1]);
	return test_run_suite(make());
}
