"""`cascade keygen` and `cascade signzone` (src/cli/, lib/dnssec/signer): issue 3's acceptance.

Every signed zone is checked by two verifiers that share no code with ours, `dnssec-verify`
(bind9-utils) and `ldns-verify-zone` (ldnsutils), and some by dnspython (ZONEMD digest, NSEC3
hashes). Each external program runs under `timeout`.

  - test zone tests/data/zones/sign-test.zone (delegations with and without DS, glue, occluded
    data below a cut and below a DNAME, wildcards, empty non-terminals, CNAME, MX, TXT, SRV)
    x algorithms 8, 10, 13, 14, 15, 16 x NSEC / NSEC3 / NSEC3 opt-out / NSEC3 salted with
    iterations x KSK+ZSK / CSK: both verifiers pass; the structure (what is signed, what is in
    the denial chain, wildcard label counts, denial TTL) is checked on its own too;
  - one flipped signature character, or one missing NSEC/NSEC3: both verifiers fail;
  - ZONEMD (-Z): ldns-verify-zone -Z and dnspython accept it; tampered data is caught;
  - both root zone snapshots sign with P-256 KSK+ZSK and NSEC and verify;
  - Cascade's own reference outputs (incremental-signing integration test) are reproduced RR for
    RR, in canonical wire form; the only difference allowed is the NSEC3PARAM flags with opt-out;
  - -j 1 and -j 4 write byte-identical files (Ed25519 is deterministic);
  - SOA serial policies;
  - bad input: exit 1, a clear message, no output file.

Verifier quirks met here (see also ../shared/interop/README.md):
  - dnssec-verify (BIND 9.18) wants a ZSK for every algorithm unless told `-z` (ignore the KSK
    flag); a zone signed by one flags-257 CSK fails without it ("Missing ZSK for algorithm"), as
    dnssec-signzone refuses to sign with a lone KSK without -z. The CSK cases use `-z`; the
    corruption tests show -z still checks the signatures.
  - ldns-verify-zone 1.8.3 spins forever on NSEC3 zones with iterations 0 + ZONEMD when an NSEC3
    owner sorts between a delegation and its glue (ldns-signzone -n -t 0 -z 1:1 output spins
    the same way), so ZONEMD over such zones is checked by dnspython and dnssec-verify only.
  - ldns-verify-zone reads an RRSIG expiration after 2038-01-19 (2^31) as before the inception
    (dnssec-verify and kzonecheck accept the same zone): fixed-clock tests use -e +100000000.
"""
import base64
import os
import re
import shutil
import subprocess
import time

import dns.dnssec
import dns.name
import dns.zone
import pytest


ALGS = {8: "RSASHA256", 10: "RSASHA512", 13: "ECDSAP256SHA256", 14: "ECDSAP384SHA384",
        15: "ED25519", 16: "ED448"}
DENIALS = {
    "nsec": [],
    "nsec3": ["-n"],
    "nsec3-optout": ["-n", "--opt-out"],
    "nsec3-salt": ["-n", "--nsec3-iterations", "5", "--nsec3-salt", "abcd"],
}
ORIGIN = "sign.test."
TEST_ZONE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "data",
                         "zones", "sign-test.zone")
INCREMENTAL = os.path.join("zones", "cascade", "integration-tests", "incremental-signing")
SANITIZER = re.compile(r"runtime error:|Sanitizer|LeakSanitizer")
FAKETIME = "1600000000"


# ---------------------------------------------------------------------------------------------
# running things

def run(cmd, limit=60, env=None, cwd=None):
    """Runs cmd under timeout(1); returns the CompletedProcess (rc 124: timed out)."""
    full = ["timeout", "-k", "5", str(limit)] + [str(c) for c in cmd]
    e = None
    if env:
        e = dict(os.environ)
        e.update(env)
    return subprocess.run(full, capture_output=True, text=True, env=e, cwd=cwd,
                          timeout=limit + 15)


def need(tool):
    if not shutil.which(tool):
        pytest.skip(f"{tool} is not installed")
    return tool


def no_sanitizer(p, what):
    assert not SANITIZER.search(p.stderr), f"{what}: sanitizer report\n{p.stderr}"


class Signer:
    """`cascade` from the build directory."""

    def __init__(self, path):
        self.path = path

    def keygen(self, directory, zone, alg, ksk=False, bits=None):
        cmd = [self.path, "keygen", "-a", str(alg), "-K", directory]
        if bits:
            cmd += ["-b", str(bits)]
        if ksk:
            cmd += ["-f", "KSK"]
        p = run(cmd + [zone])
        no_sanitizer(p, "cascade keygen")
        assert p.returncode == 0, f"cascade keygen -a {alg}: exit {p.returncode}\n{p.stderr}"
        base = p.stdout.strip()
        assert re.fullmatch(r"K[^/]*\+\d{3}\+\d{5}", base), base
        return os.path.join(directory, base)

    def sign_raw(self, zone, keys, out, opts=(), origin=ORIGIN, env=None, limit=120):
        cmd = [self.path, "signzone", "-o", origin, "-f", out, *opts, zone, *keys]
        p = run(cmd, limit=limit, env=env)
        no_sanitizer(p, " ".join(map(str, cmd)))
        return p

    def sign(self, zone, keys, out, opts=(), origin=ORIGIN, env=None, limit=120):
        p = self.sign_raw(zone, keys, out, opts, origin, env, limit)
        assert p.returncode == 0, (f"cascade signzone {' '.join(opts)}: exit {p.returncode}\n"
                                   f"{p.stdout}\n{p.stderr}")
        assert p.stdout.strip() == str(out)
        return out


@pytest.fixture(scope="session")
def cascade(cascade_cli):
    return Signer(cascade_cli)


def pytest_generate_tests(metafunc):
    """The root zone snapshots and Cascade's reference outputs found in the shared data."""
    data = metafunc.config.cascade_shared_data
    if "root_snapshot" in metafunc.fixturenames:
        d = os.path.join(data, "root")
        names = sorted(f for f in os.listdir(d) if f.endswith(".zone")) \
            if os.path.isdir(d) else []
        metafunc.parametrize("root_snapshot", names or [pytest.param(
            None, marks=pytest.mark.skip(reason=f"no root zone snapshots in {d}"))])
    if "reference_case" in metafunc.fixturenames:
        ref = os.path.join(data, INCREMENTAL, "reference-output")
        cases = []
        for f in sorted(os.listdir(ref)) if os.path.isdir(ref) else []:
            m = re.fullmatch(r"incremental-signing-(test\d+-input\d+)\.zone\.([a-z0-9-]+?)"
                             r"(\.zmd384)?\.signed\.sorted", f)
            if m and m.group(2) in ("nsec", "nsec3", "nsec3-opt-out"):
                case = (m.group(1), m.group(2), bool(m.group(3)))
                cases.append(pytest.param(
                    case, id=f"{case[0]}-{case[1]}{'-zonemd' if case[2] else ''}"))
        metafunc.parametrize("reference_case", cases or [pytest.param(
            None, marks=pytest.mark.skip(reason=f"no reference outputs in {ref}"))])


@pytest.fixture(scope="session")
def verifiers():
    need("dnssec-verify")
    need("ldns-verify-zone")


def dnssec_verify(path, origin=ORIGIN, csk=False, limit=120):
    """(rc, output) of dnssec-verify; -z for a zone whose only key is a flags-257 CSK."""
    p = run(["dnssec-verify"] + (["-z"] if csk else []) + ["-o", origin, path], limit=limit)
    return p.returncode, p.stdout + p.stderr


def ldns_verify(path, *opts, limit=60):
    p = run(["ldns-verify-zone", *opts, path], limit=limit)
    return p.returncode, p.stdout + p.stderr


def assert_verifies(path, origin=ORIGIN, csk=False, ldns_opts=()):
    rc, out = dnssec_verify(path, origin, csk)
    assert rc == 0, f"dnssec-verify {'-z ' if csk else ''}-o {origin} {path}: exit {rc}\n{out}"
    rc, out = ldns_verify(path, *ldns_opts)
    assert rc == 0, f"ldns-verify-zone {' '.join(ldns_opts)} {path}: exit {rc}\n{out}"


def assert_both_fail(path, origin=ORIGIN, csk=False):
    rc, out = dnssec_verify(path, origin, csk)
    assert rc not in (0, 124), f"dnssec-verify accepted (or hung on) {path}: exit {rc}\n{out}"
    rc, out = ldns_verify(path)
    assert rc not in (0, 124), f"ldns-verify-zone accepted (or hung on) {path}: exit {rc}\n{out}"


def records(path):
    """[(owner, ttl, type, rdata)] of a zone file we wrote (one RR per line)."""
    out = []
    with open(path) as f:
        for line in f:
            if not line.strip() or line.lstrip().startswith(";"):
                continue
            owner, ttl, cls, rtype, rdata = line.split(None, 4)
            assert cls == "IN", line
            out.append((owner.lower(), int(ttl), rtype, rdata.strip()))
    return out


def rewrite(src, dst, edit):
    """Writes the lines of src to dst, each through edit(line) (None drops it)."""
    changed = 0
    with open(src) as f, open(dst, "w") as g:
        for line in f:
            new = edit(line)
            if new != line:
                changed += 1
            if new is not None:
                g.write(new)
    assert changed, f"nothing changed in {src}"
    return dst


# ---------------------------------------------------------------------------------------------
# keys: made once per module and algorithm (RSA keygen is the slow part)

class KeyCache:
    def __init__(self, cascade, directory):
        self.cascade, self.dir, self.cache = cascade, directory, {}

    def get(self, alg, zone=ORIGIN):
        """(KSK, ZSK) base names for alg; the KSK alone is the CSK."""
        if (alg, zone) not in self.cache:
            bits = 2048 if alg in (8, 10) else None
            ksk = self.cascade.keygen(self.dir, zone, alg, ksk=True, bits=bits)
            zsk = self.cascade.keygen(self.dir, zone, alg, bits=bits)
            self.cache[(alg, zone)] = (ksk, zsk)
        return self.cache[(alg, zone)]

    def keys(self, alg, kind, zone=ORIGIN):
        ksk, zsk = self.get(alg, zone)
        return [ksk, zsk] if kind == "ksk+zsk" else [ksk]


@pytest.fixture(scope="module")
def keys(cascade, tmp_path_factory):
    return KeyCache(cascade, str(tmp_path_factory.mktemp("keys")))


def key_tag(base):
    return int(base.rsplit("+", 1)[1])


# ---------------------------------------------------------------------------------------------
# 1-2. the test zone, every algorithm x denial x key set

@pytest.mark.parametrize("kind", ["ksk+zsk", "csk"])
@pytest.mark.parametrize("denial", list(DENIALS))
@pytest.mark.parametrize("alg", list(ALGS), ids=[f"{a}-{n}" for a, n in ALGS.items()])
def test_sign_verify(cascade, keys, verifiers, tmp_path, alg, denial, kind):
    out = cascade.sign(TEST_ZONE, keys.keys(alg, kind), tmp_path / "signed.zone",
                       DENIALS[denial])
    assert_verifies(out, csk=(kind == "csk"))


# The names of sign-test.zone, relative to the apex, by what the signer must do with them.
DATA = {"@", "ns1", "mail", "www", "alias", "ext-alias", "x.c.b.a", "y.c.b.a", "*", "*.wild",
        "explicit.wild", "*.deep.wild", "dname", "long", "srv", "_sip._tcp", "mixedcase",
        "upper.wild"}
SECURE_CUTS = {"secure", "sec.ent2"}
INSECURE_CUTS = {"insecure", "outside", "child.ent-deleg"}
ENTS = {"a", "b.a", "c.b.a", "wild", "deep.wild", "ent2", "ent-deleg", "_tcp"}
ENTS_INSECURE_ONLY = {"ent-deleg"}  # only insecure cuts below: opt-out leaves it out
OCCLUDED = {"ns.secure", "occluded.secure", "ns1.insecure", "ns2.insecure",
            "deep.below.insecure", "hidden.dname", "a.b.dname"}


def absolute(rel):
    return ORIGIN if rel == "@" else f"{rel}.{ORIGIN}"


@pytest.mark.parametrize("kind", ["ksk+zsk", "csk"])
@pytest.mark.parametrize("denial", list(DENIALS))
def test_signed_structure(cascade, keys, tmp_path, denial, kind):
    """What is signed and what is denied, read back by dnspython (RFC 4035 §2, RFC 5155 §7.1)."""
    ks = keys.keys(15, kind)
    out = cascade.sign(TEST_ZONE, ks, tmp_path / "signed.zone", DENIALS[denial])
    rrs = records(out)
    sigs = {}
    for owner, ttl, rtype, rdata in rrs:
        if rtype == "RRSIG":
            f = rdata.split()
            sigs.setdefault((owner, f[0]), []).append((int(f[2]), int(f[3]), int(f[6])))
    owners_signed = {o for o, _ in sigs}
    occluded = {absolute(n) for n in OCCLUDED}
    assert not owners_signed & occluded, "occluded data is signed"
    assert {o for o, *_ in rrs} >= occluded, "occluded data was dropped"
    # delegation NS unsigned, DS signed; nothing else at a cut is signed
    for cut in SECURE_CUTS | INSECURE_CUTS:
        types = {t for (o, t) in sigs if o == absolute(cut)}
        denial_type = {"NSEC"} if denial == "nsec" else set()
        expect = ({"DS"} if cut in SECURE_CUTS else set()) | denial_type
        assert types == expect, f"signatures at the cut {cut}: {types}"
    # every authoritative RRset is signed, with the owner's label count (wildcards: one less)
    for owner, ttl, rtype, rdata in rrs:
        rel = owner[:-len(ORIGIN) - 1] if owner != ORIGIN else "@"
        if rtype == "RRSIG" or rel not in DATA:
            continue
        assert (owner, rtype) in sigs, f"{owner} {rtype} is not signed"
        labels = len(dns.name.from_text(owner)) - 1 - (1 if owner.startswith("*.") else 0)
        for lab, ottl, tag in sigs[(owner, rtype)]:
            assert lab == labels, f"RRSIG {owner} {rtype}: labels {lab}, want {labels}"
            assert ottl == ttl, f"RRSIG {owner} {rtype}: original TTL {ottl}, want {ttl}"
    # DNSKEY by the KSK, everything else by the ZSK (or all by the CSK)
    ksk_tag, zsk_tag = key_tag(ks[0]), key_tag(ks[-1])
    for (owner, rtype), lst in sigs.items():
        want = ksk_tag if rtype == "DNSKEY" else zsk_tag
        assert [t for *_, t in lst] == [want], f"RRSIG {owner} {rtype} by {lst}"
    # the denial chain: exactly the expected names, TTL = min(SOA TTL, MINIMUM) = 600
    if denial == "nsec":
        nsec = {o: ttl for o, ttl, t, _ in rrs if t == "NSEC"}
        want = {absolute(n) for n in DATA | SECURE_CUTS | INSECURE_CUTS}
        assert set(nsec) == want
        assert set(nsec.values()) == {600}
        assert not [r for r in rrs if r[2] in ("NSEC3", "NSEC3PARAM")]
        return
    opts = DENIALS[denial]
    iterations = int(opts[opts.index("--nsec3-iterations") + 1]) if "--nsec3-iterations" in opts \
        else 0
    salt = opts[opts.index("--nsec3-salt") + 1] if "--nsec3-salt" in opts else ""
    optout = "--opt-out" in opts
    names = DATA | SECURE_CUTS | ENTS
    if not optout:
        names |= INSECURE_CUTS
    else:
        names -= ENTS_INSECURE_ONLY
    want = {f"{dns.dnssec.nsec3_hash(absolute(n), salt or None, iterations, 1)}.{ORIGIN}".lower()
            for n in names}
    nsec3 = [(o, ttl, rdata.split()) for o, ttl, t, rdata in rrs if t == "NSEC3"]
    assert {o for o, _, _ in nsec3} == want
    for o, ttl, f in nsec3:
        assert ttl == 600
        assert f[:4] == ["1", "1" if optout else "0", str(iterations), salt.upper() or "-"], f
    param = [rdata.split() for o, _, t, rdata in rrs if t == "NSEC3PARAM"]
    assert param == [["1", "0", str(iterations), salt.upper() or "-"]]
    assert not [r for r in rrs if r[2] == "NSEC"]


def test_resign_signed_zone(cascade, keys, verifiers, tmp_path):
    """The input's DNSSEC records (RRSIG, NSEC, NSEC3 anywhere; DNSKEY, NSEC3PARAM, ZONEMD at
    the apex) are replaced by ours: re-signing a signed zone with other keys and another
    denial gives, byte for byte, what signing the unsigned zone gives (Ed25519, fixed time)."""
    env = {"CASCADE_FAKETIME": FAKETIME}
    times = ["-i", "+0", "-e", "+100000000"]
    first = cascade.sign(TEST_ZONE, keys.keys(13, "ksk+zsk"), tmp_path / "first.zone",
                         ["-n", "--opt-out", "--nsec3-salt", "abcd", "-Z"])
    for denial in ("nsec", "nsec3"):
        ks = keys.keys(15, "ksk+zsk")
        again = cascade.sign(first, ks, tmp_path / f"again-{denial}.zone",
                             DENIALS[denial] + times, env=env)
        fresh = cascade.sign(TEST_ZONE, ks, tmp_path / f"fresh-{denial}.zone",
                             DENIALS[denial] + times, env=env)
        with open(again, "rb") as a, open(fresh, "rb") as b:
            assert a.read() == b.read(), f"re-signing the signed zone ({denial}) differs"


# ---------------------------------------------------------------------------------------------
# 3. a broken zone must fail both verifiers, so the checks above are real

def flip_signature(line):
    owner, ttl, cls, rtype, rdata = line.split(None, 4)
    f = rdata.split()
    sig = f[-1]
    i = len(sig) // 3
    f[-1] = sig[:i] + ("B" if sig[i] == "A" else "A") + sig[i + 1:]
    base64.b64decode(f[-1], validate=True)  # still valid base64: only the signature is wrong
    return "\t".join([owner, ttl, cls, rtype, " ".join(f)]) + "\n"


@pytest.mark.parametrize("alg,denial,kind", [(13, "nsec", "ksk+zsk"), (13, "nsec3", "csk"),
                                             (8, "nsec3-optout", "ksk+zsk"), (16, "nsec", "csk")])
def test_corrupted_signature_fails(cascade, keys, verifiers, tmp_path, alg, denial, kind):
    good = cascade.sign(TEST_ZONE, keys.keys(alg, kind), tmp_path / "good.zone", DENIALS[denial])
    csk = kind == "csk"
    assert_verifies(good, csk=csk)

    def edit(line):
        f = line.split(None, 4)
        if f[0] == "www." + ORIGIN and f[3] == "RRSIG" and f[4].startswith("A "):
            return flip_signature(line)
        return line
    assert_both_fail(rewrite(good, tmp_path / "bad.zone", edit), csk=csk)


@pytest.mark.parametrize("denial", ["nsec", "nsec3", "nsec3-optout"])
def test_missing_denial_record_fails(cascade, keys, verifiers, tmp_path, denial):
    good = cascade.sign(TEST_ZONE, keys.keys(13, "ksk+zsk"), tmp_path / "good.zone",
                        DENIALS[denial])
    rtype = "NSEC" if denial == "nsec" else "NSEC3"
    victim = [o for o, _, t, _ in records(good) if t == rtype][5]

    def edit(line):  # the record and its signature: only the gap in the chain is wrong
        f = line.split(None, 4)
        if f[0].lower() == victim and (f[3] == rtype or f[4].startswith(rtype + " ")):
            return None
        return line
    assert_both_fail(rewrite(good, tmp_path / "bad.zone", edit))


# ---------------------------------------------------------------------------------------------
# 4. ZONEMD (RFC 8976)

def zonemd_ok_dnspython(path, origin=ORIGIN):
    z = dns.zone.from_file(str(path), origin, relativize=False)
    z.verify_digest()  # raises DigestVerificationFailure


@pytest.mark.parametrize("denial", list(DENIALS))
def test_zonemd(cascade, keys, verifiers, tmp_path, denial):
    out = cascade.sign(TEST_ZONE, keys.keys(13, "ksk+zsk"), tmp_path / "signed.zone",
                       DENIALS[denial] + ["-Z"])
    zonemd = [r for r in records(out) if r[2] == "ZONEMD"]
    assert len(zonemd) == 1 and zonemd[0][0] == ORIGIN
    assert zonemd[0][3].split()[:3] == ["2024010101", "1", "1"]  # serial, SIMPLE, SHA-384
    zonemd_ok_dnspython(out)
    rc, text = dnssec_verify(out)
    assert rc == 0, text
    if denial in ("nsec3", "nsec3-optout"):
        return  # ldns-verify-zone spins on these (module docstring); dnspython checked the digest
    rc, text = ldns_verify(out, "-Z")
    assert rc == 0, f"ldns-verify-zone -Z: exit {rc}\n{text}"


@pytest.mark.parametrize("what", ["txt", "occluded"])
def test_zonemd_tampered(cascade, keys, verifiers, tmp_path, what):
    """A changed TXT breaks its RRSIG and the digest; changed occluded data (unsigned, but
    covered by ZONEMD, RFC 8976 §3.3.1) only the digest."""
    good = cascade.sign(TEST_ZONE, keys.keys(13, "ksk+zsk"), tmp_path / "good.zone", ["-Z"])
    rc, text = ldns_verify(good, "-Z")
    assert rc == 0, text
    old = '"leaf"' if what == "txt" else '"below a zone cut"'
    bad = rewrite(good, tmp_path / "bad.zone", lambda ln: ln.replace(old, old.upper()))
    rc, text = ldns_verify(bad, "-Z")
    assert rc not in (0, 124), f"ldns-verify-zone -Z accepted the tampered zone\n{text}"
    with pytest.raises(dns.zone.DigestVerificationFailure):
        zonemd_ok_dnspython(bad)
    if what == "occluded":  # the signatures are all still good: only ZONEMD sees it
        rc, text = dnssec_verify(bad)
        assert rc == 0, text


# ---------------------------------------------------------------------------------------------
# 5. the root zone

def test_root_zone(cascade, keys, verifiers, shared_data, tmp_path, root_snapshot):
    name = root_snapshot
    src = os.path.join(shared_data, "root", name)
    t0 = time.monotonic()
    out = cascade.sign(src, keys.keys(13, "ksk+zsk", zone="."), tmp_path / "root.signed",
                       ["-j", "2"], origin=".")
    took = time.monotonic() - t0
    print(f"{name}: signed in {took:.2f} s")
    assert took < 30, f"signing {name} took {took:.1f} s"
    assert_verifies(out, origin=".")
    rrs = records(out)
    assert sum(1 for r in rrs if r[2] == "NSEC") > 1000
    # the input's DNSSEC records are stripped: no ZONEMD, only our keys and signatures
    assert not [r for r in rrs if r[2] in ("ZONEMD", "NSEC3")]
    ours = {key_tag(k) for k in keys.keys(13, "ksk+zsk", zone=".")}
    assert {int(r[3].split()[6]) for r in rrs if r[2] == "RRSIG"} == ours
    assert len([r for r in rrs if r[2] == "DNSKEY"]) == 2


# ---------------------------------------------------------------------------------------------
# 6. Cascade's reference outputs, RR for RR

def owner_and_type(hexline):
    """(owner wire hex, type, type covered for RRSIG) of a zone_dump -c line."""
    b = bytes.fromhex(hexline)
    i = 0
    while b[i]:
        i += 1 + b[i]
    i += 1
    rtype = int.from_bytes(b[i:i + 2], "big")
    covered = int.from_bytes(b[i + 10:i + 12], "big") if rtype == 46 else None
    return b[:i], rtype, covered, b[i + 10:]


def canonical(zone_dump, path, origin):
    p = run([zone_dump, "-c", origin, path], limit=120)
    no_sanitizer(p, f"zone_dump {path}")
    assert p.returncode == 0, f"zone_dump -c {origin} {path}: exit {p.returncode}\n{p.stderr}"
    return sorted(p.stdout.split())


NSEC3PARAM, ZONEMD, RRSIG = 51, 63, 46


def test_cascade_reference_output(cascade, zone_dump, shared_data, tmp_path, reference_case):
    case, policy, zonemd = reference_case
    base = os.path.join(shared_data, INCREMENTAL)
    src = os.path.join(base, "zones", f"incremental-signing-{case}.zone")
    ref = os.path.join(base, "reference-output",
                       f"incremental-signing-{case}.zone.{policy}"
                       f"{'.zmd384' if zonemd else ''}.signed.sorted")
    opts = ["-i", "+0", "-e", "+100000000"]
    opts += {"nsec": [], "nsec3": ["-n"], "nsec3-opt-out": ["-n", "--opt-out"]}[policy]
    opts += ["-Z"] if zonemd else []
    out = cascade.sign(src, [os.path.join(base, "keys", "Kexample.+015+02835")],
                       tmp_path / "signed.zone", opts, origin="example.",
                       env={"CASCADE_FAKETIME": FAKETIME})
    ours, theirs = canonical(zone_dump, out, "example."), canonical(zone_dump, ref, "example.")
    assert len(theirs) > 5  # (the smallest has 19 RRs)
    if policy != "nsec3-opt-out":
        missing, extra = sorted(set(theirs) - set(ours)), sorted(set(ours) - set(theirs))
        assert ours == theirs, f"{len(missing)} RRs missing, {len(extra)} extra\n" \
            f"missing: {missing[:5]}\nextra: {extra[:5]}"
        return
    # Opt-out: Cascade writes NSEC3PARAM flags 1; RFC 5155 §4.1.2/§4.2 say 0 (a server ignores
    # an NSEC3PARAM with other flags), so ours differ there, in its RRSIG, and in the ZONEMD
    # that digests it (and the ZONEMD's RRSIG). Nothing else may differ.
    apex = bytes.fromhex("076578616d706c6500")  # example.
    keep_o = [ln for ln in ours if not is_special(ln, apex)]
    keep_t = [ln for ln in theirs if not is_special(ln, apex)]
    missing, extra = sorted(set(keep_t) - set(keep_o)), sorted(set(keep_o) - set(keep_t))
    assert keep_o == keep_t, f"{len(missing)} RRs missing, {len(extra)} extra\n" \
        f"missing: {missing[:5]}\nextra: {extra[:5]}"
    diff_o = sorted(owner_and_type(ln)[1:] for ln in ours if is_special(ln, apex))
    diff_t = sorted(owner_and_type(ln)[1:] for ln in theirs if is_special(ln, apex))
    assert [(t, c) for t, c, _ in diff_o] == [(t, c) for t, c, _ in diff_t]
    params_o = [r for t, _, r in diff_o if t == NSEC3PARAM]
    params_t = [r for t, _, r in diff_t if t == NSEC3PARAM]
    assert len(params_o) == len(params_t) == 1
    assert params_o[0][1] == 0, "our NSEC3PARAM flags must be 0 (RFC 5155 §4.1.2)"
    assert params_t[0][1] == 1, "Cascade's reference is expected to carry flags 1"
    assert params_o[0][:1] + params_o[0][2:] == params_t[0][:1] + params_t[0][2:]


def is_special(line, apex):
    """The apex NSEC3PARAM and ZONEMD and their RRSIGs."""
    owner, rtype, covered, _ = owner_and_type(line)
    return owner == apex and (rtype in (NSEC3PARAM, ZONEMD) or
                              (rtype == RRSIG and covered in (NSEC3PARAM, ZONEMD)))


# ---------------------------------------------------------------------------------------------
# 7. the same output whatever the thread count

def generated_zone(path, names=3000):
    """A zone of `names` names: hosts, TXT, secure and insecure delegations with glue, ENTs."""
    lines = ["$ORIGIN gen.test.", "$TTL 300", "@ SOA ns1 hostmaster 7 3600 900 604800 300",
             "@ NS ns1", "ns1 A 192.0.2.1"]
    for i in range(names):
        n = f"h{i:05d}"
        if i % 10 == 0:
            lines += [f"{n} NS ns.{n}", f"ns.{n} A 10.1.{i // 256 % 256}.{i % 256}"]
            if i % 20 == 0:
                lines.append(f"{n} DS {i % 65536} 13 2 {i:064x}")
        elif i % 7 == 0:
            lines.append(f"x.e.{n} AAAA 2001:db8::{i:x}")
        else:
            lines.append(f"{n} A 10.0.{i // 256 % 256}.{i % 256}")
            if i % 3 == 0:
                lines.append(f'{n} TXT "text {i}"')
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


@pytest.mark.parametrize("denial", ["nsec", "nsec3-optout"])
def test_threads_identical(cascade, keys, verifiers, tmp_path, denial):
    zone = generated_zone(tmp_path / "gen.zone")
    ks = keys.keys(15, "ksk+zsk", zone="gen.test.")
    env = {"CASCADE_FAKETIME": FAKETIME}
    opts = DENIALS[denial] + ["-i", "+0", "-e", "+100000000"]
    outs = {}
    for j in (1, 4):
        t0 = time.monotonic()
        outs[j] = cascade.sign(zone, ks, tmp_path / f"j{j}.zone", opts + ["-j", str(j)],
                               origin="gen.test.", env=env)
        print(f"-j {j}: {time.monotonic() - t0:.2f} s")
    with open(outs[1], "rb") as a, open(outs[4], "rb") as b:
        one, four = a.read(), b.read()
    assert one == four, "-j 1 and -j 4 wrote different files"
    assert one.count(b"\tRRSIG\t") > 3000
    # CASCADE_FAKETIME is long past: only ldns-verify-zone can be told the time
    rc, text = ldns_verify(outs[4], "-t", "20210101000000")
    assert rc == 0, text


# ---------------------------------------------------------------------------------------------
# SOA serial policies (Cascade's: lib/dnssec/serial.h)

SMALL = """$ORIGIN sign.test.
$TTL 300
@ SOA ns1 hostmaster 1 3600 900 604800 300
@ NS ns1
ns1 A 192.0.2.1
"""


@pytest.mark.parametrize("policy,serial", [("keep", 1), ("counter", 2),
                                           ("unix-time", 1600000000),
                                           ("date-counter", 2020091300)])
def test_serial_policy(cascade, keys, verifiers, tmp_path, policy, serial):
    zone = tmp_path / "small.zone"
    zone.write_text(SMALL)
    out = cascade.sign(zone, keys.keys(13, "ksk+zsk"), tmp_path / "signed.zone",
                       ["--serial-policy", policy, "-i", "+0", "-e", "+100000000"],
                       env={"CASCADE_FAKETIME": FAKETIME})
    soa = [r for r in records(out) if r[2] == "SOA"]
    assert int(soa[0][3].split()[2]) == serial
    rc, text = ldns_verify(out, "-t", "20210101000000")
    assert rc == 0, text


# ---------------------------------------------------------------------------------------------
# -i / -e: the three time forms and the defaults (now - 1d, now + 14d), with "now" pinned

@pytest.mark.parametrize("opts,inception,expiration", [
    ([], "20200912122640", "20200927122640"),
    (["-i", "20200101000000", "-e", "20201231000000"], "20200101000000", "20201231000000"),
    (["-i", "1590000000", "-e", "1610000000"], "20200520184000", "20210107061320"),
    (["-i", "+0", "-e", "+86400"], "20200913122640", "20200914122640"),
], ids=["default", "stamp", "unix", "relative"])
def test_signature_times(cascade, keys, verifiers, tmp_path, opts, inception, expiration):
    zone = tmp_path / "small.zone"
    zone.write_text(SMALL)
    out = cascade.sign(zone, keys.keys(13, "ksk+zsk"), tmp_path / "signed.zone", opts,
                       env={"CASCADE_FAKETIME": FAKETIME})
    times = {tuple(r[3].split()[4:6]) for r in records(out) if r[2] == "RRSIG"}
    assert times == {(expiration, inception)}
    rc, text = ldns_verify(out, "-t", inception)
    assert rc == 0, text


# ---------------------------------------------------------------------------------------------
# 8. bad input: exit 1, a message that says what is wrong, and no output file

BAD_ZONE = """$ORIGIN sign.test.
$TTL 300
@ SOA ns1 hostmaster 1 3600 900 604800 300
@ NS ns1
ns1 A 192.0.2.300
"""


@pytest.mark.parametrize("bad", ["missing-key", "other-zone-key", "bad-zone", "missing-zone",
                                  "bad-inception", "bad-expiration",
                                  "expiration-before-inception", "bad-serial-policy",
                                  "bad-salt", "bad-iterations", "bad-threads", "unwritable"])
def test_bad_input(cascade, keys, tmp_path, bad):
    case = bad
    zone = tmp_path / "small.zone"
    zone.write_text(SMALL)
    ks = keys.keys(13, "ksk+zsk")
    opts = []
    want = []
    if case == "missing-key":
        ks = [str(tmp_path / "Ksign.test.+013+00001")]
        want = ["Ksign.test.+013+00001"]
    elif case == "other-zone-key":
        ks = keys.keys(13, "csk", zone="other.test.")
        want = ["not for this zone"]
    elif case == "bad-zone":
        (tmp_path / "bad.zone").write_text(BAD_ZONE)
        zone = tmp_path / "bad.zone"
        want = ["bad.zone:5:", "error", "not loaded"]
    elif case == "bad-inception":
        opts = ["-i", "yesterday"]
        want = ["bad time 'yesterday'"]
    elif case == "bad-expiration":
        opts = ["-e", "20241301000000"]  # month 13
        want = ["bad time '20241301000000'"]
    elif case == "expiration-before-inception":
        opts = ["-i", "+100", "-e", "+50"]
        want = ["the expiration must come after the inception"]
    elif case == "bad-serial-policy":
        opts = ["--serial-policy", "sometimes"]
        want = ["unknown serial policy 'sometimes'"]
    elif case == "missing-zone":
        zone = tmp_path / "nonexistent.zone"
        want = ["nonexistent.zone", "cannot read", "not loaded"]
    elif case == "bad-salt":
        opts = ["-n", "--nsec3-salt", "xyz"]
        want = ["bad --nsec3-salt 'xyz'"]
    elif case == "bad-iterations":
        opts = ["-n", "--nsec3-iterations", "100000"]
        want = ["--nsec3-iterations wants 0.."]
    elif case == "bad-threads":
        opts = ["-j", "0"]
        want = ["-j wants 1..256"]
    out = tmp_path / "signed.zone"
    if case == "unwritable":
        out = tmp_path / "no-such-dir" / "signed.zone"
        want = ["cannot write", str(out)]
    p = cascade.sign_raw(zone, ks, out, opts)
    assert p.returncode == 1, f"exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    for w in want:
        assert w in p.stderr, f"{w!r} not in the message:\n{p.stderr}"
    assert p.stderr.startswith(("cascade signzone: ", str(zone))), p.stderr
    assert not out.exists(), "an output file was written"
    assert p.stdout == ""


def test_usage(cascade, tmp_path):
    """No key, or an unknown option: exit 2 and the usage; --help: exit 0 on stdout."""
    zone = tmp_path / "small.zone"
    zone.write_text(SMALL)
    for args in ([str(zone)], ["--bogus", str(zone), "K"]):
        p = run([cascade.path, "signzone", *args])
        no_sanitizer(p, "cascade signzone")
        assert p.returncode == 2 and "usage: cascade signzone" in p.stderr, p.stderr
    p = run([cascade.path, "signzone", "--help"])
    assert p.returncode == 0 and "usage: cascade signzone" in p.stdout
    p = run([cascade.path, "keygen", "-a", "DSA", "-K", str(tmp_path), "sign.test."])
    no_sanitizer(p, "cascade keygen")
    assert p.returncode != 0 and "DSA" in p.stderr, p.stderr
    p = run([cascade.path, "keygen", "-a", "8", "-b", "512", "-K", str(tmp_path), "sign.test."])
    no_sanitizer(p, "cascade keygen")
    assert p.returncode != 0 and "-b 512: RSA keys are 1024 to 4096 bits" in p.stderr, p.stderr
    assert not [f for f in os.listdir(tmp_path) if f.startswith("K")]


def test_verbose(cascade, keys, tmp_path):
    """-v: what each step did and took, on stderr; the signature count is the file's."""
    out = str(tmp_path / "v.signed")
    p = cascade.sign_raw(TEST_ZONE, keys.keys(13, "ksk+zsk"), out, ["-v"])
    assert p.returncode == 0, p.stderr
    assert re.search(r"^cascade signzone: loaded: \d+ names, \d+ RRs in [0-9.]+ s "
                     r"\(\d+ ECDSA nonces made meanwhile\)$", p.stderr, re.M), p.stderr
    m = re.search(r"^cascade signzone: signed: (\d+) signatures, \d+ names, (\d+) RRs in [0-9.]+ s"
                  r" \(\d+ threads\); written in [0-9.]+ s$", p.stderr, re.M)
    assert m, p.stderr
    rrs = records(out)
    assert int(m.group(1)) == sum(1 for r in rrs if r[2] == "RRSIG")
    assert int(m.group(2)) == len(rrs)
