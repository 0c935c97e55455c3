// SPDX-License-Identifier: GPL-2.0
/*
 * A BPF LSM program on the inet_conn_request hook, for test_lsm.sh:
 * loaded and attached with the raw bpf() syscall, no libbpf and no
 * compiler, its few instructions written here by hand.
 *
 *   hsk_lsm all      refuse every connection request (-EPERM)
 *   hsk_lsm cookie   refuse requests without a listener, that is the
 *                    kernel's cookie requests (at the SYN with
 *                    tcp_syncookies=2, at the final ACK otherwise)
 *
 * It prints "attached" once the program is live, holds it until SIGTERM
 * or SIGINT, then detaches (closing the link) and exits 0. The hook's
 * BTF id, and the offset of request_sock's rsk_listener, come from
 * walking the types of /sys/kernel/btf/vmlinux.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/btf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#define HOOK "bpf_lsm_inet_conn_request"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

struct btf_info {
	int hook_id;		/* FUNC HOOK, 0 if not found */
	int listener_off;	/* bytes, -1 if not found */
};

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static char *read_file(const char *path, size_t *len)
{
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	ssize_t r;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		die(path);
	while (buf && (r = read(fd, buf + n, cap - n)) > 0) {
		n += r;
		if (n == cap)
			buf = realloc(buf, cap *= 2);
	}
	if (!buf)
		die("memory");
	close(fd);
	*len = n;
	return buf;
}

/* How many bytes follow a type's struct btf_type. */
static size_t btf_extra(const struct btf_type *t)
{
	unsigned int vlen = BTF_INFO_VLEN(t->info);

	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT:
	case BTF_KIND_VAR:
	case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return vlen * sizeof(struct btf_member);
	case BTF_KIND_ENUM:
		return vlen * sizeof(struct btf_enum);
	case BTF_KIND_ENUM64:
		return vlen * sizeof(struct btf_enum64);
	case BTF_KIND_FUNC_PROTO:
		return vlen * sizeof(struct btf_param);
	case BTF_KIND_DATASEC:
		return vlen * sizeof(struct btf_var_secinfo);
	default:
		return 0;
	}
}

static const struct btf_type **btf_types;
static const char *btf_strs;

/* The byte offset of member @name in struct or union @id, looked for in
 * its anonymous members too; -1 if it has none.
 */
static int member_off(int id, const char *name)
{
	const struct btf_type *t = btf_types[id];
	const struct btf_member *m = (const void *)(t + 1);
	unsigned int kind = BTF_INFO_KIND(t->info), i;
	int off;

	if (kind != BTF_KIND_STRUCT && kind != BTF_KIND_UNION)
		return -1;
	for (i = 0; i < BTF_INFO_VLEN(t->info); i++) {
		const char *mname = btf_strs + m[i].name_off;
		unsigned int bits = BTF_INFO_KFLAG(t->info) ?
				    BTF_MEMBER_BIT_OFFSET(m[i].offset) :
				    m[i].offset;

		if (!strcmp(mname, name))
			return bits / 8;
		if (*mname)
			continue;
		off = member_off(m[i].type, name);
		if (off >= 0)
			return bits / 8 + off;
	}
	return -1;
}

static void btf_walk(struct btf_info *bi)
{
	const struct btf_header *h;
	const char *types, *p;
	int id, req_id = 0, common_id = 0, a, b;
	size_t len;
	char *buf;

	buf = read_file("/sys/kernel/btf/vmlinux", &len);
	h = (const struct btf_header *)buf;
	if (len < sizeof(*h) || h->magic != BTF_MAGIC ||
	    h->hdr_len + h->str_off + h->str_len > len ||
	    h->hdr_len + h->type_off + h->type_len > len) {
		fprintf(stderr, "vmlinux BTF: bad header\n");
		exit(1);
	}
	types = buf + h->hdr_len + h->type_off;
	btf_strs = buf + h->hdr_len + h->str_off;
	/* Type ids start at 1; no type is smaller than its header. */
	btf_types = calloc(h->type_len / sizeof(struct btf_type) + 2,
			   sizeof(*btf_types));
	if (!btf_types)
		die("memory");
	bi->hook_id = 0;
	for (p = types, id = 1; p < types + h->type_len; id++) {
		const struct btf_type *t = (const struct btf_type *)p;
		const char *name = btf_strs + t->name_off;
		unsigned int kind = BTF_INFO_KIND(t->info);

		btf_types[id] = t;
		if (kind == BTF_KIND_FUNC && !strcmp(name, HOOK))
			bi->hook_id = id;
		if (kind == BTF_KIND_STRUCT && !strcmp(name, "request_sock"))
			req_id = id;
		if (kind == BTF_KIND_STRUCT && !strcmp(name, "sock_common"))
			common_id = id;
		p += sizeof(*t) + btf_extra(t);
	}
	/* rsk_listener is __req_common.skc_listener. */
	a = req_id ? member_off(req_id, "__req_common") : -1;
	b = common_id ? member_off(common_id, "skc_listener") : -1;
	bi->listener_off = a < 0 || b < 0 ? -1 : a + b;
}

#define INSN(c, d, s, o, i) \
	((struct bpf_insn){ .code = (c), .dst_reg = (d), .src_reg = (s), \
			    .off = (o), .imm = (i) })

static void on_signal(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	/* The hook's arguments are u64 slots of the context: sk, skb, req. */
	struct bpf_insn refuse_all[] = {
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, -EPERM),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	struct bpf_insn refuse_cookie[] = {
		INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_2, BPF_REG_1, 16, 0),
		INSN(BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_3, BPF_REG_2, 0, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0),
		INSN(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_3, 0, 1, 0),
		INSN(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, -EPERM),
		INSN(BPF_JMP | BPF_EXIT, 0, 0, 0, 0),
	};
	static char log[65536];
	struct sigaction sa = { .sa_handler = on_signal };
	struct btf_info bi;
	union bpf_attr attr;
	int prog, link;

	if (argc != 2 || (strcmp(argv[1], "all") && strcmp(argv[1], "cookie"))) {
		fprintf(stderr, "usage: hsk_lsm all|cookie\n");
		return 2;
	}
	btf_walk(&bi);
	if (!bi.hook_id || bi.listener_off < 0) {
		fprintf(stderr, "vmlinux BTF: no %s or request_sock.rsk_listener\n",
			HOOK);
		return 1;
	}
	refuse_cookie[1].off = bi.listener_off;

	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_LSM;
	attr.expected_attach_type = BPF_LSM_MAC;
	attr.attach_btf_id = bi.hook_id;
	if (!strcmp(argv[1], "all")) {
		attr.insns = (unsigned long)refuse_all;
		attr.insn_cnt = ARRAY_SIZE(refuse_all);
	} else {
		attr.insns = (unsigned long)refuse_cookie;
		attr.insn_cnt = ARRAY_SIZE(refuse_cookie);
	}
	attr.license = (unsigned long)"GPL";
	attr.log_level = 1;
	attr.log_buf = (unsigned long)log;
	attr.log_size = sizeof(log);
	memcpy(attr.prog_name, "hsk_lsm", sizeof("hsk_lsm"));
	prog = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	if (prog < 0) {
		perror("BPF_PROG_LOAD");
		fprintf(stderr, "%s", log);
		return 1;
	}

	memset(&attr, 0, sizeof(attr));
	attr.raw_tracepoint.prog_fd = prog;
	link = syscall(SYS_bpf, BPF_RAW_TRACEPOINT_OPEN, &attr, sizeof(attr));
	if (link < 0)
		die("BPF_RAW_TRACEPOINT_OPEN");

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	printf("attached %s to btf id %d\n", argv[1], bi.hook_id);
	fflush(stdout);
	pause();
	close(link);
	close(prog);
	printf("detached\n");
	return 0;
}
