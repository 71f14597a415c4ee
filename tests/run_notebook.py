"""Executes notebooks headless on a kernel and writes executed copies, HTML reports and an index page.

    python tests/run_notebook.py --kernel precis --html target/report notebooks/*.ipynb
"""
import argparse
import html
import os
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


def title_of(nb, path: Path) -> str:
    """The notebook's first Markdown heading, else its file name."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return path.stem


def write_index(folder: Path, rows):
    """index.html: one row per notebook (title, file, run time, ok or failed), linking its HTML report."""
    items = []
    for r in rows:
        link = f'<a href="{html.escape(r["html"])}">{html.escape(r["title"])}</a>' if r["html"] else html.escape(r["title"])
        state = "ok" if r["ok"] else '<b style="color:#b00">failed</b>'
        items.append(f"<tr><td>{link}</td><td><code>{html.escape(r['file'])}</code></td>"
                     f"<td style=\"text-align:right\">{r['seconds']:.1f} s</td><td>{state}</td></tr>")
    page = ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Precis notebooks</title></head><body>\n"
            "<h1>Precis notebooks, executed</h1>\n<table>\n<tr><th>notebook</th><th>file</th><th>run time</th><th></th></tr>\n"
            + "\n".join(items) + "\n</table>\n</body></html>\n")
    tmp = folder / f".index.html.{os.getpid()}.tmp"
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(folder / "index.html")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", default="precis")
    ap.add_argument("--html", type=Path, required=True, help="folder for the executed notebooks and HTML reports")
    ap.add_argument("--timeout", type=int, default=600, help="seconds per cell")
    ap.add_argument("notebooks", nargs="+", type=Path)
    args = ap.parse_args()
    args.html.mkdir(parents=True, exist_ok=True)
    failed = False
    rows = []
    for path in args.notebooks:
        t0 = time.time()
        title = path.stem
        try:
            nb = execute(path, args.kernel, args.timeout)
        except CellExecutionError as e:
            print(f"{path}: a cell failed:\n{e}", file=sys.stderr)
            failed = True
            rows.append({"title": title, "file": path.name, "seconds": time.time() - t0, "ok": False, "html": None})
            continue
        seconds = time.time() - t0
        out_nb = args.html / path.name
        nbformat.write(nb, out_nb)
        body, _ = HTMLExporter().from_notebook_node(nb)
        out_html = args.html / (path.stem + ".html")
        tmp = out_html.with_suffix(".html.tmp")
        tmp.write_text(body, encoding="utf-8")
        tmp.replace(out_html)
        rows.append({"title": title_of(nb, path), "file": path.name, "seconds": seconds, "ok": True, "html": out_html.name})
        print(f"{path}: executed in {seconds:.1f} s")
        print(f"  report:   {out_html.resolve()}")
        print(f"  notebook: {out_nb.resolve()}")
    write_index(args.html, rows)
    print(f"index: {(args.html / 'index.html').resolve()}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
