/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `memspace import`: QEMU's `info mtree` text (plain, -D or -o -D) to a
 * qemu-mtree-tree/1 map, with the attributes the tree dump does not show
 * recovered from `info mtree -f` when given, then checked: the imported
 * map is loaded and its flat view compared with the flat dump.
 */
#include <getopt.h>
#include <string.h>

#include "mtree-text.h"
#include "tool.h"

static int import_run(int argc, char **argv);

const struct tool_command tool_import_command = {
	.name = "import",
	.synopsis = "[--flat MTREE_F] MTREE_TEXT",
	.summary = "convert QEMU `info mtree` text to a map (JSON on stdout)",
	.run = import_run,
};

static void
import_help(void)
{
	tool_print_usage(stdout, &tool_import_command);
	fputs("\n"
	      "Read QEMU's `info mtree` output (best `info mtree -o -D`; plain\n"
	      "and -D work too) and write a qemu-mtree-tree/1 map on stdout.\n"
	      "\n"
	      "  -f, --flat FILE  QEMU's `info mtree -f` of the same state: the\n"
	      "                   attributes the tree does not print (I/O\n"
	      "                   regions that terminate, read-only aliases,\n"
	      "                   size 0 or 1) are inferred from it, listed in\n"
	      "                   each region's \"inferred\", and the result is\n"
	      "                   checked against it\n"
	      "  -h, --help       show this help\n",
	      stdout);
}

static char *
read_text(const char *path)
{
	g_autoptr(GError) error = NULL;
	char *text = NULL;

	if (!g_file_get_contents(path, &text, NULL, &error)) {
		fprintf(stderr, "memspace: %s: cannot read: %s\n", path,
			error->message);
		return NULL;
	}
	return text;
}

static void
count_lines(GHashTable *counts, GPtrArray *views, int delta)
{
	for (guint i = 0; i < views->len; i++) {
		const struct mt_view *v = views->pdata[i];
		char *key = g_strdup_printf("%s\n", v->key);

		g_hash_table_insert(counts, key,
				    GINT_TO_POINTER(GPOINTER_TO_INT(
						    g_hash_table_lookup(counts, key)) +
						    delta));
		for (guint j = 0; j < v->lines->len; j++) {
			char *k = g_strdup_printf("%s\n%s", v->key,
						  (char *)v->lines->pdata[j]);
			int c = GPOINTER_TO_INT(g_hash_table_lookup(counts, k));

			g_hash_table_insert(counts, k,
					    GINT_TO_POINTER(c + delta));
		}
	}
}

/* Lines (and blocks) by which the flat dump of @ml differs from @qemu,
 * compared as multisets per FlatView block (AS lines and root as key). */
static unsigned
flat_distance(struct map_load *ml, GPtrArray *qemu)
{
	g_autoptr(GHashTable) counts =
		g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g_autoptr(GPtrArray) ours = NULL;
	g_autofree char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	GHashTableIter it;
	gpointer value;
	unsigned distance = 0;

	if (!f || memspace_show(ml->ms, f, MEMSPACE_SHOW_FLAT) < 0) {
		if (f) {
			fclose(f);
		}
		return G_MAXUINT;
	}
	fclose(f);
	ours = mt_flat_parse(text, NULL);
	if (!ours) {
		/* An empty context prints nothing. */
		ours = g_ptr_array_new();
	}
	count_lines(counts, qemu, 1);
	count_lines(counts, ours, -1);
	g_hash_table_iter_init(&it, counts);
	while (g_hash_table_iter_next(&it, NULL, &value)) {
		distance += (unsigned)ABS(GPOINTER_TO_INT(value));
	}
	return distance;
}

/*
 * START == END prints both a 1-byte and an empty region: try each such
 * region at size 0 and keep it where the flat view gets closer to QEMU's.
 */
static unsigned
infer_sizes(struct mt_tree *t, struct map_load *ml, GPtrArray *views,
	    unsigned distance)
{
	g_autoptr(GPtrArray) regions = mt_import_regions(t);

	for (guint i = 0; i < regions->len && distance; i++) {
		struct mt_node *n = regions->pdata[i];
		struct memspace_region *mr = ml->regions->pdata[i];
		unsigned d;

		if (!n->size_ambiguous || n->hidden ||
		    memspace_region_set_size(mr, 0) < 0) {
			continue;
		}
		d = flat_distance(ml, views);
		if (d < distance) {
			distance = d;
			n->size = 0;
			n->inferred_size = true;
		} else {
			memspace_region_set_size(mr, 1);
		}
	}
	return distance;
}

static JsonNode *
source_node(const char *tree_path, const char *flat_path, bool reproduces)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autofree char *tree = g_path_get_basename(tree_path);

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "tree_dump");
	json_builder_add_string_value(b, tree);
	if (flat_path) {
		g_autofree char *flat = g_path_get_basename(flat_path);

		json_builder_set_member_name(b, "flat_dump");
		json_builder_add_string_value(b, flat);
		json_builder_set_member_name(b, "reproduces_flat_view");
		json_builder_add_boolean_value(b, reproduces);
	}
	json_builder_end_object(b);
	return json_builder_get_root(b);
}

/* Load the import, settle sizes, and tell whether it reproduces @views. */
static bool
import_check(struct mt_tree *t, GPtrArray *views, const char *tree_path,
	     const char *flat_path)
{
	g_autofree char *json =
		mt_import_json(t, source_node(tree_path, flat_path, false));
	g_autoptr(GError) error = NULL;
	struct map_load *ml = map_load_data(json, -1, &error);
	unsigned distance;

	if (!ml) {
		fprintf(stderr,
			"memspace: %s: warning: the imported map does not "
			"load: %s\n",
			tree_path, error->message);
		return false;
	}
	distance = infer_sizes(t, ml, views, flat_distance(ml, views));
	map_load_free(ml);
	if (distance) {
		fprintf(stderr,
			"memspace: %s: warning: the imported map's flat view "
			"differs from %s in %u lines\n",
			tree_path, flat_path, distance);
	}
	return distance == 0;
}

static int
import_file(const char *tree_path, const char *flat_path)
{
	g_autofree char *tree_text = read_text(tree_path);
	g_autofree char *flat_text = NULL;
	g_autoptr(GPtrArray) views = NULL;
	g_autoptr(GError) error = NULL;
	struct mt_tree *t;
	bool reproduces = false;

	if (!tree_text) {
		return TOOL_FAILED;
	}
	if (flat_path) {
		flat_text = read_text(flat_path);
		if (!flat_text) {
			return TOOL_FAILED;
		}
		views = mt_flat_parse(flat_text, &error);
		if (!views) {
			fprintf(stderr, "memspace: %s:%s\n", flat_path,
				error->message);
			return TOOL_FAILED;
		}
	}
	t = mt_tree_parse(tree_text, &error);
	if (!t || !mt_import_resolve(t, views, &error)) {
		fprintf(stderr, "memspace: %s:%s\n", tree_path, error->message);
		mt_tree_free(t);
		return TOOL_FAILED;
	}
	if (views) {
		reproduces = import_check(t, views, tree_path, flat_path);
	}

	g_autofree char *json =
		mt_import_json(t, source_node(tree_path, flat_path, reproduces));

	mt_tree_free(t);
	fputs(json, stdout);
	fputc('\n', stdout);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "memspace: import: cannot write the map\n");
		return TOOL_FAILED;
	}
	return TOOL_OK;
}

static int
import_run(int argc, char **argv)
{
	static const struct option options[] = {
		{ "flat", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *flat = NULL;
	int opt;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "f:h", options, NULL)) != -1) {
		switch (opt) {
		case 'f':
			flat = optarg;
			break;
		case 'h':
			import_help();
			return TOOL_OK;
		default:
			return tool_usage_error(&tool_import_command,
						"invalid option '%s'",
						argv[optind - 1]);
		}
	}
	if (argc - optind != 1) {
		return tool_usage_error(&tool_import_command,
					"expected one MTREE_TEXT file");
	}
	return import_file(argv[optind], flat);
}
