/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `memspace draw`: an address space as an SVG picture.  The bottom strip
 * of each row holds the flat ranges, coloured by kind; above it, the tree
 * layers that produce them, root at the top (an icicle chart): each box is
 * a container, alias or region on the path from the root to the ranges
 * below it.  A box outlined in red dashes hides, where it stands, a region
 * of lower priority (or an earlier sibling of equal priority), named in
 * its label and tooltip.  The address axis is segmented: every range gets
 * a width that grows with the logarithm of its size, and gaps shrink to a
 * fixed break, so that a 4 KiB device and 4 GiB of RAM are both visible.
 *
 * The tree is read from the map's own qemu-mtree-tree/1 export, so the
 * tool draws any context the same way, built-in or loaded.
 */
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "tool.h"

static int draw_run(int argc, char **argv);

const struct tool_command tool_draw_command = {
	.name = "draw",
	.synopsis = "[--as NAME] [MAP]",
	.summary = "draw an address space as SVG (on stdout)",
	.run = draw_run,
};

static void
draw_help(void)
{
	tool_print_usage(stdout, &tool_draw_command);
	fputs("\n"
	      "Draw the address space NAME (default: memory) of MAP (without\n"
	      "MAP, the built-in PC) as an SVG picture on stdout: the flat\n"
	      "ranges coloured by kind, above them the regions that produce\n"
	      "them, on a segmented address axis.\n"
	      "\n"
	      "  -a, --as NAME  the address space to draw\n"
	      "  -h, --help     show this help\n",
	      stdout);
}

/* Layout, in pixels. */
#define ROW_WIDTH 1500.0
#define MARGIN 50.0
#define LAYER_H 20.0
#define STRIP_H 120.0
#define AXIS_H 86.0
#define GAP_W 18.0
#define FONT 11.0
#define CHAR_W 6.3

/* A region of the exported document. */
struct dnode {
	const char *name;
	const char *type;
	uint64_t addr;
	uint64_t size; /* UINT64_MAX: 2^64 */
	int32_t priority;
	bool enabled;
	bool terminates;
	int alias;
	uint64_t alias_offset;
	GArray *children; /* int */
};

struct ddoc {
	JsonParser *parser;
	struct dnode *nodes;
	guint nr;
	int root;
};

/* One horizontal piece of the axis: a flat range or a gap. */
struct seg {
	bool gap;
	struct memspace_section sec; /* ranges */
	uint64_t start, last;
	double x, w;
	guint row;
	GArray *path;	/* int node indices, root first (ranges) */
	GArray *hidden; /* int per path level: a hidden sibling or -1 */
};

static uint64_t
hex(JsonObject *o, const char *key)
{
	return g_ascii_strtoull(json_object_get_string_member(o, key), NULL,
				16);
}

static void
ddoc_free(struct ddoc *d)
{
	for (guint i = 0; i < d->nr; i++) {
		g_array_free(d->nodes[i].children, TRUE);
	}
	g_free(d->nodes);
	g_clear_object(&d->parser);
}

/* Parse the export of @ml; the root is @as_name's. */
static bool
ddoc_load(struct ddoc *d, struct map_load *ml, const char *as_name)
{
	g_autofree char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	JsonObject *doc;
	JsonArray *regions, *ases;

	if (!f || memspace_export_json(ml->ms, f) < 0) {
		if (f) {
			fclose(f);
		}
		return false;
	}
	fclose(f);
	d->parser = json_parser_new();
	if (!json_parser_load_from_data(d->parser, text, (gssize)len, NULL)) {
		return false;
	}
	doc = json_node_get_object(json_parser_get_root(d->parser));
	regions = json_object_get_array_member(doc, "regions");
	ases = json_object_get_array_member(doc, "address_spaces");
	d->nr = json_array_get_length(regions);
	d->nodes = g_new0(struct dnode, d->nr);
	d->root = -1;
	/* The export's ids are dense and in order. */
	for (guint i = 0; i < d->nr; i++) {
		JsonObject *o = json_array_get_object_element(regions, i);
		JsonArray *c = json_object_get_array_member(o, "children");
		struct dnode *n = &d->nodes[i];

		n->name = json_object_get_string_member(o, "name");
		n->type = json_object_get_string_member(o, "type");
		n->addr = hex(o, "addr");
		n->size = hex(o, "size");
		n->priority = (int32_t)json_object_get_int_member(o, "priority");
		n->enabled = json_object_get_boolean_member(o, "enabled");
		n->terminates = json_object_get_boolean_member(o, "terminates");
		n->alias = -1;
		if (json_object_has_member(o, "alias")) {
			JsonObject *a = json_object_get_object_member(o, "alias");

			n->alias = (int)json_object_get_int_member(a, "target");
			n->alias_offset = hex(a, "offset");
		}
		n->children = g_array_new(FALSE, FALSE, sizeof(int));
		for (guint k = 0; k < json_array_get_length(c); k++) {
			int v = (int)json_array_get_int_element(c, k);

			g_array_append_val(n->children, v);
		}
	}
	for (guint i = 0; i < json_array_get_length(ases) && d->root < 0; i++) {
		JsonObject *a = json_array_get_object_element(ases, i);

		if (strcmp(json_object_get_string_member(a, "name"), as_name) ==
		    0) {
			d->root = (int)json_object_get_int_member(a, "root");
		}
	}
	return d->root >= 0;
}

static bool
node_covers(const struct dnode *n, uint64_t abs, uint64_t addr)
{
	return n->enabled && (n->size == UINT64_MAX || addr - abs < n->size);
}

/*
 * The path that renders @addr below node @i (at @base plus its address),
 * as the renderer walks it: aliases into their targets, subregions in
 * render order before the region itself.  @hidden gets, per level, the
 * first later sibling that also covers @addr (the winner hides it).
 */
static bool
walk(const struct ddoc *d, int i, uint64_t base, uint64_t addr, GArray *path,
     GArray *hidden)
{
	const struct dnode *n = &d->nodes[i];
	uint64_t abs = base + n->addr;
	int none = -1;

	if (!node_covers(n, abs, addr)) {
		return false;
	}
	g_array_append_val(path, i);
	g_array_append_val(hidden, none);
	if (n->alias >= 0) {
		const struct dnode *t = &d->nodes[n->alias];

		if (walk(d, n->alias, abs - n->alias_offset - t->addr, addr,
			 path, hidden)) {
			return true;
		}
	} else {
		for (guint k = 0; k < n->children->len; k++) {
			int c = g_array_index(n->children, int, k);
			guint level = path->len;

			if (!walk(d, c, abs, addr, path, hidden)) {
				continue;
			}
			/* The winner hides a later sibling covering @addr. */
			for (guint h = k + 1; h < n->children->len; h++) {
				int sib = g_array_index(n->children, int, h);

				if (node_covers(&d->nodes[sib],
						abs + d->nodes[sib].addr, addr)) {
					g_array_index(hidden, int, level) = sib;
					break;
				}
			}
			return true;
		}
		if (n->terminates) {
			return true;
		}
	}
	g_array_set_size(path, path->len - 1);
	g_array_set_size(hidden, hidden->len - 1);
	return false;
}

static void
xml_text(FILE *out, const char *s)
{
	g_autofree char *e = g_markup_escape_text(s, -1);

	fputs(e, out);
}

/* "4 KiB", "1.5 GiB", "2^64 B". */
static char *
size_text(uint64_t start, uint64_t last)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB",
					     "PiB", "EiB" };
	double v;
	int u = 0;

	if (start == 0 && last == UINT64_MAX) {
		return g_strdup("16 EiB");
	}
	v = (double)(last - start) + 1.0;
	while (v >= 1024.0 && u < 6) {
		v /= 1024.0;
		u++;
	}
	return v == floor(v) ? g_strdup_printf("%.0f %s", v, units[u]) :
			       g_strdup_printf("%.1f %s", v, units[u]);
}

static const char *
range_colour(const char *type)
{
	if (strcmp(type, "ram") == 0) {
		return "#8fd19e";
	}
	if (strcmp(type, "rom") == 0) {
		return "#8db8e8";
	}
	if (strcmp(type, "romd") == 0) {
		return "#6cc9c4";
	}
	if (strcmp(type, "ramd") == 0) {
		return "#cfcf6a";
	}
	return "#f4ad6d";
}

static const char *
node_colour(const struct dnode *n)
{
	if (n->alias >= 0) {
		return "#e3d7f7";
	}
	if (n->terminates) {
		return "#fbd9b4";
	}
	return "#e9e9e9";
}

struct draw {
	FILE *out;
	const struct ddoc *doc;
	GArray *segs;
	guint nr_rows;
};

static void
seg_clear(void *p)
{
	struct seg *s = p;

	if (s->path) {
		g_array_free(s->path, TRUE);
		g_array_free(s->hidden, TRUE);
	}
}

static void
add_gap(GArray *segs, uint64_t start, uint64_t last)
{
	struct seg s = { .gap = true, .start = start, .last = last,
			 .w = GAP_W };

	g_array_append_val(segs, s);
}

static void
build_segments(struct draw *dr, struct memspace_flatview *fv)
{
	uint64_t next = 0;
	bool wrapped = false;
	size_t nr = memspace_flatview_nr_ranges(fv);

	for (size_t i = 0; i < nr; i++) {
		struct seg s = { 0 };

		memspace_flatview_get_range(fv, i, &s.sec);
		s.start = s.sec.start;
		s.last = s.sec.last;
		if (!wrapped && s.start != next) {
			add_gap(dr->segs, next, s.start - 1);
		}
		s.w = 18.0 + 6.5 * log2((double)(s.last - s.start) + 1.0);
		s.path = g_array_new(FALSE, FALSE, sizeof(int));
		s.hidden = g_array_new(FALSE, FALSE, sizeof(int));
		walk(dr->doc, dr->doc->root, 0, s.start, s.path, s.hidden);
		g_array_append_val(dr->segs, s);
		next = s.last + 1;
		wrapped = s.last == UINT64_MAX;
	}
	if (!wrapped) {
		add_gap(dr->segs, next, UINT64_MAX);
	}
}

static void
layout_rows(struct draw *dr)
{
	double x = MARGIN;
	guint row = 0;

	for (guint i = 0; i < dr->segs->len; i++) {
		struct seg *s = &g_array_index(dr->segs, struct seg, i);

		if (x + s->w > MARGIN + ROW_WIDTH && x > MARGIN) {
			row++;
			x = MARGIN;
		}
		s->x = x;
		s->row = row;
		x += s->w;
	}
	dr->nr_rows = row + 1;
}

static guint seg_layers(const struct draw *dr, const struct seg *s);

/* Tree layers of a row: the most any of its segments shows. */
static guint
row_layers(const struct draw *dr, guint row)
{
	guint layers = 0;

	for (guint i = 0; i < dr->segs->len; i++) {
		const struct seg *s = &g_array_index(dr->segs, struct seg, i);

		if (s->row == row) {
			layers = MAX(layers, seg_layers(dr, s));
		}
	}
	return layers;
}

static double
row_height(guint layers)
{
	return layers * LAYER_H + STRIP_H + AXIS_H + 18.0;
}

/* A label that fits @w pixels: the text, or its start and an ellipsis. */
static char *
fit(const char *text, double w)
{
	glong max = (glong)((w - 6.0) / CHAR_W);
	glong len = g_utf8_strlen(text, -1);

	if (len <= max) {
		return g_strdup(text);
	}
	if (max < 2) {
		return NULL;
	}
	g_autofree char *head = g_utf8_substring(text, 0, max - 1);

	return g_strconcat(head, "\u2026", NULL);
}

static void
draw_box(const struct draw *dr, double x, double y, double w, double h,
	 const struct dnode *n, int hidden)
{
	FILE *out = dr->out;
	g_autofree char *label = NULL;
	g_autofree char *fitted = NULL;

	if (n->alias >= 0) {
		label = g_strdup_printf("%s \u2192 %s", n->name,
					dr->doc->nodes[n->alias].name);
	} else {
		label = g_strdup(n->name);
	}
	if (hidden >= 0) {
		char *l = g_strdup_printf("%s (hides %s)", label,
					  dr->doc->nodes[hidden].name);

		g_free(label);
		label = l;
	}
	fputs("<g><title>", out);
	xml_text(out, label);
	fprintf(out,
		", prio %" PRId32 ", size %#" PRIx64 "%s</title>"
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		"fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\"%s/>",
		n->priority, n->size, n->size == UINT64_MAX ? " (2^64)" : "",
		x, y, w, h, node_colour(n),
		hidden >= 0 ? "#d62828" : "#777777",
		hidden >= 0 ? "1.6" : "0.6",
		hidden >= 0 ? " stroke-dasharray=\"4 2\"" : "");
	fitted = fit(label, w);
	if (fitted) {
		fprintf(out,
			"<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.0f\">",
			x + 3.0, y + h - 6.0, FONT);
		xml_text(out, fitted);
		fputs("</text>", out);
	}
	fputs("</g>\n", out);
}

/*
 * Layers a range segment shows above its strip: its path without the
 * terminating region, except that a region rendering in the gaps between
 * its own subregions (QEMU's `io`, `vga.mmio`) keeps its box, so that it
 * reads as one region over its pieces and its subregions.
 */
static guint
seg_layers(const struct draw *dr, const struct seg *s)
{
	int last;

	if (s->gap || !s->path->len) {
		return 0;
	}
	last = g_array_index(s->path, int, s->path->len - 1);
	return s->path->len - 1 + (dr->doc->nodes[last].children->len > 0);
}

/* Whether range segment @t continues the box of @s at layer @j. */
static bool
same_box(const struct draw *dr, const struct seg *s, const struct seg *t,
	 guint j)
{
	return seg_layers(dr, t) > j &&
	       g_array_index(t->path, int, j) == g_array_index(s->path, int, j) &&
	       (j == 0 || g_array_index(t->path, int, j - 1) ==
				  g_array_index(s->path, int, j - 1));
}

/* The boxes of layer @j of @row: runs of segments sharing path[j] (gaps
 * between them included, so that a container reads as one box). */
static void
draw_layer(const struct draw *dr, guint row, guint j, double y)
{
	guint i = 0;

	while (i < dr->segs->len) {
		const struct seg *s = &g_array_index(dr->segs, struct seg, i);
		int hidden;
		double x1;

		if (s->row != row || seg_layers(dr, s) <= j) {
			i++;
			continue;
		}
		hidden = g_array_index(s->hidden, int, j);
		x1 = s->x + s->w;
		for (i++; i < dr->segs->len; i++) {
			const struct seg *t =
				&g_array_index(dr->segs, struct seg, i);

			if (t->row != row) {
				break;
			}
			if (t->gap) {
				continue;
			}
			if (!same_box(dr, s, t, j)) {
				break;
			}
			if (hidden < 0) {
				hidden = g_array_index(t->hidden, int, j);
			}
			x1 = t->x + t->w;
		}
		draw_box(dr, s->x, y, x1 - s->x, LAYER_H,
			 &dr->doc->nodes[g_array_index(s->path, int, j)],
			 hidden);
	}
}

static void
draw_range(const struct draw *dr, const struct seg *s, double y)
{
	FILE *out = dr->out;
	const char *type = tool_range_type(&s->sec);
	const char *name = memspace_region_get_name(s->sec.mr);
	g_autofree char *size = size_text(s->start, s->last);
	int hidden = s->hidden->len ? g_array_index(s->hidden, int,
						    s->hidden->len - 1) :
				      -1;
	g_autofree char *fitted = NULL;

	fprintf(out,
		"<g><title>%016" PRIx64 "-%016" PRIx64 " (%s) ",
		s->start, s->last, type);
	xml_text(out, name);
	fprintf(out, " @%" PRIx64 ", %s</title>", s->sec.offset_in_region,
		size);
	fprintf(out,
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		"fill=\"%s\" stroke=\"%s\" stroke-width=\"%s\"%s/>",
		s->x, y, s->w, STRIP_H, range_colour(type),
		hidden >= 0 ? "#d62828" : "#555555",
		hidden >= 0 ? "1.6" : "0.8",
		hidden >= 0 ? " stroke-dasharray=\"4 2\"" : "");
	/* Name and size upright, along the range. */
	fitted = fit(name, STRIP_H - 4.0);
	if (fitted) {
		double cx = s->x + s->w / 2.0;

		fprintf(out,
			"<text transform=\"translate(%.1f %.1f) rotate(-90)\" "
			"font-size=\"%.0f\">",
			cx - 1.0, y + STRIP_H - 5.0, FONT);
		xml_text(out, fitted);
		fprintf(out,
			"</text><text transform=\"translate(%.1f %.1f) "
			"rotate(-90)\" font-size=\"9\" fill=\"#333\">%s %s"
			"</text>",
			cx + 10.0, y + STRIP_H - 5.0, size, type);
	}
	fputs("</g>\n", out);
}

static void
draw_gap(const struct draw *dr, const struct seg *s, double y)
{
	fprintf(dr->out,
		"<g><title>unassigned %016" PRIx64 "-%016" PRIx64 "</title>"
		"<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
		"fill=\"url(#gap)\" stroke=\"#bbbbbb\" stroke-width=\"0.6\"/>"
		"<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" "
		"text-anchor=\"middle\" fill=\"#888\">\u2248</text></g>\n",
		s->start, s->last, s->x, y, s->w, STRIP_H, s->x + s->w / 2.0,
		y + STRIP_H / 2.0);
}

static void
draw_tick(FILE *out, double x, double y, uint64_t addr)
{
	fprintf(out,
		"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
		"stroke=\"#444\" stroke-width=\"0.6\"/>"
		"<text transform=\"translate(%.1f %.1f) rotate(-60)\" "
		"font-size=\"9\" text-anchor=\"end\" "
		"font-family=\"monospace\">%" PRIx64 "</text>\n",
		x, y, x, y + 5.0, x + 3.0, y + 8.0, addr);
}

static void
draw_row(const struct draw *dr, guint row, double y)
{
	guint layers = row_layers(dr, row);
	double strip_y = y + layers * LAYER_H;
	double axis_y = strip_y + STRIP_H;
	const struct seg *last = NULL;

	for (guint j = 0; j < layers; j++) {
		draw_layer(dr, row, j, y + j * LAYER_H);
	}
	for (guint i = 0; i < dr->segs->len; i++) {
		const struct seg *s = &g_array_index(dr->segs, struct seg, i);

		if (s->row != row) {
			continue;
		}
		if (s->gap) {
			draw_gap(dr, s, strip_y);
		} else {
			draw_range(dr, s, strip_y);
		}
		/* Gaps are narrow: their start is in their tooltip. */
		if (!s->gap) {
			draw_tick(dr->out, s->x, axis_y, s->start);
		}
		last = s;
	}
	if (last) {
		/* The row ends at the last address it shows. */
		fprintf(dr->out,
			"<text x=\"%.1f\" y=\"%.1f\" font-size=\"9\" "
			"text-anchor=\"end\" font-family=\"monospace\" "
			"fill=\"#666\">..%" PRIx64 "</text>\n",
			last->x + last->w, axis_y + AXIS_H - 2.0, last->last);
	}
}

static void
draw_legend(FILE *out, const char *as_name, size_t nr)
{
	static const char *const kinds[] = { "ram", "rom", "romd", "ramd",
					     "i/o" };
	double x = MARGIN;

	fprintf(out, "<text x=\"%.1f\" y=\"22\" font-size=\"15\" "
		     "font-weight=\"bold\">address space ",
		MARGIN);
	xml_text(out, as_name);
	fprintf(out, " \u2014 %zu flat ranges</text>\n", nr);
	for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++, x += 70.0) {
		fprintf(out,
			"<rect x=\"%.1f\" y=\"32\" width=\"14\" height=\"12\" "
			"fill=\"%s\" stroke=\"#555\" stroke-width=\"0.6\"/>"
			"<text x=\"%.1f\" y=\"42\" font-size=\"11\">%s</text>\n",
			x, range_colour(kinds[i]), x + 18.0, kinds[i]);
	}
	fprintf(out,
		"<rect x=\"%.1f\" y=\"32\" width=\"14\" height=\"12\" "
		"fill=\"#e9e9e9\" stroke=\"#777\" stroke-width=\"0.6\"/>"
		"<text x=\"%.1f\" y=\"42\" font-size=\"11\">container</text>"
		"<rect x=\"%.1f\" y=\"32\" width=\"14\" height=\"12\" "
		"fill=\"#e3d7f7\" stroke=\"#777\" stroke-width=\"0.6\"/>"
		"<text x=\"%.1f\" y=\"42\" font-size=\"11\">alias \u2192 "
		"target</text>"
		"<rect x=\"%.1f\" y=\"32\" width=\"14\" height=\"12\" "
		"fill=\"#fbd9b4\" stroke=\"#777\" stroke-width=\"0.6\"/>"
		"<text x=\"%.1f\" y=\"42\" font-size=\"11\">region with "
		"subregions</text>"
		"<rect x=\"%.1f\" y=\"32\" width=\"14\" height=\"12\" "
		"fill=\"white\" stroke=\"#d62828\" stroke-width=\"1.6\" "
		"stroke-dasharray=\"4 2\"/>"
		"<text x=\"%.1f\" y=\"42\" font-size=\"11\">hides a lower-"
		"priority or older sibling here</text>"
		"<rect x=\"%.1f\" y=\"32\" width=\"14\" height=\"12\" "
		"fill=\"url(#gap)\" stroke=\"#bbb\" stroke-width=\"0.6\"/>"
		"<text x=\"%.1f\" y=\"42\" font-size=\"11\">unassigned "
		"(not to scale)</text>\n",
		x, x + 18.0, x + 90.0, x + 108.0, x + 210.0, x + 228.0,
		x + 370.0, x + 388.0, x + 650.0, x + 668.0);
}

static int
draw_svg(struct map_load *ml, const char *as_name)
{
	struct memspace_addrspace *as = tool_find_addrspace(ml, as_name);
	struct ddoc doc = { 0 };
	struct draw dr = { .out = stdout, .doc = &doc };
	struct memspace_flatview *fv;
	double height = 56.0, y;
	size_t nr;

	if (!as || !ddoc_load(&doc, ml, as_name)) {
		ddoc_free(&doc);
		fprintf(stderr, "memspace: draw: no address space \"%s\"\n",
			as_name);
		return TOOL_FAILED;
	}
	fv = memspace_addrspace_get_flatview(as);
	nr = memspace_flatview_nr_ranges(fv);
	dr.segs = g_array_new(FALSE, TRUE, sizeof(struct seg));
	g_array_set_clear_func(dr.segs, seg_clear);
	build_segments(&dr, fv);
	layout_rows(&dr);
	for (guint r = 0; r < dr.nr_rows; r++) {
		height += row_height(row_layers(&dr, r));
	}
	printf("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	       "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
	       "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
	       "font-family=\"sans-serif\">\n"
	       "<defs><pattern id=\"gap\" width=\"6\" height=\"6\" "
	       "patternUnits=\"userSpaceOnUse\" "
	       "patternTransform=\"rotate(45)\"><rect width=\"6\" "
	       "height=\"6\" fill=\"#f7f7f7\"/><line x1=\"0\" y1=\"0\" "
	       "x2=\"0\" y2=\"6\" stroke=\"#d0d0d0\" stroke-width=\"2\"/>"
	       "</pattern></defs>\n"
	       "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n",
	       ROW_WIDTH + 2 * MARGIN, height, ROW_WIDTH + 2 * MARGIN, height);
	draw_legend(stdout, as_name, nr);
	y = 56.0;
	for (guint r = 0; r < dr.nr_rows; r++) {
		draw_row(&dr, r, y);
		y += row_height(row_layers(&dr, r));
	}
	puts("</svg>");
	memspace_flatview_unref(fv);
	g_array_free(dr.segs, TRUE);
	ddoc_free(&doc);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fputs("memspace: draw: cannot write the picture\n", stderr);
		return TOOL_FAILED;
	}
	return TOOL_OK;
}

static int
draw_run(int argc, char **argv)
{
	static const struct option options[] = {
		{ "as", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *as_name = "memory";
	struct map_load *ml;
	int opt, status;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, "a:h", options, NULL)) != -1) {
		switch (opt) {
		case 'a':
			as_name = optarg;
			break;
		case 'h':
			draw_help();
			return TOOL_OK;
		default:
			return tool_usage_error(&tool_draw_command,
						"invalid option '%s'",
						argv[optind - 1]);
		}
	}
	if (argc - optind > 1) {
		return tool_usage_error(&tool_draw_command,
					"too many arguments");
	}
	ml = tool_load_map(optind < argc ? argv[optind] : NULL);
	if (!ml) {
		return TOOL_FAILED;
	}
	status = draw_svg(ml, as_name);
	map_load_free(ml);
	return status;
}
