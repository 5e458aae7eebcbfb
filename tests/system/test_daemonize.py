"""cascaded -d: the parent returns at once, the daemon keeps serving in the background
with its pid in the pid file, and SIGTERM stops it and removes the file."""
import os
import signal
import subprocess
import time

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
