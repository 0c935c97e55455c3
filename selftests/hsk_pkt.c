// SPDX-License-Identifier: GPL-2.0
/*
 * Raw TCP/IPv4 segments for hsk's tests: the malformed, forged and
 * hand-driven packets a normal socket cannot send.
 *
 *   hsk_pkt send SRC SPORT DST DPORT [opts]   one segment
 *	-f FLAGS  any of S A R F P (default S)   -q SEQ   -a ACK
 *	-m MSS  -w WSCALE  -k (SACK-permitted)  -T TSVAL (timestamps)
 *	-d TEXT payload   -C bad checksum   -O truncated option
 *	-D doff too large  -I IP options    -F as two IP fragments
 *	-L LEN  TCP segment cut to LEN bytes (a truncated header)
 *	-M MARK  SO_MARK of the raw socket, so nftables can tell the
 *		 segments a test crafts from those its kernel sends
 *	-N COUNT the same segment COUNT times, back to back
 *   hsk_pkt recv PORT [-c COUNT] [-t TIMEOUT_MS] [-p DPORT]
 *	print segments from source port PORT (and to DPORT only, with -p):
 *	"t_ms flags seq ack win"
 *   hsk_pkt connect SRC SPORT DST DPORT [-d TEXT] [-T TSVAL] [-M MARK]
 *	SYN, wait for the SYN-ACK, final ACK carrying TEXT
 *   hsk_pkt flood SRC DST DPORT [-n COUNT] [-t SECONDS] [-f FLAGS]
 *		[-p LO-HI | -s SPORT] [-r RATE]
 *	COUNT segments (ACKs by default, an MSS option on SYNs) with random
 *	source ports in LO-HI (default 1024-61023), sequence and
 *	acknowledgment numbers; -s uses ports SPORT, SPORT + 1, ... instead,
 *	each segment's sequence number equal to its port; -t floods for
 *	that long instead of a count; -r sends at most RATE segments a
 *	second (as fast as it can without)
 *   hsk_pkt fuzz SRC DST DPORT -n COUNT [-s SEED] [-p LO-HI] [-M MARK]
 *		  [-r RATE]
 *	COUNT random and mutated segments (flags, options, lengths,
 *	checksums, sequence numbers, data offsets, IP options, fragments),
 *	at most RATE a second when given;
 *	prints the seed first and, at the end, how many of them hsk's rules
 *	call malformed: "sent N malformed M"
 *   hsk_pkt zerocookie SRC SPORT DST DPORT ISN PERIOD
 *	the ISN hsk's cookie layout (module/cookie.c) gives the SYN from
 *	SRC:SPORT with @ISN to DST:DPORT when keyed with zeros in @PERIOD,
 *	MSS index 0, no options, period slot 1: an attacker's guess at a
 *	key nobody drew
 *   hsk_pkt ctflush
 *	empty the IPv4 conntrack table of the current netns (ctnetlink), so
 *	what one benchmark case tracked does not expire inside the next
 *
 * The kernel of the sending netns answers SYN-ACKs it has no socket for
 * with RST: tests drop those with nftables.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>
#include <linux/types.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

struct seg {
	struct in_addr src, dst;
	__u16 sport, dport;
	__u32 seq, ack;
	__u8 flags;
	int mss, wscale, sack, ts;
	__u32 tsval, tsecr;
	const char *data;
	int badsum, badopt, baddoff, ipopt, frag, fin_last;
	size_t trunc;
	__u32 mark;
	int repeat;
};

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static __u16 csum(const void *p, size_t len, __u32 sum)
{
	const __u8 *b = p;

	while (len > 1) {
		sum += b[0] << 8 | b[1];
		b += 2;
		len -= 2;
	}
	if (len)
		sum += b[0] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return ~sum & 0xffff;
}

static __u8 parse_flags(const char *s)
{
	__u8 f = 0;

	for (; *s; s++) {
		switch (*s) {
		case 'F':
			f |= 0x01;
			break;
		case 'S':
			f |= 0x02;
			break;
		case 'R':
			f |= 0x04;
			break;
		case 'P':
			f |= 0x08;
			break;
		case 'A':
			f |= 0x10;
			break;
		default:
			fprintf(stderr, "bad flag %c\n", *s);
			exit(2);
		}
	}
	return f;
}

/* The TCP checksum of @len bytes at @tcp between @s's addresses. */
static __u16 tcp_csum(const struct seg *s, const __u8 *tcp, size_t len)
{
	__u8 pseudo[12];

	memcpy(pseudo, &s->src, 4);
	memcpy(pseudo + 4, &s->dst, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = len >> 8;
	pseudo[11] = len & 0xff;
	return htons(csum(tcp, len, (__u16)~csum(pseudo, sizeof(pseudo), 0)));
}

static size_t build_tcp(const struct seg *s, __u8 *buf)
{
	struct tcphdr *th = (struct tcphdr *)buf;
	__u8 *o = buf + sizeof(*th);
	size_t optlen, dlen = s->data ? strlen(s->data) : 0, len;

	memset(th, 0, sizeof(*th));
	th->source = htons(s->sport);
	th->dest = htons(s->dport);
	th->seq = htonl(s->seq);
	th->ack_seq = htonl(s->ack);
	((__u8 *)th)[13] = s->flags;
	th->window = htons(64240);
	if (s->mss) {
		*o++ = 2;
		*o++ = 4;
		*o++ = s->mss >> 8;
		*o++ = s->mss & 0xff;
	}
	if (s->sack) {
		*o++ = 1;
		*o++ = 1;
		*o++ = 4;
		*o++ = 2;
	}
	if (s->ts) {
		__u32 v = htonl(s->tsval), e = htonl(s->tsecr);

		*o++ = 1;
		*o++ = 1;
		*o++ = 8;
		*o++ = 10;
		memcpy(o, &v, 4);
		memcpy(o + 4, &e, 4);
		o += 8;
	}
	if (s->wscale >= 0) {
		*o++ = 1;
		*o++ = 3;
		*o++ = 3;
		*o++ = s->wscale;
	}
	if (s->badopt) {
		/* An MSS option claiming 3 bytes: no valid MSS is that long. */
		*o++ = 1;
		*o++ = 2;
		*o++ = 3;
		*o++ = 0;
	}
	optlen = o - (buf + sizeof(*th));
	th->doff = (sizeof(*th) + optlen) / 4;
	if (s->baddoff)
		th->doff = 15;
	memcpy(o, s->data ? s->data : "", dlen);
	len = sizeof(*th) + optlen + dlen;

	th->check = tcp_csum(s, buf, len);
	if (s->badsum)
		th->check ^= htons(0x1234);
	if (s->trunc && s->trunc < len)
		len = s->trunc;
	return len;
}

static __u16 ip_id;

/* Sends an IPv4 datagram of @len bytes of TCP, optionally with an IP
 * option (a record-route) or split into two fragments.
 */
static size_t ip_header(__u8 *pkt, const struct seg *s)
{
	struct iphdr *iph = (struct iphdr *)pkt;
	size_t hl = s->ipopt ? 24 : 20;

	memset(iph, 0, hl);
	iph->version = 4;
	iph->ihl = hl / 4;
	iph->ttl = 64;
	iph->protocol = IPPROTO_TCP;
	iph->saddr = s->src.s_addr;
	iph->daddr = s->dst.s_addr;
	/* A datagram's own id, as a real sender gives it: fragmented
	 * segments sharing one would share one reassembly queue, and a
	 * fragment meeting the queue of the one before it is dropped
	 * without a counter (ip_frag_queue()).
	 */
	if (!ip_id)
		ip_id = getpid();
	iph->id = htons(ip_id++);
	if (s->ipopt) {
		/* NOP, then record-route with room for no address: 1 + 3. */
		pkt[20] = 1;
		pkt[21] = 7;
		pkt[22] = 3;
		pkt[23] = 4;
	}
	return hl;
}

static void send_ip(int fd, const struct seg *s, const __u8 *tcp, size_t len)
{
	__u8 pkt[2048];
	struct iphdr *iph = (struct iphdr *)pkt;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = s->dst };
	size_t hl = ip_header(pkt, s);

	if (!s->frag) {
		memcpy(pkt + hl, tcp, len);
		iph->tot_len = htons(hl + len);
		iph->check = htons(csum(pkt, hl, 0));
		if (sendto(fd, pkt, hl + len, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			die("sendto");
		return;
	}
	/* First fragment: 8 bytes of TCP header, MF; then the rest. */
	if (len <= 8) {
		fprintf(stderr, "-F needs more than 8 bytes of TCP\n");
		exit(2);
	}
	memcpy(pkt + hl, tcp, 8);
	iph->tot_len = htons(hl + 8);
	iph->frag_off = htons(IP_MF);
	iph->check = htons(csum(pkt, hl, 0));
	if (sendto(fd, pkt, hl + 8, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		die("sendto");
	memcpy(pkt + hl, tcp + 8, len - 8);
	iph->tot_len = htons(hl + len - 8);
	iph->frag_off = htons(1);
	iph->check = 0;
	iph->check = htons(csum(pkt, hl, 0));
	if (sendto(fd, pkt, hl + len - 8, 0, (struct sockaddr *)&to, sizeof(to)) < 0)
		die("sendto");
}

static int raw_socket(void)
{
	int one = 1, fd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);

	if (fd < 0)
		die("raw socket");
	if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)))
		die("IP_HDRINCL");
	return fd;
}

static void set_mark(int fd, __u32 mark)
{
	if (mark && setsockopt(fd, SOL_SOCKET, SO_MARK, &mark, sizeof(mark)))
		die("SO_MARK");
}

static void send_seg(int fd, const struct seg *s)
{
	__u8 tcp[1500];

	send_ip(fd, s, tcp, build_tcp(s, tcp));
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for a segment from @port (to @dport unless it is 0); returns 0 and
 * fills the header, or -1.
 */
static int recv_seg(int fd, int port, int dport, int timeout_ms,
		    struct tcphdr *out, __u32 *tsval)
{
	long deadline = now_ms() + timeout_ms;
	__u8 buf[2048];

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		long left = deadline - now_ms();
		struct iphdr *iph = (struct iphdr *)buf;
		struct tcphdr *th;
		ssize_t n;

		if (left <= 0 || poll(&p, 1, left) <= 0)
			return -1;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < (ssize_t)sizeof(*iph))
			continue;
		th = (struct tcphdr *)(buf + iph->ihl * 4);
		if (ntohs(th->source) != port ||
		    (dport && ntohs(th->dest) != dport))
			continue;
		*out = *th;
		*tsval = 0;
		if (th->doff > 5) {
			__u8 *o = (__u8 *)(th + 1), *end = (__u8 *)th + th->doff * 4;

			while (o < end && *o) {
				if (*o == 1) {
					o++;
					continue;
				}
				if (*o == 8 && o + 10 <= end) {
					__u32 v;

					memcpy(&v, o + 2, 4);
					*tsval = ntohl(v);
				}
				if (o + 1 >= end || o[1] < 2)
					break;
				o += o[1];
			}
		}
		return 0;
	}
}

static void flags_str(__u8 f, char *s)
{
	const char *names = "FSRPAU";
	int i;

	for (i = 0; i < 6; i++)
		if (f & (1 << i))
			*s++ = names[i];
	*s = '\0';
}

static int cmd_recv(int argc, char **argv)
{
	int port = atoi(argv[2]), count = 1, timeout = 5000, dport = 0;
	int opt, fd, got = 0;
	long start = now_ms();

	optind = 3;
	while ((opt = getopt(argc, argv, "c:t:p:")) != -1) {
		if (opt == 'c')
			count = atoi(optarg);
		else if (opt == 't')
			timeout = atoi(optarg);
		else if (opt == 'p')
			dport = atoi(optarg);
		else
			return 2;
	}
	fd = raw_socket();
	while (got < count) {
		struct tcphdr th;
		__u32 tsval;
		char f[8];

		if (recv_seg(fd, port, dport, timeout, &th, &tsval))
			break;
		flags_str(((__u8 *)&th)[13], f);
		printf("%ld %s %u %u %u\n", now_ms() - start, f, ntohl(th.seq),
		       ntohl(th.ack_seq), ntohs(th.window));
		fflush(stdout);
		got++;
	}
	return got == count ? 0 : 1;
}

static void parse_endpoint(const char *addr, const char *port,
			   struct in_addr *a, __u16 *p)
{
	if (inet_pton(AF_INET, addr, a) != 1) {
		fprintf(stderr, "bad address %s\n", addr);
		exit(2);
	}
	*p = atoi(port);
}

static void parse_seg_opts(int argc, char **argv, struct seg *s)
{
	int opt;

	while ((opt = getopt(argc, argv, "f:q:a:m:w:kT:d:CODIFEL:M:N:")) != -1) {
		switch (opt) {
		case 'f':
			s->flags = parse_flags(optarg);
			break;
		case 'q':
			s->seq = strtoul(optarg, NULL, 0);
			break;
		case 'a':
			s->ack = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			s->mss = atoi(optarg);
			break;
		case 'w':
			s->wscale = atoi(optarg);
			break;
		case 'k':
			s->sack = 1;
			break;
		case 'T':
			s->ts = 1;
			s->tsval = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			s->data = optarg;
			break;
		case 'C':
			s->badsum = 1;
			break;
		case 'O':
			s->badopt = 1;
			break;
		case 'D':
			s->baddoff = 1;
			break;
		case 'I':
			s->ipopt = 1;
			break;
		case 'F':
			s->frag = 1;
			break;
		case 'E':
			s->fin_last = 1;
			break;
		case 'L':
			s->trunc = strtoul(optarg, NULL, 0);
			break;
		case 'M':
			s->mark = strtoul(optarg, NULL, 0);
			break;
		case 'N':
			s->repeat = atoi(optarg);
			break;
		default:
			exit(2);
		}
	}
}

static int cmd_send(int argc, char **argv)
{
	struct seg s = { .flags = 0x02, .wscale = -1, .seq = 1000 };
	int fd;

	parse_endpoint(argv[2], argv[3], &s.src, &s.sport);
	parse_endpoint(argv[4], argv[5], &s.dst, &s.dport);
	optind = 6;
	parse_seg_opts(argc, argv, &s);
	fd = raw_socket();
	set_mark(fd, s.mark);
	do
		send_seg(fd, &s);
	while (--s.repeat > 0);
	return 0;
}

static int cmd_connect(int argc, char **argv)
{
	struct seg s = { .flags = 0x02, .wscale = 7, .mss = 1460, .sack = 1 };
	const char *data;
	struct tcphdr th;
	__u32 tsval;
	int fd = raw_socket();

	parse_endpoint(argv[2], argv[3], &s.src, &s.sport);
	parse_endpoint(argv[4], argv[5], &s.dst, &s.dport);
	optind = 6;
	getrandom(&s.seq, sizeof(s.seq), 0);
	parse_seg_opts(argc, argv, &s);
	set_mark(fd, s.mark);
	data = s.data;
	s.data = NULL;
	send_seg(fd, &s);
	if (recv_seg(fd, s.dport, s.sport, 5000, &th, &tsval) ||
	    ((__u8 *)&th)[13] != 0x12) {
		fprintf(stderr, "no SYN-ACK\n");
		return 1;
	}
	printf("synack seq=%u ack=%u\n", ntohl(th.seq), ntohl(th.ack_seq));
	s.flags = 0x18 | (s.fin_last ? 0x01 : 0);
	s.seq++;
	s.ack = ntohl(th.seq) + 1;
	s.tsecr = tsval;
	s.tsval++;
	s.mss = 0;
	s.wscale = -1;
	s.sack = 0;
	s.data = data;
	send_seg(fd, &s);
	return 0;
}

static void parse_range(const char *arg, unsigned int *lo, unsigned int *hi)
{
	if (sscanf(arg, "%u-%u", lo, hi) != 2 || *lo > *hi || *hi > 65535) {
		fprintf(stderr, "bad port range %s\n", arg);
		exit(2);
	}
}

/* Paced sending: segment @i (from 0) leaves no earlier than @i / @rate
 * seconds after @start; waits for that, but never past @end (ms, 0 for
 * no end). No rate, no wait.
 */
static void pace(long start, long i, long rate, long end)
{
	while (rate && i * 1000L > (now_ms() - start) * rate &&
	       (!end || now_ms() < end))
		usleep(1000);
}

static int cmd_flood(int argc, char **argv)
{
	struct seg s = { .flags = 0x10, .wscale = -1 };
	unsigned int lo = 1024, hi = 61023, first = 0;
	int n = -1, secs = 0, opt, fd = raw_socket(), i;
	long start, end, rate = 0;
	__u16 unused;

	parse_endpoint(argv[2], "0", &s.src, &unused);
	parse_endpoint(argv[3], argv[4], &s.dst, &s.dport);
	optind = 5;
	while ((opt = getopt(argc, argv, "n:t:f:p:s:r:")) != -1) {
		switch (opt) {
		case 'n':
			n = atoi(optarg);
			break;
		case 't':
			secs = atoi(optarg);
			break;
		case 'f':
			s.flags = parse_flags(optarg);
			break;
		case 'p':
			parse_range(optarg, &lo, &hi);
			break;
		case 's':
			first = strtoul(optarg, NULL, 0);
			break;
		case 'r':
			rate = atol(optarg);
			break;
		default:
			return 2;
		}
	}
	if (s.flags & 0x02)
		s.mss = 1460;
	if (n < 0 && !secs)
		n = 1;
	start = now_ms();
	end = start + secs * 1000L;
	for (i = 0; n < 0 || i < n; i++) {
		__u32 r[3];

		pace(start, i, rate, secs ? end : 0);
		if (secs && (rate || !(i & 63)) && now_ms() >= end)
			break;
		if (getrandom(r, sizeof(r), 0) != sizeof(r))
			die("getrandom");
		s.sport = first ? first + i : lo + r[0] % (hi - lo + 1);
		s.seq = first ? s.sport : r[1];
		s.ack = r[2];
		send_seg(fd, &s);
	}
	printf("sent %d\n", i);
	return 0;
}

/* xorshift64*: reproducible from the printed seed on any machine. */
static __u64 fuzz_state;

static __u32 fuzz_rand(void)
{
	fuzz_state ^= fuzz_state >> 12;
	fuzz_state ^= fuzz_state << 25;
	fuzz_state ^= fuzz_state >> 27;
	return (fuzz_state * 0x2545F4914F6CDD1DULL) >> 32;
}

/* True one time in @n. */
static int fuzz_one_in(unsigned int n)
{
	return fuzz_rand() % n == 0;
}

/* Appends one TCP option at @o (room: @left bytes) and returns its length;
 * *@bad is set when hsk's parser must reject it: a known kind with the
 * wrong length, a length below 2 or past the end of the header.
 */
static size_t fuzz_option(__u8 *o, size_t left, int *bad)
{
	static const __u8 kinds[] = { 0, 1, 2, 3, 4, 5, 8, 19, 28, 30, 34, 254 };
	static const __u8 good_len[] = { 1, 1, 4, 3, 2, 10, 10, 18, 4, 4, 2, 4 };
	unsigned int k = fuzz_rand() % sizeof(kinds), len, i;

	if (kinds[k] <= 1 || left < 2) {
		o[0] = left < 2 ? 1 : kinds[k];
		return 1;
	}
	len = good_len[k];
	if (fuzz_one_in(6))
		len = fuzz_rand() % 12;
	if (len > left)
		len = left;
	o[0] = kinds[k];
	o[1] = len;
	for (i = 2; i < len; i++)
		o[i] = fuzz_rand();
	/* SACK (5) and the unknown kinds take any length of 2 or more. */
	if (len < 2 || (kinds[k] == 2 && len != 4) ||
	    (kinds[k] == 3 && len != 3) || (kinds[k] == 4 && len != 2) ||
	    (kinds[k] == 8 && len != 10))
		*bad = 1;
	return len < 2 ? 2 : len;
}

/* A length byte of 0 or 1 has to stay the last thing hsk's parser reads:
 * it stops there, so what follows cannot matter.
 */
static size_t fuzz_options(__u8 *o, size_t room, int *bad)
{
	size_t n = 0, want = fuzz_rand() % (room + 1);

	while (n < want && !*bad) {
		size_t len = fuzz_option(o + n, room - n, bad);

		if (o[n] == 0) {	/* EOL: the parser stops reading here */
			n += len;
			break;
		}
		n += len;
	}
	while (n % 4)
		o[n++] = 0;
	return n;
}

/* One random segment at @tcp; returns its length and whether hsk must
 * count it malformed. The IP-level mutations are set in @s.
 */
static size_t fuzz_segment(struct seg *s, __u8 *tcp, int *bad)
{
	static const __u8 flag_sets[] = { 0x02, 0x02, 0x02, 0x10, 0x10, 0x18,
					  0x11, 0x04, 0x14, 0x12, 0x03, 0x06 };
	struct tcphdr *th = (struct tcphdr *)tcp;
	size_t optlen, dlen, len;
	int damaged = 0;

	*bad = 0;
	memset(th, 0, sizeof(*th));
	th->source = htons(s->sport);
	th->dest = htons(s->dport);
	th->seq = htonl(fuzz_rand());
	th->ack_seq = htonl(fuzz_rand());
	tcp[13] = fuzz_one_in(5) ? fuzz_rand() & 0xff :
				   flag_sets[fuzz_rand() % sizeof(flag_sets)];
	if ((tcp[13] & 0x02) && (tcp[13] & 0x05))
		*bad = 1;
	th->window = htons(fuzz_rand());
	optlen = fuzz_options(tcp + sizeof(*th), 40, bad);
	th->doff = (sizeof(*th) + optlen) / 4;
	dlen = fuzz_one_in(4) ? fuzz_rand() % 200 : 0;
	for (len = 0; len < dlen; len++)
		tcp[sizeof(*th) + optlen + len] = fuzz_rand();
	len = sizeof(*th) + optlen + dlen;

	th->check = tcp_csum(s, tcp, len);

	if (fuzz_one_in(20)) {
		th->check ^= htons(1 + fuzz_rand() % 0xfffe);
		damaged = 1;
	}
	/* Damage after the checksum was computed, for the header rules or
	 * the checksum to catch.
	 */
	if (fuzz_one_in(30)) {
		__u8 doff = fuzz_rand() % 16;

		damaged |= doff != th->doff;
		th->doff = doff;
	}
	if (fuzz_one_in(30)) {
		size_t cut = 4 + fuzz_rand() % (len - 3);

		damaged |= cut < len;
		len = cut;
	}
	/* One damaged segment in 65536 sums as the intact one did: cut
	 * bytes that added up to nothing, or a cut that undid a broken
	 * checksum. Seen once in 233558 malformed segments; breaking its
	 * checksum for good keeps the count exact.
	 */
	if (damaged && len >= sizeof(*th) && !tcp_csum(s, tcp, len))
		th->check ^= htons(1);
	*bad |= damaged;
	s->ipopt = fuzz_one_in(40);
	s->frag = !s->ipopt && len > 8 && fuzz_one_in(40);
	*bad |= s->ipopt || s->frag;
	return len;
}

static int cmd_fuzz(int argc, char **argv)
{
	struct seg s = { .wscale = -1 };
	unsigned int lo = 40000, hi = 65535;
	long n = 1, i, malformed = 0, rate = 0, start;
	__u64 seed = 0;
	int opt, fd = raw_socket();
	__u16 unused;

	parse_endpoint(argv[2], "0", &s.src, &unused);
	parse_endpoint(argv[3], argv[4], &s.dst, &s.dport);
	optind = 5;
	while ((opt = getopt(argc, argv, "n:s:p:M:r:")) != -1) {
		switch (opt) {
		case 'n':
			n = atol(optarg);
			break;
		case 'r':
			rate = atol(optarg);
			break;
		case 'M':
			set_mark(fd, strtoul(optarg, NULL, 0));
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'p':
			parse_range(optarg, &lo, &hi);
			break;
		default:
			return 2;
		}
	}
	while (!seed && getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		;
	printf("seed %llu\n", (unsigned long long)seed);
	fflush(stdout);
	fuzz_state = seed;
	start = now_ms();
	for (i = 0; i < n; i++) {
		__u8 tcp[320];
		size_t len;
		int bad;

		pace(start, i, rate, 0);
		s.sport = lo + fuzz_rand() % (hi - lo + 1);
		len = fuzz_segment(&s, tcp, &bad);
		send_ip(fd, &s, tcp, len);
		malformed += bad;
	}
	printf("sent %ld malformed %ld\n", n, malformed);
	return 0;
}

static __u64 rotl64(__u64 x, int b)
{
	return (x << b) | (x >> (64 - b));
}

static void sip_round(__u64 v[4])
{
	v[0] += v[1]; v[1] = rotl64(v[1], 13); v[1] ^= v[0]; v[0] = rotl64(v[0], 32);
	v[2] += v[3]; v[3] = rotl64(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = rotl64(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = rotl64(v[1], 17); v[1] ^= v[2]; v[2] = rotl64(v[2], 32);
}

/* SipHash-2-4 with an all-zero key of @len bytes, @len a multiple of 8
 * (little-endian words, as the kernel's siphash() reads them on x86).
 */
static __u64 siphash_zero_key(const void *data, size_t len)
{
	__u64 v[4] = {
		0x736f6d6570736575ULL, 0x646f72616e646f6dULL,
		0x6c7967656e657261ULL, 0x7465646279746573ULL,
	};
	const unsigned char *p = data;
	__u64 m;
	size_t i;

	for (i = 0; i < len; i += 8) {
		memcpy(&m, p + i, 8);
		v[3] ^= m;
		sip_round(v);
		sip_round(v);
		v[0] ^= m;
	}
	m = (__u64)len << 56;
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static int cmd_zerocookie(char **argv)
{
	struct {
		struct in_addr raddr, laddr;
		__u16 rport, lport;
		__u32 rcv_isn, period, flags;
	} in;
	__u32 mac;

	memset(&in, 0, sizeof(in));
	if (inet_pton(AF_INET, argv[2], &in.raddr) != 1 ||
	    inet_pton(AF_INET, argv[4], &in.laddr) != 1)
		return 2;
	in.rport = htons(atoi(argv[3]));
	in.lport = htons(atoi(argv[5]));
	in.rcv_isn = strtoul(argv[6], NULL, 0);
	in.period = strtoul(argv[7], NULL, 0);
	in.flags = 1 << 7;
	mac = siphash_zero_key(&in, sizeof(in)) & 0xffffff;
	printf("%u\n", mac << 8 | ((in.flags ^ mac) & 0xff));
	return 0;
}

/* A conntrack delete request without a tuple deletes every entry of the
 * family; the kernel's acknowledgment says whether it did.
 */
static int cmd_ctflush(void)
{
	struct {
		struct nlmsghdr nlh;
		struct nfgenmsg nfg;
	} req = {
		.nlh = {
			.nlmsg_len = sizeof(req),
			.nlmsg_type = NFNL_SUBSYS_CTNETLINK << 8 | IPCTNL_MSG_CT_DELETE,
			.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
		},
		.nfg = { .nfgen_family = AF_INET, .version = NFNETLINK_V0 },
	};
	struct {
		struct nlmsghdr nlh;
		struct nlmsgerr err;
	} ack;
	int fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
	ssize_t n;

	if (fd < 0)
		die("netlink socket");
	if (send(fd, &req, sizeof(req), 0) < 0)
		die("ctnetlink delete");
	n = recv(fd, &ack, sizeof(ack), 0);
	if (n < (ssize_t)sizeof(ack) || ack.nlh.nlmsg_type != NLMSG_ERROR) {
		fputs("ctnetlink: no acknowledgment\n", stderr);
		return 1;
	}
	if (ack.err.error) {
		errno = -ack.err.error;
		die("ctnetlink flush");
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 6 && !strcmp(argv[1], "send"))
		return cmd_send(argc, argv);
	if (argc >= 3 && !strcmp(argv[1], "recv"))
		return cmd_recv(argc, argv);
	if (argc >= 6 && !strcmp(argv[1], "connect"))
		return cmd_connect(argc, argv);
	if (argc >= 5 && !strcmp(argv[1], "flood"))
		return cmd_flood(argc, argv);
	if (argc >= 5 && !strcmp(argv[1], "fuzz"))
		return cmd_fuzz(argc, argv);
	if (argc == 2 && !strcmp(argv[1], "ctflush"))
		return cmd_ctflush();
	if (argc == 8 && !strcmp(argv[1], "zerocookie"))
		return cmd_zerocookie(argv);
	fputs("usage: hsk_pkt send|recv|connect|flood|fuzz|ctflush|zerocookie ...\n",
	      stderr);
	return 2;
}
