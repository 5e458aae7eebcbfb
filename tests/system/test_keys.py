"""BIND key files move between BIND, ldns, Knot and us (lib/keystore/bind, lib/dnssec/key).

Through key_tool (tests/tools/key_tool.c):
  - keys made by dnssec-keygen and ldns-keygen load; tag, flags and DNSKEY are theirs, our DS
    digests equal dnssec-dsfromkey's, and a key we read and write back is byte for byte the
    .private file BIND wrote;
  - keys we make sign a zone with dnssec-signzone (explicit keys and -S smart signing) and with
    ldns-signzone, and the results pass dnssec-verify and ldns-verify-zone; Knot's keymgr
    imports them;
  - our signatures verify with dnspython (python3-cryptography), an implementation that shares
    no code with ours, so the wire form (ECDSA r|s, RFC 6605 §4) is checked independently.
"""
import base64
import os
import re
import shutil
import stat
import subprocess
import time

import dns.dnssec
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.rrset
import pytest

ALGS = {8: "RSASHA256", 10: "RSASHA512", 13: "ECDSAP256SHA256", 14: "ECDSAP384SHA384",
        15: "ED25519", 16: "ED448"}
ZONE = "example.com."
UNSIGNED = """$TTL 300
example.com. IN SOA ns1.example.com. hostmaster.example.com. 1 7200 3600 1209600 300
example.com. IN NS ns1.example.com.
example.com. IN MX 10 mail.example.com.
ns1.example.com. IN A 192.0.2.1
mail.example.com. IN A 192.0.2.2
www.example.com. IN AAAA 2001:db8::1
sub.example.com. IN NS ns.sub.example.com.
ns.sub.example.com. IN A 192.0.2.3
"""


def need(tool):
    path = shutil.which(tool)
    if not path:
        pytest.skip(f"{tool} is not installed")
    return path


def run(cmd, cwd=None, stdin=None):
    p = subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, f"{' '.join(cmd)}: exit {p.returncode}\n{p.stdout}\n{p.stderr}"
    return p.stdout


def show(key_tool, base):
    alg, tag, flags, bits, kind, owner = run([key_tool, "show", base]).split()
    return {"alg": int(alg), "tag": int(tag), "flags": int(flags), "bits": int(bits),
            "private": kind == "private", "owner": owner}


def dnskey_of(path):
    """The DNSKEY rdata of a .key file, as dnspython reads it."""
    with open(path) as f:
        lines = [ln.split(";")[0] for ln in f]
    fields = " ".join(lines).split()
    at = fields.index("DNSKEY")
    return dns.rdata.from_text("IN", "DNSKEY", " ".join(fields[at + 1:]))


def ds_digest(text):
    """The digest of the one DS RR in text, lower case, without spaces."""
    for line in text.splitlines():
        f = line.split()
        if "DS" in f:
            return "".join(f[f.index("DS") + 4:]).lower()
    raise AssertionError(f"no DS in {text!r}")


def check_against_bind(key_tool, tmp, base, alg):
    """Tag, flags, DNSKEY and DS digests of one key pair, ours against BIND's tools."""
    info = show(key_tool, os.path.join(tmp, base))
    assert info["alg"] == alg and info["private"] and info["owner"] == ZONE
    assert info["tag"] == int(base.split("+")[2])
    ours = run([key_tool, "dnskey", os.path.join(tmp, base)])
    assert dns.rdata.from_text("IN", "DNSKEY", ours.split(None, 3)[3]) == \
        dnskey_of(os.path.join(tmp, base + ".key"))
    for dtype, bind_digest in ((2, "SHA-256"), (4, "SHA-384")):
        mine = run([key_tool, "ds", "-d", str(dtype), os.path.join(tmp, base)])
        theirs = run(["dnssec-dsfromkey", "-a", bind_digest, base + ".key"], cwd=tmp)
        assert ds_digest(mine) == ds_digest(theirs)
    return info


@pytest.mark.parametrize("alg", sorted(ALGS))
def test_dnssec_keygen_keys_load(key_tool, tmp_path, alg):
    need("dnssec-keygen")
    tmp = str(tmp_path)
    size = ["-b", "1024"] if alg in (8, 10) else []
    base = run(["dnssec-keygen", "-q", "-K", tmp, "-a", ALGS[alg], *size, "-f", "KSK",
                ZONE]).strip()
    info = check_against_bind(key_tool, tmp, base, alg)
    assert info["flags"] == 257
    # Written back by us: the .private is the file BIND wrote, timing lines included.
    out = tmp_path / "copy"
    out.mkdir()
    assert run([key_tool, "copy", os.path.join(tmp, base), str(out)]).strip() == base
    assert (out / (base + ".private")).read_bytes() == (tmp_path / (base + ".private")).read_bytes()
    assert dnskey_of(str(out / (base + ".key"))) == dnskey_of(os.path.join(tmp, base + ".key"))


@pytest.mark.parametrize("alg", sorted(ALGS))
def test_ldns_keygen_keys_load(key_tool, tmp_path, alg):
    need("ldns-keygen")
    tmp = str(tmp_path)
    size = ["-b", "1024"] if alg in (8, 10) else []
    base = run(["ldns-keygen", "-a", ALGS[alg], *size, ZONE], cwd=tmp).strip()
    info = check_against_bind(key_tool, tmp, base, alg)
    assert info["flags"] == 256


def make_pair(key_tool, tmp, alg):
    ksk = run([key_tool, "gen", "-a", str(alg), "-b", "1024", "-f", "KSK", "-K", tmp, ZONE]).strip()
    zsk = run([key_tool, "gen", "-a", str(alg), "-b", "1024", "-K", tmp, ZONE]).strip()
    for base in (ksk, zsk):
        m = re.fullmatch(r"Kexample\.com\.\+(\d{3})\+(\d{5})", base)
        assert m and int(m.group(1)) == alg
        mode = os.stat(os.path.join(tmp, base + ".private")).st_mode
        assert stat.S_IMODE(mode) == 0o600
        assert stat.S_IMODE(os.stat(os.path.join(tmp, base + ".key")).st_mode) == 0o644
    return ksk, zsk


def verify_both(tmp, signed):
    run(["dnssec-verify", "-q", "-o", ZONE, signed], cwd=tmp)
    out = run(["ldns-verify-zone", signed], cwd=tmp)
    assert "Zone is verified and complete" in out


@pytest.mark.parametrize("alg", sorted(ALGS))
def test_our_keys_sign_with_bind_and_ldns(key_tool, tmp_path, alg):
    for tool in ("dnssec-signzone", "dnssec-verify", "ldns-signzone", "ldns-verify-zone"):
        need(tool)
    tmp = str(tmp_path)
    ksk, zsk = make_pair(key_tool, tmp, alg)
    check_against_bind(key_tool, tmp, ksk, alg)
    keys = "".join((tmp_path / (b + ".key")).read_text() for b in (ksk, zsk))
    (tmp_path / "zone").write_text(UNSIGNED + keys)
    run(["dnssec-signzone", "-q", "-O", "full", "-o", ZONE, "-f", "bind.signed", "-k", ksk,
         "zone", zsk],
        cwd=tmp)
    verify_both(tmp, "bind.signed")
    # BIND signed with both keys: each tag appears on an RRSIG.
    signed = (tmp_path / "bind.signed").read_text()
    for base in (ksk, zsk):
        tag = int(base.split("+")[2])
        assert re.search(rf"RRSIG\s+\S+\s+{alg}\s+\d+\s+\d+\s+\d+\s+\d+\s+{tag}\s", signed)
    run(["ldns-signzone", "-o", ZONE, "-f", "ldns.signed", "zone", ksk, zsk], cwd=tmp)
    verify_both(tmp, "ldns.signed")


def test_smart_signing_finds_our_keys(key_tool, tmp_path):
    """dnssec-signzone -S picks keys by their timing lines (Publish, Activate)."""
    need("dnssec-signzone")
    tmp = str(tmp_path)
    make_pair(key_tool, tmp, 13)
    (tmp_path / "zone").write_text(UNSIGNED)
    run(["dnssec-signzone", "-q", "-S", "-K", tmp, "-o", ZONE, "-f", "signed", "zone"], cwd=tmp)
    verify_both(tmp, "signed")


def test_knot_imports_our_keys(key_tool, tmp_path):
    need("keymgr")
    tmp = str(tmp_path)
    ksk, zsk = make_pair(key_tool, tmp, 15)
    kasp = tmp_path / "kasp"
    kasp.mkdir()
    for base in (ksk, zsk):
        run(["keymgr", "-D", str(kasp), ZONE, "import-bind", os.path.join(tmp, base)])
    listing = run(["keymgr", "-D", str(kasp), ZONE, "list"])
    for base, role in ((ksk, "KSK"), (zsk, "ZSK")):
        tag = int(base.split("+")[2])
        assert re.search(rf"\s{tag} {role} ED25519\s", listing), listing


def rrsig_template(alg, tag, rtype):
    now = int(time.time())
    return dns.rdata.from_text(
        "IN", "RRSIG",
        f"{rtype} {alg} 3 300 {now + 86400} {now - 3600} {tag} {ZONE} AAAA")


@pytest.mark.parametrize("alg", sorted(ALGS))
def test_signatures_verify_with_dnspython(key_tool, tmp_path, alg):
    tmp = str(tmp_path)
    ksk, _ = make_pair(key_tool, tmp, alg)
    base = os.path.join(tmp, ksk)
    info = show(key_tool, base)
    keys = {dns.name.from_text(ZONE): dns.rrset.from_rdata(ZONE, 300, dnskey_of(base + ".key"))}
    rrset = dns.rrset.from_text("www.example.com.", 300, "IN", "AAAA", "2001:db8::1",
                                "2001:db8::2")
    for attempt in range(3):  # ECDSA: a fresh random nonce each time
        tmpl = rrsig_template(alg, info["tag"], "AAAA")
        data = dns.dnssec._make_rrsig_signature_data(rrset, tmpl)
        sig = base64.b64decode(run([key_tool, "sign", base], stdin=data.hex()))
        rrsig = tmpl.replace(signature=sig)
        dns.dnssec.validate_rrsig(rrset, rrsig, keys)
        # Our verifier agrees, and rejects a changed signature, as dnspython does.
        b64 = base64.b64encode(sig).decode()
        assert run([key_tool, "verify", base, b64], stdin=data.hex()).strip() == "good"
        bad = bytes([sig[0] ^ 1]) + sig[1:]
        with pytest.raises(dns.dnssec.ValidationFailure):
            dns.dnssec.validate_rrsig(rrset, tmpl.replace(signature=bad), keys)
        p = subprocess.run([key_tool, "verify", base, base64.b64encode(bad).decode()],
                           input=data.hex(), capture_output=True, text=True)
        assert p.returncode == 1 and p.stdout.strip() == "bad"


def test_bad_key_files_are_refused_with_a_clear_message(key_tool, tmp_path):
    tmp = str(tmp_path)
    base = make_pair(key_tool, tmp, 13)[0]
    priv = tmp_path / (base + ".private")
    text = priv.read_text()
    priv.write_text(text.replace("Algorithm: 13", "Algorithm: 15"))
    p = subprocess.run([key_tool, "show", os.path.join(tmp, base)], capture_output=True,
                       text=True)
    assert p.returncode == 1
    assert f"{base}.private:2: algorithm 15, but the .key file has 13" in p.stderr
