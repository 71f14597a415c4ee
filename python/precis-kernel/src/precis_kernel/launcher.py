"""``precis-kernel``: runs the Precis command line (install, kernel) on a JDK 21+ with the packaged jars.

    precis-kernel install --sys-prefix     # the kernelspec into this Python environment
    precis-kernel install --user           # or into your user Jupyter folder
    precis-kernel --help

The kernelspec it writes names the JDK it found and the jars inside this package, so Jupyter starts the
kernel without this script.
"""
import os
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
# A source checkout installed with `pip install -e python/precis-kernel` uses the build's folders.
CHECKOUT = PACKAGE.parents[3] if (PACKAGE.parents[1] / "pyproject.toml").is_file() else None
MAIN = "io.precis.kernel.Main"
# The same options as bin/precis: the command line is short-lived, so a small fast-starting JVM.
JVM_OPTIONS = ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "--add-opens", "jdk.jshell/jdk.jshell=ALL-UNNAMED"]


def lib_dir() -> Path:
    """The folder of the kernel's jars: inside the wheel, else a source checkout's build."""
    for d in (PACKAGE / "lib", *([CHECKOUT / "kernel" / "target" / "lib"] if CHECKOUT else [])):
        if (d / "precis-kernel.jar").is_file():
            return d
    raise SystemExit(f"precis-kernel: the kernel's jars are missing ({PACKAGE / 'lib'} has no precis-kernel.jar). "
                     "Install the wheel that `make dist` builds, or run `make build` in the source checkout.")


def find_jdk() -> Path:
    """A JDK 21+ chosen exactly as bin/find-jdk chooses it (the script itself ships in the package)."""
    places = [PACKAGE / "find-jdk", *([CHECKOUT / "bin" / "find-jdk"] if CHECKOUT else [])]
    script = next((p for p in places if p.is_file()), None)
    if script is None:
        raise SystemExit(f"precis-kernel: find-jdk is missing from {PACKAGE}; reinstall the package")
    out = subprocess.run(["bash", str(script)], capture_output=True, text=True)
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(out.returncode)
    return Path(out.stdout.strip())


def java_args(argv):
    """The arguments for Main. `--sys-prefix` means this Python's environment, activated or not, so it
    becomes `--prefix sys.prefix` (Main alone would ask whichever python3 is first on PATH)."""
    args = list(argv)
    if args[:1] == ["install"] and "--sys-prefix" in args:
        args[args.index("--sys-prefix")] = "--prefix=" + sys.prefix
    return args


def crash_options():
    """A crash of the JVM leaves its files in Precis's log folder (as the kernel's: CrashLogs), not in the
    folder it was run from; none when that folder cannot be made."""
    logs = os.environ.get("PRECIS_LOG_DIR", "").strip()
    if not logs:
        logs = os.path.join(os.environ.get("XDG_STATE_HOME", "").strip() or os.path.expanduser("~/.local/state"), "precis", "log")
    logs = os.path.abspath(logs)
    try:
        os.makedirs(logs, exist_ok=True)
    except OSError:
        return []
    return [f"-XX:ErrorFile={logs}/hs_err_pid%p.log", f"-XX:ReplayDataFile={logs}/replay_pid%p.log", f"-XX:HeapDumpPath={logs}"]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    lib = lib_dir()
    java = find_jdk() / "bin" / "java"
    cmd = [str(java), *JVM_OPTIONS, *crash_options(), "-cp", str(lib / "*"), MAIN, *java_args(argv)]
    # `precis-kernel run notebook.ipynb` executes notebooks with this Python (where Jupyter, and so nbclient, is).
    os.environ.setdefault("PRECIS_PYTHON", sys.executable)
    if os.name == "posix":
        os.execv(cmd[0], cmd)
    raise SystemExit(subprocess.call(cmd))


if __name__ == "__main__":
    main()
