// SPDX-License-Identifier: GPL-2.0
/*
 * Taking TIME_WAIT over from the kernel. tcp_time_wait() puts a timewait
 * sock in the established hash in place of the closing socket and then
 * calls tcp_done(), whose move to TCP_CLOSE fires the inet_sock_set_state
 * tracepoint. Our probe copies what the timewait sock knows into an hsk
 * entry and only then kills the sock, so at every instant one of the two
 * answers for the 4-tuple. The kernel counted the sock in TcpExt:TW (or
 * TWKilled for a short one) when it armed its timer, before we see it;
 * the probe takes that count back, so those counters keep meaning "held
 * by the kernel".
 *
 * The same tracepoint tells when a local socket leaves SYN_SENT on a
 * 4-tuple hsk still holds (connect() picked the port again): the entry
 * ends there.
 *
 * Context: the probe runs with preemption disabled and the socket owned,
 * in softirq or in process context (a socket's backlog, close()), so it
 * takes hsk's locks with _bh. It is registered once for all namespaces
 * after the pernet ops and unregistered before them.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/tracepoint.h>
#include <net/inet_hashtables.h>
#include <net/inet_timewait_sock.h>
#include <net/ipv6.h>
#include <net/tcp.h>

#include "hsk.h"

static struct tracepoint *hsk_set_state_tp;

/* An IPv4 connection: of an IPv4 socket, or a v4-mapped one of an IPv6
 * socket (a dual-stack listener's child, or a connect() to a mapped
 * address), whose IPv4 addresses are set as well.
 */
static bool hsk_sk_is_ipv4(const struct sock *sk)
{
	if (sk->sk_family == AF_INET)
		return true;
#if IS_ENABLED(CONFIG_IPV6)
	if (sk->sk_family == AF_INET6)
		return ipv6_addr_v4mapped(&sk->sk_v6_daddr);
#endif
	return false;
}

static bool hsk_takeover_wanted(const struct hsk_net *hn,
				const struct hsk_tuple *t)
{
	return hsk_port_enabled(hn, ntohs(t->lport)) ||
	       hsk_tw_remote_port(hn, ntohs(t->rport));
}

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

static void hsk_take_timewait(struct hsk_net *hn, const struct sock *sk,
			      const struct hsk_tw_state *key)
{
	struct net *net = hn->net;
	struct hsk_tw_state st = *key;
	struct sock *tws;
	int mib;

	tws = __inet_lookup_established(net, net->ipv4.tcp_death_row.hashinfo,
					key->tuple.raddr, key->tuple.rport,
					key->tuple.laddr, ntohs(key->tuple.lport),
					sk->sk_bound_dev_if, 0);
	if (!tws)
		return;		/* no timewait sock: an abort, or no memory */
	if (tws->sk_state != TCP_TIME_WAIT || !hsk_tw_copy(tws, &st) ||
	    !hsk_tw_enter(hn, &st)) {
		sock_gen_put(tws);
		return;
	}
	/* As __inet_twsk_schedule() chose: a TIME_WAIT sock always lasts
	 * TCP_TIMEWAIT_LEN; a FIN_WAIT2 one what it has left, give or take
	 * the jiffies since.
	 */
	mib = !st.fin_wait2 || st.timeout_ms > 4 * MSEC_PER_SEC ?
	      LINUX_MIB_TIMEWAITED : LINUX_MIB_TIMEWAITKILLED;
	NET_ADD_STATS(net, mib, -1);
	/* Its ehash and bind locks are taken without _bh. */
	local_bh_disable();
	inet_twsk_deschedule_put(inet_twsk(tws));
	local_bh_enable();
}

static void hsk_set_state_probe(void *data, const struct sock *sk,
				const int oldstate, const int newstate)
{
	struct hsk_tw_state st = {};
	struct hsk_net *hn;

	if (sk->sk_protocol != IPPROTO_TCP || !hsk_sk_is_ipv4(sk))
		return;
	if (oldstate != TCP_SYN_SENT &&
	    (newstate != TCP_CLOSE || (oldstate != TCP_FIN_WAIT1 &&
				       oldstate != TCP_FIN_WAIT2 &&
				       oldstate != TCP_CLOSING)))
		return;

	st.tuple.laddr = sk->sk_rcv_saddr;
	/* Not sk_num: tcp_set_state() released the port already. */
	st.tuple.lport = inet_sk(sk)->inet_sport;
	st.tuple.raddr = sk->sk_daddr;
	st.tuple.rport = sk->sk_dport;
	hn = hsk_pernet(sock_net(sk));

	rcu_read_lock();
	if (hsk_tw_active(hn) && hsk_takeover_wanted(hn, &st.tuple)) {
		if (oldstate == TCP_SYN_SENT) {
			if (hsk_tw_forget(hn, &st.tuple))
				HSK_INC(hn, TW_LOCAL_REUSED);
		} else {
			hsk_take_timewait(hn, sk, &st);
		}
	}
	rcu_read_unlock();
}

static void hsk_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "inet_sock_set_state"))
		hsk_set_state_tp = tp;
}

/**
 * hsk_takeover_register() - start taking TIME_WAIT over from the kernel
 *
 * Return: 0 or a negative errno.
 */
int hsk_takeover_register(void)
{
	for_each_kernel_tracepoint(hsk_find_tp, NULL);
	if (!hsk_set_state_tp) {
		pr_err("tracepoint inet_sock_set_state not found\n");
		return -ENOENT;
	}
	return tracepoint_probe_register(hsk_set_state_tp,
					 hsk_set_state_probe, NULL);
}

/**
 * hsk_takeover_unregister() - stop taking TIME_WAIT over from the kernel
 *
 * After this no probe runs any more, so the pernet state can go.
 */
void hsk_takeover_unregister(void)
{
	tracepoint_probe_unregister(hsk_set_state_tp, hsk_set_state_probe,
				    NULL);
	tracepoint_synchronize_unregister();
}
