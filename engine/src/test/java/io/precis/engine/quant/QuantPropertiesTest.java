package io.precis.engine.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.format.Element;
import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.format.MiniFloat;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Properties of quantization, each checked over many generated cases ({@link Gen}). Idempotence holds exactly for a fixed scale, and for whole tensors whose
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

    private static final List<String> RE_DERIVABLE = List.of("int2 per tensor", "int3 per tensor", "int4 per tensor",
            "int8 per tensor", "int6 per tensor scales bf16", "mxfp4", "mxfp8", "mxfp8_e5m2", "mxfp6", "mxfp6_e3m2",
            "mxint8", "nf4 per tensor", "bf16", "fp16", "fp8_e4m3 unscaled", "fp4_e2m1 unscaled");
    private static final List<MiniFloat> MINI_FLOATS = List.of(MiniFloat.E4M3, MiniFloat.E5M2, MiniFloat.E3M2,
            MiniFloat.E2M3, MiniFloat.E2M1, MiniFloat.FP16, MiniFloat.BF16);
    private static final List<String> SHARED_SCALE = List.of("int4 per tensor", "int8 per tensor asymmetric",
            "int2 per tensor", "fp8_e4m3", "fp8_e5m2", "fp6_e3m2", "fp6_e2m3", "fp4_e2m1", "nf4 per tensor", "bf16", "fp16",
            "fp8_e4m3 per tensor mse", "int4 per tensor percentile 90");
    private static final List<String> BLOCK_FORMATS = List.of("mxfp4", "mxfp6", "mxfp6_e3m2", "mxfp8", "mxfp8_e5m2",
            "mxint8", "nvfp4");
    private static final List<String> GROUPABLE = List.of("int4", "int4 asymmetric", "int8", "int3 scales bf16",
            "fp8_e4m3", "fp4_e2m1", "fp6_e2m3 scales fp16", "nf4", "int4 mse", "int5 percentile 95 asymmetric");
    private static final List<String> STRIDABLE = List.of("int4 group 8", "int4 group 8 asymmetric", "int8 per channel",
            "nf4 group 8", "fp8_e4m3 per channel", "mxfp4", "mxint8", "nvfp4", "int4 group 8 mse");

    // ---------------------------------------------------------------- idempotence

    @Test
    void fixedScaleQuantizationIsIdempotent() {
        Gen.forAll("fixedScaleQuantizationIsIdempotent", 3000, g -> {
            // llama.cpp's formats have no element-wise op (format.ggml quantizes whole blocks; GgmlQuantsTest)
            Format f = Formats.parse(g.pick(Formats.names().stream()
                    .filter(n -> !io.precis.engine.format.ggml.GgmlFormats.is(Formats.parse(n))).toList()));
            float x = g.anyValue();
            float s = g.anyScale();
            int zero = g.between(0, 255);
            if (g.bool() && f.element() instanceof Element.Int && !f.isMx()) {
                f = f.asymmetric();
            }
            ElementOp op = ElementOp.of(f);
            float z = f.isSymmetric() ? 0 : Math.min(zero, op.qmax);
            float once = op.apply(x, s, z, 0);
            float twice = op.apply(once, s, z, 0);
            assertEquals(Float.floatToIntBits(once), Float.floatToIntBits(twice), f + " x=" + x + " s=" + s + " z=" + z);
        });
    }

    @Test
    void tensorsWithReDerivableScalesAreIdempotent() {
        Gen.forAll("tensorsWithReDerivableScalesAreIdempotent", 1500, g -> {
            String name = g.pick(RE_DERIVABLE);
            float[] w = g.weights();
            Format f = Formats.parse(name);
            if (f.element() instanceof Element.Int && !f.isMx()) {
                // an fp16 scale below 2^-14 is subnormal and too coarse to be re-derived from qmax * s
                float amax = 0;
                for (float v : w) {
                    amax = Math.max(amax, Math.abs(v));
                }
                g.assume(amax / ElementOp.of(f).qmax >= 0x1p-14f);
            }
            float[] once = f.fakeQuantize(w.clone());
            float[] twice = f.fakeQuantize(once.clone());
            sameBits(once, twice, name);
        });
    }

    // ---------------------------------------------------------------- error bounds

    @Test
    void integerErrorIsAtMostHalfAStepInRange() {
        Gen.forAll("integerErrorIsAtMostHalfAStepInRange", 3000, g -> {
            int bits = g.between(2, 8);
            boolean asymmetric = g.bool();
            float x = g.anyValue();
            float s = g.anyScale();
            int zero = g.between(0, 255);
            Format f = asymmetric ? Formats.intN(bits).asymmetric() : Formats.intN(bits);
            ElementOp op = ElementOp.of(f);
            float z = asymmetric ? Math.min(zero, op.qmax) : 0;
            double y = (double) x / s;
            g.assume(y >= op.qmin - z && y <= op.qmax - z);
            double err = Math.abs((double) x - op.apply(x, s, z, 0));
            // s/2 plus the float rounding of x / s and of the product r * s
            assertTrue(err <= s / 2 * (1 + 1e-6) + Math.ulp(x), f + ": |x - q(x)| = " + err + " > s/2 = " + s / 2);
        });
    }

    @Test
    void smallFloatErrorIsAtMostHalfTheLocalStep() {
        Gen.forAll("smallFloatErrorIsAtMostHalfTheLocalStep", 3000, g -> {
            MiniFloat t = g.pick(MINI_FLOATS);
            // values inside the type's range at every exponent, plus arbitrary bit patterns
            float x = g.bool() ? g.anyFloat() : g.floatWithExponent(Math.max(-126, t.minExponent() - t.mantissaBits() - 1), Math.getExponent(t.max()));
            g.assume(Float.isFinite(x) && Math.abs(x) <= t.max());
            float r = t.round(x, true);
            int e = Math.max(Math.getExponent(x), t.minExponent());
            double step = Math.scalb(1.0, e - t.mantissaBits());
            assertTrue(Math.abs((double) x - r) <= step / 2, t + ": x=" + x + " -> " + r + ", step " + step);
        });
    }

    // ---------------------------------------------------------------- monotonicity

    @Test
    void aSharedScaleKeepsOrder() {
        Gen.forAll("aSharedScaleKeepsOrder", 1500, g -> {
            String name = g.pick(SHARED_SCALE);
            float[] sorted = g.weights();
            Arrays.sort(sorted);
            float[] q = Formats.parse(name).fakeQuantize(sorted.clone());
            for (int i = 1; i < q.length; i++) {
                assertTrue(q[i - 1] <= q[i], name + ": q(" + sorted[i - 1] + ") = " + q[i - 1] + " > q(" + sorted[i]
                        + ") = " + q[i]);
            }
        });
    }

    @Test
    void aBlockKeepsOrder() {
        Gen.forAll("aBlockKeepsOrder", 1000, g -> {
            String name = g.pick(BLOCK_FORMATS);
            float[] w = g.weights();
            Format f = Formats.parse(name);
            int block = f.isNvfp4() ? 16 : 32;
            float[] one = Arrays.copyOf(w, Math.min(block, w.length));
            Arrays.sort(one);
            float[] q = f.fakeQuantize(one.clone());
            for (int i = 1; i < q.length; i++) {
                assertTrue(q[i - 1] <= q[i], name + " at " + i);
            }
        });
    }

    // ---------------------------------------------------------------- symmetry and scale invariance

    @Test
    void symmetricIntegersCommuteWithPowersOfTwoAndSign() {
        Gen.forAll("symmetricIntegersCommuteWithPowersOfTwoAndSign", 1500, g -> {
            int bits = g.between(2, 8);
            int k = g.between(-5, 5);
            float[] w = g.weights();
            float amax = 0;
            for (float v : w) {
                amax = Math.max(amax, Math.abs(v));
            }
            g.assume(amax >= 0.5f);                    // keeps every scale a normal fp16 number after 2^k
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
        });
    }

    // ---------------------------------------------------------------- layouts

    @Test
    void groupsAreQuantizedAsIfAlone() {
        Gen.forAll("groupsAreQuantizedAsIfAlone", 800, g -> {
            String base = g.pick(GROUPABLE);
            int rows = g.between(1, 4);
            int cols = g.between(1, 90);
            int group = g.between(1, cols);
            float[] x = TestData.gaussian(rows * cols, g.anyLong(), 1.0);
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
        });
    }

    @Test
    void mxBlocksAreQuantizedAsIfAlone() {
        Gen.forAll("mxBlocksAreQuantizedAsIfAlone", 500, g -> {
            Format f = Formats.parse(g.pick(BLOCK_FORMATS.subList(0, BLOCK_FORMATS.size() - 1))); // NVFP4's tensor scale couples blocks
            int rows = g.between(1, 3);
            int cols = g.between(1, 100);
            float[] x = TestData.gaussian(rows * cols, g.anyLong(), 3.0);
            float[] q = f.fakeQuantize(x.clone(), rows, cols);
            float[] expected = new float[x.length];
            for (int r = 0; r < rows; r++) {
                for (int b0 = 0; b0 < cols; b0 += 32) {
                    int len = Math.min(32, cols - b0);
                    float[] slice = Arrays.copyOfRange(x, r * cols + b0, r * cols + b0 + len);
                    System.arraycopy(f.fakeQuantize(slice), 0, expected, r * cols + b0, len);
                }
            }
            sameBits(expected, q, f + " on [" + rows + ", " + cols + "]");
        });
    }

    @Test
    void anOuterAxisIsTheTransposeOfRows() {
        Gen.forAll("anOuterAxisIsTheTransposeOfRows", 600, g -> {
            // the rows' layout on the transpose, transposed back, equals the same granularity along axis 0 / 1
            String name = g.pick(STRIDABLE);
            int rows = g.between(8, 70);
            int cols = g.between(1, 40);
            Format rowsFormat = Formats.parse(name);
            Format outer = name.contains("per channel") ? rowsFormat.perChannel(1) : rowsFormat.axis(0);
            float[] x = TestData.gaussian(rows * cols, g.anyLong(), 1.0);
            float[] t = transpose(x, rows, cols);
            float[] viaTranspose = transpose(rowsFormat.fakeQuantize(t, cols, rows), cols, rows);
            float[] direct = outer.fakeQuantize(x.clone(), rows, cols);
            sameBits(viaTranspose, direct, outer + " on [" + rows + ", " + cols + "]");
        });
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
