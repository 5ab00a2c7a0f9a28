/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A streaming pre-scan of a `qemu-mtree-tree/1` document: it bounds the
 * nesting depth before any text reaches json-glib (whose parser recurses),
 * refuses strings that C cannot hold, and cuts the top-level "regions"
 * array into its elements, handed over one at a time so that the whole
 * document never exists as one DOM.  Internal to the map loader.
 */
#ifndef MEMSPACE_TOOLS_MAP_SCAN_H
#define MEMSPACE_TOOLS_MAP_SCAN_H

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

/* Nesting deeper than this is refused; the format needs 4 levels. */
#define MAP_SCAN_MAX_DEPTH 64

/*
 * Called with the text of regions[@index] (not NUL-terminated); returns
 * false with @error set to stop the scan.
 */
typedef bool (*map_scan_element_fn)(void *opaque, const char *text, size_t len,
				    unsigned index, GError **error);

struct map_scan;

/* A scanner that hands the elements of "regions" to @fn. */
struct map_scan *map_scan_new(map_scan_element_fn fn, void *opaque);

/* Scan the next @len bytes of the document. */
bool map_scan_feed(struct map_scan *sc, const char *buf, size_t len,
		   GError **error);

/*
 * After the last byte: the document with the elements of "regions" cut
 * out ("regions":[] remains), for json-glib.  Owned by @sc.
 */
const GString *map_scan_rest(struct map_scan *sc);

void map_scan_free(struct map_scan *sc);

/*
 * @s as one printable line: control characters and DEL become \xNN.
 * Returns a new string.
 */
char *map_escape_line(const char *s);

#endif /* MEMSPACE_TOOLS_MAP_SCAN_H */
