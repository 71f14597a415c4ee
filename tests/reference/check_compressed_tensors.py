"""compressed-tensors itself reads a Precis export: each quantized layer of a `pack-quantized` checkpoint written by
`export plan as compressed-tensors` is decompressed by the library's own PackedQuantizationCompressor (the code vLLM
and llm-compressor load checkpoints with) and compared, bit for bit, with the weights Precis evaluated.

Run by `make reference-exports` in the reference venv (compressed-tensors pulls PyTorch; never in `make test`):
    python check_compressed_tensors.py EXPORT_DIR OUT_JSON
EXPORT_DIR holds the checkpoint (model.safetensors, config.json) and, from CompressedTensorsReferenceTest,
expected.json (layer -> format) and <layer>.f32 (the evaluated weights, float32 little-endian, [out, in]).
OUT_JSON gets, per layer, the sha256 of the float32 weights compressed-tensors decompressed, whether they equal
Precis's and the largest difference; CompressedTensorsReferenceTest (in make test) checks those hashes against the
weights Precis evaluates now. Then Hugging Face transformers loads the export as a BertModel (MiniLM's config with the
export's quantization_config) and its embeddings of 16 sentences are compared with Precis's evaluation of the plan.
"""
import hashlib
import json
import re
import sys
from pathlib import Path

import numpy as np
import torch
import compressed_tensors
from compressed_tensors.compressors.pack_quantized.base import PackedQuantizationCompressor
from compressed_tensors.quantization import QuantizationArgs, QuantizationScheme
from safetensors.torch import load_file


def scheme_of(config, layer):
    for name, group in config["config_groups"].items():
        if any(t.startswith("re:") and re.fullmatch(t[3:], layer) or t == layer for t in group["targets"]):
            return name, QuantizationScheme(targets=group["targets"], weights=QuantizationArgs(**group["weights"]))
    raise SystemExit(f"{layer}: no config group targets it")


MINILM = dict(vocab_size=30522, hidden_size=384, num_hidden_layers=6, num_attention_heads=12, intermediate_size=1536,
              hidden_act="gelu", max_position_embeddings=512, type_vocab_size=2, layer_norm_eps=1e-12)


def pooled(model, d):
    """Mean-pooled last hidden state of Precis's batch (d/batch.json) through a BertModel."""
    batch = json.loads((d / "batch.json").read_text())
    ids, mask = torch.tensor(batch["input_ids"]), torch.tensor(batch["attention_mask"])
    with torch.no_grad():
        h = model(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)).last_hidden_state
    m = mask.unsqueeze(-1).to(h.dtype)
    return ((h * m).sum(1) / m.sum(1)).numpy()


def against_precis(name, got, d):
    ours = np.fromfile(d / "embeddings.f32", dtype="<f4").reshape(got.shape)
    full = np.fromfile(d / "embeddings-full.f32", dtype="<f4").reshape(got.shape)
    diff, moved = float(np.max(np.abs(got - ours))), float(np.max(np.abs(full - ours)))
    rel = diff / float(np.max(np.abs(ours)))
    print(f"{name}: max |diff| vs Precis's evaluation {diff:.3g} (relative {rel:.3g}); quantization itself moves the embeddings by {moved:.3g}")
    return {"sentences": int(got.shape[0]), "max_abs_diff": diff, "max_rel_diff": rel, "quantization_moves_by": moved}


def transformers_outputs(d, decompressed):
    """The export in Hugging Face transformers' BertModel (all-MiniLM-L6-v2's architecture; no weights fetched, they
    come from the export), two ways: (1) from_pretrained of the checkpoint with MiniLM's config and the export's
    quantization_config merged in (what the export's README asks for), decompressing through compressed-tensors;
    (2) a plain BertModel given the export's tensors with each quantized layer as the library decompressed it. Each
    model's mean-pooled embeddings of Precis's 16 sentences are compared with Precis's evaluation of the same plan."""
    import shutil
    import tempfile
    import transformers
    from transformers import BertConfig, BertModel

    out = {"transformers": transformers.__version__}
    # (1) from_pretrained; transformers' placeholders for asymmetric layers expect unpacked zero points
    # (llm-compressor#1618), so the full export is tried and the symmetric-only export is compared
    for name, sub in (("from_pretrained", d), ("from_pretrained_symmetric", d / "symmetric")):
        qc = json.loads((sub / "config.json").read_text())["quantization_config"]
        with tempfile.TemporaryDirectory() as tmp:
            config = BertConfig(**MINILM).to_dict()
            config["quantization_config"] = qc
            config["architectures"] = ["BertModel"]
            Path(tmp, "config.json").write_text(json.dumps(config))
            shutil.copy(sub / "model.safetensors", Path(tmp, "model.safetensors"))
            try:
                model = BertModel.from_pretrained(tmp, add_pooling_layer=False, dtype=torch.float32).eval()
            except Exception as e:  # recorded, not hidden: the committed JSON says what failed and why
                first = str(e).strip().splitlines()[0][:300]
                print(f"{name}: transformers could not load it: {first}")
                out[name] = {"loaded": False, "error": first,
                             "asymmetric_layers": [k for k, g in qc["config_groups"].items() if not g["weights"]["symmetric"]]}
                continue
            out[name] = {"loaded": True, **against_precis(f"{name} ({sub.name})", pooled(model, sub), sub)}
    # (2) every layer, asymmetric too, as compressed-tensors decompressed it
    st = {k: v for k, v in load_file(str(d / "model.safetensors")).items() if not k.rsplit(".", 1)[-1].startswith("weight_")}
    for layer, w in decompressed.items():
        st[layer + ".weight"] = w
    model = BertModel(BertConfig(**MINILM), add_pooling_layer=False).eval()
    missing, unexpected = model.load_state_dict(st, strict=False)
    assert not unexpected and all("position_ids" in k or "token_type_ids" in k for k in missing), (missing, unexpected)
    out["decompressed_into_bert"] = against_precis("BertModel with the decompressed weights", pooled(model, d), d)
    return out


def main(export_dir, out_json):
    d = Path(export_dir)
    config = json.loads((d / "config.json").read_text())["quantization_config"]
    assert config["format"] == "pack-quantized", config["format"]
    expected = json.loads((d / "expected.json").read_text())
    st = load_file(str(d / "model.safetensors"))
    layers, decompressed = {}, {}
    for layer, fmt in expected.items():
        group, scheme = scheme_of(config, layer)
        local = {k[len(layer) + 1:]: v for k, v in st.items() if k.startswith(layer + ".")}
        weight = PackedQuantizationCompressor.decompress(local, scheme)["weight"].to(torch.float32)
        decompressed[layer] = weight
        back = weight.numpy()
        ours = np.fromfile(d / (layer + ".f32"), dtype="<f4").reshape(back.shape)
        layers[layer] = {
            "format": fmt,
            # the stored tensors the library read, so that make test can tell whether the export still writes them
            "sha256_stored": {k: hashlib.sha256(np.ascontiguousarray(v.numpy()).tobytes()).hexdigest() for k, v in sorted(local.items())},
            "num_bits": scheme.weights.num_bits,
            "strategy": str(scheme.weights.strategy.value if hasattr(scheme.weights.strategy, "value") else scheme.weights.strategy),
            "symmetric": scheme.weights.symmetric,
            "shape": list(back.shape),
            "sha256_decompressed": hashlib.sha256(back.astype("<f4").tobytes()).hexdigest(),
            "bit_exact": bool(np.array_equal(back, ours)),
            "max_abs_diff": float(np.max(np.abs(back - ours))),
            "differing": int(np.count_nonzero(back != ours)),
        }
        print(f"{layer:40s} {fmt:40s} bits {scheme.weights.num_bits} bit-exact {layers[layer]['bit_exact']} "
              f"max |diff| {layers[layer]['max_abs_diff']:.3g} ({layers[layer]['differing']} of {back.size} differ)")
    out = {"compressed_tensors": compressed_tensors.__version__, "torch": torch.__version__,
           "checkpoint_version": config.get("version"), "layers": layers,
           "transformers_bert": transformers_outputs(d, decompressed)}
    Path(out_json).write_text(json.dumps(out, indent=1) + "\n")
    close = [r for r in (out["transformers_bert"]["decompressed_into_bert"], out["transformers_bert"]["from_pretrained_symmetric"]) if r.get("loaded", True)]
    ok = all(l["bit_exact"] for l in layers.values()) and len(close) == 2 \
        and all(r["max_rel_diff"] <= 1e-4 and r["quantization_moves_by"] > 100 * r["max_abs_diff"] for r in close)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
