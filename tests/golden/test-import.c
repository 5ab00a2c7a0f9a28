/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `memspace import` on every QEMU sample, in each text form (-o -D, -D,
 * plain): with the flat dump, `show --flat` of the imported map equals
 * QEMU's `info mtree -f` and the tree prints as the input did; the hidden
 * attributes are inferred and listed; malformed input fails with
 * `memspace: FILE:LINE: problem`.  The tool's path is the first argument.
 */
#include <stdio.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "golden-compare.h"
#include "test-common.h"
#include "tool-run.h"

static char *
sample_file(const char *dir, const char *name)
{
	return g_build_filename(dir, name, NULL);
}

static char *
read_file(const char *path)
{
	char *text = NULL;

	ck_assert_msg(g_file_get_contents(path, &text, NULL, NULL),
		      "cannot read %s", path);
	return text;
}

/* `show FLAGS MAP` of @map compared with @expected_path. */
static void
assert_show(const char *map, const char *flags, const char *expected_path,
	    enum golden_mode mode)
{
	struct test_run r = flags ? TOOL_RUN("show", flags, map) :
				    TOOL_RUN("show", map);
	g_autofree char *expected = read_file(expected_path);
	g_autofree char *why = NULL;

	ck_assert_msg(r.status == 0, "show %s %s: %s", flags ? flags : "",
		      map, r.err);
	why = golden_compare(expected, r.out, mode);
	ck_assert_msg(!why, "%s: show %s differs: %s", expected_path,
		      flags ? flags : "", why);
	test_run_clear(&r);
}

/* Import @form of sample @dir with its flat dump into a file. */
static char *
import_sample(const char *dir, const char *form, bool with_flat)
{
	g_autofree char *tree = sample_file(dir, form);
	g_autofree char *flat = sample_file(dir, "mtree-f.txt");
	g_autofree char *base = g_path_get_basename(dir);
	g_autofree char *name = g_strdup_printf("%s-%s%s.json", base, form,
						with_flat ? "" : "-noflat");
	struct test_run r = with_flat ?
				    TOOL_RUN("import", "--flat", flat, tree) :
				    TOOL_RUN("import", tree);
	char *path;

	ck_assert_msg(r.status == 0, "import %s: %s", tree, r.err);
	ck_assert_msg(strcmp(r.err, "") == 0, "import %s: stderr: %s", tree,
		      r.err);
	path = tool_run_file(name, r.out);
	test_run_clear(&r);
	return path;
}

static JsonObject *
load_doc(JsonParser *parser, const char *path)
{
	g_autoptr(GError) error = NULL;

	ck_assert_msg(json_parser_load_from_file(parser, path, &error), "%s",
		      error ? error->message : "?");
	return json_node_get_object(json_parser_get_root(parser));
}

START_TEST(import_samples_reproduce_qemu)
{
	g_autoptr(GPtrArray) dirs = test_sample_dirs();
	static const char *const forms[] = { "mtree-o.txt", "mtree-D.txt",
					     "mtree.txt" };

	ck_assert_uint_gt(dirs->len, 0);
	for (guint i = 0; i < dirs->len; i++) {
		const char *dir = dirs->pdata[i];

		for (size_t f = 0; f < G_N_ELEMENTS(forms); f++) {
			g_autofree char *tree = sample_file(dir, forms[f]);
			g_autofree char *flat = sample_file(dir, "mtree-f.txt");
			g_autofree char *map = NULL;
			g_autoptr(JsonParser) parser = json_parser_new();
			JsonObject *source;

			if (!g_file_test(tree, G_FILE_TEST_EXISTS)) {
				continue;
			}
			map = import_sample(dir, forms[f], true);
			source = json_object_get_object_member(
				load_doc(parser, map), "source");
			ck_assert_msg(json_object_get_boolean_member(
					      source, "reproduces_flat_view"),
				      "%s", tree);
			assert_show(map, "--flat", flat, GOLDEN_FLAT);
			if (f == 0) {
				g_autofree char *o =
					sample_file(dir, "mtree-o.txt");

				assert_show(map, "-Do", o, GOLDEN_TREE);
			}
			if (f <= 1) {
				g_autofree char *d =
					sample_file(dir, "mtree-D.txt");

				assert_show(map, "-D", d, GOLDEN_TREE);
			}
		}
	}
}
END_TEST

/* Without the flat dump the tree still round-trips. */
START_TEST(import_without_flat_keeps_tree)
{
	g_autoptr(GPtrArray) dirs = test_sample_dirs();

	for (guint i = 0; i < dirs->len; i++) {
		g_autofree char *map =
			import_sample(dirs->pdata[i], "mtree-o.txt", false);
		g_autofree char *o = sample_file(dirs->pdata[i], "mtree-o.txt");

		assert_show(map, "-Do", o, GOLDEN_TREE);
	}
}
END_TEST

/* The region of @doc named @name at index @nth among equals. */
static JsonObject *
find_region(JsonObject *doc, const char *name, guint nth)
{
	JsonArray *regions = json_object_get_array_member(doc, "regions");

	for (guint i = 0; i < json_array_get_length(regions); i++) {
		JsonObject *r = json_array_get_object_element(regions, i);

		if (strcmp(json_object_get_string_member(r, "name"), name) ==
			    0 &&
		    nth-- == 0) {
			return r;
		}
	}
	ck_abort_msg("no region %s", name);
	return NULL;
}

static bool
has_inferred(JsonObject *r, const char *what)
{
	JsonArray *a;

	if (!json_object_has_member(r, "inferred")) {
		return false;
	}
	a = json_object_get_array_member(r, "inferred");
	for (guint i = 0; i < json_array_get_length(a); i++) {
		if (strcmp(json_array_get_string_element(a, i), what) == 0) {
			return true;
		}
	}
	return false;
}

/* FORMAT.md's hidden attributes, on the booted q35 with root ports. */
START_TEST(import_infers_hidden_attributes)
{
	g_autofree char *dir =
		test_sample_path("x86-q35-pcie-ports-booted", "");
	g_autofree char *map = import_sample(dir, "mtree-o.txt", true);
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *doc = load_doc(parser, map);
	JsonObject *io = find_region(doc, "io", 0);
	JsonObject *flash = find_region(doc, "e1000e-flash", 0);
	JsonObject *vmport = find_region(doc, "vmport", 0);
	guint rom_aliases = 0;
	JsonArray *regions = json_object_get_array_member(doc, "regions");

	/* `io` terminates although it has subregions. */
	ck_assert(json_object_get_boolean_member(io, "terminates"));
	ck_assert(has_inferred(io, "terminates"));
	/* An enabled I/O leaf that renders nothing is an empty container. */
	ck_assert(!json_object_get_boolean_member(flash, "terminates"));
	ck_assert(has_inferred(flash, "terminates"));
	/* A 1-byte device stays 1 byte, marked ambiguous. */
	ck_assert_str_eq(json_object_get_string_member(vmport, "size"), "0x1");
	ck_assert(json_object_get_boolean_member(vmport, "size_ambiguous"));
	ck_assert(!has_inferred(vmport, "size"));
	/* SeaBIOS locked the shadow BIOS: pam-rom aliases are read-only. */
	for (guint i = 0; i < json_array_get_length(regions); i++) {
		JsonObject *r = json_array_get_object_element(regions, i);

		if (strcmp(json_object_get_string_member(r, "name"),
			   "pam-rom") == 0 &&
		    json_object_get_boolean_member(r, "enabled")) {
			ck_assert(json_object_get_boolean_member(r,
								 "readonly"));
			ck_assert(has_inferred(r, "readonly"));
			rom_aliases++;
		}
	}
	ck_assert_uint_gt(rom_aliases, 0);
}
END_TEST

/* A one-line error "memspace: PATH:LINE: ..." containing @what, status 1. */
static void
assert_import_error(const char *name, const char *text, const char *flat,
		    unsigned line, const char *what)
{
	g_autofree char *path = tool_run_file(name, text);
	g_autofree char *flat_path =
		flat ? tool_run_file("flat.txt", flat) : NULL;
	struct test_run r = flat ? TOOL_RUN("import", "--flat", flat_path, path) :
				   TOOL_RUN("import", path);
	g_autofree char *prefix = g_strdup_printf(
		"memspace: %s:%u: ", flat ? flat_path : path, line);

	ck_assert_int_eq(r.status, 1);
	ck_assert_str_eq(r.out, "");
	ck_assert_msg(g_str_has_prefix(r.err, prefix), "stderr: %s", r.err);
	ck_assert_msg(strstr(r.err, what), "stderr: %s", r.err);
	ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1,
		      "not one line: %s", r.err);
	test_run_clear(&r);
}

#define AS_HEAD "address-space: memory\n"
#define ROOT "  0000000000000000-ffffffffffffffff (prio 0, i/o): system\n"

START_TEST(import_malformed_input_fails)
{
	assert_import_error("garbage.txt", AS_HEAD ROOT "    hello\n", NULL, 3,
			    "not a region line");
	assert_import_error("nohead.txt", ROOT, NULL, 1, "outside a block");
	assert_import_error(
		"jump.txt",
		AS_HEAD ROOT
		"    0000000000000000-0000000000000fff (prio 0, i/o): a "
		"[disabled]\n"
		"        0000000000000000-00000000000000ff (prio 0, i/o): b\n",
		NULL, 4, "indentation jumps");
	assert_import_error(
		"alias.txt",
		AS_HEAD ROOT
		"    0000000000000000-0000000000000fff (prio 0, ram): alias a "
		"@nowhere 0000000000000000-0000000000000fff\n",
		NULL, 3, "alias target \"nowhere\"");
	assert_import_error(
		"window.txt",
		AS_HEAD ROOT
		"    0000000000000000-0000000000000fff (prio 0, ram): alias a "
		"@t 0000000000000000-0000000000000ffe\n",
		NULL, 3, "malformed alias");
	assert_import_error("tworoots.txt", AS_HEAD ROOT ROOT, NULL, 3,
			    "second root");
	assert_import_error("prio.txt",
			    AS_HEAD "  0000000000000000-ffffffffffffffff "
				    "(prio x, i/o): system\n",
			    NULL, 2, "not a region line");
	assert_import_error("empty.txt", "", NULL, 1, "no address-space");
	assert_import_error("flatbad.txt", AS_HEAD ROOT,
			    "FlatView #0\n AS \"memory\", root: system\n"
			    " Root memory region: system\n  nonsense\n",
			    4, "not a flat range line");
	assert_import_error("flatnohead.txt", AS_HEAD ROOT,
			    "  0000000000000000-0000000000000fff (prio 0, "
			    "ram): r\n",
			    1, "expected \"FlatView #N\"");
}
END_TEST

START_TEST(import_usage_errors)
{
	struct test_run r = TOOL_RUN("import");

	ck_assert_int_eq(r.status, 2);
	test_run_clear(&r);
	r = TOOL_RUN("import", "--bogus", "x");
	ck_assert_int_eq(r.status, 2);
	test_run_clear(&r);
	r = TOOL_RUN("import", "/nonexistent/mtree.txt");
	ck_assert_int_eq(r.status, 1);
	ck_assert(g_str_has_prefix(r.err,
				   "memspace: /nonexistent/mtree.txt: "));
	test_run_clear(&r);
}
END_TEST

static Suite *
import_suite(void)
{
	Suite *s = suite_create("import");
	TCase *tc = tcase_create("import");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, import_samples_reproduce_qemu);
	tcase_add_test(tc, import_without_flat_keeps_tree);
	tcase_add_test(tc, import_infers_hidden_attributes);
	tcase_add_test(tc, import_malformed_input_fails);
	tcase_add_test(tc, import_usage_errors);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	return tool_run_main(argc, argv, import_suite);
}
