"""The `cascade` CLI against a real cascaded (cascade-spec §8, doc/daemon.md "The CLI"):
every command's --json is JSON, on success and on error; the human output of status, zone
list, zone status, zone history and the policy commands has the lines an operator reads;
exit codes are 0 on success, 1 on an error and 2 on bad usage.

One daemon serves the module, with three zones: cli.test (published), man.test (waiting
for a manual review of its unsigned version) and halt.test (halted by a hook that rejects).
"""
import json
import os
import re
import subprocess
import tomllib

import pytest

from cascaded import Daemon, free_port
from test_api import write_zone

POLICIES = {
    "default": 'version = "v1"\n[signer]\nserial-policy = "counter"\n',
    "man": 'version = "v1"\n[signer]\nserial-policy = "counter"\n'
           '[loader.review]\nmode = "manual"\n',
    "halt": 'version = "v1"\n[loader.review]\nmode = "script"\nhook = "exit 1"\n'
            'on-reject = "halt"\n',
}
STAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"


@pytest.fixture(scope="module")
def d(build_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    daemon = Daemon(build_dir, folder, policies=POLICIES)
    try:
        daemon.start()
        daemon.files = {}
        for zone, policy in (("cli.test", "default"), ("man.test", "man"),
                             ("halt.test", "halt")):
            daemon.files[zone] = write_zone(folder / f"{zone}.zone", zone + ".", 1)
            daemon.cli("zone", "add", "--source", daemon.files[zone], "--policy", policy,
                       zone)
        daemon.wait_published("cli.test.")
        daemon.wait_state("man.test.", lambda s: s["state"] == "waiting for loaded review")
        daemon.wait_state("halt.test.", lambda s: s["state"] == "halted after loaded review")
        yield daemon
    finally:
        daemon.kill()


def run(d, *args, env=None, server=True):
    cmd = [d.cascade] + (["-s", f"127.0.0.1:{d.ports['api']}"] if server else [])
    e = {k: v for k, v in os.environ.items() if not k.startswith("CASCADE_")}
    e.update(env or {})
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=60, env=e)


def as_json(res, rc=0):
    assert res.returncode == rc, f"exit {res.returncode}:\n{res.stdout}{res.stderr}"
    assert res.stdout.strip(), f"nothing on stdout:\n{res.stderr}"
    return json.loads(res.stdout)


def json_error(res, code):
    j = as_json(res, 1)
    assert j["error"]["code"] == code, j
    assert res.stderr == f"ERROR: {j['error']['message']}\n"
    return j["error"]["message"]


def test_json_of_every_command(d, tmp_path):
    assert as_json(run(d, "--json", "health")) == {"healthy": True}
    assert isinstance(as_json(run(d, "info", "--json"))["version"], str)
    st = as_json(run(d, "--json", "status"))
    assert [h["zone"] for h in st["halted_zones"]] == ["halt.test."]
    assert st["servers"]["publication"] == [f"127.0.0.1:{d.ports['publish']}"]
    zones = as_json(run(d, "--json", "zone", "list"))["zones"]
    assert sorted(zones) == ["cli.test.", "halt.test.", "man.test."]
    assert as_json(run(d, "--json", "zone", "status", "cli.test"))["state"] == "idle"
    detailed = as_json(run(d, "--json", "zone", "status", "--detailed", "cli.test"))
    assert len(detailed["keys"]) == 2
    hist = as_json(run(d, "--json", "zone", "history", "cli.test"))["history"]
    assert hist[0]["event"] == "Zone added with policy default"
    assert sorted(as_json(run(d, "--json", "policy", "list"))["policies"]) == \
        ["default", "halt", "man"]
    assert as_json(run(d, "--json", "policy", "show", "man"))["zones"] == ["man.test."]
    rel = as_json(run(d, "--json", "policy", "reload"))
    assert sorted(rel["changes"]) == [["default", "unchanged"], ["halt", "unchanged"],
                                      ["man", "unchanged"]]
    for t in ("dnskey", "ds", "cds"):
        assert as_json(run(d, "--json", "keyset", "cli.test", "get", t))["text"]
    assert as_json(run(d, "--json", "zone", "reload", "cli.test"))["name"] == "cli.test."
    d.wait_state("cli.test.", lambda s: s["state"] == "idle")
    assert as_json(run(d, "--json", "zone", "maintenance", "enable", "cli.test")) == {}
    assert as_json(run(d, "--json", "zone", "maintenance", "disable", "cli.test")) == {}

    # The operator's decisions: reject and approve of man.test, override and reset of
    # halt.test.
    assert as_json(run(d, "--json", "zone", "reject", "--unsigned", "man.test", "1")) == {}
    d.wait_state("man.test.", lambda s: s["state"] == "idle")
    write_zone(d.files["man.test"], "man.test.", 2)
    run(d, "zone", "reload", "man.test")
    d.wait_state("man.test.", lambda s: s["state"] == "waiting for loaded review")
    assert as_json(run(d, "--json", "zone", "approve", "man.test", "--unsigned", "2")) == {}
    d.wait_published("man.test.")
    assert as_json(run(d, "--json", "zone", "override", "--unsigned", "halt.test")) == {}
    d.wait_published("halt.test.")
    write_zone(d.files["halt.test"], "halt.test.", 2)
    run(d, "zone", "reload", "halt.test")
    d.wait_state("halt.test.", lambda s: s["state"] == "halted after loaded review")
    assert as_json(run(d, "--json", "zone", "reset", "halt.test")) == {}

    zf = write_zone(tmp_path / "new.test.zone", "new.test.", 1)
    added = as_json(run(d, "--json", "zone", "add", "--source", zf, "--policy", "default",
                        "new.test"))
    assert added == {"name": "new.test.", "status": "Submitted"}
    d.wait_published("new.test.")
    assert as_json(run(d, "--json", "zone", "remove", "new.test")) == {}

    # Errors: the daemon's, and the CLI's own, as JSON on stdout too.
    json_error(run(d, "--json", "zone", "status", "nothing.test"), "NoSuchZone")
    json_error(run(d, "--json", "zone", "reset", "cli.test"), "NotHalted")
    json_error(run(d, "--json", "zone", "approve", "--signed", "cli.test", "5"),
               "NotUnderReview")
    json_error(run(d, "--json", "zone", "override", "--signed", "cli.test"), "NotRejected")
    json_error(run(d, "--json", "policy", "show", "nothing"), "NoSuchPolicy")
    json_error(run(d, "--json", "keyset", "cli.test", "get", "nsec"), "BadRequest")
    json_error(run(d, "--json", "zone", "add", "--source", zf, "--policy", "default",
                   "cli.test"), "AlreadyExists")
    msg = json_error(run(d, "--json", "zone", "add", "--source", str(tmp_path / "none.zone"),
                         "--policy", "default", "x.test"), "NoSourceFile")
    assert "none.zone" in msg
    port = free_port()
    msg = json_error(run(d, "-s", f"127.0.0.1:{port}", "--json", "health", server=False),
                     "Unreachable")
    assert f"127.0.0.1:{port}" in msg
    msg = json_error(run(d, "--json", "--token-file", str(tmp_path / "no-token"), "health"),
                     "TokenFile")
    assert "no-token" in msg


def test_human_output(d):
    lines = run(d, "status").stdout.splitlines()
    assert lines[:3] == [f"Loaded review:   127.0.0.1:{d.ports['loaded']}",
                         f"Signed review:   127.0.0.1:{d.ports['signed']}",
                         f"Server:          127.0.0.1:{d.ports['publish']}"]
    zones = as_json(run(d, "--json", "zone", "list"))["zones"]
    assert run(d, "zone", "list").stdout == "".join(z + "\n" for z in zones)

    st = d.status("cli.test.")
    pub = st["published"]
    text = run(d, "zone", "status", "cli.test").stdout
    assert text.startswith(f"zone:    cli.test.\npolicy:  default\n"
                           f"source:  file {d.files['cli.test']}\n"
                           f"review:  unsigned off, signed off\n")
    assert re.search(rf"^last published: serial {pub['serial']} \(loaded serial "
                     rf"{pub['loaded_serial']}\), {pub['records']} records, at {STAMP}$",
                     text, re.M), text
    assert "\nstatus:  idle\n" in text
    assert f"\nPublished zone available at: 127.0.0.1:{d.ports['publish']}\n" in text
    detailed = run(d, "zone", "status", "cli.test", "--detailed").stdout
    for k in st["keys"]:
        assert re.search(rf"^  {k['type']} +tag {k['tag']} +{k['algorithm']} +"
                         rf"{re.escape(k['path'])}, signing$", detailed, re.M), detailed

    hist = run(d, "zone", "history", "cli.test").stdout.splitlines()
    assert re.match(r"^Timestamp +Serial +Event$", hist[0])
    events = []
    for line in hist[1:]:
        m = re.match(rf"^({STAMP})  ([0-9]+|-) +(.+)$", line)
        assert m, line
        events.append(m.group(3))
    for want in ("Zone added with policy default", "Started load of", "New version received",
                 "Started signing", "Signing succeeded", "Published"):
        assert any(e.startswith(want) for e in events), (want, events)

    names = run(d, "policy", "list").stdout.splitlines()
    assert names == sorted(names) and {"default", "halt", "man"} <= set(names)
    show = run(d, "policy", "show", "halt").stdout
    first, body = show.split("\n", 1)
    assert re.match(r"^# policy halt, used by 1 zone\(s\)$", first), first
    # What policy show prints is a policy file: it parses as TOML, has what the file said,
    # and loaded back it is the same policy.
    t = tomllib.loads(body)
    assert t["loader"]["review"] == {"mode": "script", "hook": "exit 1", "on-reject": "halt",
                                     "hook-timeout": "10m"}
    d.write_policy("copy", body)
    try:
        assert "copy                     added" in run(d, "policy", "reload").stdout
        assert run(d, "policy", "show", "copy").stdout.split("\n", 1)[1] == \
            body.replace('Policy "halt"', 'Policy "copy"')
    finally:
        os.unlink(os.path.join(d.dir, "policies", "copy.toml"))
        run(d, "policy", "reload")


def test_human_output_of_reviews_and_halts(d):
    write_zone(d.files["man.test"], "man.test.", 7)
    run(d, "zone", "reload", "man.test")
    d.wait_state("man.test.", lambda s: s["state"] == "waiting for loaded review")
    text = run(d, "zone", "status", "man.test").stdout
    assert "\nstatus:  waiting for loaded review\n  ✔ load\n  ■ review loaded zone\n" \
           "  ○ persist loaded zone\n" in text
    assert f"Unsigned version 7 is served for review at 127.0.0.1:{d.ports['loaded']}." in text
    assert "Decide with: cascade zone approve|reject --unsigned man.test 7\n" in text
    run(d, "zone", "reject", "--unsigned", "man.test", "7")

    write_zone(d.files["halt.test"], "halt.test.", 7)
    run(d, "zone", "reload", "halt.test")
    d.wait_state("halt.test.", lambda s: s["state"] == "halted after loaded review")
    text = run(d, "zone", "status", "halt.test").stdout
    assert "  ⨯ review loaded zone\n" in text
    assert "Halted: unsigned zone rejected: exited with status 1\n" in text
    assert "'cascade zone override --unsigned halt.test'" in text
    status = run(d, "status").stdout
    assert "The following zones are halted:\n  halt.test.: unsigned zone rejected: exited " \
           "with status 1\n" in status
    res = run(d, "zone", "reload", "halt.test")
    assert res.returncode == 1 and "halted" in res.stderr
    run(d, "zone", "reset", "halt.test")


def test_exit_codes(d, tmp_path):
    # 0
    # (run() puts -s first: help, version and the offline commands come after it too.)
    for args in (["health"], ["zone", "list"], ["--help"], ["-V"], ["template", "policy"]):
        res = run(d, *args)
        assert res.returncode == 0, (args, res.stderr)
    assert run(d, "-V").stdout.startswith("cascade ")
    assert run(d, "health").stdout == "Ok\n"
    # 1: the daemon says no, or cannot be reached.
    for args in (["zone", "status", "nothing.test"], ["zone", "remove", "nothing.test"],
                 ["policy", "show", "nothing"], ["zone", "reset", "cli.test"],
                 ["keyset", "cli.test", "get", "rrsig"]):
        res = run(d, *args)
        assert res.returncode == 1 and res.stderr.startswith("ERROR: ") and not res.stdout, \
            (args, res.stdout, res.stderr)
    res = run(d, "-s", f"127.0.0.1:{free_port()}", "health", server=False)
    assert res.returncode == 1 and "cannot reach the daemon" in res.stderr
    res = run(d, "health", server=False, env={"CASCADE_DAEMON": f"127.0.0.1:{free_port()}"})
    assert res.returncode == 1
    res = run(d, "health", server=False,
              env={"CASCADE_DAEMON": f"127.0.0.1:{d.ports['api']}"})
    assert res.returncode == 0
    # 2: bad usage, before any request.
    for args in ([], ["frobnicate"], ["zone"], ["zone", "frobnicate", "x"],
                 ["zone", "add", "--policy", "default", "x.test"],
                 ["zone", "approve", "cli.test", "5"],
                 ["zone", "approve", "--signed", "--unsigned", "cli.test", "5"],
                 ["zone", "approve", "--signed", "cli.test", "five"],
                 ["zone", "override", "cli.test"], ["zone", "maintenance", "on", "cli.test"],
                 ["zone", "status"], ["zone", "remove"], ["zone", "reload", "a", "b"],
                 ["policy"], ["policy", "show"], ["keyset", "cli.test", "get"],
                 ["keyset", "cli.test", "put", "ds"], ["--log-level", "loud", "health"],
                 ["health", "-s"]):
        res = run(d, *args)
        assert res.returncode == 2 and res.stderr and not res.stdout, \
            (args, res.returncode, res.stdout, res.stderr)
