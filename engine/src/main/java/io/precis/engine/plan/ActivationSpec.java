package io.precis.engine.plan;

import io.precis.engine.algo.ActivationQuant;
import java.util.Locale;

/**
 * How a plan quantizes a linear layer's input: int8 (±127, absmax/127) or fp8 E4M3 (absmax/448); one scale per
 * token, computed per call (dynamic), or one per tensor, per call (dynamic) or calibrated once over the calibration
 * rows (static: by {@code range}, the absmax, a percentile of |x| or the MSE-optimal clip).
 * {@code smoothAlpha} (NaN: none): SmoothQuant with that migration strength, or searched per group of layers
 * sharing an input when {@code smoothSearch}; its per-channel scales come from the calibration rows.
 */
public record ActivationSpec(ActivationQuant.Element element, ActivationQuant.Granularity granularity, boolean dynamic,
                             double smoothAlpha, boolean smoothSearch, Range range, boolean asymmetric) {

    /** How a static scale is calibrated: max |x|, the p-th percentile of |x|, or the clip minimising the squared error. */
    public record Range(Kind kind, double percent) {
        public enum Kind { ABSMAX, PERCENTILE, MSE }

        public static final Range ABSMAX = new Range(Kind.ABSMAX, Double.NaN);
        public static final Range MSE = new Range(Kind.MSE, Double.NaN);

        public Range {
            if (kind == Kind.PERCENTILE && !(percent > 0 && percent <= 100))
                throw new IllegalArgumentException("percentile must be in (0, 100], got " + percent);
        }

        public static Range percentile(double p) {
            return new Range(Kind.PERCENTILE, p);
        }

        @Override
        public String toString() {
            return switch (kind) {
                case ABSMAX -> "absmax";
                case MSE -> "mse";
                case PERCENTILE -> "percentile " + (percent == Math.rint(percent) ? Long.toString((long) percent) : Double.toString(percent));
            };
        }
    }

    public ActivationSpec {
        if (granularity == ActivationQuant.Granularity.PER_TOKEN && !dynamic)
            throw new IllegalArgumentException("per-token activation scales are dynamic (one per row, at run time); use per tensor for static scales");
        if (!Double.isNaN(smoothAlpha) && !(smoothAlpha >= 0 && smoothAlpha <= 1))
            throw new IllegalArgumentException("smoothquant alpha must be in [0, 1], got " + smoothAlpha);
        if (smoothSearch && !Double.isNaN(smoothAlpha))
            throw new IllegalArgumentException("smoothquant either searches alpha or fixes it, not both");
        if (range == null) range = Range.ABSMAX;
        if (dynamic && range.kind() != Range.Kind.ABSMAX)
            throw new IllegalArgumentException("a " + range + " range is calibrated once (static); dynamic scales take each call's absmax");
        if (asymmetric && (element != ActivationQuant.Element.INT8 || !dynamic))
            throw new IllegalArgumentException("asymmetric activations are int8 with dynamic scales (zero point from each call's min and max)");
    }

    public ActivationSpec(ActivationQuant.Element element, ActivationQuant.Granularity granularity, boolean dynamic,
                          double smoothAlpha, boolean smoothSearch, Range range) {
        this(element, granularity, dynamic, smoothAlpha, smoothSearch, range, false);
    }

    /** This spec with asymmetric (uint8, zero point) codes. */
    public ActivationSpec asymmetricCodes() {
        return new ActivationSpec(element, granularity, dynamic, smoothAlpha, smoothSearch, range, true);
    }

    public ActivationSpec(ActivationQuant.Granularity granularity, boolean dynamic) {
        this(ActivationQuant.Element.INT8, granularity, dynamic, Double.NaN, false, Range.ABSMAX);
    }

    public ActivationSpec(ActivationQuant.Granularity granularity, boolean dynamic, double smoothAlpha) {
        this(ActivationQuant.Element.INT8, granularity, dynamic, smoothAlpha, false, Range.ABSMAX);
    }

    /** This spec with SmoothQuant's alpha searched over {@link io.precis.engine.algo.SmoothQuant#ALPHAS}. */
    public ActivationSpec searchingSmoothQuant() {
        return new ActivationSpec(element, granularity, dynamic, Double.NaN, true, range, asymmetric);
    }

    public boolean smooth() {
        return smoothSearch || !Double.isNaN(smoothAlpha);
    }

    /** Whether evaluating it reads calibration data (a static scale, SmoothQuant's scales). */
    public boolean needsCalibration() {
        return !dynamic || smooth();
    }

    /** The quantizer for a layer; {@code absmax}: the calibrated clip value (static only). */
    public ActivationQuant quantizer(float absmax) {
        if (asymmetric) return ActivationQuant.int8Asymmetric(granularity);
        float maxCode = element == ActivationQuant.Element.FP8_E4M3 ? 448f : 127f;
        return new ActivationQuant(element, granularity, dynamic, false, dynamic ? 0 : absmax > 0 ? absmax / maxCode : 1f);
    }

    /** A static scale's clip value from calibration rows (the input as its quantizer sees it, smoothed if so). */
    public float clip(float[] rows) {
        return switch (range.kind()) {
            case ABSMAX -> {
                float m = 0;
                for (float v : rows) m = Math.max(m, Math.abs(v));
                yield m;
            }
            case PERCENTILE -> ActivationQuant.percentileAbs(rows, range.percent());
            case MSE -> ActivationQuant.mseAbsmax(rows, element);
        };
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s %s %s%s%s%s", element == ActivationQuant.Element.INT8 ? "int8" : "fp8_e4m3",
                granularity == ActivationQuant.Granularity.PER_TOKEN ? "per token" : "per tensor",
                dynamic ? "dynamic" : "static", asymmetric ? " asymmetric" : "", dynamic || range.kind() == Range.Kind.ABSMAX ? "" : " " + range,
                smoothSearch ? ", smoothquant alpha searched" : smooth() ? String.format(Locale.ROOT, ", smoothquant alpha %.3g", smoothAlpha) : "");
    }
}
