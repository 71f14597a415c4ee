"""Reference data for the GGUF/ggml tests, from llama.cpp's own Python package `gguf` (numpy only).

Run in the project venv from the repository root: .venv/bin/python tests/reference/make_ggml_reference.py
Writes into engine/src/test/resources/gguf/ (committed; small):
  quant-input.f32            8 rows x 512 float32 inputs (seeded; normal, small, outliers, zeros, ties, ...)
  gguf-<T>.bin / .deq.f32    gguf's numpy quantizer's blocks for those inputs and their dequantized values
                             (T = every type gguf 0.19 can quantize: Q4_0 Q4_1 Q5_0 Q5_1 Q8_0 BF16 F16)
  ggml-<T>.deq.f32           gguf's dequantization of the blocks llama.cpp's C reference quantizers wrote
                             (ggml-<T>.bin, made by tests/reference/ggml_ref_vectors.sh)
  random-<T>.bin / .deq.f32  random blocks (scales kept finite) of every type Precis reads, dequantized by gguf
  reference.gguf / .json     a GGUF written by gguf.GGUFWriter with metadata of every value type and one tensor
                             per ggml type; the JSON lists what a reader must find
"""
import json
import os
import sys

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T

OUT = os.path.join("engine", "src", "test", "resources", "gguf")
ALL = ["F32", "F16", "BF16", "Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q2_K", "Q3_K", "Q4_K", "Q5_K", "Q6_K"]
PY_QUANT = ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "BF16", "F16"]
# byte offsets of the fp16 scale fields in each block, kept finite in random blocks
FP16_FIELDS = {"Q4_0": [0], "Q4_1": [0, 2], "Q5_0": [0], "Q5_1": [0, 2], "Q8_0": [0], "Q2_K": [80, 82],
               "Q3_K": [108], "Q4_K": [0, 2], "Q5_K": [0, 2], "Q6_K": [208], "F16": [0]}


def inputs():
    rng = np.random.default_rng(12)
    rows = [
        rng.standard_normal(512),
        rng.standard_normal(512) * 0.02,
        rng.uniform(-1, 1, 512),
        np.where(rng.random(512) < 0.02, rng.standard_normal(512) * 40, rng.standard_normal(512)),
        np.concatenate([np.zeros(256), np.full(256, 0.5)]),
        rng.integers(-16, 17, 512) * 0.5,
        np.abs(rng.standard_normal(512)) + 0.1,
        -np.abs(rng.standard_normal(512)) * 1e-3 + np.where(rng.random(512) < 0.1, 1e-20, 0),
    ]
    return np.stack(rows).astype(np.float32)


def save(name, arr):
    np.ascontiguousarray(arr).tofile(os.path.join(OUT, name))


def random_blocks(name, rng):
    qtype = T[name]
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    n_blocks = 16 if block > 1 else 256
    raw = rng.integers(0, 256, (n_blocks, size), dtype=np.uint8)
    for off in FP16_FIELDS.get(name, []):
        raw[:, off:off + 2] = (rng.standard_normal(n_blocks) * 0.05).astype(np.float16).view(np.uint8).reshape(n_blocks, 2)
    if name == "F32":
        raw = rng.standard_normal(n_blocks).astype(np.float32).view(np.uint8).reshape(n_blocks, 4)
    if name == "BF16":
        raw = (rng.standard_normal(n_blocks).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16).view(np.uint8).reshape(n_blocks, 2)
    return raw.reshape(-1), n_blocks * block


def main():
    os.makedirs(OUT, exist_ok=True)
    x = inputs()
    save("quant-input.f32", x)
    for name in PY_QUANT:
        q = gguf.quantize(x, T[name])
        save(f"gguf-{name}.bin", q)
        save(f"gguf-{name}.deq.f32", gguf.dequantize(q, T[name]).astype(np.float32))
    for name in ALL:
        path = os.path.join(OUT, f"ggml-{name}.bin")
        if os.path.exists(path):
            raw = np.fromfile(path, dtype=np.uint8)
            save(f"ggml-{name}.deq.f32", gguf.dequantize(raw, T[name]).astype(np.float32).reshape(-1))
    rng = np.random.default_rng(7)
    tensors = []
    writer = gguf.GGUFWriter(os.path.join(OUT, "reference.gguf"), "llama")
    meta = {
        "test.u8": (np.uint8(200), "UINT8"), "test.i8": (np.int8(-100), "INT8"),
        "test.u16": (np.uint16(60000), "UINT16"), "test.i16": (np.int16(-30000), "INT16"),
        "test.u32": (np.uint32(4000000000), "UINT32"), "test.i32": (np.int32(-2000000000), "INT32"),
        "test.f32": (np.float32(0.1), "FLOAT32"), "test.bool": (True, "BOOL"),
        "test.u64": (np.uint64(2 ** 40 + 3), "UINT64"), "test.i64": (np.int64(-(2 ** 40)), "INT64"),
        "test.f64": (np.float64(0.1), "FLOAT64"), "test.string": ("héllo GGUF ✓", "STRING"),
    }
    writer.add_uint8("test.u8", 200)
    writer.add_int8("test.i8", -100)
    writer.add_uint16("test.u16", 60000)
    writer.add_int16("test.i16", -30000)
    writer.add_uint32("test.u32", 4000000000)
    writer.add_int32("test.i32", -2000000000)
    writer.add_float32("test.f32", 0.1)
    writer.add_bool("test.bool", True)
    writer.add_uint64("test.u64", 2 ** 40 + 3)
    writer.add_int64("test.i64", -(2 ** 40))
    writer.add_float64("test.f64", 0.1)
    writer.add_string("test.string", "héllo GGUF ✓")
    writer.add_array("test.strings", ["a", "bc", ""])
    writer.add_array("test.ints", [1, -2, 3])
    writer.add_array("test.floats", [0.5, -1.25])
    for name in ALL:
        raw, n = random_blocks(name, rng)
        save(f"random-{name}.bin", raw)
        deq = gguf.dequantize(raw, T[name]).astype(np.float32).reshape(-1)
        save(f"random-{name}.deq.f32", deq)
        shape = (n // 256, 256) if n % 256 == 0 and n >= 512 else (n,)
        tname = f"t.{name.lower()}"
        if name == "F32":
            writer.add_tensor(tname, raw.view(np.float32).reshape(shape))
        else:
            block, size = gguf.GGML_QUANT_SIZES[T[name]]
            byte_shape = (shape[0], shape[1] // block * size) if len(shape) == 2 else (n // block * size,)
            writer.add_tensor(tname, raw.reshape(byte_shape), raw_dtype=T[name])
        tensors.append({"name": tname, "type": name, "shape": list(shape), "values": f"random-{name}.deq.f32"})
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump({"metadata": {k: {"type": t, "value": (v.item() if hasattr(v, "item") else v)} for k, (v, t) in meta.items()},
                   "arrays": {"test.strings": ["a", "bc", ""], "test.ints": [1, -2, 3], "test.floats": [0.5, -1.25]},
                   "architecture": "llama", "tensors": tensors}, f, indent=1, ensure_ascii=False)
    print("wrote", OUT, file=sys.stderr)


if __name__ == "__main__":
    main()
