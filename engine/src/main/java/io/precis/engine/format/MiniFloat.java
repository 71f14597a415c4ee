package io.precis.engine.format;

/**
 * A small binary floating-point type: sign, {@code e} exponent bits, {@code m} mantissa bits and a bias,
 * with one of three ways of spending the top exponent (IEEE-style infinities and NaNs, OCP "FN" with a single
 * NaN pattern and no infinities, or none at all).
 *
 * <p>Every value of every type here is exactly representable as a Java {@code float}, so rounding results
 * are returned as floats. {@link #round(float, boolean)} is the plain reference definition (round to nearest,
 * ties to even, computed in exact double arithmetic); the quantization kernels implement the same function with
 * bit tricks and are tested against it.
 */
public final class MiniFloat {

    /** What the all-ones exponent field means. */
    public enum Specials {
        /** IEEE 754: all-ones exponent encodes infinities (mantissa 0) and NaNs (mantissa non-zero). */
        IEEE,
        /** OCP FP8 E4M3 ("FN"): no infinities; only S.1111.111 is NaN, the rest of the top binade is finite. */
        NAN_ONLY,
        /** OCP FP6/FP4: every code is a finite number. */
        FINITE
    }

    /** OCP FP8 E4M3: bias 7, max 448, min normal 2^-6, min subnormal 2^-9, NaN 0x7F/0xFF, no infinities. */
    public static final MiniFloat E4M3 = new MiniFloat("fp8_e4m3", 4, 3, 7, Specials.NAN_ONLY);
    /** OCP FP8 E5M2: bias 15, max 57344, min normal 2^-14, min subnormal 2^-16, IEEE infinities and NaNs. */
    public static final MiniFloat E5M2 = new MiniFloat("fp8_e5m2", 5, 2, 15, Specials.IEEE);
    /** OCP FP6 E3M2: bias 3, max 28, min normal 0.25, min subnormal 0.0625, no infinities or NaNs. */
    public static final MiniFloat E3M2 = new MiniFloat("fp6_e3m2", 3, 2, 3, Specials.FINITE);
    /** OCP FP6 E2M3: bias 1, max 7.5, min normal 1, min subnormal 0.125, no infinities or NaNs. */
    public static final MiniFloat E2M3 = new MiniFloat("fp6_e2m3", 2, 3, 1, Specials.FINITE);
    /** OCP FP4 E2M1: values 0, 0.5, 1, 1.5, 2, 3, 4, 6 and their negatives. */
    public static final MiniFloat E2M1 = new MiniFloat("fp4_e2m1", 2, 1, 1, Specials.FINITE);
    /** bfloat16: the top 16 bits of an IEEE binary32. */
    public static final MiniFloat BF16 = new MiniFloat("bf16", 8, 7, 127, Specials.IEEE);
    /** IEEE 754 binary16: max 65504, min normal 2^-14, min subnormal 2^-24. */
    public static final MiniFloat FP16 = new MiniFloat("fp16", 5, 10, 15, Specials.IEEE);

    private final String name;
    private final int e;
    private final int m;
    private final int bias;
    private final Specials specials;
    private final int emin;
    private final int emax;
    private final float max;
    private final float minNormal;
    private final float minSubnormal;

    private MiniFloat(String name, int e, int m, int bias, Specials specials) {
        this.name = name;
        this.e = e;
        this.m = m;
        this.bias = bias;
        this.specials = specials;
        this.emin = 1 - bias;
        int topField = (1 << e) - 1;
        this.emax = (specials == Specials.IEEE ? topField - 1 : topField) - bias;
        // largest mantissa field: all ones, except in NAN_ONLY where all ones in the top binade is NaN
        int maxMantissa = specials == Specials.NAN_ONLY ? (1 << m) - 2 : (1 << m) - 1;
        this.max = (float) Math.scalb(1.0 + maxMantissa / (double) (1 << m), emax);
        this.minNormal = (float) Math.scalb(1.0, emin);
        this.minSubnormal = (float) Math.scalb(1.0, emin - m);
    }

    /** Canonical lower-case name, e.g. {@code fp8_e4m3}. */
    public String name() { return name; }

    /** Total bits including the sign. */
    public int bits() { return 1 + e + m; }

    public int exponentBits() { return e; }

    public int mantissaBits() { return m; }

    public int bias() { return bias; }

    public Specials specials() { return specials; }

    public boolean hasInfinity() { return specials == Specials.IEEE; }

    public boolean hasNaN() { return specials != Specials.FINITE; }

    /** Unbiased exponent of the smallest normal number. */
    public int minExponent() { return emin; }

    /** Unbiased exponent of the largest normal number (the OCP MX spec's emax of the element type). */
    public int maxExponent() { return emax; }

    /** Largest finite value. */
    public float max() { return max; }

    /** Smallest positive normal value. */
    public float minNormal() { return minNormal; }

    /** Smallest positive subnormal value. */
    public float minSubnormal() { return minSubnormal; }

    /**
     * Rounds {@code x} to this type, to nearest with ties to even. Values beyond {@link #max()} (and infinities)
     * become ±max when {@code saturate} is true or when the type has neither infinities nor NaNs; otherwise they
     * become ±infinity (IEEE types) or NaN (E4M3). NaN stays NaN (for FP6/FP4, which cannot encode it, this is
     * the only honest result; {@link #encode} rejects it).
     */
    public float round(float x, boolean saturate) {
        if (Float.isNaN(x)) {
            return Float.NaN;
        }
        double a = Math.abs((double) x);
        double r;
        if (a == 0) {
            r = 0;
        } else {
            // quantum of the binade that holds a (subnormals share the quantum of the smallest binade);
            // above max the top binade's quantum continues, so overflow is decided after rounding (IEEE rule)
            int exp = Math.max(Math.getExponent((float) a), emin);
            double q = Math.scalb(1.0, exp - m);
            r = Math.rint(a / q) * q;
        }
        if (r > max) {
            r = overflowValue(saturate);
            if (Double.isNaN(r)) {
                return Float.NaN;
            }
        }
        return Math.copySign((float) r, x);
    }

    /** The magnitude that a value beyond max becomes: max, infinity or NaN. */
    public float overflowValue(boolean saturate) {
        if (saturate || specials == Specials.FINITE) {
            return max;
        }
        return specials == Specials.IEEE ? Float.POSITIVE_INFINITY : Float.NaN;
    }

    /**
     * The code of {@link #round(float, boolean) round(x, saturate)}: sign bit first, then exponent and mantissa
     * fields, right-aligned in an int. NaN encodes as the type's canonical quiet NaN.
     *
     * @throws IllegalArgumentException for NaN in a type without NaN
     */
    public int encode(float x, boolean saturate) {
        return codeOf(round(x, saturate));
    }

    /** The code of a value that is exactly representable in this type. */
    public int codeOf(float v) {
        int signBit = 1 << (e + m);
        int top = (1 << e) - 1;
        if (Float.isNaN(v)) {
            return switch (specials) {
                case IEEE -> (top << m) | (1 << (m - 1));
                case NAN_ONLY -> (top << m) | ((1 << m) - 1);
                case FINITE -> throw new IllegalArgumentException(name + " has no NaN encoding");
            };
        }
        int sign = (Float.floatToRawIntBits(v) < 0) ? signBit : 0;
        float a = Math.abs(v);
        if (Float.isInfinite(a)) {
            if (specials != Specials.IEEE) {
                throw new IllegalArgumentException(name + " has no infinity encoding");
            }
            return sign | (top << m);
        }
        if (a > max || round(a, true) != a) {
            throw new IllegalArgumentException(v + " is not a " + name + " value");
        }
        if (a < minNormal) {
            return sign | (int) (a / minSubnormal);
        }
        int exponentField = Math.getExponent(a) + bias;
        int mantissaField = (Float.floatToRawIntBits(a) >>> (23 - m)) & ((1 << m) - 1);
        return sign | (exponentField << m) | mantissaField;
    }

    /** The value of a code (only the low {@link #bits()} bits are read). */
    public float decode(int code) {
        int signBit = 1 << (e + m);
        int exponentField = (code >>> m) & ((1 << e) - 1);
        int mantissaField = code & ((1 << m) - 1);
        boolean negative = (code & signBit) != 0;
        int top = (1 << e) - 1;
        double v;
        if (exponentField == top && specials == Specials.IEEE) {
            v = mantissaField == 0 ? Double.POSITIVE_INFINITY : Double.NaN;
        } else if (exponentField == top && specials == Specials.NAN_ONLY && mantissaField == (1 << m) - 1) {
            v = Double.NaN;
        } else if (exponentField == 0) {
            v = Math.scalb((double) mantissaField, emin - m);
        } else {
            v = Math.scalb(1.0 + mantissaField / (double) (1 << m), exponentField - bias);
        }
        if (Double.isNaN(v)) {
            return Float.NaN;
        }
        return (float) (negative ? -v : v);
    }

    @Override
    public String toString() {
        return name;
    }
}
