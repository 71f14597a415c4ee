package io.precis.engine.algo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The vector kernels against the scalar reference, and the Cholesky factor against its definition. */
class DenseTest {
    @Test
    void vectorGemmEqualsScalarWithinRounding() {
        Random rnd = new Random(1);
        for (int[] s : new int[][] {{5, 37, 3}, {64, 96, 130}, {7, 200, 1}, {33, 33, 257}}) {
            int m = s[0], n = s[1], k = s[2];
            float[] a = rand(rnd, k * (m + 3)), b = rand(rnd, k * (n + 5));
            float[] c1 = rand(rnd, m * (n + 2)), c2 = c1.clone();
            Dense.scalar().gemmTN(c1, 1, n + 2, a, 2, m + 3, b, 3, n + 5, m, n - 1, k, -0.5f);
            Dense.best().gemmTN(c2, 1, n + 2, a, 2, m + 3, b, 3, n + 5, m, n - 1, k, -0.5f);
            for (int i = 0; i < c1.length; i++) assertEquals(c1[i], c2[i], 1e-4f * (1 + Math.abs(c1[i])), "element " + i);
        }
    }

    @Test
    void choleskyReproducesTheMatrix() {
        Random rnd = new Random(2);
        int n = 300, rows = 500;
        float[] x = rand(rnd, rows * n);
        float[] g = new float[n * n];
        Dense.best().gramUpper(g, x, rows, n, 2);
        float[] h = g.clone();
        Dense.best().choleskyUpper(h, n, 2);
        double worst = 0;
        for (int i = 0; i < n; i++)
            for (int j = i; j < n; j++) {
                double acc = 0;
                for (int k = 0; k <= i; k++) acc += (double) h[k * n + i] * h[k * n + j];
                worst = Math.max(worst, Math.abs(acc - g[i * n + j]) / g[j * n + j]);
            }
        assertTrue(worst < 1e-4, "RᵀR differs from H by " + worst);
    }

    static float[] rand(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float) r.nextGaussian();
        return a;
    }
}
