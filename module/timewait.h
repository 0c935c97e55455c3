/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TIME_WAIT (and orphaned FIN_WAIT2) held by hsk instead of the kernel's
 * timewait socks: a hash table of compact entries keyed by a per-netns
 * SipHash of the 4-tuple, and time-ordered queues reaped by one hrtimer.
 *
 * Locking and lifetime, the one place they are written down:
 *  - Hash chains are guarded by lock stripes: bucket i uses
 *    locks[i & lock_mask], as the kernel's ehash does. That lock guards the
 *    chain and every field of its entries except @queued and @fifo.
 *  - @qlock guards the expiry queues, every entry's @fifo and @queued,
 *    and the hrtimer. Order: a bucket lock may be held when @qlock is
 *    taken, never the reverse. All locks are taken with _bh: the
 *    takeover runs in process context too (a socket's backlog).
 *  - An entry is alive while it is hashed or queued. Whoever takes it off
 *    its queue owns it and frees it, after unhashing it if it still is
 *    hashed. A packet path that unhashes an entry the reaper has already
 *    dequeued leaves it to the reaper.
 *  - Each queue holds entries of one kind (TIME_WAIT or FIN_WAIT2) sorted
 *    by expiry; as nearly every entry of a kind lasts the same time, an
 *    insert lands at the tail and the timer, armed at the earliest head,
 *    reaps in O(what expires). @count (the TimeWait gauge) counts
 *    allocated entries and is checked against net.hsk.max_tw.
 *  - @closing is set in pernet pre_exit; the takeover probe (under RCU)
 *    then inserts nothing, and exit empties the table after the core's
 *    synchronize_rcu().
 */
#ifndef _HSK_TIMEWAIT_H
#define _HSK_TIMEWAIT_H

#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/seq_file.h>
#include <linux/siphash.h>
#include <linux/spinlock.h>

#include "cookie.h"

struct hsk_net;
struct hsk_seg;
struct hsk_tw;

enum {
	HSK_TW_QUEUE_TW,
	HSK_TW_QUEUE_FW2,
	HSK_TW_QUEUES,
};

struct hsk_tw_table {
	struct hsk_tw **buckets;
	spinlock_t *locks;		/* stripes over @buckets */
	unsigned int mask;
	unsigned int lock_mask;
	siphash_key_t hash_key;
	spinlock_t qlock;		/* guards @queues, @timer */
	struct list_head queues[HSK_TW_QUEUES];
	struct hrtimer timer;
	u64 base_ns;			/* entry clocks count ms from here */
	atomic_t count;
	bool closing;
};

/* What a closing socket leaves behind, copied from its timewait sock. */
struct hsk_tw_state {
	struct hsk_tuple tuple;
	u32 rcv_nxt;
	u32 snd_nxt;
	u32 ts_recent;
	u32 ts_offset;
	u32 ts_age_s;		/* seconds since ts_recent was stored */
	u32 timeout_ms;		/* FIN_WAIT2 only: what the kernel gave it */
	u16 window;		/* already scaled */
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

/* takeover.c */
int hsk_takeover_register(void);
void hsk_takeover_unregister(void);

#endif /* _HSK_TIMEWAIT_H */
