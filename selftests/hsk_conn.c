// SPDX-License-Identifier: GPL-2.0
/*
 * Test peer for hsk: an ordinary accept() server and an ordinary client,
 * nothing hsk-specific in either, plus TCP_INFO reporting so a test can
 * compare what both ends negotiated.
 *
 *   hsk_conn serve PORT [-b backlog] [-n conns] [-i] [-w ms] [-g file] [-L]
 *		  [-T s] [-c] [-p] [-r] [-F qlen] [-A sport] [-K sport] [-B addr]
 *		  [-I dev] [-R rcvbuf] [-M mss] [-D secs] [-e] [-H] [-j workers]
 *		  [-6] [-t minttl] [-5 addr] [-m mark] [-X] [-U uid]
 *	accept @conns connections one after another; read each to EOF,
 *	answer "got N", close. -j: that many processes share the listener,
 *	each serving its share of @conns, as a pre-forked server's workers
 *	do, so one silent client delays no other. -i prints TCP_INFO of each accepted socket.
 *	-w waits that long before each accept() (fills the accept queue).
 *	-g waits until @file exists before the first accept(). -L prints
 *	how long each accept() blocked, "accept_us N". -T gives up on a
 *	connection silent for that long (its client may have been reset
 *	while the server side lived on) and goes on. -c closes first: one
 *	read, the answer, close (the server side gets the TIME_WAIT).
 *	-p prints "peer PORT" for each. Listener options: -r SO_REUSEPORT,
 *	-F TCP_FASTOPEN, -A a socket filter dropping every segment from
 *	@sport, -K one dropping those from @sport with ACK set, -B binds
 *	to @addr, -I to @dev, -R SO_RCVBUF, -M TCP_MAXSEG, -D
 *	TCP_DEFER_ACCEPT. -e prints "ready N", the bytes already
 *	readable when accept() returned. -H speaks first: "hello" right
 *	after accept(), as SMTP or SSH servers do. -6 listens on [::]
 *	with IPV6_V6ONLY off (a dual-stack server: IPv4 clients arrive
 *	v4-mapped), -t sets IP_MINTTL, -5 a TCP-MD5 key for peer @addr,
 *	-m SO_MARK, -X IP_TRANSPARENT, -U makes the listener as user
 *	@uid (for uid policy routing).
 *   hsk_conn connect ADDR PORT [-m mss] [-d text] [-i] [-t timeout_s] [-s ms]
 *		    [-R] [-p] [-b sport] [-F] [-e] [-W ms]
 *	connect, wait @ms, send @text, half-close, print the reply.
 *	-i prints TCP_INFO. -R resets the connection after sending instead.
 *	-p prints "connected" and then waits for SIGUSR1 before sending, so
 *	a test decides when the data flows. -b binds source port @sport,
 *	-F sends the data in the SYN (TCP_FASTOPEN_CONNECT) when the kernel
 *	has a cookie. -e: no half-close, the server closes first; -W waits
 *	that long after its FIN before closing.
 *   hsk_conn burst ADDR PORT -n conns [-j parallel] [-l] [-e] [-t timeout_s]
 *		  [-D secs] [-i ms] [-H]
 *	@conns handshakes, @parallel at a time, each sending a byte and
 *	waiting for the answer; prints "ok N failed M". -l prints each
 *	successful connect()'s duration, "connect_ms N". -e: the server
 *	closes first, as for connect. -t gives each connection that long
 *	(20 s). -D: each client dials one connection after another for
 *	@secs seconds instead of @conns in all. -i: each client waits
 *	that long after each connection. -H: the server speaks first (serve
 *	-H); each client waits for its "hello" before sending, and -l
 *	prints "hello_ms N", connect() to the hello, instead.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/tcp.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
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
	printf("snd_mss=%u rcv_mss=%u advmss=%u snd_wnd=%u rcv_ssthresh=%u ",
	       ti.tcpi_snd_mss, ti.tcpi_rcv_mss, ti.tcpi_advmss,
	       ti.tcpi_snd_wnd, ti.tcpi_rcv_ssthresh);
	printf("retrans=%u rtt_us=%u\n", ti.tcpi_total_retrans, ti.tcpi_rtt);
	fflush(stdout);
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
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

/* A classic BPF socket filter, run at the TCP header: drop segments from
 * @sport (only those with ACK set when @ack_only), keep the rest.
 */
static void attach_filter(int fd, int sport, int ack_only)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0),		/* source port */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, sport, 0, 3),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),		/* flags */
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, ack_only ? 0x10 : 0xff, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
	};
	struct sock_fprog prog = { .len = 6, .filter = code };

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)))
		die("SO_ATTACH_FILTER");
}

static void setopt(int fd, int level, int name, int val, const char *what)
{
	if (setsockopt(fd, level, name, &val, sizeof(val)))
		die(what);
}

static int peer_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

static int serve(int argc, char **argv)
{
	int port = atoi(argv[2]), backlog = 128, conns = 1, info = 0, wait_ms = 0;
	int peer = 0, reuseport = 0, tfo = 0, drop_port = 0, drop_acks = 0;
	int rcvbuf = 0, maxseg = 0, defer = 0, ready = 0;
	int close_first = 0, hello = 0, workers = 1, worker;
	int dual = 0, minttl = 0, mark = 0, transparent = 0, uid = -1;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct sockaddr_in6 sa6 = { .sin6_family = AF_INET6 };
	struct sockaddr_storage peer_sa;
	struct tcp_md5sig md5 = { 0 };
	const char *md5_peer = NULL;
	struct timeval idle = { 0 };
	int fd, one = 1, opt, lat = 0;
	const char *gate = NULL;
	const char *dev = NULL;
	char buf[65536];
	struct stat st;

	optind = 3;
	while ((opt = getopt(argc, argv, "b:n:iw:g:LT:cprF:A:K:B:I:R:M:D:eHj:6t:5:m:XU:")) != -1) {
		switch (opt) {
		case 'U':
			uid = atoi(optarg);
			break;
		case '6':
			dual = 1;
			break;
		case 't':
			minttl = atoi(optarg);
			break;
		case '5':
			md5_peer = optarg;
			break;
		case 'm':
			mark = atoi(optarg);
			break;
		case 'X':
			transparent = 1;
			break;
		case 'j':
			workers = atoi(optarg);
			break;
		case 'H':
			hello = 1;
			break;
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
		case 'g':
			gate = optarg;
			break;
		case 'L':
			lat = 1;
			break;
		case 'T':
			idle.tv_sec = atoi(optarg);
			break;
		case 'p':
			peer = 1;
			break;
		case 'r':
			reuseport = 1;
			break;
		case 'F':
			tfo = atoi(optarg);
			break;
		case 'A':
		case 'K':
			drop_port = atoi(optarg);
			drop_acks = opt == 'K';
			break;
		case 'B':
			if (inet_pton(AF_INET, optarg, &sa.sin_addr) != 1)
				die("address");
			break;
		case 'I':
			dev = optarg;
			break;
		case 'R':
			rcvbuf = atoi(optarg);
			break;
		case 'M':
			maxseg = atoi(optarg);
			break;
		case 'D':
			defer = atoi(optarg);
			break;
		case 'e':
			ready = 1;
			break;
		default:
			return 2;
		}
	}
	if (uid >= 0 && seteuid(uid))
		die("seteuid");
	fd = socket(dual ? AF_INET6 : AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		die("socket");
	if (uid >= 0 && seteuid(0))
		die("seteuid back");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (dual)
		setopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 0, "IPV6_V6ONLY");
	if (minttl)
		setopt(fd, IPPROTO_IP, IP_MINTTL, minttl, "IP_MINTTL");
	if (mark)
		setopt(fd, SOL_SOCKET, SO_MARK, mark, "SO_MARK");
	if (transparent)
		setopt(fd, IPPROTO_IP, IP_TRANSPARENT, 1, "IP_TRANSPARENT");
	if (md5_peer) {
		struct sockaddr_in *p = (struct sockaddr_in *)&md5.tcpm_addr;

		p->sin_family = AF_INET;
		if (inet_pton(AF_INET, md5_peer, &p->sin_addr) != 1)
			die("md5 peer");
		md5.tcpm_keylen = 8;
		memcpy(md5.tcpm_key, "hsk-test", 8);
		if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &md5, sizeof(md5)))
			die("TCP_MD5SIG");
	}
	if (reuseport)
		setopt(fd, SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT");
	if (dev && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, strlen(dev)))
		die("SO_BINDTODEVICE");
	if (rcvbuf)
		setopt(fd, SOL_SOCKET, SO_RCVBUF, rcvbuf, "SO_RCVBUF");
	if (maxseg)
		setopt(fd, IPPROTO_TCP, TCP_MAXSEG, maxseg, "TCP_MAXSEG");
	if (defer)
		setopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, defer, "TCP_DEFER_ACCEPT");
	if (drop_port)
		attach_filter(fd, drop_port, drop_acks);
	sa.sin_port = htons(port);
	sa6.sin6_port = htons(port);
	if ((dual ? bind(fd, (struct sockaddr *)&sa6, sizeof(sa6)) :
		    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) ||
	    listen(fd, backlog))
		die("bind/listen");
	if (tfo)
		setopt(fd, IPPROTO_TCP, TCP_FASTOPEN, tfo, "TCP_FASTOPEN");
	printf("listening %d\n", port);
	fflush(stdout);
	while (gate && stat(gate, &st))
		usleep(10000);
	/* Worker 0 is this process; the others die with it. */
	for (worker = 1; worker < workers; worker++) {
		if (fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			break;
		}
	}
	if (worker == workers)
		worker = 0;
	conns = conns / workers + (worker < conns % workers);
	while (conns--) {
		long long t0;
		ssize_t n;
		int c;

		if (wait_ms)
			usleep(wait_ms * 1000);
		t0 = now_us();
		c = accept(fd, (struct sockaddr *)&peer_sa,
			   &(socklen_t){ sizeof(peer_sa) });
		if (c < 0)
			die("accept");
		if (lat)
			printf("accept_us %lld\n", now_us() - t0);
		if (peer)
			printf("peer %d\n", peer_port(&peer_sa));
		if (ready) {
			int inq;

			if (ioctl(c, FIONREAD, &inq))
				die("FIONREAD");
			printf("ready %d\n", inq);
		}
		if (setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &idle, sizeof(idle)))
			die("SO_RCVTIMEO");
		if (hello && write(c, "hello", 5) != 5)
			die("hello");
		if (close_first) {
			n = read(c, buf, sizeof(buf) - 1);
			buf[n > 0 ? n : 0] = '\0';
		} else {
			n = read_all(c, buf, sizeof(buf));
		}
		if (n < 0 && errno == EAGAIN) {
			printf("idle for %lds, closed: peer %d\n",
			       (long)idle.tv_sec, peer_port(&peer_sa));
			fflush(stdout);
			close(c);
			continue;
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
	if (worker)
		exit(0);
	while (wait(NULL) > 0)
		;
	return 0;
}

static int dial(const char *addr, int port, int mss, int timeout_s, int sport,
		int tfo)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct sockaddr_in src = { .sin_family = AF_INET, .sin_port = htons(sport) };
	struct timeval tv = { .tv_sec = timeout_s };
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0)
		die("socket");
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		die("address");
	if (mss && setsockopt(fd, IPPROTO_TCP, TCP_MAXSEG, &mss, sizeof(mss)))
		die("TCP_MAXSEG");
	if (sport && (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
		      bind(fd, (struct sockaddr *)&src, sizeof(src))))
		die("bind");
	if (tfo && setsockopt(fd, IPPROTO_TCP, TCP_FASTOPEN_CONNECT, &one, sizeof(one)))
		die("TCP_FASTOPEN_CONNECT");
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
	int sleep_ms = 0, rst = 0, go_signal = 0, sig, sport = 0, tfo = 0;
	int close_second = 0, linger_ms = 0;
	char buf[256];
	sigset_t usr1;

	optind = 4;
	while ((opt = getopt(argc, argv, "m:d:it:s:Rpb:FeW:")) != -1) {
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
		case 'R':
			rst = 1;
			break;
		case 'p':
			go_signal = 1;
			break;
		case 'b':
			sport = atoi(optarg);
			break;
		case 'F':
			tfo = 1;
			break;
		default:
			return 2;
		}
	}
	/* Blocked before connecting: an early signal stays pending. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	if (go_signal && sigprocmask(SIG_BLOCK, &usr1, NULL))
		die("sigprocmask");
	fd = dial(addr, port, mss, timeout_s, sport, tfo);
	if (fd < 0)
		die("connect");
	if (go_signal) {
		printf("connected\n");
		fflush(stdout);
		if (sigwait(&usr1, &sig))
			die("sigwait");
	}
	usleep(sleep_ms * 1000);
	if (write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		die("write");
	if (rst) {
		struct linger lg = { .l_onoff = 1, .l_linger = 0 };

		/* Let the data be ACKed first, then abort: a RST. */
		usleep(200000);
		if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)))
			die("SO_LINGER");
		close(fd);
		printf("reset\n");
		return 0;
	}
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

struct burst_opts {
	const char *addr;
	int port, lat, close_second, timeout_s, gap_ms, hello;
	long long end_us;	/* dial until then, when not 0 */
};

/* A failed connection says where and after how long, on stderr: a test
 * that sees failures can tell a reset from a timeout.
 */
static int burst_failed(const char *step, long long t0)
{
	fprintf(stderr, "failed at %s after %lld ms: %s\n", step,
		(now_us() - t0) / 1000, strerror(errno));
	return 0;
}

/* One connection: connect, a byte each way. Returns 1 when answered. */
static int burst_one(const struct burst_opts *o)
{
	long long t0 = now_us();
	int fd = dial(o->addr, o->port, 0, o->timeout_s, 0, 0), good;
	char buf[64];

	if (fd < 0)
		return burst_failed("connect", t0);
	/* Waits for exactly the 5 bytes, so the answer is read apart. */
	if (o->hello && (recv(fd, buf, 5, MSG_WAITALL) != 5 ||
			 memcmp(buf, "hello", 5))) {
		close(fd);
		return burst_failed("hello", t0);
	}
	if (o->lat) {
		printf("%s %lld\n", o->hello ? "hello_ms" : "connect_ms",
		       (now_us() - t0) / 1000);
		fflush(stdout);
	}
	errno = 0;
	good = write(fd, "x", 1) == 1 &&
	       (o->close_second || !shutdown(fd, SHUT_WR)) &&
	       read_all(fd, buf, sizeof(buf)) > 0 && !strcmp(buf, "got 1");
	close(fd);
	return good ? 1 : burst_failed("answer", t0);
}

/* Dials @count connections, or until @o->end_us; counts @tried and
 * returns how many were answered.
 */
static int burst_worker(const struct burst_opts *o, int count, int *tried)
{
	int good = 0, k;

	for (k = 0; o->end_us ? now_us() < o->end_us : k < count; k++) {
		good += burst_one(o);
		usleep(o->gap_ms * 1000);
	}
	*tried = k;
	return good;
}

static int burst(int argc, char **argv)
{
	struct burst_opts o = { .addr = argv[2], .port = atoi(argv[3]),
				.timeout_s = 20 };
	int conns = 1, par = 1, opt, ok = 0, tried = 0, i, p[2];

	optind = 4;
	while ((opt = getopt(argc, argv, "n:j:let:D:i:H")) != -1) {
		switch (opt) {
		case 'H':
			o.hello = 1;
			break;
		case 'e':
			o.close_second = 1;
			break;
		case 't':
			o.timeout_s = atoi(optarg);
			break;
		case 'i':
			o.gap_ms = atoi(optarg);
			break;
		case 'D':
			o.end_us = now_us() + atoi(optarg) * 1000000LL;
			break;
		case 'n':
			conns = atoi(optarg);
			break;
		case 'j':
			par = atoi(optarg);
			break;
		case 'l':
			o.lat = 1;
			break;
		default:
			return 2;
		}
	}
	if (pipe(p))
		die("pipe");
	for (i = 0; i < par; i++) {
		if (fork() == 0) {
			int n[2];

			n[0] = burst_worker(&o, conns / par + (i < conns % par),
					    &n[1]);
			if (write(p[1], n, sizeof(n)) != sizeof(n))
				_exit(1);
			_exit(0);
		}
	}
	close(p[1]);
	for (i = 0; i < par; i++) {
		int n[2];

		if (read(p[0], n, sizeof(n)) == sizeof(n)) {
			ok += n[0];
			tried += n[1];
		}
		wait(NULL);
	}
	/* A client that died counts all its connections as failed. */
	if (!o.end_us)
		tried = conns;
	printf("ok %d failed %d\n", ok, tried - ok);
	return ok == tried ? 0 : 1;
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
