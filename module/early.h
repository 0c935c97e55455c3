/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSK_EARLY_H
#define _HSK_EARLY_H

#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/skbuff.h>

struct hsk_net;

enum {
	/* Before conntrack's PRE_ROUTING hook, after defrag and raw. */
	HSK_EARLY_PRIORITY = NF_IP_PRI_CONNTRACK - 1,
};

bool hsk_early_allowed(struct hsk_net *hn, const struct sk_buff *skb,
		       const struct nf_hook_state *state);

#endif /* _HSK_EARLY_H */
