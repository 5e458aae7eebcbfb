"""`cascade tsig add|list|remove` against a real cascaded (cascade-spec §8.2, §12, §13).

Keys are added inline, from a file (the base64 alone, or the key clause tsig-keygen writes)
and in the compact form; a duplicate and a bad secret are refused with a clear message; the
list never shows a secret; the store file is mode 0600 in Cascade's JSON v1 format and is
read back after a restart; policies naming a key are refused at reload until the key
exists, and a key in use cannot be removed.
"""
import base64
import json
import os
import shutil
import stat
import subprocess

import pytest

from cascaded import Daemon, DEFAULT_POLICY

SECRET = base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
USES_KEY = DEFAULT_POLICY + '[server.outbound]\nsend-notify-to = ["127.0.0.1:5300^xfr-key"]\n'


@pytest.fixture
def d(build_dir, tmp_path):
    daemon = Daemon(build_dir, tmp_path)
    try:
        daemon.start()
        yield daemon
    finally:
        daemon.kill()


def fails(d, *args):
    res = d.cli(*args, check=False)
    assert res.returncode == 1, f"exit {res.returncode}:\n{res.stdout}{res.stderr}"
    return res.stderr


def listing(d):
    return json.loads(d.cli("tsig", "list", json_out=True).stdout)["tsig_key_info"]


def store_file(d):
    return os.path.join(d.dir, "tsig-keys.db")


def test_add_inline_file_and_compact(d, tmp_path):
    out = d.cli("tsig", "add", "inline-key", "hmac-sha256", SECRET).stdout
    assert "Added TSIG key inline-key (hmac-sha256)" in out
    plain = tmp_path / "secret.txt"
    plain.write_text(f"  {SECRET[:20]}\n{SECRET[20:]}\n")
    d.cli("tsig", "add", "file-key", "hmac-sha384", str(plain))
    d.cli("tsig", "add", "compact-key:" + SECRET)
    d.cli("tsig", "add", "hmac-sha1:Compact-Sha1.:" + SECRET)
    keys = listing(d)
    assert keys["inline-key"]["algorithm"] == "hmac-sha256"
    assert keys["file-key"]["algorithm"] == "hmac-sha384"
    assert keys["compact-key"]["algorithm"] == "hmac-sha256"
    # names are domain names: lower case, no trailing dot
    assert keys["compact-sha1"]["algorithm"] == "hmac-sha1"
    assert keys["inline-key"] == {"algorithm": "hmac-sha256", "zone_names": [],
                                  "policy_names": []}
    text = d.cli("tsig", "list").stdout
    assert SECRET not in text and SECRET not in json.dumps(keys)
    assert [line.split()[0] for line in text.splitlines()[1:]] == [
        "compact-key", "compact-sha1", "file-key", "inline-key"]


@pytest.mark.skipif(not shutil.which("tsig-keygen"), reason="tsig-keygen (bind9) not installed")
def test_add_from_tsig_keygen(d, tmp_path):
    clause = subprocess.run(["tsig-keygen", "-a", "hmac-sha512", "bind-key"], check=True,
                            capture_output=True, text=True).stdout
    path = tmp_path / "bind-key.conf"
    path.write_text("# made by tsig-keygen\n" + clause)
    d.cli("tsig", "add", "bind-key", "hmac-sha512", str(path))
    assert listing(d)["bind-key"]["algorithm"] == "hmac-sha512"
    secret = clause.split('secret "')[1].split('"')[0]
    stored = json.load(open(store_file(d)))
    assert stored["map"]["bind-key"] == {"alg": "sha512", "data": secret}
    # the file's algorithm must be the one asked for
    err = fails(d, "tsig", "add", "bind-key2", "hmac-sha256", str(path))
    assert "algorithm is hmac-sha512, not hmac-sha256" in err


def test_refusals(d):
    d.cli("tsig", "add", "dup-key", "hmac-sha256", SECRET)
    err = fails(d, "tsig", "add", "DUP-key.", "hmac-sha512", SECRET)
    assert "a TSIG key named dup-key exists" in err
    res = d.cli("tsig", "add", "dup-key", "hmac-sha256", SECRET, check=False, json_out=True)
    assert json.loads(res.stdout)["error"]["code"] == "AlreadyExists"
    err = fails(d, "tsig", "add", "bad-key", "hmac-sha256", "not*base64!")
    assert "TSIG key bad-key: invalid base64 secret" in err
    res = d.cli("tsig", "add", "bad-key", "hmac-sha256", "abc", check=False, json_out=True)
    assert json.loads(res.stdout)["error"]["code"] == "InvalidBase64Secret"
    err = fails(d, "tsig", "add", "bad-key", "hmac-md5", SECRET)
    assert "unknown algorithm 'hmac-md5'" in err
    err = fails(d, "tsig", "add", "bad-key:not*base64")
    assert "invalid base64 secret" in err
    assert list(listing(d)) == ["dup-key"]
    err = fails(d, "tsig", "remove", "no-such-key")
    assert "no TSIG key no-such-key" in err
    assert d.cli("tsig", "add", check=False).returncode == 2


def test_store_file_survives_restart(d):
    d.cli("tsig", "add", "keep-key", "hmac-sha256", SECRET)
    path = store_file(d)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert json.load(open(path)) == {"version": "v1", "map": {
        "keep-key": {"alg": "sha256", "data": SECRET}}}
    assert d.stop() == 0
    d.start()
    assert listing(d)["keep-key"]["algorithm"] == "hmac-sha256"
    d.cli("tsig", "remove", "keep-key")
    assert json.load(open(path)) == {"version": "v1", "map": {}}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_cascade_file_with_octets_and_bad_file(build_dir, tmp_path):
    """Cascade writes the secret as an array of octets: read too. A broken file stops
    the start with a message naming the file and the key."""
    d = Daemon(build_dir, tmp_path)
    raw = list(b"0123456789abcdef0123456789abcdef")
    with open(store_file(d), "w") as f:
        json.dump({"version": "v1", "map": {"old.key.": {"alg": "sha256", "data": raw}}}, f)
    try:
        d.start()
        assert listing(d)["old.key"]["algorithm"] == "hmac-sha256"
        d.stop()
        with open(store_file(d), "w") as f:
            json.dump({"version": "v1", "map": {"broken": {"alg": "sha256", "data": "%%"}}}, f)
        d.start(wait=False)
        assert d.proc.wait(30) != 0
        assert f"{store_file(d)}: key 'broken': invalid base64 secret" in d.log()
    finally:
        d.kill()


def test_policy_needs_key_and_key_in_use(d):
    d.write_policy("notifying", USES_KEY)
    res = d.cli("policy", "reload", check=False)
    assert res.returncode == 1
    assert "no TSIG key named" in res.stderr and "xfr-key" in res.stderr
    assert "notifying" not in d.cli("policy", "list").stdout
    d.cli("tsig", "add", "xfr-key", "hmac-sha256", SECRET)
    d.cli("policy", "reload")
    assert "notifying" in d.cli("policy", "list").stdout
    assert listing(d)["xfr-key"]["policy_names"] == ["notifying"]
    assert "policy notifying" in d.cli("tsig", "list").stdout
    err = fails(d, "tsig", "remove", "xfr-key")
    assert "TSIG key xfr-key is in use by policy notifying" in err
    res = d.cli("tsig", "remove", "xfr-key", check=False, json_out=True)
    assert json.loads(res.stdout)["error"]["code"] == "InUse"
    os.remove(os.path.join(d.dir, "policies", "notifying.toml"))
    d.cli("policy", "reload")
    assert "Removed TSIG key xfr-key" in d.cli("tsig", "remove", "xfr-key").stdout
    assert listing(d) == {}
