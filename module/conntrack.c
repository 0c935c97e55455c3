// SPDX-License-Identifier: GPL-2.0
/*
 * Conntrack. hsk takes SYNs and final ACKs at LOCAL_IN before conntrack's
 * confirm hook (the last one there) has stored their entries, so, left
 * alone, conntrack would meet hsk's SYN-ACK as the first packet of an
 * unknown connection and class it invalid. Every packet hsk sends in
 * answer to a segment is therefore tied to that segment's entry:
 *
 * - a SYN given a half-open entry has its conntrack entry stored
 *   (confirmed) before the SYN-ACK leaves, as the confirm hook would have
 *   done: the SYN-ACK and its retransmissions are tracked as replies and
 *   the final ACK moves the entry to ESTABLISHED, exactly as without hsk;
 * - any other answer (a cookie SYN-ACK, a RST, a TIME_WAIT ACK) to a
 *   segment whose entry is not stored carries that entry, as a reply:
 *   rules see it as they would see the kernel's own answer (established,
 *   its marks and zone, NAT undone), conntrack leaves it alone, and the
 *   entry is freed with the packet, so a SYN flood answered with cookies
 *   stores nothing;
 * - the final ACK of a cookie handshake arrives with an entry of its own,
 *   picked up mid-stream (nf_conntrack_tcp_loose), ESTABLISHED but not
 *   stored: it is stored when the connection is handed off;
 * - with nf_conntrack_tcp_loose=0 conntrack would class that ACK invalid,
 *   so cookie SYNs are then stored like stateful ones (the table holds
 *   one entry per answered SYN, as it does for the kernel's listener);
 * - conntrack picks up an ACK mid-stream but calls a FIN without an entry
 *   invalid, so when the final ACK of a cookie handshake is lost and the
 *   client's next segment carries its FIN (its request and FIN together,
 *   on a retransmission), a firewall dropping invalid packets would drop
 *   every copy, where the kernel's listener stored the SYN's entry and
 *   takes it. Before conntrack meets such a segment with a good cookie,
 *   hsk passes the pure final ACK it implies through the input path: the
 *   firewall judges it as it would the real one, hsk hands the connection
 *   off and stores the entry, and the segment then meets a connection
 *   conntrack knows. Packet taps on the device see that ACK too.
 *
 * An entry conntrack already stored (a loopback SYN, seen on its way out;
 * a segment of a known connection) is left to conntrack: hsk's answer is
 * tracked as its reply like any other packet.
 *
 * A SYN the early path (early.c) took at PRE_ROUTING has met no conntrack
 * hook: it is marked untracked there, and so is every answer to it, which
 * conntrack then leaves alone. Its handshake's final ACK is picked up
 * mid-stream like any cookie handshake's.
 *
 * Rules: called from the netfilter hook only (softirq, inside its RCU read
 * side, with the segment's skb held by the caller). The final ACK shown to
 * conntrack re-enters the receive path from the PRE_ROUTING hook, once:
 * it carries no FIN, so it cannot be shown again. Nothing here is shared
 * or locked: the entries belong to conntrack and are only stored through
 * nf_ct_hook, so hsk loads and runs without nf_conntrack. A storing that
 * fails (a clash, conntrack being flushed) is counted and the answer then
 * carries the entry as above, so it is never classed invalid.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <net/ip.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/tcp.h>

#include "conntrack.h"
#include "hsk.h"

/* Stores @skb's entry if it is not stored yet; false if that failed. */
static bool hsk_ct_store(struct hsk_net *hn, struct sk_buff *skb)
{
	const struct nf_ct_hook *hook;
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;

	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || nf_ct_is_confirmed(ct))
		return true;
	hook = rcu_dereference(nf_ct_hook);
	if (hook && CTINFO2DIR(ctinfo) == IP_CT_DIR_ORIGINAL &&
	    hook->confirm(skb) == NF_ACCEPT)
		return true;
	HSK_INC(hn, CT_STORE_FAILED);
	return false;
}

/* @in's entry if an answer to @in is to carry it: not stored, and @in
 * travels in the entry's original direction.
 */
static struct nf_conn *hsk_ct_unstored(const struct sk_buff *in)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;

	ct = nf_ct_get(in, &ctinfo);
	if (!ct || nf_ct_is_confirmed(ct) ||
	    CTINFO2DIR(ctinfo) != IP_CT_DIR_ORIGINAL)
		return NULL;
	return ct;
}

static bool hsk_ct_untracked(const struct sk_buff *skb)
{
	return skb->_nfct == IP_CT_UNTRACKED;
}

/**
 * __hsk_ct_reply() - give an answer the conntrack entry of the segment it answers
 * @in: the segment answered, with a conntrack entry or untracked
 * @out: the answer
 *
 * The out-of-line part of hsk_ct_reply() and hsk_ct_synack(): @out is
 * untracked when @in is, and carries @in's entry as a reply's while that
 * entry is not stored.
 */
void __hsk_ct_reply(const struct sk_buff *in, struct sk_buff *out)
{
	struct nf_conn *ct = hsk_ct_unstored(in);

	if (hsk_ct_untracked(in))
		nf_ct_set(out, NULL, IP_CT_UNTRACKED);
	if (!ct)
		return;
	nf_conntrack_get(&ct->ct_general);
	nf_ct_set(out, ct, IP_CT_ESTABLISHED_REPLY);
}

/**
 * __hsk_ct_synack_carries() - out-of-line part of hsk_ct_synack_carries()
 * @hn: the netns's hsk state
 * @syn: the SYN, with a conntrack entry
 * @stateful: a half-open entry was stored for @syn
 *
 * Return: true when the SYN-ACK is to carry @syn's entry as a reply's,
 * false when conntrack will find the entry stored, or there is none.
 */
bool __hsk_ct_synack_carries(struct hsk_net *hn, struct sk_buff *syn,
			     bool stateful)
{
	const struct net *net = hn->net;

	if ((stateful || !READ_ONCE(net->ct.nf_ct_proto.tcp.tcp_loose)) &&
	    hsk_ct_store(hn, syn))
		return false;
	return hsk_ct_untracked(syn) || hsk_ct_unstored(syn);
}

/**
 * __hsk_ct_handoff() - out-of-line part of hsk_ct_handoff()
 * @hn: the netns's hsk state
 * @ack: the final ACK of a handshake whose child is about to take it
 */
void __hsk_ct_handoff(struct hsk_net *hn, struct sk_buff *ack)
{
	hsk_ct_store(hn, ack);
}

/* Whether conntrack's PRE_ROUTING hook is registered in @net: its ops have
 * no private data, at conntrack's priority.
 */
static bool hsk_ct_hooked(const struct net *net)
{
	const struct nf_hook_entries *e;
	struct nf_hook_ops **ops;
	unsigned int i;

	e = rcu_dereference(net->nf.hooks_ipv4[NF_INET_PRE_ROUTING]);
	if (!e)
		return false;
	ops = nf_hook_entries_get_hook_ops(e);
	for (i = 0; i < e->num_hook_entries; i++)
		if (!ops[i]->priv && ops[i]->priority == NF_IP_PRI_CONNTRACK)
			return true;
	return false;
}

/**
 * hsk_ct_refuses_fin() - whether conntrack will call a FIN invalid
 * @net: the netns
 * @skb: a FIN of a connection conntrack has no entry for, about to meet it
 *
 * Return: whether conntrack, about to meet @skb, will call it invalid.
 */
bool hsk_ct_refuses_fin(const struct net *net, const struct sk_buff *skb)
{
	return !skb->_nfct && rcu_access_pointer(nf_ct_hook) &&
	       READ_ONCE(net->ct.nf_ct_proto.tcp.tcp_loose) &&
	       hsk_ct_hooked(net);
}

/**
 * hsk_ct_show_final_ack() - show conntrack the final ACK a FIN implies
 * @fin: the FIN
 * @hdrlen: the length of @fin's IP and TCP headers
 *
 * Passes the pure final ACK that @fin implies through the input path,
 * before @fin goes on.
 *
 * Return: false if it could not be made.
 */
bool hsk_ct_show_final_ack(const struct sk_buff *fin, unsigned int hdrlen)
{
	unsigned int iphlen = ip_hdrlen(fin);
	struct sk_buff *ack;
	struct tcphdr *th;
	struct iphdr *iph;

	/* Linear, with the link-layer header the taps expect. */
	ack = skb_copy(fin, GFP_ATOMIC);
	if (!ack)
		return false;
	skb_trim(ack, hdrlen);
	iph = ip_hdr(ack);
	iph->tot_len = htons(hdrlen);
	ip_send_check(iph);
	th = (struct tcphdr *)(ack->data + iphlen);
	tcp_flag_byte(th) = TCPHDR_ACK;
	th->urg_ptr = 0;
	th->check = 0;
	th->check = tcp_v4_check(hdrlen - iphlen, iph->saddr, iph->daddr,
				 csum_partial(th, hdrlen - iphlen, 0));
	ack->ip_summed = CHECKSUM_UNNECESSARY;
	netif_receive_skb_core(ack);
	return true;
}
