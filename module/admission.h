/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSK_ADMISSION_H
#define _HSK_ADMISSION_H

#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/skbuff.h>
#include <net/sock.h>

struct hsk_net;

enum {
	/* After every input hook but conntrack's confirm (admission.c). */
	HSK_LOCAL_IN_PRIORITY = NF_IP_PRI_CONNTRACK_CONFIRM - 1,
};

bool hsk_hook_is_last(const struct hsk_net *hn, const struct net *net);
bool hsk_dst_refused(const struct sk_buff *skb);
bool hsk_listener_defers(struct sock *lsk, struct sk_buff *skb);

#endif /* _HSK_ADMISSION_H */
