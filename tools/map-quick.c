/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The quick path of the loader: one element of "regions" in the plain form
 * dumps use (known fields; ASCII strings without escapes; integers; hex
 * strings; the alias object), read straight into a struct map_node without
 * a JSON DOM.  It accepts only what it fully validates and declines
 * everything else - anything unusual, and every error - to the json-glib
 * path, which gives the same result or the error message.  A million
 * regions load in about a tenth of the time json-glib needs.
 */
#include <string.h>

#include "map-spec.h"

/* The text being read; @p moves, @end is fixed. */
struct quick {
	const char *p;
	const char *end;
};

static void
skip_blanks(struct quick *q)
{
	while (q->p < q->end && (*q->p == ' ' || *q->p == '\t' ||
				 *q->p == '\n' || *q->p == '\r')) {
		q->p++;
	}
}

static bool
eat(struct quick *q, char c)
{
	skip_blanks(q);
	if (q->p < q->end && *q->p == c) {
		q->p++;
		return true;
	}
	return false;
}

/* A string of printable ASCII without escapes: [*ret, *ret + *ret_len). */
static bool
quick_string(struct quick *q, const char **ret, size_t *ret_len)
{
	const char *s;

	if (!eat(q, '"')) {
		return false;
	}
	s = q->p;
	while (q->p < q->end && *q->p != '"') {
		unsigned char c = (unsigned char)*q->p;

		if (c < 0x20 || c >= 0x7f || c == '\\') {
			return false;
		}
		q->p++;
	}
	if (q->p == q->end) {
		return false;
	}
	*ret = s;
	*ret_len = (size_t)(q->p - s);
	q->p++;
	return true;
}

/* A JSON integer as json-glib reads it, without leading zeros; at most 18
 * digits so that it cannot overflow. */
static bool
quick_int(struct quick *q, gint64 *ret)
{
	bool negative;
	unsigned digits = 0;
	gint64 v = 0;

	skip_blanks(q);
	negative = q->p < q->end && *q->p == '-';
	if (negative) {
		q->p++;
	}
	while (q->p < q->end && g_ascii_isdigit(*q->p)) {
		if ((digits == 1 && v == 0) || digits == 18) {
			return false; /* a leading zero, or too long */
		}
		v = v * 10 + (*q->p++ - '0');
		digits++;
	}
	if (!digits ||
	    (q->p < q->end && (*q->p == '.' || *q->p == 'e' || *q->p == 'E'))) {
		return false;
	}
	*ret = negative ? -v : v;
	return true;
}

static bool
quick_word(struct quick *q, const char *word)
{
	size_t len = strlen(word);

	skip_blanks(q);
	if ((size_t)(q->end - q->p) < len || memcmp(q->p, word, len) != 0) {
		return false;
	}
	q->p += len;
	return true;
}

static bool
quick_bool(struct quick *q, bool *ret)
{
	if (quick_word(q, "true")) {
		*ret = true;
		return true;
	}
	*ret = false;
	return quick_word(q, "false");
}

/* An address or size: a hex string or a non-negative integer. */
static bool
quick_number(struct quick *q, unsigned __int128 *ret)
{
	const char *s;
	size_t len;
	char buf[24];
	gint64 v;

	skip_blanks(q);
	if (q->p < q->end && *q->p != '"') {
		if (!quick_int(q, &v) || v < 0) {
			return false;
		}
		*ret = (uint64_t)v;
		return true;
	}
	if (!quick_string(q, &s, &len) || len >= sizeof(buf)) {
		return false;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	return map_parse_hex(buf, ret) == 0;
}

static bool
quick_u64(struct quick *q, uint64_t *ret)
{
	unsigned __int128 v;

	if (!quick_number(q, &v) || v >> 64) {
		return false;
	}
	*ret = (uint64_t)v;
	return true;
}

static bool
quick_size(struct quick *q, uint64_t *ret)
{
	unsigned __int128 v;

	if (!quick_number(q, &v) || v > (unsigned __int128)1 << 64 ||
	    v == ((unsigned __int128)1 << 64) - 1) {
		return false;
	}
	*ret = v >> 64 ? UINT64_MAX : (uint64_t)v;
	return true;
}

static bool
quick_int_range(struct quick *q, gint64 min, gint64 max, gint64 *ret)
{
	return quick_int(q, ret) && *ret >= min && *ret <= max;
}

/* A label (name, owner): copied into the spec. */
static bool
quick_label(struct map_spec *spec, struct quick *q, const char **ret)
{
	const char *s;
	size_t len;

	if (!quick_string(q, &s, &len)) {
		return false;
	}
	*ret = g_string_chunk_insert_len(spec->strings, s, (gssize)len);
	return true;
}

static bool
quick_children(struct map_spec *spec, struct quick *q, struct map_node *n)
{
	n->first_child = spec->child_ids->len;
	n->nr_children = 0;
	if (!eat(q, '[')) {
		return false;
	}
	if (eat(q, ']')) {
		return true;
	}
	do {
		gint64 id;

		if (!quick_int(q, &id)) {
			return false;
		}
		g_array_append_val(spec->child_ids, id);
		n->nr_children++;
	} while (eat(q, ','));
	return eat(q, ']');
}

static bool
quick_alias(struct quick *q, struct map_node *n)
{
	bool target = false, offset = false, target_name = false;

	if (quick_word(q, "null")) {
		return true;
	}
	if (!eat(q, '{')) {
		return false;
	}
	do {
		const char *key, *s;
		size_t len, slen;

		if (!quick_string(q, &key, &len) || !eat(q, ':')) {
			return false;
		}
		if (len == 6 && !memcmp(key, "target", 6) && !target) {
			target = n->has_alias = quick_int(q, &n->alias_ref);
			if (!target) {
				return false;
			}
		} else if (len == 6 && !memcmp(key, "offset", 6) && !offset) {
			offset = quick_u64(q, &n->alias_offset);
			if (!offset) {
				return false;
			}
		} else if (len == 11 && !memcmp(key, "target_name", 11) &&
			   !target_name) {
			target_name = quick_string(q, &s, &slen);
			if (!target_name) {
				return false;
			}
		} else {
			return false;
		}
	} while (eat(q, ','));
	return eat(q, '}') && target && offset;
}

/* The fields of a region; each may appear once. */
enum quick_field {
	QF_ID,
	QF_NAME,
	QF_TYPE,
	QF_ADDR,
	QF_SIZE,
	QF_PRIORITY,
	QF_ENABLED,
	QF_TERMINATES,
	QF_READONLY,
	QF_NONVOLATILE,
	QF_ROMD_MODE,
	QF_PARENT,
	QF_CHILDREN,
	QF_ALIAS,
	QF_OWNER,
	QF_COUNT,
};

static const char *const quick_names[QF_COUNT] = {
	"id",	     "name",	"type",	      "addr",	  "size",
	"priority",  "enabled", "terminates", "readonly", "nonvolatile",
	"romd_mode", "parent",	"children",   "alias",	  "owner",
};

/* The fields an element must have (alias and owner are optional). */
#define QF_REQUIRED ((1u << QF_ALIAS) - 1)

static bool
quick_field(struct map_spec *spec, struct quick *q, enum quick_field fld,
	    struct map_node *n)
{
	const char *s;
	size_t len;
	gint64 v;
	bool b;

	switch (fld) {
	case QF_ID:
		if (!quick_int_range(q, 0, INT32_MAX, &v)) {
			return false;
		}
		n->id = (int32_t)v;
		return true;
	case QF_NAME:
		return quick_label(spec, q, &n->name);
	case QF_TYPE:
		if (!quick_string(q, &s, &len)) {
			return false;
		}
		n->type = map_type_word(s, len);
		return n->type != NULL;
	case QF_ADDR:
		return quick_u64(q, &n->addr);
	case QF_SIZE:
		return quick_size(q, &n->size);
	case QF_PRIORITY:
		if (!quick_int_range(q, INT32_MIN, INT32_MAX, &v)) {
			return false;
		}
		n->priority = (int32_t)v;
		return true;
	case QF_ENABLED:
		return quick_bool(q, &n->enabled);
	case QF_TERMINATES:
		return quick_bool(q, &n->terminates);
	case QF_READONLY:
		return quick_bool(q, &n->readonly);
	case QF_NONVOLATILE:
		return quick_bool(q, &n->nonvolatile);
	case QF_ROMD_MODE:
		return quick_bool(q, &b); /* not used */
	case QF_PARENT:
		n->has_parent = !quick_word(q, "null");
		return !n->has_parent || quick_int(q, &n->parent_ref);
	case QF_CHILDREN:
		return quick_children(spec, q, n);
	case QF_ALIAS:
		return quick_alias(q, n);
	case QF_OWNER:
		if (quick_word(q, "null")) {
			return true;
		}
		if (!quick_label(spec, q, &n->owner)) {
			return false;
		}
		if (strcmp(n->owner, "orphan") == 0) {
			n->owner = NULL;
		}
		return true;
	case QF_COUNT:
		break;
	}
	return false;
}

static bool
quick_region(struct map_spec *spec, struct quick *q, struct map_node *n)
{
	unsigned seen = 0;

	if (!eat(q, '{')) {
		return false;
	}
	do {
		const char *key;
		size_t len;
		unsigned fld = 0;

		if (!quick_string(q, &key, &len) || !eat(q, ':')) {
			return false;
		}
		while (fld < QF_COUNT &&
		       (quick_names[fld][0] != key[0] ||
			strncmp(quick_names[fld], key, len) != 0 ||
			quick_names[fld][len] != '\0')) {
			fld++;
		}
		if (fld == QF_COUNT || (seen & (1u << fld)) ||
		    !quick_field(spec, q, fld, n)) {
			return false;
		}
		seen |= 1u << fld;
	} while (eat(q, ','));
	if (!eat(q, '}') || (seen & QF_REQUIRED) != QF_REQUIRED) {
		return false;
	}
	skip_blanks(q);
	return q->p == q->end;
}

bool
map_spec_add_region_quick(struct map_spec *spec, const char *text, size_t len)
{
	struct quick q = { .p = text, .end = text + len };
	struct map_node n = { 0 };
	guint children = spec->child_ids->len;

	if (quick_region(spec, &q, &n)) {
		g_array_append_val(spec->node_array, n);
		return true;
	}
	/* Undo: the json-glib path reads the element again. */
	g_array_set_size(spec->child_ids, children);
	return false;
}
