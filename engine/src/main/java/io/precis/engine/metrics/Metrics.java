package io.precis.engine.metrics;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * The one home of the error arithmetic: measures between a reference tensor and its quantized version (MSE,
 * SQNR, cosine...), and KL divergence between logits. Evaluation ({@code eval.Scoring}) and sensitivity
 * ({@code analysis.OutputMetrics}) call these over their rows. Sums run in double, in element order
 * (deterministic). NaN anywhere makes the affected measures NaN.
 */
public final class Metrics {

    private Metrics() {
    }

    /** Every measure at once. */
    public static ErrorReport compare(float[] reference, float[] approx) {
        sameLength(reference.length, approx.length);
        return compare(FloatBuffer.wrap(reference), FloatBuffer.wrap(approx), reference.length);
    }

    /** Every measure at once over float32 buffers (each read from its position, in its byte order). */
    public static ErrorReport compare(ByteBuffer reference, ByteBuffer approx) {
        FloatBuffer r = floats(reference);
        FloatBuffer a = floats(approx);
        sameLength(r.remaining(), a.remaining());
        return compare(r, a, r.remaining());
    }

    private static ErrorReport compare(FloatBuffer r, FloatBuffer a, int n) {
        double err2 = 0;
        double ref2 = 0;
        double app2 = 0;
        double dot = 0;
        double maxAbs = 0;
        int r0 = r.position();
        int a0 = a.position();
        for (int i = 0; i < n; i++) {
            double x = r.get(r0 + i);
            double y = a.get(a0 + i);
            double d = x - y;
            err2 += d * d;
            ref2 += x * x;
            app2 += y * y;
            dot += x * y;
            double ad = Math.abs(d);
            maxAbs = (ad > maxAbs || Double.isNaN(ad)) ? ad : maxAbs;
        }
        double mse = n == 0 ? 0 : err2 / n;
        double sqnr = sqnrDb(ref2, err2);
        double cosine = cosine(dot, ref2, app2);
        double rel = err2 == 0 ? 0 : Math.sqrt(err2) / Math.sqrt(ref2);
        return new ErrorReport(n, mse, sqnr, maxAbs, cosine, rel);
    }

    public static double mse(float[] reference, float[] approx) {
        return compare(reference, approx).mse();
    }

    /** Signal-to-quantization-noise ratio in dB. */
    public static double sqnrDb(float[] reference, float[] approx) {
        return compare(reference, approx).sqnrDb();
    }

    public static double maxAbsError(float[] reference, float[] approx) {
        return compare(reference, approx).maxAbsError();
    }

    public static double cosine(float[] reference, float[] approx) {
        return compare(reference, approx).cosine();
    }

    /** Cosine of {@code n} values of {@code a} from {@code aOff} and of {@code b} from {@code bOff}. */
    public static double cosine(float[] a, int aOff, float[] b, int bOff, int n) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < n; i++) {
            double x = a[aOff + i];
            double y = b[bOff + i];
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        return cosine(dot, na, nb);
    }

    /** Cosine from a dot product and two squared norms: 1 when both vectors are zero, 0 when only one is. */
    public static double cosine(double dot, double squaredNormA, double squaredNormB) {
        if (squaredNormA == 0 || squaredNormB == 0) {
            return squaredNormA == squaredNormB ? 1 : 0;
        }
        return dot / Math.sqrt(squaredNormA * squaredNormB);
    }

    /** 10 log10(signal / noise) in dB from the two powers; +Infinity when the noise is 0 (and the signal is not NaN). */
    public static double sqnrDb(double signal, double noise) {
        if (noise == 0 && !Double.isNaN(signal)) {
            return Double.POSITIVE_INFINITY;
        }
        return 10 * Math.log10(signal / noise);
    }

    /** ||reference - approx||_F / ||reference||_F. */
    public static double relativeFrobenius(float[] reference, float[] approx) {
        return compare(reference, approx).relativeFrobenius();
    }

    /**
     * Mean over rows of KL(softmax(reference) || softmax(approx)) in nats, for two row-major batches of logits
     * with {@code classes} columns. Softmax by log-sum-exp in double; each row's value is clamped at 0 against
     * rounding.
     */
    public static double klDivergence(float[] referenceLogits, float[] approxLogits, int classes) {
        sameLength(referenceLogits.length, approxLogits.length);
        if (classes < 1 || referenceLogits.length % classes != 0) {
            throw new IllegalArgumentException("klDivergence: " + referenceLogits.length
                    + " logits are not a whole number of rows of " + classes + " classes");
        }
        int rows = referenceLogits.length / classes;
        if (rows == 0) {
            return 0;
        }
        double total = 0;
        for (int row = 0; row < rows; row++) {
            total += klDivergence(referenceLogits, row * classes, approxLogits, row * classes, classes);
        }
        return total / rows;
    }

    /**
     * KL(softmax(reference) || softmax(approx)) in nats of one logit vector of {@code classes} values at the
     * given offsets; clamped at 0 against rounding (NaN stays NaN).
     */
    public static double klDivergence(float[] referenceLogits, int refOff, float[] approxLogits, int approxOff, int classes) {
        double lseP = logSumExp(referenceLogits, refOff, classes);
        double lseQ = logSumExp(approxLogits, approxOff, classes);
        double kl = 0;
        for (int i = 0; i < classes; i++) {
            double logP = referenceLogits[refOff + i] - lseP;
            double logQ = approxLogits[approxOff + i] - lseQ;
            double p = Math.exp(logP);
            if (p > 0) {
                kl += p * (logP - logQ);
            }
        }
        return Double.isNaN(kl) ? kl : Math.max(0, kl);
    }

    private static double logSumExp(float[] x, int off, int n) {
        double m = Double.NEGATIVE_INFINITY;
        for (int i = off; i < off + n; i++) {
            m = Math.max(m, x[i]);
        }
        if (Double.isInfinite(m)) {
            return m;
        }
        double s = 0;
        for (int i = off; i < off + n; i++) {
            s += Math.exp(x[i] - m);
        }
        return m + Math.log(s);
    }

    private static FloatBuffer floats(ByteBuffer b) {
        if (b.remaining() % Float.BYTES != 0) {
            throw new IllegalArgumentException("buffer of " + b.remaining() + " bytes is not whole float32 values");
        }
        return b.duplicate().order(b.order()).slice().order(b.order()).asFloatBuffer();
    }

    private static void sameLength(int a, int b) {
        if (a != b) {
            throw new IllegalArgumentException("reference has " + a + " values but the approximation has " + b);
        }
    }

    /**
     * Spearman's rank correlation: the Pearson correlation of the two samples' ranks, tied values getting the mean of
     * the ranks they span. NaN with fewer than two pairs, when either sample is constant, or when any value is NaN.
     */
    public static double spearman(double[] a, double[] b) {
        if (a.length != b.length) throw new IllegalArgumentException(a.length + " values against " + b.length);
        if (a.length < 2) return Double.NaN;
        for (int i = 0; i < a.length; i++) if (Double.isNaN(a[i]) || Double.isNaN(b[i])) return Double.NaN;
        double[] ra = ranks(a), rb = ranks(b);
        double ma = 0, mb = 0;
        for (int i = 0; i < a.length; i++) {
            ma += ra[i];
            mb += rb[i];
        }
        ma /= a.length;
        mb /= a.length;
        double sab = 0, saa = 0, sbb = 0;
        for (int i = 0; i < a.length; i++) {
            double x = ra[i] - ma, y = rb[i] - mb;
            sab += x * y;
            saa += x * x;
            sbb += y * y;
        }
        return saa == 0 || sbb == 0 ? Double.NaN : sab / Math.sqrt(saa * sbb);
    }

    /** 1-based ranks, ties averaged. */
    static double[] ranks(double[] v) {
        Integer[] order = new Integer[v.length];
        for (int i = 0; i < v.length; i++) order[i] = i;
        java.util.Arrays.sort(order, (x, y) -> Double.compare(v[x], v[y]));
        double[] r = new double[v.length];
        for (int i = 0; i < v.length; ) {
            int j = i;
            while (j + 1 < v.length && v[order[j + 1]] == v[order[i]]) j++;
            double mean = (i + j) / 2.0 + 1;
            for (int k = i; k <= j; k++) r[order[k]] = mean;
            i = j + 1;
        }
        return r;
    }
}
