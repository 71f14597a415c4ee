package io.precis.engine.quant;

import io.precis.engine.format.Format;
import io.precis.engine.format.GroupLayout;
import io.precis.engine.format.ggml.GgmlFormats;

import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * Applies {@link Format}s to tensors: in place over {@code float[]} or float32 byte buffers (a DJL tensor's
 * {@code toByteBuffer(true)} view), on every core, with the Vector API kernel when the JVM has
 * {@code jdk.incubator.vector} and the scalar reference kernel otherwise. Both give the same bits, for any
 * thread count; no full-size copy of a tensor is made.
 *
 * <pre>{@code
 * Quantizer.standard().fakeQuantize(Formats.mxfp4(), weights, 4096, 4096);
 * Quantizer.scalar().threads(1).fakeQuantize(format, copy, shape);   // the reference, for checks
 * }</pre>
 */
public final class Quantizer {

    private static final int CORES = Runtime.getRuntime().availableProcessors();

    private final QuantKernel kernel;
    private final int threads;

    private Quantizer(QuantKernel kernel, int threads) {
        this.kernel = kernel;
        this.threads = threads;
    }

    /** The fastest kernel here, on all cores. */
    public static Quantizer standard() {
        return new Quantizer(QuantKernels.best(), CORES);
    }

    /** The scalar reference kernel (what the fast path is tested against), on all cores. */
    public static Quantizer scalar() {
        return new Quantizer(ScalarQuantKernel.INSTANCE, CORES);
    }

    /** The Vector API kernel, if this JVM can run it. */
    public static Optional<Quantizer> vector() {
        QuantKernel v = QuantKernels.vector();
        return v == null ? Optional.empty() : Optional.of(new Quantizer(v, CORES));
    }

    /** Why {@link #standard()} runs the scalar kernel here, if it does. */
    public static Optional<String> vectorUnavailableReason() {
        return Optional.ofNullable(QuantKernels.fallbackReason());
    }

    /** The same kernel on {@code n} threads (the calling thread included). */
    public Quantizer threads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + n);
        }
        return new Quantizer(kernel, n);
    }

    /** "scalar" or "vector-256" (bits per vector). */
    public String kernelName() {
        return kernel.name();
    }

    public int threads() {
        return threads;
    }

    /**
     * Quantizes then dequantizes in place; an empty shape means 1-D (not allowed with per-channel scales, where
     * the shape decides everything). Returns {@code weights}.
     */
    public float[] fakeQuantize(Format format, float[] weights, int... shape) {
        if (GgmlFormats.is(format)) {
            return GgmlFormats.fakeQuantize(format, weights, shape == null ? new int[0] : shape);
        }
        new Job(format, shapeOf(format, weights.length, shape), Storage.of(weights), kernel, threads).fakeQuantize();
        return weights;
    }

    /**
     * Quantizes then dequantizes in place the float32 values from the buffer's position to its limit, read in
     * the buffer's byte order. The buffer's position and limit are left as they were. Returns {@code weights}.
     */
    public ByteBuffer fakeQuantize(Format format, ByteBuffer weights, int... shape) {
        if (GgmlFormats.is(format)) {
            return GgmlFormats.fakeQuantize(format, weights, shape == null ? new int[0] : shape);
        }
        Storage data = Storage.of(weights);
        new Job(format, shapeOf(format, data.size(), shape), data, kernel, threads).fakeQuantize();
        return weights;
    }

    /** Codes, scales and zero points; {@link Encoded#decode()} gives exactly what fakeQuantize gives. */
    public Encoded encode(Format format, float[] weights, int... shape) {
        if (GgmlFormats.is(format)) {
            throw new IllegalArgumentException(format + " is stored in llama.cpp's blocks, not as codes and scales; "
                    + "use GgmlQuants.quantize (or write a GGUF) for its encoded form");
        }
        int[] s = shapeOf(format, weights.length, shape);
        Job job = new Job(format, s, Storage.of(weights), kernel, threads);
        Job.Scales scales = job.allScales();
        ElementOp op = job.op();
        GroupLayout layout = job.layout();
        Encoded.Codes codes = Encoded.Codes.forBits(format.element().bits(), weights.length);
        if (layout.kind() == GroupLayout.Kind.UNSCALED) {
            for (int i = 0; i < weights.length; i++) {
                codes.set(i, encodeOne(format, op, weights[i], 1f, 0f, i));
            }
        } else {
            job.forEachGroup((k, runs) -> {
                float sk = scales.s()[k];
                float zk = scales.z() == null ? 0f : scales.z()[k];
                for (int r = 0; r < runs[1]; r++) {
                    int start = runs[0] + r * runs[2];
                    for (int j = 0; j < runs[3]; j++) {
                        int i = start + j;
                        // a NaN block scale (OCP MX) makes every element NaN whatever its code; store 0
                        codes.set(i, Float.isNaN(sk) ? 0 : encodeOne(format, op, weights[i], sk, zk, i));
                    }
                }
            });
        }
        return new Encoded(format, s, layout, op, codes, scales.s(), scales.z(), scales.codes(), job.tensorScale());
    }

    private static int encodeOne(Format format, ElementOp op, float x, float s, float z, int i) {
        try {
            return op.encode(x, s, z, i);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(format + ": element " + i + " (" + x + ") cannot be encoded: "
                    + e.getMessage());
        }
    }

    static int[] shapeOf(Format format, int length, int[] shape) {
        if (shape != null && shape.length > 0) {
            return shape.clone();
        }
        if (format.granularity() instanceof io.precis.engine.format.Granularity.PerChannel) {
            throw new IllegalArgumentException(format + ": per-channel scales need the tensor's shape, e.g. "
                    + "fakeQuantize(weights, rows, cols); without one every value would be its own channel "
                    + "(pass the 1-D shape explicitly if that is what you want)");
        }
        return new int[] {length};
    }

    @Override
    public String toString() {
        return "Quantizer[" + kernel.name() + ", " + threads + " threads]";
    }
}
