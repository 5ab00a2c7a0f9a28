/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Parsing QEMU's `info mtree` and `info mtree -f` text (conformance/FORMAT.md
 * sections 1 and 2).  Names may contain spaces and brackets, so a region
 * line is taken apart from both ends: the fixed-width range and the
 * `(prio P, TYPE): ` prefix on the left, the owner, ` [disabled]` and the
 * alias window on the right.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "mtree-text.h"

#define MT_ERROR (g_quark_from_static_string("mtree-text-error"))

static bool mt_fail(GError **error, unsigned line, const char *fmt, ...)
	G_GNUC_PRINTF(3, 4);

static bool
mt_fail(GError **error, unsigned line, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, MT_ERROR, 0, "%u: %s", line, msg);
	return false;
}

/* Exactly 16 lower-case hex digits. */
static bool
parse_hex16(const char *s, uint64_t *v)
{
	uint64_t x = 0;

	for (int i = 0; i < 16; i++) {
		char c = s[i];

		if (c >= '0' && c <= '9') {
			x = x << 4 | (uint64_t)(c - '0');
		} else if (c >= 'a' && c <= 'f') {
			x = x << 4 | (uint64_t)(c - 'a' + 10);
		} else {
			return false;
		}
	}
	*v = x;
	return true;
}

/* "START-END" (33 characters). */
static bool
parse_range(const char *s, uint64_t *start, uint64_t *last)
{
	return parse_hex16(s, start) && s[16] == '-' &&
	       parse_hex16(s + 17, last);
}

static const char *const type_words[] = { "ramd", "romd", "rom", "ram",
					  "i/o" };

/*
 * "START-END (prio P, [nv-]TYPE): " at @s; on success *@rest points after
 * it.
 */
static bool
parse_prefix(const char *s, uint64_t *start, uint64_t *last, int32_t *prio,
	     bool *nv, const char **type, const char **rest)
{
	char *end;
	long long p;

	if (strlen(s) < 33 || !parse_range(s, start, last) ||
	    !g_str_has_prefix(s + 33, " (prio ")) {
		return false;
	}
	s += 33 + strlen(" (prio ");
	p = strtoll(s, &end, 10);
	if (end == s || p < INT32_MIN || p > INT32_MAX ||
	    !g_str_has_prefix(end, ", ")) {
		return false;
	}
	*prio = (int32_t)p;
	s = end + 2;
	*nv = g_str_has_prefix(s, "nv-");
	if (*nv) {
		s += 3;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(type_words); i++) {
		size_t n = strlen(type_words[i]);

		if (strncmp(s, type_words[i], n) == 0 &&
		    g_str_has_prefix(s + n, "): ")) {
			*type = type_words[i];
			*rest = s + n + 3;
			return true;
		}
	}
	return false;
}

/* "KIND:{TEXT}" at @s (no '}' inside); returns the end or NULL. */
static const char *
owner_part(const char *s, const char *kind)
{
	if (!g_str_has_prefix(s, kind)) {
		return NULL;
	}
	s = strchr(s + strlen(kind), '}');
	return s ? s + 1 : NULL;
}

/* Whether @s is exactly an owner text as `-o` prints it. */
static bool
is_owner_text(const char *s)
{
	const char *e;

	if (strcmp(s, "orphan") == 0) {
		return true;
	}
	e = owner_part(s, "owner:{");
	if (e) {
		if (!*e) {
			return true;
		}
		if (*e != ' ') {
			return false;
		}
		s = e + 1;
	}
	e = owner_part(s, "parent:{");
	return e && !*e;
}

/* Position of the owner text at the end of @s (after a space), or NULL. */
static const char *
find_owner(const char *s)
{
	static const char *const starts[] = { " owner:{", " parent:{",
					      " orphan" };

	for (size_t i = 0; i < G_N_ELEMENTS(starts); i++) {
		const char *p = g_strrstr(s, starts[i]);

		/* " owner:{..} parent:{..}": the owner part comes first. */
		if (p && is_owner_text(p + 1)) {
			return p;
		}
	}
	return NULL;
}

/* Remove @suffix from the end of @s in place. */
static bool
strip_suffix(char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	if (n < m || strcmp(s + n - m, suffix) != 0) {
		return false;
	}
	s[n - m] = '\0';
	return true;
}

static uint64_t
api_size(uint64_t start, uint64_t last, bool *ambiguous)
{
	*ambiguous = start == last;
	if (last - start == UINT64_MAX) {
		return UINT64_MAX; /* 2^64 */
	}
	return last - start + 1;
}

/* "alias NAME @TARGET TSTART-TEND" in @s (modified). */
static bool
parse_alias(struct mt_node *n, char *s, uint64_t size)
{
	size_t len = strlen(s);
	uint64_t tstart, tlast;
	char *at;

	if (len < 34 || s[len - 34] != ' ' ||
	    !parse_range(s + len - 33, &tstart, &tlast)) {
		return false;
	}
	s[len - 34] = '\0';
	at = strstr(s, " @");
	if (!at || at == s) {
		return false;
	}
	*at = '\0';
	n->name = g_strdup(s);
	n->target_name = g_strdup(at + 2);
	n->alias_offset = tstart;
	/* The window repeats the alias's size. */
	return tlast - tstart == size - 1 || (size == UINT64_MAX &&
					      tlast - tstart == UINT64_MAX);
}

/* Fill @n from the text after the indentation. */
static bool
parse_region_line(struct mt_node *n, const char *s, bool owners,
		  GError **error)
{
	const char *type, *rest;
	uint64_t last;
	bool nv;

	if (!parse_prefix(s, &n->start, &last, &n->priority, &nv, &type,
			  &rest)) {
		return mt_fail(error, n->line,
			       "not a region line "
			       "(START-END (prio P, TYPE): NAME)");
	}
	n->type = g_strdup(type);
	n->nonvolatile = nv;
	n->size = api_size(n->start, last, &n->size_ambiguous);

	g_autofree char *body = g_strdup(rest);

	if (owners) {
		char *o = (char *)find_owner(body);

		if (!o) {
			return mt_fail(error, n->line, "missing owner");
		}
		n->owner = g_strdup(o + 1);
		*o = '\0';
	}
	n->enabled = !strip_suffix(body, " [disabled]");
	if (g_str_has_prefix(body, "alias ")) {
		if (!parse_alias(n, body + strlen("alias "), n->size)) {
			return mt_fail(error, n->line,
				       "malformed alias (alias NAME @TARGET "
				       "TSTART-TEND)");
		}
	} else {
		n->name = g_strdup(body);
	}
	if (!*n->name) {
		return mt_fail(error, n->line, "empty region name");
	}
	n->readonly = !n->target_name && strcmp(n->type, "rom") == 0;
	return true;
}

static struct mt_node *
node_new(struct mt_tree *t, unsigned line, unsigned block)
{
	struct mt_node *n = g_new0(struct mt_node, 1);

	n->line = line;
	n->block = block;
	n->children = g_ptr_array_new();
	n->index = t->nodes->len;
	n->canon = n;
	n->id = -1;
	n->enabled = true;
	g_ptr_array_add(t->nodes, n);
	return n;
}

static void
node_free(void *p)
{
	struct mt_node *n = p;

	g_free(n->name);
	g_free(n->type);
	g_free(n->owner);
	g_free(n->target_name);
	g_ptr_array_free(n->children, TRUE);
	g_free(n);
}

static void
block_free(void *p)
{
	struct mt_block *b = p;

	g_ptr_array_free(b->as_names, TRUE);
	g_free(b->mr_name);
	g_free(b);
}

void
mt_tree_free(struct mt_tree *t)
{
	if (!t) {
		return;
	}
	g_ptr_array_free(t->blocks, TRUE);
	g_ptr_array_free(t->nodes, TRUE);
	g_free(t);
}

/* A plain dump omits disabled regions but prints their subregions two
 * levels deeper: stand-in disabled containers keep the levels. */
static struct mt_node *
hidden_placeholder(struct mt_tree *t, struct mt_node *parent, unsigned block)
{
	struct mt_node *h = node_new(t, 0, block);

	h->name = g_strdup("(hidden)");
	h->type = g_strdup("i/o");
	h->start = parent->start;
	h->size = parent->size;
	h->priority = 0;
	h->enabled = false;
	h->hidden = true;
	h->parent = parent;
	g_ptr_array_add(parent->children, h);
	return h;
}

struct tree_parser {
	struct mt_tree *t;
	struct mt_block *block; /* open block, or NULL */
	GPtrArray *stack;	/* the open node per level - 1 */
};

static bool
tree_header(struct tree_parser *p, const char *s, unsigned line,
	    GError **error)
{
	bool as = g_str_has_prefix(s, "address-space: ");

	if (p->block && p->block->root) {
		return mt_fail(error, line, "missing empty line before \"%s\"",
			       s);
	}
	if (!p->block) {
		p->block = g_new0(struct mt_block, 1);
		p->block->line = line;
		p->block->as_names = g_ptr_array_new_with_free_func(g_free);
		g_ptr_array_add(p->t->blocks, p->block);
	}
	if (as) {
		if (p->block->mr_name) {
			return mt_fail(error, line,
				       "address-space line after memory-region");
		}
		g_ptr_array_add(p->block->as_names,
				g_strdup(s + strlen("address-space: ")));
	} else {
		if (p->block->mr_name || p->block->as_names->len) {
			return mt_fail(error, line,
				       "second header in one block");
		}
		p->block->mr_name = g_strdup(s + strlen("memory-region: "));
	}
	return true;
}

static bool
tree_region(struct tree_parser *p, const char *s, unsigned line,
	    GError **error)
{
	unsigned spaces = 0, level;
	struct mt_node *n, *parent;

	if (g_str_has_prefix(s, "[DETECTED OVERFLOW!] ")) {
		s += strlen("[DETECTED OVERFLOW!] ");
	}
	while (s[spaces] == ' ') {
		spaces++;
	}
	if (!p->block) {
		return mt_fail(error, line,
			       "region line outside a block (missing "
			       "address-space: or memory-region: header)");
	}
	if (spaces % 2 || spaces == 0) {
		return mt_fail(error, line, "odd indentation");
	}
	level = spaces / 2;
	if (!p->block->root && level != 1) {
		return mt_fail(error, line, "first region of a block must be "
					    "at level 1");
	}
	if (p->block->root && level == 1) {
		return mt_fail(error, line, "second root region in one block");
	}
	if (level > p->stack->len + 1 && (p->t->disabled || level == 1)) {
		return mt_fail(error, line,
			       "indentation jumps from level %u to %u",
			       p->stack->len, level);
	}
	n = node_new(p->t, line, p->t->blocks->len - 1);
	if (!parse_region_line(n, s + spaces, p->t->owners, error)) {
		return false;
	}
	g_ptr_array_set_size(p->stack, MIN(p->stack->len, level - 1));
	while (p->stack->len < level - 1) {
		parent = p->stack->pdata[p->stack->len - 1];
		g_ptr_array_add(p->stack,
				hidden_placeholder(p->t, parent,
						   p->t->blocks->len - 1));
	}
	parent = level > 1 ? p->stack->pdata[level - 2] : NULL;
	n->parent = parent;
	if (parent) {
		g_ptr_array_add(parent->children, n);
	} else {
		p->block->root = n;
	}
	g_ptr_array_add(p->stack, n);
	return true;
}

/* Owners are printed on every line of an `-o` dump, and only there. */
static void
tree_detect_form(struct mt_tree *t, char **lines)
{
	bool any = false, all = true;

	for (char **l = lines; *l; l++) {
		const char *s = *l;

		if (g_str_has_prefix(s, "address-space: ") ||
		    g_str_has_prefix(s, "memory-region: ") || !*s) {
			continue;
		}
		any = true;
		if (!find_owner(s)) {
			all = false;
		}
		if (strstr(s, " [disabled]")) {
			t->disabled = true;
		}
	}
	t->owners = any && all;
}

struct mt_tree *
mt_tree_parse(const char *text, GError **error)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GPtrArray) stack = g_ptr_array_new();
	struct mt_tree *t = g_new0(struct mt_tree, 1);
	struct tree_parser p = { .t = t, .stack = stack };
	unsigned nr = g_strv_length(lines);

	t->blocks = g_ptr_array_new_with_free_func(block_free);
	t->nodes = g_ptr_array_new_with_free_func(node_free);
	/* A final newline leaves one empty string. */
	if (nr && !*lines[nr - 1]) {
		g_free(lines[nr - 1]);
		lines[--nr] = NULL;
	}
	tree_detect_form(t, lines);
	for (unsigned i = 0; i < nr; i++) {
		const char *s = lines[i];
		bool ok = true;

		if (!*s) {
			if (p.block && !p.block->root) {
				ok = mt_fail(error, i + 1,
					     "block without a region");
			}
			p.block = NULL;
			g_ptr_array_set_size(stack, 0);
		} else if (g_str_has_prefix(s, "address-space: ") ||
			   g_str_has_prefix(s, "memory-region: ")) {
			ok = tree_header(&p, s, i + 1, error);
		} else {
			ok = tree_region(&p, s, i + 1, error);
		}
		if (!ok) {
			mt_tree_free(t);
			return NULL;
		}
	}
	if (p.block && !p.block->root) {
		mt_fail(error, nr, "block without a region");
	} else if (!t->blocks->len) {
		mt_fail(error, 1, "no address-space or memory-region block");
	} else {
		return t;
	}
	mt_tree_free(t);
	return NULL;
}

/* Flat dump. */

static void
view_free(void *p)
{
	struct mt_view *v = p;

	g_ptr_array_free(v->as_names, TRUE);
	g_ptr_array_free(v->root_names, TRUE);
	for (guint i = 0; i < v->ranges->len; i++) {
		struct mt_range *r = &g_array_index(v->ranges,
						    struct mt_range, i);

		g_free(r->type);
		g_free(r->name);
	}
	g_array_free(v->ranges, TRUE);
	g_ptr_array_free(v->lines, TRUE);
	g_free(v->key);
	g_free(v);
}

/* " AS \"NAME\", root: ROOT[, alias T]" */
static bool
flat_as_line(struct mt_view *v, const char *s, unsigned line, GError **error)
{
	const char *q = g_strrstr(s, "\", root: ");

	if (!q || q < s + 5) {
		return mt_fail(error, line, "malformed AS line");
	}
	g_ptr_array_add(v->as_names, g_strndup(s + 5, (gsize)(q - s - 5)));
	g_ptr_array_add(v->root_names, g_strdup(q + strlen("\", root: ")));
	return true;
}

/* "  START-END (prio P, [nv-]TYPE): NAME[ @OFFSET][ KVM...]" */
static bool
flat_range_line(struct mt_view *v, const char *s, unsigned line,
		GError **error)
{
	struct mt_range r = { .line = line };
	const char *type, *rest;
	int32_t prio;
	size_t len;

	if (!g_str_has_prefix(s, "  ") ||
	    !parse_prefix(s + 2, &r.start, &r.last, &prio, &r.nonvolatile,
			  &type, &rest)) {
		return mt_fail(error, line, "not a flat range line");
	}
	g_autofree char *body = g_strdup(rest);
	g_autofree char *text = g_strdup(s);

	/* Accelerator markers, once per address space with a slot. */
	while (strip_suffix(body, " KVM")) {
		strip_suffix(text, " KVM");
	}
	len = strlen(body);
	if (len > 18 && body[len - 18] == ' ' && body[len - 17] == '@' &&
	    parse_hex16(body + len - 16, &r.offset)) {
		body[len - 18] = '\0';
	}
	r.type = g_strdup(type);
	r.name = g_strdup(body);
	g_array_append_val(v->ranges, r);
	g_ptr_array_add(v->lines, g_steal_pointer(&text));
	return true;
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
view_make_key(struct mt_view *v, const char *root_line)
{
	g_autoptr(GPtrArray) as = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GString) key = g_string_new(NULL);

	for (guint i = 0; i < v->as_names->len; i++) {
		g_ptr_array_add(as, g_strdup_printf(
					    " AS \"%s\", root: %s",
					    (char *)v->as_names->pdata[i],
					    (char *)v->root_names->pdata[i]));
	}
	g_ptr_array_sort(as, str_cmp);
	for (guint i = 0; i < as->len; i++) {
		g_string_append_printf(key, "%s\n", (char *)as->pdata[i]);
	}
	g_string_append(key, root_line);
	v->key = g_string_free(g_steal_pointer(&key), FALSE);
}

GPtrArray *
mt_flat_parse(const char *text, GError **error)
{
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GPtrArray) views = g_ptr_array_new_with_free_func(view_free);
	struct mt_view *v = NULL;
	bool dispatch = false, ranges = false;

	for (unsigned i = 0; lines[i]; i++) {
		const char *s = lines[i];
		unsigned line = i + 1;
		bool ok = true;

		if (!*s) {
			v = NULL;
			dispatch = false;
			continue;
		}
		if (g_str_has_prefix(s, "FlatView #")) {
			v = g_new0(struct mt_view, 1);
			v->as_names = g_ptr_array_new_with_free_func(g_free);
			v->root_names = g_ptr_array_new_with_free_func(g_free);
			v->ranges = g_array_new(FALSE, FALSE,
						sizeof(struct mt_range));
			v->lines = g_ptr_array_new_with_free_func(g_free);
			g_ptr_array_add(views, v);
			ranges = false;
			continue;
		}
		if (!v) {
			mt_fail(error, line, "expected \"FlatView #N\"");
			return NULL;
		}
		if (dispatch || g_str_has_prefix(s, "  Dispatch")) {
			dispatch = true;
		} else if (g_str_has_prefix(s, " AS \"") && !v->key) {
			ok = flat_as_line(v, s, line, error);
		} else if (g_str_has_prefix(s, " Root memory region: ") &&
			   !v->key) {
			view_make_key(v, s);
		} else if (!v->key) {
			ok = mt_fail(error, line,
				     "expected \" AS\" or \" Root memory "
				     "region:\"");
		} else if (strcmp(s, "  No rendered FlatView") == 0 &&
			   !ranges) {
			continue;
		} else {
			ranges = true;
			ok = flat_range_line(v, s, line, error);
		}
		if (!ok) {
			return NULL;
		}
	}
	for (guint i = 0; i < views->len; i++) {
		if (!((struct mt_view *)views->pdata[i])->key) {
			mt_fail(error, g_strv_length(lines),
				"FlatView without \" Root memory region:\"");
			return NULL;
		}
	}
	if (!views->len) {
		mt_fail(error, 1, "no FlatView block");
		return NULL;
	}
	return g_steal_pointer(&views);
}
