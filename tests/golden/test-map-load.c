/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The map loader: what a valid qemu-mtree-tree/1 document builds, and the
 * one-line message each kind of broken document gets.
 */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "map-load.h"
#include "test-common.h"

/*
 * A small valid map: system (container) holds ram at 0 and, at 0x10000
 * with priority 1, win, an alias of the second half of the unmapped ROM
 * bios.  Cases below edit it by string substitution.
 */
static const char base_doc[] =
	"{\"format\":\"qemu-mtree-tree/1\",\n"
	"\"address_spaces\":[{\"name\":\"memory\",\"root\":0}],\n"
	"\"regions\":[\n"
	"{\"id\":0,\"name\":\"system\",\"type\":\"i/o\",\"addr\":\"0x0\","
	"\"size\":\"0x10000000000000000\",\"priority\":0,\"enabled\":true,"
	"\"terminates\":false,\"readonly\":false,\"nonvolatile\":false,"
	"\"romd_mode\":false,\"parent\":null,\"children\":[2,1]},\n"
	"{\"id\":1,\"name\":\"ram\",\"type\":\"ram\",\"addr\":\"0x0\","
	"\"size\":\"0x1000\",\"priority\":0,\"enabled\":true,"
	"\"terminates\":true,\"readonly\":false,\"nonvolatile\":false,"
	"\"romd_mode\":false,\"parent\":0,\"children\":[]},\n"
	"{\"id\":2,\"name\":\"win\",\"type\":\"rom\",\"addr\":\"0x10000\","
	"\"size\":\"0x800\",\"priority\":1,\"enabled\":true,"
	"\"terminates\":false,\"readonly\":false,\"nonvolatile\":false,"
	"\"romd_mode\":false,\"parent\":0,\"children\":[],"
	"\"alias\":{\"target\":3,\"target_name\":\"bios\","
	"\"offset\":\"0x800\"},"
	"\"owner\":\"owner:{dev id=win}\"},\n"
	"{\"id\":3,\"name\":\"bios\",\"type\":\"rom\",\"addr\":\"0x0\","
	"\"size\":\"0x1000\",\"priority\":0,\"enabled\":true,"
	"\"terminates\":true,\"readonly\":true,\"nonvolatile\":false,"
	"\"romd_mode\":false,\"parent\":null,\"children\":[]}\n"
	"]}\n";

/* Unique pieces of base_doc. */
#define RAM_HEAD "\"name\":\"ram\",\"type\":\"ram\",\"addr\":\"0x0\","
#define RAM_SIZE RAM_HEAD "\"size\":\"0x1000\""
#define RAM_TERM RAM_SIZE ",\"priority\":0,\"enabled\":true,\"terminates\":true"
#define RAM_TAIL "\"parent\":0,\"children\":[]}"
#define BIOS_TAIL "\"parent\":null,\"children\":[]}"
#define SYS_KIDS "\"children\":[2,1]"
#define WIN_KIDS "\"children\":[],\"alias\""

/* A document edited from base_doc (up to two substitutions), or raw text. */
struct bad_doc {
	const char *from, *to;
	const char *from2, *to2;
	const char *raw;
	enum map_load_error code;
	const char *message;
};

static const struct bad_doc bad_docs[] = {
	{ .raw = "{\"format\":",
	  .code = MAP_LOAD_ERROR_PARSE,
	  .message =
		  "invalid JSON: 1:10: Parse error: unexpected end of file" },
	{ .raw = "",
	  .code = MAP_LOAD_ERROR_SCHEMA,
	  .message = "the document is not a JSON object" },
	{ .raw = "[]",
	  .code = MAP_LOAD_ERROR_SCHEMA,
	  .message = "the document is not a JSON object" },
	{ "qemu-mtree-tree/1", "qemu-mtree-tree/2",
	  .code = MAP_LOAD_ERROR_SCHEMA,
	  .message = "unsupported format \"qemu-mtree-tree/2\" "
		     "(expected \"qemu-mtree-tree/1\")" },
	{ .raw = "{\"format\":\"qemu-mtree-tree/1\",\"regions\":{},"
		 "\"address_spaces\":[]}",
	  .code = MAP_LOAD_ERROR_SCHEMA,
	  .message = "document: field \"regions\" must be an array" },
	{ .raw = "{\"format\":\"qemu-mtree-tree/1\",\"regions\":[5],"
		 "\"address_spaces\":[]}",
	  .code = MAP_LOAD_ERROR_SCHEMA,
	  .message = "regions[0]: must be an object" },
	{ RAM_SIZE, RAM_HEAD "\"sizes\":\"0x1000\"",
	  .code = MAP_LOAD_ERROR_SCHEMA,
	  .message = "regions[1]: missing field \"size\"" },
	{ "\"name\":\"ram\"", "\"name\":7", .code = MAP_LOAD_ERROR_SCHEMA,
	  .message = "regions[1]: field \"name\" must be a string" },
	{ "\"readonly\":true", "\"readonly\":\"yes\"",
	  .code = MAP_LOAD_ERROR_SCHEMA,
	  .message = "regions[3]: field \"readonly\" must be true or false" },
	{ "\"priority\":1", "\"priority\":1.5", .code = MAP_LOAD_ERROR_SCHEMA,
	  .message = "regions[2]: field \"priority\" must be an integer" },
	{ "\"type\":\"ram\"", "\"type\":\"flash\"",
	  .code = MAP_LOAD_ERROR_SCHEMA,
	  .message = "regions[1]: unknown type \"flash\"" },
	{ "\"size\":\"0x800\"", "\"size\":\"800\"",
	  .code = MAP_LOAD_ERROR_SCHEMA,
	  .message = "regions[2]: field \"size\" must be a hex string "
		     "(\"0x...\") or a non-negative integer" },
	{ "\"size\":\"0x800\"", "\"size\":\"0x8g0\"",
	  .code = MAP_LOAD_ERROR_SCHEMA,
	  .message = "regions[2]: field \"size\" must be a hex string" },
	{ "\"size\":\"0x800\"", "\"size\":\"0x10000000000000001\"",
	  .code = MAP_LOAD_ERROR_RANGE,
	  .message = "regions[2]: field \"size\" is out of range "
		     "(more than 2^64)" },
	{ "\"size\":\"0x800\"", "\"size\":\"0xffffffffffffffff\"",
	  .code = MAP_LOAD_ERROR_RANGE,
	  .message = "regions[2]: field \"size\" is out of range "
		     "(2^64 - 1 cannot be expressed)" },
	{ "\"addr\":\"0x10000\"", "\"addr\":\"0x10000000000000000\"",
	  .code = MAP_LOAD_ERROR_RANGE,
	  .message = "regions[2]: field \"addr\" is out of range "
		     "(2^64 or more)" },
	{ "\"addr\":\"0x10000\"", "\"addr\":-16", .code = MAP_LOAD_ERROR_RANGE,
	  .message = "regions[2]: field \"addr\" is negative" },
	{ "\"offset\":\"0x800\"", "\"offset\":\"0x1ffffffffffffffff\"",
	  .code = MAP_LOAD_ERROR_RANGE,
	  .message = "region 2: alias: field \"offset\" is out of range" },
	{ "\"priority\":1", "\"priority\":2147483648",
	  .code = MAP_LOAD_ERROR_RANGE,
	  .message = "regions[2]: field \"priority\" is out of range "
		     "(2147483648)" },
	{ "\"priority\":1", "\"priority\":-2147483649",
	  .code = MAP_LOAD_ERROR_RANGE,
	  .message = "regions[2]: field \"priority\" is out of range "
		     "(-2147483649)" },
	{ "\"id\":3,", "\"id\":1,", .code = MAP_LOAD_ERROR_LINK,
	  .message = "regions[3]: duplicate region id 1" },
	{ "\"id\":3,", "\"id\":-3,", .code = MAP_LOAD_ERROR_RANGE,
	  .message = "regions[3]: field \"id\" is out of range (-3)" },
	{ SYS_KIDS, "\"children\":[2,1,9]", .code = MAP_LOAD_ERROR_LINK,
	  .message = "region 0: field \"children\" names region 9, "
		     "which does not exist" },
	{ "\"target\":3", "\"target\":42", .code = MAP_LOAD_ERROR_LINK,
	  .message = "region 2: alias: field \"target\" names region 42, "
		     "which does not exist" },
	{ RAM_TAIL, "\"parent\":8,\"children\":[]}",
	  .code = MAP_LOAD_ERROR_LINK,
	  .message = "region 1: field \"parent\" names region 8, "
		     "which does not exist" },
	{ "\"root\":0", "\"root\":7", .code = MAP_LOAD_ERROR_LINK,
	  .message = "address_spaces[0]: field \"root\" names region 7, "
		     "which does not exist" },
	{ "\"root\":0", "\"rout\":0", .code = MAP_LOAD_ERROR_SCHEMA,
	  .message = "address_spaces[0]: missing field \"root\"" },
	{ BIOS_TAIL, "\"parent\":null,\"children\":[1]}",
	  .code = MAP_LOAD_ERROR_LINK,
	  .message = "region 1 is listed as a child of region 0 and of "
		     "region 3" },
	{ SYS_KIDS, "\"children\":[2,1,1]", .code = MAP_LOAD_ERROR_LINK,
	  .message = "region 1 is listed twice as a child of region 0" },
	{ SYS_KIDS, "\"children\":[2,1,3]", .code = MAP_LOAD_ERROR_LINK,
	  .message = "region 3 is listed as a child of region 0 but does not "
		     "name it as its parent" },
	{ SYS_KIDS, "\"children\":[2]", .code = MAP_LOAD_ERROR_LINK,
	  .message = "region 1 names region 0 as its parent, which does not "
		     "list it" },
	{ "\"parent\":null,\"children\":[2,1]",
	  "\"parent\":1,\"children\":[2,1]", RAM_TAIL,
	  "\"parent\":0,\"children\":[0]}", .code = MAP_LOAD_ERROR_LINK,
	  .message = "region 0 is its own ancestor (containment cycle)" },
	{ BIOS_TAIL,
	  "\"parent\":null,\"children\":[],"
	  "\"alias\":{\"target\":2,\"offset\":\"0x0\"}}",
	  .code = MAP_LOAD_ERROR_LINK,
	  .message = "region 2 is part of an alias cycle" },
	{ "\"target\":3", "\"target\":2", .code = MAP_LOAD_ERROR_LINK,
	  .message = "region 2 is part of an alias cycle" },
	{ WIN_KIDS, "\"children\":[3],\"alias\"", BIOS_TAIL,
	  "\"parent\":2,\"children\":[]}", .code = MAP_LOAD_ERROR_LINK,
	  .message = "region 2 is an alias and cannot have children" },
	{ RAM_TERM,
	  RAM_SIZE ",\"priority\":0,\"enabled\":true,"
		   "\"terminates\":false",
	  .code = MAP_LOAD_ERROR_SCHEMA,
	  .message = "region 1: a region of type \"ram\" must terminate" },
	{ RAM_SIZE, RAM_HEAD "\"size\":\"0x10000000000000000\"",
	  .code = MAP_LOAD_ERROR_BUILD,
	  .message =
		  "region 1: a region of type \"ram\" cannot be 2^64 bytes" },
	{ "\"target\":3", "\"target\":0", "\"addr\":\"0x10000\"",
	  "\"addr\":\"0x800\"", .code = MAP_LOAD_ERROR_BUILD,
	  .message = "region 0: cannot map region 2: an alias would show "
		     "itself, so rendering would never end" },
};

/* Apply one substitution, which must hit exactly once. */
static char *
edit(const char *doc, const char *from, const char *to)
{
	const char *hit = strstr(doc, from);

	ck_assert_msg(hit, "fixture error: \"%s\" not in the document", from);
	ck_assert_msg(!strstr(hit + 1, from),
		      "fixture error: \"%s\" is not unique", from);
	return g_strdup_printf("%.*s%s%s", (int)(hit - doc), doc, to,
			       hit + strlen(from));
}

static char *
bad_doc_text(const struct bad_doc *bad)
{
	g_autofree char *once = NULL;

	if (bad->raw) {
		return g_strdup(bad->raw);
	}
	once = edit(base_doc, bad->from, bad->to);
	return bad->from2 ? edit(once, bad->from2, bad->to2) :
			    g_steal_pointer(&once);
}

START_TEST(load_broken_document_reports_one_line)
{
	const struct bad_doc *bad = &bad_docs[_i];
	g_autofree char *doc = bad_doc_text(bad);
	g_autoptr(GError) error = NULL;
	struct map_load *ml = map_load_data(doc, -1, &error);

	ck_assert_msg(!ml, "case %d loaded", _i);
	ck_assert_ptr_nonnull(error);
	ck_assert_msg(g_str_has_prefix(error->message, bad->message),
		      "case %d: got \"%s\", want \"%s...\"", _i, error->message,
		      bad->message);
	ck_assert_ptr_null(strchr(error->message, '\n'));
	ck_assert_int_eq(error->domain, MAP_LOAD_ERROR);
	ck_assert_int_eq(error->code, bad->code);
}
END_TEST

static struct map_load *
load_ok(const char *doc)
{
	g_autoptr(GError) error = NULL;
	struct map_load *ml = map_load_data(doc, -1, &error);

	ck_assert_msg(ml, "load failed: %s", error ? error->message : "?");
	return ml;
}

START_TEST(load_base_document_builds_map)
{
	static const struct expect_range view[] = {
		{ 0x0, 0xfff, "ram", 0, false },
		{ 0x10000, 0x107ff, "bios", 0x800, true },
	};
	struct map_load *ml = load_ok(base_doc);
	struct memspace_region *win = ml->regions->pdata[2];

	ck_assert_uint_eq(ml->addrspaces->len, 1);
	ck_assert_uint_eq(ml->regions->len, 4);
	test_assert_view_ro(ml->addrspaces->pdata[0], view);
	ck_assert_str_eq(memspace_region_get_name(win), "win");
	ck_assert_int_eq(memspace_region_get_kind(win), MEMSPACE_REGION_ALIAS);
	ck_assert_int_eq(memspace_region_get_priority(win), 1);
	ck_assert_uint_eq(memspace_region_get_alias_offset(win), 0x800);
	ck_assert_str_eq(memspace_region_get_owner(win), "owner:{dev id=win}");
	ck_assert_uint_eq(memspace_region_get_size(ml->regions->pdata[0]),
			  MEMSPACE_SIZE_2_64);
	map_load_free(ml);
}
END_TEST

/* An unmapped region keeps the address it was printed with; aliases of it
 * ignore that address, as in QEMU. */
START_TEST(load_sets_root_address)
{
	static const struct expect_range view[] = {
		{ 0x0, 0xfff, "ram", 0, false },
		{ 0x10000, 0x107ff, "bios", 0x800, true },
	};
	g_autofree char *doc = edit(
		base_doc, "\"name\":\"bios\",\"type\":\"rom\",\"addr\":\"0x0\"",
		"\"name\":\"bios\",\"type\":\"rom\",\"addr\":\"0x4000\"");
	struct map_load *ml = load_ok(doc);

	ck_assert_uint_eq(memspace_region_get_address(ml->regions->pdata[3]),
			  0x4000);
	test_assert_view_ro(ml->addrspaces->pdata[0], view);
	map_load_free(ml);
}
END_TEST

/* QEMU clips alias windows that run past 2^64 when rendering. */
START_TEST(load_accepts_alias_window_past_2_64)
{
	static const struct expect_range view[] = {
		{ 0x0, 0xfff, "ram", 0, false },
		{ 0x10000, 0x107ff, "bios", 0x800, true },
	};
	g_autofree char *doc = edit(base_doc, "\"size\":\"0x800\"",
				    "\"size\":\"0x10000000000000000\"");
	struct map_load *ml = load_ok(doc);

	test_assert_view_ro(ml->addrspaces->pdata[0], view);
	map_load_free(ml);
}
END_TEST

/*
 * Arm SSE-200 (mps2-an505, mps2-an521, musca): the CPU container maps an
 * alias of itself at 0x5000_0000, showing its own 0x4000_0000 window.
 */
static const char sse_doc[] =
	"{\"format\":\"qemu-mtree-tree/1\",\n"
	"\"address_spaces\":[{\"name\":\"cpu-memory-0\",\"root\":0}],\n"
	"\"regions\":[\n"
	"{\"id\":0,\"name\":\"arm-sse-cpu-container0\",\"type\":\"i/o\","
	"\"addr\":\"0x0\",\"size\":\"0x10000000000000000\",\"priority\":0,"
	"\"enabled\":true,\"terminates\":false,\"readonly\":false,"
	"\"nonvolatile\":false,\"romd_mode\":false,\"parent\":null,"
	"\"children\":[2,1]},\n"
	"{\"id\":1,\"name\":\"tz-ppc\",\"type\":\"i/o\",\"addr\":\"0x40000000\","
	"\"size\":\"0x1000\",\"priority\":0,\"enabled\":true,"
	"\"terminates\":true,\"readonly\":false,\"nonvolatile\":false,"
	"\"romd_mode\":false,\"parent\":0,\"children\":[]},\n"
	"{\"id\":2,\"name\":\"alias 0\",\"type\":\"i/o\","
	"\"addr\":\"0x50000000\",\"size\":\"0x10000000\",\"priority\":0,"
	"\"enabled\":true,\"terminates\":false,\"readonly\":false,"
	"\"nonvolatile\":false,\"romd_mode\":false,\"parent\":0,"
	"\"children\":[],\"alias\":{\"target\":0,"
	"\"target_name\":\"arm-sse-cpu-container0\","
	"\"offset\":\"0x40000000\"}}\n"
	"]}\n";

START_TEST(load_accepts_alias_of_its_own_container)
{
	static const struct expect_range view[] = {
		{ 0x40000000, 0x40000fff, "tz-ppc", 0, false },
		{ 0x50000000, 0x50000fff, "tz-ppc", 0, false },
	};
	struct map_load *ml = load_ok(sse_doc);

	test_assert_view_ro(ml->addrspaces->pdata[0], view);
	map_load_free(ml);
}
END_TEST

START_TEST(load_accepts_integers_and_negative_priority)
{
	g_autofree char *a =
		edit(base_doc, "\"size\":\"0x800\"", "\"size\":2048");
	g_autofree char *doc = edit(a, "\"priority\":1", "\"priority\":-5");
	struct map_load *ml = load_ok(doc);
	struct memspace_region *win = ml->regions->pdata[2];

	ck_assert_uint_eq(memspace_region_get_size(win), 2048);
	ck_assert_int_eq(memspace_region_get_priority(win), -5);
	map_load_free(ml);
}
END_TEST

static const char kinds_doc[] =
	"{\"format\":\"qemu-mtree-tree/1\",\n"
	"\"address_spaces\":[{\"name\":\"as\",\"root\":0}],\n"
	"\"regions\":[\n"
	"{\"id\":0,\"name\":\"root\",\"type\":\"i/o\",\"addr\":\"0x0\","
	"\"size\":\"0x100000\",\"priority\":0,\"enabled\":true,"
	"\"terminates\":false,\"readonly\":false,\"nonvolatile\":false,"
	"\"romd_mode\":false,\"parent\":null,\"children\":[1,2,3,4,5],"
	"\"owner\":\"orphan\"},\n"
	"{\"id\":1,\"name\":\"flash\",\"type\":\"romd\",\"addr\":\"0x0\","
	"\"size\":\"0x1000\",\"priority\":0,\"enabled\":true,"
	"\"terminates\":true,\"readonly\":false,\"nonvolatile\":false,"
	"\"romd_mode\":true,\"parent\":0,\"children\":[]},\n"
	"{\"id\":2,\"name\":\"bar\",\"type\":\"ramd\",\"addr\":\"0x1000\","
	"\"size\":\"0x1000\",\"priority\":0,\"enabled\":true,"
	"\"terminates\":true,\"readonly\":false,\"nonvolatile\":false,"
	"\"romd_mode\":false,\"parent\":0,\"children\":[]},\n"
	"{\"id\":3,\"name\":\"mmio\",\"type\":\"i/o\",\"addr\":\"0x2000\","
	"\"size\":\"0x1000\",\"priority\":0,\"enabled\":true,"
	"\"terminates\":true,\"readonly\":false,\"nonvolatile\":true,"
	"\"romd_mode\":false,\"parent\":0,\"children\":[]},\n"
	/* Two equal-priority overlapping children: the first listed wins. */
	"{\"id\":4,\"name\":\"first\",\"type\":\"i/o\",\"addr\":\"0x3000\","
	"\"size\":\"0x1000\",\"priority\":0,\"enabled\":true,"
	"\"terminates\":true,\"readonly\":false,\"nonvolatile\":false,"
	"\"romd_mode\":false,\"parent\":0,\"children\":[]},\n"
	"{\"id\":5,\"name\":\"second\",\"type\":\"i/o\",\"addr\":\"0x3800\","
	"\"size\":\"0x1000\",\"priority\":0,\"enabled\":false,"
	"\"terminates\":true,\"readonly\":false,\"nonvolatile\":false,"
	"\"romd_mode\":false,\"parent\":0,\"children\":[]}\n"
	"]}\n";

START_TEST(load_maps_each_type_to_its_kind)
{
	struct map_load *ml = load_ok(kinds_doc);
	struct memspace_region **r =
		(struct memspace_region **)ml->regions->pdata;

	ck_assert_int_eq(memspace_region_get_kind(r[0]),
			 MEMSPACE_REGION_CONTAINER);
	ck_assert_ptr_null(memspace_region_get_owner(r[0]));
	ck_assert_int_eq(memspace_region_get_kind(r[1]),
			 MEMSPACE_REGION_ROM_DEVICE);
	ck_assert(memspace_region_is_romd(r[1]));
	ck_assert_int_eq(memspace_region_get_kind(r[2]),
			 MEMSPACE_REGION_RAM_DEVICE);
	ck_assert_ptr_nonnull(memspace_region_get_host_ptr(r[2]));
	ck_assert_uint_eq(ml->mappings->len, 1);
	ck_assert_int_eq(memspace_region_get_kind(r[3]), MEMSPACE_REGION_IO);
	ck_assert(memspace_region_is_nonvolatile(r[3]));
	ck_assert(!memspace_region_is_enabled(r[5]));
	map_load_free(ml);
}
END_TEST

START_TEST(load_reproduces_equal_priority_order)
{
	g_autofree char *doc =
		edit(kinds_doc, "\"enabled\":false", "\"enabled\":true");
	static const struct expect_range view[] = {
		{ 0x0, 0xfff, "flash", 0 },
		{ 0x1000, 0x1fff, "bar", 0 },
		{ 0x2000, 0x2fff, "mmio", 0 },
		{ 0x3000, 0x3fff, "first", 0 },
		{ 0x4000, 0x47ff, "second", 0x800 },
	};
	struct map_load *ml = load_ok(doc);

	test_assert_view(ml->addrspaces->pdata[0], view);
	map_load_free(ml);
}
END_TEST

START_TEST(load_file_missing_reports_errno)
{
	g_autoptr(GError) error = NULL;
	struct map_load *ml = map_load_file("/nonexistent/map.json", &error);

	ck_assert_ptr_null(ml);
	ck_assert_int_eq(error->code, MAP_LOAD_ERROR_IO);
	ck_assert_str_eq(error->message,
			 "cannot open: No such file or directory");
}
END_TEST

START_TEST(load_empty_map_has_nothing)
{
	struct map_load *ml = load_ok("{\"format\":\"qemu-mtree-tree/1\","
				      "\"regions\":[],\"address_spaces\":[]}");

	ck_assert_uint_eq(ml->regions->len, 0);
	ck_assert_uint_eq(ml->addrspaces->len, 0);
	map_load_free(ml);
}
END_TEST

static Suite *
map_load_suite(void)
{
	Suite *s = suite_create("map-load");
	TCase *tc = tcase_create("map-load:valid");

	tcase_add_test(tc, load_base_document_builds_map);
	tcase_add_test(tc, load_accepts_integers_and_negative_priority);
	tcase_add_test(tc, load_sets_root_address);
	tcase_add_test(tc, load_accepts_alias_window_past_2_64);
	tcase_add_test(tc, load_accepts_alias_of_its_own_container);
	tcase_add_test(tc, load_maps_each_type_to_its_kind);
	tcase_add_test(tc, load_reproduces_equal_priority_order);
	tcase_add_test(tc, load_empty_map_has_nothing);
	suite_add_tcase(s, tc);

	tc = tcase_create("map-load:errors");
	tcase_add_loop_test(tc, load_broken_document_reports_one_line, 0,
			    (int)ARRAY_SIZE(bad_docs));
	tcase_add_test(tc, load_file_missing_reports_errno);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(map_load_suite)
