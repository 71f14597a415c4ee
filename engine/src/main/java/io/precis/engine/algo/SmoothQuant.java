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

    /** W·diag(s), [rows][cols]. */
    public static float[] scaleWeights(float[] w, int rows, int cols, float[] s) {
        float[] out = w.clone();
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) out[r * cols + c] *= s[c];
        return out;
    }
}
