/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSK_HANDSHAKE_H
#define _HSK_HANDSHAKE_H

#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <net/dst.h>
#include <net/sock.h>

#include "cookie.h"

struct hsk_net;
struct hsk_park_queue;
struct request_sock;

/* A received segment, validated and parsed once by input.c. */
struct hsk_seg {
	struct sk_buff *skb;	/* the segment, while input.c holds it */
	struct hsk_tuple tuple;
	u32 seq;
	u32 ack_seq;
	u32 end_seq;
	unsigned int iphlen;
	unsigned int thlen;
	int dif;
	int sdif;
	u8 flags;
	u8 snd_wscale;
	u16 mss;		/* 0: no MSS option */
	u32 tsval;
	u32 tsecr;
	bool wscale_ok;
	bool sack_ok;
	bool saw_tstamp;
	bool early;		/* taken at PRE_ROUTING: early.c */
};

/* A completed handshake, from a half-open entry or from a cookie. */
struct hsk_conn {
	u32 rcv_isn;
	u32 snt_isn;
	u32 ts_recent;
	u16 mss;
	u8 snd_wscale;
	u8 retrans;
	bool wscale_ok;
	bool sack_ok;
	bool tstamp_ok;
	struct hsk_park_queue *park;	/* a reserved parking slot, or NULL */
};

void hsk_rwin(const struct sock *lsk, const struct dst_entry *dst,
	      u16 adv_mss, bool tstamp_ok, bool wscale_ok, u32 *rcv_wnd,
	      u32 *clamp, u8 *rcv_wscale);
u16 hsk_adv_mss(const struct sock *lsk, const struct dst_entry *dst);
struct sock *hsk_child_create(struct hsk_net *hn, struct sock *lsk,
			      struct sk_buff *skb, const struct hsk_seg *seg,
			      const struct hsk_conn *conn,
			      struct request_sock **parked);
bool hsk_child_can_park(const struct sock *lsk);
void hsk_child_deliver(struct hsk_net *hn, struct sock *lsk,
		       struct sock *child, struct sk_buff *skb,
		       const struct hsk_seg *seg);
void hsk_reject(struct hsk_net *hn, const struct hsk_seg *seg);

#endif /* _HSK_HANDSHAKE_H */
