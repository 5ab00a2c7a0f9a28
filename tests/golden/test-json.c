/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The --json outputs say what the text outputs say: `show --flat --json`
 * on every sample and the built-in machine (each range formatted back into
 * a flat-dump line equals `show --flat`), `lookup --json` at every range
 * edge of the memory view, `kvm-slots --fake --json` against its table.
 * The tool's path is the first argument.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "test-common.h"
#include "tool-run.h"

static uint64_t
hex_member(JsonObject *o, const char *key)
{
	const char *s = json_object_get_string_member(o, key);

	ck_assert_msg(g_str_has_prefix(s, "0x"), "%s: %s", key, s);
	return g_ascii_strtoull(s, NULL, 16);
}

/* A range object as `info mtree -f` prints the line. */
static char *
range_line(JsonObject *r)
{
	uint64_t off = hex_member(r, "offset");
	g_autofree char *at = off ? g_strdup_printf(" @%016" PRIx64, off) :
				    g_strdup("");

	return g_strdup_printf(
		"  %016" PRIx64 "-%016" PRIx64 " (prio %" PRId64 ", %s%s): %s%s",
		hex_member(r, "start"), hex_member(r, "last"),
		json_object_get_int_member(r, "priority"),
		json_object_get_boolean_member(r, "nonvolatile") ? "nv-" : "",
		json_object_get_string_member(r, "type"),
		json_object_get_string_member(r, "name"), at);
}

static JsonObject *
parse(JsonParser *p, const char *text)
{
	g_autoptr(GError) error = NULL;

	ck_assert_msg(json_parser_load_from_data(p, text, -1, &error), "%s",
		      error ? error->message : "?");
	return json_node_get_object(json_parser_get_root(p));
}

/* The range lines of `show --flat` text, views in order. */
static char *
flat_ranges(const char *text)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GString) s = g_string_new(NULL);

	for (char **l = lines; *l; l++) {
		if (g_str_has_prefix(*l, "  ") &&
		    strcmp(*l, "  No rendered FlatView") != 0) {
			g_string_append_printf(s, "%s\n", *l);
		} else if (g_str_has_prefix(*l, " Root memory region: ")) {
			g_string_append_printf(s, "%s\n", *l);
		}
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static char *
json_ranges(JsonObject *doc)
{
	JsonArray *views = json_object_get_array_member(doc, "flat_views");
	g_autoptr(GString) s = g_string_new(NULL);

	for (guint i = 0; i < json_array_get_length(views); i++) {
		JsonObject *v = json_array_get_object_element(views, i);
		JsonArray *r = json_object_get_array_member(v, "ranges");
		JsonNode *root = json_object_get_member(v, "root");

		ck_assert_uint_gt(json_array_get_length(json_object_get_array_member(
					  v, "address_spaces")),
				  0);
		g_string_append_printf(s, " Root memory region: %s\n",
				       JSON_NODE_HOLDS_NULL(root) ?
					       "(none)" :
					       json_node_get_string(root));
		for (guint k = 0; k < json_array_get_length(r); k++) {
			g_autofree char *line =
				range_line(json_array_get_object_element(r, k));

			g_string_append_printf(s, "%s\n", line);
		}
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

static void
check_show_json(const char *map)
{
	struct test_run text = map ? TOOL_RUN("show", "--flat", map) :
				     TOOL_RUN("show", "--flat");
	struct test_run json = map ? TOOL_RUN("show", "--flat", "--json", map) :
				     TOOL_RUN("show", "--flat", "--json");
	g_autoptr(JsonParser) p = json_parser_new();
	g_autofree char *want = NULL, *got = NULL;

	ck_assert_int_eq(text.status, 0);
	ck_assert_int_eq(json.status, 0);
	want = flat_ranges(text.out);
	got = json_ranges(parse(p, json.out));
	ck_assert_str_eq(got, want);
	test_run_clear(&text);
	test_run_clear(&json);
}

START_TEST(show_flat_json_matches_text)
{
	g_autoptr(GPtrArray) dirs = test_sample_dirs();

	check_show_json(NULL);
	for (guint i = 0; i < dirs->len; i++) {
		g_autofree char *map =
			g_build_filename(dirs->pdata[i], "tree.json", NULL);

		check_show_json(map);
	}
}
END_TEST

START_TEST(show_json_needs_flat)
{
	struct test_run r = TOOL_RUN("show", "--json");

	ck_assert_int_eq(r.status, 2);
	test_run_clear(&r);
	r = TOOL_RUN("show", "--flat", "--owners", "--json");
	ck_assert_int_eq(r.status, 2);
	test_run_clear(&r);
}
END_TEST

/* lookup --json against lookup, at both edges of every range of the
 * memory view and in a gap. */
START_TEST(lookup_json_matches_text)
{
	g_autofree char *map = test_sample_path("x86-q35-128m", "tree.json");
	struct test_run flat = TOOL_RUN("show", "--flat", "--json", map);
	g_autoptr(JsonParser) p = json_parser_new();
	JsonObject *doc = parse(p, flat.out);
	JsonArray *ranges = json_object_get_array_member(
		json_array_get_object_element(
			json_object_get_array_member(doc, "flat_views"), 0),
		"ranges");
	g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);

	g_ptr_array_add(args, g_strdup("lookup"));
	g_ptr_array_add(args, g_strdup(map));
	g_ptr_array_add(args, g_strdup("0xfffffffffffffff0"));
	for (guint i = 0; i < json_array_get_length(ranges); i++) {
		JsonObject *r = json_array_get_object_element(ranges, i);

		g_ptr_array_add(args, g_strdup(json_object_get_string_member(
					      r, "start")));
		g_ptr_array_add(args, g_strdup(json_object_get_string_member(
					      r, "last")));
	}
	g_ptr_array_add(args, NULL);

	struct test_run text = test_run_tool(
		tool_run_path(), (const char *const *)args->pdata, true);

	g_ptr_array_insert(args, 1, g_strdup("--json"));

	struct test_run json = test_run_tool(
		tool_run_path(), (const char *const *)args->pdata, true);
	g_autoptr(JsonParser) q = json_parser_new();
	JsonArray *results = json_object_get_array_member(parse(q, json.out),
							  "results");
	g_auto(GStrv) lines = g_strsplit(text.out, "\n", -1);

	ck_assert_int_eq(text.status, 0);
	ck_assert_int_eq(json.status, 0);
	ck_assert_uint_eq(json_array_get_length(results),
			  g_strv_length(lines) - 1);
	for (guint i = 0; i < json_array_get_length(results); i++) {
		JsonObject *res = json_array_get_object_element(results, i);
		JsonNode *range = json_object_get_member(res, "range");
		g_autofree char *line = NULL;

		if (JSON_NODE_HOLDS_NULL(range)) {
			line = g_strdup_printf("%016" PRIx64 ": unassigned",
					       hex_member(res, "address"));
		} else {
			JsonObject *r = json_node_get_object(range);
			g_autofree char *fl = NULL;

			/* lookup always prints @OFFSET, of the address. */
			json_object_set_string_member(r, "offset", "0x0");
			fl = range_line(r);
			line = g_strdup_printf(
				"%016" PRIx64 ": %s @%016" PRIx64,
				hex_member(res, "address"), fl + 2,
				hex_member(res, "offset_in_region"));
		}
		ck_assert_str_eq(line, lines[i]);
	}
	test_run_clear(&flat);
	test_run_clear(&text);
	test_run_clear(&json);
}
END_TEST

START_TEST(kvm_slots_json_matches_text)
{
	struct test_run text = TOOL_RUN("kvm-slots", "--fake");
	struct test_run json = TOOL_RUN("kvm-slots", "--fake", "--json");
	g_autoptr(JsonParser) p = json_parser_new();
	JsonObject *doc;
	JsonArray *slots;
	g_autoptr(GString) got = g_string_new(NULL);
	static const char *const flags[] = { "-", "log", "ro", "ro,log" };

	ck_assert_int_eq(text.status, 0);
	ck_assert_int_eq(json.status, 0);
	doc = parse(p, json.out);
	ck_assert_str_eq(json_object_get_string_member(doc, "backend"),
			 "fake");
	slots = json_object_get_array_member(doc, "slots");
	ck_assert_uint_gt(json_array_get_length(slots), 1);
	g_string_append_printf(got, "%5s %-33s %14s %s\n", "slot",
			       "guest range", "size", "flags");
	for (guint i = 0; i < json_array_get_length(slots); i++) {
		JsonObject *s = json_array_get_object_element(slots, i);

		g_string_append_printf(
			got,
			"%5" PRId64 " %016" PRIx64 "-%016" PRIx64 " %#14" PRIx64
			" %s\n",
			json_object_get_int_member(s, "slot"),
			hex_member(s, "start"), hex_member(s, "last"),
			hex_member(s, "size"),
			flags[json_object_get_boolean_member(s, "log_dirty_pages") |
			      json_object_get_boolean_member(s, "readonly") << 1]);
	}
	ck_assert_str_eq(got->str, text.out);
	test_run_clear(&text);
	test_run_clear(&json);
}
END_TEST

static Suite *
json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("json");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, show_flat_json_matches_text);
	tcase_add_test(tc, show_json_needs_flat);
	tcase_add_test(tc, lookup_json_matches_text);
	tcase_add_test(tc, kvm_slots_json_matches_text);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	return tool_run_main(argc, argv, json_suite);
}
