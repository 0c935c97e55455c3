/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TIME_WAIT (and orphaned FIN_WAIT2) held by hsk instead of the kernel's
 * timewait socks: a hash table of compact entries keyed by a per-netns
 * hsiphash of the 4-tuple, each chain kept in deadline order, and a heap
 * of the chains by their first deadline, reaped by one hrtimer.
 *
 * Locking and lifetime, the one place they are written down:
 *  - Hash chains are guarded by lock stripes: bucket i uses
 *    locks[i & lock_mask], as the kernel's ehash does. That lock guards the
 *    chain and every field of its entries.
 *  - @qlock guards the heap (@heap, @heap_pos, @heap_n), @reaping and the
 *    hrtimer. A chain's first pointer, and the deadline of its first
 *    entry, change only with both the bucket lock and @qlock held, and
 *    the heap is updated in the same section; so under @qlock alone the
 *    heap names, for every non-empty chain, the deadline of its first
 *    entry. Changes further down a chain take the bucket lock only.
 *    Order: a bucket lock may be held when @qlock is taken, never the
 *    reverse; whoever finds a bucket in the heap drops @qlock, takes the
 *    bucket lock, then @qlock again and looks anew. All locks are taken
 *    with _bh outside softirq (/proc, netns exit).
 *  - Chain pointers are written with WRITE_ONCE: a segment reads its
 *    chain's first pointer without the lock and passes an empty chain
 *    by, as /proc's walk does.
 *  - An entry is alive while it is in its chain. Whoever takes it out,
 *    under the bucket lock (the timer, max_tw recycling, a packet or
 *    connect() ending it early, a new entry for the same tuple), owns it
 *    and frees it after dropping the locks. No reference count, no entry
 *    left behind dead: the chain is the only link an entry has.
 *  - A chain is sorted by deadline; as nearly every entry lasts the same
 *    time, an insert or a restart (retransmitted FIN) lands at its tail.
 *    The timer, armed at the heap's top, takes each due chain's due prefix
 *    off: O(1) per entry and O(log buckets) per chain, whatever the size
 *    of the table. @count (the TimeWait gauge) counts allocated entries
 *    and is checked against net.hsk.max_tw.
 *  - @closing is set in pernet pre_exit; the takeover then inserts
 *    nothing, and exit empties the table after the core's
 *    synchronize_rcu() and hrtimer_cancel().
 */
#ifndef _HSK_TIMEWAIT_H
#define _HSK_TIMEWAIT_H

#include <linux/hrtimer.h>
#include <linux/seq_file.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>

#include "cookie.h"

struct hsk_net;
struct hsk_seg;
struct hsk_tw;

/**
 * struct hsk_tw_slot - a non-empty chain in the heap
 * @expires: its first deadline
 * @bucket: which chain it is
 */
struct hsk_tw_slot {
	u32 expires;
	u32 bucket;
};

/**
 * struct hsk_tw_table - the TIME_WAIT table of a netns
 * @buckets: the hash chains, each in deadline order
 * @locks: stripes over @buckets
 * @mask: buckets minus one
 * @lock_mask: lock stripes minus one
 * @hash_key: the per-netns hsiphash key
 * @qlock: guards the heap, @timer
 * @heap: min-heap, one slot per bucket
 * @heap_pos: per bucket: its slot, or U32_MAX
 * @heap_n: non-empty chains
 * @reaping: the callback runs, it arms @timer
 * @timer: the reaper, armed at the heap's top
 * @base_ns: entry clocks count ms from here
 * @count: allocated entries, the TimeWait gauge; checked against
 *         net.hsk.max_tw
 * @closing: set in pernet pre_exit: the table takes no new entries
 *
 * Locking and lifetime: at the top of this file.
 */
struct hsk_tw_table {
	struct hsk_tw **buckets;
	spinlock_t *locks;		/* stripes over @buckets */
	unsigned int mask;
	unsigned int lock_mask;
	hsiphash_key_t hash_key;
	spinlock_t qlock;		/* guards the heap, @timer */
	struct hsk_tw_slot *heap;
	u32 *heap_pos;
	u32 heap_n;
	bool reaping;
	struct hrtimer timer;
	u64 base_ns;
	atomic_t count;
	bool closing;
};

/**
 * struct hsk_tw_state - what a closing socket leaves behind
 * @tuple: its addresses and ports
 * @rcv_nxt: the next sequence number expected
 * @snd_nxt: the next sequence number to send
 * @ts_recent: the peer's last TSval
 * @ts_offset: its timestamp offset
 * @ts_age_s: seconds since ts_recent was stored
 * @timeout_ms: FIN_WAIT2 only: what the kernel gave it
 * @window: the peer's window, already scaled
 * @wscale: its receive window scale
 * @fin_wait2: it is in FIN_WAIT2, not TIME_WAIT
 * @tstamp_ok: timestamps were negotiated
 *
 * Copied from its timewait sock.
 */
struct hsk_tw_state {
	struct hsk_tuple tuple;
	u32 rcv_nxt;
	u32 snd_nxt;
	u32 ts_recent;
	u32 ts_offset;
	u32 ts_age_s;
	u32 timeout_ms;
	u16 window;
	u8 wscale;
	u8 fin_wait2;
	u8 tstamp_ok;
};

/* What hsk_tw_rcv() did with a segment. */
enum hsk_tw_verdict {
	HSK_TW_NONE,		/* no entry: not ours */
	HSK_TW_DROP,		/* consumed by the entry (answered or not) */
	HSK_TW_SYN,		/* a new SYN ended the entry: process it */
};

int hsk_tw_cache_create(void);
void hsk_tw_cache_destroy(void);

int hsk_tw_init(struct hsk_net *hn);
void hsk_tw_pre_exit(struct hsk_net *hn);
bool hsk_tw_active(const struct hsk_net *hn);
void hsk_tw_exit(struct hsk_net *hn);

bool hsk_tw_enter(struct hsk_net *hn, const struct hsk_tw_state *st);
bool hsk_tw_forget(struct hsk_net *hn, const struct hsk_tuple *t);
enum hsk_tw_verdict hsk_tw_rcv(struct hsk_net *hn, const struct hsk_seg *seg,
			       bool listener);
int hsk_tw_seq_show(struct seq_file *seq, struct hsk_net *hn);

#endif /* _HSK_TIMEWAIT_H */
