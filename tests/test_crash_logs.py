"""A crash of the execution JVM in native code: its hs_err log goes to the log folder, the message names it."""
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

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
