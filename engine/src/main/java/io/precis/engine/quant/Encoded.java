package io.precis.engine.quant;

import io.precis.engine.format.Element;
import io.precis.engine.format.Format;
import io.precis.engine.format.GroupLayout;
import io.precis.engine.format.MiniFloat;

/**
 * A tensor in its stored form: one code per element, one scale (and zero point) per group as laid out by
 * {@link GroupLayout}, and for NVFP4 the tensor scale. {@link #decode()} equals {@link Format#fakeQuantize}
 * bit for bit (NaN as NaN).
 */
public final class Encoded {

    private final Format format;
    private final int[] shape;
    private final GroupLayout layout;
    private final ElementOp op;
    private final Codes codes;
    private final float[] scales;
    private final float[] zeros;
    private final int[] scaleCodes;
    private final float tensorScale;

    Encoded(Format format, int[] shape, GroupLayout layout, ElementOp op, Codes codes, float[] scales,
            float[] zeros, int[] scaleCodes, float tensorScale) {
        this.format = format;
        this.shape = shape;
        this.layout = layout;
        this.op = op;
        this.codes = codes;
        this.scales = scales;
        this.zeros = zeros;
        this.scaleCodes = scaleCodes;
        this.tensorScale = tensorScale;
    }

    public Format format() { return format; }

    public int[] shape() { return shape.clone(); }

    public int size() { return codes.size(); }

    /**
     * The code of element {@code i}: signed for symmetric integers and MXINT8, else the unsigned bit pattern
     * (sign bit first for small floats).
     */
    public int code(int i) {
        int c = codes.get(i);
        boolean signed = format.element() instanceof Element.Int && (format.isSymmetric() || format.isMx());
        if (signed) {
            return codes.bits() <= 8 ? (byte) c : (short) c;
        }
        return c;
    }

    /** Number of scales (see {@link GroupLayout} for their order). */
    public int groupCount() { return scales.length; }

    /** The value of scale {@code k} as the kernels use it (for MXINT8 it includes the element's 2^-6). */
    public float scale(int k) { return scales[k]; }

    /** The stored bits of scale {@code k}: fp32/fp16/bf16 bits, or the E8M0 / UE4M3 code of block formats. */
    public int scaleCode(int k) {
        if (scaleCodes != null) {
            return scaleCodes[k];
        }
        return switch (format.scaleType()) {
            case FP16 -> MiniFloat.FP16.codeOf(scales[k]);
            case BF16 -> MiniFloat.BF16.codeOf(scales[k]);
            default -> Float.floatToRawIntBits(scales[k]);
        };
    }

    /** The zero point of group {@code k} (0 when symmetric). */
    public int zeroPoint(int k) { return zeros == null ? 0 : (int) zeros[k]; }

    /** NVFP4's fp32 tensor scale (1 for other formats). */
    public float tensorScale() { return tensorScale; }

    /** Bits of storage: codes, scales, zero points and any tensor scale. */
    public long storageBits() {
        long bits = (long) size() * format.element().bits();
        if (layout.kind() != GroupLayout.Kind.UNSCALED) {
            int perScale = format.scaleType().bits() + (format.isSymmetric() ? 0 : format.element().bits());
            bits += (long) groupCount() * perScale;
        }
        if (format.isNvfp4()) {
            bits += 32;
        }
        return bits;
    }

    /** The dequantized values. */
    public float[] decode() {
        float[] out = new float[size()];
        decodeInto(out);
        return out;
    }

    public void decodeInto(float[] out) {
        if (out.length != size()) {
            throw new IllegalArgumentException("decodeInto: array of " + out.length + " for " + size() + " values");
        }
        if (layout.kind() == GroupLayout.Kind.UNSCALED) {
            for (int i = 0; i < out.length; i++) {
                out[i] = op.decode(codes.get(i), 1f, 0f);
            }
            return;
        }
        for (int k = 0; k < scales.length; k++) {
            int[] runs = layout.runs(k);
            float s = scales[k];
            float z = zeros == null ? 0f : zeros[k];
            for (int r = 0; r < runs[1]; r++) {
                int start = runs[0] + r * runs[2];
                for (int j = 0; j < runs[3]; j++) {
                    out[start + j] = op.decode(code(start + j), s, z);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "Encoded[" + format + ", " + size() + " values, " + groupCount() + " scales]";
    }

    /** Codes packed one per byte (up to 8 bits) or per short. */
    static final class Codes {
        private final byte[] bytes;
        private final short[] shorts;
        private final int bits;

        private Codes(int bits, int n) {
            this.bits = bits;
            this.bytes = bits <= 8 ? new byte[n] : null;
            this.shorts = bits <= 8 ? null : new short[n];
        }

        static Codes forBits(int bits, int n) {
            return new Codes(bits, n);
        }

        int bits() {
            return bits;
        }

        int size() {
            return bytes != null ? bytes.length : shorts.length;
        }

        void set(int i, int code) {
            if (bytes != null) {
                bytes[i] = (byte) code;
            } else {
                shorts[i] = (short) code;
            }
        }

        /** The unsigned stored pattern. */
        int get(int i) {
            return bytes != null ? bytes[i] & 0xFF : shorts[i] & 0xFFFF;
        }
    }
}
