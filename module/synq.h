/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The half-open (SYN_RECV) queue: a hash table of compact entries keyed by
 * the 4-tuple through a per-netns hsiphash key, so no sender can aim its
 * SYNs at one bucket. hsiphash, the kernel's keyed hash for hash tables,
 * runs half SipHash's rounds: every flood SYN pays it once in modes 1 and
 * 3, for the duplicate check.
 *
 * Locking and lifetime, the one place they are written down:
 *  - Each bucket has a spinlock that guards its chain and every field of
 *    the entries on it. Packet handlers (softirq) take it with spin_lock,
 *    process context (/proc, netns exit) with spin_lock_bh.
 *  - An entry belongs to the table. Whoever unlinks it, under the bucket
 *    lock, owns it from then on and frees it; nobody else may touch it.
 *    There is no per-entry timer and no reference count.
 *  - Each bucket has one hrtimer (soft, so it runs in softirq like the
 *    packet path) set to the earliest retransmission among its entries,
 *    as FreeBSD's syncache does per bucket. It is (re)armed only with the
 *    bucket lock held; the callback never frees anything it did not
 *    unlink itself.
 *  - @count is the number of entries in the whole table, checked against
 *    net.hsk.max_syn_backlog before an insert.
 *  - A bucket's @tags has one bit set for each of its entries, chosen by
 *    bits of the entry's hash that did not pick the bucket; it is
 *    written under the bucket lock and read without it by every SYN,
 *    which locks the bucket and walks its chain only if an entry for it
 *    may be there: a flood SYN answered statelessly seldom does. A miss that
 *    races with the insert of the same tuple on another cpu is the race
 *    two copies of one SYN always run: it gets a cookie SYN-ACK.
 */
#ifndef _HSK_SYNQ_H
#define _HSK_SYNQ_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/hrtimer.h>
#include <linux/log2.h>
#include <linux/list.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>

#include "cookie.h"

enum {
	HSK_SYNQ_BUCKETS = 1024,
};

struct hsk_net;

/**
 * struct hsk_req - a half-open entry
 * @node: its link in its bucket's chain
 * @expires: ktime_get_ns() of the next retransmission
 * @tuple: its addresses and ports
 * @rcv_isn: the client's ISN
 * @snt_isn: our ISN, a cookie
 * @ts_recent: the client's TSval from its SYN
 * @oif: device the listener is bound to, or 0
 * @mark: the listener's, or the SYN's (tcp_fwmark_accept)
 * @uid: the listener's owner, for uid policy routing
 * @mss: the client's MSS, clamped by the listener
 * @adv_mss: the MSS we advertised
 * @window: the window we advertised (unscaled)
 * @tos: the listener's TOS
 * @tag: its bit in the bucket's @tags
 * @retrans: how often its SYN-ACK was retransmitted
 * @defer_accept: the listener's TCP_DEFER_ACCEPT, in timeouts
 * @snd_wscale: the client's window scale
 * @rcv_wscale: our window scale
 * @wscale_ok: window scaling was negotiated
 * @sack_ok: SACK was negotiated
 * @tstamp_ok: timestamps were negotiated
 * @acked: a bare ACK came while accept was deferred
 * @resends: the client resends data a full queue dropped
 * @transparent: the listener's IP_TRANSPARENT
 * @dup_answered: a retransmitted SYN had a SYN-ACK
 *
 * Locking and lifetime: at the top of this file.
 */
struct hsk_req {
	struct hlist_node node;
	u64 expires;
	struct hsk_tuple tuple;
	u32 rcv_isn;
	u32 snt_isn;
	u32 ts_recent;
	int oif;
	u32 mark;
	kuid_t uid;
	u16 mss;
	u16 adv_mss;
	u16 window;
	u8 tos;
	u8 tag;
	u8 retrans;
	u8 defer_accept;
	u8 snd_wscale:4,
	   rcv_wscale:4;
	u8 wscale_ok:1,
	   sack_ok:1,
	   tstamp_ok:1,
	   acked:1,
	   resends:1,
	   transparent:1,
	   dup_answered:1;
};

/**
 * struct hsk_synq_bucket - a bucket of the half-open queue
 * @lock: guards @chain and its entries
 * @chain: its entries
 * @tags: one bit per entry: hsk_synq_may_hold()
 * @timer: set to the earliest retransmission among its entries
 * @hn: the bucket's netns
 */
struct hsk_synq_bucket {
	spinlock_t lock;		/* guards @chain and its entries */
	struct hlist_head chain;
	unsigned long tags;
	struct hrtimer timer;
	struct hsk_net *hn;
};

/**
 * struct hsk_synq - the half-open queue of a netns
 * @buckets: HSK_SYNQ_BUCKETS buckets
 * @hash_key: the per-netns key of hsk_synq_hash()
 * @count: entries in the whole table, checked against net.hsk.max_syn_backlog
 *
 * Locking and lifetime: at the top of this file.
 */
struct hsk_synq {
	struct hsk_synq_bucket *buckets;
	hsiphash_key_t hash_key;
	atomic_t count;
};

int hsk_synq_cache_create(void);
void hsk_synq_cache_destroy(void);

int hsk_synq_init(struct hsk_net *hn);
void hsk_synq_exit(struct hsk_net *hn);

/* Every SYN asks the questions below, in modes 1 and 3, so they are
 * inline: a call and its return cost more than each of them.
 */
static inline u32 hsk_synq_hash(const struct hsk_synq *q,
				const struct hsk_tuple *t)
{
	return hsiphash_3u32((__force u32)t->raddr, (__force u32)t->laddr,
			     (__force u32)t->rport << 16 | (__force u32)t->lport,
			     &q->hash_key);
}

static inline struct hsk_synq_bucket *hsk_synq_bucket_of(struct hsk_synq *q,
							 u32 hash)
{
	return &q->buckets[hash & (HSK_SYNQ_BUCKETS - 1)];
}

static inline struct hsk_synq_bucket *hsk_synq_bucket(struct hsk_synq *q,
						      const struct hsk_tuple *t)
{
	return hsk_synq_bucket_of(q, hsk_synq_hash(q, t));
}

/* An entry's bit in its bucket's @tags: hash bits that did not pick the
 * bucket.
 */
static inline u8 hsk_synq_tag(u32 hash)
{
	return (hash >> ilog2(HSK_SYNQ_BUCKETS)) % BITS_PER_LONG;
}

/* False only if the bucket holds no entry of that hash; no lock. */
static inline bool hsk_synq_may_hold(const struct hsk_synq_bucket *b, u32 hash)
{
	return READ_ONCE(b->tags) & BIT(hsk_synq_tag(hash));
}

/* No lock: an entry linked meanwhile is one the caller could as well
 * have come before.
 */
static inline bool hsk_synq_empty(const struct hsk_synq *q)
{
	return !atomic_read(&q->count);
}

/* @max: net.hsk.max_syn_backlog. */
static inline bool hsk_synq_full(const struct hsk_synq *q, int max)
{
	return atomic_read(&q->count) >= max;
}

struct hsk_req *hsk_synq_lookup(struct hsk_synq_bucket *b,
				const struct hsk_tuple *t);
struct hsk_req *hsk_req_alloc(void);
void hsk_req_free(struct hsk_req *req);
bool hsk_synq_insert(struct hsk_net *hn, struct hsk_synq_bucket *b,
		     struct hsk_req *req, u32 hash);
void hsk_synq_unlink(struct hsk_synq *q, struct hsk_req *req);

/* timers.c */
void hsk_synq_timer_init(struct hsk_synq_bucket *b);
void hsk_synq_arm(struct hsk_synq_bucket *b, u64 expires);
u64 hsk_synack_timeout_ns(const struct hsk_net *hn, unsigned int retrans);
struct sk_buff *hsk_req_synack(struct hsk_net *hn, struct hsk_req *req);

#endif /* _HSK_SYNQ_H */
