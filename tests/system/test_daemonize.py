"""cascaded -d: the parent returns at once, the daemon keeps serving in the background
with its pid in the pid file, and SIGTERM stops it and removes the file."""
import os
import pathlib
import pwd
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from cascaded import Daemon


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as f:  # a zombie is not alive
        return f.read().split(") ")[1][0] != "Z"


def test_daemonize_pid_file(build_dir, tmp_path):
    pid_file = tmp_path / "cascaded.pid"
    d = Daemon(build_dir, tmp_path, extra_config="")
    with open(d.config_path) as f:
        text = f.read()
    text = text.replace("[daemon]\n", f'[daemon]\npid-file = "{pid_file}"\n')
    with open(d.config_path, "w") as f:
        f.write(text)
    res = subprocess.run([d.cascaded, "-c", d.config_path, "--state",
                          str(tmp_path / "state.db"), "-d"], timeout=30)
    assert res.returncode == 0
    end = time.time() + 20
    while not pid_file.exists() and time.time() < end:
        time.sleep(0.05)
    pid = int(pid_file.read_text())
    try:
        assert alive(pid)
        assert os.getsid(pid) == pid  # a session of its own
        end = time.time() + 20
        while d.cli("health", check=False).returncode != 0 and time.time() < end:
            time.sleep(0.05)
        assert d.cli("health").stdout.strip() == "Ok"
        os.kill(pid, signal.SIGTERM)
        end = time.time() + 20
        while alive(pid) and time.time() < end:
            time.sleep(0.05)
        assert not alive(pid)
        assert not pid_file.exists()
        assert "cascaded stopped" in d.log()
    finally:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def daemonized(build_dir, tmp_path, extra):
    d = Daemon(build_dir, tmp_path)
    with open(d.config_path) as f:
        text = f.read()
    with open(d.config_path, "w") as f:
        f.write(text.replace("[daemon]\n", f"[daemon]\n{extra}"))
    return d


def test_failed_start_is_reported_and_changes_nothing(build_dir, tmp_path):
    """A daemonized start that fails after the fork (a damaged state file) exits 1 in the
    parent, and leaves the state file as it was."""
    d = daemonized(build_dir, tmp_path, "")
    state = tmp_path / "state.db"
    state.write_text('{"version": "v1", "zones": [')
    res = subprocess.run([d.cascaded, "-c", d.config_path, "--state", str(state), "-d"],
                         capture_output=True, text=True, timeout=30)
    assert res.returncode == 1
    assert "did not start" in res.stderr
    assert state.read_text() == '{"version": "v1", "zones": ['
    assert "cannot read the state file" in d.log()


@pytest.fixture
def open_folder():
    """A folder under /tmp that other users may enter (pytest's own are root's alone)."""
    path = tempfile.mkdtemp(prefix="cascade-identity-", dir="/tmp")
    os.chmod(path, 0o755)
    yield pathlib.Path(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.skipif(os.getuid() != 0, reason="dropping privileges needs root")
def test_identity(build_dir, open_folder):
    """Daemonized as root with identity nobody: the folders it makes are nobody's, and it
    adds, signs and publishes a zone as nobody."""
    tmp_path = open_folder
    pid_file = tmp_path / "run" / "cascaded.pid"
    os.makedirs(pid_file.parent)
    os.chmod(pid_file.parent, 0o777)
    d = daemonized(build_dir, tmp_path, f'pid-file = "{pid_file}"\nidentity = "nobody"\n')
    sock = tmp_path / "run" / "api.sock"
    with open(d.config_path) as f:
        text = f.read()
    with open(d.config_path, "w") as f:
        f.write(text.replace("[remote-control]\n", f'[remote-control]\nunix-socket = "{sock}"\n'))
    os.chmod(tmp_path / "policies", 0o755)
    os.chmod(tmp_path / "policies" / "default.toml", 0o644)
    os.chmod(d.config_path, 0o644)
    open(d.log_path, "w").close()
    os.chmod(d.log_path, 0o666)
    zone = tmp_path / "z.zone"
    zone.write_text("$ORIGIN example.test.\n$TTL 300\n@ SOA ns hm 1 2 3 4 5\n@ NS ns\n"
                    "ns A 192.0.2.1\n")
    os.chmod(zone, 0o644)
    state_dir = tmp_path / "var"
    res = subprocess.run([d.cascaded, "-c", d.config_path, "--state",
                          str(state_dir / "state.db"), "-d"], timeout=30)
    assert res.returncode == 0, d.log()
    pid = int(pid_file.read_text())
    try:
        nobody = pwd.getpwnam("nobody").pw_uid
        assert os.stat(f"/proc/{pid}").st_uid == nobody
        for path in (state_dir, tmp_path / "zone-state", tmp_path / "keys", sock, d.log_path):
            assert os.stat(path).st_uid == nobody, path
        d.cli("zone", "add", "--source", str(zone), "--policy", "default", "example.test")
        d.wait_published("example.test.")
    finally:
        os.kill(pid, signal.SIGTERM)
        end = time.time() + 20
        while alive(pid) and time.time() < end:
            time.sleep(0.05)
        if alive(pid):
            os.kill(pid, signal.SIGKILL)
    assert not pid_file.exists()
    assert not sock.exists()  # removed at the stop, after the drop
