package io.precis.engine.algo;

import java.util.Locale;

/**
 * Fake quantization of activations (rows of a layer's input): int8 per token (one scale per row, computed at run
 * time: dynamic) or per tensor (one scale, dynamic from the batch or static from calibration), on Precis's grid
 * (±127, absmax/127) or compressed-tensors' (−128..127, absmax/127.5); or fp8 E4M3 per token / per tensor
 * (absmax/448). Static scales come from calibration by min/max, a percentile of |x| or an MSE search.
 */
public record ActivationQuant(Element element, Granularity granularity, boolean dynamic, boolean fullRange, float staticScale,
                              boolean asymmetric) {

    public enum Element { INT8, FP8_E4M3 }

    public enum Granularity { PER_TOKEN, PER_TENSOR }

    public ActivationQuant {
        if (granularity == Granularity.PER_TOKEN && !dynamic)
            throw new IllegalArgumentException("per-token activation scales are dynamic (one per row, at run time); use per tensor for static scales");
        if (!dynamic && !(staticScale > 0)) throw new IllegalArgumentException("a static activation scale must be > 0, got " + staticScale);
        if (asymmetric && (element != Element.INT8 || !dynamic))
            throw new IllegalArgumentException("asymmetric activations are int8 with dynamic scales here (uint8 codes, zero point from each call's min and max)");
    }

    public ActivationQuant(Element element, Granularity granularity, boolean dynamic, boolean fullRange, float staticScale) {
        this(element, granularity, dynamic, fullRange, staticScale, false);
    }

    /**
     * Asymmetric int8 with dynamic scales, as ONNX's DynamicQuantizeLinear (which is per tensor; here per token too):
     * the range [min(x, 0), max(x, 0)] on uint8 codes 0..255, s = (max − min)/255, zero point round(−min/s).
     */
    public static ActivationQuant int8Asymmetric(Granularity g) {
        return new ActivationQuant(Element.INT8, g, true, false, 0, true);
    }

    public static ActivationQuant int8PerToken() { return new ActivationQuant(Element.INT8, Granularity.PER_TOKEN, true, false, 0); }

    public static ActivationQuant int8PerTokenCompressedTensors() { return new ActivationQuant(Element.INT8, Granularity.PER_TOKEN, true, true, 0); }

    /** Static per-tensor int8 with a calibrated absmax (max |x|, a percentile, or {@link #mseAbsmax}). */
    public static ActivationQuant int8Static(float absmax) {
        return new ActivationQuant(Element.INT8, Granularity.PER_TENSOR, false, false, absmax == 0 ? 1f : absmax / 127f);
    }

    private float maxCode() {
        return element == Element.FP8_E4M3 ? 448f : fullRange ? 127.5f : 127f;
    }

    /** Fake-quantizes {@code rows} rows of {@code d} values in place. */
    public void apply(float[] x, int rows, int d) {
        if (asymmetric) {
            int per = granularity == Granularity.PER_TENSOR ? rows * d : d;
            for (int from = 0; from < rows * d; from += per) asymmetric(x, from, per);
            return;
        }
        if (granularity == Granularity.PER_TENSOR) {
            float s = dynamic ? scaleOf(x, 0, rows * d) : staticScale;
            for (int i = 0; i < rows * d; i++) x[i] = q(x[i], s);
        } else {
            for (int r = 0; r < rows; r++) {
                float s = scaleOf(x, r * d, d);
                for (int i = r * d; i < (r + 1) * d; i++) x[i] = q(x[i], s);
            }
        }
    }

    /** The same float operations, in the same order, as the ONNX subgraph. */
    private static void asymmetric(float[] x, int from, int n) {
        float lo = 0, hi = 0;
        for (int i = from; i < from + n; i++) {
            lo = Math.min(lo, x[i]);
            hi = Math.max(hi, x[i]);
        }
        float s = Math.max((hi - lo) / 255f, Float.MIN_NORMAL);
        float zp = (float) Math.rint(-lo / s);
        for (int i = from; i < from + n; i++) {
            float q = Math.min(255f, Math.max(0f, (float) Math.rint(x[i] / s) + zp));
            x[i] = (q - zp) * s;
        }
    }

    private float scaleOf(float[] x, int from, int n) {
        float m = 0;
        for (int i = from; i < from + n; i++) m = Math.max(m, Math.abs(x[i]));
        float s = m / maxCode();
        return s > 0 ? s : Math.ulp(1f);
    }

    private float q(float v, float s) {
        if (element == Element.FP8_E4M3) {
            return io.precis.engine.format.MiniFloat.E4M3.round(v / s, true) * s;
        }
        float lo = fullRange ? -128 : -127;
        float y = Math.min(127, Math.max(lo, v / s));
        return (float) Math.rint(y) * s;
    }

    /** The absmax a static int8 scale should use to minimise the squared error on a sample, searching clip ratios 1..0.5. */
    public static float mseAbsmax(float[] sample) {
        return mseAbsmax(sample, Element.INT8);
    }

    /**
     * The clip value (absmax) a static per-tensor scale of this element type should use to minimise the squared
     * fake-quantization error on a sample: clip ratios 1, 0.99, …, 0.5 of max |x| tried.
     */
    public static float mseAbsmax(float[] sample, Element element) {
        float m = 0;
        for (float v : sample) m = Math.max(m, Math.abs(v));
        if (m == 0) return 0;
        float maxCode = element == Element.FP8_E4M3 ? 448f : 127f;
        float best = m;
        double bestErr = Double.POSITIVE_INFINITY;
        for (int k = 0; k <= 50; k++) {
            float a = m * (1 - 0.01f * k);
            ActivationQuant q = new ActivationQuant(element, Granularity.PER_TENSOR, false, false, a / maxCode);
            double err = 0;
            for (float v : sample) {
                float e = q.q(v, q.staticScale) - v;
                err += e * e;
            }
            if (err < bestErr) {
                bestErr = err;
                best = a;
            }
        }
        return best;
    }

    /** The p-th percentile of |x| over a sample (nearest rank: rank ceil(p/100·n), as weight formats' percentile clip). */
    public static float percentileAbs(float[] sample, double percent) {
        if (!(percent > 0 && percent <= 100)) throw new IllegalArgumentException("percentile must be in (0, 100], got " + percent);
        if (sample.length == 0) return 0;
        float[] a = new float[sample.length];
        for (int i = 0; i < a.length; i++) a[i] = Math.abs(sample[i]);
        java.util.Arrays.sort(a);
        int rank = (int) Math.ceil(percent / 100 * a.length);
        return a[Math.max(1, Math.min(a.length, rank)) - 1];
    }

    @Override
    public String toString() {
        String e = element == Element.INT8 ? "int8" : "fp8_e4m3";
        String g = granularity == Granularity.PER_TOKEN ? "per token" : "per tensor";
        return String.format(Locale.ROOT, "%s %s %s%s%s", e, g, dynamic ? "dynamic" : "static", fullRange ? " grid compressed-tensors" : "",
                asymmetric ? " asymmetric" : "");
    }
}
