/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Which SYNs get a stateless (cookie-only) SYN-ACK and which ACKs without
 * entry are checked as cookies, for every net.hsk.syncookies mode; and the
 * sampler behind mode 3 (adaptive): stateful while calm, stateless while
 * the SYN rate or the half-open fill is above its high watermark, stateful
 * again once both stayed at or below their low watermarks for
 * net.hsk.adaptive_hold_ms.
 *
 * Locking and lifetime, the one place they are written down:
 *  - The per-SYN cost of mode 3 is one READ_ONCE of hn->stateless, which
 *    sits beside the tunables the SYN path reads anyway and is written
 *    only when the mode flips. The rate is not counted per SYN:
 *    the sampler sums the per-cpu SynReceived counter the packet path
 *    keeps anyway, and reads the half-open queue's count.
 *  - The sampler is one delayed work per netns, run every
 *    HSK_ADAPTIVE_TICK_MS. It is queued exactly while net.hsk.syncookies
 *    is 3: @lock serialises every write of syncookies with the start
 *    (queue) or stop (cancel_delayed_work_sync) of the work. The work
 *    never takes @lock. Its fields (@last_ns, @last_syns, @calm_since_ns)
 *    are the work's alone, reset under @lock before it is queued.
 *  - hn->stateless is written by the work, and under @lock when mode 3
 *    is left, after the work is cancelled. Before it becomes false,
 *    hn->last_overflow is stamped (and a write barrier orders the two),
 *    so the cookies sent while stateless keep validating for the two
 *    cookie periods they live.
 *  - Teardown: the work reads the per-cpu counters and the half-open
 *    queue, so it is cancelled in pernet exit after the sysctl table is
 *    gone (nobody can queue it again) and before those are freed.
 */
#ifndef _HSK_ADAPTIVE_H
#define _HSK_ADAPTIVE_H

#include <linux/cache.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/workqueue.h>

struct hsk_net;

enum {
	HSK_ADAPTIVE_TICK_MS = 100,
};

/**
 * struct hsk_adaptive - the mode 3 sampler of a netns
 * @lock: serialises syncookies writes with the work's start and stop
 * @work: the sampler, run every HSK_ADAPTIVE_TICK_MS while in mode 3
 * @last_ns: the work's: time of the last sample
 * @last_syns: the work's: SynReceived then
 * @calm_since_ns: the work's: 0 while not calm
 *
 * Lines of its own: written ten times a second, next to fields (the
 * cookie keys) that every SYN reads.
 */
struct hsk_adaptive {
	struct mutex lock;		/* syncookies writes, work start/stop */
	struct delayed_work work;
	u64 last_ns;
	unsigned long last_syns;
	u64 calm_since_ns;
} ____cacheline_aligned_in_smp;

void hsk_adaptive_init(struct hsk_net *hn);
void hsk_adaptive_exit(struct hsk_net *hn);
void hsk_adaptive_set_mode(struct hsk_net *hn, int mode);
bool hsk_ack_cookie_checked(const struct hsk_net *hn, int mode);

#endif /* _HSK_ADAPTIVE_H */
