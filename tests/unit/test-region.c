/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Region constructors, getters, reference counting and owner labels. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "test-tree.h"

#define SZ_2_64 MEMSPACE_SIZE_2_64

/* Getters every fresh, unmapped region answers the same way. */
static void
assert_fresh_defaults(struct memspace_region *mr)
{
	ck_assert(memspace_region_is_enabled(mr));
	ck_assert(!memspace_region_is_readonly(mr));
	ck_assert(!memspace_region_is_nonvolatile(mr));
	ck_assert_int_eq(memspace_region_get_priority(mr), 0);
	ck_assert_uint_eq(memspace_region_get_address(mr), 0);
	ck_assert_ptr_null(memspace_region_get_parent(mr));
	ck_assert_ptr_null(memspace_region_get_owner(mr));
}

/* ---- constructors ------------------------------------------------------- */

START_TEST(region_container_getters)
{
	struct memspace_region *c = tt_container("my container", 0x10000);

	ck_assert_str_eq(memspace_region_get_name(c), "my container");
	ck_assert_int_eq(memspace_region_get_kind(c), MEMSPACE_REGION_CONTAINER);
	ck_assert_uint_eq(memspace_region_get_size(c), 0x10000);
	ck_assert(!memspace_region_is_terminating(c));
	ck_assert_ptr_null(memspace_region_get_host_ptr(c));
	ck_assert_ptr_null(memspace_region_get_alias_target(c));
	ck_assert_uint_eq(memspace_region_get_alias_offset(c), 0);
	ck_assert(!memspace_region_is_romd(c));
	assert_fresh_defaults(c);
}
END_TEST

START_TEST(region_name_copied)
{
	char name[] = "original";
	struct memspace_region *c = tt_container(name, 0x1000);

	strcpy(name, "changed!");
	ck_assert_str_eq(memspace_region_get_name(c), "original");
}
END_TEST

START_TEST(region_name_any_characters)
{
	static const char odd[] = "pci@0000:00:01.0/bar 0 \"x\" ü\ttab";
	struct memspace_region *c = tt_container(odd, 0x1000);
	struct memspace_region *e = tt_container("", 0x1000);

	ck_assert_str_eq(memspace_region_get_name(c), odd);
	ck_assert_str_eq(memspace_region_get_name(e), "");
}
END_TEST

START_TEST(region_size_2_64_container_io_alias)
{
	struct memspace_region *c = tt_container("c", SZ_2_64);
	struct memspace_region *io = tt_io("io", SZ_2_64);
	struct memspace_region *a = tt_alias("a", c, 0, SZ_2_64);
	struct memspace_region *b = tt_container("b", UINT64_MAX - 1);

	ck_assert_uint_eq(memspace_region_get_size(c), UINT64_MAX);
	ck_assert_uint_eq(memspace_region_get_size(io), UINT64_MAX);
	ck_assert_uint_eq(memspace_region_get_size(a), UINT64_MAX);
	ck_assert_uint_eq(memspace_region_get_size(b), UINT64_MAX - 1);
}
END_TEST

START_TEST(region_ram_allocated_memory)
{
	struct memspace_region *r = tt_ram("ram", 0x3000);
	uint8_t *p = memspace_region_get_host_ptr(r);

	ck_assert_str_eq(memspace_region_get_name(r), "ram");
	ck_assert_int_eq(memspace_region_get_kind(r), MEMSPACE_REGION_RAM);
	ck_assert_uint_eq(memspace_region_get_size(r), 0x3000);
	ck_assert(memspace_region_is_terminating(r));
	ck_assert(!memspace_region_is_romd(r));
	ck_assert_ptr_null(memspace_region_get_alias_target(r));
	assert_fresh_defaults(r);
	ck_assert_ptr_nonnull(p);
	/* Anonymous memory starts zeroed and is writable to its last byte. */
	ck_assert_uint_eq(p[0], 0);
	ck_assert_uint_eq(p[0x2fff], 0);
	memset(p, 0xa5, 0x3000);
	ck_assert_uint_eq(((uint8_t *)memspace_region_get_host_ptr(r))[0x2fff],
			  0xa5);
	ck_assert_uint_eq(p[0x1234], 0xa5);
}
END_TEST

START_TEST(region_ram_caller_memory)
{
	uint8_t *buf = tt_buffer(0x2000);
	struct memspace_region *r =
		tt_keep(memspace_region_new_ram(tt_ms, "ram", 0x2000, buf));
	uint8_t *p = memspace_region_get_host_ptr(r);

	ck_assert_ptr_eq(p, buf);
	buf[0x10] = 0x42;
	ck_assert_uint_eq(p[0x10], 0x42);
	p[0x1fff] = 0x17;
	ck_assert_uint_eq(buf[0x1fff], 0x17);
}
END_TEST

START_TEST(region_ram_size_2_64_rejected)
{
	errno = 0;
	ck_assert_ptr_null(memspace_region_new_ram(tt_ms, "r", SZ_2_64, NULL));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(memspace_region_new_rom_device(tt_ms, "f", SZ_2_64,
							  &tt_ops, NULL, NULL));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(region_ram_null_args_rejected)
{
	errno = 0;
	ck_assert_ptr_null(memspace_region_new_ram(NULL, "r", 0x1000, NULL));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(memspace_region_new_ram(tt_ms, NULL, 0x1000, NULL));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(region_io_getters)
{
	int cookie;
	struct memspace_region *io = tt_keep(memspace_region_new_io(
		tt_ms, "io", 0x100, &tt_ops, &cookie));
	struct memspace_region *rsv = tt_keep(memspace_region_new_io(
		tt_ms, "reservation", 0x1000, NULL, NULL));

	ck_assert_int_eq(memspace_region_get_kind(io), MEMSPACE_REGION_IO);
	ck_assert_uint_eq(memspace_region_get_size(io), 0x100);
	ck_assert(memspace_region_is_terminating(io));
	ck_assert_ptr_null(memspace_region_get_host_ptr(io));
	ck_assert(!memspace_region_is_romd(io));
	assert_fresh_defaults(io);
	ck_assert_int_eq(memspace_region_get_kind(rsv), MEMSPACE_REGION_IO);
	ck_assert(memspace_region_is_terminating(rsv));
	ck_assert_str_eq(memspace_region_get_name(rsv), "reservation");
}
END_TEST

static const struct memspace_region_ops bad_version_ops = {
	.version = MEMSPACE_REGION_OPS_VERSION + 1,
};
static const struct memspace_region_ops zero_version_ops = {
	.version = 0,
};
static const struct memspace_region_ops unaligned_impl_ops = {
	.version = MEMSPACE_REGION_OPS_VERSION,
	.impl_unaligned = true,
	.valid_unaligned = false,
};
static const struct memspace_region_ops valid_min_above_max_ops = {
	.version = MEMSPACE_REGION_OPS_VERSION,
	.valid_min_access_size = 4,
	.valid_max_access_size = 2,
};
static const struct memspace_region_ops impl_min_above_max_ops = {
	.version = MEMSPACE_REGION_OPS_VERSION,
	.impl_min_access_size = 8,
	.impl_max_access_size = 4,
};
static const struct memspace_region_ops good_sizes_ops = {
	.version = MEMSPACE_REGION_OPS_VERSION,
	.valid_min_access_size = 1,
	.valid_max_access_size = 8,
	.valid_unaligned = true,
	.impl_min_access_size = 4,
	.impl_max_access_size = 4,
	.impl_unaligned = true,
};

static const struct {
	const char *what;
	const struct memspace_region_ops *ops;
	int err;
} ops_cases[] = {
	{ "version too new", &bad_version_ops, EPROTO },
	{ "version zero", &zero_version_ops, EPROTO },
	{ "impl_unaligned without valid_unaligned", &unaligned_impl_ops, EDOM },
	{ "valid min above max", &valid_min_above_max_ops, EDOM },
	{ "impl min above max", &impl_min_above_max_ops, EDOM },
	{ "good", &good_sizes_ops, 0 },
};

START_TEST(region_io_ops_checked)
{
	struct memspace_region *mr;

	errno = 0;
	mr = memspace_region_new_io(tt_ms, "io", 0x100, ops_cases[_i].ops, NULL);
	if (ops_cases[_i].err) {
		ck_assert_msg(mr == NULL, "%s: accepted", ops_cases[_i].what);
		ck_assert_msg(errno == ops_cases[_i].err, "%s: errno %d",
			      ops_cases[_i].what, errno);
	} else {
		tt_keep(mr);
	}
	/* ROM devices check their ops the same way. */
	errno = 0;
	mr = memspace_region_new_rom_device(tt_ms, "f", 0x100,
					    ops_cases[_i].ops, NULL, NULL);
	if (ops_cases[_i].err) {
		ck_assert_msg(mr == NULL, "%s: rom device accepted",
			      ops_cases[_i].what);
		ck_assert_int_eq(errno, ops_cases[_i].err);
	} else {
		tt_keep(mr);
	}
}
END_TEST

START_TEST(region_io_null_args_rejected)
{
	errno = 0;
	ck_assert_ptr_null(memspace_region_new_io(NULL, "io", 1, &tt_ops, NULL));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(memspace_region_new_io(tt_ms, NULL, 1, &tt_ops, NULL));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(region_rom_device_getters)
{
	uint8_t *buf = tt_buffer(0x1000);
	struct memspace_region *f = tt_keep(memspace_region_new_rom_device(
		tt_ms, "flash", 0x1000, &tt_ops, NULL, buf));
	struct memspace_region *g = tt_romdev("flash2", 0x2000);
	uint8_t *gp = memspace_region_get_host_ptr(g);

	ck_assert_int_eq(memspace_region_get_kind(f),
			 MEMSPACE_REGION_ROM_DEVICE);
	ck_assert_ptr_eq(memspace_region_get_host_ptr(f), buf);
	ck_assert(memspace_region_is_terminating(f));
	ck_assert(memspace_region_is_romd(f));	/* starts in romd mode */
	assert_fresh_defaults(f);
	ck_assert_ptr_nonnull(gp);
	gp[0x1fff] = 0x99;
	ck_assert_uint_eq(gp[0x1fff], 0x99);
	ck_assert_int_eq(memspace_region_set_romd(f, false), 0);
	ck_assert(!memspace_region_is_romd(f));
}
END_TEST

START_TEST(region_rom_device_null_args_rejected)
{
	struct memspace_region *reserved;

	/* NULL ops are allowed: such a ROM device rejects writes. */
	reserved = memspace_region_new_rom_device(tt_ms, "f", 0x1000, NULL,
						  NULL, NULL);
	ck_assert_ptr_nonnull(reserved);
	ck_assert(memspace_region_is_romd(reserved));
	memspace_region_unref(reserved);
	errno = 0;
	ck_assert_ptr_null(memspace_region_new_rom_device(NULL, "f", 0x1000,
							  &tt_ops, NULL, NULL));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(memspace_region_new_rom_device(tt_ms, NULL, 0x1000,
							  &tt_ops, NULL, NULL));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(region_ram_device_getters)
{
	uint8_t *buf = tt_buffer(0x1000);
	struct memspace_region *d = tt_keep(memspace_region_new_ram_device(
		tt_ms, "bar0", 0x1000, buf));

	ck_assert_int_eq(memspace_region_get_kind(d),
			 MEMSPACE_REGION_RAM_DEVICE);
	ck_assert_ptr_eq(memspace_region_get_host_ptr(d), buf);
	ck_assert_uint_eq(memspace_region_get_size(d), 0x1000);
	ck_assert(memspace_region_is_terminating(d));
	ck_assert(!memspace_region_is_romd(d));
	assert_fresh_defaults(d);
}
END_TEST

START_TEST(region_ram_device_null_args_rejected)
{
	uint8_t *buf = tt_buffer(0x1000);

	errno = 0;
	ck_assert_ptr_null(memspace_region_new_ram_device(tt_ms, "d", 0x1000,
							  NULL));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(memspace_region_new_ram_device(NULL, "d", 0x1000,
							  buf));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(memspace_region_new_ram_device(tt_ms, NULL, 0x1000,
							  buf));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(region_alias_getters)
{
	struct memspace_region *r = tt_ram("r", 0x4000);
	struct memspace_region *a = tt_alias("a", r, 0x1000, 0x2000);
	struct memspace_region *aa = tt_alias("aa", a, 0x800, 0x800);

	ck_assert_int_eq(memspace_region_get_kind(a), MEMSPACE_REGION_ALIAS);
	ck_assert_ptr_eq(memspace_region_get_alias_target(a), r);
	ck_assert_uint_eq(memspace_region_get_alias_offset(a), 0x1000);
	ck_assert_uint_eq(memspace_region_get_size(a), 0x2000);
	ck_assert(!memspace_region_is_terminating(a));
	ck_assert_ptr_null(memspace_region_get_host_ptr(a));
	ck_assert(!memspace_region_is_romd(a));
	assert_fresh_defaults(a);
	ck_assert_ptr_eq(memspace_region_get_alias_target(aa), a);
	ck_assert_uint_eq(memspace_region_get_alias_offset(aa), 0x800);
}
END_TEST

START_TEST(region_alias_window_past_2_64_accepted)
{
	struct memspace_region *big = tt_io("big", SZ_2_64);
	struct memspace_region *a;

	/* As in QEMU: any offset and size, clipped when rendered. */
	a = tt_alias("a", big, 1, SZ_2_64);
	ck_assert_uint_eq(memspace_region_get_alias_offset(a), 1);
	ck_assert_uint_eq(memspace_region_get_size(a), SZ_2_64);
	a = tt_alias("b", big, UINT64_MAX, 2);
	ck_assert_uint_eq(memspace_region_get_alias_offset(a), UINT64_MAX);
	ck_assert_uint_eq(memspace_region_get_size(a), 2);
}
END_TEST

START_TEST(region_alias_null_args_rejected)
{
	struct memspace_region *r = tt_ram("r", 0x1000);

	errno = 0;
	ck_assert_ptr_null(memspace_region_new_alias(tt_ms, "a", NULL, 0, 1));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(memspace_region_new_alias(NULL, "a", r, 0, 1));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(memspace_region_new_alias(tt_ms, NULL, r, 0, 1));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(region_alias_other_context_rejected)
{
	struct memspace *other = memspace_new();
	struct memspace_region *r =
		memspace_region_new_ram(other, "r", 0x1000, NULL);

	ck_assert_ptr_nonnull(r);
	errno = 0;
	ck_assert_ptr_null(memspace_region_new_alias(tt_ms, "a", r, 0, 0x1000));
	ck_assert_int_eq(errno, EXDEV);
	memspace_region_unref(r);
	memspace_unref(other);
}
END_TEST

START_TEST(region_container_null_args_rejected)
{
	errno = 0;
	ck_assert_ptr_null(memspace_region_new_container(NULL, "c", 1));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(memspace_region_new_container(tt_ms, NULL, 1));
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

/* ---- reference counting ------------------------------------------------- */

START_TEST(region_ref_unref_return_values)
{
	struct memspace_region *r =
		memspace_region_new_ram(tt_ms, "r", 0x1000, NULL);

	ck_assert_ptr_nonnull(r);
	ck_assert_ptr_eq(memspace_region_ref(r), r);
	ck_assert_ptr_null(memspace_region_unref(r));
	/* Still alive: one reference left. */
	ck_assert_str_eq(memspace_region_get_name(r), "r");
	ck_assert_ptr_null(memspace_region_unref(r));
	ck_assert_ptr_null(memspace_region_ref(NULL));
	ck_assert_ptr_null(memspace_region_unref(NULL));
}
END_TEST

START_TEST(region_context_ref_unref)
{
	struct memspace *ms = memspace_new();

	ck_assert_ptr_eq(memspace_ref(ms), ms);
	ck_assert_ptr_null(memspace_unref(ms));
	ck_assert_ptr_null(memspace_unref(ms));
	ck_assert_ptr_null(memspace_ref(NULL));
	ck_assert_ptr_null(memspace_unref(NULL));
}
END_TEST

START_TEST(region_regions_keep_context_alive)
{
	struct memspace *ms = memspace_new();
	struct memspace_region *r = memspace_region_new_ram(ms, "r", 0x1000,
							    NULL);
	struct memspace_region *c;

	ck_assert_ptr_nonnull(r);
	/* Drop the user's reference: the region still holds one. */
	ck_assert_ptr_null(memspace_unref(ms));
	c = memspace_region_new_container(ms, "c", 0x10000);
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(memspace_region_add_subregion(c, 0, r), 0);
	memspace_region_unref(r);
	memspace_region_unref(c);	/* frees both, then the context */
}
END_TEST

START_TEST(region_unref_while_mapped_stays_alive)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r =
		memspace_region_new_ram(tt_ms, "r", 0x1000, NULL);
	struct memspace_region *o = tt_ram("o", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	uint8_t *p;
	static const struct expect_range exp[] = {
		{ 0x1000, 0x1fff, "r", 0 },
		{ 0x4000, 0x4fff, "o", 0 },
	};
	static const struct expect_range gone[] = {
		{ 0x4000, 0x4fff, "o", 0 },
	};

	ck_assert_ptr_nonnull(r);
	tt_add(root, 0x1000, r);
	tt_add(root, 0x4000, o);
	memspace_region_unref(r);
	/* The parent's reference keeps it, and its memory, alive. */
	ck_assert_str_eq(memspace_region_get_name(r), "r");
	ck_assert_ptr_eq(memspace_region_get_parent(r), root);
	p = memspace_region_get_host_ptr(r);
	p[0xfff] = 1;
	test_assert_view(as, exp);
	/* Deleting it drops the last reference (freed after RCU). */
	ck_assert_int_eq(memspace_region_del_subregion(root, r), 0);
	test_assert_view(as, gone);
}
END_TEST

START_TEST(region_view_keeps_deleted_region_alive)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r =
		memspace_region_new_ram(tt_ms, "doomed", 0x1000, NULL);
	struct memspace_region *o = tt_ram("o", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	struct memspace_flatview *fv;
	struct memspace_section sec;
	uint8_t *p;

	ck_assert_ptr_nonnull(r);
	tt_add(root, 0x1000, r);
	tt_add(root, 0x4000, o);
	fv = tt_hold_view(as);
	ck_assert_int_eq(memspace_region_del_subregion(root, r), 0);
	memspace_region_unref(r);
	/* Neither the tree nor the caller holds it; the old view does. */
	ck_assert_uint_eq(tt_nr_ranges(as), 1);
	ck_assert_int_eq(memspace_flatview_get_range(fv, 0, &sec), 0);
	ck_assert_ptr_eq(sec.mr, r);
	ck_assert_str_eq(memspace_region_get_name(sec.mr), "doomed");
	p = memspace_region_get_host_ptr(sec.mr);
	ck_assert_ptr_nonnull(p);
	p[0] = 0x5a;
	ck_assert_uint_eq(p[0], 0x5a);
	memspace_flatview_unref(fv);
}
END_TEST

START_TEST(region_alias_keeps_target_alive)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r =
		memspace_region_new_ram(tt_ms, "target", 0x1000, NULL);
	struct memspace_region *a = tt_alias("a", r, 0, 0x1000);
	struct memspace_region *o = tt_ram("o", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x2000, 0x2fff, "target", 0 },
		{ 0x4000, 0x4fff, "o", 0 },
	};

	ck_assert_ptr_nonnull(r);
	memspace_region_unref(r);
	ck_assert_ptr_eq(memspace_region_get_alias_target(a), r);
	ck_assert_str_eq(memspace_region_get_name(r), "target");
	tt_add(root, 0x2000, a);
	tt_add(root, 0x4000, o);
	test_assert_view(as, exp);
}
END_TEST

START_TEST(region_parent_keeps_unmapped_subtree_alive)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *c =
		memspace_region_new_container(tt_ms, "c", 0x2000);
	struct memspace_region *x =
		memspace_region_new_ram(tt_ms, "x", 0x1000, NULL);
	struct memspace_region *o = tt_ram("o", 0x1000);
	struct memspace_addrspace *as = tt_as("as", root);
	static const struct expect_range exp[] = {
		{ 0x1800, 0x27ff, "x", 0 },
		{ 0x4000, 0x4fff, "o", 0 },
	};

	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(x);
	tt_add(c, 0x800, x);
	memspace_region_unref(x);
	tt_add(root, 0x1000, c);
	memspace_region_unref(c);
	tt_add(root, 0x4000, o);
	test_assert_view(as, exp);
	ck_assert_ptr_eq(memspace_region_get_parent(x), c);
	ck_assert_ptr_eq(memspace_region_get_parent(c), root);
	/* Unmapping c releases c and x (ASan checks nothing leaks). */
	ck_assert_int_eq(memspace_region_del_subregion(root, c), 0);
}
END_TEST

/* ---- owner labels ------------------------------------------------------- */

START_TEST(region_owner_set_get)
{
	struct memspace_region *r = tt_ram("r", 0x1000);
	char label[] = "owner:{dev id=rp3}";

	ck_assert_ptr_null(memspace_region_get_owner(r));
	ck_assert_int_eq(memspace_region_set_owner(r, label), 0);
	strcpy(label, "scribbled over....");
	ck_assert_str_eq(memspace_region_get_owner(r), "owner:{dev id=rp3}");
	ck_assert_int_eq(memspace_region_set_owner(r, "second"), 0);
	ck_assert_str_eq(memspace_region_get_owner(r), "second");
	ck_assert_int_eq(memspace_region_set_owner(r, NULL), 0);
	ck_assert_ptr_null(memspace_region_get_owner(r));
	ck_assert_int_eq(memspace_region_set_owner(NULL, "x"), -EINVAL);
}
END_TEST

START_TEST(region_owner_needs_no_commit)
{
	struct memspace_region *root = tt_container("root", 0x10000);
	struct memspace_region *r = tt_ram("r", 0x1000);
	struct memspace_region *o = tt_ram("o", 0x1000);
	struct memspace_addrspace *as;
	struct memspace_flatview *held;

	tt_add(root, 0, r);
	tt_add(root, 0x4000, o);
	as = tt_as("as", root);
	held = tt_hold_view(as);
	ck_assert_int_eq(memspace_region_set_owner(r, "owner:{dev}"), 0);
	tt_assert_same_view(as, held);
	/* Inside a transaction the label changes at once too. */
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_region_set_owner(r, "later"), 0);
	ck_assert_str_eq(memspace_region_get_owner(r), "later");
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
}
END_TEST

static Suite *
region_suite(void)
{
	Suite *s = suite_create("region");
	TCase *tc;

	tc = tcase_create("region:new");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, region_container_getters);
	tcase_add_test(tc, region_name_copied);
	tcase_add_test(tc, region_name_any_characters);
	tcase_add_test(tc, region_size_2_64_container_io_alias);
	tcase_add_test(tc, region_ram_allocated_memory);
	tcase_add_test(tc, region_ram_caller_memory);
	tcase_add_test(tc, region_ram_size_2_64_rejected);
	tcase_add_test(tc, region_ram_null_args_rejected);
	tcase_add_test(tc, region_io_getters);
	tcase_add_loop_test(tc, region_io_ops_checked, 0, ARRAY_SIZE(ops_cases));
	tcase_add_test(tc, region_io_null_args_rejected);
	tcase_add_test(tc, region_rom_device_getters);
	tcase_add_test(tc, region_rom_device_null_args_rejected);
	tcase_add_test(tc, region_ram_device_getters);
	tcase_add_test(tc, region_ram_device_null_args_rejected);
	tcase_add_test(tc, region_alias_getters);
	tcase_add_test(tc, region_alias_window_past_2_64_accepted);
	tcase_add_test(tc, region_alias_null_args_rejected);
	tcase_add_test(tc, region_alias_other_context_rejected);
	tcase_add_test(tc, region_container_null_args_rejected);
	suite_add_tcase(s, tc);

	tc = tcase_create("region:refcount");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, region_ref_unref_return_values);
	tcase_add_test(tc, region_context_ref_unref);
	tcase_add_test(tc, region_regions_keep_context_alive);
	tcase_add_test(tc, region_unref_while_mapped_stays_alive);
	tcase_add_test(tc, region_view_keeps_deleted_region_alive);
	tcase_add_test(tc, region_alias_keeps_target_alive);
	tcase_add_test(tc, region_parent_keeps_unmapped_subtree_alive);
	suite_add_tcase(s, tc);

	tc = tcase_create("region:owner");
	tcase_add_checked_fixture(tc, tt_setup, tt_teardown);
	tcase_add_test(tc, region_owner_set_get);
	tcase_add_test(tc, region_owner_needs_no_commit);
	suite_add_tcase(s, tc);

	return s;
}

TEST_MAIN(region_suite)
