/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `memspace export`: write a map (the built-in machine without MAP) as
 * qemu-mtree-tree/1 JSON through memspace_export_json(), the function a VMM
 * calls on its live context.
 */
#include <getopt.h>
#include <string.h>

#include "tool.h"

static int export_run(int argc, char **argv);

const struct tool_command tool_export_command = {
	.name = "export",
	.synopsis = "[MAP]",
	.summary = "write a map as qemu-mtree-tree/1 JSON (memspace_export_json)",
	.run = export_run,
};

static int
export_run(int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (opt != 'h') {
			return tool_usage_error(&tool_export_command,
						"invalid option '%s'",
						argv[optind - 1]);
		}
		tool_print_usage(stdout, &tool_export_command);
		fputs("\nWrite MAP (without MAP, the built-in q35-like PC) as a\n"
		      "qemu-mtree-tree/1 document on stdout.\n",
		      stdout);
		return TOOL_OK;
	}
	if (argc - optind > 1) {
		return tool_usage_error(&tool_export_command,
					"too many arguments");
	}

	struct map_load *ml = tool_load_map(optind < argc ? argv[optind] : NULL);

	if (!ml) {
		return TOOL_FAILED;
	}

	int ret = memspace_export_json(ml->ms, stdout);

	map_load_free(ml);
	if (ret < 0) {
		fprintf(stderr, "memspace: export: %s\n", strerror(-ret));
		return TOOL_FAILED;
	}
	return TOOL_OK;
}
