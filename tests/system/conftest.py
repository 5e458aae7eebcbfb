"""Shared fixtures for the system tests.

Where things are:
  - the build directory: $CASCADE_BUILD (absolute, or relative to the project root),
    default build-test/ (the ASan+UBSan build `make test` makes);
  - the shared real-world data: $CASCADE_SHARED_DATA, default ../shared/data/ beside the
    project root (see ../shared/data/SOURCES.md).

The paths are also stored on the pytest config (config.cascade_build,
config.cascade_shared_data) so test modules can use them while collecting, before any
fixture exists (pytest_generate_tests).
"""
import os
import shutil
import subprocess

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _from_env(var, default):
    path = os.environ.get(var) or default
    if not os.path.isabs(path):
        path = os.path.join(ROOT, path)
    return os.path.normpath(path)


def pytest_configure(config):
    config.cascade_build = _from_env("CASCADE_BUILD", "build-test")
    config.cascade_shared_data = _from_env(
        "CASCADE_SHARED_DATA", os.path.join(os.path.dirname(ROOT), "shared", "data"))


@pytest.fixture(scope="session")
def build_dir(pytestconfig):
    path = pytestconfig.cascade_build
    if not os.path.isdir(path):
        pytest.fail(f"build directory {path} does not exist (set CASCADE_BUILD, or run make test)")
    return path


@pytest.fixture(scope="session")
def shared_data(pytestconfig):
    path = pytestconfig.cascade_shared_data
    if not os.path.isdir(path):
        pytest.fail(f"shared data directory {path} does not exist (set CASCADE_SHARED_DATA)")
    return path


def _program(build, name):
    path = os.path.join(build, name)
    if not os.access(path, os.X_OK):
        # A partial build: try to make just this target before giving up.
        if os.path.exists(os.path.join(build, "build.ninja")) and shutil.which("ninja"):
            subprocess.run(["ninja", "-C", build, name], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, check=False)
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: build it with `ninja -C {build} {name}`")
    return path


@pytest.fixture(scope="session")
def zone_dump(build_dir):
    """Path of the zone_dump test tool (tests/tools/zone_dump.c)."""
    return _program(build_dir, "zone_dump")


@pytest.fixture(scope="session")
def ldns_read_zone():
    path = shutil.which("ldns-read-zone")
    if not path:
        pytest.skip("ldns-read-zone (ldnsutils) is not installed")
    return path


@pytest.fixture(scope="session")
def key_tool(build_dir):
    """Path of the key_tool test tool (tests/tools/key_tool.c)."""
    return _program(build_dir, "key_tool")


@pytest.fixture(scope="session")
def cascade_cli(build_dir):
    """Path of the `cascade` CLI (src/cli/), for its offline commands keygen and signzone."""
    return _program(build_dir, os.path.join("src", "cascade"))
