package io.precis.engine.model;

import java.util.Arrays;

/**
 * One named tensor of a model, as stored by its engine.
 *
 * @param name        the engine's own name (TorchScript parameter, ONNX initializer, DJL parameter path)
 * @param role        weight, bias or other (norm scales, position tables...)
 * @param shape       dimensions as stored
 * @param dtype       element type, e.g. {@code float32}
 * @param channelAxis the axis of output channels (0 for a PyTorch Linear [out,in], 1 for an ONNX MatMul
 *                    weight [in,out]); per-channel quantization keeps one scale per index of this axis
 */
public record TensorRef(String name, Role role, long[] shape, String dtype, int channelAxis) {

    public enum Role { WEIGHT, BIAS, OTHER }

    public TensorRef {
        shape = shape.clone();
    }

    /** Number of elements. */
    public long params() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** The axis along which a dot product sums (the other one of a matrix), or -1 for vectors. */
    public int reductionAxis() {
        if (shape.length < 2) return -1;
        return channelAxis == 0 ? 1 : 0;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorRef t && t.name.equals(name) && t.role == role && Arrays.equals(t.shape, shape)
                && t.dtype.equals(dtype) && t.channelAxis == channelAxis;
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + " " + role.name().toLowerCase(java.util.Locale.ROOT) + " " + Arrays.toString(shape) + " " + dtype;
    }
}
