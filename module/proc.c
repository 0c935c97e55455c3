// SPDX-License-Identifier: GPL-2.0
/*
 * /proc/net/hsk/stat: one "Name value" line per counter, like nstat
 * prints them. /proc/net/hsk/conns: the half-open entries, laid out like
 * /proc/net/tcp (addresses as the raw big-endian word in hex).
 * /proc/net/hsk/timewait: the TIME_WAIT entries, same layout.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/tcp_states.h>

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
	[HSK_MIB_STRAY_ACKS]		= "StrayAcks",
	[HSK_MIB_BAD_ACKS]		= "BadAcks",
	[HSK_MIB_HANDOFFS]		= "Handoffs",
	[HSK_MIB_HANDOFF_FAILED]	= "HandoffFailed",
	[HSK_MIB_ACCEPT_OVERFLOWS]	= "AcceptOverflows",
	[HSK_MIB_RESETS_SENT]		= "ResetsSent",
	[HSK_MIB_RSTS_IGNORED]		= "RstsIgnored",
	[HSK_MIB_NO_LISTENER]		= "NoListener",
	[HSK_MIB_BAD_CHECKSUM]		= "MalformedChecksum",
	[HSK_MIB_BAD_HEADER]		= "MalformedHeader",
	[HSK_MIB_BAD_FLAGS]		= "MalformedFlags",
	[HSK_MIB_FRAGMENTS]		= "MalformedFragment",
	[HSK_MIB_IP_OPTIONS]		= "MalformedIpOptions",
	[HSK_MIB_TW_ENTERED]		= "TwEntered",
	[HSK_MIB_TW_REAPED]		= "TwReaped",
	[HSK_MIB_TW_RECYCLED]		= "TwRecycled",
	[HSK_MIB_TW_FIN_REACKED]	= "TwFinReacked",
	[HSK_MIB_TW_FW2_FIN]		= "TwFinWait2Fin",
	[HSK_MIB_TW_RST_IGNORED]	= "TwRstIgnored",
	[HSK_MIB_TW_SYN_REUSED]		= "TwSynReused",
	[HSK_MIB_TW_LOCAL_REUSED]	= "TwLocalReused",
	[HSK_MIB_TW_PAWS_DROPPED]	= "TwPawsDropped",
	[HSK_MIB_TW_ACK_RATELIMITED]	= "TwAckRateLimited",
	[HSK_MIB_TW_ALLOC_FAILED]	= "TwAllocFailed",
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
	seq_printf(seq, "TimeWait %d\n", atomic_read(&hn->tw.count));
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

int hsk_proc_init(struct hsk_net *hn)
{
	struct proc_dir_entry *dir;

	dir = proc_net_mkdir(hn->net, "hsk", hn->net->proc_net);
	if (!dir)
		return -ENOMEM;
	if (!proc_create_net_single("stat", 0444, dir, hsk_stat_show, NULL) ||
	    !proc_create_net_single("conns", 0444, dir, hsk_conns_show, NULL) ||
	    !proc_create_net_single("timewait", 0444, dir, hsk_timewait_show,
				    NULL)) {
		remove_proc_subtree("hsk", hn->net->proc_net);
		return -ENOMEM;
	}
	return 0;
}

void hsk_proc_exit(struct hsk_net *hn)
{
	remove_proc_subtree("hsk", hn->net->proc_net);
}
