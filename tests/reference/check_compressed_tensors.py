"""compressed-tensors itself reads a Precis export: each quantized layer of a `pack-quantized` checkpoint written by
`export plan as compressed-tensors` is decompressed by the library's own PackedQuantizationCompressor (the code vLLM
and llm-compressor load checkpoints with) and compared, bit for bit, with the weights Precis evaluated.

Run by `make reference-exports` in the reference venv (compressed-tensors pulls PyTorch; never in `make test`):
    python check_compressed_tensors.py EXPORT_DIR OUT_JSON
EXPORT_DIR holds the checkpoint (model.safetensors, config.json) and, from CompressedTensorsReferenceTest,
expected.json (layer -> format) and <layer>.f32 (the evaluated weights, float32 little-endian, [out, in]).
OUT_JSON gets, per layer, the sha256 of the float32 weights compressed-tensors decompressed, whether they equal
Precis's and the largest difference; CompressedTensorsReferenceTest (in make test) checks those hashes against the
weights Precis evaluates now.
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


def main(export_dir, out_json):
    d = Path(export_dir)
    config = json.loads((d / "config.json").read_text())["quantization_config"]
    assert config["format"] == "pack-quantized", config["format"]
    expected = json.loads((d / "expected.json").read_text())
    st = load_file(str(d / "model.safetensors"))
    layers = {}
    for layer, fmt in expected.items():
        group, scheme = scheme_of(config, layer)
        local = {k[len(layer) + 1:]: v for k, v in st.items() if k.startswith(layer + ".")}
        back = PackedQuantizationCompressor.decompress(local, scheme)["weight"].to(torch.float32).numpy()
        ours = np.fromfile(d / (layer + ".f32"), dtype="<f4").reshape(back.shape)
        layers[layer] = {
            "format": fmt,
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
           "checkpoint_version": config.get("version"), "layers": layers}
    Path(out_json).write_text(json.dumps(out, indent=1) + "\n")
    return 0 if all(l["bit_exact"] for l in layers.values()) else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
