package io.precis.engine.algo;

import io.precis.engine.format.Format;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * GPTQ (Frantar et al. 2022, "GPTQ: Accurate Post-Training Quantization for Generative Pre-trained Transformers"),
 * following llm-compressor 0.14's {@code quantize_weight} in its choices:
 * <ul>
 * <li>H = 2/n · XᵀX over the calibration rows; columns with H_ii = 0 are dead (H_ii := 1, weights := 0);</li>
 * <li>dampening λ = {@code damp} · mean(diag H) added to the diagonal (default 1 %);</li>
 * <li>scales and zero points from the original weights by the format's own rule (RTN's scales), fixed before the
 *     sweep, as llm-compressor's observer computes them (per channel, per tensor, or per group);</li>
 * <li>columns in blocks of {@code block} (128) with lazy updates of the columns after each block;</li>
 * <li>act-order: {@code STATIC} processes columns by decreasing H_ii with groups kept in the original column order
 *     (llm-compressor's "weight"/"static"); {@code DYNAMIC} permutes first and forms the groups in that order
 *     (llm-compressor's "group"/"dynamic": a serving kernel needs the g_idx this records).</li>
 * </ul>
 * Instead of the Cholesky factor of H⁻¹ (Cholesky, inverse, Cholesky), we factor the reversed H once:
 * J·H·J = RᵀR gives V = J·Rᵀ·J, upper, with H = V·Vᵀ, and the upper Cholesky factor of H⁻¹ is U = V⁻¹.
 * GPTQ's sweep {@code W − Q = Err·U} then reads {@code Err = (W − Q)·V}: the weight of column j when it is
 * rounded is {@code w_j + Σ_{i<j} (w_i − q_i)·V_ij / V_jj}, the same numbers with one factorisation and no inverse.
 */
public final class Gptq {

    public enum ActOrder { NONE, STATIC, DYNAMIC }

    /** GPTQ's options, each visible in a plan's text. */
    public record Options(double damp, int block, ActOrder actOrder) {
        public static final Options DEFAULT = new Options(0.01, 128, ActOrder.NONE);

        public Options {
            if (!(damp >= 0 && damp < 1)) throw new IllegalArgumentException("gptq damp must be in [0, 1), got " + damp);
            if (block < 1) throw new IllegalArgumentException("gptq block must be >= 1, got " + block);
        }

        public Options actOrder(ActOrder a) { return new Options(damp, block, a); }

        public Options damp(double d) { return new Options(d, block, actOrder); }

        public Options block(int b) { return new Options(damp, b, actOrder); }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder();
            if (damp != DEFAULT.damp) s.append(String.format(Locale.ROOT, " damp %s", damp));
            if (block != DEFAULT.block) s.append(" block ").append(block);
            if (actOrder != ActOrder.NONE) s.append(" act-order ").append(actOrder.name().toLowerCase(Locale.ROOT));
            return s.toString().strip();
        }
    }

    /**
     * What GPTQ made of one weight matrix.
     *
     * @param weights dequantized weights, [rows][cols] in the original column order
     * @param codes   integer codes (zero point included), same layout
     * @param scales  one per group of the format's layout on [rows][cols] (with DYNAMIC act-order: on the permuted
     *                columns, see {@code groupOfColumn})
     * @param groupOfColumn for each original column, its group index within a row (llm-compressor's g_idx)
     * @param loss    GPTQ's own error estimate Σ (w − q)² / U_jj² / 2
     * @param seconds wall time of the solve (factorisation and sweep)
     */
    public record Result(float[] weights, int[] codes, float[] scales, int[] groupOfColumn, double loss, double seconds) {}

    private Gptq() {}

    /**
     * Quantizes {@code w} ([rows][cols], cols the reduction axis; not modified) against the Hessian {@code h}
     * (cols × cols, symmetric, not modified).
     */
    public static Result quantize(float[] w, int rows, int cols, float[] h, Format format, Options o) {
        return quantize(w, rows, cols, h, format, o, Dense.best(), Runtime.getRuntime().availableProcessors());
    }

    static Result quantize(float[] w, int rows, int cols, float[] h, Format format, Options o, Dense dense, int threads) {
        IntGrid.require(format, "gptq");
        if (w.length != rows * cols) throw new IllegalArgumentException("gptq: " + w.length + " weights for " + rows + "x" + cols);
        if (h.length != cols * cols) throw new IllegalArgumentException("gptq: Hessian of " + h.length + " values for " + cols + " input features");
        long t0 = System.nanoTime();
        int d = cols;
        float[] diag = new float[d];
        for (int i = 0; i < d; i++) diag[i] = h[i * d + i];

        // processing order: by decreasing H_ii for act-order (stable, so ties keep column order)
        int[] perm = IntStream.range(0, d).toArray();
        if (o.actOrder() != ActOrder.NONE) {
            perm = IntStream.range(0, d).boxed().sorted((a, b) -> Float.compare(diag[b], diag[a])).mapToInt(Integer::intValue).toArray();
        }
        // scales from the original weights: in column order, or (DYNAMIC) on the permuted columns
        IntGrid grid;
        boolean permutedGroups = o.actOrder() == ActOrder.DYNAMIC;
        if (permutedGroups) {
            grid = IntGrid.of(format, permuteColumns(w, rows, cols, perm), rows, cols);
        } else {
            grid = IntGrid.of(format, w, rows, cols);
        }

        // A: original weights, transposed and permuted, one processing step per row: A[t][r] = w[r][perm[t]]
        float[] a = new float[d * rows];
        boolean[] dead = new boolean[d];
        for (int t = 0; t < d; t++) {
            int c = perm[t];
            dead[t] = diag[c] == 0;
            if (dead[t]) continue;
            for (int r = 0; r < rows; r++) a[t * rows + r] = w[r * cols + c];
        }
        // reversed, permuted, dead-fixed, damped Hessian: hr[p][q] = H[perm[d-1-p]][perm[d-1-q]]
        double mean = 0;
        for (int t = 0; t < d; t++) mean += dead[t] ? 1 : diag[perm[t]];
        float lambda = (float) (o.damp() * mean / d);
        float[] hr = new float[d * d];
        for (int p = 0; p < d; p++) {
            int cp = perm[d - 1 - p];
            for (int q = p; q < d; q++) {
                hr[p * d + q] = h[cp * d + perm[d - 1 - q]];
            }
            if (dead[d - 1 - p]) {
                hr[p * d + p] = 1;
                for (int q = p + 1; q < d; q++) hr[p * d + q] = 0;
            }
            hr[p * d + p] += lambda;
        }
        for (int t = 0; t < d; t++) {
            if (!dead[t]) continue;
            int p = d - 1 - t;   // zero the column of a dead feature too (its row was zeroed above)
            for (int q = 0; q < p; q++) hr[q * d + p] = 0;
        }
        dense.choleskyUpper(hr, d, threads);
        // V[i][j] = R[d-1-j][d-1-i], upper
        float[] v = new float[d * d];
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) v[i * d + j] = hr[(d - 1 - j) * d + (d - 1 - i)];
        }
        hr = null;

        float[] s = new float[d * rows];     // Σ_{i<j} (w_i − q_i) V_ij, per step j
        float[] delta = new float[d * rows]; // w_i − q_i (original weights minus codes' values)
        float[] q = new float[rows * cols];
        int[] codes = new int[rows * cols];
        double loss = 0;
        int nb = o.block();
        for (int t1 = 0; t1 < d; t1 += nb) {
            int t2 = Math.min(d, t1 + nb);
            for (int t = t1; t < t2; t++) {
                int c = perm[t];
                int gc = permutedGroups ? t : c;
                float vjj = v[t * d + t];
                float inv = 1f / vjj;
                int at = t * rows;
                for (int r = 0; r < rows; r++) {
                    float wq = a[at + r] + s[at + r] * inv;
                    float val = grid.quantize(wq, r, gc);
                    q[r * cols + c] = val;
                    codes[r * cols + c] = grid.code(wq, r, gc);
                    delta[at + r] = a[at + r] - val;
                    double e = (wq - val) * vjj;
                    loss += e * e / 2;
                }
                for (int u = t + 1; u < t2; u++) {
                    float vu = v[t * d + u];
                    if (vu != 0) dense.axpy(s, u * rows, vu, delta, at, rows);
                }
            }
            if (t2 < d) {
                int m = d - t2;
                final int from = t1, to = t2;
                Parallel.rows(m, threads, 16, (lo, hi) -> dense.gemmTN(s, (to + lo) * rows, rows, v, from * d + to + lo, d,
                        delta, from * rows, rows, hi - lo, rows, to - from, 1f));
            }
        }
        int[] groupOfColumn = new int[cols];
        int gs = format.granularity() instanceof io.precis.engine.format.Granularity.Groups g ? g.size() : cols;
        for (int t = 0; t < d; t++) groupOfColumn[perm[t]] = (permutedGroups ? t : perm[t]) / gs;
        return new Result(q, codes, grid.scales(), groupOfColumn, loss, (System.nanoTime() - t0) / 1e9);
    }

    static float[] permuteColumns(float[] w, int rows, int cols, int[] perm) {
        float[] out = new float[w.length];
        for (int r = 0; r < rows; r++)
            for (int t = 0; t < cols; t++) out[r * cols + t] = w[r * cols + perm[t]];
        return out;
    }

    /** Layer output error Σ_rows Δw H Δwᵀ / Σ_rows w H wᵀ (relative), for comparing algorithms on one layer. */
    public static double relativeOutputError(float[] w, float[] wq, int rows, int cols, float[] h) {
        double den = Linalg.outputError(w, new float[w.length], rows, cols, h);
        return den == 0 ? 0 : Linalg.outputError(w, wq, rows, cols, h) / den;
    }
}
