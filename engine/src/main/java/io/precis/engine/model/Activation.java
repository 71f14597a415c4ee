package io.precis.engine.model;

import java.util.Arrays;

/**
 * The values flowing between two stages of a staged forward pass (see {@link Model#stages()}), float32,
 * row-major, kept on the Java heap so that it outlives the engine's per-call memory.
 */
public record Activation(float[] values, long[] shape) {

    public Activation {
        long n = 1;
        for (long d : shape) n *= d;
        if (n != values.length)
            throw new IllegalArgumentException("activation of shape " + Arrays.toString(shape) + " needs " + n + " values, not " + values.length);
        shape = shape.clone();
    }

    @Override
    public long[] shape() { return shape.clone(); }

    /** Bytes held. */
    public long bytes() { return (long) values.length * Float.BYTES; }

    @Override
    public String toString() { return "Activation" + Arrays.toString(shape); }
}
