/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Block-wise comparison of `info mtree` dumps: each dump becomes a list of
 * normalised blocks, and the two lists must be equal as multisets.
 */
#include <string.h>

#include <glib.h>

#include "golden-compare.h"

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Only the tool that shows accelerator slots prints ` KVM` markers. */
static char *
strip_accel(const char *line)
{
	char *copy = g_strdup(line);
	size_t len = strlen(copy);

	while (g_str_has_prefix(copy, "  ") && g_str_has_suffix(copy, " KVM")) {
		len -= strlen(" KVM");
		copy[len] = '\0';
	}
	return copy;
}

/* A flat block without its number, with its AS lines sorted. */
static char *
normalize_flat(const GPtrArray *lines)
{
	g_autoptr(GPtrArray) as_lines = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) rest = g_ptr_array_new_with_free_func(g_free);
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < lines->len; i++) {
		const char *line = lines->pdata[i];

		if (g_str_has_prefix(line, "FlatView #")) {
			continue;
		}
		if (g_str_has_prefix(line, " AS \"")) {
			g_ptr_array_add(as_lines, g_strdup(line));
		} else {
			g_ptr_array_add(rest, strip_accel(line));
		}
	}
	g_ptr_array_sort(as_lines, str_cmp);
	for (guint i = 0; i < as_lines->len; i++) {
		g_string_append_printf(out, "%s\n", (char *)as_lines->pdata[i]);
	}
	for (guint i = 0; i < rest->len; i++) {
		g_string_append_printf(out, "%s\n", (char *)rest->pdata[i]);
	}
	return g_string_free(out, FALSE);
}

static char *
normalize_tree(const GPtrArray *lines)
{
	GString *out = g_string_new(NULL);

	for (guint i = 0; i < lines->len; i++) {
		g_string_append_printf(out, "%s\n", (char *)lines->pdata[i]);
	}
	return g_string_free(out, FALSE);
}

static void
flush_block(GPtrArray *blocks, GPtrArray *lines, enum golden_mode mode)
{
	if (lines->len == 0) {
		return;
	}
	g_ptr_array_add(blocks, mode == GOLDEN_FLAT ? normalize_flat(lines) :
						      normalize_tree(lines));
	g_ptr_array_set_size(lines, 0);
}

/* Blocks are separated by empty lines. */
static GPtrArray *
split_blocks(const char *text, enum golden_mode mode)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GPtrArray) cur = g_ptr_array_new();
	GPtrArray *blocks = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; lines[i]; i++) {
		if (lines[i][0]) {
			g_ptr_array_add(cur, lines[i]);
		} else {
			flush_block(blocks, cur, mode);
		}
	}
	flush_block(blocks, cur, mode);
	return blocks;
}

/* Index of the first block of @blocks left over once each is paired with an
 * equal block of @others, or -1. */
static int
first_unmatched(const GPtrArray *blocks, const GPtrArray *others)
{
	GHashFunc hash = g_str_hash;
	g_autoptr(GHashTable) counts = g_hash_table_new(hash, g_str_equal);

	for (guint i = 0; i < others->len; i++) {
		gpointer n = g_hash_table_lookup(counts, others->pdata[i]);

		g_hash_table_insert(counts, others->pdata[i],
				    GUINT_TO_POINTER(GPOINTER_TO_UINT(n) + 1));
	}
	for (guint i = 0; i < blocks->len; i++) {
		guint n = GPOINTER_TO_UINT(
			g_hash_table_lookup(counts, blocks->pdata[i]));

		if (n == 0) {
			return (int)i;
		}
		g_hash_table_insert(counts, blocks->pdata[i],
				    GUINT_TO_POINTER(n - 1));
	}
	return -1;
}

/* A block of @others with the same first line as @block but different. */
static const char *
find_similar(const char *block, const GPtrArray *others)
{
	size_t head = strcspn(block, "\n");

	for (guint i = 0; i < others->len; i++) {
		const char *other = others->pdata[i];

		if (strncmp(other, block, head + 1) == 0 &&
		    strcmp(other, block) != 0) {
			return other;
		}
	}
	return NULL;
}

static char *
describe(const char *problem, const char *block, const char *similar,
	 const char *mine, const char *theirs)
{
	g_auto(GStrv) a = g_strsplit(block, "\n", -1);
	g_auto(GStrv) b = NULL;
	guint k = 0;

	if (!similar) {
		return g_strdup_printf("%s block, none alike in the other dump:"
				       "\n  %s",
				       problem, a[0]);
	}
	b = g_strsplit(similar, "\n", -1);
	while (a[k] && b[k] && strcmp(a[k], b[k]) == 0) {
		k++;
	}
	return g_strdup_printf("%s block \"%s\" differs at its line %u:\n"
			       "  %s: %s\n  %s: %s",
			       problem, a[0], k + 1, mine,
			       a[k] ? a[k] : "(end of block)", theirs,
			       b[k] ? b[k] : "(end of block)");
}

char *
golden_compare(const char *expected, const char *actual, enum golden_mode mode)
{
	g_autoptr(GPtrArray) want = split_blocks(expected, mode);
	g_autoptr(GPtrArray) got = split_blocks(actual, mode);
	int i = first_unmatched(want, got);

	if (i >= 0) {
		const char *block = want->pdata[i];

		return describe("expected", block, find_similar(block, got),
				"expected", "got     ");
	}
	i = first_unmatched(got, want);
	if (i >= 0) {
		const char *block = got->pdata[i];

		return describe("unexpected", block, find_similar(block, want),
				"got     ", "expected");
	}
	return NULL;
}
