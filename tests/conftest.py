"""Shared fixtures: real Precis kernels started through jupyter_client over ZeroMQ."""
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from kernel_client import KernelSession  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# Every kernel the tests start measures afresh: a sensitivity cached on disk by an earlier run would make
# timings and interrupts depend on what ran before.
os.environ["PRECIS_CACHE"] = "off"
KERNEL_NAME = os.environ.get("PRECIS_KERNEL_NAME", "precis")


def pytest_configure(config):
    config.addinivalue_line("markers", "dist: needs what `make dist` built in target/dist (part of `make test`)")
    config.addinivalue_line("markers", "docker: builds and runs the container image with podman (`make test-docker` only)")


def pytest_sessionstart(session):
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    if session.config.option.markexpr == "docker":  # `make test-docker` runs the kernel inside the image only
        return

    try:
        KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        pytest.exit(f"kernelspec '{KERNEL_NAME}' is not installed in this Python ({sys.prefix}); "
                    "run the tests through 'make test', which builds and installs it", returncode=2)


@pytest.fixture(scope="session")
def history_dir():
    d = tempfile.mkdtemp(prefix="precis-history-")
    yield Path(d)
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def kernel(history_dir):
    """One kernel per test module; tests must not depend on each other's state beyond what they set up."""
    k = KernelSession.start(KERNEL_NAME, env={"PRECIS_HISTORY_DIR": str(history_dir)})
    yield k
    k.shutdown()


@pytest.fixture
def fresh_kernel(history_dir):
    """A kernel of its own, for tests that kill, restart or exhaust it."""
    k = KernelSession.start(KERNEL_NAME, env={"PRECIS_HISTORY_DIR": str(history_dir)})
    yield k
    k.shutdown()


@pytest.fixture(scope="session")
def jdk_home():
    out = subprocess.run([str(ROOT / "bin" / "find-jdk")], capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())
