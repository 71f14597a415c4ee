package io.precis.engine.plan;

import io.precis.engine.algo.ActivationQuant;
import java.util.Locale;

/**
 * How a plan quantizes a linear layer's input (int8 here): one scale per token, computed per call (dynamic), or
 * one per tensor, per call (dynamic) or calibrated once as the absmax (min/max) over the calibration rows (static).
 * {@code smoothAlpha} (NaN: none): SmoothQuant with that migration strength, its per-channel scales computed from
 * the calibration rows and kept explicit (the input divided, the weights multiplied, before each is quantized).
 */
public record ActivationSpec(ActivationQuant.Granularity granularity, boolean dynamic, double smoothAlpha) {

    public ActivationSpec {
        if (granularity == ActivationQuant.Granularity.PER_TOKEN && !dynamic)
            throw new IllegalArgumentException("per-token activation scales are dynamic (one per row, at run time); use per tensor for static scales");
        if (!Double.isNaN(smoothAlpha) && !(smoothAlpha >= 0 && smoothAlpha <= 1))
            throw new IllegalArgumentException("smoothquant alpha must be in [0, 1], got " + smoothAlpha);
    }

    public ActivationSpec(ActivationQuant.Granularity granularity, boolean dynamic) {
        this(granularity, dynamic, Double.NaN);
    }

    public boolean smooth() {
        return !Double.isNaN(smoothAlpha);
    }

    /** Whether evaluating it reads calibration data (a static scale, SmoothQuant's scales). */
    public boolean needsCalibration() {
        return !dynamic || smooth();
    }

    /** The quantizer for a layer; {@code absmax}: the calibrated max |x| (static only). */
    public ActivationQuant quantizer(float absmax) {
        if (!dynamic) return ActivationQuant.int8Static(absmax);
        return granularity == ActivationQuant.Granularity.PER_TOKEN ? ActivationQuant.int8PerToken()
                : new ActivationQuant(ActivationQuant.Element.INT8, granularity, true, false, 0);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "int8 %s %s%s", granularity == ActivationQuant.Granularity.PER_TOKEN ? "per token" : "per tensor",
                dynamic ? "dynamic" : "static", smooth() ? String.format(Locale.ROOT, ", smoothquant alpha %.3g", smoothAlpha) : "");
    }
}
