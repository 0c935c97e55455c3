// SPDX-License-Identifier: GPL-2.0
/*
 * The security modules' say on a connection, security_inet_conn_request(),
 * asked where the kernel asks it:
 *
 *  - at the SYN, before anything is stored or sent, as tcp_conn_request()
 *    does for every SYN, stateful or cookie. A refused SYN is dropped
 *    silently: no SYN-ACK, counted in LsmRefused and, as the kernel does,
 *    in the listener's drops. hsk has no request sock then, and a flood
 *    must not cost an allocation: the hooks get a tcp_request_sock on
 *    this function's stack, zeroed, then filled as the kernel's is at that
 *    point (addresses, ports, mark, interface, family, netns, ops). No
 *    hook keeps it: SELinux and SMACK write their labels into it,
 *    AppArmor looks only at the listener and the skb, BPF programs may
 *    only read it and take no reference on it. Labelled networking
 *    (NetLabel/CIPSO) may hang IP options on it, which are freed here,
 *    as the kernel's request sock destructor frees them. The labels are
 *    dropped with it.
 *
 *  - when the handshake completes, on the request sock that becomes the
 *    child (child.c), as cookie_v4_check() does: that call labels the
 *    child. A refusal there (the policy changed since the SYN) drops the
 *    ACK silently, as cookie_v4_check() does, counted in LsmRefused.
 *
 * Both run in softirq under RCU with the listener input.c found; they
 * take no lock and keep nothing.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/security.h>
#include <linux/slab.h>
#include <net/inet_sock.h>
#include <net/request_sock.h>
#include <net/tcp.h>

#include "handshake.h"
#include "hsk.h"
#include "lsm.h"

/**
 * hsk_lsm_syn_refused() - ask the LSMs about a SYN
 * @hn: the netns's hsk state
 * @lsk: the listener
 * @skb: the SYN, at its IP header
 * @seg: @skb, parsed
 * @cookie: the SYN-ACK would be a cookie, which in the kernel means a
 *          request sock not attached to its listener
 *
 * Return: whether the LSMs refuse the connection @seg asks for.
 */
bool hsk_lsm_syn_refused(struct hsk_net *hn, struct sock *lsk,
			 struct sk_buff *skb, const struct hsk_seg *seg,
			 bool cookie)
{
	struct tcp_request_sock treq;
	struct inet_request_sock *ireq = &treq.req;
	struct request_sock *req = &ireq->req;
	int err;

	memset(&treq, 0, sizeof(treq));
	/* IPv4's request ops, also for a dual-stack listener. */
	req->rsk_ops = tcp_prot.rsk_prot;
	req->rsk_listener = cookie ? NULL : lsk;
	req->syncookie = cookie;
	req->timeout = TCP_TIMEOUT_INIT;
	ireq->ireq_state = TCP_NEW_SYN_RECV;
	ireq->ireq_family = AF_INET;
	write_pnet(&ireq->ireq_net, hn->net);
	ireq->ir_loc_addr = seg->tuple.laddr;
	ireq->ir_rmt_addr = seg->tuple.raddr;
	ireq->ir_num = ntohs(seg->tuple.lport);
	ireq->ir_rmt_port = seg->tuple.rport;
	ireq->ir_mark = inet_request_mark(lsk, skb);
	ireq->ir_iif = inet_request_bound_dev_if(lsk, skb);
	treq.rcv_isn = seg->seq;

	/* The hooks see the SYN as tcp_conn_request() shows it: at its TCP
	 * header (the IP header is linear since ip_rcv()).
	 */
	__skb_pull(skb, seg->iphlen);
	err = security_inet_conn_request(lsk, skb, req);
	__skb_push(skb, seg->iphlen);
	kfree(rcu_dereference_protected(ireq->ireq_opt, true));
	if (!err)
		return false;
	HSK_INC(hn, LSM_REFUSED);
	tcp_listendrop(lsk);
	net_dbg_ratelimited("hsk: LSM refused %pI4:%u (%d)\n",
			    &seg->tuple.raddr, ntohs(seg->tuple.rport), err);
	return true;
}

/**
 * hsk_lsm_conn_request() - ask the LSMs about a completed handshake
 * @hn: the netns's hsk state
 * @lsk: the listener
 * @skb: the final ACK
 * @req: the child's request sock
 *
 * Asks the LSMs about @req when the handshake completes.
 *
 * Return: 0 or -EACCES, counted.
 */
int hsk_lsm_conn_request(struct hsk_net *hn, const struct sock *lsk,
			 struct sk_buff *skb, struct request_sock *req)
{
	if (!security_inet_conn_request(lsk, skb, req))
		return 0;
	HSK_INC(hn, LSM_REFUSED);
	return -EACCES;
}
