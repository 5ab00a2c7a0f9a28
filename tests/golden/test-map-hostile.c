/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The map loader against hostile input: deep nesting, long chains, inputs
 * without end, control characters.  Each gets the correct result or one
 * clear line, never a crash, a hang or an unbounded read.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib.h>

#include "map-load.h"
#include "map-scan.h"
#include "map-spec.h"
#include "test-common.h"

#define DEEP 100000u

/*
 * Neither the loader (read, checks, build) nor the engine (render, region
 * release, dumps) recurses along a deep tree or a long alias chain: whole
 * loads at DEEP are rendered and freed on the default 8 MiB stack.
 */

static const char head[] =
	"{\"format\":\"qemu-mtree-tree/1\","
	"\"address_spaces\":[{\"name\":\"memory\",\"root\":0}],"
	"\"regions\":[";

/* One region: @kind is "container", "io" or "alias of @target". */
static void
add_region(GString *doc, unsigned id, const char *name, const char *type,
	   bool terminates, const char *size, gint64 parent, gint64 child,
	   gint64 target)
{
	g_string_append_printf(
		doc,
		"%s{\"id\":%u,\"name\":\"%s\",\"type\":\"%s\",\"addr\":\"0x0\","
		"\"size\":\"%s\",\"priority\":0,\"enabled\":true,"
		"\"terminates\":%s,\"readonly\":false,\"nonvolatile\":false,"
		"\"romd_mode\":false,",
		id ? "," : "", id, name, type, size,
		terminates ? "true" : "false");
	if (parent < 0) {
		g_string_append(doc, "\"parent\":null,");
	} else {
		g_string_append_printf(doc, "\"parent\":%" G_GINT64_FORMAT ",",
				       parent);
	}
	if (child < 0) {
		g_string_append(doc, "\"children\":[]");
	} else {
		g_string_append_printf(
			doc, "\"children\":[%" G_GINT64_FORMAT "]", child);
	}
	if (target >= 0) {
		g_string_append_printf(
			doc,
			",\"alias\":{\"target\":%" G_GINT64_FORMAT
			",\"offset\":\"0x0\"}",
			target);
	}
	g_string_append(doc, "}\n");
}

static void
assert_error(const GError *error, enum map_load_error code, const char *what)
{
	ck_assert_ptr_nonnull(error);
	ck_assert_int_eq(error->domain, MAP_LOAD_ERROR);
	ck_assert_msg(error->code == (int)code, "code %d for \"%s\"",
		      error->code, error->message);
	ck_assert_msg(strstr(error->message, what), "got \"%s\", want \"%s\"",
		      error->message, what);
	for (const char *p = error->message; *p; p++) {
		ck_assert_msg((unsigned char)*p >= 0x20 && *p != 0x7f,
			      "control character in \"%s\"", error->message);
	}
}

/* The view of the map's first address space: "ram" at [0, 0xfff]. */
static void
assert_one_ram_range(struct map_load *ml)
{
	g_autofree char *view = test_format_view(ml->addrspaces->pdata[0]);

	ck_assert_str_eq(view, "[0, fff] ram @0\n");
}

START_TEST(json_nested_100k_deep_is_refused)
{
	g_autoptr(GString) doc = g_string_new(NULL);
	g_autoptr(GError) error = NULL;

	for (unsigned i = 0; i < DEEP; i++) {
		g_string_append_c(doc, _i ? '{' : '[');
		if (_i) {
			g_string_append(doc, "\"a\":");
		}
	}
	ck_assert_ptr_null(map_load_data(doc->str, (gssize)doc->len, &error));
	assert_error(error, MAP_LOAD_ERROR_PARSE,
		     "nested deeper than 64 levels");
}
END_TEST

/* Nested inside a region, past the regions array. */
START_TEST(json_nested_in_a_region_is_refused)
{
	g_autoptr(GString) doc = g_string_new(head);
	g_autoptr(GError) error = NULL;

	g_string_append(doc, "{\"id\":0,\"x\":");
	for (unsigned i = 0; i < DEEP; i++) {
		g_string_append_c(doc, '[');
	}
	ck_assert_ptr_null(map_load_data(doc->str, (gssize)doc->len, &error));
	assert_error(error, MAP_LOAD_ERROR_PARSE,
		     "nested deeper than 64 levels");
}
END_TEST

/* 64 levels are fine: the limit is exact. */
START_TEST(json_nested_to_the_limit_is_parsed)
{
	g_autoptr(GString) doc =
		g_string_new("{\"format\":\"qemu-mtree-tree/1\",\"regions\":[],"
			     "\"address_spaces\":[],\"x\":");
	g_autoptr(GError) error = NULL;
	struct map_load *ml;

	for (unsigned i = 1; i < MAP_SCAN_MAX_DEPTH; i++) {
		g_string_append_c(doc, '[');
	}
	for (unsigned i = 1; i < MAP_SCAN_MAX_DEPTH; i++) {
		g_string_append_c(doc, ']');
	}
	g_string_append_c(doc, '}');
	ml = map_load_data(doc->str, (gssize)doc->len, &error);
	ck_assert_msg(ml, "%s", error ? error->message : "");
	map_load_free(ml);
}
END_TEST

/* A chain of @n containers, each the only child of the one before, RAM at
 * the bottom. */
static GString *
deep_tree(unsigned n)
{
	GString *doc = g_string_new(head);

	for (unsigned i = 0; i < n; i++) {
		char name[24];

		g_snprintf(name, sizeof(name), "c%u", i);
		if (i + 1 < n) {
			add_region(doc, i, name, "i/o", false, "0x10000",
				   (gint64)i - 1, i + 1, -1);
		} else {
			add_region(doc, i, name, "ram", true, "0x1000",
				   (gint64)i - 1, -1, -1);
		}
	}
	g_string_append(doc, "]}");
	return doc;
}

/* Alias i shows alias i - 1; alias 2 shows RAM region 0; system (1) maps
 * the last one.  Listed in reverse: the builder must follow the chain. */
static GString *
alias_chain(unsigned n)
{
	GString *doc = g_string_new(
		"{\"format\":\"qemu-mtree-tree/1\","
		"\"address_spaces\":[{\"name\":\"memory\",\"root\":1}],"
		"\"regions\":[");

	add_region(doc, 0, "ram", "ram", true, "0x1000", -1, -1, -1);
	add_region(doc, 1, "system", "i/o", false, "0x10000000000000000", -1,
		   n + 1, -1);
	for (unsigned i = n + 1; i >= 2; i--) {
		char name[24];

		g_snprintf(name, sizeof(name), "a%u", i);
		add_region(doc, i, name, "ram", false, "0x1000",
			   i == n + 1 ? 1 : -1, -1, i == 2 ? 0 : i - 1);
	}
	g_string_append(doc, "]}");
	return doc;
}

/* The loader's own work at DEEP: read, link, cycle checks (no engine). */
START_TEST(deep_documents_are_checked_without_recursion)
{
	g_autoptr(GString) doc = _i ? alias_chain(DEEP) : deep_tree(DEEP);
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(GError) error = NULL;
	struct map_spec *spec = map_spec_new();
	JsonObject *root;
	JsonArray *regions;

	ck_assert(json_parser_load_from_data(parser, doc->str, (gssize)doc->len,
					     NULL));
	root = json_node_get_object(json_parser_get_root(parser));
	regions = json_object_get_array_member(root, "regions");
	for (unsigned i = 0; i < json_array_get_length(regions); i++) {
		ck_assert(map_spec_add_region(
			spec, json_array_get_element(regions, i), i, &error));
	}
	json_object_set_array_member(root, "regions", json_array_new());
	ck_assert_msg(map_spec_finish(spec, json_parser_get_root(parser),
				      &error),
		      "%s", error ? error->message : "");
	ck_assert_uint_eq(spec->nr_nodes, _i ? DEEP + 2 : DEEP);
	map_spec_free(spec);
}
END_TEST

/*
 * Frees @ml with the loader's own references dropped from the last region
 * to the first: each region then stays alive through its parent (or the
 * alias after it) until the top one goes, and that release frees the whole
 * tree or chain at once (map_load_free() alone drops them top first, one
 * region per release).
 */
static void
free_from_the_top(struct map_load *ml)
{
	GPtrArray *r = ml->regions;

	for (guint i = 0, j = r->len - 1; i < j; i++, j--) {
		gpointer t = r->pdata[i];

		r->pdata[i] = r->pdata[j];
		r->pdata[j] = t;
	}
	map_load_free(ml);
}

START_TEST(tree_deep_loads)
{
	g_autoptr(GString) doc = deep_tree(DEEP);
	g_autoptr(GError) error = NULL;
	struct map_load *ml = map_load_data(doc->str, (gssize)doc->len, &error);
	g_autofree char *view = NULL;
	g_autofree char *want = NULL;

	ck_assert_msg(ml, "%s", error ? error->message : "");
	ck_assert_uint_eq(ml->regions->len, DEEP);
	view = test_format_view(ml->addrspaces->pdata[0]);
	want = g_strdup_printf("[0, fff] c%u @0\n", DEEP - 1);
	ck_assert_str_eq(view, want);
	free_from_the_top(ml);
}
END_TEST

START_TEST(alias_chain_long_loads)
{
	g_autoptr(GString) doc = alias_chain(DEEP);
	g_autoptr(GError) error = NULL;
	struct map_load *ml = map_load_data(doc->str, (gssize)doc->len, &error);

	ck_assert_msg(ml, "%s", error ? error->message : "");
	ck_assert_uint_eq(ml->regions->len, DEEP + 2);
	assert_one_ram_range(ml);
	free_from_the_top(ml);
}
END_TEST

START_TEST(dev_zero_is_refused_at_once)
{
	g_autoptr(GError) error = NULL;

	ck_assert_ptr_null(map_load_file("/dev/zero", &error));
	assert_error(error, MAP_LOAD_ERROR_PARSE, "unexpected byte 0x00");
}
END_TEST

START_TEST(dev_urandom_is_refused)
{
	g_autoptr(GError) error = NULL;

	ck_assert_ptr_null(map_load_file("/dev/urandom", &error));
	ck_assert_int_eq(error->domain, MAP_LOAD_ERROR);
	assert_error(error, error->code, "");
}
END_TEST

/* Valid JSON without end (blanks) stops at the limit. */
START_TEST(endless_fifo_stops_at_the_limit)
{
	g_autofree char *dir = g_dir_make_tmp("memspace-fifo-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "map", NULL);
	g_autoptr(GError) error = NULL;
	pid_t writer;

	ck_assert_int_eq(mkfifo(path, 0600), 0);
	writer = fork();
	ck_assert_int_ge(writer, 0);
	if (writer == 0) {
		char blanks[4096];
		int fd = open(path, O_WRONLY);

		memset(blanks, ' ', sizeof(blanks));
		while (fd >= 0 && write(fd, blanks, sizeof(blanks)) > 0) {
		}
		_exit(0);
	}
	ck_assert_ptr_null(map_load_file_limited(path, 1 << 20, &error));
	assert_error(error, MAP_LOAD_ERROR_IO,
		     "larger than the limit of 1048576 bytes");
	kill(writer, SIGKILL);
	waitpid(writer, NULL, 0);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(file_at_the_limit_loads)
{
	static const char doc[] = "{\"format\":\"qemu-mtree-tree/1\","
				  "\"regions\":[],\"address_spaces\":[]}";
	g_autofree char *dir = g_dir_make_tmp("memspace-limit-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "map.json", NULL);
	g_autoptr(GError) error = NULL;
	struct map_load *ml;

	ck_assert(g_file_set_contents(path, doc, -1, NULL));
	ml = map_load_file_limited(path, strlen(doc), &error);
	ck_assert_msg(ml, "%s", error ? error->message : "");
	map_load_free(ml);
	ck_assert_ptr_null(
		map_load_file_limited(path, strlen(doc) - 1, &error));
	assert_error(error, MAP_LOAD_ERROR_IO, "larger than the limit");
	unlink(path);
	rmdir(dir);
}
END_TEST

static char *show_all(struct map_load *ml);

/* Text fields with control characters, and what each gets. */
static const struct {
	const char *field_text;
	enum map_load_error code;
	const char *message;
} control_cases[] = {
	{ "\"name\":\"a\\nb\"", MAP_LOAD_ERROR_SCHEMA,
	  "regions[0]: field \"name\" contains a line break" },
	{ "\"name\":\"a\\u0000b\"", MAP_LOAD_ERROR_PARSE,
	  "a string contains \\u0000" },
	{ "\"name\":\"a\nb\"", MAP_LOAD_ERROR_PARSE,
	  "line 2: a string contains a control character" },
	{ "\"name\":\"a\\rb\"", MAP_LOAD_ERROR_SCHEMA,
	  "field \"name\" contains a line break" },
	{ "\"owner\":\"x\\u000by\"", MAP_LOAD_ERROR_SCHEMA,
	  "regions[0]: field \"owner\" contains a line break" },
	{ "\"type\":\"r\\r\\nam\"", MAP_LOAD_ERROR_SCHEMA,
	  "regions[0]: unknown type \"r\\x0d\\x0aam\"" },
	{ "\"type\":\"ram\"]", MAP_LOAD_ERROR_PARSE,
	  "invalid JSON in regions[0]: 1:" },
};

START_TEST(control_characters_give_one_line)
{
	g_autoptr(GString) doc = g_string_new(head);
	g_autoptr(GError) error = NULL;

	g_string_append_printf(
		doc,
		"{\"id\":0,\"name\":\"n\",\"type\":\"ram\",%s,\"addr\":\"0x0\","
		"\"size\":\"0x1000\",\"priority\":0,\"enabled\":true,"
		"\"terminates\":true,\"readonly\":false,\"nonvolatile\":false,"
		"\"parent\":null,\"children\":[]}]}",
		control_cases[_i].field_text);
	ck_assert_ptr_null(map_load_data(doc->str, (gssize)doc->len, &error));
	assert_error(error, control_cases[_i].code, control_cases[_i].message);
}
END_TEST

/* Other control characters stay in names, on the region's one line. */
START_TEST(names_with_tabs_and_other_controls_load)
{
	g_autoptr(GString) doc = g_string_new(
		"{\"format\":\"qemu-mtree-tree/1\","
		"\"address_spaces\":[{\"name\":\"memory\",\"root\":0}],"
		"\"regions\":[");
	g_autoptr(GError) error = NULL;
	g_autofree char *dump = NULL;
	struct map_load *ml;

	add_region(doc, 0, "a\\tb\\u0001c\\u007f", "ram", true, "0x1000", -1,
		   -1, -1);
	g_string_append(doc, "]}");
	ml = map_load_data(doc->str, (gssize)doc->len, &error);
	ck_assert_msg(ml, "%s", error ? error->message : "");
	dump = show_all(ml);
	ck_assert_msg(strstr(dump, ": a\tb\001c\177\n"), "%s", dump);
	map_load_free(ml);
}
END_TEST

START_TEST(address_space_name_with_newline_is_refused)
{
	static const char doc[] =
		"{\"format\":\"qemu-mtree-tree/1\",\"regions\":[],"
		"\"address_spaces\":[{\"name\":\"a\\nb\",\"root\":0}]}";
	g_autoptr(GError) error = NULL;

	ck_assert_ptr_null(map_load_data(doc, -1, &error));
	assert_error(error, MAP_LOAD_ERROR_SCHEMA,
		     "address_spaces[0]: field \"name\" contains a line "
		     "break");
}
END_TEST

/* The pre-scan's cuts: separators and values of the regions array. */
static const struct {
	const char *regions;
	const char *message;
} cut_cases[] = {
	{ "[R R]", "expected ',' or ']' after regions[0]" },
	{ "[R,]", "a value is missing in \"regions\"" },
	{ "[,R]", "a value is missing in \"regions\"" },
	{ "[R", "unexpected end of file" },
	{ "[5 6]", "invalid JSON in regions[0]" },
};

START_TEST(regions_array_cuts_are_checked)
{
	g_autoptr(GString) region = g_string_new(NULL);
	g_autoptr(GString) doc = g_string_new(
		"{\"format\":\"qemu-mtree-tree/1\",\"address_spaces\":[],"
		"\"regions\":");
	g_autoptr(GError) error = NULL;

	add_region(region, 0, "ram", "ram", true, "0x1000", -1, -1, -1);
	for (const char *p = cut_cases[_i].regions; *p; p++) {
		if (*p == 'R') {
			g_string_append(doc, region->str);
		} else {
			g_string_append_c(doc, *p);
		}
	}
	ck_assert_ptr_null(map_load_data(doc->str, (gssize)doc->len, &error));
	assert_error(error, MAP_LOAD_ERROR_PARSE, cut_cases[_i].message);
}
END_TEST

/* A "regions" key written with an escape is not cut out by the pre-scan;
 * json-glib parses it whole and the result is the same. */
START_TEST(escaped_regions_key_loads)
{
	g_autoptr(GString) doc = g_string_new(
		"{\"format\":\"qemu-mtree-tree/1\","
		"\"address_spaces\":[{\"name\":\"memory\",\"root\":0}],"
		"\"regi\\u006fns\":[");
	g_autoptr(GError) error = NULL;
	struct map_load *ml;

	add_region(doc, 0, "ram", "ram", true, "0x1000", -1, -1, -1);
	g_string_append(doc, "]}");
	ml = map_load_data(doc->str, (gssize)doc->len, &error);
	ck_assert_msg(ml, "%s", error ? error->message : "");
	assert_one_ram_range(ml);
	map_load_free(ml);
}
END_TEST

START_TEST(duplicate_regions_key_is_refused)
{
	static const char doc[] = "{\"format\":\"qemu-mtree-tree/1\","
				  "\"regions\":[],\"address_spaces\":[],"
				  "\"regions\":[]}";
	g_autoptr(GError) error = NULL;

	ck_assert_ptr_null(map_load_data(doc, -1, &error));
	assert_error(error, MAP_LOAD_ERROR_PARSE,
		     "duplicate field \"regions\"");
}
END_TEST

/* Every dump that a loaded map prints. */
static char *
show_all(struct map_load *ml)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(memspace_show(ml->ms, out,
				       MEMSPACE_SHOW_DISABLED |
					       MEMSPACE_SHOW_OWNERS),
			 0);
	ck_assert_int_eq(memspace_show(ml->ms, out, MEMSPACE_SHOW_FLAT), 0);
	fclose(out);
	return text;
}

/*
 * The quick path and json-glib agree: each sample loads to the same dumps
 * whether its regions are in the plain form (quick path) or each carries an
 * extra field that the quick path declines (json-glib path).
 */
START_TEST(quick_path_matches_json_glib_on_every_sample)
{
	g_autoptr(GPtrArray) dirs = test_sample_dirs();

	ck_assert_uint_gt(dirs->len, 0);
	for (guint i = 0; i < dirs->len; i++) {
		g_autofree char *path =
			g_build_filename(dirs->pdata[i], "tree.json", NULL);
		g_autofree char *text = NULL;
		g_autofree char *slow_text = NULL;
		g_autofree char *quick = NULL, *slow = NULL;
		g_autoptr(GError) error = NULL;
		gsize len;
		struct map_load *ml;
		g_auto(GStrv) parts = NULL;

		ck_assert(g_file_get_contents(path, &text, &len, NULL));
		ml = map_load_data(text, (gssize)len, &error);
		ck_assert_msg(ml, "%s: %s", path, error->message);
		quick = show_all(ml);
		map_load_free(ml);

		/* Every region object starts with its "id" field. */
		parts = g_strsplit(text, "\"id\":", -1);
		slow_text = g_strjoinv("\"x\":[[0]],\"id\":", parts);
		ml = map_load_data(slow_text, -1, &error);
		ck_assert_msg(ml, "%s (slow): %s", path, error->message);
		slow = show_all(ml);
		map_load_free(ml);
		ck_assert_msg(strcmp(quick, slow) == 0, "%s: dumps differ",
			      path);
	}
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("map-hostile");
	TCase *tc = tcase_create("map-hostile:deep");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, json_nested_100k_deep_is_refused, 0, 2);
	tcase_add_test(tc, json_nested_in_a_region_is_refused);
	tcase_add_test(tc, json_nested_to_the_limit_is_parsed);
	tcase_add_loop_test(tc, deep_documents_are_checked_without_recursion, 0,
			    2);
	tcase_add_test(tc, tree_deep_loads);
	tcase_add_test(tc, alias_chain_long_loads);
	suite_add_tcase(s, tc);

	tc = tcase_create("map-hostile:endless");
	tcase_add_test(tc, dev_zero_is_refused_at_once);
	tcase_add_test(tc, dev_urandom_is_refused);
	tcase_add_test(tc, endless_fifo_stops_at_the_limit);
	tcase_add_test(tc, file_at_the_limit_loads);
	suite_add_tcase(s, tc);

	tc = tcase_create("map-hostile:text");
	tcase_add_loop_test(tc, control_characters_give_one_line, 0,
			    G_N_ELEMENTS(control_cases));
	tcase_add_test(tc, names_with_tabs_and_other_controls_load);
	tcase_add_test(tc, address_space_name_with_newline_is_refused);
	tcase_add_loop_test(tc, regions_array_cuts_are_checked, 0,
			    G_N_ELEMENTS(cut_cases));
	tcase_add_test(tc, escaped_regions_key_loads);
	tcase_add_test(tc, duplicate_regions_key_is_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("map-hostile:paths");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, quick_path_matches_json_glib_on_every_sample);
	suite_add_tcase(s, tc);
	return test_run_suite(s);
}
