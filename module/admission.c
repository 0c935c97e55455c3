// SPDX-License-Identifier: GPL-2.0
/*
 * Admission: hsk answers a segment only where the kernel's listener
 * would have met it, and leaves it to the kernel wherever a check the
 * kernel makes on the way could refuse it.
 *
 * - Every input hook comes first. hsk's LOCAL_IN hook sits just before
 *   conntrack's confirm hook, after the filter, security and NAT tables
 *   and any chain at any lower priority (firewalld's at filter + 10,
 *   IPVS at 98). A hook that runs after hsk's (a chain at INT_MAX, or
 *   one at hsk's own priority registered before hsk's: netfilter puts
 *   the newest of equal priorities first) would not see what hsk
 *   takes, so while one exists hsk steps aside for every segment and
 *   the kernel's listener handles the port: what the firewall says
 *   stays final. This is looked at per segment, so a
 *   ruleset change takes effect with its next packet.
 * - The checks tcp_v4_rcv() makes between the listener lookup and the
 *   listener itself are the kernel's to make: IP_MINTTL (RFC 5082), the
 *   inbound IPsec policy of the netns and the socket, and TCP-MD5 keys
 *   (hsk cannot sign its answers). A segment any of them concerns goes
 *   on to the kernel, which drops or serves it and counts as it does.
 * - A SYN to a broadcast or multicast address in a unicast frame is left
 *   to the kernel, whose tcp_v4_conn_request() drops it.
 *
 * Rules: called from the netfilter hooks (softirq, RCU read side); reads
 * only, takes no lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <net/route.h>
#include <net/tcp.h>
#include <net/xfrm.h>

#include "admission.h"
#include "hsk.h"

/* Whether conntrack's confirm hook (or the stand-in netfilter leaves for
 * a hook being removed) is all that follows hsk's on LOCAL_IN.
 */
static bool hsk_hook_may_follow(const struct nf_hook_ops *ops)
{
	return ops->priority == INT_MIN ||
	       (!ops->priv && ops->priority == NF_IP_PRI_CONNTRACK_CONFIRM);
}

/**
 * hsk_hook_is_last() - whether hsk's LOCAL_IN hook is the last that matters
 * @hn: the netns's hsk state, the hook's private data
 * @net: the netns whose LOCAL_IN hooks are looked at
 *
 * Context: netfilter hook, RCU read side.
 * Return: true when only conntrack's confirm hook (or the stand-in
 * netfilter leaves for a hook being removed) follows hsk's, false when a
 * hook that would not see what hsk takes runs after it.
 */
bool hsk_hook_is_last(const struct hsk_net *hn, const struct net *net)
{
	const struct nf_hook_entries *e;
	struct nf_hook_ops **ops;
	unsigned int i;

	e = rcu_dereference(net->nf.hooks_ipv4[NF_INET_LOCAL_IN]);
	if (!e)
		return false;
	ops = nf_hook_entries_get_hook_ops(e);
	for (i = e->num_hook_entries; i-- > 0;) {
		if (ops[i]->priv == hn)
			return true;
		if (!hsk_hook_may_follow(ops[i]))
			return false;
	}
	return false;
}

/**
 * hsk_dst_refused() - whether the kernel would drop a SYN for its destination
 * @skb: the SYN, routed
 *
 * Return: true for a SYN to a broadcast or multicast address in a unicast
 * frame, which tcp_v4_conn_request() drops.
 */
bool hsk_dst_refused(const struct sk_buff *skb)
{
	const struct rtable *rt = skb_rtable(skb);

	return rt && (rt->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST));
}

static bool hsk_listener_keyed(const struct sock *lsk)
{
#ifdef CONFIG_TCP_MD5SIG
	if (rcu_access_pointer(tcp_sk(lsk)->md5sig_info))
		return true;
#endif
	return false;
}

/**
 * hsk_listener_defers() - whether a segment for @lsk is the kernel's to check
 * @lsk: the listener
 * @skb: the segment
 *
 * Return: true when IP_MINTTL, the inbound IPsec policy of the netns and
 * the socket, or TCP-MD5 keys concern the segment: the kernel drops or
 * serves it then.
 */
bool hsk_listener_defers(struct sock *lsk, struct sk_buff *skb)
{
	if (ip_hdr(skb)->ttl < READ_ONCE(inet_sk(lsk)->min_ttl))
		return true;
	if (hsk_listener_keyed(lsk))
		return true;
	return !xfrm4_policy_check(lsk, XFRM_POLICY_IN, skb);
}
