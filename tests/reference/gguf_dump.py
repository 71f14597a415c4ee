"""Dequantizes named tensors of a GGUF file with the `gguf` package (llama.cpp's Python reader) and writes each as
raw little-endian float32 (numpy shape order) to OUTDIR/<name>.f32, plus OUTDIR/info.json with shapes and types.
Used by the Java tests to check Precis's reader on a real file: python gguf_dump.py FILE OUTDIR NAME..."""
import json
import os
import sys

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize


def main(path, out, names):
    r = GGUFReader(path)
    by_name = {t.name: t for t in r.tensors}
    info = {}
    for n in names:
        t = by_name[n]
        values = dequantize(t.data, t.tensor_type).astype(np.float32)
        values.tofile(os.path.join(out, n + ".f32"))
        info[n] = {"type": t.tensor_type.name, "shape": [int(d) for d in values.shape]}
    with open(os.path.join(out, "info.json"), "w") as f:
        json.dump(info, f)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3:])
