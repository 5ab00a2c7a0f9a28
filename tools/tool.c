/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Helpers shared by the memspace tool's subcommands: usage, map loading
 * and address-space lookup.
 */
#include <stdarg.h>
#include <string.h>

#include "map-scan.h"
#include "tool.h"

void
tool_print_usage(FILE *out, const struct tool_command *cmd)
{
	fprintf(out, "usage: memspace %s %s\n", cmd->name, cmd->synopsis);
}

int
tool_usage_error(const struct tool_command *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "memspace %s: ", cmd->name);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	tool_print_usage(stderr, cmd);
	return TOOL_USAGE;
}

/* The tool's one setting that is not a subcommand option. */
static uint64_t max_map_size = MAP_LOAD_DEFAULT_MAX_SIZE;

void
tool_set_max_map_size(uint64_t size)
{
	max_map_size = size;
}

struct map_load *
tool_load_map(const char *path)
{
	g_autoptr(GError) error = NULL;
	struct map_load *ml;

	if (!path) {
		return default_map_new();
	}
	ml = map_load_file_limited(path, max_map_size, &error);
	if (!ml) {
		g_autofree char *line = map_escape_line(path);

		fprintf(stderr, "memspace: %s: %s\n", line, error->message);
	}
	return ml;
}

struct memspace_addrspace *
tool_find_addrspace(const struct map_load *ml, const char *name)
{
	for (guint i = 0; i < ml->addrspaces->len; i++) {
		struct memspace_addrspace *as = ml->addrspaces->pdata[i];

		if (strcmp(memspace_addrspace_get_name(as), name) == 0) {
			return as;
		}
	}
	return NULL;
}
