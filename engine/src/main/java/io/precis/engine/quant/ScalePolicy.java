package io.precis.engine.quant;

import io.precis.engine.format.Element;
import io.precis.engine.format.Format;
import io.precis.engine.format.Granularity;
import io.precis.engine.format.MiniFloat;
import io.precis.engine.format.ScaleRule;
import io.precis.engine.format.ScaleType;

import java.util.Arrays;

/**
 * How a group's scale (and zero point) follow from its values. Shared by every kernel, so scales are the same
 * bits whichever kernel runs; statistics (max, min) are exact whatever order they are taken in.
 *
 * <ul>
 * <li>Symmetric: {@code s = store(absmax / M)} with M the largest code magnitude (qmax, the float type's max,
 *     or 1 for NF4); an all-zero group gets {@code s = 1}.</li>
 * <li>Asymmetric: {@code lo = min(min, 0)}, {@code hi = max(max, 0)}, {@code s = store((hi - lo) / qmax)},
 *     {@code z = clamp(rint(-lo / s), 0, qmax)}.</li>
 * <li>{@code store} rounds to the scale type (nearest even, saturating), kept within [smallest positive, max].</li>
 * <li>OCP MX: {@code X = 2^clamp(floor(log2(absmax)) - emax_elem, -127, 127)}, NaN when the block holds NaN or
 *     an infinity (the whole block decodes to NaN); MXINT8 folds its implicit 2^-6 into the scale.</li>
 * <li>NVFP4: tensor scale {@code t = amax / (448 * 6)} (fp32); block scale
 *     {@code b = e4m3(clamp(block_amax / 6 / t, 2^-6, 448))} (the lower bound E4M3's smallest normal, as
 *     torchao's nvfp4_quantize); elements use {@code s = t * b}.</li>
 * </ul>
 */
final class ScalePolicy {

    enum Mode { NONE, INT_SYM, INT_ASYM, ABSMAX, MX, NVFP4 }

    static final float NVFP4_TENSOR_DIVISOR = 448f * 6f;
    // torchao's E4M3_EPS, torch.finfo(float8_e4m3fn).tiny: the smallest normal 2^-6, not the smallest subnormal
    private static final float E4M3_MIN = MiniFloat.E4M3.minNormal();
    private static final float E4M3_MAX = MiniFloat.E4M3.max();
    private static final ElementOp E4M3_CAST = ElementOp.cast(MiniFloat.E4M3, true);
    private static final ElementOp FP16_CAST = ElementOp.cast(MiniFloat.FP16, true);
    private static final ElementOp BF16_CAST = ElementOp.cast(MiniFloat.BF16, true);

    final Mode mode;
    final ScaleRule rule;
    private final ScaleType type;
    private final ElementOp op;
    private final float maxMagnitude;
    private final int mxEmax;
    private final boolean mxInt;

    ScalePolicy(Format f, ElementOp op) {
        this.op = op;
        this.rule = f.scaleRule();
        this.type = f.scaleType();
        this.maxMagnitude = op.maxMagnitude();
        if (f.granularity() instanceof Granularity.Unscaled) {
            mode = Mode.NONE;
        } else if (f.isMx()) {
            mode = Mode.MX;
        } else if (f.isNvfp4()) {
            mode = Mode.NVFP4;
        } else if (f.element() instanceof Element.Int) {
            mode = f.isSymmetric() ? Mode.INT_SYM : Mode.INT_ASYM;
        } else {
            mode = Mode.ABSMAX;
        }
        this.mxInt = f.element() instanceof Element.Int;
        this.mxEmax = f.element() instanceof Element.Float fl ? fl.type().maxExponent() : 0;
    }

    boolean asymmetric() {
        return mode == Mode.INT_ASYM;
    }

    boolean search() {
        return !(rule instanceof ScaleRule.Absmax) && mode != Mode.MX && mode != Mode.NVFP4;
    }

    /** MX scales see NaN and infinities (they make the block NaN); every other rule skips them. */
    boolean finiteOnly() {
        return mode != Mode.MX;
    }

    // ---------------------------------------------------------------- from statistics

    /**
     * Scale from the absmax (symmetric modes, MX, NVFP4 with {@code tensorScale}); writes s to out[0] and 0
     * to out[1].
     */
    void fromAbsMax(float amax, float tensorScale, float[] out) {
        out[1] = 0;
        switch (mode) {
            case MX -> out[0] = mxScale(amax);
            case NVFP4 -> out[0] = tensorScale * nvfp4BlockScale(amax, tensorScale);
            default -> out[0] = amax == 0 ? 1f : store(amax / maxMagnitude);
        }
    }

    /** Scale and zero point from min and max (asymmetric integers); s to out[0], z to out[1]. */
    void fromMinMax(float min, float max, float[] out) {
        float lo = Math.min(min, 0f);
        float hi = Math.max(max, 0f);
        if (!(hi > lo)) {
            out[0] = 1f;
            out[1] = 0f;
            return;
        }
        float s = store((hi - lo) / op.qmax);
        out[0] = s;
        out[1] = Math.min(op.qmax, Math.max(0f, (float) Math.rint(-lo / s)));
    }

    /** Rounds a positive scale to the storage type, kept within its positive finite range. */
    float store(float v) {
        float r = switch (type) {
            case FP16 -> FP16_CAST.roundBits(v);
            case BF16 -> BF16_CAST.roundBits(v);
            default -> v;
        };
        if (!(r > 0)) {
            r = switch (type) {
                case FP16 -> MiniFloat.FP16.minSubnormal();
                case BF16 -> MiniFloat.BF16.minSubnormal();
                default -> Float.MIN_VALUE;
            };
        }
        return r == Float.POSITIVE_INFINITY ? Float.MAX_VALUE : r;
    }

    /** The E8M0 exponent (unbiased) of an MX block, or Integer.MIN_VALUE for a NaN scale. */
    int mxExponent(float rawAbsMax) {
        if (!(Math.abs(rawAbsMax) < Float.POSITIVE_INFINITY)) {
            return Integer.MIN_VALUE;
        }
        // Math.getExponent gives floor(log2) for normals and -127 for zero and subnormals; both clamp alike
        int e = Math.getExponent(rawAbsMax) - (mxInt ? 0 : mxEmax);
        return Math.max(-127, Math.min(127, e));
    }

    private float mxScale(float rawAbsMax) {
        int e = mxExponent(rawAbsMax);
        if (e == Integer.MIN_VALUE) {
            return Float.NaN;
        }
        return Math.scalb(1.0f, mxInt ? e - 6 : e);
    }

    /** The UE4M3 block scale of an NVFP4 block (before the tensor scale multiplies it). */
    float nvfp4BlockScale(float amax, float tensorScale) {
        float scaled = (amax / 6f) / tensorScale;
        scaled = Math.min(E4M3_MAX, Math.max(E4M3_MIN, scaled));
        return E4M3_CAST.roundBits(scaled);
    }

    /** NVFP4's fp32 tensor scale from the tensor's finite absmax. */
    static float nvfp4TensorScale(float amax) {
        float t = amax / NVFP4_TENSOR_DIVISOR;
        return t > 0 ? t : 1f;
    }

    // ---------------------------------------------------------------- search rules

    /**
     * Scale and zero point of group {@code k} by the format's search rule (MSE clipping or percentile), reading
     * the group through {@code data}; s to out[0], z to out[1].
     */
    void search(Storage data, int[] runs, float[] out) {
        if (rule instanceof ScaleRule.Percentile p) {
            percentile(data, runs, p.percent(), out);
        } else {
            mse(data, runs, (ScaleRule.Mse) rule, out);
        }
    }

    private void mse(Storage data, int[] runs, ScaleRule.Mse rule, float[] out) {
        float[] stats = groupStats(data, runs);
        float[] cand = new float[2];
        double best = Double.POSITIVE_INFINITY;
        out[0] = 1f;
        out[1] = 0f;
        for (int i = 0; i < rule.steps(); i++) {
            candidate(stats, rule.ratio(i), cand);
            double err = squaredError(data, runs, cand[0], cand[1]);
            if (err < best) {
                best = err;
                out[0] = cand[0];
                out[1] = cand[1];
            }
        }
    }

    /** Candidate {@code i} of an MSE search: the statistics shrunk by {@code ratio}. */
    void candidate(float[] stats, float ratio, float[] out) {
        if (mode == Mode.INT_ASYM) {
            fromMinMax(ratio * stats[0], ratio * stats[1], out);
        } else {
            fromAbsMax(ratio * stats[0], 1f, out);
        }
    }

    /** Finite statistics of a group: {absmax} or, asymmetric, {min, max}. */
    float[] groupStats(Storage data, int[] runs) {
        float amax = 0;
        float mn = Float.POSITIVE_INFINITY;
        float mx = Float.NEGATIVE_INFINITY;
        for (int r = 0; r < runs[1]; r++) {
            int start = runs[0] + r * runs[2];
            for (int j = 0; j < runs[3]; j++) {
                float x = data.get(start + j);
                if (Math.abs(x) < Float.POSITIVE_INFINITY) {
                    amax = Math.max(amax, Math.abs(x));
                    mn = Math.min(mn, x);
                    mx = Math.max(mx, x);
                }
            }
        }
        return mode == Mode.INT_ASYM ? new float[] {mn, mx} : new float[] {amax};
    }

    /** Sum over the group's finite values of (x - q(x))^2, in element order, in double. */
    double squaredError(Storage data, int[] runs, float s, float z) {
        double err = 0;
        for (int r = 0; r < runs[1]; r++) {
            int start = runs[0] + r * runs[2];
            for (int j = 0; j < runs[3]; j++) {
                int i = start + j;
                float x = data.get(i);
                if (Math.abs(x) < Float.POSITIVE_INFINITY) {
                    double d = (double) x - op.apply(x, s, z, i);
                    err += d * d;
                }
            }
        }
        return err;
    }

    private void percentile(Storage data, int[] runs, double p, float[] out) {
        int n = 0;
        for (int r = 0; r < runs[1]; r++) {
            int start = runs[0] + r * runs[2];
            for (int j = 0; j < runs[3]; j++) {
                if (Math.abs(data.get(start + j)) < Float.POSITIVE_INFINITY) {
                    n++;
                }
            }
        }
        if (n == 0) {
            out[0] = 1f;
            out[1] = 0f;
            return;
        }
        if (mode == Mode.INT_ASYM) {
            float lo = select(data, runs, n, rank(100 - p, n), false);
            float hi = select(data, runs, n, rank(p, n), false);
            fromMinMax(lo, hi, out);
        } else {
            fromAbsMax(select(data, runs, n, rank(p, n), true), 1f, out);
        }
    }

    /** Nearest rank (0-based) of the p-th percentile among n values. */
    static int rank(double p, int n) {
        long r = (long) Math.ceil(p / 100.0 * n);
        return (int) Math.max(1, Math.min(n, r)) - 1;
    }

    /**
     * The value of 0-based rank {@code k} among the group's finite values (or their magnitudes), exactly: by
     * sorting small groups, by radix selection on order-preserving bit keys for large ones (no full copy).
     */
    static float select(Storage data, int[] runs, int n, int k, boolean magnitude) {
        if (n <= 4096) {
            float[] v = new float[n];
            int c = 0;
            for (int r = 0; r < runs[1]; r++) {
                int start = runs[0] + r * runs[2];
                for (int j = 0; j < runs[3]; j++) {
                    float x = data.get(start + j);
                    if (Math.abs(x) < Float.POSITIVE_INFINITY) {
                        v[c++] = magnitude ? Math.abs(x) : x;
                    }
                }
            }
            Arrays.sort(v);
            return v[k];
        }
        // keys: unsigned-comparable ints in the order of the values; 4 passes of 8 bits, most significant first
        int prefix = 0;
        int prefixMask = 0;
        int remaining = k;
        int[] hist = new int[256];
        for (int shift = 24; shift >= 0; shift -= 8) {
            Arrays.fill(hist, 0);
            for (int r = 0; r < runs[1]; r++) {
                int start = runs[0] + r * runs[2];
                for (int j = 0; j < runs[3]; j++) {
                    float x = data.get(start + j);
                    if (Math.abs(x) < Float.POSITIVE_INFINITY) {
                        int key = key(x, magnitude);
                        if ((key & prefixMask) == prefix) {
                            hist[(key >>> shift) & 0xFF]++;
                        }
                    }
                }
            }
            int b = 0;
            while (remaining >= hist[b]) {
                remaining -= hist[b];
                b++;
            }
            prefix |= b << shift;
            prefixMask |= 0xFF << shift;
        }
        return fromKey(prefix, magnitude);
    }

    private static int key(float x, boolean magnitude) {
        int bits = Float.floatToRawIntBits(magnitude ? Math.abs(x) : x);
        // flip so that unsigned order is value order: negatives reversed below positives
        return bits < 0 ? ~bits : bits ^ 0x80000000;
    }

    private static float fromKey(int key, boolean magnitude) {
        int bits = key < 0 ? key ^ 0x80000000 : ~key;
        return Float.intBitsToFloat(bits);
    }
}
