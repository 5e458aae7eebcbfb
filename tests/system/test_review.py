"""Review stages of cascaded (cascade-spec §2.3, §4): hooks that approve, reject with
discard or halt, cannot run or hang; manual decisions with wrong and right serials; what
the three nameservers serve meanwhile."""
import os

import dns.rcode
import pytest

from cascaded import Daemon
from test_daemon import verify, write_zone


def policy(stage="loader", mode="script", hook=None, on_reject="discard", timeout=None):
    text = f'version = "v1"\n[signer]\nserial-policy = "counter"\n[{stage}.review]\n'
    text += f'mode = "{mode}"\n'
    if hook:
        text += f"hook = '{hook}'\n"
    if mode != "off":
        text += f'on-reject = "{on_reject}"\n'
    if timeout:
        text += f'hook-timeout = "{timeout}"\n'
    return text


def start(build_dir, tmp_path, text):
    d = Daemon(build_dir, tmp_path, policies={"p": text})
    d.start()
    zone_file = str(tmp_path / "example.test.zone")
    write_zone(zone_file, 100)
    d.cli("zone", "add", "--source", zone_file, "--policy", "p", "example.test")
    return d, zone_file


@pytest.fixture
def cleanup():
    daemons = []
    yield daemons
    for d in daemons:
        d.kill()


def halted(s):
    return s["state"].startswith("halted")


def test_script_approve_sees_environment(build_dir, tmp_path, cleanup):
    env_file = tmp_path / "env.txt"
    hook = f"env | grep ^CASCADE_ | sort > {env_file}"
    d, _ = start(build_dir, tmp_path, policy(hook=hook))
    cleanup.append(d)
    st = d.wait_published("example.test.")
    env = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    assert env["CASCADE_ZONE"] == "example.test"
    assert env["CASCADE_SERIAL"] == "100"
    assert env["CASCADE_SERVER"] == f"127.0.0.1:{d.ports['loaded']}"
    assert env["CASCADE_SERVER_IP"] == "127.0.0.1"
    assert env["CASCADE_SERVER_PORT"] == str(d.ports["loaded"])
    assert env["CASCADE_STAGE"] == "unsigned"
    out = str(tmp_path / "axfr.zone")
    d.axfr("publish", "example.test.", out)
    verify(out, "example.test.")
    assert st["published"]["loaded_serial"] == 100


def test_signed_hook_gets_both_serials(build_dir, tmp_path, cleanup):
    env_file = tmp_path / "env.txt"
    hook = f"env | grep ^CASCADE_ | sort > {env_file}"
    d, _ = start(build_dir, tmp_path, policy(stage="signer", hook=hook))
    cleanup.append(d)
    st = d.wait_published("example.test.")
    env = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
    assert env["CASCADE_SERIAL"] == str(st["published"]["serial"])
    assert env["CASCADE_SERVER"] == f"127.0.0.1:{d.ports['signed']}"
    assert env["CASCADE_UNSIGNED_SERIAL"] == "100"
    assert env["CASCADE_UNSIGNED_SERVER"] == f"127.0.0.1:{d.ports['loaded']}"


def test_script_reject_discard_keeps_serving_old(build_dir, tmp_path, cleanup):
    ok = tmp_path / "approve"
    ok.touch()
    d, zone_file = start(build_dir, tmp_path, policy(stage="signer", hook=f"test -e {ok}"))
    cleanup.append(d)
    first = d.wait_published("example.test.")["published"]["serial"]
    ok.unlink()
    write_zone(zone_file, 101, "v2 IN TXT two")
    d.cli("zone", "reload", "example.test")
    d.wait_state("example.test.", lambda s: "Signed zone review rejected" in
                 d.cli("zone", "history", "example.test").stdout and s["state"] == "idle")
    assert d.soa("publish", "example.test.") == (dns.rcode.NOERROR, first)
    # The next version goes through; the rejected one's serial is not reused.
    ok.touch()
    write_zone(zone_file, 102, "v3 IN TXT three")
    d.cli("zone", "reload", "example.test")
    st = d.wait_published("example.test.", serial=first + 2)
    assert st["published"]["loaded_serial"] == 102


def test_script_reject_halt_then_override(build_dir, tmp_path, cleanup):
    d, _ = start(build_dir, tmp_path, policy(hook="exit 1", on_reject="halt"))
    cleanup.append(d)
    st = d.wait_state("example.test.", halted, what="a halt")
    assert st["state"] == "halted after loaded review"
    res = d.cli("zone", "reload", "example.test", check=False)
    assert res.returncode == 1 and "halted" in res.stderr
    res = d.cli("zone", "override", "--signed", "example.test", check=False)
    assert res.returncode == 1
    d.cli("zone", "override", "--unsigned", "example.test")
    d.wait_published("example.test.")


def test_script_reject_halt_then_reset(build_dir, tmp_path, cleanup):
    d, _ = start(build_dir, tmp_path, policy(hook="exit 1", on_reject="halt"))
    cleanup.append(d)
    d.wait_state("example.test.", halted, what="a halt")
    assert "Halted" in d.cli("zone", "status", "example.test").stdout
    d.cli("zone", "reset", "example.test")
    st = d.wait_state("example.test.", lambda s: s["state"] == "idle")
    assert st["published"] is None
    assert d.soa("publish", "example.test.")[0] == dns.rcode.SERVFAIL
    assert d.soa("loaded", "example.test.")[0] == dns.rcode.SERVFAIL


def test_missing_hook_is_a_hard_halt(build_dir, tmp_path, cleanup):
    d, _ = start(build_dir, tmp_path, policy(hook="/nonexistent/review-hook.sh"))
    cleanup.append(d)
    st = d.wait_state("example.test.", halted, what="a halt")
    assert "could not" in st["halt_reason"]


def test_hanging_hook_is_killed(build_dir, tmp_path, cleanup):
    d, _ = start(build_dir, tmp_path, policy(hook="sleep 1000", timeout="2s"))
    cleanup.append(d)
    d.wait_state("example.test.", lambda s: s["state"] == "idle" and
                 "timed out" in d.cli("zone", "history", "example.test").stdout, timeout=30)
    assert d.status("example.test.")["published"] is None


def test_manual_review(build_dir, tmp_path, cleanup):
    d, zone_file = start(build_dir, tmp_path, policy(stage="signer", mode="manual"))
    cleanup.append(d)
    st = d.wait_state("example.test.", lambda s: s["state"] == "waiting for signed review")
    serial = st["signed_under_review"]
    # Served for review: the unsigned and the signed version; nothing published yet.
    assert d.soa("loaded", "example.test.") == (dns.rcode.NOERROR, 100)
    assert d.soa("signed", "example.test.") == (dns.rcode.NOERROR, serial)
    assert d.soa("publish", "example.test.")[0] == dns.rcode.SERVFAIL
    # The version under review is there to fetch whole and check.
    under_review = str(tmp_path / "review.zone")
    d.axfr("signed", "example.test.", under_review)
    verify(under_review, "example.test.")
    assert f"approve|reject --signed example.test {serial}" in \
        d.cli("zone", "status", "example.test").stdout
    res = d.cli("zone", "approve", "--signed", "example.test", str(serial + 7), check=False)
    assert res.returncode == 1 and "serial" in res.stderr
    res = d.cli("zone", "approve", "--unsigned", "example.test", "100", check=False)
    assert res.returncode == 1
    d.cli("zone", "approve", "--signed", "example.test", str(serial))
    d.wait_published("example.test.", serial=serial)
    # A reject with the right serial drops the new version; the old one stays.
    write_zone(zone_file, 101)
    d.cli("zone", "reload", "example.test")
    st = d.wait_state("example.test.", lambda s: s["state"] == "waiting for signed review")
    d.cli("zone", "reject", "--signed", "example.test", str(st["signed_under_review"]))
    d.wait_state("example.test.", lambda s: s["state"] == "idle")
    assert d.soa("publish", "example.test.") == (dns.rcode.NOERROR, serial)
    assert d.soa("signed", "example.test.")[0] == dns.rcode.SERVFAIL


def test_zones_do_not_wait_for_each_other(build_dir, tmp_path, cleanup):
    """A zone whose hook hangs, and a halted zone, do not hold up another zone."""
    d = Daemon(build_dir, tmp_path, policies={
        "slow": policy(hook="sleep 1000", timeout="10m"),
        "halting": policy(hook="exit 1", on_reject="halt"),
        "plain": policy(mode="off")})
    cleanup.append(d)
    d.start()
    for name, pol in (("slow.test", "slow"), ("halted.test", "halting"),
                      ("fast.test", "plain")):
        path = str(tmp_path / f"{name}.zone")
        with open(path, "w") as f:
            f.write(f"$ORIGIN {name}.\n$TTL 300\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\n"
                    "ns A 192.0.2.1\n")
        d.cli("zone", "add", "--source", path, "--policy", pol, name)
    d.wait_published("fast.test.", timeout=20)
    assert d.status("slow.test.")["state"] == "waiting for loaded review"
    d.wait_state("halted.test.", halted, what="a halt")
    st = d.cli("status").stdout
    assert "The following zones are halted:\n  halted.test.:" in st, st
