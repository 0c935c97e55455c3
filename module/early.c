// SPDX-License-Identifier: GPL-2.0
/*
 * The early SYN path. A SYN answered with a cookie leaves nothing behind,
 * so what the stack does to it between PRE_ROUTING and hsk's LOCAL_IN
 * hook (input routing, conntrack's new entry and its release, the
 * LOCAL_IN traversal) has no effect but its cost, and under a flood that
 * cost is most of a SYN's. hsk's PRE_ROUTING hook, just before
 * conntrack's, answers such SYNs there, but only when taking them early
 * can make no difference anybody could see:
 *
 *  - no hook but conntrack's comes after it on PRE_ROUTING, and none but
 *    conntrack's and hsk's sit on LOCAL_IN, LOCAL_OUT and POST_ROUTING,
 *    except the LSMs' output hooks, which meet the SYN-ACK either way
 *    and do not look at conntrack: no firewall, NAT, mangle or logging
 *    rule would have met the SYN or its SYN-ACK (a rule before it, in
 *    the raw table, met the SYN anyway);
 *  - with conntrack loaded it picks up the final ACK mid-stream
 *    (nf_conntrack_tcp_loose), as it does for every cookie handshake,
 *    and the SYN-ACK leaves untracked: conntrack stores and classes
 *    nothing for it, where it would have carried the SYN's never stored
 *    entry (conntrack.c);
 *  - input routing would have delivered the SYN locally and unchanged:
 *    a unicast IPv4 SYN, not a fragment, on a device with an IPv4
 *    configuration and no rp_filter, to an address of this namespace,
 *    from a source that is not martian (nor one of ours), with no policy
 *    routing rules, custom local routes, route classids, VRF or IPsec
 *    that could change the verdict.
 *
 * Whatever fails a test takes the LOCAL_IN path, unchanged. What the
 * early path answers is counted in EarlySyns besides the usual counters.
 * The input-routing tests follow ip_route_input_slow() and
 * fib_validate_source() of Linux 6.1 and 6.12, alike in what is checked
 * here; test_early sends each case that input routing would treat
 * otherwise (rp_filter, martians, policy rules) and finds it on the
 * LOCAL_IN path.
 *
 * Rules: called from the PRE_ROUTING hook (softirq, netfilter's RCU read
 * side). It reads RCU-protected and READ_ONCE state only, takes no lock
 * and writes nothing (but for queueing the refresh of an out-of-date
 * address copy: localaddr.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/netdevice.h>
#include <net/ip.h>
#include <net/ip_fib.h>
#include <net/xfrm.h>

#include "conntrack.h"
#include "early.h"
#include "hsk.h"

/* What a hook that is not hsk's is to an early SYN or its SYN-ACK. The
 * harmless ones: conntrack's (no private data, at the priorities it
 * registers), netfilter's stand-in for a hook being removed, and on the
 * way out an LSM's (SELinux, AppArmor: at their priorities, no private
 * data). The SYN-ACK meets every output hook on either path; only its
 * conntrack state differs, which the LSMs' hooks do not look at. Only
 * conntrack's own hooks say that conntrack is there to meet the final
 * ACK: an LSM hook is on every Debian server, conntrack often is not.
 */
enum hsk_early_hook_kind {
	HSK_HOOK_OTHER,
	HSK_HOOK_CONNTRACK,
	HSK_HOOK_IGNORED,
};

static enum hsk_early_hook_kind hsk_early_hook_kind(const struct nf_hook_ops *ops,
						    unsigned int hooknum)
{
	if (ops->priv)
		return HSK_HOOK_OTHER;
	if (ops->priority == INT_MIN)
		return HSK_HOOK_IGNORED;
	switch (hooknum) {
	case NF_INET_PRE_ROUTING:
		if (ops->priority == NF_IP_PRI_CONNTRACK)
			return HSK_HOOK_CONNTRACK;
		break;
	case NF_INET_LOCAL_IN:
		if (ops->priority == NF_IP_PRI_CONNTRACK_CONFIRM)
			return HSK_HOOK_CONNTRACK;
		break;
	case NF_INET_LOCAL_OUT:
		if (ops->priority == NF_IP_PRI_CONNTRACK ||
		    ops->priority == NF_IP_PRI_CONNTRACK_DEFRAG)
			return HSK_HOOK_CONNTRACK;
		if (ops->priority == NF_IP_PRI_SELINUX_FIRST)
			return HSK_HOOK_IGNORED;
		break;
	case NF_INET_POST_ROUTING:
		if (ops->priority == NF_IP_PRI_CONNTRACK_CONFIRM)
			return HSK_HOOK_CONNTRACK;
		if (ops->priority == NF_IP_PRI_SELINUX_FIRST ||
		    ops->priority == NF_IP_PRI_SELINUX_LAST)
			return HSK_HOOK_IGNORED;
		break;
	}
	return HSK_HOOK_OTHER;
}

/* Whether only harmless hooks would meet the SYN after this one, or its
 * SYN-ACK; *@ct tells whether conntrack's are among them (then its
 * settings count).
 */
static bool hsk_early_hooks_harmless(const struct hsk_net *hn, bool *ct)
{
	static const u8 hooknums[] = {
		NF_INET_PRE_ROUTING, NF_INET_LOCAL_IN,
		NF_INET_LOCAL_OUT, NF_INET_POST_ROUTING,
	};
	const struct nf_hook_entries *e;
	struct nf_hook_ops **ops;
	unsigned int h, i;
	bool after;

	*ct = false;
	for (h = 0; h < ARRAY_SIZE(hooknums); h++) {
		e = rcu_dereference(hn->net->nf.hooks_ipv4[hooknums[h]]);
		if (!e)
			continue;
		ops = nf_hook_entries_get_hook_ops(e);
		/* On PRE_ROUTING, what ran before hsk saw the SYN anyway. */
		after = hooknums[h] != NF_INET_PRE_ROUTING;
		for (i = 0; i < e->num_hook_entries; i++) {
			/* hsk's hooks carry this netns' hsk_net. */
			if (ops[i]->priv == hn) {
				after = true;
				continue;
			}
			if (!after)
				continue;
			switch (hsk_early_hook_kind(ops[i], hooknums[h])) {
			case HSK_HOOK_OTHER:
				return false;
			case HSK_HOOK_CONNTRACK:
				*ct = true;
				break;
			case HSK_HOOK_IGNORED:
				break;
			}
		}
	}
	return true;
}

/* Whether ip_route_input() would deliver the SYN locally, unchanged,
 * without a word about it to anybody: the conditions under which
 * fib_validate_source() only asks whether the source is one of ours.
 */
static bool hsk_early_route_local(struct hsk_net *hn, const struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct net *net = hn->net;
	struct net_device *dev = skb->dev;
	struct in_device *idev = __in_dev_get_rcu(dev);
	struct net_device *ddev;
	bool ours;

	if (!idev || (dev->flags & IFF_LOOPBACK) || netif_is_l3_master(dev) ||
	    netif_is_l3_slave(dev) || IN_DEV_RPFILTER(idev) ||
	    secpath_exists(skb))
		return false;
	if (net->ipv4.fib_has_custom_local_routes ||
	    fib4_has_custom_rules(net) || fib_num_tclassid_users(net))
		return false;
	if (ipv4_is_multicast(iph->saddr) || ipv4_is_lbcast(iph->saddr) ||
	    ipv4_is_zeronet(iph->saddr) || ipv4_is_loopback(iph->saddr) ||
	    ipv4_is_loopback(iph->daddr))
		return false;
	ddev = __ip_dev_find(net, iph->daddr, false);
	if (!ddev || !(ddev->flags & IFF_UP))
		return false;
	/* A source of ours from outside is a martian the kernel drops. */
	if (hsk_localaddr_lookup(&hn->localaddr, iph->saddr, &ours))
		return !ours;
	return !__ip_dev_find(net, iph->saddr, false);
}

/**
 * hsk_early_allowed() - whether a SYN may take the early path
 * @hn: the netns's hsk state
 * @skb: a SYN to a port of net.hsk.ports
 * @state: the PRE_ROUTING hook's state
 *
 * Return: true when @skb may take the early path.
 */
bool hsk_early_allowed(struct hsk_net *hn, const struct sk_buff *skb,
		       const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);
	bool ct;

	if (!READ_ONCE(hn->early_syn) || !hsk_stateless_now(hn))
		return false;
	if (iph->ihl != 5 || ip_is_fragment(iph))
		return false;
	if (!hsk_early_hooks_harmless(hn, &ct))
		return false;
	if (!hsk_ct_early_ok(state->net, skb, ct))
		return false;
	return hsk_early_route_local(hn, skb);
}
