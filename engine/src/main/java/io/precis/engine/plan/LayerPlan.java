package io.precis.engine.plan;

import io.precis.engine.algo.Sparsity;
import io.precis.engine.format.Format;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.WeightTransform;
import java.util.OptionalDouble;

/**
 * What a plan does to one layer.
 *
 * @param layer the layer
 * @param format its format, or null for full precision
 * @param decidedBy the rule that decided it, or {@code "default (embedding)"} / {@code "no rule"}
 * @param sensitivity the layer's sensitivity to {@code format}, when known
 * @param algorithm how the weights are rounded (round to nearest unless a rule says {@code using gptq|awq})
 * @param sparsity how its weights are pruned before they are quantized, or null when they are not
 */
public record LayerPlan(LayerRef layer, Format format, String decidedBy, OptionalDouble sensitivity,
                        io.precis.engine.algo.QuantAlgorithm algorithm, Sparsity sparsity) {

    public LayerPlan {
        algorithm = algorithm == null || format == null ? io.precis.engine.algo.QuantAlgorithm.RTN : algorithm;
    }

    /** Not pruned. */
    public LayerPlan(LayerRef layer, Format format, String decidedBy, OptionalDouble sensitivity,
                     io.precis.engine.algo.QuantAlgorithm algorithm) {
        this(layer, format, decidedBy, sensitivity, algorithm, null);
    }

    /** Round to nearest, not pruned. */
    public LayerPlan(LayerRef layer, Format format, String decidedBy, OptionalDouble sensitivity) {
        this(layer, format, decidedBy, sensitivity, null, null);
    }

    /**
     * The format with the algorithm when it is not round to nearest, and the sparsity when pruned, e.g.
     * {@code int4 per-channel using gptq}, {@code int4 per-channel, 2:4 sparse}, {@code full precision, 50% sparse}.
     */
    public String formatText() {
        String sparse = sparsity == null ? "" : ", " + sparsity + " sparse";
        if (format == null) return "full precision" + sparse;
        return (algorithm.needsCalibration() ? format + " using " + algorithm.name() : format.toString()) + sparse;
    }

    public boolean isPruned() {
        return sparsity != null;
    }

    /** Whether the plan changes this layer's weights (quantized, pruned, or both). */
    public boolean isChanged() {
        return format != null || sparsity != null;
    }

    /** Round to nearest: prunes (when the plan says so), then fake-quantizes (when it has a format). */
    public WeightTransform transform() {
        if (sparsity == null) return WeightTransform.fakeQuantize(format);
        WeightTransform quantize = format == null ? null : WeightTransform.fakeQuantize(format);
        Sparsity s = sparsity;
        return WeightTransform.of(formatText(), w -> {
            float[] values = w.toArray();
            s.apply(values, w.shape(), w.tensor().reductionAxis());
            w.write(values);
            if (quantize != null) quantize.apply(w);
        });
    }

    public String name() {
        return layer.name();
    }

    public boolean isQuantized() {
        return format != null;
    }

    /**
     * Bits per weight, scales and zero points included; the stored width (32 for fp32) at full precision. A pruned
     * layer counts as {@link Sparsity#bitsPerWeight} says: kept values, every scale, and the index of the kept values.
     */
    public double bits() {
        if (format == null && sparsity == null) {
            return fullPrecisionBits(layer);
        }
        double bits = 0;
        long n = 0;
        for (var t : layer.weights()) {
            double dense = format == null ? fullPrecisionBits(layer) : WeightTransform.bitsPerWeight(format, t);
            double valueBits = format == null ? dense : Math.min(dense, format.element().bits());
            bits += (sparsity == null ? dense : sparsity.bitsPerWeight(valueBits, dense - valueBits)) * t.params();
            n += t.params();
        }
        return n == 0 ? (format == null ? fullPrecisionBits(layer) : format.bitsPerWeight()) : bits / n;
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
