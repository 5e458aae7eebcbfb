"""Incremental signing (lib/dnssec/signer_incr.c, through tests/tools/incr_sign): issue 3.

For each kind of change to tests/data/zones/sign-test.zone, in each denial mode, with a KSK+ZSK
pair and with a CSK, the zone is signed in full, changed, and signed again incrementally on top
of the first signing. The result must pass `dnssec-verify` and `ldns-verify-zone`, and, the keys
being Ed25519 (deterministic) and the signature times fixed, be byte for byte the file a full
signing of the changed zone gives. Changes of the denial mode and of the keys are covered too.
A change that touches one name must not re-sign the zone: the counts incr_sign prints show it.
"""
import filecmp
import os
import re
import time

import pytest

from conftest import _program
from test_signzone import (ORIGIN, TEST_ZONE, Signer, assert_verifies, dnssec_verify, verifiers,
                           no_sanitizer, run)  # noqa: F401 (verifiers: a fixture)


@pytest.fixture(scope="session")
def incr_sign(build_dir):
    return _program(build_dir, "incr_sign")


@pytest.fixture(scope="module")
def ed25519(cascade_cli, tmp_path_factory):
    """KSK, ZSK and a second ZSK, Ed25519."""
    signer = Signer(cascade_cli)
    d = str(tmp_path_factory.mktemp("keys"))
    return (signer.keygen(d, ORIGIN, 15, ksk=True), signer.keygen(d, ORIGIN, 15),
            signer.keygen(d, ORIGIN, 15))


def edited(tmp_path, drop=(), add=""):
    """The test zone without the lines that start with any of drop, plus add; a new SOA serial."""
    out = tmp_path / "new.zone"
    with open(TEST_ZONE) as f:
        lines = [ln for ln in f if not any(ln.startswith(p) for p in drop)]
    text = "".join(lines).replace("2024010101", "2024010102", 1)
    out.write_text(text + add)
    return str(out)


CHANGES = {
    "ttl-only": (["www "], "www 300 IN A 192.0.2.4\nwww 300 IN AAAA 2001:db8::4\n"),
    "name-added": ([], "new IN A 192.0.2.99\n"),
    "name-removed": (["mail "], ""),
    "names-below-new-ents": ([], "a.b.c.new-ent IN TXT \"deep\"\n"),
    "delegation-added": ([], "sub IN NS ns.sub\nns.sub IN A 192.0.2.77\n"),
    "delegation-removed": (["insecure ", "ns1.insecure", "ns2.insecure", "deep.below.insecure",
                            "                IN NS    ns2.insecure"], ""),
    "delegation-made-secure": ([], "outside IN DS 12345 13 2 "
                               "2BB183AF5F22588179A53B0A98631FAD1A292118F6DC8AE7F1D4AFA1F3D2F1A5\n"),
    "glue-changed": (["ns1.insecure"], "ns1.insecure IN A 192.0.2.111\n"),
    "occluded-changed": (["occluded.secure"], "occluded.secure IN TXT \"changed\"\n"),
    "apex-changed": ([], "@ IN TXT \"added at the apex\"\n@ IN CAA 0 issue \"ca.example\"\n"),
}
MODES = ["nsec", "nsec3", "optout"]


def sign(incr_sign, tmp_path, new, keys, old_mode, new_mode, zonemd=False):
    """(incremental file, full file, counts) for the test zone -> new."""
    now = int(time.time())
    out, full = tmp_path / "incr.signed", tmp_path / "full.signed"
    cmd = [incr_sign, "-o", ORIGIN, "-i", now - 3600, "-e", now + 30 * 86400,
           "--old", old_mode, "--new", new_mode, "--full", full, *(["-Z"] if zonemd else []),
           TEST_ZONE, new, out, *keys]
    p = run(cmd)
    no_sanitizer(p, "incr_sign")
    assert p.returncode == 0, f"{' '.join(map(str, cmd))}: exit {p.returncode}\n{p.stderr}"
    m = re.fullmatch(r"names (\d+) signatures (\d+) reused (\d+) full ([01])\n", p.stdout)
    assert m, p.stdout
    return str(out), str(full), dict(zip(("names", "signatures", "reused", "full"),
                                         map(int, m.groups())))


def assert_same_file(incr, full):
    if not filecmp.cmp(incr, full, shallow=False):
        a, b = set(open(incr)), set(open(full))
        pytest.fail("incremental != full signing\nonly incremental:\n" +
                    "".join(sorted(a - b)[:10]) + "only full:\n" + "".join(sorted(b - a)[:10]))


@pytest.mark.parametrize("kind", ["ksk+zsk", "csk"])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("change", list(CHANGES))
def test_change(incr_sign, ed25519, verifiers, tmp_path, change, mode, kind):
    drop, add = CHANGES[change]
    new = edited(tmp_path, drop, add)
    keys = list(ed25519[:2]) if kind == "ksk+zsk" else [ed25519[0]]
    incr, full, counts = sign(incr_sign, tmp_path, new, keys, mode, mode)
    assert counts["full"] == 0, counts
    assert_same_file(incr, full)
    assert_verifies(incr, csk=kind == "csk")


@pytest.mark.parametrize("old,new", [("nsec", "nsec3"), ("nsec3", "nsec"), ("nsec3", "optout"),
                                     ("optout", "nsec")])
def test_denial_switch(incr_sign, ed25519, verifiers, tmp_path, old, new):
    zone = edited(tmp_path, [], "switched IN A 192.0.2.98\n")
    incr, full, counts = sign(incr_sign, tmp_path, zone, list(ed25519[:2]), old, new)
    assert counts["full"] == 1 and counts["reused"] > 0, counts
    assert_same_file(incr, full)
    assert_verifies(incr)


@pytest.mark.parametrize("change", ["zsk-added", "zsk-removed", "ksk-added", "zsk-replaced"])
@pytest.mark.parametrize("mode", ["nsec", "optout"])
def test_key_change(incr_sign, ed25519, verifiers, tmp_path, change, mode):
    ksk, zsk, zsk2 = ed25519
    keys = {"zsk-added": [ksk, zsk, "new:" + zsk2],
            "zsk-removed": [ksk, zsk, "old:" + zsk2],
            "ksk-added": [zsk, "new:" + ksk],
            "zsk-replaced": [ksk, "old:" + zsk, "new:" + zsk2]}[change]
    zone = edited(tmp_path)
    incr, full, counts = sign(incr_sign, tmp_path, zone, keys, mode, mode)
    assert counts["full"] == 1, counts
    if change != "zsk-replaced":
        assert counts["reused"] > 0, counts
    assert_same_file(incr, full)
    assert_verifies(incr)


@pytest.mark.parametrize("mode", MODES)
def test_zonemd(incr_sign, ed25519, verifiers, tmp_path, mode):
    zone = edited(tmp_path, ["www "], "www IN A 192.0.2.44\n")
    incr, full, counts = sign(incr_sign, tmp_path, zone, list(ed25519[:2]), mode, mode,
                              zonemd=True)
    assert counts["full"] == 0
    assert_same_file(incr, full)
    # ldns-verify-zone can spin on NSEC3 + ZONEMD (see test_signzone.py): BIND's only
    rc, out = dnssec_verify(incr)
    assert rc == 0, out


@pytest.mark.parametrize("mode", MODES)
def test_one_name_signs_little(incr_sign, ed25519, tmp_path, mode):
    """A new TXT at one name: its RRset, the SOA, and the denial records around it."""
    zone = edited(tmp_path, [], "www IN TXT \"one more\"\n")
    _, _, counts = sign(incr_sign, tmp_path, zone, list(ed25519[:2]), mode, mode)
    assert counts["full"] == 0
    # TXT, SOA, and www's NSEC (or NSEC3: its bitmap gains TXT)
    assert counts["signatures"] == 3, counts
