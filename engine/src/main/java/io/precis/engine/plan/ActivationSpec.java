package io.precis.engine.plan;

import io.precis.engine.algo.ActivationQuant;
import java.util.Locale;

/**
 * How a plan quantizes a linear layer's input (int8 here): one scale per token, computed per call (dynamic), or
 * one per tensor, per call (dynamic) or calibrated once as the absmax (min/max) over the calibration rows (static).
 */
public record ActivationSpec(ActivationQuant.Granularity granularity, boolean dynamic) {

    public ActivationSpec {
        if (granularity == ActivationQuant.Granularity.PER_TOKEN && !dynamic)
            throw new IllegalArgumentException("per-token activation scales are dynamic (one per row, at run time); use per tensor for static scales");
    }

    /** The quantizer for a layer; {@code absmax}: the calibrated max |x| (static only). */
    public ActivationQuant quantizer(float absmax) {
        if (!dynamic) return ActivationQuant.int8Static(absmax);
        return granularity == ActivationQuant.Granularity.PER_TOKEN ? ActivationQuant.int8PerToken()
                : new ActivationQuant(ActivationQuant.Element.INT8, granularity, true, false, 0);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "int8 %s %s", granularity == ActivationQuant.Granularity.PER_TOKEN ? "per token" : "per tensor",
                dynamic ? "dynamic" : "static");
    }
}
