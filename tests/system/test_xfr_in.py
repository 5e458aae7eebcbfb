"""Zones from a primary: cascaded fetches them by AXFR and IXFR from real primaries (knotd,
NSD), follows their NOTIFY, signs with TSIG, keeps its last good version when a primary
misbehaves (TestnsPrimary), refuses NOTIFY from anyone but the primary, tracks the SOA
REFRESH/RETRY/EXPIRE timers, and asks the primary again after a restart.

What is served is always read back from the publication server; signed output is checked
by dnssec-verify and ldns-verify-zone (test_daemon.verify)."""
import socket
import time

import dns.flags
import dns.message
import dns.opcode
import dns.rcode
import dns.rdatatype
import pytest

from cascaded import Daemon
from peers import ADDR, KnotPrimary, NsdPrimary, TsigKey
from testns import TestnsPrimary
from test_daemon import verify

ZONE = "example.test."
SERIAL = 2024010101
OTHER = "other.test."


def zone_text(serial=SERIAL, timers="3600 600 86400 300"):
    """The primary's zone (one-line SOA: refresh retry expire minimum in timers)."""
    return f"""$ORIGIN {ZONE}
$TTL 300
@       IN SOA ns1 hostmaster {serial} {timers}
@       IN NS  ns1
@       IN NS  ns2.elsewhere.test.
ns1     IN A   127.0.0.1
www     IN A   192.0.2.80
www     IN AAAA 2001:db8::80
mail    IN MX  10 www
sub     IN NS  ns.sub
ns.sub  IN A   192.0.2.53
"""


# serial-policy "keep": the published serial is the primary's, so what is served says
# at a glance which version of the primary it came from.
POLICY = """version = "v1"
[loader]
max-transfer-size = 300000
max-transfer-messages = 1000
transfer-timeout = "3s"
[signer]
serial-policy = "keep"
"""
# The same, but a cap on messages that a good transfer (2 messages) passes.
POLICY_FEW_MESSAGES = POLICY.replace("max-transfer-messages = 1000",
                                     "max-transfer-messages = 4").replace(
                                     "max-transfer-size = 300000",
                                     "max-transfer-size = 100000000")


@pytest.fixture
def peers():
    """Peers to stop at the end: started.append(p.start())."""
    started = []
    yield started
    for p in reversed(started):
        p.stop()


@pytest.fixture
def daemon(build_dir, tmp_path):
    d = Daemon(build_dir, tmp_path / "cascaded",
               policies={"default": POLICY, "few-messages": POLICY_FEW_MESSAGES})
    yield d
    d.kill()


# ---------------------------------------------------------------------------------------------
# helpers


def add_zone(d, port, key=None, policy="default", zone=ZONE):
    """Adds zone from the primary on port with `cascade zone add --source IP:PORT[^KEY]`."""
    source = f"{ADDR}:{port}" + (f"^{key.name}" if key else "")
    d.cli("zone", "add", "--source", source, "--policy", policy, zone)


def review_policy(d, tmp_path):
    """Policy "review": a loaded-review hook that logs each serial it sees (see
    reviewed_serials) and rejects 101, with on-reject discard."""
    hook = tmp_path / "hook.sh"
    hook.write_text('#!/bin/sh\necho "$CASCADE_SERIAL" >> "$0.log"\n'
                    'test "$CASCADE_SERIAL" != 101\n')
    hook.chmod(0o755)
    d.write_policy("review", POLICY + f"""[loader.review]
mode = "script"
hook = "{hook}"
on-reject = "discard"
""")


def reviewed_serials(tmp_path):
    """The serials the review_policy hook has seen so far, as a function."""
    log = tmp_path / "hook.sh.log"
    return lambda: log.read_text().split() if log.exists() else []


def add_key(d, key):
    d.cli("tsig", "add", key.name, key.alg, key.secret)


def primary(d, zone=ZONE):
    """The zone status's view of its primary."""
    return d.status(zone)["primary"]


def transfers(d, zone=ZONE):
    return primary(d, zone)["transfers"]


def served(d, zone=ZONE):
    """The serial the publication server answers for zone (rcode must be NOERROR)."""
    rcode, serial = d.soa("publish", zone)
    assert rcode == dns.rcode.NOERROR, f"publication server: {dns.rcode.to_text(rcode)}"
    return serial


def check_signed(d, tmp_path, name, zone=ZONE):
    """AXFR of the published zone passes both verifiers; returns the dnspython zone."""
    path = str(tmp_path / f"{name}.zone")
    z = d.axfr("publish", zone, path)
    verify(path, zone)
    return z


def wait_until(pred, timeout, what, diag=lambda: ""):
    end = time.time() + timeout
    while not pred():
        if time.time() > end:
            raise AssertionError(f"{what} not seen in {timeout} s\n{diag()}")
        time.sleep(0.05)


def wait_error(d, word, zone=ZONE, timeout=20):
    """Waits for a failed refresh whose last_error says word; returns the status."""
    return d.wait_state(zone, lambda s: s["state"] == "idle" and word.lower() in
                        (s.get("last_error") or "").lower(), timeout,
                        f"a last_error with '{word}'")


def notify(d, key=None, source=ADDR, zone=ZONE, timeout=3):
    """Sends a NOTIFY for zone to the publication server from source (signed with key when
    given); returns the answer's rcode, read from the header so that an unsigned error
    answer to a signed query is still read."""
    q = dns.message.make_query(zone, dns.rdatatype.SOA)
    q.flags = dns.flags.AA  # before the opcode, which lives in the same 16 bits
    q.set_opcode(dns.opcode.NOTIFY)
    if key:
        q.use_tsig(key.dns_key())
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((source, 0))
        s.settimeout(timeout)
        s.sendto(q.to_wire(), (ADDR, d.ports["publish"]))
        wire, _ = s.recvfrom(65535)
    assert int.from_bytes(wire[:2], "big") == q.id and wire[2] & 0x80
    return wire[3] & 0xF


# ---------------------------------------------------------------------------------------------
# 1-3: real primaries: AXFR, NOTIFY + IXFR, TSIG, forced AXFR

PRIMARIES = {"knot": KnotPrimary, "nsd": NsdPrimary}


@pytest.mark.parametrize("kind", sorted(PRIMARIES))
@pytest.mark.parametrize("tsig", [False, True], ids=["plain", "tsig"])
def test_axfr_then_notify_ixfr(kind, tsig, daemon, peers, tmp_path):
    """The zone arrives by AXFR and is served signed; the primary's NOTIFY after a change
    makes the daemon fetch it by IXFR, and the new serial is served signed."""
    key = TsigKey.random() if tsig else None
    prim = PRIMARIES[kind](tmp_path, zone_text(), key=key,
                           notify=[(ADDR, daemon.ports["publish"])])
    peers.append(prim.start())
    daemon.start()
    if key:
        add_key(daemon, key)
    add_zone(daemon, prim.port, key)
    daemon.wait_published(ZONE, SERIAL, timeout=30)
    assert served(daemon) == SERIAL
    check_signed(daemon, tmp_path, "first")
    assert prim.outgoing_transfers()["AXFR"] == 1, prim.tail()
    assert transfers(daemon)["axfr"] == 1

    new = prim.bump()
    st = daemon.wait_published(ZONE, new, timeout=8)
    assert served(daemon) == new
    z = check_signed(daemon, tmp_path, "second")
    assert z.get_rdataset("change1." + ZONE, "TXT") is not None
    p = st["primary"]
    assert p["notifies"] >= 1 and p["last_transfer"] == "IXFR", p
    assert p["transfers"]["axfr"] == 1 and p["transfers"]["ixfr"] == 1, p
    assert p["transfers"]["failed"] == 0 and not p["failing"] and not p["expired"], p
    wait_until(lambda: prim.outgoing_transfers()["IXFR"] == 1, 5, "the IXFR in the log",
               prim.tail)
    assert prim.outgoing_transfers() == {"AXFR": 1, "IXFR": 1, "total": 2}, prim.tail()
    assert p["primary"] == f"{ADDR}:{prim.port}"
    assert st["source"]["tsig_key"] == (key.name if key else None), st["source"]


@pytest.mark.parametrize("kind", sorted(PRIMARIES))
def test_reload_forces_axfr(kind, daemon, peers, tmp_path):
    """`cascade zone reload` of a zone from a primary asks AXFR, even when nothing changed;
    the first AXFR's result is served signed."""
    prim = PRIMARIES[kind](tmp_path, zone_text())
    peers.append(prim.start())
    daemon.start()
    add_zone(daemon, prim.port)
    daemon.wait_published(ZONE, SERIAL, timeout=30)
    check_signed(daemon, tmp_path, "first")
    daemon.cli("zone", "reload", ZONE)
    wait_until(lambda: prim.outgoing_transfers()["AXFR"] == 2, 10, "a second AXFR", prim.tail)
    daemon.wait_state(ZONE, lambda s: s["state"] == "idle"
                      and s["primary"]["transfers"]["axfr"] == 2, 10, "two AXFRs counted")
    assert prim.outgoing_transfers()["IXFR"] == 0, prim.tail()
    assert served(daemon) == SERIAL
    assert "AXFR" in daemon.cli("zone", "history", ZONE).stdout


def test_wrong_tsig_key_fails_cleanly(daemon, peers, tmp_path):
    """A key with the primary's name but another secret: the zone fails with an error naming
    TSIG, and the daemon and its other zones carry on."""
    key = TsigKey.random()
    prim = KnotPrimary(tmp_path, zone_text(), key=key)
    peers.append(prim.start())
    daemon.start()
    other = tmp_path / "other.zone"
    other.write_text(zone_text(7).replace(ZONE, OTHER))
    daemon.cli("zone", "add", "--source", str(other), "--policy", "default", OTHER)
    wrong = TsigKey(key.name, key.alg, TsigKey.random().secret)
    add_key(daemon, wrong)
    add_zone(daemon, prim.port, wrong)
    st = wait_error(daemon, "TSIG")
    assert "BADSIG" in st["last_error"] or "BADKEY" in st["last_error"], st
    assert st["published"] is None and st["primary"]["failing"], st
    assert prim.outgoing_transfers()["total"] == 0, prim.tail()
    daemon.wait_published(OTHER, 7)
    daemon.cli("health")
    assert served(daemon, OTHER) == 7
    assert daemon.soa("publish", ZONE)[0] == dns.rcode.SERVFAIL


# ---------------------------------------------------------------------------------------------
# 4: misbehaving primaries keep the last good version

BROKEN = [
    # scenario, what last_error must say, policy
    ("truncated", "no closing SOA", "default"),
    ("cut", "ended early", "default"),
    ("soa_mismatch", "differs from the first", "default"),
    ("no_soa_first", "does not start with a SOA", "default"),
    ("wrong_zone", "other.test", "default"),
    ("wrong_id", "does not match the query", "default"),
    ("refused", "REFUSED", "default"),
    ("bad_tsig", "BADSIG", "default"),
    ("huge", "octets (limit)", "default"),
    ("huge", "messages (limit)", "few-messages"),
    ("slow", "timeout", "default"),
]


@pytest.mark.parametrize("scenario,word,policy", BROKEN,
                         ids=[f"{s}-{p}" if p != "default" else s for s, _w, p in BROKEN])
def test_broken_primary_keeps_last_good(scenario, word, policy, daemon, tmp_path):
    """A good version at serial 100; then the primary breaks at 101 and a reload asks it:
    100 stays published, the daemon answers, last_error says what went wrong; once the
    primary mends, 101 comes through."""
    key = TsigKey.random() if scenario == "bad_tsig" else None
    with TestnsPrimary(tmp_path, ZONE, "good", serial=100, key=key, delay=10,
                       huge_octets=2 << 20) as prim:
        daemon.start()
        if key:
            add_key(daemon, key)
        add_zone(daemon, prim.port, key, policy)
        daemon.wait_published(ZONE, 100, timeout=30)
        prim.scenario, prim.serial = scenario, 101
        daemon.cli("zone", "reload", ZONE)
        st = wait_error(daemon, word, timeout=20)
        assert served(daemon) == 100
        assert st["published"]["serial"] == 100, st
        assert st["primary"]["failing"] and st["primary"]["transfers"]["failed"] >= 1, st
        daemon.cli("health")
        assert any(q[2] == "AXFR" for q in prim.queries[-3:]), prim.tail()
        # the primary mends: the next refresh gets serial 101 at once
        prim.scenario = "good"
        daemon.cli("zone", "reload", ZONE)
        daemon.wait_published(ZONE, 101, timeout=20)
        assert served(daemon) == 101


# ---------------------------------------------------------------------------------------------
# 5: NOTIFY only from the primary, with its key


def test_notify_only_from_primary(daemon, tmp_path):
    """Unkeyed source: a NOTIFY from another address is refused and starts nothing; one
    from the primary's address is taken and the change comes through."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.bind(("127.0.0.2", 0))
        except OSError:
            pytest.skip("127.0.0.2 cannot be bound here")
    with TestnsPrimary(tmp_path, ZONE, "good", serial=100) as prim:
        daemon.start()
        add_zone(daemon, prim.port)
        daemon.wait_published(ZONE, 100)
        prim.serial = 101
        asked = len(prim.queries)
        assert notify(daemon, source="127.0.0.2") == dns.rcode.REFUSED
        time.sleep(1)
        assert len(prim.queries) == asked and served(daemon) == 100
        assert primary(daemon)["notifies"] == 0
        assert "NOTIFY for example.test. from 127.0.0.2" in daemon.log()
        assert notify(daemon) == dns.rcode.NOERROR
        st = daemon.wait_published(ZONE, 101, timeout=10)
        assert st["primary"]["notifies"] == 1 and served(daemon) == 101
        assert notify(daemon, zone="nothing.test.") == dns.rcode.REFUSED


def test_notify_needs_the_primarys_key(daemon, tmp_path):
    """Keyed source: unsigned, signed with another known key, or with a wrong secret, a
    NOTIFY is turned away; signed with the source's key it is taken and a refresh runs."""
    key, other = TsigKey.random(), TsigKey.random("other-key")
    with TestnsPrimary(tmp_path, ZONE, "good", serial=100, key=key) as prim:
        daemon.start()
        add_key(daemon, key)
        add_key(daemon, other)
        add_zone(daemon, prim.port, key)
        daemon.wait_published(ZONE, 100)
        asked = len(prim.queries)
        assert notify(daemon) == dns.rcode.REFUSED
        assert notify(daemon, key=other) == dns.rcode.REFUSED
        wrong = TsigKey(key.name, key.alg, TsigKey.random().secret)
        assert notify(daemon, key=wrong) == dns.rcode.NOTAUTH  # BADSIG, RFC 8945 §5.2.2
        time.sleep(1)
        assert len(prim.queries) == asked and primary(daemon)["notifies"] == 0
        assert notify(daemon, key=key) == dns.rcode.NOERROR
        daemon.wait_state(ZONE, lambda s: s["primary"]["notifies"] == 1 and
                          s["primary"]["transfers"]["up_to_date"] == 1, 10,
                          "a refresh after the NOTIFY")
        assert prim.queries[-1][4] == key.name + "." and prim.queries[-1][5], prim.tail()


# ---------------------------------------------------------------------------------------------
# 6: the SOA timers: REFRESH, RETRY, EXPIRE


def test_soa_timers_refresh_retry_expire(daemon, peers, tmp_path):
    """SOA refresh 2 retry 1 expire 6. A change at the primary arrives by IXFR on the
    REFRESH timer (no NOTIFY); with the primary gone the zone retries, expires after 6 s,
    says so, and keeps serving its last version; the primary back, expiry ends."""
    prim = KnotPrimary(tmp_path, zone_text(timers="2 1 6 60"))
    peers.append(prim.start())
    daemon.start()
    add_zone(daemon, prim.port)
    daemon.wait_published(ZONE, SERIAL)
    new = prim.bump()
    st = daemon.wait_published(ZONE, new, timeout=10)
    p = st["primary"]
    assert p["soa_timers"] == {"refresh": 2, "retry": 1, "expire": 6}, p
    assert p["notifies"] == 0 and p["transfers"]["ixfr"] == 1, p
    check_signed(daemon, tmp_path, "by-timer")

    prim.stop()
    t = time.time()
    st = daemon.wait_state(ZONE, lambda s: s["primary"]["expired"], 20, "expiry")
    assert time.time() - t >= 2, "expired well before EXPIRE"
    p = st["primary"]
    assert p["failing"] and p["transfers"]["failed"] >= 2, p
    assert st["last_error"] and "SOA" in st["last_error"], st
    hist = daemon.cli("zone", "history", ZONE).stdout
    assert "has not been reached for more than its SOA EXPIRE (6 s)" in hist, hist
    assert served(daemon) == new
    daemon.cli("health")

    prim.start()
    st = daemon.wait_state(ZONE, lambda s: not s["primary"]["expired"]
                           and not s["primary"]["failing"], 10, "the primary back")
    assert served(daemon) == new
    assert "answers again" in daemon.cli("zone", "history", ZONE).stdout


# ---------------------------------------------------------------------------------------------
# 7: a restart


@pytest.mark.parametrize("tsig", [False, True],
                         ids=["plain", "tsig"])
def test_restart_serves_from_disk_and_asks_primary(tsig, daemon, peers, tmp_path):
    """After a restart the zone is served from disk at once, even with the primary down,
    and the primary is asked at start: a change made while the daemon was down comes by
    IXFR (no NOTIFY, REFRESH an hour away)."""
    key = TsigKey.random() if tsig else None
    prim = KnotPrimary(tmp_path, zone_text(timers="3600 3600 86400 60"), key=key)
    peers.append(prim.start())
    daemon.start()
    if key:
        add_key(daemon, key)
    add_zone(daemon, prim.port, key)
    daemon.wait_published(ZONE, SERIAL)
    daemon.stop()
    prim.stop()

    daemon.start()
    wait_until(lambda: daemon.soa("publish", ZONE) == (dns.rcode.NOERROR, SERIAL), 3,
               "the zone served from disk", lambda: daemon.log()[-3000:])
    daemon.wait_state(ZONE, lambda s: s["primary"]["transfers"]["failed"] >= 1, 15,
                      "a refresh at start (the primary is down)")
    assert served(daemon) == SERIAL

    prim.start()
    new = prim.bump()
    daemon.stop()
    daemon.start()
    st = daemon.wait_published(ZONE, new, timeout=15)
    p = st["primary"]
    assert p["transfers"]["ixfr"] == 1 and p["notifies"] == 0, p
    wait_until(lambda: prim.outgoing_transfers()["IXFR"] == 1, 5, "the IXFR", prim.tail)
    assert prim.outgoing_transfers()["AXFR"] == 1, prim.tail()
    check_signed(daemon, tmp_path, "after-restart")


def test_cli_source_without_key(daemon, tmp_path):
    """`cascade zone add --source IP:PORT` (no ^KEY) adds a zone from that primary."""
    with TestnsPrimary(tmp_path, ZONE, "good", serial=100) as prim:
        daemon.start()
        daemon.cli("zone", "add", "--source", f"{ADDR}:{prim.port}", "--policy", "default",
                   ZONE)
        assert daemon.status(ZONE)["source"]["addr"] == f"{ADDR}:{prim.port}"
        daemon.wait_published(ZONE, 100)


# ---------------------------------------------------------------------------------------------
# a version rejected in review is not fetched into review again


def test_rejected_version_is_not_reviewed_again(daemon, tmp_path):
    """The unsigned review hook rejects serial 101 (on-reject discard): later refreshes that
    bring 101 again drop it without a review; `cascade zone reload` presents it again, and
    a newer serial goes through."""
    review_policy(daemon, tmp_path)
    reviewed = reviewed_serials(tmp_path)
    with TestnsPrimary(tmp_path, ZONE, "good", serial=100) as prim:
        daemon.start()
        add_zone(daemon, prim.port, policy="review")
        daemon.wait_published(ZONE, 100, timeout=30)
        prim.serial = 101
        assert notify(daemon) == dns.rcode.NOERROR
        wait_until(lambda: reviewed() == ["100", "101"], 20, "the review of 101")
        daemon.wait_state(ZONE, lambda s: s["state"] == "idle", 20, "idle after the reject")
        # NOTIFY twice more: the primary is asked, 101 comes again and is dropped unseen
        for _ in range(2):
            before = transfers(daemon)["axfr"] + transfers(daemon)["ixfr"]
            assert notify(daemon) == dns.rcode.NOERROR
            wait_until(lambda: transfers(daemon)["axfr"] + transfers(daemon)["ixfr"] > before,
                       20, "a transfer after the NOTIFY")
            daemon.wait_state(ZONE, lambda s: s["state"] == "idle", 20, "idle")
        assert reviewed() == ["100", "101"]
        assert served(daemon) == 100
        assert "rejected in review" in daemon.log()
        # the operator asks again: 101 is reviewed (and rejected) once more
        daemon.cli("zone", "reload", ZONE)
        wait_until(lambda: reviewed() == ["100", "101", "101"], 20, "a second review of 101")
        daemon.wait_state(ZONE, lambda s: s["state"] == "idle", 20, "idle")
        # a newer serial goes through
        prim.serial = 102
        assert notify(daemon) == dns.rcode.NOERROR
        daemon.wait_published(ZONE, 102, timeout=20)
        assert reviewed()[-1] == "102"
