package io.precis.engine.export;

import io.precis.engine.format.Element;
import io.precis.engine.format.Format;
import io.precis.engine.format.GroupLayout;
import io.precis.engine.format.Granularity;
import io.precis.engine.format.ggml.GgmlFormats;
import io.precis.engine.model.Model;
import io.precis.engine.model.TensorRef;
import io.precis.engine.model.WeightTransform;
import io.precis.engine.algo.QuantAlgorithm;
import io.precis.engine.calib.PlanQuantizer;
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
 * the decoded values are the evaluated ones bit for bit). Calibrated layers (GPTQ, AWQ) take their values from
 * the plan's {@link PlanQuantizer.Result}: GPTQ's codes on the scales of the original weights (llm-compressor's rule,
 * also RTN's), AWQ's as RTN(W·diag(s)) with s kept beside them; either way every code is checked to decode to the
 * evaluated weight exactly. What an export cannot hold is collected for all layers first and refused in one
 * message, before anything is written.
 */
final class QuantizedWeights {

    /**
     * One encoded weight tensor.
     *
     * @param axis the axis the scales run along (per channel: the channel axis; groups: the reduction axis),
     *             -1 for one scale per tensor
     * @param block values per scale along {@code axis} for groups and blocks, 0 otherwise
     * @param inputScales AWQ: the weight stored is W·diag(s) and the layer's input must be divided by s; else null
     * @param groupIndex GPTQ with dynamic act-order: each input feature's group (g_idx); then the scales are
     *                   [out][groups] row-major rather than in the tensor's layout; else null
     */
    record Tensor(LayerPlan layer, TensorRef ref, Format fitted, int[] dims, Codes encoded, int axis, int block,
                  float[] inputScales, int[] groupIndex) {
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

    /** Codes (signed when symmetric), one scale and zero point per group, as {@link Encoded} numbers them. */
    record Codes(int[] codes, float[] scales, int[] zeros) {
        static Codes of(Encoded e) {
            int[] c = new int[e.size()];
            for (int i = 0; i < c.length; i++) c[i] = e.code(i);
            float[] s = new float[e.groupCount()];
            int[] z = new int[s.length];
            for (int k = 0; k < s.length; k++) {
                s[k] = e.scale(k);
                z[k] = e.zeroPoint(k);
            }
            return new Codes(c, s, z);
        }

        int code(int i) { return codes[i]; }

        float scale(int k) { return scales[k]; }

        int zeroPoint(int k) { return zeros[k]; }

        int groupCount() { return scales.length; }

        int size() { return codes.length; }
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
        return encode(plan, model, Calibrated.none(plan), exportName, problem, false);
    }

    /**
     * As {@link #encode(Plan, Model, String, BiFunction)}, the GPTQ and AWQ layers from {@code cal} (without them such
     * layers are refused, saying how to calibrate), and the plan's quantized inputs checked too
     * ({@code inputsNeedWeights}: a quantized input needs quantized weights in this export).
     */
    static List<Tensor> encode(Plan plan, Model model, Calibrated cal, String exportName,
                               BiFunction<LayerPlan, TensorRef, String> problem, boolean inputsNeedWeights) {
        PlanQuantizer.Result calibrated = cal.weights();
        Map<String, String> problems = new LinkedHashMap<>(cal.activationProblems(plan, inputsNeedWeights));
        List<LayerPlan> layers = new ArrayList<>();
        for (LayerPlan l : plan.layers()) {
            if (l.isPruned()) {
                problems.put(l.name() + " (" + l.formatText() + ")", PRUNED);
                continue;
            }
            if (!l.isQuantized()) continue;
            String why = integerGridProblem(l.format());
            for (TensorRef t : model.layer(l.name()).weights()) {
                if (why != null) break;
                if (!t.dtype().equals("float32")) why = "its weight " + t.name() + " is " + t.dtype() + ", not float32";
                else why = problem.apply(l, t);
                if (why == null && t.shape().length > 2 && !(l.format().granularity() instanceof Granularity.PerChannel)
                        && !(l.format().granularity() instanceof Granularity.PerTensor))
                    why = "groups on a rank-" + t.shape().length + " weight run along its flattened rows, which one scale axis cannot describe";
            }
            if (why == null && l.algorithm().needsCalibration() && (calibrated == null || !calibrated.weights().containsKey(model.layer(l.name()).weight().name())))
                why = "it uses " + l.algorithm().name() + ", whose weights come from calibration, and none was given (calibrate the plan first:"
                        + " PlanQuantizer.quantize, or export from a session with calibration data)";
            if (why != null) problems.put(l.name() + " (" + l.formatText() + ")", why);
            else layers.add(l);
        }
        if (!problems.isEmpty()) throw refusal(exportName, problems);
        List<Tensor> out = new ArrayList<>();
        for (LayerPlan l : layers) {
            for (TensorRef t : model.layer(l.name()).weights()) {
                Format fitted = WeightTransform.fitted(l.format(), t);
                int[] dims = dims(t);
                float[] original = model.fullPrecisionWeights(t);
                QuantAlgorithm.Detailed detail = calibrated == null ? null : calibrated.details().get(t.name());
                float[] inputScales = detail == null ? null : detail.inputScales();
                int[] groupIndex = detail == null ? null : detail.groupOfColumn();
                if (groupIndex != null && !(l.format().granularity() instanceof Granularity.Groups)) groupIndex = null;
                Codes e;
                try {
                    if (!l.algorithm().needsCalibration()) {
                        e = Codes.of(fitted.encode(original, dims));
                    } else if (groupIndex != null) {
                        e = permutedGroups(l.format(), t, original, calibrated.weights().get(t.name()), groupIndex);
                    } else {
                        e = calibratedCodes(fitted, t, dims, original, calibrated.weights().get(t.name()), inputScales);
                    }
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
                out.add(new Tensor(l, t, fitted, dims, e, axis, block, inputScales, groupIndex));
            }
        }
        return out;
    }

    /**
     * The codes of a calibrated weight {@code q} (tensor layout) on the format's grid: for GPTQ the scales are those
     * of the original weights (GPTQ fixes them before its sweep, as llm-compressor does); for AWQ
     * ({@code inputScales} s) the stored weight is RTN(W·diag(s)), which divided by s is {@code q}. Refuses
     * (IllegalArgumentException) unless every code decodes to {@code q} exactly.
     */
    static Codes calibratedCodes(Format fitted, TensorRef t, int[] dims, float[] original, float[] q, float[] inputScales) {
        int inAxis = t.channelAxis() == 1 ? 0 : 1;      // the input-feature axis of a [out, in] or [in, out] matrix
        int cols = dims[1];
        if (inputScales != null) {
            float[] scaled = new float[original.length];
            for (int i = 0; i < scaled.length; i++) scaled[i] = original[i] * inputScales[inAxis == 1 ? i % cols : i / cols];
            Codes c = Codes.of(fitted.encode(scaled, dims));
            float[] back = decode(fitted, dims, c);
            for (int i = 0; i < back.length; i++)
                if (Float.floatToIntBits(back[i] / inputScales[inAxis == 1 ? i % cols : i / cols]) != Float.floatToIntBits(q[i]))
                    throw new IllegalArgumentException("its AWQ weights are not RTN(W·s)/s at element " + i + " (" + back[i] + " / s vs " + q[i] + ")");
            return c;
        }
        Codes grid = Codes.of(fitted.encode(original, dims));
        GroupLayout layout = GroupLayout.of(fitted, dims);
        int[] codes = new int[q.length];
        for (int k = 0; k < grid.groupCount(); k++) {
            int[] runs = layout.runs(k);
            float s = grid.scale(k);
            int z = grid.zeroPoint(k);
            for (int r = 0; r < runs[1]; r++)
                for (int j = 0; j < runs[3]; j++) {
                    int i = runs[0] + r * runs[2] + j;
                    int code = (int) Math.rint(q[i] / s) + z;
                    if (Float.floatToIntBits((float) (code - z) * s) != Float.floatToIntBits(q[i]))
                        throw new IllegalArgumentException("its GPTQ weight " + i + " (" + q[i] + ") is not on the grid of the original weights' scales");
                    codes[i] = code;
                }
        }
        return new Codes(codes, grid.scales(), grid.zeros());
    }

    /**
     * GPTQ with dynamic act-order: groups of input features by {@code gIdx}; their scales from the original weights of
     * each group (GPTQ's rule on the permuted columns), stored [out][groups]; codes in the tensor's layout.
     */
    static Codes permutedGroups(Format format, TensorRef t, float[] original, float[] q, int[] gIdx) {
        boolean transposed = t.channelAxis() == 1;
        int a = Math.toIntExact(t.shape()[0]), b = Math.toIntExact(t.shape()[1]);
        int rows = transposed ? b : a, cols = transposed ? a : b;
        Integer[] order = new Integer[cols];
        for (int c = 0; c < cols; c++) order[c] = c;
        java.util.Arrays.sort(order, java.util.Comparator.comparingInt(c -> gIdx[c]));      // stable: a group's columns together
        float[] permuted = new float[rows * cols];
        for (int r = 0; r < rows; r++)
            for (int p = 0; p < cols; p++) {
                int c = order[p];
                permuted[r * cols + p] = original[transposed ? c * rows + r : r * cols + c];
            }
        Codes grid = Codes.of(format.encode(permuted, rows, cols));      // groups along the last axis: [out][groups]
        int groups = grid.groupCount() / rows;
        int[] codes = new int[q.length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) {
                int k = r * groups + gIdx[c], i = transposed ? c * rows + r : r * cols + c;
                float s = grid.scale(k);
                int z = grid.zeroPoint(k);
                int code = (int) Math.rint(q[i] / s) + z;
                if (Float.floatToIntBits((float) (code - z) * s) != Float.floatToIntBits(q[i]))
                    throw new IllegalArgumentException("its GPTQ weight (" + r + ", " + c + ") is not on its act-order group's grid");
                codes[i] = code;
            }
        return new Codes(codes, grid.scales(), grid.zeros());
    }

    /** The values the codes stand for, (code − zero point) · scale, in the tensor's layout. */
    static float[] decode(Format fitted, int[] dims, Codes c) {
        GroupLayout layout = GroupLayout.of(fitted, dims);
        float[] out = new float[c.size()];
        for (int k = 0; k < c.groupCount(); k++) {
            int[] runs = layout.runs(k);
            for (int r = 0; r < runs[1]; r++)
                for (int j = 0; j < runs[3]; j++) {
                    int i = runs[0] + r * runs[2] + j;
                    out[i] = (float) (c.code(i) - c.zeroPoint(k)) * c.scale(k);
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
