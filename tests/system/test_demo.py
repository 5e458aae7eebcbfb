"""`make demo`'s script (scripts/demo) runs to the end: the example zone is published,
shown, fetched by AXFR and verified. It uses the release build in build/, which
`make test` builds before the tests run."""
import os
import subprocess

import pytest

from cascaded import ROOT, free_port


def test_demo(tmp_path):
    if not os.access(os.path.join(ROOT, "build", "src", "cascaded"), os.X_OK):
        pytest.fail("build/src/cascaded is missing: run `make` (make test builds it)")
    env = dict(os.environ, CASCADE_DEMO_DIR=str(tmp_path / "demo"),
               CASCADE_DEMO_API_PORT=str(free_port()), CASCADE_DEMO_LOADED_PORT=str(free_port()),
               CASCADE_DEMO_SIGNED_PORT=str(free_port()), CASCADE_DEMO_PORT=str(free_port()))
    res = subprocess.run([os.path.join(ROOT, "scripts", "demo")], env=env, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "Zone is verified and complete" in res.stdout
    assert "status:  idle" in res.stdout
    assert "IN\tRRSIG" in res.stdout
