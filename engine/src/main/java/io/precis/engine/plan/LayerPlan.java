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
 */
public record LayerPlan(LayerRef layer, Format format, String decidedBy, OptionalDouble sensitivity) {

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
        return name() + " -> " + (format == null ? "full precision" : format) + " (" + decidedBy + ")";
    }
}
