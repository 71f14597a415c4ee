package io.precis.engine.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import io.precis.engine.format.MiniFloat;
import io.precis.engine.metrics.Metrics;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Hand-checked values: what each format does to specific numbers, scales and codes included. */
class QuantValuesTest {

    private static float fp16(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));   // the JDK's IEEE binary16, independent of ours
    }

    private static int[] codes(Encoded e) {
        int[] c = new int[e.size()];
        for (int i = 0; i < c.length; i++) {
            c[i] = e.code(i);
        }
        return c;
    }

    // ---------------------------------------------------------------- integers

    @Test
    void symmetricIntRoundsHalfToEvenOnTheRestrictedRange() {
        float[] x = {7f, 3.5f, -2.5f, 0.5f, 1.5f, -7f, 0.25f, 6.9f};
        Format f = Formats.int4().perTensor();
        Encoded e = f.encode(x);
        assertEquals(1f, e.scale(0));                               // absmax 7 / qmax 7
        assertArrayEquals(new int[] {7, 4, -2, 0, 2, -7, 0, 7}, codes(e));
        assertArrayEquals(new float[] {7, 4, -2, 0, 2, -7, 0, 7}, f.fakeQuantize(x.clone()));
        assertEquals(0x3C00, e.scaleCode(0), "fp16 1.0");
    }

    @Test
    void scalesAreRoundedToTheirStorageType() {
        float[] x = {1f, 0.5f, -0.25f, 0.1f};
        Encoded e = Formats.int8().perTensor().encode(x);
        float s = fp16(1f / 127);
        assertEquals(s, e.scale(0));
        assertEquals(Float.floatToFloat16(1f / 127) & 0xFFFF, e.scaleCode(0));
        float[] q = Formats.int8().perTensor().fakeQuantize(x.clone());
        for (int i = 0; i < x.length; i++) {
            assertEquals((float) Math.rint(x[i] / s) * s, q[i], "x=" + x[i]);
        }
        Encoded e32 = Formats.int8().perTensor().scales(io.precis.engine.format.ScaleType.FP32).encode(x);
        assertEquals(1f / 127, e32.scale(0));
    }

    @Test
    void asymmetricIntHasAZeroPoint() {
        float[] x = {-1f, 0f, 2f, 3f};
        Encoded e = Formats.int4().perTensor().asymmetric().encode(x);
        float s = fp16(4f / 15);                                    // (max - min) / 15
        assertEquals(s, e.scale(0));
        assertEquals(4, e.zeroPoint(0));                             // rint(1 / s) = rint(3.75)
        assertArrayEquals(new int[] {0, 4, 12, 15}, codes(e));
        float[] q = e.decode();
        assertEquals(-4 * s, q[0]);
        assertEquals(0f, q[1]);                                      // zero is exact
        assertEquals(8 * s, q[2]);
        assertEquals(11 * s, q[3]);
        // a range that does not include 0 is widened to include it
        Encoded positive = Formats.int4().perTensor().asymmetric().encode(new float[] {2f, 3f});
        assertEquals(0, positive.zeroPoint(0));
        assertEquals(fp16(3f / 15), positive.scale(0));
    }

    @Test
    void perChannelScalesNeedAShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Formats.int8().fakeQuantize(new float[16]));
        assertTrue(e.getMessage().contains("need the tensor's shape"), e.getMessage());
        assertEquals(16, Formats.int8().encode(new float[16], 16).groupCount(), "an explicit 1-D shape is allowed");
        IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
                () -> Formats.int8().fakeQuantize(new float[16], 4, 5));
        assertTrue(size.getMessage().contains("has 20 elements but the data holds 16"), size.getMessage());
    }

    @Test
    void raggedLastGroupGetsItsOwnScale() {
        float[] x = {1, 2, 3, 4, 8, 7, 6, 5, 0.5f, -0.25f};
        Encoded e = Formats.int4().groups(4).encode(x, 1, 10);
        assertEquals(3, e.groupCount());
        assertEquals(fp16(4f / 7), e.scale(0));
        assertEquals(fp16(8f / 7), e.scale(1));
        assertEquals(fp16(0.5f / 7), e.scale(2));                   // only {0.5, -0.25}
        assertEquals(4 + 3 * 16.0 / 10, Formats.int4().groups(4).bitsPerWeight(1, 10));
    }

    @Test
    void perChannelOnAnyAxis() {
        float[] x = {1, -20, 300, 2, 10, -100};                      // shape [2, 3]
        Encoded rows = Formats.int8().perChannel(0).encode(x, 2, 3);
        assertEquals(fp16(300f / 127), rows.scale(0));
        assertEquals(fp16(100f / 127), rows.scale(1));
        Encoded cols = Formats.int8().perChannel(1).encode(x, 2, 3);
        assertEquals(3, cols.groupCount());
        assertEquals(fp16(2f / 127), cols.scale(0));
        assertEquals(fp16(20f / 127), cols.scale(1));
        assertEquals(fp16(300f / 127), cols.scale(2));
    }

    @Test
    void zerosNanAndInfinities() {
        float[] zeros = new float[64];
        Encoded e = Formats.int4().groups(32).encode(zeros, 2, 32);
        assertEquals(1f, e.scale(0), "an all-zero group gets scale 1");
        assertArrayEquals(new float[64], e.decode());

        float[] x = {Float.NaN, 1f, Float.POSITIVE_INFINITY, -0.5f, Float.NEGATIVE_INFINITY, 0.25f, 0f, -1f};
        float[] q = Formats.int4().perTensor().fakeQuantize(x.clone());
        float s = fp16(1f / 7);                                     // infinities and NaN do not count
        assertTrue(Float.isNaN(q[0]), "NaN stays NaN");
        assertEquals(7 * s, q[2], "+inf saturates");
        assertEquals(-7 * s, q[4], "-inf saturates");
        assertEquals((float) Math.rint(-0.5f / s) * s, q[3]);
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> Formats.int4().perTensor().encode(x));
        assertTrue(ex.getMessage().contains("element 0"), ex.getMessage());
    }

    @Test
    void mseClippingNeverLosesToAbsmax() {
        float[] x = TestData.gaussian(4096, 11, 1.0);
        x[17] = 40f;                                                 // an outlier
        float[] absmax = Formats.int4().perTensor().fakeQuantize(x.clone());
        float[] mse = Formats.int4().perTensor().mse().fakeQuantize(x.clone());
        Encoded ea = Formats.int4().perTensor().encode(x);
        Encoded em = Formats.int4().perTensor().mse().encode(x);
        assertTrue(em.scale(0) < ea.scale(0), "the search clips the outlier");
        assertTrue(em.scale(0) >= fp16(0.8f * 40f / 7) * 0.999f, "within the 20% search range");
        assertTrue(Metrics.mse(x, mse) <= Metrics.mse(x, absmax));
    }

    @Test
    void percentileUsesTheNearestRank() {
        float[] x = new float[100];
        for (int i = 0; i < 100; i++) {
            x[i] = i + 1;                                            // 1..100
        }
        assertEquals(fp16(50f / 127), Formats.int8().perTensor().percentile(50).encode(x).scale(0));
        assertEquals(fp16(100f / 127), Formats.int8().perTensor().percentile(100).encode(x).scale(0));
        assertEquals(fp16(91f / 127), Formats.int8().perTensor().percentile(90.5).encode(x).scale(0));
        // large groups take the radix-select path: same rank
        float[] big = new float[50_000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (i * 7919L % big.length) - 25_000;              // a permutation of -25000..24999
        }
        float p999 = Formats.int8().perTensor().scales(io.precis.engine.format.ScaleType.FP32).percentile(99.9)
                .encode(big).scale(0);
        float[] mags = new float[big.length];
        for (int i = 0; i < big.length; i++) {
            mags[i] = Math.abs(big[i]);
        }
        Arrays.sort(mags);
        assertEquals(mags[(int) Math.ceil(0.999 * big.length) - 1] / 127, p999);
    }

    @Test
    void stochasticRoundingIsUnbiasedAndSeeded() {
        float[] x = new float[20_001];
        Arrays.fill(x, 2.3f);
        x[0] = 7f;                                                   // scale 1
        float[] q = Formats.int4().perTensor().stochastic(123).fakeQuantize(x.clone());
        double sum = 0;
        for (int i = 1; i < q.length; i++) {
            assertTrue(q[i] == 2f || q[i] == 3f, "only the two neighbours");
            sum += q[i];
        }
        assertEquals(2.3, sum / 20_000, 0.015);

        float[] y = new float[20_000];
        Arrays.fill(y, 1.03f);                                       // between e4m3 1.0 and 1.125
        float[] r = Formats.fp8e4m3().unscaled().stochastic(9).fakeQuantize(y.clone());
        double m = 0;
        for (float v : r) {
            assertTrue(v == 1f || v == 1.125f);
            m += v;
        }
        assertEquals(1.03, m / y.length, 0.003);
    }

    // ---------------------------------------------------------------- OCP MX

    private static float[] block(float max, float... rest) {
        float[] b = new float[32];
        b[0] = max;
        System.arraycopy(rest, 0, b, 1, rest.length);
        return b;
    }

    @Test
    void mxScaleIsTheLargestPowerOfTwoBelowTheMaxOverTheElementsEmax() {
        // mxfp4 (E2M1, emax 2): max 1.0 -> X = 2^(0 - 2)
        Encoded e = Formats.mxfp4().encode(block(1f, 0.3f, -0.125f, 0.7f));
        assertEquals(0.25f, e.scale(0));
        assertEquals(127 - 2, e.scaleCode(0));
        assertEquals(6, e.code(0));                                  // 1.0 / 0.25 = 4 = E2M1 0b110
        float[] q = e.decode();
        assertEquals(1f, q[0]);
        assertEquals(0.25f, q[1]);                                   // 0.3/0.25 = 1.2 -> 1
        assertEquals(-0.125f, q[2]);                                 // -0.5 exactly
        assertEquals(0.75f, q[3]);                                   // 2.8 -> 3

        // max 7: floor(log2 7) = 2 -> X = 1, and 7 saturates to 6 (the spec clamps)
        Encoded seven = Formats.mxfp4().encode(block(7f, 5f, 2.5f));
        assertEquals(1f, seven.scale(0));
        assertEquals(6f, seven.decode()[0]);
        assertEquals(4f, seven.decode()[1]);                         // tie 4 | 6: even
        assertEquals(2f, seven.decode()[2]);                         // tie 2 | 3: even

        // mxfp8 (E4M3, emax 8): 500 -> X = 2^(8 - 8) = 1, saturates at 448
        Encoded e4 = Formats.mxfp8().encode(block(500f, 300f));
        assertEquals(1f, e4.scale(0));
        assertEquals(448f, e4.decode()[0]);
        assertEquals(288f, e4.decode()[1]);
        // mxfp8_e5m2 (emax 15), mxfp6 (E2M3, emax 2), mxfp6_e3m2 (emax 4)
        assertEquals(0x1p-15f, Formats.mxfp8e5m2().encode(block(1.5f)).scale(0));
        assertEquals(0.25f, Formats.mxfp6().encode(block(1.5f)).scale(0));
        assertEquals(0.0625f, Formats.mxfp6e3m2().encode(block(1.5f)).scale(0));
    }

    @Test
    void mxint8HasAnImplicitTwoToTheMinusSix() {
        Encoded e = Formats.mxint8().encode(block(1f, 1.99f, -1.99f, 0.5f, 1f / 128));
        assertEquals(127, e.scaleCode(0));                           // X = 2^0
        assertEquals(0x1p-6f, e.scale(0));                           // X * 2^-6 per code
        assertArrayEquals(new int[] {64, 127, -127, 32, 0}, Arrays.copyOf(codes(e), 5)); // 1/128 * 64 = 0.5 -> 0
        Encoded two = Formats.mxint8().encode(block(2f, 3.99f));
        assertEquals(128, two.scaleCode(0));
        assertEquals(127, two.code(1));                              // 3.99 / 2 * 64 = 127.7 -> saturates at 127
    }

    @Test
    void mxSpecialBlocks() {
        // all zero: the smallest scale, 2^-127 (E8M0 code 0)
        Encoded zero = Formats.mxfp4().encode(new float[32]);
        assertEquals(0, zero.scaleCode(0));
        assertEquals(0x1p-127f, zero.scale(0));
        assertArrayEquals(new float[32], zero.decode());
        // tiny block: exponent clamps at -127, values far below the element grid become 0
        Encoded tiny = Formats.mxfp4().encode(block(0x1p-140f));
        assertEquals(0, tiny.scaleCode(0));
        assertEquals(0f, tiny.decode()[0]);
        // NaN or an infinity in a block: the scale is NaN (0xFF) and the whole block decodes to NaN
        float[] two = new float[64];
        Arrays.fill(two, 0.5f);
        two[3] = Float.NaN;
        two[40] = Float.POSITIVE_INFINITY;
        for (Format f : new Format[] {Formats.mxfp4(), Formats.mxfp8(), Formats.mxint8()}) {
            Encoded e = f.encode(two, 2, 32);
            assertEquals(0xFF, e.scaleCode(0));
            assertEquals(0xFF, e.scaleCode(1));
            float[] q = f.fakeQuantize(two.clone(), 2, 32);
            for (float v : q) {
                assertTrue(Float.isNaN(v), f + ": every value of a NaN block is NaN");
            }
        }
        float[] oneBad = new float[64];
        Arrays.fill(oneBad, 0.5f);
        oneBad[5] = Float.NaN;
        float[] q = Formats.mxfp4().fakeQuantize(oneBad, 2, 32);
        assertTrue(Float.isNaN(q[31]));
        assertEquals(0.5f, q[32], "the other block is untouched by the NaN");
    }

    @Test
    void mxRaggedBlocksAndAxis() {
        float[] row = new float[40];
        Arrays.fill(row, 0, 32, 1f);
        Arrays.fill(row, 32, 40, 0.1f);
        Encoded e = Formats.mxfp4().encode(row, 1, 40);
        assertEquals(2, e.groupCount());
        assertEquals(0.25f, e.scale(0));
        assertEquals((float) Math.scalb(1.0, -4 - 2), e.scale(1), "floor(log2 0.1) = -4, minus emax 2");
        // along axis 0: a [32, 2] tensor is two column blocks
        float[] cols = new float[64];
        for (int i = 0; i < 32; i++) {
            cols[2 * i] = 1f;
            cols[2 * i + 1] = 4f;
        }
        Encoded c = Formats.mxfp4().axis(0).encode(cols, 32, 2);
        assertEquals(0.25f, c.scale(0));
        assertEquals(1f, c.scale(1));
    }

    // ---------------------------------------------------------------- NVFP4

    @Test
    void nvfp4HasTwoLevelsOfScale() {
        float[] x = new float[32];                                   // two blocks of 16
        x[0] = 2688f;                                                // tensor amax = 448 * 6: tensor scale 1
        x[16] = 1f;
        x[17] = -1.75f * 0.171875f;                                  // exactly halfway between 1.5 and 2
        x[18] = -0.3f;
        Encoded e = Formats.nvfp4().encode(x, 1, 32);
        assertEquals(1f, e.tensorScale());
        assertEquals(448f, e.scale(0));                              // block max / 6 / tensor scale, as E4M3
        assertEquals(MiniFloat.E4M3.codeOf(448f), e.scaleCode(0));
        // block 2: 1/6 = 0.1667 -> E4M3 0.171875 (1.011b * 2^-3)
        assertEquals(0.171875f, e.scale(1));
        assertEquals(0x23, e.scaleCode(1));
        float[] q = e.decode();
        assertEquals(2688f, q[0]);
        assertEquals(6 * 0.171875f, q[16]);                          // 1 / 0.171875 = 5.8 -> 6
        assertEquals(-2 * 0.171875f, q[17]);                         // tie 1.5 | 2: even (2 = 0b100)
        assertEquals(-1.5f * 0.171875f, q[18]);                      // 1.745 -> 1.5
        assertEquals(4.5, Formats.nvfp4().bitsPerWeight());
        // an all-zero tensor: tensor scale 1, blocks at the smallest block scale, zeros back
        Encoded z = Formats.nvfp4().encode(new float[16], 1, 16);
        assertEquals(1f, z.tensorScale());
        assertEquals(0x1p-6f, z.scale(0));
        assertArrayEquals(new float[16], z.decode());
        // a quiet block: 0.03 / 6 = 0.005 is below torchao's lower bound E4M3_EPS = finfo(e4m3fn).tiny = 2^-6,
        // so the block scale is 2^-6 (not the subnormal 0.005859 = 3 * 2^-9) and 0.03 / 2^-6 = 1.92 -> 2
        float[] quiet = new float[32];
        quiet[0] = 2688f;
        quiet[16] = 0.03f;
        Encoded qe = Formats.nvfp4().encode(quiet, 1, 32);
        assertEquals(0x1p-6f, qe.scale(1));
        assertEquals(2 * 0x1p-6f, qe.decode()[16]);
    }

    // ---------------------------------------------------------------- NF4

    @Test
    void nf4UsesTheQloraLevels() {
        float[] lv = TestData.nf4PublishedLevels();                  // bitsandbytes' table, typed apart
        float[] x = new float[64];
        x[0] = 1f;                                                   // group absmax 1: scale 1 (fp32)
        for (int i = 0; i < 16; i++) {
            x[1 + i] = lv[i];
        }
        float t78 = (float) (((double) lv[7] + lv[8]) / 2);          // midpoint 0|1: code 8 is even -> up
        float t89 = (float) (((double) lv[8] + lv[9]) / 2);          // midpoint 8|9: code 8 is even -> down
        x[20] = t78;
        x[21] = t89;
        x[22] = Math.nextDown(t78);
        x[23] = -0.9f;
        Encoded e = Formats.nf4().encode(x);
        assertEquals(1f, e.scale(0));
        for (int i = 0; i < 16; i++) {
            assertEquals(i, e.code(1 + i), "level " + i);
        }
        assertEquals(8, e.code(20));
        assertEquals(8, e.code(21));
        assertEquals(7, e.code(22));
        assertEquals(0, e.code(23));
        float[] q = e.decode();
        assertEquals(lv[8], q[20]);
        assertEquals(-1f, q[23]);
    }

    // ---------------------------------------------------------------- casts

    @Test
    void castsAreTheIeeeConversions() {
        float[] x = TestData.adversarial(100_000, 77);
        float[] fp16 = Formats.fp16().fakeQuantize(x.clone());
        float[] bf16 = Formats.bf16().fakeQuantize(x.clone());
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToIntBits(fp16(x[i])), Float.floatToIntBits(fp16[i]), "fp16 of " + x[i]);
            int b = Float.floatToRawIntBits(x[i]);
            float expected = Float.isNaN(x[i]) ? Float.NaN
                    : Float.intBitsToFloat(((b + 0x7FFF + ((b >>> 16) & 1)) >>> 16) << 16);
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(bf16[i]), "bf16 of " + x[i]);
        }
    }

    @Test
    void fp8PerTensorMapsTheAbsmaxTo448() {
        float[] x = {0.5f, -1f, 0.25f, 0.001f};
        Encoded e = Formats.fp8e4m3().encode(x);
        assertEquals(1f / 448, e.scale(0));
        float[] q = e.decode();
        assertEquals(-1f, q[1], 1e-7f);
        assertEquals(0xFE, e.code(1), "-448 is S.1111.110");
    }
}
