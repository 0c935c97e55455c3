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

/**
 * struct hsk_seg - a received segment, validated and parsed once by input.c
 * @skb: the segment, while input.c holds it
 * @tuple: its addresses and ports
 * @seq: its sequence number
 * @ack_seq: its acknowledgment number
 * @end_seq: @seq plus its length, SYN and FIN included
 * @iphlen: the length of its IP header
 * @thlen: the length of its TCP header
 * @dif: the device it came on
 * @sdif: the L3 master device it came through, or 0
 * @flags: its TCP flags
 * @snd_wscale: its window scale option
 * @mss: its MSS option; 0: no MSS option
 * @tsval: its TSval
 * @tsecr: its TSecr
 * @wscale_ok: it has a window scale option
 * @sack_ok: it offers SACK
 * @saw_tstamp: it has a timestamp option
 * @early: taken at PRE_ROUTING: early.c
 */
struct hsk_seg {
	struct sk_buff *skb;
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
	u16 mss;
	u32 tsval;
	u32 tsecr;
	bool wscale_ok;
	bool sack_ok;
	bool saw_tstamp;
	bool early;
};

/**
 * struct hsk_conn - a completed handshake, from a half-open entry or from a cookie
 * @rcv_isn: the client's ISN
 * @snt_isn: our ISN
 * @ts_recent: the client's last TSval
 * @mss: the client's MSS
 * @snd_wscale: the client's window scale
 * @retrans: how often the SYN-ACK was retransmitted
 * @wscale_ok: window scaling was negotiated
 * @sack_ok: SACK was negotiated
 * @tstamp_ok: timestamps were negotiated
 * @park: a reserved parking slot, or NULL
 */
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
	struct hsk_park_queue *park;
};

void hsk_rwin(const struct sock *lsk, const struct dst_entry *dst,
	      u16 adv_mss, bool tstamp_ok, bool wscale_ok, u32 *rcv_wnd,
	      u32 *clamp, u8 *rcv_wscale);
u16 hsk_adv_mss(const struct sock *lsk, const struct dst_entry *dst);
struct sock *hsk_child_create(struct hsk_net *hn, struct sock *lsk,
			      struct sk_buff *skb, const struct hsk_seg *seg,
			      const struct hsk_conn *conn,
			      struct request_sock **parked);
void hsk_child_deliver(struct hsk_net *hn, struct sock *lsk,
		       struct sock *child, struct sk_buff *skb);
void hsk_reject(struct hsk_net *hn, const struct hsk_seg *seg);

#endif /* _HSK_HANDSHAKE_H */
