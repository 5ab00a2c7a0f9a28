/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The loader's pre-scan: a byte-level JSON lexer that only tracks strings
 * and brackets.  It does not validate JSON (json-glib does, on each piece);
 * it bounds nesting, refuses raw control characters and \u0000 in strings,
 * and cuts the top-level "regions" array into elements.
 */
#include <string.h>

#include "map-load.h"
#include "map-scan.h"

/* Where the scan is inside the top-level "regions" array. */
enum scan_regions {
	SCAN_OUTSIDE, /* not in the array */
	SCAN_FIRST, /* after '[' */
	SCAN_NEXT, /* after ',' */
	SCAN_ELEMENT, /* inside an element */
	SCAN_SEPARATOR, /* after an element */
};

#define SCAN_KEY_MAX 16

struct map_scan {
	map_scan_element_fn fn;
	void *opaque;
	GString *rest; /* the document without the elements */
	GString *element; /* the element being collected */
	GString *dst; /* rest, element, or NULL (skipped) */
	unsigned index; /* of the element being collected */
	unsigned depth;
	unsigned line;
	bool started, top_object;
	bool in_string, escape, capture;
	unsigned unicode_left, unicode_value;
	char key[SCAN_KEY_MAX + 1];
	unsigned key_len;
	bool regions_key; /* the last key at depth 1 was "regions" */
	bool regions_done;
	enum scan_regions regions;
};

struct map_scan *
map_scan_new(map_scan_element_fn fn, void *opaque)
{
	struct map_scan *sc = g_new0(struct map_scan, 1);

	sc->fn = fn;
	sc->opaque = opaque;
	sc->rest = g_string_new(NULL);
	sc->element = g_string_new(NULL);
	sc->dst = sc->rest;
	sc->line = 1;
	return sc;
}

void
map_scan_free(struct map_scan *sc)
{
	if (!sc) {
		return;
	}
	g_string_free(sc->rest, TRUE);
	g_string_free(sc->element, TRUE);
	g_free(sc);
}

const GString *
map_scan_rest(struct map_scan *sc)
{
	return sc->rest;
}

char *
map_escape_line(const char *s)
{
	GString *out = g_string_sized_new(strlen(s));

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f) {
			g_string_append_printf(out, "\\x%02x", c);
		} else {
			g_string_append_c(out, (char)c);
		}
	}
	return g_string_free(out, FALSE);
}

static bool
scan_fail(struct map_scan *sc, GError **error, const char *what)
{
	g_set_error(error, MAP_LOAD_ERROR, MAP_LOAD_ERROR_PARSE,
		    "invalid JSON: line %u: %s", sc->line, what);
	return false;
}

/* Bytes [*start, pos) of @buf go to the current destination, which then
 * becomes @dst. */
static void
scan_switch(struct map_scan *sc, const char *buf, size_t *start, size_t pos,
	    GString *dst)
{
	if (sc->dst && pos > *start) {
		g_string_append_len(sc->dst, buf + *start,
				    (gssize)(pos - *start));
	}
	sc->dst = dst;
	*start = pos;
}

static bool
scan_emit(struct map_scan *sc, GError **error)
{
	bool ok = sc->fn(sc->opaque, sc->element->str, sc->element->len,
			 sc->index, error);

	sc->index++;
	g_string_truncate(sc->element, 0);
	sc->regions = SCAN_SEPARATOR;
	return ok;
}

/* One byte inside a string. */
static bool
scan_string_byte(struct map_scan *sc, unsigned char c, GError **error)
{
	if (sc->unicode_left) {
		int digit = g_ascii_xdigit_value((char)c);

		if (digit < 0) {
			sc->unicode_left = 0; /* json-glib will refuse it */
			return true;
		}
		sc->unicode_value = sc->unicode_value * 16 + (unsigned)digit;
		if (--sc->unicode_left == 0 && sc->unicode_value == 0) {
			return scan_fail(sc, error,
					 "a string contains \\u0000");
		}
		return true;
	}
	if (sc->escape) {
		sc->escape = false;
		if (c == 'u') {
			sc->unicode_left = 4;
			sc->unicode_value = 0;
		}
		return true;
	}
	if (c == '\\') {
		sc->escape = true;
	} else if (c == '"') {
		sc->in_string = false;
	} else if (c < 0x20) {
		return scan_fail(sc, error,
				 "a string contains a control character");
	} else if (sc->capture && sc->key_len <= SCAN_KEY_MAX) {
		if (sc->key_len < SCAN_KEY_MAX) {
			sc->key[sc->key_len] = (char)c;
		}
		sc->key_len++;
	}
	return true;
}

/*
 * Between the elements of "regions": skip blanks, open an element, or close
 * the array.  Returns 1 when @c was consumed, 0 when it must be processed
 * as document text, -1 on error.
 */
static int
scan_between(struct map_scan *sc, const char *buf, size_t *start, size_t i,
	     GError **error)
{
	char c = buf[i];

	if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
		return 1;
	}
	if (sc->regions == SCAN_SEPARATOR && c == ',') {
		sc->regions = SCAN_NEXT;
		return 1;
	}
	if (c == ']' && sc->regions != SCAN_NEXT) {
		sc->regions = SCAN_OUTSIDE;
		sc->regions_done = true;
		scan_switch(sc, buf, start, i, sc->rest);
		return 0;
	}
	if (sc->regions == SCAN_SEPARATOR) {
		g_autofree char *msg = g_strdup_printf(
			"expected ',' or ']' after regions[%u]", sc->index - 1);

		scan_fail(sc, error, msg);
		return -1;
	}
	if (c == ',' || c == ']') {
		scan_fail(sc, error, "a value is missing in \"regions\"");
		return -1;
	}
	sc->regions = SCAN_ELEMENT;
	scan_switch(sc, buf, start, i, sc->element);
	return 0;
}

static bool
scan_open(struct map_scan *sc, const char *buf, size_t *start, size_t i,
	  GError **error)
{
	bool regions = sc->depth == 1 && sc->top_object && sc->regions_key &&
		       buf[i] == '[';

	if (!sc->started) {
		sc->top_object = buf[i] == '{';
	}
	if (sc->depth == 1) {
		sc->regions_key = false;
	}
	if (++sc->depth > MAP_SCAN_MAX_DEPTH) {
		g_autofree char *msg = g_strdup_printf(
			"nested deeper than %u levels", MAP_SCAN_MAX_DEPTH);

		return scan_fail(sc, error, msg);
	}
	if (regions) {
		if (sc->regions_done) {
			return scan_fail(sc, error,
					 "duplicate field \"regions\"");
		}
		sc->regions = SCAN_FIRST;
		scan_switch(sc, buf, start, i + 1, NULL);
	}
	return true;
}

static bool
scan_byte(struct map_scan *sc, const char *buf, size_t *start, size_t i,
	  GError **error)
{
	unsigned char c = (unsigned char)buf[i];

	if (c == '\n') {
		sc->line++;
	}
	if (sc->in_string) {
		return scan_string_byte(sc, c, error);
	}
	if ((c < 0x20 && c != ' ' && c != '\t' && c != '\n' && c != '\r') ||
	    c == 0x7f) {
		g_autofree char *msg =
			g_strdup_printf("unexpected byte 0x%02x", c);

		return scan_fail(sc, error, msg);
	}
	if (sc->regions == SCAN_ELEMENT && sc->depth == 2 &&
	    (c == ',' || c == ']')) {
		/* The end of a scalar element. */
		scan_switch(sc, buf, start, i, NULL);
		if (!scan_emit(sc, error)) {
			return false;
		}
	}
	if (sc->regions != SCAN_OUTSIDE && sc->regions != SCAN_ELEMENT &&
	    sc->depth == 2) {
		int ret = scan_between(sc, buf, start, i, error);

		if (ret) {
			return ret > 0;
		}
	}
	switch (c) {
	case '"':
		sc->in_string = true;
		sc->capture = sc->depth == 1 && sc->top_object;
		sc->key_len = 0;
		break;
	case '{':
	case '[':
		if (!scan_open(sc, buf, start, i, error)) {
			return false;
		}
		break;
	case '}':
	case ']':
		if (sc->depth) {
			sc->depth--;
		}
		if (sc->regions == SCAN_ELEMENT && sc->depth == 2) {
			scan_switch(sc, buf, start, i + 1, NULL);
			return scan_emit(sc, error);
		}
		break;
	case ':':
		if (sc->depth == 1) {
			sc->regions_key =
				sc->key_len == strlen("regions") &&
				memcmp(sc->key, "regions", sc->key_len) == 0;
		}
		break;
	case ',':
		if (sc->depth == 1) {
			sc->regions_key = false;
		}
		break;
	default:
		break;
	}
	if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
		sc->started = true;
	}
	return true;
}

/*
 * Bytes that need scan_byte(): in a string (outside escapes), and outside
 * strings below depth 3, where ',' and ':' do not matter.  Everything
 * else is skipped in bulk.
 */
static bool
scan_plain(unsigned char c, bool in_string)
{
	if (c < 0x20 || c == 0x7f || c == '"') {
		return false;
	}
	if (in_string) {
		return c != '\\';
	}
	return c != '{' && c != '[' && c != '}' && c != ']';
}

bool
map_scan_feed(struct map_scan *sc, const char *buf, size_t len, GError **error)
{
	size_t start = 0;
	bool table[2][256];

	for (unsigned c = 0; c < 256; c++) {
		table[0][c] = scan_plain((unsigned char)c, false);
		table[1][c] = scan_plain((unsigned char)c, true);
	}
	for (size_t i = 0; i < len; i++) {
		bool fast = sc->in_string ? !sc->escape && !sc->unicode_left &&
						    !sc->capture :
					    sc->depth >= 3;

		if (fast) {
			const bool *plain = table[sc->in_string];

			while (i < len && plain[(unsigned char)buf[i]]) {
				i++;
			}
			if (i == len) {
				break;
			}
		}
		if (!scan_byte(sc, buf, &start, i, error)) {
			return false;
		}
	}
	scan_switch(sc, buf, &start, len, sc->dst);
	return true;
}
