"""A scripted, misbehaving primary for system tests (TestnsPrimary): answers built with
dnspython and served from threads on 127.0.0.1, one free port for UDP and TCP, so a test can
make a primary send exactly the broken transfer it needs (see the class for the scenarios).
"""
import base64
import os
import socket
import struct
import threading

import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import dns.tsig

from peers import ADDR, TsigKey, answers, parse_query
from cascaded import free_port


class TestnsPrimary:
    """A scripted, misbehaving primary for zone on 127.0.0.1 (UDP and TCP, one free port).

    Named after ldns-testns, whose job it does. ldns-testns itself is not run by the tests:
    it can only bind the wildcard address (0.0.0.0 or ::), and tests here listen on
    127.0.0.1 alone; some scenarios (a message cut in the middle, a stream of many MiB made
    on the fly, a TSIG chain over several messages) are beyond its data file anyway. So the
    answers are built with dnspython and sent by a small server on threads of this process;
    testns_data() writes the fixed scenarios as an ldns-testns data file for use by hand.

    Every scenario answers an SOA query (UDP or TCP) with the zone's SOA at `serial`, so a
    loader's serial check passes and it goes on to ask for the transfer. The zone: SOA, NS
    ns1, ns1 A, www A, `records` TXT records; a transfer is sent as two messages. What an
    AXFR or IXFR query (TCP; over UDP an SOA alone) gets, by scenario:

      good          the whole zone, SOA first and last; TSIG-signed with `key` when the query
                    was signed with it (every message, RFC 8945 §5.3.1 chain)
      no_tsig       the same, never signed, also when the query was signed
      bad_tsig      the same, each message signed under the key's name and algorithm but with
                    another secret: the MAC is wrong
      truncated     the first message only (opening SOA, no closing SOA), then the connection
                    is closed
      cut           the first message, then a length prefix of the second and only half of
                    its octets, then the connection is closed
      soa_mismatch  the last SOA has serial+1: the closing SOA differs from the opening one
      no_soa_first  the first record is the NS RRset, not the SOA
      wrong_zone    the records (and the SOA) belong to other.test., the question is kept
      wrong_id      the good answer with the query's ID xor 0xffff
      refused       one message, rcode REFUSED, no records
      slow          the good answer after `delay` seconds (the connection stays open)
      huge          a well-formed stream of about `huge_octets` octets: messages of ~60 KB
                    of TXT records (bulkN.zone), then the closing SOA
      ixfr          IXFR from serial-1: an incremental answer (SOA new, SOA old, SOA new,
                    TXT change.zone added, SOA new); other IXFR and AXFR: the whole zone

    Attributes: port, queries (a list of (transport, qname text, qtype text, IXFR serial,
    TSIG key name or None, TSIG verified) for every query received), connections (TCP).
    """

    __test__ = False  # not a pytest test class
    SCENARIOS = ("good", "no_tsig", "bad_tsig", "truncated", "cut", "soa_mismatch",
                 "no_soa_first", "wrong_zone", "wrong_id", "refused", "slow", "huge", "ixfr")

    def __init__(self, folder, zone, scenario, serial=2024010101, key=None, records=20,
                 delay=30.0, huge_octets=4 << 20, name=None):
        if scenario not in self.SCENARIOS:
            raise ValueError(f"unknown scenario {scenario}")
        self.name = name or f"testns-{scenario}"
        self.dir = os.path.join(str(folder), self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.zone = dns.name.from_text(zone)
        self.scenario = scenario
        self.serial = serial
        self.key = key
        self.records = records
        self.delay = delay
        self.huge_octets = huge_octets
        self.port = None
        self.queries = []
        self.connections = 0
        self.sent_octets = 0
        self._stop = threading.Event()
        self._threads = []
        self._socks = []

    # -- the zone

    def _rr(self, owner, rtype, text, zone=None):
        z = zone or self.zone
        name = z if owner == "@" else dns.name.from_text(owner, z)
        return dns.rrset.from_text(name, 300, "IN", rtype, text)

    def soa(self, serial=None, zone=None):
        z = zone or self.zone
        return self._rr("@", "SOA", f"ns1.{z} hostmaster.{z} {serial or self.serial} "
                        "60 30 3600 60", zone)

    def zone_parts(self, zone=None):
        """The records of a whole transfer as two lists of RRsets (two messages)."""
        z = zone or self.zone
        head = [self.soa(zone=z), self._rr("@", "NS", f"ns1.{z}", z),
                self._rr("ns1", "A", "127.0.0.1", z)]
        tail = [self._rr("www", "A", "192.0.2.80", z)]
        tail += [self._rr(f"txt{i}", "TXT", f'"record {i}"', z) for i in range(self.records)]
        return head, tail + [self.soa(zone=z)]

    # -- messages

    def _message(self, qid, qname, qtype, rrsets, rcode=dns.rcode.NOERROR):
        m = dns.message.Message(id=qid)
        m.flags = dns.flags.QR | dns.flags.AA
        m.set_rcode(rcode)
        m.question = [dns.rrset.RRset(qname, dns.rdataclass.IN, qtype)]
        m.answer = list(rrsets)
        return m

    def _render(self, msgs, sign_key, request_mac):
        """Wire forms of msgs, each signed with sign_key (chained) when given."""
        out, ctx = [], None
        for i, m in enumerate(msgs):
            if sign_key:
                m.use_tsig(sign_key, original_id=m.id)
                m.request_mac = request_mac if i == 0 else b""
                out.append(m.to_wire(multi=True, tsig_ctx=ctx))
                ctx = m.tsig_ctx
            else:
                out.append(m.to_wire())
        return out

    def transfer_answer(self, qid, qname, qtype, serial, tsig_ok, mac):
        """The list of wire messages for a transfer query (for the fixed scenarios)."""
        s = self.scenario
        head, tail = self.zone_parts()
        if s == "refused":
            return [self._message(qid, qname, qtype, [], dns.rcode.REFUSED).to_wire()]
        if s == "soa_mismatch":
            tail[-1] = self.soa(self.serial + 1)
        elif s == "no_soa_first":
            head = head[1:] + head[:1]
        elif s == "wrong_zone":
            head, tail = self.zone_parts(dns.name.from_text("other.test."))
        elif s == "ixfr" and qtype == dns.rdatatype.IXFR and serial == self.serial - 1:
            head = [self.soa(), self.soa(self.serial - 1), self.soa()]
            tail = [self._rr("change", "TXT", '"added"'), self.soa()]
        if s == "wrong_id":
            qid ^= 0xFFFF
        msgs = [self._message(qid, qname, qtype, head), self._message(qid, qname, qtype, tail)]
        sign = None
        if s == "bad_tsig":
            k = self.key or TsigKey("xfr-key", "hmac-sha256", "")
            wrong = base64.b64encode(os.urandom(32)).decode()
            sign = dns.tsig.Key(k.name + ".", wrong, k.alg)
        elif s != "no_tsig" and tsig_ok:
            sign = self.key.dns_key()
        return self._render(msgs, sign, mac)

    # -- the server

    def start(self):
        self.port = free_port()
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        u.bind((ADDR, self.port))
        t.bind((ADDR, self.port))
        t.listen(16)
        u.settimeout(0.1)
        t.settimeout(0.1)
        self._socks = [u, t]
        for fn in (self._serve_udp, self._serve_tcp):
            th = threading.Thread(target=fn, daemon=True)
            th.start()
            self._threads.append(th)
        return self

    def stop(self, timeout=5):
        self._stop.set()
        for th in self._threads:
            th.join(timeout)
        for s in self._socks:
            s.close()
        self._threads, self._socks = [], []

    def __enter__(self):
        return self if self._socks else self.start()

    def __exit__(self, *exc):
        self.stop()

    def tail(self, n=20):
        return f"--- {self.name}: queries {self.queries[-n:]}"

    def _note(self, transport, wire):
        qid, qname, qtype, serial, tsig_name, mac = parse_query(wire)
        tsig_ok = False
        if tsig_name is not None and self.key is not None:
            try:
                dns.message.from_wire(wire, keyring={dns.name.from_text(self.key.name):
                                                     self.key.dns_key()})
                tsig_ok = True
            except Exception:  # any failure: unknown key, bad MAC, bad time
                tsig_ok = False
        self.queries.append((transport, qname.to_text(), dns.rdatatype.to_text(qtype), serial,
                             tsig_name and tsig_name.to_text(), tsig_ok))
        return qid, qname, qtype, serial, tsig_ok, mac

    def _soa_answer(self, qid, qname, qtype, tsig_ok, mac):
        rrsets = [self.soa()] if qname == self.zone else []
        m = self._message(qid, qname, qtype, rrsets,
                          dns.rcode.NOERROR if rrsets else dns.rcode.REFUSED)
        sign = self.key.dns_key() if tsig_ok and self.scenario != "no_tsig" else None
        return self._render([m], sign, mac)[0]

    def _serve_udp(self):
        u = self._socks[0]
        while not self._stop.is_set():
            try:
                wire, peer = u.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            try:
                qid, qname, qtype, _serial, tsig_ok, mac = self._note("udp", wire)
            except Exception:
                continue
            u.sendto(self._soa_answer(qid, qname, dns.rdatatype.SOA if qtype in
                                      (dns.rdatatype.IXFR, dns.rdatatype.AXFR) else qtype,
                                      tsig_ok, mac), peer)

    def _serve_tcp(self):
        t = self._socks[1]
        while not self._stop.is_set():
            try:
                c, _peer = t.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self.connections += 1
            th = threading.Thread(target=self._conn, args=(c,), daemon=True)
            th.start()
            self._threads.append(th)

    def _recv(self, c, n):
        buf = b""
        while len(buf) < n and not self._stop.is_set():
            try:
                chunk = c.recv(n - len(buf))
            except socket.timeout:
                continue
            if not chunk:
                return None
            buf += chunk
        return buf if len(buf) == n else None

    def _send(self, c, wire, cut=False):
        data = struct.pack("!H", len(wire)) + wire
        if cut:
            data = data[:2 + len(wire) // 2]
        c.sendall(data)
        self.sent_octets += len(data)

    def _conn(self, c):
        c.settimeout(0.2)
        try:
            while not self._stop.is_set():
                ln = self._recv(c, 2)
                wire = ln and self._recv(c, struct.unpack("!H", ln)[0])
                if not wire:
                    return
                qid, qname, qtype, serial, tsig_ok, mac = self._note("tcp", wire)
                if qtype not in (dns.rdatatype.AXFR, dns.rdatatype.IXFR):
                    self._send(c, self._soa_answer(qid, qname, qtype, tsig_ok, mac))
                    continue
                if not self._transfer(c, qid, qname, qtype, serial, tsig_ok, mac):
                    return
        except (OSError, ValueError):
            return
        finally:
            c.close()

    def _transfer(self, c, qid, qname, qtype, serial, tsig_ok, mac):
        """Sends the scenario's answer; False when the connection is to be closed."""
        s = self.scenario
        if s == "huge":
            self._huge(c, qid, qname, qtype, tsig_ok, mac)
            return True
        if s == "slow":
            self._stop.wait(self.delay)
        msgs = self.transfer_answer(qid, qname, qtype, serial, tsig_ok, mac)
        if s == "truncated":
            self._send(c, msgs[0])
            return False
        if s == "cut":
            self._send(c, msgs[0])
            self._send(c, msgs[1], cut=True)
            return False
        for w in msgs:
            self._send(c, w)
        return True

    def _huge(self, c, qid, qname, qtype, tsig_ok, mac):
        """About huge_octets octets of well-formed transfer, made message by message. With a
        key the messages are TSIG-signed in one chain, as for `good`."""
        sign = self.key.dns_key() if tsig_ok else None
        ctx, sent, n, first = None, 0, 0, True
        blob = '"' + "x" * 250 + '"'
        while not self._stop.is_set():
            last = sent >= self.huge_octets
            rrsets = [self.soa()] if first else []
            if not last:
                for _ in range(200):
                    rrsets.append(self._rr(f"bulk{n}", "TXT", blob))
                    n += 1
            else:
                rrsets.append(self.soa())
            m = self._message(qid, qname, qtype, rrsets)
            if sign:
                m.use_tsig(sign, original_id=qid)
                m.request_mac = mac if first else b""
                wire = m.to_wire(multi=True, tsig_ctx=ctx)
                ctx = m.tsig_ctx
            else:
                wire = m.to_wire()
            self._send(c, wire)
            sent += len(wire) + 2
            first = False
            if last:
                return

    # -- ldns-testns

    def testns_data(self, path):
        """Write the scenario's answers as an ldns-testns data file (not for cut and huge,
        which it cannot send; slow becomes ADJUST sleep): SOA, AXFR and IXFR entries of
        HEX_ANSWER packets (EXTRA_PACKET for the second message), ADJUST copy_id except for
        wrong_id; answers are as for an unsigned query. ldns-testns binds every address, so
        run it by hand in a network namespace of its own, with the client beside it:
            unshare -n sh -c 'ip link set lo up; ldns-testns -p 5353 F & sleep 0.5;
                              kdig @127.0.0.1 -p 5353 AXFR example.test'"""
        entries = []

        def entry(qtype, packets, adjust):
            lines = ["ENTRY_BEGIN", "MATCH opcode qtype qname", adjust,
                     "REPLY QR AA NOERROR", "SECTION QUESTION",
                     f"{self.zone} IN {dns.rdatatype.to_text(qtype)}"]
            for i, w in enumerate(packets):
                if i:
                    lines += ["EXTRA_PACKET", "REPLY QR AA NOERROR"]
                h = w.hex()
                lines += ["HEX_ANSWER_BEGIN"] + [h[j:j + 64] for j in range(0, len(h), 64)]
                lines += ["HEX_ANSWER_END"]
            lines.append("ENTRY_END")
            entries.append("\n".join(lines))

        adjust = "ADJUST copy_id" if self.scenario != "wrong_id" else ""
        if self.scenario == "slow":
            adjust += f" sleep={int(self.delay)}"
        entry(dns.rdatatype.SOA, [self._soa_answer(0, self.zone, dns.rdatatype.SOA, False, b"")],
              "ADJUST copy_id")
        for qtype in (dns.rdatatype.AXFR, dns.rdatatype.IXFR):
            msgs = self.transfer_answer(0, self.zone, qtype, None, False, b"")
            if self.scenario == "truncated":
                msgs = msgs[:1]
            entry(qtype, msgs, adjust)
        with open(path, "w") as f:
            f.write("; ldns-testns data: scenario " + self.scenario + "\n")
            f.write("\n".join(entries) + "\n")
        return path
