package io.precis.engine.metrics;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * Error measures between a reference tensor and its quantized version, and KL divergence between two batches of
 * logits. Sums run in double, in element order (deterministic). NaN anywhere makes the affected measures NaN.
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
        double sqnr = 10 * Math.log10(ref2 / err2);
        if (err2 == 0 && !Double.isNaN(ref2)) {
            sqnr = Double.POSITIVE_INFINITY;
        }
        double cosine;
        if (ref2 == 0 && app2 == 0) {
            cosine = 1;
        } else if (ref2 == 0 || app2 == 0) {
            cosine = 0;
        } else {
            cosine = dot / (Math.sqrt(ref2) * Math.sqrt(app2));
        }
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
            int off = row * classes;
            double lseP = logSumExp(referenceLogits, off, classes);
            double lseQ = logSumExp(approxLogits, off, classes);
            double kl = 0;
            for (int i = off; i < off + classes; i++) {
                double logP = referenceLogits[i] - lseP;
                double logQ = approxLogits[i] - lseQ;
                double p = Math.exp(logP);
                if (p > 0) {
                    kl += p * (logP - logQ);
                }
            }
            total += Double.isNaN(kl) ? kl : Math.max(0, kl);
        }
        return total / rows;
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
}
