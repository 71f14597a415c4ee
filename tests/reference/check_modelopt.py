"""NVIDIA ModelOpt itself applies a Precis `quant_cfg` (written by `export plan as modelopt`): a Hugging Face BertModel
with MiniLM's weights is quantized by `mtq.quantize(model, config, forward_loop)` (algorithm max: each weight
quantizer's amax from the weights), and ModelOpt's fake-quantized weights and the model's embeddings of 16 sentences
are compared with what Precis evaluates for the same plan.

Run by `make reference-exports` in the reference venv (nvidia-modelopt, PyTorch; never in `make test`):
    python check_modelopt.py DIR OUT_JSON
DIR (from ModelOptReferenceTest): quant_cfg.json, float/model.safetensors (MiniLM's weights, Hugging Face names),
expected.json (layer -> format), <layer>.f32 (Precis's evaluated weights, [out, in]), batch.json, embeddings*.f32.
"""
import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from check_compressed_tensors import MINILM, against_precis, pooled  # noqa: E402


def int_keys(cfg):
    """JSON has only string keys; ModelOpt's block_sizes wants the axis as an int (-1)."""
    if isinstance(cfg, dict):
        return {(int(k) if isinstance(k, str) and k.lstrip("-").isdigit() else k): int_keys(v) for k, v in cfg.items()}
    return cfg


def main(d, out_json):
    import modelopt
    import modelopt.torch.quantization as mtq
    import transformers
    from transformers import BertConfig, BertModel

    d = Path(d)
    config = int_keys(json.loads((d / "quant_cfg.json").read_text()))
    expected = json.loads((d / "expected.json").read_text())
    model = BertModel(BertConfig(**MINILM), add_pooling_layer=False).eval()
    missing, unexpected = model.load_state_dict(load_file(str(d / "float" / "model.safetensors")), strict=False)
    assert not unexpected and all("position_ids" in k or "token_type_ids" in k for k in missing), (missing, unexpected)
    batch = json.loads((d / "batch.json").read_text())
    ids, mask = torch.tensor(batch["input_ids"]), torch.tensor(batch["attention_mask"])
    model = mtq.quantize(model, config, lambda m: m(input_ids=ids, attention_mask=mask, token_type_ids=torch.zeros_like(ids)))
    enabled = sorted(n for n, q in model.named_modules() if n.endswith("weight_quantizer") and getattr(q, "is_enabled", False))
    layers = {}
    for layer, fmt in expected.items():
        module = model.get_submodule(layer)
        with torch.no_grad():
            theirs = module.weight_quantizer(module.weight).to(torch.float32).numpy()
        ours_bytes = (d / (layer + ".f32")).read_bytes()
        ours = np.frombuffer(ours_bytes, dtype="<f4").reshape(theirs.shape)
        diff = float(np.max(np.abs(theirs - ours)))
        layers[layer] = {"format": fmt, "sha256_precis": hashlib.sha256(ours_bytes).hexdigest(),
                         "bit_exact": bool(np.array_equal(theirs, ours)), "max_abs_diff": diff,
                         "max_rel_diff": diff / float(np.max(np.abs(ours))),
                         "differing": int(np.count_nonzero(theirs != ours)), "of": int(ours.size)}
        print(f"{layer:40s} {fmt:16s} bit-exact {layers[layer]['bit_exact']} max |diff| {diff:.3g} "
              f"({layers[layer]['differing']} of {ours.size} differ)")
    out = {"modelopt": modelopt.__version__, "torch": torch.__version__, "transformers": transformers.__version__,
           "quant_cfg_sha256": hashlib.sha256((d / "quant_cfg.json").read_bytes()).hexdigest(),
           "weight_quantizers_enabled": enabled, "layers": layers,
           "embeddings": against_precis("ModelOpt-quantized BertModel", pooled(model, d), d)}
    Path(out_json).write_text(json.dumps(out, indent=1) + "\n")
    return 0 if sorted(expected) == [n[: -len(".weight_quantizer")] for n in enabled] else 1


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
