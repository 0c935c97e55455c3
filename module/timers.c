// SPDX-License-Identifier: GPL-2.0
/*
 * SYN-ACK retransmission. One soft hrtimer per half-open bucket fires at
 * the earliest deadline of its entries; the callback retransmits what is
 * due, with the interval doubling each time (rto, 2 rto, 4 rto, ...), and
 * drops entries that used up net.hsk.synack_retries. Locking rules are in
 * synq.h.
 *
 * A timer may fire up to 1/32 of synack_rto_ms after its deadline (31 ms
 * at 1 s): within that slack the timers of many buckets expire on one
 * interrupt, where exact deadlines cost one interrupt, on an otherwise
 * idle cpu a wakeup, per retransmission. The kernel's request timers sit
 * on the timer wheel, which delays a 1 s timer by up to 32 ms at HZ=250.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/skbuff.h>
#include <net/tcp.h>

#include "compat.h"
#include "hsk.h"
#include "output.h"

enum {
	HSK_SYNQ_SLACK_SHIFT = 5,	/* slack: synack_rto_ms / 32 */
};

/**
 * hsk_synack_timeout_ns() - the time before a SYN-ACK is retransmitted
 * @hn: the netns's hsk state
 * @retrans: how often it was retransmitted already
 *
 * Doubling, capped at TCP_RTO_MAX as reqsk_timer_handler() caps it: a
 * deferred or slow entry must not outlive its client by hours.
 *
 * Return: the timeout, in nanoseconds.
 */
u64 hsk_synack_timeout_ns(const struct hsk_net *hn, unsigned int retrans)
{
	u64 max = jiffies_to_nsecs(TCP_RTO_MAX);
	u64 rto = (u64)READ_ONCE(hn->synack_rto_ms) * NSEC_PER_MSEC;

	if (retrans >= 32 || rto > max >> retrans)
		return max;
	return rto << retrans;
}

static void hsk_synq_timer_start(struct hsk_synq_bucket *b, u64 expires)
{
	hrtimer_start_range_ns(&b->timer, ns_to_ktime(expires),
			       hsk_synack_timeout_ns(b->hn, 0) >> HSK_SYNQ_SLACK_SHIFT,
			       HRTIMER_MODE_ABS_SOFT);
}

/**
 * hsk_synq_arm() - arm a bucket's timer for a retransmission
 * @b: the bucket
 * @expires: ktime_get_ns() of the retransmission
 *
 * Only ever moves the deadline earlier, the callback moves it later.
 *
 * Context: Called with the bucket lock held.
 */
void hsk_synq_arm(struct hsk_synq_bucket *b, u64 expires)
{
	if (!hrtimer_is_queued(&b->timer) ||
	    ktime_before(ns_to_ktime(expires),
			 hrtimer_get_softexpires(&b->timer)))
		hsk_synq_timer_start(b, expires);
}

/**
 * hsk_req_synack() - build the SYN-ACK of a half-open entry
 * @hn: the netns's hsk state
 * @req: the entry
 *
 * Return: the SYN-ACK, or NULL.
 */
struct sk_buff *hsk_req_synack(struct hsk_net *hn, struct hsk_req *req)
{
	struct hsk_synack sa = {
		.tuple = req->tuple,
		.rk = {
			.oif = req->oif,
			.mark = req->mark,
			.uid = req->uid,
			.tos = req->tos,
			.flow_flags = req->transparent ? FLOWI_FLAG_ANYSRC : 0,
		},
		.seq = req->snt_isn,
		.ack = req->rcv_isn + 1,
		.tsecr = req->ts_recent,
		.mss = req->adv_mss,
		.window = req->window,
		.rcv_wscale = req->rcv_wscale,
		.wscale_ok = req->wscale_ok,
		.sack_ok = req->sack_ok,
		.tstamp_ok = req->tstamp_ok,
	};

	if (req->tstamp_ok)
		sa.tsval = hsk_tcp_clock_ms() +
			   hsk_cookie_tsoff(&hn->cookie, &req->tuple);
	return hsk_synack_build(hn->net, &sa);
}

static enum hrtimer_restart hsk_synq_timer(struct hrtimer *timer)
{
	struct hsk_synq_bucket *b = container_of(timer, struct hsk_synq_bucket, timer);
	struct hsk_net *hn = b->hn;
	unsigned int retries = READ_ONCE(hn->synack_retries);
	u64 now = ktime_get_ns(), next = U64_MAX;
	struct sk_buff_head out;
	struct hlist_node *tmp;
	struct hsk_req *req;
	struct sk_buff *skb;

	__skb_queue_head_init(&out);
	spin_lock(&b->lock);
	hlist_for_each_entry_safe(req, tmp, &b->chain, node) {
		if (req->expires > now) {
			next = min(next, req->expires);
			continue;
		}
		/* An entry whose bare ACK was dropped for TCP_DEFER_ACCEPT
		 * lives out the deferral and is resent to only at its end,
		 * the last chance for the client's ACK, as the kernel's
		 * request timer does.
		 */
		if (req->retrans >= retries &&
		    (!req->acked || req->retrans >= req->defer_accept)) {
			hsk_synq_unlink(&hn->synq, req);
			hsk_req_free(req);
			HSK_INC(hn, HALFOPEN_TIMEOUTS);
			continue;
		}
		req->retrans++;
		req->expires = now + hsk_synack_timeout_ns(hn, req->retrans);
		next = min(next, req->expires);
		/* Nor is a SYN-ACK sent when all it would draw is a bare ACK:
		 * a client whose data a full accept queue dropped resends it
		 * on its own, and that copy makes a connection the server
		 * reads at once. A child made by a bare ACK holds a server
		 * that reads first until the data comes, after the client's
		 * backed-off retransmission timeout.
		 */
		if ((req->acked && req->retrans < req->defer_accept) ||
		    req->resends)
			continue;
		skb = hsk_req_synack(hn, req);
		if (skb)
			__skb_queue_tail(&out, skb);
	}
	if (next != U64_MAX)
		hsk_synq_timer_start(b, next);
	spin_unlock(&b->lock);

	/* Sent outside the lock: the stack may loop them back to us. */
	while ((skb = __skb_dequeue(&out))) {
		HSK_INC(hn, SYNACK_RETRANS);
		hsk_xmit(hn->net, skb);
	}
	return HRTIMER_NORESTART;
}

/**
 * hsk_synq_timer_init() - set up a bucket's timer
 * @b: the bucket
 */
void hsk_synq_timer_init(struct hsk_synq_bucket *b)
{
	hrtimer_init(&b->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_SOFT);
	b->timer.function = hsk_synq_timer;
}
