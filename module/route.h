/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSK_ROUTE_H
#define _HSK_ROUTE_H

#include <net/route.h>

#include "cookie.h"

struct hsk_net;

/**
 * struct hsk_route_key - what a reply's route depends on
 * @oif: the output device, or 0
 * @mark: the mark
 * @uid: the uid, for uid policy routing
 * @tos: the TOS
 * @flow_flags: FLOWI_FLAG_ANYSRC: a transparent listener
 *
 * What a reply's route depends on besides its addresses and ports, as
 * the kernel's own reply would have it: for a SYN-ACK the listener's
 * (inet_csk_route_req()), for a reset or an ACK the answered segment's
 * (ip_send_unicast_reply()).
 */
struct hsk_route_key {
	int oif;
	u32 mark;
	kuid_t uid;
	u8 tos;
	u8 flow_flags;
};

struct rtable *hsk_route(struct hsk_net *hn, const struct hsk_tuple *t,
			 const struct hsk_route_key *rk, bool laddr_local);

#endif /* _HSK_ROUTE_H */
