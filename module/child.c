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
#include <net/busy_poll.h>
#include <net/inet_sock.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/tcp.h>

#include "compat.h"
#include "handshake.h"
#include "hsk.h"
#include "lsm.h"
#include "output.h"
#include "unqueued.h"

#ifdef CONFIG_TCP_MD5SIG
/* hsk serves no listener with TCP-MD5 keys (admission.c), so no request
 * of its own has one; 6.1's tcp_create_openreq_child() asks all the same.
 */
static struct tcp_md5sig_key *hsk_req_md5_lookup(const struct sock *sk,
						 const struct sock *addr_sk)
{
	return NULL;
}
#endif

/* The kernel's IPv4 request ops are not exported; a request sock that
 * becomes a child at once needs only what tcp_create_openreq_child()
 * calls.
 */
static const struct tcp_request_sock_ops hsk_request_sock_ipv4_ops = {
#ifdef CONFIG_TCP_MD5SIG
	.req_md5_lookup = hsk_req_md5_lookup,
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
 * The receive window, as tcp_openreq_init_rwin() and
 * tcp_select_initial_window() pick it. Called for the
 * SYN-ACK and again for the child, with the same inputs, so the child
 * continues exactly the window the SYN-ACK advertised.
 */
void hsk_rwin(const struct sock *lsk, const struct dst_entry *dst,
	      u16 adv_mss, bool tstamp_ok, bool wscale_ok, u32 *rcv_wnd,
	      u32 *clamp, u8 *rcv_wscale)
{
	const struct net *net = sock_net(lsk);
	u32 space = max(tcp_full_space(lsk), 0);
	u32 mss = adv_mss;
	u32 init_rcv_wnd = dst_metric(dst, RTAX_INITRWND);
	u32 window_clamp;

	if (tstamp_ok)
		mss -= TCPOLEN_TSTAMP_ALIGNED;
	window_clamp = READ_ONCE(tcp_sk(lsk)->window_clamp) ? :
		       dst_metric(dst, RTAX_WINDOW);
	if (lsk->sk_userlocks & SOCK_RCVBUF_LOCK &&
	    (window_clamp > space || window_clamp == 0))
		window_clamp = space;

	/* From here on tcp_select_initial_window(), which 6.12 does not
	 * export; the one difference between 6.1 and 6.12 is in compat.h.
	 */
	if (!window_clamp)
		window_clamp = U16_MAX << TCP_MAX_WSCALE;
	space = min(window_clamp, space);
	if (space > mss)
		space = rounddown(space, mss);
	if (READ_ONCE(net->ipv4.sysctl_tcp_workaround_signed_windows))
		*rcv_wnd = min_t(u32, space, MAX_TCP_WINDOW);
	else
		*rcv_wnd = hsk_initial_rcv_wnd(space);
	if (init_rcv_wnd)
		*rcv_wnd = min(*rcv_wnd, init_rcv_wnd * mss);
	*rcv_wscale = 0;
	if (wscale_ok) {
		space = max_t(u32, space,
			      READ_ONCE(net->ipv4.sysctl_tcp_rmem[2]));
		space = max_t(u32, space, READ_ONCE(sysctl_rmem_max));
		space = min(space, window_clamp);
		*rcv_wscale = clamp_t(int, ilog2(space) - 15, 0,
				      TCP_MAX_WSCALE);
	}
	*clamp = min_t(u32, U16_MAX << *rcv_wscale, window_clamp);
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
				      const struct hsk_conn *conn, u32 tsoff)
{
	struct inet_request_sock *ireq;
	struct tcp_request_sock *treq;
	struct request_sock *req;
	int err;

	/* IPv4's request ops, also for a dual-stack listener, as
	 * tcp_v6_conn_request() hands an IPv4 SYN to tcp_v4_conn_request().
	 */
	req = inet_reqsk_alloc(tcp_prot.rsk_prot, lsk, false);
	if (!req)
		return NULL;
	ireq = inet_rsk(req);
	treq = tcp_rsk(req);
	/* inet_reqsk_alloc() leaves the TCP part unset. Zeroed, every
	 * option a kernel line adds to it (TCP-AO, MPTCP, microsecond
	 * timestamps, ECN variants) reads "not negotiated", which is what
	 * hsk's handshake did.
	 */
	memset((u8 *)req + sizeof(struct request_sock), 0,
	       sizeof(*treq) - sizeof(struct request_sock));
	treq->af_specific = &hsk_request_sock_ipv4_ops;
	treq->rcv_isn = conn->rcv_isn;
	treq->snt_isn = conn->snt_isn;
	treq->ts_off = tsoff;
	treq->txhash = net_tx_rndhash();
	treq->syn_tos = TCP_SKB_CB(skb)->ip_dsfield;
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

	err = hsk_lsm_conn_request(hn, lsk, skb, req);
	if (err) {
		reqsk_free(req);
		return ERR_PTR(err);
	}
	return req;
}

/* What tcp_get_cookie_sock() does, through the listener's own
 * syn_recv_sock (6.12 exports neither): the child, on the accept queue,
 * locked with two references. Consumes @req and @dst.
 */
static struct sock *hsk_child_queued(struct sock *lsk, struct sk_buff *skb,
				     struct request_sock *req,
				     struct dst_entry *dst)
{
	struct sock *child;
	bool own_req;

	child = hsk_syn_recv_sock(lsk, skb, req, dst, &own_req);
	if (!child) {
		__reqsk_free(req);
		return NULL;
	}
	/* syn_recv_sock returns the child locked, which sparse cannot know. */
	__acquire(&child->sk_lock.slock);
	refcount_set(&req->rsk_refcnt, 1);
	sock_rps_save_rxhash(child, skb);
	if (inet_csk_reqsk_queue_add(lsk, req, child)) {
		__release(&child->sk_lock.slock);	/* the caller unlocks it */
		return child;
	}
	bh_unlock_sock(child);
	sock_put(child);
	reqsk_put(req);
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
	struct dst_entry *dst;
	struct sock *child;
	struct flowi4 fl4;
	u8 rcv_wscale;

	req = hsk_reqsk(hn, lsk, skb, seg, conn, tsoff);
	if (IS_ERR_OR_NULL(req))
		return ERR_CAST(req);
	ireq = inet_rsk(req);

	dst = inet_csk_route_req(lsk, &fl4, req);
	if (!dst) {
		reqsk_free(req);
		return NULL;
	}
	hsk_rwin(lsk, dst, hsk_adv_mss(lsk, dst), ireq->tstamp_ok,
		 ireq->wscale_ok, &req->rsk_rcv_wnd, &req->rsk_window_clamp,
		 &rcv_wscale);
	ireq->rcv_wscale = rcv_wscale;

	/* Consume @req and the route, also on failure. */
	if (parked) {
		*parked = req;
		child = hsk_unqueued_child(lsk, skb, req, dst);
	} else {
		child = hsk_child_queued(lsk, skb, req, dst);
		if (child)
			hsk_unqueued_learn(lsk, child);
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
 *
 * Lets @child process the final ACK (and any data on it) and wakes the
 * listener.
 *
 * Context: called without the bucket lock.
 */
void hsk_child_deliver(struct hsk_net *hn, struct sock *lsk,
		       struct sock *child, struct sk_buff *skb)
{
	int state = child->sk_state;

	/* Locked by hsk_child_create(), which sparse cannot know. */
	__acquire(&child->sk_lock.slock);
	HSK_INC(hn, HANDOFFS);
	/* tcp_child_process(), which 6.12 does not export, through the
	 * child's own receive function (tcp_v4_do_rcv(), which resets the
	 * peer itself when the ACK is refused, as tcp_v4_rcv() would).
	 */
	sk_mark_napi_id_set(child, skb);
	tcp_segs_in(tcp_sk(child), skb);
	if (!sock_owned_by_user(child)) {
		child->sk_backlog_rcv(child, skb);
		if (state == TCP_SYN_RECV && child->sk_state != state)
			lsk->sk_data_ready(lsk);
	} else {
		__sk_add_backlog(child, skb);
	}
	bh_unlock_sock(child);
	sock_put(child);
}
