/*
 * xfrread - fetches a zone by AXFR over TCP and only counts what arrives.
 *
 *   xfrread [-t SECONDS] ADDR PORT ZONE
 *
 * For bench/xfr: a client that costs next to nothing per octet, so that the
 * time of a transfer is the server's and the socket's, not the client's (kdig
 * parses every record into its own structures). It sends one AXFR query,
 * reads the stream through a large buffer, splits it at the two-octet length
 * prefixes (RFC 1035 §4.2.2) and walks each message's answer section only as
 * far as needed to find the SOA records: the transfer ends at the second one
 * (RFC 5936 §2.2). It prints one line:
 *
 *   messages=N octets=N rrs=N serial=N seconds=S
 *
 * octets counts the messages without their length prefixes; seconds runs from
 * connect() to the last octet. Exit status 0 for a complete transfer, 1 for a
 * refused, broken or timed-out one (with a message on stderr).
 * Standalone: no project library. Single-threaded.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUF_SIZE (4 << 20)
#define TYPE_SOA 6
#define TYPE_AXFR 252

struct count {
	uint64_t messages, octets, rrs;
	unsigned soas;
	uint32_t serial;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Writes ZONE in wire form to out (room for 255 octets); returns its length,
 * or -1 for a name that does not fit. */
static int name_to_wire(const char *zone, uint8_t *out)
{
	size_t len = 0;
	const char *p = zone;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);
		if (l == 0 || l > 63 || len + 1 + l + 1 > 255)
			return -1;
		out[len++] = (uint8_t)l;
		memcpy(out + len, p, l);
		len += l;
		p += l;
		if (*p == '.')
			p++;
	}
	out[len++] = 0;
	return (int)len;
}

/* Offset just past the (possibly compressed) name at off in msg[0..len), or
 * 0 when it runs past the end. */
static size_t skip_name(const uint8_t *msg, size_t len, size_t off)
{
	while (off < len) {
		uint8_t l = msg[off];
		if (l == 0)
			return off + 1;
		if ((l & 0xC0) == 0xC0)
			return off + 2 <= len ? off + 2 : 0;
		off += 1 + (size_t)l;
	}
	return 0;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Counts one message; returns 1 when it ended the transfer, 0 to go on, -1
 * for a message that is not a good answer. */
static int count_message(const uint8_t *msg, size_t len, struct count *c)
{
	if (len < 12 || (msg[3] & 0x0F) != 0)
		return -1; /* short, or an error rcode */
	uint16_t qd = get16(msg + 4), an = get16(msg + 6);
	size_t off = 12;
	for (uint16_t i = 0; i < qd; i++) {
		off = skip_name(msg, len, off);
		if (off == 0 || off + 4 > len)
			return -1;
		off += 4;
	}
	c->messages++;
	c->octets += len;
	for (uint16_t i = 0; i < an; i++) {
		off = skip_name(msg, len, off);
		if (off == 0 || off + 10 > len)
			return -1;
		uint16_t type = get16(msg + off), rdlen = get16(msg + off + 8);
		off += 10;
		if (off + rdlen > len)
			return -1;
		c->rrs++;
		if (type == TYPE_SOA) {
			size_t s = skip_name(msg, len, off);
			s = s ? skip_name(msg, len, s) : 0;
			if (s == 0 || s + 4 > off + rdlen)
				return -1;
			c->serial = (uint32_t)get16(msg + s) << 16 | get16(msg + s + 2);
			if (++c->soas == 2)
				return 1;
		} else if (c->soas == 0) {
			return -1; /* the first record must be the SOA */
		}
		off += rdlen;
	}
	return 0;
}

static int send_query(int fd, const char *zone)
{
	uint8_t q[2 + 12 + 255 + 4] = {0};
	int n = name_to_wire(zone, q + 14);
	if (n < 0) {
		fprintf(stderr, "xfrread: bad zone name %s\n", zone);
		return -1;
	}
	size_t len = 12 + (size_t)n + 4;
	q[0] = (uint8_t)(len >> 8);
	q[1] = (uint8_t)len;
	uint16_t id = (uint16_t)(getpid() ^ (unsigned)time(NULL));
	q[2] = (uint8_t)(id >> 8);
	q[3] = (uint8_t)id;
	q[7] = 1; /* QDCOUNT */
	q[14 + n] = 0;
	q[15 + n] = TYPE_AXFR;
	q[16 + n] = 0;
	q[17 + n] = 1; /* IN */
	if (write(fd, q, 2 + len) != (ssize_t)(2 + len)) {
		perror("xfrread: write");
		return -1;
	}
	return 0;
}

/* Reads and counts the stream; 0 when the transfer completed. */
static int read_stream(int fd, int timeout_ms, struct count *c)
{
	uint8_t *buf = malloc(BUF_SIZE);
	size_t have = 0;
	int rc = -1;
	if (!buf)
		return -1;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		int pr = poll(&p, 1, timeout_ms);
		if (pr <= 0) {
			fprintf(stderr, "xfrread: %s\n", pr == 0 ? "timed out" : strerror(errno));
			break;
		}
		ssize_t n = read(fd, buf + have, BUF_SIZE - have);
		if (n <= 0) {
			fprintf(stderr, "xfrread: the server closed the stream before its end\n");
			break;
		}
		have += (size_t)n;
		size_t off = 0;
		int done = 0;
		while (!done && have - off >= 2 && have - off >= 2 + (size_t)get16(buf + off)) {
			size_t len = get16(buf + off);
			done = count_message(buf + off + 2, len, c);
			off += 2 + len;
		}
		if (done < 0) {
			fprintf(stderr, "xfrread: message %llu is not a good AXFR answer\n",
				(unsigned long long)c->messages + 1);
			break;
		}
		if (done > 0) {
			rc = 0;
			break;
		}
		memmove(buf, buf + off, have - off);
		have -= off;
	}
	free(buf);
	return rc;
}

int main(int argc, char **argv)
{
	int timeout_ms = 120000, opt;
	while ((opt = getopt(argc, argv, "t:")) != -1) {
		if (opt == 't') {
			timeout_ms = (int)(strtol(optarg, NULL, 10) * 1000);
		} else {
			fprintf(stderr, "usage: xfrread [-t SECONDS] ADDR PORT ZONE\n");
			return 2;
		}
	}
	if (argc - optind != 3) {
		fprintf(stderr, "usage: xfrread [-t SECONDS] ADDR PORT ZONE\n");
		return 2;
	}
	struct sockaddr_in sa = {.sin_family = AF_INET};
	char *end = NULL;
	long port = strtol(argv[optind + 1], &end, 10);
	if (inet_pton(AF_INET, argv[optind], &sa.sin_addr) != 1 || *end || port <= 0 ||
		port > 65535) {
		fprintf(stderr, "xfrread: bad address or port\n");
		return 2;
	}
	sa.sin_port = htons((uint16_t)port);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		perror("xfrread: socket");
		return 1;
	}
	double t0 = now();
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("xfrread: connect");
		close(fd);
		return 1;
	}
	struct count c = {0};
	int rc = send_query(fd, argv[optind + 2]);
	rc = rc ? rc : read_stream(fd, timeout_ms, &c);
	double t1 = now();
	close(fd);
	printf("messages=%llu octets=%llu rrs=%llu serial=%u seconds=%.6f\n",
		(unsigned long long)c.messages, (unsigned long long)c.octets,
		(unsigned long long)c.rrs, c.serial, t1 - t0);
	return rc ? 1 : 0;
}
