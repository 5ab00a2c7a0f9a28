/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * struct flat_range: one range of a flat view, the payload a lookup
 * returns.
 */
#ifndef MEMSPACE_FLATVIEW_FLAT_RANGE_H
#define MEMSPACE_FLATVIEW_FLAT_RANGE_H

#include <stdint.h>

struct memspace_region;

struct flat_range {
	uint64_t start;
	uint64_t last;		/* inclusive */
	struct memspace_region *mr;
	uint64_t offset;	/* offset of @start in @mr */
	uint8_t flags;		/* enum range_flags */
	uint8_t dirty_log_mask;
};

#endif /* MEMSPACE_FLATVIEW_FLAT_RANGE_H */
