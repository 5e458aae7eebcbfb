"""cascaded's control API against bad input, its bearer token and Unix socket, /metrics,
policy reloads, maintenance mode, keys (DNSKEY/DS/CDS, imports), the signed zone file
output and zone removal (doc/daemon.md, cascade-spec §8, §10, §11, §12).

One daemon serves the whole module: it has a token and a Unix socket, and one zone,
pub.test, published before any test runs. Every bad request is followed by a check that the
daemon is healthy and pub.test still answers SOA with its serial on the publication server.
"""
import glob
import http.client as httpc
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import time

import dns.rcode
import dns.rdata
import dns.rdatatype
import pytest

from cascaded import Daemon
from test_daemon import verify
from test_keys import dnskey_of

TOKEN = "0123456789abcdef-test-token"
PUB = "pub.test."
PUB_SERIAL = 2024010100  # ten digits: a metric must carry it exactly

POLICIES = {
    "keep": 'version = "v1"\n[signer]\nserial-policy = "keep"\n',
    "default": 'version = "v1"\n[signer]\nserial-policy = "counter"\n',
}


def zone_text(origin, serial, extra=""):
    return f"""$ORIGIN {origin}
$TTL 300
@       IN SOA ns1 hostmaster {serial} 7200 3600 1209600 300
@       IN NS  ns1
ns1     IN A   192.0.2.1
www     IN A   192.0.2.80
mail    IN MX  10 www
{extra}
"""


def write_zone(path, origin, serial, extra=""):
    with open(path, "w") as f:
        f.write(zone_text(origin, serial, extra))
    return str(path)


class ApiDaemon(Daemon):
    """The fixture's daemon with [remote-control] token-file and unix-socket; its CLI
    carries the token (CASCADE_TOKEN_FILE) unless told otherwise."""

    def __init__(self, build, folder, policies):
        super().__init__(build, folder, policies=policies)
        self.token_file = os.path.join(self.dir, "api-token")
        self.sock = os.path.join(self.dir, "api.sock")
        with open(self.token_file, "w") as f:
            f.write(f"  {TOKEN}\nsecond line is ignored\n")
        with open(self.config_path) as f:
            text = f.read()
        rc = "[remote-control]\n"
        assert rc in text
        text = text.replace(rc, f'{rc}token-file = "{self.token_file}"\n'
                                f'unix-socket = "{self.sock}"\n')
        with open(self.config_path, "w") as f:
            f.write(text)

    def run_cli(self, *args, env=None, server=True, timeout=60):
        cmd = [self.cascade] + (["-s", f"127.0.0.1:{self.ports['api']}"] if server else [])
        full_env = {k: v for k, v in os.environ.items()
                    if k not in ("CASCADE_TOKEN_FILE", "CASCADE_SOCKET", "CASCADE_DAEMON")}
        full_env.update(env if env is not None else {"CASCADE_TOKEN_FILE": self.token_file})
        return subprocess.run(cmd + list(args), capture_output=True, text=True,
                              timeout=timeout, env=full_env)

    def cli(self, *args, check=True, json_out=False):
        res = self.run_cli(*((["--json"] if json_out else []) + list(args)))
        if check and res.returncode != 0:
            raise AssertionError(f"cascade {' '.join(args)} failed ({res.returncode}):\n"
                                 f"{res.stdout}{res.stderr}\n--- log:\n{self.log()[-4000:]}")
        return res


@pytest.fixture(scope="module")
def d(build_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("api")
    daemon = ApiDaemon(build_dir, folder, POLICIES)
    try:
        daemon.start()
        zf = write_zone(folder / "pub.test.zone", PUB, PUB_SERIAL)
        daemon.cli("zone", "add", "--source", zf, "--policy", "keep", "pub.test")
        st = daemon.wait_published(PUB)
        assert st["published"]["serial"] == PUB_SERIAL
        yield daemon
    finally:
        daemon.kill()


def req(d, method, path, body=None, token=TOKEN, headers=None):
    """(status, headers, body) of one request over TCP; the body parsed when JSON."""
    hdr = dict(headers or {})
    if token is not None:
        hdr["Authorization"] = f"Bearer {token}"
    c = httpc.HTTPConnection("127.0.0.1", d.ports["api"], timeout=30)
    return _exchange(c, method, path, body, hdr)


class _UnixConnection(httpc.HTTPConnection):
    def __init__(self, path):
        super().__init__("localhost", timeout=30)
        self.unix_path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(30)
        self.sock.connect(self.unix_path)


def http_unix(d, method, path, token=TOKEN):
    hdr = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return _exchange(_UnixConnection(d.sock), method, path, None, hdr)


def _exchange(c, method, path, body, hdr):
    try:
        c.request(method, path, body=body, headers=hdr)
        r = c.getresponse()
        raw = r.read()
        ctype = r.getheader("Content-Type") or ""
        data = json.loads(raw) if ctype.startswith("application/json") else raw.decode()
        return r.status, r, data
    finally:
        c.close()


def api_error(resp, status, code):
    """The message of an error answer, after checking its status, shape and code."""
    got, _, body = resp
    assert got == status, f"HTTP {got}, not {status}: {body}"
    assert isinstance(body, dict) and set(body) == {"error"}, body
    assert set(body["error"]) == {"code", "message"}, body
    assert body["error"]["code"] == code, body
    msg = body["error"]["message"]
    assert isinstance(msg, str) and msg, body
    return msg


def untouched(d):
    """The daemon answers, and pub.test is still served with its serial."""
    res = d.cli("health")
    assert res.stdout.strip() == "Ok"
    assert d.soa("publish", PUB) == (dns.rcode.NOERROR, PUB_SERIAL)


def zones(d):
    return json.loads(d.cli("zone", "list", json_out=True).stdout)["zones"]


def wait_for(what, pred, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# 1. Bad input -----------------------------------------------------------------------------

def test_zone_add_bad_bodies(d):
    before = zones(d)
    cases = [
        (b"{bad", 400, "BadJson", ["not JSON", "line 1"]),
        (b"", 400, "BadJson", ["not JSON"]),
        (b"[1, 2]", 400, "BadRequest", ['"name"', '"policy"']),
        (b"{}", 400, "BadRequest", ['"name"', '"policy"']),
        (b'{"name": "x.test"}', 400, "BadRequest", ['"policy"']),
        (b'{"name": 5, "policy": "default"}', 400, "BadRequest", ['"name"']),
        (b'{"name": "x.test", "policy": "nope"}', 404, "NoSuchPolicy", ["nope"]),
        (b'{"name": "x.test", "policy": "default", "source": "file"}', 400, "BadRequest",
         ["source"]),
        (b'{"name": "x.test", "policy": "default", "source": {"type": "file", '
         b'"path": "relative.zone"}}', 400, "BadRequest", ["absolute"]),
        (b'{"name": "x.test", "policy": "default", "source": {"type": "file", '
         b'"path": "/nonexistent/x.zone"}}', 400, "BadRequest", ["/nonexistent/x.zone"]),
        (b'{"name": "x.test", "policy": "default", "source": {"type": "xfr"}}', 400,
         "BadRequest", ["xfr"]),
        (b'{"name": "x.test", "policy": "default", "key_imports": 7}', 400, "BadRequest",
         ["key_imports"]),
        (b'{"name": "x.test", "policy": "default", "key_imports": [{"role": "ksk"}]}', 400,
         "BadRequest", ["key_imports[0]"]),
        (b'{"name": "x.test", "policy": "default", "key_imports": [{"role": "boss", '
         b'"path": "/k"}]}', 400, "BadRequest", ["boss"]),
        (b'{"name": "x.test", "policy": "default", "key_imports": [{"role": "ksk", '
         b'"path": "Kx.test.+013+00001.key"}]}', 400, "BadRequest", ["absolute"]),
        (b'{"name": "pub.test", "policy": "default"}', 409, "AlreadyExists", ["pub.test"]),
    ]
    for body, status, code, words in cases:
        msg = api_error(req(d, "POST", "/zone/add", body), status, code)
        for w in words:
            assert w in msg, f"{body!r}: {w!r} not in {msg!r}"
        untouched(d)
    assert zones(d) == before
    assert not os.path.exists(os.path.join(d.dir, "keys", "x.test")) or \
        os.listdir(os.path.join(d.dir, "keys", "x.test")) == []


def test_zone_add_names_that_are_not_names(d):
    before = zones(d)
    for name in ["a..b", "", ".a", "x" * 64 + ".test", "a\\3", "a\\256.test"]:
        body = json.dumps({"name": name, "policy": "default"}).encode()
        msg = api_error(req(d, "POST", "/zone/add", body), 400, "BadRequest")
        assert "not a domain name" in msg
        untouched(d)
    assert zones(d) == before


def test_zone_add_overlong_name_says_why(d):
    name = ("abcdefghi." * 26) + "test"  # 264 octets: over 255 in wire form
    body = json.dumps({"name": name, "policy": "default"}).encode()
    msg = api_error(req(d, "POST", "/zone/add", body), 400, "BadRequest")
    untouched(d)
    assert "not a domain name" in msg


def test_zone_add_names_ending_in_backslashes(d):
    # a\\. (presentation form) is the absolute name of one label, 'a' and a backslash.
    ok = req(d, "POST", "/zone/add", json.dumps({"name": "a\\\\.", "policy": "default"})
             .encode())
    if ok[0] == 200:
        d.cli("zone", "remove", "a\\\\.")
    # a\ ends in half an escape: not a name (it was taken as a\.., one label 'a.').
    bad = req(d, "POST", "/zone/add", json.dumps({"name": "a\\", "policy": "default"})
              .encode())
    if bad[0] == 200:
        d.cli("zone", "remove", bad[2]["name"])
    untouched(d)
    assert ok[0] == 200, ok
    assert "not a domain name" in api_error(bad, 400, "BadRequest")


def test_unknown_zone_on_every_zone_route(d):
    routes = [("GET", "status"), ("GET", "history"), ("POST", "reload"), ("POST", "remove"),
              ("POST", "reset"), ("POST", "unsigned/7/approve"), ("POST", "signed/7/reject"),
              ("POST", "unsigned/override"), ("POST", "signed/override"),
              ("POST", "maintenance/enable"), ("POST", "maintenance/disable")]
    for method, rest in routes:
        msg = api_error(req(d, method, f"/zone/nothing.test/{rest}"), 404, "NoSuchZone")
        assert "nothing.test" in msg
    msg = api_error(req(d, "POST", "/key/nothing.test/get", b'{"key_type": "DS"}'), 404,
                    "NoSuchZone")
    assert "nothing.test" in msg
    api_error(req(d, "GET", "/policy/nothing"), 404, "NoSuchPolicy")
    untouched(d)


def test_unknown_paths_and_methods(d):
    for path in ["/", "/nothing", "/zone/pub.test", "/zone/pub.test/status/more",
                 "/zone/pub.test/frobnicate", "/zone/pub.test/maintenance/maybe",
                 "/zone/pub.test/halfsigned/7/approve", "/a/b/c/d/e/f/g/h/i/j"]:
        msg = api_error(req(d, "GET", path), 404, "NotFound")
        assert path.split("/")[1] in msg
    for method, path, allow in [("GET", "/zone/add", "POST"), ("DELETE", "/health", "GET"),
                                ("POST", "/status", "GET"), ("PUT", "/metrics", "GET"),
                                ("GET", "/zone/pub.test/reload", "POST"),
                                ("POST", "/zone/pub.test/status", "GET"),
                                ("GET", "/zone/pub.test/maintenance/enable", "POST"),
                                ("GET", "/key/pub.test/get", "POST")]:
        resp = req(d, method, path)
        api_error(resp, 405, "MethodNotAllowed")
        assert resp[1].getheader("Allow") == allow, (method, path)
    untouched(d)
    # A path longer than the router reads is refused, not cut to a shorter one.
    long_path = "/policy/reload" + "/" * 2000 + "x"
    assert req(d, "POST", long_path)[0] == 404
    untouched(d)


def test_body_over_one_mib(d):
    before = zones(d)
    name = b'{"name": "big.test", "policy": "default", "pad": "'
    body = name + b"x" * (1 << 20) + b'"}'
    msg = api_error(req(d, "POST", "/zone/add", body), 413, "BodyTooLarge")
    assert "1048576" in msg
    untouched(d)
    assert zones(d) == before
    # Just under the cap is read and judged on its content.
    body = name + b"x" * ((1 << 20) - len(name) - 2) + b'"}'
    assert len(body) == 1 << 20
    assert req(d, "POST", "/zone/add", body)[0] == 200
    d.cli("zone", "remove", "big.test")
    untouched(d)


def test_zone_names_in_paths(d):
    """A name's octets travel %-escaped in its path segment: a '/' or a lone '.' in a name
    must not change the route, and an escaped NUL is no name at all."""
    body = json.dumps({"name": "a/b.test", "policy": "default"}).encode()
    assert req(d, "POST", "/zone/add", body)[0] == 200
    st = req(d, "GET", "/zone/a%2Fb.test/status")
    assert st[0] == 200 and st[2]["name"] == "a/b.test.", st
    res = d.cli("zone", "status", "a/b.test")
    assert "zone:    a/b.test." in res.stdout
    body = json.dumps({"name": ".", "policy": "default"}).encode()
    assert req(d, "POST", "/zone/add", body)[0] == 200
    res = d.cli("zone", "status", ".", json_out=True)
    assert json.loads(res.stdout)["name"] == "."
    for path in ["/zone/%00/status", "/zone/pub.test%00x/status", "/zone/%zz/status",
                 "/zone/pub.test/status%00"]:
        assert req(d, "GET", path)[0] in (400, 404), path
    d.cli("zone", "remove", "a/b.test")
    d.cli("zone", "remove", ".")
    assert "a/b.test." not in zones(d) and "." not in zones(d)
    untouched(d)


def test_malformed_zone_file_then_fixed(d, tmp_path):
    zf = write_zone(tmp_path / "bad.test.zone", "bad.test.", 7,
                    "broken  IN A   192.0.2.999\nfine IN A 192.0.2.7")
    line = zone_text("bad.test.", 7).count("\n")  # the line of the bad address
    d.cli("zone", "add", "--source", zf, "--policy", "default", "bad.test")
    hist = wait_for("the load failure", lambda: (lambda h: "Load failed" in h and h)(
        d.cli("zone", "history", "bad.test").stdout))
    assert f"{zf}:{line}:" in hist
    st = d.status("bad.test.")
    assert st["state"] == "idle" and st["published"] is None
    assert f"{zf}:{line}:" in st["last_error"]
    text = d.cli("zone", "status", "bad.test").stdout
    assert "last published: never" in text
    assert f"Last error: the zone file could not be loaded: {zf}:{line}:" in text
    assert d.soa("publish", "bad.test.")[0] == dns.rcode.SERVFAIL
    untouched(d)

    write_zone(zf, "bad.test.", 8, "fine IN A 192.0.2.7")
    d.cli("zone", "reload", "bad.test")
    st = d.wait_published("bad.test.")
    assert st["published"]["loaded_serial"] == 8
    assert d.soa("publish", "bad.test.") == (dns.rcode.NOERROR, st["published"]["serial"])
    d.cli("zone", "remove", "bad.test")
    untouched(d)


# Policies and config ------------------------------------------------------------------------

def test_policy_reload_with_a_bad_value_keeps_the_old(d):
    path = os.path.join(d.dir, "policies", "default.toml")
    with open(path) as f:
        good = f.read()
    show_before = d.cli("policy", "show", "default").stdout
    list_before = d.cli("policy", "list").stdout
    try:
        d.write_policy("default", 'version = "v1"\n[signer]\nserial-policy = "sometimes"\n')
        res = d.cli("policy", "reload", check=False)
        assert res.returncode == 1
        assert f"{path}:3:" in res.stderr
        assert "signer.serial-policy" in res.stderr
        assert "expected one of keep, counter, unix-time, date-counter" in res.stderr
        assert d.cli("policy", "show", "default").stdout == show_before
        assert d.cli("policy", "list").stdout == list_before
        untouched(d)
        # An unknown key is named with its place too.
        d.write_policy("default", 'version = "v1"\n\n[signer]\nfrobnicate = 1\n')
        res = d.cli("policy", "reload", check=False)
        assert res.returncode == 1 and f"{path}:4:1:" in res.stderr
        assert "signer.frobnicate" in res.stderr
        assert d.cli("policy", "show", "default").stdout == show_before
    finally:
        d.write_policy("default", good)
    d.cli("policy", "reload")
    untouched(d)


def changes(res):
    assert res.returncode == 0, res.stderr
    out = {}
    for line in res.stdout.splitlines():
        name, what = line.split()
        out[name] = what
    return out


def test_policy_reload_report_and_sighup(d, tmp_path):
    d.write_policy("p-upd", 'version = "v1"\n')
    d.write_policy("p-rm", 'version = "v1"\n')
    d.write_policy("p-used", 'version = "v1"\n')
    got = changes(d.cli("policy", "reload"))
    assert {got[p] for p in ("p-upd", "p-rm", "p-used")} == {"added"}
    assert got["default"] == "unchanged" and got["keep"] == "unchanged"
    zf = write_zone(tmp_path / "used.test.zone", "used.test.", 1)
    d.cli("zone", "add", "--source", zf, "--policy", "p-used", "used.test")

    d.write_policy("p-upd", 'version = "v1"\n[signer]\nserial-policy = "unix-time"\n')
    d.write_policy("p-new", 'version = "v1"\n')
    os.unlink(os.path.join(d.dir, "policies", "p-rm.toml"))
    os.unlink(os.path.join(d.dir, "policies", "p-used.toml"))
    res = d.cli("policy", "reload")
    got = changes(res)
    assert got["p-upd"] == "updated" and got["p-new"] == "added"
    assert got["p-rm"] == "removed" and got["default"] == "unchanged"
    assert "p-used" not in got or got["p-used"] != "removed"
    assert re.search(r"WARNING: policy p-used: .*1 zone", res.stderr), res.stderr
    names = d.cli("policy", "list").stdout.split()
    assert "p-rm" not in names and "p-used" in names and "p-new" in names
    assert "its file is gone" in d.cli("policy", "show", "p-used").stdout
    assert 'serial-policy = "unix-time"' in d.cli("policy", "show", "p-upd").stdout
    # A zone cannot be added with a policy that is on its way out.
    res = d.cli("zone", "add", "--source", zf, "--policy", "p-used", "other.test",
                check=False)
    assert res.returncode == 1 and "p-used" in res.stderr, res.stderr
    res = d.run_cli("--json", "zone", "add", "--source", zf, "--policy", "p-used",
                    "other.test")
    assert json.loads(res.stdout)["error"]["code"] == "PolicyMidDeletion"
    assert "other.test." not in zones(d)

    # SIGHUP does the same reload.
    d.write_policy("p-upd", 'version = "v1"\n[signer]\nserial-policy = "keep"\n')
    d.proc.send_signal(signal.SIGHUP)
    wait_for("the SIGHUP reload", lambda: 'serial-policy = "keep"' in
             d.cli("policy", "show", "p-upd").stdout)
    assert re.search(r"SIGHUP: policies reloaded: .*\[\"p-upd\",\"updated\"\]", d.log())
    # ... and keeps the old policies when a file is bad.
    d.write_policy("p-upd", 'version = "v1"\n[signer]\nserial-policy = 12\n')
    d.proc.send_signal(signal.SIGHUP)
    wait_for("the failed SIGHUP reload", lambda: "SIGHUP: policy reload failed" in d.log())
    assert 'serial-policy = "keep"' in d.cli("policy", "show", "p-upd").stdout

    d.cli("zone", "remove", "used.test")
    for p in ("p-upd", "p-new"):
        os.unlink(os.path.join(d.dir, "policies", p + ".toml"))
    got = changes(d.cli("policy", "reload"))
    assert got["p-used"] == "removed" and got["p-upd"] == "removed"
    untouched(d)


def config_with(d, tmp_path, insert_after, line):
    """A copy of the daemon's config with line put after the line insert_after; returns
    its path and the line number of the insertion."""
    with open(d.config_path) as f:
        lines = f.read().split("\n")
    at = lines.index(insert_after) + 1
    lines.insert(at, line)
    path = str(tmp_path / "config.toml")
    with open(path, "w") as f:
        f.write("\n".join(lines))
    return path, at + 1


def test_config_with_an_unknown_key(d, tmp_path):
    path, line = config_with(d, tmp_path, "[daemon]", "frobnicate = true")
    res = subprocess.run([d.cascaded, "-c", path, "--check-config"], capture_output=True,
                         text=True, timeout=30)
    assert res.returncode == 1
    assert f"{path}:{line}:1:" in res.stderr and "daemon.frobnicate" in res.stderr
    res = subprocess.run([d.cascaded, "-c", path, "--state", str(tmp_path / "state.db")],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 1
    assert f"{path}:{line}:1:" in res.stderr and "daemon.frobnicate" in res.stderr
    # The good config checks, policies included.
    res = subprocess.run([d.cascaded, "-c", d.config_path, "--check-config"],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 0, res.stderr
    untouched(d)


# 2. Token and Unix socket -------------------------------------------------------------------

def test_bearer_token(d, tmp_path):
    for token in (None, "wrong", TOKEN[:-1], TOKEN + "x", ""):
        resp = req(d, "GET", "/health", token=token)
        api_error(resp, 401, "Unauthorized")
        assert resp[1].getheader("WWW-Authenticate") == "Bearer"
    # The token is checked before the route: no path is told apart without it.
    api_error(req(d, "GET", "/nothing", token=None), 401, "Unauthorized")
    api_error(req(d, "POST", "/zone/pub.test/remove", token="wrong"), 401, "Unauthorized")
    api_error(req(d, "GET", "/health", token=None,
                   headers={"Authorization": f"Basic {TOKEN}"}), 401, "Unauthorized")
    assert req(d, "GET", "/health")[0] == 200
    # The scheme's name is case-insensitive (RFC 9110 §11.1), the token is not.
    assert req(d, "GET", "/health", token=None,
               headers={"Authorization": f"bearer {TOKEN}"})[0] == 200
    assert req(d, "GET", "/health", token=TOKEN.upper())[0] == 401

    res = d.run_cli("health", env={})
    assert res.returncode == 1 and "bearer token" in res.stderr
    wrong = tmp_path / "wrong-token"
    wrong.write_text("nope\n")
    res = d.run_cli("health", env={"CASCADE_TOKEN_FILE": str(wrong)})
    assert res.returncode == 1 and "bearer token" in res.stderr
    res = d.run_cli("--token-file", d.token_file, "health", env={})
    assert res.returncode == 0 and res.stdout == "Ok\n"
    # The option beats the environment.
    res = d.run_cli("zone", "list", "--token-file", d.token_file,
                    env={"CASCADE_TOKEN_FILE": str(wrong)})
    assert res.returncode == 0 and PUB in res.stdout.split()
    res = d.run_cli("health", env={"CASCADE_TOKEN_FILE": str(tmp_path / "missing")})
    assert res.returncode == 1 and "missing" in res.stderr
    untouched(d)


def test_unix_socket(d):
    st = os.stat(d.sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600
    status, _, body = http_unix(d, "GET", "/zone")
    assert status == 200 and PUB in body["zones"]
    api_error(http_unix(d, "GET", "/zone", token=None), 401, "Unauthorized")
    res = d.run_cli("--socket", d.sock, "zone", "list", server=False)
    assert res.returncode == 0 and res.stdout.split() == zones(d)
    res = d.run_cli("zone", "status", "pub.test", server=False,
                    env={"CASCADE_SOCKET": d.sock, "CASCADE_TOKEN_FILE": d.token_file})
    assert res.returncode == 0 and f"serial {PUB_SERIAL}" in res.stdout
    res = d.run_cli("--socket", d.sock, "health", server=False, env={})
    assert res.returncode == 1 and "bearer token" in res.stderr
    # The socket wins over a server address that answers nothing.
    res = d.run_cli("-s", "127.0.0.1:1", "--socket", d.sock, "health", server=False)
    assert res.returncode == 0


def failed_start(daemon, what):
    """Starts daemon, which must exit 1 by itself; returns its log."""
    daemon.start(wait=False)
    try:
        assert daemon.proc.wait(timeout=30) == 1, what
    finally:
        daemon.kill()
    return daemon.log()


def test_api_settings_that_cannot_work_stop_the_start(d, build_dir, tmp_path):
    other = ApiDaemon(build_dir, tmp_path / "no-token", POLICIES)
    os.unlink(other.token_file)
    assert f"cannot read the API token file {other.token_file}" in \
        failed_start(other, "a missing token file")

    # Whatever is at the socket's path is not deleted unless it is a dead socket: not a
    # file given there by mistake, nor the socket of a daemon that runs.
    other = ApiDaemon(build_dir, tmp_path / "file", POLICIES)
    with open(other.config_path) as f:
        text = f.read()
    keep = tmp_path / "precious.txt"
    keep.write_text("not a socket\n")
    for path, why in ((str(keep), "is not a socket"), (d.sock, "another process answers")):
        with open(other.config_path, "w") as f:
            f.write(text.replace(f'unix-socket = "{other.sock}"', f'unix-socket = "{path}"'))
        assert why in failed_start(other, why)
    assert keep.read_text() == "not a socket\n"
    assert stat.S_ISSOCK(os.stat(d.sock).st_mode)
    assert http_unix(d, "GET", "/health")[0] == 200
    # A socket left by a daemon that died is taken over.
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(tmp_path / "stale.sock"))
    stale.close()
    with open(other.config_path, "w") as f:
        f.write(text.replace(f'unix-socket = "{other.sock}"',
                             f'unix-socket = "{tmp_path / "stale.sock"}"'))
    other.sock = str(tmp_path / "stale.sock")
    try:
        other.start()
        assert http_unix(other, "GET", "/health")[0] == 200
        assert other.stop() == 0
    finally:
        other.kill()
    assert not os.path.exists(other.sock)  # removed at the stop
    untouched(d)


# 3. Metrics ---------------------------------------------------------------------------------

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|'
                    r'\\["\\n])*",?)*)\})? ([-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)'
                    r'(?:[eE][-+]?[0-9]+)?|NaN|[-+]Inf)$')
COMMENT = re.compile(r"^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """{(name, frozenset(labels)): value text}; every line must be a comment or a sample,
    every sample's family declared by TYPE before it."""
    assert text.endswith("\n")
    samples, types = {}, {}
    for line in text.splitlines():
        m = COMMENT.match(line)
        if m:
            if m.group(1) == "TYPE":
                assert m.group(3) in ("gauge", "counter", "untyped", "histogram",
                                      "summary"), line
                types[m.group(2)] = m.group(3)
            continue
        m = SAMPLE.match(line)
        assert m, f"not a Prometheus text line: {line!r}"
        assert m.group(1) in types, f"{m.group(1)} has no TYPE before it"
        labels = frozenset(LABEL.findall(m.group(2) or ""))
        key = (m.group(1), labels)
        assert key not in samples, f"duplicate sample {line!r}"
        samples[key] = m.group(3)
    return samples, types


def test_metrics(d):
    status, resp, text = req(d, "GET", "/metrics")
    assert status == 200 and resp.getheader("Content-Type").startswith("text/plain")
    samples, types = parse_metrics(text)
    by_state = {dict(k[1])["state"]: int(v) for k, v in samples.items()
                if k[0] == "cascade_zones"}
    assert "idle" in by_state and "signing" in by_state and "halted after loaded review" \
        in by_state
    assert sum(by_state.values()) == len(zones(d))
    st = d.status(PUB)
    zone = frozenset({("zone", PUB)})
    assert samples[("cascade_zone_published_serial", zone)] == str(PUB_SERIAL)
    assert int(samples[("cascade_zone_published_records", zone)]) == st["published"]["records"]
    assert samples[("cascade_zone_loaded_records", zone)] == "5"
    assert float(samples[("cascade_zone_last_sign_duration_seconds", zone)]) > 0
    # A file zone has no primary to expire.
    assert samples[("cascade_zone_primary_expired", zone)] == "0"
    assert types["cascade_signatures_made_total"] == "counter"
    assert int(samples[("cascade_signatures_made_total", frozenset())]) > 0
    assert int(samples[("cascade_errors_total", frozenset())]) >= 0
    # Without the token: nothing.
    assert req(d, "GET", "/metrics", token=None)[0] == 401


# 5. Maintenance mode ------------------------------------------------------------------------

def test_maintenance_mode(d, tmp_path):
    zf = write_zone(tmp_path / "m.test.zone", "m.test.", 10)
    d.cli("zone", "add", "--source", zf, "--policy", "keep", "m.test")
    d.wait_published("m.test.", serial=10)
    res = d.cli("zone", "maintenance", "enable", "m.test")
    assert "Maintenance mode enabled for m.test" in res.stdout
    res = d.cli("zone", "maintenance", "enable", "m.test", check=False)
    assert res.returncode == 1 and "already enabled" in res.stderr
    res = d.run_cli("--json", "zone", "maintenance", "enable", "m.test")
    assert res.returncode == 1
    assert json.loads(res.stdout)["error"]["code"] == "AlreadyInThatState"

    write_zone(zf, "m.test.", 11, "new IN TXT maintenance")
    res = d.cli("zone", "reload", "m.test", json_out=True)
    assert json.loads(res.stdout)["status"] == "Queued"
    # Nothing loads (a load of this zone takes milliseconds): the zone stays idle with the
    # old serial and the load pending.
    time.sleep(0.5)
    st = d.status("m.test.")
    assert st["state"] == "idle" and st["maintenance"] and st["pending_load"]
    assert st["published"]["serial"] == 10
    assert d.soa("publish", "m.test.") == (dns.rcode.NOERROR, 10)
    hist = d.cli("zone", "history", "m.test").stdout
    assert "Started load" not in hist.split("Maintenance mode enabled")[1]
    text = d.cli("zone", "status", "m.test").stdout
    assert "(maintenance mode)" in text and "maintenance disable m.test" in text
    assert "\npending: load\n" in text

    d.cli("zone", "maintenance", "disable", "m.test")
    st = d.wait_published("m.test.", serial=11)
    assert not st["maintenance"] and not st["pending_load"]
    assert d.soa("publish", "m.test.") == (dns.rcode.NOERROR, 11)
    res = d.cli("zone", "maintenance", "disable", "m.test", check=False)
    assert res.returncode == 1 and "already disabled" in res.stderr
    d.cli("zone", "remove", "m.test")
    untouched(d)


# 6. Keys: DNSKEY, DS, CDS -------------------------------------------------------------------

def rrs(text, rtype):
    """{rdata} of the records of rtype in zone-file text."""
    out = set()
    for line in text.splitlines():
        f = line.split(";")[0].split()
        if rtype in f:
            at = f.index(rtype)
            out.add(dns.rdata.from_text("IN", rtype, " ".join(f[at + 1:])))
    return out


def test_keyset_get(d, tmp_path):
    axfr = str(tmp_path / "pub.axfr")
    z = d.axfr("publish", PUB, axfr)
    served = set(z.get_rdataset(PUB, "DNSKEY"))
    assert len(served) == 2
    res = d.cli("keyset", "pub.test", "get", "dnskey")
    assert rrs(res.stdout, "DNSKEY") == served
    assert all(line.startswith(PUB + " ") for line in res.stdout.splitlines())

    ours = rrs(d.cli("keyset", "pub.test", "get", "ds").stdout, "DS")
    bind = subprocess.run(["dnssec-dsfromkey", "-2", "-f", axfr, PUB], capture_output=True,
                          text=True, timeout=60)
    assert bind.returncode == 0, bind.stderr
    assert ours == rrs(bind.stdout, "DS") and len(ours) == 1
    cds = rrs(d.cli("keyset", "pub.test", "get", "CDS").stdout, "CDS")
    assert {r.to_text() for r in cds} == {r.to_text() for r in ours}
    res = d.cli("keyset", "pub.test", "get", "nsec", check=False)
    assert res.returncode == 1 and "DS, DNSKEY or CDS" in res.stderr
    res = d.cli("keyset", "nothing.test", "get", "ds", check=False)
    assert res.returncode == 1 and "no zone nothing.test" in res.stderr
    msg = api_error(req(d, "POST", "/key/pub.test/get", b'{"type": "DS"}'), 400, "BadRequest")
    assert "key_type" in msg


# 7. Key import ------------------------------------------------------------------------------

def keygen(folder, zone, *flags):
    res = subprocess.run(["dnssec-keygen", "-q", "-K", str(folder), "-a", "ECDSAP256SHA256",
                          *flags, zone], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    return os.path.join(str(folder), res.stdout.strip())


def test_import_ksk_and_zsk(d, tmp_path):
    if not shutil.which("dnssec-keygen"):
        pytest.fail("dnssec-keygen (bind9-utils) is not installed")
    ksk = keygen(tmp_path, "imp.test", "-f", "KSK")
    zsk = keygen(tmp_path, "imp.test")
    other = keygen(tmp_path, "other.test", "-f", "KSK")
    zf = write_zone(tmp_path / "imp.test.zone", "imp.test.", 3)
    add = ["zone", "add", "--source", zf, "--policy", "default"]
    bad = [
        (["--import-ksk-file", zsk + ".key", "--import-zsk-file", ksk + ".key"], "flags 256"),
        (["--import-ksk-file", ksk + ".key"], "no ZSK"),
        (["--import-ksk-file", str(tmp_path / "nothing.key"), "--import-zsk-file",
          zsk + ".key"], "nothing.key"),
        (["--import-ksk-file", zf, "--import-zsk-file", zsk + ".key"], zf),
        (["--import-ksk-file", other + ".key", "--import-zsk-file", zsk + ".key"],
         "another zone"),
    ]
    for flags, words in bad:
        res = d.cli(*add, *flags, "imp.test", check=False)
        assert res.returncode == 1 and words in res.stderr, (flags, res.stderr)
        assert "imp.test." not in zones(d)
        untouched(d)
    assert not os.path.exists(os.path.join(d.dir, "keys", "imp.test")) or \
        os.listdir(os.path.join(d.dir, "keys", "imp.test")) == []

    d.cli(*add, "--import-ksk-file", ksk + ".private", "--import-zsk-file", zsk + ".key",
          "imp.test")
    d.wait_published("imp.test.")
    out = str(tmp_path / "imp.axfr")
    z = d.axfr("publish", "imp.test.", out)
    assert set(z.get_rdataset("imp.test.", "DNSKEY")) == \
        {dnskey_of(ksk + ".key"), dnskey_of(zsk + ".key")}
    verify(out, "imp.test.")
    keys = d.status("imp.test.")["keys"]
    assert sorted((k["type"], k["imported"]) for k in keys) == [("KSK", True), ("ZSK", True)]
    # Imported key files are the operator's: a removal leaves them.
    d.cli("zone", "remove", "imp.test")
    assert os.path.exists(ksk + ".private") and os.path.exists(zsk + ".key")
    untouched(d)


def test_import_csk_made_by_cascade_keygen(d, tmp_path):
    res = subprocess.run([d.cascade, "keygen", "-a", "ED25519", "-f", "KSK", "-K",
                          str(tmp_path), "csk.test"], capture_output=True, text=True,
                         timeout=60)
    assert res.returncode == 0, res.stderr
    base = os.path.join(str(tmp_path), os.path.basename(res.stdout.strip()))
    zf = write_zone(tmp_path / "csk.test.zone", "csk.test.", 3)
    d.cli("zone", "add", "--source", zf, "--policy", "default", "--import-csk-file",
          base + ".key", "csk.test")
    d.wait_published("csk.test.")
    out = str(tmp_path / "csk.axfr")
    z = d.axfr("publish", "csk.test.", out)
    assert set(z.get_rdataset("csk.test.", "DNSKEY")) == {dnskey_of(base + ".key")}
    # One key with the SEP flag signs everything: dnssec-verify is told (-z) not to ask
    # for a key without it.
    for cmd in (["dnssec-verify", "-q", "-z", "-o", "csk.test.", out],
                ["ldns-verify-zone", out]):
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, f"{' '.join(cmd)}:\n{res.stdout}{res.stderr}"
    assert [k["type"] for k in d.status("csk.test.")["keys"]] == ["CSK"]
    d.cli("zone", "remove", "csk.test")
    untouched(d)


# 8. Signed zone file output -----------------------------------------------------------------

def test_outbound_zone_file(d, tmp_path):
    outdir = tmp_path / "signed"
    outdir.mkdir()
    d.write_policy("out", f'version = "v1"\n[signer]\nserial-policy = "counter"\n'
                          f'[server.outbound]\nzone-file = "{outdir}/{{zone}}.signed"\n')
    assert changes(d.cli("policy", "reload"))["out"] == "added"
    zf = write_zone(tmp_path / "out.test.zone", "out.test.", 40)
    d.cli("zone", "add", "--source", zf, "--policy", "out", "out.test")
    serial = d.wait_published("out.test.")["published"]["serial"]
    path = outdir / "out.test.signed"

    def written():
        if not path.exists():
            return False
        return f" {serial} " in path.read_text()
    wait_for(f"{path} with serial {serial}", written)
    res = subprocess.run(["ldns-verify-zone", str(path)], capture_output=True, text=True,
                         timeout=120)
    assert res.returncode == 0, res.stdout + res.stderr
    verify(str(path), "out.test.")
    d.cli("zone", "remove", "out.test")
    os.unlink(os.path.join(d.dir, "policies", "out.toml"))
    d.cli("policy", "reload")
    untouched(d)


def test_outbound_zone_file_of_a_name_with_a_slash(d, tmp_path):
    outdir = tmp_path / "signed"
    outdir.mkdir()
    d.write_policy("out2", f'version = "v1"\n[server.outbound]\n'
                           f'zone-file = "{outdir}/{{zone}}.signed"\n')
    d.cli("policy", "reload")
    zf = write_zone(tmp_path / "slash.zone", "a/b.test.", 40)
    try:
        d.cli("zone", "add", "--source", zf, "--policy", "out2", "a/b.test")
        d.wait_published("a/b.test.")
        # The file goes into the folder the policy names, whatever the zone's name.
        wait_for("the signed zone file", lambda: os.listdir(outdir) or
                 "cannot write the signed zone" in d.log(), timeout=10)
    finally:
        d.cli("zone", "remove", "a/b.test", check=False)
        os.unlink(os.path.join(d.dir, "policies", "out2.toml"))
        d.cli("policy", "reload")
    untouched(d)
    files = os.listdir(outdir)
    assert len(files) == 1 and os.path.isfile(outdir / files[0]), files


# 9. Zone removal ----------------------------------------------------------------------------

def test_zone_remove(d, tmp_path):
    zf = write_zone(tmp_path / "rm.test.zone", "rm.test.", 5)
    d.cli("zone", "add", "--source", zf, "--policy", "default", "rm.test")
    d.wait_published("rm.test.")
    write_zone(zf, "rm.test.", 6, "v2 IN TXT two")
    d.cli("zone", "reload", "rm.test")
    d.wait_state("rm.test.", lambda s: s["published"]["loaded_serial"] == 6 and
                 s["state"] == "idle")
    state_dir = os.path.join(d.dir, "zone-state")
    versions = glob.glob(os.path.join(state_dir, "rm.test.loaded.*")) + \
        glob.glob(os.path.join(state_dir, "rm.test.signed.*"))
    assert versions
    key_dir = os.path.join(d.dir, "keys", "rm.test")
    keys = os.listdir(key_dir)
    assert len(keys) == 4  # a KSK and a ZSK, .key and .private each

    serial_before = d.status("rm.test.")["published"]["serial"]
    res = d.cli("zone", "remove", "rm.test")
    assert res.stdout == "Removed zone rm.test\n"
    assert "rm.test." not in zones(d)
    assert d.soa("publish", "rm.test.")[0] == dns.rcode.REFUSED
    assert d.soa("loaded", "rm.test.")[0] == dns.rcode.REFUSED
    assert glob.glob(os.path.join(state_dir, "rm.test.*")) == \
        [os.path.join(state_dir, "rm.test.json")]
    with open(os.path.join(state_dir, "rm.test.json")) as f:
        assert json.load(f)["history"][-1]["event"] == "Zone removed"
    # The keys we made are kept aside, not deleted.
    assert not os.path.exists(key_dir)
    kept = glob.glob(key_dir + ".removed.*")
    assert len(kept) == 1 and sorted(os.listdir(kept[0])) == sorted(keys)
    res = d.cli("zone", "remove", "rm.test", check=False)
    assert res.returncode == 1 and "no zone rm.test" in res.stderr
    untouched(d)
    # The name can be used again, with new keys.
    d.cli("zone", "add", "--source", zf, "--policy", "default", "rm.test")
    d.wait_published("rm.test.")
    assert not set(os.listdir(key_dir)) & set(keys)
    # Its serials go on from those the removed zone gave.
    assert d.status("rm.test.")["published"]["serial"] > serial_before
    d.cli("zone", "remove", "rm.test")
    untouched(d)
