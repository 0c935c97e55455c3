// SPDX-License-Identifier: GPL-2.0
/*
 * The route of everything hsk sends: SYN-ACKs, their retransmissions,
 * resets and TIME_WAIT's ACKs, towards the client.
 *
 * ip_route_output_key() checks the source, looks the client up in the
 * FIB, picks a path, looks for a nexthop exception and then, in the
 * common case, returns the nexthop's per-cpu cached route and asks IPsec
 * whether to transform it. Under a flood from random sources every SYN
 * pays all of that, and in the bench the wrapper costs three times the
 * trie lookup itself. hsk_route() looks the client up in the trie and
 * takes that per-cpu route directly when nothing the wrapper does could
 * return another:
 *
 *  - no policy routing rules (one table lookup is the whole lookup) and
 *    no output interface asked for;
 *  - a plain unicast client and a plain unicast local source, which the
 *    FIB resolves to a unicast route with a single path (no multipath
 *    hash, no choice between several default routes);
 *  - no exceptions (learnt path MTUs, redirects) on that nexthop, for
 *    any destination: an exception would carry its own route;
 *  - no IPsec output policy and no default policy that blocks;
 *  - the per-cpu route is there and still current (the route cache's
 *    generation), as ip_route_output_key() itself requires to reuse it.
 *
 * Anything else takes ip_route_output_key(), whose answer (or error) is
 * then the kernel's own. Routes taken directly are counted in FastRoutes.
 *
 * This follows ip_route_output_key_hash_rcu() of Linux 6.1 and 6.12,
 * which differ here only in the TOS bits a flow keeps (compat.h);
 * test_route compares every case with the kernel's own route on both.
 *
 * The source must be an address of the namespace, as ip_route_output_key()
 * checks; a caller answering a segment just delivered to that address
 * says so (@laddr_local) and spares the check.
 *
 * Rules: any context; takes its own RCU read lock. The route returned is
 * held; the caller releases it with ip_rt_put().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/inetdevice.h>
#include <net/ip_fib.h>
#include <net/nexthop.h>
#include <net/route.h>
#include <net/xfrm.h>

#include "compat.h"
#include "hsk.h"
#include "route.h"

static bool hsk_route_xfrm_free(const struct net *net)
{
#ifdef CONFIG_XFRM
	return !READ_ONCE(net->xfrm.policy_count[XFRM_POLICY_OUT]) &&
	       READ_ONCE(net->xfrm.policy_default[XFRM_POLICY_OUT]) !=
	       XFRM_USERPOLICY_BLOCK;
#else
	return true;
#endif
}

/* The table a lookup without policy rules searches; local routes are
 * merged into it then.
 */
static struct fib_table *hsk_route_main_table(struct net *net)
{
#ifdef CONFIG_IP_MULTIPLE_TABLES
	return rcu_dereference(net->ipv4.fib_main);
#else
	return fib_get_table(net, RT_TABLE_MAIN);
#endif
}

static bool hsk_route_plain_addr(__be32 addr)
{
	return !ipv4_is_multicast(addr) && !ipv4_is_lbcast(addr) &&
	       !ipv4_is_zeronet(addr) && !ipv4_is_loopback(addr);
}

/* The nexthop's per-cpu route for @t, held, or NULL when the conditions
 * at the top of this file do not all hold. RCU read side.
 */
static struct rtable *hsk_route_direct(struct net *net,
				       const struct hsk_tuple *t, u8 tos,
				       bool laddr_local)
{
	struct flowi4 fl4 = {
		.daddr = t->raddr,
		.saddr = t->laddr,
		.flowi4_tos = hsk_route_tos(tos),
		.flowi4_scope = RT_SCOPE_UNIVERSE,
		.flowi4_iif = LOOPBACK_IFINDEX,
		.flowi4_proto = IPPROTO_TCP,
	};
	struct fib_nh_common *nhc;
	struct fib_table *tb;
	struct fib_result res;
	struct rtable *rt;

	if (!hsk_route_plain_addr(t->raddr) || !hsk_route_plain_addr(t->laddr))
		return NULL;
	if (fib4_has_custom_rules(net) || !hsk_route_xfrm_free(net))
		return NULL;
	if (!laddr_local && !__ip_dev_find(net, t->laddr, false))
		return NULL;
	tb = hsk_route_main_table(net);
	if (!tb || fib_table_lookup(tb, &fl4, &res, FIB_LOOKUP_NOREF))
		return NULL;
	if (res.type != RTN_UNICAST || !res.fi ||
	    fib_info_num_path(res.fi) > 1 ||
	    (!res.prefixlen && res.table->tb_num_default > 1))
		return NULL;
	nhc = res.nhc;
	if (!__in_dev_get_rcu(nhc->nhc_dev) ||
	    (nhc->nhc_dev->flags & IFF_LOOPBACK) ||
	    rcu_access_pointer(nhc->nhc_exceptions))
		return NULL;
	rt = rcu_dereference(*raw_cpu_ptr(nhc->nhc_pcpu_rth_output));
	if (!rt || rt->dst.obsolete != DST_OBSOLETE_FORCE_CHK ||
	    rt->rt_genid != rt_genid_ipv4(dev_net(rt->dst.dev)) ||
	    !dst_hold_safe(&rt->dst))
		return NULL;
	return rt;
}

/**
 * hsk_route() - the route of a reply
 * @hn: the netns's hsk state
 * @t: the connection
 * @rk: what the route depends on besides @t
 * @laddr_local: the local address is known to be one of the netns's
 *
 * The mark and the uid only count where policy rules or IPsec policies
 * are, which the direct route excludes.
 *
 * Return: the route, or an ERR_PTR().
 */
struct rtable *hsk_route(struct hsk_net *hn, const struct hsk_tuple *t,
			 const struct hsk_route_key *rk, bool laddr_local)
{
	struct net *net = hn->net;
	struct flowi4 fl4;
	struct rtable *rt = NULL;

	if (!rk->oif) {
		rcu_read_lock();
		rt = hsk_route_direct(net, t, rk->tos, laddr_local);
		rcu_read_unlock();
	}
	if (rt) {
		HSK_INC(hn, FAST_ROUTES);
		return rt;
	}
	flowi4_init_output(&fl4, rk->oif, rk->mark, RT_TOS(rk->tos),
			   RT_SCOPE_UNIVERSE, IPPROTO_TCP, rk->flow_flags,
			   t->raddr, t->laddr, t->rport, t->lport, rk->uid);
	return ip_route_output_key(net, &fl4);
}
