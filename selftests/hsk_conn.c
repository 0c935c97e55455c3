// SPDX-License-Identifier: GPL-2.0
/*
 * Test peer for hsk: an ordinary accept() server and an ordinary client,
 * nothing hsk-specific in either, plus TCP_INFO reporting so a test can
 * compare what both ends negotiated.
 *
 *   hsk_conn serve PORT [-b backlog] [-n conns] [-i] [-w ms] [-c]
 *	accept @conns connections one after another; read each to EOF,
 *	answer "got N", close. -i prints TCP_INFO of each accepted socket.
 *	-w waits that long before each accept() (fills the accept queue).
 *	-c closes first: one read, the answer, close (TIME_WAIT is ours).
 *   hsk_conn connect ADDR PORT [-m mss] [-d text] [-i] [-t timeout_s] [-s ms]
 *		[-e] [-W ms]
 *	connect, wait @ms, send @text, half-close, print the reply.
 *	-i prints TCP_INFO. -e: no half-close, the server closes first;
 *	-W waits that long after its FIN before closing.
 *   hsk_conn burst ADDR PORT -n conns [-j parallel] [-e]
 *	@conns handshakes, @parallel at a time; prints "ok N failed M".
 *	-e: the server closes first, as for connect.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void print_info(const char *who, int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		die("TCP_INFO");
	printf("%s ts=%d sack=%d wscale=%d ecn=%d snd_wscale=%u rcv_wscale=%u ",
	       who, !!(ti.tcpi_options & TCPI_OPT_TIMESTAMPS),
	       !!(ti.tcpi_options & TCPI_OPT_SACK),
	       !!(ti.tcpi_options & TCPI_OPT_WSCALE),
	       !!(ti.tcpi_options & TCPI_OPT_ECN),
	       ti.tcpi_snd_wscale, ti.tcpi_rcv_wscale);
	printf("snd_mss=%u rcv_mss=%u advmss=%u retrans=%u rtt_us=%u\n",
	       ti.tcpi_snd_mss, ti.tcpi_rcv_mss, ti.tcpi_advmss,
	       ti.tcpi_total_retrans, ti.tcpi_rtt);
	fflush(stdout);
}

static ssize_t read_all(int fd, char *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while (got < cap - 1 && (n = read(fd, buf + got, cap - 1 - got)) > 0)
		got += n;
	buf[got] = '\0';
	return n < 0 ? -1 : (ssize_t)got;
}

static int serve(int argc, char **argv)
{
	int port = atoi(argv[2]), backlog = 128, conns = 1, info = 0, wait_ms = 0;
	int close_first = 0;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd, one = 1, opt;
	char buf[65536];

	optind = 3;
	while ((opt = getopt(argc, argv, "b:n:iw:c")) != -1) {
		switch (opt) {
		case 'c':
			close_first = 1;
			break;
		case 'b':
			backlog = atoi(optarg);
			break;
		case 'n':
			conns = atoi(optarg);
			break;
		case 'i':
			info = 1;
			break;
		case 'w':
			wait_ms = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, backlog))
		die("bind/listen");
	printf("listening %d\n", port);
	fflush(stdout);
	while (conns--) {
		ssize_t n;
		int c;

		if (wait_ms)
			usleep(wait_ms * 1000);
		c = accept(fd, NULL, NULL);
		if (c < 0)
			die("accept");
		if (close_first) {
			n = read(c, buf, sizeof(buf) - 1);
			buf[n > 0 ? n : 0] = '\0';
		} else {
			n = read_all(c, buf, sizeof(buf));
		}
		if (info)
			print_info("server", c);
		if (n < 0)
			die("read");
		dprintf(c, "got %zd", n);
		printf("received %zd: %.64s\n", n, buf);
		fflush(stdout);
		close(c);
	}
	close(fd);
	return 0;
}

static int dial(const char *addr, int port, int mss, int timeout_s)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = timeout_s };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		die("socket");
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		die("address");
	if (mss && setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss)))
		die("TCP_MAXSEG");
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int client(int argc, char **argv)
{
	const char *addr = argv[2], *text = "hello";
	int port = atoi(argv[3]), mss = 0, info = 0, timeout_s = 20, opt, fd;
	int sleep_ms = 0, close_second = 0, linger_ms = 0;
	char buf[256];

	optind = 4;
	while ((opt = getopt(argc, argv, "m:d:it:s:eW:")) != -1) {
		switch (opt) {
		case 'e':
			close_second = 1;
			break;
		case 'W':
			linger_ms = atoi(optarg);
			break;
		case 'm':
			mss = atoi(optarg);
			break;
		case 'd':
			text = optarg;
			break;
		case 'i':
			info = 1;
			break;
		case 't':
			timeout_s = atoi(optarg);
			break;
		case 's':
			sleep_ms = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	fd = dial(addr, port, mss, timeout_s);
	if (fd < 0)
		die("connect");
	usleep(sleep_ms * 1000);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die("write");
	/* Half-close: the server still answers after our FIN. */
	if (!close_second)
		shutdown(fd, SHUT_WR);
	if (read_all(fd, buf, sizeof(buf)) < 0)
		die("read");
	if (info)
		print_info("client", fd);
	printf("reply: %s\n", buf);
	fflush(stdout);
	usleep(linger_ms * 1000);
	close(fd);
	return 0;
}

static int burst_worker(const char *addr, int port, int count, int close_second)
{
	int good = 0, k;

	for (k = 0; k < count; k++) {
		char buf[64];
		int fd = dial(addr, port, 0, 20);

		if (fd < 0)
			continue;
		if (write(fd, "x", 1) == 1 &&
		    (close_second || !shutdown(fd, SHUT_WR)) &&
		    read_all(fd, buf, sizeof(buf)) > 0 && !strcmp(buf, "got 1"))
			good++;
		close(fd);
	}
	return good;
}

static int burst(int argc, char **argv)
{
	const char *addr = argv[2];
	int port = atoi(argv[3]), conns = 1, par = 1, opt, ok = 0, i, p[2];
	int close_second = 0;

	optind = 4;
	while ((opt = getopt(argc, argv, "n:j:e")) != -1) {
		switch (opt) {
		case 'e':
			close_second = 1;
			break;
		case 'n':
			conns = atoi(optarg);
			break;
		case 'j':
			par = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (pipe(p))
		die("pipe");
	for (i = 0; i < par; i++) {
		if (fork() == 0) {
			int good = burst_worker(addr, port,
						conns / par + (i < conns % par),
						close_second);

			if (write(p[1], &good, sizeof(good)) != sizeof(good))
				_exit(1);
			_exit(0);
		}
	}
	close(p[1]);
	for (i = 0; i < par; i++) {
		int good;

		if (read(p[0], &good, sizeof(good)) == sizeof(good))
			ok += good;
		wait(NULL);
	}
	printf("ok %d failed %d\n", ok, conns - ok);
	return ok == conns ? 0 : 1;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 3 && !strcmp(argv[1], "serve"))
		return serve(argc, argv);
	if (argc >= 4 && !strcmp(argv[1], "connect"))
		return client(argc, argv);
	if (argc >= 4 && !strcmp(argv[1], "burst"))
		return burst(argc, argv);
	fputs("usage: hsk_conn serve|connect|burst ...\n", stderr);
	return 2;
}
