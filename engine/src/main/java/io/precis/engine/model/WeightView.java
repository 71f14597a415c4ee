package io.precis.engine.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

/**
 * A live, writable view of one weight tensor inside a loaded model: float32, little-endian, row-major.
 * Writes go straight into the engine's memory (PyTorch) or into the buffer handed to the runtime
 * (ONNX Runtime); nothing is copied unless {@link #toArray()} is asked for.
 */
public final class WeightView {
    private final TensorRef tensor;
    private final ByteBuffer bytes;

    WeightView(TensorRef tensor, ByteBuffer bytes) {
        this.tensor = tensor;
        this.bytes = bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).clear();
    }

    public TensorRef tensor() { return tensor; }

    public String name() { return tensor.name(); }

    public long[] shape() { return tensor.shape(); }

    /** Axis of output channels; see {@link TensorRef#channelAxis()}. */
    public int channelAxis() { return tensor.channelAxis(); }

    /** Number of floats. */
    public int size() { return bytes.capacity() / Float.BYTES; }

    /** The direct little-endian bytes, position 0, limit at the end (a fresh duplicate each call). */
    public ByteBuffer bytes() { return bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN).clear(); }

    /** The same memory as floats. */
    public FloatBuffer floats() { return bytes().asFloatBuffer(); }

    /** A heap copy, for code that wants a {@code float[]}; write it back with {@link #write(float[])}. */
    public float[] toArray() {
        float[] a = new float[size()];
        floats().get(a);
        return a;
    }

    public void write(float[] values) {
        if (values.length != size())
            throw new IllegalArgumentException(name() + ": " + values.length + " floats for a tensor of " + size());
        floats().put(values);
    }
}
