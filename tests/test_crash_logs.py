"""A crash in native code leaves its hs_err log in the log folder, never the notebook's: the execution JVM's (and
the message that the session was lost names it), and the kernel JVM's own."""
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402
from jupyter_client.manager import KernelManager  # noqa: E402

from kernel_client import KernelSession  # noqa: E402

SEGFAULT = """var f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
f.setAccessible(true);
((sun.misc.Unsafe) f.get(null)).putAddress(0, 0);"""


def test_a_native_crash_leaves_its_log_in_the_log_folder_not_the_notebooks(tmp_path, history_dir):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    logs = tmp_path / "logs"
    km = KernelManager(kernel_name=os.environ.get("PRECIS_KERNEL_NAME", "precis"))
    env = dict(os.environ, PRECIS_HISTORY_DIR=str(history_dir), PRECIS_LOG_DIR=str(logs))
    km.start_kernel(env=env, cwd=str(notebooks))
    kc = km.blocking_client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        k = KernelSession(km, kc)
        assert k.execute("int before = 1;", timeout=120).status == "ok"
        r = k.execute(SEGFAULT, timeout=120)
        assert r.status == "error" and r.error()["ename"] == "ExecutionJvmExited", r.reply["content"]
        message = r.error()["evalue"]
        m = re.search(r"crash log: (\S+hs_err_pid\d+\.log)", message)
        assert m, message
        crash_log = Path(m.group(1))
        assert crash_log.parent == logs and crash_log.is_file()
        assert "SIGSEGV" in crash_log.read_text(errors="replace")
        assert not list(notebooks.glob("hs_err_pid*.log")) and not list(notebooks.glob("replay_pid*.log"))
        # A fresh session runs the next cell.
        assert k.execute("1 + 1", timeout=120).result() == "2"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_crash_of_the_kernel_jvm_leaves_its_log_in_the_log_folder_not_the_notebooks(tmp_path, history_dir):
    # The kernel JVM's options are its kernelspec's: a spec installed with this log folder (no start-up cache:
    # it is not what is tested, and recording it takes 20 s).
    root = Path(__file__).resolve().parent.parent
    logs = tmp_path / "logs"
    prefix = tmp_path / "prefix"
    env = dict(os.environ, PRECIS_HISTORY_DIR=str(history_dir), PRECIS_LOG_DIR=str(logs))
    subprocess.run([str(root / "bin" / "precis"), "install", "--prefix", str(prefix), "--quiet", "--no-warm-start"],
                   env=env, check=True, capture_output=True, timeout=120)
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    ksm = KernelSpecManager(kernel_dirs=[str(prefix / "share" / "jupyter" / "kernels")])
    km = KernelManager(kernel_name="precis", kernel_spec_manager=ksm)
    km.start_kernel(env=env, cwd=str(notebooks))
    kc = km.blocking_client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=120)
        assert KernelSession(km, kc).execute("1 + 1", timeout=120).result() == "2"
        process = km.provisioner.process
        # As a fault in native code would: HotSpot reports a SIGSEGV however it came.
        os.kill(process.pid, signal.SIGSEGV)
        process.wait(timeout=120)
        crash_log = logs / f"hs_err_pid{process.pid}.log"
        assert crash_log.is_file(), sorted(p.name for p in logs.iterdir())
        assert "SIGSEGV" in crash_log.read_text(errors="replace")
        assert not list(notebooks.iterdir()), list(notebooks.iterdir())
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
