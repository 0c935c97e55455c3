/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSK_OUTPUT_H
#define _HSK_OUTPUT_H

#include <net/route.h>

#include "cookie.h"
#include "route.h"

/**
 * struct hsk_synack - everything a SYN-ACK says
 * @tuple: its addresses and ports
 * @rk: what its route depends on besides @tuple
 * @seq: its sequence number, our ISN
 * @ack: its acknowledgment number
 * @tsval: the TSval of its timestamp option
 * @tsecr: the TSecr of its timestamp option
 * @mss: the MSS it advertises
 * @window: the window it advertises (unscaled)
 * @rcv_wscale: the window scale it advertises
 * @wscale_ok: it carries a window scale option
 * @sack_ok: it offers SACK
 * @tstamp_ok: it carries a timestamp option
 *
 * Built from a SYN or from a half-open entry.
 */
struct hsk_synack {
	struct hsk_tuple tuple;
	struct hsk_route_key rk;
	u32 seq;
	u32 ack;
	u32 tsval;
	u32 tsecr;
	u16 mss;
	u16 window;
	u8 rcv_wscale;
	bool wscale_ok;
	bool sack_ok;
	bool tstamp_ok;
};

struct sk_buff *hsk_synack_build(struct net *net, const struct hsk_synack *sa);
bool hsk_synack_reply(struct hsk_net *hn, struct sk_buff *syn,
		      const struct hsk_synack *sa, struct rtable *rt,
		      bool stateful);
int hsk_xmit(struct net *net, struct sk_buff *skb);
void hsk_send_reset(struct net *net, const struct sk_buff *in,
		    const struct hsk_tuple *t, int iif, u32 seq, u32 ack,
		    u8 flags);
void hsk_send_ack(struct net *net, const struct sk_buff *in,
		  const struct hsk_tuple *t, int iif, u32 seq, u32 ack,
		  u16 window, bool tstamp, u32 tsval, u32 tsecr);

#endif /* _HSK_OUTPUT_H */
