"""A real cascaded for system tests: a private folder, free ports on 127.0.0.1, the CLI.

Daemon(build, folder) writes a config whose every path is under folder and whose four
servers (API, loaded review, signed review, publication) listen on free ports; start() runs
cascaded and waits until `cascade health` answers; stop() sends SIGTERM and waits; kill()
sends SIGKILL. cli(...) runs the CLI against it and returns the CompletedProcess.
"""
import os
import signal
import socket
import subprocess
import time

import dns.message
import dns.query
import dns.rdatatype
import dns.zone

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DEFAULT_POLICY = """version = "v1"
[signer]
serial-policy = "counter"
"""


def free_port():
    """A TCP and UDP port free on 127.0.0.1 right now."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                    u.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue


class Daemon:
    def __init__(self, build, folder, policies=None, extra_config=""):
        self.build = build
        self.dir = str(folder)
        self.cascaded = os.path.join(build, "src", "cascaded")
        self.cascade = os.path.join(build, "src", "cascade")
        self.ports = {k: free_port() for k in ("api", "loaded", "signed", "publish")}
        self.proc = None
        self.env = {}
        self.cascaded_args = []
        os.makedirs(os.path.join(self.dir, "policies"), exist_ok=True)
        for name, text in (policies or {"default": DEFAULT_POLICY}).items():
            self.write_policy(name, text)
        self.config_path = os.path.join(self.dir, "config.toml")
        self.log_path = os.path.join(self.dir, "cascaded.log")
        with open(self.config_path, "w") as f:
            f.write(f"""version = "v1"
policy-dir = "{self.dir}/policies"
zone-state-dir = "{self.dir}/zone-state"
tsig-store-path = "{self.dir}/tsig-keys.db"
keys-dir = "{self.dir}/keys"

[daemon]
log-level = "debug"
log-target = {{ type = "file", path = "{self.log_path}" }}

[remote-control]
servers = ["127.0.0.1:{self.ports['api']}"]

[loader.review]
servers = ["127.0.0.1:{self.ports['loaded']}"]

[signer.review]
servers = ["127.0.0.1:{self.ports['signed']}"]

[server]
servers = ["127.0.0.1:{self.ports['publish']}"]
{extra_config}""")

    def write_policy(self, name, text):
        with open(os.path.join(self.dir, "policies", name + ".toml"), "w") as f:
            f.write(text)

    def start(self, env=None, wait=True):
        if env is not None:
            self.env = env
        self.stderr = open(os.path.join(self.dir, "stderr.txt"), "ab")
        self.proc = subprocess.Popen(
            [self.cascaded, "-c", self.config_path, "--state", os.path.join(self.dir, "state.db")]
            + self.cascaded_args,
            stdout=self.stderr, stderr=self.stderr, env={**os.environ, **self.env})
        if wait:
            self.wait_healthy()
        return self

    def wait_healthy(self, timeout=20):
        end = time.time() + timeout
        while time.time() < end:
            if self.proc.poll() is not None:
                raise AssertionError(f"cascaded exited with {self.proc.returncode}:\n{self.log()}")
            if self.cli("health", check=False).returncode == 0:
                return
            time.sleep(0.05)
        raise AssertionError(f"cascaded did not answer within {timeout} s:\n{self.log()}")

    def stop(self, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("cascaded did not stop on SIGTERM")
        rc = self.proc.returncode if self.proc else 0
        self.proc = None
        return rc

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def log(self):
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""

    def cli(self, *args, check=True, json_out=False):
        cmd = [self.cascade, "-s", f"127.0.0.1:{self.ports['api']}"]
        if json_out:
            cmd.append("--json")
        res = subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=60)
        if check and res.returncode != 0:
            raise AssertionError(f"cascade {' '.join(args)} failed ({res.returncode}):\n"
                                 f"{res.stdout}{res.stderr}\n--- log:\n{self.log()[-4000:]}")
        return res

    def status(self, zone):
        import json
        return json.loads(self.cli("zone", "status", zone, json_out=True).stdout)

    def api(self, method, path, body=None):
        """(HTTP status, parsed JSON) of one API call, without the CLI: fast enough to
        catch a zone in a short-lived state."""
        import http.client
        import json
        conn = http.client.HTTPConnection("127.0.0.1", self.ports["api"], timeout=30)
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body),
                         headers={"Content-Type": "application/json"})
            r = conn.getresponse()
            data = r.read()
            return r.status, json.loads(data) if data else None
        finally:
            conn.close()

    def wait_state(self, zone, pred, timeout=30, what="the expected state"):
        end = time.time() + timeout
        last = None
        while time.time() < end:
            last = self.status(zone)
            if pred(last):
                return last
            time.sleep(0.05)
        raise AssertionError(f"zone {zone} did not reach {what} in {timeout} s: {last}\n"
                             f"--- log:\n{self.log()[-4000:]}")

    def wait_published(self, zone, serial=None, timeout=60):
        def done(s):
            p = s.get("published")
            return s["state"] == "idle" and p and (serial is None or p["serial"] == serial)
        return self.wait_state(zone, done, timeout, f"publication of serial {serial}")

    def soa(self, which, zone):
        """(rcode, serial or None) of an SOA query to one of the three servers."""
        q = dns.message.make_query(zone, dns.rdatatype.SOA, use_edns=0)
        r = dns.query.udp(q, "127.0.0.1", port=self.ports[which], timeout=5)
        serial = None
        for rrset in r.answer:
            if rrset.rdtype == dns.rdatatype.SOA:
                serial = rrset[0].serial
        return r.rcode(), serial

    def axfr(self, which, zone, path):
        """The zone by AXFR from one of the servers, written to path as a zone file."""
        z = dns.zone.from_xfr(dns.query.xfr("127.0.0.1", zone, port=self.ports[which],
                                            timeout=30, lifetime=120, relativize=False),
                              relativize=False,
                              check_origin=False)
        z.to_file(path, relativize=False, want_origin=True)
        return z
