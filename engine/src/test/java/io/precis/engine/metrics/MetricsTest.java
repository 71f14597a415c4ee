package io.precis.engine.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.format.Formats;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class MetricsTest {

    @Test
    void knownValues() {
        float[] r = {1, 2, 3, 4};
        float[] a = {1, 2, 3, 2};
        ErrorReport e = Metrics.compare(r, a);
        assertEquals(4, e.count());
        assertEquals(1.0, e.mse(), 1e-15);                            // (4 - 2)^2 / 4
        assertEquals(10 * Math.log10(30.0 / 4.0), e.sqnrDb(), 1e-12);  // sum r^2 = 30, sum err^2 = 4
        assertEquals(2.0, e.maxAbsError());
        assertEquals(22.0 / (Math.sqrt(30) * Math.sqrt(18)), e.cosine(), 1e-15);
        assertEquals(Math.sqrt(4.0 / 30.0), e.relativeFrobenius(), 1e-15);
        assertEquals(e.mse(), Metrics.mse(r, a));
        assertEquals(e.cosine(), Metrics.cosine(r, a));
        assertEquals(e.sqnrDb(), Metrics.sqnrDb(r, a));
        assertEquals(e.maxAbsError(), Metrics.maxAbsError(r, a));
        assertEquals(e.relativeFrobenius(), Metrics.relativeFrobenius(r, a));
    }

    @Test
    void edgeCases() {
        ErrorReport same = Metrics.compare(new float[] {1, -2}, new float[] {1, -2});
        assertEquals(Double.POSITIVE_INFINITY, same.sqnrDb());
        assertEquals(0.0, same.relativeFrobenius());
        assertEquals(1.0, same.cosine(), 1e-15);
        assertEquals(1.0, Metrics.cosine(new float[2], new float[2]));
        assertEquals(0.0, Metrics.cosine(new float[] {1, 0}, new float[2]));
        assertEquals(-1.0, Metrics.cosine(new float[] {1, 2}, new float[] {-1, -2}), 1e-15);
        assertTrue(Double.isNaN(Metrics.mse(new float[] {1}, new float[] {Float.NaN})));
        assertTrue(Double.isNaN(Metrics.maxAbsError(new float[] {1, 2}, new float[] {Float.NaN, 2})));
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> Metrics.compare(new float[2], new float[3]));
        assertTrue(ex.getMessage().contains("2 values") && ex.getMessage().contains("3"));
    }

    @Test
    void buffersGiveTheSameAnswer() {
        float[] r = {0.5f, -1.25f, 3f, 0f, 7.75f};
        float[] a = Formats.int4().perTensor().fakeQuantize(r.clone());
        ByteBuffer rb = ByteBuffer.allocateDirect(20).order(ByteOrder.LITTLE_ENDIAN);
        rb.asFloatBuffer().put(r);
        ByteBuffer ab = ByteBuffer.allocate(20).order(ByteOrder.BIG_ENDIAN);
        ab.asFloatBuffer().put(a);
        assertEquals(Metrics.compare(r, a), Metrics.compare(rb, ab));
    }

    @Test
    void klDivergenceOfLogits() {
        float[] p = {0f, 0f, 1f, 2f};                                 // two rows of two classes
        assertEquals(0.0, Metrics.klDivergence(p, p.clone(), 2), 1e-15);
        // row 1: softmax(0, 0) = (1/2, 1/2) vs softmax(0, ln 3) = (1/4, 3/4)
        float[] q = {0f, (float) Math.log(3), 1f, 2f};
        double row1 = 0.5 * Math.log(0.5 / 0.25) + 0.5 * Math.log(0.5 / 0.75);
        assertEquals(row1 / 2, Metrics.klDivergence(p, q, 2), 1e-7);
        // shifting logits by a constant changes nothing; large logits stay finite (log-sum-exp)
        float[] big = {1000f, 1001f, 1002f};
        float[] shifted = {0f, 1f, 2f};
        assertEquals(0.0, Metrics.klDivergence(big, shifted, 3), 1e-12);
        assertTrue(Metrics.klDivergence(shifted, new float[] {2f, 1f, 0f}, 3) > 0);
        assertThrows(IllegalArgumentException.class, () -> Metrics.klDivergence(new float[5], new float[5], 2));
    }

    @Test
    void quantizationErrorShrinksWithBits() {
        float[] w = new float[8192];
        java.util.Random rnd = new java.util.Random(1);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) rnd.nextGaussian();
        }
        double previous = -1;
        for (int bits = 2; bits <= 8; bits++) {
            double sqnr = Metrics.sqnrDb(w, Formats.intN(bits).groups(64).fakeQuantize(w.clone(), 128, 64));
            assertTrue(sqnr > previous, "int" + bits + ": " + sqnr + " dB");
            previous = sqnr;
        }
        assertTrue(previous > 40, "int8 group 64 on a gaussian: " + previous + " dB");
    }
}
