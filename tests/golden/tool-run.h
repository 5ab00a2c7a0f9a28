/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the tests of the memspace tool's commands share on top of
 * test_run_tool() (tests/common): the tool's path (the test's first
 * argument), a TOOL_RUN() shorthand, and a temporary directory for files.
 */
#ifndef MEMSPACE_TESTS_TOOL_RUN_H
#define MEMSPACE_TESTS_TOOL_RUN_H

#include <check.h>
#include <glib.h>

#include "test-common.h"

/* The tool's path, set by tool_run_main(). */
const char *tool_run_path(void);

/* Run the tool with the arguments (stderr kept): a struct test_run. */
#define TOOL_RUN(...)                                                         \
	test_run_tool(tool_run_path(), (const char *const[]){ __VA_ARGS__, NULL }, \
		      true)

/* A file in a fresh per-process temporary directory holding @text (or
 * only its path when @text is NULL); g_free the result.  The directory
 * and its files are removed at exit. */
char *tool_run_file(const char *name, const char *text);

/*
 * main() of a test of the tool: argv[1] is the tool's path; runs the
 * suite @make builds.  Returns the exit status.
 */
int tool_run_main(int argc, char **argv, Suite *(*make)(void));

#endif /* MEMSPACE_TESTS_TOOL_RUN_H */
