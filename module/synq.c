// SPDX-License-Identifier: GPL-2.0
/* The half-open queue; its rules are at the top of synq.h. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>

#include "hsk.h"

static struct kmem_cache *hsk_req_cache;

/**
 * hsk_synq_cache_create() - create the slab cache of half-open entries
 *
 * Return: 0 or -ENOMEM.
 */
int hsk_synq_cache_create(void)
{
	hsk_req_cache = KMEM_CACHE(hsk_req, 0);
	if (!hsk_req_cache)
		return -ENOMEM;
	pr_info("half-open entry size %zu bytes\n", sizeof(struct hsk_req));
	return 0;
}

/**
 * hsk_synq_cache_destroy() - destroy the slab cache of half-open entries
 */
void hsk_synq_cache_destroy(void)
{
	kmem_cache_destroy(hsk_req_cache);
}

/**
 * hsk_req_alloc() - allocate a half-open entry
 *
 * Return: a zeroed entry, or NULL.
 */
struct hsk_req *hsk_req_alloc(void)
{
	return kmem_cache_zalloc(hsk_req_cache, GFP_ATOMIC | __GFP_NOWARN);
}

/**
 * hsk_req_free() - free a half-open entry
 * @req: the entry, owned by the caller
 */
void hsk_req_free(struct hsk_req *req)
{
	kmem_cache_free(hsk_req_cache, req);
}

/**
 * hsk_synq_init() - set up the half-open queue of a netns
 * @hn: the netns's hsk state
 *
 * Return: 0 or -ENOMEM.
 */
int hsk_synq_init(struct hsk_net *hn)
{
	struct hsk_synq *q = &hn->synq;
	unsigned int i;

	q->buckets = kvcalloc(HSK_SYNQ_BUCKETS, sizeof(*q->buckets),
			      GFP_KERNEL_ACCOUNT);
	if (!q->buckets)
		return -ENOMEM;
	for (i = 0; i < HSK_SYNQ_BUCKETS; i++) {
		struct hsk_synq_bucket *b = &q->buckets[i];

		spin_lock_init(&b->lock);
		INIT_HLIST_HEAD(&b->chain);
		b->hn = hn;
		hsk_synq_timer_init(b);
	}
	get_random_bytes(&q->hash_key, sizeof(q->hash_key));
	atomic_set(&q->count, 0);
	return 0;
}

/**
 * hsk_synq_exit() - empty and free the half-open queue of a netns
 * @hn: the netns's hsk state
 *
 * Emptying the chains first means a timer callback still in flight finds
 * nothing and does not rearm; hrtimer_cancel() then waits for it or
 * dequeues it.
 *
 * Context: Runs after the hook is gone, so nothing inserts any more.
 */
void hsk_synq_exit(struct hsk_net *hn)
{
	struct hsk_synq *q = &hn->synq;
	struct hsk_req *req;
	struct hlist_node *tmp;
	unsigned int i;

	for (i = 0; i < HSK_SYNQ_BUCKETS; i++) {
		struct hsk_synq_bucket *b = &q->buckets[i];

		spin_lock_bh(&b->lock);
		hlist_for_each_entry_safe(req, tmp, &b->chain, node) {
			hsk_synq_unlink(q, req);
			hsk_req_free(req);
		}
		spin_unlock_bh(&b->lock);
	}
	for (i = 0; i < HSK_SYNQ_BUCKETS; i++)
		hrtimer_cancel(&q->buckets[i].timer);
	WARN_ON_ONCE(atomic_read(&q->count));
	kvfree(q->buckets);
}

static bool hsk_tuple_eq(const struct hsk_tuple *a, const struct hsk_tuple *b)
{
	return a->raddr == b->raddr && a->laddr == b->laddr &&
	       a->rport == b->rport && a->lport == b->lport;
}

/**
 * hsk_synq_lookup() - find the half-open entry of a tuple
 * @b: the tuple's bucket
 * @t: the tuple
 *
 * Context: @b's lock held.
 * Return: the entry, or NULL.
 */
struct hsk_req *hsk_synq_lookup(struct hsk_synq_bucket *b,
				const struct hsk_tuple *t)
{
	struct hsk_req *req;

	lockdep_assert_held(&b->lock);
	hlist_for_each_entry(req, &b->chain, node)
		if (hsk_tuple_eq(&req->tuple, t))
			return req;
	return NULL;
}

/**
 * hsk_synq_insert() - link a half-open entry
 * @hn: the netns's hsk state
 * @b: the bucket of @req's tuple
 * @req: the entry
 * @hash: hsk_synq_hash() of @req's tuple
 *
 * Takes ownership of @req on success.
 *
 * Return: false when the table is full.
 */
bool hsk_synq_insert(struct hsk_net *hn, struct hsk_synq_bucket *b,
		     struct hsk_req *req, u32 hash)
{
	struct hsk_synq *q = &hn->synq;

	lockdep_assert_held(&b->lock);
	if (atomic_inc_return(&q->count) > READ_ONCE(hn->max_syn_backlog)) {
		atomic_dec(&q->count);
		return false;
	}
	req->tag = hsk_synq_tag(hash);
	hlist_add_head(&req->node, &b->chain);
	WRITE_ONCE(b->tags, b->tags | BIT(req->tag));
	hsk_synq_arm(b, req->expires);
	return true;
}

/**
 * hsk_synq_unlink() - unlink a half-open entry
 * @q: the half-open queue
 * @req: the entry
 *
 * Hashes the tuple again rather than store the bucket: that keeps an
 * entry at 64 bytes, and an entry is unlinked once.
 */
void hsk_synq_unlink(struct hsk_synq *q, struct hsk_req *req)
{
	struct hsk_synq_bucket *b = hsk_synq_bucket(q, &req->tuple);
	unsigned long tags = 0;
	struct hsk_req *left;

	lockdep_assert_held(&b->lock);
	hlist_del(&req->node);
	atomic_dec(&q->count);
	hlist_for_each_entry(left, &b->chain, node)
		tags |= BIT(left->tag);
	WRITE_ONCE(b->tags, tags);
}
