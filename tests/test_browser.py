"""A real browser: JupyterLab 4 and Notebook 7 on 127.0.0.1 run a Java cell on the Precis kernel."""
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BROWSER = ROOT / "tests" / "browser"
SHOTS = ROOT / "target" / "browser"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def jupyter_server(tmp_path_factory):
    for tool in ("/usr/bin/chromium", shutil.which("node")):
        if not tool or not Path(tool).exists():
            pytest.fail("the browser test needs Debian's chromium and node: run 'make test' (it installs them)")
    if not (BROWSER / "node_modules" / "playwright-core").exists():
        pytest.fail("playwright-core is missing: run 'make test' (npm ci in tests/browser)")
    shutil.rmtree(SHOTS, ignore_errors=True)   # no stale screenshots from an earlier run
    work = tmp_path_factory.mktemp("lab")
    nb = {"cells": [{"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {}, "outputs": [],
                     "source": 'String who = "browser";\n"hello from Java, " + who'}],
          "metadata": {"kernelspec": {"name": "precis", "display_name": "Java (Precis)", "language": "java"}},
          "nbformat": 4, "nbformat_minor": 5}
    (work / "lab.ipynb").write_text(json.dumps(nb))
    (work / "classic.ipynb").write_text(json.dumps(nb))
    port, token = free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(work / ".jupyter-config"), JUPYTER_RUNTIME_DIR=str(work / ".runtime"),
               PRECIS_HISTORY_DIR=str(work / ".history"))
    log = open(work / "server.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
                             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={work}",
                             "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
                            + (["--allow-root"] if os.geteuid() == 0 else []),
                            cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("JupyterLab did not start:\n" + (work / "server.log").read_text())
    yield base, token, work
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def run_in_browser(url, expect, shot, selectors=()):
    SHOTS.mkdir(parents=True, exist_ok=True)
    cmd = ["node", str(BROWSER / "run-cell.mjs"), "--url", url, "--expect", expect, "--screenshot", str(shot)]
    for s in selectors:
        cmd += ["--selector", s]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert shot.exists() and shot.stat().st_size > 10_000


def test_jupyterlab_runs_a_java_cell(jupyter_server):
    base, token, _ = jupyter_server
    run_in_browser(f"{base}/lab/tree/lab.ipynb?token={token}", '"hello from Java, browser"', SHOTS / "jupyterlab-java-cell.png")


def test_notebook7_runs_a_java_cell(jupyter_server):
    base, token, _ = jupyter_server
    run_in_browser(f"{base}/notebooks/classic.ipynb?token={token}", '"hello from Java, browser"', SHOTS / "notebook7-java-cell.png")
