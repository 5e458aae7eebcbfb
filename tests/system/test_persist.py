"""cascaded across restarts: zones come back without re-signing, from a snapshot and its
diffs; damaged data is made again for that zone only; kill -9 at any moment of the pipeline
loses nothing published; CASCADE_FAKETIME moved on by days keeps every signature away from
its expiration by the remain time."""
import datetime
import glob
import json
import os
import random
import subprocess
import time

import dns.rcode
import dns.rdatatype
import pytest

from cascaded import Daemon
from test_daemon import verify, write_zone

WEEK = 7 * 86400


def big_zone(path, serial, names, tag="", prefix=""):
    """A zone with `names` delegations and hosts, so the pipeline takes a while; another
    prefix makes every name new, which no incremental signing can shorten."""
    with open(path, "w") as f:
        f.write(f"$ORIGIN example.test.\n$TTL 3600\n"
                f"@ SOA ns1 hostmaster {serial} 7200 3600 1209600 300\n@ NS ns1\n"
                f"ns1 A 192.0.2.1\n")
        for i in range(names):
            f.write(f"{prefix}h{i} A 192.0.2.{i % 250}\n{prefix}d{i} NS ns.d{i}\n"
                    f"ns.d{i} A 198.51.100.{i % 250}\n")
        f.write(f"tag TXT \"{tag or serial}\"\n")


@pytest.fixture
def daemons():
    made = []
    yield made
    for d in made:
        d.kill()


def history(d, zone="example.test"):
    return d.cli("zone", "history", zone).stdout


def test_restart_serves_without_resigning(build_dir, tmp_path, daemons):
    d = Daemon(build_dir, tmp_path)
    daemons.append(d)
    zone_file = str(tmp_path / "z.zone")
    write_zone(zone_file, 100)
    d.start()
    d.cli("zone", "add", "--source", zone_file, "--policy", "default", "example.test")
    d.wait_published("example.test.")
    # A small change: written as a diff after the snapshot.
    write_zone(zone_file, 101, "extra IN TXT small")
    d.cli("zone", "reload", "example.test")
    serial = d.wait_published("example.test.", serial=2)["published"]["serial"]
    state = json.load(open(tmp_path / "zone-state" / "example.test.json"))
    assert state["files"]["signed"]["diffs"], state["files"]
    assert os.path.exists(tmp_path / "zone-state" /
                          f"example.test.signed.{state['files']['signed']['diffs'][0]}.diff")
    before = str(tmp_path / "before.zone")
    d.axfr("publish", "example.test.", before)
    signed_before = history(d).count("Started signing")
    assert d.stop() == 0

    d.start()
    st = d.wait_state("example.test.", lambda s: s["state"] == "idle" and s["published"])
    assert st["published"]["serial"] == serial
    after = str(tmp_path / "after.zone")
    d.axfr("publish", "example.test.", after)
    assert open(before).read() == open(after).read()
    assert history(d).count("Started signing") == signed_before
    verify(after, "example.test.")
    # The next change follows incrementally from the restored versions.
    write_zone(zone_file, 102, "extra IN TXT changed")
    d.cli("zone", "reload", "example.test")
    d.wait_published("example.test.", serial=serial + 1)
    last = [l for l in history(d).splitlines() if "Started signing" in l][-1]
    assert "incremental" in last, last
    out = str(tmp_path / "third.zone")
    d.axfr("publish", "example.test.", out)
    verify(out, "example.test.")


@pytest.mark.parametrize("lost", ["signed", "loaded"])
def test_damaged_data_is_made_again(build_dir, tmp_path, daemons, lost):
    d = Daemon(build_dir, tmp_path)
    daemons.append(d)
    zone_file = str(tmp_path / "z.zone")
    write_zone(zone_file, 100)
    d.start()
    d.cli("zone", "add", "--source", zone_file, "--policy", "default", "example.test")
    serial = d.wait_published("example.test.")["published"]["serial"]
    assert d.stop() == 0
    for path in glob.glob(str(tmp_path / "zone-state" / f"example.test.{lost}.*")):
        with open(path, "r+b") as f:
            f.truncate(os.path.getsize(path) // 2)
    d.start()
    st = d.wait_state("example.test.", lambda s: s["state"] == "idle" and s["published"]
                      and s["published"]["serial"] > serial, timeout=60)
    assert "missing or damaged" in d.log()
    out = str(tmp_path / "out.zone")
    d.axfr("publish", "example.test.", out)
    verify(out, "example.test.")
    assert st["published"]["loaded_serial"] == 100


def check_state_files(folder):
    """Every JSON file the daemon keeps parses, and names only files that exist."""
    for path in glob.glob(os.path.join(folder, "zone-state", "*.json")) + \
            [os.path.join(folder, "state.db")]:
        with open(path) as f:
            data = json.load(f)
        files = data.get("files")
        if not files:
            continue
        for kind in ("loaded", "signed"):
            chain = files[kind]
            if chain["base"]:
                assert os.path.exists(path.replace(".json", f".{kind}.{chain['base']}")), chain
            for g in chain["diffs"]:
                assert os.path.exists(path.replace(".json", f".{kind}.{g}.diff")), chain


def test_kill_at_any_moment(build_dir, tmp_path, daemons):
    """kill -9 while the zone is loading, signing and persisting (each aimed at in turn,
    then at random instants), then restart: the zone is served with the serial its state
    on disk says it published last, what it serves verifies, serials never go back, and
    no state file names a file that is not there."""
    d = Daemon(build_dir, tmp_path)
    daemons.append(d)
    zone_file = str(tmp_path / "z.zone")
    big_zone(zone_file, 1, 5000)
    d.start()
    d.cli("zone", "add", "--source", zone_file, "--policy", "default", "example.test")
    published = {d.wait_published("example.test.", timeout=120)["published"]["serial"]}
    rng = random.Random(4242)
    targets = ["signing", "persisting signed zone", "persisting loaded zone", "loading",
               None, None, None]
    hit = set()
    for round_, target in enumerate(targets):
        big_zone(zone_file, 2 + round_, 5000 + 50 * round_, prefix=f"r{round_}-")
        d.cli("zone", "reload", "example.test")
        deadline = time.time() + (30 if target else rng.uniform(0.0, 2.0))
        while time.time() < deadline:
            state = d.api("GET", "/zone/example.test/status")[1]["state"]
            if state == target:
                hit.add(target)
                break
            if target and state == "idle" and round_ > 0 and "Published" in history(d)[-200:]:
                break
        d.kill()
        check_state_files(d.dir)
        # What the state on disk says was published last.
        with open(os.path.join(d.dir, "zone-state", "example.test.json")) as f:
            hist = json.load(f)["history"]
        last = [e["serial"] for e in hist if e["event"].startswith("Published")][-1]
        assert last >= max(published)
        published.add(last)
        d.start()
        st = d.wait_state("example.test.", lambda s: s["published"], timeout=60)
        assert st["published"]["serial"] >= last
        rcode, serial = d.soa("publish", "example.test.")
        assert rcode == dns.rcode.NOERROR and serial >= last
        st = d.wait_published("example.test.", timeout=120)
        published.add(st["published"]["serial"])
    out = str(tmp_path / "out.zone")
    d.axfr("publish", "example.test.", out)
    verify(out, "example.test.")
    # The kills fell into signing and into persisting, not only into idle.
    assert "signing" in hit and hit & {"persisting signed zone", "persisting loaded zone"}, hit


def rrsig_times(path):
    """(earliest expiration, latest inception) of the RRSIGs in a zone file."""
    import dns.zone
    z = dns.zone.from_file(path, origin="example.test.", relativize=False)
    exp, inc = None, None
    for _, node in z.nodes.items():
        for rds in node.rdatasets:
            if rds.rdtype != dns.rdatatype.RRSIG:
                continue
            for r in rds:
                exp = r.expiration if exp is None else min(exp, r.expiration)
                inc = r.inception if inc is None else max(inc, r.inception)
    return exp, inc


def test_faketime_weeks(build_dir, tmp_path, daemons):
    """Time moved on in steps of five days over six weeks, across restarts: every signature
    stays at least the remain time (one week) from expiry, and the zone verifies at the
    faked time."""
    d = Daemon(build_dir, tmp_path)
    daemons.append(d)
    zone_file = str(tmp_path / "z.zone")
    write_zone(zone_file, 100)
    t0 = 1800000000
    d.start(env={"CASCADE_FAKETIME": str(t0)})
    d.cli("zone", "add", "--source", zone_file, "--policy", "default", "example.test")
    d.wait_published("example.test.")
    refreshes = 0
    for step in range(1, 10):
        assert d.stop() == 0
        now = t0 + step * 5 * 86400
        d.start(env={"CASCADE_FAKETIME": str(now)})
        st = d.wait_state("example.test.", lambda s: s["state"] == "idle" and s["published"]
                          and not s["pending_resign"], timeout=60)
        out = str(tmp_path / f"step{step}.zone")
        d.axfr("publish", "example.test.", out)
        exp, inc = rrsig_times(out)
        assert exp - now >= WEEK, (step, exp - now)
        assert inc <= now
        when = datetime.datetime.fromtimestamp(now, datetime.timezone.utc).strftime("%Y%m%d%H%M%S")
        res = subprocess.run(["ldns-verify-zone", "-t", when, "-e", "P7D", out],
                             capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, res.stdout + res.stderr
        refreshes = history(d).count("trigger: signature refresh")
        assert st["published"]["loaded_serial"] == 100
    assert refreshes >= 3
