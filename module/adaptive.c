// SPDX-License-Identifier: GPL-2.0
/* The cookie policy and mode 3's sampler; rules at the top of adaptive.h. */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/percpu.h>

#include "hsk.h"

/* What the packet path has counted so far: no per-SYN cost of its own. */
static unsigned long hsk_adaptive_syns(const struct hsk_net *hn)
{
	unsigned long sum = 0;
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(hn->mib, cpu)->mibs[HSK_MIB_SYN_RECEIVED]);
	return sum;
}

/* Whether the half-open queue holds at least @pct percent of
 * net.hsk.max_syn_backlog.
 */
static bool hsk_fill_at_least(const struct hsk_net *hn, int pct)
{
	return (u64)atomic_read(&hn->synq.count) * 100 >=
	       (u64)pct * READ_ONCE(hn->max_syn_backlog);
}

static bool hsk_fill_at_most(const struct hsk_net *hn, int pct)
{
	return (u64)atomic_read(&hn->synq.count) * 100 <=
	       (u64)pct * READ_ONCE(hn->max_syn_backlog);
}

/* Stamping last_overflow first keeps the cookies sent while stateless
 * valid for their whole life (hsk_ack_cookie_checked()).
 */
static void hsk_adaptive_leave_stateless(struct hsk_net *hn)
{
	WRITE_ONCE(hn->last_overflow, jiffies);
	smp_wmb();	/* pairs with smp_rmb() in hsk_ack_cookie_checked() */
	WRITE_ONCE(hn->stateless, false);
}

static void hsk_adaptive_work(struct work_struct *work)
{
	struct hsk_adaptive *a = container_of(to_delayed_work(work),
					      struct hsk_adaptive, work);
	struct hsk_net *hn = container_of(a, struct hsk_net, adaptive);
	unsigned long syns = hsk_adaptive_syns(hn);
	u64 now = ktime_get_ns(), rate = 0;
	bool hot, calm;

	if (now > a->last_ns)
		rate = div64_u64((u64)(syns - a->last_syns) * NSEC_PER_SEC,
				 now - a->last_ns);
	a->last_ns = now;
	a->last_syns = syns;

	hot = rate >= READ_ONCE(hn->adaptive_syn_high) ||
	      hsk_fill_at_least(hn, READ_ONCE(hn->adaptive_fill_high));
	calm = !hot && rate <= READ_ONCE(hn->adaptive_syn_low) &&
	       hsk_fill_at_most(hn, READ_ONCE(hn->adaptive_fill_low));

	if (!hn->stateless) {
		if (hot) {
			WRITE_ONCE(hn->stateless, true);
			HSK_INC(hn, COOKIE_MODE_STATELESS);
		}
	} else if (!calm) {
		a->calm_since_ns = 0;
	} else if (!a->calm_since_ns) {
		a->calm_since_ns = now;
	}
	if (hn->stateless && a->calm_since_ns &&
	    now - a->calm_since_ns >=
	    (u64)READ_ONCE(hn->adaptive_hold_ms) * NSEC_PER_MSEC) {
		hsk_adaptive_leave_stateless(hn);
		a->calm_since_ns = 0;
		HSK_INC(hn, COOKIE_MODE_STATEFUL);
	}
	queue_delayed_work(system_wq, &a->work,
			   msecs_to_jiffies(HSK_ADAPTIVE_TICK_MS));
}

/**
 * hsk_adaptive_init() - set up the mode 3 sampler of a netns
 * @hn: the netns's hsk state
 */
void hsk_adaptive_init(struct hsk_net *hn)
{
	struct hsk_adaptive *a = &hn->adaptive;

	hn->stateless = false;
	mutex_init(&a->lock);
	INIT_DELAYED_WORK(&a->work, hsk_adaptive_work);
}

/**
 * hsk_adaptive_exit() - stop the mode 3 sampler for good
 * @hn: the netns's hsk state
 *
 * Context: After the sysctl table is gone: nothing queues the work any more.
 */
void hsk_adaptive_exit(struct hsk_net *hn)
{
	cancel_delayed_work_sync(&hn->adaptive.work);
}

/**
 * hsk_adaptive_set_mode() - write net.hsk.syncookies
 * @hn: the netns's hsk state
 * @mode: the new value, an enum hsk_syncookies_mode
 *
 * The only writer of net.hsk.syncookies; starts the sampler when mode 3
 * begins and stops it when mode 3 ends, so it never runs for nothing.
 */
void hsk_adaptive_set_mode(struct hsk_net *hn, int mode)
{
	struct hsk_adaptive *a = &hn->adaptive;
	int old;

	mutex_lock(&a->lock);
	old = hn->syncookies;
	if (mode == HSK_COOKIES_ADAPTIVE && old != HSK_COOKIES_ADAPTIVE) {
		a->last_ns = ktime_get_ns();
		a->last_syns = hsk_adaptive_syns(hn);
		a->calm_since_ns = 0;
		queue_delayed_work(system_wq, &a->work,
				   msecs_to_jiffies(HSK_ADAPTIVE_TICK_MS));
	} else if (mode != HSK_COOKIES_ADAPTIVE && old == HSK_COOKIES_ADAPTIVE) {
		cancel_delayed_work_sync(&a->work);
		if (hn->stateless)
			hsk_adaptive_leave_stateless(hn);
	}
	WRITE_ONCE(hn->syncookies, mode);
	mutex_unlock(&a->lock);
}

/**
 * hsk_ack_cookie_checked() - whether an ACK without entry is checked as a cookie
 * @hn: the netns's hsk state
 * @mode: net.hsk.syncookies, as the caller read it
 *
 * Return: whether an ACK without entry in @mode is checked as a cookie
 * (else it is a stray): always in mode 2; in modes 1 and 3 while SYNs may
 * get cookies and for two cookie periods after the last one did.
 */
bool hsk_ack_cookie_checked(const struct hsk_net *hn, int mode)
{
	switch (mode) {
	case HSK_COOKIES_ALWAYS:
		return true;
	case HSK_COOKIES_ADAPTIVE:
		if (READ_ONCE(hn->stateless))
			return true;
		smp_rmb();	/* pairs with hsk_adaptive_leave_stateless() */
		fallthrough;
	case HSK_COOKIES_ON_OVERFLOW:
		return hsk_cookie_recent(READ_ONCE(hn->last_overflow));
	default:
		return false;
	}
}
