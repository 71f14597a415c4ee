"""Big cells through the real kernel: a 500 KB language cell runs (or is refused at once), a 10 MB one is refused
naming the limit, Java keeps working after both, and a kernel JVM out of memory exits instead of half-working."""
import os
import time
from pathlib import Path

import pytest

from kernel_client import KernelSession


def language_cell(statements):
    """Short statements (about 15 characters each), numbered so no two are alike."""
    kinds = ["keep b{}", "set seed {}", "quantize a{} to int4", "keep c{}"]
    return "%%precis\n" + "\n".join(kinds[i % len(kinds)].format(i) for i in range(statements)) + "\n"


def test_a_500_kb_language_cell_runs_and_java_still_works(kernel):
    r = kernel.execute("int before = 41;")
    assert r.status == "ok", r.error()
    cell = language_cell(50_000)
    assert 450_000 < len(cell) < 1_000_000
    started = time.time()
    r = kernel.execute(cell, timeout=300, cell_id="big")
    took = time.time() - started
    assert r.status == "ok", r.error()
    assert "Exception" not in r.stdout() + r.stderr()
    rules = kernel.execute("io.precis.language.PrecisSession.current().rules().size()")
    assert rules.result() == str(3 * 50_000 // 4)
    # the same cell again replaces its rules: still as many
    assert kernel.execute(cell, timeout=300, cell_id="big").status == "ok"
    assert kernel.execute("io.precis.language.PrecisSession.current().rules().size()").result() == str(3 * 50_000 // 4)
    after = kernel.execute("before + 1")
    assert after.status == "ok", after.error()
    assert after.result() == "42"
    print(f"50,000 statements ({len(cell):,} characters) ran in {took:.1f} s")


def test_a_10_mb_language_cell_is_refused_at_once_naming_the_limit(kernel, history_dir):
    kernel.execute("int kept = 7;")
    cell = language_cell(1_000_000)
    assert len(cell) > 10_000_000
    started = time.time()
    r = kernel.execute(cell, timeout=120)
    assert r.status == "error"
    err = r.error()
    assert err["ename"] == "PrecisError"
    assert "too long" in err["evalue"] and "at most 1,000,000 characters" in err["evalue"], err
    assert time.time() - started < 60
    # The refusal names the size, not the cell: neither the error nor its traceback carries the 10 MB back.
    assert len(err["evalue"]) + sum(len(t) for t in err["traceback"]) < 2_000, err
    # execute_input carries the code as sent: the protocol has other clients show what runs from it, and it is
    # one message that nothing keeps (the client already holds the cell).
    [echo] = [m for m in r.iopub if m["msg_type"] == "execute_input"]
    assert echo["content"]["code"] == cell
    # History keeps the head of the cell and says how long it was: the refused cell is not stored whole.
    [entry] = kernel.request(lambda kc: kc.history(hist_access_type="tail", n=1, raw=True, output=False),
                             "history_reply")["content"]["history"]
    stored = entry[2]
    assert stored.startswith(cell[:1000]) and len(stored) < 20_000, len(stored)
    assert f"of {len(cell)} characters of this cell" in stored
    assert (history_dir / "history.jsonl").stat().st_size < 4 << 20
    assert kernel.execute("kept * 6").result() == "42"


def _children(pid):
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                if int((d / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(d.name))
            except (OSError, IndexError, ValueError):
                pass
    return out


def test_the_kernel_jvm_exits_when_out_of_memory():
    from jupyter_client.kernelspec import KernelSpecManager
    argv = KernelSpecManager().get_kernel_spec(os.environ.get("PRECIS_KERNEL_NAME", "precis")).argv
    assert "-XX:+ExitOnOutOfMemoryError" in argv[:argv.index("-cp")]


# Minutes of garbage collection before the heap is exhausted (250-300 s here): run with PRECIS_SLOW_TESTS=1.
@pytest.mark.skipif(os.environ.get("PRECIS_SLOW_TESTS") != "1", reason="slow: set PRECIS_SLOW_TESTS=1")
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the execution JVM")
def test_a_kernel_jvm_out_of_memory_exits_and_takes_its_execution_jvm_along(history_dir):
    # A kernel JVM with a small heap, and a Java cell whose compilation (in the kernel JVM) needs more.
    from jupyter_client import KernelManager
    km = KernelManager(kernel_name=os.environ.get("PRECIS_KERNEL_NAME", "precis"))
    km.kernel_spec.argv.insert(1, "-Xmx100m")
    env = dict(os.environ, PRECIS_HISTORY_DIR=str(history_dir))
    km.start_kernel(env=env)
    kc = km.blocking_client()
    kc.start_channels()
    s = KernelSession(km, kc)
    try:
        kc.wait_for_ready(timeout=120)
        assert s.execute("int x = 1;", timeout=120).status == "ok"
        pid = km.provisioner.process.pid
        execution = _children(pid)
        assert execution, "the execution JVM runs as the kernel's child"
        # one snippet of 800,000 literals: javac's trees for it need far more than 100 MB
        big = "int[] big = {" + ",".join(str(i) for i in range(800_000)) + "};"
        try:
            s.execute(big, timeout=400)
        except (TimeoutError, RuntimeError):
            pass  # no reply: the kernel died
        deadline = time.time() + 60
        while km.is_alive() and time.time() < deadline:
            time.sleep(0.5)
        assert not km.is_alive(), "out of memory, the kernel JVM must exit, not go on half-working"
        assert km.provisioner.process.returncode == 3  # -XX:+ExitOnOutOfMemoryError
        deadline = time.time() + 30
        while any(Path(f"/proc/{p}").exists() for p in execution) and time.time() < deadline:
            time.sleep(0.5)
        assert not any(Path(f"/proc/{p}").exists() for p in execution), "the execution JVM outlived its kernel"
    finally:
        kc.stop_channels()
        if km.is_alive():
            km.shutdown_kernel(now=True)
