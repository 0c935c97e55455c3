// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/hsk/stat: one "Name value" line per counter, like nstat
 * prints them. /proc/net/hsk/conns: the half-open entries, laid out like
 * /proc/net/tcp (addresses as the raw big-endian word in hex).
 * /proc/net/hsk/listeners: each listener on an hsk port with its accept
 * queue, what is parked for it and its drop count.
 * /proc/net/hsk/timewait: the TIME_WAIT entries, laid out like conns.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/inet_hashtables.h>
#include <net/tcp.h>

#include "hsk.h"

static const char * const hsk_mib_names[HSK_MIB_MAX] = {
	[HSK_MIB_SYN_RECEIVED]		= "SynReceived",
	[HSK_MIB_SYNACK_SENT]		= "SynAckSent",
	[HSK_MIB_SYNACK_RETRANS]	= "SynAckRetrans",
	[HSK_MIB_DUP_SYNS]		= "DupSyns",
	[HSK_MIB_HALFOPEN_TIMEOUTS]	= "HalfOpenTimeouts",
	[HSK_MIB_HALFOPEN_FULL]		= "HalfOpenFull",
	[HSK_MIB_HALFOPEN_RESETS]	= "HalfOpenResets",
	[HSK_MIB_COOKIES_SENT]		= "CookiesSent",
	[HSK_MIB_COOKIES_VALID]		= "CookiesValid",
	[HSK_MIB_COOKIES_INVALID]	= "CookiesInvalid",
	[HSK_MIB_COOKIES_INVALID_DATA]	= "CookiesInvalidData",
	[HSK_MIB_STRAY_ACKS]		= "StrayAcks",
	[HSK_MIB_BAD_ACKS]		= "BadAcks",
	[HSK_MIB_HANDOFFS]		= "Handoffs",
	[HSK_MIB_HANDOFF_FAILED]	= "HandoffFailed",
	[HSK_MIB_ACCEPT_OVERFLOWS]	= "AcceptOverflows",
	[HSK_MIB_RESETS_SENT]		= "ResetsSent",
	[HSK_MIB_RSTS_IGNORED]		= "RstsIgnored",
	[HSK_MIB_NO_LISTENER]		= "NoListener",
	[HSK_MIB_FILTER_DROPS]		= "FilterDrops",
	[HSK_MIB_LSM_REFUSED]		= "LsmRefused",
	[HSK_MIB_BAD_CHECKSUM]		= "MalformedChecksum",
	[HSK_MIB_BAD_HEADER]		= "MalformedHeader",
	[HSK_MIB_BAD_FLAGS]		= "MalformedFlags",
	[HSK_MIB_FRAGMENTS]		= "MalformedFragment",
	[HSK_MIB_IP_OPTIONS]		= "MalformedIpOptions",
	[HSK_MIB_HALFOPEN_NOMEM]	= "HalfOpenNoMem",
	[HSK_MIB_SEND_FAILED]		= "SendFailed",
	[HSK_MIB_PARKED]		= "Parked",
	[HSK_MIB_PARKED_HANDED_OVER]	= "ParkedHandedOver",
	[HSK_MIB_PARKED_DROPPED]	= "ParkedDropped",
	[HSK_MIB_PARKED_RESET]		= "ParkedReset",
	[HSK_MIB_PARKED_EXPIRED]	= "ParkedExpired",
	[HSK_MIB_TW_ENTERED]		= "TwEntered",
	[HSK_MIB_TW_REAPED]		= "TwReaped",
	[HSK_MIB_TW_RECYCLED]		= "TwRecycled",
	[HSK_MIB_TW_FIN_REACKED]	= "TwFinReacked",
	[HSK_MIB_TW_FW2_FIN]		= "TwFinWait2Fin",
	[HSK_MIB_TW_RST_IGNORED]	= "TwRstIgnored",
	[HSK_MIB_TW_SYN_REUSED]		= "TwSynReused",
	[HSK_MIB_TW_LOCAL_REUSED]	= "TwLocalReused",
	[HSK_MIB_TW_LEFT_TO_KERNEL]	= "TwLeftToKernel",
	[HSK_MIB_TW_PAWS_DROPPED]	= "TwPawsDropped",
	[HSK_MIB_TW_ACK_RATELIMITED]	= "TwAckRateLimited",
	[HSK_MIB_TW_ALLOC_FAILED]	= "TwAllocFailed",
	[HSK_MIB_COOKIE_MODE_STATELESS]	= "CookieModeStateless",
	[HSK_MIB_COOKIE_MODE_STATEFUL]	= "CookieModeStateful",
	[HSK_MIB_CT_STORE_FAILED]	= "CtStoreFailed",
	[HSK_MIB_EARLY_SYNS]		= "EarlySyns",
	[HSK_MIB_FAST_ROUTES]		= "FastRoutes",
	[HSK_MIB_CT_FIN_ACKS]		= "CtFinAcks",
	[HSK_MIB_LATE_HOOK_DEFERS]	= "LateHookDefers",
	[HSK_MIB_KERNEL_DEFERS]		= "KernelDefers",
};

static int hsk_stat_show(struct seq_file *seq, void *v)
{
	struct hsk_net *hn = hsk_pernet(seq_file_single_net(seq));
	unsigned long sum[HSK_MIB_MAX] = {}, malformed = 0;
	unsigned int cpu, i;

	for_each_possible_cpu(cpu)
		for (i = 0; i < HSK_MIB_MAX; i++)
			sum[i] += per_cpu_ptr(hn->mib, cpu)->mibs[i];
	for (i = 0; i < HSK_MIB_MAX; i++) {
		seq_printf(seq, "%s %lu\n", hsk_mib_names[i], sum[i]);
		if (i >= HSK_MIB_FIRST_MALFORMED && i <= HSK_MIB_LAST_MALFORMED)
			malformed += sum[i];
	}
	seq_printf(seq, "Malformed %lu\n", malformed);
	seq_printf(seq, "HalfOpen %d\n", atomic_read(&hn->synq.count));
	seq_printf(seq, "ParkedNow %d\n", atomic_read(&hn->park.count));
	seq_printf(seq, "TimeWait %d\n", atomic_read(&hn->tw.count));
	seq_printf(seq, "StatelessNow %d\n", hsk_stateless_now(hn));
	return 0;
}

static int hsk_timewait_show(struct seq_file *seq, void *v)
{
	return hsk_tw_seq_show(seq, hsk_pernet(seq_file_single_net(seq)));
}

static int hsk_conns_show(struct seq_file *seq, void *v)
{
	struct hsk_net *hn = hsk_pernet(seq_file_single_net(seq));
	u64 now = ktime_get_ns();
	unsigned int i, sl = 0;
	struct hsk_req *req;

	seq_puts(seq, "  sl  local_address rem_address   st retrnsmt timeout_ms\n");
	for (i = 0; i < HSK_SYNQ_BUCKETS; i++) {
		struct hsk_synq_bucket *b = &hn->synq.buckets[i];

		if (hlist_empty(&b->chain))
			continue;
		spin_lock_bh(&b->lock);
		hlist_for_each_entry(req, &b->chain, node)
			seq_printf(seq, "%4u: %08X:%04X %08X:%04X %02X %8u %10llu\n",
				   sl++, (__force u32)req->tuple.laddr,
				   ntohs(req->tuple.lport),
				   (__force u32)req->tuple.raddr,
				   ntohs(req->tuple.rport), TCP_SYN_RECV,
				   req->retrans,
				   req->expires > now ?
				   div_u64(req->expires - now, NSEC_PER_MSEC) : 0);
		spin_unlock_bh(&b->lock);
	}
	return 0;
}

/* The listening hash as /proc/net/tcp walks it; its bucket locks are
 * only ever taken in process context.
 */
static int hsk_listeners_show(struct seq_file *seq, void *v)
{
	struct net *net = seq_file_single_net(seq);
	struct inet_hashinfo *hinfo = net->ipv4.tcp_death_row.hashinfo;
	struct hsk_net *hn = hsk_pernet(net);
	unsigned int i;

	seq_puts(seq, "local_address port backlog accept_queue parked overflows\n");
	for (i = 0; i <= hinfo->lhash2_mask; i++) {
		struct inet_listen_hashbucket *ilb2 = &hinfo->lhash2[i];
		struct hlist_nulls_node *node;
		struct sock *sk;

		if (hlist_nulls_empty(&ilb2->nulls_head))
			continue;
		spin_lock(&ilb2->lock);
		rcu_read_lock();	/* the port set */
		sk_nulls_for_each(sk, node, &ilb2->nulls_head) {
			if (!net_eq(sock_net(sk), net) || sk->sk_family != AF_INET ||
			    !hsk_port_enabled(hn, inet_sk(sk)->inet_num))
				continue;
			seq_printf(seq, "%08X %u %u %u %d %d\n",
				   (__force u32)inet_sk(sk)->inet_rcv_saddr,
				   inet_sk(sk)->inet_num,
				   READ_ONCE(sk->sk_max_ack_backlog),
				   READ_ONCE(sk->sk_ack_backlog),
				   hsk_park_parked(hn, sk),
				   atomic_read(&sk->sk_drops));
		}
		rcu_read_unlock();
		spin_unlock(&ilb2->lock);
	}
	return 0;
}

/**
 * hsk_proc_init() - create the /proc/net/hsk files of a netns
 * @hn: the netns's hsk state
 *
 * Return: 0 or -ENOMEM.
 */
int hsk_proc_init(struct hsk_net *hn)
{
	struct proc_dir_entry *dir;

	dir = proc_net_mkdir(hn->net, "hsk", hn->net->proc_net);
	if (!dir)
		return -ENOMEM;
	if (!proc_create_net_single("stat", 0444, dir, hsk_stat_show, NULL) ||
	    !proc_create_net_single("conns", 0444, dir, hsk_conns_show, NULL) ||
	    !proc_create_net_single("listeners", 0444, dir, hsk_listeners_show,
				    NULL) ||
	    !proc_create_net_single("timewait", 0444, dir, hsk_timewait_show,
				    NULL)) {
		remove_proc_subtree("hsk", hn->net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

/**
 * hsk_proc_exit() - remove the /proc/net/hsk files of a netns
 * @hn: the netns's hsk state
 */
void hsk_proc_exit(struct hsk_net *hn)
{
	remove_proc_subtree("hsk", hn->net->proc_net);
}
