package io.precis.engine.model;

import java.util.Arrays;
import java.util.List;

/**
 * What flows from one stage of a staged forward pass into the next (see {@link Model#stages()}), kept on the
 * Java heap so it outlives the engine's per-call memory: one float tensor for the blocks built in Java, or the
 * several named tensors an ONNX graph cut passes on (hidden states, masks; float or integer).
 */
public final class Activation {

    /**
     * One named tensor, row-major.
     *
     * @param values a {@code float[]}, {@code long[]}, {@code int[]}, {@code double[]} or {@code boolean[]}
     */
    public record Part(String name, Object values, long[] shape) {
        public Part {
            long n = 1;
            for (long d : shape) n *= d;
            int length = java.lang.reflect.Array.getLength(values);
            if (n != length)
                throw new IllegalArgumentException("tensor '" + name + "' of shape " + Arrays.toString(shape) + " needs " + n + " values, not " + length);
            shape = shape.clone();
        }

        @Override
        public long[] shape() { return shape.clone(); }

        public long bytes() {
            int length = java.lang.reflect.Array.getLength(values);
            return switch (values) {
                case long[] l -> 8L * length;
                case double[] d -> 8L * length;
                case boolean[] b -> length;
                default -> 4L * length;
            };
        }
    }

    private final List<Part> parts;

    /** One float tensor. */
    public Activation(float[] values, long[] shape) {
        this(List.of(new Part("", values, shape)));
    }

    public Activation(List<Part> parts) {
        if (parts.isEmpty()) throw new IllegalArgumentException("an activation needs at least one tensor");
        this.parts = List.copyOf(parts);
    }

    public List<Part> parts() { return parts; }

    /** The values of a single float tensor. */
    public float[] values() {
        if (parts.size() != 1 || !(parts.get(0).values() instanceof float[] f))
            throw new IllegalStateException("this activation holds " + parts.size() + " tensors; read parts()");
        return f;
    }

    /** The shape of a single tensor. */
    public long[] shape() {
        if (parts.size() != 1) throw new IllegalStateException("this activation holds " + parts.size() + " tensors; read parts()");
        return parts.get(0).shape();
    }

    /** Bytes held. */
    public long bytes() {
        return parts.stream().mapToLong(Part::bytes).sum();
    }

    @Override
    public String toString() {
        return "Activation" + parts.stream().map(p -> (p.name().isEmpty() ? "" : p.name() + " ") + Arrays.toString(p.shape)).toList();
    }
}
