/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The persistent B+ tree of a view's ranges (layout in ftree.h).  Only
 * the updater builds and splices trees; readers walk them, and any thread
 * may drop the last reference.
 */
#include "config.h"

#include <string.h>

#include "ftree.h"
#include "slab.h"
#include "pool.h"

/* Bulk builds take leaves from slabs growing to 2 MiB (huge pages). */
#define SLAB_FIRST 8
#define SLAB_MAX ((2u << 20) / sizeof(struct ft_leaf))

static struct ft_leaf *
leaf_new(struct block_pool *pool)
{
	struct ft_leaf *l =
		pool ? block_pool_take(pool) :
		       g_aligned_alloc(1, sizeof(struct ft_leaf), FT_LEAF_ALIGN);

	l->ref = 1;
	l->nr = 0;
	l->slab = NULL;
	l->pool = pool;
	return l;
}

static struct ft_leaf *
builder_leaf(struct ft_builder *b)
{
	struct ft_leaf *l = b->slab ? slab_take(b->slab) : NULL;

	if (!l) {
		if (b->slab) {
			slab_put(b->slab);
		}
		b->slab = slab_new(sizeof(struct ft_leaf), FT_LEAF_ALIGN,
				   b->next_cap);
		b->next_cap = MIN(2 * b->next_cap, SLAB_MAX);
		l = slab_take(b->slab);
	}
	l->ref = 1;
	l->nr = 0;
	l->slab = b->slab;
	l->pool = NULL;
	return l;
}

static struct ft_node *
node_new(struct block_pool *pool)
{
	struct ft_node *n = pool ? block_pool_take(pool) :
				   g_new(struct ft_node, 1);

	n->ref = 1;
	n->nr = 0;
	n->pool = pool;
	return n;
}

static gint *
ref_of(void *c, unsigned h)
{
	return h ? &((struct ft_node *)c)->ref : &((struct ft_leaf *)c)->ref;
}

static uint64_t
first_of(const void *c, unsigned h)
{
	return h ? ((const struct ft_node *)c)->first :
		   ((const struct ft_leaf *)c)->r[0].start;
}

static size_t
count_of(const void *c, unsigned h)
{
	return h ? ((const struct ft_node *)c)->total :
		   ((const struct ft_leaf *)c)->nr;
}

static void
child_ref(void *c, unsigned h)
{
	g_atomic_int_inc(ref_of(c, h));
}

/* Drop a reference to @c (at height @h); recursion is bounded by @h. */
static void
child_unref(void *c, unsigned h)
{
	if (!g_atomic_int_dec_and_test(ref_of(c, h))) {
		return;
	}
	if (h) {
		struct ft_node *n = c;

		for (unsigned j = 0; j < n->nr; j++) {
			child_unref(n->child[j], h - 1);
		}
		if (n->pool) {
			block_pool_give(n->pool, n);
		} else {
			g_free(n);
		}
	} else if (((struct ft_leaf *)c)->slab) {
		slab_put(((struct ft_leaf *)c)->slab);
	} else if (((struct ft_leaf *)c)->pool) {
		block_pool_give(((struct ft_leaf *)c)->pool, c);
	} else {
		g_aligned_free(c);
	}
}

/* Work out @n's keys, first start and total from its children. */
static void
node_seal(struct ft_node *n, unsigned h)
{
	n->total = 0;
	for (unsigned j = 0; j < n->nr; j++) {
		n->cnt[j] = (uint32_t)count_of(n->child[j], h - 1);
		n->total += n->cnt[j];
	}
	n->first = first_of(n->child[0], h - 1);
	for (unsigned j = 0; j < FT_NODE_KEYS; j++) {
		n->key[j] = j + 1 < n->nr ?
				    ft_bias(first_of(n->child[j + 1], h - 1)) :
				    FT_KEY_MAX;
	}
}

/* A vector of node pointers, on the stack until it outgrows it. */
#define PVEC_INLINE 40

struct pvec {
	void **p;
	size_t n;
	size_t cap;
	void *buf[PVEC_INLINE];
};

static void
pvec_init(struct pvec *v)
{
	v->p = v->buf;
	v->n = 0;
	v->cap = PVEC_INLINE;
}

static void
pvec_push(struct pvec *v, void *x)
{
	if (v->n == v->cap) {
		void **p = g_new(void *, 2 * v->cap);

		memcpy(p, v->p, v->n * sizeof(void *));
		if (v->p != v->buf) {
			g_free(v->p);
		}
		v->p = p;
		v->cap *= 2;
	}
	v->p[v->n++] = x;
}

static void
pvec_free(struct pvec *v)
{
	if (v->p != v->buf) {
		g_free(v->p);
	}
}

/*
 * Nodes of height @h over the @n children @c (references handed over),
 * evenly filled, appended to @out.
 */
static void
pack_nodes(struct block_pool *pool, void *const *c, size_t n, unsigned h,
	   struct pvec *out)
{
	size_t k = (n + FT_FANOUT - 1) / FT_FANOUT, at = 0;

	for (size_t i = 0; i < k; i++) {
		size_t take = n / k + (i < n % k);
		struct ft_node *node = node_new(pool);

		node->nr = (uint32_t)take;
		memcpy(node->child, c + at, take * sizeof(void *));
		node_seal(node, h);
		pvec_push(out, node);
		at += take;
	}
}

/* Stack up levels over the @n nodes @c of height @h until one is left. */
static void
grow_root(struct flat_tree *t, struct block_pool *pool, void *const *c,
	  size_t n, unsigned h)
{
	struct pvec a, b, *cur = NULL, *up = &a;

	while (n > 1) {
		pvec_init(up);
		pack_nodes(pool, c, n, ++h, up);
		if (cur) {
			pvec_free(cur);
		}
		cur = up;
		up = cur == &a ? &b : &a;
		c = cur->p;
		n = cur->n;
	}
	t->root = n ? c[0] : NULL;
	t->height = n ? h : 0;
	t->nr = n ? count_of(t->root, h) : 0;
	if (cur) {
		pvec_free(cur);
	}
}

void
ft_builder_init(struct ft_builder *b)
{
	b->leaves = g_ptr_array_new();
	b->cur = NULL;
	b->nr = 0;
	b->slab = NULL;
	b->next_cap = SLAB_FIRST;
}

void
ft_builder_push(struct ft_builder *b, const struct flat_range *fr)
{
	if (!b->cur || b->cur->nr == FT_LEAF_CAP) {
		b->cur = builder_leaf(b);
		g_ptr_array_add(b->leaves, b->cur);
	}
	b->cur->r[b->cur->nr++] = *fr;
	b->nr++;
}

struct flat_range *
ft_builder_last(struct ft_builder *b)
{
	return b->cur ? &b->cur->r[b->cur->nr - 1] : NULL;
}

void
ft_builder_finish(struct ft_builder *b, struct flat_tree *t)
{
	GPtrArray *l = b->leaves;

	/* Share the last two leaves out evenly if the last is underfull. */
	if (l->len > 1 && b->cur->nr < FT_LEAF_MIN) {
		struct ft_leaf *prev = l->pdata[l->len - 2];
		uint32_t all = prev->nr + b->cur->nr, keep = all - all / 2;
		uint32_t move = prev->nr - keep;

		memmove(&b->cur->r[move], b->cur->r,
			b->cur->nr * sizeof(struct flat_range));
		memcpy(b->cur->r, &prev->r[keep],
		       move * sizeof(struct flat_range));
		b->cur->nr += move;
		prev->nr = keep;
	}
	grow_root(t, NULL, l->pdata, l->len, 0);
	t->pool = NULL;
	t->node_pool = NULL;
	g_ptr_array_free(l, TRUE);
	if (b->slab) {
		slab_put(b->slab);
	}
	b->leaves = NULL;
	b->cur = NULL;
	b->slab = NULL;
}

void
ft_build(struct flat_tree *t, const struct flat_range *r, size_t n)
{
	struct ft_builder b;

	ft_builder_init(&b);
	for (size_t i = 0; i < n; i++) {
		ft_builder_push(&b, &r[i]);
	}
	ft_builder_finish(&b, t);
}

void
ft_ref(const struct flat_tree *t)
{
	if (t->root) {
		child_ref(t->root, t->height);
	}
}

void
ft_unref(struct flat_tree *t)
{
	if (t->root) {
		child_unref(t->root, t->height);
	}
	*t = (struct flat_tree){ 0 };
}

/* Splicing. */

struct seg {
	const struct flat_range *r;
	size_t n;
};

struct splice_ctx {
	uint64_t *lo;
	uint64_t *hi;
	struct block_pool *pool;
	struct block_pool *node_pool;
};

static void
note_leaf(struct splice_ctx *x, const struct ft_leaf *l)
{
	if (l->nr) {
		*x->lo = MIN(*x->lo, l->r[0].start);
		*x->hi = MAX(*x->hi, l->r[l->nr - 1].last);
	}
}

/* Fresh leaves over the concatenation of @s, evenly filled, into @out. */
static void
pack_leaves(struct splice_ctx *x, const struct seg *s, size_t nr_seg,
	    struct pvec *out)
{
	size_t n = 0, k, si = 0, so = 0;

	for (size_t i = 0; i < nr_seg; i++) {
		n += s[i].n;
	}
	k = (n + FT_LEAF_CAP - 1) / FT_LEAF_CAP;
	for (size_t i = 0; i < k; i++) {
		size_t take = n / k + (i < n % k);
		struct ft_leaf *l = leaf_new(x->pool);

		while (l->nr < take) {
			size_t c;

			while (so == s[si].n) {
				si++;
				so = 0;
			}
			c = MIN(take - l->nr, s[si].n - so);
			memcpy(&l->r[l->nr], s[si].r + so, c * sizeof(*l->r));
			l->nr += (uint32_t)c;
			so += c;
		}
		note_leaf(x, l);
		pvec_push(out, l);
	}
}

/*
 * The children of a node being rebuilt, each holding a reference; those
 * this splice made (which may be underfull) carry tag bit 0.
 */
#define KID_FRESH ((uintptr_t)1)

static void *
kid(const struct pvec *k, size_t i)
{
	return (void *)((uintptr_t)k->p[i] & ~KID_FRESH);
}

static bool
kid_fresh(const struct pvec *k, size_t i)
{
	return (uintptr_t)k->p[i] & KID_FRESH;
}

/* Replace kids [@i, @i + 2) (height @h) with what merging them gives. */
static void
merge_pair(struct splice_ctx *x, struct pvec *k, size_t i, unsigned h)
{
	void *a = kid(k, i), *b = kid(k, i + 1);
	struct pvec out;

	pvec_init(&out);
	if (h == 0) {
		const struct ft_leaf *la = a, *lb = b;
		struct seg s[2] = { { la->r, la->nr }, { lb->r, lb->nr } };

		note_leaf(x, la);
		note_leaf(x, lb);
		pack_leaves(x, s, 2, &out);
	} else {
		const struct ft_node *na = a, *nb = b;
		void *all[2 * FT_FANOUT];

		memcpy(all, na->child, na->nr * sizeof(void *));
		memcpy(all + na->nr, nb->child, nb->nr * sizeof(void *));
		for (unsigned j = 0; j < na->nr + nb->nr; j++) {
			child_ref(all[j], h - 1);
		}
		pack_nodes(x->node_pool, all, na->nr + nb->nr, h, &out);
	}
	child_unref(a, h);
	child_unref(b, h);
	/* Two in, one or two out. */
	k->p[i] = (void *)((uintptr_t)out.p[0] | KID_FRESH);
	if (out.n == 2) {
		k->p[i + 1] = (void *)((uintptr_t)out.p[1] | KID_FRESH);
	} else {
		memmove(&k->p[i + 1], &k->p[i + 2],
			(k->n - i - 2) * sizeof(void *));
		k->n--;
	}
	pvec_free(&out);
}

/* Merge each underfull fresh child (height @h) with a neighbour. */
static void
fix_underfull(struct splice_ctx *x, struct pvec *k, unsigned h)
{
	size_t min = h ? FT_NODE_MIN : FT_LEAF_MIN;

	for (size_t i = 0; i < k->n && k->n > 1; i++) {
		const void *c = kid(k, i);
		size_t size = h ? ((const struct ft_node *)c)->nr :
				  ((const struct ft_leaf *)c)->nr;
		size_t at = i ? i - 1 : i;

		if (!kid_fresh(k, i) || size >= min) {
			continue;
		}
		merge_pair(x, k, at, h);
		i = at - 1; /* look at the merged node again (wraps to 0) */
	}
}

static void splice_rec(struct splice_ctx *x, void *n, unsigned h, size_t p,
		       size_t q, const struct flat_range *ins, size_t m,
		       struct pvec *out);

static void
splice_node(struct splice_ctx *x, struct ft_node *n, unsigned h, size_t p,
	    size_t q, const struct flat_range *ins, size_t m,
	    struct pvec *out)
{
	size_t cum = 0, i = n->nr - 1, j, cum_i = 0, cum_j = 0;
	struct pvec k, res;

	/* Child i holds position p (the last child for an append). */
	for (unsigned c = 0; c < n->nr; c++) {
		if (p < cum + n->cnt[c]) {
			i = c;
			break;
		}
		cum += n->cnt[c];
	}
	for (unsigned c = 0; c < i; c++) {
		cum_i += n->cnt[c];
	}
	j = i;
	cum_j = cum_i;
	while (q > p && q > cum_j + n->cnt[j]) {
		cum_j += n->cnt[j++];
	}
	pvec_init(&k);
	pvec_init(&res);
	for (size_t c = 0; c < i; c++) {
		child_ref(n->child[c], h - 1);
		pvec_push(&k, n->child[c]);
	}
	splice_rec(x, n->child[i], h - 1, p - cum_i,
		   MIN(q, cum_i + n->cnt[i]) - cum_i, ins, m, &res);
	if (j != i) {
		splice_rec(x, n->child[j], h - 1, 0, q - cum_j, NULL, 0, &res);
	}
	for (size_t c = 0; c < res.n; c++) {
		pvec_push(&k, (void *)((uintptr_t)res.p[c] | KID_FRESH));
	}
	for (size_t c = j + 1; c < n->nr; c++) {
		child_ref(n->child[c], h - 1);
		pvec_push(&k, n->child[c]);
	}
	fix_underfull(x, &k, h - 1);
	for (size_t c = 0; c < k.n; c++) {
		k.p[c] = kid(&k, c);
	}
	if (k.n) {
		pack_nodes(x->node_pool, k.p, k.n, h, out);
	}
	pvec_free(&res);
	pvec_free(&k);
}

static void
splice_rec(struct splice_ctx *x, void *n, unsigned h, size_t p, size_t q,
	   const struct flat_range *ins, size_t m, struct pvec *out)
{
	const struct ft_leaf *l = n;
	struct seg s[3];

	if (h) {
		splice_node(x, n, h, p, q, ins, m, out);
		return;
	}
	s[0] = (struct seg){ l->r, p };
	s[1] = (struct seg){ ins, m };
	s[2] = (struct seg){ l->r + q, l->nr - q };
	note_leaf(x, l);
	pack_leaves(x, s, 3, out);
}

void
ft_splice(struct flat_tree *out, const struct flat_tree *in, size_t p,
	  size_t q, const struct flat_range *ins, size_t m, uint64_t *lo,
	  uint64_t *hi)
{
	struct splice_ctx x = { lo, hi, in->pool, in->node_pool };
	struct pvec level;
	unsigned h = in->height;

	g_assert(p <= q && q <= in->nr);
	pvec_init(&level);
	if (!in->root) {
		struct seg s = { ins, m };

		pack_leaves(&x, &s, 1, &level);
		grow_root(out, x.node_pool, level.p, level.n, 0);
		out->pool = x.pool;
		out->node_pool = x.node_pool;
		pvec_free(&level);
		return;
	}
	splice_rec(&x, in->root, h, p, q, ins, m, &level);
	/* A root left with one child gives way to it. */
	while (level.n == 1 && h > 0 &&
	       ((struct ft_node *)level.p[0])->nr == 1) {
		struct ft_node *r = level.p[0];

		level.p[0] = r->child[0];
		child_ref(r->child[0], h - 1);
		child_unref(r, h);
		h--;
	}
	grow_root(out, x.node_pool, level.p, level.n, h);
	out->pool = x.pool;
	out->node_pool = x.node_pool;
	pvec_free(&level);
}

/* Reading. */

/* The child of @n holding position *@pos, which becomes its position
 * there. */
static inline unsigned
child_at(const struct ft_node *n, size_t *pos)
{
	unsigned j = 0;

	while (*pos >= n->cnt[j]) {
		*pos -= n->cnt[j++];
	}
	return j;
}

const struct flat_range *
ft_at(const struct flat_tree *t, size_t i)
{
	const void *c = t->root;

	for (unsigned h = t->height; h > 0; h--) {
		c = ((const struct ft_node *)c)->child[child_at(c, &i)];
	}
	return &((const struct ft_leaf *)c)->r[i];
}

/* Keys of @n at or below @addr: the child whose subtree holds it. */
static inline unsigned
node_rank(const struct ft_node *n, uint64_t addr)
{
	int64_t q = ft_bias(addr);
	unsigned r = 0;

	for (unsigned j = 0; j < FT_NODE_KEYS; j++) {
		r += n->key[j] <= q;
	}
	/* Padding equals the key of UINT64_MAX: never past the children. */
	return r < n->nr ? r : n->nr - 1;
}

size_t
ft_first_ending_at_or_above(const struct flat_tree *t, uint64_t addr)
{
	const void *c = t->root;
	size_t pos = 0;
	const struct ft_leaf *l;
	unsigned s = 0;

	if (!c) {
		return 0;
	}
	for (unsigned h = t->height; h > 0; h--) {
		const struct ft_node *n = c;
		unsigned j = node_rank(n, addr);

		for (unsigned k = 0; k < j; k++) {
			pos += n->cnt[k];
		}
		c = n->child[j];
	}
	l = c;
	while (s < l->nr && l->r[s].last < addr) {
		s++;
	}
	return pos + s;
}

const struct flat_range *
ft_find(const struct flat_tree *t, uint64_t addr)
{
	const void *c = t->root;
	const struct ft_leaf *l;
	unsigned s = 0;

	if (!c) {
		return NULL;
	}
	for (unsigned h = t->height; h > 0; h--) {
		c = ((const struct ft_node *)c)
			    ->child[node_rank(c, addr)];
	}
	l = c;
	while (s < l->nr && l->r[s].start <= addr) {
		s++;
	}
	return s && l->r[s - 1].last >= addr ? &l->r[s - 1] : NULL;
}

void
ft_cursor_seek(struct ft_cursor *c, const struct flat_tree *t, size_t pos)
{
	const void *n = t->root;

	c->t = t;
	c->pos = pos;
	if (pos >= t->nr) {
		c->pos = t->nr;
		c->leaf = NULL;
		c->slot = 0;
		return;
	}
	for (unsigned d = 0; d < t->height; d++) {
		const struct ft_node *nd = n;
		unsigned j = child_at(nd, &pos);

		c->node[d] = nd;
		c->idx[d] = j;
		n = nd->child[j];
	}
	c->leaf = n;
	c->slot = (unsigned)pos;
}

void
ft_cursor_next_leaf(struct ft_cursor *c)
{
	unsigned height = c->t->height;

	c->slot = 0;
	for (unsigned d = height; d-- > 0;) {
		if (c->idx[d] + 1 < c->node[d]->nr) {
			c->idx[d]++;
			for (unsigned e = d + 1; e < height; e++) {
				c->node[e] = c->node[e - 1]->child[c->idx[e - 1]];
				c->idx[e] = 0;
			}
			c->leaf = c->node[height - 1]->child[c->idx[height - 1]];
			return;
		}
	}
	c->leaf = NULL;
}

/* Checks (tests). */

struct verify {
	uint64_t prev_last;
	bool have_prev;
	bool ok;
};

static size_t
verify_rec(const void *c, unsigned h, struct verify *v)
{
	if (!h) {
		const struct ft_leaf *l = c;

		if (l->nr == 0 || l->nr > FT_LEAF_CAP ||
		    ((uintptr_t)l & (FT_LEAF_ALIGN - 1)) || l->ref < 1) {
			v->ok = false;
			return 0;
		}
		for (unsigned s = 0; s < l->nr; s++) {
			if (l->r[s].start > l->r[s].last ||
			    (v->have_prev && l->r[s].start <= v->prev_last)) {
				v->ok = false;
			}
			v->prev_last = l->r[s].last;
			v->have_prev = true;
		}
		return l->nr;
	}
	const struct ft_node *n = c;
	size_t total = 0;

	if (n->nr == 0 || n->nr > FT_FANOUT || n->ref < 1) {
		v->ok = false;
		return 0;
	}
	for (unsigned j = 0; j < n->nr; j++) {
		size_t got = verify_rec(n->child[j], h - 1, v);

		v->ok &= got == n->cnt[j];
		v->ok &= j == 0 || n->key[j - 1] ==
					   ft_bias(first_of(n->child[j], h - 1));
		total += got;
	}
	for (unsigned j = n->nr - 1; j < FT_NODE_KEYS; j++) {
		v->ok &= n->key[j] == FT_KEY_MAX;
	}
	v->ok &= n->first == first_of(n->child[0], h - 1);
	v->ok &= total == n->total;
	return total;
}

bool
ft_verify(const struct flat_tree *t)
{
	struct verify v = { .ok = true };

	if (!t->root) {
		return t->nr == 0 && t->height == 0;
	}
	return verify_rec(t->root, t->height, &v) == t->nr && v.ok;
}

static size_t
bytes_rec(const void *c, unsigned h)
{
	size_t b;

	if (!h) {
		return sizeof(struct ft_leaf);
	}
	b = sizeof(struct ft_node);
	for (unsigned j = 0; j < ((const struct ft_node *)c)->nr; j++) {
		b += bytes_rec(((const struct ft_node *)c)->child[j], h - 1);
	}
	return b;
}

size_t
ft_bytes(const struct flat_tree *t)
{
	return t->root ? bytes_rec(t->root, t->height) : 0;
}
