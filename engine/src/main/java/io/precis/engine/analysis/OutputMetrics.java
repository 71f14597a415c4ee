package io.precis.engine.analysis;

import io.precis.engine.eval.Scoring;
import io.precis.engine.metrics.Metrics;
import java.util.EnumMap;
import java.util.Map;

/** The output metrics of one quantized run against the full-precision outputs on the same inputs (arithmetic: {@link Metrics}). */
final class OutputMetrics {
    private OutputMetrics() {}

    /**
     * @param targets labels or next tokens (null for embeddings)
     * @param referenceLoss the full-precision cross-entropy (NaN without targets)
     */
    static Map<SensitivityMetric, Double> of(float[][] outputs, float[][] reference, int[] targets, double referenceLoss) {
        Map<SensitivityMetric, Double> m = new EnumMap<>(SensitivityMetric.class);
        int vector = vectorLength(outputs, targets);
        m.put(SensitivityMetric.ONE_MINUS_COSINE, oneMinusCosine(outputs, reference, vector));
        m.put(SensitivityMetric.OUTPUT_SQNR, sqnrDb(reference, outputs));
        if (targets != null) {
            m.put(SensitivityMetric.DELTA_LOSS, Scoring.crossEntropyAndAccuracy(outputs, targets)[0] - referenceLoss);
            m.put(SensitivityMetric.KL, Scoring.meanKl(reference, outputs, vector));
        }
        return m;
    }

    /** Length of one output vector: a row for embeddings, one logit vector for classifiers and language models. */
    static int vectorLength(float[][] outputs, int[] targets) {
        if (targets == null) return outputs[0].length;
        return outputs[0].length / (targets.length / outputs.length);
    }

    /** Mean over output vectors of 1 − cos; a vector pair that is identical counts 0. */
    static double oneMinusCosine(float[][] a, float[][] b, int vector) {
        double sum = 0;
        long n = 0;
        for (int r = 0; r < a.length; r++) {
            for (int off = 0; off < a[r].length; off += vector) {
                double cos = Metrics.cosine(a[r], off, b[r], off, vector);
                sum += Math.max(0, 1 - cos);
                n++;
            }
        }
        return sum / n;
    }

    /** Signal to noise in dB over all values; +∞ when they are equal. */
    static double sqnrDb(float[][] reference, float[][] approx) {
        double signal = 0, noise = 0;
        for (int r = 0; r < reference.length; r++) {
            for (int i = 0; i < reference[r].length; i++) {
                double d = (double) approx[r][i] - reference[r][i];
                signal += (double) reference[r][i] * reference[r][i];
                noise += d * d;
            }
        }
        return Metrics.sqnrDb(signal, noise);
    }
}
