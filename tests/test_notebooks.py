"""The tutorial notebooks, executed end to end with nbclient on the real kernel; outputs asserted."""
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def run(name):
    path = ROOT / "notebooks" / name
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, kernel_name="precis", timeout=300, resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


def outputs_of(nb, needle):
    cells = [c for c in nb.cells if c.cell_type == "code" and needle in c.source]
    assert len(cells) == 1, f"expected one cell containing {needle!r}"
    return cells[0].outputs


def text(outputs, kind="stream"):
    return "".join(o.get("text", "") for o in outputs if o.output_type == kind)


@pytest.fixture(scope="module")
def basics():
    return run("00-java-basics.ipynb")


def test_first_cell_result(basics):
    out = outputs_of(basics, "int levels")
    assert out[0].output_type == "execute_result" and out[0].data["text/plain"] == "256"


def test_printed_sqnr_is_plausible(basics):
    out = outputs_of(basics, "int8 SQNR")
    printed = text(out)
    int8 = float(re.search(r"int8 SQNR: ([\d.]+) dB", printed).group(1))
    int4 = float(re.search(r"int4 SQNR: ([\d.]+) dB", printed).group(1))
    # Gaussian weights, absmax scaling: about 6 dB per bit, less the clipping headroom.
    assert 35 < int8 < 50 and 10 < int4 < 25 and int8 - int4 > 20
    assert not [o for o in out if o.output_type == "execute_result"], "printf's PrintStream must not show as a result"


def test_html_table_and_updated_display(basics):
    table = outputs_of(basics, "<table>")
    html = [o for o in table if o.output_type == "display_data"][0].data["text/html"]
    assert html.count("<tr>") == 6
    progress = outputs_of(basics, "progress.update")
    shown = [o for o in progress if o.output_type == "display_data"]
    assert len(shown) == 1 and shown[0].data["text/plain"] == "step 5 of 5"


def test_time_magic_output(basics):
    out = outputs_of(basics, "%time")
    assert "Wall time:" in text(out)
    assert float([o for o in out if o.output_type == "execute_result"][0].data["text/plain"]) > 0


def test_error_cell_names_its_line(basics):
    out = outputs_of(basics, "small[bits]")
    err = [o for o in out if o.output_type == "error"][0]
    assert err.ename == "java.lang.ArrayIndexOutOfBoundsException"
    assert any("line 2)" in line for line in err.traceback)
