package io.precis.engine.analysis;

import io.precis.engine.eval.Scoring;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The output metrics of one run summed batch by batch, so that a causal LM's logits (vocabulary × context floats
 * per window: 50 MB for SmolLM2 at 256 tokens) are scored as each batch finishes and never kept for all windows.
 * Each term is the same arithmetic as {@link OutputMetrics} and {@link Scoring} on the whole run, as sums.
 */
final class OutputSums {
    private double nll, kl, oneMinusCosine, signal, noise;
    private long correct, targets, vectors;

    /**
     * Adds one batch: its rows (one per window, as {@code Evaluator.addRows} cuts them), the full-precision rows
     * for the same windows, and the batch's next-token targets in order.
     */
    void add(List<float[]> current, List<float[]> reference, int[] batchTargets) {
        int per = batchTargets.length / current.size();
        for (int r = 0; r < current.size(); r++) {
            float[][] cur = {current.get(r)}, ref = {reference.get(r)};
            int[] y = java.util.Arrays.copyOfRange(batchTargets, r * per, (r + 1) * per);
            int vector = cur[0].length / per;
            double[] lossAcc = Scoring.crossEntropyAndAccuracy(cur, y);
            nll += lossAcc[0] * per;
            correct += Math.round(lossAcc[1] * per);
            targets += per;
            kl += Scoring.meanKl(ref, cur, vector) * per;
            oneMinusCosine += OutputMetrics.oneMinusCosine(cur, ref, vector) * per;
            vectors += per;
            float[] a = cur[0], b = ref[0];
            for (int i = 0; i < a.length; i++) {
                double d = (double) a[i] - b[i];
                signal += (double) b[i] * b[i];
                noise += d * d;
            }
        }
    }

    double loss() { return nll / targets; }

    double accuracy() { return correct / (double) targets; }

    double kl() { return kl / vectors; }

    /** As {@link OutputMetrics#of}, from the sums. */
    Map<SensitivityMetric, Double> metrics(double referenceLoss) {
        Map<SensitivityMetric, Double> m = new EnumMap<>(SensitivityMetric.class);
        m.put(SensitivityMetric.ONE_MINUS_COSINE, oneMinusCosine / vectors);
        m.put(SensitivityMetric.OUTPUT_SQNR, io.precis.engine.metrics.Metrics.sqnrDb(signal, noise));
        m.put(SensitivityMetric.DELTA_LOSS, loss() - referenceLoss);
        m.put(SensitivityMetric.KL, kl());
        return m;
    }
}
