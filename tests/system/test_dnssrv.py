"""The daemon's nameserver (src/publish/dnssrv) against real clients.

Through `serve_zone` (tests/tools/serve_zone.c), which serves one zone file on 127.0.0.1, a port
the kernel picks (it prints "port N"), until SIGTERM:

  - kdig (`+tcp AXFR`) and dnspython (`dns.query.xfr`) receive exactly the zone: the SOA first
    and last, and in between every RR of the file once, compared in canonical wire form
    (zone_dump -c reads the file and each client's output, the same reader on both sides);
  - for tests/data/zones/sign-test.zone (glue, occluded data, empty non-terminals, wildcards,
    mixed case) and for a zone of some 10,000 names signed by `cascade signzone`, whose AXFR
    also passes ldns-verify-zone;
  - SOA over UDP and TCP with the AA bit; AXFR over UDP is NOTIMP; a zone not served REFUSED;
  - the server logs one line per transfer and exits 0 after SIGTERM with no sanitizer report.
"""
import os
import re
import select
import shutil
import signal
import subprocess
import time

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

DATA = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data", "zones")
SMALL = os.path.join(DATA, "sign-test.zone")
SANITIZER = re.compile(r"runtime error:|Sanitizer|LeakSanitizer")


def need(tool):
    if not shutil.which(tool):
        pytest.skip(f"{tool} is not installed")
    return tool


def program(build, name):
    path = os.path.join(build, name)
    if not os.access(path, os.X_OK) and shutil.which("ninja"):
        subprocess.run(["ninja", "-C", build, name], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: build it with `ninja -C {build} {name}`")
    return path


def run(cmd, limit=120):
    return subprocess.run(["timeout", "-k", "5", str(limit)] + [str(c) for c in cmd],
                          capture_output=True, text=True, timeout=limit + 15)


@pytest.fixture(scope="module")
def serve_zone(build_dir):
    return program(build_dir, "serve_zone")


class Server:
    """serve_zone on 127.0.0.1, a kernel-chosen port; stopped with SIGTERM."""

    def __init__(self, exe, origin, path):
        self.proc = subprocess.Popen([exe, origin, path], stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        ready, _, _ = select.select([self.proc.stdout], [], [], 120)
        line = self.proc.stdout.readline() if ready else ""
        if not line.startswith("port "):
            self.proc.kill()
            _, err = self.proc.communicate(timeout=30)
            pytest.fail(f"serve_zone did not start: {line!r}\n{err}")
        self.port = int(line.split()[1])
        self.log = ""

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            _, self.log = self.proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            pytest.fail("serve_zone did not stop on SIGTERM")
        assert not SANITIZER.search(self.log), self.log
        assert self.proc.returncode == 0, self.log


@pytest.fixture
def server_for():
    servers = []

    def start(exe, origin, path):
        s = Server(exe, origin, path)
        servers.append(s)
        return s
    yield start
    for s in servers:
        s.stop()


def canonical(zone_dump, origin, path):
    """Every RR of the file in canonical wire form (hex), sorted; duplicates dropped."""
    p = run([zone_dump, "-c", origin, path])
    assert p.returncode == 0, p.stderr
    return sorted(p.stdout.split())


def rr_lines(text):
    """The RR lines of kdig's output (no comments, no blank lines)."""
    return [line for line in text.split("\n") if line.strip() and not line.startswith(";")]


def check_kdig(zone_dump, srv, origin, path, tmp_path):
    """kdig's AXFR: SOA first and last, then exactly the file's RRs. Returns its RR lines."""
    # +noidn: names as sent, not xn-- labels turned into Unicode
    p = run([need("kdig"), "@127.0.0.1", "-p", srv.port, "+tcp", "+noidn", "AXFR", origin])
    assert p.returncode == 0, p.stderr
    lines = rr_lines(p.stdout)
    assert lines[0].split()[3] == "SOA" and lines[-1].split()[3] == "SOA"
    assert lines[0] == lines[-1]
    want = canonical(zone_dump, origin, path)
    assert len(lines) == len(want) + 1
    out = tmp_path / "kdig.zone"
    out.write_text("\n".join(lines[:-1]) + "\n")
    assert canonical(zone_dump, origin, out) == want
    return lines


def check_dnspython(zone_dump, srv, origin, path, tmp_path):
    """dnspython's AXFR: the same, read message by message."""
    rrs = []
    for msg in dns.query.xfr("127.0.0.1", origin, port=srv.port, relativize=False,
                             lifetime=300):
        assert msg.rcode() == dns.rcode.NOERROR
        for rrset in msg.answer:
            for rd in rrset:
                rrs.append(f"{rrset.name} {rrset.ttl} IN {dns.rdatatype.to_text(rd.rdtype)} "
                           f"{rd.to_text()}")
    assert rrs[0].split()[3] == "SOA" and rrs[-1] == rrs[0]
    want = canonical(zone_dump, origin, path)
    assert len(rrs) == len(want) + 1
    out = tmp_path / "dnspython.zone"
    out.write_text("\n".join(rrs[:-1]) + "\n")
    assert canonical(zone_dump, origin, out) == want


def test_small_zone(zone_dump, serve_zone, server_for, tmp_path):
    srv = server_for(serve_zone, "sign.test.", SMALL)
    check_kdig(zone_dump, srv, "sign.test.", SMALL, tmp_path)
    check_dnspython(zone_dump, srv, "sign.test.", SMALL, tmp_path)
    # SOA over UDP and TCP, AA set
    q = dns.message.make_query("sign.test.", "SOA")
    for ask in (dns.query.udp, dns.query.tcp):
        r = ask(q, "127.0.0.1", port=srv.port, timeout=10)
        assert r.rcode() == dns.rcode.NOERROR and r.flags & dns.flags.AA
        assert r.answer[0][0].serial == 2024010101
    # AXFR over UDP: NOTIMP; a zone not served: REFUSED, with EDE 20 when asked with EDNS
    r = dns.query.udp(dns.message.make_query("sign.test.", "AXFR"), "127.0.0.1", port=srv.port,
                      timeout=10)
    assert r.rcode() == dns.rcode.NOTIMP
    r = dns.query.udp(dns.message.make_query("other.test.", "SOA", use_edns=0), "127.0.0.1",
                      port=srv.port, timeout=10)
    assert r.rcode() == dns.rcode.REFUSED
    assert [o.otype for o in r.options] == [15] and r.options[0].code == 20
    srv.stop()
    assert re.search(r"info: serve_zone: AXFR of sign\.test\. serial 2024010101 to "
                     r"127\.0\.0\.1#\d+: 48 RRs in 1 message, \d+ ms", srv.log), srv.log


@pytest.fixture(scope="module")
def signed_zone(build_dir, cascade_cli, tmp_path_factory):
    """A TLD-like zone of some 10,000 names (bench/genzone) signed by cascade signzone."""
    work = tmp_path_factory.mktemp("signed")
    genzone = program(build_dir, os.path.join("bench", "genzone"))
    unsigned = work / "unsigned.zone"
    with open(unsigned, "w") as f:
        p = subprocess.run([genzone, "-n", "9000", "-o", "test."], stdout=f,
                           stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    keys = []
    for extra in (["-f", "KSK"], []):
        p = run([cascade_cli, "keygen", "-a", "ECDSAP256SHA256", *extra, "-K", work, "test."])
        assert p.returncode == 0, p.stderr
        keys.append(str(work / p.stdout.strip()))
    signed = work / "signed.zone"
    p = run([cascade_cli, "signzone", "-o", "test.", "-f", signed, "-j", "2", unsigned, *keys],
            limit=300)
    assert p.returncode == 0, p.stderr
    return signed


def test_signed_zone(zone_dump, serve_zone, server_for, signed_zone, tmp_path):
    srv = server_for(serve_zone, "test.", signed_zone)
    start = time.monotonic()
    lines = check_kdig(zone_dump, srv, "test.", signed_zone, tmp_path)
    names = {line.split()[0].lower() for line in lines}
    assert len(names) > 9500
    check_dnspython(zone_dump, srv, "test.", signed_zone, tmp_path)
    # what kdig received, as a zone file, verifies
    p = run([need("ldns-verify-zone"), tmp_path / "kdig.zone"], limit=300)
    assert p.returncode == 0, p.stdout + p.stderr
    assert time.monotonic() - start < 280
    srv.stop()
    assert len(re.findall(r"AXFR of test\. serial \d+ to 127\.0\.0\.1#\d+: \d+ RRs in \d+ "
                          r"messages", srv.log)) == 2, srv.log
