/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the memspace tool's subcommands share: the command table entry, the
 * exit statuses, and how a map is chosen (a file, or the built-in machine).
 */
#ifndef MEMSPACE_TOOLS_TOOL_H
#define MEMSPACE_TOOLS_TOOL_H

#include <stdio.h>

#include <json-glib/json-glib.h>

#include "map-load.h"

/* Exit statuses of every subcommand. */
enum tool_status {
	TOOL_OK = 0,
	TOOL_FAILED = 1, /* the map could not be loaded or shown */
	TOOL_USAGE = 2, /* bad command line */
};

/**
 * struct tool_command - one subcommand
 * @name: the word after `memspace`.
 * @synopsis: its arguments, for usage lines.
 * @summary: one line for `memspace --help`.
 * @run: the command; argv[0] is @name.  Returns an enum tool_status.
 */
struct tool_command {
	const char *name;
	const char *synopsis;
	const char *summary;
	int (*run)(int argc, char **argv);
};

extern const struct tool_command tool_show_command;
extern const struct tool_command tool_lookup_command;
extern const struct tool_command tool_kvm_slots_command;
extern const struct tool_command tool_export_command;
extern const struct tool_command tool_import_command;
extern const struct tool_command tool_diff_command;
extern const struct tool_command tool_draw_command;

/*
 * `show --kvm` (cmd-kvm.c): map the "memory" address space of @ml into a
 * real KVM VM and print like memspace_show() with @flags, marking ranges
 * with a memory slot ` KVM`.  Returns an enum tool_status.
 */
int tool_kvm_show(struct map_load *ml, unsigned flags);

/* Print "usage: memspace NAME SYNOPSIS" to @out. */
void tool_print_usage(FILE *out, const struct tool_command *cmd);

/* Report a bad command line on stderr; returns TOOL_USAGE. */
int tool_usage_error(const struct tool_command *cmd, const char *fmt, ...)
	G_GNUC_PRINTF(2, 3);

/*
 * Load @path, or build the default machine when @path is NULL.  On failure,
 * print "memspace: PATH: problem" on stderr and return NULL.
 */
struct map_load *tool_load_map(const char *path);

/* The size limit of map files read by tool_load_map() (--max-map-size). */
void tool_set_max_map_size(uint64_t size);

/* The first address space of @ml named @name, or NULL. */
struct memspace_addrspace *tool_find_addrspace(const struct map_load *ml,
					       const char *name);

/* The type word `info mtree -f` prints for a range (tool-range.c). */
const char *tool_range_type(const struct memspace_section *sec);

/* "START-END (prio P, [nv-]TYPE): NAME[ @OFFSET]", as the flat dump. */
void tool_print_range(FILE *out, const struct memspace_section *sec);

/* Member @key: "0x..." (numbers that may exceed 2^53 are hex strings). */
void tool_json_hex(JsonBuilder *b, const char *key, uint64_t v);

/*
 * The members of a range object of the --json outputs: start, last (hex
 * strings), priority, type, name, offset (hex string), readonly,
 * nonvolatile, romd.
 */
void tool_json_range_members(JsonBuilder *b,
			     const struct memspace_section *sec);

/* Print the builder's document on stdout; returns an enum tool_status. */
int tool_json_print(JsonBuilder *b);

/* `show --flat --json` (show-json.c); returns an enum tool_status. */
int tool_show_flat_json(const struct map_load *ml);

/* The built-in q35-like PC shown when no map file is given. */
struct map_load *default_map_new(void);

#endif /* MEMSPACE_TOOLS_TOOL_H */
