"""Real DNS peers for system tests: primaries and secondaries on 127.0.0.1, free ports.

Each peer lives in its own folder (a subfolder of the folder it is given), listens on a free
port on 127.0.0.1 and is started and stopped by the test:

    with KnotPrimary(tmp_path, ZONE_TEXT, key=TsigKey.random()) as p: ...
    p = NsdSecondary(tmp_path, "example.test.", ("127.0.0.1", p.port), key=k).start()
    ...
    p.stop()         # SIGTERM, then SIGKILL of its process group after a bounded wait

Every daemon runs in the foreground in a process group of its own, so a stop also ends the
helpers it forked (NSD's xfrd and server children). Its log files stay in its folder; log()
returns them as text and failure messages carry their tail (tail()).

Classes (all take `folder` first; `zone` is an origin like "example.test."):
  TsigKey(name, alg, secret)                       a TSIG key, TsigKey.random()
  KnotPrimary(folder, zone_text, key=None, notify=())      knotd serving an unsigned zone;
  NsdPrimary(folder, zone_text, key=None, notify=())       NSD likewise. notify: (addr, port)
        pairs that get NOTIFY (TSIG-signed when key is set). bump() adds a TXT and serial+1 and
        reloads, so the primary can answer IXFR; set_key(k) restarts with another key;
        outgoing_transfers() -> {"AXFR": n, "IXFR": m} served, from the log.
  KnotSecondary(folder, zone, primary, key=None)           secondaries of primary (addr, port);
  NsdSecondary(folder, zone, primary, key=None)            NOTIFY accepted from 127.0.0.0/8
  NamedSecondary(folder, zone, primary, key=None)          (with the key when given).
        serial(), wait_serial(s, timeout), axfr_text(), refresh(),
        incoming_transfers() -> {"AXFR": n, "IXFR": m}, notifies_received().
A scripted, misbehaving primary is in testns.py (TestnsPrimary).
Helpers: serial_of(port, zone), axfr(port, zone, key), read_stream(port, query) (the raw
messages of a TCP answer and how it ended), answer_records(wire).

Tools missing from the machine make start() call pytest.skip(), so a test needing a peer
that is not installed is skipped, not failed.
"""
import base64
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdatatype
import dns.tsig

from cascaded import free_port

ADDR = "127.0.0.1"


def need(*tools):
    """Skip the calling test when a program is not installed."""
    import pytest
    for t in tools:
        if not shutil.which(t):
            pytest.skip(f"{t} is not installed (scripts/deps-debian.txt)")


class PeerError(AssertionError):
    pass


class TsigKey:
    """A TSIG key: name ("xfr-key"), algorithm ("hmac-sha256"), secret (base64)."""

    def __init__(self, name, alg, secret):
        self.name = name.rstrip(".")
        self.alg = alg
        self.secret = secret

    @classmethod
    def random(cls, name="xfr-key", alg="hmac-sha256"):
        return cls(name, alg, base64.b64encode(os.urandom(32)).decode())

    def dns_key(self):
        """The key for dnspython (message.use_tsig, query keyring)."""
        return dns.tsig.Key(self.name + ".", self.secret, self.alg)

    def kdig(self):
        """kdig's and dig's -y argument."""
        return f"{self.alg}:{self.name}:{self.secret}"

    def __repr__(self):
        return f"TsigKey({self.name!r}, {self.alg!r}, ...)"


def serial_of(port, zone, timeout=1.0, tcp=False):
    """The SOA serial port serves for zone, or None (no answer, not NOERROR, no SOA)."""
    q = dns.message.make_query(zone, dns.rdatatype.SOA)
    try:
        if tcp:
            r = dns.query.tcp(q, ADDR, port=port, timeout=timeout)
        else:
            r = dns.query.udp(q, ADDR, port=port, timeout=timeout)
    except (dns.exception.DNSException, OSError):
        return None
    if r.rcode() != dns.rcode.NOERROR:
        return None
    for rrset in r.answer:
        if rrset.rdtype == dns.rdatatype.SOA:
            return rrset[0].serial
    return None


def answers(port, timeout=0.5):
    """Whether something answers DNS over UDP on port (any rcode)."""
    q = dns.message.make_query(".", dns.rdatatype.SOA)
    try:
        dns.query.udp(q, ADDR, port=port, timeout=timeout)
        return True
    except (dns.exception.DNSException, OSError):
        return False


def axfr(port, zone, key=None, timeout=30):
    """The zone's RRs by AXFR as text lines (TSIG RRs left out), via dnspython; raises on
    a refused or broken transfer."""
    q = dns.message.make_query(zone, dns.rdatatype.AXFR)
    if key:
        q.use_tsig(key.dns_key())
    lines = []
    for msg in dns.query.xfr(ADDR, zone, port=port, timeout=timeout, lifetime=timeout * 4,
                             relativize=False, keyring=key and {dns.name.from_text(key.name):
                                                                key.dns_key()},
                             keyname=key and key.name):
        if msg.rcode() != dns.rcode.NOERROR:
            raise PeerError(f"AXFR of {zone} from {port}: {dns.rcode.to_text(msg.rcode())}")
        for rrset in msg.answer:
            lines.extend(rrset.to_text().split("\n"))
    return "\n".join(lines) + "\n"


def answer_records(wire):
    """(type, SOA serial or None) of each RR in a message's answer section, read by hand
    (no TSIG check, no name decompression beyond what is needed to skip names)."""
    _qid, _flags, qd, an, _ns, _ar = struct.unpack("!HHHHHH", wire[:12])
    off = 12
    for _ in range(qd):
        off += dns.name.from_wire(wire, off)[1] + 4
    out = []
    for _ in range(an):
        off += dns.name.from_wire(wire, off)[1]
        rtype, _cls, _ttl, rdlen = struct.unpack("!HHIH", wire[off:off + 10])
        off += 10
        serial = None
        if rtype == dns.rdatatype.SOA:
            u1 = dns.name.from_wire(wire, off)[1]
            u2 = dns.name.from_wire(wire, off + u1)[1]
            serial = struct.unpack("!I", wire[off + u1 + u2:off + u1 + u2 + 4])[0]
        out.append((rtype, serial))
        off += rdlen
    return out


class XfrEnd:
    """Finds the end of an AXFR or IXFR answer record by record (RFC 5936 §2.2, RFC 1995
    §4): after the opening SOA, an AXFR-style answer ends at the next SOA; an incremental
    one (second record an SOA) ends at an SOA equal to the opening one that stands where a
    deletion sequence would start."""

    def __init__(self):
        self.first = None
        self.count = 0
        self.incremental = None
        self.soas_after = 0
        self.done = False

    def feed(self, rtype, serial):
        self.count += 1
        if self.count == 1:
            self.first = serial  # None if the first record is no SOA
            return
        if self.count == 2:
            self.incremental = rtype == dns.rdatatype.SOA and serial != self.first
            if self.first is None:
                self.incremental = False
        if rtype != dns.rdatatype.SOA:
            return
        self.soas_after += 1
        if not self.incremental or (self.soas_after % 2 == 1 and serial == self.first):
            self.done = True


def parse_query(wire):
    """(id, qname, qtype, IXFR serial or None, TSIG key name or None, request MAC) of a query,
    read by hand so that a query signed with an unknown key or a bad MAC can still be
    answered. Raises ValueError on a message too short to answer."""
    if len(wire) < 12:
        raise ValueError("short message")
    qid, _flags, qd, an, ns, ar = struct.unpack("!HHHHHH", wire[:12])
    if qd != 1:
        raise ValueError("not one question")
    qname, used = dns.name.from_wire(wire, 12)
    off = 12 + used
    qtype = struct.unpack("!H", wire[off:off + 2])[0]
    off += 4
    serial = tsig_name = mac = None
    for i in range(an + ns + ar):
        name, used = dns.name.from_wire(wire, off)
        off += used
        rtype, _cls, _ttl, rdlen = struct.unpack("!HHIH", wire[off:off + 10])
        off += 10
        if rtype == dns.rdatatype.SOA and i >= an and i < an + ns:
            _m, u1 = dns.name.from_wire(wire, off)
            _r, u2 = dns.name.from_wire(wire, off + u1)
            serial = struct.unpack("!I", wire[off + u1 + u2:off + u1 + u2 + 4])[0]
        if rtype == dns.rdatatype.TSIG:
            tsig_name = name
            _alg, u1 = dns.name.from_wire(wire, off)
            size = struct.unpack("!H", wire[off + u1 + 8:off + u1 + 10])[0]
            mac = wire[off + u1 + 10:off + u1 + 10 + size]
        off += rdlen
    return qid, qname, qtype, serial, tsig_name, mac


def read_stream(port, query, timeout=10, limit=1 << 30):
    """Send query (a dns.message.Message or wire bytes) over TCP and read the answer until
    it ends. Returns (list of message wire forms, how it ended): "done" (an error rcode, a
    complete AXFR/IXFR by its SOAs, or one message for other query types), "eof" (the
    server closed between messages), "partial" (it closed inside a message), "timeout" (no
    octet for timeout s), "limit" (more than limit octets). Nothing is checked: the caller
    judges."""
    wire = query if isinstance(query, bytes) else query.to_wire()
    qtype = parse_query(wire)[2]
    msgs, buf, total, end = [], b"", 0, XfrEnd()
    with socket.create_connection((ADDR, port), timeout=timeout) as c:
        c.sendall(struct.pack("!H", len(wire)) + wire)
        while total < limit:
            try:
                chunk = c.recv(1 << 16)
            except socket.timeout:
                return msgs, "timeout"
            if not chunk:
                return msgs, "partial" if buf else "eof"
            buf += chunk
            total += len(chunk)
            while len(buf) >= 2 and len(buf) >= 2 + struct.unpack("!H", buf[:2])[0]:
                n = struct.unpack("!H", buf[:2])[0]
                m, buf = buf[2:2 + n], buf[2 + n:]
                msgs.append(m)
                if qtype not in (dns.rdatatype.AXFR, dns.rdatatype.IXFR) or m[3] & 0xF:
                    return msgs, "done"
                for rtype, serial in answer_records(m):
                    end.feed(rtype, serial)
                if end.done:
                    return msgs, "done"
    return msgs, "limit"


class Peer:
    """One daemon process in folder/<name>: start(), stop(), log(), context manager."""

    kind = "peer"
    tools = ()

    def __init__(self, folder, name=None):
        self.name = name or self.kind
        self.dir = os.path.join(str(folder), self.name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.proc = None
        self.out_path = os.path.join(self.dir, "stdout.txt")
        self.log_paths = [self.out_path]

    # subclasses: argv(), write_config(), ready()
    def ready(self):
        return answers(self.port)

    def start(self, timeout=20):
        need(*self.tools)
        self.write_config()
        out = open(self.out_path, "ab")
        try:
            self.proc = subprocess.Popen(self.argv(), stdout=out, stderr=out, cwd=self.dir,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            out.close()
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise PeerError(f"{self.name} exited with {self.proc.returncode}:\n{self.tail()}")
            if self.ready():
                return self
            time.sleep(0.05)
        self.stop()
        raise PeerError(f"{self.name} did not come up in {timeout} s:\n{self.tail()}")

    def stop(self, timeout=10):
        """SIGTERM, wait up to timeout s, then SIGKILL to its process group. Returns the exit
        status (None if it was not running)."""
        p, self.proc = self.proc, None
        if p is None:
            return None
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGTERM)
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        # The group holds forked helpers (NSD's children) that may outlive the parent.
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            pass
        return p.returncode

    def restart(self):
        self.stop()
        return self.start()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def __enter__(self):
        return self if self.proc else self.start()

    def __exit__(self, *exc):
        self.stop()

    def log(self):
        text = []
        for path in self.log_paths:
            try:
                with open(path, errors="replace") as f:
                    text.append(f.read())
            except OSError:
                pass
        return "".join(text)

    def tail(self, n=40):
        lines = self.log().splitlines()
        return f"--- {self.name} log ({self.dir}):\n" + "\n".join(lines[-n:])

    def run(self, *cmd, check=True, timeout=20):
        res = subprocess.run(list(cmd), capture_output=True, text=True, timeout=timeout,
                             cwd=self.dir)
        if check and res.returncode != 0:
            raise PeerError(f"{' '.join(cmd)} failed ({res.returncode}): "
                            f"{res.stdout}{res.stderr}\n{self.tail()}")
        return res

    def wait_for(self, pred, timeout, what):
        end = time.time() + timeout
        while True:
            if pred():
                return
            if time.time() >= end:
                raise PeerError(f"{self.name}: {what} not seen in {timeout} s\n{self.tail()}")
            time.sleep(0.05)


def count_lines(text, patterns):
    """{label: number of lines matching regex} for each (label, regex), and "total": the sum
    of "AXFR" and "IXFR" unless patterns has its own."""
    n = {k: len(re.findall(rx, text, re.M)) for k, rx in patterns.items()}
    if "total" not in n:
        n["total"] = n.get("AXFR", 0) + n.get("IXFR", 0)
    return n


# ---------------------------------------------------------------------------------------------
# primaries


def bumped(zone_text, serial, n):
    """zone_text with its SOA serial set to serial and n TXT records changeN added."""
    out, done = [], False
    for line in zone_text.splitlines():
        if not done and re.search(r"\bSOA\b", line):
            parts = line.split()
            i = parts.index("SOA")
            if len(parts) < i + 8:
                raise ValueError("the SOA must be on one line")
            parts[i + 3] = str(serial)
            line = " ".join(parts)
            done = True
        out.append(line)
    if not done:
        raise ValueError("no SOA line in the zone text")
    origin = origin_of(zone_text)
    for i in range(1, n + 1):
        out.append(f'change{i}.{origin} 300 IN TXT "change number {i}"')
    return "\n".join(out) + "\n"


def first_serial(zone_text):
    for line in zone_text.splitlines():
        parts = line.split()
        if "SOA" in parts:
            return int(parts[parts.index("SOA") + 3])
    raise ValueError("no SOA line in the zone text")


def origin_of(zone_text):
    for line in zone_text.splitlines():
        if line.startswith("$ORIGIN"):
            return line.split()[1]
    raise ValueError("the zone text needs an $ORIGIN line")


class Primary(Peer):
    """An unsigned primary for the zone in zone_text (one-line SOA, an $ORIGIN line)."""

    def __init__(self, folder, zone_text, key=None, notify=(), name=None):
        super().__init__(folder, name)
        self.zone = origin_of(zone_text)
        self.base_text = zone_text
        self.key = key
        self.notify = list(notify)
        self.changes = 0
        self.current_serial = first_serial(zone_text)
        self.zone_path = os.path.join(self.dir, "zone.db")
        self.write_zone(zone_text)

    def write_zone(self, text):
        tmp = self.zone_path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.zone_path)

    def ready(self):
        return serial_of(self.port, self.zone) is not None

    def serial(self):
        return serial_of(self.port, self.zone)

    def bump(self, timeout=10):
        """Add a record (changeN TXT) and serial+1; reload; wait until it is served."""
        self.changes += 1
        self.current_serial += 1
        self.write_zone(bumped(self.base_text, self.current_serial, self.changes))
        self.reload()
        self.wait_for(lambda: self.serial() == self.current_serial, timeout,
                      f"serial {self.current_serial}")
        return self.current_serial

    def set_key(self, key):
        """Serve with another key (or None: no TSIG); restarts the daemon."""
        self.key = key
        if self.proc:
            self.restart()

    def axfr_text(self, key=None):
        return axfr(self.port, self.zone, key or self.key)


class KnotConf:
    """What knotd's primary and secondary share: files, and the head of knot.conf (server,
    database, control, log, and the TSIG key when there is one)."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.conf = os.path.join(self.dir, "knot.conf")
        self.sock = os.path.join(self.dir, "knot.sock")
        self.log_paths.append(os.path.join(self.dir, "knotd.log"))

    def knot_head(self):
        key = (f"key:\n  - id: {self.key.name}\n    algorithm: {self.key.alg}\n"
               f"    secret: {self.key.secret}\n") if self.key else ""
        return f"""server:
    rundir: "{self.dir}"
    listen: {ADDR}@{self.port}
    background-workers: 1
    udp-workers: 1
    tcp-workers: 1
database:
    storage: "{self.dir}"
control:
    listen: "{self.sock}"
log:
  - target: "{self.dir}/knotd.log"
    any: info
{key}"""


class KnotPrimary(KnotConf, Primary):
    """knotd serving zone_text as a primary. Reload diffs the file against what it had
    (zonefile-load: difference) into its journal, so it answers IXFR."""

    kind = "knot-primary"
    tools = ("knotd", "knotc")

    def write_config(self):
        acl = f"\n    key: {self.key.name}" if self.key else ""
        remotes = []
        for i, (a, p) in enumerate(self.notify):
            remotes.append(f"  - id: notify{i}\n    address: {a}@{p}"
                           + (f"\n    key: {self.key.name}" if self.key else ""))
        remote = ("remote:\n" + "\n".join(remotes) + "\n") if remotes else ""
        notify = ("\n    notify: [" + ", ".join(f"notify{i}" for i in range(len(remotes))) + "]"
                  if remotes else "")
        with open(self.conf, "w") as f:
            f.write(f"""{self.knot_head()}{remote}acl:
  - id: xfr
    address: 127.0.0.0/8{acl}
    action: transfer
template:
  - id: default
    storage: "{self.dir}"
    zonefile-sync: -1
    zonefile-load: difference
    journal-content: changes
    semantic-checks: off
zone:
  - domain: {self.zone}
    file: "{self.zone_path}"
    acl: xfr{notify}
""")

    def argv(self):
        return ["knotd", "-c", self.conf]

    def reload(self):
        self.run("knotc", "-s", self.sock, "zone-reload", self.zone)

    def outgoing_transfers(self):
        """Transfers served, from knotd's log: "AXFR, outgoing, ... finished"."""
        return count_lines(self.log(), {"AXFR": r"AXFR, outgoing, .*finished",
                                        "IXFR": r"IXFR, outgoing, .*finished"})

    def notifies_sent(self):
        return len(re.findall(r"notify, outgoing, .*serial", self.log(), re.I))


class NsdPrimary(Primary):
    """NSD serving zone_text as a primary. store-ixfr + create-ixfr: on reload NSD diffs the
    old and new zone file and keeps the difference for IXFR. NSD sees a changed file by its
    mtime, so reload() dates the file a little further into the future each time."""

    kind = "nsd-primary"
    tools = ("nsd", "nsd-control")

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.conf = os.path.join(self.dir, "nsd.conf")
        self.log_paths.append(os.path.join(self.dir, "nsd.log"))

    def write_config(self):
        key = zkey = ""
        if self.key:
            key = (f'key:\n  name: {self.key.name}\n  algorithm: {self.key.alg}\n'
                   f'  secret: "{self.key.secret}"\n')
            zkey = self.key.name
        notify = "".join(f"  notify: {a}@{p} {zkey or 'NOKEY'}\n" for a, p in self.notify)
        with open(self.conf, "w") as f:
            f.write(nsd_server_conf(self.dir, self.port) + key + f"""zone:
  name: {self.zone}
  zonefile: "{self.zone_path}"
  provide-xfr: 127.0.0.0/8 {zkey or 'NOKEY'}
{notify}  store-ixfr: yes
  create-ixfr: yes
  ixfr-number: 5
""")

    def argv(self):
        return ["nsd", "-d", "-c", self.conf]

    def reload(self):
        t = time.time() + 2 + self.changes
        os.utime(self.zone_path, (t, t))
        self.run("nsd-control", "-c", self.conf, "reload", self.zone)

    def outgoing_transfers(self):
        """Transfers served, from nsd.log (verbosity 2): "axfr for zone ..." and
        "ixfr for zone ..." lines."""
        return count_lines(self.log(), {"AXFR": r"\baxfr for ", "IXFR": r"\bixfr for "})


def nsd_server_conf(d, port, verbosity=2):
    return f"""server:
  ip-address: {ADDR}@{port}
  do-ip6: no
  username: ""
  chroot: ""
  zonesdir: "{d}"
  database: ""
  zonelistfile: "{d}/zone.list"
  xfrdfile: "{d}/xfrd.state"
  xfrdir: "{d}"
  pidfile: "{d}/nsd.pid"
  logfile: "{d}/nsd.log"
  server-count: 1
  verbosity: {verbosity}
  xfrd-reload-timeout: 0
remote-control:
  control-enable: yes
  control-interface: "{d}/nsd.ctl"
"""


# ---------------------------------------------------------------------------------------------
# secondaries


class Secondary(Peer):
    """A secondary for zone from primary (addr, port), TSIG with key when given; accepts
    NOTIFY from 127.0.0.0/8 and serves the zone by AXFR (with the key) to 127.0.0.0/8."""

    def __init__(self, folder, zone, primary, key=None, name=None):
        super().__init__(folder, name)
        self.zone = zone if zone.endswith(".") else zone + "."
        self.primary = (primary[0], int(primary[1]))
        self.key = key

    def serial(self):
        return serial_of(self.port, self.zone)

    def wait_serial(self, serial, timeout=20):
        self.wait_for(lambda: self.serial() == serial, timeout, f"serial {serial}")

    def axfr_text(self):
        return axfr(self.port, self.zone, self.key)

    def set_key(self, key):
        self.key = key
        if self.proc:
            self.restart()


class KnotSecondary(KnotConf, Secondary):
    kind = "knot-secondary"
    tools = ("knotd", "knotc")

    def write_config(self):
        kref = f"\n    key: {self.key.name}" if self.key else ""
        a, p = self.primary
        with open(self.conf, "w") as f:
            f.write(f"""{self.knot_head()}remote:
  - id: upstream
    address: {a}@{p}{kref}
acl:
  - id: notify-in
    address: 127.0.0.0/8{kref}
    action: notify
  - id: xfr-out
    address: 127.0.0.0/8{kref}
    action: transfer
template:
  - id: default
    storage: "{self.dir}"
    zonefile-sync: 0
    journal-content: changes
    semantic-checks: off
zone:
  - domain: {self.zone}
    file: "{self.dir}/zone.db"
    master: upstream
    acl: [notify-in, xfr-out]
""")

    def argv(self):
        return ["knotd", "-c", self.conf]

    def refresh(self):
        self.run("knotc", "-s", self.sock, "zone-refresh", self.zone)

    def incoming_transfers(self):
        """Transfers received, from knotd's log: "AXFR, incoming, ... finished" and
        "IXFR, incoming, ... finished"."""
        return count_lines(self.log(), {"AXFR": r"AXFR, incoming, .*finished",
                                        "IXFR": r"IXFR, incoming, .*finished"})

    def transfer_errors(self):
        """Log lines of failed transfers or refreshes."""
        return re.findall(r"^.*(?:[AI]XFR, incoming|refresh, remote).*(?:fail|error|denied).*$",
                          self.log(), re.M)

    def notifies_received(self):
        return len(re.findall(r"notify, incoming, .*serial", self.log(), re.I))


class NsdSecondary(Secondary):
    kind = "nsd-secondary"
    tools = ("nsd", "nsd-control")

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.conf = os.path.join(self.dir, "nsd.conf")
        self.log_paths.append(os.path.join(self.dir, "nsd.log"))

    def write_config(self):
        key = ""
        kname = "NOKEY"
        if self.key:
            key = (f'key:\n  name: {self.key.name}\n  algorithm: {self.key.alg}\n'
                   f'  secret: "{self.key.secret}"\n')
            kname = self.key.name
        a, p = self.primary
        with open(self.conf, "w") as f:
            f.write(nsd_server_conf(self.dir, self.port, 5) + key + f"""zone:
  name: {self.zone}
  zonefile: "{self.dir}/zone.db"
  allow-notify: 127.0.0.0/8 {kname}
  request-xfr: {a}@{p} {kname}
  provide-xfr: 127.0.0.0/8 {kname}
""")

    def argv(self):
        return ["nsd", "-d", "-c", self.conf]

    def refresh(self):
        self.run("nsd-control", "-c", self.conf, "transfer", self.zone)

    def incoming_transfers(self):
        """Transfers received, from nsd.log: xfrd's 'committed "received update to serial N'
        lines. NSD (4.6, any verbosity) does not log whether a transfer was an AXFR or an
        IXFR, so only "total" is counted; "AXFR" and "IXFR" are None (ask the primary)."""
        n = len(re.findall(r'xfrd: zone .* committed "received update', self.log()))
        return {"AXFR": None, "IXFR": None, "total": n}

    def transfer_errors(self):
        return re.findall(r"^.*xfrd: .*(?:bad|fail|error|refused|NOTAUTH|BADSIG|BADKEY).*$",
                          self.log(), re.M | re.I)

    def notifies_received(self):
        return len(re.findall(r"notify for .* from ", self.log()))


class NamedSecondary(Secondary):
    kind = "named-secondary"
    tools = ("named", "rndc")

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.conf = os.path.join(self.dir, "named.conf")
        self.rndc_conf = os.path.join(self.dir, "rndc.conf")
        self.rndc_port = free_port()

    def write_config(self):
        rndc = base64.b64encode(os.urandom(32)).decode()
        key = ""
        kref = ""
        xfr_acl = "127.0.0.0/8;"
        if self.key:
            key = f'key "{self.key.name}" {{ algorithm {self.key.alg}; secret "{self.key.secret}"; }};\n'
            kref = f' key "{self.key.name}"'
            xfr_acl = f'key "{self.key.name}";'
        a, p = self.primary
        with open(self.conf, "w") as f:
            f.write(f"""{key}key "rndc-key" {{ algorithm hmac-sha256; secret "{rndc}"; }};
controls {{ inet {ADDR} port {self.rndc_port} allow {{ {ADDR}; }} keys {{ "rndc-key"; }}; }};
options {{
  directory "{self.dir}";
  pid-file "{self.dir}/named.pid";
  session-keyfile "{self.dir}/session.key";
  managed-keys-directory "{self.dir}";
  listen-on port {self.port} {{ {ADDR}; }};
  listen-on-v6 {{ none; }};
  recursion no;
  dnssec-validation no;
  notify no;
  masterfile-format text;
  allow-transfer {{ {xfr_acl} }};
}};
zone "{self.zone}" {{
  type secondary;
  primaries port {p} {{ {a}{kref}; }};
  allow-notify {{ 127.0.0.0/8; }};
  file "zone.db";
}};
""")
        with open(self.rndc_conf, "w") as f:
            f.write(f"""key "rndc-key" {{ algorithm hmac-sha256; secret "{rndc}"; }};
options {{ default-key "rndc-key"; default-server {ADDR}; default-port {self.rndc_port}; }};
""")

    def argv(self):
        # -g: foreground, log to stderr (stdout.txt); -d 3: the transfer kind is logged at
        # debug level 3; -n 1: one worker
        return ["named", "-g", "-d", "3", "-n", "1", "-c", self.conf]

    def refresh(self):
        self.run("rndc", "-c", self.rndc_conf, "refresh", self.zone.rstrip("."))

    def incoming_transfers(self):
        """Transfers received, from named's log (debug level 3): each transfer logs "got
        incremental response" or "got nonincremental response" (an IXFR answered with the
        whole zone counts as AXFR); "total" counts "Transfer status: success"."""
        n = count_lines(self.log(), {"AXFR": r"got nonincremental response",
                                     "IXFR": r"got incremental response",
                                     "total": r"Transfer status: success"})
        return n

    def transfer_errors(self):
        return re.findall(r"^.*transfer of .*(?:failed|error|bad|refused|NOTAUTH).*$",
                          self.log(), re.M | re.I)

    def notifies_received(self):
        return len(re.findall(r"notify from ", self.log()))
