// SPDX-License-Identifier: GPL-2.0
/*
 * Taking TIME_WAIT over from the kernel.
 *
 * tcp_time_wait() puts a timewait sock in the established hash in place
 * of a closing socket; nothing a module may hook is told. What hsk sees
 * are the segments that make a socket close: the peer's FIN (FIN_WAIT2
 * and FIN_WAIT1 go to TIME_WAIT on it, and a kernel-held FIN_WAIT2
 * timewait sock does too), and, when early demux names the socket, the
 * ACK that ends FIN_WAIT1 or CLOSING. hsk's LOCAL_IN hook notes their
 * 4-tuple before the kernel has them; a soft hrtimer, HSK_TAKEOVER_NS
 * later, looks the tuple up in the established hash. A timewait sock
 * found there is copied into an hsk entry and only then killed, so at
 * every instant one of the two answers for the 4-tuple. A socket found
 * still closing (its segment waits in a backlog), or nothing found (the
 * timewait sock may be hashed but not yet referenced), is looked for
 * again, up to HSK_TAKEOVER_TRIES times; after that, or when a list is
 * full, the kernel keeps its timewait sock, as it would without hsk
 * (counted in TwLeftToKernel).
 *
 * The kernel counted the sock in TcpExt:TW (or TWKilled for a short
 * FIN_WAIT2 one) when it armed its timer; the takeover takes that count
 * back, so those counters keep meaning "held by the kernel".
 *
 * A segment for a socket in SYN_SENT means connect() picked a 4-tuple hsk
 * still holds (the kernel's port choice cannot see hsk's entries): the
 * entry ends there.
 *
 * Locking and lifetime: @lock of struct hsk_takeover guards both lists;
 * notes come from softirq (spin_lock), the timer runs in softirq too and
 * swaps the lists under the lock, then reads the one it took without it:
 * only the timer touches a list that is not @cur. Init and exit are the
 * netns's; exit runs after the hooks are gone and the pernet core's
 * synchronize_rcu(), cancels the timer, then the TIME_WAIT table goes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <net/inet_hashtables.h>
#include <net/inet_timewait_sock.h>
#include <net/ipv6.h>
#include <net/tcp.h>

#include "hsk.h"
#include "takeover.h"

enum {
	HSK_TAKEOVER_NS = NSEC_PER_MSEC,
	HSK_TAKEOVER_TRIES = 16,
};

/* Copies what TIME_WAIT needs out of @tws; false when hsk cannot speak
 * for it (a TCP-MD5 connection: hsk's ACKs would carry no signature).
 */
static bool hsk_tw_copy(const struct sock *tws, struct hsk_tw_state *st)
{
	const struct inet_timewait_sock *itw = inet_twsk(tws);
	const struct tcp_timewait_sock *tcptw = tcp_twsk(tws);
	long left;

#ifdef CONFIG_TCP_MD5SIG
	if (tcptw->tw_md5_key)
		return false;
#endif
	st->rcv_nxt = tcptw->tw_rcv_nxt;
	st->snd_nxt = tcptw->tw_snd_nxt;
	st->ts_recent = tcptw->tw_ts_recent;
	st->ts_offset = tcptw->tw_ts_offset;
	st->tstamp_ok = !!tcptw->tw_ts_recent_stamp;
	st->ts_age_s = st->tstamp_ok ?
		       ktime_get_seconds() - tcptw->tw_ts_recent_stamp : 0;
	st->wscale = itw->tw_rcv_wscale;
	st->window = min_t(u32, tcptw->tw_rcv_wnd >> itw->tw_rcv_wscale, 65535U);
	st->fin_wait2 = itw->tw_substate == TCP_FIN_WAIT2;
	/* FIN_WAIT2 lasts what the kernel gave it (tcp_fin_timeout). */
	left = (long)(READ_ONCE(itw->tw_timer.expires) - jiffies);
	st->timeout_ms = jiffies_to_msecs(max(left, 1L));
	return true;
}

/* Moves the timewait sock @tws of @t into hsk's table; consumes @tws. */
static void hsk_take_timewait(struct hsk_net *hn, struct sock *tws,
			      const struct hsk_tuple *t)
{
	struct hsk_tw_state st = { .tuple = *t };
	int mib;

	if (!hsk_tw_copy(tws, &st) || !hsk_tw_enter(hn, &st)) {
		sock_gen_put(tws);
		return;
	}
	/* As __inet_twsk_schedule() chose: a TIME_WAIT sock always lasts
	 * TCP_TIMEWAIT_LEN; a FIN_WAIT2 one what it has left, give or take
	 * the jiffies since.
	 */
	mib = !st.fin_wait2 || st.timeout_ms > 4 * MSEC_PER_SEC ?
	      LINUX_MIB_TIMEWAITED : LINUX_MIB_TIMEWAITKILLED;
	NET_ADD_STATS(hn->net, mib, -1);
	inet_twsk_deschedule_put(inet_twsk(tws));
}

/* What looking a noted 4-tuple up found. */
enum hsk_takeover_seen {
	HSK_TAKEOVER_DONE,	/* taken over, or no timewait sock to come */
	HSK_TAKEOVER_CLOSING,	/* the socket has not closed yet */
	HSK_TAKEOVER_NOTHING,	/* nothing in the hash, maybe not yet */
};

static enum hsk_takeover_seen hsk_takeover_look(struct hsk_net *hn,
						const struct hsk_takeover_item *item)
{
	struct net *net = hn->net;
	const struct hsk_tuple *t = &item->tuple;
	struct sock *sk;
	bool closing;

	sk = __inet_lookup_established(net, net->ipv4.tcp_death_row.hashinfo,
				       t->raddr, t->rport, t->laddr,
				       ntohs(t->lport), item->dif, item->sdif);
	/* inet_twsk_hashdance() hashes a timewait sock before it gives it
	 * its references, and a lookup in between passes it by; a
	 * connection that is really gone (reset) is looked for until the
	 * tries run out.
	 */
	if (!sk)
		return HSK_TAKEOVER_NOTHING;
	if (sk->sk_state == TCP_TIME_WAIT) {
		hsk_take_timewait(hn, sk, t);
		return HSK_TAKEOVER_DONE;
	}
	closing = (1 << sk->sk_state) &
		  (TCPF_FIN_WAIT1 | TCPF_FIN_WAIT2 | TCPF_CLOSING);
	sock_gen_put(sk);
	return closing ? HSK_TAKEOVER_CLOSING : HSK_TAKEOVER_DONE;
}

static void hsk_takeover_add(struct hsk_net *hn,
			     const struct hsk_takeover_item *item)
{
	struct hsk_takeover *to = &hn->takeover;
	unsigned int n = to->n[to->cur];

	if (n == HSK_TAKEOVER_SLOTS) {
		HSK_INC(hn, TW_LEFT_TO_KERNEL);
		return;
	}
	to->items[to->cur][n] = *item;
	to->n[to->cur] = n + 1;
	if (!hrtimer_is_queued(&to->timer))
		hrtimer_start(&to->timer, ns_to_ktime(HSK_TAKEOVER_NS),
			      HRTIMER_MODE_REL_SOFT);
}

static enum hrtimer_restart hsk_takeover_run(struct hrtimer *timer)
{
	struct hsk_takeover *to = container_of(timer, struct hsk_takeover,
					       timer);
	struct hsk_net *hn = container_of(to, struct hsk_net, takeover);
	enum hsk_takeover_seen seen;
	struct hsk_takeover_item *items;
	unsigned int i, n, mine;

	spin_lock(&to->lock);
	mine = to->cur;
	to->cur = !mine;
	spin_unlock(&to->lock);

	items = to->items[mine];
	n = to->n[mine];
	for (i = 0; i < n; i++) {
		seen = hsk_takeover_look(hn, &items[i]);
		if (seen == HSK_TAKEOVER_DONE)
			continue;
		if (++items[i].tries >= HSK_TAKEOVER_TRIES) {
			if (seen == HSK_TAKEOVER_CLOSING)
				HSK_INC(hn, TW_LEFT_TO_KERNEL);
			continue;
		}
		spin_lock(&to->lock);
		hsk_takeover_add(hn, &items[i]);
		spin_unlock(&to->lock);
	}
	to->n[mine] = 0;
	/* Notes taken meanwhile, and the tuples put back, started the
	 * timer again: hrtimer_start() queues a running timer anew.
	 */
	return HRTIMER_NORESTART;
}

/**
 * hsk_takeover_connect() - a local socket in SYN_SENT owns @t
 * @hn: the netns's hsk state
 * @t: the 4-tuple connect() picked
 *
 * Ends hsk's entry for @t, if any: the kernel's port choice cannot see it.
 */
void hsk_takeover_connect(struct hsk_net *hn, const struct hsk_tuple *t)
{
	if (hsk_tw_forget(hn, t))
		HSK_INC(hn, TW_LOCAL_REUSED);
}

/**
 * hsk_takeover_note() - note a segment that may end in TIME_WAIT
 * @hn: the netns's hsk state
 * @sk: the socket the segment is for, when known, or NULL
 * @t: the segment's 4-tuple, for a port hsk holds TIME_WAIT for
 * @tcp_flags: the segment's TCP flags
 * @dif: the device it came in on
 * @sdif: that device's l3 master
 *
 * Context: softirq, before the kernel processes the segment.
 */
void hsk_takeover_note(struct hsk_net *hn, const struct sock *sk,
		       const struct hsk_tuple *t, u8 tcp_flags, int dif,
		       int sdif)
{
	struct hsk_takeover_item item = {
		.tuple = *t, .dif = dif, .sdif = sdif,
	};
	struct hsk_takeover *to = &hn->takeover;

	if (!hsk_tw_active(hn))
		return;
	if (sk && sk_fullsock(sk) && sk->sk_state == TCP_SYN_SENT) {
		hsk_takeover_connect(hn, t);
		return;
	}
	if (!(tcp_flags & TCPHDR_FIN) &&
	    !(sk && sk_fullsock(sk) &&
	      ((1 << sk->sk_state) & (TCPF_FIN_WAIT1 | TCPF_CLOSING))))
		return;
	spin_lock(&to->lock);
	hsk_takeover_add(hn, &item);
	spin_unlock(&to->lock);
}

/**
 * hsk_takeover_init() - set up the takeover of a netns
 * @hn: the netns's hsk state
 */
void hsk_takeover_init(struct hsk_net *hn)
{
	spin_lock_init(&hn->takeover.lock);
	hrtimer_init(&hn->takeover.timer, CLOCK_MONOTONIC,
		     HRTIMER_MODE_REL_SOFT);
	hn->takeover.timer.function = hsk_takeover_run;
}

/**
 * hsk_takeover_exit() - stop the takeover of a netns
 * @hn: the netns's hsk state
 *
 * Context: after the hooks are gone and an RCU grace period, before the
 * TIME_WAIT table goes.
 */
void hsk_takeover_exit(struct hsk_net *hn)
{
	hrtimer_cancel(&hn->takeover.timer);
}
