"""A causal language model through the real kernel: a tiny GGUF Precis writes itself, a mixed plan exported with
`export plan to "x.gguf"`, read back by llama.cpp's own Python reader (the `gguf` package): every planned tensor
dequantizes to exactly Precis's fake-quantized weights, in the planned ggml type; Precis re-loading the file
measures the perplexity it predicted."""
from pathlib import Path

import numpy as np
import pytest
from gguf import GGUFReader
from gguf.quants import dequantize

ROOT = Path(__file__).resolve().parent.parent
SENTENCES = ROOT / "models" / "data" / "sentences.txt"
PLAN = {"blk.0.ffn_up": ("q4_k", "Q4_K"), "blk.1.ffn_down": ("q4_k", "Q4_K"), "blk.1.attn_q": ("q8_0", "Q8_0"),
        "blk.0.attn_v": ("q5_0", "Q5_0"), "output": ("q6_k", "Q6_K")}


def ok(k, code, timeout=120):
    r = k.execute(code, timeout=timeout)
    assert r.status == "ok", r.error()
    return r


@pytest.fixture(scope="module")
def exported(kernel, tmp_path_factory):
    d = tmp_path_factory.mktemp("llm")
    ok(kernel, f'io.precis.engine.model.gguf.TinyGguf.write(Path.of("{d}/tiny.gguf"), 21, false);')
    ok(kernel, f'load model "{d}/tiny.gguf" as tiny\nload dataset "{SENTENCES}" as text\nset context 32\nset samples 6\nuse tiny on text')
    ok(kernel, "\n".join(f"quantize {layer} to {fmt}" for layer, (fmt, _) in PLAN.items()), timeout=60)
    r = ok(kernel, "evaluate as predicted", timeout=300)
    assert "6 windows of 32 tokens, 186 tokens scored" in r.stdout() + str(r.of_type("display_data"))
    r = ok(kernel, f'export plan to "{d}/mixed.gguf"')
    assert "mixed.gguf" in r.stdout()
    # Precis's fake-quantized weights, as the plan swaps them in, written raw for numpy
    for layer, (fmt, _) in PLAN.items():
        ok(kernel, f"""{{
            TensorRef t = tiny.layer("{layer}").weight();
            float[] w = tiny.fullPrecisionWeights(t);
            WeightTransform.fitted(Formats.parse("{fmt}"), t).fakeQuantize(w, (int) t.shape()[0], (int) t.shape()[1]);
            var b = java.nio.ByteBuffer.allocate(4 * w.length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(w);
            Files.write(Path.of("{d}/{layer}.precis.f32"), b.array());
        }}""")
    return d


def test_the_gguf_package_reads_every_planned_tensor_as_precis_fake_quantized_it(exported):
    tensors = {t.name: t for t in GGUFReader(str(exported / "mixed.gguf")).tensors}
    for layer, (_, ggml) in PLAN.items():
        t = tensors[layer + ".weight"]
        assert t.tensor_type.name == ggml, layer
        ours = np.fromfile(exported / f"{layer}.precis.f32", dtype="<f4")
        theirs = dequantize(t.data, t.tensor_type).astype(np.float32).reshape(-1)
        assert ours.shape == theirs.shape, layer
        assert np.array_equal(ours.view(np.uint32), theirs.view(np.uint32)), f"{layer}: not bit-identical"
    untouched = {t.name: t for t in GGUFReader(str(exported / "tiny.gguf")).tensors}["blk.0.attn_q.weight"]
    assert tensors["blk.0.attn_q.weight"].tensor_type == untouched.tensor_type
    assert np.array_equal(tensors["blk.0.attn_q.weight"].data, untouched.data), "unplanned tensors are copied as stored"


def test_precis_reloading_the_export_measures_the_perplexity_it_predicted(kernel, exported):
    ok(kernel, "io.precis.language.PrecisSession.current().clearRules();")
    ok(kernel, f'load model "{exported}/mixed.gguf" as again\nuse again on text\nevaluate as measured', timeout=300)
    predicted = float(kernel.execute("predicted.evaluation().get(Metric.PERPLEXITY)").result())
    measured = float(kernel.execute("measured.baseline().get(Metric.PERPLEXITY)").result())
    assert predicted > 1 and abs(predicted - measured) <= 1e-9 * predicted, (predicted, measured)
