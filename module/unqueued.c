// SPDX-License-Identifier: GPL-2.0
/*
 * Children made off the accept queue, for parking.
 *
 * The kernel's syn_recv_sock refuses to make a child while the accept
 * queue is full, which is exactly when a connection is parked. This file
 * puts such a child together the way tcp_v4_syn_recv_sock() does (Linux
 * 6.1 and 6.12, identical in what is done here), and for a dual-stack
 * listener the way tcp_v6_syn_recv_sock() maps an IPv4 child, from
 * exported calls and from pointers the kernel hands over: the child's
 * icsk_af_ops->sk_rx_dst_set, its icsk_sync_mss, a kernel-made sibling's
 * v4-mapped ops. Two small steps the kernel does not export on 6.12 are
 * copied and named where they are (congestion control, receive MSS).
 *
 * What is left out on purpose: the accept-queue check; TCP-MD5 and
 * TCP-AO keys, since keyed listeners are never served (admission.c); IP
 * options, since hsk takes no segment carrying them. test_park and
 * test_dualstack compare parked children with the kernel's own.
 *
 * Lifetime: the learnt v4-mapped ops live in the kernel image (IPv6 is
 * built in on the kernels hsk supports) and are never forgotten.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bpf.h>
#include <linux/ipv6.h>
#include <net/inet_connection_sock.h>
#include <net/inet_hashtables.h>
#include <net/ip.h>
#include <net/tcp.h>

#include "compat.h"
#include "handshake.h"
#include "unqueued.h"

/* A dual-stack listener's IPv4 children are IPv6 sockets speaking IPv4
 * through the kernel's v4-mapped ops, which are not exported. Every child
 * the kernel makes for such a listener carries them, and hsk's first
 * queued IPv4 child of one is such a child: its ops are taken from it.
 * Until they are known, such listeners are not parked for.
 */
struct hsk_mapped_ops {
	const struct inet_connection_sock_af_ops *af_ops;
#ifdef CONFIG_TCP_MD5SIG
	const struct tcp_sock_af_ops *af_specific;
#endif
};

static struct hsk_mapped_ops hsk_mapped __read_mostly;

/**
 * hsk_unqueued_learn() - learn the v4-mapped ops from a kernel-made child
 * @lsk: the listener
 * @child: a child syn_recv_sock made for @lsk from an IPv4 segment
 */
void hsk_unqueued_learn(const struct sock *lsk, const struct sock *child)
{
	if (!IS_ENABLED(CONFIG_IPV6) || lsk->sk_family != AF_INET6 ||
	    READ_ONCE(hsk_mapped.af_ops) ||
	    inet_csk(child)->icsk_af_ops == inet_csk(lsk)->icsk_af_ops)
		return;
#ifdef CONFIG_TCP_MD5SIG
	WRITE_ONCE(hsk_mapped.af_specific, tcp_sk(child)->af_specific);
	smp_wmb();	/* af_specific before af_ops, which says both are set */
#endif
	WRITE_ONCE(hsk_mapped.af_ops, inet_csk(child)->icsk_af_ops);
}

/**
 * hsk_unqueued_possible() - whether a child can be made to park for @lsk
 * @lsk: the listener
 *
 * Return: true for an IPv4 listener, and for a dual-stack one once its
 * v4-mapped ops are known.
 */
bool hsk_unqueued_possible(const struct sock *lsk)
{
	return lsk->sk_family == AF_INET || READ_ONCE(hsk_mapped.af_ops);
}

#if IS_ENABLED(CONFIG_IPV6)
/* tcp_v6_mapped_child_init() of 6.12 (inline in tcp_v6_syn_recv_sock()
 * on 6.1): the child's own ipv6_pinfo, a copy of the listener's without
 * its lists and options, and the v4-mapped ops.
 */
static void hsk_unqueued_map_v4(const struct sock *lsk, struct sock *child,
				const struct sk_buff *skb)
{
	struct ipv6_pinfo *newnp;

	newnp = (struct ipv6_pinfo *)((u8 *)child +
				      offsetof(struct tcp6_sock, inet6));
	inet_sk(child)->pinet6 = newnp;
	hsk_v6_fl_list_clear(child);
	memcpy(newnp, inet6_sk(lsk), sizeof(*newnp));
	newnp->saddr = child->sk_v6_rcv_saddr;
	inet_csk(child)->icsk_af_ops = READ_ONCE(hsk_mapped.af_ops);
	child->sk_backlog_rcv = tcp_v4_do_rcv;
#ifdef CONFIG_TCP_MD5SIG
	smp_rmb();	/* pairs with hsk_unqueued_learn() */
	tcp_sk(child)->af_specific = READ_ONCE(hsk_mapped.af_specific);
#endif
	newnp->ipv6_mc_list = NULL;
	newnp->ipv6_ac_list = NULL;
	newnp->pktoptions = NULL;
	newnp->opt = NULL;
	newnp->mcast_oif = inet_iif(skb);
	newnp->mcast_hops = ip_hdr(skb)->ttl;
	newnp->rcv_flowinfo = 0;
	if (hsk_v6_repflow(lsk))
		newnp->flow_label = 0;
}
#else
static void hsk_unqueued_map_v4(const struct sock *lsk, struct sock *child,
				const struct sk_buff *skb)
{
}
#endif

/* A congestion control a BPF program implements is held through the BPF
 * core, not a module; kernels without BPF struct_ops have none.
 */
static bool hsk_ca_is_bpf(const struct tcp_congestion_ops *ca)
{
#ifdef BPF_MODULE_OWNER
	return ca->owner == BPF_MODULE_OWNER;
#else
	return false;
#endif
}

/* The congestion control tcp_ca_openreq_child() gives a child: the
 * listener's if it chose one, else the netns default, with a reference
 * on its module. Taken before the child exists, so a failure leaves
 * nothing to undo. A route naming an algorithm and BPF-made algorithms
 * need lookups the kernel keeps to itself: no child is made then.
 */
static const struct tcp_congestion_ops *
hsk_unqueued_ca_get(const struct sock *lsk, const struct dst_entry *dst)
{
	const struct inet_connection_sock *icsk = inet_csk(lsk);
	const struct tcp_congestion_ops *ca;

	if (dst_metric(dst, RTAX_CC_ALGO) != TCP_CA_UNSPEC)
		return NULL;
	rcu_read_lock();
	ca = icsk->icsk_ca_setsockopt ? READ_ONCE(icsk->icsk_ca_ops) :
	     rcu_dereference(sock_net(lsk)->ipv4.tcp_congestion_control);
	if (hsk_ca_is_bpf(ca) || !try_module_get(ca->owner))
		ca = NULL;
	rcu_read_unlock();
	return ca;
}

/* The rest of tcp_ca_openreq_child() and tcp_assign_congestion_control(),
 * with tcp_set_ca_state()'s effect (its tracepoint is not fired).
 */
static void hsk_unqueued_ca_set(struct sock *child,
				const struct tcp_congestion_ops *ca)
{
	struct inet_connection_sock *icsk = inet_csk(child);

	if (!icsk->icsk_ca_setsockopt) {
		memset(icsk->icsk_ca_priv, 0, sizeof(icsk->icsk_ca_priv));
		if (ca->flags & TCP_CONG_NEEDS_ECN)
			INET_ECN_xmit(child);
		else
			INET_ECN_dontxmit(child);
	}
	WRITE_ONCE(icsk->icsk_ca_ops, ca);
	if (ca->set_state)
		ca->set_state(child, TCP_CA_Open);
	icsk->icsk_ca_state = TCP_CA_Open;
}

/* tcp_initialize_rcv_mss(), Linux 6.1 and 6.12 alike. */
static void hsk_unqueued_rcv_mss(struct sock *child)
{
	const struct tcp_sock *tp = tcp_sk(child);
	unsigned int hint = min_t(unsigned int, tp->advmss, tp->mss_cache);

	hint = min(hint, tp->rcv_wnd / 2);
	hint = min_t(unsigned int, hint, TCP_MSS_DEFAULT);
	hint = max_t(unsigned int, hint, TCP_MIN_MSS);
	inet_csk(child)->icsk_ack.rcv_mss = hint;
}

/**
 * hsk_unqueued_child() - make an established child without queueing it
 * @lsk: the listener
 * @skb: the final ACK, at its TCP header
 * @req: the request sock of the connection
 * @dst: the route to the client, consumed
 *
 * Context: softirq, under the half-open bucket lock.
 * Return: the child, in the established and bind hashes, locked, with
 * two references like a child syn_recv_sock makes; NULL on failure, when
 * @req has been freed.
 */
struct sock *hsk_unqueued_child(struct sock *lsk, struct sk_buff *skb,
				struct request_sock *req,
				struct dst_entry *dst)
{
	struct inet_request_sock *ireq = inet_rsk(req);
	const struct tcp_congestion_ops *ca;
	bool dup = false;
	struct inet_sock *inet;
	struct sock *child;

	ca = hsk_unqueued_ca_get(lsk, dst);
	if (!ca)
		goto free_dst;
	child = tcp_create_openreq_child(lsk, req, skb);
	if (!child) {
		module_put(ca->owner);
		goto free_dst;
	}
	/* First: what follows takes the MSS through the ops this sets. */
	if (lsk->sk_family == AF_INET6)
		hsk_unqueued_map_v4(lsk, child, skb);
	child->sk_gso_type = SKB_GSO_TCPV4;
	inet_csk(child)->icsk_af_ops->sk_rx_dst_set(child, skb);
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
	hsk_unqueued_ca_set(child, ca);
	inet_csk(child)->icsk_sync_mss(child, dst_mtu(dst));
	tcp_sk(child)->advmss = hsk_adv_mss(lsk, dst);
	hsk_unqueued_rcv_mss(child);

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
	sock_rps_save_rxhash(child, skb);
	return child;

free_dst:
	dst_release(dst);
free_req:
	__reqsk_free(req);
	return NULL;
}
