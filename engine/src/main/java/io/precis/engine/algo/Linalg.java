package io.precis.engine.algo;

/** The dense kernels other packages use (calibration statistics), on all cores. */
public final class Linalg {
    private Linalg() {}

    /** Adds XᵀX of {@code rows} rows of x (row-major, d columns) into the upper triangle of g (d×d). */
    public static void gramUpper(float[] g, float[] x, int rows, int d) {
        Dense.best().gramUpper(g, x, rows, d, Runtime.getRuntime().availableProcessors());
    }

    /** Whether the Vector API kernels run (else the scalar reference). */
    public static boolean vectorized() {
        return !(Dense.best() instanceof ScalarDense);
    }

    /**
     * Σ over rows of (w − wq)·H·(w − wq)ᵀ for [rows][cols] weights and a full cols × cols H: with H = XᵀX, the
     * squared error of the layer's outputs over the calibration rows.
     */
    public static double outputError(float[] w, float[] wq, int rows, int cols, float[] h) {
        float[] dt = new float[rows * cols];           // Δᵀ: [cols][rows]
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) dt[c * rows + r] = w[r * cols + c] - wq[r * cols + c];
        float[] e = new float[rows * cols];            // Δ·H: [rows][cols]
        Dense dense = Dense.best();
        Parallel.rows(rows, Runtime.getRuntime().availableProcessors(), 16,
                (lo, hi) -> dense.gemmTN(e, lo * cols, cols, dt, lo, rows, h, 0, cols, hi - lo, cols, cols, 1f));
        double sum = 0;
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) sum += (double) e[r * cols + c] * dt[c * rows + r];
        return sum;
    }
}
