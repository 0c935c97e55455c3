/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-network-namespace state of hsk.
 *
 * Lifetime: one struct hsk_net per netns, allocated by the pernet core
 * (net_generic) and set up/torn down in netns.c. Teardown order is the
 * reverse of setup: the netfilter hook goes first, in pre_exit, and the
 * pernet core's synchronize_rcu() before exit guarantees that no packet
 * is still in hsk code when the queues and keys are dismantled.
 *
 * Tunables are plain ints written by the sysctl handlers and read without
 * locks (READ_ONCE); a packet may see the old or the new value, never a torn
 * one. The port set is an RCU-protected bitmap replaced as a whole.
 */
#ifndef _HSK_H
#define _HSK_H

#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/percpu.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "adaptive.h"
#include "cookie.h"
#include "localaddr.h"
#include "park.h"
#include "stats.h"
#include "synq.h"
#include "takeover.h"
#include "timewait.h"

struct hsk_ports;

enum {
	HSK_HOOKS = 2,		/* PRE_ROUTING (early SYNs), LOCAL_IN */
};

/**
 * struct hsk_net - the hsk state of a network namespace
 * @net: the netns
 * @ports: net.hsk.ports, the ports hsk serves
 * @tw_remote_ports: net.hsk.tw_remote_ports
 * @ports_mutex: serialises writers of port sets
 * @max_syn_backlog: net.hsk.max_syn_backlog
 * @synack_rto_ms: net.hsk.synack_rto_ms
 * @synack_retries: net.hsk.synack_retries
 * @syncookies: net.hsk.syncookies; written by hsk_adaptive_set_mode()
 * @stateless: mode 3 is stateless: adaptive.h
 * @adaptive_syn_high: net.hsk.adaptive_syn_high, SYNs per second
 * @adaptive_syn_low: net.hsk.adaptive_syn_low, SYNs per second
 * @adaptive_fill_high: net.hsk.adaptive_fill_high, percent of max_syn_backlog
 * @adaptive_fill_low: net.hsk.adaptive_fill_low, percent of max_syn_backlog
 * @adaptive_hold_ms: net.hsk.adaptive_hold_ms
 * @abort_on_overflow: net.hsk.abort_on_overflow
 * @accept_backlog: net.hsk.accept_backlog: parked per listener, 0: off
 * @accept_backlog_max: net.hsk.accept_backlog_max: parked in the netns
 * @park_timeout_ms: net.hsk.park_timeout_ms: longest wait of a parked
 *                   connection
 * @msl_ms: net.hsk.msl_ms
 * @max_tw: net.hsk.max_tw
 * @rfc1337: net.hsk.rfc1337
 * @early_syn: net.hsk.early_syn: early.c
 * @last_overflow: jiffies, last time SYNs got cookies
 * @adaptive: the mode 3 sampler
 * @cookie: the cookie keys
 * @synq: the half-open queue
 * @park: the parked connections
 * @tw: the TIME_WAIT table
 * @takeover: the tuples to take TIME_WAIT over for
 * @localaddr: the copy of the netns's addresses
 * @mib: the event counters
 * @sysctl: the net.hsk sysctl table
 * @hooks: the netfilter hooks (input.c); .priv is this
 *
 * Lifetime and locking: at the top of this file.
 */
struct hsk_net {
	struct net *net;
	struct hsk_ports __rcu *ports;
	struct hsk_ports __rcu *tw_remote_ports;
	struct mutex ports_mutex;	/* serialises writers of port sets */

	int max_syn_backlog;
	int synack_rto_ms;
	int synack_retries;
	int syncookies;
	bool stateless;
	int adaptive_syn_high;
	int adaptive_syn_low;
	int adaptive_fill_high;
	int adaptive_fill_low;
	int adaptive_hold_ms;
	int abort_on_overflow;
	int accept_backlog;
	int accept_backlog_max;
	int park_timeout_ms;
	int msl_ms;
	int max_tw;
	int rfc1337;
	int early_syn;

	unsigned long last_overflow;
	struct hsk_adaptive adaptive;

	struct hsk_cookie cookie;
	struct hsk_synq synq;
	struct hsk_park park;
	struct hsk_tw_table tw;
	struct hsk_takeover takeover;
	struct hsk_localaddr localaddr;
	struct hsk_mib __percpu *mib;
	struct ctl_table_header *sysctl;
	struct nf_hook_ops hooks[HSK_HOOKS];
};

enum hsk_syncookies_mode {
	HSK_COOKIES_NEVER = 0,
	HSK_COOKIES_ON_OVERFLOW = 1,
	HSK_COOKIES_ALWAYS = 2,
	HSK_COOKIES_ADAPTIVE = 3,
};

/* The two questions every SYN asks of the cookie mode, inline; the mode
 * and its rules are adaptive.h's.
 *
 * Whether a new SYN in @mode gets a cookie-only SYN-ACK while the
 * half-open queue still has room.
 */
static inline bool hsk_syn_stateless(const struct hsk_net *hn, int mode)
{
	return mode == HSK_COOKIES_ALWAYS ||
	       (mode == HSK_COOKIES_ADAPTIVE && READ_ONCE(hn->stateless));
}

/* The StatelessNow gauge: whether a new SYN would get a cookie-only
 * SYN-ACK now.
 */
static inline bool hsk_stateless_now(const struct hsk_net *hn)
{
	int mode = READ_ONCE(hn->syncookies);

	return hsk_syn_stateless(hn, mode) ||
	       (mode != HSK_COOKIES_NEVER &&
		hsk_synq_full(&hn->synq, READ_ONCE(hn->max_syn_backlog)));
}

extern unsigned int hsk_net_id;

static inline struct hsk_net *hsk_pernet(const struct net *net)
{
	return net_generic(net, hsk_net_id);
}

int hsk_netns_register(void);
void hsk_netns_unregister(void);

int hsk_sysctl_register(struct hsk_net *hn);
void hsk_sysctl_unregister(struct hsk_net *hn);

void hsk_ports_format(struct hsk_ports __rcu **set, char *buf, size_t len);
int hsk_ports_set(struct hsk_net *hn, struct hsk_ports __rcu **set,
		  const char *text);
void hsk_ports_free(struct hsk_net *hn);
bool hsk_port_enabled(const struct hsk_net *hn, u16 port);
bool hsk_tw_remote_port(const struct hsk_net *hn, u16 port);

int hsk_proc_init(struct hsk_net *hn);
void hsk_proc_exit(struct hsk_net *hn);

int hsk_hook_register(struct hsk_net *hn);
void hsk_hook_unregister(struct hsk_net *hn);

#endif /* _HSK_H */
