"""System tests of the zone file reader (lib/zone/zone_read.c) through tests/tools/zone_dump.

1. The root zone snapshots in shared/data/root/ load, write back and reload to the same RR
   set, and that set equals what two independent readers get from the same file: dnspython
   and ldns-read-zone. Sets are compared in canonical wire form (RFC 4034 §6.2), one hex
   line per RR: lower-cased owner, type, class, TTL, RDLENGTH, canonical RDATA.
2. Every file under shared/data/zones/ is listed in zones-expected.tsv (see its header for
   the columns): those meant to load do (and survive a write-back and reload), those meant
   to fail do, with clear "file:line: error: text" messages naming what is wrong.

zone_dump is the ASan+UBSan build: a sanitizer report or a signal fails the case.
"""
import ctypes
import ctypes.util
import glob
import os
import re
import shutil
import struct
import subprocess
from collections import namedtuple
from concurrent.futures import ThreadPoolExecutor

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.zone
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
MANIFEST = os.path.join(HERE, "zones-expected.tsv")
ZSCANNER_HEADER = "/usr/include/libzscanner/error.h"
TIMEOUT = 30  # seconds per zone_dump run; the root zone takes about one

# The records every wrapped fragment gets at the origin, so that only its syntax is tested.
WRAP_SOA = "ns.wrap.invalid. hostmaster.wrap.invalid. 1 3600 600 86400 3600"
WRAP_NS = "ns.wrap.invalid."
WRAP_TTL = 3600

Row = namedtuple("Row", "path origin how expect message xcheck reason lineno")

MSG_RE = re.compile(r"^(?P<file>.+?):(?:(?P<line>\d+):)? (?P<sev>error|warning): (?P<text>.+)$")
NOT_LOADED_RE = re.compile(r"^.+: not loaded: .+$")
SANITIZER_RE = re.compile(r"AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|"
                          r"runtime error:")


# ---------------------------------------------------------------------------------------
# The manifest


def read_manifest():
    rows = []
    with open(MANIFEST, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            cols = line.split("\t")
            if len(cols) != 7:
                raise ValueError(f"{MANIFEST}:{n}: {len(cols)} columns, want 7")
            rows.append(Row(*cols, lineno=n))
    return rows


def pytest_generate_tests(metafunc):
    if "case" in metafunc.fixturenames:
        rows = [r for r in read_manifest() if r.expect != "skip"]
        metafunc.parametrize("case", rows, ids=[r.path for r in rows])
    if "root_zone" in metafunc.fixturenames:
        root = os.path.join(metafunc.config.cascade_shared_data, "root")
        files = sorted(glob.glob(os.path.join(root, "*.zone")))
        metafunc.parametrize("root_zone", files, ids=[os.path.basename(p) for p in files])


# ---------------------------------------------------------------------------------------
# Running zone_dump
#
# A zone_dump run costs ~0.1 s, mostly the sanitizers' start and leak check, and there are
# several hundred. They run in the background on every core as soon as the first case asks
# (see the `runs` fixture); each test then waits for its own and checks the results.


class Dump:
    """One zone_dump run: return code, canonical RR set (with -c), message lines."""

    def __init__(self, args, proc):
        self.args = args
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self.lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]

    def rrs(self):
        return set(self.stdout.split())

    def messages(self, sev=None):
        """(file, line, severity, text) of every reader message."""
        out = []
        for ln in self.lines:
            m = MSG_RE.match(ln)
            if m and (sev is None or m["sev"] == sev):
                out.append((m["file"], int(m["line"]) if m["line"] else None, m["sev"],
                            m["text"]))
        return out

    def check_sane(self):
        """Fails the test on a crash, a sanitizer report or an unexpected exit code."""
        cmd = " ".join(self.args)
        if self.rc < 0:
            pytest.fail(f"{cmd}: killed by signal {-self.rc}\n{self.stderr[-4000:]}")
        if SANITIZER_RE.search(self.stderr):
            pytest.fail(f"{cmd}: sanitizer report\n{self.stderr[-6000:]}")
        if self.rc not in (0, 1):
            pytest.fail(f"{cmd}: exit {self.rc}\n{self.stderr[-4000:]}")
        return self


def dump(zone_dump, origin, path, *opts, leaks=True):
    """Runs zone_dump (safe in worker threads: no pytest calls). leaks=False turns off
    LeakSanitizer's exit scan, half the cost of a run, where the first run covered it."""
    args = [zone_dump, *opts, origin, path]
    env = None
    if not leaks:
        env = dict(os.environ)
        env["ASAN_OPTIONS"] = ":".join(filter(None, [env.get("ASAN_OPTIONS"),
                                                     "detect_leaks=0"]))
    proc = subprocess.run(args, capture_output=True, text=True, errors="replace",
                          timeout=TIMEOUT, env=env)
    return Dump(args, proc)


def dump_and_reload(zone_dump, origin, path, workdir):
    """Loads path with -c -w; if it loaded, loads the written file the same way.
    Returns (first Dump, second Dump or None, first written file, second written file)."""
    written = os.path.join(workdir, "written.zone")
    again = os.path.join(workdir, "again.zone")
    first = dump(zone_dump, origin, path, "-c", "-w", written)
    second = None
    if first.rc == 0 and os.path.exists(written):
        second = dump(zone_dump, origin, written, "-c", "-w", again, leaks=False)
    return first, second, written, again


def check_message_format(d):
    """Every line on stderr is a reader message or zone_dump's closing 'not loaded' line."""
    bad = [ln for ln in d.lines if not MSG_RE.match(ln) and not NOT_LOADED_RE.match(ln)]
    assert not bad, "lines that are not 'file:line: error|warning: text':\n" + "\n".join(bad)
    for file, line, _, text in d.messages():
        assert line is None or line > 0, f"line number 0 in {file}:{line}: {text}"
        assert text.strip(), "empty message text"


def check_roundtrip(first, second, written, again):
    """The first load succeeded cleanly; the written zone reloads to the same RR set with no
    messages; writing it again gives the same bytes. Returns the RR set."""
    first.check_sane()
    check_message_format(first)
    assert first.rc == 0, f"did not load:\n{first.stderr}"
    assert not first.messages("error"), f"loaded with errors:\n{first.stderr}"
    rrs = first.rrs()
    assert rrs, "loaded an empty zone"
    assert second is not None, f"nothing written to {written}"
    second.check_sane()
    assert second.rc == 0, f"the written zone does not load:\n{second.stderr}"
    assert not second.lines, f"the written zone loads with messages:\n{second.stderr}"
    assert_same_rrs(second.rrs(), rrs, "the first load (write-back and reload)")
    with open(written, "rb") as a, open(again, "rb") as b:
        assert a.read() == b.read(), "writing the reloaded zone gives different bytes"
    return rrs


# ---------------------------------------------------------------------------------------
# Canonical wire form of other readers' records


def lower_wire_name(wire):
    """Lower-cases the ASCII letters of a wire-form name, label by label (RFC 4034 §6.2)."""
    out = bytearray(wire)
    i = 0
    while i < len(out) and out[i]:
        n = out[i]
        for j in range(i + 1, min(i + 1 + n, len(out))):
            if 65 <= out[j] <= 90:
                out[j] += 32
        i += 1 + n
    return bytes(out)


def rr_hex(owner_wire, rtype, rclass, ttl, rdata):
    return (lower_wire_name(owner_wire) + struct.pack("!HHIH", rtype, rclass, ttl, len(rdata))
            + rdata).hex()


def canonical_rdata(rclass, rtype, wire):
    """RDATA in canonical form as dnspython computes it; unchanged if dnspython cannot."""
    try:
        rd = dns.rdata.from_wire(rclass, rtype, wire, 0, len(wire))
        return rd.to_wire(canonicalize=True)
    except Exception:  # noqa: BLE001 - types dnspython does not know or rejects
        return wire


def unify_ttls(hexset):
    """Gives every RRset the lowest TTL among its RRs, as the reader does (RFC 2181 §5.2).
    RRSIGs form one set per covered type (RFC 4034 §3)."""
    parsed = []
    lowest = {}
    for h in hexset:
        b = bytes.fromhex(h)
        i = 0
        while b[i]:
            i += 1 + b[i]
        i += 1
        owner, (rtype, rclass, ttl, _) = b[:i], struct.unpack("!HHIH", b[i:i + 10])
        rdata = b[i + 10:]
        covers = struct.unpack("!H", rdata[:2])[0] if rtype == 46 and len(rdata) >= 2 else 0
        key = (owner, rtype, covers)
        lowest[key] = min(ttl, lowest.get(key, ttl))
        parsed.append((key, rclass, rdata))
    return {rr_hex(k[0], k[1], rc, lowest[k], rd) for k, rc, rd in parsed}


def dnspython_rrs(path, origin):
    z = dns.zone.from_file(path, origin=origin, relativize=False, check_origin=False,
                           allow_include=True)
    out = set()
    for name, node in z.nodes.items():
        owner = name.to_wire()
        for rds in node.rdatasets:
            for rd in rds:
                out.add(rr_hex(owner, rds.rdtype, rds.rdclass, rds.ttl,
                               rd.to_wire(canonicalize=True)))
    return unify_ttls(out)


def ldns_rrs(ldns_read_zone, path):
    """ldns-read-zone's reading: -c puts names in canonical form (ldns's own list of types);
    -U SOA prints every type but SOA in the RFC 3597 generic form, so the RDATA bytes are
    ldns's own. Only the SOA line and the owner names go through dnspython's text parser."""
    proc = subprocess.run([ldns_read_zone, "-c", "-U", "SOA", path], capture_output=True,
                          text=True, timeout=TIMEOUT)
    assert proc.returncode == 0, f"ldns-read-zone failed: {proc.stderr}"
    out = set()
    for line in proc.stdout.splitlines():
        if not line.strip() or line.startswith(";"):
            continue
        owner, ttl, cls, typ, rdata = line.split(None, 4)
        rclass = dns.rdataclass.from_text(cls)
        rtype = dns.rdatatype.from_text(typ)
        if rdata.startswith("\\#"):
            fields = rdata.split()
            wire = bytes.fromhex("".join(fields[2:]))
            assert len(wire) == int(fields[1]), line
        else:
            wire = dns.rdata.from_text(rclass, rtype, rdata).to_wire()
        out.add(rr_hex(dns.name.from_text(owner).to_wire(), rtype, rclass, int(ttl), wire))
    return unify_ttls(out)


def assert_same_rrs(ours, theirs, who):
    missing = sorted(theirs - ours)
    extra = sorted(ours - theirs)
    if missing or extra:
        lines = [f"RR sets differ from {who}: {len(ours)} ours, {len(theirs)} theirs, "
                 f"{len(extra)} only ours, {len(missing)} only theirs"]
        lines += ["  only ours:   " + h for h in extra[:10]]
        lines += ["  only theirs: " + h for h in missing[:10]]
        pytest.fail("\n".join(lines))


# ---------------------------------------------------------------------------------------
# libzscanner cases: expected output (.out) and wrapping


def parse_zscanner_out(path):
    """A libzscanner .out file: the records (dicts of OWNER, CLASS, RRTTL, RTYPE, RDATA, all
    hex) and the errors (WARNG/ERROR lines), each as (records before it, ZS_ code name)."""
    recs, errors, cur = [], [], {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line == "------":
                if cur:
                    recs.append(cur)
                cur = {}
                continue
            if not line:
                continue
            key, val = line.split("=", 1)
            if key in ("WARNG", "ERROR"):
                errors.append((len(recs), val))
            else:
                cur[key] = val
    if cur:
        recs.append(cur)
    return recs, errors


def zscanner_expected_rrs(out_path, origin, ok_part):
    recs, errors = parse_zscanner_out(out_path)
    if ok_part:
        recs = recs[:errors[0][0]] if errors else recs
    out = set()
    for r in recs:
        rclass, rtype = int(r["CLASS"], 16), int(r["RTYPE"], 16)
        wire = bytes.fromhex(r["RDATA"])
        out.add(rr_hex(bytes.fromhex(r["OWNER"]), rtype, rclass, int(r["RRTTL"], 16),
                       canonical_rdata(rclass, rtype, wire)))
    return unify_ttls(out | wrap_rrs(origin))


def wrap_rrs(origin):
    o = dns.name.from_text(origin)
    soa = dns.rdata.from_text("IN", "SOA", WRAP_SOA)
    ns = dns.rdata.from_text("IN", "NS", WRAP_NS)
    return {rr_hex(o.to_wire(), 6, 1, WRAP_TTL, soa.to_wire(canonicalize=True)),
            rr_hex(o.to_wire(), 2, 1, WRAP_TTL, ns.to_wire(canonicalize=True))}


_zs_texts = None


def zscanner_error_texts():
    """Maps libzscanner's error names (ZS_BAD_NUMBER, ...) to the installed library's texts
    (zs_strerror), which the reader prints."""
    global _zs_texts
    if _zs_texts is None:
        lib = ctypes.util.find_library("zscanner")
        if not lib or not os.path.exists(ZSCANNER_HEADER):
            pytest.fail("libzscanner and its headers (libknot-dev) are needed")
        zs = ctypes.CDLL(lib)
        zs.zs_strerror.restype = ctypes.c_char_p
        zs.zs_strerror.argtypes = [ctypes.c_int]
        with open(ZSCANNER_HEADER) as f:
            body = re.search(r"enum\s*\w*\s*\{(.*?)\}", f.read(), re.S).group(1)
        texts, value = {}, 0
        for name, val in re.findall(r"\b(ZS_[A-Z0-9_]+)\s*(?:=\s*(-?\d+))?\s*,?", body):
            value = int(val) if val else value + 1
            texts[name] = zs.zs_strerror(value).decode()
        _zs_texts = texts
    return _zs_texts


def make_wrapper(workdir, src, origin, ok_part):
    """Copies the fragment src into workdir (with its includes/ folder, @TMPDIR@ replaced by
    workdir as Knot's test does, and cut before its '; KO' line for ok_part) and writes a zone
    that gives it a SOA and NS at origin and $INCLUDEs it. Returns (zone, fragment copy)."""
    srcdir = os.path.dirname(src)
    if os.path.isdir(os.path.join(srcdir, "includes")):
        shutil.copytree(os.path.join(srcdir, "includes"), os.path.join(workdir, "includes"))
    with open(src, "rb") as f:
        text = f.read().replace(b"@TMPDIR@", workdir.encode())
    if ok_part:
        lines = text.split(b"\n")
        cut = [i for i, ln in enumerate(lines) if ln.strip().startswith(b"; KO")]
        assert cut, f"{src}: no '; KO' line to cut before"
        text = b"\n".join(lines[:cut[0]]) + b"\n"
    frag = os.path.join(workdir, os.path.basename(src))
    with open(frag, "wb") as f:
        f.write(text)
    wrapper = os.path.join(workdir, "wrapper.zone")
    with open(wrapper, "w") as f:
        f.write(f"$ORIGIN {origin}\n$TTL 0\n"
                f"@ {WRAP_TTL} IN SOA {WRAP_SOA}\n"
                f"@ {WRAP_TTL} IN NS {WRAP_NS}\n"
                f"$INCLUDE \"{frag}\"\n")
    return wrapper, frag


# ---------------------------------------------------------------------------------------
# Checks


def check_fail(d, case, data_path, frag_path):
    d.check_sane()
    assert d.rc == 1, (f"expected the load to fail ({case.reason}), but it loaded\n"
                       f"{d.stderr}")
    check_message_format(d)
    errors = d.messages("error")
    assert errors, f"load failed without an error message:\n{d.stderr}"
    assert NOT_LOADED_RE.match(d.lines[-1]), "zone_dump did not say 'not loaded'"
    texts = [e[3] for e in errors]
    if case.message in ("=out", "=out-count"):
        # The .out file lists the scanner's errors in file order, without line numbers: the
        # reader must report as many, each with its line, and (=out) with the same texts.
        out_path = re.sub(r"\.in$", ".out", data_path)
        _, out_errors = parse_zscanner_out(out_path)
        names = [c for _, c in out_errors if c != "ZS_UNPROCESSED_INCLUDE"]
        table = zscanner_error_texts()
        got = "\n".join(d.lines)
        assert len(texts) == len(names), (
            f"{len(texts)} errors, the .out file lists {len(names)}: {names}\n{got}")
        for file, line, _, text in errors:
            assert line, f"no line number: {file}: {text}"
        if case.message == "=out":
            unknown = [c for c in names if c not in table]
            assert not unknown, f"{unknown} unknown to the installed libzscanner"
            for i, (c, t) in enumerate(zip(names, texts)):
                assert table[c] in t, f"error #{i + 1}: want '{table[c]}' ({c}), got '{t}'\n{got}"
        else:
            known = set(table.values())
            other = [t for t in texts if not any(k in t for k in known)]
            assert not other, "errors that are not the scanner's:\n" + "\n".join(other)
    else:
        # The first fragment is the point of the case; the others are errors that may come
        # with it (the reader may stop at the first problem of a node or a file).
        frags = [s.strip() for s in case.message.split(" | ") if s.strip()]
        assert frags, "a 'fail' row needs a message"
        assert any(frags[0] in t for t in texts), (
            f"no error says '{frags[0]}'; errors:\n" + "\n".join(d.lines))
        stray = [t for t in texts if not any(fr in t for fr in frags)]
        assert not stray, ("errors the manifest does not expect (reader bug or a manifest "
                           "to update):\n" + "\n".join(stray))
    # Each message names a file that exists (the zone or the include holding the line).
    for file, _, _, text in errors:
        assert os.path.exists(file) or os.path.exists(os.path.join(os.path.dirname(
            frag_path or data_path), file)), f"message names no existing file: {file}: {text}"


@pytest.fixture(scope="session")
def zones_dir(shared_data):
    return os.path.join(shared_data, "zones")


class Runs:
    """Background zone_dump runs for the selected manifest cases and root zones, submitted in
    test order, keyed by manifest path or root zone path."""

    def __init__(self, zone_dump, zones_dir, cases, roots, tmp_factory):
        self.pool = ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2))
        self.futures = {}
        for row in cases:
            work = str(tmp_factory.mktemp("case"))
            self.futures[row.path] = self.pool.submit(self._case, zone_dump, zones_dir, row,
                                                      work)
        for path in roots:
            work = str(tmp_factory.mktemp("root"))
            self.futures[path] = self.pool.submit(dump_and_reload, zone_dump, ".", path, work)

    @staticmethod
    def _case(zone_dump, zones_dir, row, work):
        base, _, part = row.path.partition("#")
        data_path = os.path.join(zones_dir, base)
        frag = None
        path = data_path
        if row.how == "wrap":
            indir = os.path.join(work, "in")
            os.mkdir(indir)
            path, frag = make_wrapper(indir, data_path, row.origin, part == "ok-part")
        if row.expect == "fail":
            return path, frag, dump(zone_dump, row.origin, path), None, None, None
        return (path, frag, *dump_and_reload(zone_dump, row.origin, path, work))

    def get(self, key):
        return self.futures[key].result()

    def close(self):
        self.pool.shutdown(cancel_futures=True)


@pytest.fixture(scope="session")
def runs(request, zone_dump, zones_dir, tmp_path_factory):
    cases, roots = [], []
    for item in request.session.items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "case" in params:
            cases.append(params["case"])
        if "root_zone" in params and params["root_zone"] not in roots:
            roots.append(params["root_zone"])
    r = Runs(zone_dump, zones_dir, cases, roots, tmp_path_factory)
    yield r
    r.close()


@pytest.fixture(scope="session")
def ldns_read_zone_opt():
    return shutil.which("ldns-read-zone")


def test_zone_file(case, runs, zones_dir, ldns_read_zone_opt):
    base, _, part = case.path.partition("#")
    data_path = os.path.join(zones_dir, base)
    assert os.path.isfile(data_path), f"{data_path} is missing"
    path, frag, first, second, written, again = runs.get(case.path)
    first.check_sane()
    if case.expect == "fail":
        check_fail(first, case, data_path, frag)
        return
    rrs = check_roundtrip(first, second, written, again)
    for who in case.xcheck.split("+"):
        if who == "-":
            continue
        if who == "out":
            want = zscanner_expected_rrs(re.sub(r"\.in$", ".out", data_path), case.origin,
                                         part == "ok-part")
        elif who == "dnspython":
            want = dnspython_rrs(path, case.origin)
        elif who == "ldns":
            if not ldns_read_zone_opt:
                pytest.skip("ldns-read-zone is not installed")
            want = ldns_rrs(ldns_read_zone_opt, path)
        else:
            pytest.fail(f"unknown xcheck '{who}'")
        assert_same_rrs(rrs, want, who)


# ---------------------------------------------------------------------------------------
# The manifest is complete and well-formed


def test_manifest_complete(zones_dir):
    rows = read_manifest()
    problems = []
    seen = set()
    for r in rows:
        where = f"zones-expected.tsv:{r.lineno}: {r.path}"
        if r.path in seen:
            problems.append(f"{where}: listed twice")
        seen.add(r.path)
        base, _, part = r.path.partition("#")
        if not os.path.isfile(os.path.join(zones_dir, base)):
            problems.append(f"{where}: no such file")
        if r.expect not in ("ok", "fail", "skip"):
            problems.append(f"{where}: expect must be ok, fail or skip")
        if r.how not in ("file", "wrap", "-"):
            problems.append(f"{where}: how must be file, wrap or -")
        if part not in ("", "ok-part") or (part and r.how != "wrap"):
            problems.append(f"{where}: '#ok-part' rows are wrapped fragments")
        if r.expect == "fail" and not r.message.strip("- "):
            problems.append(f"{where}: a fail row needs a message")
        if r.expect != "skip":
            try:
                dns.name.from_text(r.origin)
                assert r.origin.endswith(".")
            except Exception:  # noqa: BLE001
                problems.append(f"{where}: origin '{r.origin}' is not an absolute name")
        if not r.reason.strip("- "):
            problems.append(f"{where}: give a reason")
    listed = {r.path.partition("#")[0] for r in rows}
    for dirpath, _, files in os.walk(zones_dir):
        for name in files:
            rel = os.path.relpath(os.path.join(dirpath, name), zones_dir)
            if rel not in listed:
                problems.append(f"{rel}: not in zones-expected.tsv (test it, or skip it with "
                                "a reason)")
    assert not problems, "\n".join(problems)


# ---------------------------------------------------------------------------------------
# Root zone snapshots


def root_rrs(runs, path):
    first, second, written, again = runs.get(path)
    return check_roundtrip(first, second, written, again)


def test_root_loads_and_roundtrips(root_zone, runs):
    rrs = root_rrs(runs, root_zone)
    apex_types = {int(h[2:6], 16) for h in rrs if h.startswith("00")}
    assert {2, 6, 46, 47, 48} <= apex_types, "apex NS, SOA, RRSIG, NSEC, DNSKEY expected"
    assert len(rrs) > 20000


def test_root_matches_dnspython(root_zone, runs):
    assert_same_rrs(root_rrs(runs, root_zone), dnspython_rrs(root_zone, "."), "dnspython")


def test_root_matches_ldns(root_zone, runs, ldns_read_zone):
    assert_same_rrs(root_rrs(runs, root_zone), ldns_rrs(ldns_read_zone, root_zone),
                    "ldns-read-zone")
