package io.precis.engine.plan;

import io.precis.engine.format.Format;
import io.precis.engine.model.LayerRef;
import java.util.OptionalDouble;

/**
 * What a plan does to one layer.
 *
 * @param layer the layer
 * @param format its format, or null for full precision
 * @param decidedBy the rule that decided it, or {@code "default (embedding)"} / {@code "no rule"}
 * @param sensitivity the layer's sensitivity to {@code format}, when known
 * @param algorithm how the weights are rounded (round to nearest unless a rule says {@code using gptq|awq})
 */
public record LayerPlan(LayerRef layer, Format format, String decidedBy, OptionalDouble sensitivity,
                        io.precis.engine.algo.QuantAlgorithm algorithm) {

    public LayerPlan {
        algorithm = algorithm == null || format == null ? io.precis.engine.algo.QuantAlgorithm.RTN : algorithm;
    }

    /** Round to nearest. */
    public LayerPlan(LayerRef layer, Format format, String decidedBy, OptionalDouble sensitivity) {
        this(layer, format, decidedBy, sensitivity, null);
    }

    /** The format with the algorithm when it is not round to nearest, e.g. {@code int4 per-channel using gptq}. */
    public String formatText() {
        if (format == null) return "full precision";
        return algorithm.needsCalibration() ? format + " using " + algorithm.name() : format.toString();
    }

    public String name() {
        return layer.name();
    }

    public boolean isQuantized() {
        return format != null;
    }

    /** Bits per weight, scales and zero points included; the stored width (32 for fp32) at full precision. */
    public double bits() {
        if (format == null) {
            return fullPrecisionBits(layer);
        }
        double bits = 0;
        long n = 0;
        for (var t : layer.weights()) {
            bits += io.precis.engine.model.WeightTransform.bitsPerWeight(format, t) * t.params();
            n += t.params();
        }
        return n == 0 ? format.bitsPerWeight() : bits / n;
    }

    /** Parameters the format applies to: the layer's weights (biases stay as they are). */
    public long weightParams() {
        return layer.weights().stream().mapToLong(t -> t.params()).sum();
    }

    static double fullPrecisionBits(LayerRef layer) {
        String dtype = layer.dtype().toLowerCase(java.util.Locale.ROOT);
        if (dtype.contains("16")) {
            return 16;
        }
        if (dtype.contains("64")) {
            return 64;
        }
        return 32;
    }

    @Override
    public String toString() {
        return name() + " -> " + formatText() + " (" + decidedBy + ")";
    }
}
