package io.precis.engine.export;

import io.precis.engine.format.Element;
import io.precis.engine.format.Format;
import io.precis.engine.format.Granularity;
import io.precis.engine.format.ggml.GgmlFormats;
import io.precis.engine.model.Model;
import io.precis.engine.model.TensorRef;
import io.precis.engine.model.WeightTransform;
import io.precis.engine.plan.LayerPlan;
import io.precis.engine.plan.Plan;
import io.precis.engine.quant.Encoded;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * A plan's quantized weights as integer codes with scales (and zero points), the form the serving formats store:
 * every tensor encoded with the format fitted to its layout, exactly as the fake-quant evaluation applies it (so
 * the decoded values are the evaluated ones bit for bit). What an export cannot hold is collected for all layers
 * first and refused in one message, before anything is written.
 */
final class QuantizedWeights {

    /**
     * One encoded weight tensor.
     *
     * @param axis the axis the scales run along (per channel: the channel axis; groups: the reduction axis),
     *             -1 for one scale per tensor
     * @param block values per scale along {@code axis} for groups and blocks, 0 otherwise
     */
    record Tensor(LayerPlan layer, TensorRef ref, Format fitted, int[] dims, Encoded encoded, int axis, int block) {
        int bits() { return fitted.element().bits(); }

        boolean signed() { return fitted.isSymmetric(); }

        /** The scales' shape: the tensor's with {@code axis} cut into blocks (a scalar per tensor, a vector per channel). */
        long[] scaleDims() {
            if (axis < 0) return new long[0];
            if (block == 0) return new long[] {dims[axis]};
            long[] s = new long[dims.length];
            for (int i = 0; i < dims.length; i++) s[i] = i == axis ? (dims[i] + block - 1) / block : dims[i];
            return s;
        }
    }

    private QuantizedWeights() {}

    /**
     * Why the integer-code exports cannot hold {@code format} (null when they can): they store int2..int8 codes
     * with per-tensor, per-channel or group scales.
     */
    static String integerGridProblem(Format f) {
        if (GgmlFormats.is(f)) return f.name() + " is one of llama.cpp's block formats (its sub-block scales live in GGUF only)";
        return switch (f.element()) {
            case Element.Float fl -> f.name() + " has a floating-point element (" + fl.type().name() + "), not integer codes";
            case Element.Table t -> f.name() + " is a lookup table of " + t.levels().length + " levels, not an integer grid";
            case Element.Int i -> f.isNvfp4() ? f.name() + " has a two-level scale" : null;
        };
    }

    /**
     * Encodes every quantized layer's weights. {@code problem} gives, for a layer and its tensor, why the
     * export cannot hold it (or null); all problems are reported together as one exception naming each layer.
     */
    static List<Tensor> encode(Plan plan, Model model, String exportName, BiFunction<LayerPlan, TensorRef, String> problem) {
        Map<String, String> problems = new LinkedHashMap<>();
        List<LayerPlan> layers = new ArrayList<>();
        for (LayerPlan l : plan.layers()) {
            if (l.isPruned()) {
                problems.put(l.name() + " (" + l.formatText() + ")", PRUNED);
                continue;
            }
            if (!l.isQuantized()) continue;
            String why = integerGridProblem(l.format());
            if (why == null && l.algorithm().needsCalibration())
                why = "it uses " + l.algorithm().name() + ", whose weights come from calibration; this export holds round-to-nearest layers";
            for (TensorRef t : model.layer(l.name()).weights()) {
                if (why != null) break;
                if (!t.dtype().equals("float32")) why = "its weight " + t.name() + " is " + t.dtype() + ", not float32";
                else why = problem.apply(l, t);
                if (why == null && t.shape().length > 2 && !(l.format().granularity() instanceof Granularity.PerChannel)
                        && !(l.format().granularity() instanceof Granularity.PerTensor))
                    why = "groups on a rank-" + t.shape().length + " weight run along its flattened rows, which one scale axis cannot describe";
            }
            if (why != null) problems.put(l.name() + " (" + l.formatText() + ")", why);
            else layers.add(l);
        }
        if (!problems.isEmpty()) throw refusal(exportName, problems);
        List<Tensor> out = new ArrayList<>();
        for (LayerPlan l : layers) {
            for (TensorRef t : model.layer(l.name()).weights()) {
                Format fitted = WeightTransform.fitted(l.format(), t);
                int[] dims = dims(t);
                Encoded e;
                try {
                    e = fitted.encode(model.fullPrecisionWeights(t), dims);
                } catch (IllegalArgumentException ex) {
                    throw refusal(exportName, Map.of(l.name() + " (" + l.formatText() + ")", ex.getMessage()));
                }
                for (int k = 0; k < e.groupCount(); k++)
                    if (!Float.isFinite(e.scale(k)))
                        throw refusal(exportName, Map.of(l.name() + " (" + l.formatText() + ")", "scale " + k + " of " + t.name() + " is " + e.scale(k)));
                int axis, block = 0;
                switch (fitted.granularity()) {
                    case Granularity.PerTensor p -> axis = -1;
                    case Granularity.PerChannel c -> axis = c.axis();
                    case Granularity.Groups g -> { axis = g.axis() == Granularity.ROWS ? dims.length - 1 : g.axis(); block = g.size(); }
                    case Granularity.Blocks b -> { axis = b.axis() == Granularity.ROWS ? dims.length - 1 : b.axis(); block = b.size(); }
                    case Granularity.Unscaled u -> throw new IllegalStateException("an integer format is always scaled");
                }
                out.add(new Tensor(l, t, fitted, dims, e, axis, block));
            }
        }
        return out;
    }

    /** Why a pruned layer is refused: these formats store dense weights, so its zeros would be written unpruned or lost. */
    static final String PRUNED = "it is pruned, and this export writes dense weights with no sparsity; export the plan without"
            + " its prune rules, or as JSON";

    static IllegalArgumentException refusal(String exportName, Map<String, String> problems) {
        StringBuilder s = new StringBuilder(exportName).append(" cannot hold ")
                .append(problems.size() == 1 ? "this layer" : "these " + problems.size() + " layers").append(" of the plan (nothing was written):");
        int shown = 0;
        for (Map.Entry<String, String> e : problems.entrySet()) {
            if (shown++ == 12) {
                s.append("\n  … and ").append(problems.size() - 12).append(" more");
                break;
            }
            s.append("\n  ").append(e.getKey()).append(": ").append(e.getValue());
        }
        s.append("\nKeep those layers at full precision or choose an integer format (int2..int8 per tensor, per channel or group N).");
        return new IllegalArgumentException(s.toString());
    }

    static int[] dims(TensorRef t) {
        long[] s = t.shape();
        int[] d = new int[s.length];
        for (int i = 0; i < s.length; i++) d[i] = Math.toIntExact(s[i]);
        return d.length == 0 ? new int[] {1} : d;
    }
}
