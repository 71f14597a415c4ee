package io.precis.engine.calib;

import io.precis.engine.algo.QuantAlgorithm;
import io.precis.engine.model.LayerRef;
import io.precis.engine.model.Model;
import io.precis.engine.model.ModelInput;
import io.precis.engine.model.TensorRef;
import io.precis.engine.model.WeightTransform;
import io.precis.engine.plan.LayerPlan;
import io.precis.engine.plan.Plan;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Applies a plan whose rules name algorithms: round-to-nearest layers are fake-quantized as always; GPTQ and
 * AWQ layers read their calibration statistics, captured from the model on the calibration batches, and get
 * weights computed once. The result is a weight transform per quantized layer, so an analysis swaps them in
 * like any other configuration (and restores the originals afterwards).
 */
public final class PlanQuantizer {

    /**
     * Quantized weights of the calibrated layers (by tensor name, in the tensor's own layout), and what it took.
     *
     * @param statsBytes memory the calibration statistics held at most
     * @param details by tensor name, what the exports store beyond the weights (AWQ's scales, GPTQ's g_idx)
     */
    public record Result(Plan plan, Map<String, float[]> weights, long statsBytes, int batches, boolean sequential, double seconds,
                         Map<String, QuantAlgorithm.Detailed> details) {

        public Result(Plan plan, Map<String, float[]> weights, long statsBytes, int batches, boolean sequential, double seconds) {
            this(plan, weights, statsBytes, batches, sequential, seconds, Map.of());
        }

        /** The transform of every quantized layer of the plan. */
        public Map<LayerRef, WeightTransform> transforms(Model model) {
            Map<LayerRef, WeightTransform> out = new LinkedHashMap<>();
            Map<io.precis.engine.format.Format, WeightTransform> rtn = new LinkedHashMap<>();
            for (LayerPlan l : plan.layers()) {
                if (!l.isChanged()) continue;
                LayerRef layer = model.layer(l.name());
                if (l.isPruned()) {
                    out.put(layer, l.transform());
                    continue;
                }
                if (!l.algorithm().needsCalibration()) {
                    out.put(layer, rtn.computeIfAbsent(l.format(), WeightTransform::fakeQuantize));
                    continue;
                }
                float[] w = weights.get(layer.weight().name());
                out.put(layer, WeightTransform.of(l.formatText(), v -> v.write(w)));
            }
            return out;
        }

        /** The transforms of the round-to-nearest layers only. */
        Map<LayerRef, WeightTransform> transformsRtnOnly(Model model) {
            Map<LayerRef, WeightTransform> out = new LinkedHashMap<>();
            Map<io.precis.engine.format.Format, WeightTransform> rtn = new LinkedHashMap<>();
            for (LayerPlan l : plan.layers())
                if (l.isPruned())
                    out.put(model.layer(l.name()), l.transform());
                else if (l.isQuantized() && !l.algorithm().needsCalibration())
                    out.put(model.layer(l.name()), rtn.computeIfAbsent(l.format(), WeightTransform::fakeQuantize));
            return out;
        }

        public String describe() {
            return String.format(Locale.ROOT, "%s, %d calibration batches, statistics %.1f MB%s, %.1f s", String.join("; ", plan.algorithms()),
                    batches, statsBytes / 1e6, sequential ? ", sequential" : "", seconds);
        }
    }

    private PlanQuantizer() {}

    /**
     * Computes the calibrated layers' weights. The model must be at full precision; it is again when this returns.
     *
     * @param checkpoint called between batches and layers (interrupts), may be null
     */
    public static Result quantize(Model model, Plan plan, List<ModelInput> calibration, boolean sequential, Runnable checkpoint) {
        long t0 = System.nanoTime();
        List<LayerPlan> calibrated = new ArrayList<>();
        for (LayerPlan l : plan.layers()) {
            if (!l.isQuantized() || !l.algorithm().needsCalibration()) continue;
            LayerRef layer = model.layer(l.name());
            // an embedding table is looked up, not multiplied: it has no input rows to calibrate on
            if (layer.kind() == io.precis.engine.model.LayerKind.EMBEDDING || layer.weights().size() != 1 || layer.weight().shape().length != 2
                    || !layer.dtype().equals("float32"))
                throw new IllegalArgumentException(l.name() + " cannot use " + l.algorithm().name() + ": it works on linear layers "
                        + "with one float32 weight matrix (this one is " + layer.kind().label() + " " + java.util.Arrays.toString(layer.shape()) + ")");
            calibrated.add(l);
        }
        Map<String, float[]> weights = new LinkedHashMap<>();
        Map<String, QuantAlgorithm.Detailed> details = new LinkedHashMap<>();
        if (calibrated.isEmpty()) return new Result(plan, weights, 0, 0, sequential, 0);
        if (calibration.isEmpty()) throw new IllegalArgumentException("no calibration samples");
        boolean gram = calibrated.stream().anyMatch(l -> l.algorithm().needsGram());
        List<LayerRef> layers = calibrated.stream().map(l -> model.layer(l.name())).toList();
        long statsBytes = 0;
        try {
            if (!sequential) {
                Map<String, LayerStats> stats = Calibration.capture(model, calibration, layers, gram, checkpoint);
                statsBytes = Calibration.bytes(stats);
                for (LayerPlan l : calibrated) {
                    if (checkpoint != null) checkpoint.run();
                    quantizeLayer(model, l, stats.get(l.name()), weights, details);
                }
            } else {
                // everything round-to-nearest first: a layer's input depends only on the layers before it
                for (Map.Entry<LayerRef, WeightTransform> e : new Result(plan, Map.of(), 0, 0, true, 0).transformsRtnOnly(model).entrySet())
                    model.swap(e.getKey(), e.getValue());
                for (List<LayerRef> group : groupsByInput(model, calibration.get(0), layers)) {
                    Map<String, LayerStats> stats = Calibration.capture(model, calibration, group, gram, checkpoint);
                    statsBytes = Math.max(statsBytes, Calibration.bytes(stats));
                    for (LayerRef layer : group) {
                        LayerPlan l = plan.layer(layer.name()).orElseThrow();
                        quantizeLayer(model, l, stats.get(layer.name()), weights, details);
                        float[] w = weights.get(layer.weight().name());
                        model.swap(layer, WeightTransform.of(l.formatText(), v -> v.write(w)));
                    }
                }
            }
        } finally {
            if (sequential) model.restoreAll();
        }
        return new Result(plan, weights, statsBytes, calibration.size(), sequential, (System.nanoTime() - t0) / 1e9, details);
    }

    /** Layers in model order, grouped by the tensor they read (one probe pass on one batch, streamed). */
    private static List<List<LayerRef>> groupsByInput(Model model, ModelInput probe, List<LayerRef> layers) {
        Map<String, Integer> group = new java.util.HashMap<>();
        int[] next = {0};
        model.layerInputs(probe, layers, (names, x) -> {
            for (String n : names) group.put(n, next[0]);
            next[0]++;
        });
        Map<Integer, List<LayerRef>> groups = new java.util.TreeMap<>();
        for (LayerRef l : layers) groups.computeIfAbsent(group.get(l.name()), k -> new ArrayList<>()).add(l);
        // model order: by each group's first layer
        List<List<LayerRef>> out = new ArrayList<>(groups.values());
        out.sort(java.util.Comparator.comparingInt(g -> layers.indexOf(g.get(0))));
        return out;
    }

    /** One layer: its full-precision weight as [out][in], the algorithm, back to the tensor's layout. */
    private static void quantizeLayer(Model model, LayerPlan l, LayerStats stats, Map<String, float[]> out,
                                      Map<String, QuantAlgorithm.Detailed> details) {
        LayerRef layer = model.layer(l.name());
        QuantAlgorithm.Detailed d = quantizeLayerDetailed(model, layer, l.format(), l.algorithm(), stats);
        out.put(layer.weight().name(), d.weights());
        if (d.inputScales() != null || d.groupOfColumn() != null)
            details.put(layer.weight().name(), new QuantAlgorithm.Detailed(null, d.inputScales(), d.groupOfColumn()));
    }

    /**
     * A linear layer's weights quantized by {@code alg} at {@code format} from its statistics, in the tensor's own
     * layout (the model's full-precision weights are read, not changed).
     */
    public static float[] quantizeLayer(Model model, LayerRef layer, io.precis.engine.format.Format format, QuantAlgorithm alg,
                                        LayerStats stats) {
        return quantizeLayerDetailed(model, layer, format, alg, stats).weights();
    }

    private static QuantAlgorithm.Detailed quantizeLayerDetailed(Model model, LayerRef layer, io.precis.engine.format.Format format,
                                                                 QuantAlgorithm alg, LayerStats stats) {
        TensorRef t = layer.weight();
        float[] w = model.fullPrecisionWeights(t);
        int a = Math.toIntExact(t.shape()[0]), b = Math.toIntExact(t.shape()[1]);
        boolean transposed = t.channelAxis() == 1;     // ONNX MatMul B is [in, out]
        int rows = transposed ? b : a, cols = transposed ? a : b;
        float[] rc = transposed ? transpose(w, a, b) : w;
        QuantAlgorithm.Detailed d = alg.quantizeDetailed(rc, rows, cols, format, stats);
        float[] q = d.weights();
        return new QuantAlgorithm.Detailed(transposed ? transpose(q, rows, cols) : q, d.inputScales(), d.groupOfColumn());
    }

    static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
        return t;
    }
}
