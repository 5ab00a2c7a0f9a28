/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `memspace lookup`: translate addresses through one address space of a map
 * and print, for each, the flat range holding it (as `show --flat` prints
 * the range) and the address's offset in the region.
 */
#include <getopt.h>
#include <inttypes.h>

#include "tool.h"

static int lookup_run(int argc, char **argv);

const struct tool_command tool_lookup_command = {
	.name = "lookup",
	.synopsis = "[--as NAME] [--json] MAP ADDR...",
	.summary = "print the flat range holding each address",
	.run = lookup_run,
};

static void
lookup_help(void)
{
	tool_print_usage(stdout, &tool_lookup_command);
	fputs("\n"
	      "Translate each ADDR (hex, 0x optional) through the address\n"
	      "space NAME (default: memory; the first one of that name) of\n"
	      "MAP and print one line per address:\n"
	      "  ADDR: START-END (prio P, TYPE): NAME @OFFSET\n"
	      "where START-END (prio P, TYPE): NAME is the flat range as\n"
	      "`memspace show --flat` prints it and OFFSET is ADDR's offset in\n"
	      "the region; or `ADDR: unassigned`.\n"
	      "\n"
	      "  -a, --as NAME  the address space to use\n"
	      "  -j, --json     print a JSON document instead\n"
	      "  -h, --help     show this help\n",
	      stdout);
}

/* Hex with an optional 0x, every digit significant, at most 64 bits. */
static bool
parse_addr(const char *s, uint64_t *ret)
{
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
	}
	if (!*s) {
		return false;
	}
	for (; *s; s++) {
		int d = g_ascii_xdigit_value(*s);

		if (d < 0 || v >> 60) {
			return false;
		}
		v = v << 4 | (uint64_t)d;
	}
	*ret = v;
	return true;
}

static void
print_lookup(const struct memspace_flatview *fv, uint64_t addr)
{
	struct memspace_section sec;
	uint64_t off;

	if (memspace_flatview_translate(fv, addr, &sec, &off, NULL) < 0) {
		printf("%016" PRIx64 ": unassigned\n", addr);
		return;
	}
	printf("%016" PRIx64 ": %016" PRIx64 "-%016" PRIx64 " (prio %" PRId32
	       ", %s%s): %s @%016" PRIx64 "\n",
	       addr, sec.start, sec.last, memspace_region_get_priority(sec.mr),
	       sec.nonvolatile ? "nv-" : "", tool_range_type(&sec),
	       memspace_region_get_name(sec.mr), off);
}

/* Returns -1 to go on, or the exit status. */
static int
lookup_parse_options(int argc, char **argv, const char **ret_as,
		     bool *ret_json)
{
	static const struct option options[] = {
		{ "as", required_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "a:jh", options, NULL)) != -1) {
		switch (opt) {
		case 'a':
			*ret_as = optarg;
			break;
		case 'j':
			*ret_json = true;
			break;
		case 'h':
			lookup_help();
			return TOOL_OK;
		default:
			return tool_usage_error(&tool_lookup_command,
						"invalid option '%s'",
						argv[optind - 1]);
		}
	}
	if (argc - optind < 2) {
		return tool_usage_error(&tool_lookup_command,
					"expected a MAP and at least one ADDR");
	}
	return -1;
}

static void
json_lookup(JsonBuilder *b, const struct memspace_flatview *fv, uint64_t addr)
{
	struct memspace_section sec;
	uint64_t off;

	json_builder_begin_object(b);
	tool_json_hex(b, "address", addr);
	json_builder_set_member_name(b, "range");
	if (memspace_flatview_translate(fv, addr, &sec, &off, NULL) < 0) {
		json_builder_add_null_value(b);
	} else {
		json_builder_begin_object(b);
		tool_json_range_members(b, &sec);
		json_builder_end_object(b);
		tool_json_hex(b, "offset_in_region", off);
	}
	json_builder_end_object(b);
}

static int
lookup_json(const struct memspace_flatview *fv, const char *as_name,
	    char **addrs, int nr)
{
	g_autoptr(JsonBuilder) b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "address_space");
	json_builder_add_string_value(b, as_name);
	json_builder_set_member_name(b, "results");
	json_builder_begin_array(b);
	for (int i = 0; i < nr; i++) {
		uint64_t addr = 0;

		(void)parse_addr(addrs[i], &addr);
		json_lookup(b, fv, addr);
	}
	json_builder_end_array(b);
	json_builder_end_object(b);
	return tool_json_print(b);
}

static int
lookup_in_map(const struct map_load *ml, const char *as_name, char **addrs,
	      int nr, bool json)
{
	int status = TOOL_OK;

	struct memspace_addrspace *as = tool_find_addrspace(ml, as_name);
	struct memspace_flatview *fv;

	if (!as) {
		fprintf(stderr,
			"memspace lookup: no address space named '%s'\n",
			as_name);
		return TOOL_FAILED;
	}
	fv = memspace_addrspace_get_flatview(as);
	if (json) {
		status = lookup_json(fv, as_name, addrs, nr);
		nr = 0;
	}
	for (int i = 0; i < nr; i++) {
		uint64_t addr = 0;

		(void)parse_addr(addrs[i], &addr);
		print_lookup(fv, addr);
	}
	memspace_flatview_unref(fv);
	return status;
}

static int
lookup_run(int argc, char **argv)
{
	const char *as_name = "memory";
	bool json = false;
	int status = lookup_parse_options(argc, argv, &as_name, &json);
	struct map_load *ml;

	if (status >= 0) {
		return status;
	}
	for (int i = optind + 1; i < argc; i++) {
		uint64_t addr;

		if (!parse_addr(argv[i], &addr)) {
			return tool_usage_error(&tool_lookup_command,
						"invalid address '%s'",
						argv[i]);
		}
	}
	ml = tool_load_map(argv[optind]);
	if (!ml) {
		return TOOL_FAILED;
	}
	status = lookup_in_map(ml, as_name, argv + optind + 1,
			       argc - optind - 1, json);
	map_load_free(ml);
	return status;
}
