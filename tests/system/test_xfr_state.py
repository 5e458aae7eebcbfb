"""What a zone from a primary and the IXFR journal keep across restarts and policy changes:
a version rejected in review stays skipped after a restart, a restart during signed review
leaves the zone asking its primary again, a lowered max-diffs takes effect at the policy
reload, and a zone can be removed while its primary is slow to answer."""
import time

import dns.rcode
import dns.rdatatype

from cascaded import Daemon
from test_xfr_in import (POLICY, ZONE, add_zone, daemon, notify, peers,  # noqa: F401
                         review_policy, reviewed_serials, served, wait_until)
from test_xfr_out import configure, ixfr_sequences, ixfr_versions, policy, transfer
from testns import TestnsPrimary


def test_rejected_serial_survives_restart(daemon, tmp_path):
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
        asked = len(prim.queries)
        daemon.stop()
        daemon.start()
        # the start asks the primary, which still has 101: skipped, not reviewed
        wait_until(lambda: len(prim.queries) > asked and
                   daemon.status(ZONE)["state"] == "idle", 20, "a refresh after the start")
        time.sleep(1)
        assert reviewed() == ["100", "101"]
        assert served(daemon) == 100


def test_restart_in_signed_review_keeps_asking_the_primary(daemon, tmp_path):
    daemon.write_policy("sr", POLICY.replace('"keep"', '"counter"') +
                        '[signer.review]\nmode = "manual"\n')
    with TestnsPrimary(tmp_path, ZONE, "good", serial=100) as prim:
        daemon.start()
        add_zone(daemon, prim.port, policy="sr")
        daemon.wait_state(ZONE, lambda s: s["state"] == "waiting for signed review", 30,
                          "signed review")
        daemon.stop()
        daemon.start()
        st = daemon.wait_state(ZONE, lambda s: s["state"] == "waiting for signed review", 30,
                               "signed review after the restart")
        daemon.cli("zone", "approve", "--signed", ZONE.rstrip("."),
                   str(st["signed_under_review"]))
        daemon.wait_published(ZONE)
        # after the approved version, the start's refresh runs and arms the SOA timers
        st = daemon.wait_state(ZONE, lambda s: s["primary"].get("next_refresh", 0) > 0 and
                               s["state"] == "idle", 20, "the refresh timer")
        assert st["primary"]["last_ok"] > 0, st["primary"]
        prim.serial = 101
        assert notify(daemon) == dns.rcode.NOERROR
        daemon.wait_state(ZONE, lambda s: s["state"] == "waiting for signed review", 20,
                          "the next version")


def test_lowered_max_diffs_takes_effect_at_reload(build_dir, tmp_path):
    d = Daemon(build_dir, tmp_path)
    try:
        configure(d, [], {"five": policy()})
        port = d.ports["publish"]
        vs = ixfr_versions(d, "ixfr.test.", "five")
        s1 = vs[0][0]
        assert ixfr_sequences(transfer(port, "ixfr.test.", dns.rdatatype.IXFR, s1)) is not None
        d.write_policy("five", policy(max_diffs=0))
        d.cli("policy", "reload")
        assert ixfr_sequences(transfer(port, "ixfr.test.", dns.rdatatype.IXFR, s1)) is None
        d.stop()
        d.start()
        d.wait_published("ixfr.test.")
        assert ixfr_sequences(transfer(port, "ixfr.test.", dns.rdatatype.IXFR, s1)) is None
        assert not list((tmp_path / "zone-state").glob("*.ixfr.*")), "journal files left"
    finally:
        d.kill()


def test_remove_while_the_primary_is_slow(daemon, tmp_path):
    with TestnsPrimary(tmp_path, ZONE, "slow", serial=100, delay=60) as prim:
        daemon.start()
        add_zone(daemon, prim.port)
        wait_until(lambda: len(prim.queries) > 0, 10, "the first query")
        t = time.time()
        code, body = daemon.api("POST", "/zone/" + ZONE.rstrip(".") + "/remove")
        assert code == 200, body
        assert time.time() - t < 5
        daemon.cli("health")
        assert daemon.api("GET", "/zone/" + ZONE.rstrip(".") + "/status")[0] == 404


def test_loaded_review_of_an_axfr_sends_the_whole_version(daemon, tmp_path):
    """A version that came by AXFR shares nothing with the one before: the loaded review
    server answers an IXFR for it with the whole version rather than building the diff."""
    daemon.write_policy("lr", POLICY + '[loader.review]\nmode = "manual"\n')
    with TestnsPrimary(tmp_path, ZONE, "good", serial=100) as prim:
        daemon.start()
        add_zone(daemon, prim.port, policy="lr")
        daemon.wait_state(ZONE, lambda s: s["state"] == "waiting for loaded review", 20,
                          "review of 100")
        daemon.cli("zone", "approve", "--unsigned", ZONE.rstrip("."), "100")
        daemon.wait_published(ZONE, 100, timeout=20)
        prim.serial = 101
        assert notify(daemon) == dns.rcode.NOERROR
        st = daemon.wait_state(ZONE, lambda s: s["state"] == "waiting for loaded review", 20,
                               "review of 101")
        assert st["primary"]["last_transfer"] != "IXFR", st["primary"]
        rrs = transfer(daemon.ports["loaded"], ZONE, dns.rdatatype.IXFR, 100)
        # the whole version, framed by its SOA (serial 101); not a difference sequence
        assert ixfr_sequences(rrs) is None, rrs[:3]
        assert rrs[0].serial == 101 and rrs[-1] == rrs[0] and len(rrs) > 4
