package io.precis.engine.lab;

import java.util.Locale;

/**
 * One cell of the grid: a size, a token budget D, a training precision and a seed, trained as a separate run
 * whose learning-rate schedule (linear warm-up, then cosine to a tenth) spans exactly its own D.
 */
public record LabCell(LabSize size, long tokens, TrainPrecision precision, long seed, int context, int batch, float lr) {

    public LabCell {
        if (tokens < (long) context * batch) throw new IllegalArgumentException("cell " + size.name() + ": D=" + tokens + " is less than one batch (" + (long) context * batch + " tokens)");
    }

    /** Optimizer steps: D tokens in batches of {@code batch} windows of {@code context}. */
    public int steps() {
        return (int) (tokens / ((long) context * batch));
    }

    /** Tokens actually trained on (D rounded down to whole steps). */
    public long trainedTokens() {
        return (long) steps() * context * batch;
    }

    /** Warm-up steps: 5% of the run, at least one. */
    public int warmup() {
        return Math.max(1, steps() / 20);
    }

    /** A file-name-safe id: {@code w64l2-D300000-fp32-s1}. */
    public String id() {
        return String.format(Locale.ROOT, "%s-D%d-%s-s%d", size.name(), tokens, precision.name(), seed);
    }
}
