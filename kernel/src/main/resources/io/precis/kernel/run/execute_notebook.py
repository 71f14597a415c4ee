"""precis run's notebook executor (written to a temporary file and run by the Python that has nbclient).

Executes a notebook on a kernel with nbclient, after injecting a parameters cell (Java source made by
precis run) after the cell tagged `parameters`, as papermill does; writes the executed notebook (also when a
cell fails, so the failure can be read in it), optionally an HTML report, and has the kernel write its bound
results. Progress goes to stderr. Exit status: 0 done, 1 a cell failed, 2 bad input.
"""
import argparse
import os
import re
import sys
import time
from pathlib import Path

try:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
except ImportError as e:  # the Java side names the Python it used
    print(f"precis run: this Python cannot execute notebooks ({e}); install nbclient and nbformat, "
          "or name another Python with --python", file=sys.stderr)
    sys.exit(2)

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def write_atomically(path: Path, text: str):
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def java_string(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def inject(nb, source: str):
    """Removes an earlier injected cell, then puts the parameters after the cell tagged `parameters`."""
    nb.cells = [c for c in nb.cells if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    at = next((i + 1 for i, c in enumerate(nb.cells) if "parameters" in c.get("metadata", {}).get("tags", [])), None)
    if at is None:
        print("precis run: no cell is tagged 'parameters'; the parameters go first", file=sys.stderr)
        at = 0
    cell = nbformat.v4.new_code_cell(source=source, metadata={"tags": ["injected-parameters"]})
    nb.cells.insert(at, cell)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--params-file", type=Path)
    ap.add_argument("--html", type=Path)
    ap.add_argument("--results", type=Path)
    ap.add_argument("--timeout", type=int, default=1800)
    ap.add_argument("notebook", type=Path)
    a = ap.parse_args()
    try:
        nb = nbformat.read(a.notebook, as_version=4)
    except Exception as e:  # noqa: BLE001 (any unreadable notebook gets one line)
        print(f"precis run: {a.notebook} is not a notebook nbformat can read: {e}", file=sys.stderr)
        return 2
    if a.params_file:
        inject(nb, a.params_file.read_text(encoding="utf-8"))
    client = NotebookClient(nb, kernel_name=a.kernel, timeout=a.timeout,
                            resources={"metadata": {"path": str(a.notebook.resolve().parent)}})
    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    failed = None
    t0 = time.time()
    try:
        with client.setup_kernel():
            for n, index in enumerate(code_cells, 1):
                cell = nb.cells[index]
                t = time.time()
                print(f"[{n}/{len(code_cells)}] cell {index + 1}", end="", file=sys.stderr, flush=True)
                try:
                    client.execute_cell(cell, index)
                except CellExecutionError:
                    err = next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)
                    text = "\n".join(err["traceback"]) if err else "the cell failed"
                    failed = f"cell {index + 1} failed:\n{ANSI.sub('', text)}"
                    print(" failed", file=sys.stderr)
                    break
                print(f" ({time.time() - t:.1f} s)", file=sys.stderr, flush=True)
            if failed is None and a.results:
                # A cell of our own, taken out of the notebook again: the kernel writes what `as name` bound.
                probe = nbformat.v4.new_code_cell(
                    source="{ io.precis.kernel.exec.LanguageBridge.writeResults(" + java_string(str(a.results.resolve())) + "); }")
                nb.cells.append(probe)
                try:
                    client.execute_cell(probe, len(nb.cells) - 1)
                except CellExecutionError as e:
                    failed = f"the kernel could not write results.json: {ANSI.sub('', str(e))}"
                finally:
                    nb.cells.pop()
    except (CellTimeoutError, DeadKernelError, RuntimeError) as e:
        failed = f"the kernel stopped: {e}"
    write_atomically(a.out, nbformat.writes(nb))
    if a.html:
        from nbconvert import HTMLExporter
        body, _ = HTMLExporter().from_notebook_node(nb)
        write_atomically(a.html, body)
    print(f"executed in {time.time() - t0:.1f} s", file=sys.stderr)
    if failed:
        print(failed, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
