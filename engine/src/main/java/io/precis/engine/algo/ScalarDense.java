package io.precis.engine.algo;

/** Plain loops: the reference the vector kernels are tested against. */
final class ScalarDense implements Dense {
    static final ScalarDense INSTANCE = new ScalarDense();

    @Override
    public void gemmTN(float[] c, int c0, int ldc, float[] a, int a0, int lda, float[] b, int b0, int ldb,
                       int m, int n, int kn, float alpha) {
        for (int i = 0; i < m; i++) {
            int ci = c0 + i * ldc;
            for (int k = 0; k < kn; k++) {
                float av = alpha * a[a0 + k * lda + i];
                if (av == 0) continue;
                int bk = b0 + k * ldb;
                for (int j = 0; j < n; j++) c[ci + j] += av * b[bk + j];
            }
        }
    }

    @Override
    public void axpy(float[] y, int y0, float alpha, float[] x, int x0, int n) {
        for (int j = 0; j < n; j++) y[y0 + j] += alpha * x[x0 + j];
    }
}
