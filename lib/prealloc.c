/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Preallocation of a backend's pages: worker threads populate chunks with
 * MADV_POPULATE_WRITE (MADV_POPULATE_READ for a read-only mapping), or,
 * on kernels without it, by writing each page (an atomic add of 0, which
 * faults the page in for writing and leaves its contents alone).  The
 * calling thread reports progress and relays cancellation.
 */
#include "config.h"

#include <sys/mman.h>

#include "backend-internal.h"

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Work is handed out in chunks of this many bytes (at least one page). */
#define CHUNK (4ull << 20)

struct prealloc {
	uint8_t *start;
	uint64_t size;
	uint64_t page_size;
	bool readonly;
	uint64_t next; /* next chunk offset (atomic) */
	uint64_t done; /* bytes populated (atomic) */
	int error; /* first error, negative (atomic) */
	bool stop; /* atomic */
	unsigned running; /* workers still running (under @lock) */
	GMutex lock;
	GCond cond;
};

/* Write-fault every page of [p, p + len). */
static void
touch_pages(struct prealloc *pa, uint8_t *p, uint64_t len)
{
	for (uint64_t off = 0; off < len; off += pa->page_size) {
		if (pa->readonly) {
			(void)__atomic_load_n(p + off, __ATOMIC_RELAXED);
		} else {
			__atomic_fetch_add(p + off, 0, __ATOMIC_RELAXED);
		}
	}
}

static int
populate(struct prealloc *pa, uint8_t *p, uint64_t len)
{
	int advice = pa->readonly ? MADV_POPULATE_READ : MADV_POPULATE_WRITE;

	while (madvise(p, len, advice) < 0) {
		if (errno == EINTR) {
			continue;
		}
		if (errno == EINVAL) {
			/* No MADV_POPULATE_*: touch the pages instead. */
			touch_pages(pa, p, len);
			return 0;
		}
		/* EFAULT: a hugetlb mapping ran out of huge pages. */
		return errno == EFAULT ? -ENOMEM : -errno;
	}
	return 0;
}

static gpointer
prealloc_worker(gpointer opaque)
{
	struct prealloc *pa = opaque;
	uint64_t chunk = CHUNK < pa->page_size ? pa->page_size : CHUNK;

	while (!__atomic_load_n(&pa->stop, __ATOMIC_RELAXED)) {
		uint64_t off =
			__atomic_fetch_add(&pa->next, chunk, __ATOMIC_RELAXED);
		uint64_t len;
		int ret;

		if (off >= pa->size) {
			break;
		}
		len = pa->size - off < chunk ? pa->size - off : chunk;
		ret = populate(pa, pa->start + off, len);
		if (ret < 0) {
			int zero = 0;

			__atomic_compare_exchange_n(&pa->error, &zero, ret,
						    false, __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED);
			__atomic_store_n(&pa->stop, true, __ATOMIC_RELAXED);
			break;
		}
		__atomic_fetch_add(&pa->done, len, __ATOMIC_RELAXED);
	}
	g_mutex_lock(&pa->lock);
	pa->running--;
	g_cond_signal(&pa->cond);
	g_mutex_unlock(&pa->lock);
	return NULL;
}

/* Wait for the workers, reporting progress about every 10 ms. */
static void
prealloc_wait(struct prealloc *pa, memspace_prealloc_progress_fn progress,
	      void *opaque, const bool *cancel)
{
	g_mutex_lock(&pa->lock);
	while (pa->running) {
		gint64 until =
			g_get_monotonic_time() + 10 * G_TIME_SPAN_MILLISECOND;
		bool stop = cancel && __atomic_load_n(cancel, __ATOMIC_RELAXED);

		g_cond_wait_until(&pa->cond, &pa->lock, until);
		if (!stop && progress && pa->running) {
			g_mutex_unlock(&pa->lock);
			stop = !progress(opaque,
					 __atomic_load_n(&pa->done,
							 __ATOMIC_RELAXED),
					 pa->size);
			g_mutex_lock(&pa->lock);
		}
		if (stop) {
			int zero = 0;

			__atomic_compare_exchange_n(&pa->error, &zero,
						    -ECANCELED, false,
						    __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED);
			__atomic_store_n(&pa->stop, true, __ATOMIC_RELAXED);
		}
	}
	g_mutex_unlock(&pa->lock);
}

static int
prealloc_run(struct prealloc *pa, unsigned threads,
	     memspace_prealloc_progress_fn progress, void *opaque,
	     const bool *cancel)
{
	g_autoptr(GPtrArray) workers = NULL;

	if (cancel && __atomic_load_n(cancel, __ATOMIC_RELAXED)) {
		return -ECANCELED;
	}
	workers = g_ptr_array_new();
	g_mutex_init(&pa->lock);
	g_cond_init(&pa->cond);
	g_mutex_lock(&pa->lock);
	for (unsigned i = 0; i < threads; i++) {
		GThread *t = g_thread_try_new("memspace-prealloc",
					      prealloc_worker, pa, NULL);

		if (!t) {
			break;
		}
		pa->running++;
		g_ptr_array_add(workers, t);
	}
	g_mutex_unlock(&pa->lock);
	if (!workers->len) {
		pa->running = 1;
		prealloc_worker(pa); /* no thread: do it here */
	}
	prealloc_wait(pa, progress, opaque, cancel);
	for (unsigned i = 0; i < workers->len; i++) {
		g_thread_join(workers->pdata[i]);
	}
	g_mutex_clear(&pa->lock);
	g_cond_clear(&pa->cond);
	return pa->error;
}

MEMSPACE_EXPORT int
memspace_backend_prealloc(struct memspace_backend *be, uint64_t offset,
			  uint64_t size, unsigned threads,
			  memspace_prealloc_progress_fn progress, void *opaque,
			  const bool *cancel)
{
	struct prealloc pa = { 0 };
	uint64_t first, end;
	int ret;

	if (!be || offset > be->size || size > be->size - offset) {
		return -EINVAL;
	}
	first = offset / be->page_size * be->page_size;
	end = (offset + size + be->page_size - 1) / be->page_size *
	      be->page_size;
	pa.start = be->host + first;
	pa.size = end - first;
	pa.page_size = be->page_size;
	pa.readonly = be->readonly;
	threads = threads ? MIN(threads, 64u) : 1;
	ret = size ? prealloc_run(&pa, threads, progress, opaque, cancel) : 0;
	if (ret == 0 && progress) {
		progress(opaque, pa.size, pa.size);
	}
	return ret;
}
