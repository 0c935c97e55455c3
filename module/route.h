/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSK_ROUTE_H
#define _HSK_ROUTE_H

#include <net/route.h>

#include "cookie.h"

struct hsk_net;

struct rtable *hsk_route(struct hsk_net *hn, const struct hsk_tuple *t,
			 int oif, u8 tos, bool laddr_local);

#endif /* _HSK_ROUTE_H */
