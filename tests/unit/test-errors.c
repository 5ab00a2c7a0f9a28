/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Every documented error of the API, and that a failing call changes nothing. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "test-tree.h"

/* ---- state snapshots ---------------------------------------------------- */

struct region_snap {
	struct memspace_region *mr;
	struct memspace_region *parent;
	uint64_t addr, size, alias_offset;
	int32_t prio;
	bool enabled, readonly, nonvolatile, romd;
	char *owner;
};

struct state {
	struct memspace_addrspace *as;
	struct memspace_flatview *view;	/* held: its address stays unique */
	char *text;
	unsigned depth;
	size_t nr;
	struct region_snap r[32];
};

/* The standard tree every error test starts from. */
struct std_tree {
	struct memspace_region *root;	/* AS root, size 0x10000 */
	struct memspace_region *c;	/* container at 0x1000, size 0x4000 */
	struct memspace_region *d;	/* container in c at 0, size 0x2000 */
	struct memspace_region *e;	/* RAM in d at 0x800, size 0x800 */
	struct memspace_region *r;	/* RAM at 0x8000, size 0x1000 */
	struct memspace_region *a;	/* alias of r, 0x800 + 0x800, at 0xc000 */
	struct memspace_region *io;	/* IO at 0x9000, prio 1 */
	struct memspace_region *f;	/* ROM device at 0xa000 */
	struct memspace_region *rd;	/* RAM device at 0xb000 */
	struct memspace_region *x;	/* unmapped container */
	struct memspace_addrspace *as;
	struct state st;
};

static struct std_tree T;

static void
state_take(struct state *st, struct memspace_addrspace *as)
{
	struct memspace_region *all[] = {
		T.root, T.c, T.d, T.e, T.r, T.a, T.io, T.f, T.rd, T.x,
	};

	st->as = as;
	st->view = tt_hold_view(as);
	st->text = test_format_view(as);
	st->depth = memspace_transaction_depth(tt_ms);
	st->nr = ARRAY_SIZE(all);
	for (size_t i = 0; i < st->nr; i++) {
		struct region_snap *s = &st->r[i];
		const char *owner = memspace_region_get_owner(all[i]);

		*s = (struct region_snap){
			.mr = all[i],
			.parent = memspace_region_get_parent(all[i]),
			.addr = memspace_region_get_address(all[i]),
			.size = memspace_region_get_size(all[i]),
			.alias_offset = memspace_region_get_alias_offset(all[i]),
			.prio = memspace_region_get_priority(all[i]),
			.enabled = memspace_region_is_enabled(all[i]),
			.readonly = memspace_region_is_readonly(all[i]),
			.nonvolatile = memspace_region_is_nonvolatile(all[i]),
			.romd = memspace_region_is_romd(all[i]),
			.owner = owner ? g_strdup(owner) : NULL,
		};
	}
}

/* Assert that nothing observable changed since state_take(). */
static void
state_check_(struct state *st, const char *file, int line)
{
	struct memspace_flatview *now = memspace_addrspace_get_flatview(st->as);
	g_autofree char *text = test_format_view(st->as);

	ck_assert_msg(now == st->view, "%s:%d: the view was replaced", file,
		      line);
	ck_assert_msg(strcmp(text, st->text) == 0,
		      "%s:%d: view changed\nbefore:\n%safter:\n%s", file, line,
		      st->text, text);
	ck_assert_msg(memspace_transaction_depth(tt_ms) == st->depth,
		      "%s:%d: transaction depth changed", file, line);
	for (size_t i = 0; i < st->nr; i++) {
		struct region_snap *s = &st->r[i];
		const char *owner = memspace_region_get_owner(s->mr);
		const char *name = memspace_region_get_name(s->mr);

		ck_assert_msg(memspace_region_get_parent(s->mr) == s->parent,
			      "%s:%d: %s: parent changed", file, line, name);
		ck_assert_msg(memspace_region_get_address(s->mr) == s->addr,
			      "%s:%d: %s: address changed", file, line, name);
		ck_assert_msg(memspace_region_get_size(s->mr) == s->size,
			      "%s:%d: %s: size changed", file, line, name);
		ck_assert_msg(memspace_region_get_alias_offset(s->mr) ==
				      s->alias_offset,
			      "%s:%d: %s: alias offset changed", file, line,
			      name);
		ck_assert_msg(memspace_region_get_priority(s->mr) == s->prio,
			      "%s:%d: %s: priority changed", file, line, name);
		ck_assert_msg(memspace_region_is_enabled(s->mr) == s->enabled &&
				      memspace_region_is_readonly(s->mr) ==
					      s->readonly &&
				      memspace_region_is_nonvolatile(s->mr) ==
					      s->nonvolatile &&
				      memspace_region_is_romd(s->mr) == s->romd,
			      "%s:%d: %s: flags changed", file, line, name);
		ck_assert_msg(g_strcmp0(owner, s->owner) == 0,
			      "%s:%d: %s: owner changed", file, line, name);
	}
	memspace_flatview_unref(now);
}

static void
state_release(struct state *st)
{
	memspace_flatview_unref(st->view);
	g_free(st->text);
	for (size_t i = 0; i < st->nr; i++) {
		g_free(st->r[i].owner);
	}
	st->nr = 0;
}

#define state_check(st) state_check_((st), __FILE__, __LINE__)

static void
errors_setup(void)
{
	tt_setup();
	T.root = tt_container("root", 0x10000);
	T.c = tt_container("c", 0x4000);
	T.d = tt_container("d", 0x2000);
	T.e = tt_ram("e", 0x800);
	T.r = tt_ram("r", 0x1000);
	T.a = tt_alias("a", T.r, 0x800, 0x800);
	T.io = tt_io("io", 0x1000);
	T.f = tt_romdev("f", 0x1000);
	T.rd = tt_ramdev("rd", 0x1000);
	T.x = tt_container("x", 0x1000);
	tt_add(T.d, 0x800, T.e);
	tt_add(T.c, 0, T.d);
	tt_add(T.root, 0x1000, T.c);
	tt_add(T.root, 0x8000, T.r);
	tt_add_prio(T.root, 0x9000, T.io, 1);
	tt_add(T.root, 0xa000, T.f);
	tt_add(T.root, 0xb000, T.rd);
	tt_add(T.root, 0xc000, T.a);
	ck_assert_int_eq(memspace_region_set_owner(T.r, "owner:{r}"), 0);
	T.as = tt_as("as", T.root);
	state_take(&T.st, T.as);
}

static void
errors_teardown(void)
{
	state_release(&T.st);
	tt_teardown();
}

START_TEST(errors_std_tree_renders)
{
	static const struct expect_range exp[] = {
		{ 0x1800, 0x1fff, "e", 0 },
		{ 0x8000, 0x8fff, "r", 0 },
		{ 0x9000, 0x9fff, "io", 0 },
		{ 0xa000, 0xafff, "f", 0 },
		{ 0xb000, 0xbfff, "rd", 0 },
		{ 0xc000, 0xc7ff, "r", 0x800 },
	};

	/* Sanity: the fixture is what the other tests assume. */
	test_assert_view_ro(T.as, exp);
	state_check(&T.st);
}
END_TEST

/* ---- add_subregion ------------------------------------------------------ */

START_TEST(errors_add_twice_same_parent)
{
	ck_assert_int_eq(memspace_region_add_subregion(T.root, 0x4000, T.r),
			 -EEXIST);
	ck_assert_int_eq(memspace_region_add_subregion_overlap(T.root, 0xd000,
							       T.io, 7),
			 -EEXIST);
	ck_assert_int_eq(memspace_region_add_subregion(T.d, 0, T.e), -EEXIST);
	state_check(&T.st);
}
END_TEST

START_TEST(errors_add_mapped_elsewhere)
{
	ck_assert_int_eq(memspace_region_add_subregion(T.c, 0x2000, T.r),
			 -EBUSY);
	ck_assert_int_eq(memspace_region_add_subregion_overlap(T.x, 0, T.e, 2),
			 -EBUSY);
	ck_assert_int_eq(memspace_region_add_subregion(T.root, 0xe000, T.e),
			 -EBUSY);
	state_check(&T.st);
}
END_TEST

START_TEST(errors_add_to_itself)
{
	ck_assert_int_eq(memspace_region_add_subregion(T.x, 0, T.x), -EINVAL);
	ck_assert_int_eq(memspace_region_add_subregion_overlap(T.x, 0, T.x, 1),
			 -EINVAL);
	ck_assert_int_eq(memspace_region_add_subregion(T.root, 0, T.root),
			 -EINVAL);
	state_check(&T.st);
}
END_TEST

START_TEST(errors_add_to_descendant)
{
	/* root is not mapped anywhere, so only the cycle stands in the way. */
	ck_assert_int_eq(memspace_region_add_subregion(T.c, 0, T.root), -ELOOP);
	ck_assert_int_eq(memspace_region_add_subregion(T.d, 0, T.root), -ELOOP);
	ck_assert_int_eq(memspace_region_add_subregion_overlap(T.e, 0, T.root,
							       1),
			 -ELOOP);
	state_check(&T.st);
}
END_TEST

START_TEST(errors_add_to_descendant_unmapped)
{
	struct memspace_region *p = tt_container("p", 0x1000);
	struct memspace_region *q = tt_container("q", 0x1000);
	struct memspace_region *s = tt_io("s", 0x100);

	tt_add(p, 0, q);
	tt_add(q, 0, s);
	ck_assert_int_eq(memspace_region_add_subregion(q, 0, p), -ELOOP);
	ck_assert_int_eq(memspace_region_add_subregion(s, 0, p), -ELOOP);
	ck_assert_ptr_null(memspace_region_get_parent(p));
	ck_assert_ptr_eq(memspace_region_get_parent(q), p);
	state_check(&T.st);
}
END_TEST

START_TEST(errors_alias_cycle_through_containment)
{
	struct memspace_region *ac = tt_alias("ac", T.c, 0, 0x4000);
	struct memspace_region *aac = tt_alias("aac", ac, 0, 0x1000);
	struct memspace_region *ar = tt_alias("ar", T.root, 0, 0x10000);
	struct memspace_region *p = tt_container("p", 0x4000);

	/* An alias of c mapped inside c, directly or deeper. */
	ck_assert_int_eq(memspace_region_add_subregion(T.c, 0x3000, ac), -ELOOP);
	ck_assert_int_eq(memspace_region_add_subregion(T.d, 0, ac), -ELOOP);
	ck_assert_int_eq(memspace_region_add_subregion(T.e, 0, ac), -ELOOP);
	/* Through an alias of the alias. */
	ck_assert_int_eq(memspace_region_add_subregion(T.d, 0, aac), -ELOOP);
	ck_assert_int_eq(memspace_region_add_subregion_overlap(T.c, 0, aac, 1),
			 -ELOOP);
	/* An alias of the root anywhere under the root. */
	ck_assert_int_eq(memspace_region_add_subregion(T.root, 0xe000, ar),
			 -ELOOP);
	ck_assert_int_eq(memspace_region_add_subregion(T.e, 0, ar), -ELOOP);
	/* A container holding the alias, mapped into the aliased region. */
	tt_add(p, 0, ac);
	ck_assert_int_eq(memspace_region_add_subregion(T.c, 0x2000, p), -ELOOP);
	ck_assert_int_eq(memspace_region_add_subregion(T.d, 0, p), -ELOOP);
	ck_assert_ptr_null(memspace_region_get_parent(p));
	state_check(&T.st);
}
END_TEST

START_TEST(errors_add_into_alias)
{
	struct memspace_region *s = tt_io("s", 0x100);

	ck_assert_int_eq(memspace_region_add_subregion(T.a, 0, s), -ENOTDIR);
	ck_assert_int_eq(memspace_region_add_subregion_overlap(T.a, 0, s, 1),
			 -ENOTDIR);
	ck_assert_ptr_null(memspace_region_get_parent(s));
	state_check(&T.st);
}
END_TEST

START_TEST(errors_del_not_a_child)
{
	ck_assert_int_eq(memspace_region_del_subregion(T.root, T.e), -ENOENT);
	ck_assert_int_eq(memspace_region_del_subregion(T.c, T.r), -ENOENT);
	ck_assert_int_eq(memspace_region_del_subregion(T.root, T.x), -ENOENT);
	ck_assert_int_eq(memspace_region_del_subregion(T.root, T.root), -ENOENT);
	ck_assert_int_eq(memspace_region_del_subregion(T.a, T.r), -ENOENT);
	state_check(&T.st);
}
END_TEST

START_TEST(errors_del_twice)
{
	static const struct expect_range exp[] = {
		{ 0x1800, 0x1fff, "e", 0 },
		{ 0x9000, 0x9fff, "io", 0 },
		{ 0xa000, 0xafff, "f", 0 },
		{ 0xb000, 0xbfff, "rd", 0 },
		{ 0xc000, 0xc7ff, "r", 0x800 },
	};
	struct memspace_flatview *held;

	ck_assert_int_eq(memspace_region_del_subregion(T.root, T.r), 0);
	held = tt_hold_view(T.as);
	ck_assert_int_eq(memspace_region_del_subregion(T.root, T.r), -ENOENT);
	tt_assert_same_view(T.as, held);
	test_assert_view_ro(T.as, exp);
}
END_TEST

/* ---- contexts ----------------------------------------------------------- */

START_TEST(errors_cross_context)
{
	struct memspace *ms2 = memspace_new();
	struct memspace_region *y = memspace_region_new_ram(ms2, "y", 0x1000,
							    NULL);
	struct memspace_region *yc = memspace_region_new_container(ms2, "yc",
								   0x1000);

	ck_assert_ptr_nonnull(y);
	ck_assert_ptr_nonnull(yc);
	ck_assert_int_eq(memspace_region_add_subregion(T.root, 0xe000, y),
			 -EXDEV);
	ck_assert_int_eq(memspace_region_add_subregion_overlap(T.x, 0, y, 1),
			 -EXDEV);
	ck_assert_int_eq(memspace_region_add_subregion(yc, 0, T.x), -EXDEV);
	ck_assert_int_eq(memspace_region_del_subregion(T.root, y), -ENOENT);
	errno = 0;
	ck_assert_ptr_null(memspace_region_new_alias(tt_ms, "ya", y, 0, 0x100));
	ck_assert_int_eq(errno, EXDEV);
	errno = 0;
	ck_assert_ptr_null(memspace_addrspace_create(tt_ms, "yas", yc));
	ck_assert_int_eq(errno, EXDEV);
	ck_assert_int_eq(memspace_addrspace_set_machine_ram(T.as, y), -EXDEV);
	ck_assert_ptr_null(memspace_addrspace_get_machine_ram(T.as));
	ck_assert_ptr_null(memspace_region_get_parent(y));
	ck_assert_ptr_null(memspace_region_get_parent(T.x));
	state_check(&T.st);
	memspace_region_unref(yc);
	memspace_region_unref(y);
	memspace_unref(ms2);
}
END_TEST

/* ---- sizes and offsets -------------------------------------------------- */

START_TEST(errors_set_size_beyond_host_memory)
{
	uint8_t *buf = tt_buffer(0x2000);
	struct memspace_region *caller =
		tt_keep(memspace_region_new_ram(tt_ms, "caller", 0x2000, buf));

	ck_assert_int_eq(memspace_region_set_size(T.r, 0x1001), -ERANGE);
	ck_assert_int_eq(memspace_region_set_size(T.r, 0x2000), -ERANGE);
	ck_assert_int_eq(memspace_region_set_size(T.r, UINT64_MAX), -ERANGE);
	ck_assert_int_eq(memspace_region_set_size(T.e, 0x801), -ERANGE);
	ck_assert_int_eq(memspace_region_set_size(T.f, 0x2000), -ERANGE);
	ck_assert_int_eq(memspace_region_set_size(T.rd, 0x1008), -ERANGE);
	ck_assert_int_eq(memspace_region_set_size(caller, 0x2001), -ERANGE);
	ck_assert_uint_eq(memspace_region_get_size(caller), 0x2000);
	state_check(&T.st);

	/* Shrinking and growing back within the host memory works. */
	ck_assert_int_eq(memspace_region_set_size(caller, 0x1000), 0);
	ck_assert_int_eq(memspace_region_set_size(caller, 0x2000), 0);
	ck_assert_uint_eq(memspace_region_get_size(caller), 0x2000);
}
END_TEST

START_TEST(errors_alias_size_overflow)
{
	/* a: offset 0x800, size 0x800. */
	ck_assert_int_eq(memspace_region_set_size(T.a, UINT64_MAX), -EOVERFLOW);
	ck_assert_int_eq(memspace_region_set_size(T.a, UINT64_MAX - 0x7fe),
			 -EOVERFLOW);
	ck_assert_int_eq(memspace_region_set_alias_offset(T.a, UINT64_MAX),
			 -EOVERFLOW);
	ck_assert_int_eq(memspace_region_set_alias_offset(T.a,
							  UINT64_MAX - 0x7fe),
			 -EOVERFLOW);
	state_check(&T.st);

	/* Ending exactly at 2^64 is allowed. */
	ck_assert_int_eq(memspace_region_set_size(T.a, UINT64_MAX - 0x7ff), 0);
	ck_assert_uint_eq(memspace_region_get_size(T.a), UINT64_MAX - 0x7ff);
}
END_TEST

START_TEST(errors_alias_offset_overflow_boundary)
{
	ck_assert_int_eq(memspace_region_set_alias_offset(T.a,
							  UINT64_MAX - 0x7ff),
			 0);
	ck_assert_uint_eq(memspace_region_get_alias_offset(T.a),
			  UINT64_MAX - 0x7ff);
}
END_TEST

START_TEST(errors_wrong_kind)
{
	struct memspace_region *not_rom[] = { T.r, T.io, T.c, T.a, T.rd };
	struct memspace_region *not_alias[] = { T.r, T.io, T.c, T.f, T.rd };

	for (size_t i = 0; i < ARRAY_SIZE(not_rom); i++) {
		ck_assert_int_eq(memspace_region_set_romd(not_rom[i], false),
				 -ENOTTY);
		ck_assert_int_eq(memspace_region_set_romd(not_rom[i], true),
				 -ENOTTY);
	}
	for (size_t i = 0; i < ARRAY_SIZE(not_alias); i++) {
		ck_assert_int_eq(memspace_region_set_alias_offset(not_alias[i],
								  0x10),
				 -ENOTTY);
	}
	state_check(&T.st);
}
END_TEST

/* ---- transactions and address spaces ------------------------------------ */

START_TEST(errors_commit_without_begin)
{
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), -EPERM);
	ck_assert_uint_eq(memspace_transaction_depth(tt_ms), 0);
	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), -EPERM);
	ck_assert_uint_eq(memspace_transaction_depth(tt_ms), 0);
	state_check(&T.st);
}
END_TEST

START_TEST(errors_failure_keeps_transaction_open)
{
	struct memspace_region *s = tt_io("s", 0x100);
	static const struct expect_range exp[] = {
		{ 0x0000, 0x00ff, "s", 0 },
		{ 0x1800, 0x1fff, "e", 0 },
		{ 0x8000, 0x8fff, "r", 0 },
		{ 0x9000, 0x9fff, "io", 0 },
		{ 0xa000, 0xafff, "f", 0 },
		{ 0xb000, 0xbfff, "rd", 0 },
		{ 0xc000, 0xc7ff, "r", 0x800 },
	};

	ck_assert_int_eq(memspace_transaction_begin(tt_ms), 0);
	tt_add(T.root, 0, s);
	ck_assert_int_eq(memspace_region_add_subregion(T.root, 0, T.r), -EEXIST);
	ck_assert_int_eq(memspace_region_set_romd(T.r, true), -ENOTTY);
	ck_assert_uint_eq(memspace_transaction_depth(tt_ms), 1);
	/* Nothing published yet, neither the add nor anything else. */
	ck_assert_ptr_eq(tt_view_ptr(T.as), T.st.view);
	ck_assert_int_eq(memspace_transaction_commit(tt_ms), 0);
	ck_assert_uint_eq(memspace_transaction_depth(tt_ms), 0);
	test_assert_view_ro(T.as, exp);
}
END_TEST

START_TEST(errors_hyp_ioeventfd_set_twice)
{
	ck_assert(!memspace_addrspace_get_hyp_ioeventfd_enabled(T.as));
	ck_assert_int_eq(memspace_addrspace_set_hyp_ioeventfd_enabled(T.as, true),
			 0);
	ck_assert_int_eq(memspace_addrspace_set_hyp_ioeventfd_enabled(T.as, false),
			 -EALREADY);
	ck_assert_int_eq(memspace_addrspace_set_hyp_ioeventfd_enabled(T.as, true),
			 -EALREADY);
	ck_assert(memspace_addrspace_get_hyp_ioeventfd_enabled(T.as));
	state_check(&T.st);
}
END_TEST

/* ---- NULL arguments ----------------------------------------------------- */

START_TEST(errors_null_mutators)
{
	ck_assert_int_eq(memspace_region_add_subregion(NULL, 0, T.x), -EINVAL);
	ck_assert_int_eq(memspace_region_add_subregion(T.root, 0, NULL), -EINVAL);
	ck_assert_int_eq(memspace_region_add_subregion_overlap(NULL, 0, T.x, 1),
			 -EINVAL);
	ck_assert_int_eq(memspace_region_add_subregion_overlap(T.root, 0, NULL,
							       1),
			 -EINVAL);
	ck_assert_int_eq(memspace_region_del_subregion(NULL, T.r), -EINVAL);
	ck_assert_int_eq(memspace_region_del_subregion(T.root, NULL), -EINVAL);
	ck_assert_int_eq(memspace_region_set_enabled(NULL, false), -EINVAL);
	ck_assert_int_eq(memspace_region_set_readonly(NULL, true), -EINVAL);
	ck_assert_int_eq(memspace_region_set_nonvolatile(NULL, true), -EINVAL);
	ck_assert_int_eq(memspace_region_set_unmergeable(NULL, true), -EINVAL);
	ck_assert_int_eq(memspace_region_set_romd(NULL, false), -EINVAL);
	ck_assert_int_eq(memspace_region_set_address(NULL, 0x10), -EINVAL);
	ck_assert_int_eq(memspace_region_set_size(NULL, 0x10), -EINVAL);
	ck_assert_int_eq(memspace_region_set_alias_offset(NULL, 0x10), -EINVAL);
	ck_assert_int_eq(memspace_region_set_owner(NULL, "o"), -EINVAL);
	ck_assert_int_eq(memspace_transaction_begin(NULL), -EINVAL);
	ck_assert_int_eq(memspace_transaction_commit(NULL), -EINVAL);
	ck_assert_int_eq(memspace_addrspace_set_machine_ram(NULL, T.r), -EINVAL);
	ck_assert_int_eq(memspace_addrspace_set_hyp_ioeventfd_enabled(NULL, true),
			 -EINVAL);
	ck_assert_int_eq(memspace_addrspace_destroy(NULL), 0);
	ck_assert_ptr_null(memspace_addrspace_get_machine_ram(T.as));
	ck_assert(!memspace_addrspace_get_hyp_ioeventfd_enabled(T.as));
	state_check(&T.st);
}
END_TEST

START_TEST(errors_null_addrspace_new)
{
	errno = 0;
	ck_assert_ptr_null(memspace_addrspace_create(NULL, "n", T.root));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(memspace_addrspace_create(tt_ms, NULL, T.root));
	ck_assert_int_eq(errno, EINVAL);
	errno = 0;
	ck_assert_ptr_null(memspace_addrspace_create(tt_ms, "n", NULL));
	ck_assert_int_eq(errno, EINVAL);
	state_check(&T.st);
}
END_TEST

START_TEST(errors_flatview_get_range)
{
	struct memspace_flatview *fv = tt_hold_view(T.as);
	size_t nr = memspace_flatview_nr_ranges(fv);
	struct memspace_section sec;

	ck_assert_uint_eq(nr, 6);
	memset(&sec, 0xab, sizeof(sec));
	ck_assert_int_eq(memspace_flatview_get_range(fv, nr, &sec), -ERANGE);
	ck_assert_int_eq(memspace_flatview_get_range(fv, nr + 1, &sec), -ERANGE);
	ck_assert_int_eq(memspace_flatview_get_range(fv, SIZE_MAX, &sec),
			 -ERANGE);
	ck_assert_int_eq(memspace_flatview_get_range(NULL, 0, &sec), -EINVAL);
	ck_assert_int_eq(memspace_flatview_get_range(fv, 0, NULL), -EINVAL);
	ck_assert_int_eq(memspace_flatview_get_range(fv, nr - 1, &sec), 0);
	ck_assert_uint_eq(sec.start, 0xc000);
	ck_assert_ptr_null(memspace_flatview_ref(NULL));
	ck_assert_ptr_null(memspace_flatview_unref(NULL));
	memspace_flatview_unref(fv);
	state_check(&T.st);
}
END_TEST

/* ---- memspace_show ------------------------------------------------------ */

START_TEST(errors_show_bad_arguments)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(memspace_show(tt_ms, f, 1u << 3), -EINVAL);
	ck_assert_int_eq(memspace_show(tt_ms, f, MEMSPACE_SHOW_FLAT | (1u << 7)),
			 -EINVAL);
	ck_assert_int_eq(memspace_show(tt_ms, f, ~0u), -EINVAL);
	ck_assert_int_eq(memspace_show(NULL, f, 0), -EINVAL);
	ck_assert_int_eq(memspace_show(tt_ms, NULL, 0), -EINVAL);
	/* The valid flags are accepted. */
	ck_assert_int_eq(memspace_show(tt_ms, f,
				       MEMSPACE_SHOW_FLAT | MEMSPACE_SHOW_OWNERS),
			 0);
	ck_assert_int_eq(memspace_show(tt_ms, f,
				       MEMSPACE_SHOW_OWNERS |
					       MEMSPACE_SHOW_DISABLED),
			 0);
	fclose(f);
	ck_assert_uint_gt(len, 0);
	free(buf);
	state_check(&T.st);
}
END_TEST

START_TEST(errors_show_write_failure)
{
	FILE *f = fopen("/dev/full", "w");

	if (f == NULL) {
		return;	/* no /dev/full here: nothing to test */
	}
	ck_assert_int_eq(memspace_show(tt_ms, f, 0), -EIO);
	fclose(f);
	state_check(&T.st);
}
END_TEST

static Suite *
errors_suite(void)
{
	Suite *s = suite_create("errors");
	TCase *tc;

	tc = tcase_create("errors:tree");
	tcase_add_checked_fixture(tc, errors_setup, errors_teardown);
	tcase_add_test(tc, errors_std_tree_renders);
	tcase_add_test(tc, errors_add_twice_same_parent);
	tcase_add_test(tc, errors_add_mapped_elsewhere);
	tcase_add_test(tc, errors_add_to_itself);
	tcase_add_test(tc, errors_add_to_descendant);
	tcase_add_test(tc, errors_add_to_descendant_unmapped);
	tcase_add_test(tc, errors_alias_cycle_through_containment);
	tcase_add_test(tc, errors_add_into_alias);
	tcase_add_test(tc, errors_del_not_a_child);
	tcase_add_test(tc, errors_del_twice);
	tcase_add_test(tc, errors_cross_context);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors:attributes");
	tcase_add_checked_fixture(tc, errors_setup, errors_teardown);
	tcase_add_test(tc, errors_set_size_beyond_host_memory);
	tcase_add_test(tc, errors_alias_size_overflow);
	tcase_add_test(tc, errors_alias_offset_overflow_boundary);
	tcase_add_test(tc, errors_wrong_kind);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors:transaction");
	tcase_add_checked_fixture(tc, errors_setup, errors_teardown);
	tcase_add_test(tc, errors_commit_without_begin);
	tcase_add_test(tc, errors_failure_keeps_transaction_open);
	tcase_add_test(tc, errors_hyp_ioeventfd_set_twice);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors:null");
	tcase_add_checked_fixture(tc, errors_setup, errors_teardown);
	tcase_add_test(tc, errors_null_mutators);
	tcase_add_test(tc, errors_null_addrspace_new);
	tcase_add_test(tc, errors_flatview_get_range);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors:show");
	tcase_add_checked_fixture(tc, errors_setup, errors_teardown);
	tcase_add_test(tc, errors_show_bad_arguments);
	tcase_add_test(tc, errors_show_write_failure);
	suite_add_tcase(s, tc);

	return s;
}

TEST_MAIN(errors_suite)
