// SPDX-License-Identifier: GPL-2.0
/*
 * The TIME_WAIT table and what an entry does with the segments that reach
 * it; rules at the top of timewait.h, the packet walk in
 * Documentation/design.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <net/tcp.h>

#include "compat.h"
#include "handshake.h"
#include "hsk.h"
#include "output.h"

enum {
	HSK_TW_LOCKS = 1024,
	/* Entries a timer run frees at most before it yields the cpu. */
	HSK_TW_REAP_BATCH = 256,
	/* Timestamp ages are clamped to this before being kept in 16 bits. */
	HSK_TW_TS_AGE_MAX = 3600,
	/* Times max_tw recycling looks for the earliest bucket again when
	 * another cpu changed it meanwhile, before it takes what it holds.
	 */
	HSK_TW_RECYCLE_TRIES = 4,
	/* The size issue 6 set; the layout below is made to meet it. */
	HSK_TW_SIZE_MAX = 48,
};

/* heap_pos[] of a bucket whose chain is empty. */
#define HSK_TW_NOWHERE	U32_MAX

enum {
	HSK_TWF_FIN_WAIT2 = 1 << 0,
	HSK_TWF_TSTAMP = 1 << 1,	/* the connection used timestamps */
	HSK_TWF_PAWS = 1 << 2,		/* ts_recent younger than 24 days */
};

/*
 * 48 bytes: one link, and it is the hash chain. Each chain is kept in
 * deadline order, so it is its own expiry queue, and the table keeps a
 * heap of the non-empty chains by their first deadline (timewait.h).
 * Every field is the bucket lock's; the first entry's @expires and the
 * chain's first pointer change under qlock as well.
 */
struct hsk_tw {
	struct hsk_tw *hnext;		/* hash chain, by @expires */
	struct hsk_tuple tuple;
	u32 expires;			/* ms since the table's base_ns */
	u32 rcv_nxt;
	u32 snd_nxt;
	u32 ts_recent;
	u32 ts_offset;			/* the kernel's or hsk's choice */
	u16 window;			/* as sent: scaled */
	u16 ts_stamp;			/* seconds, low 16 bits */
	u16 last_oow;			/* ms, low 16 bits, of the last
					 * rate-limited ACK; 0: none yet
					 */
	u8 flags:4,			/* HSK_TWF_* */
	   wscale:4;			/* @window << @wscale: bytes */
};

static struct kmem_cache *hsk_tw_cache;

/**
 * hsk_tw_cache_create() - create the slab cache of TIME_WAIT entries
 *
 * Return: 0 or -ENOMEM.
 */
int hsk_tw_cache_create(void)
{
	BUILD_BUG_ON(sizeof(struct hsk_tw) > HSK_TW_SIZE_MAX);
	hsk_tw_cache = KMEM_CACHE(hsk_tw, 0);
	if (!hsk_tw_cache)
		return -ENOMEM;
	pr_info("TIME_WAIT entry size %zu bytes\n", sizeof(struct hsk_tw));
	return 0;
}

/**
 * hsk_tw_cache_destroy() - destroy the slab cache of TIME_WAIT entries
 */
void hsk_tw_cache_destroy(void)
{
	kmem_cache_destroy(hsk_tw_cache);
}

static u32 hsk_tw_now_ms(const struct hsk_tw_table *t)
{
	return div_u64(ktime_get_ns() - t->base_ns, NSEC_PER_MSEC);
}

/* The clock wraps after 49 days: deadlines are turned back into ktime
 * relative to now, which they are never more than 2^31 ms away from.
 */
static ktime_t hsk_tw_ktime(const struct hsk_tw_table *t, u32 ms)
{
	u64 now = ktime_get_ns();
	s32 delta = ms - (u32)div_u64(now - t->base_ns, NSEC_PER_MSEC);

	return ns_to_ktime(now + (s64)delta * NSEC_PER_MSEC);
}

/* Deadlines compare across the wrap: live ones lie within minutes. */
static bool hsk_tw_before(u32 a, u32 b)
{
	return (s32)(a - b) < 0;
}

static u32 hsk_tw_bucket(const struct hsk_tw_table *t, const struct hsk_tuple *k)
{
	return hsiphash_3u32((__force u32)k->raddr, (__force u32)k->laddr,
			     (__force u32)k->rport << 16 | (__force u32)k->lport,
			     &t->hash_key) & t->mask;
}

static spinlock_t *hsk_tw_lock(const struct hsk_tw_table *t, u32 bucket)
{
	return &t->locks[bucket & t->lock_mask];
}

static bool hsk_tw_tuple_eq(const struct hsk_tuple *a, const struct hsk_tuple *b)
{
	return a->raddr == b->raddr && a->laddr == b->laddr &&
	       a->rport == b->rport && a->lport == b->lport;
}

static struct hsk_tw *hsk_tw_lookup(struct hsk_tw_table *t, u32 bucket,
				    const struct hsk_tuple *k)
{
	struct hsk_tw *tw;

	for (tw = t->buckets[bucket]; tw; tw = tw->hnext)
		if (hsk_tw_tuple_eq(&tw->tuple, k))
			return tw;
	return NULL;
}

static void hsk_tw_free(struct hsk_tw_table *t, struct hsk_tw *tw)
{
	kmem_cache_free(hsk_tw_cache, tw);
	atomic_dec(&t->count);
}

/* qlock held. Only moves the deadline earlier; the callback moves it on,
 * and while it runs it arms the timer itself when it is done.
 */
static void hsk_tw_arm(struct hsk_tw_table *t, u32 expires)
{
	ktime_t when;

	if (t->reaping)
		return;
	when = hsk_tw_ktime(t, expires);
	if (!hrtimer_is_queued(&t->timer) ||
	    ktime_before(when, hrtimer_get_expires(&t->timer)))
		hrtimer_start(&t->timer, when, HRTIMER_MODE_ABS_SOFT);
}

/* The heap of non-empty chains, qlock held: a binary min-heap on the
 * first deadline of each chain, heap_pos[] the way back from a bucket.
 */
static void hsk_tw_heap_put(struct hsk_tw_table *t, u32 i,
			    struct hsk_tw_slot slot)
{
	t->heap[i] = slot;
	t->heap_pos[slot.bucket] = i;
}

static u32 hsk_tw_sift_up(struct hsk_tw_table *t, u32 i)
{
	struct hsk_tw_slot slot = t->heap[i];

	while (i) {
		u32 parent = (i - 1) / 2;

		if (!hsk_tw_before(slot.expires, t->heap[parent].expires))
			break;
		hsk_tw_heap_put(t, i, t->heap[parent]);
		i = parent;
	}
	hsk_tw_heap_put(t, i, slot);
	return i;
}

static void hsk_tw_sift_down(struct hsk_tw_table *t, u32 i)
{
	struct hsk_tw_slot slot = t->heap[i];

	for (;;) {
		u32 child = 2 * i + 1;

		if (child >= t->heap_n)
			break;
		if (child + 1 < t->heap_n &&
		    hsk_tw_before(t->heap[child + 1].expires,
				  t->heap[child].expires))
			child++;
		if (!hsk_tw_before(t->heap[child].expires, slot.expires))
			break;
		hsk_tw_heap_put(t, i, t->heap[child]);
		i = child;
	}
	hsk_tw_heap_put(t, i, slot);
}

/* qlock and bucket lock held, after chain @b's first entry changed (or
 * its deadline did): puts the bucket where that deadline belongs, takes
 * it out when the chain is empty, and arms the timer at the earliest.
 */
static void hsk_tw_heap_update(struct hsk_tw_table *t, u32 b)
{
	struct hsk_tw *first = t->buckets[b];
	u32 i = t->heap_pos[b];

	if (!first) {
		struct hsk_tw_slot last;

		if (WARN_ON_ONCE(i == HSK_TW_NOWHERE))
			return;
		t->heap_pos[b] = HSK_TW_NOWHERE;
		last = t->heap[--t->heap_n];
		if (i == t->heap_n)
			return;
		hsk_tw_heap_put(t, i, last);
	} else if (i == HSK_TW_NOWHERE) {
		i = t->heap_n++;
		hsk_tw_heap_put(t, i, (struct hsk_tw_slot){
			.expires = first->expires, .bucket = b });
	} else {
		t->heap[i].expires = first->expires;
	}
	hsk_tw_sift_down(t, hsk_tw_sift_up(t, i));
	if (t->heap_n)
		hsk_tw_arm(t, t->heap[0].expires);
}

/* Bucket lock held: puts @tw (its @expires set) into chain @b after the
 * entries due no later, so equal deadlines leave in arrival order. Only
 * a new first entry concerns the heap and takes qlock; nearly every
 * entry of a chain lasts as long as the others, so it goes to the tail.
 */
static void hsk_tw_link(struct hsk_tw_table *t, u32 b, struct hsk_tw *tw)
{
	struct hsk_tw **pp = &t->buckets[b];

	while (*pp && !hsk_tw_before(tw->expires, (*pp)->expires))
		pp = &(*pp)->hnext;
	tw->hnext = *pp;
	if (pp != &t->buckets[b]) {
		WRITE_ONCE(*pp, tw);
		return;
	}
	spin_lock(&t->qlock);
	WRITE_ONCE(*pp, tw);
	hsk_tw_heap_update(t, b);
	spin_unlock(&t->qlock);
}

/* Bucket lock held: takes @tw out of chain @b; the caller owns it then. */
static void hsk_tw_unlink(struct hsk_tw_table *t, u32 b, struct hsk_tw *tw)
{
	struct hsk_tw **pp = &t->buckets[b];

	while (*pp != tw)
		pp = &(*pp)->hnext;
	if (pp != &t->buckets[b]) {
		WRITE_ONCE(*pp, tw->hnext);
		return;
	}
	spin_lock(&t->qlock);
	WRITE_ONCE(*pp, tw->hnext);
	hsk_tw_heap_update(t, b);
	spin_unlock(&t->qlock);
}

/* Bucket lock held: gives the entry a new deadline, as
 * inet_twsk_reschedule() does, and moves it to its place in the chain.
 */
static void hsk_tw_reschedule(struct hsk_tw_table *t, u32 b, struct hsk_tw *tw,
			      u32 timeout_ms)
{
	hsk_tw_unlink(t, b, tw);
	tw->expires = hsk_tw_now_ms(t) + timeout_ms + 1;
	hsk_tw_link(t, b, tw);
}

/* Bucket lock and qlock held: moves the entries of chain @b due by @now,
 * at most @budget of them, to @dead (chained through hnext) and puts the
 * bucket back in the heap by what is left. Returns how many it took.
 */
static unsigned int hsk_tw_expire(struct hsk_tw_table *t, u32 b, u32 now,
				  unsigned int budget, struct hsk_tw **dead)
{
	unsigned int n = 0;
	struct hsk_tw *tw;

	while (n < budget && (tw = t->buckets[b]) &&
	       !hsk_tw_before(now, tw->expires)) {
		WRITE_ONCE(t->buckets[b], tw->hnext);
		tw->hnext = *dead;
		*dead = tw;
		n++;
	}
	if (n)
		hsk_tw_heap_update(t, b);
	return n;
}

static void hsk_tw_free_list(struct hsk_tw_table *t, struct hsk_tw *tw)
{
	struct hsk_tw *next;

	for (; tw; tw = next) {
		next = tw->hnext;
		hsk_tw_free(t, tw);
	}
}

/* Reaps in deadline order: the heap names the chain whose first entry is
 * due first; its bucket lock is taken (before qlock, as everywhere) and
 * the chain's due prefix taken off. Each entry costs O(1) and each chain
 * visited O(log buckets), whatever the size of the table.
 */
static enum hrtimer_restart hsk_tw_timer(struct hrtimer *timer)
{
	struct hsk_tw_table *t = container_of(timer, struct hsk_tw_table, timer);
	struct hsk_net *hn = container_of(t, struct hsk_net, tw);
	u32 now = hsk_tw_now_ms(t);
	struct hsk_tw *dead = NULL;
	unsigned int n = 0;
	spinlock_t *lock;		/* the stripe of the chain reaped */
	u32 b;

	spin_lock(&t->qlock);
	t->reaping = true;
	while (t->heap_n && !hsk_tw_before(now, t->heap[0].expires) &&
	       n < HSK_TW_REAP_BATCH) {
		b = t->heap[0].bucket;
		spin_unlock(&t->qlock);
		lock = hsk_tw_lock(t, b);
		spin_lock(lock);
		spin_lock(&t->qlock);
		/* Whatever changed in between, the heap still tells the
		 * truth about @b under both locks.
		 */
		n += hsk_tw_expire(t, b, now, HSK_TW_REAP_BATCH - n, &dead);
		spin_unlock(&t->qlock);
		spin_unlock(lock);
		spin_lock(&t->qlock);
	}
	t->reaping = false;
	/* A full batch: come back at once, after other softirqs ran. */
	if (t->heap_n)
		hrtimer_start(timer, n < HSK_TW_REAP_BATCH ?
			      hsk_tw_ktime(t, t->heap[0].expires) : ktime_get(),
			      HRTIMER_MODE_ABS_SOFT);
	spin_unlock(&t->qlock);

	hsk_tw_free_list(t, dead);
	this_cpu_add(hn->mib->mibs[HSK_MIB_TW_REAPED], n);
	return HRTIMER_NORESTART;
}

/**
 * hsk_tw_init() - set up the TIME_WAIT table of a netns
 * @hn: the netns's hsk state
 *
 * Return: 0 or -ENOMEM.
 */
int hsk_tw_init(struct hsk_net *hn)
{
	struct hsk_tw_table *t = &hn->tw;
	unsigned int i, nbuckets;

	/* Sized for the default max_tw at a mean chain length of 4. */
	nbuckets = roundup_pow_of_two(max(hn->max_tw / 4, 1));
	t->buckets = kvcalloc(nbuckets, sizeof(*t->buckets), GFP_KERNEL_ACCOUNT);
	t->locks = kvmalloc_array(HSK_TW_LOCKS, sizeof(*t->locks),
				  GFP_KERNEL_ACCOUNT);
	/* Every non-empty chain is in the heap once, so it never grows. */
	t->heap = kvmalloc_array(nbuckets, sizeof(*t->heap), GFP_KERNEL_ACCOUNT);
	t->heap_pos = kvmalloc_array(nbuckets, sizeof(*t->heap_pos),
				     GFP_KERNEL_ACCOUNT);
	if (!t->buckets || !t->locks || !t->heap || !t->heap_pos) {
		kvfree(t->heap_pos);
		kvfree(t->heap);
		kvfree(t->locks);
		kvfree(t->buckets);
		return -ENOMEM;
	}
	for (i = 0; i < HSK_TW_LOCKS; i++)
		spin_lock_init(&t->locks[i]);
	for (i = 0; i < nbuckets; i++)
		t->heap_pos[i] = HSK_TW_NOWHERE;
	t->heap_n = 0;
	t->mask = nbuckets - 1;
	t->lock_mask = HSK_TW_LOCKS - 1;
	get_random_bytes(&t->hash_key, sizeof(t->hash_key));
	spin_lock_init(&t->qlock);
	hrtimer_init(&t->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_SOFT);
	t->timer.function = hsk_tw_timer;
	t->reaping = false;
	t->base_ns = ktime_get_ns();
	atomic_set(&t->count, 0);
	t->closing = false;
	return 0;
}

/**
 * hsk_tw_pre_exit() - close the TIME_WAIT table to new entries
 * @hn: the netns's hsk state
 *
 * Context: pernet pre_exit.
 */
void hsk_tw_pre_exit(struct hsk_net *hn)
{
	WRITE_ONCE(hn->tw.closing, true);
}

/**
 * hsk_tw_active() - whether the TIME_WAIT table takes new entries
 * @hn: the netns's hsk state
 *
 * Return: false from pernet pre_exit on: the table takes no new entries.
 */
bool hsk_tw_active(const struct hsk_net *hn)
{
	return !READ_ONCE(hn->tw.closing);
}

/**
 * hsk_tw_exit() - empty and free the TIME_WAIT table of a netns
 * @hn: the netns's hsk state
 *
 * hrtimer_cancel() waits for a running callback and then dequeues what it
 * armed for itself; nothing else arms the timer now, so afterwards the
 * chains are ours alone.
 *
 * Context: After synchronize_rcu(): no packet and no takeover is in the
 * table any more, only the timer callback may be.
 */
void hsk_tw_exit(struct hsk_net *hn)
{
	struct hsk_tw_table *t = &hn->tw;
	unsigned int i;

	hrtimer_cancel(&t->timer);
	for (i = 0; i <= t->mask; i++) {
		hsk_tw_free_list(t, t->buckets[i]);
		t->buckets[i] = NULL;
	}
	WARN_ON_ONCE(atomic_read(&t->count));
	kvfree(t->heap_pos);
	kvfree(t->heap);
	kvfree(t->locks);
	kvfree(t->buckets);
}

/* Makes room for one more entry by ending the one closest to expiry: the
 * first of the chain at the top of the heap.
 */
static void hsk_tw_recycle(struct hsk_net *hn)
{
	struct hsk_tw_table *t = &hn->tw;
	struct hsk_tw *tw = NULL;
	unsigned int tries;
	spinlock_t *lock;		/* the stripe of the top chain */
	u32 b;

	for (tries = 1; !tw && tries <= HSK_TW_RECYCLE_TRIES; tries++) {
		spin_lock_bh(&t->qlock);
		b = t->heap_n ? t->heap[0].bucket : HSK_TW_NOWHERE;
		spin_unlock_bh(&t->qlock);
		if (b == HSK_TW_NOWHERE)
			return;
		lock = hsk_tw_lock(t, b);
		spin_lock_bh(lock);
		spin_lock(&t->qlock);
		/* Another cpu may have moved the top meanwhile: look again,
		 * but on the last try take what this bucket has, so an
		 * entry is recycled whenever one exists.
		 */
		tw = t->buckets[b];
		if (tw && (t->heap[0].bucket == b ||
			   tries == HSK_TW_RECYCLE_TRIES)) {
			WRITE_ONCE(t->buckets[b], tw->hnext);
			hsk_tw_heap_update(t, b);
		} else {
			tw = NULL;
		}
		spin_unlock(&t->qlock);
		spin_unlock_bh(lock);
	}
	if (tw) {
		HSK_INC(hn, TW_RECYCLED);
		hsk_tw_free(t, tw);
	}
}

/**
 * hsk_tw_enter() - take over what a closing socket leaves behind
 * @hn: the netns's hsk state
 * @st: what the socket leaves behind
 *
 * Return: false when no entry could be allocated.
 */
bool hsk_tw_enter(struct hsk_net *hn, const struct hsk_tw_state *st)
{
	struct hsk_tw_table *t = &hn->tw;
	struct hsk_tw *tw, *old = NULL;
	u32 bucket, timeout, now_s;
	spinlock_t *lock;		/* the bucket's stripe */

	tw = kmem_cache_alloc(hsk_tw_cache, GFP_ATOMIC | __GFP_NOWARN);
	if (!tw) {
		HSK_INC(hn, TW_ALLOC_FAILED);
		return false;
	}
	/* Counted before it is visible so the gauge never goes below 0;
	 * a race may recycle one entry more than needed, never fewer.
	 */
	if (atomic_inc_return(&t->count) > READ_ONCE(hn->max_tw))
		hsk_tw_recycle(hn);

	now_s = ktime_get_seconds();
	tw->tuple = st->tuple;
	tw->rcv_nxt = st->rcv_nxt;
	tw->snd_nxt = st->snd_nxt;
	tw->ts_recent = st->ts_recent;
	tw->ts_offset = st->ts_offset;
	tw->window = st->window;
	tw->wscale = st->wscale;
	tw->ts_stamp = now_s - min_t(u32, st->ts_age_s, HSK_TW_TS_AGE_MAX);
	tw->last_oow = 0;
	tw->flags = 0;
	if (st->fin_wait2)
		tw->flags |= HSK_TWF_FIN_WAIT2;
	if (st->tstamp_ok)
		tw->flags |= HSK_TWF_TSTAMP;
	if (st->ts_age_s < HSK_PAWS_WRAP_S)
		tw->flags |= HSK_TWF_PAWS;
	timeout = st->fin_wait2 ? st->timeout_ms : 2 * READ_ONCE(hn->msl_ms);

	bucket = hsk_tw_bucket(t, &tw->tuple);
	lock = hsk_tw_lock(t, bucket);
	spin_lock_bh(lock);
	old = hsk_tw_lookup(t, bucket, &tw->tuple);
	if (old)
		hsk_tw_unlink(t, bucket, old);
	tw->expires = hsk_tw_now_ms(t) + timeout + 1;
	hsk_tw_link(t, bucket, tw);
	spin_unlock_bh(lock);
	if (old)
		hsk_tw_free(t, old);
	HSK_INC(hn, TW_ENTERED);
	return true;
}

/**
 * hsk_tw_forget() - end the entry of a tuple a local socket took over
 * @hn: the netns's hsk state
 * @k: the tuple
 *
 * A local socket took the tuple over (connect() picked the port again).
 *
 * Return: whether there was an entry.
 */
bool hsk_tw_forget(struct hsk_net *hn, const struct hsk_tuple *k)
{
	struct hsk_tw_table *t = &hn->tw;
	u32 bucket = hsk_tw_bucket(t, k);
	spinlock_t *lock = hsk_tw_lock(t, bucket);
	struct hsk_tw *tw;

	if (!atomic_read(&t->count))
		return false;
	spin_lock_bh(lock);
	tw = hsk_tw_lookup(t, bucket, k);
	if (tw)
		hsk_tw_unlink(t, bucket, tw);
	spin_unlock_bh(lock);
	if (tw)
		hsk_tw_free(t, tw);
	return tw;
}

/* As tcp_in_window(): does [seq, end_seq) touch the receive window? */
static bool hsk_tw_in_window(const struct hsk_tw *tw, const struct hsk_seg *seg)
{
	u32 s_win = tw->rcv_nxt, e_win = s_win + ((u32)tw->window << tw->wscale);

	if (seg->seq == s_win)
		return true;
	if (after(seg->end_seq, s_win) && before(seg->seq, e_win))
		return true;
	return seg->seq == e_win && seg->seq == seg->end_seq;
}

/* Linux's tcp_paws_reject() against the entry's ts_recent. */
static bool hsk_tw_paws_reject(const struct hsk_tw *tw, const struct hsk_seg *seg)
{
	if (!seg->saw_tstamp || !(tw->flags & HSK_TWF_TSTAMP))
		return false;
	if ((s32)(tw->ts_recent - seg->tsval) <= 0 ||
	    !(tw->flags & HSK_TWF_PAWS) || !tw->ts_recent)
		return false;
	if ((seg->flags & TCPHDR_RST) &&
	    (u16)((u16)ktime_get_seconds() - tw->ts_stamp) >= TCP_PAWS_MSL)
		return false;
	return true;
}

static void hsk_tw_store_ts(struct hsk_tw *tw, const struct hsk_seg *seg)
{
	if (seg->saw_tstamp && (tw->flags & HSK_TWF_TSTAMP)) {
		tw->ts_recent = seg->tsval;
		tw->ts_stamp = ktime_get_seconds();
		tw->flags |= HSK_TWF_PAWS;
	}
}

/* Out-of-window ACKs to pure ACKs and SYNs at most one per
 * tcp_invalid_ratelimit, as tcp_oow_rate_limited(); data and FINs are
 * always answered, they cannot be an ACK loop.
 */
static bool hsk_tw_oow_limited(struct hsk_net *hn, struct hsk_tw *tw,
			       const struct hsk_seg *seg)
{
	u32 limit = jiffies_to_msecs(READ_ONCE(hn->net->ipv4.sysctl_tcp_invalid_ratelimit));
	u16 now = (u16)hsk_tw_now_ms(&hn->tw) | 1;

	if (seg->seq != seg->end_seq && !(seg->flags & TCPHDR_SYN))
		return false;
	if (tw->last_oow && (u16)(now - tw->last_oow) < min(limit, 0xffffU)) {
		HSK_INC(hn, TW_ACK_RATELIMITED);
		return true;
	}
	tw->last_oow = now;
	return false;
}

enum hsk_tw_action {
	HSK_TWA_DROP,
	HSK_TWA_ACK,
	HSK_TWA_RST,		/* reset the sender, end the entry */
	HSK_TWA_KILL,		/* end the entry, drop the segment */
	HSK_TWA_SYN,		/* end the entry, the SYN opens a new one */
};

/* The rules of tcp_timewait_state_process() (Linux 6.1 and 6.12, which
 * differ only in how long a timestamp stays good for PAWS: compat.h) for
 * one entry; bucket lock held. Documentation/design.rst walks through
 * them.
 */
static enum hsk_tw_action hsk_tw_process(struct hsk_net *hn, u32 bucket,
					 struct hsk_tw *tw,
					 const struct hsk_seg *seg,
					 bool listener)
{
	u32 tw_len = 2 * READ_ONCE(hn->msl_ms);
	u8 fl = seg->flags;
	bool paws = hsk_tw_paws_reject(tw, seg);

	if (tw->flags & HSK_TWF_FIN_WAIT2) {
		if (paws || !hsk_tw_in_window(tw, seg)) {
			if (paws)
				HSK_INC(hn, TW_PAWS_DROPPED);
			return hsk_tw_oow_limited(hn, tw, seg) ?
			       HSK_TWA_DROP : HSK_TWA_ACK;
		}
		if (fl & TCPHDR_RST)
			return HSK_TWA_KILL;
		if ((fl & TCPHDR_SYN) && !before(seg->seq, tw->rcv_nxt))
			return HSK_TWA_RST;
		if (!(fl & TCPHDR_ACK) || !after(seg->end_seq, tw->rcv_nxt) ||
		    seg->end_seq == seg->seq)
			return HSK_TWA_DROP;
		/* Data after our close cannot be delivered: reset. */
		if (!(fl & TCPHDR_FIN) || seg->end_seq != tw->rcv_nxt + 1)
			return HSK_TWA_RST;
		tw->flags &= ~HSK_TWF_FIN_WAIT2;
		tw->rcv_nxt = seg->end_seq;
		hsk_tw_store_ts(tw, seg);
		hsk_tw_reschedule(&hn->tw, bucket, tw, tw_len);
		HSK_INC(hn, TW_FW2_FIN);
		return HSK_TWA_ACK;
	}

	if (!paws && seg->seq == tw->rcv_nxt &&
	    (seg->seq == seg->end_seq || (fl & TCPHDR_RST))) {
		if (fl & TCPHDR_RST) {
			/* RFC 1337: an RST must not end TIME_WAIT early. */
			if (!READ_ONCE(hn->rfc1337))
				return HSK_TWA_KILL;
			HSK_INC(hn, TW_RST_IGNORED);
		} else {
			hsk_tw_reschedule(&hn->tw, bucket, tw, tw_len);
		}
		hsk_tw_store_ts(tw, seg);
		return HSK_TWA_DROP;
	}

	/* A new SYN is safe when it cannot be an old duplicate: its ISN is
	 * beyond what the old connection used, or (RFC 6191) its timestamp
	 * is newer. Without a listener Linux answers it as any other
	 * out-of-window segment.
	 */
	if ((fl & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN && !paws && listener &&
	    (after(seg->seq, tw->rcv_nxt) ||
	     (seg->saw_tstamp && (s32)(tw->ts_recent - seg->tsval) < 0)))
		return HSK_TWA_SYN;

	if (paws)
		HSK_INC(hn, TW_PAWS_DROPPED);
	if (fl & TCPHDR_RST)
		return HSK_TWA_DROP;
	if (paws || (fl & TCPHDR_ACK)) {
		hsk_tw_reschedule(&hn->tw, bucket, tw, tw_len);
		if (fl & TCPHDR_FIN)
			HSK_INC(hn, TW_FIN_REACKED);
	}
	return hsk_tw_oow_limited(hn, tw, seg) ? HSK_TWA_DROP : HSK_TWA_ACK;
}

/**
 * hsk_tw_rcv() - hand a segment to its TIME_WAIT entry
 * @hn: the netns's hsk state
 * @seg: the segment
 * @listener: a listener is bound to the segment's port
 *
 * Return: what was done with @seg, an enum hsk_tw_verdict.
 */
enum hsk_tw_verdict hsk_tw_rcv(struct hsk_net *hn, const struct hsk_seg *seg,
			       bool listener)
{
	struct hsk_tw_table *t = &hn->tw;
	u32 bucket, seq = 0, ack = 0, tsval = 0, tsecr = 0;
	enum hsk_tw_action action;
	struct hsk_tw *tw, *dead = NULL;
	bool tstamp = false;
	spinlock_t *lock;		/* the bucket's stripe */
	u16 window = 0;

	if (!atomic_read(&t->count))
		return HSK_TW_NONE;
	bucket = hsk_tw_bucket(t, &seg->tuple);
	/* Without the lock: under a SYN flood nearly every segment finds
	 * its chain empty, and an entry linked meanwhile is one the segment
	 * could as well have come before.
	 */
	if (!READ_ONCE(t->buckets[bucket]))
		return HSK_TW_NONE;
	lock = hsk_tw_lock(t, bucket);
	spin_lock(lock);
	tw = hsk_tw_lookup(t, bucket, &seg->tuple);
	if (!tw) {
		spin_unlock(lock);
		return HSK_TW_NONE;
	}
	action = hsk_tw_process(hn, bucket, tw, seg, listener);
	if (action == HSK_TWA_ACK) {
		seq = tw->snd_nxt;
		ack = tw->rcv_nxt;
		window = tw->window;
		tstamp = tw->flags & HSK_TWF_TSTAMP;
		tsval = hsk_tcp_clock_ms() + tw->ts_offset;
		tsecr = tw->ts_recent;
	} else if (action >= HSK_TWA_RST) {
		hsk_tw_unlink(t, bucket, tw);
		dead = tw;
	}
	spin_unlock(lock);
	if (dead)
		hsk_tw_free(t, dead);

	switch (action) {
	case HSK_TWA_ACK:
		hsk_send_ack(hn->net, seg->skb, &seg->tuple, seg->dif, seq, ack,
			     window, tstamp, tsval, tsecr);
		return HSK_TW_DROP;
	case HSK_TWA_RST:
		hsk_reject(hn, seg);
		return HSK_TW_DROP;
	case HSK_TWA_SYN:
		HSK_INC(hn, TW_SYN_REUSED);
		return HSK_TW_SYN;
	case HSK_TWA_KILL:
	case HSK_TWA_DROP:
		break;
	}
	return HSK_TW_DROP;
}

/**
 * hsk_tw_seq_show() - list the TIME_WAIT entries in /proc
 * @seq: the /proc file
 * @hn: the netns's hsk state
 *
 * Return: 0.
 */
int hsk_tw_seq_show(struct seq_file *seq, struct hsk_net *hn)
{
	struct hsk_tw_table *t = &hn->tw;
	unsigned int i, sl = 0;
	struct hsk_tw *tw;

	seq_puts(seq, "  sl  local_address rem_address   st timeout_ms  rcv_nxt  snd_nxt ts_recent\n");
	for (i = 0; i <= t->mask; i++) {
		spinlock_t *lock = hsk_tw_lock(t, i);

		if (!READ_ONCE(t->buckets[i]))
			continue;
		spin_lock_bh(lock);
		for (tw = t->buckets[i]; tw; tw = tw->hnext) {
			s32 left = tw->expires - hsk_tw_now_ms(t);

			seq_printf(seq, "%4u: %08X:%04X %08X:%04X %02X %10d %08X %08X %08X\n",
				   sl++, (__force u32)tw->tuple.laddr,
				   ntohs(tw->tuple.lport),
				   (__force u32)tw->tuple.raddr,
				   ntohs(tw->tuple.rport),
				   tw->flags & HSK_TWF_FIN_WAIT2 ?
				   TCP_FIN_WAIT2 : TCP_TIME_WAIT,
				   max(left, 0), tw->rcv_nxt, tw->snd_nxt,
				   tw->ts_recent);
		}
		spin_unlock_bh(lock);
	}
	return 0;
}
