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
    # The quickstart, executed here, then opened as a user would open a notebook with outputs.
    import nbformat
    from nbclient import NotebookClient
    qs = nbformat.read(ROOT / "notebooks" / "01-quickstart.ipynb", as_version=4)
    (work / "notebooks").mkdir()
    NotebookClient(qs, kernel_name="precis", timeout=600, resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
    nbformat.write(qs, work / "quickstart.ipynb")
    from nbconvert import HTMLExporter
    (work / "quickstart.html").write_text(HTMLExporter().from_notebook_node(qs)[0], encoding="utf-8")
    port, token = free_port(), secrets.token_hex(16)
    # Render every cell (JupyterLab 4 renders only those near the viewport by default), so figures are in the page.
    settings = work / ".lab-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(work / ".jupyter-config"), JUPYTER_RUNTIME_DIR=str(work / ".runtime"),
               JUPYTERLAB_SETTINGS_DIR=str(work / ".lab-settings"),
               PRECIS_HISTORY_DIR=str(work / ".history"))
    # outputs of a notebook run here are trusted, as they are for its author
    subprocess.run([sys.executable, "-m", "jupyter", "trust", str(work / "quickstart.ipynb")], env=env, check=True,
                   capture_output=True)
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


def run_in_browser(url, expect, shot, selectors=(), run=True):
    SHOTS.mkdir(parents=True, exist_ok=True)
    cmd = ["node", str(BROWSER / "run-cell.mjs"), "--url", url, "--expect", expect, "--screenshot", str(shot)]
    for s in selectors:
        cmd += ["--selector", s]
    if not run:
        cmd += ["--run", "false"]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert shot.exists() and shot.stat().st_size > 10_000
    return r.stdout


def test_jupyterlab_runs_a_java_cell(jupyter_server):
    base, token, _ = jupyter_server
    run_in_browser(f"{base}/lab/tree/lab.ipynb?token={token}", '"hello from Java, browser"', SHOTS / "jupyterlab-java-cell.png")


def test_notebook7_runs_a_java_cell(jupyter_server):
    base, token, _ = jupyter_server
    run_in_browser(f"{base}/notebooks/classic.ipynb?token={token}", '"hello from Java, browser"', SHOTS / "notebook7-java-cell.png")



def quickstart_outputs_have_png(work):
    import nbformat
    nb = nbformat.read(work / "quickstart.ipynb", as_version=4)
    figs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
            if o.output_type == "display_data" and "application/vnd.plotly.v1+json" in o.data]
    return len(figs) == 4 and all(o.data["image/png"].startswith("iVBOR") for o in figs)


def test_jupyterlab_draws_the_quickstart_figures_with_plotly(jupyter_server):
    base, token, work = jupyter_server
    out = run_in_browser(f"{base}/lab/tree/quickstart.ipynb?token={token}", "Plan for minilm",
                         SHOTS / "jupyterlab-quickstart.png", selectors=["svg.main-svg"], run=False)
    assert "svg.main-svg" in out
    assert quickstart_outputs_have_png(work)


def test_notebook7_draws_the_quickstart_figures_with_plotly(jupyter_server):
    base, token, work = jupyter_server
    out = run_in_browser(f"{base}/notebooks/quickstart.ipynb?token={token}", "Plan for minilm",
                         SHOTS / "notebook7-quickstart.png", selectors=["svg.main-svg"], run=False)
    assert "svg.main-svg" in out


def test_nbconvert_html_draws_the_figures_offline(jupyter_server):
    """The static HTML report has no Plotly extension: the figures draw with the plotly.js the first one carries."""
    _, _, work = jupyter_server
    out = run_in_browser((work / "quickstart.html").as_uri(), "Plan for minilm", SHOTS / "nbconvert-quickstart.png",
                         selectors=["svg.main-svg"], run=False)
    assert "svg.main-svg" in out
