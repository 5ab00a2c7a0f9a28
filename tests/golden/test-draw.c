/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `memspace draw`: for every sample and the built-in machine, the picture
 * names every flat range's region and librsvg renders it (rsvg-convert, a
 * PNG of the picture's size comes out); the built-in machine's picture is
 * the one the README shows (tools/doc/default-map.svg); errors.  The
 * tool's path is the first argument; without rsvg-convert the test skips.
 */
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "test-common.h"
#include "tool-run.h"

static char *rsvg;

/* Render @svg with librsvg; the PNG must be as wide as the SVG says. */
static void
assert_renders(const char *svg_text, const char *name)
{
	g_autofree char *svg = tool_run_file(name, svg_text);
	g_autofree char *png = g_strconcat(svg, ".png", NULL);
	const char *argv[] = { rsvg, "-o", png, svg, NULL };
	g_autofree char *out = NULL, *err = NULL, *data = NULL;
	g_autoptr(GError) error = NULL;
	gsize len = 0;
	int status;
	unsigned width;
	const char *w;

	ck_assert(g_spawn_sync(NULL, (char **)argv, NULL, 0, NULL, NULL, &out,
			       &err, &status, &error));
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "rsvg-convert %s: %s", name, err);
	ck_assert(g_file_get_contents(png, &data, &len, NULL));
	ck_assert_uint_gt(len, 24);
	ck_assert_int_eq(memcmp(data, "\x89PNG\r\n\x1a\n", 8), 0);
	width = (unsigned)(guchar)data[16] << 24 |
		(unsigned)(guchar)data[17] << 16 |
		(unsigned)(guchar)data[18] << 8 | (guchar)data[19];
	w = strstr(svg_text, "width=\"");
	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(width, (unsigned)g_ascii_strtoull(w + 7, NULL, 10));
}

/* Every region named by a flat range of @as appears as a label. */
static void
assert_names(const char *map, const char *svg, const char *as)
{
	struct test_run r = map ? TOOL_RUN("show", "--flat", "--json", map) :
				  TOOL_RUN("show", "--flat", "--json");
	g_autoptr(JsonParser) p = json_parser_new();
	JsonArray *views;
	bool found = false;

	ck_assert_int_eq(r.status, 0);
	ck_assert(json_parser_load_from_data(p, r.out, -1, NULL));
	views = json_object_get_array_member(
		json_node_get_object(json_parser_get_root(p)), "flat_views");
	for (guint i = 0; i < json_array_get_length(views); i++) {
		JsonObject *v = json_array_get_object_element(views, i);
		JsonArray *names = json_object_get_array_member(
			v, "address_spaces");
		JsonArray *ranges = json_object_get_array_member(v, "ranges");
		bool shows = false;

		for (guint k = 0; k < json_array_get_length(names); k++) {
			shows |= strcmp(json_array_get_string_element(names, k),
					as) == 0;
		}
		if (!shows || found) {
			continue;
		}
		found = true;
		for (guint k = 0; k < json_array_get_length(ranges); k++) {
			const char *name = json_object_get_string_member(
				json_array_get_object_element(ranges, k),
				"name");
			g_autofree char *esc = g_markup_escape_text(name, -1);
			g_autofree char *tip =
				g_strdup_printf(") %s @", esc);

			ck_assert_msg(strstr(svg, tip), "%s: no range of %s",
				      map ? map : "built-in", name);
		}
	}
	ck_assert(found);
	test_run_clear(&r);
}

START_TEST(draw_renders_every_sample)
{
	g_autoptr(GPtrArray) dirs = test_sample_dirs();

	for (guint i = 0; i < dirs->len; i++) {
		g_autofree char *map =
			g_build_filename(dirs->pdata[i], "tree.json", NULL);
		g_autofree char *base = g_path_get_basename(dirs->pdata[i]);
		g_autofree char *name = g_strconcat(base, ".svg", NULL);
		struct test_run r = TOOL_RUN("draw", map);

		ck_assert_msg(r.status == 0, "%s: %s", map, r.err);
		ck_assert(g_str_has_prefix(r.out, "<?xml"));
		assert_names(map, r.out, "memory");
		assert_renders(r.out, name);
		test_run_clear(&r);
	}
}
END_TEST

START_TEST(draw_builtin_matches_readme_picture)
{
	g_autofree char *doc = g_build_filename(
		TEST_SOURCE_DIR, "tools", "doc", "default-map.svg", NULL);
	g_autofree char *committed = NULL;
	struct test_run r = TOOL_RUN("draw");

	ck_assert_int_eq(r.status, 0);
	ck_assert(g_file_get_contents(doc, &committed, NULL, NULL));
	ck_assert_msg(strcmp(r.out, committed) == 0,
		      "tools/doc/default-map.svg is stale: regenerate it with "
		      "`build/tools/memspace draw > tools/doc/default-map.svg`");
	/* The picture shows who hides whom: vga-lowmem over RAM. */
	ck_assert_ptr_nonnull(strstr(r.out, "(hides "));
	assert_names(NULL, r.out, "memory");
	assert_renders(r.out, "default.svg");
	test_run_clear(&r);

	r = TOOL_RUN("draw", "--as", "I/O");
	ck_assert_int_eq(r.status, 0);
	assert_names(NULL, r.out, "I/O");
	assert_renders(r.out, "io.svg");
	test_run_clear(&r);
}
END_TEST

START_TEST(draw_errors)
{
	struct test_run r = TOOL_RUN("draw", "--as", "nowhere");

	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.out, "");
	ck_assert_str_eq(r.err,
			 "memspace: draw: no address space \"nowhere\"\n");
	test_run_clear(&r);
	r = TOOL_RUN("draw", "a", "b");
	ck_assert_int_eq(r.status, 2);
	test_run_clear(&r);
}
END_TEST

static Suite *
draw_suite(void)
{
	Suite *s = suite_create("draw");
	TCase *tc = tcase_create("draw");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, draw_renders_every_sample);
	tcase_add_test(tc, draw_builtin_matches_readme_picture);
	tcase_add_test(tc, draw_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	rsvg = g_find_program_in_path("rsvg-convert");
	if (!rsvg) {
		fputs("rsvg-convert (librsvg2-bin) not found: skipped\n",
		      stderr);
		return 77;
	}
	return tool_run_main(argc, argv, draw_suite);
}
