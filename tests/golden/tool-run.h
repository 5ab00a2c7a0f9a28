/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Running the memspace tool from a test: its path comes from the test's
 * first argument (meson passes the built binary).
 */
#ifndef MEMSPACE_TESTS_TOOL_RUN_H
#define MEMSPACE_TESTS_TOOL_RUN_H

#include <check.h>
#include <glib.h>

/* A finished run of the tool. */
struct tool_run {
	int status; /* exit status, or -1 if it did not exit normally */
	char *out;
	char *err;
};

/* Set the tool's path (argv[1] of the test) before running it. */
void tool_run_set_path(const char *path);

/* The tool's path. */
const char *tool_run_path(void);

/* Run the tool with @args (NULL-terminated, without argv[0]). */
struct tool_run tool_run_argv(const char *const *args);

void tool_run_clear(struct tool_run *r);

#define TOOL_RUN(...) tool_run_argv((const char *const[]){ __VA_ARGS__, NULL })

/* A file in a fresh per-process temporary directory holding @text (or
 * only its path when @text is NULL); g_free the result. */
char *tool_run_file(const char *name, const char *text);

/* The directory of tool_run_file(), removed with its files at exit. */
const char *tool_run_dir(void);

/*
 * main() of a test of the tool: argv[1] is the tool's path; runs the
 * suite @make builds.  Returns the exit status.
 */
int tool_run_main(int argc, char **argv, Suite *(*make)(void));

#endif /* MEMSPACE_TESTS_TOOL_RUN_H */
