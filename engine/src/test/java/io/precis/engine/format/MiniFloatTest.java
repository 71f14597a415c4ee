package io.precis.engine.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Published value tables of the OCP FP8/FP6/FP4 types and IEEE binary16 / bfloat16. */
class MiniFloatTest {

    private static void value(MiniFloat t, int code, float expected) {
        assertEquals(expected, t.decode(code), 0f, t + " code 0x" + Integer.toHexString(code));
        assertEquals(code, t.encode(expected, true), t + " encode " + expected);
    }

    private static void rounds(MiniFloat t, float x, boolean saturate, float expected) {
        float got = t.round(x, saturate);
        assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(got),
                t + " round(" + x + ", saturate=" + saturate + ") = " + got + ", expected " + expected);
    }

    private static List<Float> finiteValues(MiniFloat t) {
        List<Float> v = new ArrayList<>();
        for (int c = 0; c < 1 << t.bits(); c++) {
            float x = t.decode(c);
            if (Float.isFinite(x)) {
                v.add(x);
            }
        }
        return v;
    }

    @Test
    void e4m3MatchesTheOcpTable() {
        MiniFloat t = MiniFloat.E4M3;
        assertEquals(448f, t.max());
        assertEquals(0x1p-6f, t.minNormal());
        assertEquals(0x1p-9f, t.minSubnormal());
        assertEquals(8, t.maxExponent());
        value(t, 0x7E, 448f);            // S.1111.110: largest normal
        value(t, 0x08, 0x1p-6f);         // smallest normal
        value(t, 0x07, 0.875f * 0x1p-6f); // largest subnormal
        value(t, 0x01, 0x1p-9f);         // smallest subnormal
        value(t, 0x38, 1f);
        value(t, 0xB8, -1f);
        value(t, 0x00, 0f);
        assertEquals(0x80, t.encode(-0f, true));
        assertTrue(Float.isNaN(t.decode(0x7F)) && Float.isNaN(t.decode(0xFF)), "S.1111.111 is NaN");
        assertEquals(0x7F, t.encode(Float.NaN, true));
        assertEquals(254, finiteValues(t).size(), "256 codes minus two NaNs, no infinities");
        assertTrue(!t.hasInfinity() && t.hasNaN());
    }

    @Test
    void e4m3SaturationOverflowAndTies() {
        MiniFloat t = MiniFloat.E4M3;
        rounds(t, 1000f, true, 448f);
        rounds(t, Float.POSITIVE_INFINITY, true, 448f);       // OCP saturating mode: inf -> max
        rounds(t, Float.NEGATIVE_INFINITY, true, -448f);
        rounds(t, 1000f, false, Float.NaN);                    // no infinity: overflow is NaN
        rounds(t, Float.POSITIVE_INFINITY, false, Float.NaN);
        rounds(t, 464f, false, 448f);                          // halfway to the virtual 480: even (448) wins
        rounds(t, Math.nextUp(464f), false, Float.NaN);
        rounds(t, Math.nextUp(464f), true, 448f);
        rounds(t, 1.0625f, true, 1f);                          // tie between 1.000 and 1.001: even
        rounds(t, 1.1875f, true, 1.25f);                       // tie between 1.001 and 1.010: even
        rounds(t, 0x1p-10f, true, 0f);                         // half the smallest subnormal: even (0)
        rounds(t, 3 * 0x1p-10f, true, 0x1p-8f);                // tie between 001 and 010 subnormals
        rounds(t, Math.nextUp(0x1p-10f), true, 0x1p-9f);
        rounds(t, -0x1p-11f, true, -0f);                       // sign of zero kept
        rounds(t, Float.NaN, true, Float.NaN);
    }

    @Test
    void e5m2MatchesTheOcpTable() {
        MiniFloat t = MiniFloat.E5M2;
        assertEquals(57344f, t.max());
        value(t, 0x7B, 57344f);
        value(t, 0x04, 0x1p-14f);
        value(t, 0x01, 0x1p-16f);
        value(t, 0x03, 0.75f * 0x1p-14f);
        value(t, 0x3C, 1f);
        assertEquals(Float.POSITIVE_INFINITY, t.decode(0x7C));
        assertEquals(Float.NEGATIVE_INFINITY, t.decode(0xFC));
        for (int c : new int[] {0x7D, 0x7E, 0x7F, 0xFD, 0xFE, 0xFF}) {
            assertTrue(Float.isNaN(t.decode(c)), "NaN code " + c);
        }
        assertEquals(0x7C, t.encode(Float.POSITIVE_INFINITY, false));
        assertEquals(0x7E, t.encode(Float.NaN, false));
        rounds(t, 61440f, false, Float.POSITIVE_INFINITY);  // halfway to 2^16: even is the infinity
        rounds(t, Math.nextDown(61440f), false, 57344f);
        rounds(t, 61440f, true, 57344f);
        rounds(t, Float.POSITIVE_INFINITY, true, 57344f);
        rounds(t, Float.POSITIVE_INFINITY, false, Float.POSITIVE_INFINITY);
        rounds(t, 1.125f, true, 1f);                          // tie 1.00 / 1.01: even
        rounds(t, 1.375f, true, 1.5f);                        // tie 1.01 / 1.10: even
        assertEquals(248, finiteValues(t).size(), "256 codes minus 2 infinities and 6 NaNs");
    }

    @Test
    void fp6AndFp4MatchTheOcpTables() {
        MiniFloat e3m2 = MiniFloat.E3M2;
        assertEquals(28f, e3m2.max());
        value(e3m2, 0x1F, 28f);
        value(e3m2, 0x04, 0.25f);
        value(e3m2, 0x01, 0.0625f);
        value(e3m2, 0x0C, 1f);
        assertEquals(64, finiteValues(e3m2).size(), "every code is finite");
        rounds(e3m2, 100f, false, 28f);                       // no inf/NaN: always saturates
        rounds(e3m2, 30f, true, 28f);

        MiniFloat e2m3 = MiniFloat.E2M3;
        assertEquals(7.5f, e2m3.max());
        value(e2m3, 0x1F, 7.5f);
        value(e2m3, 0x08, 1f);
        value(e2m3, 0x01, 0.125f);
        value(e2m3, 0x07, 0.875f);
        rounds(e2m3, 0.0625f, true, 0f);                      // tie: even
        rounds(e2m3, 0.1875f, true, 0.25f);                   // tie 0.125 / 0.25: even (0.25)

        MiniFloat e2m1 = MiniFloat.E2M1;
        float[] positives = {0f, 0.5f, 1f, 1.5f, 2f, 3f, 4f, 6f};
        for (int c = 0; c < 8; c++) {
            value(e2m1, c, positives[c]);
            assertEquals(-positives[c], e2m1.decode(c | 8));
        }
        rounds(e2m1, 0.25f, true, 0f);
        rounds(e2m1, 0.75f, true, 1f);
        rounds(e2m1, 1.25f, true, 1f);
        rounds(e2m1, 1.75f, true, 2f);
        rounds(e2m1, 2.5f, true, 2f);
        rounds(e2m1, 3.5f, true, 4f);
        rounds(e2m1, 5f, true, 4f);
        rounds(e2m1, Math.nextUp(5f), true, 6f);
        rounds(e2m1, 7f, true, 6f);
        rounds(e2m1, -100f, false, -6f);
        rounds(e2m1, Float.POSITIVE_INFINITY, true, 6f);
        assertThrows(IllegalArgumentException.class, () -> e2m1.encode(Float.NaN, true));
        assertTrue(Float.isNaN(e2m1.round(Float.NaN, true)), "NaN propagates through rounding");
    }

    @Test
    void fp16MatchesIeeeBinary16() {
        MiniFloat t = MiniFloat.FP16;
        assertEquals(65504f, t.max());
        value(t, 0x7BFF, 65504f);
        value(t, 0x0400, 0x1p-14f);
        value(t, 0x0001, 0x1p-24f);
        value(t, 0x3C00, 1f);
        value(t, 0x3555, 0.333251953125f);
        assertEquals(0x7C00, t.encode(Float.POSITIVE_INFINITY, false));
        assertEquals(0x7E00, t.encode(Float.NaN, false));
        rounds(t, 65519f, false, 65504f);
        rounds(t, 65520f, false, Float.POSITIVE_INFINITY);
        rounds(t, 65520f, true, 65504f);
        rounds(t, 1f + 0x1p-11f, false, 1f);
        rounds(t, 1f + 3 * 0x1p-11f, false, 1f + 0x1p-9f);
        rounds(t, 0x1p-25f, false, 0f);
        rounds(t, Math.nextUp(0x1p-25f), false, 0x1p-24f);
        // independent check: the JDK's own binary16 conversion on a sweep of float bit patterns
        for (long bits = 0; bits <= 0xFFFFFFFFL; bits += 4093) {
            float x = Float.intBitsToFloat((int) bits);
            float jdk = Float.float16ToFloat(Float.floatToFloat16(x));
            float ours = t.round(x, false);
            assertEquals(Float.floatToIntBits(jdk), Float.floatToIntBits(ours), "fp16 of " + x);
        }
    }

    @Test
    void bf16IsTheTopHalfOfBinary32() {
        MiniFloat t = MiniFloat.BF16;
        assertEquals(Float.intBitsToFloat(0x7F7F0000), t.max());
        value(t, 0x7F7F, Float.intBitsToFloat(0x7F7F0000));
        value(t, 0x0080, Float.MIN_NORMAL);
        value(t, 0x0001, 0x1p-133f);
        value(t, 0x3F80, 1f);
        value(t, 0x4049, 3.140625f);
        assertEquals(0x3EAB, t.encode(1f / 3f, false));
        assertEquals(0x4049, t.encode((float) Math.PI, false));
        assertEquals(0x7F80, t.encode(Float.MAX_VALUE, false), "rounds past the largest bf16 to infinity");
        assertEquals(0x7F7F, t.encode(Float.MAX_VALUE, true));
        // against plain round-to-nearest-even on the bit pattern (ties: 0x...8000 with an even bit 16)
        for (long bits = 0; bits <= 0x7F7FFFFFL; bits += 997) {
            int b = (int) bits;
            int expected = (b + 0x7FFF + ((b >>> 16) & 1)) >>> 16;
            float x = Float.intBitsToFloat(b);
            assertEquals(expected, t.encode(x, false), "bf16 of 0x" + Integer.toHexString(b));
        }
    }

    @Test
    void everyCodeRoundTrips() {
        for (MiniFloat t : List.of(MiniFloat.E4M3, MiniFloat.E5M2, MiniFloat.E3M2, MiniFloat.E2M3, MiniFloat.E2M1,
                MiniFloat.FP16, MiniFloat.BF16)) {
            for (int c = 0; c < 1 << t.bits(); c++) {
                float v = t.decode(c);
                if (Float.isNaN(v)) {
                    continue;
                }
                assertEquals(c, t.codeOf(v), t + " code " + c);
                assertEquals(Float.floatToIntBits(v), Float.floatToIntBits(t.round(v, false)), t + " value " + v);
            }
        }
    }
}
