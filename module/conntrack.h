/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What conntrack is told about the segments hsk answers; see conntrack.c.
 * A segment without a conntrack entry (conntrack not loaded, or not
 * tracking it) costs one test, here, inline.
 */
#ifndef _HSK_CONNTRACK_H
#define _HSK_CONNTRACK_H

#include <linux/skbuff.h>

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
	return skb_nfct(syn) && __hsk_ct_synack_carries(hn, syn, stateful);
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
	skb_set_nfct(skb, (nfct & NFCT_PTRMASK) | IP_CT_ESTABLISHED_REPLY);
}

/* @out (a RST or an ACK) answers @in, which hsk keeps from the stack. */
static inline void hsk_ct_reply(const struct sk_buff *in, struct sk_buff *out)
{
	if (in && skb_nfct(in))
		__hsk_ct_reply(in, out);
}

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

static inline void hsk_ct_handoff(struct hsk_net *hn, struct sk_buff *ack)
{
}
#endif

#endif /* _HSK_CONNTRACK_H */
