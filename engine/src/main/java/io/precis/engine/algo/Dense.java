package io.precis.engine.algo;

/**
 * The few dense float32 kernels GPTQ and AWQ need, on row-major arrays with explicit leading dimensions. One
 * operation does the heavy lifting everywhere ({@link #gemmTN}: C += α·AᵀB); the Cholesky factorisation and the
 * Gram matrix are blocked so that almost all their work goes through it.
 *
 * <p>Why our own and not EJML or Commons Math: both are double precision without SIMD, and GPTQ on a 4096×4096
 * layer is about 60 G multiply-adds (Gram 17 G, Cholesky 11 G, lazy updates 34 G), which needs the Vector API's
 * float FMAs to fit in seconds on two cores. GPTQ's reference (llm-compressor) also runs in float32.
 * {@link ScalarDense} is the reference; {@code VectorDense} is tested against it.
 */
interface Dense {

    /**
     * {@code C[i][j] += alpha * Σ_{k<kn} A[k][ai+i] * B[k][bj+j]} for i < m, j < n, with C at {@code c[c0 + i*ldc + j]},
     * A at {@code a[a0 + k*lda + i]}, B at {@code b[b0 + k*ldb + j]}.
     */
    void gemmTN(float[] c, int c0, int ldc, float[] a, int a0, int lda, float[] b, int b0, int ldb,
                int m, int n, int kn, float alpha);

    /** {@code y[y0..y0+n) += alpha * x[x0..x0+n)}. */
    void axpy(float[] y, int y0, float alpha, float[] x, int x0, int n);

    /** The kernels to use: the Vector API ones when {@code jdk.incubator.vector} is present, else the scalar ones. */
    static Dense best() {
        return DenseHolder.BEST;
    }

    static Dense scalar() {
        return ScalarDense.INSTANCE;
    }

    /**
     * Upper Cholesky factor in place: on return the upper triangle of {@code h} (n×n, row-major) holds R with
     * Rᵀ R = H (the input's upper triangle is read; the lower triangle is scratch). Right-looking, blocks of 128:
     * each block's rows are factored with vector rank-1 updates, the trailing matrix is updated by {@link #gemmTN}.
     *
     * @throws ArithmeticException when H is not positive definite (a pivot ≤ 0), naming the column
     */
    default void choleskyUpper(float[] h, int n, int threads) {
        final int nb = 128;
        for (int j0 = 0; j0 < n; j0 += nb) {
            int j1 = Math.min(n, j0 + nb);
            for (int k = j0; k < j1; k++) {
                float d = h[k * n + k];
                if (!(d > 0)) {
                    throw new ArithmeticException("not positive definite at column " + k + " (pivot " + d + ")");
                }
                float r = (float) Math.sqrt(d);
                int rk = k * n;
                h[rk + k] = r;
                float inv = 1f / r;
                for (int j = k + 1; j < n; j++) h[rk + j] *= inv;
                for (int m = k + 1; m < j1; m++) {
                    axpy(h, m * n + m, -h[rk + m], h, rk + m, n - m);
                }
            }
            if (j1 < n) {
                int rest = n - j1, b0 = j0, b1 = j1;
                // H[j1:, j1:] -= R[j0:j1, j1:]ᵀ R[j0:j1, j1:], rows split between threads (upper part only, by tiles)
                Parallel.rows(rest, threads, 64, (from, to) -> {
                    for (int i = from; i < to; i += 64) {
                        int m = Math.min(64, to - i);
                        int col = b1 + i;
                        gemmTN(h, col * n + col, n, h, b0 * n + col, n, h, b0 * n + col, n,
                                m, n - col, b1 - b0, -1f);
                    }
                });
            }
        }
    }

    /**
     * Upper triangle of XᵀX added into {@code g} (d×d row-major) for {@code rows} rows of x (row-major, d columns).
     * The lower triangle is left as it was.
     */
    default void gramUpper(float[] g, float[] x, int rows, int d, int threads) {
        Parallel.rows(d, threads, 64, (from, to) -> {
            for (int i = from; i < to; i += 64) {
                int m = Math.min(64, to - i);
                gemmTN(g, i * d + i, d, x, i, d, x, i, d, m, d - i, rows, 1f);
            }
        });
    }
}

/** Holds the chosen implementation (probed once, as the quantization kernels are). */
final class DenseHolder {
    static final Dense BEST = pick();

    private DenseHolder() {}

    private static Dense pick() {
        if (System.getProperty("precis.quant.kernel", "auto").equals("scalar")
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return ScalarDense.INSTANCE;
        }
        try {
            return (Dense) Class.forName("io.precis.engine.algo.VectorDense").getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return ScalarDense.INSTANCE;
        }
    }
}
