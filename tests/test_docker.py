"""The container image (docker/Dockerfile) built with podman on a Debian 12 base made here by debootstrap, then
JupyterLab started in it and the quickstart run through the server's REST and WebSocket API, as a browser
would. Slow (the build copies every layer: vfs storage): `make test-docker`, not `make test`."""
import base64
import json
import os
import socket
import struct
import subprocess
import time
import urllib.request
import uuid
from datetime import datetime, timezone
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
TAG = "localhost/precis:test"
pytestmark = pytest.mark.docker
ENV = dict(os.environ, CONTAINERS_CONF=str(ROOT / "docker" / "containers.conf"),
           CONTAINERS_STORAGE_CONF=str(ROOT / "docker" / "storage.conf"))


def podman(*args, timeout=120, check=True):
    r = subprocess.run(["podman", *args], env=ENV, capture_output=True, text=True, timeout=timeout)
    if check:
        assert r.returncode == 0, f"podman {' '.join(args)} exited {r.returncode}: {r.stderr[-3000:]}"
    return r


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A Jupyter server reached over HTTP and WebSocket with its token."""

    def __init__(self, port, token):
        self.base, self.token = f"127.0.0.1:{port}", token

    def request(self, method, path, body=None):
        req = urllib.request.Request(f"http://{self.base}{path}", method=method,
                                     data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": f"token {self.token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            text = r.read().decode()
            return json.loads(text) if text and r.headers.get_content_type() == "application/json" else text

    def wait_ready(self, timeout=180):
        deadline = time.time() + timeout
        while True:
            try:
                return self.request("GET", "/api/status")
            except OSError as e:
                if time.time() > deadline:
                    raise AssertionError(f"JupyterLab in the container did not answer in {timeout} s: {e}") from e
                time.sleep(2)


def message(msg_type, content, session):
    return {"header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "session": session, "username": "test",
                       "date": datetime.now(timezone.utc).isoformat(), "version": "5.3"},
            "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": []}


def execute(ws, code, session, timeout):
    """Runs one cell over the kernel's WebSocket; returns its outputs as nbformat output dicts."""
    msg = message("execute_request", {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                                      "allow_stdin": False, "stop_on_error": True}, session)
    ws.send(json.dumps(msg))
    outputs, replied, idle = [], False, False
    deadline = time.time() + timeout
    while not (replied and idle):
        ws.settimeout(max(1, deadline - time.time()))
        m = json.loads(ws.recv())
        if m.get("parent_header", {}).get("msg_id") != msg["header"]["msg_id"]:
            continue
        kind, content = m["header"]["msg_type"], m["content"]
        if kind == "execute_reply":
            replied = True
        elif kind == "status":
            idle = content["execution_state"] == "idle"
        elif kind == "stream":
            outputs.append(nbformat.v4.new_output("stream", name=content["name"], text=content["text"]))
        elif kind in ("display_data", "execute_result"):
            extra = {"execution_count": content["execution_count"]} if kind == "execute_result" else {}
            outputs.append(nbformat.v4.new_output(kind, data=content["data"], metadata=content.get("metadata", {}), **extra))
        elif kind == "update_display_data":
            pass  # progress bars; the final figure arrives as display_data
        elif kind == "error":
            outputs.append(nbformat.v4.new_output("error", ename=content["ename"], evalue=content["evalue"],
                                                  traceback=content["traceback"]))
    return outputs


@pytest.fixture(scope="module")
def image():
    t0 = time.time()
    r = subprocess.run([str(ROOT / "docker" / "build.sh"), "--local-bases", TAG], env=ENV, capture_output=True, text=True,
                       timeout=3600)
    log = ROOT / "target" / "docker" / "build.log"
    log.write_text(r.stdout + r.stderr)
    assert r.returncode == 0, f"the image did not build (log: {log}):\n{(r.stdout + r.stderr)[-4000:]}"
    print(f"image built in {time.time() - t0:.0f} s")
    return TAG


@pytest.fixture(scope="module")
def server(image):
    port, token = free_port(), uuid.uuid4().hex
    name = f"precis-test-{os.getpid()}"
    podman("run", "-d", "--rm", "--name", name, "-p", f"127.0.0.1:{port}:8888", "-e", f"JUPYTER_TOKEN={token}", image)
    try:
        s = Server(port, token)
        s.wait_ready()
        yield s
    finally:
        logs = podman("logs", name, check=False)
        (ROOT / "target" / "docker" / "jupyterlab.log").write_text(logs.stdout + logs.stderr)
        podman("stop", "-t", "10", name, check=False)


def test_jupyterlab_in_the_image_offers_the_precis_kernel(server):
    assert "JupyterLab" in server.request("GET", "/lab")
    specs = server.request("GET", "/api/kernelspecs")["kernelspecs"]
    assert specs["precis"]["spec"]["language"] == "java"
    argv = specs["precis"]["spec"]["argv"]
    assert argv[0] == "/opt/java/openjdk/bin/java" and any(a.startswith("-XX:AOTCache=") for a in argv), argv


def test_quickstart_runs_through_jupyterlab_and_draws_its_figures(server):
    import websocket

    nb = nbformat.reads(json.dumps(server.request("GET", "/api/contents/01-quickstart.ipynb?content=1")["content"]),
                        as_version=4)
    sess = server.request("POST", "/api/sessions", {"path": "01-quickstart.ipynb", "type": "notebook",
                                                    "kernel": {"name": "precis"}})
    kernel_id, session = sess["kernel"]["id"], uuid.uuid4().hex
    ws = websocket.create_connection(f"ws://{server.base}/api/kernels/{kernel_id}/channels?session_id={session}",
                                     header=[f"Authorization: token {server.token}"], timeout=60)
    try:
        t0 = time.time()
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs = execute(ws, cell.source, session, timeout=1200)
                errors = [o for o in cell.outputs if o.output_type == "error"]
                assert not errors, f"cell {cell.source[:60]!r} failed: {errors[0].ename}: {errors[0].evalue}"
        print(f"quickstart executed in the container in {time.time() - t0:.0f} s")
    finally:
        ws.close()
        server.request("DELETE", f"/api/sessions/{sess['id']}")
    out = ROOT / "target" / "docker" / "01-quickstart.executed.ipynb"
    nbformat.write(nb, out)

    figures = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
               if o.output_type == "display_data" and "application/vnd.plotly.v1+json" in o.data]
    assert len(figures) >= 3, f"expected the sweep, sensitivity and front figures at least; see {out}"
    for fig in figures:
        assert set(fig.data) >= {"application/vnd.plotly.v1+json", "image/png", "text/html", "text/plain"}
        traces = fig.data["application/vnd.plotly.v1+json"]["data"]
        assert traces and any(len(t.get("y", t.get("x", []))) > 0 for t in traces)
        png = base64.b64decode(fig.data["image/png"])
        assert png[:8] == b"\x89PNG\r\n\x1a\n", "the PNG fallback must be a PNG (drawn by JFreeChart with the image's fonts)"
        width, height = struct.unpack(">II", png[16:24])
        assert width >= 300 and height >= 200
    count = [o for c in nb.cells if "best.layers()" in c.source for o in c.outputs if o.output_type == "execute_result"]
    assert len(count) == 1 and int(count[0].data["text/plain"]) > 0, "the searched plan must quantize some layers"
