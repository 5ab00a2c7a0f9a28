/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The fuzz targets' entry point, as libFuzzer calls it.  Without libFuzzer
 * (gcc), fuzz-main.c calls it in a plain loop over corpus files or random
 * inputs.
 */
#ifndef MEMSPACE_TEST_FUZZ_H
#define MEMSPACE_TEST_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* Run one input; a finding aborts. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* MEMSPACE_TEST_FUZZ_H */
