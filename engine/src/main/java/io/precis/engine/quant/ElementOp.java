package io.precis.engine.quant;

import io.precis.engine.format.Element;
import io.precis.engine.format.Format;
import io.precis.engine.format.Granularity;
import io.precis.engine.format.MiniFloat;
import io.precis.engine.format.Rounding;

/**
 * What happens to one weight once its scale {@code s} (and zero point {@code z}) are known, compiled from a
 * {@link Format} into constants the kernels read. {@link #apply} is the scalar reference every kernel must
 * equal bit for bit (NaN results compare as NaN); {@link #encode}/{@link #decode} give the stored codes.
 *
 * <ul>
 * <li>INT: {@code r = rint(clamp(x / s, qmin - z, qmax - z))}, value {@code r * s}, code {@code r + z}.
 *     Stochastic: {@code floor} of {@code x / s + u} instead.</li>
 * <li>FLOAT: {@code r = round(x / s)} in the small float type ({@link MiniFloat#round}), value {@code r * s};
 *     unscaled casts skip the division and multiplication.</li>
 * <li>TABLE: nearest level of {@code x / s} (ties to the even code), value {@code level * s}.</li>
 * </ul>
 */
final class ElementOp {

    static final int INT = 0;
    static final int FLOAT = 1;
    static final int TABLE = 2;

    final int kind;
    final boolean scaled;
    /** Scales are powers of two (OCP MX): x / s equals x * (1 / s) exactly whenever 1 / s is finite. */
    final boolean powerOfTwoScales;
    final boolean stochastic;
    final int key1;
    final int key2;

    // INT
    final float qmin;
    final float qmax;

    // FLOAT
    final MiniFloat type;
    final boolean saturate;
    /** 23 - mantissa bits: float32 mantissa bits dropped by rounding. */
    final int shift;
    final int lowMask;
    final int halfMinus1;
    final int minNormalBits;
    final int maxBits;
    /** Bits of the magnitude that replaces an overflow: max, +inf, or (NaN-only types) a NaN marker. */
    final int overflowBits;
    final boolean overflowIsNaN;
    /** 2^(emin - m + 23): adding and subtracting it rounds a subnormal of the type to its quantum. */
    final float subMagic;
    /** Quantum of the type's subnormals, 2^(emin - m). */
    final float subQuantum;
    /**
     * Bits of the largest float32 magnitude that rounds (to nearest even) to at most max: anything above is an
     * overflow or a NaN.
     */
    final int roundsInRangeBits;
    /**
     * Whether the per-binade magic constant 2^(max(e, emin) - m + 23) stays finite for every value up to the
     * overflow threshold (all types but bfloat16, whose top binades would need 2^151).
     */
    final boolean binadeMagic;

    // TABLE
    final float[] levels;
    final float[] thresholds;
    final boolean[] tieUp;

    private ElementOp(int kind, boolean scaled, Rounding rounding, float qmin, float qmax, MiniFloat type,
                      boolean saturate, float[] levels, boolean powerOfTwoScales) {
        this.kind = kind;
        this.scaled = scaled;
        this.powerOfTwoScales = powerOfTwoScales;
        this.stochastic = rounding instanceof Rounding.Stochastic;
        int[] keys = rounding instanceof Rounding.Stochastic st ? Rng.keys(st.seed()) : new int[2];
        this.key1 = keys[0];
        this.key2 = keys[1];
        this.qmin = qmin;
        this.qmax = qmax;
        this.type = type;
        this.saturate = saturate;
        if (type != null) {
            int m = type.mantissaBits();
            shift = 23 - m;
            lowMask = (1 << shift) - 1;
            halfMinus1 = (1 << (shift - 1)) - 1;
            minNormalBits = Float.floatToRawIntBits(type.minNormal());
            maxBits = Float.floatToRawIntBits(type.max());
            float over = type.overflowValue(saturate);
            overflowIsNaN = Float.isNaN(over);
            overflowBits = overflowIsNaN ? 0x7FC00000 : Float.floatToRawIntBits(over);
            subMagic = Math.scalb(1.0f, type.minExponent() - m + 23);
            subQuantum = type.minSubnormal();
            roundsInRangeBits = largestInRange(type);
            binadeMagic = type.maxExponent() + 1 - m + 23 <= 127;
        } else {
            shift = lowMask = halfMinus1 = minNormalBits = maxBits = overflowBits = roundsInRangeBits = 0;
            overflowIsNaN = false;
            binadeMagic = false;
            subMagic = subQuantum = 0;
        }
        this.levels = levels;
        if (levels != null) {
            thresholds = new float[levels.length - 1];
            tieUp = new boolean[levels.length - 1];
            for (int i = 0; i < thresholds.length; i++) {
                // float midpoints; a value exactly on one goes to the even code (i + 1 even: up)
                thresholds[i] = (float) (((double) levels[i] + levels[i + 1]) / 2);
                tieUp[i] = (i + 1) % 2 == 0;
            }
        } else {
            thresholds = null;
            tieUp = null;
        }
    }

    /** An unscaled, round-to-nearest-even cast to {@code type} (used to store scales). */
    static ElementOp cast(MiniFloat type, boolean saturate) {
        return new ElementOp(FLOAT, false, new Rounding.NearestEven(), 0, 0, type, saturate, null, false);
    }

    /**
     * Round to nearest even in the small float type with integer bit operations: the algorithm the vector
     * kernel runs, in scalar form (tests hold it equal to {@link MiniFloat#round}). FLOAT kind only.
     */
    float roundBits(float y) {
        int bits = Float.floatToRawIntBits(y);
        int sign = bits & 0x80000000;
        int a = bits & 0x7FFFFFFF;
        if (a > 0x7F800000) {
            return Float.NaN;
        }
        int r;
        if (a >= minNormalBits) {
            r = (a + halfMinus1 + ((a >>> shift) & 1)) & ~lowMask;
        } else {
            r = Float.floatToRawIntBits((Float.intBitsToFloat(a) + subMagic) - subMagic);
        }
        if (r > maxBits) {
            if (overflowIsNaN) {
                return Float.NaN;
            }
            r = overflowBits;
        }
        return Float.intBitsToFloat(r | sign);
    }

    static ElementOp of(Format f) {
        boolean scaled = !(f.granularity() instanceof Granularity.Unscaled);
        return switch (f.element()) {
            case Element.Int i -> {
                int n = i.bits();
                float qmin;
                float qmax;
                if (f.isMx()) {
                    // MXINT8: two's complement with an implicit 2^-6 (folded into the scale), saturating
                    // symmetrically at +-127 as the OCP reference implementation does
                    qmin = -127;
                    qmax = 127;
                } else if (f.isSymmetric() && f.fullRange()) {
                    // compressed-tensors: the full two's complement range; absmax maps to (2^N - 1) / 2
                    qmax = (1 << (n - 1)) - 1;
                    qmin = -(1 << (n - 1));
                } else if (f.isSymmetric()) {
                    qmax = (1 << (n - 1)) - 1;
                    qmin = -qmax;
                } else {
                    qmin = 0;
                    qmax = (1 << n) - 1;
                }
                yield new ElementOp(INT, true, f.rounding(), qmin, qmax, null, true, null, f.isMx());
            }
            case Element.Float fl -> new ElementOp(FLOAT, scaled, f.rounding(), 0, 0, fl.type(), f.saturating(), null,
                    f.isMx());
            case Element.Table t -> new ElementOp(TABLE, true, f.rounding(), 0, 0, null, true, t.levels(), false);
        };
    }

    /**
     * Binary search over float32 bit patterns for the last one that rounds, to nearest even with the top binade's
     * quantum continuing above max, to at most max (whatever the type then does with an overflow).
     */
    private static int largestInRange(MiniFloat type) {
        int lo = Float.floatToRawIntBits(type.max());
        int hi = 0x7F800000;
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            double a = Float.intBitsToFloat(mid);
            double q = Math.scalb(1.0, Math.max(Math.getExponent((float) a), type.minExponent()) - type.mantissaBits());
            if (Math.rint(a / q) * q <= type.max()) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** The largest magnitude a code can stand for, before scaling (what absmax maps to). */
    float maxMagnitude() {
        return switch (kind) {
            case INT -> qmin == -qmax - 1 ? (qmax - qmin) / 2f : qmax;
            case FLOAT -> type.max();
            default -> Math.max(-levels[0], levels[levels.length - 1]);
        };
    }

    // ---------------------------------------------------------------- scalar reference

    /** Fake-quantizes one value: the reference every kernel must reproduce. */
    float apply(float x, float s, float z, int index) {
        return switch (kind) {
            case INT -> {
                float lo = qmin - z;
                float hi = qmax - z;
                float r = intRound(x, s, lo, hi, index);
                yield (r + 0.0f) * s;
            }
            case FLOAT -> {
                float y = scaled ? x / s : x;
                float r = stochastic ? floatStochastic(y, bits(index)) : type.round(y, saturate);
                yield scaled ? r * s : r;
            }
            default -> {
                float y = x / s;
                if (Float.isNaN(y)) {
                    yield Float.NaN;
                }
                yield levels[tableCode(y, index)] * s;
            }
        };
    }

    /** The stored code of one value (NaN has no code in INT and TABLE formats, nor in FP6/FP4). */
    int encode(float x, float s, float z, int index) {
        return switch (kind) {
            case INT -> {
                if (Float.isNaN(x / s)) {
                    throw new IllegalArgumentException("NaN cannot be encoded as an integer");
                }
                yield (int) intRound(x, s, qmin - z, qmax - z, index) + (int) z;
            }
            case FLOAT -> {
                float y = scaled ? x / s : x;
                float r = stochastic ? floatStochastic(y, bits(index)) : type.round(y, saturate);
                yield type.codeOf(r);
            }
            default -> {
                float y = x / s;
                if (Float.isNaN(y)) {
                    throw new IllegalArgumentException("NaN cannot be encoded as a " + levels.length + "-level code");
                }
                yield tableCode(y, index);
            }
        };
    }

    /** The value of a stored code. */
    float decode(int code, float s, float z) {
        return switch (kind) {
            case INT -> (float) (code - (int) z) * s;
            case FLOAT -> scaled ? type.decode(code) * s : type.decode(code);
            default -> levels[code] * s;
        };
    }

    private int bits(int index) {
        return Rng.bits(key1, key2, index);
    }

    /** The integer (as a float) that x / s rounds to, within [lo, hi]. */
    private float intRound(float x, float s, float lo, float hi, int index) {
        if (stochastic) {
            float t = x / s + Rng.unit(bits(index));
            t = Math.min(hi, Math.max(lo, t));
            return (float) Math.floor(t);
        }
        float y = Math.min(hi, Math.max(lo, x / s));
        return (float) Math.rint(y);
    }

    /**
     * Stochastic rounding to the small float type: in the normal range, the random low bits are added below the
     * kept mantissa bits and the rest truncated (up with probability equal to the fraction of the gap); among
     * subnormals the same with a 24-bit uniform over the fixed quantum. Beyond max: as for nearest rounding.
     */
    float floatStochastic(float y, int rnd) {
        if (Float.isNaN(y)) {
            return Float.NaN;
        }
        float a = Math.abs(y);
        double r;
        if (a > type.max()) {
            r = type.overflowValue(saturate);
        } else if (a >= type.minNormal()) {
            int e = Math.getExponent(a);
            double ulp = Math.scalb(1.0, e - 23);
            double q = Math.scalb(1.0, e - type.mantissaBits());
            r = Math.floor((a + (rnd & lowMask) * ulp) / q) * q;
        } else {
            float t = a + Rng.unit(rnd) * subQuantum;
            r = (float) (int) (t / subQuantum) * subQuantum;
        }
        if (r > type.max()) {
            r = type.overflowValue(saturate);
        }
        if (Double.isNaN(r)) {
            return Float.NaN;
        }
        return Math.copySign((float) r, y);
    }

    private int tableCode(float y, int index) {
        if (stochastic) {
            float yc = Math.min(levels[levels.length - 1], Math.max(levels[0], y));
            int k = 0;
            for (int i = 1; i < levels.length - 1; i++) {
                if (yc >= levels[i]) {
                    k = i;
                }
            }
            float p = (yc - levels[k]) / (levels[k + 1] - levels[k]);
            return Rng.unit(bits(index)) < p ? k + 1 : k;
        }
        int code = 0;
        for (int i = 0; i < thresholds.length; i++) {
            if (y > thresholds[i] || (tieUp[i] && y == thresholds[i])) {
                code = i + 1;
            }
        }
        return code;
    }
}
