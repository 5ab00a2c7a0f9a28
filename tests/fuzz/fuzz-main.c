/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The plain-loop driver of a fuzz target, for builds without libFuzzer:
 *   fuzz-TARGET [--random N] [--seed S] [--max-len L] [FILE|DIR]...
 * runs every FILE and every file of every DIR (the replay of a corpus),
 * then N inputs made by mutating those files (or random bytes if none):
 * bit flips, byte changes, insertions, deletions and splices.  A finding
 * aborts, with the input saved as ./crash-fuzz-input.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "fuzz.h"

static GPtrArray *inputs; /* GBytes of the files given */
static const uint8_t *current;
static size_t current_len;

static void
save_current(void)
{
	FILE *out = fopen("crash-fuzz-input", "wb");

	if (out) {
		fwrite(current, 1, current_len, out);
		fclose(out);
		fputs("fuzz: input saved as ./crash-fuzz-input\n", stderr);
	}
}

static void
run_one(const uint8_t *data, size_t len)
{
	current = data;
	current_len = len;
	LLVMFuzzerTestOneInput(data, len);
}

static void
add_file(const char *path)
{
	g_autoptr(GError) error = NULL;
	char *text;
	gsize len;

	if (!g_file_get_contents(path, &text, &len, &error)) {
		fprintf(stderr, "fuzz: %s\n", error->message);
		exit(1);
	}
	g_ptr_array_add(inputs, g_bytes_new_take(text, len));
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void
add_path(const char *path)
{
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GPtrArray) names = NULL;
	const char *name;

	if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
		add_file(path);
		return;
	}
	dir = g_dir_open(path, 0, NULL);
	names = g_ptr_array_new_with_free_func(g_free);
	while (dir && (name = g_dir_read_name(dir))) {
		g_ptr_array_add(names, g_build_filename(path, name, NULL));
	}
	g_ptr_array_sort(names, compare_names);
	for (guint i = 0; i < names->len; i++) {
		if (g_file_test(names->pdata[i], G_FILE_TEST_IS_REGULAR)) {
			add_file(names->pdata[i]);
		}
	}
}

static void
insert_bytes(GByteArray *b, guint at, const guint8 *data, guint len)
{
	guint old = b->len;

	g_byte_array_set_size(b, old + len);
	memmove(b->data + at + len, b->data + at, old - at);
	memcpy(b->data + at, data, len);
}

/* One mutated input of at most @max_len bytes. */
static GByteArray *
mutate(GRand *rng, size_t max_len)
{
	GByteArray *b = g_byte_array_new();
	unsigned n;

	if (inputs->len) {
		GBytes *seed = inputs->pdata[g_rand_int_range(
			rng, 0, (gint32)inputs->len)];
		gsize len;
		const guint8 *data = g_bytes_get_data(seed, &len);

		g_byte_array_append(b, data, (guint)len);
	}
	n = (unsigned)g_rand_int_range(rng, 1, 9);
	for (unsigned k = 0; k < n; k++) {
		guint at = b->len ? (guint)g_rand_int_range(rng, 0,
							    (gint32)b->len) :
				    0;
		guint8 byte = (guint8)g_rand_int_range(rng, 0, 256);

		switch (g_rand_int_range(rng, 0, 5)) {
		case 0:
			if (b->len) {
				b->data[at] ^= (guint8)(1u << g_rand_int_range(
								rng, 0, 8));
			}
			break;
		case 1:
			if (b->len) {
				b->data[at] = byte;
			}
			break;
		case 2:
			insert_bytes(b, at, &byte, 1);
			break;
		case 3:
			if (b->len) {
				guint len = (guint)g_rand_int_range(rng, 1, 16);

				g_byte_array_remove_range(
					b, at, MIN(b->len - at, len));
			}
			break;
		default:
			/* Splice: a piece of another input. */
			if (inputs->len) {
				GBytes *other = inputs->pdata[g_rand_int_range(
					rng, 0, (gint32)inputs->len)];
				gsize olen;
				const guint8 *odata =
					g_bytes_get_data(other, &olen);
				guint from, len;

				if (!olen) {
					break;
				}
				from = (guint)g_rand_int_range(rng, 0,
							       (gint32)olen);
				len = (guint)g_rand_int_range(rng, 1, 64);
				len = MIN((guint)(olen - from), len);
				insert_bytes(b, at, odata + from, len);
			}
			break;
		}
	}
	if (b->len > max_len) {
		g_byte_array_set_size(b, (guint)max_len);
	}
	return b;
}

/* Save the input, then die of the same signal (g_error() traps, an
 * assertion aborts, a bad access faults). */
static void
on_fatal(int sig)
{
	save_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

int
main(int argc, char **argv)
{
	unsigned long random_runs = 0, seed = 1, max_len = 4096;
	g_autoptr(GRand) rng = NULL;
	gint64 t0 = g_get_monotonic_time();
	int i;

	inputs = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	for (i = 1; i < argc; i++) {
		unsigned long *opt = !strcmp(argv[i], "--random") ?
					     &random_runs :
				     !strcmp(argv[i], "--seed")	   ? &seed :
				     !strcmp(argv[i], "--max-len") ? &max_len :
								     NULL;

		if (!opt) {
			add_path(argv[i]);
		} else if (i + 1 < argc) {
			*opt = strtoul(argv[++i], NULL, 0);
		} else {
			fprintf(stderr, "fuzz: %s needs a value\n", argv[i]);
			return 2;
		}
	}
	signal(SIGABRT, on_fatal);
	signal(SIGTRAP, on_fatal);
	signal(SIGSEGV, on_fatal);
	signal(SIGBUS, on_fatal);
	for (guint k = 0; k < inputs->len; k++) {
		gsize len;
		const uint8_t *data = g_bytes_get_data(inputs->pdata[k], &len);

		run_one(data, len);
	}
	rng = g_rand_new_with_seed((guint32)seed);
	for (unsigned long k = 0; k < random_runs; k++) {
		GByteArray *b = mutate(rng, max_len);

		run_one(b->data, b->len);
		g_byte_array_free(b, TRUE);
		if ((k + 1) % 100000 == 0) {
			fprintf(stderr, "%lu mutated inputs, %.0f s\n", k + 1,
				(double)(g_get_monotonic_time() - t0) / 1e6);
		}
	}
	printf("%u files, %lu mutated inputs, %.2f s\n", inputs->len,
	       random_runs, (double)(g_get_monotonic_time() - t0) / 1e6);
	g_ptr_array_free(inputs, TRUE);
	return 0;
}
