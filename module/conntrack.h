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
void __hsk_ct_synack(struct hsk_net *hn, struct sk_buff *syn,
		     struct sk_buff *synack, bool stateful);
void __hsk_ct_reply(const struct sk_buff *in, struct sk_buff *out);
void __hsk_ct_handoff(struct hsk_net *hn, struct sk_buff *ack);

/* @synack answers @syn; @stateful: a half-open entry was stored for it. */
static inline void hsk_ct_synack(struct hsk_net *hn, struct sk_buff *syn,
				 struct sk_buff *synack, bool stateful)
{
	if (skb_nfct(syn))
		__hsk_ct_synack(hn, syn, synack, stateful);
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
static inline void hsk_ct_synack(struct hsk_net *hn, struct sk_buff *syn,
				 struct sk_buff *synack, bool stateful)
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
