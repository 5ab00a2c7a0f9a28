/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * memspace_export_json(): a context's regions and address spaces as a
 * `qemu-mtree-tree/1` document, the map format the memspace tool reads.
 */
#ifndef MEMSPACE_EXPORT_H
#define MEMSPACE_EXPORT_H

#include <stdio.h>

#include <memspace/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * memspace_export_json() - write the context's map as qemu-mtree-tree/1 JSON
 * @ms: the context.
 * @out: where to write the document (one JSON object and a newline).
 *
 * Writes every address space (in creation order, each naming its root) and
 * every region reachable from their roots through subregions, alias targets
 * and containers, each once (ids dense, in breadth-first order from the
 * roots), with the fields of conformance/FORMAT.md section 4: type word as
 * `info mtree` prints it, address, size (`"0x10000000000000000"` for 2^64),
 * priority, enabled, terminates, the region's own read-only and
 * non-volatile flags, romd mode, owner, parent, children in render order
 * and alias target and offset.  Numbers are hex strings.  Loading the
 * document with the memspace tool gives a map that `memspace show` prints
 * exactly as memspace_show() prints @ms, in every mode.
 *
 * Two extensions, which the map loader ignores, let `memspace diff` tell
 * exactly which regions of two exports of one context are the same: each
 * region's "uid" (its creation number in the context) and the context's
 * random "source.context" number.  A region's ioeventfds go into an extra
 * "ioeventfds" array (address,
 * size, match_data, data; not the descriptors), which `memspace diff`
 * reads and the map loader ignores.  Not written, because the format has
 * no field for them: device callbacks and host memory (a loaded map has
 * neither), the unmergeable flag, dirty-log state and coalesced MMIO.  A ROM device outside
 * romd mode is written with type "i/o", as `info mtree` prints it.  Names
 * and owners that are not valid UTF-8 are written with U+FFFD in place of
 * the invalid bytes.
 *
 * Context: updater (it takes the updater lock while it walks the tree, so
 * the document is one consistent state; do not call it inside a listener
 * callback of another thread's commit).
 * Return: 0, or -EINVAL (NULL argument) or -EIO (writing to @out failed).
 */
int memspace_export_json(struct memspace *ms, FILE *out);

#ifdef __cplusplus
}
#endif

#endif /* MEMSPACE_EXPORT_H */
