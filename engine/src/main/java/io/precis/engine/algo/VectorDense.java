package io.precis.engine.algo;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link Dense} with the Vector API: a 4-row × 2-vector register tile of C, k in chunks that keep the B panel in
 * L1, FMAs throughout. Loaded by name only when {@code jdk.incubator.vector} is present. Results differ from
 * {@link ScalarDense} only by the FMA's single rounding and the order of summation (tested within a tolerance).
 */
final class VectorDense implements Dense {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final int KC = 128;

    @Override
    public void gemmTN(float[] c, int c0, int ldc, float[] a, int a0, int lda, float[] b, int b0, int ldb,
                       int m, int n, int kn, float alpha) {
        int nv = n - n % (2 * L);
        for (int k0 = 0; k0 < kn; k0 += KC) {
            int k1 = Math.min(kn, k0 + KC);
            for (int j = 0; j < nv; j += 2 * L) {
                int i = 0;
                for (; i + 4 <= m; i += 4) tile4(c, c0 + i * ldc + j, ldc, a, a0 + i, lda, b, b0 + j, ldb, k0, k1, alpha);
                for (; i < m; i++) tile1(c, c0 + i * ldc + j, a, a0 + i, lda, b, b0 + j, ldb, k0, k1, alpha);
            }
            if (nv < n) {
                // the ragged right edge: scalar
                for (int i = 0; i < m; i++) {
                    int ci = c0 + i * ldc;
                    for (int k = k0; k < k1; k++) {
                        float av = alpha * a[a0 + k * lda + i];
                        int bk = b0 + k * ldb;
                        for (int j = nv; j < n; j++) c[ci + j] += av * b[bk + j];
                    }
                }
            }
        }
    }

    private static void tile4(float[] c, int ci, int ldc, float[] a, int ai, int lda, float[] b, int bj, int ldb,
                              int k0, int k1, float alpha) {
        FloatVector c00 = FloatVector.zero(F), c01 = FloatVector.zero(F);
        FloatVector c10 = FloatVector.zero(F), c11 = FloatVector.zero(F);
        FloatVector c20 = FloatVector.zero(F), c21 = FloatVector.zero(F);
        FloatVector c30 = FloatVector.zero(F), c31 = FloatVector.zero(F);
        for (int k = k0; k < k1; k++) {
            int bk = bj + k * ldb;
            FloatVector b0 = FloatVector.fromArray(F, b, bk);
            FloatVector b1 = FloatVector.fromArray(F, b, bk + L);
            int ak = ai + k * lda;
            FloatVector x = FloatVector.broadcast(F, a[ak]);
            c00 = x.fma(b0, c00); c01 = x.fma(b1, c01);
            x = FloatVector.broadcast(F, a[ak + 1]);
            c10 = x.fma(b0, c10); c11 = x.fma(b1, c11);
            x = FloatVector.broadcast(F, a[ak + 2]);
            c20 = x.fma(b0, c20); c21 = x.fma(b1, c21);
            x = FloatVector.broadcast(F, a[ak + 3]);
            c30 = x.fma(b0, c30); c31 = x.fma(b1, c31);
        }
        add(c, ci, c00, c01, alpha);
        add(c, ci + ldc, c10, c11, alpha);
        add(c, ci + 2 * ldc, c20, c21, alpha);
        add(c, ci + 3 * ldc, c30, c31, alpha);
    }

    private static void tile1(float[] c, int ci, float[] a, int ai, int lda, float[] b, int bj, int ldb,
                              int k0, int k1, float alpha) {
        FloatVector c0 = FloatVector.zero(F), c1 = FloatVector.zero(F);
        for (int k = k0; k < k1; k++) {
            int bk = bj + k * ldb;
            FloatVector x = FloatVector.broadcast(F, a[ai + k * lda]);
            c0 = x.fma(FloatVector.fromArray(F, b, bk), c0);
            c1 = x.fma(FloatVector.fromArray(F, b, bk + L), c1);
        }
        add(c, ci, c0, c1, alpha);
    }

    private static void add(float[] c, int ci, FloatVector v0, FloatVector v1, float alpha) {
        FloatVector.fromArray(F, c, ci).add(v0.mul(alpha)).intoArray(c, ci);
        FloatVector.fromArray(F, c, ci + L).add(v1.mul(alpha)).intoArray(c, ci + L);
    }

    @Override
    public void axpy(float[] y, int y0, float alpha, float[] x, int x0, int n) {
        FloatVector av = FloatVector.broadcast(F, alpha);
        int j = 0;
        for (int upper = F.loopBound(n); j < upper; j += L) {
            FloatVector.fromArray(F, x, x0 + j).fma(av, FloatVector.fromArray(F, y, y0 + j)).intoArray(y, y0 + j);
        }
        for (; j < n; j++) y[y0 + j] += alpha * x[x0 + j];
    }

    /** Unused lanes op kept for the probe: sums a vector (forces the incubator classes to link at load). */
    static float probe() {
        return FloatVector.broadcast(F, 1f).reduceLanes(VectorOperators.ADD);
    }
}
