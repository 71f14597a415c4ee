"""Executes notebooks headless on a kernel and writes executed copies and HTML reports.

    python tests/run_notebook.py --kernel precis --html target/report notebooks/00-java-basics.ipynb
"""
import argparse
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from nbconvert import HTMLExporter


def execute(path: Path, kernel: str, timeout: int = 600):
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=kernel, timeout=timeout, resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    return nb


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", default="precis")
    ap.add_argument("--html", type=Path, required=True, help="folder for the executed notebooks and HTML reports")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    ap.add_argument("notebooks", nargs="+", type=Path)
    args = ap.parse_args()
    args.html.mkdir(parents=True, exist_ok=True)
    failed = False
    for path in args.notebooks:
        t0 = time.time()
        try:
            nb = execute(path, args.kernel, args.timeout)
        except CellExecutionError as e:
            print(f"{path}: a cell failed:\n{e}", file=sys.stderr)
            failed = True
            continue
        out_nb = args.html / path.name
        nbformat.write(nb, out_nb)
        body, _ = HTMLExporter().from_notebook_node(nb)
        out_html = args.html / (path.stem + ".html")
        tmp = out_html.with_suffix(".html.tmp")
        tmp.write_text(body, encoding="utf-8")
        tmp.replace(out_html)
        print(f"{path}: executed in {time.time() - t0:.1f} s")
        print(f"  report:   {out_html.resolve()}")
        print(f"  notebook: {out_nb.resolve()}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
