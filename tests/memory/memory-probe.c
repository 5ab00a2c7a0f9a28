/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /proc readers for the memory suite (see memory-probe.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "memory-probe.h"

unsigned
probe_dir_count(const char *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	unsigned n = 0;

	if (!dir) {
		return 0;
	}
	while (g_dir_read_name(dir)) {
		n++;
	}
	return n;
}

unsigned
probe_fd_count(void)
{
	/* g_dir_open's own fd is counted every time alike. */
	return probe_dir_count("/proc/self/fd");
}

static char *
read_proc(const char *path)
{
	char *text = NULL;

	g_file_get_contents(path, &text, NULL, NULL);
	return text;
}

unsigned
probe_map_count(void)
{
	g_autofree char *text = read_proc("/proc/self/maps");
	unsigned n = 0;

	for (const char *p = text; p && *p; p++) {
		n += *p == '\n';
	}
	return n;
}

unsigned
probe_map_count_size(uint64_t size)
{
	g_autofree char *text = read_proc("/proc/self/maps");
	g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
	unsigned n = 0;

	for (char **l = lines; *l; l++) {
		unsigned long long start, end;

		if (sscanf(*l, "%llx-%llx", &start, &end) == 2 &&
		    end - start == size) {
			n++;
		}
	}
	return n;
}

uint64_t
probe_rss(void)
{
	g_autofree char *text = read_proc("/proc/self/statm");
	unsigned long long size = 0, rss = 0;

	if (text) {
		sscanf(text, "%llu %llu", &size, &rss);
	}
	return (uint64_t)rss * (uint64_t)sysconf(_SC_PAGESIZE);
}

/* Whether @line starts a mapping ("start-end perms ..."). */
static bool
is_header(const char *line)
{
	const char *sp = strchr(line, ' ');
	const char *dash = strchr(line, '-');

	return sp && dash && dash < sp && g_ascii_isxdigit(*line) &&
	       !memchr(line, ':', (size_t)(sp - line));
}

/* Whether @line is the header of the mapping starting at @addr. */
static bool
header_at(const char *line, const void *addr)
{
	unsigned long long start;

	return is_header(line) && sscanf(line, "%llx-", &start) == 1 &&
	       (uintptr_t)start == (uintptr_t)addr;
}

char *
probe_smaps_field(const void *addr, const char *field)
{
	g_autofree char *text = read_proc("/proc/self/smaps");
	g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
	size_t flen = strlen(field);
	bool in = false;

	for (char **l = lines; *l; l++) {
		if (is_header(*l)) {
			in = header_at(*l, addr);
		} else if (in && strncmp(*l, field, flen) == 0 &&
			   (*l)[flen] == ':') {
			return g_strstrip(g_strdup(*l + flen + 1));
		}
	}
	return NULL;
}

bool
probe_vmflag(const void *addr, const char *flag)
{
	g_autofree char *flags = probe_smaps_field(addr, "VmFlags");
	g_auto(GStrv) words = g_strsplit(flags ? flags : "", " ", -1);

	for (char **w = words; *w; w++) {
		if (strcmp(*w, flag) == 0) {
			return true;
		}
	}
	return false;
}

char *
probe_numa_maps(const void *addr)
{
	g_autofree char *text = read_proc("/proc/self/numa_maps");
	g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
	g_autofree char *prefix =
		g_strdup_printf("%" PRIxPTR " ", (uintptr_t)addr);

	for (char **l = lines; *l; l++) {
		if (g_str_has_prefix(*l, prefix)) {
			return g_strdup(*l);
		}
	}
	return NULL;
}

char *
probe_perms(const void *addr)
{
	g_autofree char *text = read_proc("/proc/self/maps");
	g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);

	for (char **l = lines; *l; l++) {
		char perms[8];

		if (header_at(*l, addr) &&
		    sscanf(*l, "%*x-%*x %7s", perms) == 1) {
			return g_strdup(perms);
		}
	}
	return NULL;
}

bool
probe_mapped(const void *addr)
{
	g_autofree char *perms = probe_perms(addr);

	return perms != NULL;
}

char *
probe_tmpdir(void)
{
	const char *base = g_getenv("TMPDIR");
	g_autofree char *tmpl = g_build_filename(base ? base : "/tmp",
						 "memspace-test-XXXXXX", NULL);

	return g_strdup(g_mkdtemp(tmpl));
}

void
probe_rmdir(const char *path)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const char *name;

	while (dir && (name = g_dir_read_name(dir))) {
		g_autofree char *p = g_build_filename(path, name, NULL);

		g_unlink(p);
	}
	g_rmdir(path);
}
