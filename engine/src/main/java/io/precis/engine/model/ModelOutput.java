package io.precis.engine.model;

import java.util.Arrays;

/** A model's output for one batch, row-major: embeddings [n, d], logits [n, classes] or [n, t, vocab]. */
public record ModelOutput(float[] values, long[] shape) {
    public int rows() { return (int) shape[0]; }
    /** Length of the last axis. */
    public int width() { return (int) shape[shape.length - 1]; }
    @Override public String toString() { return "ModelOutput" + Arrays.toString(shape); }
}
