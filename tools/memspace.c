/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The memspace command-line tool: global options and the subcommand table.
 * Each subcommand parses its own options and returns an enum tool_status.
 */
#include "config.h"

#include <errno.h>
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
	fputs("usage: memspace [--help] [--version] [--max-map-size=BYTES] "
	      "COMMAND [ARGS...]\n"
	      "\n"
	      "  --max-map-size=BYTES  refuse map files larger than BYTES\n"
	      "                        (default 1073741824; K, M, G suffixes)\n"
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

/* BYTES of --max-map-size: decimal, with an optional K, M or G suffix. */
static bool
parse_size(const char *s, uint64_t *ret)
{
	char *end;
	guint64 v;
	unsigned shift = 0;

	if (!g_ascii_isdigit(*s)) {
		return false;
	}
	errno = 0;
	v = g_ascii_strtoull(s, &end, 10);
	if (errno) {
		return false;
	}
	if (*end == 'K' || *end == 'k') {
		shift = 10;
	} else if (*end == 'M' || *end == 'm') {
		shift = 20;
	} else if (*end == 'G' || *end == 'g') {
		shift = 30;
	}
	if (shift) {
		end++;
	}
	if (*end || v > (UINT64_MAX >> shift)) {
		return false;
	}
	*ret = v << shift;
	return true;
}

/* Global options before COMMAND; returns how many were used, or -1. */
static int
parse_global_options(int argc, char **argv)
{
	int i = 1;

	while (i < argc && g_str_has_prefix(argv[i], "--max-map-size")) {
		const char *arg = argv[i] + strlen("--max-map-size");
		uint64_t size;

		if (*arg == '=') {
			arg++;
		} else if (*arg == '\0' && i + 1 < argc) {
			arg = argv[++i];
		} else {
			fprintf(stderr, "memspace: unknown option '%s'\n",
				argv[i]);
			return -1;
		}
		if (!parse_size(arg, &size)) {
			fprintf(stderr,
				"memspace: --max-map-size: invalid size '%s'\n",
				arg);
			return -1;
		}
		tool_set_max_map_size(size);
		i++;
	}
	return i - 1;
}

int
main(int argc, char **argv)
{
	const struct tool_command *cmd;
	int used = parse_global_options(argc, argv);

	if (used < 0) {
		return TOOL_USAGE;
	}
	argv[used] = argv[0];
	argc -= used;
	argv += used;

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
