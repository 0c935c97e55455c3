// SPDX-License-Identifier: GPL-2.0
/*
 * Handoff: turn a completed handshake into a real TCP socket on the
 * listener's accept queue, the way the kernel's own SYN-cookie path does,
 * then let the child process the final ACK (and any data on it). From
 * there on the connection belongs to the kernel's TCP stack alone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ipv6.h>
#include <linux/security.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/tcp.h>

#include "handshake.h"
#include "hsk.h"
#include "lsm.h"
#include "output.h"

/* The kernel's IPv4 request ops are not exported. A request sock that
 * becomes a child at once only needs the MD5 hooks, which
 * tcp_create_openreq_child() calls; the reference is not kept after.
 */
static const struct tcp_request_sock_ops hsk_request_sock_ipv4_ops = {
#ifdef CONFIG_TCP_MD5SIG
	.req_md5_lookup = tcp_v4_md5_lookup,
	.calc_md5_hash = tcp_v4_md5_hash_skb,
#endif
};

/**
 * hsk_adv_mss() - the MSS advertised in a SYN-ACK
 * @lsk: the listener
 * @dst: the route to the client
 *
 * Return: the route's advertised MSS, clamped by the listener.
 */
u16 hsk_adv_mss(const struct sock *lsk, const struct dst_entry *dst)
{
	return tcp_mss_clamp(tcp_sk(lsk), tcp_dst_advmss(dst));
}

/**
 * hsk_rwin() - the receive window of a new connection
 * @lsk: the listener
 * @dst: the route to the client
 * @adv_mss: hsk_adv_mss() of the same route, which the caller has at hand
 * @tstamp_ok: the timestamp option was negotiated
 * @wscale_ok: window scaling was negotiated
 * @rcv_wnd: where the initial receive window is written
 * @clamp: where the window clamp is written
 * @rcv_wscale: where our window scale is written
 *
 * The receive window, as tcp_openreq_init_rwin() picks it. Called for the
 * SYN-ACK and again for the child, with the same inputs, so the child
 * continues exactly the window the SYN-ACK advertised.
 */
void hsk_rwin(const struct sock *lsk, const struct dst_entry *dst,
	      u16 adv_mss, bool tstamp_ok, bool wscale_ok, u32 *rcv_wnd,
	      u32 *clamp, u8 *rcv_wscale)
{
	int full_space = tcp_full_space(lsk);
	u32 mss = adv_mss;

	if (tstamp_ok)
		mss -= TCPOLEN_TSTAMP_ALIGNED;
	*clamp = READ_ONCE(tcp_sk(lsk)->window_clamp) ? : dst_metric(dst, RTAX_WINDOW);
	if (lsk->sk_userlocks & SOCK_RCVBUF_LOCK &&
	    (*clamp > full_space || *clamp == 0))
		*clamp = full_space;
	tcp_select_initial_window(lsk, full_space, mss, rcv_wnd, clamp,
				  wscale_ok, rcv_wscale,
				  dst_metric(dst, RTAX_INITRWND));
}

/* After a SYN-ACK retransmission the client's timestamp echo names the
 * first SYN-ACK it accepted, not the one its ACK answers (RFC 7323 echoes
 * the last in-sequence segment). The child would take that echo as its
 * first RTT sample, inflated by the whole retransmission wait. Zeroing
 * the echo makes the child skip the sample (Karn), as it does when
 * timestamps are off. The checksum is patched to match.
 */
static bool hsk_clear_tsecr(struct sk_buff *skb, unsigned int thlen)
{
	struct tcphdr *th;
	unsigned int off = sizeof(*th);
	u8 *p;

	if (skb_ensure_writable(skb, thlen))
		return false;
	th = tcp_hdr(skb);
	p = (u8 *)th;
	while (off + 1 < thlen && p[off] != TCPOPT_EOL) {
		if (p[off] == TCPOPT_NOP) {
			off++;
			continue;
		}
		if (p[off] == TCPOPT_TIMESTAMP) {
			__be32 *tsecr = (__be32 *)(p + off + 6);

			inet_proto_csum_replace4(&th->check, skb,
						 get_unaligned(tsecr), 0, false);
			put_unaligned(0, tsecr);
			break;
		}
		off += p[off + 1];
	}
	return true;
}

/* Makes @skb look the way tcp_v4_rcv() hands segments to sockets:
 * data at the TCP header and TCP_SKB_CB filled in.
 */
static bool hsk_skb_to_tcp(struct sk_buff *skb, const struct hsk_seg *seg,
			   const struct hsk_conn *conn)
{
	struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	u8 dsfield;

	if (!pskb_may_pull(skb, seg->iphlen + seg->thlen))
		return false;
	dsfield = ipv4_get_dsfield(ip_hdr(skb));
	skb_clear_delivery_time(skb);
	__skb_pull(skb, seg->iphlen);
	if (conn->retrans && conn->tstamp_ok && seg->saw_tstamp &&
	    !hsk_clear_tsecr(skb, seg->thlen))
		return false;

	memmove(&cb->header.h4, IPCB(skb), sizeof(struct inet_skb_parm));
	barrier();
	cb->seq = seg->seq;
	cb->end_seq = seg->end_seq;
	cb->ack_seq = seg->ack_seq;
	cb->tcp_flags = seg->flags;
	cb->tcp_tw_isn = 0;
	cb->ip_dsfield = dsfield;
	cb->sacked = 0;
	cb->has_rxtstamp = skb->tstamp || skb_hwtstamps(skb)->hwtstamp;
	nf_reset_ct(skb);
	skb->dev = NULL;
	return true;
}

/* The request sock the child is made from, or ERR_PTR(-EACCES) when the
 * LSMs refuse it, or NULL.
 */
static struct request_sock *hsk_reqsk(struct hsk_net *hn, struct sock *lsk,
				      struct sk_buff *skb,
				      const struct hsk_seg *seg,
				      const struct hsk_conn *conn)
{
	struct inet_request_sock *ireq;
	struct tcp_request_sock *treq;
	struct request_sock *req;
	int err;

	/* IPv4's request ops, also for a dual-stack listener, as
	 * tcp_v6_conn_request() hands an IPv4 SYN to tcp_v4_conn_request().
	 */
	req = cookie_tcp_reqsk_alloc(tcp_prot.rsk_prot,
				     &hsk_request_sock_ipv4_ops, lsk, skb);
	if (!req)
		return NULL;
	ireq = inet_rsk(req);
	treq = tcp_rsk(req);

	treq->rcv_isn = conn->rcv_isn;
	treq->snt_isn = conn->snt_isn;
	treq->ts_off = 0;
	treq->txhash = net_tx_rndhash();
	treq->snt_synack = 0;
	treq->tfo_listener = false;
	req->mss = conn->mss;
	req->ts_recent = conn->ts_recent;
	req->num_retrans = conn->retrans;
	ireq->ir_num = ntohs(seg->tuple.lport);
	ireq->ir_rmt_port = seg->tuple.rport;
	sk_rcv_saddr_set(req_to_sk(req), seg->tuple.laddr);
	sk_daddr_set(req_to_sk(req), seg->tuple.raddr);
	ireq->ir_mark = inet_request_mark(lsk, skb);
	ireq->ir_iif = inet_request_bound_dev_if(lsk, skb);
	ireq->snd_wscale = conn->snd_wscale;
	ireq->wscale_ok = conn->wscale_ok;
	ireq->sack_ok = conn->sack_ok;
	ireq->tstamp_ok = conn->tstamp_ok;
	/* ECN is not negotiated: the SYN-ACK never carries ECE. */
	ireq->ecn_ok = 0;
	if (IS_ENABLED(CONFIG_SMC))
		ireq->smc_ok = 0;

	err = hsk_lsm_conn_request(hn, lsk, skb, req);
	if (err) {
		reqsk_free(req);
		return ERR_PTR(err);
	}
	return req;
}

/* A dual-stack listener's IPv4 children are IPv6 sockets speaking IPv4
 * through the kernel's v4-mapped ops (tcp_v6_syn_recv_sock()), which are
 * not exported. Every child the kernel makes for such a listener carries
 * them, and hsk's first unparked IPv4 child of one is such a child: its
 * ops are taken from it and used for the children hsk makes itself.
 * They live in the kernel image (Debian builds IPv6 in), so they never
 * go away. Until they are known, such listeners are not parked for.
 */
struct hsk_mapped_ops {
	const struct inet_connection_sock_af_ops *af_ops;
#ifdef CONFIG_TCP_MD5SIG
	const struct tcp_sock_af_ops *af_specific;
#endif
};

static struct hsk_mapped_ops hsk_mapped __read_mostly;

static bool hsk_is_mapped_child(const struct sock *lsk, const struct sock *child)
{
	return IS_ENABLED(CONFIG_IPV6) && lsk->sk_family == AF_INET6 &&
	       inet_csk(child)->icsk_af_ops != inet_csk(lsk)->icsk_af_ops;
}

static void hsk_mapped_learn(const struct sock *lsk, const struct sock *child)
{
	if (READ_ONCE(hsk_mapped.af_ops) || !hsk_is_mapped_child(lsk, child))
		return;
#ifdef CONFIG_TCP_MD5SIG
	WRITE_ONCE(hsk_mapped.af_specific, tcp_sk(child)->af_specific);
	smp_wmb();	/* af_specific before af_ops, which says both are set */
#endif
	WRITE_ONCE(hsk_mapped.af_ops, inet_csk(child)->icsk_af_ops);
}

/**
 * hsk_child_can_park() - whether child.c can make a child to park for @lsk
 * @lsk: the listener
 *
 * Return: true for an IPv4 listener, and for a dual-stack one once
 * child.c knows how to make its IPv4 children.
 */
bool hsk_child_can_park(const struct sock *lsk)
{
	return lsk->sk_family == AF_INET || READ_ONCE(hsk_mapped.af_ops);
}

#if IS_ENABLED(CONFIG_IPV6)
/* What tcp_v6_syn_recv_sock() does to the IPv4 child of a dual-stack
 * listener (Linux 6.1): its own ipv6_pinfo, a copy of the listener's
 * without the listener's lists and options, and the v4-mapped ops.
 */
static void hsk_child_map_v4(const struct sock *lsk, struct sock *child,
			     const struct sk_buff *skb)
{
	const struct ipv6_pinfo *np = inet6_sk(lsk);
	struct ipv6_pinfo *newnp;

	newnp = (struct ipv6_pinfo *)((u8 *)child +
				      offsetof(struct tcp6_sock, inet6));
	inet_sk(child)->pinet6 = newnp;
	memcpy(newnp, np, sizeof(*newnp));
	newnp->saddr = child->sk_v6_rcv_saddr;
	inet_csk(child)->icsk_af_ops = READ_ONCE(hsk_mapped.af_ops);
	child->sk_backlog_rcv = tcp_v4_do_rcv;
#ifdef CONFIG_TCP_MD5SIG
	smp_rmb();	/* pairs with hsk_mapped_learn() */
	tcp_sk(child)->af_specific = READ_ONCE(hsk_mapped.af_specific);
#endif
	newnp->ipv6_mc_list = NULL;
	newnp->ipv6_ac_list = NULL;
	newnp->ipv6_fl_list = NULL;
	newnp->pktoptions = NULL;
	newnp->opt = NULL;
	newnp->mcast_oif = inet_iif(skb);
	newnp->mcast_hops = ip_hdr(skb)->ttl;
	newnp->rcv_flowinfo = 0;
	if (np->repflow)
		newnp->flow_label = 0;
}
#else
static void hsk_child_map_v4(const struct sock *lsk, struct sock *child,
			     const struct sk_buff *skb)
{
}
#endif

/* The kernel's syn_recv_sock refuses to make a child while the accept
 * queue is full, which is exactly when a connection is parked. This puts
 * the child together from the same exported steps, minus the accept
 * queue: established, in the established and bind hashes, returned locked
 * with two references like tcp_get_cookie_sock()'s. Consumes @dst; @req
 * is freed on failure. Listeners with TCP-MD5 keys never get here
 * (park.c), so no key is copied.
 */
static struct sock *hsk_child_unqueued(struct sock *lsk, struct sk_buff *skb,
				       struct request_sock *req,
				       struct dst_entry *dst, u32 tsoff)
{
	struct inet_request_sock *ireq = inet_rsk(req);
	bool dup = false;
	struct inet_sock *inet;
	struct sock *child;

	child = tcp_create_openreq_child(lsk, req, skb);
	if (!child) {
		dst_release(dst);
		goto free_req;
	}
	/* First: the MSS below is taken through the ops it sets. */
	if (lsk->sk_family == AF_INET6)
		hsk_child_map_v4(lsk, child, skb);
	child->sk_gso_type = SKB_GSO_TCPV4;
	inet_sk_rx_dst_set(child, skb);
	inet = inet_sk(child);
	sk_daddr_set(child, ireq->ir_rmt_addr);
	sk_rcv_saddr_set(child, ireq->ir_loc_addr);
	child->sk_bound_dev_if = ireq->ir_iif;
	inet->inet_saddr = ireq->ir_loc_addr;
	/* The clone copied the listener's IP options; a child gets the
	 * request's, and hsk takes no segment with IP options.
	 */
	RCU_INIT_POINTER(inet->inet_opt, NULL);
	inet->mc_index = inet_iif(skb);
	inet->mc_ttl = ip_hdr(skb)->ttl;
	inet->rcv_tos = ip_hdr(skb)->tos;
	inet_csk(child)->icsk_ext_hdr_len = 0;
	atomic_set(&inet->inet_id, get_random_u16());
	sk_setup_caps(child, dst);
	tcp_ca_openreq_child(child, dst);
	tcp_sync_mss(child, dst_mtu(dst));
	tcp_sk(child)->advmss = hsk_adv_mss(lsk, dst);
	tcp_initialize_rcv_mss(child);

	/* The clone is locked, which sparse cannot know. */
	__acquire(&child->sk_lock.slock);
	if (__inet_inherit_port(lsk, child) < 0) {
		inet_csk_prepare_forced_close(child);	/* unlocks it */
		__release(&child->sk_lock.slock);
		tcp_done(child);
		goto free_req;
	}
	/* On failure this destroys the child but leaves our reference. */
	if (!inet_ehash_nolisten(child, NULL, &dup)) {
		bh_unlock_sock(child);
		sock_put(child);
		goto free_req;
	}
	__release(&child->sk_lock.slock);	/* the caller unlocks it */
	refcount_set(&req->rsk_refcnt, 1);
	req->sk = child;
	tcp_sk(child)->tsoffset = tsoff;
	sock_rps_save_rxhash(child, skb);
	return child;

free_req:
	__reqsk_free(req);
	return NULL;
}

/* With @parked the child is not queued and its request sock is returned
 * there, for park.c. NULL on failure, ERR_PTR(-EACCES) when the LSMs
 * refuse the connection.
 */
static struct sock *hsk_child(struct hsk_net *hn, struct sock *lsk,
			      struct sk_buff *skb, const struct hsk_seg *seg,
			      const struct hsk_conn *conn,
			      struct request_sock **parked)
{
	u32 tsoff = conn->tstamp_ok ? hsk_cookie_tsoff(&hn->cookie, &seg->tuple) : 0;
	struct inet_request_sock *ireq;
	struct request_sock *req;
	struct sock *child;
	struct flowi4 fl4;
	struct rtable *rt;
	u8 rcv_wscale;

	req = hsk_reqsk(hn, lsk, skb, seg, conn);
	if (IS_ERR_OR_NULL(req))
		return ERR_CAST(req);
	ireq = inet_rsk(req);

	flowi4_init_output(&fl4, ireq->ir_iif, ireq->ir_mark,
			   RT_CONN_FLAGS(lsk), RT_SCOPE_UNIVERSE, IPPROTO_TCP,
			   inet_sk_flowi_flags(lsk), ireq->ir_rmt_addr,
			   ireq->ir_loc_addr, ireq->ir_rmt_port,
			   htons(ireq->ir_num), lsk->sk_uid);
	security_req_classify_flow(req, flowi4_to_flowi_common(&fl4));
	rt = ip_route_output_key(hn->net, &fl4);
	if (IS_ERR(rt)) {
		reqsk_free(req);
		return NULL;
	}

	hsk_rwin(lsk, &rt->dst, hsk_adv_mss(lsk, &rt->dst), ireq->tstamp_ok,
		 ireq->wscale_ok, &req->rsk_rcv_wnd, &req->rsk_window_clamp,
		 &rcv_wscale);
	ireq->rcv_wscale = rcv_wscale;

	/* Consume @req and the route, also on failure. */
	if (parked) {
		*parked = req;
		child = hsk_child_unqueued(lsk, skb, req, &rt->dst, tsoff);
	} else {
		child = tcp_get_cookie_sock(lsk, skb, req, &rt->dst, tsoff);
		if (child)
			hsk_mapped_learn(lsk, child);
	}
	if (child)
		inet_sk(child)->cork.fl.u.ip4 = fl4;
	return child;
}

/**
 * hsk_child_create() - create the child socket of a completed handshake
 * @hn: the netns's hsk state
 * @lsk: the listener
 * @skb: the final ACK
 * @seg: @skb, parsed
 * @conn: the completed handshake
 * @parked: NULL, or where to return the request sock of a child to park
 *
 * Creates the child for @conn and puts it on the listener's accept queue,
 * or, with @parked, leaves it off the queue and returns its request sock
 * there. On success @skb has been made a TCP-layer segment.
 *
 * Context: Called with the half-open bucket lock held, so a copy of the
 * final ACK racing on another cpu either finds the child in the
 * established hash or waits for this to finish.
 * Return: the child, locked. On failure ERR_PTR(-EACCES) when the LSMs
 * refused the connection (lsm.c counted it), else ERR_PTR(-ENOBUFS),
 * counted in HandoffFailed: no memory, no route, or an accept queue that
 * another cpu filled since hsk_accept_action() looked.
 */
struct sock *hsk_child_create(struct hsk_net *hn, struct sock *lsk,
			      struct sk_buff *skb, const struct hsk_seg *seg,
			      const struct hsk_conn *conn,
			      struct request_sock **parked)
{
	struct sock *child = NULL;

	if (hsk_skb_to_tcp(skb, seg, conn))
		child = hsk_child(hn, lsk, skb, seg, conn, parked);
	if (!child) {
		HSK_INC(hn, HANDOFF_FAILED);
		return ERR_PTR(-ENOBUFS);
	}
	return child;
}

/**
 * hsk_child_deliver() - hand the final ACK to the child
 * @hn: the netns's hsk state
 * @lsk: the listener
 * @child: the child hsk_child_create() returned
 * @skb: the final ACK, consumed
 * @seg: @skb, parsed
 *
 * Lets @child process the final ACK (and any data on it) and wakes the
 * listener.
 *
 * Context: called without the bucket lock.
 */
void hsk_child_deliver(struct hsk_net *hn, struct sock *lsk,
		       struct sock *child, struct sk_buff *skb,
		       const struct hsk_seg *seg)
{
	HSK_INC(hn, HANDOFFS);
	/* Unlocks and releases the child. */
	if (tcp_child_process(lsk, child, skb)) {
		hsk_reject(hn, seg);
		kfree_skb(skb);
	}
}
