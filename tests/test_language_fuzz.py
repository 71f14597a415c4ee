"""Mutated language cells through the real kernel, with a small model and its data in use.

Valid cells (the grammar's corpus, the notebooks' language cells and cells written for the Fashion-MNIST MLP)
are mutated (tokens deleted, duplicated, swapped, replaced by random names, extreme numbers, other keywords,
odd unicode) and run one after another on one kernel. No reply may be a Java stack trace (an `at io.precis...`
frame), an internal error, a hang or a dead kernel; afterwards `1+1` still answers 2.

Seeded (PRECIS_FUZZ_SEED, default 11) and bounded (PRECIS_FUZZ_SECONDS, default 75 s of cells;
PRECIS_FUZZ_CELLS, default 600), so `make test` runs a short pass and a longer one is an environment variable away.
"""
import json
import os
import random
import re
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from kernel_client import KernelSession

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "dsl-grammar" / "src" / "test" / "resources" / "io" / "precis" / "dsl" / "valid"
MLP = ROOT / "models" / "trained" / "fashion-mlp-0000.params"
SEED = int(os.environ.get("PRECIS_FUZZ_SEED", "11"))
SECONDS = float(os.environ.get("PRECIS_FUZZ_SECONDS", "75"))
CELLS = int(os.environ.get("PRECIS_FUZZ_CELLS", "600"))

SETUP = (f'load model "{MLP}" as mlp\n'
         'load dataset "fashion-mnist:test" as fm\n'
         'set samples 16\n'
         'use mlp on fm')
# After a cell that may have changed what is in use: back to the small model, few samples.
RESET = "%%precis\nset samples 16\nset metric default\nset device cpu\nuse mlp on fm"

# Cells for the model in use, so mutations reach the runtime and not only the parser.
SESSION_CELLS = [
    "show layers",
    "show layers matching fc* where params > 1000 as t",
    "quantize * to int4 where sensitivity < 0.5\nshow plan as p",
    "quantize fc* to int8 per channel\nkeep *.bias\nshow plan",
    "quantize * to int4 group 32 symmetric\nevaluate plan as e",
    "sensitivity over int8, int4 as s\nplot sensitivity",
    "sweep * over int8, int4 as curve\nplot curve",
    "search budget 6 bits over int8, int4 as best\nplot plan\nexport best to \"best.json\"",
    "search tolerance 5% over int8, int4",
    "export plan to \"plan.json\"",
    "quantize * to nf4 where index < 2 and not kind = \"embedding\"\nshow plan",
    "load dataset \"fashion-mnist:test\" options (limit = 32) as small\nuse mlp on small\nevaluate",
    "set seed 3\nset metric kl\nsensitivity over int4",
]

KEYWORDS = ["load", "model", "dataset", "use", "on", "set", "quantize", "to", "keep", "show", "layers", "plan",
            "evaluate", "sensitivity", "sweep", "over", "search", "budget", "bits", "tolerance", "plot", "export",
            "as", "where", "except", "matching", "and", "or", "not", "per", "channel", "tensor", "group", "options",
            "params", "kind", "name", "index", "symmetric", "stochastic", "seed", "percentile", "samples", "metric"]
NUMBERS = ["0", "-1", "-0", "1e308", "1e-308", "1e999", "-1e999", "99999999999999999999", "2147483648", "0.0000001",
           "4294967296", "100%", "1000%", "1g", "0.5", "NaN", "3.", ".5", "0x10", "1_000"]
UNICODE = ["\u200b", "\u202e", "\u00e9", "e\u0301", "\U0001f600", "\ufeff", "\u2028", "\u0000", "\ud7ff", "\uff21",
           "\u0130", "\u00a0", "\t", "\r", "\\", "\"", "'", "`", "%", "%%", "$", "{", "}", ";", "//", "#"]
TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*"|\s+|[\w.*?\[\]-]+|[^\w\s]')


def corpus_cells():
    cells = []
    for f in sorted(CORPUS.glob("*.precis")):
        cells.append(f.read_text())
    for nb in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for c in json.loads(nb.read_text())["cells"]:
            src = "".join(c["source"]) if c["cell_type"] == "code" else ""
            first = src.strip().split(None, 1)[0].lower() if src.strip() else ""
            if first == "%%precis" or first in ("load", "use", "set", "quantize", "keep", "show", "evaluate",
                                                "sensitivity", "sweep", "search", "plot", "export"):
                cells.append(src)
    # No network in tests: Maven sources would be fetched; the corpus's names are made the session's half the time.
    cells = ["\n".join(line for line in c.splitlines() if "maven" not in line.lower()) for c in cells]
    return [c for c in cells if c.strip()]


def mutate(rng, cell):
    if rng.random() < 0.5:
        cell = re.sub(r"\bminilm\b|\bbert\b", "mlp", cell)
        cell = re.sub(r"\bcalib\b", "fm", cell)
    tokens = TOKEN.findall(cell) or [cell]
    for _ in range(rng.choice([1, 1, 1, 1, 2, 3, 5])):
        # mostly past the first word, so that most cells stay in the language and reach its runtime
        i = rng.randrange(1, len(tokens)) if len(tokens) > 1 and rng.random() < 0.8 else rng.randrange(len(tokens))
        op = rng.randrange(9)
        if op == 0 and len(tokens) > 1:
            del tokens[i]
        elif op == 1:
            tokens.insert(i, tokens[i])
        elif op == 2 and i + 1 < len(tokens):
            tokens[i], tokens[i + 1] = tokens[i + 1], tokens[i]
        elif op == 3:
            tokens[i] = rng.choice(["x", "_", "mlp", "fm", "p", "best", "plan", "a" * rng.choice([1, 80, 5000]),
                                    "layer.0", "fc1", "*", "**", "?", "[", "Ünï", "été"]) \
                + ("" if rng.random() < 0.7 else str(rng.randrange(100)))
        elif op == 4:
            tokens[i] = rng.choice(NUMBERS)
        elif op == 5:
            tokens[i] = rng.choice(KEYWORDS)
        elif op == 6:
            tokens.insert(i, rng.choice(UNICODE))
        elif op == 7:
            tokens = tokens[:i]  # the cell ends early
            if not tokens:
                tokens = [rng.choice(KEYWORDS)]
        else:
            tokens.insert(i, rng.choice([" as ", " where ", " except ", "\n", ";", " over ", " to ", " and ", " or "]))
    out = "".join(tokens)
    return out if rng.random() < 0.4 else "%%precis\n" + out


STACK_FRAME = re.compile(r"^\s*at (io\.precis|java\.|jdk\.|org\.antlr|ai\.djl)", re.M)


def problems(reply):
    """What is wrong with a reply: a stack frame, an internal error; empty when it is a clean success or error."""
    text = reply.stdout() + reply.stderr()
    err = reply.error() if reply.status == "error" else None
    if err:
        text += "\n".join(err.get("traceback", [])) + err.get("evalue", "")
    found = []
    if STACK_FRAME.search(re.sub(r"\x1b\[[0-9;]*m", "", text)):
        found.append("a Java stack trace")
    if err and err["ename"] in ("KernelError", "InternalError", "ExecutionJvmExited", "ExecutionJvmError"):
        found.append(f"an internal error ({err['ename']})")
    if err and (err["ename"].startswith("java.") or err["ename"].startswith("io.precis")):
        found.append(f"a Java exception ({err['ename']})")
    if "internal error" in text.lower():
        found.append("'internal error'")
    return found


@pytest.fixture(scope="module")
def fuzz_kernel(history_dir):
    # Exports land in a folder of their own, not in the repository.
    work = tempfile.mkdtemp(prefix="precis-fuzz-")
    cwd = os.getcwd()
    os.chdir(work)
    try:
        k = KernelSession.start(os.environ.get("PRECIS_KERNEL_NAME", "precis"), env={"PRECIS_HISTORY_DIR": str(history_dir)})
    finally:
        os.chdir(cwd)
    r = k.execute(SETUP, timeout=180)
    assert r.status == "ok", r.error()
    assert k.execute("double x = 0.01;").status == "ok"  # the corpus's conditions read x
    yield k
    k.shutdown()
    shutil.rmtree(work, ignore_errors=True)


def test_mutated_cells_give_language_errors_never_stacks_hangs_or_a_dead_kernel(fuzz_kernel):
    rng = random.Random(SEED)
    sources = corpus_cells() + SESSION_CELLS * 3
    assert len(sources) > 20
    failures = []
    ran = errors = 0
    started = time.time()
    while ran < CELLS and time.time() - started < SECONDS and len(failures) < 5:
        cell = mutate(rng, rng.choice(sources))
        try:
            reply = fuzz_kernel.execute(cell, timeout=90)
        except TimeoutError as e:
            failures.append((cell, f"a hang: {e}"))
            break
        ran += 1
        errors += reply.status == "error"
        found = problems(reply)
        if found:
            failures.append((cell, ", ".join(found) + ":\n" + (json.dumps(reply.error(), indent=1)[:3000] if reply.status == "error"
                                                               else (reply.stdout() + reply.stderr())[:3000])))
        if re.search(r"\b(set|use|load)\b", cell, re.I) or ran % 25 == 0:
            reset = fuzz_kernel.execute(RESET, timeout=90)
            assert reset.status == "ok", f"after\n{cell!r}\nthe session could not be reset: {reset.error()}"
    alive = fuzz_kernel.execute("1+1", timeout=60)
    assert alive.status == "ok" and alive.result() == "2", "the kernel no longer runs Java after the fuzzing"
    print(f"seed {SEED}: {ran} mutated cells in {time.time() - started:.0f} s, {errors} errors, {len(failures)} failures")
    assert not failures, "\n\n".join(f"cell {c!r}\n-> {why}" for c, why in failures)
    assert ran >= 50, f"only {ran} cells ran in {SECONDS} s"
