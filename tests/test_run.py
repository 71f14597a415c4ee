"""`precis run` as CI uses it: a .precis script without Jupyter, a notebook with parameters, results.json,
--fail-if gates (passing, failing, misspelt, syntax errors) and --check (no drift, then a stored number edited)."""
import json
import re
import subprocess

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from conftest import ROOT

PRECIS = ROOT / "bin" / "precis"
MLP = ROOT / "models" / "trained" / "fashion-mlp-0000.params"
ANALYSIS = f"""// the committed Fashion-MNIST MLP, two layers to int4, measured
load model "{MLP}" as mlp
load dataset "fashion-mnist:test" as d
set samples 16
use mlp on d
quantize * to int4 where params > limit
evaluate as ev
"""


def precis(*args, cwd):
    return subprocess.run([str(PRECIS), "run", *map(str, args)], capture_output=True, text=True, timeout=600, cwd=cwd)


def test_script_runs_without_jupyter_with_parameters_results_and_gates(tmp_path):
    script = tmp_path / "analysis.precis"
    script.write_text("%java parameters\nint limit = 10000000;\n%end\n" + ANALYSIS
                      + '%java\nSystem.out.println("limit was " + limit);\n%end\n')
    r = precis(script, "-p", "limit=1000", "--fail-if", "ev.change > 10", "--fail-if", "ev.scores.loss.change >= 0 and ev.effective_bits < 8",
               cwd=tmp_path)
    # The parameter replaced the default (with the default, no layer has more params and nothing is quantized).
    assert "limit was 1000" in r.stdout
    assert r.returncode == 3, r.stderr[-3000:]
    # Tables on stdout, progress on stderr.
    assert "Plan" not in r.stderr and "cross-entropy loss" in r.stdout and "evaluate plan" in r.stderr
    results = json.loads((tmp_path / "analysis.out" / "results.json").read_text())["results"]
    assert list(results) == ["mlp", "d", "ev"]
    ev = results["ev"]
    assert ev["type"] == "evaluation" and ev["metric"] == "loss"
    assert ev["scores"]["loss"]["change"] == pytest.approx(ev["scores"]["loss"]["plan"] - ev["scores"]["loss"]["baseline"])
    assert ev["effective_bits"] < 8
    # The same change as the evaluation table printed (its own formatting of the same run).
    printed = float(re.search(r"cross-entropy loss\s+\S+\s+\S+\s+(\S+)", r.stdout).group(1))
    assert ev["change"] == pytest.approx(printed, rel=1e-3)
    assert "gate passed: not (ev.change > 10)" in r.stderr
    reason = [line for line in r.stderr.splitlines() if line.startswith("precis run: gate failed:")]
    assert len(reason) == 1, r.stderr
    assert "ev.scores.loss.change >= 0 and ev.effective_bits < 8" in reason[0] and "ev.effective_bits = " in reason[0]


def test_script_error_names_the_line_of_the_file(tmp_path):
    script = tmp_path / "bad.precis"
    script.write_text("%java\nint k = 1;\n%end\n\nquantize * to in4\n")
    r = precis(script, cwd=tmp_path)
    assert r.returncode == 1
    assert "line 5:15" in r.stderr and "int4" in r.stderr and "Exception" not in r.stderr


def test_gate_syntax_error_has_a_column_and_runs_nothing(tmp_path):
    script = tmp_path / "never.precis"
    script.write_text('%java\nSystem.out.println("ran");\n%end\n')
    r = precis(script, "--fail-if", "best.measured >> 0.05", cwd=tmp_path)
    assert r.returncode == 2 and "ran" not in r.stdout
    assert "column 15: '>>' is not a comparison" in r.stderr
    lines = r.stderr.splitlines()
    gate, caret = lines[-2], lines[-1]
    assert gate[caret.index("^"):].startswith(">>")


def test_gate_over_a_result_that_does_not_exist_says_which_exist(tmp_path):
    script = tmp_path / "small.precis"
    script.write_text(f'load model "{MLP}" as mlp\n')
    r = precis(script, "--fail-if", "mpl.layers > 2", cwd=tmp_path)
    assert r.returncode == 2
    assert "no result named 'mpl'; did you mean 'mlp'? (results: mlp)" in r.stderr


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    d = tmp_path_factory.mktemp("nb")
    nb = new_notebook(metadata={"kernelspec": {"name": "precis", "display_name": "Java (Precis)", "language": "java"}})
    nb.cells = [new_markdown_cell("A threshold as a parameter"),
                new_code_cell("int limit = 10000000;\ndouble scale = 1.5;", metadata={"tags": ["parameters"]}),
                new_code_cell(ANALYSIS.split("\n", 1)[1]),
                new_code_cell('System.out.println("scaled " + (scale * ev.value()));\nscale * limit')]
    nbformat.write(nb, d / "analysis.ipynb")
    r = precis(d / "analysis.ipynb", "-p", "limit=1000", "-p", "scale=2.5", "--html", "--out", d / "out",
               "--fail-if", "ev.change > 1", cwd=d)
    assert r.returncode == 0, r.stderr[-3000:]
    return d, r


def test_notebook_runs_with_parameters_html_and_results(executed):
    d, r = executed
    out = nbformat.read(d / "out" / "analysis.ipynb", as_version=4)
    injected = out.cells[2]
    assert injected.metadata["tags"] == ["injected-parameters"]
    assert "int limit = 1000;" in injected.source and "double scale = 2.5;" in injected.source
    assert out.cells[-1].outputs[-1]["data"]["text/plain"] == "2500.0"
    results = json.loads((d / "out" / "results.json").read_text())["results"]
    ev = results["ev"]
    assert "scaled " + repr(2.5 * ev["value"]) in "".join(o.get("text", "") for o in out.cells[-1].outputs)
    assert "gate passed: not (ev.change > 1)" in r.stderr
    html = (d / "out" / "analysis.html").read_text()
    assert "cross-entropy loss" in html and "injected-parameters" in html or "int limit = 1000" in html
    # The user's notebook is untouched.
    assert len(nbformat.read(d / "analysis.ipynb", as_version=4).cells) == 4


def test_check_finds_no_drift_then_the_number_edited_in_a_copy(executed):
    d, _ = executed
    stored = d / "out" / "analysis.ipynb"
    r = precis("--check", stored, cwd=d)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "every number" in r.stderr

    nb = json.loads(stored.read_text())
    result = nb["cells"][-1]["outputs"][-1]
    assert result["output_type"] == "execute_result"
    result["data"]["text/plain"] = "2600.0"
    drifted = d / "drifted.ipynb"
    drifted.write_text(json.dumps(nb))
    r = precis("--check", drifted, "--rtol", "0.01", cwd=d)
    assert r.returncode == 4, r.stderr[-3000:]
    assert "1 number drifted" in r.stderr
    assert f"cell {len(nb['cells'])}, output 2: 2600.0 -> 2500.0 (-3.85%)" in r.stderr


def test_report_folder_has_an_index_of_every_notebook(tmp_path):
    """What `make run` does (tests/run_notebook.py), on two small notebooks: one runs, one fails."""
    import sys
    good = new_notebook(metadata={"kernelspec": {"name": "precis", "display_name": "Java (Precis)", "language": "java"}})
    good.cells = [new_markdown_cell("# Sums <in Java>"), new_code_cell("int s = 0;\nfor (int i = 1; i <= 10; i++) s += i;\ns")]
    bad = new_notebook(metadata=good.metadata)
    bad.cells = [new_code_cell("quantize * to in4")]
    nbformat.write(good, tmp_path / "a-good.ipynb")
    nbformat.write(bad, tmp_path / "b-bad.ipynb")
    report = tmp_path / "report"
    r = subprocess.run([sys.executable, str(ROOT / "tests" / "run_notebook.py"), "--kernel", "precis", "--html", str(report),
                        str(tmp_path / "a-good.ipynb"), str(tmp_path / "b-bad.ipynb")], capture_output=True, text=True, timeout=600)
    assert r.returncode == 1, r.stderr[-3000:]
    index = (report / "index.html").read_text()
    assert '<a href="a-good.html">Sums &lt;in Java&gt;</a>' in index
    assert "<code>b-bad.ipynb</code>" in index and "failed" in index and "b-bad.html" not in index
    assert re.search(r"<td style=\"text-align:right\">\d+\.\d s</td><td>ok</td>", index)
    assert "55" in (report / "a-good.html").read_text()
