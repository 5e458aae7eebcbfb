"""cascaded end to end: add a zone from a file, publish it, reload it; what is served
verifies with dnssec-verify (BIND) and ldns-verify-zone (ldns)."""
import os
import shutil
import subprocess

import dns.rcode
import pytest

from cascaded import Daemon

ZONE = """$ORIGIN example.test.
$TTL 3600
@       IN SOA ns1 hostmaster {serial} 7200 3600 1209600 300
@       IN NS  ns1
@       IN NS  ns2.elsewhere.test.
ns1     IN A   192.0.2.1
www     IN A   192.0.2.80
www     IN AAAA 2001:db8::80
mail    IN MX  10 www
sub     IN NS  ns.sub
ns.sub  IN A   192.0.2.53
*.wild  IN TXT "wildcard"
{extra}
"""


def write_zone(path, serial, extra=""):
    with open(path, "w") as f:
        f.write(ZONE.format(serial=serial, extra=extra))


def verify(path, origin):
    """Both verifiers accept the signed zone at path."""
    for cmd in (["dnssec-verify", "-q", "-o", origin, path], ["ldns-verify-zone", path]):
        if not shutil.which(cmd[0]):
            pytest.fail(f"{cmd[0]} is not installed (scripts/deps-debian.txt)")
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        assert res.returncode == 0, f"{' '.join(cmd)} failed:\n{res.stdout}{res.stderr}"


@pytest.fixture
def daemon(build_dir, tmp_path):
    d = Daemon(build_dir, tmp_path)
    yield d
    d.kill()


def test_add_publish_reload(daemon, tmp_path):
    zone_file = str(tmp_path / "example.test.zone")
    write_zone(zone_file, 100)
    daemon.start()
    res = daemon.cli("zone", "add", "--source", zone_file, "--policy", "default", "example.test")
    assert "scheduled for loading" in res.stdout
    st = daemon.wait_published("example.test.")
    first = st["published"]["serial"]
    assert st["published"]["loaded_serial"] == 100
    assert daemon.soa("publish", "example.test.") == (dns.rcode.NOERROR, first)
    out = str(tmp_path / "axfr1.zone")
    daemon.axfr("publish", "example.test.", out)
    verify(out, "example.test.")

    write_zone(zone_file, 101, "new IN TXT \"added\"")
    daemon.cli("zone", "reload", "example.test")
    st = daemon.wait_published("example.test.", serial=first + 1)
    assert st["published"]["loaded_serial"] == 101
    out = str(tmp_path / "axfr2.zone")
    z = daemon.axfr("publish", "example.test.", out)
    assert z.get_rdataset("new.example.test.", "TXT") is not None
    verify(out, "example.test.")
    hist = daemon.cli("zone", "history", "example.test").stdout
    assert "Published" in hist and "Signing succeeded" in hist


def test_unknown_zone_and_no_data(daemon, tmp_path):
    daemon.start()
    rcode, _ = daemon.soa("publish", "nothing.test.")
    assert rcode == dns.rcode.REFUSED
    res = daemon.cli("zone", "status", "nothing.test", check=False)
    assert res.returncode == 1 and "no zone nothing.test" in res.stderr


def test_log_level_precedence(build_dir, tmp_path):
    """The log level: --log-level beats CASCADE_LOG_LEVEL, which beats the config file."""
    d = Daemon(build_dir, tmp_path)
    with open(d.config_path) as f:
        text = f.read()
    with open(d.config_path, "w") as f:
        f.write(text.replace('log-level = "debug"', 'log-level = "error"'))
    try:
        d.start()  # the file: error, so no info line
        d.stop()
        assert " info: " not in d.log()
        d.start(env={"CASCADE_LOG_LEVEL": "info"})
        d.stop()
        assert " info: cascaded started" in d.log()
        open(d.log_path, "w").close()
        d.cascaded_args = ["--log-level", "warning"]
        d.start(env={"CASCADE_LOG_LEVEL": "debug"})
        d.stop()
        assert " info: " not in d.log() and " debug: " not in d.log()
    finally:
        d.kill()
