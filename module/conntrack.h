/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What conntrack is told about the segments hsk answers; see conntrack.c.
 * A segment without a conntrack entry (conntrack not loaded, or not
 * tracking it) costs one test, here, inline.
 */
#ifndef _HSK_CONNTRACK_H
#define _HSK_CONNTRACK_H

#include <linux/skbuff.h>
#include <net/net_namespace.h>

struct hsk_net;

#if IS_ENABLED(CONFIG_NF_CONNTRACK)
bool __hsk_ct_synack_carries(struct hsk_net *hn, struct sk_buff *syn,
			     bool stateful);
void __hsk_ct_reply(const struct sk_buff *in, struct sk_buff *out);
void __hsk_ct_handoff(struct hsk_net *hn, struct sk_buff *ack);

/* Before @syn is answered (@stateful: a half-open entry was stored for
 * it): true when the SYN-ACK is to carry @syn's entry as a reply's, false
 * when conntrack will find the entry stored, or there is none.
 */
static inline bool hsk_ct_synack_carries(struct hsk_net *hn,
					 struct sk_buff *syn, bool stateful)
{
	return syn->_nfct && __hsk_ct_synack_carries(hn, syn, stateful);
}

/* @synack answers @syn in a buffer of its own. */
static inline void hsk_ct_synack(struct hsk_net *hn, struct sk_buff *syn,
				 struct sk_buff *synack, bool stateful)
{
	if (hsk_ct_synack_carries(hn, syn, stateful))
		__hsk_ct_reply(syn, synack);
}

/* The SYN's buffer becomes its SYN-ACK: the entry's reference moves
 * from the one to the other, marked as a reply's.
 */
static inline unsigned long hsk_ct_detach(struct sk_buff *skb)
{
	unsigned long nfct = skb->_nfct;

	skb->_nfct = 0;
	return nfct;
}

static inline void hsk_ct_attach_reply(struct sk_buff *skb, unsigned long nfct)
{
	if (nfct != IP_CT_UNTRACKED)
		nfct = (nfct & NFCT_PTRMASK) | IP_CT_ESTABLISHED_REPLY;
	skb_set_nfct(skb, nfct);
}

/* @out (a RST or an ACK) answers @in, which hsk keeps from the stack. */
static inline void hsk_ct_reply(const struct sk_buff *in, struct sk_buff *out)
{
	if (in && in->_nfct)
		__hsk_ct_reply(in, out);
}

/* The early path (early.c) takes a SYN before conntrack met it: whether
 * @skb comes without anything from the raw table (an entry template, a
 * notrack), and whether conntrack, if its hooks are there (@ct_hooks),
 * picks up the final ACK of a cookie handshake mid-stream.
 */
static inline bool hsk_ct_early_ok(const struct net *net,
				   const struct sk_buff *skb, bool ct_hooks)
{
	return !skb->_nfct &&
	       (!ct_hooks || READ_ONCE(net->ct.nf_ct_proto.tcp.tcp_loose));
}

/* An early SYN is untracked while hsk holds it, and so is every answer
 * to it (see __hsk_ct_reply()); a SYN hsk hands back to the stack is
 * made new again.
 */
static inline void hsk_ct_untrack(struct sk_buff *skb)
{
	skb_set_nfct(skb, IP_CT_UNTRACKED);
}

static inline void hsk_ct_retrack(struct sk_buff *skb)
{
	skb_set_nfct(skb, 0);
}

bool hsk_ct_refuses_fin(const struct net *net, const struct sk_buff *skb);

bool hsk_ct_show_final_ack(const struct sk_buff *fin, unsigned int hdrlen);

/* @ack completed a handshake whose child is about to take it. */
static inline void hsk_ct_handoff(struct hsk_net *hn, struct sk_buff *ack)
{
	if (skb_nfct(ack))
		__hsk_ct_handoff(hn, ack);
}
#else
static inline bool hsk_ct_synack_carries(struct hsk_net *hn,
					 struct sk_buff *syn, bool stateful)
{
	return false;
}

static inline void hsk_ct_synack(struct hsk_net *hn, struct sk_buff *syn,
				 struct sk_buff *synack, bool stateful)
{
}

static inline unsigned long hsk_ct_detach(struct sk_buff *skb)
{
	return 0;
}

static inline void hsk_ct_attach_reply(struct sk_buff *skb, unsigned long nfct)
{
}

static inline void hsk_ct_reply(const struct sk_buff *in, struct sk_buff *out)
{
}

static inline bool hsk_ct_early_ok(const struct net *net,
				   const struct sk_buff *skb, bool ct_hooks)
{
	return true;
}

static inline void hsk_ct_untrack(struct sk_buff *skb)
{
}

static inline bool hsk_ct_refuses_fin(const struct net *net,
				      const struct sk_buff *skb)
{
	return false;
}

static inline bool hsk_ct_show_final_ack(const struct sk_buff *fin,
					 unsigned int hdrlen)
{
	return false;
}

static inline void hsk_ct_retrack(struct sk_buff *skb)
{
}

static inline void hsk_ct_handoff(struct hsk_net *hn, struct sk_buff *ack)
{
}
#endif

#endif /* _HSK_CONNTRACK_H */
