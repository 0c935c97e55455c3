// SPDX-License-Identifier: GPL-2.0
/*
 * Segments hsk sends itself: SYN-ACKs, RSTs and the ACKs of TIME_WAIT
 * entries. All are built here, in a new buffer or, for the first SYN-ACK
 * to a SYN, in the SYN's own; routed towards the client and handed to
 * ip_local_out(), so they pass LOCAL_OUT/POST_ROUTING like anything the
 * stack sends; what conntrack makes of them is conntrack.c's business.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ip.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <net/ip.h>
#include <net/tcp.h>

#include "conntrack.h"
#include "hsk.h"
#include "output.h"
#include "route.h"

enum {
	HSK_MAX_OPTLEN = TCPOLEN_MSS + TCPOLEN_TSTAMP_ALIGNED + TCPOLEN_WSCALE_ALIGNED,
};

/* Option order and padding as tcp_options_write() uses, so captures of hsk
 * and of Linux look alike. Returns the length written.
 */
static unsigned int hsk_synack_options(const struct hsk_synack *sa, u8 *p)
{
	u8 *start = p;

	*p++ = TCPOPT_MSS;
	*p++ = TCPOLEN_MSS;
	put_unaligned_be16(sa->mss, p);
	p += 2;

	if (sa->tstamp_ok) {
		if (sa->sack_ok) {
			*p++ = TCPOPT_SACK_PERM;
			*p++ = TCPOLEN_SACK_PERM;
		} else {
			*p++ = TCPOPT_NOP;
			*p++ = TCPOPT_NOP;
		}
		*p++ = TCPOPT_TIMESTAMP;
		*p++ = TCPOLEN_TIMESTAMP;
		put_unaligned_be32(sa->tsval, p);
		put_unaligned_be32(sa->tsecr, p + 4);
		p += 8;
	} else if (sa->sack_ok) {
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_SACK_PERM;
		*p++ = TCPOLEN_SACK_PERM;
	}

	if (sa->wscale_ok) {
		*p++ = TCPOPT_NOP;
		*p++ = TCPOPT_WINDOW;
		*p++ = TCPOLEN_WINDOW;
		*p++ = sa->rcv_wscale;
	}
	return p - start;
}

/* Writes the TCP and IP headers in front of @skb's (empty) data and
 * attaches @rt, whose reference the skb takes over.
 */
static void hsk_tcp_fill(struct net *net, struct sk_buff *skb,
			 struct rtable *rt, const struct hsk_tuple *t,
			 const struct hsk_route_key *rk, u32 seq, u32 ack,
			 u8 flags, u16 window, const u8 *opts,
			 unsigned int optlen)
{
	unsigned int tcplen = sizeof(struct tcphdr) + optlen;
	struct tcphdr *th;
	struct iphdr *iph;

	th = skb_push(skb, tcplen);
	skb_reset_transport_header(skb);
	memset(th, 0, sizeof(*th));
	th->source = t->lport;
	th->dest = t->rport;
	th->seq = htonl(seq);
	th->ack_seq = htonl(ack);
	th->doff = tcplen / 4;
	tcp_flag_byte(th) = flags;
	th->window = htons(window);
	memcpy(th + 1, opts, optlen);
	th->check = tcp_v4_check(tcplen, t->laddr, t->raddr,
				 csum_partial(th, tcplen, 0));
	skb->ip_summed = CHECKSUM_NONE;

	iph = skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	iph->tos = rk->tos;
	iph->frag_off = htons(IP_DF);
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	iph->protocol = IPPROTO_TCP;
	iph->saddr = t->laddr;
	iph->daddr = t->raddr;
	iph->tot_len = htons(skb->len);

	skb->protocol = htons(ETH_P_IP);
	skb->mark = rk->mark;
	skb_dst_set(skb, &rt->dst);
	ip_select_ident(net, skb, NULL);
}

/* Builds a routed IPv4 TCP segment with no payload in a new buffer,
 * looking the route up unless @rt brings one; a failure (no route, no
 * memory) is counted here, once for every caller.
 */
static struct sk_buff *hsk_tcp_build(struct net *net, struct rtable *rt,
				     const struct hsk_tuple *t,
				     const struct hsk_route_key *rk,
				     u32 seq, u32 ack, u8 flags, u16 window,
				     const u8 *opts, unsigned int optlen)
{
	struct sk_buff *skb;

	if (!rt)
		rt = hsk_route(hsk_pernet(net), t, rk, false);
	if (IS_ERR(rt))
		goto err;

	skb = alloc_skb(MAX_TCP_HEADER, GFP_ATOMIC);
	if (!skb) {
		ip_rt_put(rt);
		goto err;
	}
	skb_reserve(skb, MAX_TCP_HEADER);
	hsk_tcp_fill(net, skb, rt, t, rk, seq, ack, flags, window, opts,
		     optlen);
	return skb;

err:
	HSK_INC(hsk_pernet(net), SEND_FAILED);
	return NULL;
}

/* Whether the SYN's buffer can carry @len bytes of answer from its
 * network header on: ours alone, linear, and long enough.
 */
static bool hsk_skb_reusable(const struct sk_buff *skb, unsigned int len)
{
	return !skb_shared(skb) && !skb_cloned(skb) &&
	       !skb_is_nonlinear(skb) && !skb->sk &&
	       skb_network_offset(skb) == 0 &&
	       skb_end_offset(skb) - (skb->data - skb->head) >= len;
}

/* Strips what the SYN carried in from outside and from the receive
 * path, so the buffer leaves as a fresh one would, but for its conntrack
 * entry when @carry_ct (see conntrack.h). Its flow hash stays: it is
 * symmetric, so it is the reply's too, and spares a dissection.
 */
static void hsk_skb_recycle(struct sk_buff *skb, unsigned int len,
			    bool carry_ct)
{
	unsigned long nfct = carry_ct ? hsk_ct_detach(skb) : 0;

	skb_scrub_packet(skb, true);
	if (carry_ct)
		hsk_ct_attach_reply(skb, nfct);
	skb->priority = 0;
	skb->queue_mapping = 0;
	skb->encapsulation = 0;
	__vlan_hwaccel_clear_tag(skb);
#ifdef CONFIG_NETWORK_SECMARK
	skb->secmark = 0;
#endif
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	/* Empty, with @len bytes of room in front of the data for the
	 * headers hsk_tcp_fill() pushes.
	 */
	__skb_trim(skb, 0);
	__skb_put(skb, len);
	__skb_pull(skb, len);
}

/**
 * hsk_synack_build() - build a SYN-ACK in a new buffer
 * @net: the netns
 * @sa: what the SYN-ACK says
 *
 * Return: the SYN-ACK, or NULL.
 */
struct sk_buff *hsk_synack_build(struct net *net, const struct hsk_synack *sa)
{
	u8 opts[HSK_MAX_OPTLEN];
	unsigned int optlen = hsk_synack_options(sa, opts);

	return hsk_tcp_build(net, NULL, &sa->tuple, &sa->rk, sa->seq,
			     sa->ack, TCPHDR_SYN | TCPHDR_ACK, sa->window,
			     opts, optlen);
}

/**
 * hsk_synack_reply() - answer a SYN, in its own buffer where it can
 * @hn: the netns's hsk state
 * @syn: the SYN, consumed
 * @sa: what the SYN-ACK says
 * @rt: the route to the client, consumed
 * @stateful: a half-open entry was stored for @syn
 *
 * Under a flood every SYN is answered: turning the SYN's own buffer into
 * its SYN-ACK spares an allocation (zeroed, on most distributions) and a
 * free per SYN, and @rt spares the second route lookup. The SYN and @rt
 * are consumed in every case.
 *
 * Return: false when no SYN-ACK could be built.
 */
bool hsk_synack_reply(struct hsk_net *hn, struct sk_buff *syn,
		      const struct hsk_synack *sa, struct rtable *rt,
		      bool stateful)
{
	struct net *net = hn->net;
	unsigned int optlen, len;
	u8 opts[HSK_MAX_OPTLEN];
	struct sk_buff *skb;
	bool carry_ct;

	optlen = hsk_synack_options(sa, opts);
	len = sizeof(struct iphdr) + sizeof(struct tcphdr) + optlen;
	carry_ct = hsk_ct_synack_carries(hn, syn, stateful);
	if (hsk_skb_reusable(syn, len)) {
		skb = syn;
		hsk_skb_recycle(skb, len, carry_ct);
		hsk_tcp_fill(net, skb, rt, &sa->tuple, &sa->rk, sa->seq,
			     sa->ack, TCPHDR_SYN | TCPHDR_ACK, sa->window, opts,
			     optlen);
	} else {
		skb = hsk_tcp_build(net, rt, &sa->tuple, &sa->rk, sa->seq,
				    sa->ack, TCPHDR_SYN | TCPHDR_ACK,
				    sa->window, opts, optlen);
		if (skb && carry_ct)
			__hsk_ct_reply(syn, skb);
		consume_skb(syn);
		if (!skb)
			return false;
	}
	hsk_xmit(net, skb);
	return true;
}

/**
 * hsk_xmit() - send a segment hsk built
 * @net: the netns
 * @skb: the segment, consumed
 *
 * Return: what ip_local_out() returns.
 */
int hsk_xmit(struct net *net, struct sk_buff *skb)
{
	return ip_local_out(net, NULL, skb);
}

/* A reset's or an ACK's route, as ip_send_unicast_reply() takes it: no
 * output device unless the segment came through an L3 master device
 * (VRF), the segment's mark if fwmark_reflect says so.
 */
static void hsk_reply_key(struct net *net, const struct sk_buff *in, int iif,
			  struct hsk_route_key *rk)
{
	rk->oif = netif_index_is_l3_master(net, iif) ? iif : 0;
	rk->mark = in ? IP4_REPLY_MARK(net, in->mark) : 0;
	rk->uid = sock_net_uid(net, NULL);
	rk->tos = 0;
	rk->flow_flags = 0;
}

/**
 * hsk_send_reset() - send a RST
 * @net: the netns
 * @in: the segment answered, kept from the stack; NULL if none
 * @t: the connection
 * @iif: the interface @in came on
 * @seq: the RST's sequence number
 * @ack: its acknowledgment number
 * @flags: its TCP flags
 */
void hsk_send_reset(struct net *net, const struct sk_buff *in,
		    const struct hsk_tuple *t, int iif, u32 seq, u32 ack,
		    u8 flags)
{
	struct hsk_route_key rk;
	struct sk_buff *skb;

	hsk_reply_key(net, in, iif, &rk);
	skb = hsk_tcp_build(net, NULL, t, &rk, seq, ack, flags, 0, NULL, 0);
	if (!skb)
		return;
	HSK_INC(hsk_pernet(net), RESETS_SENT);
	hsk_ct_reply(in, skb);
	hsk_xmit(net, skb);
}

/**
 * hsk_send_ack() - send a bare ACK
 * @net: the netns
 * @in: the segment answered, kept from the stack; NULL if none
 * @t: the connection
 * @iif: the interface @in came on
 * @seq: the ACK's sequence number
 * @ack: its acknowledgment number
 * @window: its window, already scaled down
 * @tstamp: whether it carries the timestamp option
 * @tsval: the option's TSval
 * @tsecr: the option's TSecr
 *
 * A bare ACK, with the timestamp option laid out as Linux does.
 */
void hsk_send_ack(struct net *net, const struct sk_buff *in,
		  const struct hsk_tuple *t, int iif, u32 seq, u32 ack,
		  u16 window, bool tstamp, u32 tsval, u32 tsecr)
{
	u8 opts[TCPOLEN_TSTAMP_ALIGNED];
	struct hsk_route_key rk;
	struct sk_buff *skb;

	if (tstamp) {
		opts[0] = TCPOPT_NOP;
		opts[1] = TCPOPT_NOP;
		opts[2] = TCPOPT_TIMESTAMP;
		opts[3] = TCPOLEN_TIMESTAMP;
		put_unaligned_be32(tsval, opts + 4);
		put_unaligned_be32(tsecr, opts + 8);
	}
	hsk_reply_key(net, in, iif, &rk);
	skb = hsk_tcp_build(net, NULL, t, &rk, seq, ack, TCPHDR_ACK, window,
			    opts, tstamp ? TCPOLEN_TSTAMP_ALIGNED : 0);
	if (!skb)
		return;
	hsk_ct_reply(in, skb);
	hsk_xmit(net, skb);
}
