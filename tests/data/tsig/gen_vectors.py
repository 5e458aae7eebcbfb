#!/usr/bin/python3
"""Writes vectors.txt: TSIG-signed DNS messages made by other implementations,
for tests/unit/test_tsig.c.

Where each vector comes from:
  - dnspython (python3-dnspython, dns.message + dns.tsig) signs queries and
    response streams at fixed times (time.time is pinned while it signs);
  - kdig -y (Knot's libknot) and dig -y (BIND's libdns) sign a query at the
    real time; a UDP socket here catches it;
  - knotd (Knot DNS) answers an AXFR signed by dnspython, a query with an
    unknown key (BADKEY), one with a broken MAC (BADSIG) and one signed an
    hour ago (BADTIME); the messages are kept as they came off TCP.
Every stream is also read back with dnspython before it is written, so the
file holds only what an independent verifier accepts.

Usage: tests/data/tsig/gen_vectors.py [OUT]   (default: vectors.txt beside
this script). Needs kdig, dig and knotd. Secrets are test-only.

Format: blocks of "field value" lines, each block opened by "vector NAME".
Fields: key ALG:NAME:SECRET, now UNIX, unsigned HEX (a message before
signing), signed HEX (the same message signed), msg HEX (one response
message, in order), query HEX (the request an answer is for), error N (the
TSIG error the responses carry).
"""
import base64
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time

import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.tsig

FIXED_TIME = 1700000000  # 2023-11-14T22:13:20Z
REAL_TIME = time.time
_pinned = [None]


def _now():
    return _pinned[0] if _pinned[0] is not None else REAL_TIME()


time.time = _now  # dns.message and dns.tsig read the clock through time.time


def pin(t):
    _pinned[0] = t


ALGS = {
    "hmac-sha1": dns.tsig.HMAC_SHA1,
    "hmac-sha224": dns.tsig.HMAC_SHA224,
    "hmac-sha256": dns.tsig.HMAC_SHA256,
    "hmac-sha384": dns.tsig.HMAC_SHA384,
    "hmac-sha512": dns.tsig.HMAC_SHA512,
}


def secret(n, seed):
    return base64.b64encode(bytes((seed + 7 * i) & 0xFF for i in range(n))).decode()


class Out:
    def __init__(self):
        self.lines = []

    def vector(self, name, alg, keyname, sec, now):
        self.lines += ["", f"vector {name}", f"key {alg}:{keyname}:{sec}", f"now {now}"]

    def field(self, name, value):
        self.lines.append(f"{name} {value.hex() if isinstance(value, bytes) else value}")


def keyring(alg, keyname, sec):
    return {dns.name.from_text(keyname): dns.tsig.Key(keyname, sec, ALGS[alg])}


def query(qname, qtype, qid, ring=None, keyname=None, alg=None):
    q = dns.message.make_query(qname, qtype)
    q.id = qid
    if ring:
        q.use_tsig(ring, keyname=keyname, algorithm=ALGS[alg])
    return q


def signed_queries(out):
    """One query per algorithm, signed at FIXED_TIME; a long secret (over the
    hash's block size) for sha256; a key name dnspython compresses, and one
    in mixed case."""
    cases = [
        ("hmac-sha1", "xfr-key", secret(20, 1)),
        ("hmac-sha224", "xfr-key", secret(28, 2)),
        ("hmac-sha256", "xfr-key", secret(32, 3)),
        ("hmac-sha384", "xfr-key", secret(48, 4)),
        ("hmac-sha512", "xfr-key", secret(64, 5)),
        ("hmac-sha256", "long-secret.key", secret(100, 6)),
    ]
    pin(FIXED_TIME)
    for i, (alg, keyname, sec) in enumerate(cases):
        ring = keyring(alg, keyname, sec)
        plain = query("example.", "AXFR", 0x1000 + i).to_wire()
        signed = query("example.", "AXFR", 0x1000 + i, ring, keyname, alg).to_wire()
        dns.message.from_wire(signed, keyring=ring)  # dnspython accepts it
        out.vector(f"dnspython-query-{alg}-{keyname}", alg, keyname, sec, FIXED_TIME)
        out.field("unsigned", plain)
        out.field("signed", signed)
    # the TSIG owner "key.example." goes out as a pointer to the question
    ring = keyring("hmac-sha256", "key.example", secret(32, 8))
    signed = query("example.", "SOA", 0x2000, ring, "key.example", "hmac-sha256").to_wire()
    assert b"\x03key\xc0\x0c" in signed, "expected a compressed key name"
    dns.message.from_wire(signed, keyring=ring)
    out.vector("dnspython-query-compressed-name", "hmac-sha256", "key.example", secret(32, 8),
               FIXED_TIME)
    out.field("signed", signed)
    # the key name goes out in the case it was given, the digest takes it
    # lower-cased (RFC 8945 §4.3.3)
    ring = keyring("hmac-sha256", "Mixed-Case.KEY", secret(32, 9))
    signed = query("example.", "SOA", 0x2001, ring, "Mixed-Case.KEY", "hmac-sha256").to_wire()
    assert b"\x0aMixed-Case\x03KEY" in signed
    dns.message.from_wire(signed, keyring=ring)
    out.vector("dnspython-query-mixed-case", "hmac-sha256", "mixed-case.key", secret(32, 9),
               FIXED_TIME)
    out.field("signed", signed)
    pin(None)


def response_part(q, i):
    r = dns.message.make_response(q)
    r.flags |= dns.flags.AA
    rrs = dns.rrset.from_text(f"n{i}.example.", 300, "IN", "TXT", f'"message {i}"')
    r.answer.append(rrs)
    return r


def stream(out, name, alg, sec, unsigned_at, count=6):
    """An AXFR-like stream of count responses signed by dnspython as a server;
    the messages whose index is in unsigned_at go out unsigned and their
    octets into the next signed message's digest (RFC 8945 §5.3.1)."""
    keyname = "xfr-key"
    ring = keyring(alg, keyname, sec)
    pin(FIXED_TIME)
    plain_q = query("example.", "AXFR", 0x3333).to_wire()
    wire_q = query("example.", "AXFR", 0x3333, ring, keyname, alg).to_wire()
    q = dns.message.from_wire(wire_q, keyring=ring)
    out.vector(name, alg, keyname, sec, FIXED_TIME)
    out.field("unsigned", plain_q)
    out.field("signed", wire_q)
    ctx, msgs = None, []
    for i in range(count):
        pin(FIXED_TIME + min(i, 5))  # later messages are signed later
        r = response_part(q, i)
        if i in unsigned_at:
            r.keyring = None
            r.tsig = None
            w = r.to_wire()
            ctx.update(w)
        else:
            w = r.to_wire(multi=True, tsig_ctx=ctx)
            ctx = r.tsig_ctx
        msgs.append(w)
    pin(FIXED_TIME + 3)
    check_stream(msgs, ring, q.mac)
    for w in msgs:
        out.field("msg", w)
    pin(None)


def check_stream(msgs, ring, request_mac):
    ctx = None
    for w in msgs:
        m = dns.message.from_wire(w, keyring=ring, request_mac=request_mac, multi=True,
                                  tsig_ctx=ctx)
        ctx = m.tsig_ctx
    assert m.had_tsig, "stream must end signed"


def badtime_answer(out):
    """dnspython's signed BADTIME answer: the request's time signed, our time
    as other data (RFC 8945 §5.2.3), for a server 1000 s ahead."""
    alg, keyname, sec = "hmac-sha256", "xfr-key", secret(32, 3)
    ring = keyring(alg, keyname, sec)
    pin(FIXED_TIME)
    wire_q = query("example.", "SOA", 0x4444, ring, keyname, alg).to_wire()
    q = dns.message.from_wire(wire_q, keyring=ring)
    server_now = FIXED_TIME + 1000
    r = dns.message.make_response(q, tsig_error=dns.rcode.BADTIME)
    r.set_rcode(dns.rcode.NOTAUTH)
    r.use_tsig(ring, keyname=keyname, tsig_error=dns.rcode.BADTIME,
               other_data=struct.pack("!HI", server_now >> 32, server_now & 0xFFFFFFFF),
               algorithm=ALGS[alg])
    plain = dns.message.make_response(q)
    plain.keyring = None
    plain.tsig = None
    plain.set_rcode(dns.rcode.NOTAUTH)
    out.vector("dnspython-badtime-answer", alg, keyname, sec, server_now)
    out.field("query", wire_q)
    out.field("unsigned", plain.to_wire())
    out.field("signed", r.to_wire())
    pin(None)


def catch_udp_query(argv):
    """Runs a client that sends one query to a socket here; returns it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(5)
    port = s.getsockname()[1]
    p = subprocess.Popen(argv + ["-p", str(port)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        data, _ = s.recvfrom(65535)
    finally:
        p.kill()
        p.wait()
        s.close()
    return data


def tool_queries(out):
    for tool, extra in (("kdig", ["+retry=0", "+time=1"]), ("dig", ["+tries=1", "+time=1"])):
        alg, keyname, sec = "hmac-sha256", "Tool-Key.Example", secret(32, 11)
        wire = catch_udp_query([tool, "-y", f"{alg}:{keyname}:{sec}", "@127.0.0.1", "example.",
                                "SOA"] + extra)
        m = dns.message.from_wire(wire, keyring=keyring(alg, keyname, sec))
        assert m.had_tsig
        out.vector(f"{tool}-query", alg, keyname, sec, m.tsig[0].time_signed)
        out.field("signed", wire)
        alg, sec = "hmac-sha512", secret(64, 12)
        wire = catch_udp_query([tool, "-y", f"{alg}:{keyname}:{sec}", "@127.0.0.1", "example.",
                                "SOA"] + extra)
        m = dns.message.from_wire(wire, keyring=keyring(alg, keyname, sec))
        out.vector(f"{tool}-query-sha512", alg, keyname, sec, m.tsig[0].time_signed)
        out.field("signed", wire)


KNOT_CONF = """server:
    rundir: "{d}"
    listen: 127.0.0.1@{port}
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "{d}"
log:
  - target: "{d}/knotd.log"
    any: info
key:
  - id: xfr-key
    algorithm: {alg}
    secret: {sec}
acl:
  - id: xfr
    address: 127.0.0.0/8
    key: xfr-key
    action: transfer
zone:
  - domain: example.
    file: "{d}/example.zone"
    acl: xfr
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def tcp_exchange(port, wire, key, request_mac):
    """Sends wire over TCP; returns the answer messages as received, read
    back with dnspython (multi-message TSIG) until the closing SOA, or the
    first message alone when it is an error."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(struct.pack("!H", len(wire)) + wire)
    msgs, soas, ctx = [], 0, None
    while soas < 2:
        n = struct.unpack("!H", recv_all(s, 2))[0]
        m = recv_all(s, n)
        msgs.append(m)
        if m[3] & 0x0F != dns.rcode.NOERROR:
            break
        parsed = dns.message.from_wire(m, keyring=lambda _m, _n: key, request_mac=request_mac,
                                       multi=True, tsig_ctx=ctx, one_rr_per_rrset=True)
        ctx = parsed.tsig_ctx
        soas += sum(1 for rr in parsed.answer if rr.rdtype == dns.rdatatype.SOA)
    s.close()
    return msgs


PEER_ERRORS = {dns.tsig.PeerBadKey: 17, dns.tsig.PeerBadSignature: 16, dns.tsig.PeerBadTime: 18}


def peer_error(m, key):
    """The TSIG error of an answer, as dnspython reads it."""
    try:
        dns.message.from_wire(m, keyring=lambda _m, _n: key, request_mac=b"")
    except tuple(PEER_ERRORS) as e:
        return PEER_ERRORS[type(e)]
    return 0


def recv_all(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError("connection closed")
        b += c
    return b


def write_zone(path, records):
    with open(path, "w") as f:
        f.write("$ORIGIN example.\n$TTL 300\n")
        f.write("@ SOA ns1 hostmaster 1 3600 900 604800 300\n@ NS ns1\nns1 A 192.0.2.1\n")
        for i in range(records):
            f.write(f'txt{i:05d} TXT "{"record %05d " % i * 8}"\n')


def knotd_vectors(out):
    alg, sec = "hmac-sha256", secret(32, 21)
    ring = keyring(alg, "xfr-key", sec)
    with tempfile.TemporaryDirectory(prefix="tsig-knotd.") as d:
        port = free_port()
        write_zone(f"{d}/example.zone", 300)
        with open(f"{d}/knot.conf", "w") as f:
            f.write(KNOT_CONF.format(d=d, port=port, alg=alg, sec=sec))
        p = subprocess.Popen(["knotd", "-c", f"{d}/knot.conf"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            wait_up(port)
            knotd_axfr(out, port, ring, alg, sec)
            knotd_errors(out, port, ring, alg, sec)
        finally:
            p.send_signal(signal.SIGTERM)
            p.wait(10)


def wait_up(port):
    for _ in range(100):
        try:
            dns.query.udp(dns.message.make_query("example.", "SOA"), "127.0.0.1", port=port,
                          timeout=0.2)
            return
        except (dns.exception.Timeout, OSError):
            time.sleep(0.1)
    raise RuntimeError("knotd did not come up")


def knotd_axfr(out, port, ring, alg, sec):
    now = int(REAL_TIME())
    pin(now)
    plain = query("example.", "AXFR", 0x5151).to_wire()
    wire = query("example.", "AXFR", 0x5151, ring, "xfr-key", alg).to_wire()
    q = dns.message.from_wire(wire, keyring=ring)
    msgs = tcp_exchange(port, wire, ring[dns.name.from_text("xfr-key")], q.mac)
    assert len(msgs) >= 2, f"want a stream of several messages, got {len(msgs)}"
    out.vector("knotd-axfr", alg, "xfr-key", sec, now)
    out.field("unsigned", plain)
    out.field("signed", wire)
    for m in msgs:
        out.field("msg", m)
    pin(None)


def knotd_errors(out, port, ring, alg, sec):
    """Queries knotd refuses, and its answers: BADKEY, BADSIG, BADTIME."""
    now = int(REAL_TIME())
    cases = []
    pin(now)
    other = keyring(alg, "unknown-key", sec)
    cases.append(("badkey", now, query("example.", "SOA", 0x6001, other, "unknown-key",
                                       alg).to_wire()))
    bad = bytearray(query("example.", "SOA", 0x6002, ring, "xfr-key", alg).to_wire())
    bad[-10] ^= 0x01  # a MAC octet (ID, error and other len follow it)
    cases.append(("badsig", now, bytes(bad)))
    pin(now - 3600)
    cases.append(("badtime", now - 3600, query("example.", "SOA", 0x6003, ring, "xfr-key",
                                                alg).to_wire()))
    pin(None)
    for name, t, wire in cases:
        key = ring[dns.name.from_text("xfr-key")]
        msgs = tcp_exchange(port, wire, key, b"")
        assert msgs[0][3] & 0x0F == dns.rcode.NOTAUTH, name
        out.vector(f"knotd-{name}", alg, "xfr-key", sec, t)
        out.field("signed", wire)
        out.field("msg", msgs[0])
        out.field("error", peer_error(msgs[0], key))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "vectors.txt")
    out = Out()
    out.lines.append("# TSIG test vectors written by gen_vectors.py (see there); hex wire.")
    signed_queries(out)
    stream(out, "dnspython-stream-all-signed", "hmac-sha256", secret(32, 3), set())
    stream(out, "dnspython-stream-unsigned-gaps", "hmac-sha384", secret(48, 4), {1, 2, 4})
    # the most a client must take: 99 unsigned in a row (RFC 8945 §5.3.1)
    stream(out, "dnspython-stream-99-unsigned", "hmac-sha1", secret(20, 1), set(range(1, 100)),
           101)
    badtime_answer(out)
    tool_queries(out)
    knotd_vectors(out)
    with open(path, "w") as f:
        f.write("\n".join(out.lines) + "\n")


if __name__ == "__main__":
    main()
