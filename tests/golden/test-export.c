/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memspace_export_json(): a map exported and loaded back shows exactly what
 * the live context shows, in every `memspace_show` mode, for every QEMU
 * sample and for hand-built corners (escaping, 2^64, parentless alias
 * targets with an address, disabled regions, read-only aliases, owners);
 * argument and write errors.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "map-load.h"
#include "test-common.h"

static const unsigned show_modes[] = {
	0,
	MEMSPACE_SHOW_DISABLED,
	MEMSPACE_SHOW_DISABLED | MEMSPACE_SHOW_OWNERS,
	MEMSPACE_SHOW_OWNERS,
	MEMSPACE_SHOW_FLAT,
	MEMSPACE_SHOW_FLAT | MEMSPACE_SHOW_OWNERS,
};

static char *
export_text(struct memspace *ms)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(memspace_export_json(ms, f), 0);
	fclose(f);
	return buf;
}

/* @doc without "uid" members and the "context" number. */
static char *
normalise(const char *doc)
{
	g_autoptr(GRegex) re = g_regex_new(
		"\"uid\": [0-9]+, |, \"context\": \"0x[0-9a-f]+\"", 0, 0, NULL);

	return g_regex_replace_literal(re, doc, -1, 0, "", 0, NULL);
}

/* Export @ms, load the document, and compare every show mode. */
static void
assert_round_trip(struct memspace *ms, const char *what)
{
	g_autofree char *doc = export_text(ms);
	g_autoptr(GError) error = NULL;
	struct map_load *back = map_load_data(doc, -1, &error);

	ck_assert_msg(back, "%s: exported map does not load: %s", what,
		      error ? error->message : "?");
	for (size_t i = 0; i < G_N_ELEMENTS(show_modes); i++) {
		g_autofree char *live = test_show_text(ms, show_modes[i]);
		g_autofree char *loaded = test_show_text(back->ms, show_modes[i]);

		ck_assert_msg(strcmp(live, loaded) == 0,
			      "%s: show flags %#x differ after export:\n"
			      "--- live\n%s--- loaded\n%s",
			      what, show_modes[i], live, loaded);
	}
	/* Exporting the loaded map gives the same document again, but for
	 * the context's number and the regions' creation numbers. */
	g_autofree char *again = export_text(back->ms);
	g_autofree char *a = normalise(doc);
	g_autofree char *b = normalise(again);

	ck_assert_str_eq(a, b);
	map_load_free(back);
}

START_TEST(export_round_trips_samples)
{
	g_autoptr(GPtrArray) dirs = test_sample_dirs();

	ck_assert_uint_gt(dirs->len, 0);
	for (guint i = 0; i < dirs->len; i++) {
		g_autofree char *path =
			g_build_filename(dirs->pdata[i], "tree.json", NULL);
		g_autoptr(GError) error = NULL;
		struct map_load *ml = map_load_file(path, &error);

		ck_assert_msg(ml, "%s: %s", path, error ? error->message : "?");
		assert_round_trip(ml->ms, path);
		map_load_free(ml);
	}
}
END_TEST

static struct memspace_region *
keep(GPtrArray *regions, struct memspace_region *mr)
{
	ck_assert_ptr_nonnull(mr);
	g_ptr_array_add(regions, mr);
	return mr;
}

START_TEST(export_round_trips_corners)
{
	g_autoptr(GPtrArray) regions = g_ptr_array_new();
	struct memspace *ms = memspace_new();
	struct memspace_region *root, *ram, *hole, *target, *al, *rom, *dev;
	struct memspace_addrspace *as, *io_as;

	ck_assert_int_eq(memspace_transaction_begin(ms), 0);
	root = keep(regions, memspace_region_new_container(
				     ms, "sys \"q\" \\ \t\x01 é", MEMSPACE_SIZE_2_64));
	ram = keep(regions, memspace_region_new_ram(ms, "ram", 0x10000, NULL));
	ck_assert_int_eq(memspace_region_add_subregion(root, 0, ram), 0);
	ck_assert_int_eq(memspace_region_set_owner(ram, "owner:{dev id=\"x\"}"),
			 0);
	/* A target inside a container no address space reaches, at an
	 * address of its own. */
	hole = keep(regions, memspace_region_new_container(ms, "hole", 0x10000));
	target = keep(regions, memspace_region_new_ram(ms, "target", 0x2000,
						       NULL));
	ck_assert_int_eq(memspace_region_add_subregion(hole, 0x4000, target),
			 0);
	al = keep(regions,
		  memspace_region_new_alias(ms, "ro-alias", target, 0x1000,
					    0x1000));
	ck_assert_int_eq(memspace_region_set_readonly(al, true), 0);
	ck_assert_int_eq(memspace_region_set_nonvolatile(al, true), 0);
	ck_assert_int_eq(memspace_region_add_subregion_overlap(root, 0x8000,
							       al, 2),
			 0);
	rom = keep(regions, memspace_region_new_ram(ms, "rom", 0x1000, NULL));
	ck_assert_int_eq(memspace_region_set_readonly(rom, true), 0);
	ck_assert_int_eq(memspace_region_set_enabled(rom, false), 0);
	ck_assert_int_eq(memspace_region_add_subregion(root, 0x20000, rom), 0);
	dev = keep(regions, memspace_region_new_rom_device(ms, "flash", 0x1000,
							   NULL, NULL, NULL));
	ck_assert_int_eq(memspace_region_add_subregion(root, 0x30000, dev), 0);
	ck_assert_int_eq(memspace_transaction_commit(ms), 0);
	as = memspace_addrspace_create(ms, "memory", root);
	ck_assert_ptr_nonnull(as);
	io_as = memspace_addrspace_create(
		ms, "empty",
		keep(regions, memspace_region_new_container(ms, "void", 0x100)));
	ck_assert_ptr_nonnull(io_as);

	assert_round_trip(ms, "corners");
	ck_assert_int_eq(memspace_region_set_romd(dev, false), 0);
	assert_round_trip(ms, "corners, romd off");

	ck_assert_int_eq(memspace_addrspace_destroy(io_as), 0);
	ck_assert_int_eq(memspace_addrspace_destroy(as), 0);
	for (guint i = 0; i < regions->len; i++) {
		memspace_region_unref(regions->pdata[i]);
	}
	memspace_unref(ms);
}
END_TEST

START_TEST(export_empty_context)
{
	struct memspace *ms = memspace_new();
	g_autofree char *doc = export_text(ms);
	g_autoptr(GError) error = NULL;
	struct map_load *back = map_load_data(doc, -1, &error);

	ck_assert_msg(back, "%s", error ? error->message : "?");
	ck_assert_uint_eq(back->regions->len, 0);
	ck_assert_uint_eq(back->addrspaces->len, 0);
	map_load_free(back);
	memspace_unref(ms);
}
END_TEST

/* Creation numbers are distinct, and the context number is written. */
START_TEST(export_identity)
{
	g_autofree char *path = test_sample_path("x86-q35-128m", "tree.json");
	g_autoptr(GError) error = NULL;
	struct map_load *ml = map_load_file(path, &error);
	g_autofree char *doc = NULL;
	g_autoptr(GRegex) re = g_regex_new("\"uid\": ([0-9]+)", 0, 0, NULL);
	g_autoptr(GMatchInfo) mi = NULL;
	g_autoptr(GHashTable) seen =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);

	ck_assert_ptr_nonnull(ml);
	doc = export_text(ml->ms);
	ck_assert_ptr_nonnull(strstr(doc, "\"context\": \"0x"));
	g_regex_match(re, doc, 0, &mi);
	while (g_match_info_matches(mi)) {
		ck_assert(g_hash_table_add(seen, g_match_info_fetch(mi, 1)));
		g_match_info_next(mi, NULL);
	}
	ck_assert_uint_eq(g_hash_table_size(seen), ml->regions->len);
	map_load_free(ml);
}
END_TEST

START_TEST(export_errors)
{
	struct memspace *ms = memspace_new();
	FILE *full = fopen("/dev/full", "w");

	ck_assert_int_eq(memspace_export_json(NULL, stdout), -EINVAL);
	ck_assert_int_eq(memspace_export_json(ms, NULL), -EINVAL);
	ck_assert_ptr_nonnull(full);
	ck_assert_int_eq(memspace_export_json(ms, full), -EIO);
	fclose(full);
	memspace_unref(ms);
}
END_TEST

static Suite *
export_suite(void)
{
	Suite *s = suite_create("export");
	TCase *tc = tcase_create("export");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, export_round_trips_samples);
	tcase_add_test(tc, export_round_trips_corners);
	tcase_add_test(tc, export_empty_context);
	tcase_add_test(tc, export_identity);
	tcase_add_test(tc, export_errors);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(export_suite)
