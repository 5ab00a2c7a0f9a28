/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fuzzing the map loader: any input either loads (and then its trees and
 * flat views print) or gets one error line in the MAP_LOAD_ERROR domain.
 * A crash, a sanitizer report, a message on several lines or a failure
 * outside the domain is a finding.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fuzz.h"
#include "map-load.h"

static void
finding(const char *what, const char *message)
{
	fprintf(stderr, "fuzz-load: %s: %s\n", what, message);
	abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	struct map_load *ml =
		map_load_data((const char *)data, (gssize)size, &error);

	if (!ml) {
		if (!error || error->domain != MAP_LOAD_ERROR) {
			finding("failure without a loader error",
				error ? error->message : "(none)");
		}
		for (const char *p = error->message; *p; p++) {
			if ((unsigned char)*p < 0x20 || *p == 0x7f) {
				finding("message with a control character",
					error->message);
			}
		}
		return 0;
	}
	if (error) {
		finding("error set on success", error->message);
	}

	FILE *out = fopen("/dev/null", "w");

	if (out) {
		if (memspace_show(ml->ms, out,
				  MEMSPACE_SHOW_DISABLED |
					  MEMSPACE_SHOW_OWNERS) < 0 ||
		    memspace_show(ml->ms, out, MEMSPACE_SHOW_FLAT) < 0) {
			finding("show failed on a loaded map", "");
		}
		fclose(out);
	}
	map_load_free(ml);
	return 0;
}
