/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Event counters, per netns and per cpu, summed when /proc/net/hsk/stat is
 * read. Writers run in softirq or process context and only ever increment
 * their own cpu's slot, so no lock is needed.
 */
#ifndef _HSK_STATS_H
#define _HSK_STATS_H

#include <linux/percpu.h>

enum hsk_mib_field {
	HSK_MIB_SYN_RECEIVED,
	HSK_MIB_SYNACK_SENT,
	HSK_MIB_SYNACK_RETRANS,
	HSK_MIB_DUP_SYNS,
	HSK_MIB_HALFOPEN_TIMEOUTS,
	HSK_MIB_HALFOPEN_FULL,
	HSK_MIB_HALFOPEN_RESETS,
	HSK_MIB_COOKIES_SENT,
	HSK_MIB_COOKIES_VALID,
	HSK_MIB_COOKIES_INVALID,
	HSK_MIB_STRAY_ACKS,
	HSK_MIB_BAD_ACKS,
	HSK_MIB_HANDOFFS,
	HSK_MIB_HANDOFF_FAILED,
	HSK_MIB_ACCEPT_OVERFLOWS,
	HSK_MIB_RESETS_SENT,
	HSK_MIB_RSTS_IGNORED,
	HSK_MIB_NO_LISTENER,
	HSK_MIB_BAD_CHECKSUM,
	HSK_MIB_BAD_HEADER,
	HSK_MIB_BAD_FLAGS,
	HSK_MIB_FRAGMENTS,
	HSK_MIB_IP_OPTIONS,
	HSK_MIB_TW_ENTERED,
	HSK_MIB_TW_REAPED,
	HSK_MIB_TW_RECYCLED,
	HSK_MIB_TW_FIN_REACKED,
	HSK_MIB_TW_FW2_FIN,
	HSK_MIB_TW_RST_IGNORED,
	HSK_MIB_TW_SYN_REUSED,
	HSK_MIB_TW_LOCAL_REUSED,
	HSK_MIB_TW_PAWS_DROPPED,
	HSK_MIB_TW_ACK_RATELIMITED,
	HSK_MIB_TW_ALLOC_FAILED,
	HSK_MIB_MAX
};

/* The malformed-segment reasons, summed into the Malformed line. */
#define HSK_MIB_FIRST_MALFORMED	HSK_MIB_BAD_CHECKSUM
#define HSK_MIB_LAST_MALFORMED	HSK_MIB_IP_OPTIONS

struct hsk_mib {
	unsigned long mibs[HSK_MIB_MAX];
};

#define HSK_INC(hn, field)	this_cpu_inc((hn)->mib->mibs[HSK_MIB_##field])

#endif /* _HSK_STATS_H */
