/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memspace_show() on small hand-built maps: argument checks, write errors,
 * and the corners of both dumps the QEMU samples do not reach (wrapping
 * extents, empty regions, aliases of aliases, alias roots, accelerator
 * markers).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "show-internal.h"
#include "test-common.h"

struct fixture {
	struct memspace *ms;
	GPtrArray *regions;
	GPtrArray *ases;
};

static struct fixture fx;

static struct memspace_region *
keep(struct memspace_region *mr)
{
	ck_assert_ptr_nonnull(mr);
	g_ptr_array_add(fx.regions, mr);
	return mr;
}

static struct memspace_region *
put(struct memspace_region *parent, uint64_t addr, struct memspace_region *mr,
    int32_t priority)
{
	keep(mr);
	ck_assert_int_eq(memspace_region_add_subregion_overlap(parent, addr, mr,
							       priority),
			 0);
	return mr;
}

static void
add_as(const char *name, struct memspace_region *root)
{
	struct memspace_addrspace *as =
		memspace_addrspace_create(fx.ms, name, root);

	ck_assert_ptr_nonnull(as);
	g_ptr_array_add(fx.ases, as);
}

static struct memspace_region *
io(const char *name, uint64_t size)
{
	return memspace_region_new_io(fx.ms, name, size, NULL, NULL);
}

/* The map every test shows; see the expected dumps below. */
static void
build_map(void)
{
	struct memspace *ms = fx.ms;
	struct memspace_region *root, *ram, *off, *al, *nv, *empty;

	ck_assert_int_eq(memspace_transaction_begin(ms), 0);
	root = keep(
		memspace_region_new_container(ms, "root", MEMSPACE_SIZE_2_64));
	ram = put(root, 0x1000,
		  memspace_region_new_ram(ms, "ram", 0x1000, NULL), 0);
	ck_assert_int_eq(memspace_region_set_owner(ram, "owner:{dev id=r}"), 0);
	off = put(root, 0x2000, memspace_region_new_container(ms, "off", 0x100),
		  0);
	ck_assert_int_eq(memspace_region_set_enabled(off, false), 0);
	put(off, 0x10, io("inner", 0x10), 0);
	put(root, 0x3000, io("empty", 0), 0);
	put(root, 0xfffffffffffff000, io("hi", 0x2000), 0);
	al = memspace_region_new_alias(ms, "al", ram, 0x800, 0x800);
	put(root, 0x4000, al, 0);
	ck_assert_int_eq(memspace_region_set_enabled(al, false), 0);
	put(root, 0x5000, memspace_region_new_alias(ms, "al2", al, 0, 0x800),
	    0);
	nv = put(root, 0x7000,
		 memspace_region_new_alias(ms, "nv", ram, 0, 0x100), 0);
	ck_assert_int_eq(memspace_region_set_nonvolatile(nv, true), 0);
	ck_assert_int_eq(memspace_region_set_readonly(nv, true), 0);
	put(root, 0x6000, io("p0", 0x10), 0);
	put(root, 0x6000, io("p2", 0x10), 2);
	put(root, 0x6000, io("q0", 0x10), 0);
	empty = keep(memspace_region_new_container(ms, "empty-root", 0x1000));
	ck_assert_int_eq(memspace_transaction_commit(ms), 0);

	add_as("as", root);
	add_as("void", empty);
	add_as("alias-as", keep(memspace_region_new_alias(ms, "window", root, 0,
							  MEMSPACE_SIZE_2_64)));
	add_as("a-second", root);
}

static void
setup(void)
{
	fx.ms = memspace_new();
	fx.regions = g_ptr_array_new();
	fx.ases = g_ptr_array_new();
	build_map();
}

static void
teardown(void)
{
	for (guint i = 0; i < fx.ases->len; i++) {
		(void)memspace_addrspace_destroy(fx.ases->pdata[i]);
	}
	for (guint i = 0; i < fx.regions->len; i++) {
		memspace_region_unref(fx.regions->pdata[i]);
	}
	g_ptr_array_free(fx.ases, TRUE);
	g_ptr_array_free(fx.regions, TRUE);
	memspace_unref(fx.ms);
}

static char *
show(unsigned flags, const struct show_accel *accel)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(show_print(fx.ms, out, flags, accel), 0);
	fclose(out);
	return buf;
}

/* Fail with the first differing line (Check truncates long messages). */
static void
assert_text(const char *got, const char *want)
{
	g_auto(GStrv) g = g_strsplit(got, "\n", -1);
	g_auto(GStrv) w = g_strsplit(want, "\n", -1);
	guint i = 0;

	while (g[i] && w[i] && strcmp(g[i], w[i]) == 0) {
		i++;
	}
	ck_assert_msg(!g[i] && !w[i], "line %u:\n got: %s\nwant: %s", i + 1,
		      g[i] ? g[i] : "(end)", w[i] ? w[i] : "(end)");
}

/*
 * The expected dumps, checked line by line against QEMU's rules: "inner"
 * is printed under its hidden disabled parent; the disabled alias "al"
 * still queues "ram", and "al2" queues "al", whose block is empty without
 * -D; "root" is queued by the alias root "window"; p2, q0, p0 share an
 * address (priority descending, then newest first); "hi" wraps; the
 * alias-of-a-disabled-alias "al2" renders nothing; "nv" is read-only and
 * non-volatile, so its range is nv-rom but its tree line nv-ram.
 */
static const char tree_plain[] =
	"address-space: a-second\n"
	"address-space: as\n"
	"  0000000000000000-ffffffffffffffff (prio 0, i/o): root\n"
	"    0000000000001000-0000000000001fff (prio 0, ram): ram\n"
	"      0000000000002010-000000000000201f (prio 0, i/o): inner\n"
	"    0000000000003000-0000000000003000 (prio 0, i/o): empty\n"
	"    0000000000005000-00000000000057ff (prio 0, ram): alias al2 "
	"@al 0000000000000000-00000000000007ff\n"
	"    0000000000006000-000000000000600f (prio 2, i/o): p2\n"
	"    0000000000006000-000000000000600f (prio 0, i/o): q0\n"
	"    0000000000006000-000000000000600f (prio 0, i/o): p0\n"
	"    0000000000007000-00000000000070ff (prio 0, nv-ram): alias nv "
	"@ram 0000000000000000-00000000000000ff\n"
	"[DETECTED OVERFLOW!]     fffffffffffff000-0000000000000fff (prio "
	"0, i/o): hi\n"
	"\n"
	"address-space: void\n"
	"  0000000000000000-0000000000000fff (prio 0, i/o): empty-root\n"
	"\n"
	"address-space: alias-as\n"
	"  0000000000000000-ffffffffffffffff (prio 0, i/o): alias window "
	"@root 0000000000000000-ffffffffffffffff\n"
	"\n"
	"memory-region: ram\n"
	"  0000000000001000-0000000000001fff (prio 0, ram): ram\n"
	"\n"
	"memory-region: al\n"
	"\n"
	"memory-region: root\n"
	"  0000000000000000-ffffffffffffffff (prio 0, i/o): root\n"
	"    0000000000001000-0000000000001fff (prio 0, ram): ram\n"
	"      0000000000002010-000000000000201f (prio 0, i/o): inner\n"
	"    0000000000003000-0000000000003000 (prio 0, i/o): empty\n"
	"    0000000000005000-00000000000057ff (prio 0, ram): alias al2 "
	"@al 0000000000000000-00000000000007ff\n"
	"    0000000000006000-000000000000600f (prio 2, i/o): p2\n"
	"    0000000000006000-000000000000600f (prio 0, i/o): q0\n"
	"    0000000000006000-000000000000600f (prio 0, i/o): p0\n"
	"    0000000000007000-00000000000070ff (prio 0, nv-ram): alias nv "
	"@ram 0000000000000000-00000000000000ff\n"
	"[DETECTED OVERFLOW!]     fffffffffffff000-0000000000000fff (prio "
	"0, i/o): hi\n"
	"\n";

static const char tree_owners[] =
	"address-space: a-second\n"
	"address-space: as\n"
	"  0000000000000000-ffffffffffffffff (prio 0, i/o): root orphan\n"
	"    0000000000001000-0000000000001fff (prio 0, ram): ram "
	"owner:{dev id=r}\n"
	"    0000000000002000-00000000000020ff (prio 0, i/o): off "
	"[disabled] orphan\n"
	"      0000000000002010-000000000000201f (prio 0, i/o): inner "
	"orphan\n"
	"    0000000000003000-0000000000003000 (prio 0, i/o): empty orphan\n"
	"    0000000000004000-00000000000047ff (prio 0, ram): alias al "
	"@ram 0000000000000800-0000000000000fff [disabled] orphan\n"
	"    0000000000005000-00000000000057ff (prio 0, ram): alias al2 "
	"@al 0000000000000000-00000000000007ff orphan\n"
	"    0000000000006000-000000000000600f (prio 2, i/o): p2 orphan\n"
	"    0000000000006000-000000000000600f (prio 0, i/o): q0 orphan\n"
	"    0000000000006000-000000000000600f (prio 0, i/o): p0 orphan\n"
	"    0000000000007000-00000000000070ff (prio 0, nv-ram): alias nv "
	"@ram 0000000000000000-00000000000000ff orphan\n"
	"[DETECTED OVERFLOW!]     fffffffffffff000-0000000000000fff (prio "
	"0, i/o): hi orphan\n"
	"\n"
	"address-space: void\n"
	"  0000000000000000-0000000000000fff (prio 0, i/o): empty-root "
	"orphan\n"
	"\n"
	"address-space: alias-as\n"
	"  0000000000000000-ffffffffffffffff (prio 0, i/o): alias window "
	"@root 0000000000000000-ffffffffffffffff orphan\n"
	"\n"
	"memory-region: ram\n"
	"  0000000000001000-0000000000001fff (prio 0, ram): ram owner:{dev "
	"id=r}\n"
	"\n"
	"memory-region: al\n"
	"  0000000000004000-00000000000047ff (prio 0, ram): alias al @ram "
	"0000000000000800-0000000000000fff [disabled] orphan\n"
	"\n"
	"memory-region: root\n"
	"  0000000000000000-ffffffffffffffff (prio 0, i/o): root orphan\n"
	"    0000000000001000-0000000000001fff (prio 0, ram): ram "
	"owner:{dev id=r}\n"
	"    0000000000002000-00000000000020ff (prio 0, i/o): off "
	"[disabled] orphan\n"
	"      0000000000002010-000000000000201f (prio 0, i/o): inner "
	"orphan\n"
	"    0000000000003000-0000000000003000 (prio 0, i/o): empty orphan\n"
	"    0000000000004000-00000000000047ff (prio 0, ram): alias al "
	"@ram 0000000000000800-0000000000000fff [disabled] orphan\n"
	"    0000000000005000-00000000000057ff (prio 0, ram): alias al2 "
	"@al 0000000000000000-00000000000007ff orphan\n"
	"    0000000000006000-000000000000600f (prio 2, i/o): p2 orphan\n"
	"    0000000000006000-000000000000600f (prio 0, i/o): q0 orphan\n"
	"    0000000000006000-000000000000600f (prio 0, i/o): p0 orphan\n"
	"    0000000000007000-00000000000070ff (prio 0, nv-ram): alias nv "
	"@ram 0000000000000000-00000000000000ff orphan\n"
	"[DETECTED OVERFLOW!]     fffffffffffff000-0000000000000fff (prio "
	"0, i/o): hi orphan\n"
	"\n";

static const char flat_plain[] =
	"FlatView #0\n"
	" AS \"as\", root: root\n"
	" AS \"alias-as\", root: window, alias root\n"
	" AS \"a-second\", root: root\n"
	" Root memory region: root\n"
	"  0000000000001000-0000000000001fff (prio 0, ram): ram\n"
	"  0000000000006000-000000000000600f (prio 2, i/o): p2\n"
	"  0000000000007000-00000000000070ff (prio 0, nv-rom): ram\n"
	"  fffffffffffff000-ffffffffffffffff (prio 0, i/o): hi\n"
	"\n"
	"FlatView #1\n"
	" AS \"void\", root: empty-root\n"
	" Root memory region: (none)\n"
	"  No rendered FlatView\n"
	"\n";

static const char flat_accel[] =
	"FlatView #0\n"
	" AS \"as\", root: root\n"
	" AS \"alias-as\", root: window, alias root\n"
	" AS \"a-second\", root: root\n"
	" Root memory region: root\n"
	"  0000000000001000-0000000000001fff (prio 0, ram): ram owner:{dev "
	"id=r} KVM\n"
	"  0000000000006000-000000000000600f (prio 2, i/o): p2 orphan\n"
	"  0000000000007000-00000000000070ff (prio 0, nv-rom): ram "
	"owner:{dev id=r}\n"
	"  fffffffffffff000-ffffffffffffffff (prio 0, i/o): hi orphan\n"
	"\n"
	"FlatView #1\n"
	" AS \"void\", root: empty-root\n"
	" Root memory region: (none)\n"
	"  No rendered FlatView\n"
	"\n";

START_TEST(show_rejects_bad_arguments)
{
	ck_assert_int_eq(memspace_show(NULL, stdout, 0), -EINVAL);
	ck_assert_int_eq(memspace_show(fx.ms, NULL, 0), -EINVAL);
	ck_assert_int_eq(memspace_show(fx.ms, stdout, 1u << 7), -EINVAL);
}
END_TEST

START_TEST(show_reports_write_errors)
{
	FILE *out = fopen("/dev/full", "w");

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(memspace_show(fx.ms, out, 0), -EIO);
	ck_assert_int_eq(memspace_show(fx.ms, out, MEMSPACE_SHOW_FLAT), -EIO);
	fclose(out);
}
END_TEST

START_TEST(show_tree_prints_corners)
{
	g_autofree char *got = show(0, NULL);

	assert_text(got, tree_plain);
}
END_TEST

START_TEST(show_tree_disabled_owners)
{
	g_autofree char *got =
		show(MEMSPACE_SHOW_DISABLED | MEMSPACE_SHOW_OWNERS, NULL);

	assert_text(got, tree_owners);
}
END_TEST

START_TEST(show_flat_prints_views)
{
	g_autofree char *got = show(MEMSPACE_SHOW_FLAT, NULL);

	assert_text(got, flat_plain);
}
END_TEST

/* A fake accelerator with slots below 0x2000 of "as" only. */
static bool
fake_has_memory(void *opaque, const struct memspace_addrspace *as,
		uint64_t start, uint64_t last)
{
	(void)opaque;
	return strcmp(memspace_addrspace_get_name(as), "as") == 0 &&
	       last < 0x2000 && start <= last;
}

START_TEST(show_flat_marks_accelerator_slots)
{
	static const struct show_accel accel = {
		.name = "KVM",
		.has_memory = fake_has_memory,
	};
	g_autofree char *got =
		show(MEMSPACE_SHOW_FLAT | MEMSPACE_SHOW_OWNERS, &accel);

	assert_text(got, flat_accel);
}
END_TEST

static Suite *
show_suite(void)
{
	Suite *s = suite_create("show");
	TCase *tc = tcase_create("show:dumps");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, show_rejects_bad_arguments);
	tcase_add_test(tc, show_reports_write_errors);
	tcase_add_test(tc, show_tree_prints_corners);
	tcase_add_test(tc, show_tree_disabled_owners);
	tcase_add_test(tc, show_flat_prints_views);
	tcase_add_test(tc, show_flat_marks_accelerator_slots);
	suite_add_tcase(s, tc);
	return s;
}

TEST_MAIN(show_suite)
