/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one seam between the kernel lines hsk builds for: Linux 6.1
 * (Debian 12) and 6.12 (Debian 13). Everything else in module/ is
 * written once, against what both lines export; only the spelling of an
 * interface that changed between them lives here, chosen by the
 * HSK_HAVE_* tests Kbuild runs on the headers.
 */
#ifndef _HSK_COMPAT_H
#define _HSK_COMPAT_H

#include <linux/ipv6.h>
#include <linux/math64.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/route.h>
#include <net/tcp.h>

struct ctl_table;
struct ctl_table_header;

/* 6.12's sysctl handlers see their table const, 6.1's do not. */
#ifdef HSK_HAVE_CONST_CTL_TABLE
#define HSK_CTL_CONST const
#else
#define HSK_CTL_CONST
#endif

/*
 * Registers @n entries of @table (followed by an empty sentinel, which
 * 6.1 needs and later kernels ignore).
 */
static inline struct ctl_table_header *
hsk_register_net_sysctl(struct net *net, const char *path,
			struct ctl_table *table, size_t n)
{
#ifdef register_net_sysctl	/* 6.12: a macro over the sized call */
	return register_net_sysctl_sz(net, path, table, n);
#else
	return register_net_sysctl(net, path, table);
#endif
}

/*
 * The TCP timestamp clock of a millisecond connection. 6.1's
 * tcp_time_stamp_raw() is gone from 6.12, where a route may ask for
 * microseconds instead (hsk leaves such routes' handshakes unchanged: it
 * only ever sends milliseconds, as 6.1 does).
 */
static inline u32 hsk_tcp_clock_ms(void)
{
	return div_u64(tcp_clock_ns(), NSEC_PER_MSEC);
}

/*
 * How long a peer's last timestamp stays good for PAWS, in seconds:
 * tcp_paws_check()'s bound, 24 days on 6.1, INT_MAX microseconds (about
 * 35 minutes) from 6.12 on, where timestamps may run in microseconds.
 */
#ifdef TCP_PAWS_WRAP
#define HSK_PAWS_WRAP_S TCP_PAWS_WRAP
#else
#define HSK_PAWS_WRAP_S TCP_PAWS_24DAYS
#endif

/*
 * The bits of a flow's TOS that choose an IPv4 output route
 * (ip_route_output_key_hash()): 6.1 keeps IPTOS_RT_MASK, 6.12 the DSCP.
 */
static inline u8 hsk_route_tos(u8 tos)
{
#ifdef IPTOS_RT_MASK
	return tos & IPTOS_RT_MASK;
#else
	return tos & INET_DSCP_MASK;
#endif
}

/*
 * tcp_select_initial_window() limits the initial receive window to
 * 64 KiB when no window scale is in play on 6.1; by 6.12 the limit is
 * gone and the whole space is offered.
 */
static inline u32 hsk_initial_rcv_wnd(u32 space)
{
#ifdef HSK_RCV_WND_MAX_64K
	return min_t(u32, space, U16_MAX);
#else
	return space;
#endif
}

#if IS_ENABLED(CONFIG_IPV6)
/* The flow label list is ipv6_pinfo's on 6.1, inet_sock's on 6.12. */
static inline void hsk_v6_fl_list_clear(struct sock *sk)
{
#ifdef HSK_HAVE_INET_FL_LIST
	inet_sk(sk)->ipv6_fl_list = NULL;
#else
	inet6_sk(sk)->ipv6_fl_list = NULL;
#endif
}

/* The flow label reflect flag: a bitfield on 6.1, an atomic bit on 6.12. */
static inline bool hsk_v6_repflow(const struct sock *sk)
{
#ifdef inet6_test_bit
	return inet6_test_bit(REPFLOW, sk);
#else
	return inet6_sk(sk)->repflow;
#endif
}
#endif

/*
 * A listener's syn_recv_sock: stable 6.12 kernels that stopped exporting
 * the IPv4 helpers to modules gave it a seventh argument (Kbuild tells).
 */
static inline struct sock *
hsk_syn_recv_sock(const struct sock *lsk, struct sk_buff *skb,
		  struct request_sock *req, struct dst_entry *dst,
		  bool *own_req)
{
	const struct inet_connection_sock_af_ops *af_ops =
		inet_csk(lsk)->icsk_af_ops;

#ifdef HSK_HAVE_OPT_CHILD_INIT
	return af_ops->syn_recv_sock(lsk, skb, req, dst, NULL, own_req, NULL);
#else
	return af_ops->syn_recv_sock(lsk, skb, req, dst, NULL, own_req);
#endif
}

#endif /* _HSK_COMPAT_H */
