"""Reference data for Precis's GPTQ, AWQ and SmoothQuant, made with llm-compressor (see README.md here).

Run in a venv OUTSIDE the repository (torch is never installed by `make test`):
    python3 -m venv /work/refvenv && /work/refvenv/bin/pip install "torch<2.15" "llmcompressor==0.14.0.1"
    /work/refvenv/bin/python tests/reference/make_reference.py [--bench]
Writes tests/reference/data/*.npz (float32/int arrays) and data/reference.json (versions, machine, numbers).
"""
import json, math, os, platform, sys, time
from importlib.metadata import version
from types import SimpleNamespace

import numpy as np
import torch
from compressed_tensors.quantization import QuantizationArgs, fake_quantize
from compressed_tensors.quantization.utils import calculate_qparams
from llmcompressor.modifiers.gptq.gptq_quantize import quantize_weight
from llmcompressor.modifiers.gptq.helpers import accumulate_hessian, make_empty_hessian
from llmcompressor.modifiers.transform.smoothquant.base import SmoothQuantModifier

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")
torch.set_num_threads(2)


def correlated_inputs(rows, d, seed, outliers=0):
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(rows, d, generator=g)
    # a mixing matrix with a decaying spectrum: neighbouring features correlate, as in real activations
    mix = torch.randn(d, d, generator=g) / math.sqrt(d)
    mix = mix * torch.logspace(0, -1.5, d).unsqueeze(0)
    x = z @ mix.T + 0.3 * z
    if outliers:
        idx = torch.randperm(d, generator=g)[:outliers]
        x[:, idx] *= 20.0
    return x.float()


def qargs(strategy, group_size=None, actorder=None, bits=4):
    return QuantizationArgs(num_bits=bits, type="int", symmetric=True, strategy=strategy, group_size=group_size,
                            actorder=actorder, observer="minmax")


def ct_scales(w, args):
    """compressed-tensors' min/max scales from the original weights (what the GPTQ observer computes)."""
    if args.strategy == "group":
        rows, cols = w.shape
        g = w.reshape(rows, cols // args.group_size, args.group_size)
        return calculate_qparams(g.amin(-1), g.amax(-1), args)
    return calculate_qparams(w.amin(1, keepdim=True), w.amax(1, keepdim=True), args)


def codes_of(q, scale, args, cols):
    s = scale if args.strategy != "group" else scale.repeat_interleave(args.group_size, dim=1)[:, :cols]
    return torch.round(q / s).to(torch.int32)


def hessian(x, module_like):
    h = make_empty_hessian(module_like)
    n = torch.zeros((), dtype=torch.int64)
    for b in range(0, x.shape[0], 64):            # one "sample" of 64 rows per batch, as a [1, 64, d] input
        h, n = accumulate_hessian(x[b:b + 64].unsqueeze(0), module_like, h, n)
    return h / n                                   # prepare_batch normalises by the sample count


def out_err(x, w, wq):
    return float(((x @ (w - wq).T) ** 2).sum() / ((x @ w.T) ** 2).sum())


def gptq_case(name, x, w, args, meta):
    lin = torch.nn.Linear(w.shape[1], w.shape[0], bias=False)
    lin.weight.data.copy_(w)
    h = hessian(x, lin)
    scale, zp = ct_scales(w, args)
    q, loss, fallback = quantize_weight(w.clone().unsqueeze(0), h.clone().unsqueeze(0), scale.unsqueeze(0),
                                        zp.unsqueeze(0), None, args, blocksize=128, percdamp=0.01)
    q = q[0]
    s_full = scale if args.strategy != "group" else scale.repeat_interleave(args.group_size, dim=1)
    rtn = fake_quantize(w, scale, zp, args)
    np.savez(os.path.join(OUT, name + ".npz"), w=w.numpy(), h=h.numpy(), gptq=q.numpy(), rtn=rtn.numpy(),
             gptq_codes=codes_of(q, scale, args, w.shape[1]).numpy(), rtn_codes=codes_of(rtn, scale, args, w.shape[1]).numpy(),
             scales=scale.numpy())
    meta[name] = {"shape": list(w.shape), "calibration_rows": x.shape[0], "args": args.model_dump(mode="json"),
                  "gptq_output_error": out_err(x, w, q), "rtn_output_error": out_err(x, w, rtn),
                  "gptq_loss": float(loss[0]), "rtn_fallback": bool(fallback[0])}
    print(name, meta[name]["gptq_output_error"], meta[name]["rtn_output_error"])


def awq_case(meta):
    """AWQ's grid search as llm-compressor 0.14's AWQModifier._compute_best_scale runs it (duo scaling, per channel),
    its loss taken on the layer's own outputs; RTN by compressed-tensors' fake_quantize."""
    x = correlated_inputs(512, 256, seed=2, outliers=8)
    g = torch.Generator().manual_seed(3)
    w = torch.randn(64, 256, generator=g) * 0.05
    args = qargs("channel")
    x_mean = x.abs().mean(0)
    w_mean = (w.abs() / w.abs().amax(dim=1, keepdim=True)).mean(0)
    ref = x @ w.T
    grid = [(0.0, False)] + [(i / 18, True) for i in range(19)]
    best = None
    for ratio, duo in grid:
        s = (x_mean.pow(ratio) / (w_mean.pow(1 - ratio) + 1e-4)).clamp(min=1e-4) if duo else x_mean.pow(ratio).clamp(min=1e-4)
        s = s / (s.max() * s.min()).sqrt()
        ws = w * s.view(1, -1)
        sc, zp = ct_scales(ws, args)
        wq = fake_quantize(ws, sc, zp, args) / s.view(1, -1)
        loss = float(torch.nn.functional.mse_loss(x @ wq.T, ref))
        if best is None or loss < best[0]:
            best = (loss, ratio, duo, s, wq)
    sc, zp = ct_scales(w, args)
    rtn = fake_quantize(w, sc, zp, args)
    np.savez(os.path.join(OUT, "awq_64x256.npz"), x=x.numpy(), w=w.numpy(), awq=best[4].numpy(), scales=best[3].numpy(),
             rtn=rtn.numpy(), x_mean=x_mean.numpy())
    meta["awq_64x256"] = {"ratio": best[1], "duo_scaling": best[2], "awq_output_error": out_err(x, w, best[4]),
                          "rtn_output_error": out_err(x, w, rtn), "grid": [list(p) for p in grid]}
    print("awq", meta["awq_64x256"])


def per_token_int8(x):
    """compressed-tensors' dynamic per-token symmetric int8: scale absmax/127.5, codes -128..127."""
    s = x.abs().amax(dim=1, keepdim=True) / 127.5
    s = torch.where(s == 0, torch.finfo(torch.float32).eps, s)
    return torch.clamp(torch.round(x / s), -128, 127) * s


def smoothquant_case(meta):
    x = correlated_inputs(512, 256, seed=4, outliers=6)
    g = torch.Generator().manual_seed(5)
    w = torch.randn(64, 256, generator=g) * 0.05
    lin = torch.nn.Linear(256, 64, bias=False)
    lin.weight.data.copy_(w)
    act = x.amax(0) - x.amin(0)                   # SmoothQuantModifier: max - min per channel
    me = SimpleNamespace(algorithm="smoothquant", smoothing_strength=0.5)
    s = SmoothQuantModifier._calculate_smoothing_scales(me, [lin], act).detach()
    args = qargs("channel", bits=8)

    def w8(wm):
        sc, zp = ct_scales(wm, args)
        return fake_quantize(wm, sc, zp, args)

    ref = x @ w.T
    y_w8a16 = x @ w8(w).T
    y_w8a8 = per_token_int8(x) @ w8(w).T
    y_sq = per_token_int8(x / s) @ w8(w * s).T
    err = lambda y: float(((y - ref) ** 2).sum() / (ref ** 2).sum())
    np.savez(os.path.join(OUT, "smoothquant_64x256.npz"), x=x.numpy(), w=w.numpy(), scales=s.numpy(), act_range=act.numpy(),
             y_w8a8_smooth=y_sq.numpy())
    meta["smoothquant_64x256"] = {"alpha": 0.5, "w8a16_error": err(y_w8a16), "w8a8_error": err(y_w8a8),
                                  "w8a8_smoothquant_error": err(y_sq)}
    print("smoothquant", meta["smoothquant_64x256"])


def bench(meta):
    """llm-compressor's GPTQ on 4096x4096 with 2048 calibration rows, 2 threads (the bench-algorithms reference)."""
    d, n = 4096, 2048
    x = correlated_inputs(n, d, seed=6)
    w = torch.randn(d, d, generator=torch.Generator().manual_seed(7)) * 0.02
    lin = torch.nn.Linear(d, d, bias=False)
    args = qargs("channel")
    t0 = time.perf_counter()
    h = make_empty_hessian(lin)
    cnt = torch.zeros((), dtype=torch.int64)
    h, cnt = accumulate_hessian(x.unsqueeze(0), lin, h, cnt)
    h = h / cnt
    t1 = time.perf_counter()
    scale, zp = ct_scales(w, args)
    quantize_weight(w.unsqueeze(0), h.unsqueeze(0), scale.unsqueeze(0), zp.unsqueeze(0), None, args)
    t2 = time.perf_counter()
    meta["bench_gptq_4096"] = {"hessian_seconds": t1 - t0, "quantize_seconds": t2 - t1, "total_seconds": t2 - t0,
                               "threads": torch.get_num_threads()}
    print("bench", meta["bench_gptq_4096"])


def main():
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, "reference.json")
    meta = json.load(open(path)) if os.path.exists(path) else {}
    meta["made_by"] = "tests/reference/make_reference.py"
    meta["versions"] = {p: version(p) for p in ("torch", "llmcompressor", "compressed-tensors", "numpy")}
    meta["machine"] = {"platform": platform.platform(), "processor": _cpu(), "cpus": os.cpu_count(),
                       "python": sys.version.split()[0], "torch_threads": torch.get_num_threads()}
    x = correlated_inputs(512, 256, seed=0)
    w = torch.randn(64, 256, generator=torch.Generator().manual_seed(1)) * 0.05
    gptq_case("gptq_channel_64x256", x, w, qargs("channel"), meta)
    gptq_case("gptq_group128_static_64x256", x, w, qargs("group", 128, "static"), meta)
    awq_case(meta)
    smoothquant_case(meta)
    if "--bench" in sys.argv:
        bench(meta)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


def _cpu():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


if __name__ == "__main__":
    main()
