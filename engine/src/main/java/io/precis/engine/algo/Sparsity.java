package io.precis.engine.algo;

import io.precis.engine.model.TensorRef;
import java.util.Locale;

/**
 * How much of a weight matrix pruning zeroes, by magnitude ({@link Pruning} does the arithmetic): unstructured (the
 * smallest {@code fraction} of the whole matrix) or N:M semi-structured (the {@code keep} largest of every {@code of}
 * consecutive weights along the reduction axis, 2:4 as sparse tensor cores store it).
 *
 * <p>Storage, as {@link #bitsPerWeight} counts it per weight of the dense matrix: the kept values at their width,
 * every scale and zero point of the dense layout (a group's scale is stored even when pruning thins the group), and
 * the positions of the kept values: a 1-bit mask per weight unstructured; for N:M, ⌈log₂ M⌉ index bits per kept
 * weight (2:4: 2 bits per kept weight, 1 bit per weight, NVIDIA's compressed format).
 *
 * @param fraction the fraction zeroed (unstructured), or {@code 1 - keep/of}
 * @param keep     weights kept in each run of {@code of} (N:M), or 0 unstructured
 * @param of       the run length M along the reduction axis, or 0 unstructured
 */
public record Sparsity(double fraction, int keep, int of) {

    /** The largest M of N:M (longer runs index with more bits than a mask costs). */
    public static final int MAX_RUN = 64;

    public Sparsity {
        if (of == 0) {
            if (!(fraction > 0 && fraction < 1))
                throw new IllegalArgumentException("a pruned fraction is more than 0% and less than 100%, not "
                        + percent(fraction));
        } else {
            if (keep < 1 || keep >= of || of > MAX_RUN)
                throw new IllegalArgumentException("N:M pruning keeps N of every M weights with 0 < N < M <= " + MAX_RUN
                        + ", not " + keep + ":" + of);
            fraction = 1 - (double) keep / of;
        }
    }

    /** The smallest-magnitude {@code fraction} of each matrix zeroed. */
    public static Sparsity unstructured(double fraction) {
        return new Sparsity(fraction, 0, 0);
    }

    /** {@code keep} of every {@code of} weights along the reduction axis kept (2:4). */
    public static Sparsity semiStructured(int keep, int of) {
        return new Sparsity(0, keep, of);
    }

    public boolean isSemiStructured() {
        return of > 0;
    }

    /** Bits per weight that say where the kept values are. */
    public double indexBits() {
        if (!isSemiStructured()) return 1;
        int bits = 32 - Integer.numberOfLeadingZeros(of - 1);
        return (double) keep / of * bits;
    }

    /**
     * Effective bits per weight of a matrix stored sparse: kept values at {@code valueBits}, plus {@code overheadBits}
     * per weight of the dense layout (scales, zero points), plus {@link #indexBits()}.
     */
    public double bitsPerWeight(double valueBits, double overheadBits) {
        return (1 - fraction) * valueBits + overheadBits + indexBits();
    }

    /** Why this sparsity cannot apply to the tensor, or null when it can. */
    public String misfit(TensorRef t) {
        if (!isSemiStructured()) return null;
        if (t.shape().length != 2)
            return this + " pruning needs a matrix; " + t.name() + " has shape " + java.util.Arrays.toString(t.shape());
        long width = t.shape()[t.reductionAxis()];
        return width % of == 0 ? null : this + " pruning needs the input width to be a multiple of " + of + "; " + t.name()
                + " has " + width + " inputs";
    }

    /**
     * Prunes {@code w} in place, a row-major tensor of {@code shape} whose dot products sum along {@code reductionAxis}
     * (a PyTorch Linear [out, in]: 1; an ONNX MatMul weight [in, out]: 0). Returns how many weights were zeroed.
     */
    public int apply(float[] w, long[] shape, int reductionAxis) {
        if (!isSemiStructured()) return Pruning.magnitude(w, fraction);
        if (shape.length != 2) throw new IllegalArgumentException(this + " pruning needs a matrix, not shape " + java.util.Arrays.toString(shape));
        int rows = Math.toIntExact(shape[0]);
        int cols = Math.toIntExact(shape[1]);
        if (reductionAxis == 1) return Pruning.semiStructured(w, rows, cols, of - keep, of);
        // Runs go along axis 0: prune the transpose, whose rows are the columns here.
        float[] t = new float[w.length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = w[r * cols + c];
        int zeroed = Pruning.semiStructured(t, cols, rows, of - keep, of);
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) w[r * cols + c] = t[c * rows + r];
        return zeroed;
    }

    private static String percent(double f) {
        return String.format(Locale.ROOT, "%.4g%%", f * 100).replaceAll("\\.?0+%$", "%");
    }

    /** {@code 50%} or {@code 2:4}, as the language writes it. */
    @Override
    public String toString() {
        return isSemiStructured() ? keep + ":" + of : percent(fraction);
    }
}
