package io.precis.engine.eval;

import io.precis.engine.metrics.Metrics;

/**
 * Evaluation's scores over batches of outputs (rows): cross-entropy and accuracy, mean cosine, nearest-neighbour
 * agreement, mean KL. The per-vector arithmetic is {@link Metrics}'s, the one home of cosine, KL and SQNR.
 */
public final class Scoring {
    private Scoring() {}

    public static double cosine(float[] a, float[] b) {
        return Metrics.cosine(a, 0, b, 0, a.length);
    }

    public static double meanCosine(float[][] a, float[][] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += cosine(a[i], b[i]);
        return s / a.length;
    }

    /** Fraction of rows whose nearest other row (by cosine) is the same under {@code a} as under {@code ref}. */
    public static double nearestNeighbourAgreement(float[][] a, float[][] ref) {
        if (a.length < 2) return 1;
        int agree = 0;
        for (int i = 0; i < a.length; i++) if (nearest(a, i) == nearest(ref, i)) agree++;
        return agree / (double) a.length;
    }

    static int nearest(float[][] rows, int i) {
        int best = -1;
        double bestSim = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < rows.length; j++) {
            if (j == i) continue;
            double s = cosine(rows[i], rows[j]);
            if (s > bestSim) { bestSim = s; best = j; }
        }
        return best;
    }

    /**
     * Mean cross-entropy (nats) and top-1 accuracy; each row holds one or more logit vectors of
     * {@code row.length / k} classes, where k rows' worth of labels follow in order.
     */
    public static double[] crossEntropyAndAccuracy(float[][] logits, int[] labels) {
        int per = labels.length / logits.length;
        int classes = logits[0].length / per;
        double loss = 0;
        int correct = 0;
        for (int r = 0; r < logits.length; r++) {
            for (int k = 0; k < per; k++) {
                int off = k * classes;
                int y = labels[r * per + k];
                float[] row = logits[r];
                double max = Double.NEGATIVE_INFINITY;
                int arg = 0;
                for (int c = 0; c < classes; c++) if (row[off + c] > max) { max = row[off + c]; arg = c; }
                double sum = 0;
                for (int c = 0; c < classes; c++) sum += Math.exp(row[off + c] - max);
                loss += Math.log(sum) + max - row[off + y];
                if (arg == y) correct++;
            }
        }
        return new double[] {loss / labels.length, correct / (double) labels.length};
    }

    /** Mean KL(p_ref || p) over every logit vector, with vectors of {@code classes} laid end to end. */
    public static double meanKl(float[][] refLogits, float[][] logits, int classes) {
        double kl = 0;
        long count = 0;
        for (int r = 0; r < logits.length; r++) {
            for (int off = 0; off < logits[r].length; off += classes) {
                kl += Metrics.klDivergence(refLogits[r], off, logits[r], off, classes);
                count++;
            }
        }
        return kl / count;
    }
}
