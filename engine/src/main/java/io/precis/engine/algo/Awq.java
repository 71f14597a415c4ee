package io.precis.engine.algo;

import io.precis.engine.format.Format;
import java.util.List;

/**
 * AWQ (Lin et al. 2023, "AWQ: Activation-aware Weight Quantization"), as llm-compressor 0.14's AWQModifier searches
 * its scales: per input channel {@code s = x̄^α / (w̄^(1−α) + 1e-4)} (duo scaling; {@code x̄^α} alone without it),
 * clamped at 1e-4 and normalised by {@code sqrt(max(s)·min(s))}, α on the grid 0, 1/n, …, (n−1)/n (n = 20), where x̄
 * is the mean |x| of the channel over the calibration rows and w̄ the mean over output rows of |w| divided by its
 * group's max |w|. For each α every layer that reads the same input is quantized as {@code RTN(W·diag(s))·diag(1/s)}
 * and the α with the least output error Σ tr(ΔW·H·ΔWᵀ) (H = XᵀX; exact for the layers' own outputs, where
 * llm-compressor measures its parent module's output) wins.
 *
 * <p>The result is the dequantized weight with 1/s applied: the same function as storing RTN(W·s) and folding
 * 1/s into the operation before (a norm's γ and β, or a previous linear layer's output rows), which an export
 * does where the graph allows.
 */
public final class Awq {

    public record Options(int grid, boolean duoScaling) {
        /** llm-compressor's defaults; duo scaling is for per-channel formats only (it refuses it with groups). */
        public static final Options DEFAULT = new Options(20, true);

        public Options {
            if (grid < 3) throw new IllegalArgumentException("awq grid must be >= 3, got " + grid);
        }

        /** The defaults fitted to a format: duo scaling off for grouped formats, as llm-compressor requires. */
        public static Options forFormat(io.precis.engine.format.Format f) {
            return new Options(20, !(f.granularity() instanceof io.precis.engine.format.Granularity.Groups));
        }

        @Override
        public String toString() {
            return (grid != 20 ? "grid " + grid + " " : "") + (duoScaling ? "" : "no-duo-scaling").strip();
        }
    }

    /** One layer's weights [rows][cols] (cols = input features, shared by all layers of a call). */
    public record Weight(float[] w, int rows) {}

    /**
     * @param weights dequantized weights with 1/s applied, one per input layer, same layout
     * @param scales  the per-input-channel scales s
     * @param alpha   the chosen α
     * @param error   Σ tr(ΔW H ΔWᵀ) at that α;  {@code errorRtn} at α = 0 with s = 1 (plain RTN)
     */
    public record Result(List<float[]> weights, float[] scales, double alpha, double error, double errorRtn) {}

    private Awq() {}

    /**
     * @param xtx XᵀX (or any positive multiple: the search only compares) of the shared input, cols × cols, full
     * @param meanAbs mean |x| per input channel
     */
    public static Result search(List<Weight> layers, int cols, float[] xtx, float[] meanAbs, Format format, Options o) {
        IntGrid.require(format, "awq");
        int groupSize = format.granularity() instanceof io.precis.engine.format.Granularity.Groups g ? g.size() : cols;
        // w̄: mean over all rows of all layers of |w| / group max |w|
        double[] wsum = new double[cols];
        long nrows = 0;
        for (Weight l : layers) {
            for (int r = 0; r < l.rows; r++) {
                int o0 = r * cols;
                for (int g0 = 0; g0 < cols; g0 += groupSize) {
                    int g1 = Math.min(cols, g0 + groupSize);
                    float m = 0;
                    for (int c = g0; c < g1; c++) m = Math.max(m, Math.abs(l.w[o0 + c]));
                    for (int c = g0; c < g1; c++) wsum[c] += m == 0 ? 0 : Math.abs(l.w[o0 + c]) / m;
                }
            }
            nrows += l.rows;
        }
        float[] wmean = new float[cols];
        for (int c = 0; c < cols; c++) wmean[c] = (float) (wsum[c] / nrows);

        // llm-compressor 0.14's grid: identity (α = 0 without duo scaling), then α = i/(n−2), i < n−1, with duo
        // scaling; without duo scaling α = i/(n−1), i < n
        List<double[]> grid = new java.util.ArrayList<>();
        if (o.duoScaling()) {
            grid.add(new double[] {0, 0});
            for (int i = 0; i < o.grid() - 1; i++) grid.add(new double[] {(double) i / (o.grid() - 2), 1});
        } else {
            for (int i = 0; i < o.grid(); i++) grid.add(new double[] {(double) i / (o.grid() - 1), 0});
        }
        Result best = null;
        double rtnError = Double.NaN;
        for (double[] point : grid) {
            double alpha = point[0];
            float[] s = scales(meanAbs, wmean, alpha, point[1] != 0);
            List<float[]> out = new java.util.ArrayList<>();
            double err = 0;
            for (Weight l : layers) {
                float[] q = scaledRtn(l.w, l.rows, cols, s, format);
                err += Linalg.outputError(l.w, q, l.rows, cols, xtx);
                out.add(q);
            }
            if (alpha == 0 && point[1] == 0) rtnError = err;
            if (best == null || err < best.error()) best = new Result(out, s, alpha, err, Double.NaN);
        }
        return new Result(best.weights(), best.scales(), best.alpha(), best.error(), rtnError);
    }

    /** AWQ's scales for one α (see the class comment). */
    public static float[] scales(float[] meanAbs, float[] wmean, double alpha, boolean duo) {
        int n = meanAbs.length;
        float[] s = new float[n];
        float max = 0, min = Float.POSITIVE_INFINITY;
        for (int c = 0; c < n; c++) {
            double v = Math.pow(meanAbs[c], alpha);
            if (duo) v = v / (Math.pow(wmean[c], 1 - alpha) + 1e-4);
            float f = (float) Math.max(v, 1e-4);
            s[c] = f;
            max = Math.max(max, f);
            min = Math.min(min, f);
        }
        float norm = (float) Math.sqrt((double) max * min);
        for (int c = 0; c < n; c++) s[c] /= norm;
        return s;
    }

    /** RTN(W·diag(s))·diag(1/s) with the format's scales chosen on the scaled weights. */
    public static float[] scaledRtn(float[] w, int rows, int cols, float[] s, Format format) {
        float[] x = new float[w.length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) x[r * cols + c] = w[r * cols + c] * s[c];
        IntGrid.rowsLayout(format).fakeQuantize(x, rows, cols);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) x[r * cols + c] = x[r * cols + c] / s[c];
        return x;
    }
}
