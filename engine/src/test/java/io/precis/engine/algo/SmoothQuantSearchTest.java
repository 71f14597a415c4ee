package io.precis.engine.algo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.precis.engine.format.Format;
import io.precis.engine.format.Formats;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/** SmoothQuant's α search: its errors against this test's own loops, and its choice on a layer with outlier channels. */
class SmoothQuantSearchTest {
    private static final int N = 256, D = 32, R1 = 16, R2 = 8;

    /** The test's own per-token int8 fake quantization (±127, absmax/127 per row). */
    private static float[] perToken(float[] x) {
        float[] y = x.clone();
        for (int r = 0; r < N; r++) {
            float m = 0;
            for (int c = 0; c < D; c++) m = Math.max(m, Math.abs(x[r * D + c]));
            float s = m / 127f;
            for (int c = 0; c < D; c++) y[r * D + c] = s == 0 ? 0 : (float) Math.rint(Math.max(-127, Math.min(127, x[r * D + c] / s))) * s;
        }
        return y;
    }

    @Test
    void errorsAreTheLayersOutputErrorAndTheBestAlphaWins() {
        Random rnd = new Random(3);
        float[] x = new float[N * D];
        for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian() * (i % D < 3 ? 20f : 1f);   // 3 outlier channels
        float[] w1 = new float[R1 * D], w2 = new float[R2 * D];
        for (int i = 0; i < w1.length; i++) w1[i] = (float) rnd.nextGaussian() * 0.1f;
        for (int i = 0; i < w2.length; i++) w2[i] = (float) rnd.nextGaussian() * 0.1f;
        float[] range = new float[D];
        for (int i = 0; i < x.length; i++) range[i % D] = Math.max(range[i % D], 2 * Math.abs(x[i]));
        Format int8 = Formats.parse("int8 per channel");
        List<Awq.Weight> ws = List.of(new Awq.Weight(w1, R1), new Awq.Weight(w2, R2));
        List<UnaryOperator<float[]>> qs = List.of(w -> QuantAlgorithm.RTN.quantize(w, R1, D, int8, null),
                w -> QuantAlgorithm.RTN.quantize(w, R2, D, int8, null));
        SmoothQuant.Search r = SmoothQuant.search(x, N, D, range, ws, qs, v -> ActivationQuant.int8PerToken(), SmoothQuant.ALPHAS);
        assertEquals(21, r.errors().length);
        for (int k : new int[] {0, 10, 20}) {
            double a = SmoothQuant.ALPHAS[k];
            float[] s = SmoothQuant.scales(range, ws, D, a);
            float[] xs = new float[x.length];
            for (int i = 0; i < x.length; i++) xs[i] = x[i] / s[i % D];
            float[] xq = perToken(xs);
            double err = 0, energy = 0;
            for (Awq.Weight l : ws) {
                float[] wq = QuantAlgorithm.RTN.quantize(SmoothQuant.scaleWeights(l.w(), l.rows(), D, s), l.rows(), D, int8, null);
                for (int n = 0; n < N; n++)
                    for (int o = 0; o < l.rows(); o++) {
                        double y = 0, yq = 0;
                        for (int c = 0; c < D; c++) {
                            y += (double) x[n * D + c] * l.w()[o * D + c];
                            yq += (double) xq[n * D + c] * wq[o * D + c];
                        }
                        err += (yq - y) * (yq - y);
                        energy += y * y;
                    }
            }
            assertEquals(err / energy, r.errors()[k], 1e-4 * err / energy, "α " + a);
        }
        int best = 0;
        for (int k = 1; k < r.errors().length; k++) if (r.errors()[k] < r.errors()[best]) best = k;
        assertEquals(SmoothQuant.ALPHAS[best], r.alpha());
        assertArrayEquals(SmoothQuant.scales(range, ws, D, r.alpha()), r.scales());
        assertTrue(r.alpha() > 0 && r.errors()[best] < 0.5 * r.errors()[0],
                "outlier channels: smoothing pays, α " + r.alpha() + ", error " + r.errors()[best] + " vs unsmoothed " + r.errors()[0]);
    }
}
