package io.precis.engine.format.ggml;

import io.precis.engine.format.Format;
import io.precis.engine.format.Granularity;
import io.precis.engine.format.Rounding;
import io.precis.engine.format.ScaleType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * llama.cpp's block formats as Precis formats ({@code q8_0, q4_0, q4_1, q5_0, q5_1, q2_k ... q6_k}): fake
 * quantization is llama.cpp's reference quantizer followed by its dequantizer, so the values are exactly those a
 * GGUF written by Precis (or by llama-quantize without an importance matrix) holds. Blocks run along the reduction
 * axis like every Precis group; a lane whose length is not a multiple of the block (llama.cpp refuses such rows)
 * is quantized as if padded with zeros. Bits per weight are the true storage cost: block bytes * 8 / block size.
 */
public final class GgmlFormats {
    private GgmlFormats() {}

    /** The ggml type behind a format, if it is one of llama.cpp's block formats. */
    public static Optional<GgmlType> typeOf(Format f) {
        if (!(f.granularity() instanceof Granularity.Blocks b) || b.scale() != ScaleType.FP16 || b.tensorScale())
            return Optional.empty();
        return GgmlType.byName(f.name()).filter(t -> t.isQuantized() && t.blockSize() == b.size());
    }

    public static boolean is(Format f) {
        return typeOf(f).isPresent();
    }

    /** Bits per weight of full blocks: q4_k 4.5, q6_k 6.5625, q8_0 8.5, q4_0 4.5, q4_1 5. */
    public static double bitsPerWeight(Format f) {
        return type(f).bitsPerWeight();
    }

    /** Exact bits per weight of a tensor of this shape (a partial last block costs a whole block). */
    public static double bitsPerWeight(Format f, int... shape) {
        Lanes l = lanes(f, shape);
        if (l.count() == 0) return bitsPerWeight(f);
        GgmlType t = type(f);
        long blocks = (long) l.count() * ((l.dim + t.blockSize() - 1) / t.blockSize());
        return blocks * t.blockBytes() * 8.0 / ((long) l.count() * l.dim);
    }

    /** Quantizes then dequantizes in place. */
    public static float[] fakeQuantize(Format f, float[] w, int... shape) {
        GgmlType t = type(f);
        Lanes l = lanes(f, shape.length == 0 ? new int[] {w.length} : shape);
        check(l, w.length, f);
        run(l, lane -> roundTrip(t, l, lane, i -> w[i], (i, v) -> w[i] = v));
        return w;
    }

    /** Quantizes then dequantizes float32 values in place, from position to limit in the buffer's byte order. */
    public static ByteBuffer fakeQuantize(Format f, ByteBuffer w, int... shape) {
        if (w.isReadOnly()) throw new IllegalArgumentException("the buffer is read-only; quantization writes in place");
        GgmlType t = type(f);
        ByteBuffer b = w.duplicate().order(w.order());
        int base = w.position(), n = w.remaining() / Float.BYTES;
        Lanes l = lanes(f, shape.length == 0 ? new int[] {n} : shape);
        check(l, n, f);
        run(l, lane -> roundTrip(t, l, lane, i -> b.getFloat(base + i * Float.BYTES), (i, v) -> b.putFloat(base + i * Float.BYTES, v)));
        return w;
    }

    private interface Get { float at(int i); }
    private interface Put { void at(int i, float v); }

    /** Per-thread lane buffers, so a swap allocates nothing per lane (a tensor's lanes may number 50 000). */
    private static final ThreadLocal<Object[]> SCRATCH = ThreadLocal.withInitial(() -> new Object[] {new float[0], ByteBuffer.allocate(0)});

    private static void roundTrip(GgmlType t, Lanes l, int lane, Get get, Put put) {
        int padded = (l.dim + t.blockSize() - 1) / t.blockSize() * t.blockSize();
        Object[] scratch = SCRATCH.get();
        if (((float[]) scratch[0]).length < padded) {
            scratch[0] = new float[padded];
            scratch[1] = ByteBuffer.allocate((int) t.bytes(padded) * 2).order(ByteOrder.LITTLE_ENDIAN);
        }
        float[] row = (float[]) scratch[0];
        java.util.Arrays.fill(row, l.dim, padded, 0f);
        int o = lane / l.inner, in = lane % l.inner;
        int start = o * l.dim * l.inner + in;
        for (int j = 0; j < l.dim; j++) row[j] = get.at(start + j * l.inner);
        ByteBuffer blocks = (ByteBuffer) scratch[1];
        if (blocks.capacity() < t.bytes(padded)) scratch[1] = blocks = ByteBuffer.allocate((int) t.bytes(padded)).order(ByteOrder.LITTLE_ENDIAN);
        GgmlQuants.quantize(t, row, 0, padded, blocks, 0);
        GgmlQuants.dequantize(t, blocks, 0, row, 0, padded);
        for (int j = 0; j < l.dim; j++) put.at(start + j * l.inner, row[j]);
    }

    private static void run(Lanes l, java.util.function.IntConsumer body) {
        // lanes are independent, so the result does not depend on how they are shared out
        if ((long) l.count() * l.dim < 1 << 15) IntStream.range(0, l.count()).forEach(body);
        else IntStream.range(0, l.count()).parallel().forEach(body);
    }

    private static void check(Lanes l, int n, Format f) {
        if ((long) l.count() * l.dim != n)
            throw new IllegalArgumentException(f + ": the shape holds " + (long) l.count() * l.dim + " values but the tensor has " + n);
    }

    private static GgmlType type(Format f) {
        return typeOf(f).orElseThrow(() -> new IllegalArgumentException(f + " is not one of llama.cpp's formats"));
    }

    /** outer x dim x inner: blocks run along dim; a lane is one (outer, inner) pair. */
    private record Lanes(int outer, int dim, int inner) {
        int count() { return outer * inner; }
    }

    private static Lanes lanes(Format f, int[] s) {
        int axis = ((Granularity.Blocks) f.granularity()).axis();
        if (s.length == 1 || (axis == Granularity.ROWS && s.length == 1)) return new Lanes(1, s[0], 1);
        if (axis == Granularity.ROWS) {
            long rest = 1;
            for (int i = 1; i < s.length; i++) rest *= s[i];
            return new Lanes(s[0], Math.toIntExact(rest), 1);
        }
        if (axis >= s.length) throw new IllegalArgumentException(f + ": axis " + axis + " does not exist in a tensor of rank " + s.length);
        long outer = 1, inner = 1;
        for (int i = 0; i < axis; i++) outer *= s[i];
        for (int i = axis + 1; i < s.length; i++) inner *= s[i];
        return new Lanes(Math.toIntExact(outer), s[axis], Math.toIntExact(inner));
    }

    /** Rejects options llama.cpp's quantizers do not have. */
    public static void checkRounding(Format f, Rounding r) {
        if (!(r instanceof Rounding.NearestEven))
            throw new IllegalArgumentException("'" + r + "' is not allowed for " + f.name() + ": llama.cpp's formats round as its "
                    + "reference quantizers do. Options for " + f.name() + ": axis N");
    }
}
