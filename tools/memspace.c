/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The memspace command-line tool: global options and the subcommand table.
 * Each subcommand parses its own options and returns an enum tool_status.
 */
#include "config.h"

#include <string.h>

#include "tool.h"

static const struct tool_command *const commands[] = {
	&tool_show_command,
	&tool_lookup_command,
	&tool_kvm_slots_command,
	&tool_export_command,
	&tool_import_command,
	&tool_diff_command,
	&tool_draw_command,
};

static void
print_help(FILE *out)
{
	fputs("usage: memspace [--help] [--version] COMMAND [ARGS...]\n"
	      "\n"
	      "Commands:\n",
	      out);
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		fprintf(out, "  %-10s %s\n", commands[i]->name,
			commands[i]->summary);
		fprintf(out, "  %-10s   memspace %s %s\n", "",
			commands[i]->name, commands[i]->synopsis);
	}
	fputs("\n`memspace COMMAND --help` describes a command.\n", out);
}

static const struct tool_command *
find_command(const char *name)
{
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++) {
		if (strcmp(commands[i]->name, name) == 0) {
			return commands[i];
		}
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	const struct tool_command *cmd;

	if (argc < 2) {
		fputs("memspace: missing command\n", stderr);
		print_help(stderr);
		return TOOL_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		print_help(stdout);
		return TOOL_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("memspace %s (liburcu flavor %s)\n", MEMSPACE_VERSION,
		       memspace_rcu_flavor());
		return TOOL_OK;
	}
	cmd = find_command(argv[1]);
	if (!cmd) {
		fprintf(stderr, "memspace: unknown command '%s'\n", argv[1]);
		print_help(stderr);
		return TOOL_USAGE;
	}
	return cmd->run(argc - 1, argv + 1);
}
