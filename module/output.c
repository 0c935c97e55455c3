// SPDX-License-Identifier: GPL-2.0
/*
 * Segments hsk sends itself: SYN-ACKs, RSTs and the ACKs of TIME_WAIT
 * entries. All are built here from
 * scratch, routed towards the client and handed to ip_local_out(), so
 * they pass LOCAL_OUT/POST_ROUTING like anything the stack sends; what
 * conntrack makes of them is conntrack.c's business.
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

enum {
	HSK_MAX_OPTLEN = TCPOLEN_MSS + TCPOLEN_TSTAMP_ALIGNED + TCPOLEN_WSCALE_ALIGNED,
};

struct rtable *hsk_route(struct net *net, const struct hsk_tuple *t, int oif,
			 u8 tos)
{
	struct flowi4 fl4;

	flowi4_init_output(&fl4, oif, 0, RT_TOS(tos), RT_SCOPE_UNIVERSE,
			   IPPROTO_TCP, 0, t->raddr, t->laddr, t->rport,
			   t->lport, sock_net_uid(net, NULL));
	return ip_route_output_key(net, &fl4);
}

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

/* Builds a routed IPv4 TCP segment with no payload; a failure (no route,
 * no memory) is counted here, once for every caller.
 */
static struct sk_buff *hsk_tcp_build(struct net *net, const struct hsk_tuple *t,
				     int oif, u8 tos, u32 seq, u32 ack,
				     u8 flags, u16 window, const u8 *opts,
				     unsigned int optlen)
{
	unsigned int tcplen = sizeof(struct tcphdr) + optlen;
	struct sk_buff *skb;
	struct tcphdr *th;
	struct iphdr *iph;
	struct rtable *rt;

	rt = hsk_route(net, t, oif, tos);
	if (IS_ERR(rt))
		goto err;

	skb = alloc_skb(MAX_TCP_HEADER, GFP_ATOMIC);
	if (!skb) {
		ip_rt_put(rt);
		goto err;
	}
	skb_reserve(skb, MAX_TCP_HEADER);

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
	iph->tos = tos;
	iph->frag_off = htons(IP_DF);
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	iph->protocol = IPPROTO_TCP;
	iph->saddr = t->laddr;
	iph->daddr = t->raddr;
	iph->tot_len = htons(skb->len);

	skb->protocol = htons(ETH_P_IP);
	skb_dst_set(skb, &rt->dst);
	ip_select_ident(net, skb, NULL);
	return skb;

err:
	HSK_INC(hsk_pernet(net), SEND_FAILED);
	return NULL;
}

struct sk_buff *hsk_synack_build(struct net *net, const struct hsk_synack *sa)
{
	u8 opts[HSK_MAX_OPTLEN];
	unsigned int optlen = hsk_synack_options(sa, opts);

	return hsk_tcp_build(net, &sa->tuple, sa->oif, sa->tos, sa->seq,
			     sa->ack, TCPHDR_SYN | TCPHDR_ACK, sa->window,
			     opts, optlen);
}

int hsk_xmit(struct net *net, struct sk_buff *skb)
{
	return ip_local_out(net, NULL, skb);
}

void hsk_send_reset(struct net *net, const struct sk_buff *in,
		    const struct hsk_tuple *t, int oif, u32 seq, u32 ack,
		    u8 flags)
{
	struct sk_buff *skb;

	skb = hsk_tcp_build(net, t, oif, 0, seq, ack, flags, 0, NULL, 0);
	if (!skb)
		return;
	HSK_INC(hsk_pernet(net), RESETS_SENT);
	hsk_ct_reply(in, skb);
	hsk_xmit(net, skb);
}

/* A bare ACK, with the timestamp option laid out as Linux does. */
void hsk_send_ack(struct net *net, const struct sk_buff *in,
		  const struct hsk_tuple *t, int oif, u32 seq, u32 ack,
		  u16 window, bool tstamp, u32 tsval, u32 tsecr)
{
	u8 opts[TCPOLEN_TSTAMP_ALIGNED];
	struct sk_buff *skb;

	if (tstamp) {
		opts[0] = TCPOPT_NOP;
		opts[1] = TCPOPT_NOP;
		opts[2] = TCPOPT_TIMESTAMP;
		opts[3] = TCPOLEN_TIMESTAMP;
		put_unaligned_be32(tsval, opts + 4);
		put_unaligned_be32(tsecr, opts + 8);
	}
	skb = hsk_tcp_build(net, t, oif, 0, seq, ack, TCPHDR_ACK, window, opts,
			    tstamp ? TCPOLEN_TSTAMP_ALIGNED : 0);
	if (!skb)
		return;
	hsk_ct_reply(in, skb);
	hsk_xmit(net, skb);
}
