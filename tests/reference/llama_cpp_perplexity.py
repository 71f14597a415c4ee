"""llama.cpp itself (llama-cpp-python 0.3.36, CPU) as the peer of Precis's GGUF work; not part of `make test`.

1. Scores the GGUF Precis exported in `make bench-llm` (target/bench/llm-export.json names it and holds the
   perplexity Precis measured on it) over the same windows: models/data/sentences.txt tokenized as one stream
   (no BOS), non-overlapping windows of 256 tokens from token 0, each window on its own, positions 2..N. The two
   perplexities must agree within 0.5 % (llama.cpp rounds activations to int8 in its dot products: ~0.3 % here).
2. The same for the source file (SmolLM2 Q4_1), timed: llama.cpp's tokens per second, the speed anchor that
   `make bench-llm` compares its full-precision pass with.

Set-up (a venv outside the repository; llama.cpp builds from source in 5-30 minutes; Debian's GCC 12 and this
machine's CPUs need AMX off):
    python3 -m venv /work/refvenv-llama
    CMAKE_ARGS="-DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF -DGGML_NATIVE=OFF" \\
        /work/refvenv-llama/bin/pip install llama-cpp-python==0.3.36
    /work/refvenv-llama/bin/python tests/reference/llama_cpp_perplexity.py
Writes tests/reference/llama_cpp_smollm2.json (committed: small, with the machine and date).
"""
import argparse
import datetime
import json
import math
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
from llama_cpp import Llama, __version__ as LLAMA_CPP_VERSION

ROOT = Path(__file__).resolve().parent.parent.parent


def windows(llm, text, context):
    ids = llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
    return len(ids), [ids[i * context:(i + 1) * context] for i in range(len(ids) // context)]


def perplexity(path, text, context, threads):
    llm = Llama(model_path=str(path), n_ctx=context, n_batch=context, n_threads=threads, logits_all=True, verbose=False)
    n_ids, ws = windows(llm, text, context)
    nll, count = 0.0, 0
    t0 = time.perf_counter()
    for w in ws:
        llm.reset()
        llm.eval(w)
        logits = np.asarray(llm.scores[: len(w)], dtype=np.float64)
        m = logits.max(axis=1, keepdims=True)
        logz = np.log(np.exp(logits - m).sum(axis=1)) + m[:, 0]
        # positions 2..N: the logits at 1..N-1 predict tokens 2..N
        nll += float((logz[:-1] - logits[np.arange(len(w) - 1), w[1:]]).sum())
        count += len(w) - 1
    seconds = time.perf_counter() - t0
    return {"file": str(path), "tokens_in_text": n_ids, "windows": len(ws), "context": context,
            "perplexity": math.exp(nll / count), "seconds": seconds, "tokens_per_second": len(ws) * context / seconds}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--export", default=str(ROOT / "target" / "bench" / "llm-export.json"))
    ap.add_argument("--text", default=str(ROOT / "models" / "data" / "sentences.txt"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=str(ROOT / "tests" / "reference" / "llama_cpp_smollm2.json"))
    a = ap.parse_args()
    exp = json.loads(Path(a.export).read_text())
    text = Path(a.text).read_text(encoding="utf-8")
    source = perplexity(exp["source_gguf"], text, exp["context"], a.threads)
    exported = perplexity(exp["gguf"], text, exp["context"], a.threads)
    rel_source = source["perplexity"] / exp["precis_perplexity_source"] - 1
    rel_export = exported["perplexity"] / exp["precis_perplexity_exported"] - 1
    out = {
        "what": "llama.cpp (llama-cpp-python %s, CPU, %d threads) scoring SmolLM2 and a GGUF Precis exported, over the "
                "windows Precis scored" % (LLAMA_CPP_VERSION, a.threads),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": "%s, %d cores, load average %.1f at the end" % (platform.processor() or platform.machine(), os.cpu_count(),
                                                                   os.getloadavg()[0]),
        # the speed anchor for make bench-llm's full-precision pass
        "seconds": source["seconds"], "tokens_per_second": source["tokens_per_second"],
        "source": source, "exported": exported, "exported_plan": exp["plan"],
        "precis_perplexity_source": exp["precis_perplexity_source"], "precis_perplexity_exported": exp["precis_perplexity_exported"],
        "relative_difference_source": rel_source, "relative_difference_exported": rel_export,
    }
    Path(a.out).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))
    if abs(rel_export) > 0.005:
        sys.exit("llama.cpp's perplexity of the exported file is %.3f %% off Precis's prediction (limit 0.5 %%)" % (100 * rel_export))


if __name__ == "__main__":
    main()
