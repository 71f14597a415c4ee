"""An independent Llama forward pass in numpy (float64) over the `gguf` package's dequantized tensors, written the
way Hugging Face's LlamaModel computes (q/k rows un-permuted back to HF order, rotary over halves, repeat_kv),
not the way Precis does, to check Precis's DJL forward pass and perplexity.

  python llama_numpy.py MODEL.gguf IDS.txt OUTDIR [--logits]
IDS.txt: one window of token ids, whitespace-separated. Writes OUTDIR/result.json with the mean next-token NLL
over positions 2..N (nats) and its exp; with --logits also OUTDIR/logits.f32 ([N, vocab] float32, little-endian).
"""
import json
import os
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize


def main(path, ids_path, out, want_logits):
    r = GGUFReader(path)
    meta = {k: f.contents() for k, f in r.fields.items() if not k.startswith("tokenizer.")}
    arch = meta["general.architecture"]
    g = lambda k, d=None: meta.get(f"{arch}.{k}", d)
    n_blocks, n_head = g("block_count"), g("attention.head_count")
    n_kv = g("attention.head_count_kv", n_head)
    eps, base = g("attention.layer_norm_rms_epsilon", 1e-5), g("rope.freq_base", 10000.0)
    tensors = {t.name: t for t in r.tensors}
    W = lambda n: dequantize(tensors[n].data, tensors[n].tensor_type).astype(np.float64)
    ids = np.array([int(x) for x in open(ids_path).read().split()], dtype=np.int64)
    emb = W("token_embd.weight")
    width = emb.shape[1]
    hd = width // n_head

    def unpermute(w, heads):
        # llama.cpp's converter applied w.reshape(heads, 2, hd/2, -1).swapaxes(1, 2); undo it for llama
        if arch != "llama":
            return w
        return w.reshape(heads, hd // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)

    def rms(x, w):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + eps) * w

    t = len(ids)
    inv = base ** (-np.arange(0, hd, 2, dtype=np.float64) / hd)
    ang = np.outer(np.arange(t, dtype=np.float64), inv)
    cos, sin = np.cos(np.concatenate([ang, ang], -1)), np.sin(np.concatenate([ang, ang], -1))

    def rope(x):  # x [heads, t, hd], HF rotate_half
        x1, x2 = x[..., : hd // 2], x[..., hd // 2:]
        return x * cos + np.concatenate([-x2, x1], -1) * sin

    x = emb[ids]
    mask = np.triu(np.full((t, t), -np.inf), 1)
    for i in range(n_blocks):
        b = f"blk.{i}."
        h = rms(x, W(b + "attn_norm.weight"))
        def proj(n, heads=None):
            w = W(b + n + ".weight")
            bb = W(b + n + ".bias") if (b + n + ".bias") in tensors else np.zeros(w.shape[0])
            if heads:
                w, bb = unpermute(w, heads), unpermute(bb, heads)
            return h @ w.T + bb

        q, k, v = proj("attn_q", n_head), proj("attn_k", n_kv), proj("attn_v")
        q = rope(q.reshape(t, n_head, hd).transpose(1, 0, 2))
        k = rope(k.reshape(t, n_kv, hd).transpose(1, 0, 2))
        v = v.reshape(t, n_kv, hd).transpose(1, 0, 2)
        k = np.repeat(k, n_head // n_kv, axis=0)
        v = np.repeat(v, n_head // n_kv, axis=0)
        s = q @ k.transpose(0, 2, 1) / np.sqrt(hd) + mask
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        y = (s @ v).transpose(1, 0, 2).reshape(t, width)
        x = x + y @ W(b + "attn_output.weight").T
        h = rms(x, W(b + "ffn_norm.weight"))
        gate, up = h @ W(b + "ffn_gate.weight").T, h @ W(b + "ffn_up.weight").T
        x = x + (gate / (1 + np.exp(-gate)) * up) @ W(b + "ffn_down.weight").T
    x = rms(x, W("output_norm.weight"))
    head = W("output.weight") if "output.weight" in tensors else emb
    logits = x @ head.T
    m = logits.max(-1, keepdims=True)
    logp = logits - m - np.log(np.exp(logits - m).sum(-1, keepdims=True))
    nll = -logp[np.arange(t - 1), ids[1:]]
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "result.json"), "w") as f:
        json.dump({"tokens": int(t), "nll": float(nll.mean()), "perplexity": float(np.exp(nll.mean()))}, f)
    if want_logits:
        logits.astype("<f4").tofile(os.path.join(out, "logits.f32"))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], "--logits" in sys.argv[4:])
