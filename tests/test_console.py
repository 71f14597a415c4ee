"""`jupyter console` driven in a terminal (tmux) as a user would, after sessions that left a large history.

An older Precis stored 10 MB cells whole: its history file reached 90 MB, the console's first
history_request (tail, n=1000; it waits 1 s) came too late, and from then on every reply it read was the
previous request's, so incomplete Java ran line by line. Here the kernel starts on such a file: the up
arrow recalls the newest entry, an incomplete line continues, completion lists names, results are fresh.
"""
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

JUPYTER = Path(sys.executable).parent / "jupyter"


def legacy_history(path, entries=4238, big_every=530, big_size=11_000_000):
    """A history file as an older Precis left it: small cells and a few 11 MB ones, about 90 MB."""
    with open(path, "w") as f:
        for i in range(entries):
            code = f"int big{i} = 1;\n// " + "x" * big_size if i % big_every == 100 else f"int v{i} = {i};"
            f.write(json.dumps({"session": 1 + i // 500, "line": i + 1, "input": code}) + "\n")
    return entries


class Terminal:
    """A tmux server of its own (-L): a server started by someone else would give the console its environment."""

    def __init__(self, name, command, cwd):
        self.name = name
        self.tmux = ["tmux", "-L", name]
        subprocess.run(self.tmux + ["new-session", "-d", "-s", name, "-x", "160", "-y", "50", command], cwd=cwd, check=True)

    def type(self, text):
        # A trailing ';' would end the tmux command: escape it.
        subprocess.run(self.tmux + ["send-keys", "-t", self.name, "-l", text.replace(";", "\\;")], check=True)

    def key(self, *keys):
        subprocess.run(self.tmux + ["send-keys", "-t", self.name, *keys], check=True)

    def screen(self):
        out = subprocess.run(self.tmux + ["capture-pane", "-p", "-S", "-200", "-t", self.name], capture_output=True, text=True)
        return out.stdout

    def wait_for(self, predicate, timeout=30, what=""):
        deadline = time.time() + timeout
        while time.time() < deadline:
            s = self.screen()
            if predicate(s):
                return s
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; the screen:\n{self.screen()}")

    def close(self):
        subprocess.run(self.tmux + ["kill-server"], capture_output=True)


@pytest.fixture
def console(tmp_path):
    if shutil.which("tmux") is None:
        pytest.fail("tmux is missing: `make test` installs it (bin/ensure-system-deps)")
    history = tmp_path / "history"
    history.mkdir()
    legacy_history(history / "history.jsonl")
    work = tmp_path / "notebooks"
    work.mkdir()
    env = f"PRECIS_HISTORY_DIR={history} PRECIS_LOG_DIR={tmp_path / 'log'}"
    if os.environ.get("JUPYTER_PATH"):
        env += f" JUPYTER_PATH={os.environ['JUPYTER_PATH']}"
    term = Terminal(f"precis-console-{uuid.uuid4().hex[:8]}",
                    f"env {env} {JUPYTER} console --kernel {os.environ.get('PRECIS_KERNEL_NAME', 'precis')}", work)
    try:
        term.wait_for(lambda s: "In [1]:" in s, timeout=180, what="the first prompt")
        yield term, history
    finally:
        term.type("exit")
        term.key("Enter")
        time.sleep(1)
        term.key("y", "Enter")
        time.sleep(2)
        term.close()


def last_prompt(screen):
    return screen.rstrip().splitlines()[-1] if screen.strip() else ""


def test_console_after_a_large_history(console):
    term, history = console
    # The history answered in time: the up arrow recalls the newest cell of the old sessions.
    term.key("Up")
    term.wait_for(lambda s: "In [1]: int v4237 = 4237;" in s, what="the newest history entry after Up")
    term.key("C-u")
    # The file was cut down once, newest entries kept.
    assert (history / "history.jsonl").stat().st_size < 4 * 2**20

    # Java is ready once a first cell has run (until then the kernel cannot tell complete from incomplete).
    term.type("1 + 1")
    term.key("Enter")
    s = term.wait_for(lambda s: "In [2]:" in s, timeout=180, what="the second prompt")
    assert "Out[1]: 2" in s, s

    # An incomplete line continues instead of running.
    term.type("int x = 1 +")
    term.key("Enter")
    s = term.wait_for(lambda s: last_prompt(s).strip().startswith("...:"), what="a continuation prompt")
    assert "Exception" not in s and "Out[2]" not in s
    term.type("2;")
    term.key("Enter")
    term.wait_for(lambda s: "In [3]:" in s, what="the third prompt")
    term.type("x * 7")
    term.key("Enter")
    s = term.wait_for(lambda s: "In [4]:" in s, what="the fourth prompt")
    assert "Out[3]: 21" in s, s
    assert "Exception" not in s and "did not respond" not in s, s

    # Completion: Tab after a prefix lists the matching names.
    term.type("StringBu")
    term.key("Tab")
    s = term.wait_for(lambda s: "StringBuilder" in s and "StringBuffer" in s, what="completions of StringBu")
    term.key("Escape")
    term.key("C-u")
    time.sleep(0.5)
    # Every reply is the answer to its own request (no stale replies after the history).
    term.type("x + 100")
    term.key("Enter")
    s = term.wait_for(lambda s: "In [5]:" in s, what="the fifth prompt")
    assert "Out[4]: 103" in s, s
    assert "did not respond" not in s, s
