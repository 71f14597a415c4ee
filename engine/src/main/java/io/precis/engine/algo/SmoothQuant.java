package io.precis.engine.algo;

/**
 * SmoothQuant (Xiao et al. 2022) for W8A8: per input channel {@code s_j = a_j^α / w_j^(1−α)} with a_j the channel's
 * activation range over the calibration rows and w_j the largest |W_ij| over every layer reading that input, as
 * llm-compressor 0.14's SmoothQuantModifier computes it (a_j = max − min, w_j = 2·max|W_ij|; where w_j = 0, s_j = a_j).
 * The layer then computes {@code (X / s)·(W·diag(s))ᵀ}: the weights take {@code W·diag(s)} and 1/s folds into the
 * preceding norm (γ, β) or linear layer, so the activations reaching the quantizer have flatter channels.
 */
public final class SmoothQuant {
    private SmoothQuant() {}

    /**
     * @param activationRange per input channel max − min of the activations (for symmetric data ≈ 2·max|x|)
     * @param weights        each layer reading the input, [rows][cols]
     */
    public static float[] scales(float[] activationRange, java.util.List<Awq.Weight> weights, int cols, double alpha) {
        if (!(alpha >= 0 && alpha <= 1)) throw new IllegalArgumentException("smoothquant alpha must be in [0, 1], got " + alpha);
        float[] wmax = new float[cols];
        for (Awq.Weight l : weights)
            for (int r = 0; r < l.rows(); r++)
                for (int c = 0; c < cols; c++) wmax[c] = Math.max(wmax[c], Math.abs(l.w()[r * cols + c]));
        float[] s = new float[cols];
        for (int c = 0; c < cols; c++) {
            float ws = 2f * wmax[c];
            s[c] = ws > 0 ? (float) (Math.pow(activationRange[c], alpha) / Math.pow(ws, 1 - alpha)) : activationRange[c];
            if (!(s[c] > 0)) s[c] = 1f;   // a channel that never fired keeps its scale
        }
        return s;
    }

    /** The migration strengths a search tries: 0, 0.05, …, 1. */
    public static final double[] ALPHAS = java.util.stream.IntStream.rangeClosed(0, 20).mapToDouble(i -> i / 20.0).toArray();

    /**
     * One searched α: its scales, and the relative output error Σ‖ΔY‖² / Σ‖Y‖² over the layers for every α tried
     * (in {@code alphas} order).
     */
    public record Search(double alpha, float[] scales, double[] alphas, double[] errors) {}

    /**
     * SmoothQuant's migration strength chosen by the layers' own output error on calibration rows: for each α, the
     * scales s(α), then every layer's output {@code Q_a(X / s)·Q_w(W·diag(s))ᵀ} against {@code X·Wᵀ} at full
     * precision; the α with the smallest summed squared error wins (ties: the smaller α, so 0 wins where smoothing
     * cannot help).
     *
     * @param x               calibration rows of the shared input, [n][cols]
     * @param activationRange per channel max − min over the calibration rows (the scales' a_j)
     * @param weights         each layer reading the input, full precision [rows][cols]
     * @param quantizeWeights per layer: the smoothed weight [rows][cols] to its dequantized form (identity if not quantized)
     * @param activations     the smoothed rows to the quantizer they meet (a static scale is calibrated on them)
     */
    public static Search search(float[] x, int n, int cols, float[] activationRange, java.util.List<Awq.Weight> weights,
                                java.util.List<java.util.function.UnaryOperator<float[]>> quantizeWeights,
                                java.util.function.Function<float[], ActivationQuant> activations, double[] alphas) {
        if (weights.size() != quantizeWeights.size()) throw new IllegalArgumentException("one weight quantizer per layer");
        if ((long) n * cols > x.length) throw new IllegalArgumentException(n + " rows of " + cols + " need " + (long) n * cols + " floats");
        int threads = Runtime.getRuntime().availableProcessors();
        Dense dense = Dense.best();
        float[] xt = transpose(x, n, cols);
        java.util.List<float[]> reference = new java.util.ArrayList<>();
        double energy = 0;
        for (Awq.Weight l : weights) {
            float[] y = product(dense, xt, n, cols, transpose(l.w(), l.rows(), cols), l.rows(), threads);
            for (float v : y) energy += (double) v * v;
            reference.add(y);
        }
        double[] errors = new double[alphas.length];
        int best = -1;
        for (int k = 0; k < alphas.length; k++) {
            float[] s = scales(activationRange, weights, cols, alphas[k]);
            float[] xs = new float[n * cols];
            for (int r = 0; r < n; r++)
                for (int c = 0; c < cols; c++) xs[r * cols + c] = x[r * cols + c] / s[c];
            activations.apply(xs).apply(xs, n, cols);
            float[] xst = transpose(xs, n, cols);
            double err = 0;
            for (int i = 0; i < weights.size(); i++) {
                Awq.Weight l = weights.get(i);
                float[] wq = quantizeWeights.get(i).apply(scaleWeights(l.w(), l.rows(), cols, s));
                float[] y = product(dense, xst, n, cols, transpose(wq, l.rows(), cols), l.rows(), threads);
                float[] ref = reference.get(i);
                for (int j = 0; j < y.length; j++) {
                    double d = (double) y[j] - ref[j];
                    err += d * d;
                }
            }
            errors[k] = energy > 0 ? err / energy : err;
            if (best < 0 || errors[k] < errors[best]) best = k;
        }
        return new Search(alphas[best], scales(activationRange, weights, cols, alphas[best]), alphas.clone(), errors);
    }

    /** [n][out] = X·W for X given as Xᵀ [cols][n] and W as [cols][out]. */
    private static float[] product(Dense dense, float[] xt, int n, int cols, float[] wt, int out, int threads) {
        float[] y = new float[n * out];
        Parallel.rows(n, threads, 16, (from, to) -> dense.gemmTN(y, from * out, out, xt, from, n, wt, 0, out, to - from, out, cols, 1f));
        return y;
    }

    private static float[] transpose(float[] a, int rows, int cols) {
        float[] t = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = a[r * cols + c];
        return t;
    }

    /** W·diag(s), [rows][cols]. */
    public static float[] scaleWeights(float[] w, int rows, int cols, float[] s) {
        float[] out = w.clone();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) out[r * cols + c] *= s[c];
        return out;
    }
}
