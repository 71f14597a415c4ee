"""papermill on Precis notebooks: the Java translator (python/precis-kernel) injects typed parameters, and the
real kernel runs them. papermill finds the translator through the `papermill.engine` entry point of the
precis-kernel package installed (editable) in the project's venv."""
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from conftest import KERNEL_NAME

PAPERMILL = Path(sys.executable).parent / "papermill"


def notebook(path, *cells):
    nb = new_notebook(metadata={"kernelspec": {"name": "precis", "display_name": "Java (Precis)", "language": "java"},
                                "language_info": {"name": "java"}})
    nb.cells = list(cells)
    nbformat.write(nb, path)
    return path


def stdout_of(cell):
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def test_command_line_injects_after_the_parameters_cell_and_the_kernel_uses_the_value(tmp_path):
    src = notebook(tmp_path / "in.ipynb",
                   new_markdown_cell("A threshold as a parameter"),
                   new_code_cell("double x = 0.01;\nint rounds = 3;", metadata={"tags": ["parameters"]}),
                   new_code_cell('System.out.println("x=" + x + " rounds=" + rounds + " x*rounds=" + x * rounds);'))
    out = tmp_path / "out.ipynb"
    run = subprocess.run([str(PAPERMILL), "-k", KERNEL_NAME, str(src), str(out), "-p", "x", "0.02", "--log-level", "WARNING"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    nb = nbformat.read(out, as_version=4)
    tags = [c.metadata.get("tags", []) for c in nb.cells]
    assert tags[1] == ["parameters"] and tags[2] == ["injected-parameters"]
    assert nb.cells[2].source == "// Parameters\ndouble x = 0.02;\n"
    # The injected declaration replaced the default; the untouched parameter kept its own.
    assert stdout_of(nb.cells[3]) == f"x=0.02 rounds=3 x*rounds={0.02 * 3!r}\n"
    assert nb.metadata.papermill.parameters == {"x": 0.02}


STRING = 'quote " backslash \\ newline\n tab\t bell\x07 delete\x7f é ∑ 🙂 \\u000a'
PARAMETERS = {
    "n": 7, "big": 2**40, "huge": 2**70, "neg": -(2**31),
    "x": 0.02, "tiny": 1e-5, "nan": float("nan"), "neg_inf": float("-inf"),
    "flag": True, "s": STRING, "none": None,
    "items": [1, 2.5, "z"], "with_null": [1, None], "empty": [], "nested": [[1, 2], ["a"]], "nums": [1, 2.5],
    "table": {"b": [1, 2], "a": [3]}, "mixed": {"s": "x", "k": 1},
}
# What Java prints for each declared variable: its runtime class and String.valueOf, computed here by hand
# (Java's Double.toString differs from Python's repr: 1e-05 is 1.0E-5).
EXPECTED = {
    "n": "Integer|7", "big": "Long|1099511627776", "huge": "BigInteger|1180591620717411303424",
    "neg": "Integer|-2147483648", "x": "Double|0.02", "tiny": "Double|1.0E-5", "nan": "Double|NaN",
    "neg_inf": "Double|-Infinity", "flag": "Boolean|true", "none": "null",
    "items": "[1, 2.5, z]", "with_null": "[1, null]", "empty": "[]", "nested": "[[1, 2], [a]]",
    "nums": "[1.0, 2.5]",
    "table": "{a=[3], b=[1, 2]}", "mixed": "{k=1, s=x}",
}


def test_every_yaml_type_becomes_a_typed_java_value(tmp_path):
    import papermill as pm

    show = "\n".join(
        f'System.out.println("{name}=" + {name});' if name in ("items", "with_null", "empty", "nested", "nums") else
        f'System.out.println("{name}=" + new TreeMap<>({name}));' if name in ("table", "mixed") else
        'System.out.println("none=" + none);' if name == "none" else
        f'System.out.println("{name}=" + ((Object) {name}).getClass().getSimpleName() + "|" + {name});'
        for name in EXPECTED)
    code_points = 's.codePoints().mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(","))'
    src = notebook(tmp_path / "in.ipynb",
                   new_code_cell('String s = "";', metadata={"tags": ["parameters"]}),
                   new_code_cell(show),
                   # Collections are declared with their element type, so typed Java reads them directly.
                   new_code_cell('double sum = 0; for (double v : nums) sum += v;\n'
                                 'int total = 0; for (int v : table.get("b")) total += v;\n'
                                 'System.out.println(sum + " " + total);'),
                   new_code_cell(f'System.out.println({code_points});'))
    out = tmp_path / "out.ipynb"
    pm.execute_notebook(str(src), str(out), parameters=PARAMETERS, kernel_name=KERNEL_NAME, log_output=False,
                        progress_bar=False)
    nb = nbformat.read(out, as_version=4)
    injected = nb.cells[1].source
    for declaration in ("double x = 0.02;", "long big = 1099511627776L;", "boolean flag = true;", "Object none = null;",
                        "java.util.List<Double> nums = java.util.List.of(1.0, 2.5);"):
        assert declaration in injected
    printed = dict(line.split("=", 1) for line in stdout_of(nb.cells[2]).splitlines())
    assert printed == EXPECTED
    # The string, character for character (octal escapes for control characters, the literal \u000a kept).
    assert stdout_of(nb.cells[3]) == "3.5 3\n"
    assert stdout_of(nb.cells[4]).strip() == ",".join(str(ord(c)) for c in STRING)


def test_help_notebook_lists_the_java_parameters(tmp_path):
    src = notebook(tmp_path / "in.ipynb",
                   new_code_cell('double x = 0.01;   // the sensitivity threshold\nString model = "minilm";\nint n;',
                                 metadata={"tags": ["parameters"]}))
    run = subprocess.run([str(PAPERMILL), "--help-notebook", str(src)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "x: double (default 0.01)" in run.stdout and "the sensitivity threshold" in run.stdout
    assert 'model: String (default "minilm")' in run.stdout and "n:" not in run.stdout


def test_values_java_cannot_hold_are_refused_with_the_reason():
    from papermill.exceptions import PapermillException
    from papermill.translators import papermill_translators

    java = papermill_translators.find_translator("some-other-java-kernel", "java")
    with pytest.raises(PapermillException, match="not a Java variable name"):
        java.codify({"class": 1})
    with pytest.raises(PapermillException, match="cannot hold null.*'k'"):
        java.codify({"m": {"k": None}})
    assert json.loads(java.translate_str("tab\tquote\"")) == "tab\tquote\""
