/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `memspace show`: print a map like QEMU's `info mtree`, as region trees or,
 * with --flat, as the rendered flat views.
 */
#include <getopt.h>
#include <string.h>

#include "tool.h"

static int show_run(int argc, char **argv);

/* --kvm: not a memspace_show() flag; handled by cmd-kvm.c. */
#define SHOW_KVM (1u << 31)
/* --json: with --flat only; handled by show-json.c. */
#define SHOW_JSON (1u << 30)
/* --backends: memspace_show_backends() after the dump. */
#define SHOW_BACKENDS (1u << 29)

const struct tool_command tool_show_command = {
	.name = "show",
	.synopsis = "[--flat|-f] [--disabled|-D] [--owners|-o] [--backends|-b] [--kvm] [--json] [MAP]",
	.summary = "print a map like QEMU's `info mtree`",
	.run = show_run,
};

static void
show_help(void)
{
	tool_print_usage(stdout, &tool_show_command);
	fputs("\n"
	      "Print the region trees of MAP (a qemu-mtree-tree/1 JSON file;\n"
	      "without MAP, a built-in q35-like PC) like QEMU's `info mtree`.\n"
	      "\n"
	      "  -f, --flat      print the rendered flat views instead\n"
	      "  -D, --disabled  also print disabled regions (tree only)\n"
	      "  -o, --owners    print the owner of every region\n"
	      "  -b, --backends  then print the host memory behind each RAM\n"
	      "                  region: source, page size, shared, NUMA\n"
	      "      --kvm       map \"memory\" into a KVM VM (/dev/kvm) and\n"
	      "                  mark the ranges with a slot ` KVM`\n"
	      "      --json      with --flat: print the views as JSON\n"
	      "  -h, --help      show this help\n",
	      stdout);
}

/* Returns -1 to go on, or the exit status. */
static int
show_parse_options(int argc, char **argv, unsigned *ret_flags)
{
	static const struct option options[] = {
		{ "flat", no_argument, NULL, 'f' },
		{ "disabled", no_argument, NULL, 'D' },
		{ "owners", no_argument, NULL, 'o' },
		{ "backends", no_argument, NULL, 'b' },
		{ "kvm", no_argument, NULL, 'K' },
		{ "json", no_argument, NULL, 'J' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "fDobh", options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			*ret_flags |= MEMSPACE_SHOW_FLAT;
			break;
		case 'D':
			*ret_flags |= MEMSPACE_SHOW_DISABLED;
			break;
		case 'o':
			*ret_flags |= MEMSPACE_SHOW_OWNERS;
			break;
		case 'K':
			*ret_flags |= SHOW_KVM;
			break;
		case 'b':
			*ret_flags |= SHOW_BACKENDS;
			break;
		case 'J':
			*ret_flags |= SHOW_JSON;
			break;
		case 'h':
			show_help();
			return TOOL_OK;
		default:
			return tool_usage_error(&tool_show_command,
						"invalid option '%s'",
						argv[optind - 1]);
		}
	}
	return -1;
}

static int
show_run(int argc, char **argv)
{
	unsigned flags = 0;
	int status = show_parse_options(argc, argv, &flags);

	if (status >= 0) {
		return status;
	}
	if (argc - optind > 1) {
		return tool_usage_error(&tool_show_command,
					"too many arguments");
	}

	if ((flags & SHOW_JSON) &&
	    (flags & ~SHOW_JSON) != MEMSPACE_SHOW_FLAT) {
		return tool_usage_error(&tool_show_command,
					"--json goes with --flat alone");
	}

	const char *path = optind < argc ? argv[optind] : NULL;
	struct map_load *ml = tool_load_map(path);

	if (!ml) {
		return TOOL_FAILED;
	}
	if (flags & SHOW_JSON) {
		status = tool_show_flat_json(ml);
		map_load_free(ml);
		return status;
	}

	if (flags & SHOW_KVM) {
		status = tool_kvm_show(ml, flags & ~(SHOW_KVM | SHOW_BACKENDS));
		map_load_free(ml);
		return status;
	}

	int ret = memspace_show(ml->ms, stdout, flags & ~SHOW_BACKENDS);

	if (ret == 0 && (flags & SHOW_BACKENDS)) {
		ret = memspace_show_backends(ml->ms, stdout);
	}

	map_load_free(ml);
	if (ret < 0) {
		fprintf(stderr, "memspace: show: %s\n", strerror(-ret));
		return TOOL_FAILED;
	}
	return TOOL_OK;
}
