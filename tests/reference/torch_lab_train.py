"""PyTorch eager training of the scaling-law lab's w64l2 model: the reference `make bench-train` compares Precis's
DJL training with when a venv with torch exists (REFVENV_CT, the one `make reference-exports` makes; never in
`make test`). The model is LabLm's, written out in torch: byte vocabulary 256, width 64, 2 blocks of RMSNorm ->
grouped-query attention with rotary embeddings over head halves (4 heads of 16) and RMSNorm -> SwiGLU (176 hidden),
final RMSNorm, the token table as the head; weights N(0, 0.02), norms 1; Adam at 2e-3 with each gradient value
clipped to [-1, 1] (DJL's clipGrad); batches of 16 windows of 128 bytes read as LabTrainer reads them (16 lanes of
the training stream). Throughput only: the learning-rate schedule is left out (it costs nothing measurable).

    python torch_lab_train.py --corpus DIR --threads 2 --steps 40 --out FILE
prints and writes {"torch": version, "threads": n, "tokens_per_second": ..., "cpu_seconds_per_step": ..., "N": ...}.
"""
import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

VOCAB, WIDTH, BLOCKS, HEADS, FF, CONTEXT, BATCH = 256, 64, 2, 4, 176, 128, 16


class Lab(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Parameter(torch.randn(VOCAB, WIDTH) * 0.02)
        self.blocks = torch.nn.ModuleList()
        for _ in range(BLOCKS):
            b = torch.nn.ParameterDict({
                "attn_norm": torch.nn.Parameter(torch.ones(WIDTH)), "ffn_norm": torch.nn.Parameter(torch.ones(WIDTH)),
                **{k: torch.nn.Parameter(torch.randn(WIDTH, WIDTH) * 0.02) for k in ("q", "k", "v", "o")},
                "gate": torch.nn.Parameter(torch.randn(FF, WIDTH) * 0.02), "up": torch.nn.Parameter(torch.randn(FF, WIDTH) * 0.02),
                "down": torch.nn.Parameter(torch.randn(WIDTH, FF) * 0.02)})
            self.blocks.append(b)
        self.out_norm = torch.nn.Parameter(torch.ones(WIDTH))
        hd = WIDTH // HEADS
        freq = 10000.0 ** (-2.0 * torch.arange(hd // 2) / hd)
        ang = torch.arange(CONTEXT)[:, None] * freq[None, :]
        self.register_buffer("cos", ang.cos())
        self.register_buffer("sin", ang.sin())
        self.register_buffer("mask", torch.full((CONTEXT, CONTEXT), float("-inf")).triu(1))

    @staticmethod
    def rms(x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * w

    def rope(self, x):
        half = x.shape[-1] // 2
        x0, x1 = x[..., :half], x[..., half:]
        return torch.cat((x0 * self.cos - x1 * self.sin, x0 * self.sin + x1 * self.cos), -1)

    def forward(self, ids):
        b, t = ids.shape
        x = F.embedding(ids, self.embed)
        for blk in self.blocks:
            h = self.rms(x, blk["attn_norm"])
            q, k, v = (F.linear(h, blk[n]).view(b, t, HEADS, -1).transpose(1, 2) for n in ("q", "k", "v"))
            q, k = self.rope(q), self.rope(k)
            att = (q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]) + self.mask).softmax(-1)
            x = x + F.linear((att @ v).transpose(1, 2).reshape(b, t, WIDTH), blk["o"])
            h = self.rms(x, blk["ffn_norm"])
            g = F.linear(h, blk["gate"])
            x = x + F.linear(g * torch.sigmoid(g) * F.linear(h, blk["up"]), blk["down"])
        return F.linear(self.rms(x, self.out_norm), self.embed)


def run(train, steps):
    torch.manual_seed(1)
    model = Lab()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    for s in range(steps):
        x = np.empty((BATCH, CONTEXT), np.int64)
        y = np.empty((BATCH, CONTEXT), np.int64)
        for r in range(BATCH):
            off = (r * steps + s) * CONTEXT
            x[r] = train[off:off + CONTEXT]
            y[r] = train[off + 1:off + CONTEXT + 1]
        loss = F.cross_entropy(model(torch.from_numpy(x)).reshape(-1, VOCAB), torch.from_numpy(y).reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        for p in model.parameters():
            p.grad.clamp_(-1, 1)
        opt.step()
    return model, loss.item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=40)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    train = np.frombuffer((Path(a.corpus) / "train.txt").read_bytes()[: (BATCH * a.steps + 1) * CONTEXT + 1], np.uint8).astype(np.int64)
    run(train, 5)                                    # warm-up: allocator, kernels
    cpu0, t0 = time.process_time(), time.perf_counter()
    model, loss = run(train, a.steps)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    n = sum(p.numel() for p in model.parameters()) - VOCAB * WIDTH
    out = {"torch": torch.__version__, "threads": a.threads, "steps": a.steps, "N": n, "final_loss": loss,
           "tokens_per_second": a.steps * BATCH * CONTEXT / seconds, "cpu_seconds_per_step": cpu / a.steps}
    Path(a.out).write_text(json.dumps(out) + "\n")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
