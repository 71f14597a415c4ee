#!/usr/bin/env python3
"""Trains a tiny CNN on Fashion-MNIST and saves it as TorchScript (fashion_cnn.pt), reproducibly.

Needs PyTorch (Debian: apt-get install python3-torch; run with /usr/bin/python3) and Debian's
dataset-fashion-mnist. Fixed seed, 2 threads, one epoch: about a minute on 2 cores. The .pt file is
committed (about 120 kB), so builds and CI do not run this.
"""
import gzip, json, os, struct, sys, tempfile
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA = "/usr/share/datasets/fashion-mnist"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fashion_cnn.pt")


def idx(path):
    with gzip.open(path, "rb") as f:
        magic, n = struct.unpack(">II", f.read(8))
        if magic == 0x803:
            h, w = struct.unpack(">II", f.read(8))
            return torch.frombuffer(bytearray(f.read()), dtype=torch.uint8).reshape(n, 1, h, w).float() / 255.0
        return torch.frombuffer(bytearray(f.read()), dtype=torch.uint8).long()


class FashionCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3)
        self.conv2 = nn.Conv2d(8, 16, 3)
        self.fc1 = nn.Linear(16 * 5 * 5, 64)
        self.norm = nn.LayerNorm(64)
        self.head = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.relu(self.norm(self.fc1(torch.flatten(x, 1))))
        return self.head(x)


def main():
    torch.manual_seed(0)
    torch.set_num_threads(2)
    torch.use_deterministic_algorithms(True)
    xtr, ytr = idx(f"{DATA}/train-images-idx3-ubyte.gz"), idx(f"{DATA}/train-labels-idx1-ubyte.gz")
    xte, yte = idx(f"{DATA}/t10k-images-idx3-ubyte.gz"), idx(f"{DATA}/t10k-labels-idx1-ubyte.gz")
    model = FashionCnn()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    g = torch.Generator().manual_seed(0)
    for epoch in range(2):
        perm = torch.randperm(len(xtr), generator=g)
        for i in range(0, len(xtr), 64):
            b = perm[i:i + 64]
            loss = F.cross_entropy(model(xtr[b]), ytr[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        logits = model(xte)
        acc = (logits.argmax(1) == yte).float().mean().item()
        loss = F.cross_entropy(logits, yte).item()
    print(f"test accuracy {acc:.4f}  loss {loss:.4f}")
    scripted = torch.jit.script(model)
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(OUT), suffix=".tmp")
    os.close(fd)
    scripted.save(tmp)
    os.replace(tmp, OUT)
    side = {"task": "classifier", "input": [1, 28, 28], "trained": {"epochs": 2, "seed": 0, "test_accuracy": round(acc, 4), "test_loss": round(loss, 4), "torch": torch.__version__}}
    with open(OUT.replace(".pt", ".precis.json"), "w") as f:
        json.dump(side, f, indent=2)
        f.write("\n")
    print("wrote", OUT)


if __name__ == "__main__":
    sys.exit(main())
