package io.precis.engine.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.format.Element;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.format.MiniFloat;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Properties of quantization (jqwik). Idempotence holds exactly for a fixed scale, and for whole tensors whose
 * scales can be re-derived from their own quantized values (symmetric integers with normal fp16 or bf16 scales,
 * MX's powers of two, NF4's absmax, casts); an asymmetric zero point, a subnormal fp16 scale or an fp32 scale such
 * as amax/448 can move when re-derived from the quantized tensor (as in every reference implementation), so those
 * are checked at a fixed scale only.
 */
class QuantPropertiesTest {

    private static void sameBits(float[] expected, float[] actual, String what) {
        int i = TestData.firstDifference(expected, actual);
        if (i >= 0) {
            throw new AssertionError(what + ": element " + i + ": " + actual[i] + " != " + expected[i]);
        }
    }

    /** Floats with every mantissa bit random and a binary exponent in [minExp, maxExp], either sign. */
    static Arbitrary<Float> floats(int minExp, int maxExp) {
        return Arbitraries.integers().between(0, (1 << 23) - 1).flatMap(mantissa ->
                Arbitraries.integers().between(minExp, maxExp).flatMap(exp ->
                        Arbitraries.of(1, -1).map(sign ->
                                sign * Float.intBitsToFloat(((exp + 127) << 23) | mantissa))));
    }

    @Provide
    Arbitrary<float[]> weights() {
        Arbitrary<Float> values = Arbitraries.oneOf(
                floats(-12, 6),
                floats(-3, 0),
                Arbitraries.of(0f, -0f, 0.5f, -1.5f, 2.5f, 7f, -7f));
        return values.array(float[].class).ofMinSize(1).ofMaxSize(300);
    }

    @Provide
    Arbitrary<Float> anyValue() {
        return Arbitraries.oneOf(floats(-40, 13), Arbitraries.of(0f, -0f, 0.5f, 1.5f, -2.5f));
    }

    @Provide
    Arbitrary<Float> anyScale() {
        return floats(-20, 9).map(Math::abs);
    }

    @Provide
    Arbitrary<String> allFormats() {
        return Arbitraries.of(Formats.names());
    }

    // ---------------------------------------------------------------- idempotence

    @Property(tries = 3000)
    void fixedScaleQuantizationIsIdempotent(@ForAll("allFormats") String name,
                                            @ForAll("anyValue") float x,
                                            @ForAll("anyScale") float s,
                                            @ForAll @IntRange(min = 0, max = 255) int zero,
                                            @ForAll boolean asymmetric) {
        Format f = Formats.parse(name);
        if (asymmetric && f.element() instanceof Element.Int && !f.isMx()) {
            f = f.asymmetric();
        }
        ElementOp op = ElementOp.of(f);
        float z = f.isSymmetric() ? 0 : Math.min(zero, op.qmax);
        float once = op.apply(x, s, z, 0);
        float twice = op.apply(once, s, z, 0);
        assertEquals(Float.floatToIntBits(once), Float.floatToIntBits(twice), f + " x=" + x + " s=" + s + " z=" + z);
    }

    @Provide
    Arbitrary<String> reDerivable() {
        return Arbitraries.of("int2 per tensor", "int3 per tensor", "int4 per tensor", "int8 per tensor",
                "int6 per tensor scales bf16", "mxfp4", "mxfp8", "mxfp8_e5m2", "mxfp6", "mxfp6_e3m2", "mxint8",
                "nf4 per tensor", "bf16", "fp16", "fp8_e4m3 unscaled", "fp4_e2m1 unscaled");
    }

    @Property(tries = 1500)
    void tensorsWithReDerivableScalesAreIdempotent(@ForAll("reDerivable") String name,
                                                   @ForAll("weights") float[] w) {
        Format f = Formats.parse(name);
        if (f.element() instanceof Element.Int && !f.isMx()) {
            // an fp16 scale below 2^-14 is subnormal and too coarse to be re-derived from qmax * s
            float amax = 0;
            for (float v : w) {
                amax = Math.max(amax, Math.abs(v));
            }
            Assume.that(amax / ElementOp.of(f).qmax >= 0x1p-14f);
        }
        float[] once = f.fakeQuantize(w.clone());
        float[] twice = f.fakeQuantize(once.clone());
        sameBits(once, twice, name);
    }

    // ---------------------------------------------------------------- error bounds

    @Property(tries = 3000)
    void integerErrorIsAtMostHalfAStepInRange(@ForAll @IntRange(min = 2, max = 8) int bits,
                                              @ForAll boolean asymmetric,
                                              @ForAll("anyValue") float x,
                                              @ForAll("anyScale") float s,
                                              @ForAll @IntRange(min = 0, max = 255) int zero) {
        Format f = asymmetric ? Formats.intN(bits).asymmetric() : Formats.intN(bits);
        ElementOp op = ElementOp.of(f);
        float z = asymmetric ? Math.min(zero, op.qmax) : 0;
        double y = (double) x / s;
        Assume.that(y >= op.qmin - z && y <= op.qmax - z);
        double err = Math.abs((double) x - op.apply(x, s, z, 0));
        // s/2 plus the float rounding of x / s and of the product r * s
        assertTrue(err <= s / 2 * (1 + 1e-6) + Math.ulp(x), f + ": |x - q(x)| = " + err + " > s/2 = " + s / 2);
    }

    @Provide
    Arbitrary<MiniFloat> miniFloats() {
        return Arbitraries.of(MiniFloat.E4M3, MiniFloat.E5M2, MiniFloat.E3M2, MiniFloat.E2M3, MiniFloat.E2M1,
                MiniFloat.FP16, MiniFloat.BF16);
    }

    @Property(tries = 3000)
    void smallFloatErrorIsAtMostHalfTheLocalStep(@ForAll("miniFloats") MiniFloat t, @ForAll float x) {
        Assume.that(Float.isFinite(x) && Math.abs(x) <= t.max());
        float r = t.round(x, true);
        int e = Math.max(Math.getExponent(x), t.minExponent());
        double step = Math.scalb(1.0, e - t.mantissaBits());
        assertTrue(Math.abs((double) x - r) <= step / 2, t + ": x=" + x + " -> " + r + ", step " + step);
    }

    // ---------------------------------------------------------------- monotonicity

    @Provide
    Arbitrary<String> sharedScale() {
        return Arbitraries.of("int4 per tensor", "int8 per tensor asymmetric", "int2 per tensor", "fp8_e4m3",
                "fp8_e5m2", "fp6_e3m2", "fp6_e2m3", "fp4_e2m1", "nf4 per tensor", "bf16", "fp16",
                "fp8_e4m3 per tensor mse", "int4 per tensor percentile 90");
    }

    @Property(tries = 1500)
    void aSharedScaleKeepsOrder(@ForAll("sharedScale") String name, @ForAll("weights") float[] w) {
        float[] sorted = w.clone();
        Arrays.sort(sorted);
        float[] q = Formats.parse(name).fakeQuantize(sorted.clone());
        for (int i = 1; i < q.length; i++) {
            assertTrue(q[i - 1] <= q[i], name + ": q(" + sorted[i - 1] + ") = " + q[i - 1] + " > q(" + sorted[i]
                    + ") = " + q[i]);
        }
    }

    @Property(tries = 1000)
    void aBlockKeepsOrder(@ForAll("blockFormats") String name, @ForAll("weights") float[] w) {
        Format f = Formats.parse(name);
        int block = f.isNvfp4() ? 16 : 32;
        float[] one = Arrays.copyOf(w, Math.min(block, w.length));
        Arrays.sort(one);
        float[] q = f.fakeQuantize(one.clone());
        for (int i = 1; i < q.length; i++) {
            assertTrue(q[i - 1] <= q[i], name + " at " + i);
        }
    }

    @Provide
    Arbitrary<String> blockFormats() {
        return Arbitraries.of("mxfp4", "mxfp6", "mxfp6_e3m2", "mxfp8", "mxfp8_e5m2", "mxint8", "nvfp4");
    }

    // ---------------------------------------------------------------- symmetry and scale invariance

    @Property(tries = 1500)
    void symmetricIntegersCommuteWithPowersOfTwoAndSign(@ForAll @IntRange(min = 2, max = 8) int bits,
                                                        @ForAll @IntRange(min = -5, max = 5) int k,
                                                        @ForAll("weights") float[] w) {
        float amax = 0;
        for (float v : w) {
            amax = Math.max(amax, Math.abs(v));
        }
        Assume.that(amax >= 0.5f);                    // keeps every scale a normal fp16 number after 2^k
        Format f = Formats.intN(bits).perTensor();
        float c = Math.scalb(1f, k);
        float[] scaled = new float[w.length];
        float[] negated = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            scaled[i] = w[i] * c;
            negated[i] = -w[i];
        }
        float[] q = f.fakeQuantize(w.clone());
        float[] qScaled = f.fakeQuantize(scaled);
        float[] qNeg = f.fakeQuantize(negated);
        for (int i = 0; i < w.length; i++) {
            assertEquals(q[i] * c, qScaled[i], 0f, "q(2^" + k + " x) at " + i);
            assertEquals(-q[i], qNeg[i], 0f, "q(-x) at " + i);
        }
    }

    // ---------------------------------------------------------------- layouts

    @Provide
    Arbitrary<String> groupable() {
        return Arbitraries.of("int4", "int4 asymmetric", "int8", "int3 scales bf16", "fp8_e4m3", "fp4_e2m1",
                "fp6_e2m3 scales fp16", "nf4", "int4 mse", "int5 percentile 95 asymmetric");
    }

    @Property(tries = 800)
    void groupsAreQuantizedAsIfAlone(@ForAll("groupable") String base, @ForAll @IntRange(min = 1, max = 4) int rows,
                                     @ForAll @IntRange(min = 1, max = 90) int cols,
                                     @ForAll @IntRange(min = 1, max = 90) int group, @ForAll long seed) {
        Assume.that(group <= cols);
        float[] x = TestData.gaussian(rows * cols, seed, 1.0);
        Format grouped = Formats.parse(base + " group " + group);
        Format alone = Formats.parse(base + " per tensor");
        float[] q = grouped.fakeQuantize(x.clone(), rows, cols);
        float[] expected = new float[x.length];
        for (int r = 0; r < rows; r++) {
            for (int g0 = 0; g0 < cols; g0 += group) {
                int len = Math.min(group, cols - g0);
                float[] slice = Arrays.copyOfRange(x, r * cols + g0, r * cols + g0 + len);
                System.arraycopy(alone.fakeQuantize(slice), 0, expected, r * cols + g0, len);
            }
        }
        sameBits(expected, q, grouped + " on [" + rows + ", " + cols + "]");
    }

    @Property(tries = 500)
    void mxBlocksAreQuantizedAsIfAlone(@ForAll("blockFormats") String name,
                                       @ForAll @IntRange(min = 1, max = 3) int rows,
                                       @ForAll @IntRange(min = 1, max = 100) int cols, @ForAll long seed) {
        Format f = Formats.parse(name);
        Assume.that(!f.isNvfp4());                     // NVFP4's tensor scale couples the blocks
        float[] x = TestData.gaussian(rows * cols, seed, 3.0);
        float[] q = f.fakeQuantize(x.clone(), rows, cols);
        float[] expected = new float[x.length];
        for (int r = 0; r < rows; r++) {
            for (int b0 = 0; b0 < cols; b0 += 32) {
                int len = Math.min(32, cols - b0);
                float[] slice = Arrays.copyOfRange(x, r * cols + b0, r * cols + b0 + len);
                System.arraycopy(f.fakeQuantize(slice), 0, expected, r * cols + b0, len);
            }
        }
        sameBits(expected, q, name + " on [" + rows + ", " + cols + "]");
    }

    @Provide
    Arbitrary<String> stridable() {
        return Arbitraries.of("int4 group 8", "int4 group 8 asymmetric", "int8 per channel", "nf4 group 8",
                "fp8_e4m3 per channel", "mxfp4", "mxint8", "nvfp4", "int4 group 8 mse");
    }

    @Property(tries = 600)
    void anOuterAxisIsTheTransposeOfRows(@ForAll("stridable") String name,
                                         @ForAll @IntRange(min = 8, max = 70) int rows,
                                         @ForAll @IntRange(min = 1, max = 40) int cols, @ForAll long seed) {
        // the rows' layout on the transpose, transposed back, equals the same granularity along axis 0 / 1
        Format rowsFormat = Formats.parse(name);
        Format outer = name.contains("per channel") ? rowsFormat.perChannel(1) : rowsFormat.axis(0);
        float[] x = TestData.gaussian(rows * cols, seed, 1.0);
        float[] t = transpose(x, rows, cols);
        float[] viaTranspose = transpose(rowsFormat.fakeQuantize(t, cols, rows), cols, rows);
        float[] direct = outer.fakeQuantize(x.clone(), rows, cols);
        sameBits(viaTranspose, direct, outer + " on [" + rows + ", " + cols + "]");
    }

    private static float[] transpose(float[] x, int rows, int cols) {
        float[] t = new float[x.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = x[r * cols + c];
            }
        }
        return t;
    }
}
