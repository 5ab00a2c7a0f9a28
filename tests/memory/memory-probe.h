/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What the memory suite reads from /proc to prove that a backend's options
 * took effect, and to count what a failing call could leak.
 */
#ifndef MEMSPACE_MEMORY_PROBE_H
#define MEMSPACE_MEMORY_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Entries of /proc/self/fd. */
unsigned probe_fd_count(void);
/* Lines of /proc/self/maps (one per mapping). */
unsigned probe_map_count(void);
/*
 * Mappings of exactly @size bytes: what a leaked backend mapping of that
 * size would add (sanitizers map memory of their own at any time, so a
 * total count is not comparable under them).
 */
unsigned probe_map_count_size(uint64_t size);
/* Entries of directory @path (without . and ..). */
unsigned probe_dir_count(const char *path);
/* Resident set size of the process in bytes (/proc/self/statm). */
uint64_t probe_rss(void);
/*
 * The value of field @field ("VmFlags", "Rss", ...) of the /proc/self/smaps
 * entry of the mapping starting at @addr, g_free() it; NULL if absent.
 */
char *probe_smaps_field(const void *addr, const char *field);
/* Whether the VmFlags of the mapping at @addr include the two-letter @flag. */
bool probe_vmflag(const void *addr, const char *flag);
/* The /proc/self/numa_maps line of the mapping at @addr (g_free it). */
char *probe_numa_maps(const void *addr);
/* The permissions ("rw-p") of the mapping at @addr (g_free it). */
char *probe_perms(const void *addr);
/* Whether the mapping at @addr exists. */
bool probe_mapped(const void *addr);

/* A fresh temporary directory (g_free the path; remove with probe_rmdir). */
char *probe_tmpdir(void);
/* Remove @path and the files in it. */
void probe_rmdir(const char *path);

#endif /* MEMSPACE_MEMORY_PROBE_H */
