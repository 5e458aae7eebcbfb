"""The peer fixtures of peers.py work: real primaries feed real secondaries (AXFR, then NOTIFY
and IXFR, with TSIG), a wrong key fails, and each scripted misbehaviour of TestnsPrimary
sends what its documentation says. No cascaded here: these prove the tools other tests use."""
import time

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import dns.rrset
import dns.tsig
import pytest

from peers import (ADDR, KnotPrimary, KnotSecondary, NamedSecondary, NsdPrimary, NsdSecondary,
                   TsigKey, answer_records, need, read_stream)
from testns import TestnsPrimary

ZONE = "example.test."
ZONE_TEXT = """$ORIGIN example.test.
$TTL 300
@    IN SOA ns1 hostmaster 2024010101 60 30 3600 60
@    IN NS  ns1
@    IN NS  ns2
ns1  IN A   127.0.0.1
ns2  IN A   127.0.0.2
www  IN A   192.0.2.80
www  IN AAAA 2001:db8::80
mail IN MX  10 www
"""


def rrs(text):
    return sorted(line for line in text.splitlines() if line)


@pytest.fixture
def peers():
    """Start peers through started.append(p.start()); all are stopped at the end."""
    started = []
    yield started
    for p in reversed(started):
        p.stop()


def test_knot_primary_feeds_nsd_and_named(tmp_path, peers):
    need("knotd", "nsd", "named", "rndc", "nsd-control")
    key = TsigKey.random()
    nsd = NsdSecondary(tmp_path, ZONE, (ADDR, 0), key)
    named = NamedSecondary(tmp_path, ZONE, (ADDR, 0), key)
    prim = KnotPrimary(tmp_path, ZONE_TEXT, key=key, notify=[(ADDR, nsd.port), (ADDR, named.port)])
    peers.append(prim.start())
    for s in (nsd, named):
        s.primary = (ADDR, prim.port)
        peers.append(s.start())
    for s in (nsd, named):
        s.wait_serial(2024010101)
    assert prim.outgoing_transfers() == {"AXFR": 2, "IXFR": 0, "total": 2}, prim.tail()

    assert prim.bump() == 2024010102
    for s in (nsd, named):
        s.wait_serial(2024010102, timeout=15)
    assert named.notifies_received() >= 1, named.tail()
    assert nsd.notifies_received() >= 1, nsd.tail()
    assert named.incoming_transfers() == {"AXFR": 1, "IXFR": 1, "total": 2}, named.tail()
    assert nsd.incoming_transfers()["total"] == 2, nsd.tail()
    assert prim.outgoing_transfers() == {"AXFR": 2, "IXFR": 2, "total": 4}, prim.tail()
    assert prim.notifies_sent() >= 2
    want = rrs(prim.axfr_text())
    assert any("change1.example.test." in line for line in want)
    for s in (nsd, named):
        assert rrs(s.axfr_text()) == want, s.tail()


def test_nsd_primary_feeds_knot_with_tsig_and_wrong_key_fails(tmp_path, peers):
    need("knotd", "nsd", "nsd-control")
    key = TsigKey.random()
    knot = KnotSecondary(tmp_path, ZONE, (ADDR, 0), key)
    prim = NsdPrimary(tmp_path, ZONE_TEXT, key=key, notify=[(ADDR, knot.port)])
    peers.append(prim.start())
    knot.primary = (ADDR, prim.port)
    peers.append(knot.start())
    knot.wait_serial(2024010101)
    prim.bump()
    knot.wait_serial(2024010102)
    assert knot.incoming_transfers() == {"AXFR": 1, "IXFR": 1, "total": 2}, knot.tail()
    assert knot.notifies_received() >= 1, knot.tail()
    out = prim.outgoing_transfers()
    assert out["AXFR"] == 1 and out["IXFR"] == 1, prim.tail()

    # A secondary with another secret under the same key name gets nothing.
    wrong = TsigKey(key.name, key.alg, TsigKey.random().secret)
    bad = KnotSecondary(tmp_path, ZONE, (ADDR, prim.port), wrong, name="knot-wrong-key")
    peers.append(bad.start())
    bad.wait_for(lambda: bad.transfer_errors(), 10, "a failed transfer")
    assert bad.serial() is None
    assert "TSIG" in "".join(bad.transfer_errors()), bad.tail()

    # The primary changes its key: the first secondary can no longer follow.
    prim.set_key(TsigKey.random())
    prim.bump()
    knot.refresh()
    knot.wait_for(lambda: knot.transfer_errors(), 10, "a failed refresh")
    assert knot.serial() == 2024010102
    assert "TSIG" in "".join(knot.transfer_errors()), knot.tail()


def axfr_query(key=None, qtype=dns.rdatatype.AXFR, serial=None):
    if qtype == dns.rdatatype.IXFR:
        q = dns.message.make_query(ZONE, qtype)
        q.authority = [dns.rrset.from_text(ZONE, 0, "IN", "SOA",
                                           f". . {serial} 0 0 0 0")]
    else:
        q = dns.message.make_query(ZONE, qtype)
    if key:
        q.use_tsig(key.dns_key())
    return q


def records(msgs):
    out = []
    for m in msgs:
        out.extend(answer_records(m))
    return out


def start_testns(tmp_path, scenario, **kw):
    return TestnsPrimary(tmp_path, ZONE, scenario, serial=100, **kw).start()


@pytest.mark.parametrize("scenario", TestnsPrimary.SCENARIOS)
def test_testns_soa(tmp_path, scenario):
    """Every scenario answers an SOA query with the given serial, over UDP and TCP."""
    with start_testns(tmp_path, scenario, delay=0.1, huge_octets=1000) as p:
        q = dns.message.make_query(ZONE, dns.rdatatype.SOA)
        for r in (dns.query.udp(q, ADDR, port=p.port, timeout=5),
                  dns.query.tcp(q, ADDR, port=p.port, timeout=5)):
            assert r.rcode() == dns.rcode.NOERROR and r.answer[0][0].serial == 100
        assert [x[0] for x in p.queries] == ["udp", "tcp"]


def test_testns_good_unsigned_and_signed(tmp_path):
    key = TsigKey.random()
    with start_testns(tmp_path, "good", key=key) as p:
        msgs, how = read_stream(p.port, axfr_query())
        assert how == "done" and len(msgs) == 2
        recs = records(msgs)
        assert recs[0] == (dns.rdatatype.SOA, 100) and recs[-1] == (dns.rdatatype.SOA, 100)
        assert len(recs) == 3 + 1 + 20 + 1
        # dnspython checks the TSIG chain over both messages.
        xfr = list(dns.query.xfr(ADDR, ZONE, port=p.port, keyring=key.dns_key(),
                                 keyname=key.name, timeout=5))
        assert len(xfr) == 2 and all(m.had_tsig for m in xfr)
        assert p.queries[-1][4:] == (key.name + ".", True)


def test_testns_no_tsig(tmp_path):
    key = TsigKey.random()
    with start_testns(tmp_path, "no_tsig", key=key) as p:
        msgs, how = read_stream(p.port, axfr_query(key))
        assert how == "done" and p.queries[-1][5] is True
        for m in msgs:
            assert not dns.message.from_wire(m).had_tsig
        with pytest.raises(dns.exception.FormError):
            list(dns.query.xfr(ADDR, ZONE, port=p.port, keyring=key.dns_key(),
                               keyname=key.name, timeout=5))


def test_testns_bad_tsig(tmp_path):
    key = TsigKey.random()
    with start_testns(tmp_path, "bad_tsig", key=key) as p:
        msgs, how = read_stream(p.port, axfr_query(key))
        assert how == "done" and len(msgs) == 2
        q = axfr_query(key)
        with pytest.raises(dns.tsig.BadSignature):
            dns.message.from_wire(msgs[0], keyring=key.dns_key(), request_mac=q.mac)
        with pytest.raises(dns.tsig.BadSignature):
            list(dns.query.xfr(ADDR, ZONE, port=p.port, keyring=key.dns_key(),
                               keyname=key.name, timeout=5))


def test_testns_truncated_and_cut(tmp_path):
    with start_testns(tmp_path, "truncated") as p:
        msgs, how = read_stream(p.port, axfr_query())
        assert how == "eof" and len(msgs) == 1
        assert records(msgs)[-1][0] != dns.rdatatype.SOA
    with start_testns(tmp_path, "cut") as p:
        msgs, how = read_stream(p.port, axfr_query())
        assert how == "partial" and len(msgs) == 1


def test_testns_wrong_content(tmp_path):
    with start_testns(tmp_path, "soa_mismatch") as p:
        msgs, how = read_stream(p.port, axfr_query())
        recs = records(msgs)
        assert how == "done" and recs[0] == (dns.rdatatype.SOA, 100)
        assert recs[-1] == (dns.rdatatype.SOA, 101)
    with start_testns(tmp_path, "no_soa_first") as p:
        msgs, _how = read_stream(p.port, axfr_query(), timeout=2)
        assert records(msgs)[0][0] == dns.rdatatype.NS
    with start_testns(tmp_path, "wrong_zone") as p:
        msgs, how = read_stream(p.port, axfr_query())
        m = dns.message.from_wire(msgs[0])
        assert how == "done" and str(m.question[0].name) == ZONE
        assert str(m.answer[0].name) == "other.test."
    with start_testns(tmp_path, "wrong_id") as p:
        q = axfr_query()
        msgs, _how = read_stream(p.port, q)
        assert all(dns.message.from_wire(m).id == q.id ^ 0xFFFF for m in msgs)
    with start_testns(tmp_path, "refused") as p:
        msgs, how = read_stream(p.port, axfr_query())
        assert how == "done" and dns.message.from_wire(msgs[0]).rcode() == dns.rcode.REFUSED


def test_testns_slow(tmp_path):
    with start_testns(tmp_path, "slow", delay=1.5) as p:
        msgs, how = read_stream(p.port, axfr_query(), timeout=0.5)
        assert how == "timeout" and not msgs
        t = time.time()
        msgs, how = read_stream(p.port, axfr_query(), timeout=5)
        assert how == "done" and 1.0 < time.time() - t < 4


def test_testns_huge(tmp_path):
    key = TsigKey.random()
    with start_testns(tmp_path, "huge", key=key, huge_octets=1 << 20) as p:
        msgs, how = read_stream(p.port, axfr_query())
        assert how == "done"
        assert sum(len(m) for m in msgs) >= 1 << 20 and len(msgs) > 15
        recs = records(msgs)
        assert recs[0] == recs[-1] == (dns.rdatatype.SOA, 100)
        # signed: dnspython follows the TSIG chain through every message
        n = sum(1 for _ in dns.query.xfr(ADDR, ZONE, port=p.port, keyring=key.dns_key(),
                                         keyname=key.name, timeout=10))
        assert n == len(msgs)


def test_testns_ixfr(tmp_path):
    with start_testns(tmp_path, "ixfr") as p:
        msgs, how = read_stream(p.port, axfr_query(qtype=dns.rdatatype.IXFR, serial=99))
        assert how == "done"
        assert records(msgs) == [(6, 100), (6, 99), (6, 100), (16, None), (6, 100)]
        msgs, how = read_stream(p.port, axfr_query(qtype=dns.rdatatype.IXFR, serial=50))
        assert how == "done" and len(records(msgs)) == 25
        assert p.queries[-1][2:4] == ("IXFR", 50)
