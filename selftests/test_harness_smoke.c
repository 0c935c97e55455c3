// SPDX-License-Identifier: GPL-2.0
/*
 * Smoke test of the selftest plumbing: a static kselftest_harness binary
 * runs in the guest, gets a fresh network namespace and completes a TCP
 * handshake over its loopback device.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kselftest_harness.h"

/* A new netns starts with lo down: bring it up like "ip link set lo up". */
static int lo_up(void)
{
	struct ifreq ifr = {};
	int fd, ret;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
	ret = ioctl(fd, SIOCGIFFLAGS, &ifr);
	if (!ret) {
		ifr.ifr_flags |= IFF_UP;
		ret = ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
	return ret;
}

TEST(netns_loopback_handshake)
{
	struct sockaddr_in addr = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t len = sizeof(addr);
	int lfd, cfd, afd;
	char c = 0;

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, lo_up());

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, lfd);
	ASSERT_EQ(0, bind(lfd, (struct sockaddr *)&addr, sizeof(addr)));
	ASSERT_EQ(0, listen(lfd, 1));
	ASSERT_EQ(0, getsockname(lfd, (struct sockaddr *)&addr, &len));
	ASSERT_NE(0, addr.sin_port);

	cfd = socket(AF_INET, SOCK_STREAM, 0);
	ASSERT_LE(0, cfd);
	ASSERT_EQ(0, connect(cfd, (struct sockaddr *)&addr, sizeof(addr)));
	afd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, afd);

	ASSERT_EQ(1, write(cfd, "x", 1));
	ASSERT_EQ(1, read(afd, &c, 1));
	ASSERT_EQ('x', c);
	close(afd);
	close(cfd);
	close(lfd);
}

TEST_HARNESS_MAIN
