// SPDX-License-Identifier: GPL-2.0
/*
 * The netfilter hook: IPv4 LOCAL_IN, after routing and after every other
 * input hook but conntrack's confirm (admission.c), so firewall rules of
 * any priority still apply. It takes the SYNs, final ACKs and
 * RSTs of connections to net.hsk.ports that no socket owns yet, gives
 * the segments of 4-tuples in TIME_WAIT (local port in net.hsk.ports or
 * remote port in net.hsk.tw_remote_ports) to their timewait.c entry
 * first, and leaves every other packet to the kernel untouched. Segments of established
 * connections were matched to their socket by early demux and leave at
 * the first test.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/netfilter_ipv4.h>
#include <linux/tcp.h>
#include <net/inet_hashtables.h>
#include <net/ip.h>
#include <net/netfilter/nf_log.h>
#include <net/tcp.h>

#include "admission.h"
#include "compat.h"
#include "conntrack.h"
#include "early.h"
#include "handshake.h"
#include "hsk.h"
#include "lsm.h"
#include "output.h"
#include "route.h"

enum {
	HSK_TS_MASK = (1 << HSK_COOKIE_TS_BITS) - 1,
};

/* Parses the TCP options strictly: any option running past the header or
 * with a length its kind does not allow makes the segment malformed.
 */
static bool hsk_parse_options(const u8 *p, unsigned int len, struct hsk_seg *seg)
{
	while (len) {
		unsigned int olen;

		if (p[0] == TCPOPT_EOL)
			break;
		if (p[0] == TCPOPT_NOP) {
			p++;
			len--;
			continue;
		}
		if (len < 2)
			return false;
		olen = p[1];
		if (olen < 2 || olen > len)
			return false;
		switch (p[0]) {
		case TCPOPT_MSS:
			if (olen != TCPOLEN_MSS)
				return false;
			seg->mss = get_unaligned_be16(p + 2);
			break;
		case TCPOPT_WINDOW:
			if (olen != TCPOLEN_WINDOW)
				return false;
			seg->wscale_ok = true;
			seg->snd_wscale = min_t(u8, p[2], TCP_MAX_WSCALE);
			break;
		case TCPOPT_SACK_PERM:
			if (olen != TCPOLEN_SACK_PERM)
				return false;
			seg->sack_ok = true;
			break;
		case TCPOPT_TIMESTAMP:
			if (olen != TCPOLEN_TIMESTAMP)
				return false;
			seg->saw_tstamp = true;
			seg->tsval = get_unaligned_be32(p + 2);
			seg->tsecr = get_unaligned_be32(p + 6);
			break;
		}
		p += olen;
		len -= olen;
	}
	return true;
}

/* Returns the counter of the rule a malformed segment broke, or
 * HSK_MIB_MAX when it is well formed.
 */
static enum hsk_mib_field hsk_parse(struct sk_buff *skb,
				    const struct nf_hook_state *state,
				    struct hsk_seg *seg)
{
	const struct iphdr *iph = ip_hdr(skb);
	u8 buf[MAX_TCP_OPTION_SPACE];
	struct tcphdr _th;
	const struct tcphdr *th;
	const u8 *opts;
	unsigned int optlen;

	/* Handshake segments are tiny: a reassembled one was split on
	 * purpose, and IP options on them are a rarity we do not store.
	 */
	if (IPCB(skb)->frag_max_size)
		return HSK_MIB_FRAGMENTS;
	if (iph->ihl != 5)
		return HSK_MIB_IP_OPTIONS;

	seg->iphlen = ip_hdrlen(skb);
	th = skb_header_pointer(skb, seg->iphlen, sizeof(_th), &_th);
	if (!th || th->doff < sizeof(*th) / 4 ||
	    th->doff * 4 > skb->len - seg->iphlen)
		return HSK_MIB_BAD_HEADER;
	if (nf_ip_checksum(skb, state->hook, seg->iphlen, IPPROTO_TCP))
		return HSK_MIB_BAD_CHECKSUM;

	seg->thlen = th->doff * 4;
	seg->flags = tcp_flag_byte(th);
	if ((seg->flags & TCPHDR_SYN) && (seg->flags & (TCPHDR_FIN | TCPHDR_RST)))
		return HSK_MIB_BAD_FLAGS;

	seg->seq = ntohl(th->seq);
	seg->ack_seq = ntohl(th->ack_seq);
	seg->end_seq = seg->seq + th->syn + th->fin +
		       skb->len - seg->iphlen - seg->thlen;
	optlen = seg->thlen - sizeof(*th);
	opts = skb_header_pointer(skb, seg->iphlen + sizeof(*th), optlen, buf);
	if (!opts || !hsk_parse_options(opts, optlen, seg))
		return HSK_MIB_BAD_HEADER;
	return HSK_MIB_MAX;
}

static struct sock *hsk_listener(struct net *net, struct sk_buff *skb,
				 const struct hsk_seg *seg)
{
	struct sock *lsk;

	lsk = __inet_lookup_listener(net, net->ipv4.tcp_death_row.hashinfo, skb,
				     seg->iphlen + seg->thlen,
				     seg->tuple.raddr, seg->tuple.rport,
				     seg->tuple.laddr, ntohs(seg->tuple.lport),
				     seg->dif, seg->sdif);
	/* MPTCP listeners keep their own handshake state: leave them be. */
	if (lsk && sk_is_mptcp(lsk))
		return NULL;
	return lsk;
}

/* Whether a socket (established, TIME_WAIT, or a request of the kernel's
 * own listener from before hsk took the port) already owns the 4-tuple.
 */
static bool hsk_tuple_owned(struct net *net, const struct hsk_seg *seg)
{
	struct sock *sk;

	sk = __inet_lookup_established(net, net->ipv4.tcp_death_row.hashinfo,
				       seg->tuple.raddr, seg->tuple.rport,
				       seg->tuple.laddr, ntohs(seg->tuple.lport),
				       seg->dif, seg->sdif);
	if (!sk)
		return false;
	/* Without early demux the hook could not tell a connect() reusing
	 * a tuple hsk holds in TIME_WAIT; its SYN-ACK comes through here.
	 */
	if (sk_fullsock(sk) && sk->sk_state == TCP_SYN_SENT)
		hsk_takeover_connect(hsk_pernet(net), &seg->tuple);
	sock_gen_put(sk);
	return true;
}

/* Whether the listener's socket filter (SO_ATTACH_FILTER, or an LSM's
 * sock_rcv_skb hook) drops @skb. tcp_v4_rcv() runs it on the SYN and on
 * the ACK that completes the handshake, at the TCP header; so does this.
 * The filter may trim the payload: @seg's end is taken again after it.
 */
static bool hsk_filter_drops(struct sock *lsk, struct sk_buff *skb,
			     struct hsk_seg *seg)
{
	bool drop;

	if (!pskb_may_pull(skb, seg->iphlen + seg->thlen))
		return true;
	__skb_pull(skb, seg->iphlen);
	drop = sk_filter_trim_cap(lsk, skb, seg->thlen);
	__skb_push(skb, seg->iphlen);
	seg->end_seq = seg->seq + !!(seg->flags & TCPHDR_SYN) +
		       !!(seg->flags & TCPHDR_FIN) +
		       skb->len - seg->iphlen - seg->thlen;
	return drop;
}

/**
 * hsk_reject() - answer a segment with a RST
 * @hn: the netns's hsk state
 * @seg: the segment
 *
 * Answers @seg with a RST, as tcp_v4_send_reset() would.
 */
void hsk_reject(struct hsk_net *hn, const struct hsk_seg *seg)
{
	if (seg->flags & TCPHDR_ACK)
		hsk_send_reset(hn->net, seg->skb, &seg->tuple, seg->dif,
			       seg->ack_seq, 0, TCPHDR_RST);
	else
		hsk_send_reset(hn->net, seg->skb, &seg->tuple, seg->dif, 0,
			       seg->end_seq, TCPHDR_RST | TCPHDR_ACK);
}

static unsigned int hsk_reject_drop(struct hsk_net *hn, struct sk_buff *skb,
				    const struct hsk_seg *seg)
{
	hsk_reject(hn, seg);
	consume_skb(skb);
	return NF_STOLEN;
}

static bool hsk_req_in_window(const struct hsk_req *req, u32 seq)
{
	return seq - (req->rcv_isn + 1) < max_t(u32, req->window, 1);
}

/* What a SYN-ACK to @seg says, negotiated against the listener; *@rtp
 * is the route it takes, the caller's to send on or release.
 */
static int hsk_synack_prepare(struct hsk_net *hn, struct sock *lsk,
			      struct sk_buff *skb, const struct hsk_seg *seg,
			      struct hsk_synack *sa, u16 *client_mss,
			      struct rtable **rtp)
{
	const struct net *net = hn->net;
	u16 user_mss = READ_ONCE(tcp_sk(lsk)->rx_opt.user_mss);
	struct rtable *rt;
	u32 rcv_wnd, clamp;

	memset(sa, 0, sizeof(*sa));
	sa->tuple = seg->tuple;
	/* inet_csk_route_req()'s flow, but for the listener's IP options. */
	sa->rk.oif = inet_request_bound_dev_if(lsk, skb);
	sa->rk.mark = inet_request_mark(lsk, skb);
	sa->rk.uid = lsk->sk_uid;
	sa->rk.tos = READ_ONCE(inet_sk(lsk)->tos) & ~INET_ECN_MASK;
	sa->rk.flow_flags = inet_sk_flowi_flags(lsk);
	sa->ack = seg->seq + 1;
	sa->tstamp_ok = seg->saw_tstamp && READ_ONCE(net->ipv4.sysctl_tcp_timestamps);
	sa->sack_ok = seg->sack_ok && READ_ONCE(net->ipv4.sysctl_tcp_sack);
	sa->wscale_ok = seg->wscale_ok &&
			READ_ONCE(net->ipv4.sysctl_tcp_window_scaling);
	sa->tsecr = seg->tsval;

	*client_mss = seg->mss ? : TCP_MSS_DEFAULT;
	if (user_mss && user_mss < *client_mss)
		*client_mss = user_mss;

	/* The SYN was delivered to laddr: it is ours. */
	rt = hsk_route(hn, &seg->tuple, &sa->rk, true);
	if (IS_ERR(rt))
		return PTR_ERR(rt);
	sa->mss = hsk_adv_mss(lsk, &rt->dst);
	hsk_rwin(lsk, &rt->dst, sa->mss, sa->tstamp_ok, sa->wscale_ok,
		 &rcv_wnd, &clamp, &sa->rcv_wscale);
	sa->window = min(rcv_wnd, 65535U);
	*rtp = rt;
	return 0;
}

/* A stateless SYN-ACK's TSval carries more MAC bits in its low bits; it
 * is moved back, never forward, so the child's clock stays monotonic.
 */
static u32 hsk_ts_with_mac(u32 now, u32 ts_mac)
{
	u32 ts = (now & ~HSK_TS_MASK) | ts_mac;

	if (after(ts, now))
		ts -= HSK_TS_MASK + 1;
	return ts;
}

static struct hsk_req *hsk_req_new(struct hsk_net *hn, struct sock *lsk,
				   const struct hsk_seg *seg,
				   const struct hsk_synack *sa, u16 client_mss)
{
	struct hsk_req *req = hsk_req_alloc();

	if (!req)
		return NULL;
	req->defer_accept =
		READ_ONCE(inet_csk(lsk)->icsk_accept_queue.rskq_defer_accept);
	req->tuple = seg->tuple;
	req->expires = ktime_get_ns() + hsk_synack_timeout_ns(hn, 0);
	req->rcv_isn = seg->seq;
	req->snt_isn = sa->seq;
	req->ts_recent = seg->tsval;
	req->oif = sa->rk.oif;
	req->mark = sa->rk.mark;
	req->uid = sa->rk.uid;
	req->transparent = !!(sa->rk.flow_flags & FLOWI_FLAG_ANYSRC);
	req->mss = client_mss;
	req->adv_mss = sa->mss;
	req->window = sa->window;
	req->tos = sa->rk.tos;
	req->snd_wscale = seg->snd_wscale;
	req->rcv_wscale = sa->rcv_wscale;
	req->wscale_ok = sa->wscale_ok;
	req->sack_ok = sa->sack_ok;
	req->tstamp_ok = sa->tstamp_ok;
	return req;
}

/* The listener's accept queue refused a connection: counted like the
 * kernel counts it (ListenOverflows, ListenDrops and the listener's own
 * drop count, which /proc/net/hsk/listeners shows) and in hsk's stat.
 */
static void hsk_listen_overflow(struct hsk_net *hn, const struct sock *lsk)
{
	HSK_INC(hn, ACCEPT_OVERFLOWS);
	__NET_INC_STATS(hn->net, LINUX_MIB_LISTENOVERFLOWS);
	tcp_listendrop(lsk);
}

/* A SYN could not have a half-open entry (@why: the queue was full, or
 * memory ran out); in modes 1 and 3 this opens the window in which ACKs
 * without entry are checked as cookies. The stamp is renewed once a
 * second at most: under a flood every SYN overflows, and a store each
 * would keep the line, which every cpu's SYNs read, bouncing. ACKs are
 * then checked as cookies for at least 127 s after a cookie left, well
 * past the 64 s its keys are sure to last (cookie.c).
 */
static void hsk_synq_overflow(struct hsk_net *hn, enum hsk_mib_field why)
{
	unsigned long now = jiffies;

	this_cpu_inc(hn->mib->mibs[why]);
	if (time_after(now, READ_ONCE(hn->last_overflow) + HZ))
		WRITE_ONCE(hn->last_overflow, now);
}

enum hsk_add_result {
	HSK_ADD_OK,
	HSK_ADD_DUP,		/* a copy of this SYN on another cpu won */
	HSK_ADD_FULL,
	HSK_ADD_NOMEM,
};

/* Stores a half-open entry for @seg, whose first SYN-ACK is @sa. */
static enum hsk_add_result hsk_synq_add(struct hsk_net *hn,
					struct sock *lsk,
					const struct hsk_seg *seg,
					const struct hsk_synack *sa,
					u16 client_mss)
{
	u32 hash = hsk_synq_hash(&hn->synq, &seg->tuple);
	struct hsk_synq_bucket *b = hsk_synq_bucket_of(&hn->synq, hash);
	enum hsk_add_result res = HSK_ADD_OK;
	struct hsk_req *req;

	req = hsk_req_new(hn, lsk, seg, sa, client_mss);
	if (!req) {
		hsk_synq_overflow(hn, HSK_MIB_HALFOPEN_NOMEM);
		return HSK_ADD_NOMEM;
	}
	spin_lock(&b->lock);
	if (hsk_synq_lookup(b, &seg->tuple))
		res = HSK_ADD_DUP;
	else if (!hsk_synq_insert(hn, b, req, hash))
		res = HSK_ADD_FULL;	/* it filled up since the first check */
	spin_unlock(&b->lock);
	if (res == HSK_ADD_FULL)
		hsk_synq_overflow(hn, HSK_MIB_HALFOPEN_FULL);
	if (res != HSK_ADD_OK)
		hsk_req_free(req);
	return res;
}

/* Whether a retransmitted SYN may have the entry's SYN-ACK again now, as
 * tcp_check_req() (Linux 6.1) rate-limits it with tcp_oow_rate_limited():
 * the first always, later ones once per tcp_invalid_ratelimit. The time
 * of the last SYN-ACK is the one the entry's deadline was set from, so
 * no stamp is kept; a SYN-ACK the timer sent counts too, which the
 * kernel's does not. An answer postpones the next retransmission by the
 * current interval without counting as one, as the kernel's does.
 * Bucket lock held.
 */
static bool hsk_dup_syn_answer(struct hsk_net *hn, struct hsk_req *req)
{
	u64 rto = hsk_synack_timeout_ns(hn, req->retrans);
	u64 now = ktime_get_ns();
	u64 limit;

	if (req->dup_answered) {
		limit = jiffies_to_nsecs(READ_ONCE(hn->net->ipv4.sysctl_tcp_invalid_ratelimit));
		if (now - (req->expires - rto) < limit) {
			__NET_INC_STATS(hn->net, LINUX_MIB_TCPACKSKIPPEDSYNRECV);
			return false;
		}
	}
	req->dup_answered = 1;
	req->expires = now + rto;
	return true;
}

/* A retransmitted SYN whose half-open entry is there gets that entry's
 * SYN-ACK again, at the kernel's rate; true when @skb was such a SYN,
 * and is consumed.
 */
static bool hsk_rcv_dup_syn(struct hsk_net *hn, struct sk_buff *skb,
			    const struct hsk_seg *seg, u32 hash)
{
	struct hsk_synq_bucket *b = hsk_synq_bucket_of(&hn->synq, hash);
	struct sk_buff *out;
	struct hsk_req *req;

	/* A flood SYN's bucket rarely has the tag of its hash. */
	if (!hsk_synq_may_hold(b, hash))
		return false;
	spin_lock(&b->lock);
	req = hsk_synq_lookup(b, &seg->tuple);
	if (!req) {
		spin_unlock(&b->lock);
		return false;
	}
	out = hsk_dup_syn_answer(hn, req) ? hsk_req_synack(hn, req) : NULL;
	spin_unlock(&b->lock);
	HSK_INC(hn, DUP_SYNS);
	if (out) {
		HSK_INC(hn, SYNACK_SENT);
		hsk_ct_synack(hn, skb, out, true);
		hsk_xmit(hn->net, out);
	}
	consume_skb(skb);
	return true;
}

static unsigned int hsk_rcv_syn(struct hsk_net *hn, struct sock *lsk,
				struct sk_buff *skb, const struct hsk_seg *seg)
{
	int mode = READ_ONCE(hn->syncookies);
	struct hsk_cookie_opts copts;
	struct hsk_synack sa;
	struct rtable *rt;
	bool stateless;
	u16 client_mss;
	u32 ts_mac, now;

	HSK_INC(hn, SYN_RECEIVED);

	/* An empty queue, as stateless answering keeps it, spares the hash. */
	if (!hsk_synq_empty(&hn->synq) &&
	    hsk_rcv_dup_syn(hn, skb, seg, hsk_synq_hash(&hn->synq, &seg->tuple)))
		return NF_STOLEN;

	/* Back-pressure, as the kernel's: while the connection could not
	 * be accepted nor parked, the client's SYN backoff spaces it out.
	 */
	if (sk_acceptq_is_full(lsk) && !hsk_park_room(hn, lsk)) {
		hsk_listen_overflow(hn, lsk);
		goto drop;
	}

	stateless = hsk_syn_stateless(hn, mode);
	if (!stateless &&
	    hsk_synq_full(&hn->synq, READ_ONCE(hn->max_syn_backlog))) {
		hsk_synq_overflow(hn, HSK_MIB_HALFOPEN_FULL);
		if (mode == HSK_COOKIES_NEVER)
			goto drop;
		stateless = true;
	}
	/* Taken early as stateless: conntrack never saw this SYN to store. */
	stateless |= seg->early;

	if (hsk_lsm_syn_refused(hn, lsk, skb, seg, stateless))
		goto drop;

	if (hsk_synack_prepare(hn, lsk, skb, seg, &sa, &client_mss, &rt)) {
		HSK_INC(hn, SEND_FAILED);
		goto drop;
	}
	copts.mss = client_mss;
	copts.snd_wscale = seg->snd_wscale;
	copts.wscale_ok = sa.wscale_ok;
	copts.sack_ok = sa.sack_ok;
	sa.seq = hsk_cookie_make(&hn->cookie, &seg->tuple, seg->seq, &copts,
				 &ts_mac);

	if (!stateless) {
		switch (hsk_synq_add(hn, lsk, seg, &sa, client_mss)) {
		case HSK_ADD_OK:
			break;
		case HSK_ADD_DUP:
			ip_rt_put(rt);
			goto drop;
		case HSK_ADD_NOMEM:	/* a full queue by another name */
		case HSK_ADD_FULL:
			if (mode == HSK_COOKIES_NEVER) {
				ip_rt_put(rt);
				goto drop;
			}
			stateless = true;
			break;
		}
	}
	/* The clock is read only when the SYN-ACK carries it. */
	if (sa.tstamp_ok) {
		now = hsk_tcp_clock_ms() +
		      hsk_cookie_tsoff(&hn->cookie, &seg->tuple);
		sa.tsval = stateless ? hsk_ts_with_mac(now, ts_mac) : now;
	}
	if (!hsk_synack_reply(hn, skb, &sa, rt, !stateless))
		return NF_STOLEN;
	HSK_INC(hn, SYNACK_SENT);
	if (stateless)
		HSK_INC(hn, COOKIES_SENT);
	return NF_STOLEN;
drop:
	kfree_skb(skb);
	return NF_STOLEN;
}

static int hsk_cookie_ack(struct hsk_net *hn, const struct hsk_seg *seg,
			  struct hsk_conn *conn)
{
	struct hsk_cookie_opts copts;
	u32 ts_mac, now;

	conn->rcv_isn = seg->seq - 1;
	conn->snt_isn = seg->ack_seq - 1;
	if (hsk_cookie_check(&hn->cookie, &seg->tuple, conn->rcv_isn,
			     conn->snt_isn, &copts, &ts_mac))
		return -EINVAL;

	/* As Linux does: timestamps were on if the ACK echoes one. */
	conn->tstamp_ok = seg->saw_tstamp && seg->tsecr;
	if (conn->tstamp_ok) {
		now = hsk_tcp_clock_ms() + hsk_cookie_tsoff(&hn->cookie, &seg->tuple);
		if ((seg->tsecr & HSK_TS_MASK) != ts_mac || after(seg->tsecr, now) ||
		    now - seg->tsecr > 2 * HSK_COOKIE_PERIOD_SEC * MSEC_PER_SEC)
			return -EINVAL;
	}
	conn->ts_recent = conn->tstamp_ok ? seg->tsval : 0;
	conn->mss = copts.mss;
	conn->snd_wscale = copts.snd_wscale;
	conn->wscale_ok = copts.wscale_ok;
	conn->sack_ok = copts.sack_ok;
	conn->retrans = 0;
	return 0;
}

enum hsk_ack_action {
	HSK_ACK_ACCEPT,		/* not ours: the kernel takes it */
	HSK_ACK_DROP,
	HSK_ACK_RESET,
	HSK_ACK_HANDOFF,
};

/* What the listener's accept queue allows a completed handshake. When it
 * is full, or older connections are parked for it, the connection is
 * parked (@conn->park) if net.hsk.accept_backlog allows. Otherwise, when
 * full, the ACK is dropped (the entry, if any, stays and its next
 * SYN-ACK draws a fresh ACK) or, with net.hsk.abort_on_overflow, reset.
 */
static enum hsk_ack_action hsk_accept_action(struct hsk_net *hn,
					     struct sock *lsk,
					     struct hsk_conn *conn)
{
	bool full = sk_acceptq_is_full(lsk);

	conn->park = NULL;
	if (full || hsk_park_pending(hn, lsk))
		conn->park = hsk_park_reserve(hn, lsk);
	if (!full || conn->park)
		return HSK_ACK_HANDOFF;
	if (READ_ONCE(hn->accept_backlog))
		HSK_INC(hn, PARKED_DROPPED);
	hsk_listen_overflow(hn, lsk);
	return READ_ONCE(hn->abort_on_overflow) ? HSK_ACK_RESET : HSK_ACK_DROP;
}

static void hsk_req_to_conn(const struct hsk_req *req, const struct hsk_seg *seg,
			    struct hsk_conn *conn)
{
	conn->rcv_isn = req->rcv_isn;
	conn->snt_isn = req->snt_isn;
	conn->ts_recent = seg->saw_tstamp ? seg->tsval : req->ts_recent;
	conn->mss = req->mss;
	conn->snd_wscale = req->snd_wscale;
	conn->retrans = req->retrans;
	conn->wscale_ok = req->wscale_ok;
	conn->sack_ok = req->sack_ok;
	conn->tstamp_ok = req->tstamp_ok;
}

/* An ACK for a half-open entry; bucket lock held. The entry is freed here
 * when the ACK ends it without a connection.
 */
static enum hsk_ack_action hsk_ack_entry(struct hsk_net *hn, struct sock *lsk,
					 struct hsk_req *req,
					 const struct hsk_seg *seg,
					 struct hsk_conn *conn)
{
	enum hsk_ack_action action;

	if (seg->ack_seq != req->snt_isn + 1 ||
	    !hsk_req_in_window(req, seg->seq)) {
		HSK_INC(hn, BAD_ACKS);
		return HSK_ACK_RESET;
	}
	/* TCP_DEFER_ACCEPT: as tcp_check_req() does, a bare ACK is dropped
	 * until data comes or the deferral runs out; the timer then stops
	 * resending the SYN-ACK until the last chance (see timers.c).
	 */
	if (lsk && seg->end_seq == req->rcv_isn + 1 &&
	    req->retrans < req->defer_accept) {
		req->acked = 1;
		__NET_INC_STATS(hn->net, LINUX_MIB_TCPDEFERACCEPTDROP);
		return HSK_ACK_DROP;
	}
	if (lsk) {
		action = hsk_accept_action(hn, lsk, conn);
	} else {
		HSK_INC(hn, NO_LISTENER);
		action = HSK_ACK_RESET;
	}
	if (action == HSK_ACK_HANDOFF) {
		hsk_req_to_conn(req, seg, conn);
	} else if (action == HSK_ACK_RESET) {
		hsk_synq_unlink(&hn->synq, req);
		hsk_req_free(req);
	} else if (seg->end_seq != seg->seq) {
		req->resends = 1;	/* see the timer (timers.c) */
	}
	return action;
}

/* An ACK that matches no half-open entry: a cookie, or a stray. */
static enum hsk_ack_action hsk_ack_stray(struct hsk_net *hn, struct sock *lsk,
					 const struct hsk_seg *seg,
					 struct hsk_conn *conn)
{
	int mode = READ_ONCE(hn->syncookies);

	if (!lsk) {
		HSK_INC(hn, NO_LISTENER);
		return HSK_ACK_ACCEPT;	/* the kernel answers with RST */
	}
	if (!hsk_ack_cookie_checked(hn, mode)) {
		HSK_INC(hn, STRAY_ACKS);
		return HSK_ACK_RESET;
	}
	if (hsk_cookie_ack(hn, seg, conn)) {
		HSK_INC(hn, COOKIES_INVALID);
		net_dbg_ratelimited("hsk: invalid cookie from %pI4:%u\n",
				    &seg->tuple.raddr, ntohs(seg->tuple.rport));
		/* Data or FIN may ride on a later segment of a client whose
		 * first ones a full accept queue dropped: its sequence number
		 * is past the one the cookie covers. The client resends from
		 * the first, which the cookie takes; a reset would kill it.
		 */
		if (seg->end_seq != seg->seq) {
			HSK_INC(hn, COOKIES_INVALID_DATA);
			return HSK_ACK_DROP;
		}
		return HSK_ACK_RESET;
	}
	HSK_INC(hn, COOKIES_VALID);
	return hsk_accept_action(hn, lsk, conn);
}

/* The bucket lock is held from the lookup until the child is in the
 * established hash: a copy of the ACK (or the data behind it) processed
 * on another cpu then either finds the entry or finds the child, never
 * neither.
 */
static unsigned int hsk_rcv_ack(struct hsk_net *hn, struct sock *lsk,
				struct sk_buff *skb, const struct hsk_seg *seg)
{
	struct hsk_synq_bucket *b = hsk_synq_bucket(&hn->synq, &seg->tuple);
	struct request_sock *parked = NULL;
	enum hsk_ack_action action;
	struct sock *child = NULL;
	struct hsk_conn conn;
	struct hsk_req *req;

	spin_lock(&b->lock);
	req = hsk_synq_lookup(b, &seg->tuple);
	if (req)
		action = hsk_ack_entry(hn, lsk, req, seg, &conn);
	else if (hsk_tuple_owned(hn->net, seg))
		action = HSK_ACK_ACCEPT;
	else
		action = hsk_ack_stray(hn, lsk, seg, &conn);
	if (action == HSK_ACK_HANDOFF) {
		/* Before the child takes the ACK and its conntrack entry. */
		hsk_ct_handoff(hn, skb);
		child = hsk_child_create(hn, lsk, skb, seg, &conn,
					 conn.park ? &parked : NULL);
		/* A child that could not be made leaves the entry to its
		 * retransmissions, as a full accept queue does.
		 */
		if (req && PTR_ERR_OR_ZERO(child) != -ENOBUFS)
			hsk_synq_unlink(&hn->synq, req);
		else
			req = NULL;
	}
	spin_unlock(&b->lock);
	if (action == HSK_ACK_HANDOFF && req)
		hsk_req_free(req);

	switch (action) {
	case HSK_ACK_ACCEPT:
		return NF_ACCEPT;
	case HSK_ACK_DROP:
		return NF_DROP;
	case HSK_ACK_RESET:
		return hsk_reject_drop(hn, skb, seg);
	case HSK_ACK_HANDOFF:
		break;
	}
	if (IS_ERR(child)) {
		if (conn.park)
			hsk_park_cancel(hn, conn.park);
		/* Dropped, as the kernel's listener drops what the LSM
		 * refused and a connection it could not make: the accept
		 * queue may have filled since hsk_accept_action() looked, and
		 * the client's next copy may find room.
		 */
		if (PTR_ERR(child) != -EACCES &&
		    READ_ONCE(hn->abort_on_overflow))
			hsk_reject(hn, seg);
		kfree_skb(skb);
		return NF_STOLEN;
	}
	hsk_child_deliver(hn, lsk, child, skb);
	/* Unlocked now, with the one reference the accept queue would own. */
	if (conn.park)
		hsk_park_add(hn, conn.park, parked);
	return NF_STOLEN;
}

static unsigned int hsk_rcv_rst(struct hsk_net *hn, struct sk_buff *skb,
				const struct hsk_seg *seg)
{
	struct hsk_synq_bucket *b = hsk_synq_bucket(&hn->synq, &seg->tuple);
	struct hsk_req *req;

	spin_lock(&b->lock);
	req = hsk_synq_lookup(b, &seg->tuple);
	if (!req) {
		spin_unlock(&b->lock);
		return NF_ACCEPT;
	}
	if (!hsk_req_in_window(req, seg->seq)) {
		spin_unlock(&b->lock);
		HSK_INC(hn, RSTS_IGNORED);
		return NF_DROP;
	}
	hsk_synq_unlink(&hn->synq, req);
	spin_unlock(&b->lock);
	hsk_req_free(req);
	HSK_INC(hn, HALFOPEN_RESETS);
	consume_skb(skb);
	return NF_STOLEN;
}

static inline void hsk_seg_init(struct hsk_seg *seg,
				const struct sk_buff *skb, const __be16 *ports)
{
	seg->tuple.raddr = ip_hdr(skb)->saddr;
	seg->tuple.laddr = ip_hdr(skb)->daddr;
	seg->tuple.rport = ports[0];
	seg->tuple.lport = ports[1];
	seg->dif = inet_iif(skb);
	seg->sdif = inet_sdif(skb);
}

static unsigned int hsk_rcv(struct hsk_net *hn, struct sk_buff *skb,
			    const __be16 *ports, bool hsk_port, bool early,
			    const struct nf_hook_state *state)
{
	enum hsk_mib_field bad;
	struct hsk_seg seg = { .skb = skb, .early = early };
	struct sock *lsk;

	hsk_seg_init(&seg, skb, ports);
	if (hsk_tuple_owned(state->net, &seg))
		return NF_ACCEPT;

	bad = hsk_parse(skb, state, &seg);
	if (bad != HSK_MIB_MAX) {
		this_cpu_inc(hn->mib->mibs[bad]);
		net_dbg_ratelimited("hsk: malformed segment dropped (%d)\n", bad);
		return NF_DROP;
	}

	lsk = hsk_listener(state->net, skb, &seg);
	/* Before the handshake code: no socket owns a tuple in TIME_WAIT,
	 * and its segments are no strays.
	 */
	if (hsk_tw_rcv(hn, &seg, !!lsk) == HSK_TW_DROP) {
		consume_skb(skb);
		return NF_STOLEN;
	}
	if (!hsk_port)
		return NF_ACCEPT;
	/* The kernel's own checks decide; an early SYN is counted when it
	 * reaches LOCAL_IN.
	 */
	if (lsk && hsk_listener_defers(lsk, skb)) {
		if (!early)
			HSK_INC(hn, KERNEL_DEFERS);
		return NF_ACCEPT;
	}

	if (seg.flags & TCPHDR_RST)
		return hsk_rcv_rst(hn, skb, &seg);

	if (lsk && hsk_filter_drops(lsk, skb, &seg)) {
		HSK_INC(hn, FILTER_DROPS);
		return NF_DROP;
	}
	switch (seg.flags & (TCPHDR_SYN | TCPHDR_ACK)) {
	case TCPHDR_SYN:
		/* Counted when it reaches LOCAL_IN. */
		if (!lsk && early)
			return NF_ACCEPT;
		if (!lsk) {
			HSK_INC(hn, NO_LISTENER);
			return NF_ACCEPT;	/* the kernel answers with RST */
		}
		return hsk_rcv_syn(hn, lsk, skb, &seg);
	case TCPHDR_ACK:
		return hsk_rcv_ack(hn, lsk, skb, &seg);
	default:
		return NF_ACCEPT;
	}
}

/* The TCP flags of @skb, or 0 when its header is cut short of them. */
static u8 hsk_tcp_flags(const struct sk_buff *skb)
{
	const u8 *flags;
	u8 _flags;

	flags = skb_header_pointer(skb, ip_hdrlen(skb) + 13, 1, &_flags);
	return flags ? *flags : 0;
}

static unsigned int hsk_hook(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	struct hsk_net *hn = priv;
	const struct iphdr *iph = ip_hdr(skb);
	const __be16 *ports;
	__be16 _ports[2];
	bool hsk_port;
	u8 flags;

	if (iph->protocol != IPPROTO_TCP || skb->pkt_type != PACKET_HOST)
		return NF_ACCEPT;
	/* Only the ports are needed to decide; hsk_parse() checks the rest. */
	ports = skb_header_pointer(skb, ip_hdrlen(skb), sizeof(_ports), _ports);
	if (!ports)
		return NF_ACCEPT;
	hsk_port = hsk_port_enabled(hn, ntohs(ports[1]));
	if (!hsk_port && !hsk_tw_remote_port(hn, ntohs(ports[0])))
		return NF_ACCEPT;
	flags = hsk_tcp_flags(skb);
	if ((flags & TCPHDR_FIN) || skb->sk) {
		struct hsk_tuple t = {
			.raddr = iph->saddr, .laddr = iph->daddr,
			.rport = ports[0], .lport = ports[1],
		};

		hsk_takeover_note(hn, skb->sk, &t, flags, inet_iif(skb),
				  inet_sdif(skb));
	}
	/* Early demux found the owner: an established connection. */
	if (skb->sk)
		return NF_ACCEPT;
	if (!hsk_hook_is_last(hn, state->net)) {
		HSK_INC(hn, LATE_HOOK_DEFERS);
		return NF_ACCEPT;
	}
	if (hsk_dst_refused(skb)) {
		HSK_INC(hn, KERNEL_DEFERS);
		return NF_ACCEPT;
	}
	return hsk_rcv(hn, skb, ports, hsk_port, false, state);
}

/* PRE_ROUTING, before conntrack: a segment with ACK and FIN for a port in
 * the set. When it would complete a cookie handshake that conntrack has no
 * entry for, conntrack is shown its final ACK first (conntrack.c). Only
 * looks: what the segment does is decided at LOCAL_IN.
 */
static void hsk_early_fin(struct hsk_net *hn, struct sk_buff *skb,
			  const __be16 *ports, const struct nf_hook_state *state)
{
	struct hsk_seg seg = { .skb = skb };
	struct hsk_synq_bucket *b;
	struct hsk_conn conn;
	struct hsk_req *req;

	if (!hsk_ct_refuses_fin(state->net, skb))
		return;
	hsk_seg_init(&seg, skb, ports);
	if (hsk_parse(skb, state, &seg) != HSK_MIB_MAX ||
	    hsk_tuple_owned(state->net, &seg) ||
	    !hsk_listener(state->net, skb, &seg) ||
	    !hsk_ack_cookie_checked(hn, READ_ONCE(hn->syncookies)))
		return;
	/* A half-open entry's SYN had its conntrack entry stored. */
	b = hsk_synq_bucket(&hn->synq, &seg.tuple);
	spin_lock(&b->lock);
	req = hsk_synq_lookup(b, &seg.tuple);
	spin_unlock(&b->lock);
	if (req || hsk_cookie_ack(hn, &seg, &conn))
		return;
	if (hsk_ct_show_final_ack(skb, seg.iphlen + seg.thlen))
		HSK_INC(hn, CT_FIN_ACKS);
}

/* PRE_ROUTING: the SYNs early.c allows are answered before conntrack and
 * input routing. Whatever hsk_rcv() hands back meets the stack, and hsk's
 * LOCAL_IN hook, as if it had never been here.
 */
static unsigned int hsk_early_hook(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct hsk_net *hn = priv;
	const struct iphdr *iph = ip_hdr(skb);
	const struct tcphdr *th;
	struct tcphdr _th;
	unsigned int verdict;

	/* A socket already assigned (tc's bpf_sk_assign) is the kernel's. */
	if (skb->sk || iph->protocol != IPPROTO_TCP ||
	    skb->pkt_type != PACKET_HOST)
		return NF_ACCEPT;
	th = skb_header_pointer(skb, ip_hdrlen(skb), sizeof(_th), &_th);
	if (!th || !hsk_port_enabled(hn, ntohs(th->dest)))
		return NF_ACCEPT;
	switch (tcp_flag_byte(th) &
		(TCPHDR_SYN | TCPHDR_ACK | TCPHDR_RST | TCPHDR_FIN)) {
	case TCPHDR_SYN:
		break;
	case TCPHDR_ACK | TCPHDR_FIN:
		hsk_early_fin(hn, skb, &th->source, state);
		return NF_ACCEPT;
	default:
		return NF_ACCEPT;
	}
	if (!hsk_early_allowed(hn, skb, state))
		return NF_ACCEPT;

	hsk_ct_untrack(skb);
	verdict = hsk_rcv(hn, skb, &th->source, true, true, state);
	if (verdict == NF_ACCEPT)
		hsk_ct_retrack(skb);
	else
		HSK_INC(hn, EARLY_SYNS);
	return verdict;
}

static const struct nf_hook_ops hsk_nf_ops[HSK_HOOKS] = {
	{
		.hook = hsk_early_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = HSK_EARLY_PRIORITY,
	},
	{
		.hook = hsk_hook,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_IN,
		.priority = HSK_LOCAL_IN_PRIORITY,
	},
};

/**
 * hsk_hook_register() - register a netns's netfilter hooks
 * @hn: the netns's hsk state
 *
 * Each netns registers its own copy of the hooks, whose private data is
 * its hsk_net: a packet then finds it without net_generic()'s lookup, and
 * early.c tells hsk's hooks from everybody else's by it.
 *
 * Return: 0 or a negative errno.
 */
int hsk_hook_register(struct hsk_net *hn)
{
	unsigned int i;

	for (i = 0; i < HSK_HOOKS; i++) {
		hn->hooks[i] = hsk_nf_ops[i];
		hn->hooks[i].priv = hn;
	}
	return nf_register_net_hooks(hn->net, hn->hooks, HSK_HOOKS);
}

/**
 * hsk_hook_unregister() - unregister a netns's netfilter hooks
 * @hn: the netns's hsk state
 */
void hsk_hook_unregister(struct hsk_net *hn)
{
	nf_unregister_net_hooks(hn->net, hn->hooks, HSK_HOOKS);
}
