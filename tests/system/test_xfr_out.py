"""Transfers out of cascaded (cascade-spec §7, §11 [server.outbound]), against real peers.

- knotd, NSD and named as secondaries of the publication server hear our (TSIG-signed)
  NOTIFY, take the zone by AXFR, then the next version by IXFR, and serve a zone that
  dnssec-verify and ldns-verify-zone accept;
- provide-xfr-to: address prefixes (IPv4 and IPv6) and keys for SOA, AXFR and IXFR, each
  refusal REFUSED with EDE 18; TSIG errors (BADKEY, BADSIG, BADTIME) come before the list;
- NOTIFY retries (2, 4, 8, 16 s apart): a secondary that starts late still hears of the
  version; one that refuses it is given up after five tries; a silent port keeps being tried;
- IXFR answers: condensed over several versions (RFC 1995 §4, one difference sequence),
  the whole zone for a serial not in the journal or beyond max-diffs, a single SOA over UDP
  and for a client that is up to date, the journal kept across a restart;
- the review servers answer IXFR from the version before the one under review.
"""
import os
import re
import socket
import struct
import time
from collections import namedtuple

import dns.edns
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import pytest

from cascaded import Daemon, free_port
from peers import (ADDR, KnotSecondary, NamedSecondary, NsdSecondary, TsigKey, XfrEnd,
                   answer_records, axfr, need)
from test_daemon import ZONE as ZONE_TEMPLATE
from test_daemon import verify

SOA = dns.rdatatype.SOA
ZONE = "example.test."

# ------------------------------------------------------------------------------------ helpers


def policy(notify=(), xfr=(), max_diffs=None, review=""):
    """A policy text: serial counter, max-diffs-size 100 % (a test zone is small, and a
    signed change touches several records), the given outbound lists."""
    def toml_list(items):
        return "[" + ", ".join(f'"{i}"' for i in items) + "]"
    text = f'version = "v1"\n[signer]\nserial-policy = "counter"\n{review}'
    text += f"[server.outbound]\nmax-diffs-size = 100\nsend-notify-to = {toml_list(notify)}\n"
    text += f"provide-xfr-to = {toml_list(xfr)}\n"
    if max_diffs is not None:
        text += f"max-diffs = {max_diffs}\n"
    return text


# Names enough that the journal's budget (max-diffs-size percent of the zone's records)
# holds several signed changes, each some 15 records.
BULK = "".join(f"h{i} IN A 192.0.2.{i}\n" for i in range(1, 41))


def zone_file(d, origin, serial, extra=""):
    """Writes the test zone (test_daemon's under origin, with BULK) and extra lines;
    returns the path."""
    path = os.path.join(d.dir, origin + "zone")
    text = ZONE_TEMPLATE.replace("$ORIGIN example.test.", f"$ORIGIN {origin}")
    with open(path, "w") as f:
        f.write(text.format(serial=serial, extra=BULK + extra))
    return path


def configure(d, keys=(), policies=None):
    """Starts d, adds keys with the CLI, then writes the policies (which name the keys) and
    has them read."""
    d.start()
    for k in keys:
        d.cli("tsig", "add", k.name, k.alg, k.secret)
    for name, text in (policies or {}).items():
        d.write_policy(name, text)
    d.cli("policy", "reload")
    return d


def add_zone(d, origin, pol, serial=100):
    """Adds origin with policy pol; returns its first published serial."""
    d.cli("zone", "add", "--source", zone_file(d, origin, serial), "--policy", pol,
          origin.rstrip("."))
    return d.wait_published(origin)["published"]["serial"]


def change(d, origin, serial, extra, published):
    """A new zone file version, reloaded; waits until its signed serial is published."""
    zone_file(d, origin, serial, extra)
    d.cli("zone", "reload", origin.rstrip("."))
    d.wait_published(origin, serial=published)


@pytest.fixture
def stack():
    """Daemons and peers to stop at the end, last first."""
    items = []
    yield items
    for x in reversed(items):
        if isinstance(x, Daemon):
            x.kill()
        else:
            x.stop()


# One RR of an answer, in order. serial: the SOA's, else None.
RR = namedtuple("RR", "name ttl rdtype text serial")


def rrs_of(msgs):
    """The answer RRs of wire messages, one by one, in order."""
    out = []
    for w in msgs:
        m = dns.message.from_wire(w, one_rr_per_rrset=True)
        for rrset in m.answer:
            for rd in rrset:
                out.append(RR(rrset.name.to_text(), rrset.ttl, rd.rdtype, rd.to_text(),
                              rd.serial if rd.rdtype == SOA else None))
    return out


def xfr_query(origin, qtype, serial=None):
    """A query for origin; with serial, an IXFR query's SOA in the authority section."""
    q = dns.message.make_query(origin, qtype, use_edns=0)  # EDNS: room for EDE
    if serial is not None:  # RFC 1995 §3: the client's SOA in the authority section
        q.authority = [dns.rrset.from_text(origin, 0, "IN", "SOA", f". . {serial} 0 0 0 0")]
    return q


def transfer(port, origin, qtype, serial=None):
    """The RRs of an AXFR or IXFR answer from port (unsigned, TCP), read until it is complete
    (peers.XfrEnd); a first message holding one SOA and nothing after it for a second is the
    whole answer (RFC 1995 §2: the client is up to date)."""
    wire = xfr_query(origin, qtype, serial).to_wire()
    msgs, end = [], XfrEnd()
    with socket.create_connection((ADDR, port), timeout=20) as c:
        c.sendall(struct.pack("!H", len(wire)) + wire)
        while not end.done:
            try:
                w = read_message(c)
            except socket.timeout:
                if len(msgs) == 1 and end.count == 1:
                    break
                raise
            assert w[3] & 0xF == dns.rcode.NOERROR, dns.rcode.to_text(w[3] & 0xF)
            msgs.append(w)
            for rtype, s in answer_records(w):
                end.feed(rtype, s)
            if end.count == 1:
                c.settimeout(1)
    return rrs_of(msgs)


def read_message(sock):
    """One length-prefixed DNS message from a TCP socket."""
    def exactly(n):
        buf = b""
        while len(buf) < n:
            chunk = sock.recv(n - len(buf))
            assert chunk, "the server closed the connection inside an answer"
            buf += chunk
        return buf
    return exactly(struct.unpack("!H", exactly(2))[0])


def zone_set(rrs):
    """The RRs of a whole-zone answer without its SOAs at the ends, as a set."""
    assert rrs[0].rdtype == SOA and rrs[-1] == rrs[0], "not a whole zone"
    body = set(rrs[1:-1])
    assert len(body) == len(rrs) - 2, "an RR twice"
    return body | {rrs[0]}


def ixfr_sequences(rrs):
    """The difference sequences of an incremental answer (RFC 1995 §4) as (old SOA,
    removed, new SOA, added), or None when the answer is a whole zone (AXFR form)."""
    if len(rrs) < 2 or rrs[1].rdtype != SOA:
        return None
    assert rrs[0].rdtype == SOA and rrs[-1] == rrs[0], "not framed by the new SOA"
    seqs, i = [], 1
    while i < len(rrs) - 1:
        old, removed, i = rrs[i], [], i + 1
        while rrs[i].rdtype != SOA:
            removed.append(rrs[i])
            i += 1
        new, added, i = rrs[i], [], i + 1
        while i < len(rrs) - 1 and rrs[i].rdtype != SOA:
            added.append(rrs[i])
            i += 1
        seqs.append((old, removed, new, added))
    return seqs


def assert_one_diff(rrs, before, after):
    """rrs is an incremental answer of one difference sequence that takes the zone
    `before` (RRs of its AXFR) to `after`, exactly: nothing removed that was not there,
    nothing added that already was, nothing both removed and added."""
    seqs = ixfr_sequences(rrs)
    assert seqs is not None, "a whole zone, not an incremental answer"
    assert len(seqs) == 1, f"{len(seqs)} difference sequences, not one (condensed)"
    old, removed, new, added = seqs[0]
    b, a = zone_set(before), zone_set(after)
    assert old == before[0] and new == after[0] == rrs[0], (old, new, after[0])
    removed, added = set(removed), set(added)
    assert removed <= b - {old}, f"removed but not there: {removed - b}"
    assert not added & b, f"added but already there: {added & b}"
    assert (b - {old} - removed) | added | {new} == a, "the diff does not give the new zone"
    return removed, added


def soa_only(rrs, serial):
    """Whether an answer is the SOA at serial alone."""
    return len(rrs) == 1 and rrs[0].rdtype == SOA and rrs[0].serial == serial


def notify_entry(d, origin, port):
    """The zone status' NOTIFY entry for the target at port on 127.0.0.1, or None."""
    for e in d.status(origin)["notify"]:
        if e["target"].endswith(f"#{port}"):
            return e
    return None


# ------------------------------------------------------------------- 1. real secondaries


SECONDARIES = {"knot": (KnotSecondary, ("knotd", "knotc")),
               "nsd": (NsdSecondary, ("nsd", "nsd-control")),
               "named": (NamedSecondary, ("named", "rndc"))}


def xfr_log(d, qtype, origin, serial):
    """The RR counts of the transfers of origin at serial our log reports, by query type."""
    rx = (rf"publication: {re.escape(qtype)} of {re.escape(origin)} serial {serial} to \S+: "
          r"(\d+) RRs")
    return [int(n) for n in re.findall(rx, d.log())]


def acked(d, port, serial):
    """Waits until the target at port acknowledged our NOTIFY of serial."""
    d.wait_state(ZONE, lambda s: (notify_entry(d, ZONE, port) or {}).get("state") ==
                 "acknowledged" and notify_entry(d, ZONE, port)["serial"] == serial,
                 timeout=20, what=f"the NOTIFY of {serial} acknowledged")


@pytest.mark.parametrize("kind", SECONDARIES)
def test_secondary_follows_by_notify_axfr_then_ixfr(build_dir, tmp_path, stack, kind):
    cls, tools = SECONDARIES[kind]
    need(*tools)
    key = TsigKey.random()
    d = Daemon(build_dir, tmp_path)
    stack.append(d)
    sec = cls(tmp_path, ZONE, (ADDR, d.ports["publish"]), key)
    configure(d, [key], {"out": policy(notify=[f"127.0.0.1:{sec.port}^{key.name}"],
                                       xfr=[f"127.0.0.1^{key.name}"])})
    # The secondary starts with nothing: the zone is not ours yet.
    stack.append(sec.start())
    first = add_zone(d, ZONE, "out")
    # Our NOTIFY (the refresh timer is 2 h) brings the first version, whole.
    sec.wait_serial(first, timeout=15)
    acked(d, sec.port, first)
    assert sec.notifies_received() >= 1, sec.tail()
    whole = xfr_log(d, "AXFR", ZONE, first)
    assert len(whole) >= 1 and not xfr_log(d, "IXFR", ZONE, first), d.log()[-3000:]

    # A change: NOTIFY again, and only the difference goes over.
    change(d, ZONE, 101, 'new IN TXT "added"', first + 1)
    sec.wait_serial(first + 1, timeout=15)
    acked(d, sec.port, first + 1)
    n = sec.incoming_transfers()
    if kind == "nsd":  # NSD does not log the kind; our log does
        assert n["total"] == 2, sec.tail()
    else:
        assert (n["AXFR"], n["IXFR"]) == (1, 1), sec.tail()
    incr = xfr_log(d, "IXFR", ZONE, first + 1)
    assert incr and not xfr_log(d, "AXFR", ZONE, first + 1), d.log()[-3000:]
    assert not xfr_log(d, "IXFR (whole zone)", ZONE, first + 1), d.log()[-3000:]
    assert all(x < min(whole) / 3 for x in incr), (incr, whole)  # a difference, not the zone
    assert sec.notifies_received() >= 2, sec.tail()

    # What the secondary serves is our zone and verifies.
    served = axfr(sec.port, ZONE, key)
    assert sorted(served.split("\n")) == sorted(axfr(d.ports["publish"], ZONE, key).split("\n"))
    assert "new.example.test." in served
    path = str(tmp_path / f"{kind}.zone")
    with open(path, "w") as f:
        f.write(served)
    verify(path, ZONE)


# ------------------------------------------------------------------------ 2. access lists


def tsig_error(wire):
    """(key name, error) of the TSIG RR of a message, or None; read by hand, so that an
    answer we cannot verify (BADKEY, BADSIG) can still be looked at."""
    _id, _fl, qd, an, ns, ar = struct.unpack("!HHHHHH", wire[:12])
    off = 12
    for _ in range(qd):
        off += dns.name.from_wire(wire, off)[1] + 4
    for _ in range(an + ns + ar):
        name, used = dns.name.from_wire(wire, off)
        off += used
        rtype, _c, _t, rdlen = struct.unpack("!HHIH", wire[off:off + 10])
        off += 10
        if rtype == dns.rdatatype.TSIG:
            p = off + dns.name.from_wire(wire, off)[1] + 8  # algorithm, time, fudge
            mac_len = struct.unpack("!H", wire[p:p + 2])[0]
            return name.to_text(), struct.unpack("!H", wire[p + 4 + mac_len:p + 6 + mac_len])[0]
        off += rdlen
    return None


class FakeTime:
    """time for dnspython's message signing: one hour slow, so a signed query is out of fudge."""
    @staticmethod
    def time():
        return time.time() - 3600


def ask(port, origin, kind, src, key=None, late=False):
    """Sends one query (kind SOA over UDP, AXFR or IXFR over TCP) from address src, signed
    with key; returns (query, first answer message)."""
    qtype = dns.rdatatype.from_text(kind)
    q = xfr_query(origin, qtype, 1 if kind == "IXFR" else None)
    if key:
        q.use_tsig(key.dns_key())
    if late:
        real, dns.message.time = dns.message.time, FakeTime
    try:
        wire = q.to_wire()
    finally:
        if late:
            dns.message.time = real
    v6 = ":" in src
    udp = kind == "SOA"
    with socket.socket(socket.AF_INET6 if v6 else socket.AF_INET,
                       socket.SOCK_DGRAM if udp else socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.bind((src, 0))
        dst = ("::1" if v6 else ADDR, port)
        if udp:
            s.sendto(wire, dst)
            return q, s.recv(65535)
        s.connect(dst)
        s.sendall(struct.pack("!H", len(wire)) + wire)
        return q, read_message(s)


def outcome(q, wire, key, kind):
    """What an answer says: a TSIG error name, or the rcode's; a REFUSED must carry EDE 18
    (Prohibited) and an answer to a good signed query must verify."""
    rcode = wire[3] & 0xF
    t = tsig_error(wire)
    errors = {16: "BADSIG", 17: "BADKEY", 18: "BADTIME"}
    if rcode == dns.rcode.NOTAUTH and t and t[1]:
        assert t[0] == q.keyname.to_text(), t
        return errors.get(t[1], f"TSIG error {t[1]}")
    if key:
        assert t, "an answer to a signed query is not signed"
        m = dns.message.from_wire(wire, keyring=key.dns_key(), request_mac=q.mac,
                                  multi=kind != "SOA", xfr=kind != "SOA")
    else:
        m = dns.message.from_wire(wire, xfr=kind != "SOA")
    if rcode == dns.rcode.REFUSED:
        codes = [o.code for o in m.options if isinstance(o, dns.edns.EDEOption)]
        assert codes == [dns.edns.EDECode.PROHIBITED], f"REFUSED with EDE {codes}"
    return dns.rcode.to_text(rcode)


def v6_listen(d):
    """Has the publication server listen on [::1] too; False when ::1 cannot be bound."""
    p = d.ports["publish"]
    try:
        for t in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
            with socket.socket(socket.AF_INET6, t) as s:
                s.bind(("::1", p))
    except OSError:
        return False
    with open(d.config_path) as f:
        text = f.read()
    old = f'[server]\nservers = ["127.0.0.1:{p}"]'
    assert old in text
    with open(d.config_path, "w") as f:
        f.write(text.replace(old, f'[server]\nservers = ["127.0.0.1:{p}", "[::1]:{p}"]'))
    return True


# (zone, client address, key, expected answer). The lists: acl.test. has ACL below (and
# "::1/128^k1" when ::1 can be used), open.test. none. Keys: k1, k2 are the daemon's; "wrong"
# is k1's name with another secret, "unknown" a name the daemon does not know, "late" k1
# signing an hour in the past.
ACL = ["127.0.0.1/32^k1", "127.0.0.2", "127.0.1.0/24^k1"]
UNSIGNED_CASES = [
    ("acl.test.", "127.0.0.1", None, "REFUSED"),     # the entry needs a key
    ("acl.test.", "127.0.0.2", None, "NOERROR"),     # a key-less entry
    ("acl.test.", "127.0.0.3", None, "REFUSED"),     # in no entry
    ("acl.test.", "127.0.1.77", None, "REFUSED"),    # inside the /24, which needs a key
    ("acl.test.", "127.0.0.1", "unknown", "BADKEY"),
    ("acl.test.", "127.0.0.3", "unknown", "BADKEY"),  # TSIG is checked before the list
    ("open.test.", "127.0.0.3", None, "NOERROR"),    # an empty list admits all
    ("open.test.", "127.0.0.9", "unknown", "BADKEY"),
    ("acl.test.", "::1", None, "REFUSED"),
    ("open.test.", "::1", None, "NOERROR"),
]
SIGNED_CASES = [
    ("acl.test.", "127.0.0.1", "k1", "NOERROR"),     # the entry's address and key
    ("acl.test.", "127.0.0.1", "k2", "REFUSED"),     # a good key, not the entry's
    ("acl.test.", "127.0.0.2", "k2", "NOERROR"),     # a key-less entry admits signed too
    ("acl.test.", "127.0.0.3", "k1", "REFUSED"),
    ("acl.test.", "127.0.1.77", "k1", "NOERROR"),    # inside the /24
    ("acl.test.", "127.0.2.1", "k1", "REFUSED"),     # just outside it
    ("acl.test.", "127.0.0.1", "wrong", "BADSIG"),   # TSIG before the list
    ("acl.test.", "127.0.0.3", "wrong", "BADSIG"),
    ("acl.test.", "127.0.0.1", "late", "BADTIME"),
    ("open.test.", "127.0.0.77", "k2", "NOERROR"),
    ("open.test.", "127.0.0.9", "wrong", "BADSIG"),  # with no list TSIG is still checked
    ("acl.test.", "::1", "k1", "NOERROR"),
    ("acl.test.", "::1", "k2", "REFUSED"),
]


@pytest.mark.parametrize("signed", [False, True],
                         ids=["unsigned", "signed"])
def test_provide_xfr_to(build_dir, tmp_path, stack, signed):
    """Every case gets exactly its answer to an SOA query (UDP), an AXFR and an IXFR (TCP)."""
    k1, k2 = TsigKey.random("k1"), TsigKey.random("k2")
    keys = {None: None, "k1": k1, "k2": k2, "late": k1, "unknown": TsigKey.random("nobody"),
            "wrong": TsigKey("k1", k1.alg, TsigKey.random().secret)}
    d = Daemon(build_dir, tmp_path)
    stack.append(d)
    v6 = v6_listen(d)
    configure(d, [k1, k2], {"acl": policy(xfr=ACL + (["::1/128^k1"] if v6 else [])),
                            "open": policy()})
    add_zone(d, "acl.test.", "acl")
    add_zone(d, "open.test.", "open")
    bad = []
    for origin, src, kname, want in SIGNED_CASES if signed else UNSIGNED_CASES:
        if ":" in src and not v6:
            continue
        for kind in ("SOA", "AXFR", "IXFR"):
            key = keys[kname]
            q, wire = ask(d.ports["publish"], origin, kind, src, key, late=kname == "late")
            try:
                got = outcome(q, wire, key if kname in ("k1", "k2") else None, kind)
            except Exception as e:  # noqa: BLE001 (collected with the other cases)
                got = f"{e!r}"
            if got != want:
                bad.append(f"{origin} {kind} from {src} key {kname}: {got}, want {want}")
    assert not bad, "\n".join(bad) + "\n--- log:\n" + d.log()[-3000:]
    if not v6:
        pytest.skip("::1 cannot be bound here: the IPv6 cases were not tried")


# -------------------------------------------------------------------------- 3. NOTIFY retries


def test_notify_retries(build_dir, tmp_path, stack):
    """Three targets: a secondary that starts after the first try, a port where nothing
    ever listens, and a secondary that refuses our NOTIFY: it wants a key. (NOTIFY with
    TSIG: test_secondary_follows_by_notify_axfr_then_ixfr.)"""
    need("knotd", "knotc")
    d = Daemon(build_dir, tmp_path)
    stack.append(d)
    late = KnotSecondary(tmp_path, ZONE, (ADDR, d.ports["publish"]), name="late")
    refuser = KnotSecondary(tmp_path, ZONE, (ADDR, d.ports["publish"]),
                            TsigKey.random("another-key"), name="refuser")
    never = free_port()
    configure(d, [], {"out": policy(notify=[f"127.0.0.1:{late.port}", f"127.0.0.1:{never}",
                                            f"127.0.0.1:{refuser.port}"])})
    stack.append(refuser.start())
    first = add_zone(d, ZONE, "out")
    t0 = time.time()

    def entry(port, field):
        return (notify_entry(d, ZONE, port) or {}).get(field)

    # The first try finds nobody; the secondary comes up before the third (at 6 s).
    d.wait_state(ZONE, lambda s: (entry(late.port, "tries") or 0) >= 2, timeout=10,
                 what="a second NOTIFY try")
    st = notify_entry(d, ZONE, late.port)
    assert st["state"] == "sending" and st["serial"] == first, st
    assert time.time() - t0 < 5, "the secondary would come too late to test a retry"
    stack.append(late.start())
    d.wait_state(ZONE, lambda s: entry(late.port, "state") != "sending", timeout=20,
                 what="the NOTIFY answered")
    st = notify_entry(d, ZONE, late.port)
    assert st["state"] == "acknowledged" and st["tries"] >= 3, st
    assert st["result"] == "acknowledged" and st["serial"] == first, st
    late.wait_serial(first, timeout=20)
    assert late.notifies_received() >= 1, late.tail()

    # The refusing secondary: each answer is a failed try; the fifth (at 30 s) ends it.
    d.wait_state(ZONE, lambda s: entry(refuser.port, "state") != "sending", timeout=45,
                 what="the refused NOTIFY given up")
    st = notify_entry(d, ZONE, refuser.port)
    assert st["state"] == "failed" and st["tries"] == 5 and st["serial"] == first, st
    assert st["result"].startswith("gave up after 5 tries: answered "), st
    assert 28 < time.time() - t0 < 40, "not 2, 4, 8 and 16 s between the tries"
    assert refuser.serial() is None, refuser.tail()
    # The silent port got as many tries, and waits for an answer to the last one.
    d.wait_state(ZONE, lambda s: entry(never, "tries") == 5, timeout=5, what="five tries")
    st = notify_entry(d, ZONE, never)
    assert st["state"] == "sending" and st["serial"] == first, st
    assert st["result"] in ("connection refused", "no answer"), st


# ----------------------------------------------------------------------------- 4. IXFR


# Four versions: c1 comes and goes, www gets and loses a second address, c2 and c3 stay.
VERSIONS = [
    "",
    'c1 IN TXT "one"\nwww IN A 192.0.2.81',
    'www IN A 192.0.2.81\nc2 IN TXT "two"',
    'c2 IN TXT "two"\nc3 IN TXT "three"',
]


def ixfr_versions(d, origin, pol):
    """Publishes the four VERSIONS of origin; returns [(serial, AXFR RRs)] of each."""
    port = d.ports["publish"]
    first = add_zone(d, origin, pol)
    out = [(first, transfer(port, origin, dns.rdatatype.AXFR))]
    for i, extra in enumerate(VERSIONS[1:], 1):
        change(d, origin, 100 + i, extra, first + i)
        out.append((first + i, transfer(port, origin, dns.rdatatype.AXFR)))
    return out


def test_ixfr_whole_zone_or_soa(build_dir, tmp_path, stack):
    """IXFR answered without the journal: a serial never published gets the whole zone; a
    client up to date, or asking over UDP, the SOA alone (RFC 1995 §2)."""
    d = Daemon(build_dir, tmp_path)
    stack.append(d)
    configure(d, [], {"five": policy()})
    port, ixfr = d.ports["publish"], dns.rdatatype.IXFR
    vs = ixfr_versions(d, "ixfr.test.", "five")
    (s1, _), (s4, z4) = vs[0], vs[3]
    whole = transfer(port, "ixfr.test.", ixfr, (s1 - 7) % 2**32)
    assert ixfr_sequences(whole) is None and zone_set(whole) == zone_set(z4)
    assert soa_only(transfer(port, "ixfr.test.", ixfr, s4), s4)
    r = dns.query.udp(xfr_query("ixfr.test.", ixfr, s1), ADDR, port=port, timeout=5)
    assert r.rcode() == dns.rcode.NOERROR
    assert [(x.rdtype, x[0].serial) for x in r.answer] == [(SOA, s4)], r


def test_ixfr_from_the_journal(build_dir, tmp_path, stack):
    d = Daemon(build_dir, tmp_path)
    stack.append(d)
    configure(d, [], {"five": policy(), "one": policy(max_diffs=1)})
    port, ixfr = d.ports["publish"], dns.rdatatype.IXFR
    vs = ixfr_versions(d, "ixfr.test.", "five")
    (s1, z1), (s3, z3), (s4, z4) = vs[0], vs[2], vs[3]

    # Three versions behind: one difference sequence, exactly v1 -> v4, without c1.
    removed, added = assert_one_diff(transfer(port, "ixfr.test.", ixfr, s1), z1, z4)
    assert not [r for r in removed | added if "c1.ixfr.test." in r.name + " " + r.text]
    assert {r.name for r in added if r.rdtype == dns.rdatatype.TXT} == \
        {"c2.ixfr.test.", "c3.ixfr.test."}
    assert_one_diff(transfer(port, "ixfr.test.", ixfr, s3), z3, z4)

    # max-diffs = 1: only the last difference is kept.
    ws = ixfr_versions(d, "one.test.", "one")
    (w1, _), (w3, y3), (w4, y4) = ws[0], ws[2], ws[3]
    assert_one_diff(transfer(port, "one.test.", ixfr, w3), y3, y4)
    whole = transfer(port, "one.test.", ixfr, w1)
    assert ixfr_sequences(whole) is None and zone_set(whole) == zone_set(y4)

    # The journal is on disk: after a restart the same answers.
    assert d.stop() == 0
    d.start()
    d.wait_published("ixfr.test.", serial=s4)
    d.wait_published("one.test.", serial=w4)
    assert_one_diff(transfer(port, "ixfr.test.", ixfr, s3), z3, z4)
    assert_one_diff(transfer(port, "ixfr.test.", ixfr, s1), z1, z4)
    assert ixfr_sequences(transfer(port, "one.test.", ixfr, w1)) is None
    assert_one_diff(transfer(port, "one.test.", ixfr, w3), y3, y4)


# ------------------------------------------------------------------------ 5. review servers


def test_review_servers_answer_ixfr_from_the_version_before(build_dir, tmp_path, stack):
    review = '[loader.review]\nmode = "manual"\n[signer.review]\nmode = "manual"\n'
    d = Daemon(build_dir, tmp_path)
    stack.append(d)
    configure(d, [], {"rev": policy(review=review)})
    axfr_t, ixfr = dns.rdatatype.AXFR, dns.rdatatype.IXFR

    def waiting(stage):
        return d.wait_state(ZONE, lambda s: s["state"] == f"waiting for {stage} review",
                            what=f"{stage} review")

    d.cli("zone", "add", "--source", zone_file(d, ZONE, 100), "--policy", "rev", "example.test")
    waiting("loaded")
    loaded1 = transfer(d.ports["loaded"], ZONE, axfr_t)
    d.cli("zone", "approve", "--unsigned", "example.test", "100")
    s1 = waiting("signed")["signed_under_review"]
    d.cli("zone", "approve", "--signed", "example.test", str(s1))
    d.wait_published(ZONE, serial=s1)
    pub1 = transfer(d.ports["publish"], ZONE, axfr_t)

    zone_file(d, ZONE, 101, 'new IN TXT "under review"\nwww IN A 192.0.2.81')
    d.cli("zone", "reload", "example.test")
    waiting("loaded")
    # Loaded review: from the approved unsigned version 100 to 101.
    loaded2 = transfer(d.ports["loaded"], ZONE, axfr_t)
    assert (loaded1[0].serial, loaded2[0].serial) == (100, 101)
    removed, added = assert_one_diff(transfer(d.ports["loaded"], ZONE, ixfr, 100),
                                     loaded1, loaded2)
    assert {r.name for r in removed | added if r.rdtype != SOA} == \
        {"new.example.test.", "www.example.test."}
    d.cli("zone", "approve", "--unsigned", "example.test", "101")
    s2 = waiting("signed")["signed_under_review"]
    # Signed review: from the published version to the one under review.
    under = transfer(d.ports["signed"], ZONE, axfr_t)
    assert under[0].serial == s2 != s1
    diff = assert_one_diff(transfer(d.ports["signed"], ZONE, ixfr, s1), pub1, under)
    # Another serial: the whole version under review.
    other = transfer(d.ports["signed"], ZONE, ixfr, (s1 - 3) % 2**32)
    assert ixfr_sequences(other) is None and zone_set(other) == zone_set(under)
    # The publication server still has s1, and after approval sends the same difference.
    assert soa_only(transfer(d.ports["publish"], ZONE, ixfr, s1), s1)
    d.cli("zone", "approve", "--signed", "example.test", str(s2))
    d.wait_published(ZONE, serial=s2)
    assert assert_one_diff(transfer(d.ports["publish"], ZONE, ixfr, s1), pub1, under) == diff
