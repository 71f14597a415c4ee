package io.precis.engine.model.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.precis.engine.algo.ActivationQuant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Activation rules in a {@link StagedBlock}'s forward pass: each quantized layer's input is divided by its
 * SmoothQuant divisors (when smoothed; kept explicit, its weight carries W·diag(s)) and fake-quantized by
 * {@link ActivationQuant#apply} on a host copy, which goes back to the input's device and type. So the values a
 * layer multiplies are bit for bit what {@code ActivationQuant.apply} gives for the rows it is offered (the last
 * axis is the feature axis, every other axis a row), with no second implementation of the quantizer in tensor
 * operations. Layers offered together share one replacement when their rule and divisors are the same.
 */
public final class ActivationHook implements LayerInputs {
    private final Map<String, ActivationQuant> quant;
    private final Map<String, float[]> divisors;
    private final Set<String> seen = new HashSet<>();

    /** By layer name; {@code divisors} may leave out layers (no smoothing). */
    public ActivationHook(Map<String, ActivationQuant> quant, Map<String, float[]> divisors) {
        this.quant = Map.copyOf(quant);
        this.divisors = Map.copyOf(divisors);
    }

    @Override
    public NDArray[] offer(NDArray x, String... layers) {
        NDArray[] out = new NDArray[layers.length];
        List<Object[]> done = new ArrayList<>(); // {rule, divisors, replacement}
        for (int i = 0; i < layers.length; i++) {
            ActivationQuant q = quant.get(layers[i]);
            if (q == null) {
                out[i] = x;
                continue;
            }
            seen.add(layers[i]);
            float[] s = divisors.get(layers[i]);
            for (Object[] d : done) if (d[0].equals(q) && d[1] == s) out[i] = (NDArray) d[2];
            if (out[i] == null) {
                out[i] = quantized(x, q, s, layers[i]);
                done.add(new Object[] {q, s, out[i]});
            }
        }
        return out;
    }

    private static NDArray quantized(NDArray x, ActivationQuant q, float[] s, String layer) {
        long[] shape = x.getShape().getShape();
        int d = Math.toIntExact(shape[shape.length - 1]);
        float[] v = x.toType(DataType.FLOAT32, false).toFloatArray();
        if (s != null) {
            if (s.length != d) throw new IllegalArgumentException(layer + ": " + s.length + " SmoothQuant divisors for an input of " + d + " features");
            for (int i = 0; i < v.length; i++) v[i] /= s[i % d];
        }
        q.apply(v, v.length / d, d);
        NDArray r = x.getManager().create(v, x.getShape());
        return x.getDataType() == DataType.FLOAT32 ? r : r.toType(x.getDataType(), false);
    }

    /** Quantized layers never offered since the last call (a pass from the first stage must offer them all). */
    public Set<String> notOffered() {
        Set<String> m = new java.util.TreeSet<>(quant.keySet());
        m.removeAll(seen);
        seen.clear();
        return m;
    }

    /** The layers whose inputs are quantized. */
    public Set<String> layers() {
        return quant.keySet();
    }

    @Override
    public String toString() {
        return Objects.toString(quant);
    }
}
