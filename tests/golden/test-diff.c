/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `memspace diff A B` tells exactly what a recording listener is told: on
 * every sample, random mutation sequences are committed on a live context
 * whose address spaces carry recorders; the maps exported before and after
 * each commit are diffed by the tool, and its events (per address space,
 * in order) must equal the recorded callbacks; the exit status says whether
 * anything changed.  Mutations include adding and removing ioeventfds,
 * which the export carries and diff reports.  The tool's path is the first
 * argument.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "map-load.h"
#include "test-common.h"
#include "test-listener-recorder.h"
#include "tool-run.h"

#define ROUNDS 10

static void
export_to(struct memspace *ms, const char *path)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(memspace_export_json(ms, f), 0);
	ck_assert_int_eq(fclose(f), 0);
}

static uint64_t
parse_hex(JsonObject *o, const char *key)
{
	return g_ascii_strtoull(json_object_get_string_member(o, key), NULL,
				16);
}

/* The tool's ioeventfd changes of one address space, in the recorder's
 * format ("asK eventfd_add ADDR/SIZE any|=DATA name@off"). */
static void
add_eventfd_lines(GPtrArray *lines, JsonObject *as, const char *key,
		  bool on)
{
	JsonArray *a = json_object_get_array_member(as, key);

	for (guint i = 0; on && i < json_array_get_length(a); i++) {
		JsonObject *e = json_array_get_object_element(a, i);
		g_autofree char *data =
			json_object_get_boolean_member(e, "match_data") ?
				g_strdup_printf("=%" PRIx64,
						parse_hex(e, "data")) :
				g_strdup("any");

		g_ptr_array_add(lines,
				g_strdup_printf(
					"as%" PRId64 " %s %" PRIx64 "/%" PRIu64
					" %s %s@%" PRIx64,
					json_object_get_int_member(as, "index"),
					key, parse_hex(e, "addr"),
					parse_hex(e, "size"), data,
					json_object_get_string_member(e, "name"),
					parse_hex(e, "offset")));
	}
}

/* The tool's events in the recorder's format ("asK add|del|nop [s-l]
 * name@off[ ro][ romd]"), address space by address space. */
static GPtrArray *
tool_events(const char *json)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
	JsonArray *ases;

	ck_assert(json_parser_load_from_data(parser, json, -1, NULL));
	ases = json_object_get_array_member(
		json_node_get_object(json_parser_get_root(parser)),
		"address_spaces");
	for (guint k = 0; k < json_array_get_length(ases); k++) {
		JsonObject *as = json_array_get_object_element(ases, k);
		JsonArray *ev = json_object_get_array_member(as, "events");

		ck_assert_str_eq(json_object_get_string_member(as, "in"),
				 "both");

		for (guint i = 0; i < json_array_get_length(ev); i++) {
			JsonObject *e = json_array_get_object_element(ev, i);

			g_ptr_array_add(
				lines,
				g_strdup_printf(
					"as%" PRId64 " %s [%" PRIx64
					"-%" PRIx64 "] %s@%" PRIx64 "%s%s",
					json_object_get_int_member(as, "index"),
					/* the recorder's words */
					json_object_get_string_member(
						e, "callback") +
						strlen("region_"),
					parse_hex(e, "start"),
					parse_hex(e, "last"),
					json_object_get_string_member(e, "name"),
					parse_hex(e, "offset"),
					json_object_get_boolean_member(
						e, "readonly") ?
						" ro" :
						"",
					json_object_get_boolean_member(e,
								       "romd") ?
						" romd" :
						""));
		}
		add_eventfd_lines(lines, as, "eventfd_del", true);
		add_eventfd_lines(lines, as, "eventfd_add", true);
	}
	return lines;
}

/* The recorded region callbacks, grouped by address space in index order
 * (begin and commit frame them; the recorder says add, del, nop). */
static GPtrArray *
recorded_events(GPtrArray *log, guint nr_as)
{
	GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);

	for (guint k = 0; k < nr_as; k++) {
		g_autofree char *tag = g_strdup_printf("as%u ", k);

		for (guint i = 0; i < log->len; i++) {
			const char *l = log->pdata[i];
			const char *cb = l + strlen(tag);

			if (g_str_has_prefix(l, tag) &&
			    (g_str_has_prefix(cb, "add ") ||
			     g_str_has_prefix(cb, "del ") ||
			     g_str_has_prefix(cb, "nop ") ||
			     g_str_has_prefix(cb, "eventfd_"))) {
				g_ptr_array_add(lines, g_strdup(l));
			}
		}
	}
	return lines;
}

static char *
join(GPtrArray *lines)
{
	g_autoptr(GString) s = g_string_new(NULL);

	for (guint i = 0; i < lines->len; i++) {
		g_string_append_printf(s, "%s\n", (char *)lines->pdata[i]);
	}
	return g_string_free(g_steal_pointer(&s), FALSE);
}

/* An ioeventfd the test registered, for removing it again. */
struct test_fd {
	struct memspace_region *mr;
	uint64_t addr, size, data;
	bool match;
	int fd;
};

/* Register an ioeventfd on a random I/O or ROM device region, or remove
 * one registered before. */
static void
mutate_eventfd(GRand *rand, struct map_load *ml, GArray *fds)
{
	struct memspace_region *mr =
		ml->regions->pdata[g_rand_int_range(rand, 0,
						    (gint32)ml->regions->len)];
	enum memspace_region_kind kind = memspace_region_get_kind(mr);
	static const uint64_t sizes[] = { 0, 1, 2, 4, 8 };
	struct test_fd t = { .mr = mr };

	if (fds->len && g_rand_boolean(rand)) {
		guint i = (guint)g_rand_int_range(rand, 0, (gint32)fds->len);
		struct test_fd *d = &g_array_index(fds, struct test_fd, i);

		ck_assert_int_eq(memspace_region_del_eventfd(d->mr, d->addr,
							     d->size, d->match,
							     d->data, d->fd),
				 0);
		close(d->fd);
		g_array_remove_index_fast(fds, i);
		return;
	}
	if ((kind != MEMSPACE_REGION_IO &&
	     kind != MEMSPACE_REGION_ROM_DEVICE) ||
	    memspace_region_get_size(mr) < 16) {
		return;
	}
	t.size = sizes[g_rand_int_range(rand, 0, G_N_ELEMENTS(sizes))];
	t.addr = (uint64_t)g_rand_int_range(
			 rand, 0, (gint32)MIN(memspace_region_get_size(mr), 64)) &
		 ~(uint64_t)7;
	t.match = t.size && g_rand_boolean(rand);
	t.data = t.match ? (uint64_t)g_rand_int_range(rand, 0, 4) : 0;
	t.fd = eventfd(0, EFD_CLOEXEC);
	ck_assert_int_ge(t.fd, 0);
	if (memspace_region_add_eventfd(mr, t.addr, t.size, t.match, t.data,
					t.fd) == 0) {
		g_array_append_val(fds, t);
	} else {
		close(t.fd);
	}
}

/* One random change; errors (a move past 2^64, a size beyond host
 * memory) leave the region as it was and are fine. */
static void
mutate(GRand *rand, struct map_load *ml, GArray *fds)
{
	struct memspace_region *mr =
		ml->regions->pdata[g_rand_int_range(rand, 0,
						    (gint32)ml->regions->len)];
	uint64_t page = (uint64_t)0x1000 << g_rand_int_range(rand, 0, 8);
	uint64_t size = memspace_region_get_size(mr);

	switch (g_rand_int_range(rand, 0, 8)) {
	case 6:
	case 7:
		mutate_eventfd(rand, ml, fds);
		break;
	case 0:
		(void)memspace_region_set_enabled(
			mr, !memspace_region_is_enabled(mr));
		break;
	case 1:
		(void)memspace_region_set_address(
			mr, memspace_region_get_address(mr) ^ page);
		break;
	case 2:
		(void)memspace_region_set_readonly(
			mr, !memspace_region_is_readonly(mr));
		break;
	case 3:
		if (memspace_region_get_kind(mr) == MEMSPACE_REGION_ALIAS) {
			(void)memspace_region_set_alias_offset(
				mr, memspace_region_get_alias_offset(mr) ^ page);
		}
		break;
	case 4:
		if (size != UINT64_MAX && size > 1) {
			(void)memspace_region_set_size(mr, size / 2);
		}
		break;
	default:
		if (memspace_region_get_kind(mr) ==
		    MEMSPACE_REGION_ROM_DEVICE) {
			(void)memspace_region_set_romd(
				mr, !memspace_region_is_romd(mr));
		} else {
			(void)memspace_region_set_nonvolatile(
				mr, !memspace_region_is_nonvolatile(mr));
		}
		break;
	}
}

static void
check_sample(const char *dir, guint seed, guint *total_eventfd_changes)
{
	g_autofree char *tree = g_build_filename(dir, "tree.json", NULL);
	g_autofree char *a = tool_run_file("a.json", NULL);
	g_autofree char *b = tool_run_file("b.json", NULL);
	g_autoptr(GPtrArray) log = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GRand) rand = g_rand_new_with_seed(seed);
	g_autoptr(GError) error = NULL;
	struct map_load *ml = map_load_file(tree, &error);
	g_autoptr(GArray) fds = g_array_new(FALSE, FALSE,
					    sizeof(struct test_fd));
	struct recorder *recs;
	guint changed = 0, eventfd_changes = 0;

	ck_assert_msg(ml, "%s: %s", tree, error ? error->message : "?");
	recs = g_new0(struct recorder, ml->addrspaces->len);
	for (guint k = 0; k < ml->addrspaces->len; k++) {
		recorder_attach(&recs[k], g_strdup_printf("as%u", k), log,
				ml->addrspaces->pdata[k]);
	}
	for (guint round = 0; round < ROUNDS; round++) {
		export_to(ml->ms, a);
		recorder_clear(log);
		ck_assert_int_eq(memspace_transaction_begin(ml->ms), 0);
		for (gint m = g_rand_int_range(rand, 1, 5); m > 0; m--) {
			mutate(rand, ml, fds);
		}
		ck_assert_int_eq(memspace_transaction_commit(ml->ms), 0);
		export_to(ml->ms, b);

		struct test_run r = TOOL_RUN("diff", "--json", a, b);
		g_autoptr(GPtrArray) got = tool_events(r.out);
		g_autoptr(GPtrArray) want =
			recorded_events(log, ml->addrspaces->len);
		g_autofree char *got_s = join(got);
		g_autofree char *want_s = join(want);
		bool differs = strstr(want_s, " add [") ||
			       strstr(want_s, " del [") ||
			       strstr(want_s, " eventfd_");

		eventfd_changes += strstr(want_s, " eventfd_") != NULL;

		if (strcmp(got_s, want_s) != 0) {
			/* Check's messages are short: the logs go to stderr. */
			fprintf(stderr, "--- listener\n%s--- diff\n%s", want_s,
				got_s);
			ck_abort_msg("%s round %u: diff differs from the "
				     "listener (see stderr)",
				     tree, round);
		}
		ck_assert_int_eq(r.status, differs ? 1 : 0);
		changed += differs;
		test_run_clear(&r);
	}
	/* The sequence really changed the map. */
	ck_assert_uint_gt(changed, 0);
	for (guint i = 0; i < fds->len; i++) {
		close(g_array_index(fds, struct test_fd, i).fd);
	}
	*total_eventfd_changes += eventfd_changes;
	for (guint k = 0; k < ml->addrspaces->len; k++) {
		recorder_unregister(&recs[k], 0);
		g_free((char *)recs[k].tag);
	}
	g_free(recs);
	map_load_free(ml);
}

START_TEST(diff_agrees_with_listener)
{
	g_autoptr(GPtrArray) dirs = test_sample_dirs();
	guint eventfd_changes = 0;

	ck_assert_uint_gt(dirs->len, 0);
	for (guint i = 0; i < dirs->len; i++) {
		check_sample(dirs->pdata[i], 1000 + i, &eventfd_changes);
	}
	/* The ioeventfd part was exercised too. */
	ck_assert_uint_gt(eventfd_changes, 3);
}
END_TEST

START_TEST(diff_text_and_status)
{
	g_autofree char *q35 = test_sample_path("x86-q35-128m", "tree.json");
	g_autofree char *ports =
		test_sample_path("x86-q35-pcie-ports-booted", "tree.json");
	struct test_run r = TOOL_RUN("diff", q35, q35);

	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "");
	test_run_clear(&r);

	r = TOOL_RUN("diff", q35, ports);
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(g_str_has_prefix(r.out, "--- "), "%s", r.out);
	/* SeaBIOS mapped the AHCI BAR: added, in flat-dump form. */
	ck_assert_msg(strstr(r.out, "\n+ 00000000fea15000-00000000fea15fff "
				    "(prio 1, i/o): ahci\n"),
		      "%s", r.out);
	ck_assert_msg(strstr(r.out, "address-space: memory\n"), "%s", r.out);
	test_run_clear(&r);

	r = TOOL_RUN("diff", q35);
	ck_assert_int_eq(r.status, 2);
	test_run_clear(&r);
	r = TOOL_RUN("diff", q35, "/nonexistent.json");
	ck_assert_int_eq(r.status, 2);
	ck_assert(g_str_has_prefix(r.err, "memspace: /nonexistent.json: "));
	test_run_clear(&r);
}
END_TEST

static Suite *
diff_suite(void)
{
	Suite *s = suite_create("diff");
	TCase *tc = tcase_create("diff");

	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, diff_agrees_with_listener);
	tcase_add_test(tc, diff_text_and_status);
	suite_add_tcase(s, tc);
	return s;
}

int
main(int argc, char **argv)
{
	return tool_run_main(argc, argv, diff_suite);
}
